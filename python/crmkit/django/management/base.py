"""What the crmkit management commands share: the system view and errors as CommandError with
the command line's exit codes."""

import contextlib
import json

from django.core.management.base import BaseCommand, CommandError

import crmkit

from ...cli import exit_code
from ..engine import system_crm


class CrmCommand(BaseCommand):
    """A management command run with the system view (cron jobs act for the whole CRM)."""

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def run(self, crm, options):
        raise NotImplementedError

    def handle(self, *args, **options):
        try:
            result, text, code = self.run(system_crm(), options)
        except crmkit.Error as e:
            raise CommandError(f"{type(e).__name__}: {e}", returncode=exit_code(e)) from e
        self.stdout.write(json.dumps(_plain(result), ensure_ascii=False, default=str) if options["json"] else text)
        if code:
            raise CommandError("the check found problems", returncode=code)


def _plain(value):
    from ..._web import to_jsonable

    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    with contextlib.suppress(TypeError):
        return to_jsonable(value)
    return str(value)
