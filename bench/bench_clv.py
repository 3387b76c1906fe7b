"""Lifetime value: crm.clv fit + predict on the CDNOW log against `lifetimes` on the same orders.

    clv_vs_lifetimes   the CDNOW log (the first `scale` share of its customers; 23,570 at 1.0)
                       loaded once; crmkit times clv.fit(asof, week) + clv.predict(365 days);
                       lifetimes times reading the same orders (pandas.read_sql), the same
                       distinct-day summary (x, t_x, T in weeks, mean repeat-day spend),
                       BetaGeoFitter + GammaGammaFitter fits and the same three predictions.
                       Reports both parameter sets and their largest relative difference.
    clv_synthetic_vs_lifetimes
                       1,000,000 customers at scale 1.0, drawn from the models as fitted on
                       CDNOW (BG/NBD r, alpha, a, b per week; Gamma-Gamma p, q, v), joining in the
                       first twelve weeks of 1997 and watched to 1997-09-30; the same two timings
                       as above on them, and both fits against the parameters they were drawn from.
"""

import sqlite3
import time

import crmkit
from crmkit import datasets

ENTRIES = ["clv_vs_lifetimes", "clv_synthetic_vs_lifetimes"]
ASOF = "1997-09-30"
ASOF_MS = 875577600000  # 1997-09-30T00:00Z, what asof="1997-09-30" means


