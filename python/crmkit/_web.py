"""What the Flask and Django integrations share: crmkit errors as HTTP statuses with JSON bodies,
JSON for records, Tables and UTC datetimes, `If-Match` versions, and the per-process engine."""

import datetime as _dt
import json
import os
import re
import threading

import crmkit

# Most specific first: RuleSyntaxError and the others are all crmkit.Error.
_STATUS = (
    (crmkit.NotFound, 404),
    (crmkit.PermissionDenied, 403),
    (crmkit.Conflict, 409),
    (crmkit.RuleSyntaxError, 422),
    (crmkit.ValidationError, 422),
    (crmkit.WorkflowError, 409),
)


def status_of(error):
    """The HTTP status of a crmkit error: 404, 403, 409, 422, 503 (busy storage) or 500."""
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    if isinstance(error, crmkit.StorageError) and "busy" in str(error):
        return 503
    return 500


def error_body(error):
    """`{"error": {"type", "message", "field", ...}}` for a crmkit error. Storage failures carry a
    generic message: their text names files and SQLite internals a client has no use for."""
    kind = type(error).__name__
    status = status_of(error)
    if status == 503:
        body = {"type": kind, "message": "the service is busy; retry shortly", "field": None}
    elif status == 500:
        body = {"type": kind, "message": "internal error", "field": None}
    else:
        body = {"type": kind, "message": str(error), "field": getattr(error, "field", None)}
    for extra in ("row", "position", "line", "column"):
        value = getattr(error, extra, None)
        if value is not None:
            body[extra] = value
    return {"error": body}


def malformed_json_body(error):
    """The 400 body for a request body that is not JSON: the position where parsing failed."""
    body = {"type": "BadRequest", "message": f"the request body is not valid JSON: {error.msg}", "field": None}
    if isinstance(error, json.JSONDecodeError):
        body.update(position=error.pos, line=error.lineno, column=error.colno)
        body["message"] += f" (line {error.lineno}, column {error.colno}, position {error.pos})"
    return {"error": body}


def to_jsonable(obj):
    """A record, Table, datetime (as UTC ISO 8601 with Z), date or numpy scalar as a JSON value;
    TypeError for anything else."""
    if isinstance(obj, _dt.datetime):
        if obj.tzinfo is None:
            obj = obj.replace(tzinfo=_dt.timezone.utc)
        return obj.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if hasattr(obj, "rows") and hasattr(obj, "columns"):  # crmkit.Table
        return obj.rows()
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "item") and hasattr(obj, "dtype"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def parse_if_match(value):
    """The record version an `If-Match` header names ("3", "\"3\"" or W/"3"); None when absent.
    A header that names no version is a ValidationError (field "If-Match")."""
    if value is None or value == "":
        return None
    m = _IF_MATCH.match(value)
    if not m:
        raise crmkit.ValidationError(f"If-Match: expected a record version such as \"3\", got {value[:40]!r}")
    # Versions are 64-bit: a longer number is no version of any record (and the engine's integer
    # argument would refuse it with a type error instead).
    if len(m.group(1)) > 18:
        raise crmkit.ValidationError(f"If-Match: {value[:40]!r} is beyond any record version")
    return int(m.group(1))


def etag(version):
    return f'"{version}"'


class Engine:
    """One opened database per process. A forked worker (gunicorn) opens its own the first time it
    asks, so no connection crosses a fork."""

    def __init__(self, path, **options):
        self.path = path
        self.options = options
        self._lock = threading.Lock()
        self._crm = None
        self._pid = None

    def get(self):
        """The process's system view of the database (opened on first use)."""
        pid = os.getpid()
        if self._crm is None or self._pid != pid:
            with self._lock:
                if self._crm is None or self._pid != pid:
                    self._crm = crmkit.open(self.path, **self.options)
                    self._pid = pid
        return self._crm

    def scoped(self, user):
        """The view of `user` (a User, id or login). An unknown or deactivated user is refused
        with PermissionDenied, never silently given the system view."""
        if user is None:
            raise crmkit.PermissionDenied("no user: sign in to use the CRM")
        try:
            return self.get().as_user(user)
        except crmkit.NotFound:
            raise crmkit.PermissionDenied(f"user {user!r} is not a user of this CRM") from None

    def close(self):
        with self._lock:
            if self._crm is not None and self._pid == os.getpid():
                self._crm.close()
            self._crm = None
