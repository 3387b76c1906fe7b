"""Concurrency soak: eight processes on one database file for a bounded time.

Every worker runs a random mix of the calls that contend in practice:

- claiming customers from the public pool (and releasing its own, so the pool keeps moving),
  under a per-user cap and a daily quota small enough to be hit;
- deciding approvals: every worker takes the oldest pending request, so several processes decide
  the same step at once, two of them as the same approver; a worker submits a new request when
  few are pending;
- logging interactions, importing a small CSV file of customers, and reading a segment.

Each worker writes a line per call to its own log: what it did and whether the engine did it or
refused it (a refusal is one of crmkit's errors for a rule that holds: the customer is owned, the
quota is used, the step is decided). Anything else is an error, and a `database is locked` that
reaches the caller is the failure this test exists for. Afterwards the parent checks the file
against the logs:

- no customer had two owners: each owner change continues from the previous one, every claim
  took the customer from the pool, and the claims the workers saw succeed are exactly the
  pool_claims rows;
- no user holds more than the cap, nor claimed more than the quota on any day;
- no step was decided twice, no request is both approved and rejected, and each request the
  workers saw decided was decided by exactly one call;
- every acknowledged interaction and imported row is there once; segment counts seen by a
  reader never went down (imports only add customers);
- the ledger verifies and `crm.check()` is clean.

CRMKIT_SOAK_SECONDS sets the length (default 30); `make soak` runs it for 600 s. The figures
(operations per second, busy retries) are printed; run with `-s` to see them.
"""

import collections
import json
import os
import sqlite3
import subprocess
import sys
import time

import crmkit

SECONDS = float(os.environ.get("CRMKIT_SOAK_SECONDS", "30"))
WORKERS = 8
POOL_SIZE = 120
MAX_HELD = 6
# Scaled with the length so that the quota is reached in most runs, part-way through.
MAX_CLAIMS_PER_DAY = max(20, int(SECONDS * 3))
DECIDE_CUSTOMERS = 40

WORKER = r"""
import json, os, random, sys, time
import crmkit

path, index, seconds, setup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
log = open(sys.argv[5], "w", encoding="utf-8")
crm = crmkit.open(path)
rng = random.Random(index)
me = setup["reps"][index]
approver = setup["approvers"][index % 2]          # two workers act as each approver
author = setup["author"]
deadline = time.monotonic() + seconds
seq = 0

def say(**record):
    log.write(json.dumps(record, ensure_ascii=False) + "\n")
    log.flush()

REFUSALS = (crmkit.Conflict, crmkit.ValidationError, crmkit.PermissionDenied, crmkit.WorkflowError,
            crmkit.NotFound)

def run(op, call, **facts):
    try:
        result = call()
    except REFUSALS as e:
        kind = type(e).__name__ + (f":{e.field}" if getattr(e, "field", None) else "")
        say(op=op, ok=False, refused=kind, why=str(e)[:200], **facts)
        return None
    except Exception as e:  # the engine's StorageError (busy, locked) or anything unexpected
        locked = "locked" in str(e) or "busy" in str(e)
        say(op=op, ok=False, error=type(e).__name__, locked=locked, why=str(e)[:300], **facts)
        return None
    say(op=op, ok=True, **facts)
    return result if result is not None else True

def claim():
    ids = crm.pool.list(limit=20)["id"]
    if not ids:
        return say(op="claim", ok=False, refused="empty")
    cid = rng.choice(ids)
    run("claim", lambda: crm.pool.claim(cid, by=me), customer=cid, user=me)

def release():
    mine = crm.customers.find(owner=me, limit=10)["id"]
    if not mine:
        return
    cid = rng.choice(mine)
    run("release", lambda: crm.pool.release(cid), customer=cid, user=me)

def decide():
    pending = crm.approvals.list(status="pending")["id"]
    if len(pending) < 4:
        cid = rng.choice(setup["decide_customers"])
        req = run("submit", lambda: crm.approvals.submit("customer", cid, workflow="review", by=author),
                  customer=cid)
        if req is None:
            return
        pending = pending + [req.id]
    rid = min(pending)
    if rng.random() < 0.7:
        run("approve", lambda: crm.approvals.approve(rid, by=approver, comment=f"w{index}"), request=rid, user=approver)
    else:
        run("reject", lambda: crm.approvals.reject(rid, by=approver, comment=f"w{index}"), request=rid, user=approver)

def interact():
    cid = rng.choice(setup["decide_customers"])
    summary = f"w{index}-{seq}"
    run("interaction", lambda: crm.interactions.log(cid, kind="call", by=author, summary=summary),
        customer=cid, summary=summary)

def import_csv():
    # Random names: similar ones would be matched to each other as duplicates and skipped.
    names = ["imp-" + os.urandom(12).hex() for j in range(5)]
    csv = os.path.join(setup["dir"], f"import-{index}.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("客户名称,行业\n" + "".join(f"{n},制造\n" for n in names))
    try:
        rep = crm.imports.customers(csv, mapping={"客户名称": "name", "行业": "industry"})
    except Exception as e:
        say(op="import", ok=False, error=type(e).__name__, locked="locked" in str(e) or "busy" in str(e),
            why=str(e)[:300], names=names)
    else:
        say(op="import", ok=True, names=names, created=rep.created, problems=len(rep.problems))

def read_segment():
    n = run("segment", lambda: crm.segments.count("imported"))
    if n is not None:
        say(op="segment-count", ok=True, count=int(n))

OPS = [(claim, 4), (release, 2), (decide, 4), (interact, 3), (import_csv, 1), (read_segment, 2)]
choices = [f for f, w in OPS for _ in range(w)]
while time.monotonic() < deadline:
    rng.choice(choices)()
    seq += 1
say(op="end", ok=True, seq=seq, busy=crmkit._crmkit._busy_retries())
log.close()
"""


