# %% [markdown]
# # Customers, segments, RFM and lifetime value
#
# This notebook loads a real purchase log — the CDNOW log of 23,570 customers who first bought
# in early 1997, followed to mid-1998 — into crmkit, then segments the customers with rules,
# explains why one customer is in a segment, scores them with RFM, and fits a BG/NBD +
# Gamma-Gamma model to predict who is still "alive" and what each customer is worth.

# %%
import os
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import crmkit

img_dir = Path(os.environ.get("CRMKIT_IMG_DIR", "."))
# The log ships inside the package (crmkit.datasets), so the notebook needs no file of its own.
print(crmkit.datasets.CDNOW_CITATION)
raw = pd.DataFrame(crmkit.datasets.load_cdnow())
raw["when"] = pd.to_datetime(raw["at"]).dt.tz_localize("UTC")
raw.head()

# %% [markdown]
# ## Load the log
# `crmkit.datasets.cdnow_into` makes one customer per CDNOW number with one `add_many` call (one
# transaction) and the orders likewise. Zero-dollar rows are not purchases here, so they are
# left out. Derived facts (order count, lifetime value, first and last order) are maintained by
# the engine as the orders arrive.

# %%
crm = crmkit.open("cdnow.db")
crm.clock.freeze("1998-07-01T00:00:00Z")
id_of = crmkit.datasets.cdnow_into(crm)
paid = raw[raw.amount > 0]
print(crm.customers.count(), "customers,", len(paid), "orders")

# %% [markdown]
# ## Segments
# A segment is a saved rule over built-in fields, custom fields and derived facts. It is
# re-evaluated whenever it is read.

# %%
loyal = crm.segments.define("loyal_big_spenders", "order_count >= 5 and lifetime_value >= 300")
lapsed = crm.segments.define("lapsed", "last_order_at < \"1997-10-01\" and order_count >= 2")
print("loyal big spenders:", loyal.count(), " lapsed repeat buyers:", lapsed.count())
loyal.members(limit=5).to_pandas()[["id", "name", "order_count", "lifetime_value", "last_order_at"]]

# %% [markdown]
# `explain` evaluates the rule on one customer in C++ and shows every clause with the
# customer's value, so anyone can see why a customer is in or out:

# %%
someone = lapsed.ids()[0]
crm.segments.explain("lapsed", someone).to_pandas()

# %% [markdown]
# ## RFM
# Recency, frequency and monetary value are scored 1–5 by quintiles and mapped to named cells
# (Champions, Loyal, At Risk, Hibernating, … — see docs/clv_rfm.md).

# %%
rfm = crm.rfm.score(asof="1998-07-01").to_pandas()
grid = (rfm.pivot_table(index="r", columns="f", values="customer_id", aggfunc="count")
        .reindex(index=range(1, 6), columns=range(1, 6)).fillna(0))
# Equal values always share a score, so when over 40% of customers bought exactly once, the
# F score 2 is empty: those customers all take the score of the first of them.
fig, ax = plt.subplots(figsize=(6, 4.5))
im = ax.imshow(grid.values, cmap="viridis", origin="lower")
ax.set_xticks(range(len(grid.columns)), grid.columns)
ax.set_yticks(range(len(grid.index)), grid.index)
ax.set_xlabel("F score (frequency)")
ax.set_ylabel("R score (recency)")
ax.set_title("CDNOW customers by RFM cell")
fig.colorbar(im, ax=ax, label="customers")
fig.savefig(img_dir / "rfm_heatmap.png", dpi=110, bbox_inches="tight")
rfm.label.value_counts()

# %% [markdown]
# ## Lifetime value
# BG/NBD models the purchase process (how often a customer buys while alive, and the chance they
# have dropped out); Gamma-Gamma models the spend per purchase. Both are fitted by maximum
# likelihood in C++ on the first 39 weeks (to 1997-09-30), the calibration period used in the
# literature.

# %%
fit = crm.clv.fit(asof="1997-09-30", time_unit="week")
print(f"BG/NBD: r={fit.r:.3f} alpha={fit.alpha:.3f} a={fit.a:.3f} b={fit.b:.3f} LL={fit.log_likelihood:.1f}")
print(f"Gamma-Gamma: p={fit.p:.3f} q={fit.q:.3f} v={fit.v:.3f}")
pred = crm.clv.predict(horizon_days=365, fit=fit).to_pandas()
pred.describe()[["p_alive", "expected_purchases", "expected_value"]]

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.hist(pred.p_alive, bins=40, color="#3b7dd8")
ax.set_xlabel("P(alive) at 1997-09-30")
ax.set_ylabel("customers")
ax.set_title("Probability that each customer is still active")
fig.savefig(img_dir / "p_alive.png", dpi=110, bbox_inches="tight")

# %%
by_cell = pred.merge(rfm[["customer_id", "label"]], on="customer_id").groupby("label").expected_value.mean()
fig, ax = plt.subplots(figsize=(7, 4))
by_cell.sort_values().plot.barh(ax=ax, color="#d8863b")
ax.set_xlabel("expected value over the next year ($)")
ax.set_ylabel("RFM cell")
ax.set_title("Expected customer value by RFM cell")
fig.savefig(img_dir / "expected_value_by_cell.png", dpi=110, bbox_inches="tight")

# %%
crm.close()
