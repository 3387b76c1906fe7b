"""The binding layer's own contract: paging arguments are refused the same way by every list
call, wrong-typed arguments are ValidationErrors naming the argument, `crm.transaction()` refuses
misuse with crmkit errors, and storage calls release the GIL while they wait."""

import datetime as dt
import gc
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import crmkit


@pytest.fixture
def filled(crm):
    """A CRM with one of everything a paging call lists."""
    alice = crm.users.add("alice", name="Alice", role="sales")
    c = crm.customers.add(name="上海某某科技", owner=alice)
    crm.customers.add(name="公海客户")  # no owner: in the pool
    crm.interactions.log(c, kind="call", by=alice, summary="hello")
    crm.tasks.add(c, title="回访", due=dt.datetime(2030, 1, 1), assignee=alice)
    crm.tickets.open(c, title="安装问题", by=alice)
    crm.orders.add(c, amount=100.0, at="2026-01-15")
    crm.leads.add(name="王先生", company="某某制造")
    crm.pipeline.set_stages([("初步接洽", 0.1), ("赢单", 1.0)])
    crm.opportunities.add(customer=c, title="ERP", amount=1000.0, owner=alice)
    crm.segments.define("all", "interaction_count >= 0")
    return crm


# Every call that pages, as (name, call(limit=..., offset=...)). audit.entries has no offset.
PAGING_CALLS = {
    "customers.find": lambda crm, **kw: crm.customers.find(**kw),
    "interactions.list": lambda crm, **kw: crm.interactions.list(**kw),
    "tasks.list": lambda crm, **kw: crm.tasks.list(**kw),
    "tickets.list": lambda crm, **kw: crm.tickets.list(**kw),
    "orders.list": lambda crm, **kw: crm.orders.list(**kw),
    "pool.list": lambda crm, **kw: crm.pool.list(**kw),
    "leads.find": lambda crm, **kw: crm.leads.find(**kw),
    "opportunities.find": lambda crm, **kw: crm.opportunities.find(**kw),
    "segments.members": lambda crm, **kw: crm.segments.members("all", **kw),
    "segment.members": lambda crm, **kw: crm.segments.get("all").members(**kw),
    "segments.evaluate": lambda crm, **kw: crm.segments.evaluate("interaction_count >= 0", **kw),
}


@pytest.mark.parametrize("name", sorted(PAGING_CALLS))
@pytest.mark.parametrize("arg, value", [("limit", -1), ("limit", -7), ("offset", -1), ("offset", -30)])
def test_every_paging_call_refuses_negative_values_the_same_way(filled, name, arg, value):
    with pytest.raises(crmkit.ValidationError) as info:
        PAGING_CALLS[name](filled, **{arg: value})
    assert info.value.field == arg
    assert str(info.value) == f"{arg} must not be negative (got {value})"


@pytest.mark.parametrize("name", sorted(PAGING_CALLS))
@pytest.mark.parametrize("arg, value, shown", [
    ("limit", "10", "str '10'"), ("limit", 2.5, "float 2.5"), ("limit", True, "bool True"),
    ("offset", "1", "str '1'"), ("offset", None, "NoneType None"),
])
def test_every_paging_call_refuses_wrong_types_naming_the_argument(filled, name, arg, value, shown):
    with pytest.raises(crmkit.ValidationError) as info:
        PAGING_CALLS[name](filled, **{arg: value})
    assert info.value.field == arg
    assert str(info.value) == f"{arg}: expected an integer, not {shown}"


@pytest.mark.parametrize("name", sorted(PAGING_CALLS))
def test_every_paging_call_pages(filled, name):
    call = PAGING_CALLS[name]
    every = call(filled)
    assert len(every) >= 1
    assert len(call(filled, limit=0)) == 0
    assert len(call(filled, limit=None)) == len(every)
    assert len(call(filled, limit=np.int64(1))) == 1  # numpy integers are integers
    assert len(call(filled, offset=len(every))) == 0


def test_audit_entries_refuses_a_negative_limit(filled):
    assert len(filled.audit.entries()) == len(filled.audit.entries(limit=None))
    with pytest.raises(crmkit.ValidationError) as info:
        filled.audit.entries(limit=-1)
    assert info.value.field == "limit"
    assert str(info.value) == "limit must not be negative (got -1)"


