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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="crmkit", description="crmkit: a library-first CRM engine")
    parser.add_argument("--db", default=os.environ.get("CRMKIT_DATABASE", "crm.db"),
                        help="database file (default: $CRMKIT_DATABASE or crm.db)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or migrate the database")
    demo = sub.add_parser("demo", help="fill the database with a realistic demo organisation and print a summary")
    demo.add_argument("--customers", type=int, default=5000)
    demo.add_argument("--seed", type=int, default=7)
    sub.add_parser("check", help="report the schema version and record counts")
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