def setup_database(path, tmp):
    crm = crmkit.open(str(path))
    boss = crm.users.add("boss", name="经理", role="manager")
    m1 = crm.users.add("m1", name="审批一", role="manager")
    m2 = crm.users.add("m2", name="审批二", role="manager")
    author = crm.users.add("author", name="提交人", role="sales", manager=boss)
    reps = [crm.users.add(f"rep{i}", name=f"销售{i}", role="sales", manager=boss).id for i in range(WORKERS)]
    crm.pool.set_rules(max_held_per_user=MAX_HELD, max_claims_per_day=MAX_CLAIMS_PER_DAY, reclaim_cooldown_days=0)
    crm.workflows.define({"name": "review", "entity": "customer",
                          "steps": [{"name": "check", "approvers": {"users": ["m1", "m2"]}, "mode": "any"}]})
    pool = crm.customers.add_many([{"name": f"pool-{i}"} for i in range(POOL_SIZE)])
    decide = crm.customers.add_many([{"name": f"decide-{i}", "owner": author.id} for i in range(DECIDE_CUSTOMERS)])
    crm.segments.define("imported", 'name starts_with "imp-"')
    assert len(crm.pool.list(limit=1000)) == POOL_SIZE
    crm.close()
    return {"reps": reps, "approvers": [m1.id, m2.id], "author": author.id, "pool": pool,
            "decide_customers": decide, "dir": str(tmp)}


def read_logs(paths):
    records = []
    for worker, p in enumerate(paths):
        with open(p, encoding="utf-8") as f:
            records += [dict(json.loads(line), worker=worker) for line in f if line.strip()]
    return records


def check_owners(db, records):
    """One owner at a time: the owner changes of each customer form a chain, and claims start
    from the pool."""
    problems = []
    chains = collections.defaultdict(list)
    for cid, old, new, reason in db.execute(
            "SELECT entity_id, old_value, new_value, reason FROM history "
            "WHERE entity = 'customer' AND field = 'owner_id' ORDER BY id"):
        chains[cid].append((old, new, reason))
    owners = dict(db.execute("SELECT id, owner_id FROM customers"))
    for cid, chain in chains.items():
        for (_, prev_new, _), (old, _, _) in zip(chain, chain[1:]):
            if old != prev_new:
                problems.append(f"customer {cid}: owner changed from {old} but was {prev_new}")
        for old, new, reason in chain:
            if reason and reason.startswith("pool: claimed") and old is not None:
                problems.append(f"customer {cid}: claimed while owned by {old}")
        last = chain[-1][1]
        if (None if last is None else int(last)) != owners[cid]:
            problems.append(f"customer {cid}: owner {owners[cid]}, history ends at {last}")
    claimed = collections.Counter(r["customer"] for r in records if r["op"] == "claim" and r["ok"])
    stored = collections.Counter(dict(db.execute("SELECT customer_id, count(*) FROM pool_claims GROUP BY 1")))
    if claimed != stored:
        problems.append(f"claims acknowledged {sum(claimed.values())}, stored {sum(stored.values())}: "
                        f"{sorted((claimed - stored) + (stored - claimed))[:10]}")
    return problems


