"""crmkit — a library-first CRM engine (C++ core, SQLite storage).

    import crmkit
    crm = crmkit.open("sales.db")
    alice = crm.users.add("alice", name="Alice Wang", role="sales")
    c = crm.customers.add(name="上海某某科技有限公司", owner=alice, tags=["VIP"])

Everything here is implemented in the C++ extension `crmkit._crmkit`; this package re-exports it
and adds thin sugar: `Table` row access and `to_pandas()`, record `to_dict()`, logging, the CLI.
"""

import logging as _logging

from . import _crmkit
# Every public name of the engine is part of the package: records, services, errors, open().
globals().update({name: getattr(_crmkit, name) for name in dir(_crmkit) if not name.startswith("_")})
from . import _records, table as _table
from . import datasets  # noqa: E402  (data that ships in the package)

__version__ = "0.1.0"

_table.install(_crmkit.Table)
_records.install(_crmkit)
from . import exports as _exports  # noqa: E402
_exports.install(_crmkit.Crm)
# A library never prints on its own: records reach handlers the application configures.
_logging.getLogger("crmkit").addHandler(_logging.NullHandler())

__all__ = sorted(name for name in dir(_crmkit) if not name.startswith("_"))
