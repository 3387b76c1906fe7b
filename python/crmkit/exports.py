"""crm.exports: a Table, a saved segment or a whole entity to a CSV or XLSX file.

The rows come from the view's own reads (`crm.customers.find`, `crm.segments.members`, ...), so a
scoped view exports only what it may read. CSV is written by the engine (crmkit._crmkit._write_csv,
C++: a million rows take seconds) as UTF-8 with a byte-order mark, which Excel needs to open
Chinese text correctly; XLSX through openpyxl's write-only mode, which streams rows to the file.
"""

import datetime as _dt
import os as _os

from . import _crmkit

# The entities that export by name, and how a view reads all of their rows.
_ENTITIES = {
    "customers": lambda crm: crm.customers.find(limit=None),
    "contacts": lambda crm: _crmkit._all_contacts(crm),
    "opportunities": lambda crm: crm.opportunities.find(limit=None),
    "leads": lambda crm: crm.leads.find(limit=None),
    "orders": lambda crm: crm.orders.list(limit=None),
    "interactions": lambda crm: crm.interactions.list(limit=None),
    "tickets": lambda crm: crm.tickets.list(limit=None),
    "tasks": lambda crm: crm.tasks.list(limit=None),
}

# Chinese column headers (headers="zh") of the built-in columns; custom fields use their label.
CHINESE_HEADERS = {
    "id": "编号", "name": "名称", "kind": "类型", "industry": "行业", "owner_id": "负责人", "source": "来源",
    "phone": "电话", "email": "邮箱", "stage": "阶段", "tags": "标签", "version": "版本",
    "created_at": "创建时间", "updated_at": "更新时间", "customer_id": "客户编号", "title": "职务",
    "last_contact_at": "最近联系时间", "days_since_contact": "未联系天数", "interaction_count": "跟进次数",
    "order_count": "订单数", "lifetime_value": "累计金额", "first_order_at": "首次成交时间",
    "last_order_at": "最近成交时间", "avg_satisfaction": "平均满意度", "open_tickets": "未结工单",
    "amount": "金额", "at": "时间", "status": "状态", "note": "备注", "summary": "摘要", "by": "记录人",
    "kind_label": "类别", "due": "截止", "assignee_id": "执行人", "probability": "赢率",
    "expected_close": "预计成交", "contact_id": "联系人编号", "refund_of": "原订单",
}


def _error(message, field):
    e = _crmkit.ValidationError(message)
    e.field = field
    return e


class Exports:
    """crm.exports: `csv(source, path)` and `xlsx(source, path)`; both return the number of rows
    written."""


    def __repr__(self) -> str:
        return "<crmkit.Exports crm.exports>"

    def __init__(self, crm):
        self._crm = crm

    def table(self, source):
        """The Table that `source` names: a Table as it is, an entity name ("customers",
        "contacts", "opportunities", "leads", "orders", "interactions", "tickets", "tasks"; every
        row the view may read) or a saved segment's name (its members). Raises ValidationError
        (field "source") for anything else."""
        if isinstance(source, _crmkit.Table):
            return source
        if not isinstance(source, str):
            raise _error(f"source must be a Table, an entity name or a segment name (got {type(source).__name__})",
                         "source")
        if source in _ENTITIES:
            return _ENTITIES[source](self._crm)
        try:
            return self._crm.segments.members(source, limit=None)
        except _crmkit.NotFound:
            raise _error(f"unknown export source {source!r}: not an entity ({', '.join(_ENTITIES)}) "
                         f"nor a saved segment", "source") from None

    def _headers(self, table, columns, headers):
        if headers is None or headers == "en":
            return list(columns)
        if headers == "zh":
            labels = {}
            try:
                for f in self._crm.fields.list().rows():
                    if f["label"]:
                        labels[f["name"]] = f["label"]
            except _crmkit.PermissionDenied:
                pass
            return [labels.get(c) or CHINESE_HEADERS.get(c, c) for c in columns]
        if isinstance(headers, dict):
            return [str(headers.get(c, c)) for c in columns]
        raise _error("headers must be None, 'en', 'zh' or a dict of column -> header", "headers")

    def _prepare(self, source, path, columns, headers):
        if not isinstance(path, (str, bytes, _os.PathLike)):
            raise _error(f"path: expected a file path (str or os.PathLike), not {type(path).__name__}", "path")
        path = _os.fspath(path)
        if isinstance(path, bytes):
            path = _os.fsdecode(path)
        if columns is not None and (not isinstance(columns, (list, tuple))
                                    or not all(isinstance(c, str) for c in columns)):
            raise _error(f"columns: expected a list of column names, not {columns!r}"[:200], "columns")
        directory = _os.path.dirname(_os.path.abspath(path))
        if not _os.path.isdir(directory):
            raise _error(f"cannot write {path}: the directory {directory} does not exist", "path")
        table = self.table(source)
        cols = list(table.columns) if columns is None else list(columns)
        unknown = [c for c in cols if c not in table.columns]
        if unknown:
            raise _error(f"the table has no column {unknown[0]!r} (columns: {', '.join(table.columns)})", "columns")
        return path, table, cols, self._headers(table, cols, headers)

    def csv(self, source, path, *, columns=None, headers=None, bom=True):
        """Writes `source` (a Table, an entity name or a segment name) to `path` as CSV: UTF-8 with
        a byte-order mark (bom=False leaves it out), CRLF line ends, custom fields as columns,
        times as ISO 8601 UTC, lists joined with ";". `columns` picks and orders columns;
        `headers` is None (column names), "zh" (Chinese headers; custom fields by label) or a dict.
        Returns the number of rows written. Raises ValidationError: a missing directory (field
        "path"), an unknown source or column."""
        if not isinstance(bom, bool):
            raise _error(f"bom: expected True or False, not {type(bom).__name__}", "bom")
        path, table, cols, heads = self._prepare(source, path, columns, headers)
        return _crmkit._write_csv(table, path, cols, heads, bom)

    def xlsx(self, source, path, *, columns=None, headers=None, sheet="Sheet1"):
        """Writes `source` to `path` as an XLSX workbook of one sheet (openpyxl write-only mode):
        numbers as numbers, times as naive UTC datetimes, dates as dates, lists joined with ";".
        Same `columns`/`headers` as csv(). Returns the number of rows written. Raises
        ValidationError as csv() does."""
        import openpyxl
        if not isinstance(sheet, str) or not sheet:
            raise _error(f"sheet: expected a sheet name, not {sheet!r}"[:200], "sheet")
        path, table, cols, heads = self._prepare(source, path, columns, headers)
        book = openpyxl.Workbook(write_only=True)
        ws = book.create_sheet(sheet)
        ws.append(heads)
        values = [table[c] for c in cols]
        for row in zip(*values):
            ws.append([_xlsx_value(v) for v in row])
        book.save(path)
        return len(table)


def _xlsx_value(v):
    if isinstance(v, _dt.datetime) and v.tzinfo is not None:
        return v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    return v


def install(crm_class):
    def exports(self) -> Exports:
        """crm.exports: write a Table, a segment or an entity to CSV/XLSX. Returns the view's
        Exports service. Raises nothing."""
        return Exports(self)

    crm_class.exports = property(exports)
