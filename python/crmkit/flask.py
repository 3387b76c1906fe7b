"""crmkit for Flask: one engine per worker process, `g.crm` scoped to the signed-in user.

    from flask import Flask, g
    from crmkit.flask import CrmKit

    app = Flask(__name__)
    app.config["CRMKIT_DATABASE"] = "sales.db"
    crmkit_ext = CrmKit(app, user_loader=lambda: session.get("login"))

    @app.get("/customers/<int:cid>")
    def customer(cid):
        return g.crm.customers.get(cid)          # a record: the JSON provider serialises it

`user_loader()` returns the request's user (a login, id or User) or None. `g.crm` is that user's
view (`crm.as_user(...)`), made before the request and closed at teardown; it is None for an
anonymous request, and an unknown login is refused (403), never given the system view. The
system view is only what the app asks for by name: `crmkit_ext.system`.

crmkit errors become JSON responses `{"error": {"type", "message", "field", ...}}`: NotFound
404, PermissionDenied 403, Conflict and WorkflowError 409, ValidationError and RuleSyntaxError 422
(with the field, or the rule's position), a busy database 503. A request body that is not JSON is
a 400 naming the position. Records, Tables and UTC datetimes serialise through the app's JSON
provider. `expected_version()` reads `If-Match`.
"""

from flask import Response, g, json as _flask_json, request
from flask import Request as _Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, PreconditionRequired as _PreconditionRequired

import crmkit

from . import _web

__all__ = ["CrmKit", "CrmJSONProvider", "expected_version", "etag"]

etag = _web.etag


class CrmJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider that also serialises crmkit records, Tables and UTC datetimes (ISO
    8601 with Z), keeping Chinese text as it is."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o):
        try:
            return _web.to_jsonable(o)
        except TypeError:
            return DefaultJSONProvider.default(o)


class MalformedJSON(BadRequest):
    """A request body that is not JSON: 400 with the position where parsing stopped."""

    def __init__(self, error):
        super().__init__(str(error))
        self.body = _web.malformed_json_body(error)

    def get_response(self, environ=None, scope=None):
        return Response(_flask_json.dumps(self.body), status=self.code, mimetype="application/json")


class PreconditionRequired(_PreconditionRequired):
    """428: an update without `If-Match` (the client must say which version it saw)."""

    def get_response(self, environ=None, scope=None):
        body = {"error": {"type": "PreconditionRequired", "field": "If-Match",
                          "message": "this update needs an If-Match header with the record's version (its ETag)"}}
        return Response(_flask_json.dumps(body), status=self.code, mimetype="application/json")


class CrmRequest(_Request):
    """A request whose `get_json()` failure names the position in the body."""

    def on_json_loading_failed(self, e):
        if e is None:  # not JSON content at all
            return super().on_json_loading_failed(e)
        raise MalformedJSON(e)


def _is_crm_value(value):
    """A crmkit record or Table (what the JSON provider serialises beyond dicts and lists)."""
    return hasattr(value, "_fields") or (hasattr(value, "rows") and hasattr(value, "columns"))


def _error_response(error):
    return Response(_flask_json.dumps(_web.error_body(error)), status=_web.status_of(error),
                    mimetype="application/json")


class CrmKit:
    """The Flask extension: `CrmKit(app, user_loader=fn)` or `CrmKit(user_loader=fn).init_app(app)`.
    Reads `app.config["CRMKIT_DATABASE"]` (and CRMKIT_BUSY_TIMEOUT, seconds). Raises
    ValidationError from init_app when the setting is missing."""

    def __init__(self, app=None, user_loader=None):
        self.user_loader = user_loader
        self._engine = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        path = app.config.get("CRMKIT_DATABASE")
        if not path:
            raise crmkit.ValidationError("app.config['CRMKIT_DATABASE'] is not set: name the database file")
        self._engine = _web.Engine(str(path), busy_timeout=float(app.config.get("CRMKIT_BUSY_TIMEOUT", 30.0)))
        app.extensions["crmkit"] = self
        app.json = CrmJSONProvider(app)
        if app.request_class is _Request:
            app.request_class = CrmRequest
        app.register_error_handler(crmkit.Error, _error_response)
        app.teardown_appcontext(self._teardown)
        app.before_request(self._install)
        # A view may return a record or a Table as it returns a dict: it becomes a JSON response.
        make_response = app.make_response

        def make_crm_response(rv):
            body, rest = (rv[0], rv[1:]) if isinstance(rv, tuple) and rv else (rv, ())
            if _is_crm_value(body):
                rv = (app.json.response(body), *rest) if rest else app.json.response(body)
            return make_response(rv)

        app.make_response = make_crm_response
        return self

    @property
    def system(self):
        """The unscoped system view, which sees and may do everything: only for what the app
        decides runs with full rights (cron-like jobs, admin pages)."""
        return self._engine.get()

    def crm_for(self, user):
        """The view of `user` (login, id or User); PermissionDenied for an unknown user."""
        return self._engine.scoped(user)

    def _install(self):
        # The request's view: the loader's user, None when anonymous; an unknown user is a 403.
        user = self.user_loader() if self.user_loader else None
        g.crm = None if user is None else self.crm_for(user)

    def _teardown(self, exc=None):
        crm = g.pop("crm", None)
        if crm is not None:
            crm.close()


def expected_version(required=True):
    """The version named by the request's `If-Match` header. Raises ValidationError (422) when the
    header is malformed, and PreconditionRequired (428, a JSON body) when it is missing and
    `required`."""
    version = _web.parse_if_match(request.headers.get("If-Match"))
    if version is None and required:
        raise PreconditionRequired()
    return version
