"""`manage.py crmkit_revisits`: creates the revisit tasks that are due (idempotent)."""

from ..base import CrmCommand


class Command(CrmCommand):
    help = "Create the revisit tasks that are due (crm.revisits.run(), idempotent); run it daily from cron."

    def run(self, crm, options):
        result = crm.revisits.run()
        return {"created": result}, f"revisit tasks created: {result}", 0
