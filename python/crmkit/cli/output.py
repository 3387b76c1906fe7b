"""How the command line prints: tables aligned by display width, formatted numbers and money,
JSON for `--json`, and errors as `{"error": {...}}` on stderr."""

import datetime as _dt
import json
import math
import sys

try:
    from wcwidth import wcswidth as _wcswidth
except ImportError:  # the table still aligns CJK text through the East Asian width property
    import unicodedata

    def _wcswidth(text):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
                   for ch in text)

# Columns holding money (printed with two decimals) and rates (printed as percentages).
_MONEY_WORDS = ("amount", "value", "revenue", "lifetime_value", "monetary", "velocity", "won_amount",
                "credit_limit", "price")
_RATE_WORDS = ("rate", "conversion", "share", "p_alive", "probability")
# Cells wider than this are cut with an ellipsis in tables (--json gives the full text).
MAX_CELL = 60


def width(text):
    """Display columns `text` takes in a terminal: CJK and emoji count two, combining marks none."""
    w = _wcswidth(text)
    return len(text) if w < 0 else w


def _fit(text, limit):
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = max(width(ch), 0)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text, columns, right):
    gap = " " * max(columns - width(text), 0)
    return gap + text if right else text + gap


def is_money(column):
    return any(word in column for word in _MONEY_WORDS) and not is_rate(column)


def is_rate(column):
    return any(word in column for word in _RATE_WORDS)


def cell(value, column=""):
    """One value as a person reads it: 1,234 · 176,839,000.00 · 96.3% · 2026-01-05 09:00 UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if not column.endswith("id") else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if is_rate(column) and -10 <= value <= 10:
            return f"{value:.1%}"
        if is_money(column):
            return f"{value:,.2f}"
        return f"{value:,.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.4g}"
    if isinstance(value, _dt.datetime):
        v = value.astimezone(_dt.timezone.utc) if value.tzinfo else value
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return " ".join(str(value).split())  # one line per row: newlines and tabs become spaces


def _numeric(values):
    return all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)


def table(rows, columns=None):
    """A list of dicts as aligned text columns (numbers right-aligned); "(no rows)" when empty."""
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())
    raw = [[r.get(c) for c in columns] for r in rows]
    cells = [[_fit(cell(v, c), MAX_CELL) for v, c in zip(row, columns)] for row in raw]
    right = [_numeric([row[i] for row in raw]) for i in range(len(columns))]
    widths = [max(width(c), *(width(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(_pad(c, w, r) for c, w, r in zip(columns, widths, right)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(v, w, r) for v, w, r in zip(row, widths, right)).rstrip() for row in cells]
    return "\n".join(lines)


def pairs(mapping):
    """A dict as `key  value` lines, keys aligned by display width."""
    if not mapping:
        return "(nothing)"
    w = max(width(str(k)) for k in mapping)
    return "\n".join(f"{_pad(str(k), w, False)}  {cell(v, str(k))}" for k, v in mapping.items())


def to_jsonable(obj):
    """Records, Tables, datetimes and numpy scalars as JSON values."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return None if math.isnan(obj) else obj
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, _dt.datetime):
        return (obj.astimezone(_dt.timezone.utc) if obj.tzinfo else obj).isoformat().replace("+00:00", "Z")
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    if hasattr(obj, "rows") and hasattr(obj, "columns"):  # a crmkit.Table
        return to_jsonable(obj.rows())
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    if hasattr(obj, "item"):  # numpy scalars
        return to_jsonable(obj.item())
    return str(obj)


def dumps(obj):
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2)


def emit(text):
    """Writes one result to stdout."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def error_payload(kind, message, field=None, **extra):
    body = {"type": kind, "message": message, "field": field or None}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def emit_error(as_json, kind, message, field=None, **extra):
    """An error on stderr: JSON with --json, `crmkit: Type: message` otherwise."""
    if as_json:
        text = json.dumps(error_payload(kind, message, field, **extra), ensure_ascii=False) + "\n"
    else:
        where = f" (field {field})" if field else ""
        text = f"crmkit: {kind}: {message}{where}\n"
    # A message may quote an argument that is not valid text (a lone surrogate is what Python
    # makes of undecodable argv bytes): shown escaped, so that reporting the error cannot fail.
    sys.stderr.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
