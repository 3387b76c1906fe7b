"""add()/update() name their parameters (custom fields through fields=): the signatures say so,
an unknown keyword is still crmkit's ValidationError naming it (never a TypeError), and None
means "clear" in update() while a keyword left out changes nothing."""

import pytest

import crmkit

NAMED = {
    "Customers.add": ["name", "kind", "industry", "owner", "source", "phone", "email", "stage", "tags", "fields"],
    "Customers.update": ["customer", "expected_version", "name", "industry", "owner", "tags", "fields"],
    "Contacts.add": ["customer", "name", "title", "phone", "email", "fields"],
    "Contacts.update": ["contact", "expected_version", "name", "title", "fields"],
    "Leads.add": ["name", "company", "phone", "email", "source", "owner", "fields"],
    "Leads.update": ["lead", "expected_version", "name", "company", "owner", "fields"],
    "Opportunities.add": ["customer", "title", "amount", "owner", "close_date", "stage", "probability",
                               "fields"],
    "Opportunities.update": ["opportunity", "expected_version", "by", "title", "amount", "fields"],
    "Documents.add": ["opportunity", "kind", "title", "amount", "discount", "fields"],
    "Documents.update": ["document", "expected_version", "title", "amount", "discount", "fields"],
    "Users.update": ["user", "expected_version", "name", "email", "role", "team", "manager", "active"],
    "Roles.define": ["name", "approve", "admin", "customers", "opportunities", "leads"],
}


@pytest.mark.parametrize("qualname", list(NAMED))
def test_signature_names_the_parameters(qualname):
    cls, name = qualname.split(".")
    signature = getattr(getattr(crmkit, cls), name).__doc__.splitlines()[0]
    for param in NAMED[qualname]:
        assert f"{param}:" in signature, (param, signature)
    assert "**kwargs" in signature  # only so that an unknown keyword reaches crmkit's own error
    assert "_HasId" in signature or qualname == "Roles.define"


def test_unknown_keywords_are_validation_errors_naming_them(org):
    crm = org.crm
    c = crm.customers.add(name="甲")
    with pytest.raises(crmkit.ValidationError, match="unknown customer attribute 'nmae'") as e:
        crm.customers.add(name="乙", nmae="x")
    assert e.value.field == "nmae"
    with pytest.raises(crmkit.ValidationError, match="unknown customer attribute 'colour'"):
        crm.customers.update(c, colour="red")
    with pytest.raises(crmkit.ValidationError, match="unknown contact attribute"):
        crm.contacts.add(c, name="李雷", mobile="1")
    opp = crm.opportunities.add(customer=c, title="项目", amount=1)
    with pytest.raises(crmkit.ValidationError, match="unknown opportunity attribute 'titel'"):
        crm.opportunities.update(opp, titel="x")
    with pytest.raises(crmkit.ValidationError, match="unknown user field 'rank'"):
        crm.users.update(org.alice, rank=3)
    with pytest.raises(crmkit.ValidationError, match="unknown entity 'tickets'"):
        crm.roles.define("support", tickets="all")
    assert crm.customers.count() == 1  # nothing was written


def test_left_out_keeps_and_none_clears(org):
    crm = org.crm
    c = crm.customers.add(name="甲", industry="制造", phone="13800138000", owner=org.alice, tags=["VIP"])
    same = crm.customers.update(c, expected_version=c.version)
    assert (same.industry, same.phone, same.owner_id, same.tags) == ("制造", "13800138000", org.alice.id, ["VIP"])
    cleared = crm.customers.update(c, industry=None, owner=None)
    assert cleared.industry is None and cleared.owner_id is None and cleared.phone == "13800138000"
    assert crm.customers.update(c, tags=None).tags == []


def test_aliases_and_row_dicts_still_work(org):
    crm = org.crm
    c = crm.customers.add(name="甲", owner_id=org.alice.id)
    assert c.owner_id == org.alice.id
    ids = crm.customers.add_many([{"name": "乙", "owner": org.bob, "fields": None}])
    assert crm.customers.get(ids[0]).owner_id == org.bob.id


def test_missing_name_is_still_a_validation_error(crm):
    with pytest.raises(crmkit.ValidationError, match="name is required"):
        crm.customers.add(industry="制造")
    with pytest.raises(crmkit.ValidationError, match="name is required"):
        crm.leads.add(company="某某")


def test_keywords_after_the_first_are_keyword_only(org):
    crm = org.crm
    assert crm.customers.add("甲").name == "甲"
    with pytest.raises(TypeError):
        crm.customers.add("甲", "company")
