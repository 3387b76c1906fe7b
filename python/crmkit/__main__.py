"""Command line: `crmkit --db sales.db <command>` (or CRMKIT_DATABASE); `--json` anywhere."""

import argparse
import json
import os
import sys

import crmkit


def _print(obj, as_json):
    if as_json:
        print(json.dumps(obj, ensure_ascii=False, default=str, indent=2))
    elif isinstance(obj, str):
        print(obj)
    else:
        print(json.dumps(obj, ensure_ascii=False, default=str, indent=2))


def _table(rows):
    """Plain-text columns for a list of dicts."""
    if not rows:
        return "(no rows)"
    cols = list(rows[0])
    cells = [[("" if r[c] is None else str(r[c])) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="crmkit", description="crmkit: a library-first CRM engine")
    parser.add_argument("--db", default=os.environ.get("CRMKIT_DATABASE", "crm.db"),
                        help="database file (default: $CRMKIT_DATABASE or crm.db)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    # `--json` is accepted before or after the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, help):
        return sub.add_parser(name, help=help, parents=[common])

    command("init", "create or migrate the database")
    demo = command("demo", "fill the database with a realistic demo organisation and print a summary")
    demo.add_argument("--customers", type=int, default=5000)
    demo.add_argument("--seed", type=int, default=7)
    command("check", "report the schema version and record counts")
    command("segments", "list the saved segments with their member counts")
    report = command("report", "run a report (funnel, conversion, win_rate, velocity, ...)")
    report.add_argument("name")
    report.add_argument("--by", default=None)
    report.add_argument("--period", default=None)
    report.add_argument("--where", default=None, help="a rule filter")
    approvals = command("approvals", "a user's approval inbox")
    approvals.add_argument("--user", required=True, help="login")
    audit = command("audit", "the approval ledger")
    audit.add_argument("action", choices=["verify", "head"])
    audit.add_argument("--expected-head", default=None)
    args = parser.parse_args(argv)

    try:
        if args.command == "init":
            with crmkit.open(args.db) as crm:
                _print({"database": args.db, "schema_version": crm.schema_version}, args.json)
        elif args.command == "demo":
            from . import demo as demo_module

            with crmkit.open(args.db) as crm:
                summary = demo_module.build(crm, customers=args.customers, seed=args.seed)
                _print(summary if args.json else demo_module.render(summary), args.json)
        elif args.command == "segments":
            with crmkit.open(args.db) as crm:
                rows = [{"name": r["name"], "rule": r["rule"], "count": crm.segments.count(r["name"])}
                        for r in crm.segments.list().rows()]
                _print(rows if args.json else _table(rows), args.json)
        elif args.command == "report":
            with crmkit.open(args.db) as crm:
                fn = getattr(crm.reports, args.name, None)
                if fn is None or args.name.startswith("_"):
                    raise crmkit.ValidationError(f"unknown report {args.name!r}")
                kwargs = {k: v for k, v in (("by", args.by), ("period", args.period), ("where", args.where)) if v}
                rows = fn(**kwargs).rows()
                _print(rows if args.json else _table(rows), args.json)
        elif args.command == "approvals":
            with crmkit.open(args.db) as crm:
                rows = crm.approvals.inbox(crm.users.get(args.user)).rows()
                _print(rows if args.json else _table(rows), args.json)
        elif args.command == "audit":
            with crmkit.open(args.db) as crm:
                if args.action == "head":
                    _print({"head": crm.audit.head()}, args.json)
                else:
                    v = crm.audit.verify(expected_head=args.expected_head)
                    _print(v.to_dict(), args.json)
                    if not v.ok:
                        return 1
        elif args.command == "check":
            with crmkit.open(args.db) as crm:
                _print({"database": args.db, "schema_version": crm.schema_version,
                        "customers": crm.customers.count(), "users": len(crm.users.list())}, args.json)
    except crmkit.Error as e:
        print(f"crmkit: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
