"""Hands the engine's queued log records to logging.getLogger("crmkit") (called by the extension
when an engine call returns; see cpp/bindings/bind_log.cpp).

Each record keeps the moment it was made in the engine: `created`, `msecs` and `relativeCreated`
are those of the log call, not of the delivery. The caller's file and line are those of the
Python code that made the engine call.
"""

import datetime as _dt
import logging

_logger = logging.getLogger("crmkit")


def _stamp(record, time_ns):
    """Moves `record`'s time to `time_ns` (nanoseconds since the epoch)."""
    created = time_ns / 1e9
    record.relativeCreated += (created - record.created) * 1000.0
    record.created = created
    record.msecs = float(time_ns // 1_000_000 % 1000)


def _clock(time_ns):
    return _dt.datetime.fromtimestamp(time_ns / 1e9, _dt.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def deliver(records, dropped, first_dropped_ns, last_dropped_ns, capacity):
    """Logs `records` — (level number, message, time in ns) — then, when `dropped` records did not
    fit the queue of `capacity`, a warning saying how many and when. Returns None."""
    logger = _logger
    caller = None
    for levelno, message, time_ns in records:
        if not logger.isEnabledFor(levelno):
            continue
        if caller is None:
            caller = logger.findCaller(False, 2)  # the frame that called the engine
        fn, lno, func, sinfo = caller
        record = logger.makeRecord(logger.name, levelno, fn, lno, message, (), None, func, None, sinfo)
        _stamp(record, time_ns)
        logger.handle(record)
    if dropped and logger.isEnabledFor(logging.WARNING):
        fn, lno, func, sinfo = caller or logger.findCaller(False, 2)
        message = (f"{dropped} log records were dropped: more than {capacity} waited for delivery "
                   f"(between {_clock(first_dropped_ns)} and {_clock(last_dropped_ns)} UTC)")
        record = logger.makeRecord(logger.name, logging.WARNING, fn, lno, message, (), None, func, None, sinfo)
        record.crmkit_dropped = dropped
        _stamp(record, last_dropped_ns)
        logger.handle(record)
