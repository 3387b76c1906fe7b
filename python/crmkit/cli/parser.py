"""The command line's arguments: every command and option with its help text."""

import argparse
import os

import crmkit


class UsageError(Exception):
    """Arguments argparse refused; `command` is the subcommand they belong to."""

    def __init__(self, message, command=""):
        super().__init__(message)
        self.command = command


class _Parser(argparse.ArgumentParser):
    # argparse prints and exits on a usage error; the CLI reports it itself (as JSON with --json).
    def error(self, message):
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        raise UsageError(message, command)


# Reports the command line knows, with the grouping and period options each accepts.
REPORTS = {
    "funnel": ((), "per pipeline stage: count, amount, weighted amount, conversion to the next"),
    "conversion": (("by", "period"), "leads -> qualified -> converted -> won, by source | owner | team | period"),
    "win_rate": (("by", "period"), "won, lost and win rate of closed opportunities by owner | team | source | period"),
    "velocity": ((), "open opportunities, win rate, average won amount and cycle, velocity per day"),
    "stage_durations": ((), "days spent per pipeline stage: mean, median, p90"),
    "forecast": (("period",), "weighted pipeline by expected close period, per month | quarter | year"),
    "repurchase_rate": (("period",), "customers who bought again, per month | quarter | year"),
    "activity": (("by",), "interactions, tasks, tickets and satisfaction by owner | team"),
    "lifecycle": ((), "customers per lifecycle stage: now, entered and left"),
    "lifecycle_flows": ((), "lifecycle stage changes: from, to, count"),
    "approval_steps": ((), "per approval step: requests, outcomes, waits, bottlenecks"),
}


def _default_db():
    return os.environ.get("CRMKIT_DATABASE", "crm.db")


