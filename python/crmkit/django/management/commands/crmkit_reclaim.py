"""`manage.py crmkit_reclaim`: returns idle customers to the public pool under the pool rules."""

from ..base import CrmCommand


class Command(CrmCommand):
    help = "Return customers idle past the pool rules to the public pool (crm.pool.reclaim_idle())."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--preview", action="store_true", help="list who would be reclaimed; change nothing")

    def run(self, crm, options):
        if options["preview"]:
            t = crm.pool.preview()
            return t, f"would reclaim {len(t)} customers", 0
        ids = list(crm.pool.reclaim_idle())
        return {"reclaimed": ids}, f"reclaimed {len(ids)} customers", 0
