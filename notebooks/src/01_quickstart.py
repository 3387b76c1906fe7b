# %% [markdown]
# # crmkit quickstart
#
# crmkit is a CRM engine you use as a library: a C++ core behind a Python API, storing everything
# in one SQLite file. This notebook opens a CRM, builds a small sales organisation, adds customers
# with custom fields and tags, finds them again, and shows the change history and row-level
# permissions.

# %%
import crmkit

crm = crmkit.open("quickstart.db")   # created and migrated on first open; ":memory:" for a throwaway CRM
crm.clock.freeze("2026-01-05T09:00:00Z")  # freeze time so the notebook is reproducible
crm.schema_version

# %% [markdown]
# ## An organisation: teams, users, managers and roles
# Teams form a tree; users have a role (which decides what they may see) and a manager.

# %%
hq = crm.teams.add("销售总部")
east = crm.teams.add("华东销售部", parent=hq)
boss = crm.users.add("zhang", name="张总", role="director", team=hq)
manager = crm.users.add("wang", name="王经理", role="manager", team=east, manager=boss)
alice = crm.users.add("alice", name="Alice Wang", role="sales", team=east, manager=manager)
bob = crm.users.add("bob", name="刘洋", role="sales", team=east, manager=manager)
crm.roles.list().to_pandas()

# %% [markdown]
# ## Schema as data
# Custom fields are defined at run time and validated on every write.

# %%
crm.fields.add("customer", "region", type="enum", options=["华东", "华南", "华北"])
crm.fields.add("customer", "employees", type="integer", min=1)
crm.lifecycle.stages()

# %% [markdown]
# ## Customers
# `add` validates everything in C++; `add_many` inserts a batch in one transaction, all or nothing.

# %%
c = crm.customers.add(name="上海某某科技有限公司", industry="制造", owner=alice, source="展会",
                      phone="021-5555 0000", email="info@example.cn", tags=["VIP"],
                      fields={"region": "华东", "employees": 320})
ids = crm.customers.add_many([
    {"name": "杭州云帆软件有限公司", "industry": "软件", "owner": bob, "fields": {"region": "华东"}},
    {"name": "Northwind Asia Ltd.", "industry": "零售", "owner": alice, "tags": ["海外"]},
    {"name": "深圳嘉禾电子有限公司", "industry": "制造", "owner": None},   # no owner: the public pool
])
c.to_dict()

# %% [markdown]
# Bad input is refused with an error that names the field, and nothing is written:

# %%
try:
    crm.customers.add(name="某公司", fields={"region": "火星"})
except crmkit.ValidationError as e:
    print(type(e).__name__, "field =", e.field, "|", e)
crm.customers.count()

# %% [markdown]
# ## Finding, tagging, updating

# %%
c = crm.customers.tag(c.id, "重点")   # every write returns the new snapshot (and version)
crm.clock.advance(days=2)
c = crm.customers.update(c.id, expected_version=c.version, industry="软件")   # optimistic concurrency
crm.customers.find(industry="制造").to_pandas()[["id", "name", "owner_id", "tags"]]

# %%
crm.customers.find(tag="VIP").rows()

# %% [markdown]
# ## History
# Every change is recorded: who, when, which field, old and new value.

# %%
crm.history("customer", c.id).to_pandas()[["at", "actor", "field", "old", "new"]]

# %% [markdown]
# ## Row-level permissions
# `as_user` gives the same API, limited to what that user's role covers. Alice (role `sales`, scope
# `own`) sees only her customers; her manager (scope `team`) sees the whole team's.

# %%
me = crm.as_user(alice)
print("alice sees", me.customers.count(), "customers; the manager sees",
      crm.as_user(manager).customers.count(), "; the system view sees", crm.customers.count())
try:
    me.customers.get(ids[0])   # Bob's customer
except crmkit.PermissionDenied as e:
    print("PermissionDenied:", e)

# %%
crm.close()