def build_parser():
    """The argparse parser of `crmkit` and all its commands."""
    parser = _Parser(
        prog="crmkit",
        description="crmkit: a library-first CRM engine. Operates one SQLite database file.",
        epilog="Exit codes: 0 ok, 1 a check failed, 2 usage, 3 not found, 4 permission denied, 5 conflict. "
               "Run 'crmkit COMMAND --help' for a command's options.")
    parser.add_argument("--db", default=_default_db(), metavar="FILE",
                        help="the database file (default: $CRMKIT_DATABASE, else crm.db)")
    parser.add_argument("--json", action="store_true",
                        help="print results as JSON on stdout and errors as JSON on stderr")
    parser.add_argument("--version", action="version", version=f"crmkit {crmkit.__version__} "
                        f"(schema version {crmkit.SCHEMA_VERSION})", help="print the version and exit")
    # `--json` is accepted after the command too.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print results and errors as JSON")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, title="commands",
                                help="one of the commands below")
    sub.required = True

    def command(name, help, description=None, parent=sub):
        return parent.add_parser(name, help=help, description=description or help, parents=[common])

    command("init", "create the database (or migrate it to this version)")

    demo = command("demo", "fill a new database with a demo organisation, customers, pipeline and approvals",
                   "Fills an empty database with a realistic demo: teams and reps, customers with Chinese "
                   "and English names, four months of the relationship process, two weeks of approvals, "
                   "and saved segments and auto-tags so that every command has something to show.")
    demo.add_argument("--customers", type=int, default=5000, metavar="N", help="customers to create (default 5000)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed builds the same data")
    demo.add_argument("--no-progress", action="store_true", help="do not show progress on stderr")

    imp = command("import", "import customers from a CSV or Excel file",
                  "Imports customers from FILE (.csv or .xlsx). Rows that match an existing customer "
                  "update it; problems are listed per row.")
    imp.add_argument("file", metavar="FILE", help="the .csv or .xlsx file")
    imp.add_argument("--mapping", metavar="JSON_FILE",
                     help='a JSON file mapping the file\'s column names to fields, e.g. {"客户名称": "name"}')
    imp.add_argument("--dry-run", action="store_true", help="check and report what would change; write nothing")
    imp.add_argument("--all-or-nothing", action="store_true", help="write nothing if any row has a problem")
    imp.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    exp = command("export", "export customers, opportunities or a segment to CSV or Excel")
    exp.add_argument("source", metavar="SOURCE",
                     help="an entity (customers, contacts, opportunities, leads, orders) or the name of a saved segment")
    exp.add_argument("path", metavar="PATH", help="the file to write; .csv or .xlsx chooses the format")

    seg = command("segments", "saved segments: list, count, members, explain",
                  "Saved segments. Without an action: the list with member counts.")
    seg_sub = seg.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser,
                                 help="what to do (default: list)")
    command("list", "list the saved segments with their rules and member counts", parent=seg_sub)
    count = command("count", "the number of customers in a segment", parent=seg_sub)
    count.add_argument("name", metavar="NAME", help="the segment")
    members = command("members", "the customers in a segment", parent=seg_sub)
    members.add_argument("name", metavar="NAME", help="the segment")
    members.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    members.add_argument("--offset", type=int, default=0, help="skip this many rows first")
    explain = command("explain", "why a customer is or is not in a segment, clause by clause", parent=seg_sub)
    explain.add_argument("name", metavar="NAME", help="the segment")
    explain.add_argument("customer", type=int, metavar="CUSTOMER_ID", help="the customer's id")

    rep = command("report", "run a report", "Runs a report. Reports: " + "; ".join(
        f"{name} ({text})" for name, (_, text) in REPORTS.items()) + ".")
    rep.add_argument("name", metavar="NAME", choices=sorted(REPORTS), help="one of: " + ", ".join(REPORTS))
    rep.add_argument("--by", help="group by owner | team | source | period (conversion, win_rate, activity)")
    rep.add_argument("--period", help="month | quarter | year (conversion, win_rate, forecast, repurchase_rate)")
    rep.add_argument("--start", help="from this date or time (inclusive, ISO 8601)")
    rep.add_argument("--end", help="until this date or time (exclusive, ISO 8601)")
    rep.add_argument("--owner", metavar="LOGIN", help="only this owner's records")
    rep.add_argument("--team", metavar="TEAM_ID", type=int, help="only this team (and its sub-teams)")
    rep.add_argument("--where", metavar="RULE", help='a rule filter, e.g. \'industry = "制造"\'')
    rep.add_argument("--user", metavar="LOGIN", help="run as this user (scoped to what the user may see)")

    appr = command("approvals", "approval requests: inbox, approve, reject, escalate")
    appr_sub = appr.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, help="what to do")
    appr_sub.required = True
    inbox = command("inbox", "the pending requests a user may decide now", parent=appr_sub)
    inbox.add_argument("--user", required=True, metavar="LOGIN", help="whose inbox")
    for action, text in (("approve", "approve a request's current step"), ("reject", "reject a request")):
        a = command(action, text, parent=appr_sub)
        a.add_argument("request", type=int, metavar="REQUEST_ID", help="the approval request's id")
        a.add_argument("--user", required=True, metavar="LOGIN", help="the approver")
        a.add_argument("--comment", help="a comment recorded in the ledger")
    command("escalate", "apply the SLA escalations that are due (run it from cron)", parent=appr_sub)

    audit = command("audit", "the hash-chained approval ledger")
    audit_sub = audit.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, help="what to do")
    audit_sub.required = True
    verify = command("verify", "recompute the ledger's hash chain; exit 1 if it does not verify", parent=audit_sub)
    verify.add_argument("--expected-head", metavar="HASH",
                        help="the head hash kept elsewhere: also detects removed trailing entries")
    command("head", "print the latest ledger hash, to keep elsewhere", parent=audit_sub)

    command("check", "check the database (integrity, facts, ledger, change feed, schema); exit 1 on problems")

    backup = command("backup", "copy the database to a new file while others keep writing",
                     "Copies every committed transaction into a new single-file database with SQLite's "
                     "online backup API, then verifies the copy. Never overwrites a file.")
    backup.add_argument("path", metavar="PATH", help="the new file")
    return parser
