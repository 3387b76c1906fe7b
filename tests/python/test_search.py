"""crm.customers.search: ranked full-text search over names, contacts, phones and e-mails, with
Chinese terms of any length, kept current by every write and scoped like find()."""

import sqlite3

import pytest

import crmkit


def names(table):
    return [r["name"] for r in table.rows()]


@pytest.fixture
def book(mem_crm):
    crm = mem_crm
    ids = {}
    for name in ["上海某某科技有限公司", "上海浦东贸易有限公司", "北京鼎盛科技集团", "ABC科技有限公司",
                 "深圳华强电子", "Shanghai Tech Ltd."]:
        ids[name] = crm.customers.add(name=name).id
    return crm, ids


def test_two_character_terms_must_all_match(book):
    crm, _ = book
    assert names(crm.customers.search("上海 科技")) == ["上海某某科技有限公司"]
    assert sorted(names(crm.customers.search("上海"))) == ["上海某某科技有限公司", "上海浦东贸易有限公司"]
    assert sorted(names(crm.customers.search("科技"))) == ["ABC科技有限公司", "上海某某科技有限公司", "北京鼎盛科技集团"]


def test_one_character_and_long_terms(book):
    crm, _ = book
    assert names(crm.customers.search("鼎")) == ["北京鼎盛科技集团"]
    assert names(crm.customers.search("浦东贸易")) == ["上海浦东贸易有限公司"]
    assert names(crm.customers.search("某某科技有限")) == ["上海某某科技有限公司"]
    # A substring that crosses what the grams cover is still not found by pieces of two names.
    assert names(crm.customers.search("司北")) == []


def test_latin_text_is_case_insensitive_and_full_width_folds(book):
    crm, _ = book
    assert names(crm.customers.search("shanghai tech")) == ["Shanghai Tech Ltd."]
    assert names(crm.customers.search("ＡＢＣ")) == ["ABC科技有限公司"]
    assert names(crm.customers.search("abc 科技")) == ["ABC科技有限公司"]


def test_short_terms_of_any_characters_fold_case_and_never_merge(mem_crm):
    crm = mem_crm
    ids = {n: crm.customers.add(name=n).id for n in ["Ωmega 科技", "🚀火箭工作室", "Çava 餐厅", "A.B 咨询", "王五"]}
    assert names(crm.customers.search("ωm")) == ["Ωmega 科技"]      # Greek case-folded
    assert names(crm.customers.search("ça")) == ["Çava 餐厅"]
    assert names(crm.customers.search("🚀火")) == ["🚀火箭工作室"]     # an emoji is a character like any
    assert names(crm.customers.search("🚀")) == ["🚀火箭工作室"]
    assert names(crm.customers.search("A.")) == ["A.B 咨询"]
    assert names(crm.customers.search(".B")) == ["A.B 咨询"]
    assert names(crm.customers.search("五")) == ["王五"]              # the last character of a word
    assert names(crm.customers.search("王")) == ["王五"]
    # A pair that spans two words is not in any name.
    assert names(crm.customers.search("技Ç")) == []
    assert names(crm.customers.search("a 科技")) == ["Ωmega 科技"]    # one character with a two-character term
    assert names(crm.customers.search("火箭工 室")) == ["🚀火箭工作室"]  # a long term with a short one
    assert set(ids) == {r["name"] for r in crm.customers.find().rows()}


def test_result_table_columns_and_ranking(mem_crm):
    crm = mem_crm
    crm.customers.add(name="华东物流", email="huadong@keji.cn")
    best = crm.customers.add(name="科技园华东分公司")
    t = crm.customers.search("华东")
    assert t.columns == ["id", "name", "kind", "owner_id", "phone", "email", "stage", "contacts", "score"]
    assert len(t) == 2
    scores = t["score"]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert t[0]["name"] in {"华东物流", best.name}
    assert len(crm.customers.search("华东", limit=1)) == 1


def test_contacts_phones_and_emails_are_searched(mem_crm):
    crm = mem_crm
    c = crm.customers.add(name="甲公司", phone="021-5555 0000", email="Info@JiaCo.cn")
    other = crm.customers.add(name="乙公司")
    k = crm.contacts.add(other.id, name="李雷", phone="138 0013 8000", email="li.lei@yi.cn")
    assert names(crm.customers.search("55550000")) == ["甲公司"]      # bare digits of a formatted phone
    assert names(crm.customers.search("021-5555")) == ["甲公司"]
    assert names(crm.customers.search("jiaco")) == ["甲公司"]
    assert names(crm.customers.search("李雷")) == ["乙公司"]
    assert names(crm.customers.search("13800138000")) == ["乙公司"]
    assert names(crm.customers.search("li.lei@")) == ["乙公司"]
    assert crm.customers.search("李雷")[0]["contacts"] == ["李雷"]
    # Kept current by contact writes.
    crm.contacts.update(k.id, name="韩梅梅")
    assert names(crm.customers.search("李雷")) == []
    assert names(crm.customers.search("梅梅")) == ["乙公司"]
    crm.contacts.delete(k.id)
    assert names(crm.customers.search("梅梅")) == []
    assert names(crm.customers.search("13800138000")) == []
    assert c.id != other.id


def test_a_phone_in_e164_is_found_by_any_run_of_its_digits(mem_crm):
    # Its digits are indexed once: they are already one run inside "+86…".
    crm = mem_crm
    crm.customers.add(name="丙公司", phone="+8613912345678")
    crm.customers.add(name="丁公司", phone="+8613987654321")
    for term in ["13912345678", "8613912345678", "+86139123", "2345678", "+8613912345678"]:
        assert names(crm.customers.search(term)) == ["丙公司"], term
    assert sorted(names(crm.customers.search("+86139"))) == ["丁公司", "丙公司"]