def _lifetimes(path):
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    t0 = time.perf_counter()
    con = sqlite3.connect(str(path))
    orders = pd.read_sql("SELECT customer_id, at, amount_cents FROM orders WHERE at <= ?", con, params=(ASOF_MS,))
    con.close()
    orders["day"] = orders["at"] // 86400000
    days = orders.groupby(["customer_id", "day"], as_index=False)["amount_cents"].sum()
    days = days[days["amount_cents"] > 0]
    g = days.groupby("customer_id")
    first, last, n = g["day"].min(), g["day"].max(), g["day"].count()
    total, first_spend = g["amount_cents"].sum(), g["amount_cents"].first()
    asof_day = ASOF_MS // 86400000
    s = pd.DataFrame({"frequency": n - 1, "recency": (last - first) / 7.0, "T": (asof_day - first) / 7.0})
    s["monetary"] = np.where(s["frequency"] > 0, (total - first_spend) / 100.0 / s["frequency"].clip(lower=1), 0.0)
    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(s["frequency"], s["recency"], s["T"])
    rep = s[s["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(rep["frequency"], rep["monetary"])
    horizon = 365 / 7.0
    alive = bgf.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    purchases = bgf.conditional_expected_number_of_purchases_up_to_time(horizon, s["frequency"], s["recency"], s["T"])
    spend = ggf.conditional_expected_average_profit(s["frequency"], s["monetary"])
    value = purchases * spend
    elapsed = time.perf_counter() - t0
    p = bgf.params_
    q = ggf.params_
    params = {"r": p["r"], "alpha": p["alpha"], "a": p["a"], "b": p["b"], "p": q["p"], "q": q["q"], "v": q["v"]}
    return elapsed, params, len(s), float(np.asarray(alive).sum() + np.asarray(value).sum())


def _fit_both(path):
    """Fits and predicts on the database at `path` with crmkit, then with lifetimes: (crmkit
    seconds, customers predicted, lifetimes seconds, crmkit's parameters, lifetimes', the largest
    relative difference). Raises when the two saw different customers."""
    crm = crmkit.open(str(path))
    t0 = time.perf_counter()
    fit = crm.clv.fit(asof=ASOF, time_unit="week")
    pred = crm.clv.predict(horizon_days=365)
    crm_s = time.perf_counter() - t0
    n = len(pred)
    crm.close()
    base_s, theirs, m, _ = _lifetimes(path)
    if n != m:
        raise RuntimeError(f"crmkit predicted {n} customers, lifetimes summarised {m}")
    ours = {k: getattr(fit, k) for k in ("r", "alpha", "a", "b", "p", "q", "v")}
    worst = max(abs(ours[k] - theirs[k]) / abs(theirs[k]) for k in ours)
    return crm_s, n, base_s, ours, theirs, worst


def clv_vs_lifetimes(scale, workdir):
    rows = datasets.load_cdnow()
    if scale < 1.0:
        keep = max(200, int(23570 * scale))
        rows = [r for r in rows if r["customer"] <= keep]
    path = workdir / "cdnow.db"
    crm = crmkit.open(str(path))
    datasets.cdnow_into(crm, rows)
    crm.close()
    crm_s, n, base_s, ours, theirs, worst = _fit_both(path)
    return {"name": f"clv: fit + predict on CDNOW ({n:,} customers), params within {worst:.1e} of lifetimes",
            "crmkit_s": crm_s, "baseline": "lifetimes (read_sql + summary + fit + predict)", "baseline_s": base_s,
            "ratio": crm_s / base_s, "target": "<= 0.2", "crmkit_params": ours, "lifetimes_params": theirs,
            "max_rel_param_diff": worst}


# The CDNOW fit (docs/benchmarks.md) the synthetic customers are drawn from.
DRAWN_FROM = {"r": 0.2527368, "alpha": 4.797582, "a": 0.7225526, "b": 2.158221, "p": 6.270695, "q": 3.626054,
              "v": 15.00336}
YEAR_START_MS = 852076800000  # 1997-01-01T00:00Z


def _draw(n, seed=2026):
    """Purchase logs of `n` customers from BG/NBD + Gamma-Gamma: a purchase rate per week
    lambda ~ Gamma(r, rate alpha) and a drop-out probability p ~ Beta(a, b) each; a first purchase
    at a uniform time in the first 12 weeks; after it, purchases with exponential gaps of mean
    1 / lambda, each repeat purchase followed by a drop-out with probability p; every purchase's
    amount ~ Gamma(p_gg, rate nu) dollars with nu ~ Gamma(q, rate v). Returns (customer index,
    time in ms, amount) arrays, purchases after the asof left out."""
    import numpy as np

    g = DRAWN_FROM
    rng = np.random.default_rng(seed)
    week_ms = 7 * 86400000
    horizon = (ASOF_MS - YEAR_START_MS) / week_ms
    lam = rng.gamma(g["r"], 1.0 / g["alpha"], n)
    drop = rng.beta(g["a"], g["b"], n)
    nu = rng.gamma(g["q"], 1.0 / g["v"], n)
    t = rng.uniform(0, 12, n)
    who, when = [np.arange(n)], [t]
    active = np.arange(n)
    while active.size:
        t = t + rng.exponential(1.0, active.size) / lam[active]
        keep = t <= horizon
        active, t = active[keep], t[keep]
        who.append(active)
        when.append(t)
        alive = rng.random(active.size) >= drop[active]
        active, t = active[alive], t[alive]
    who = np.concatenate(who)
    weeks = np.concatenate(when)
    amount = np.maximum(np.round(rng.gamma(g["p"], 1.0, who.size) / nu[who], 2), 0.01)
    at = YEAR_START_MS + (weeks * week_ms).astype(np.int64)
    return who, at, amount


def clv_synthetic_vs_lifetimes(scale, workdir):
    n = max(2000, int(1_000_000 * scale))
    who, at, amount = _draw(n)
    path = workdir / "synthetic.db"
    crm = crmkit.open(str(path))
    ids = []
    chunk = 100_000
    for start in range(0, n, chunk):
        ids += crm.customers.add_many([{"name": f"S{i:07d}"} for i in range(start, min(n, start + chunk))])
    order = at.argsort(kind="stable")
    rows_done = 0
    for start in range(0, order.size, chunk):
        part = order[start:start + chunk]
        crm.orders.add_many([{"customer": ids[w], "amount": float(a), "at": datetime_of(int(t))}
                             for w, t, a in zip(who[part], at[part], amount[part])])
        rows_done += part.size
    crm.close()
    crm_s, buyers, base_s, ours, theirs, worst = _fit_both(path)
    recovered = {k: ours[k] / DRAWN_FROM[k] for k in ours}
    return {"name": f"clv: fit + predict on {buyers:,} synthetic customers ({rows_done:,} orders), params within "
                    f"{worst:.1e} of lifetimes",
            "crmkit_s": crm_s, "baseline": "lifetimes (read_sql + summary + fit + predict)", "baseline_s": base_s,
            "ratio": crm_s / base_s, "target": "report", "crmkit_params": ours, "lifetimes_params": theirs,
            "max_rel_param_diff": worst, "fitted_over_drawn": recovered}


def datetime_of(ms):
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
