"""The demo's pipeline and approvals story (crmkit.demo_pipeline) on a small demo organisation:
every request state is reached, some requests are past their SLA, and the ledger verifies."""

import random

from crmkit import demo, demo_pipeline


def test_every_state_inboxes_and_sla(crm):
    demo.build(crm, customers=200)
    end = demo_pipeline.build(crm, random.Random(3), requests_per_day=24)
    assert crm.clock.now() == end                     # left frozen at the story's end
    summary = demo_pipeline.summarize(crm)
    assert set(summary["per_status"]) == {"pending", "approved", "rejected", "recalled"}
    assert all(n > 0 for n in summary["per_status"].values()), summary["per_status"]
    assert sum(summary["per_status"].values()) == summary["requests"]
    assert set(summary["per_workflow"]) == {"opportunity_initiation", "discount_approval", "contract_review"}
    assert summary["past_sla"] > 0 and summary["past_sla"] == len(summary["past_sla_requests"])
    assert all(o["hours_over"] >= 0 for o in summary["past_sla_requests"])
    assert "张总 (zhang.zong)" in summary["inbox"]
    assert sum(summary["inbox"].values()) >= summary["per_status"]["pending"]
    assert summary["ledger_ok"] and summary["ledger_entries"] > summary["requests"]
    text = demo_pipeline.render(summary)
    for heading in ("Requests per status", "Inbox per user", "Requests past their SLA"):
        assert heading in text
    crm.clock.unfreeze()
