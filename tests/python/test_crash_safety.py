"""Crash safety: a writer killed with SIGKILL at random moments loses nothing it reported.

A child process runs a long mixed stream of writes on one database file — customers one by one
and in batches (the import path), interactions, orders, pool releases and claims, approval
submits and decisions with their ledger entries — and prints a line after each call returns
(the call has committed). The test kills it with SIGKILL at random moments, reopens the file and
checks:

- `PRAGMA integrity_check` is ok, `crm.check()` is clean, the ledger verifies, stored facts equal
  a recomputation, and the change feed's ids ascend with an event for every committed customer;
- every write the child reported is present;
- the call that was in flight is all there or not at all (a batch of three has 0 or 3 rows, an
  order is counted in the facts exactly when it exists);
- nothing of a call that had not started is there.

Then the next child continues on the same file. Both `synchronous` modes are run: under WAL,
NORMAL and FULL both survive a process crash (what SIGKILL tests); they differ on power loss,
which a test cannot simulate (see docs/reliability.md).

Kills per mode: CRMKIT_CRASH_KILLS (default 10, so 20 in all); `make crash` runs more.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import crmkit

KILLS = int(os.environ.get("CRMKIT_CRASH_KILLS", "10"))

CHILD = r"""
import sys
import crmkit

path, mode, seq = sys.argv[1], sys.argv[2], int(sys.argv[3])
crm = crmkit.open(path, synchronous=mode)
alice_id, boss_id = int(sys.argv[4]), int(sys.argv[5])
target = int(sys.argv[6])   # the customer the relationship writes go to
out = sys.stdout

def say(*words):
    out.write(" ".join(str(w) for w in words) + "\n")
    out.flush()

while True:
    op = seq % 7
    tag = f"[{seq:07d}]"
    say("begin", seq, op, target)
    if op == 0:
        c = crm.customers.add(name=tag, owner=alice_id, source="crash")
        target = c.id
        say("commit", seq, "customer", c.id)
    elif op == 1:
        ids = crm.customers.add_many([{"name": f"{tag}-{j}", "owner": alice_id} for j in range(3)])
        say("commit", seq, "batch", *ids)
    elif op == 2:
        crm.interactions.log(target, kind="call", by=alice_id, summary=tag)
        say("commit", seq, "interaction", target)
    elif op == 3:
        crm.orders.add(target, amount=float(seq % 1000 + 1), at="2026-01-15")
        say("commit", seq, "order", target)
    elif op in (4, 5):
        # A release or claim in flight at the previous kill may not have landed, so the customer
        # can be where this call cannot move it from: a refusal, which changes nothing.
        try:
            if op == 4:
                crm.pool.release(target)
            else:
                crm.pool.claim(target, by=alice_id)
            say("commit", seq, "release" if op == 4 else "claim", target)
        except crmkit.Conflict:
            say("refused", seq)
    else:
        # The customer may be in the pool after a release (then alice may not submit it).
        try:
            req = crm.approvals.submit("customer", target, workflow="review", by=alice_id)
        except (crmkit.PermissionDenied, crmkit.Conflict):
            say("refused", seq)
        else:
            say("commit", seq, "submit", req.id)
            crm.approvals.approve(req, by=boss_id)
            say("commit", seq, "approve", req.id)
    seq += 1