def test_audit_cursor_must_not_be_negative(filled):
    with pytest.raises(crmkit.ValidationError) as info:
        filled.audit.entries(after=-1)
    assert info.value.field == "after"


def test_customer_cursor_must_not_be_negative(filled):
    with pytest.raises(crmkit.ValidationError) as info:
        filled.customers.find(after=-3)
    assert info.value.field == "after"
    assert str(info.value) == "after must not be negative (got -3)"


# ---------------------------------------------------------------------------------------------
# Wrong-typed arguments


def test_wrong_typed_arguments_name_the_argument(filled):
    crm = filled
    c = crm.customers.get(crm.customers.find().column("id")[0])
    cases = [
        ("customer", lambda: crm.customers.get("abc")),
        ("customer", lambda: crm.customers.get(None)),
        ("customer", lambda: crm.customers.get(1.0)),
        ("owner", lambda: crm.customers.find(owner="alice")),
        ("due", lambda: crm.tasks.add(c, title="x", due=12345)),
        ("at", lambda: crm.interactions.log(c, kind="call", at=object())),
        ("customer", lambda: crm.interactions.log("上海", kind="call")),
        ("by", lambda: crm.interactions.log(c, kind="call", by=[1])),
        ("user", lambda: crm.users.get(1.5)),
        ("user", lambda: crm.as_user(2.5)),
        ("id", lambda: crm.history("customer", "x")),
        ("start", lambda: crm.reports.funnel(start=5)),
        ("since", lambda: crm.interactions.list(since=3.0)),
        ("at", lambda: crm.clock.freeze(7)),
    ]
    for name, call in cases:
        with pytest.raises(crmkit.ValidationError) as info:
            call()
        assert info.value.field == name, (name, str(info.value))
        assert str(info.value).startswith(f"{name}: expected "), str(info.value)


def test_a_time_text_that_does_not_parse_names_the_argument(filled):
    c = filled.customers.get(filled.customers.find().column("id")[0])
    with pytest.raises(crmkit.ValidationError) as info:
        filled.tasks.add(c, title="x", due="next tuesday")
    assert info.value.field == "due"


def test_wrong_typed_row_values_name_the_row_and_key(filled):
    c = filled.customers.find().column("id")[0]
    with pytest.raises(crmkit.ValidationError) as info:
        filled.interactions.log_many([{"customer": c, "kind": "call"}, {"customer": c, "kind": "call", "at": 5}])
    assert (info.value.field, info.value.row) == ("at", 1)
    with pytest.raises(crmkit.ValidationError) as info:
        filled.orders.add_many([{"customer": c, "amount": 1.0, "refund_of": "x"}])
    assert (info.value.field, info.value.row) == ("refund_of", 0)
    with pytest.raises(crmkit.ValidationError) as info:
        filled.contacts.add(c, name="李雷", fields="not a dict")
    assert info.value.field == "fields"


def test_batch_arguments_must_be_iterable(filled):
    c = filled.customers.find().column("id")[0]
    filled.groups.add("展会名单")
    cases = [
        ("rows", lambda: filled.customers.add_many(5)),
        ("rows", lambda: filled.interactions.log_many(None)),
        ("rows", lambda: filled.orders.add_many(3.5)),
        ("customers", lambda: filled.groups.add_members("展会名单", 7)),
        ("stages", lambda: filled.lifecycle.set_stages(1)),
        ("items", lambda: filled.orders.add(c, amount=1.0, items=5)),
    ]
    for name, call in cases:
        with pytest.raises(crmkit.ValidationError) as info:
            call()
        assert info.value.field == name, (name, str(info.value))
        assert str(info.value).startswith(f"{name}: expected an iterable"), str(info.value)
    with pytest.raises(crmkit.ValidationError) as info:
        filled.orders.add(c, amount=1.0, items="A1")
    assert info.value.field == "items"
    with pytest.raises(crmkit.ValidationError) as info:
        filled.orders.add_many([{"customer": c, "amount": 1.0, "items": 5}])
    assert (info.value.field, info.value.row) == ("items", 0)


def test_pipeline_stages_may_be_lists_and_bad_shapes_are_named(crm):
    crm.pipeline.set_stages([["接洽", 0.2], ("赢单", 1.0)])
    assert crm.pipeline.probabilities() == [("接洽", 0.2), ("赢单", 1.0)]
    for bad in ([("接洽",)], [("接洽", "高")], [5], [(1, 0.5)]):
        with pytest.raises(crmkit.ValidationError) as info:
            crm.pipeline.set_stages(bad)
        assert info.value.field == "stages"


