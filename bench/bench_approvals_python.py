"""Approvals from Python against the same process written in plain Python (sqlite3 + hashlib).

    approvals_vs_python      N requests x (submit + three approvals) on a three-step workflow
                             (owner.manager, {"role": "director"}, {"role": "finance"}, mode any),
                             each call its own transaction with its ledger entries, through
                             crm.approvals; against PlainApprovals below on a copy of the same file.
    approve_many_vs_calls    one approver deciding 1,000 requests (scale 1.0) at the director step:
                             1,000 crm.approvals.approve() calls against one approve_many() call,
                             on two copies of the same file.

PlainApprovals is what an application developer would write instead: one connection, statements
cached by the sqlite3 module, the workflow's steps parsed once, and per call the same checks the
engine makes (the record exists and is not locked, no other pending request, the acting user is an
open assignee of the current step, nobody approves their own request, once per step) and the same
rows: the request, the record lock, each step instance with its assignees and routing trace, the
decision, and every ledger entry (submit, step, approve, step ... approved), each hash-chained with
SHA-256 over the canonical JSON of the entry, chained on the previous entry read from the table.
Scale 1.0 = 20,000 requests (80,000 calls)."""

import hashlib
import json
import shutil
import sqlite3
import time

import crmkit

ENTRIES = ["approvals_vs_python", "approve_many_vs_calls"]

WORKFLOW = {"name": "bench", "entity": "opportunity", "trigger": {"on": "submit"},
            "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"},
                      {"name": "director", "approvers": {"role": "director"}, "mode": "any"},
                      {"name": "finance", "approvers": {"role": "finance"}, "mode": "any"}]}
MANAGERS, REPS_PER_MANAGER = 10, 10
GENESIS = "0" * 64


class Org:
    pass


def build_base(path, n):
    """The organisation, the workflow and n opportunities, written through crmkit."""
    crm = crmkit.open(str(path))
    org = Org()
    org.director = crm.users.add("director", name="总监", role="director").id
    org.finance = crm.users.add("finance", name="财务", role="finance").id
    org.managers, org.reps = [], []
    for m in range(MANAGERS):
        mid = crm.users.add(f"manager{m}", name=f"经理{m}", role="manager", manager=org.director).id
        org.managers.append(mid)
        for r in range(REPS_PER_MANAGER):
            org.reps.append(crm.users.add(f"rep{m}.{r}", name="销售", role="sales", manager=mid).id)
    customers = crm.customers.add_many([{"name": f"客户{i}", "owner": rep} for i, rep in enumerate(org.reps)])
    crm.workflows.define(WORKFLOW)
    org.opps = []
    for i in range(n):
        k = i % len(org.reps)
        org.opps.append(crm.opportunities.add(customer=customers[k], title=f"ERP项目{i}", amount=1000000 + i,
                                              owner=org.reps[k]).id)
    crm.close()
    return org


