"""A small JSON API over crmkit with Flask: customers (find, get, update with If-Match versions),
segments (count, members, explain), opportunities (advance), the approvals inbox and decisions,
claims from the public pool, and imports.

Who is asking comes from the `X-User` header (a login), to keep the example short: a real app
takes it from its session or token instead, in `current_login()` below. Every view works on
`g.crm`, the caller's scoped view, so a rep never reads or changes another rep's customers.

    python -m crmkit --db demo.db demo
    CRMKIT_DATABASE=demo.db flask --app examples/flask_app/app.py run
"""

import json
import os
import tempfile

from flask import Flask, g, jsonify, request

import crmkit
from crmkit.flask import CrmKit, etag, expected_version


def current_login():
    """The signed-in user's login, or None (anonymous)."""
    return request.headers.get("X-User") or None


def _limit(default=50, largest=500):
    raw = request.args.get("limit", default)
    try:
        value = int(raw)
    except ValueError:
        raise crmkit.ValidationError(f"limit: expected a whole number, got {raw!r}") from None
    if not 1 <= value <= largest:
        raise crmkit.ValidationError(f"limit: expected 1..{largest}, got {value}")
    return value


def _offset():
    raw = request.args.get("offset", "0")
    try:
        value = int(raw)
    except ValueError:
        raise crmkit.ValidationError(f"offset: expected a whole number, got {raw[:40]!r}") from None
    if value < 0:
        raise crmkit.ValidationError(f"offset: expected 0 or more, got {value}")
    return value


def _body():
    """The JSON object of the request (a 400 naming the position when it is not JSON)."""
    try:
        data = request.get_json(force=True, silent=False) if request.data else {}
    except RecursionError:  # nested deeper than the JSON decoder goes
        raise crmkit.ValidationError("the request body is nested too deeply") from None
    if not isinstance(data, dict):
        raise crmkit.ValidationError("the request body must be a JSON object")
    return data


def _mapping(raw):
    """The import's column mapping, a JSON object of header -> field (None: the file's headers)."""
    if not raw:
        return None
    try:
        mapping = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise crmkit.ValidationError(f"mapping: not valid JSON ({e})") from None
    if not isinstance(mapping, dict):
        raise crmkit.ValidationError("mapping: expected a JSON object of column header -> field")
    return mapping


def _signed_in():
    if g.crm is None:
        raise crmkit.PermissionDenied("sign in first (send the X-User header)")
    return g.crm


def _with_etag(record, status=200):
    response = jsonify(record)
    response.status_code = status
    response.headers["ETag"] = etag(record.version)
    return response


def create_app(database=None):
    app = Flask(__name__)
    app.config["CRMKIT_DATABASE"] = database or os.environ.get("CRMKIT_DATABASE", "crm.db")
    CrmKit(app, user_loader=current_login)

    @app.get("/healthz")
    def health():
        return {"ok": True}

    @app.get("/me")
    def me():
        return _signed_in().user

    @app.get("/customers")
    def find_customers():
        crm = _signed_in()
        limit = _limit()
        offset = _offset()
        rule = request.args.get("rule")
        if rule:  # a rule with a syntax error is a 422 naming the position
            return jsonify(crm.segments.evaluate(rule, limit=limit, offset=offset))
        filters = {k: request.args[k] for k in ("name_contains", "tag", "stage") if k in request.args}
        return jsonify(crm.customers.find(limit=limit, offset=offset, **filters))

    @app.post("/customers")
    def add_customer():
        crm = _signed_in()
        body = _body()
        body.setdefault("owner", crm.user.id)
        return _with_etag(crm.customers.add(**body), 201)

    @app.get("/customers/<int:cid>")
    def get_customer(cid):
        return _with_etag(_signed_in().customers.get(cid))

    @app.patch("/customers/<int:cid>")
    def update_customer(cid):
        crm = _signed_in()
        version = expected_version()  # 428 without If-Match, 409 when stale
        return _with_etag(crm.customers.update(cid, expected_version=version, **_body()))

    @app.get("/segments/<name>/count")
    def segment_count(name):
        return {"segment": name, "count": _signed_in().segments.count(name)}

    @app.get("/segments/<name>/members")
    def segment_members(name):
        crm = _signed_in()
        return jsonify(crm.segments.members(name, limit=_limit(), offset=_offset()))

    @app.get("/segments/<name>/explain/<int:cid>")
    def segment_explain(name, cid):
        return jsonify(_signed_in().segments.explain(name, cid))

    @app.post("/opportunities/<int:oid>/advance")
    def advance(oid):
        crm = _signed_in()
        stage = _body().get("stage")
        if not isinstance(stage, str):
            raise crmkit.ValidationError("stage: name the stage to move to")
        return jsonify(crm.opportunities.advance(oid, stage, by=crm.user.id))

    @app.get("/approvals/inbox")
    def inbox():
        crm = _signed_in()
        return jsonify(crm.approvals.inbox(crm.user.id))

    @app.post("/approvals/<int:rid>/<any(approve, reject):decision>")
    def decide(rid, decision):
        crm = _signed_in()
        comment = _body().get("comment")
        if comment is not None and not isinstance(comment, str):
            raise crmkit.ValidationError("comment: expected text")
        request_ = getattr(crm.approvals, decision)(rid, by=crm.user.id, comment=comment)
        return jsonify({"id": request_.id, "status": request_.status, "current_step": request_.current_step})

    @app.get("/pool")
    def pool():
        return jsonify(_signed_in().pool.list(limit=_limit()))

    @app.post("/pool/<int:cid>/claim")
    def claim(cid):
        crm = _signed_in()
        crm.pool.claim(cid, by=crm.user.id)
        return _with_etag(crm.customers.get(cid))

    @app.post("/imports/customers")
    def import_customers():
        crm = _signed_in()
        if not hasattr(crm, "imports"):
            return {"error": {"type": "NotImplemented", "message": "this crmkit has no import service",
                              "field": None}}, 501
        upload = request.files.get("file")
        if upload is None:
            raise crmkit.ValidationError("file: upload the .csv or .xlsx file as form field 'file'")
        mapping = _mapping(request.form.get("mapping"))
        suffix = os.path.splitext(upload.filename or "")[1] or ".csv"
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "upload" + suffix)
            upload.save(path)
            report = crm.imports.customers(path, mapping=mapping, dry_run=request.form.get("dry_run") == "1")
        return jsonify({"created": report.created, "updated": report.updated, "skipped": report.skipped,
                        "problems": report.problems})

    return app


app = create_app()
