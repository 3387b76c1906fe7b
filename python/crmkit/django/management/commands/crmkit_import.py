"""`manage.py crmkit_import FILE`: imports customers from a CSV or Excel file."""

import json

from django.core.management.base import CommandError

from ..base import CrmCommand


class Command(CrmCommand):
    help = "Import customers from a .csv or .xlsx file (crm.imports.customers)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument("--mapping", help="a JSON file mapping column names to fields")
        parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        parser.add_argument("--all-or-nothing", action="store_true", help="write nothing if any row has a problem")

    def run(self, crm, options):
        mapping = None
        if options["mapping"]:
            try:
                with open(options["mapping"], encoding="utf-8") as f:
                    mapping = json.load(f)
            except (OSError, json.JSONDecodeError) as e:
                raise CommandError(f"cannot read the mapping file: {e}", returncode=2) from e
        imports = getattr(crm, "imports", None)
        if imports is None:
            raise CommandError("this build of crmkit has no import service (crm.imports)", returncode=2)
        rep = imports.customers(options["file"], mapping=mapping, dry_run=options["dry_run"],
                                all_or_nothing=options["all_or_nothing"])
        result = {"created": rep.created, "updated": rep.updated, "skipped": rep.skipped,
                  "problems": rep.problems.rows() if hasattr(rep.problems, "rows") else rep.problems}
        text = f"created {rep.created}, updated {rep.updated}, skipped {rep.skipped}, problems {len(result['problems'])}"
        return result, text, 0
