"""Shared fixtures: a CRM on a temporary database file, and a small organisation inside it.

The organisation (fixture ``org``)::

    华东销售部 (sales)                 华南销售部 (south)
      └─ 华东一组 (east1)

    zhang  director  team sales                      (no manager)
    wang   manager   team sales     manager zhang
    alice  sales     team east1     manager wang
    bob    sales     team east1     manager wang
    carol  sales     team south     manager zhang

so the manager ``wang`` (scope "team") sees sales + its sub-team east1: zhang, wang, alice, bob —
but not carol, whose team is elsewhere.
"""

import types

import pytest

import crmkit


@pytest.fixture
def db_path(tmp_path):
    """A path for a new database file (not created yet)."""
    return tmp_path / "crm.db"


@pytest.fixture
def crm(db_path):
    """The system view of a fresh CRM stored in a real file (WAL mode), closed afterwards."""
    c = crmkit.open(str(db_path))
    yield c
    c.close()


@pytest.fixture
def mem_crm():
    """A throwaway in-memory CRM, for tests that do not care about the file."""
    c = crmkit.open(":memory:")
    yield c
    c.close()


def build_org(crm):
    sales = crm.teams.add("华东销售部")
    east1 = crm.teams.add("华东一组", parent=sales)
    south = crm.teams.add("华南销售部")
    zhang = crm.users.add("zhang", name="张总", role="director", team=sales)
    wang = crm.users.add("wang", name="王经理", role="manager", team=sales, manager=zhang)
    alice = crm.users.add("alice", name="Alice Wang", role="sales", team=east1, manager=wang)
    bob = crm.users.add("bob", name="Bob Li", role="sales", team=east1, manager=wang)
    carol = crm.users.add("carol", name="Carol Chen", role="sales", team=south, manager=zhang)
    return types.SimpleNamespace(
        crm=crm, sales=sales, east1=east1, south=south,
        zhang=zhang, wang=wang, alice=alice, bob=bob, carol=carol,
    )


@pytest.fixture
def org(crm):
    """The small organisation described in this module's docstring, in ``crm``."""
    return build_org(crm)


@pytest.fixture
def owned(org):
    """One customer per user of ``org`` plus one in the pool: a dict login -> Customer."""
    crm = org.crm
    out = {}
    for login in ("zhang", "wang", "alice", "bob", "carol"):
        user = getattr(org, login)
        out[login] = crm.customers.add(name=f"{login}的客户", owner=user)
    out["pool"] = crm.customers.add(name="公海客户")
    return out


@pytest.fixture
def log_level_reset():
    """Puts the engine's log level back to 'warning' after the test."""
    yield
    crmkit.set_log_level("warning")


@pytest.fixture
def crmkit_caplog(caplog, log_level_reset):
    """caplog listening to the 'crmkit' logger at every level."""
    caplog.set_level(1, logger="crmkit")
    return caplog


def snapshot(crm, customer_id):
    """Everything a failed call must leave unchanged about one customer, as plain data."""
    c = crm.customers.get(customer_id)
    return c.to_dict(), crm.history("customer", customer_id).rows(), crm.contacts.list(customer_id).rows()

