"""The example's views and crmkit.django under Django's test runner: scoping by login, the error
statuses (403/404 without leaks, stale If-Match 409, malformed JSON 400 with the position, a rule
syntax error 422 with the position, an unknown login refused), the JSON encoder, and the
management commands a team runs from cron."""

import json
import shutil
import sqlite3
import tempfile
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import RequestFactory, TestCase, override_settings

import crmkit
from crmkit.django import close_engine, system_crm
from crmkit.django.middleware import CrmKitMiddleware


class CrmTestCase(TestCase):
    """A fresh crmkit database per test: two reps with a customer each, a manager, a workflow."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.path = f"{self.tmp}/crm.db"
        self.settings_override = override_settings(CRMKIT_DATABASE=self.path)
        self.settings_override.enable()
        crm = system_crm()
        team = crm.teams.add("华东销售部")
        manager = crm.users.add("wang", name="王经理", role="manager", team=team)
        self.alice = crm.users.add("alice", name="Alice", role="sales", team=team, manager=manager)
        self.bob = crm.users.add("bob", name="Bob", role="sales", team=team, manager=manager)
        self.mine = crm.customers.add(name="上海某某科技有限公司", owner=self.alice, industry="制造")
        self.theirs = crm.customers.add(name="鲍勃的秘密客户", owner=self.bob)
        self.pooled = crm.customers.add(name="公海客户")
        crm.workflows.define({"name": "initiation", "entity": "opportunity", "trigger": {"on": "submit"},
                              "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"}]})
        opp = crm.opportunities.add(customer=self.mine, title="ERP项目", amount=200000, owner=self.alice)
        self.request_id = crm.approvals.submit("opportunity", opp.id, workflow="initiation", by=self.alice).id
        crm.segments.define("makers", 'industry = "制造"')

    def tearDown(self):
        close_engine()
        self.settings_override.disable()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def get(self, url, user="alice", **headers):
        return self.client.get(url, HTTP_X_USER=user, **headers) if user else self.client.get(url, **headers)

    def send(self, method, url, body, user="alice", **headers):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(url, data=data, content_type="application/json",
                                            HTTP_X_USER=user, **headers)


class ViewTests(CrmTestCase):
    def test_own_customer_with_etag(self):
        r = self.get(f"/customers/{self.mine.id}/")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["name"], "上海某某科技有限公司")
        self.assertEqual(r["ETag"], f'"{self.mine.version}"')
        self.assertTrue(r.json()["created_at"].endswith("Z"))  # UTC datetimes in ISO 8601

    def test_another_reps_customer_is_refused_without_leaking(self):
        r = self.get(f"/customers/{self.theirs.id}/")
        self.assertIn(r.status_code, (403, 404))
        self.assertNotIn("鲍勃的秘密客户", r.content.decode())
        self.assertNotIn("鲍勃的秘密客户", self.get("/customers/").content.decode())

    def test_update_with_if_match(self):
        r = self.send("patch", f"/customers/{self.mine.id}/", {"industry": "软件"},
                      HTTP_IF_MATCH=f'"{self.mine.version}"')
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["industry"], "软件")
        stale = self.send("patch", f"/customers/{self.mine.id}/", {"industry": "能源"},
                          HTTP_IF_MATCH=f'"{self.mine.version}"')
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["error"]["type"], "Conflict")
        missing = self.send("patch", f"/customers/{self.mine.id}/", {"industry": "能源"})
        self.assertEqual(missing.status_code, 428)
        self.assertEqual(system_crm().customers.get(self.mine.id).industry, "软件")

    def test_malformed_json_is_400_with_the_position(self):
        r = self.send("patch", f"/customers/{self.mine.id}/", '{"industry": ', HTTP_IF_MATCH='"1"')
        self.assertEqual(r.status_code, 400)
        error = r.json()["error"]
        self.assertEqual(error["type"], "BadRequest")
        self.assertEqual(error["position"], 13)

    def test_rule_syntax_error_is_422_naming_the_position(self):
        r = self.get("/customers/?rule=industry%20%3D%20%3D%20%22x%22")
        self.assertEqual(r.status_code, 422)
        error = r.json()["error"]
        self.assertEqual(error["type"], "RuleSyntaxError")
        self.assertIsInstance(error["position"], int)

    def test_unknown_login_is_refused_not_admin(self):
        r = self.get("/customers/", user="mallory")
        self.assertEqual(r.status_code, 403)
        self.assertNotIn("上海某某", r.content.decode())

    def test_anonymous_gets_no_crm(self):
        r = self.get("/customers/", user=None)
        self.assertEqual(r.status_code, 403)

    def test_a_django_session_user_is_scoped_by_login(self):
        user = get_user_model().objects.create_user("alice", password="x")
        self.client.force_login(user)
        r = self.client.get("/customers/")
        self.assertEqual([c["name"] for c in r.json()], ["上海某某科技有限公司"])

    def test_segments_approvals_and_the_pool(self):
        self.assertEqual(self.get("/segments/makers/count/").json(), {"segment": "makers", "count": 1})
        inbox = self.get("/approvals/inbox/", user="wang").json()
        self.assertEqual([r["request_id"] for r in inbox], [self.request_id])
        self.assertEqual(self.send("post", f"/approvals/{self.request_id}/approve/", {}, user="alice").status_code, 403)
        r = self.send("post", f"/approvals/{self.request_id}/approve/", {"comment": "同意"}, user="wang")
        self.assertEqual(r.json()["status"], "approved")
        r = self.send("post", f"/pool/{self.pooled.id}/claim/", {}, user="bob")
        self.assertEqual(r.status_code, 200)
        again = self.send("post", f"/pool/{self.pooled.id}/claim/", {}, user="alice")
        self.assertIn(again.status_code, (403, 409, 422))
        self.assertEqual(system_crm().customers.get(self.pooled.id).owner_id, self.bob.id)


class MiddlewareTests(CrmTestCase):
    def test_views_are_closed_after_the_response(self):
        seen = []

        def view(request):
            seen.append(request.crm)
            if request.crm is not None:
                self.assertEqual(request.crm.user.login, "alice")
            return HttpResponse("ok")

        request = RequestFactory().get("/")
        request.user = get_user_model()(username="alice")
        CrmKitMiddleware(view)(request)
        self.assertTrue(seen[0].closed)
        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        CrmKitMiddleware(view)(request)
        self.assertIsNone(seen[1])


class CommandTests(CrmTestCase):
    def run_command(self, *args):
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    def test_check_escalate_revisits_reclaim(self):
        self.assertIn("ok", self.run_command("crmkit_check"))
        self.assertTrue(json.loads(self.run_command("crmkit_check", "--json"))["ok"])
        self.assertIn("escalated", self.run_command("crmkit_escalate"))
        self.assertIn("revisit tasks created", self.run_command("crmkit_revisits"))
        self.assertIn("reclaimed", self.run_command("crmkit_reclaim"))
        self.assertIn("would reclaim", self.run_command("crmkit_reclaim", "--preview"))

    def test_check_fails_on_problems(self):
        close_engine()
        con = sqlite3.connect(self.path)
        con.execute("UPDATE customer_facts SET order_count = 5")
        con.commit()
        con.close()
        with self.assertRaises(CommandError) as e:
            self.run_command("crmkit_check")
        self.assertEqual(e.exception.returncode, 1)

    def test_import(self):
        if not hasattr(crmkit.Crm, "imports"):
            self.skipTest("the import service is not in this build")
        csv = f"{self.tmp}/c.csv"
        with open(csv, "w", encoding="utf-8") as f:
            f.write("客户名称\n深圳新锐电子有限公司\n")
        mapping = f"{self.tmp}/m.json"
        with open(mapping, "w", encoding="utf-8") as f:
            json.dump({"客户名称": "name"}, f)
        self.assertIn("created 1", self.run_command("crmkit_import", csv, "--mapping", mapping))
