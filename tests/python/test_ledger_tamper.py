"""Tampering with the approval ledger directly in the database file.

Each way someone with write access to the file might rewrite history — edit an entry's content
or its stored hash, delete an entry (first, middle, last, all), reorder or renumber entries,
insert a forged one, truncate the tail, truncate the file itself, and re-hash-forge a rewritten
tail so that the chain is self-consistent again — must make `crm.audit.verify(expected_head=...)`
fail and name the first entry that does not match (or, for a forged chain, say that the kept
head is not in it). The untouched ledger verifies, and so does the restored one.
"""

import hashlib
import json
import shutil
import sqlite3

import pytest

import crmkit

COLUMNS = ("id", "at", "kind", "request_id", "workflow", "workflow_version", "entity", "entity_id", "step",
           "round", "actor_id", "on_behalf_of", "comment", "record", "detail", "prev_hash")


def canonical_hash(row):
    """The ledger's documented hash: SHA-256 of the compact JSON array of every column but `hash`."""
    text = json.dumps([row[c] for c in COLUMNS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def ledger(tmp_path):
    """A file database with a dozen ledger entries (submits and decisions of three requests)."""
    path = tmp_path / "ledger.db"
    crm = crmkit.open(str(path))
    crm.clock.freeze("2026-01-01T09:00")
    boss = crm.users.add("boss", name="老板", role="manager")
    alice = crm.users.add("alice", name="Alice", role="sales", manager=boss)
    crm.workflows.define({"name": "review", "entity": "customer",
                          "steps": [{"name": "manager", "approvers": "owner.manager"}]})
    for i in range(3):
        c = crm.customers.add(name=f"客户{i}", owner=alice)
        req = crm.approvals.submit("customer", c, workflow="review", by=alice)
        crm.clock.advance(hours=1)
        if i == 1:
            crm.approvals.reject(req, by=boss, comment="不同意：预算不足")
        else:
            crm.approvals.approve(req, by=boss, comment="同意 ✓")
    head = crm.audit.head()
    v = crm.audit.verify(expected_head=head)
    assert v.ok and v.first_bad is None and v.reason == "" and v.entries >= 6
    raw = sqlite3.connect(str(path), isolation_level=None)
    raw.row_factory = sqlite3.Row
    yield crm, raw, head, v.entries, path
    raw.close()
    crm.close()


def rows(raw):
    return [dict(r) for r in raw.execute("SELECT * FROM approval_ledger ORDER BY id")]


def check(crm, head, first_bad, *words):
    v = crm.audit.verify(expected_head=head)
    assert not v.ok, "tampering went unnoticed"
    assert v.first_bad == first_bad, (v.first_bad, v.reason)
    for w in words:
        assert w in v.reason, v.reason
    return v


def positions(n):
    return {"first": 1, "middle": n // 2, "last": n}


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("column, value", [("comment", "伪造的意见"), ("actor_id", 999), ("kind", "approved"),
                                           ("at", 0), ("record", '{"amount":1}'), ("step", None)])
def test_an_edited_entry_is_named(ledger, where, column, value):
    crm, raw, head, n, _ = ledger
    k = positions(n)[where]
    before = raw.execute(f"SELECT {column} FROM approval_ledger WHERE id = ?", (k,)).fetchone()[0]
    if before == value:
        value = "x"
    raw.execute(f"UPDATE approval_ledger SET {column} = ? WHERE id = ?", (value, k))
    check(crm, head, k, f"entry {k}", "edited")
    raw.execute(f"UPDATE approval_ledger SET {column} = ? WHERE id = ?", (before, k))
    assert crm.audit.verify(expected_head=head).ok


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_an_edited_stored_hash_is_named(ledger, where):
    crm, raw, head, n, _ = ledger
    k = positions(n)[where]
    raw.execute("UPDATE approval_ledger SET hash = ? WHERE id = ?", ("0" * 64, k))
    # The entry itself no longer matches its hash (for the last one the kept head is gone too).
    check(crm, head, k, f"entry {k}")


@pytest.mark.parametrize("where", ["first", "middle"])
def test_a_deleted_entry_is_named_by_its_successor(ledger, where):
    crm, raw, head, n, _ = ledger
    k = positions(n)[where]
    raw.execute("DELETE FROM approval_ledger WHERE id = ?", (k,))
    check(crm, head, k + 1, f"entry {k + 1}", "deleted")


def test_deleted_trailing_entries_are_caught_by_the_kept_head(ledger):
    crm, raw, head, n, _ = ledger
    raw.execute("DELETE FROM approval_ledger WHERE id > ?", (n - 2,))
    assert crm.audit.verify().ok  # the shorter chain is still a chain ...
    check(crm, head, n - 1, "expected head", f"entry {n - 2}")  # ... but not the one whose head was kept


def test_an_emptied_ledger_is_caught_by_the_kept_head(ledger):
    crm, raw, head, n, _ = ledger
    raw.execute("DELETE FROM approval_ledger")
    v = check(crm, head, 1, "expected head", "nothing")
    assert v.entries == 0 and v.head == ""


def test_swapped_entries_are_named(ledger):
    """Two entries exchange their content (ids kept): the chain breaks at the first of them."""
    crm, raw, head, n, _ = ledger
    a, b = rows(raw)[2], rows(raw)[3]
    cols = [c for c in a if c != "id"]
    sets = ", ".join(f"{c} = ?" for c in cols)
    raw.execute("BEGIN")
    raw.execute(f"UPDATE approval_ledger SET {sets} WHERE id = ?", [b[c] for c in cols] + [a["id"]])
    raw.execute(f"UPDATE approval_ledger SET {sets} WHERE id = ?", [a[c] for c in cols] + [b["id"]])
    raw.execute("COMMIT")
    check(crm, head, a["id"], f"entry {a['id']}")


def test_renumbered_entries_are_named(ledger):
    crm, raw, head, n, _ = ledger
    raw.execute("UPDATE approval_ledger SET id = id + 100 WHERE id > ?", (n - 3,))
    check(crm, head, n - 2 + 100, "not consecutive")


def test_an_inserted_forged_entry_is_named(ledger):
    """A forged entry slipped in after entry 2, with its own hash computed correctly and the later
    entries renumbered: the entry after it no longer links to its predecessor."""
    crm, raw, head, n, _ = ledger
    entries = rows(raw)
    forged = dict(entries[1])
    forged.update(id=3, kind="approved", comment="伪造", prev_hash=entries[1]["hash"])
    forged["hash"] = canonical_hash(forged)
    raw.execute("BEGIN")
    raw.execute("UPDATE approval_ledger SET id = -id WHERE id >= 3")
    raw.execute("UPDATE approval_ledger SET id = -id + 1 WHERE id < 0")
    raw.execute(f"INSERT INTO approval_ledger({', '.join(forged)}) VALUES ({', '.join('?' * len(forged))})",
                list(forged.values()))
    raw.execute("COMMIT")
    check(crm, head, 4, "entry 4", "does not match the hash of the entry before it")


def test_an_edit_rehashed_alone_breaks_the_next_link(ledger):
    crm, raw, head, n, _ = ledger
    k = n // 2
    row = rows(raw)[k - 1]
    row["comment"] = "改过的意见"
    raw.execute("UPDATE approval_ledger SET comment = ?, hash = ? WHERE id = ?", (row["comment"], canonical_hash(row), k))
    check(crm, head, k + 1, f"entry {k + 1}", f"entry {k}")


def test_a_rehash_forged_tail_is_caught_only_by_the_kept_head(ledger):
    """Rewriting entry k and re-hashing every entry after it makes a self-consistent chain — which
    is exactly why the head must be kept elsewhere: with it, verify() names the forgery."""
    crm, raw, head, n, _ = ledger
    k = n // 2
    entries = rows(raw)
    assert all(canonical_hash(e) == e["hash"] for e in entries), "the documented hash is not the ledger's"
    entries[k - 1]["comment"] = "事后改写"
    raw.execute("BEGIN")
    prev = entries[k - 2]["hash"]
    for e in entries[k - 1:]:
        e["prev_hash"] = prev
        e["hash"] = canonical_hash(e)
        raw.execute("UPDATE approval_ledger SET comment = ?, prev_hash = ?, hash = ? WHERE id = ?",
                    (e["comment"], e["prev_hash"], e["hash"], e["id"]))
        prev = e["hash"]
    raw.execute("COMMIT")
    assert crm.audit.verify().ok  # without the kept head a full re-forge is undetectable
    check(crm, head, n + 1, "expected head", "rewritten")


def test_an_unknown_expected_head_is_refused_as_not_in_the_chain(ledger):
    crm, raw, head, n, _ = ledger
    v = crm.audit.verify(expected_head="f" * 64)
    assert not v.ok and v.first_bad == n + 1 and "expected head" in v.reason


def test_a_truncated_file_is_a_crmkit_error_not_a_crash(ledger, tmp_path):
    crm, raw, head, n, path = ledger
    crm.close()
    raw.close()
    # Fold the WAL into the main file first, so the cut is in the ledger's pages.
    con = sqlite3.connect(str(path))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = path.stat().st_size
    for keep in (size // 2, size // 4, 4096, 100, 0):
        cut = tmp_path / f"cut{keep}.db"
        shutil.copy(path, cut)
        with open(cut, "r+b") as f:
            f.truncate(keep)
        try:
            other = crmkit.open(str(cut))
        except crmkit.Error:
            continue
        try:
            v = other.audit.verify(expected_head=head)
            assert not v.ok, f"a file cut to {keep} of {size} bytes verified"
        except crmkit.Error:
            pass
        finally:
            other.close()


def test_every_hash_is_the_documented_one_whatever_the_text(tmp_path):
    # The hash is computed over the canonical JSON the engine writes itself; Python's json module
    # is the reference for that form: quotes, backslashes, every control character, Chinese,
    # emoji and the character just above the controls must come out the same.
    crm = crmkit.open(str(tmp_path / "c.db"))
    crm.clock.freeze("2026-01-01T09:00")
    boss = crm.users.add("boss", name="老板\t\"大\"", role="manager")
    alice = crm.users.add("alice", name="Alice", role="sales", manager=boss)
    crm.workflows.define({"name": "review", "entity": "customer",
                          "steps": [{"name": "manager", "approvers": "owner.manager"}]})
    comments = ['引号 " 和 \\ 反斜杠', "换行\n回车\r制表\t", "".join(chr(c) for c in range(0x20) if c not in (0,)) + "\x7f",
                "表情 😀 ✓ 𠀋", "ｆｕｌｌ　ｗｉｄｔｈ"]
    for i, comment in enumerate(comments):
        c = crm.customers.add(name=f'客户"{i}"\\', owner=alice)
        req = crm.approvals.submit("customer", c, workflow="review", by=alice, comment=comment)
        crm.approvals.approve(req, by=boss, comment=comment[::-1])
    crm.close()
    raw = sqlite3.connect(str(tmp_path / "c.db"))
    raw.row_factory = sqlite3.Row
    entries = rows(raw)
    assert len(entries) >= 2 * len(comments)
    assert any(e["comment"] and "\n" in e["comment"] for e in entries)
    for e in entries:
        assert e["hash"] == canonical_hash(e), e["id"]
    raw.close()
