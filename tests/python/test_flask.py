"""crmkit.flask and the Flask example, in process (Flask's test client): g.crm scoped per
request and closed at teardown, the error statuses and bodies, the JSON provider, If-Match."""

import datetime as dt
import importlib.util
import json
import pathlib

import pytest

flask = pytest.importorskip("flask")

import crmkit  # noqa: E402
from crmkit.flask import CrmKit, expected_version  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _example():
    spec = importlib.util.spec_from_file_location("flask_example_app", ROOT / "examples" / "flask_app" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def world(tmp_path):
    path = str(tmp_path / "crm.db")
    with crmkit.open(path) as crm:
        team = crm.teams.add("华东销售部")
        manager = crm.users.add("wang", name="王经理", role="manager", team=team)
        alice = crm.users.add("alice", name="Alice", role="sales", team=team, manager=manager)
        bob = crm.users.add("bob", name="Bob", role="sales", team=team, manager=manager)
        mine = crm.customers.add(name="上海某某科技有限公司", owner=alice, industry="制造")
        theirs = crm.customers.add(name="鲍勃的秘密客户", owner=bob)
        pooled = crm.customers.add(name="公海客户")
        crm.segments.define("makers", 'industry = "制造"')
        crm.workflows.define({"name": "initiation", "entity": "opportunity", "trigger": {"on": "submit"},
                              "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"}]})
        opp = crm.opportunities.add(customer=mine, title="ERP项目", amount=200000, owner=alice)
        rid = crm.approvals.submit("opportunity", opp.id, workflow="initiation", by=alice).id
        opp2 = crm.opportunities.add(customer=mine, title="MES项目", amount=5000, owner=alice)
    app = _example().create_app(path)
    app.testing = True
    client = app.test_client()
    yield type("World", (), dict(path=path, app=app, client=client, mine=mine, theirs=theirs, pooled=pooled,
                                 rid=rid, opp2=opp2, alice=alice, bob=bob))
    app.extensions["crmkit"]._engine.close()


def as_user(login):
    return {"X-User": login} if login else {}


def test_own_customer_with_etag_and_utc_times(world):
    r = world.client.get(f"/customers/{world.mine.id}", headers=as_user("alice"))
    assert r.status_code == 200 and r.headers["ETag"] == f'"{world.mine.version}"'
    body = r.get_json()
    assert body["name"] == "上海某某科技有限公司" and body["created_at"].endswith("Z")
    assert "上海某某科技有限公司".encode() in r.data  # Chinese text as is, not \\u escapes


def test_another_reps_customer_is_403_or_404_without_leaking(world):
    r = world.client.get(f"/customers/{world.theirs.id}", headers=as_user("alice"))
    assert r.status_code in (403, 404)
    assert "鲍勃的秘密客户" not in r.get_data(as_text=True)
    assert r.get_json()["error"]["type"] in ("PermissionDenied", "NotFound")
    listing = world.client.get("/customers", headers=as_user("alice")).get_data(as_text=True)
    assert "鲍勃的秘密客户" not in listing and "上海某某" in listing
    r = world.client.patch(f"/customers/{world.theirs.id}", json={"industry": "x"},
                           headers=dict(as_user("alice"), **{"If-Match": '"1"'}))
    assert r.status_code in (403, 404) and "鲍勃" not in r.get_data(as_text=True)


def test_update_with_if_match_and_a_stale_version(world):
    h = dict(as_user("alice"), **{"If-Match": f'"{world.mine.version}"'})
    r = world.client.patch(f"/customers/{world.mine.id}", json={"industry": "软件"}, headers=h)
    assert r.status_code == 200 and r.get_json()["industry"] == "软件"
    assert r.headers["ETag"] == f'"{world.mine.version + 1}"'
    stale = world.client.patch(f"/customers/{world.mine.id}", json={"industry": "能源"}, headers=h)
    assert stale.status_code == 409 and stale.get_json()["error"]["type"] == "Conflict"
    missing = world.client.patch(f"/customers/{world.mine.id}", json={"industry": "能源"}, headers=as_user("alice"))
    assert missing.status_code == 428 and missing.get_json()["error"]["field"] == "If-Match"
    bad = world.client.patch(f"/customers/{world.mine.id}", json={"industry": "能源"},
                             headers=dict(as_user("alice"), **{"If-Match": "yesterday"}))
    assert bad.status_code == 422
    with crmkit.open(world.path) as crm:
        assert crm.customers.get(world.mine.id).industry == "软件"


def test_malformed_json_body_is_400_with_the_position(world):
    r = world.client.patch(f"/customers/{world.mine.id}", data='{"industry": "软件",}',
                           content_type="application/json",
                           headers=dict(as_user("alice"), **{"If-Match": f'"{world.mine.version}"'}))
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["type"] == "BadRequest" and error["position"] == 18 and error["line"] == 1


def test_rule_syntax_error_in_a_query_parameter_is_422_with_the_position(world):
    r = world.client.get("/customers", query_string={"rule": 'industry = "制造" and and'}, headers=as_user("alice"))
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["type"] == "RuleSyntaxError" and error["position"] == 20
    ok = world.client.get("/customers", query_string={"rule": 'industry = "制造"'}, headers=as_user("alice"))
    assert [c["name"] for c in ok.get_json()] == ["上海某某科技有限公司"]


