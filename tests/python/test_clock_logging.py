"""The engine's clock (freeze / advance / unfreeze) and its logging bridge to Python."""

import datetime as dt
import logging

import pytest

import crmkit

UTC = dt.timezone.utc


def _now_ms_floor():
    """The wall clock truncated to whole milliseconds (the engine's resolution)."""
    n = dt.datetime.now(UTC)
    return n.replace(microsecond=n.microsecond // 1000 * 1000)


# ---------------------------------------------------------------------------------------------
# Clock


def test_freeze_sets_created_at_of_new_customers(crm):
    crm.clock.freeze("2026-01-01T09:00")
    assert crm.clock.frozen
    c = crm.customers.add(name="冻结时间")
    expected = dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert c.created_at == expected
    assert c.updated_at == expected
    assert c.created_at.tzinfo is not None and c.created_at.utcoffset() == dt.timedelta(0)
    # The stored value round-trips too.
    assert crm.customers.get(c.id).created_at == expected
    assert crm.clock.now() == expected


def test_frozen_clock_does_not_move(crm):
    crm.clock.freeze("2026-01-01T09:00")
    a = crm.customers.add(name="甲")
    b = crm.customers.add(name="乙")
    assert a.created_at == b.created_at == crm.clock.now()


def test_advance_moves_a_frozen_clock(crm):
    crm.clock.freeze("2026-01-01T09:00")
    crm.clock.advance(days=3)
    c = crm.customers.add(name="三天后")
    assert c.created_at == dt.datetime(2026, 1, 4, 9, 0, tzinfo=UTC)
    crm.clock.advance(hours=2, minutes=30, seconds=15)
    assert crm.clock.now() == dt.datetime(2026, 1, 4, 11, 30, 15, tzinfo=UTC)
    crm.clock.advance(days=0.5)
    assert crm.clock.now() == dt.datetime(2026, 1, 4, 23, 30, 15, tzinfo=UTC)


def test_updated_at_follows_the_clock_but_created_at_stays(crm):
    crm.clock.freeze("2026-01-01T09:00")
    c = crm.customers.add(name="客户")
    crm.clock.advance(days=1)
    u = crm.customers.update(c.id, industry="软件")
    assert u.created_at == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert u.updated_at == dt.datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    assert crm.customers.get(c.id).updated_at == u.updated_at


@pytest.mark.parametrize("at", [
    dt.datetime(2026, 1, 1, 9, 0),                                   # naive means UTC
    dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC),
    dt.datetime(2026, 1, 1, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    "2026-01-01T09:00:00Z",
    "2026-01-01T17:00+08:00",
    "2026-01-01 09:00",
], ids=["naive", "aware-utc", "aware-cst", "iso-z", "iso-offset", "iso-space"])
def test_freeze_accepts_every_time_spelling(crm, at):
    crm.clock.freeze(at)
    assert crm.clock.now() == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_freeze_accepts_a_date_as_its_midnight(crm):
    crm.clock.freeze(dt.date(2026, 3, 1))
    assert crm.clock.now() == dt.datetime(2026, 3, 1, tzinfo=UTC)


def test_freeze_with_bad_text_is_a_validation_error(crm):
    with pytest.raises(crmkit.ValidationError):
        crm.clock.freeze("2026-02-30T09:00")
    with pytest.raises(crmkit.ValidationError):
        crm.clock.freeze("next tuesday")
    assert not crm.clock.frozen


def test_unfreeze_returns_to_real_time(crm):
    crm.clock.freeze("2001-01-01T00:00")
    crm.clock.advance(days=3)
    crm.clock.unfreeze()
    assert not crm.clock.frozen
    before = _now_ms_floor()
    c = crm.customers.add(name="现在")
    after = dt.datetime.now(UTC)
    assert before <= c.created_at <= after


def test_advance_without_freezing_shifts_real_time(crm):
    crm.clock.advance(days=10)
    assert not crm.clock.frozen
    before = _now_ms_floor() + dt.timedelta(days=10)
    c = crm.customers.add(name="十天后")
    after = dt.datetime.now(UTC) + dt.timedelta(days=10)
    assert before <= c.created_at <= after
    crm.clock.unfreeze()  # also drops the offset
    before = _now_ms_floor()
    d = crm.customers.add(name="回到现在")
    assert before <= d.created_at <= dt.datetime.now(UTC)


def test_scoped_views_share_the_clock(org):
    crm = org.crm
    crm.clock.freeze("2026-05-01T08:00")
    me = crm.as_user(org.alice)
    assert me.clock.now() == dt.datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    c = me.customers.add(name="alice 的客户")
    assert c.created_at == dt.datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    me.clock.advance(hours=1)
    assert crm.clock.now() == dt.datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_clock_time_lands_in_history(crm):
    crm.clock.freeze("2026-01-01T09:00")
    c = crm.customers.add(name="客户")
    crm.clock.advance(days=2)
    crm.customers.set_stage(c.id, "active")
    h = crm.history("customer", c.id).rows()
    assert [r["field"] for r in h] == ["created", "stage"]
    assert h[0]["at"] == dt.datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert h[1]["at"] == dt.datetime(2026, 1, 3, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Logging


def _crmkit_records(caplog):
    return [r for r in caplog.records if r.name == "crmkit"]


def test_debug_level_emits_records_to_python_logging(crm, crmkit_caplog):
    crmkit.set_log_level("debug")
    assert crmkit.log_level() == "debug"
    crmkit_caplog.clear()
    c = crm.customers.add(name="上海某某科技有限公司", email="info@example.cn", phone="021-5555 0000")
    records = _crmkit_records(crmkit_caplog)
    assert records, "no record reached logging.getLogger('crmkit')"
    adds = [r for r in records if "customers.add" in r.getMessage()]
    assert len(adds) == 1
    assert adds[0].levelno == logging.DEBUG
    assert str(c.id) in adds[0].getMessage()

    crmkit_caplog.clear()
    crm.customers.delete(c.id)
    deletes = [r for r in _crmkit_records(crmkit_caplog) if "customers.delete" in r.getMessage()]
    assert len(deletes) == 1 and str(c.id) in deletes[0].getMessage()


def test_debug_records_carry_ids_not_personal_data(crm, crmkit_caplog):
    crmkit.set_log_level("debug")
    crm.users.add("alice", name="Alice Wang", email="alice@example.cn")
    c = crm.customers.add(name="上海某某科技有限公司", email="info@example.cn", phone="021-5555 0000")
    crm.customers.add_many([{"name": "王先生", "phone": "13900000000"}])
    crm.customers.delete(c.id)
    text = "\n".join(r.getMessage() for r in _crmkit_records(crmkit_caplog))
    assert text
    for personal in ("上海某某科技有限公司", "info@example.cn", "021-5555 0000", "王先生", "13900000000",
                     "Alice Wang", "alice@example.cn"):
        assert personal not in text


def test_warning_level_emits_no_debug_records(crm, crmkit_caplog):
    crmkit.set_log_level("warning")
    assert crmkit.log_level() == "warning"
    crm.customers.add(name="安静")
    assert [r for r in _crmkit_records(crmkit_caplog) if r.levelno < logging.WARNING] == []


def test_info_level_reports_migrations_but_not_debug(tmp_path, crmkit_caplog):
    crmkit.set_log_level("info")
    crm = crmkit.open(str(tmp_path / "fresh.db"))
    try:
        crm.customers.add(name="x")
    finally:
        crm.close()
    records = _crmkit_records(crmkit_caplog)
    assert any(r.levelno == logging.INFO and "migrate" in r.getMessage() for r in records)
    assert all(r.levelno >= logging.INFO for r in records)


def test_off_level_emits_nothing(crm, crmkit_caplog):
    crmkit.set_log_level("off")
    assert crmkit.log_level() == "off"
    crm.customers.delete(crm.customers.add(name="x").id)
    assert _crmkit_records(crmkit_caplog) == []


@pytest.mark.parametrize("level", ["trace", "debug", "info", "warning", "warn", "error", "critical", "off"])
def test_every_documented_level_is_accepted(level, log_level_reset):
    crmkit.set_log_level(level)
    assert crmkit.log_level() == ("warning" if level == "warn" else level)


@pytest.mark.parametrize("level", ["loud", "", "debugging", "5"])
def test_unknown_level_is_a_validation_error(level, log_level_reset):
    crmkit.set_log_level("error")
    with pytest.raises(crmkit.ValidationError) as info:
        crmkit.set_log_level(level)
    assert info.value.field == "level"
    assert crmkit.log_level() == "error"  # unchanged


def test_library_installs_only_a_null_handler():
    # A library never prints on its own: the application decides where records go.
    handlers = logging.getLogger("crmkit").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)
    assert not any(isinstance(h, logging.StreamHandler) for h in handlers)


# ---------------------------------------------------------------------------------------------
# The Python logger drives the engine; records keep their time; a full queue says what it dropped


@pytest.fixture
def python_levels(log_level_reset):
    """Restores the levels of the 'crmkit' and root loggers that a test sets through logging."""
    crmkit_logger, root = logging.getLogger("crmkit"), logging.getLogger()
    saved = crmkit_logger.level, root.level
    handler = _Collect()
    crmkit_logger.addHandler(handler)
    yield handler
    crmkit_logger.removeHandler(handler)
    crmkit_logger.setLevel(saved[0])
    root.setLevel(saved[1])
    logging.disable(logging.NOTSET)


class _Collect(logging.Handler):
    """Keeps every record that reaches the 'crmkit' logger's handlers."""

    def __init__(self):
        super().__init__(level=1)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def messages(self):
        return [r.getMessage() for r in self.records]


def test_setting_the_python_loggers_level_alone_yields_engine_records(crm, python_levels):
    logging.getLogger("crmkit").setLevel(logging.DEBUG)
    c = crm.customers.add(name="只用 logging")
    assert crmkit.log_level() == "debug"
    adds = [r for r in python_levels.records if "customers.add" in r.getMessage()]
    assert len(adds) == 1 and adds[0].levelno == logging.DEBUG and str(c.id) in adds[0].getMessage()
    # The record names the Python line that called the engine, as logger.debug() there would.
    assert adds[0].pathname == __file__ and adds[0].funcName == "test_setting_the_python_loggers_level_alone_yields_engine_records"

    python_levels.records.clear()
    logging.getLogger("crmkit").setLevel(logging.WARNING)
    crm.customers.add(name="又安静了")
    assert crmkit.log_level() == "warning"
    assert python_levels.records == []


def test_the_effective_level_counts_parents_and_logging_disable(crm, python_levels):
    logging.getLogger("crmkit").setLevel(logging.NOTSET)   # inherit from the root logger
    logging.getLogger().setLevel(logging.DEBUG)
    crm.customers.add(name="根记录器")
    assert crmkit.log_level() == "debug"
    assert any("customers.add" in m for m in python_levels.messages())

    python_levels.records.clear()
    logging.disable(logging.INFO)                          # silences INFO and below everywhere
    crm.customers.add(name="禁用")
    assert crmkit.log_level() == "warning"
    assert python_levels.records == []


def test_set_log_level_is_a_shortcut_for_the_python_logger(python_levels):
    crmkit.set_log_level("debug")
    assert logging.getLogger("crmkit").level == logging.DEBUG
    crmkit.set_log_level(logging.ERROR)
    assert logging.getLogger("crmkit").level == logging.ERROR and crmkit.log_level() == "error"
    crmkit.set_log_level("off")
    assert logging.getLogger("crmkit").level > logging.CRITICAL and crmkit.log_level() == "off"
    with pytest.raises(crmkit.ValidationError) as info:
        crmkit.set_log_level(True)
    assert info.value.field == "level"


def test_records_carry_the_time_they_happened_not_their_delivery(crm, python_levels, monkeypatch):
    import time

    logging.getLogger("crmkit").setLevel(logging.DEBUG)
    before = time.time()
    # Whatever logging reads as "now" while it builds the records is an hour late: a record
    # that still says `before..after` took its time from the engine's log call.
    late = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: late)
    monkeypatch.setattr(time, "time_ns", lambda: int(late * 1e9))
    lead = crm.leads.add(name="李", company="时间戳公司")
    crm.leads.convert(lead.id)
    monkeypatch.undo()
    after = time.time()
    records = python_levels.records
    assert len(records) >= 2
    for r in records:
        assert before - 0.001 <= r.created <= after, (r.getMessage(), r.created, before, after)
        assert r.msecs == pytest.approx(int(r.created * 1000) % 1000, abs=1)
    assert [r.created for r in records] == sorted(r.created for r in records)


