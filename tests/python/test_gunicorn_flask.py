"""The Flask example under gunicorn (4 worker processes on 127.0.0.1) driven by concurrent HTTP
clients: reads, updates with If-Match, approvals and claims from the public pool. Afterwards: no
5xx, no 'database is locked' reached a client, every acknowledged write is in the database
exactly once, no rep saw another rep's customer, and crm.check() is clean.

Bounded: CLIENTS threads run REQUESTS operations (an update is a GET and a PATCH). The throughput and latency it prints are
recorded in docs/benchmarks.md (`pytest -s tests/python/test_gunicorn_flask.py`)."""

import collections
import concurrent.futures
import os
import pathlib
import random
import socket
import subprocess
import sys
import threading
import time

import pytest

import crmkit

requests = pytest.importorskip("requests")
pytest.importorskip("gunicorn")

ROOT = pathlib.Path(__file__).resolve().parents[2]
REPS = 4
OWN = 40          # customers per rep
POOL = 150        # customers in the public pool
APPROVALS = 120   # pending approval requests for the manager
REQUESTS = 2000
CLIENTS = 16


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(path):
    with crmkit.open(path) as crm:
        team = crm.teams.add("华东销售部")
        boss = crm.users.add("boss", name="张总", role="director", team=team)
        manager = crm.users.add("manager", name="王经理", role="manager", team=team, manager=boss)
        reps = [crm.users.add(f"rep{i}", name=f"销售{i}", role="sales", team=team, manager=manager)
                for i in range(REPS)]
        crm.pool.set_rules(idle_days=365, no_deal_days=365, max_held_per_user=10_000, max_claims_per_day=10_000,
                           reclaim_cooldown_days=0)
        owned = {}
        for rep in reps:
            ids = crm.customers.add_many([{"name": f"{rep.login}的客户{j}号", "owner": rep, "industry": "制造"}
                                          for j in range(OWN)])
            owned[rep.login] = list(ids)
        pool = list(crm.customers.add_many([{"name": f"公海客户{j}"} for j in range(POOL)]))
        crm.segments.define("makers", 'industry = "制造"')
        crm.workflows.define({"name": "initiation", "entity": "opportunity", "trigger": {"on": "submit"},
                              "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"}]})
        requests_ = []
        for k in range(APPROVALS):
            rep = reps[k % REPS]
            opp = crm.opportunities.add(customer=owned[rep.login][k % OWN], title=f"项目{k}", amount=50_000 + k,
                                        owner=rep)
            requests_.append(crm.approvals.submit("opportunity", opp.id, workflow="initiation", by=rep).id)
        names = {cid: crm.customers.get(cid).name for ids in owned.values() for cid in ids}
    return owned, pool, requests_, names


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    path = str(tmp / "crm.db")
    seeded = _seed(path)
    port = _free_port()
    # The workers find this crmkit by an absolute path whatever their working directory.
    package_root = os.path.abspath(os.path.dirname(os.path.dirname(crmkit.__file__)))
    pythonpath = os.pathsep.join([package_root] + [os.path.abspath(p) for p in
                                                   os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    env = dict(os.environ, CRMKIT_DATABASE=path, PYTHONPATH=pythonpath)
    log = open(tmp / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}",
                             "--pythonpath", str(ROOT / "examples" / "flask_app"), "--timeout", "60", "app:app"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("gunicorn did not start: " + (tmp / "gunicorn.log").read_text())
        time.sleep(0.2)
    yield base, path, seeded
    proc.terminate()
    proc.wait(30)
    log.close()


class timed:
    """A requests.Session whose get/post/patch record their latency in `into`."""

    def __init__(self, session, into):
        self.session, self.into = session, into

    def __getattr__(self, method):
        call = getattr(self.session, method)

        def run(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return call(*args, timeout=60, **kwargs)
            finally:
                self.into.append(time.perf_counter() - t0)

        return run


def test_concurrent_clients_under_gunicorn(server):
    base, path, (owned, pool, approval_ids, names) = server
    logins = sorted(owned)
    rng = random.Random(11)
    pending_approvals = collections.deque(approval_ids)
    lock = threading.Lock()
    local = threading.local()
    results = []  # (kind, status, latency_s, detail)

    sessions = []
    latencies = []  # seconds per HTTP request (list.append is atomic)

    def session():
        if not hasattr(local, "s"):
            local.s = requests.Session()
            with lock:
                sessions.append(local.s)
        return local.s

    def one(i):
        r = random.Random(i)
        kind = r.choices(["read", "foreign", "update", "search", "claim", "approve"], [40, 10, 20, 10, 10, 10])[0]
        rep = r.choice(logins)
        h = {"X-User": rep}
        s = timed(session(), latencies)
        detail = None
        if kind == "read":
            cid = r.choice(owned[rep])
            resp = s.get(f"{base}/customers/{cid}", headers=h)
            detail = (cid, resp.json().get("name") if resp.ok else None)
        elif kind == "foreign":
            other = r.choice([l for l in logins if l != rep])
            cid = r.choice(owned[other])
            resp = s.get(f"{base}/customers/{cid}", headers=h)
            detail = cid
        elif kind == "update":
            cid = r.choice(owned[rep])
            got = s.get(f"{base}/customers/{cid}", headers=h)
            value = f"行业-{i}"
            resp = s.patch(f"{base}/customers/{cid}", json={"industry": value},
                           headers=dict(h, **{"If-Match": got.headers.get("ETag", '"0"')}))
            detail = (cid, value, resp.json().get("version") if resp.ok else None)
        elif kind == "search":
            if r.random() < 0.5:
                resp = s.get(f"{base}/segments/makers/count", headers=h)
            else:
                resp = s.get(f"{base}/customers", params={"rule": 'industry starts_with "行业"', "limit": 20},
                             headers=h)
        elif kind == "claim":
            cid = r.choice(pool)
            resp = s.post(f"{base}/pool/{cid}/claim", headers=h)
            detail = (cid, rep)
        else:
            with lock:
                rid = pending_approvals.popleft() if pending_approvals else None
                if rid is not None and r.random() < 0.15:
                    pending_approvals.append(rid)  # decided twice: the second must be refused, not lost
            if rid is None:
                resp = s.get(f"{base}/approvals/inbox", headers={"X-User": "manager"})
            else:
                resp = s.post(f"{base}/approvals/{rid}/approve", json={"comment": "同意"},
                              headers={"X-User": "manager"})
            detail = rid
        return kind, resp.status_code, None, detail, resp.text

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool_:
        results = list(pool_.map(one, range(REQUESTS)))
    wall = time.perf_counter() - started
    for s in sessions:
        s.close()

    statuses = collections.Counter((k, st) for k, st, *_ in results)
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"\ngunicorn 4 workers, {CLIENTS} client threads, {len(latencies)} HTTP requests in {wall:.1f} s: "
          f"{len(latencies) / wall:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print("statuses:", dict(statuses))
    assert not [x for x in results if x[1] >= 500], statuses
    assert not [x for x in results if "database is locked" in x[4] or "busy" in x[4]]
    # Reads of one's own customers succeed; another rep's customer is refused and not leaked.
    for kind, status, _, detail, text in results:
        if kind == "read":
            assert status == 200 and detail[1] == names[detail[0]]
        elif kind == "foreign":
            assert status in (403, 404) and names[detail] not in text
        elif kind == "update":
            assert status in (200, 409), text
        elif kind == "claim":  # lost races: already claimed (409), or no longer in the pool (403/404)
            assert status in (200, 403, 404, 409, 422), text
        elif kind == "approve":
            assert status in (200, 409, 422), text

    with crmkit.open(path) as crm:
        # Every acknowledged update is in the customer's history once, at its own version.
        acked = collections.defaultdict(list)
        for kind, status, _, detail, _ in results:
            if kind == "update" and status == 200:
                acked[detail[0]].append((detail[2], detail[1]))
        assert acked
        for cid, writes in acked.items():
            versions = [v for v, _ in writes]
            assert len(versions) == len(set(versions)), f"customer {cid}: two writes acknowledged one version"
            history = [row["new"] for row in crm.history("customer", cid).rows() if row["field"] == "industry"]
            for _, value in writes:
                assert history.count(value) == 1, f"customer {cid}: write {value!r} lost or duplicated"
            assert crm.customers.get(cid).version >= max(versions)
        # Every acknowledged claim holds: one claimant per customer, now its owner.
        claims = collections.defaultdict(set)
        for kind, status, _, detail, _ in results:
            if kind == "claim" and status == 200:
                claims[detail[0]].add(detail[1])
        assert claims
        for cid, who in claims.items():
            assert len(who) == 1
            assert crm.customers.get(cid).owner_id == crm.users.get(who.pop()).id
        # Every acknowledged approval ended its request, and no request was approved twice.
        approved = [d for k, st, _, d, _ in results if k == "approve" and st == 200 and d is not None]
        assert approved and len(approved) == len(set(approved))
        for rid in approved:
            assert crm.approvals.get(rid).status == "approved"
        health = crm.check()
        assert health.ok, [p.message for p in health.problems]

