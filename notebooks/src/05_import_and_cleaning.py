# %% [markdown]
# # Importing a messy spreadsheet: cleaning, matching, merging
#
# A CRM roll-out starts from spreadsheets typed by many hands: phone numbers in every format,
# full-width characters, stray spaces, the same company under several spellings, and some cells
# that are simply wrong. This notebook generates such a sheet, imports it with
# `crm.imports.customers`, reads the report (what was created, what was matched and how, which
# cells were refused and why), re-runs it to show that nothing is duplicated, and finally lists the
# duplicates left in the database and merges one pair. The rules are in docs/import.md.

# %%
import random

import pandas as pd

import crmkit

crm = crmkit.open(":memory:")
crm.clock.freeze("2026-01-20T09:00")
sales = crm.teams.add("华东销售部")
alice = crm.users.add("alice", name="Alice Wang", role="sales", team=sales)
crm.fields.add("customer", "region", type="enum", options=["华东", "华南", "华北"])
crm.fields.add("customer", "signed", type="date")
crm.fields.add("customer", "budget", type="number")

# %% [markdown]
# ## A messy sheet
#
# Two hundred companies, then the kinds of trouble real sheets have: a company typed again with
# its legal form left out and full-width letters, a phone written with a country code or a trunk
# zero, dates in Chinese form, amounts in 万, and a handful of impossible values.

# %%
rng = random.Random(5)
cities = ["上海", "北京", "广州", "深圳", "杭州"]
words = "华盛达恒通信宏远新星金源鑫海瑞祥天成博远嘉禾明德"
FULL = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")
rows = []
for i in range(200):
    name = rng.choice(cities) + "".join(rng.sample(words, 3)) + rng.choice(["科技有限公司", "有限公司", "集团"])
    mobile = f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"
    rows.append({"客户名称": name, "手机": mobile, "邮箱": f"Contact{i}@Example.CN",
                 "地区": rng.choice(["华东", "华南", "华北"]),
                 "签约日期": f"2025年{rng.randrange(1, 13)}月{rng.randrange(1, 28)}日",
                 "预算": f"{rng.randrange(1, 90)}.{rng.randrange(10)}万", "负责人": "alice"})
# Re-typed duplicates: no legal form, full-width, a phone written another way.
for j in rng.sample(range(200), 20):
    r = dict(rows[j])
    r["客户名称"] = "　" + r["客户名称"].replace("科技有限公司", "").replace("有限公司", "") + " "
    r["手机"] = "+86 " + r["手机"][:3] + " " + r["手机"][3:7] + " " + r["手机"][7:]
    r["邮箱"] = r["邮箱"].upper().translate(FULL)
    rows.append(r)
# Bad cells.
rows += [{"客户名称": "号码不对有限公司", "手机": "12345", "地区": "华东"},
         {"客户名称": "日期不对有限公司", "手机": "13912345678", "签约日期": "2026-02-30"},
         {"客户名称": "金额不对有限公司", "手机": "13987654321", "预算": "1,2,3元"},
         {"客户名称": "", "手机": "13711112222"}]
rng.shuffle(rows)
pd.DataFrame(rows).head(8)

# %% [markdown]
# ## A dry run first
#
# The mapping names crmkit fields (built-in and custom) for the sheet's Chinese headers; it is
# checked before a row is read. `dry_run=True` runs everything and writes nothing.

# %%
mapping = {"客户名称": "name", "手机": "phone", "邮箱": "email", "地区": "region",
           "签约日期": "signed", "预算": "budget", "负责人": "owner"}
progress = []
dry = crm.imports.customers(rows, mapping=mapping, dry_run=True,
                            on_progress=lambda done, total: progress.append(done))
print(dry.created, "would be created,", dry.skipped, "matched,", dry.failed, "refused;",
      len(progress), "progress calls; customers in the database:", len(crm.customers.find()))
assert len(crm.customers.find()) == 0

# %% [markdown]
# The problems name the row (counted from 1), the sheet's column, the value and what is wrong.

# %%
dry.problems.to_pandas()

# %% [markdown]
# ## The real import, and the matches
#
# Each matched row says which customer it matched, by which rule (phone, e-mail, name) and with
# what score, and what was done (`on_match="skip"` by default).

# %%
rep = crm.imports.customers(rows, mapping=mapping)
assert (rep.created, rep.skipped) == (dry.created, dry.skipped)
print(rep.created, "created,", rep.skipped, "skipped as duplicates,", rep.failed, "refused")
rep.matches.to_pandas().head(10)

# %%
crm.customers.find(limit=5).to_pandas()[["id", "name", "phone", "email", "region", "signed", "budget"]]

# %% [markdown]
# Running the same sheet again creates nothing: every good row matches what the first run created.

# %%
again = crm.imports.customers(rows, mapping=mapping)
print(again.created, "created on the second run;", again.skipped, "matched")
assert again.created == 0

# %% [markdown]
# ## Duplicates already in the database, and a merge
#
# Customers added by hand over the years are not deduplicated by an import. `duplicates()` lists
# pairs by equal phone or e-mail, and by company-name similarity (edit distance over the name
# with its legal form removed), found through an index rather than by comparing all pairs.

# %%
a = crm.customers.add(name="杭州卫星导航股份有限公司", phone="0571-8888 0000", owner=alice)
b = crm.customers.add(name="杭州卫星导航集团", owner=alice, tags=["VIP"])
crm.orders.add(b, amount=50000.0, at="2026-01-10")
crm.interactions.log(b, kind="visit", by=alice, summary="拜访")
pairs = crm.customers.duplicates()
pairs.to_pandas()

# %%
kept = crm.customers.merge(keep=a, drop=b)
print(kept.name, kept.tags, kept.facts.order_count, kept.facts.lifetime_value, kept.facts.interaction_count)
crm.history("customer", kept.id).to_pandas()[["field", "old", "new", "reason"]].tail(4)