def test_every_record_lists_only_attributes_it_has():
    """Each record class's `_fields` (declared with its attributes) names readable attributes,
    once each, and to_dict() follows it."""
    records = [getattr(crmkit, n) for n in dir(crmkit)
               if isinstance(getattr(crmkit, n), type) and "_fields" in getattr(crmkit, n).__dict__]
    assert len(records) >= 25
    for cls in records:
        assert len(set(cls._fields)) == len(cls._fields), cls
        for name in cls._fields:
            assert isinstance(getattr(cls, name, None), property), (cls, name)


def test_to_dict_follows_the_declared_fields(filled):
    c = filled.customers.get(filled.customers.find().column("id")[0])
    assert list(c.to_dict()) == list(type(c)._fields)
    assert c.to_dict()["name"] == c.name
    assert c.lifetime_value == c.facts.lifetime_value  # the facts also read on the customer


def test_a_list_of_records_rejects_a_bad_element(filled):
    with pytest.raises(crmkit.ValidationError):
        filled.approvals.approve_many([1, "two"])


# ---------------------------------------------------------------------------------------------
# crm.transaction() misuse


def names(crm):
    return crm.customers.find().column("name")


def crmkit_error_on_another_thread(action):
    """Runs `action` on a new thread; returns the crmkit error it raised (None if none)."""
    errors = []

    def run():
        try:
            action()
        except crmkit.Error as e:
            errors.append(e)

    th = threading.Thread(target=run)
    th.start()
    th.join()
    return errors[0] if errors else None


def test_a_transaction_exited_on_another_thread_is_refused_and_stays_usable(crm):
    t = crm.transaction()
    t.__enter__()
    crm.customers.add(name="甲")
    error = crmkit_error_on_another_thread(lambda: t.__exit__(None, None, None))
    assert error is not None and "thread" in str(error)
    t.__exit__(None, None, None)  # the thread that began it ends it
    assert names(crm) == ["甲"]


def test_nested_transactions_ending_out_of_order_are_refused(crm):
    outer, inner = crm.transaction(), crm.transaction()
    outer.__enter__()
    crm.customers.add(name="外")
    inner.__enter__()
    crm.customers.add(name="内")
    with pytest.raises(crmkit.Error, match="reverse order"):
        outer.__exit__(None, None, None)
    inner.__exit__(RuntimeError, RuntimeError("x"), None)  # rolls back the inner block only
    outer.__exit__(None, None, None)
    assert names(crm) == ["外"]


def test_a_transaction_entered_twice_or_exited_unentered_is_refused(crm):
    t = crm.transaction()
    with pytest.raises(crmkit.Error, match="without being entered"):
        t.__exit__(None, None, None)
    with t:
        with pytest.raises(crmkit.Error, match="already in progress"):
            t.__enter__()
        crm.customers.add(name="一次")
    with t:  # a finished scope may be used again
        crm.customers.add(name="两次")
    assert names(crm) == ["一次", "两次"]


def test_a_transaction_of_a_closed_crm_is_refused(db_path):
    crm = crmkit.open(str(db_path))
    t = crm.transaction()
    crm.close()
    with pytest.raises(crmkit.StorageError, match="closed"):
        with t:
            pass


def test_closing_inside_a_transaction_rolls_it_back(db_path):
    crm = crmkit.open(str(db_path))
    with pytest.raises(crmkit.StorageError, match="closed"):
        with crm.transaction():
            crm.customers.add(name="不会留下")
            crm.close()
    again = crmkit.open(str(db_path))
    try:
        assert again.customers.count() == 0
        again.customers.add(name="之后")  # nothing is left locked
    finally:
        again.close()


def test_an_abandoned_transaction_block_is_rolled_back(crm):
    def writer():
        with crm.transaction():
            crm.customers.add(name="放弃")
            yield

    g = writer()
    next(g)
    del g
    gc.collect()
    assert crm.customers.count() == 0
    crm.customers.add(name="之后")
    assert names(crm) == ["之后"]


