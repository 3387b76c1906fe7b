"""Reading XLSX workbooks as rows of text, for imports.

Values come from python-calamine (a Rust reader; several times faster than openpyxl's read-only
mode on the same sheet, see docs/architecture.md and bench/bench_xlsx_read.py). What calamine does
not expose — which cells hold formulas — is found by one byte scan of the sheet's XML for formula
elements, which costs little because a data sheet rarely has any.

Every cell arrives as text, the way the import pipeline's cleaning rules expect it:
numbers that are whole (phone numbers and ids that Excel stored as numbers, 13800138000.0 or
1.38001380E10) as their digits, other numbers in their shortest exact form, dates as ISO
("2026-01-05", "2026-01-05T09:30:00"), booleans as true/false, empty cells as "".
What makes a row doubtful is reported on it with the cell reference, never silently resolved:
merged cells ("B7:C8: merged cell") and formulas ("C3: formula =SUM(A1:A2)"; the cell holds the
value Excel last computed).
"""

import datetime as _dt
import math as _math
import os as _os
import re as _re
import zipfile as _zipfile
from xml.etree import ElementTree as _ET
from xml.sax.saxutils import unescape as _unescape

from . import _crmkit

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SCIENTIFIC = _re.compile(r"^[+-]?\d+(\.\d+)?[eE]\+?\d+$")
_FORMULA = _re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_START = _re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)([0-9]+)"')
_FORMULA_END = _re.compile(rb"</(?:\w+:)?f>")


def _error(message, field="path"):
    e = _crmkit.ValidationError(message)
    e.field = field
    return e


def column_letters(index):
    """The spreadsheet letters of a 0-based column index (0 -> "A", 27 -> "AB")."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value):
    """One cell value as calamine returns it, as the text an import cleans."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if _math.isfinite(value) and value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    text = str(value)
    # A number typed (or pasted) as text in scientific notation: the digits when it is a whole
    # number that the notation holds exactly ("1.38001380E10" -> "13800138000").
    if _SCIENTIFIC.match(text.strip()):
        mantissa, _, exponent = text.strip().lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        if int(exponent) >= decimals:
            return str(int(mantissa.replace(".", "")) * 10 ** (int(exponent) - decimals))
    return text


def _sheet_parts(archive):
    """Sheet name -> the path of its XML part inside the workbook archive."""
    workbook = _ET.fromstring(archive.read("xl/workbook.xml"))
    rels = _ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(_PKG_REL + "Relationship")}
    parts = {}
    for sheet in workbook.iter(_MAIN + "sheet"):
        target = targets.get(sheet.get(_REL + "id"), "")
        target = target.lstrip("/")
        parts[sheet.get("name")] = target if target.startswith("xl/") else "xl/" + target
    return parts


def _formulas(archive, part):
    """{excel row: [(column letters, formula text)]} of the sheet's formula cells, in one streamed
    byte scan of its XML (no parse of the cells)."""
    found = {}
    carry = b""
    offset = 0  # absolute position of carry[0]
    done_upto = 0
    with archive.open(part) as xml:
        while True:
            chunk = xml.read(1 << 20)
            buf = carry + chunk
            last = not chunk
            for m in _FORMULA.finditer(buf):
                at = offset + m.start()
                if at < done_upto:
                    continue
                end = _FORMULA_END.search(buf, m.end())
                closed = buf.find(b">", m.start())
                if not last and (closed < 0 or (buf[closed - 1:closed] != b"/" and end is None)):
                    break  # the element continues in the next chunk
                starts = list(_CELL_START.finditer(buf, max(0, m.start() - 4096), m.start()))
                if starts:
                    col, row = starts[-1].group(1).decode(), int(starts[-1].group(2))
                    if buf[closed - 1:closed] == b"/" or end is None:
                        text = ""
                    else:
                        text = _unescape(buf[closed + 1:end.start()].decode("utf-8", "replace"),
                                         {"&quot;": '"', "&apos;": "'"})
                    found.setdefault(row, []).append((col, text))
                done_upto = at + 1
            if last:
                break
            keep = min(len(buf), 8192)
            offset += len(buf) - keep
            carry = buf[-keep:]
    return found