def test_unknown_and_anonymous_users_get_no_crm(world):
    r = world.client.get("/customers", headers=as_user("mallory"))
    assert r.status_code == 403 and "上海" not in r.get_data(as_text=True)
    assert world.client.get("/customers").status_code == 403
    assert world.client.get("/healthz").status_code == 200  # views without the CRM still work


def test_validation_errors_name_the_field(world):
    r = world.client.get("/customers", query_string={"limit": "0"}, headers=as_user("alice"))
    assert r.status_code == 422
    r = world.client.post("/customers", json={"name": ""}, headers=as_user("alice"))
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "name"


def test_segments_opportunities_approvals_pool(world):
    h = as_user("alice")
    assert world.client.get("/segments/makers/count", headers=h).get_json() == {"segment": "makers", "count": 1}
    members = world.client.get("/segments/makers/members", headers=h).get_json()
    assert [m["name"] for m in members] == ["上海某某科技有限公司"]
    explain = world.client.get(f"/segments/makers/explain/{world.mine.id}", headers=h)
    assert explain.status_code == 200
    assert world.client.get("/segments/nope/count", headers=h).status_code == 404
    r = world.client.post(f"/opportunities/{world.opp2.id}/advance", json={"stage": "需求确认"}, headers=h)
    assert r.status_code == 200 and r.get_json()["stage"] == "需求确认"
    inbox = world.client.get("/approvals/inbox", headers=as_user("wang")).get_json()
    assert [x["request_id"] for x in inbox] == [world.rid]
    assert world.client.post(f"/approvals/{world.rid}/approve", json={}, headers=h).status_code == 403
    r = world.client.post(f"/approvals/{world.rid}/approve", json={"comment": "同意"}, headers=as_user("wang"))
    assert r.get_json()["status"] == "approved"
    again = world.client.post(f"/approvals/{world.rid}/reject", json={}, headers=as_user("wang"))
    assert again.status_code in (409, 422)
    assert world.client.post(f"/pool/{world.pooled.id}/claim", headers=as_user("bob")).status_code == 200
    assert world.client.post(f"/pool/{world.pooled.id}/claim", headers=h).status_code in (403, 409, 422)


def test_g_crm_is_scoped_and_closed_at_teardown(tmp_path):
    path = str(tmp_path / "g.db")
    with crmkit.open(path) as crm:
        crm.users.add("alice", name="Alice", role="sales")
    app = flask.Flask(__name__)
    app.config["CRMKIT_DATABASE"] = path
    ext = CrmKit(app, user_loader=lambda: flask.request.args.get("u"))
    seen = []

    @app.get("/")
    def index():
        seen.append(flask.g.crm)
        return {"now": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
                "user": flask.g.crm.user if flask.g.crm else None,
                "roles": ext.system.roles.list()}

    client = app.test_client()
    body = client.get("/?u=alice").get_json()
    assert body["now"] == "2026-01-02T03:04:05Z" and body["user"]["login"] == "alice"
    assert isinstance(body["roles"], list) and body["roles"]
    assert seen[0].closed and seen[0] is not ext.system and not ext.system.closed
    client.get("/")
    assert seen[1] is None
    ext._engine.close()


def test_configuration_is_required():
    with pytest.raises(crmkit.ValidationError, match="CRMKIT_DATABASE"):
        CrmKit(flask.Flask(__name__))


def test_expected_version_parses_if_match():
    app = flask.Flask(__name__)
    for header, version in (('"3"', 3), ("W/\"12\"", 12), ("7", 7)):
        with app.test_request_context(headers={"If-Match": header}):
            assert expected_version() == version
    with app.test_request_context():
        assert expected_version(required=False) is None


@pytest.mark.skipif(not hasattr(crmkit.Crm, "imports"), reason="the import service is not in this build")
def test_import_upload(world):
    import io

    data = {"file": (io.BytesIO("客户名称\n深圳新锐电子有限公司\n".encode()), "c.csv"),
            "mapping": json.dumps({"客户名称": "name"})}
    r = world.client.post("/imports/customers", data=data, headers=as_user("alice"),
                          content_type="multipart/form-data")
    assert r.status_code == 200 and r.get_json()["created"] == 1


def test_the_readme_flask_snippet_runs(tmp_path):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## In a web app\n.*?```python\n(.*?)```", text, re.S).group(1)
    path = str(tmp_path / "sales.db")
    with crmkit.open(path) as crm:
        crm.users.add("alice", name="Alice", role="sales")
        c = crm.customers.add(name="上海某某科技有限公司", owner=crm.users.get("alice"))
    namespace = {"__name__": "readme_app"}
    exec(compile(code.replace('"sales.db"', repr(path)), "README.md", "exec"), namespace)
    app = namespace["app"]
    app.secret_key = "test"
    client = app.test_client()
    with client.session_transaction() as session:
        session["login"] = "alice"
    r = client.patch(f"/customers/{c.id}", json={"industry": "软件"}, headers={"If-Match": f'"{c.version}"'})
    assert r.status_code == 200 and r.get_json()["industry"] == "软件"
    assert client.patch(f"/customers/{c.id}", json={"industry": "x"},
                        headers={"If-Match": f'"{c.version}"'}).status_code == 409
    app.extensions["crmkit"]._engine.close()