def test_a_block_closed_on_another_thread_is_rolled_back_by_its_own_thread(crm):
    """A generator suspended inside `with crm.transaction()` and closed on another thread: that
    thread may not end the transaction; the thread that began it rolls it back at its next call."""
    def writer():
        with crm.transaction():
            crm.customers.add(name="被放弃")
            yield

    g = writer()
    next(g)
    error = crmkit_error_on_another_thread(g.close)
    assert error is not None and "thread" in str(error)
    del g
    gc.collect()
    assert crm.customers.count() == 0
    with crm.transaction():
        crm.customers.add(name="之后")
    assert names(crm) == ["之后"]


def test_a_transaction_waits_for_another_threads_transaction(crm):
    """Entering while another thread holds a transaction waits for it (with the GIL released)."""
    entered = threading.Event()
    release = threading.Lock()
    release.acquire()
    order = []

    def holder():
        with crm.transaction():
            crm.customers.add(name="先")
            entered.set()
            release.acquire()  # wait for the main thread's go, the GIL released
            order.append("holder done")

    th = threading.Thread(target=holder)
    th.start()
    entered.wait()
    # The holder is parked: this thread runs Python while it holds the transaction.
    release.release()
    with crm.transaction():
        order.append("main inside")
        crm.customers.add(name="后")
    th.join()
    assert order == ["holder done", "main inside"]
    assert names(crm) == ["先", "后"]


# ---------------------------------------------------------------------------------------------
# The GIL is released while storage calls wait

# Run in a child process so that a call that held the GIL while waiting (a deadlock) fails the
# test through the child's timeout instead of hanging the suite. For each call, a second thread
# holds a transaction on the same connection; the main thread makes the call, which must wait
# for that transaction. A profile hook lets the holder go the moment the call is entered: the
# holder can only run (and end its transaction) if the waiting call released the GIL.
_PROBE = textwrap.dedent("""
    import sys, threading
    import crmkit

    crm = crmkit.open(sys.argv[1])
    c = crm.customers.add(name="probe")
    u = crm.users.add("probe", name="Probe")
    fget = type(crm).schema_version.fget
    calls = {
        "schema_version": lambda: fget(crm),
        "customers.get": lambda: crm.customers.get(c.id),
        "customers.find": lambda: crm.customers.find(),
        "customers.count": lambda: crm.customers.count(),
        "customers.add": lambda: crm.customers.add(name="x"),
        "customers.update": lambda: crm.customers.update(c.id, industry="y"),
        "history": lambda: crm.history("customer", c.id),
        "users.get": lambda: crm.users.get("probe"),
        "interactions.log": lambda: crm.interactions.log(c, kind="call"),
        "tasks.list": lambda: crm.tasks.list(),
        "segments.evaluate": lambda: crm.segments.evaluate("interaction_count >= 0"),
        "reports.funnel": lambda: crm.reports.funnel(),
        "audit.head": lambda: crm.audit.head(),
        "transaction.__enter__": lambda: scope.__enter__(),
    }
    for name in sys.argv[2:]:
        call = calls[name]
        scope = crm.transaction()
        go = threading.Lock()
        go.acquire()
        order = []
        holding = threading.Event()

        def holder():
            with crm.transaction():
                crm.customers.add(name="holder")
                holding.set()
                go.acquire()
                # Recorded before the transaction ends: the call cannot return before this.
                order.append("holder ending")

        def hook(frame, event, arg):
            if event == "c_call":
                sys.setprofile(None)
                go.release()

        t = threading.Thread(target=holder)
        t.start()
        holding.wait()
        sys.setprofile(hook)
        result = call()
        sys.setprofile(None)
        order.append("call returned")
        t.join()
        if name == "transaction.__enter__":
            result.__exit__(None, None, None)
        assert order == ["holder ending", "call returned"], (name, order)
        print(name, flush=True)
""")

GIL_CALLS = ["schema_version", "customers.get", "customers.find", "customers.count", "customers.add",
             "customers.update", "history", "users.get", "interactions.log", "tasks.list",
             "segments.evaluate", "reports.funnel", "audit.head", "transaction.__enter__"]


def test_storage_calls_release_the_gil_while_they_wait(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / "probe.db"), *GIL_CALLS],
                              capture_output=True, text=True, env=env, timeout=300)
    except subprocess.TimeoutExpired as e:
        passed = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        finished = passed.split()
        stuck = GIL_CALLS[len(finished)]
        pytest.fail(f"{stuck} held the GIL while waiting for the database (deadlock)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == GIL_CALLS