def manager_of(org, i):
    return org.managers[(i % len(org.reps)) // REPS_PER_MANAGER]


class Refused(Exception):
    pass


class PlainApprovals:
    """The approval process in plain Python: the same checks, rows and ledger entries."""

    def __init__(self, path):
        self.db = sqlite3.connect(str(path), isolation_level=None, cached_statements=256)
        for p in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
            self.db.execute("PRAGMA " + p)
        self.steps = {}  # workflow id -> (name, version, steps), parsed once

    def _workflow(self, name):
        wid = self.db.execute("SELECT id FROM workflows WHERE name = ? AND current = 1", (name,)).fetchone()[0]
        if wid not in self.steps:
            self.steps[wid] = self._load(wid)
        return wid

    @staticmethod
    def _canonical(obj):
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def _record(self, opp_id):
        row = self.db.execute("SELECT id, customer_id, title, amount_cents, owner_id, stage, status, locked_by_request "
                              "FROM opportunities WHERE id = ?", (opp_id,)).fetchone()
        if row is None:
            raise Refused(f"opportunity {opp_id} does not exist")
        rec = {"id": row[0], "customer_id": row[1], "title": row[2], "amount": row[3] / 100, "owner": row[4],
               "stage": row[5], "status": row[6]}
        return rec, row[7]

    def _append(self, kind, req, step, actor, record, detail=None):
        last = self.db.execute("SELECT id, hash FROM approval_ledger ORDER BY id DESC LIMIT 1").fetchone()
        eid, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = int(time.time() * 1000)
        rec_text = self._canonical(record)
        detail_text = None if detail is None else self._canonical(detail)
        name, version, _ = self.steps[req["workflow_id"]]
        row = [eid, at, kind, req["id"], name, version, "opportunity", req["entity_id"], step, req["round"], actor,
               None, None, rec_text, detail_text, prev]
        digest = hashlib.sha256(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
        self.db.execute("INSERT INTO approval_ledger(id, at, kind, request_id, workflow, workflow_version, entity, "
                        "entity_id, step, round, actor_id, on_behalf_of, comment, record, detail, prev_hash, hash) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row + [digest])

    def _approvers(self, step, record, submitter):
        spec = step["approvers"]
        if spec == "owner.manager":
            rows = self.db.execute("SELECT m.id, m.login FROM users u JOIN users m ON m.id = u.manager_id "
                                   "WHERE u.id = ? AND m.active = 1", (record["owner"],)).fetchall()
            reason = "owner.manager"
        else:
            rows = self.db.execute("SELECT id, login FROM users WHERE role = ? AND active = 1 ORDER BY id",
                                   (spec["role"],)).fetchall()
            reason = "role " + spec["role"]
        rows = [r for r in rows if r[0] != submitter]
        if not rows:
            raise Refused("nobody can approve step " + step["name"])
        return [{"user_id": uid, "login": login, "reason": reason} for uid, login in rows]

    def _start_step(self, req, index, record, now):
        step = self.steps[req["workflow_id"]][2][index]
        approvers = self._approvers(step, record, req["submitter_id"])
        trace = self._canonical(approvers)
        cur = self.db.execute("INSERT INTO approval_steps(request_id, round, step_index, name, mode, quorum, status, "
                              "started_at, trace) VALUES (?,?,?,?,?,1,'pending',?,?)",
                              (req["id"], req["round"], index, step["name"], step["mode"], now, trace))
        step_id = cur.lastrowid
        self.db.executemany("INSERT INTO approval_assignees(step_id, user_id, reason) VALUES (?,?,?)",
                            [(step_id, a["user_id"], a["reason"]) for a in approvers])
        req["version"] += 1
        self.db.execute("UPDATE approval_requests SET current_step_id = ?, snapshot = ?, updated_at = ?, version = ? "
                        "WHERE id = ?", (step_id, self._canonical(record), now, req["version"], req["id"]))
        self._append("step", req, step["name"], None, record,
                     {"approvers": approvers, "mode": step["mode"], "quorum": 1})

    def submit(self, opp_id, workflow, by):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            wid = self._workflow(workflow)
            record, locked = self._record(opp_id)
            if locked is not None:
                raise Refused(f"opportunity {opp_id} is locked by request {locked}")
            if self.db.execute("SELECT 1 FROM approval_requests WHERE entity = 'opportunity' AND entity_id = ? "
                               "AND status = 'pending'", (opp_id,)).fetchone():
                raise Refused(f"opportunity {opp_id} has a pending request")
            now = int(time.time() * 1000)
            cur = self.db.execute("INSERT INTO approval_requests(workflow_id, entity, entity_id, submitter_id, status, "
                                  "round, snapshot, created_at, updated_at) VALUES (?,'opportunity',?,?,'pending',1,?,?,?)",
                                  (wid, opp_id, by, self._canonical(record), now, now))
            req = {"id": cur.lastrowid, "workflow_id": wid, "entity_id": opp_id, "submitter_id": by, "round": 1,
                   "version": 1}
            self.db.execute("UPDATE opportunities SET locked_by_request = ? WHERE id = ?", (req["id"], opp_id))
            self._append("submit", req, None, by, record, {"trigger": "submit"})
            self._start_step(req, 0, record, now)
            self.db.execute("COMMIT")
            return req["id"]
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def approve(self, request_id, by):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute("SELECT r.workflow_id, r.entity_id, r.submitter_id, r.status, r.round, r.version, "
                                  "r.current_step_id, s.step_index, s.name FROM approval_requests r "
                                  "LEFT JOIN approval_steps s ON s.id = r.current_step_id WHERE r.id = ?",
                                  (request_id,)).fetchone()
            if row is None:
                raise Refused(f"approval request {request_id} does not exist")
            wid, opp_id, submitter, status, rnd, version, step_id, index, step_name = row
            if status != "pending":
                raise Refused(f"approval request {request_id} is already {status}")
            if submitter == by:
                raise Refused("nobody approves their own request")
            a = self.db.execute("SELECT open, decision FROM approval_assignees WHERE step_id = ? AND user_id = ?",
                                (step_id, by)).fetchone()
            if a is None:
                raise Refused(f"user {by} is not an approver of step {step_name}")
            if not a[0]:
                raise Refused(f"user {by} already acted on step {step_name}")
            if wid not in self.steps:
                self.steps[wid] = self._load(wid)
            now = int(time.time() * 1000)
            req = {"id": request_id, "workflow_id": wid, "entity_id": opp_id, "submitter_id": submitter, "round": rnd,
                   "version": version}
            self.db.execute("UPDATE approval_assignees SET open = 0, decision = 'approved', acted_by = ?, "
                            "decided_at = ? WHERE step_id = ? AND user_id = ?", (by, now, step_id, by))
            record, _ = self._record(opp_id)
            self._append("approve", req, step_name, by, record)
            self.db.execute("UPDATE approval_steps SET status = 'approved', ended_at = ? WHERE id = ?", (now, step_id))
            self.db.execute("UPDATE approval_assignees SET open = 0 WHERE step_id = ? AND open = 1", (step_id,))
            steps = self.steps[wid][2]
            if index + 1 < len(steps):
                self._start_step(req, index + 1, record, now)
                result = "pending"
            else:
                req["version"] += 1
                self.db.execute("UPDATE approval_requests SET status = 'approved', current_step_id = NULL, snapshot = ?, "
                                "updated_at = ?, ended_at = ?, version = ? WHERE id = ?",
                                (self._canonical(record), now, now, req["version"], request_id))
                self.db.execute("UPDATE opportunities SET locked_by_request = NULL WHERE id = ?", (opp_id,))
                self._append("approved", req, None, None, record)
                result = "approved"
            self.db.execute("COMMIT")
            return result
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _load(self, wid):
        name, version, definition = self.db.execute("SELECT name, version, definition FROM workflows WHERE id = ?",
                                                    (wid,)).fetchone()
        return name, version, json.loads(definition)["steps"]


def _copy(base, to):
    for suffix in ("", "-wal", "-shm"):
        p = base.parent / (base.name + suffix)
        if p.exists():
            shutil.copy(p, to.parent / (to.name + suffix))
    return to


def _crmkit_process(path, org):
    crm = crmkit.open(str(path))
    ap = crm.approvals
    t0 = time.perf_counter()
    ids = [ap.submit("opportunity", opp, workflow="bench", by=org.reps[i % len(org.reps)]).id
           for i, opp in enumerate(org.opps)]
    for i, rid in enumerate(ids):
        ap.approve(rid, by=manager_of(org, i))
    for rid in ids:
        ap.approve(rid, by=org.director)
    for rid in ids:
        if ap.approve(rid, by=org.finance).status != "approved":
            raise RuntimeError(f"request {rid} did not end approved")
    elapsed = time.perf_counter() - t0
    entries = crm.audit.verify().entries
    crm.close()
    return elapsed, entries


def _plain_process(path, org):
    plain = PlainApprovals(path)
    t0 = time.perf_counter()
    ids = [plain.submit(opp, "bench", org.reps[i % len(org.reps)]) for i, opp in enumerate(org.opps)]
    for i, rid in enumerate(ids):
        plain.approve(rid, manager_of(org, i))
    for rid in ids:
        plain.approve(rid, org.director)
    for rid in ids:
        if plain.approve(rid, org.finance) != "approved":
            raise RuntimeError(f"request {rid} did not end approved")
    elapsed = time.perf_counter() - t0
    entries = plain.db.execute("SELECT count(*) FROM approval_ledger").fetchone()[0]
    plain.db.close()
    return elapsed, entries


def approvals_vs_python(scale, workdir):
    n = max(20, int(20000 * scale))
    base = workdir / "base.db"
    org = build_base(base, n)
    plain_s, plain_entries = _plain_process(_copy(base, workdir / "plain.db"), org)
    crm_s, crm_entries = _crmkit_process(_copy(base, workdir / "crmkit.db"), org)
    if plain_entries != crm_entries:
        raise RuntimeError(f"ledger entries differ: crmkit {crm_entries}, plain Python {plain_entries}")
    calls = 4 * n
    return {"name": f"approvals: {n:,} requests x (submit + 3 approvals) from Python, a transaction each "
                    f"({crm_s / calls * 1e6:.0f} vs {plain_s / calls * 1e6:.0f} us per call)",
            "crmkit_s": crm_s, "baseline": "plain Python sqlite3 + hashlib", "baseline_s": plain_s,
            "ratio": crm_s / plain_s, "target": "<= 0.33", "ledger_entries": crm_entries,
            "crmkit_us_per_call": crm_s / calls * 1e6, "baseline_us_per_call": plain_s / calls * 1e6}


def approve_many_vs_calls(scale, workdir):
    n = max(20, int(1000 * scale))
    base = workdir / "base.db"
    org = build_base(base, n)
    crm = crmkit.open(str(base))
    ids = [crm.approvals.submit("opportunity", opp, workflow="bench", by=org.reps[i % len(org.reps)]).id
           for i, opp in enumerate(org.opps)]
    for i, rid in enumerate(ids):
        crm.approvals.approve(rid, by=manager_of(org, i))
    crm.close()
    one = crmkit.open(str(_copy(base, workdir / "calls.db")))
    t0 = time.perf_counter()
    for rid in ids:
        one.approvals.approve(rid, by=org.director)
    calls_s = time.perf_counter() - t0
    one.close()
    many = crmkit.open(str(_copy(base, workdir / "many.db")))
    t0 = time.perf_counter()
    results = many.approvals.approve_many(ids, by=org.director)
    many_s = time.perf_counter() - t0
    if not all(r.ok and r.current_step == "finance" for r in results):
        raise RuntimeError("approve_many did not move every request to the finance step")
    many.close()
    return {"name": f"approvals: approve_many of {n:,} requests vs {n:,} approve() calls",
            "crmkit_s": many_s, "baseline": "separate approve() calls", "baseline_s": calls_s,
            "ratio": many_s / calls_s, "target": "<= 0.1"}