"""


def setup_database(path):
    crm = crmkit.open(str(path))
    boss = crm.users.add("boss", name="经理", role="manager")
    alice = crm.users.add("alice", name="Alice", role="sales", manager=boss)
    crm.pool.set_rules(max_held_per_user=100_000, max_claims_per_day=100_000, reclaim_cooldown_days=0)
    crm.workflows.define({"name": "review", "entity": "customer",
                          "steps": [{"name": "manager", "approvers": "owner.manager"}]})
    first = crm.customers.add(name="[start]", owner=alice)
    crm.close()
    return alice.id, boss.id, first.id


def parse(lines):
    """(committed records, the in-flight (seq, op, target customer) or None, the last seq begun)."""
    committed, begun, refused = [], {}, set()
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "begin":
            begun[int(parts[1])] = (int(parts[2]), int(parts[3]))
        elif parts[0] == "commit":
            committed.append((int(parts[1]), parts[2], [int(x) for x in parts[3:]]))
        elif parts[0] == "refused":
            refused.add(int(parts[1]))
    done = {s for s, _, _ in committed} | refused
    # A submit reported but its approve not: the approve is what is in flight.
    inflight = None
    if begun:
        last = max(begun)
        kinds = [k for s, k, _ in committed if s == last]
        if last not in done or (begun[last][0] == 6 and "submit" in kinds and "approve" not in kinds):
            inflight = (last, *begun[last])
    return committed, inflight, max(begun) if begun else None


class Ledger:
    """What the parent knows was committed, across all rounds."""

    def __init__(self, first_customer):
        self.customers = {"[start]": first_customer}
        self.orders = {}           # customer id -> committed orders
        self.interactions = {}     # customer id -> committed interactions
        self.requests = {}         # request id -> "pending" | "approved"
        self.owner_known = {}      # customer id -> "pool" | "alice" (the last committed pool write)


def describe(crm, names, extra):
    """The unexpected customers with what tells when they were written (id, created_at, version)."""
    out = []
    for n in sorted(extra):
        c = crm.customers.get(names[n])
        out.append(f"{n} id={c.id} created_at={c.created_at} version={c.version}")
    return "; ".join(out)


def check_round(path, known, committed, inflight, mode, alice_id):
    raw = sqlite3.connect(str(path))
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    crm = crmkit.open(str(path), synchronous=mode)
    try:
        for seq, kind, ids in committed:
            tag = f"[{seq:07d}]"
            if kind == "customer":
                known.customers[tag] = ids[0]
            elif kind == "batch":
                for j, cid in enumerate(ids):
                    known.customers[f"{tag}-{j}"] = cid
            elif kind == "order":
                known.orders[ids[0]] = known.orders.get(ids[0], 0) + 1
            elif kind == "interaction":
                known.interactions[ids[0]] = known.interactions.get(ids[0], 0) + 1
            elif kind == "release":
                known.owner_known[ids[0]] = "pool"
            elif kind == "claim":
                known.owner_known[ids[0]] = "alice"
            elif kind == "submit":
                known.requests[ids[0]] = "pending"
            elif kind == "approve":
                known.requests[ids[0]] = "approved"

        # Every reported customer is there, under its name.
        names = {r.name: r.id for r in crm.customers.find()}
        for name, cid in known.customers.items():
            assert names.get(name) == cid, f"committed customer {name} (id {cid}) lost after SIGKILL"
        # Nothing else is there but the in-flight call's rows, all of them or none.
        extra = {n for n in names if n not in known.customers}
        if inflight and inflight[1] in (0, 1):
            tag = f"[{inflight[0]:07d}]"
            expected = {tag} if inflight[1] == 0 else {f"{tag}-{j}" for j in range(3)}
            assert extra in (set(), expected), (
                f"a partial write survived: {describe(crm, names, extra)} "
                f"(the newest reported customer id is {max(known.customers.values())})")
            for n in extra:
                known.customers[n] = names[n]
        else:
            assert extra == set(), (f"rows of no call survived: {describe(crm, names, extra)} "
                                    f"(the newest reported customer id is {max(known.customers.values())})")

        # Orders and interactions: each reported one counted; the in-flight one 0 or 1 more.
        checked = set(known.orders) | set(known.interactions)
        if inflight and inflight[1] in (2, 3):
            checked.add(inflight[2])
        for cid in checked:
            facts = crm.facts.get(cid)
            for attr, table in (("order_count", known.orders), ("interaction_count", known.interactions)):
                have, want = getattr(facts, attr), table.get(cid, 0)
                op = 3 if attr == "order_count" else 2
                if inflight and inflight[1] == op and inflight[2] == cid and have == want + 1:
                    table[cid] = have  # the in-flight call committed before the kill
                assert getattr(facts, attr) == table.get(cid, 0), (attr, cid, have, want, inflight)
        assert list(crm.facts.check()) == [], "stored facts differ from a recomputation"

        # Pool writes: the owner is the last committed release (none) or claim (alice); a release
        # or claim in flight may have landed or not.
        for cid, state in known.owner_known.items():
            owner = crm.customers.get(cid).owner_id
            landed = {4: None, 5: alice_id}
            if inflight and inflight[1] in landed and inflight[2] == cid and owner == landed[inflight[1]]:
                known.owner_known[cid] = state = "pool" if owner is None else "alice"
            assert owner == (None if state == "pool" else alice_id), (cid, owner, state, inflight)

        for rid, status in known.requests.items():
            got = crm.approvals.get(rid).status
            assert got == status or (status == "pending" and got == "approved" and inflight), (rid, got, status)
            known.requests[rid] = got
        v = crm.audit.verify()
        assert v.ok, v.reason
        report = crm.check()  # what an operator runs: integrity, facts, ledger, the feed
        assert report.ok, report.problems

        # The change feed: ids ascend (id order is commit order), and every customer has its creation.
        feed, cursor = [], 0
        while True:  # page through the whole feed (a page holds at most 10,000 events)
            page = list(crm.events.since(cursor, limit=10_000))
            if not page:
                break
            feed += page
            cursor = page[-1].id
        ids = [e.id for e in feed]
        assert ids == sorted(set(ids))
        created = {e.entity_id for e in feed if e.entity == "customer" and e.kind == "created"}
        assert set(known.customers.values()) <= created
    finally:
        crm.close()


@pytest.mark.parametrize("mode", ["normal", "full"])
def test_sigkill_at_random_moments_loses_no_reported_write(tmp_path, mode):
    path = tmp_path / f"crash-{mode}.db"
    alice_id, boss_id, target = setup_database(path)
    known = Ledger(target)
    rng = random.Random(f"crash-{mode}")
    seq, survived, reported = 1, 0, 0
    env = dict(os.environ)
    for kill in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), mode, str(seq), str(alice_id), str(boss_id), str(target)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        # Wait until the child is writing (its first line), then a random moment more.
        first = child.stdout.readline()
        assert first.startswith("begin"), first + child.stderr.read()
        time.sleep(rng.uniform(0.0, 1.2))
        child.send_signal(signal.SIGKILL)
        # The rest is read through the same file objects: communicate() reads the raw pipes and
        # would drop what readline() had already buffered (the child's next lines, when it wrote
        # several before the first was read), leaving commits unreported.
        out, err = child.stdout.read(), child.stderr.read()
        child.stdout.close()
        child.stderr.close()
        child.wait()
        assert child.returncode == -signal.SIGKILL, f"the child stopped by itself: {err[-2000:]}"
        committed, inflight, last = parse([first] + out.splitlines())
        reported += len(committed)
        try:
            check_round(path, known, committed, inflight, mode, alice_id)
        except AssertionError as e:
            tail = "\n".join(([first] + out.splitlines())[-6:])
            raise AssertionError(f"after kill {kill} (in flight: {inflight}); the child's last lines:\n{tail}") from e
        survived += 1
        seq = (last or seq) + 1
        customers = [ids[0] for _, k, ids in committed if k == "customer"]
        if customers:
            target = customers[-1]
        elif inflight and inflight[1] == 0 and f"[{inflight[0]:07d}]" in known.customers:
            target = known.customers[f"[{inflight[0]:07d}]"]
    assert survived == KILLS
    assert reported > KILLS, "the child committed almost nothing between kills"
    print(f"\ncrash safety ({mode}): {survived} kills survived, {reported} reported commits checked")
