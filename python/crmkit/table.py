"""Row-wise and pandas sugar over the engine's columnar `Table`.

The engine hands over whole columns (numpy arrays for numbers, times and dates, plus a validity
mask; lists for text). Rows are built from columns only when asked for; `to_pandas()` copies
columns, never rows. pandas is imported lazily.
"""

import datetime as _dt

import numpy as _np

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_EPOCH_DATE = _dt.date(1970, 1, 1)


class Row:
    """One row of a Table: attribute and key access, `to_dict()`."""

    __slots__ = ("_data",)

    def __init__(self, data):
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name):
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("rows are read-only snapshots")

    def __getitem__(self, name):
        return self._data[name]

    def __contains__(self, name):
        return name in self._data

    def __eq__(self, other):
        return isinstance(other, Row) and self._data == other._data

    __hash__ = None

    def keys(self):
        return self._data.keys()

    def to_dict(self):
        return dict(self._data)

    def __repr__(self):
        return f"Row({self._data!r})"


def _python_values(kind, values, valid):
    """A column as a list of Python values (None for NULL)."""
    ok = valid.astype(bool)
    if kind == "int":
        out = values.tolist()
    elif kind == "float":
        out = values.tolist()
    elif kind == "bool":
        out = [bool(v) for v in values.tolist()]
    elif kind == "time":
        out = [_EPOCH + _dt.timedelta(milliseconds=v) for v in values.tolist()]
    elif kind == "date":
        out = [_EPOCH_DATE + _dt.timedelta(days=v // 86_400_000) for v in values.tolist()]
    else:
        return list(values)
    if not ok.all():
        for i in _np.flatnonzero(~ok).tolist():
            out[i] = None
    return out


def _columns(table):
    for i in range(len(table.columns)):
        yield table._raw(i)


def _column(self, name):
    """One column as a list of Python values."""
    for col_name, kind, values, valid in _columns(self):
        if col_name == name:
            return _python_values(kind, values, valid)
    raise KeyError(f"table has no column {name!r} (columns: {', '.join(self.columns)})")


def _rows(self):
    """All rows as a list of dicts."""
    names, cols = [], []
    for col_name, kind, values, valid in _columns(self):
        names.append(col_name)
        cols.append(_python_values(kind, values, valid))
    return [dict(zip(names, cells)) for cells in zip(*cols)] if cols else []


def _iter(self):
    return (Row(d) for d in _rows(self))


def _getitem(self, key):
    if isinstance(key, str):
        return _column(self, key)
    if isinstance(key, slice):
        return [Row(d) for d in _rows(self)[key]]
    # One row: convert just that cell of each column, not the whole table.
    n = len(self)
    index = key + n if key < 0 else key
    if not 0 <= index < n:
        raise IndexError(f"row {key} is outside a table of {n} rows")
    data = {}
    for name, kind, values, valid in _columns(self):
        data[name] = _python_values(kind, values[index:index + 1], valid[index:index + 1])[0]
    return Row(data)


def _require_pandas():
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - exercised only without pandas
        raise ImportError("Table.to_pandas() needs pandas: pip install 'crmkit[pandas]'") from e
    return pandas


def _to_pandas(self):
    """A DataFrame built column by column (times as UTC datetime64, NULLs as NA/NaT/None)."""
    pd = _require_pandas()
    data = {}
    for name, kind, values, valid in _columns(self):
        missing = ~valid.astype(bool)
        has_missing = bool(missing.any())
        if kind == "int":
            data[name] = pd.arrays.IntegerArray(values, missing) if has_missing else values
        elif kind == "float":
            if has_missing:
                values = values.copy()
                values[missing] = _np.nan
            data[name] = values
        elif kind == "bool":
            data[name] = pd.arrays.BooleanArray(values.astype(bool), missing) if has_missing else values.astype(bool)
        elif kind in ("time", "date"):
            stamps = values.astype("datetime64[ms]")
            if has_missing:
                stamps[missing] = _np.datetime64("NaT")
            series = pd.Series(stamps, copy=False)
            data[name] = series.dt.tz_localize("UTC") if kind == "time" else series
        else:
            arr = _np.empty(len(values), dtype=object)
            arr[:] = values
            data[name] = pd.Series(arr, dtype=object, copy=False)
    return pd.DataFrame(data, columns=list(self.columns))


def _repr(self):
    n = len(self)
    head = _rows(self)[:5] if n else []
    lines = [f"Table({n} rows × {len(self.columns)} columns: {', '.join(self.columns)})"]
    lines += [f"  {r}" for r in head]
    if n > 5:
        lines.append("  ...")
    return "\n".join(lines)


def install(table_cls):
    table_cls.column = _column
    table_cls.rows = _rows
    table_cls.__iter__ = _iter
    table_cls.__getitem__ = _getitem
    table_cls.to_pandas = _to_pandas
    table_cls.__repr__ = _repr
