"""What each command does. Each takes the parsed arguments and returns an exit code (None: 0)."""

import contextlib
import json
import os
import sys

import crmkit

from . import output
from .parser import REPORTS


class CliError(Exception):
    """An error the command line itself finds: `kind` names it in --json output, `code` is the exit code."""

    def __init__(self, message, kind="UsageError", code=2, field=None):
        super().__init__(message)
        self.kind, self.code, self.field = kind, code, field


def _exists(path):
    return path == ":memory:" or os.path.exists(path)


@contextlib.contextmanager
def _open(args, create=False):
    """The database of --db; a missing file is NotFound (exit 3) unless the command creates one."""
    if not create and not _exists(args.db):
        raise CliError(f"database '{args.db}' does not exist (create it with: crmkit --db {args.db} init)",
                       kind="NotFound", code=3, field="db")
    with crmkit.open(args.db) as crm:
        yield crm


def _show(args, result, human):
    """Prints `result` as JSON with --json, else `human(result)` (a string)."""
    output.emit(output.dumps(result) if args.json else human(result))


def _progress(args, total, unit, desc):
    """A progress callback and its closer: a tqdm bar on a terminal, nothing otherwise."""
    if args.json or getattr(args, "no_progress", False) or not sys.stderr.isatty():
        return (lambda *a, **k: None), (lambda: None)
    try:
        from tqdm import tqdm
    except ImportError:
        return (lambda *a, **k: None), (lambda: None)
    bar = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, leave=False)

    def update(done=None, total=None, *rest, **kw):
        if total is not None and bar.total != total:
            bar.total = total
        if isinstance(done, (int, float)):
            bar.n = done
        else:
            bar.n += 1
            if isinstance(done, str):
                bar.set_postfix_str(done, refresh=False)
        bar.refresh()

    return update, bar.close


def _user(crm, login):
    return crm.users.get(login)


def cmd_init(args):
    existed = _exists(args.db) and args.db != ":memory:"
    with _open(args, create=True) as crm:
        version = crm.schema_version
    result = {"database": args.db, "schema_version": version, "created": not existed}
    _show(args, result, lambda r: f"{'created' if r['created'] else 'opened'} {r['database']} "
                                  f"(schema version {r['schema_version']})")


def cmd_demo(args):
    from .. import demo

    with _open(args, create=True) as crm:
        if crm.customers.count() > 0 or len(crm.users.list()) > 0:
            raise CliError(f"'{args.db}' already holds data; the demo fills a new database "
                           f"(choose another --db or remove the file)", kind="Conflict", code=5, field="db")
        update, close = _progress(args, demo.PROGRESS_STEPS, "step", "demo")
        try:
            summary = demo.build(crm, customers=args.customers, seed=args.seed, progress=update)
        finally:
            close()
        _show(args, summary, demo.render)


def _read_mapping(path):
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            mapping = json.load(f)
    except FileNotFoundError:
        raise CliError(f"mapping file '{path}' does not exist", kind="NotFound", code=3, field="mapping") from None
    except json.JSONDecodeError as e:
        raise CliError(f"mapping file '{path}' is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}",
                       field="mapping") from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise CliError(f"mapping file '{path}' must hold one JSON object of column name -> field name",
                       field="mapping")
    return mapping


def _service(crm, name, what):
    service = getattr(crm, name, None)
    if service is None:
        raise CliError(f"this build of crmkit has no {what} (crm.{name})", kind="Unsupported", code=2)
    return service


def cmd_import(args):
    mapping = _read_mapping(args.mapping)
    if not os.path.exists(args.file):
        raise CliError(f"file '{args.file}' does not exist", kind="NotFound", code=3, field="file")
    with _open(args, create=True) as crm:
        imports = _service(crm, "imports", "import service")
        update, close = _progress(args, None, "row", "import")
        try:
            report = imports.customers(args.file, mapping=mapping, dry_run=args.dry_run,
                                       all_or_nothing=args.all_or_nothing, on_progress=update)
        finally:
            close()
    result = {"file": args.file, "dry_run": args.dry_run, "created": report.created, "updated": report.updated,
              "skipped": report.skipped, "problems": output.to_jsonable(report.problems)}

    def human(r):
        head = ("would create" if r["dry_run"] else "created") + f" {r['created']:,}, " + \
               ("would update" if r["dry_run"] else "updated") + f" {r['updated']:,}, skipped {r['skipped']:,}"
        problems = r["problems"]
        return head if not problems else head + f"\n\n{len(problems):,} problems:\n" + output.table(problems)

    _show(args, result, human)
    return 1 if result["problems"] and args.all_or_nothing else 0


def cmd_export(args):
    ext = os.path.splitext(args.path)[1].lower()
    if ext not in (".csv", ".xlsx"):
        raise CliError(f"'{args.path}': the file name must end in .csv or .xlsx", field="path")
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.path))):
        raise CliError(f"the directory of '{args.path}' does not exist", kind="NotFound", code=3, field="path")
    with _open(args) as crm:
        exports = _service(crm, "exports", "export service")
        written = getattr(exports, ext[1:])(args.source, args.path)
    rows = written if isinstance(written, int) else getattr(written, "rows", None)
    result = {"source": args.source, "path": args.path, "rows": rows if isinstance(rows, int) else None}
    _show(args, result, lambda r: f"wrote {r['path']}" + (f" ({r['rows']:,} rows)" if r["rows"] is not None else ""))


