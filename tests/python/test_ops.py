"""crm.backup() and crm.check(): a verified copy taken while another process writes, the problems
check() must find, and the errors for bad targets and files that are not crmkit databases."""

import sqlite3
import subprocess
import sys

import pytest

import crmkit


# Another process: commits one customer per transaction until the stop file appears; prints
# "started" after 20 commits and the number committed at the end.
WRITER = """
import os, sys, crmkit
path, stop = sys.argv[1], sys.argv[2]
crm = crmkit.open(path)
n = 0
while not os.path.exists(stop):
    crm.customers.add(name=f"并发客户{n}")
    n += 1
    if n == 20:
        print("started", flush=True)
crm.close()
print(n, flush=True)
"""


def test_backup_copies_a_verified_single_file(crm, tmp_path):
    crm.customers.add(name="上海某某科技有限公司", tags=["VIP"])
    crm.customers.add(name="北京😀贸易")
    target = tmp_path / "copy.db"
    r = crm.backup(target)
    assert r.path == str(target) and r.pages > 0 and r.bytes == target.stat().st_size
    assert r.schema_version == crm.schema_version
    assert not (tmp_path / "copy.db-wal").exists()  # one self-contained file
    with crmkit.open(target) as copy:
        assert sorted(c.name for c in copy.customers.find()) == ["上海某某科技有限公司", "北京😀贸易"]
        assert copy.check().ok


def test_backup_of_a_memory_database(mem_crm, tmp_path):
    mem_crm.customers.add(name="内存客户")
    mem_crm.backup(str(tmp_path / "m.db"))
    with crmkit.open(str(tmp_path / "m.db")) as copy:
        assert copy.customers.count() == 1


def test_backup_while_another_process_writes(tmp_path):
    path, stop = str(tmp_path / "live.db"), tmp_path / "stop"
    with crmkit.open(path) as crm:
        crm.customers.add_many([{"name": f"客户{i}", "tags": ["批量"]} for i in range(30000)])
    proc = subprocess.Popen([sys.executable, "-c", WRITER, path, str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        with crmkit.open(path) as crm:
            before = crm.customers.count()  # committed before the backup begins
            crm.backup(tmp_path / "copy.db")
            after = crm.customers.count()
    finally:
        stop.touch()
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    written = int(out.split()[-1])
    assert after > before  # the writer kept committing while the copy was taken
    with crmkit.open(str(tmp_path / "copy.db")) as copy:
        n = copy.customers.count()
        assert before <= n <= 30000 + written
        # One commit point: the copy holds a prefix of the writer's customers, without holes.
        names = copy.customers.find(name_contains="并发客户", limit=None).column("name")
        numbers = sorted(int(name.removeprefix("并发客户")) for name in names)
        assert numbers == list(range(len(numbers)))
        assert copy.check().ok


def test_backup_target_in_a_missing_directory(crm, tmp_path):
    with pytest.raises(crmkit.ValidationError) as e:
        crm.backup(tmp_path / "nope" / "copy.db")
    assert e.value.field == "path" and "does not exist" in str(e.value)
    assert not (tmp_path / "nope").exists()


def test_backup_never_overwrites(crm, tmp_path):
    target = tmp_path / "keep.db"
    target.write_bytes(b"precious")
    with pytest.raises(crmkit.ValidationError, match="already exists"):
        crm.backup(target)
    assert target.read_bytes() == b"precious"
    with pytest.raises(crmkit.ValidationError):
        crm.backup(crm.path)


def test_backup_inside_a_transaction_is_refused(crm, tmp_path):
    with crm.transaction():
        crm.customers.add(name="未提交")
        with pytest.raises(crmkit.StorageError, match="transaction"):
            crm.backup(tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_backup_and_check_need_the_admin_role(crm, org, tmp_path):
    me = crm.as_user(org.alice)
    with pytest.raises(crmkit.PermissionDenied):
        me.backup(tmp_path / "copy.db")
    with pytest.raises(crmkit.PermissionDenied):
        me.check()


def test_check_is_clean_on_a_fresh_and_a_busy_database(crm):
    r = crm.check()
    assert r.ok and bool(r) and r.problems == []
    assert set(r.checks) == {"schema", "integrity", "foreign_keys", "facts", "ledger", "events"}
    c = crm.customers.add(name="客户")
    crm.orders.add(c, amount=100.0, at="2026-01-15")
    r = crm.check()
    assert r.ok and r.customers == 1 and r.events >= 2
    assert r.to_dict()["ok"] is True


def _tamper(path, sql):
    con = sqlite3.connect(path)
    con.execute(sql)
    con.commit()
    con.close()


def test_check_finds_facts_that_disagree_with_a_rebuild(db_path):
    with crmkit.open(str(db_path)) as crm:
        c = crm.customers.add(name="客户")
        crm.orders.add(c, amount=100.0, at="2026-01-15")
    _tamper(db_path, "UPDATE customer_facts SET lifetime_value_cents = 1")
    with crmkit.open(str(db_path)) as crm:
        r = crm.check()
        assert not r.ok
        assert [p.check for p in r.problems] == ["facts"]
        assert str(c.id) in r.problems[0].message


def test_check_finds_a_tampered_ledger(db_path):
    with crmkit.open(str(db_path)) as crm:
        pass
    _tamper(db_path, "INSERT INTO approval_ledger(at, kind, prev_hash, hash) VALUES (0, 'submitted', 'x', 'y')")
    with crmkit.open(str(db_path)) as crm:
        assert [p.check for p in crm.check().problems] == ["ledger"]


def test_check_finds_a_gap_in_the_change_feed(db_path):
    with crmkit.open(str(db_path)) as crm:
        for i in range(3):
            crm.customers.add(name=f"客户{i}")
    _tamper(db_path, "DELETE FROM events WHERE id = (SELECT min(id) + 1 FROM events)")
    with crmkit.open(str(db_path)) as crm:
        r = crm.check()
        assert [p.check for p in r.problems] == ["events"] and "missing" in r.problems[0].message


def test_check_on_a_file_that_is_not_a_crmkit_database(tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes(x)")
    con.commit()
    con.close()
    with pytest.raises(crmkit.StorageError, match="not a crmkit database"):
        crmkit.open(str(other)).check()
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 1000)
    with pytest.raises(crmkit.StorageError, match="not a SQLite database"):
        crmkit.open(str(text)).check()
