"""Opening, migrating, refusing foreign files, closing, and transactions."""

import random
import sqlite3

import pytest

import crmkit


def ids(table):
    return table.column("id")


def _sqlite(path):
    return sqlite3.connect(str(path))


def _tables(path):
    con = _sqlite(path)
    try:
        return sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# Opening


def test_open_creates_a_file_at_the_latest_schema(db_path):
    assert not db_path.exists()
    crm = crmkit.open(str(db_path))
    try:
        assert db_path.exists()
        assert crm.schema_version == crmkit.SCHEMA_VERSION
        assert crm.path == str(db_path)
        assert not crm.closed
        assert crm.customers.count() == 0
        # The built-in roles and lifecycle of a new database.
        assert set(crm.roles.list().column("role")) >= {"admin", "director", "manager", "sales", "service",
                                                         "finance"}
        assert crm.lifecycle.stages() == ["prospect", "active", "loyal", "at_risk", "churned"]
    finally:
        crm.close()
    con = _sqlite(db_path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == crmkit.SCHEMA_VERSION
    con.close()


def test_open_accepts_a_path_object(tmp_path):
    # os.PathLike is what pathlib users pass (str() should not be required).
    crm = crmkit.open(tmp_path / "pathlike.db")
    try:
        assert crm.customers.count() == 0
    finally:
        crm.close()


def test_reopen_keeps_data(db_path):
    crm = crmkit.open(str(db_path))
    team = crm.teams.add("华东销售部")
    user = crm.users.add("alice", name="Alice", role="sales", team=team)
    c = crm.customers.add(name="上海某某科技有限公司", owner=user, tags=["VIP"])
    crm.close()

    again = crmkit.open(str(db_path))
    try:
        got = again.customers.get(c.id)
        assert got.name == "上海某某科技有限公司"
        assert got.owner_id == user.id
        assert got.tags == ["VIP"]
        assert got.version == c.version
        assert again.users.get("alice").team_id == team.id
        assert again.schema_version == crmkit.SCHEMA_VERSION
    finally:
        again.close()


def test_database_is_in_wal_mode(crm, db_path):
    crm.customers.add(name="x")
    con = _sqlite(db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        con.close()


def test_memory_database_works_and_is_private():
    a = crmkit.open(":memory:")
    b = crmkit.open(":memory:")
    try:
        c = a.customers.add(name="只在内存里")
        assert a.customers.get(c.id).name == "只在内存里"
        assert a.customers.count() == 1
        assert b.customers.count() == 0
        assert a.schema_version == crmkit.SCHEMA_VERSION
    finally:
        a.close()
        b.close()


def test_default_open_is_in_memory():
    crm = crmkit.open()
    try:
        crm.customers.add(name="x")
        assert crm.customers.count() == 1
    finally:
        crm.close()


def test_bad_synchronous_option_is_a_validation_error(db_path):
    with pytest.raises(crmkit.ValidationError) as info:
        crmkit.open(str(db_path), synchronous="sometimes")
    assert info.value.field == "synchronous"


def test_synchronous_full_is_accepted(db_path):
    crm = crmkit.open(str(db_path), synchronous="full")
    try:
        crm.customers.add(name="x")
        assert crm.customers.count() == 1
    finally:
        crm.close()


# ---------------------------------------------------------------------------------------------
# Closing


def test_with_block_closes_the_crm(db_path):
    with crmkit.open(str(db_path)) as crm:
        c = crm.customers.add(name="x")
        assert not crm.closed
    assert crm.closed
    with pytest.raises(crmkit.StorageError) as info:
        crm.customers.get(c.id)
    assert "closed" in str(info.value)
    with pytest.raises(crmkit.StorageError):
        crm.customers.add(name="y")
    with pytest.raises(crmkit.StorageError):
        crm.clock.now()
    with pytest.raises(crmkit.StorageError):
        crm.teams.list()
    # The data was written before closing.
    again = crmkit.open(str(db_path))
    try:
        assert again.customers.get(c.id).name == "x"
    finally:
        again.close()


def test_with_block_closes_even_on_error(db_path):
    with pytest.raises(RuntimeError):
        with crmkit.open(str(db_path)) as crm:
            raise RuntimeError("boom")
    assert crm.closed
    with pytest.raises(crmkit.StorageError):
        crm.customers.count()


def test_close_is_idempotent(db_path):
    crm = crmkit.open(str(db_path))
    crm.close()
    crm.close()
    assert crm.closed


def test_closed_crm_cannot_hand_out_a_scoped_view(db_path):
    crm = crmkit.open(str(db_path))
    u = crm.users.add("alice", name="Alice")
    crm.close()
    with pytest.raises(crmkit.StorageError):
        crm.as_user(u)


# ---------------------------------------------------------------------------------------------
# Files that are not crmkit databases


@pytest.mark.parametrize("content", [
    random.Random(0).randbytes(8192),
    ("这不是数据库 not a database\n" * 200).encode(),
], ids=["random-bytes", "text"])
def test_non_sqlite_file_is_refused_naming_the_file(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(crmkit.StorageError) as info:
        crmkit.open(str(path))
    assert "notes.db" in str(info.value)
    # Refusing a file must not touch it.
    assert path.read_bytes() == content


def test_sqlite_file_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = _sqlite(path)
    con.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes(body) VALUES ('keep me')")
    con.commit()
    con.close()
    with pytest.raises(crmkit.StorageError) as info:
        crmkit.open(str(path))
    assert "other.db" in str(info.value)
    # Nothing was added to the other application's file.
    assert _tables(path) == ["notes"]
    con = _sqlite(path)
    assert con.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    assert con.execute("PRAGMA user_version").fetchone()[0] == 0
    con.close()


def test_sqlite_file_with_a_foreign_application_id_is_refused(tmp_path):
    path = tmp_path / "tagged.db"
    con = _sqlite(path)
    con.execute("PRAGMA application_id = 12345")
    con.commit()
    con.close()
    with pytest.raises(crmkit.StorageError) as info:
        crmkit.open(str(path))
    assert "tagged.db" in str(info.value)
    assert _tables(path) == []


def test_newer_schema_is_refused(db_path):
    crm = crmkit.open(str(db_path))
    crm.customers.add(name="x")
    crm.close()
    con = _sqlite(db_path)
    con.execute(f"PRAGMA user_version = {crmkit.SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(crmkit.StorageError) as info:
        crmkit.open(str(db_path))
    msg = str(info.value)
    assert "newer" in msg
    assert str(crmkit.SCHEMA_VERSION + 1) in msg
    assert "crm.db" in msg
    con = _sqlite(db_path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == crmkit.SCHEMA_VERSION + 1
    con.close()


def test_unopenable_path_is_a_storage_error(tmp_path):
    with pytest.raises(crmkit.StorageError) as info:
        crmkit.open(str(tmp_path / "no" / "such" / "dir" / "crm.db"))
    assert "crm.db" in str(info.value)


def test_directory_is_a_storage_error(tmp_path):
    with pytest.raises(crmkit.StorageError):
        crmkit.open(str(tmp_path))


# ---------------------------------------------------------------------------------------------
# Transactions


def test_transaction_commits(crm, db_path):
    with crm.transaction():
        a = crm.customers.add(name="甲")
        b = crm.customers.add(name="乙")
        crm.customers.tag(a.id, "VIP")
    assert crm.customers.count() == 2
    other = crmkit.open(str(db_path))
    try:
        assert other.customers.get(a.id).tags == ["VIP"]
        assert other.customers.get(b.id).name == "乙"
    finally:
        other.close()


def test_transaction_rolls_everything_back_on_an_exception(crm):
    keep = crm.customers.add(name="保留", industry="制造")
    with pytest.raises(RuntimeError, match="boom"):
        with crm.transaction():
            team = crm.teams.add("临时团队")
            crm.users.add("temp", name="Temp", team=team)
            crm.fields.add("customer", "region", type="text")
            added = crm.customers.add(name="新客户", fields={"region": "华东"})
            crm.customers.update(keep.id, industry="软件")
            crm.customers.tag(keep.id, "VIP")
            crm.customers.set_stage(keep.id, "loyal")
            crm.contacts.add(keep.id, name="李雷")
            assert crm.customers.count() == 2  # visible inside the transaction
            raise RuntimeError("boom")
    assert crm.customers.count() == 1
    with pytest.raises(crmkit.NotFound):
        crm.customers.get(added.id)
    after = crm.customers.get(keep.id)
    assert after == keep
    assert after.industry == "制造" and after.tags == [] and after.stage == "prospect"
    assert len(crm.contacts.list(keep.id)) == 0
    assert len(crm.teams.list()) == 0
    with pytest.raises(crmkit.NotFound):
        crm.users.get("temp")
    assert len(crm.fields.list("customer")) == 0
    assert crm.history("customer", keep.id).column("field") == ["created"]
    # The CRM is usable afterwards.
    assert crm.customers.add(name="之后").id > keep.id


def test_transaction_does_not_swallow_engine_errors(crm):
    with pytest.raises(crmkit.ValidationError):
        with crm.transaction():
            crm.customers.add(name="先写入")
            crm.customers.add(name="")
    assert crm.customers.count() == 0


def test_a_failed_call_inside_a_transaction_undoes_only_itself(crm):
    with crm.transaction():
        a = crm.customers.add(name="甲")
        with pytest.raises(crmkit.ValidationError):
            crm.customers.add_many([{"name": "乙"}, {"name": "丙", "email": "nope"}])
        b = crm.customers.add(name="丁")
    assert ids(crm.customers.find()) == [a.id, b.id]


def test_nested_transaction_inner_failure_undoes_only_the_inner_block(crm):
    with crm.transaction():
        outer = crm.customers.add(name="外层")
        try:
            with crm.transaction():
                inner = crm.customers.add(name="内层")
                crm.customers.update(outer.id, industry="软件")
                raise KeyError("inner failure")
        except KeyError:
            pass
        after_inner = crm.customers.add(name="外层之后")
    names = crm.customers.find().column("name")
    assert names == ["外层", "外层之后"]
    assert crm.customers.count(name_contains="内层") == 0
    assert crm.customers.get(outer.id).industry is None
    assert crm.customers.get(outer.id).version == outer.version
    assert crm.customers.get(after_inner.id).name == "外层之后"
    assert inner.name == "内层"


def test_nested_transaction_outer_failure_undoes_the_inner_block_too(crm):
    with pytest.raises(RuntimeError):
        with crm.transaction():
            crm.customers.add(name="外层")
            with crm.transaction():
                crm.customers.add(name="内层")
            raise RuntimeError("outer failure")
    assert crm.customers.count() == 0


def test_transaction_on_a_scoped_view(org):
    crm = org.crm
    me = crm.as_user(org.alice)
    with pytest.raises(RuntimeError):
        with me.transaction():
            me.customers.add(name="alice 的")
            raise RuntimeError
    assert crm.customers.count() == 0
    with me.transaction():
        c = me.customers.add(name="alice 的")
    assert crm.customers.get(c.id).owner_id == org.alice.id


def test_two_connections_see_each_others_writes(crm, db_path):
    other = crmkit.open(str(db_path))
    try:
        a = crm.customers.add(name="从第一个连接")
        assert other.customers.get(a.id).name == "从第一个连接"
        b = other.customers.add(name="从第二个连接")
        assert crm.customers.get(b.id).name == "从第二个连接"
        other.customers.update(a.id, industry="能源")
        assert crm.customers.get(a.id).industry == "能源"
        assert crm.customers.get(a.id).version == 2
    finally:
        other.close()


def test_uncommitted_writes_are_invisible_to_another_connection(crm, db_path):
    other = crmkit.open(str(db_path))
    try:
        with crm.transaction():
            c = crm.customers.add(name="未提交")
            assert other.customers.count() == 0
            with pytest.raises(crmkit.NotFound):
                other.customers.get(c.id)
        assert other.customers.count() == 1
    finally:
        other.close()


def test_write_while_another_connection_holds_the_lock_is_a_storage_error(crm, db_path):
    other = crmkit.open(str(db_path), busy_timeout=0)
    try:
        with crm.transaction():
            crm.customers.add(name="持有写锁")
            with pytest.raises(crmkit.StorageError) as info:
                other.customers.add(name="被挡住")
            assert "busy" in str(info.value)
        # Once the lock is gone the other connection writes normally, and its failed try left nothing.
        other.customers.add(name="之后可以")
        assert crm.customers.find().column("name") == ["持有写锁", "之后可以"]
    finally:
        other.close()


def test_threads_share_one_crm(crm):
    import threading

    errors = []

    def work(k):
        try:
            for i in range(100):
                c = crm.customers.add(name=f"线程{k}-{i}")
                crm.customers.tag(c.id, f"t{k}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert crm.customers.count() == 400
    assert [crm.customers.count(tag=f"t{k}") for k in range(4)] == [100] * 4


_WRITER = """
import sys, crmkit
crm = crmkit.open(sys.argv[1])
for i in range(150):
    crm.customers.add(name=f"进程{sys.argv[2]}-{i}", tags=[f"p{sys.argv[2]}"])
crm.close()
"""


def test_several_processes_write_the_same_file(crm, db_path):
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(db_path), str(k)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for k in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert crm.customers.count() == 450
    assert [crm.customers.count(tag=f"p{k}") for k in range(3)] == [150] * 3
