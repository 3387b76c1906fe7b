"""A client script: an opportunity through a two-step approval workflow, the simulated route as
JSON, the request pickled for a queue, and the ledger verified. Run: python examples/approvals.py"""

import json
import pickle
import sys

import crmkit

WORKFLOW = {
    "name": "big_deal", "entity": "opportunity", "trigger": {"on": "submit"}, "when": "amount >= 100000",
    "steps": [{"name": "manager", "approvers": "owner.manager", "mode": "any"},
              {"name": "director", "approvers": {"role": "director"}, "mode": "any"}]}


def main(path: str = ":memory:") -> dict[str, object]:
    with crmkit.open(path) as crm:
        crm.clock.freeze("2026-01-20T09:00")
        team = crm.teams.add("华东销售部")
        boss = crm.users.add("zhang", name="张总", role="director", team=team)
        wang = crm.users.add("wang", name="王经理", role="manager", team=team, manager=boss)
        alice = crm.users.add("alice", name="Alice Wang", role="sales", team=team, manager=wang)
        customer = crm.customers.add(name="上海某某科技有限公司", owner=alice)
        opp = crm.opportunities.add(customer=customer, title="ERP项目", amount=1_200_000, owner=alice)
        crm.workflows.define(WORKFLOW)

        route = crm.workflows.simulate("big_deal", opp.id)
        route_json = json.dumps(route.to_dict(), default=str, ensure_ascii=False)
        req = crm.approvals.submit("opportunity", opp, workflow="big_deal", by=alice)
        queued: bytes = pickle.dumps(req)
        req = crm.approvals.approve(pickle.loads(queued), by=wang, comment="同意")
        req = crm.approvals.approve(req, by=boss, comment="同意")
        steps = [step.name for step in route.steps]
        return {"status": req.status, "steps": steps, "route": route_json,
                "ledger_ok": crm.audit.verify().ok, "history": len(req.history())}


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else ":memory:"))
