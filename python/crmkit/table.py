"""Row-wise, pandas, Arrow, polars and Jupyter sugar over the engine's columnar `Table`.

The engine hands over whole columns (numpy arrays for numbers, times and dates, plus a validity
mask; lists for text). Rows are built from columns only when asked for; `to_pandas()` and
`to_arrow()` copy columns, never rows. pandas, pyarrow and polars are optional and imported only
when their method is called.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
from typing import Any, Iterator, KeysView

import numpy as _np

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_MS_PER_DAY = 86_400_000

# How much of a table a notebook shows: the first HTML_ROWS rows, each text cut at HTML_TEXT
# characters. A notebook cell is for a glance; the data is one to_pandas() away.
HTML_ROWS = 20
HTML_TEXT = 80


class Row:
    """One row of a Table: attribute and key access (`row.name`, `row["name"]`), `to_dict()`."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("rows are read-only snapshots")

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[Row], tuple[dict[str, Any]]]:
        return (Row, (self._data,))

    def keys(self) -> KeysView[str]:
        """The column names, in order."""
        return self._data.keys()

    def to_dict(self) -> dict[str, Any]:
        """The row as a new dict (column name -> Python value, None for NULL)."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Row({self._data!r})"


def _python_values(kind: str, values: Any, valid: Any) -> list[Any]:
    """A column as a list of Python values (None for NULL)."""
    ok = valid.astype(bool)
    out: list[Any]
    if kind in ("int", "float"):
        out = values.tolist()
    elif kind == "bool":
        out = [bool(v) for v in values.tolist()]
    elif kind == "time":
        out = [_EPOCH + _dt.timedelta(milliseconds=v) for v in values.tolist()]
    elif kind == "date":
        out = [_EPOCH_DATE + _dt.timedelta(days=v // _MS_PER_DAY) for v in values.tolist()]
    else:
        return list(values)
    if not ok.all():
        for i in _np.flatnonzero(~ok).tolist():
            out[i] = None
    return out


def _columns(table: Any, start: int = 0, stop: int | None = None) -> Iterator[tuple[str, str, Any, Any]]:
    """Each column as (name, type, values, valid), rows [start, stop) only: a glance at a large
    table converts the rows it shows, not the whole columns."""
    for i in range(len(table.columns)):
        yield table._raw(i, start, stop)


def _column(self: Any, name: str) -> list[Any]:
    """Returns one column as a list of Python values (None for NULL).

    Raises KeyError naming the columns when the table has no column `name`."""
    for col_name, kind, values, valid in _columns(self):
        if col_name == name:
            return _python_values(kind, values, valid)
    raise KeyError(f"table has no column {name!r} (columns: {', '.join(self.columns)})")


def _rows(self: Any) -> list[dict[str, Any]]:
    """Returns all rows as a list of dicts (column name -> Python value, None for NULL). Raises
    nothing."""
    names, cols = [], []
    for col_name, kind, values, valid in _columns(self):
        names.append(col_name)
        cols.append(_python_values(kind, values, valid))
    return [dict(zip(names, cells)) for cells in zip(*cols)] if cols else []


def _iter(self: Any) -> Iterator[Row]:
    return (Row(d) for d in _rows(self))


def _getitem(self: Any, key: Any) -> Any:
    if isinstance(key, str):
        return _column(self, key)
    if isinstance(key, slice):
        # Convert only the rows the slice spans, then pick the selected ones among them.
        start, stop, step = key.indices(len(self))
        if (step > 0 and start >= stop) or (step < 0 and start <= stop):
            return []
        low, high = (start, stop) if step > 0 else (stop + 1, start + 1)
        local = slice(start - low, stop - low if stop - low >= 0 else None, step)
        names, cols = [], []
        for name, kind, values, valid in _columns(self, low, high):
            names.append(name)
            cols.append(_python_values(kind, values[local], valid[local]))
        return [Row(dict(zip(names, cells))) for cells in zip(*cols)] if cols else []
    # One row: convert just that cell of each column, not the whole table.
    n = len(self)
    index = key + n if key < 0 else key
    if not 0 <= index < n:
        raise IndexError(f"row {key} is outside a table of {n} rows")
    data = {}
    for name, kind, values, valid in _columns(self, index, index + 1):
        data[name] = _python_values(kind, values, valid)[0]
    return Row(data)


def _require(module: str, method: str, extra: str) -> Any:
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"Table.{method}() needs {module}, which is not installed: "
                          f"pip install 'crmkit[{extra}]' (or pip install {module})") from e


def _to_pandas(self: Any) -> Any:
    """Returns a pandas DataFrame built column by column: ints as int64 (nullable Int64 when a value is
    missing), times as UTC datetime64[ms], dates as datetime64[ms], text and lists as objects,
    NULLs as NA/NaT/None.

    Raises ImportError (saying what to install) when pandas is missing."""
    pd = _require("pandas", "to_pandas", "pandas")
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


def _arrow_array(pa: Any, kind: str, values: Any, valid: Any) -> Any:
    mask = ~valid.astype(bool)
    if kind == "int":
        return pa.array(values, type=pa.int64(), mask=mask)
    if kind == "float":
        return pa.array(values, type=pa.float64(), mask=mask)
    if kind == "bool":
        return pa.array(values.astype(bool), type=pa.bool_(), mask=mask)
    if kind == "time":
        return pa.array(values, type=pa.timestamp("ms", tz="UTC"), mask=mask)
    if kind == "date":
        return pa.array((values // _MS_PER_DAY).astype(_np.int32), type=pa.date32(), mask=mask)
    if kind == "list":
        return pa.array(values, type=pa.list_(pa.string()))
    return pa.array(values, type=pa.string())


def _to_arrow(self: Any) -> Any:
    """Returns a pyarrow.Table with one typed column per column: int64, float64, bool, string,
    timestamp[ms, UTC] for times, date32 for dates, list<string> for tags; NULLs as nulls.

    Raises ImportError (saying what to install) when pyarrow is missing."""
    pa = _require("pyarrow", "to_arrow", "arrow")
    arrays, names = [], []
    for name, kind, values, valid in _columns(self):
        names.append(name)
        arrays.append(_arrow_array(pa, kind, values, valid))
    return pa.Table.from_arrays(arrays, names=names)


def _arrow_c_stream(self: Any, requested_schema: object | None = None) -> object:
    """The Arrow PyCapsule stream interface (an ArrowArrayStream capsule), so that any Arrow
    consumer (polars, duckdb, pyarrow) reads the table without a copy through Python objects.

    Raises ImportError when pyarrow is missing."""
    return _to_arrow(self).__arrow_c_stream__(requested_schema)


def _to_polars(self: Any) -> Any:
    """Returns a polars DataFrame with the same columns and types as to_arrow() (times as UTC
    Datetime[ms], dates as Date, tags as List[String]).

    Raises ImportError (saying what to install) when polars or pyarrow is missing."""
    pl = _require("polars", "to_polars", "polars")
    return pl.from_arrow(_to_arrow(self))


def _array(self: Any, dtype: object = None, copy: object = None) -> Any:
    # pandas (pd.DataFrame(table)) and numpy (np.asarray) convert through __array__: a table has
    # typed columns, not one array, and a row-by-row conversion would lose the types and NULLs.
    raise TypeError("a crmkit.Table is not an array: use table.to_pandas() for a DataFrame "
                    "(pd.DataFrame(table) is not supported), table.to_arrow() or table.to_polars(), "
                    "or table['column'] for one column")


def _cell_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "time":
        text = value.strftime("%Y-%m-%d %H:%M:%S") + "Z"
    elif kind == "list":
        text = ", ".join(value)
    elif kind == "float":
        text = f"{value:,.2f}" if abs(value) >= 1000 else f"{value:g}"
    else:
        text = str(value)
    if len(text) > HTML_TEXT:
        text = text[:HTML_TEXT - 1] + "…"
    return _html.escape(text)


def _repr_html(self: Any) -> str:
    """A compact HTML table for Jupyter: the first HTML_ROWS rows, long texts cut, every value
    HTML-escaped (Chinese and emoji kept as they are), NULLs as empty cells."""
    n = len(self)
    shown = min(n, HTML_ROWS)
    cols = []
    for name, kind, values, valid in _columns(self, 0, shown):
        cols.append((name, kind, _python_values(kind, values, valid)))
    out = ['<table class="crmkit-table" style="font-size: 0.9em">',
           f"<caption>Table: {n:,} rows × {len(cols)} columns</caption>", "<thead><tr>"]
    out += [f'<th title="{_html.escape(kind)}">{_html.escape(name)}</th>' for name, kind, _ in cols]
    out.append("</tr></thead><tbody>")
    for i in range(shown):
        cells = []
        for _, kind, values in cols:
            align = ' style="text-align: right"' if kind in ("int", "float") else ""
            cells.append(f"<td{align}>{_cell_text(kind, values[i])}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if n > shown:
        out.append(f"<p>… {n - shown:,} more rows (to_pandas() for all of them)</p>")
    return "\n".join(out)


def _repr(self: Any) -> str:
    n = len(self)
    head = self[:5] if n else []
    lines = [f"Table({n} rows × {len(self.columns)} columns: {', '.join(self.columns)})"]
    lines += [f"  {r.to_dict()}" for r in head]
    if n > 5:
        lines.append("  ...")
    return "\n".join(lines)


def install(table_cls: Any) -> None:
    table_cls.column = _column
    table_cls.rows = _rows
    table_cls.__iter__ = _iter
    table_cls.__getitem__ = _getitem
    table_cls.to_pandas = _to_pandas
    table_cls.to_arrow = _to_arrow
    table_cls.to_polars = _to_polars
    table_cls.__arrow_c_stream__ = _arrow_c_stream
    table_cls.__array__ = _array
    table_cls._repr_html_ = _repr_html
    table_cls.__repr__ = _repr