def check_limits(db, reps):
    problems = []
    for user, held in db.execute("SELECT owner_id, count(*) FROM customers WHERE owner_id IS NOT NULL GROUP BY 1"):
        if user in reps and held > MAX_HELD:
            problems.append(f"user {user} holds {held} customers (cap {MAX_HELD})")
    for user, day, n in db.execute("SELECT user_id, at / 86400000, count(*) FROM pool_claims GROUP BY 1, 2"):
        if n > MAX_CLAIMS_PER_DAY:
            problems.append(f"user {user} claimed {n} on day {day} (quota {MAX_CLAIMS_PER_DAY})")
    # The cap is checked inside the claim's write transaction, so it also holds at every moment:
    # replaying the owner changes in commit order never passes it.
    held = collections.Counter()
    for old, new in db.execute("SELECT old_value, new_value FROM history "
                               "WHERE entity = 'customer' AND field = 'owner_id' ORDER BY id"):
        if old is not None:
            held[int(old)] -= 1
        if new is not None:
            held[int(new)] += 1
            if int(new) in reps and held[int(new)] > MAX_HELD:
                problems.append(f"user {new} held {held[int(new)]} at one moment (cap {MAX_HELD})")
    return problems


def check_approvals(db, records):
    problems = []
    for step, decided in db.execute(
            "SELECT step_id, count(*) FROM approval_assignees WHERE decision IS NOT NULL GROUP BY 1 HAVING count(*) > 1"):
        problems.append(f"step {step} decided {decided} times")
    kinds = collections.defaultdict(set)
    for request, kind in db.execute("SELECT request_id, kind FROM approval_ledger WHERE request_id IS NOT NULL"):
        kinds[request].add(kind)
    statuses = dict(db.execute("SELECT id, status FROM approval_requests"))
    for request, seen in kinds.items():
        if any("approve" in k for k in seen) and any("reject" in k for k in seen):
            problems.append(f"request {request} has ledger entries {sorted(seen)}")
    decided = collections.defaultdict(list)
    for r in records:
        if r["op"] in ("approve", "reject") and r["ok"]:
            decided[r["request"]].append(r["op"])
    for request, ops in decided.items():
        if len(ops) != 1:
            problems.append(f"request {request} was decided by {len(ops)} calls")
    for request, status in statuses.items():
        acknowledged = decided.get(request, [])
        expected = {"approve": "approved", "reject": "rejected"}[acknowledged[0]] if acknowledged else "pending"
        if status != expected:
            problems.append(f"request {request} is {status}, the workers saw {acknowledged or 'no decision'}")
    return problems


def check_writes(db, records):
    problems = []
    logged = collections.Counter(r["summary"] for r in records if r["op"] == "interaction" and r["ok"])
    stored = collections.Counter(s for (s,) in db.execute("SELECT summary FROM interactions"))
    if logged != stored:
        problems.append(f"interactions acknowledged {sum(logged.values())}, stored {sum(stored.values())}")
    # An import reports how many rows it created (a row matched to an existing customer is
    # skipped): exactly that many of its names are stored, each once.
    stored_names = collections.Counter(n for (n,) in db.execute("SELECT name FROM customers WHERE name LIKE 'imp-%'"))
    for r in records:
        if r["op"] == "import":
            found = sum(stored_names[n] for n in r["names"])
            if found != (r["created"] if r["ok"] else 0) or any(stored_names[n] > 1 for n in r["names"]):
                problems.append(f"import by worker {r['worker']}: reported {r.get('created')}, stored {found}")
    for worker in range(WORKERS):
        counts = [r["count"] for r in records if r["op"] == "segment-count" and r["worker"] == worker]
        if any(b < a for a, b in zip(counts, counts[1:])):
            problems.append(f"worker {worker} saw the segment shrink: {counts[:20]}")
    return problems


