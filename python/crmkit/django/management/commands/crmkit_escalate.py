"""`manage.py crmkit_escalate`: applies the SLA escalations of approval requests that are due."""

from ..base import CrmCommand


class Command(CrmCommand):
    help = "Apply the SLA escalations that are due (crm.approvals.escalate_overdue()); run it from cron."

    def run(self, crm, options):
        result = crm.approvals.escalate_overdue()
        return {"escalated": result}, f"escalated: {result}", 0
