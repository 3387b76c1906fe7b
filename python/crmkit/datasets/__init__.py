"""Data sets that ship inside the package, so that notebooks, tests and benchmarks need nothing
outside it.

- `load_cdnow()` — the CDNOW purchase log: every purchase of the 23,570 customers who first
  bought at the online music retailer CDNOW in the first quarter of 1997, followed to the end of
  June 1998 (69,659 rows, 80 of them of $0.00). It is the data of Fader, Hardie & Lee (2005),
  "Counting your customers the easy way: an alternative to the Pareto/NBD model", *Marketing
  Science* 24(2), 275–284, and the usual test bed for BG/NBD and Gamma-Gamma fits. Stored
  gzip-compressed (about 0.4 MB) in the original whitespace-separated text layout.
- `cdnow_into(crm)` — loads that log into a CRM: one customer per CDNOW id, one order per purchase.
- `demo_crm(...)` — a seeded, realistic Chinese CRM (teams, users, about 5,000 customers, four
  months of the relationship process and two weeks of approvals): what `crmkit demo` builds.
"""

from __future__ import annotations

import datetime as _dt
import gzip as _gzip
from importlib import resources as _resources
from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:
    import crmkit

__all__ = ["CDNOW_CITATION", "load_cdnow", "cdnow_into", "demo_crm"]

CDNOW_CITATION = ("Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). Counting your customers the easy "
                  "way: an alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.")


def _cdnow_lines() -> Iterator[list[str]]:
    with _resources.files(__name__).joinpath("cdnow.txt.gz").open("rb") as raw:
        with _gzip.open(raw, "rt", encoding="ascii", newline=None) as text:
            next(text)  # header: customer_id date number_of_cds dollar_value
            for line in text:
                if line.strip():
                    yield line.split()


def load_cdnow() -> list[dict[str, Any]]:
    """The CDNOW purchase log as a list of dicts, in file order.

    Each row has ``customer`` (the CDNOW customer number, an int from 1 to 23,570), ``at`` (the
    purchase date, a ``datetime.date``), ``cds`` (the number of CDs, an int) and ``amount`` (US
    dollars, a float; 80 rows are 0.0). Rows carry the CDNOW number rather than a crmkit id: see
    `cdnow_into` to load them into a CRM, or map ``customer`` to your own ids and pass the rows to
    ``crm.orders.add_many``.
    """
    rows = []
    for customer, day, cds, dollars in _cdnow_lines():
        rows.append({"customer": int(customer),
                     "at": _dt.date(int(day[:4]), int(day[4:6]), int(day[6:])),
                     "cds": int(cds), "amount": float(dollars)})
    return rows


def cdnow_into(crm: crmkit.Crm, rows: Iterable[dict[str, Any]] | None = None,
               include_zero: bool = False) -> dict[int, int]:
    """Loads the CDNOW log (or the given subset of `load_cdnow()` rows) into `crm`.

    Creates one customer per CDNOW number (named ``CDNOW #00001``, source ``CDNOW``) with one
    `customers.add_many` call and the purchases with one `orders.add_many` call, each one
    transaction. Purchases of $0.00 are left out unless `include_zero` is true. Returns a dict
    from the CDNOW number to the new customer's id.
    """
    rows = load_cdnow() if rows is None else list(rows)
    numbers = sorted({r["customer"] for r in rows})
    ids = crm.customers.add_many([{"name": f"CDNOW #{n:05d}", "source": "CDNOW"} for n in numbers])
    id_of = dict(zip(numbers, ids))
    crm.orders.add_many([{"customer": id_of[r["customer"]], "amount": r["amount"], "at": r["at"]}
                         for r in rows if include_zero or r["amount"] != 0])
    return id_of


def demo_crm(path: str = ":memory:", customers: int = 5000, seed: int = 7) -> tuple[crmkit.Crm, dict[str, Any]]:
    """Opens `path` (a new database; in memory by default), fills it with the demo organisation
    and returns ``(crm, summary)``: the same data for the same `customers` and `seed`."""
    import crmkit
    from .. import demo as _demo

    crm = crmkit.open(path)
    try:
        summary = _demo.build(crm, customers=customers, seed=seed)
    except BaseException:
        crm.close()
        raise
    return crm, summary