def test_a_full_queue_counts_what_it_dropped_and_says_so(tmp_path, python_levels):
    logging.getLogger("crmkit").setLevel(logging.DEBUG)
    first = crmkit.open(str(tmp_path / "all.db"))         # what opening a fresh file logs
    everything = python_levels.messages()
    first.close()
    assert len(everything) > 3
    python_levels.records.clear()
    previous = crmkit._crmkit._set_log_queue_capacity(3)
    try:
        second = crmkit.open(str(tmp_path / "three.db"))
    finally:
        crmkit._crmkit._set_log_queue_capacity(previous)
    got = list(python_levels.records)
    second.close()
    assert [r.getMessage().replace("three.db", "all.db") for r in got[:3]] == everything[:3]
    assert len(got) == 4
    note = got[3]
    assert note.levelno == logging.WARNING
    assert note.getMessage().startswith(f"{len(everything) - 3} log records were dropped: more than 3 waited")
    assert note.crmkit_dropped == len(everything) - 3
    # The count starts again: the next call drops nothing and says nothing of it.
    python_levels.records.clear()
    crmkit.open(str(tmp_path / "again.db")).close()
    assert not any("dropped" in m for m in python_levels.messages())
    with pytest.raises(crmkit.ValidationError):
        crmkit._crmkit._set_log_queue_capacity(0)
