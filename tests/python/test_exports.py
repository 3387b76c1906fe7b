"""crm.exports: CSV (C++ writer, UTF-8 with BOM) and XLSX (openpyxl write-only) of Tables,
segments and entities, scoped like every read, read back through crmkit's own readers."""

import csv
import datetime as dt

import openpyxl
import pytest

import crmkit
from crmkit import _crmkit
from crmkit._xlsx import read_xlsx


def read_csv(path):
    rows = _crmkit._read_csv(str(path))
    return rows.header, rows.encoding, [cells for _, _, cells, problem in rows if not problem]


@pytest.fixture
def filled(mem_crm):
    crm = mem_crm
    crm.fields.add("customer", "region", type="enum", options=["华东", "华南"], label="地区")
    crm.fields.add("customer", "score", type="number")
    a = crm.customers.add(name="上海某某科技有限公司", phone="021-5555 0000", email="info@example.cn",
                          tags=["VIP", "重点"], fields={"region": "华东", "score": 4.5})
    b = crm.customers.add(name='名字带,逗号和"引号"\n换行', fields={"region": "华南"})
    crm.contacts.add(a.id, name="李雷", phone="13800138000")
    return crm, a, b


def test_customers_csv_round_trip(filled, tmp_path):
    crm, a, b = filled
    path = tmp_path / "customers.csv"
    assert crm.exports.csv("customers", path) == 2
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    header, encoding, rows = read_csv(path)
    assert encoding == "utf-8-sig"
    assert header == crm.customers.find().columns
    assert "region" in header and "score" in header
    by_name = {r[header.index("name")]: dict(zip(header, r)) for r in rows}
    first = by_name["上海某某科技有限公司"]
    assert first["region"] == "华东"
    assert first["score"] == "4.5"
    assert first["tags"] == "VIP;重点"
    assert first["id"] == str(a.id)
    assert first["created_at"].endswith("Z") and first["created_at"].startswith(str(dt.date.today().year)[:2])
    assert by_name['名字带,逗号和"引号"\n换行']["region"] == "华南"
    # Python's csv module (the reference reader) agrees.
    with open(path, encoding="utf-8-sig", newline="") as f:
        ref = list(csv.reader(f))
    assert ref[0] == header
    assert sorted(ref[1:]) == sorted(rows)


def test_chinese_headers_columns_and_custom_labels(filled, tmp_path):
    crm, _, _ = filled
    path = tmp_path / "zh.csv"
    crm.exports.csv("customers", path, columns=["name", "phone", "region", "score"], headers="zh")
    header, _, rows = read_csv(path)
    assert header == ["名称", "电话", "地区", "score"]
    assert ["上海某某科技有限公司", "021-5555 0000", "华东", "4.5"] in rows
    crm.exports.csv("customers", path, columns=["name"], headers={"name": "客户名称"})
    assert read_csv(path)[0] == ["客户名称"]
    with pytest.raises(crmkit.ValidationError, match="no column 'nope'") as e:
        crm.exports.csv("customers", path, columns=["nope"])
    assert e.value.field == "columns"


def test_table_segment_and_other_entities(filled, tmp_path):
    crm, a, _ = filled
    t = crm.customers.find(name_contains="上海")
    assert crm.exports.csv(t, tmp_path / "t.csv") == 1
    crm.segments.define("vip", 'has_tag("VIP")')
    assert crm.exports.csv("vip", tmp_path / "s.csv") == 1
    assert read_csv(tmp_path / "s.csv")[2][0][1] == "上海某某科技有限公司"
    assert crm.exports.csv("contacts", tmp_path / "c.csv") == 1
    header, _, rows = read_csv(tmp_path / "c.csv")
    assert dict(zip(header, rows[0]))["name"] == "李雷"
    assert dict(zip(header, rows[0]))["customer_name"] == "上海某某科技有限公司"
    crm.orders.add(a, amount=12800.5, at="2026-01-15")
    assert crm.exports.csv("orders", tmp_path / "o.csv") == 1
    header, _, rows = read_csv(tmp_path / "o.csv")
    assert "12800.5" in rows[0]
    for entity in ("opportunities", "leads", "interactions", "tickets", "tasks"):
        assert crm.exports.csv(entity, tmp_path / f"{entity}.csv") == 0
    with pytest.raises(crmkit.ValidationError, match="unknown export source 'nothing'") as e:
        crm.exports.csv("nothing", tmp_path / "x.csv")
    assert e.value.field == "source"
    with pytest.raises(crmkit.ValidationError, match="source must be"):
        crm.exports.csv(42, tmp_path / "x.csv")


def test_missing_directory_is_a_clear_error(filled, tmp_path):
    crm, _, _ = filled
    target = tmp_path / "no" / "such" / "out.csv"
    for export in (crm.exports.csv, crm.exports.xlsx):
        with pytest.raises(crmkit.ValidationError, match="the directory .*no/such does not exist") as e:
            export("customers", target)
        assert e.value.field == "path"
    with pytest.raises(crmkit.ValidationError, match="directory .* does not exist"):
        _crmkit._write_csv(crm.customers.find(), str(target))


def test_xlsx_round_trip_through_the_reader(filled, tmp_path):
    crm, a, _ = filled
    path = tmp_path / "customers.xlsx"
    assert crm.exports.xlsx("customers", path, headers="zh") == 2
    rows = read_xlsx(path)
    assert rows.header[:3] == ["编号", "名称", "类型"]
    assert "地区" in rows.header
    got = {cells[1]: dict(zip(rows.header, cells)) for _, cells, problem in rows}
    first = got["上海某某科技有限公司"]
    assert first["编号"] == str(a.id)
    assert first["电话"] == "021-5555 0000"
    assert first["地区"] == "华东"
    assert first["标签"] == "VIP;重点"
    # Times are naive UTC datetimes in the workbook (openpyxl refuses time zones).
    ws = openpyxl.load_workbook(path).active
    created = ws.cell(row=2, column=rows.header.index("创建时间") + 1).value
    assert isinstance(created, dt.datetime) and created.tzinfo is None


def test_a_scoped_view_exports_only_its_rows(org, tmp_path):
    crm = org.crm
    crm.customers.add(name="爱丽丝的客户", owner=org.alice)
    k = crm.customers.add(name="卡罗尔的客户", owner=org.carol)
    crm.contacts.add(k.id, name="卡罗尔的联系人")
    alice = crm.as_user(org.alice)
    assert alice.exports.csv("customers", tmp_path / "a.csv") == 1
    assert [r[1] for r in read_csv(tmp_path / "a.csv")[2]] == ["爱丽丝的客户"]
    assert alice.exports.csv("contacts", tmp_path / "ac.csv") == 0
    assert alice.exports.xlsx("customers", tmp_path / "a.xlsx") == 1
    assert crm.exports.csv("contacts", tmp_path / "all.csv") == 1


def test_million_cell_speed_path_is_the_engine(mem_crm, tmp_path):
    # The CSV of a large table is written by the C++ writer in one call (no Python per row).
    crm = mem_crm
    crm.customers.add_many([{"name": f"客户{i}", "phone": f"1380000{i:04d}"} for i in range(5000)])
    assert crm.exports.csv("customers", tmp_path / "big.csv") == 5000
    _, _, rows = read_csv(tmp_path / "big.csv")
    assert len(rows) == 5000
    assert rows[-1][1] == "客户4999"
