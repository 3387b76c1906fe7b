"""The command line: `crmkit --db FILE <command>` (or $CRMKIT_DATABASE), `--json` before or after
the command.

Exit codes: 0 ok, 1 a check or verification failed (or the database cannot be used), 2 usage
(bad arguments, invalid input), 3 not found (a missing database included), 4 permission denied,
5 conflict. Errors go to stderr, as `{"error": {"type", "message", "field"}}` with --json. Only
`init`, `demo` and `import` write a database into existence; every other command refuses a
missing file instead of creating an empty one.
"""

import os
import signal
import sys

import crmkit

from . import output
from .commands import COMMANDS, CliError
from .parser import build_parser, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_PERMISSION, EXIT_CONFLICT = range(6)


def exit_code(error):
    """The exit code of a crmkit error."""
    if isinstance(error, crmkit.NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, crmkit.PermissionDenied):
        return EXIT_PERMISSION
    if isinstance(error, crmkit.Conflict):
        return EXIT_CONFLICT
    if isinstance(error, (crmkit.ValidationError, crmkit.RuleSyntaxError, crmkit.WorkflowError)):
        return EXIT_USAGE
    return EXIT_FAILED


def _report(error, as_json):
    extra = {}
    if isinstance(error, crmkit.RuleSyntaxError):
        extra = {"position": getattr(error, "position", None), "line": getattr(error, "line", None),
                 "column": getattr(error, "column", None)}
    elif isinstance(error, crmkit.ValidationError):
        extra = {"row": getattr(error, "row", None)}
    output.emit_error(as_json, type(error).__name__, str(error), getattr(error, "field", None), **extra)


def _quiet_broken_pipe():
    # The reader went away (`crmkit ... | head`): stop writing, and keep the interpreter from
    # complaining when it flushes stdout on exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv=None):
    """Runs one command; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        output.emit_error(as_json, "UsageError", str(e))
        if not as_json:
            sys.stderr.write(f"Try 'crmkit {e.command + ' ' if e.command else ''}--help'.\n")
        return EXIT_USAGE
    except SystemExit as e:  # --help and --version print and end here
        return e.code if isinstance(e.code, int) else EXIT_OK
    as_json = bool(getattr(args, "json", False))
    try:
        code = COMMANDS[args.command](args) or EXIT_OK
        sys.stdout.flush()  # inside the try: a reader that left shows up here at the latest
        return code
    except BrokenPipeError:
        _quiet_broken_pipe()
        return EXIT_OK
    except CliError as e:
        output.emit_error(as_json, e.kind, str(e), e.field)
        return e.code
    except crmkit.Error as e:
        _report(e, as_json)
        return exit_code(e)
    except KeyboardInterrupt:
        output.emit_error(as_json, "Interrupted", "interrupted")
        return 128 + signal.SIGINT