def test_eight_processes_on_one_file(tmp_path):
    path = tmp_path / "soak.db"
    setup = setup_database(path, tmp_path)
    logs = [tmp_path / f"worker-{i}.log" for i in range(WORKERS)]
    start = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), str(i), str(SECONDS), json.dumps(setup),
                               str(logs[i])], stderr=subprocess.PIPE, text=True) for i in range(WORKERS)]
    for p in procs:
        _, err = p.communicate(timeout=SECONDS + 300)
        assert p.returncode == 0, err[-3000:]
    elapsed = time.monotonic() - start
    records = read_logs(logs)

    errors = [r for r in records if "error" in r]
    locked = [r for r in errors if r.get("locked")]
    assert not locked, f"{len(locked)} calls saw a busy database: {locked[:3]}"
    assert not errors, f"{len(errors)} unexpected errors: {errors[:5]}"
    ends = [r for r in records if r["op"] == "end"]
    assert len(ends) == WORKERS

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = (check_owners(db, records) + check_limits(db, set(setup["reps"])) +
                    check_approvals(db, records) + check_writes(db, records))
    finally:
        db.close()
    assert not problems, "\n".join(problems[:30])

    crm = crmkit.open(str(path))
    try:
        verification = crm.audit.verify()
        assert verification.ok, verification.reason
        check = crm.check()
        assert check.ok, check.problems
    finally:
        crm.close()

    calls = [r for r in records if r["op"] not in ("end", "segment-count")]
    by_op = collections.Counter((r["op"], "ok" if r["ok"] else r.get("refused", "error")) for r in calls)
    busy = {k: sum(r["busy"][k] for r in ends) for k in ("waits", "retries", "waited_ms")}
    decided = sum(1 for r in calls if r["op"] in ("approve", "reject") and r["ok"])
    contested = sum(1 for r in calls if r["op"] in ("approve", "reject") and not r["ok"])
    print(f"\nsoak: {WORKERS} processes, {elapsed:.1f} s, {len(calls)} calls = {len(calls) / elapsed:.1f} calls/s, "
          f"{sum(1 for r in calls if r['ok'])} done, {sum(1 for r in calls if not r['ok'])} refused, "
          f"busy waits {busy['waits']}, retries {busy['retries']}, slept {busy['waited_ms'] / 1000:.1f} s, requests decided {decided} (refused decisions on a decided step {contested})")
    for (op, outcome), n in sorted(by_op.items()):
        print(f"  {op:12s} {outcome:18s} {n}")
    # The soak must have exercised what it claims to: contested claims and decisions happened.
    assert by_op[("claim", "ok")] > 0
    assert sum(n for (op, outcome), n in by_op.items() if op == "claim" and outcome != "ok") > 0
    assert decided > 0 and contested > 0


def test_a_writer_waits_for_the_lock_and_the_wait_is_counted(tmp_path):
    """The busy handler behind every connection: a write that meets another connection's write
    lock waits and retries (counted) and then succeeds; with busy_timeout=0 it gives up at once
    with a StorageError that says the database is busy."""
    import threading

    path = str(tmp_path / "busy.db")
    holder, waiter = crmkit.open(path), crmkit.open(path)
    impatient = crmkit.open(path, busy_timeout=0)
    try:
        locked, release = threading.Event(), threading.Event()

        def hold():
            with holder.transaction():
                holder.customers.add(name="持锁")
                locked.set()
                release.wait(30)

        t = threading.Thread(target=hold)
        t.start()
        assert locked.wait(30)
        try:
            try:
                impatient.customers.add(name="不等")
                raise AssertionError("a write with busy_timeout=0 went through another's lock")
            except crmkit.StorageError as e:
                assert "busy" in str(e)
            before = crmkit._crmkit._busy_retries()
            threading.Timer(0.2, release.set).start()
            waiter.customers.add(name="等待")
            after = crmkit._crmkit._busy_retries()
        finally:
            release.set()
            t.join()
        assert after["waits"] > before["waits"] and after["retries"] > before["retries"]
        assert after["waited_ms"] > before["waited_ms"]
        assert sorted(r["name"] for r in waiter.customers.find().rows()) == sorted(["持锁", "等待"])
    finally:
        for c in (holder, waiter, impatient):
            c.close()
