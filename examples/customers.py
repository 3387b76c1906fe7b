"""A client script: an organisation, customers with custom fields, finding and updating them,
a segment, and the results as JSON and as a table. Run: python examples/customers.py"""

import json
import sys

import crmkit


def main(path: str = ":memory:") -> dict[str, object]:
    with crmkit.open(path) as crm:
        crm.clock.freeze("2026-01-20T09:00")
        sales = crm.teams.add("华东销售部")
        boss = crm.users.add("zhang", name="张总", role="director", team=sales)
        alice = crm.users.add("alice", name="Alice Wang", role="sales", team=sales, manager=boss)
        crm.fields.add("customer", "region", type="enum", options=["华东", "华南", "华北"])

        c = crm.customers.add(name="上海某某科技有限公司", industry="制造", owner=alice, tags=["VIP"],
                              fields={"region": "华东"})
        crm.customers.add(name="深圳某某电子", industry="电子", owner=boss, fields={"region": "华南"})
        # An entity parameter takes the record or its id, in the types too.
        c = crm.customers.update(c, expected_version=c.version, industry="软件")
        assert crm.customers.get(c) == crm.customers.get(c.id)
        mine = crm.customers.find(owner=alice)
        names: list[str] = [row.name for row in mine]

        crm.orders.add(c, amount=12800.0, at="2026-01-15")
        seg = crm.segments.define("big_buyers", "lifetime_value >= 10000")
        members = seg.members().rows()

        record = crm.customers.get(c.id)
        as_json = json.dumps(record.to_dict(), default=str, ensure_ascii=False)
        unknown: str | None = None
        try:
            crm.customers.update(c, nme="typo")  # type: ignore[call-arg]
        except crmkit.ValidationError as e:
            unknown = e.field
        return {"names": names, "members": [m["name"] for m in members], "json": as_json,
                "lifetime_value": record.facts.lifetime_value, "unknown_keyword": unknown}


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else ":memory:"))