def cmd_segments(args):
    action = args.action or "list"
    with _open(args) as crm:
        if action == "list":
            rows = [{"name": r["name"], "count": crm.segments.count(r["name"]), "rule": r["rule"]}
                    for r in crm.segments.list().rows()]
            _show(args, rows, output.table)
        elif action == "count":
            n = crm.segments.count(args.name)
            _show(args, {"segment": args.name, "count": n}, lambda r: f"{r['count']:,}")
        elif action == "members":
            if args.limit < 1:
                raise CliError("--limit must be at least 1", field="limit")
            t = crm.segments.members(args.name, limit=args.limit, offset=args.offset)
            wanted = [c for c in ("id", "name", "owner_id", "stage", "industry", "tags") if c in t.columns]
            rows = t.rows()
            _show(args, rows, lambda rs: output.table([{c: r[c] for c in wanted} for r in rs]))
        elif action == "explain":
            rows = crm.segments.explain(args.name, args.customer).rows()
            for r in rows:  # nested clauses indented under their parent
                r["clause"] = "  " * (r.get("depth") or 0) + str(r["clause"])
            _show(args, rows, lambda rs: output.table(rs, [c for c in ("clause", "value", "result") if rs and c in rs[0]]))


def cmd_report(args):
    accepts, _ = REPORTS[args.name]
    for option in ("by", "period"):
        if getattr(args, option) is not None and option not in accepts:
            allowed = ", ".join("--" + o for o in accepts) or "no grouping options"
            raise CliError(f"report {args.name} does not take --{option} (it takes {allowed})", field=option)
    kwargs = {o: getattr(args, o) for o in accepts if getattr(args, o) is not None}
    kwargs.update({o: getattr(args, o) for o in ("start", "end", "team", "where") if getattr(args, o) is not None})
    with _open(args) as crm:
        view = crm.as_user(args.user) if args.user else crm
        if args.owner:
            kwargs["owner"] = _user(crm, args.owner)
        rows = getattr(view.reports, args.name)(**kwargs).rows()
    _show(args, rows, output.table)


_REQUEST_COLUMNS = ("request_id", "workflow", "entity", "entity_id", "step", "round", "submitter_id",
                    "on_behalf_of", "started_at", "due_at")


def cmd_approvals(args):
    with _open(args) as crm:
        if args.action == "inbox":
            t = crm.approvals.inbox(_user(crm, args.user))
            wanted = [c for c in _REQUEST_COLUMNS if c in t.columns] or list(t.columns)
            _show(args, t.rows(), lambda rs: output.table([{c: r[c] for c in wanted} for r in rs]))
        elif args.action in ("approve", "reject"):
            decide = getattr(crm.approvals, args.action)
            req = decide(args.request, by=_user(crm, args.user), comment=args.comment)
            result = {"request": req.id, "status": req.status, "current_step": req.current_step}
            _show(args, result, lambda r: f"request {r['request']}: {r['status']}"
                                          + (f" (now at step {r['current_step']})" if r["current_step"] else ""))
        elif args.action == "escalate":
            rows = crm.approvals.escalate_overdue().rows()
            _show(args, rows, lambda rs: f"escalated {len(rs)} step(s)" + ("\n" + output.table(rs) if rs else ""))


def cmd_audit(args):
    with _open(args) as crm:
        if args.action == "head":
            _show(args, {"head": crm.audit.head()}, lambda r: r["head"] or "(the ledger is empty)")
            return 0
        v = crm.audit.verify(expected_head=args.expected_head)
    _show(args, v, lambda v: (f"ledger ok: {v.entries:,} entries, head {v.head or '-'}" if v.ok else
                              f"ledger does NOT verify: entry {v.first_bad}: {v.reason} "
                              f"({v.entries:,} entries checked)"))
    return 0 if v.ok else 1


def cmd_check(args):
    with _open(args) as crm:
        r = crm.check()

    def human(r):
        lines = [f"{args.db}: schema version {r.schema_version}, {r.customers:,} customers, "
                 f"{r.ledger_entries:,} ledger entries, {r.events:,} change-feed events"]
        failed = {p.check for p in r.problems}
        lines += [f"  {'FAIL' if c in failed else 'ok  '}  {c}" for c in r.checks]
        lines += [f"problem ({p.check}): {p.message}" for p in r.problems]
        lines.append("ok" if r.ok else f"{len(r.problems)} problem(s) found")
        return "\n".join(lines)

    _show(args, r, human)
    return 0 if r.ok else 1


def cmd_backup(args):
    with _open(args) as crm:
        r = crm.backup(args.path)
    _show(args, r, lambda r: f"backed up {args.db} to {r.path}: {r.bytes:,} bytes, {r.pages:,} pages, verified")


COMMANDS = {
    "init": cmd_init, "demo": cmd_demo, "import": cmd_import, "export": cmd_export, "segments": cmd_segments,
    "report": cmd_report, "approvals": cmd_approvals, "audit": cmd_audit, "check": cmd_check, "backup": cmd_backup,
}