def test_customer_writes_keep_the_index_current(mem_crm):
    crm = mem_crm
    c = crm.customers.add(name="旧名字公司", phone="13900139000")
    crm.customers.update(c.id, name="新名字公司")
    assert names(crm.customers.search("旧名")) == []
    assert names(crm.customers.search("新名")) == ["新名字公司"]
    crm.customers.update(c.id, phone="13700137000")
    assert names(crm.customers.search("13900139000")) == []
    assert names(crm.customers.search("13700137000")) == ["新名字公司"]
    crm.customers.delete(c.id)
    assert names(crm.customers.search("新名")) == []
    ids = crm.customers.add_many([{"name": f"批量客户{i}", "email": f"b{i}@pl.cn"} for i in range(300)])
    assert len(ids) == 300
    assert len(crm.customers.search("批量", limit=1000)) == 300
    assert names(crm.customers.search("b299@")) == ["批量客户299"]


def test_a_merge_moves_the_dropped_customers_text_to_the_kept_one(mem_crm):
    crm = mem_crm
    # The kept customer has a phone and an e-mail of its own, so the merge changes none of its
    # attributes: only the contact it takes over is new text for it.
    keep = crm.customers.add(name="星河科技有限公司", phone="13700137000", email="info@xinghe.cn")
    drop = crm.customers.add(name="星河科技集团", phone="13900139000", email="xh@xinghe.cn")
    crm.contacts.add(drop.id, name="王小明", phone="13800138000")
    crm.customers.merge(keep.id, drop.id)
    # The merged-away customer is gone from the index; what it brought is found on the kept one.
    assert names(crm.customers.search("集团")) == []
    assert names(crm.customers.search("星河")) == ["星河科技有限公司"]
    for term in ("王小明", "小明", "13800138000"):
        assert [r["id"] for r in crm.customers.search(term).rows()] == [keep.id], term
    assert crm.customers.search("王小明").rows()[0]["contacts"] == ["王小明"]
    assert names(crm.customers.search("13900139000")) == []  # the dropped one's own phone went with it


def test_failed_writes_leave_the_index_as_it_was(mem_crm):
    crm = mem_crm
    with pytest.raises(crmkit.ValidationError):
        crm.customers.add_many([{"name": "回滚客户甲"}, {"name": ""}])
    assert names(crm.customers.search("回滚")) == []
    c = crm.customers.add(name="事务客户")
    with pytest.raises(RuntimeError):
        with crm.transaction():
            crm.customers.update(c.id, name="改过的名字")
            crm.contacts.add(c.id, name="临时联系人")
            raise RuntimeError("abort")
    assert names(crm.customers.search("事务")) == ["事务客户"]
    assert names(crm.customers.search("改过")) == []
    assert names(crm.customers.search("临时")) == []


def test_scoped_like_find(org):
    crm = org.crm
    crm.customers.add(name="爱丽丝的科技客户", owner=org.alice)
    crm.customers.add(name="鲍勃的科技客户", owner=org.bob)
    crm.customers.add(name="卡罗尔的科技客户", owner=org.carol)
    assert names(crm.as_user(org.alice).customers.search("科技")) == ["爱丽丝的科技客户"]
    assert sorted(names(crm.as_user(org.wang).customers.search("科技"))) == ["爱丽丝的科技客户", "鲍勃的科技客户"]
    assert len(crm.customers.search("科技")) == 3


def test_bad_queries(mem_crm):
    crm = mem_crm
    crm.customers.add(name='引号"公司 (AND) OR *')
    for q in ["", "   ", "\u3000"]:
        with pytest.raises(crmkit.ValidationError, match="query must not be empty") as e:
            crm.customers.search(q)
        assert e.value.field == "query"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.customers.search("x", limit=0)
    assert e.value.field == "limit"
    # FTS5 syntax in a query is text, never an operator or a syntax error.
    assert names(crm.customers.search('号"公')) == ['引号"公司 (AND) OR *']
    assert names(crm.customers.search("(AND)")) == ['引号"公司 (AND) OR *']
    assert names(crm.customers.search("OR *")) == ['引号"公司 (AND) OR *']
    assert names(crm.customers.search("NOT")) == []
    with pytest.raises(crmkit.ValidationError, match="at most 16"):
        crm.customers.search(" ".join(["词"] * 17))


def test_migration_back_fills_an_existing_database(tmp_path):
    path = tmp_path / "old.db"
    crm = crmkit.open(str(path))
    c = crm.customers.add(name="老数据科技公司", phone="13800138000", email="old@data.cn")
    crm.contacts.add(c.id, name="王老五", phone="010-1234 5678")
    crm.close()
    # Make it a database from before schema 9: no search index.
    con = sqlite3.connect(path)
    con.execute("DROP TABLE customer_search")
    con.execute("PRAGMA user_version = 7")
    con.commit()
    con.close()
    crm = crmkit.open(str(path))
    assert crm.schema_version == crmkit.SCHEMA_VERSION
    assert names(crm.customers.search("老数据")) == ["老数据科技公司"]
    assert names(crm.customers.search("科技")) == ["老数据科技公司"]
    assert names(crm.customers.search("五")) == ["老数据科技公司"]
    assert names(crm.customers.search("13800138000")) == ["老数据科技公司"]
    assert names(crm.customers.search("old@")) == ["老数据科技公司"]
    assert names(crm.customers.search("王老五")) == ["老数据科技公司"]
    crm.close()
