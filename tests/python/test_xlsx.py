"""The XLSX reader (crmkit._xlsx): workbooks written by openpyxl, read back as rows of text."""

import datetime as dt
import zipfile

import openpyxl
import pytest

import crmkit
from crmkit._xlsx import cell_text, column_letters, read_xlsx


def save(tmp_path, fill, name="book.xlsx", title="客户"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    fill(ws)
    path = tmp_path / name
    wb.save(path)
    return path


def test_values_are_text_phone_numbers_digits_dates_iso(tmp_path):
    def fill(ws):
        ws.append(["客户名称", "手机", "编号", "金额", "首次成交", "最近联系", "VIP", "备注"])
        ws.append(["上海某某科技有限公司", 13800138000, "1.38001380E10", 1234.5, dt.date(2026, 1, 5),
                   dt.datetime(2026, 1, 5, 9, 30), True, None])
        ws.append(["ＡＢＣ 科技", 13800138000.0, 42, -0.25, dt.date(2025, 12, 31), None, False, "😀 备注"])
    rows = read_xlsx(save(tmp_path, fill))
    assert rows.header == ["客户名称", "手机", "编号", "金额", "首次成交", "最近联系", "VIP", "备注"]
    assert rows.sheet == "客户"
    got = list(rows)
    assert got == [
        (1, ["上海某某科技有限公司", "13800138000", "13800138000", "1234.5", "2026-01-05", "2026-01-05T09:30:00",
             "true", ""], ""),
        (2, ["ＡＢＣ 科技", "13800138000", "42", "-0.25", "2025-12-31", "", "false", "😀 备注"], ""),
    ]


def test_agrees_with_openpyxl_cell_by_cell(tmp_path):
    # openpyxl (the reference reader) and read_xlsx see the same values in a mixed sheet.
    def fill(ws):
        ws.append(["a", "b", "c", "d"])
        for i in range(200):
            ws.append([f"名{i}", 13900000000 + i, i * 1.25, dt.date(2026, 1, 1) + dt.timedelta(days=i)])
    path = save(tmp_path, fill)
    ref = openpyxl.load_workbook(path, read_only=True)
    expected = []
    for values in list(ref.active.iter_rows(values_only=True))[1:]:
        expected.append([cell_text(v.date() if isinstance(v, dt.datetime) and v.time() == dt.time() else v)
                         for v in values])
    assert [cells for _, cells, _ in read_xlsx(path)] == expected


def test_scientific_text_only_becomes_digits_when_exact():
    assert cell_text("1.38001380E10") == "13800138000"
    assert cell_text("1.38E+10") == "13800000000"
    assert cell_text("1.5e-3") == "1.5e-3"          # not a whole number: left as typed
    assert cell_text("1.234567e2") == "1.234567e2"  # the notation does not hold a whole number
    assert cell_text(1e20) == "1e+20"
    assert cell_text(float("nan")) == "nan"


def test_merged_cells_are_reported_on_every_row_they_cover(tmp_path):
    def fill(ws):
        ws.append(["名称", "地区", "电话"])
        ws.append(["甲公司", "华东", "1"])
        ws.append(["乙公司", None, "2"])
        ws.append(["丙公司", "华南", "3"])
        ws.merge_cells("B2:B3")
    got = list(read_xlsx(save(tmp_path, fill)))
    assert got[0] == (1, ["甲公司", "华东", "1"], "B2:B3: merged cell")
    assert got[1] == (2, ["乙公司", "", "2"], "B2:B3: merged cell")
    assert got[2] == (3, ["丙公司", "华南", "3"], "")


def test_formula_cells_are_reported_with_reference_and_formula(tmp_path):
    def fill(ws):
        ws.append(["名称", "数量", "单价", "合计"])
        ws.append(["甲", 2, 5, "=B2*C2"])
        ws.append(["乙", 3, 4, 12])
        ws.append(["丙", 1, 1, '=SUM(B2:B4)&"<件>"'])
    got = list(read_xlsx(save(tmp_path, fill)))
    assert got[0][2] == "D2: formula =B2*C2"
    assert got[1][2] == ""
    assert got[2][2] == 'D4: formula =SUM(B2:B4)&"<件>"'


def test_cell_references_follow_a_sheet_that_starts_lower_right(tmp_path):
    def fill(ws):
        ws["C3"], ws["D3"] = "名称", "合计"
        ws["C4"], ws["D4"] = "甲", "=1+1"
        ws["C5"], ws["D5"] = "乙", 2
        ws.merge_cells("C6:D6")
        ws["C6"] = "丙"
        ws["E5"] = "无表头"
    rows = read_xlsx(save(tmp_path, fill))
    assert rows.header == ["名称", "合计"]
    got = list(rows)
    assert got[0] == (1, ["甲", ""], "D4: formula =1+1")
    assert got[1][0] == 2 and got[1][2] == "E5: a value under no header"
    assert got[2] == (3, ["丙", ""], "C6:D6: merged cell")


def test_empty_rows_are_skipped_and_rows_keep_the_header_width(tmp_path):
    def fill(ws):
        ws.append(["a", "b", "c"])
        ws.append(["1"])
        ws.append([])
        ws.append([None, None, "3"])
    got = list(read_xlsx(save(tmp_path, fill)))
    assert got == [(1, ["1", "", ""], ""), (2, ["", "", "3"], "")]


def test_sheets_by_name_and_index(tmp_path):
    def fill(ws):
        ws.append(["x"])
        ws.append(["first"])
        second = ws.parent.create_sheet("第二页")
        second.append(["y"])
        second.append(["second"])
    path = save(tmp_path, fill)
    assert [c for _, c, _ in read_xlsx(path)] == [["first"]]
    assert [c for _, c, _ in read_xlsx(path, sheet="第二页")] == [["second"]]
    assert [c for _, c, _ in read_xlsx(path, sheet=1)] == [["second"]]
    with pytest.raises(crmkit.ValidationError, match="has no sheet '第三页' \\(sheets: 客户, 第二页\\)") as e:
        read_xlsx(path, sheet="第三页")
    assert e.value.field == "sheet"
    with pytest.raises(crmkit.ValidationError, match="has no sheet 5"):
        read_xlsx(path, sheet=5)


def test_files_that_are_not_xlsx(tmp_path):
    missing = tmp_path / "missing.xlsx"
    with pytest.raises(crmkit.ValidationError, match=f"file not found: {missing}") as e:
        read_xlsx(missing)
    assert e.value.field == "path"
    csv = tmp_path / "really.xlsx"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(crmkit.ValidationError, match="really.xlsx is not an XLSX workbook"):
        read_xlsx(csv)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(crmkit.ValidationError, match="other.xlsx is not a readable XLSX workbook"):
        read_xlsx(other_zip)
    with pytest.raises(crmkit.ValidationError, match="is a directory"):
        read_xlsx(tmp_path)


def test_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