class XlsxRows:
    """The rows of one sheet: `.header` (list of str), `.sheet` (its name), and iteration yielding
    `(row, cells, problem)` — `row` counts data rows from 1 (the header is row 0, as for CSV),
    `cells` is a list of str as long as the header, `problem` is "" or names the cells (by their
    spreadsheet reference) that make the row doubtful. Entirely empty rows are skipped."""

    def __init__(self, path, sheet=None):
        self.path = _os.fspath(path)
        if not _os.path.exists(self.path):
            raise _error(f"file not found: {self.path}")
        if _os.path.isdir(self.path):
            raise _error(f"{self.path} is a directory, not an XLSX workbook")
        with open(self.path, "rb") as f:
            magic = f.read(4)
        if magic != b"PK\x03\x04":
            raise _error(f"{self.path} is not an XLSX workbook (an .xlsx file is a ZIP archive; "
                         f"this one starts with {magic!r})")
        import python_calamine
        try:
            self._archive = _zipfile.ZipFile(self.path)
            parts = _sheet_parts(self._archive)
            self._book = python_calamine.CalamineWorkbook.from_path(self.path)
        except (KeyError, _zipfile.BadZipFile, _ET.ParseError, python_calamine.CalamineError, OSError) as e:
            raise _error(f"{self.path} is not a readable XLSX workbook ({e})") from None
        names = self._book.sheet_names
        if sheet is None:
            sheet = names[0] if names else None
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise _error(f"{self.path} has no sheet {sheet} (it has {len(names)}: {', '.join(names)})", "sheet")
            sheet = names[sheet]
        if sheet not in names:
            raise _error(f"{self.path} has no sheet {sheet!r} (sheets: {', '.join(names)})", "sheet")
        self.sheet = sheet
        self._sheet = self._book.get_sheet_by_name(sheet)
        self._formulas = _formulas(self._archive, parts[sheet]) if sheet in parts else {}
        self._merged = {}
        for (r0, c0), (r1, c1) in self._sheet.merged_cell_ranges or []:
            ref = f"{column_letters(c0)}{r0 + 1}:{column_letters(c1)}{r1 + 1}"
            for r in range(r0 + 1, r1 + 2):
                self._merged.setdefault(r, []).append(ref)
        # calamine yields rows from the sheet's first row and cells from its first used column.
        self._first_col = self._sheet.start[1] if self._sheet.start else 0
        self._rows = iter(self._sheet.iter_rows())
        self._excel_row = 0
        self.header = []
        for cells in self._rows:
            self._excel_row += 1
            texts = [cell_text(v) for v in cells]
            if any(texts):
                while texts and not texts[-1]:
                    texts.pop()
                self.header = texts
                self.header_row = self._excel_row
                break
        self._data_row = 0

    def __iter__(self):
        return self

    def __next__(self):
        width = len(self.header)
        for cells in self._rows:
            self._excel_row += 1
            texts = [cell_text(v) for v in cells]
            if not any(texts):
                continue
            self._data_row += 1
            excel = self._excel_row
            problems = []
            extra = [i for i in range(width, len(texts)) if texts[i]]
            if extra:
                refs = ", ".join(f"{column_letters(self._first_col + i)}{excel}" for i in extra)
                problems.append(f"{refs}: a value under no header")
            texts = (texts + [""] * width)[:width] if not extra else texts
            for ref in self._merged.get(excel, []):
                problems.append(f"{ref}: merged cell")
            for col, formula in self._formulas.get(excel, []):
                problems.append(f"{col}{excel}: formula ={formula}" if formula else f"{col}{excel}: formula (shared)")
            return self._data_row, texts, "; ".join(problems)
        raise StopIteration

    def close(self):
        """Lets go of the file."""
        self._archive.close()
        self._book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def read_xlsx(path, sheet=None):
    """Opens the sheet `sheet` (a name or a 0-based index; None: the first) of the XLSX workbook at
    `path` and returns an `XlsxRows`: `.header` and iteration over `(row, cells, problem)`.

    Raises crmkit.ValidationError naming the file (field "path") when it is missing or is not an
    XLSX workbook, and (field "sheet") when the sheet does not exist."""
    return XlsxRows(path, sheet)
