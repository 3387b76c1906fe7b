"""`manage.py crmkit_check`: checks the database; exits 1 when it finds problems."""

from ..base import CrmCommand


class Command(CrmCommand):
    help = ("Check the crmkit database (integrity, facts, ledger, change feed, schema version); "
            "exit status 1 when a problem is found.")

    def run(self, crm, options):
        r = crm.check()
        lines = [f"{p.check}: {p.message}" for p in r.problems] + ["ok" if r.ok else f"{len(r.problems)} problem(s)"]
        return r, "\n".join(lines), 0 if r.ok else 1
