"""The database's time zone end to end: crmkit.open(timezone=...), crm.timezone, and the calendar
notions that follow it — report periods, tasks due on a date, the pool's daily quota, date text
and dates in rules. Python's zoneinfo (the same tzdata) is the reference for local midnights."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import crmkit

UTC = dt.timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def local(zone, *args):
    """An aware UTC datetime for a wall-clock time in `zone`."""
    return dt.datetime(*args, tzinfo=zone).astimezone(UTC)


def team(zone, now):
    crm = crmkit.open(":memory:", timezone=zone)
    crm.clock.freeze(now)
    sales = crm.teams.add("华东销售部")
    alice = crm.users.add("alice", name="Alice Wang", role="sales", team=sales)
    root = crm.users.add("root", name="管理员", role="admin", team=sales)
    customer = crm.customers.add(name="上海某某科技有限公司", owner=alice)
    return crm, alice, root, customer


# ---- the setting ----

def test_open_stores_the_zone_and_reopening_keeps_it(tmp_path):
    path = str(tmp_path / "crm.db")
    with crmkit.open(path, timezone="Asia/Shanghai") as crm:
        assert crm.timezone == "Asia/Shanghai"
    with crmkit.open(path) as crm:
        assert crm.timezone == "Asia/Shanghai"
    with crmkit.open(path, timezone="Asia/Shanghai") as crm:  # naming the same zone again is fine
        assert crm.timezone == "Asia/Shanghai"
    with pytest.raises(crmkit.Conflict) as e:
        crmkit.open(path, timezone="Europe/Berlin")
    assert "Asia/Shanghai" in str(e.value) and "Europe/Berlin" in str(e.value)


def test_default_is_utc_and_unknown_zones_are_refused(tmp_path):
    with crmkit.open(":memory:") as crm:
        assert crm.timezone == "UTC"
    path = tmp_path / "never.db"
    for bad in ("Mars/Olympus", "Asia/上海", "", "+08:00"):
        with pytest.raises(crmkit.ValidationError) as e:
            crmkit.open(str(path), timezone=bad)
        assert e.value.field == "timezone"
    assert not path.exists()  # refused before the file is created
    with pytest.raises(crmkit.ValidationError):
        crmkit.open(":memory:", timezone=8)


def test_only_admins_change_the_zone_and_it_is_in_history():
    crm, alice, root, _ = team("Asia/Shanghai", "2026-02-01T10:00:00+08:00")
    with pytest.raises(crmkit.PermissionDenied):
        crm.as_user(alice).timezone = "Europe/Berlin"
    assert crm.as_user(alice).timezone == "Asia/Shanghai"  # readable by everyone
    with pytest.raises(crmkit.ValidationError) as e:
        crm.timezone = "Europe/Narnia"
    assert e.value.field == "timezone"
    assert crm.timezone == "Asia/Shanghai"
    crm.as_user(root).timezone = "Europe/Berlin"
    assert crm.timezone == "Europe/Berlin"
    # Stored by open() at the real time, changed at the frozen one: compared as a set.
    changes = {(r["old"], r["new"]) for r in crm.history("settings", 1).rows() if r["field"] == "timezone"}
    assert changes == {("UTC", "Asia/Shanghai"), ("Asia/Shanghai", "Europe/Berlin")}


# ---- dates given to the API ----

@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_a_date_is_local_midnight_as_zoneinfo_says(zone):
    crm, alice, _, c = team(zone, "2026-01-01T00:00:00+14:00")
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        t = crm.tasks.add(c, "回访", due=day.isoformat())
        assert t.due_at == dt.datetime.combine(day, dt.time(), ZoneInfo(zone)).astimezone(UTC), day
        assert t.all_day
        day += dt.timedelta(days=17 if day.month not in (3, 10) else 1)  # every day of the DST months
    # A date object and date text agree; time text without an offset is local too.
    assert crm.tasks.add(c, "回访", due=dt.date(2026, 7, 1)).due_at == \
        dt.datetime(2026, 7, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    o = crm.orders.add(c, amount=10.0, at="2026-07-01T09:30")
    assert o.at == local(ZoneInfo(zone), 2026, 7, 1, 9, 30)
    assert crm.orders.add(c, amount=10.0, at="2026-07-01T09:30Z").at == dt.datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    # A naive datetime is UTC, as everywhere in the API.
    assert crm.orders.add(c, amount=10.0, at=dt.datetime(2026, 7, 1, 9, 30)).at == \
        dt.datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


# ---- tasks ----

def test_a_task_due_today_turns_overdue_at_local_midnight():
    crm, alice, _, c = team("Asia/Shanghai", "2026-02-01T10:00:00+08:00")
    t = crm.tasks.add(c, "回访", due="2026-02-01", assignee=alice)
    assert t.due_at == dt.datetime(2026, 1, 31, 16, tzinfo=UTC)
    assert len(crm.tasks.overdue(at="2026-02-01T23:59:59")) == 0
    assert [r.id for r in crm.tasks.overdue(at="2026-02-02T00:00")] == [t.id]
    assert [r.id for r in crm.tasks.due()] == [t.id]  # due by the end of today, in Shanghai
    # Before 08:00 the next morning, when a UTC calendar would first have called it overdue.
    crm.clock.freeze("2026-02-02T07:59")
    assert [r.id for r in crm.tasks.overdue()] == [t.id]
    assert crm.reports.activity().rows()[0]["tasks_overdue"] == 1
    # A follow-up date of today is accepted late in the local evening; yesterday's is not.
    crm.clock.freeze("2026-02-01T23:30")
    crm.interactions.log(c, kind="call", by=alice, summary="确认需求", next_follow_up="2026-02-01")
    with pytest.raises(crmkit.ValidationError) as e:
        crm.tasks.add(c, "回访", due="2026-01-31")
    assert e.value.field == "due" and "2026-01-31" in str(e.value)


def test_changing_the_zone_keeps_all_day_tasks_on_their_dates():
    crm, alice, _, c = team("Asia/Shanghai", "2026-02-01T10:00:00+08:00")
    day = crm.tasks.add(c, "回访", due="2026-03-29")
    timed = crm.tasks.add(c, "电话", due="2026-03-29T10:00")
    crm.timezone = "Europe/Berlin"
    assert crm.tasks.get(day).due_at == local(BERLIN, 2026, 3, 29)
    assert crm.tasks.get(timed).due_at == local(SHANGHAI, 2026, 3, 29, 10)  # an instant stays put


# ---- reports ----

def test_report_periods_follow_the_local_calendar():
    crm, alice, _, c = team("Asia/Shanghai", "2026-06-01T10:00:00+08:00")
    crm.orders.add(c, amount=100.0, at="2026-02-01T07:00")   # 2026-01-31T23:00Z
    crm.orders.add(c, amount=100.0, at="2026-04-01T01:00")   # 2026-03-31T17:00Z
    months = crm.reports.repurchase_rate(period="month").rows()
    assert [(r["period"], r["period_start"], r["customers"]) for r in months] == [
        ("2026-02", dt.date(2026, 2, 1), 1), ("2026-04", dt.date(2026, 4, 1), 1)]
    quarters = crm.reports.repurchase_rate(period="quarter").rows()
    assert [r["period"] for r in quarters] == ["2026-Q1", "2026-Q2"]
    # The window's date text is local midnight too: February 1 starts at 16:00 UTC on January 31.
    feb = crm.reports.repurchase_rate(period="month", start="2026-02-01", end="2026-03-01").rows()
    assert [r["period"] for r in feb] == ["2026-02"]
    weeks = crm.reports.repurchase_rate(period="week").rows()
    assert [(r["period"], r["period_start"]) for r in weeks] == [
        ("2026-W05", dt.date(2026, 1, 26)), ("2026-W14", dt.date(2026, 3, 30))]
    with pytest.raises(crmkit.ValidationError) as e:
        crm.reports.repurchase_rate(period="fortnight")
    assert e.value.field == "period"


def test_win_rate_and_forecast_periods_in_berlin_across_daylight_saving():
    crm, alice, _, c = team("Europe/Berlin", "2026-03-29T00:30:00+01:00")
    crm.pipeline.set_stages([("初步接洽", 0.1), ("赢单", 1.0), ("输单", 0.0)])
    won = crm.opportunities.add(customer=c, title="ERP项目", amount=1000, owner=alice, close_date="2026-03-29")
    crm.opportunities.win(won)  # closed at 2026-03-28T23:30Z: 29 March in Berlin
    crm.clock.freeze("2026-10-25T00:30:00+02:00")  # 2026-10-24T22:30Z: the long day
    crm.opportunities.win(crm.opportunities.add(customer=c, title="CRM项目", amount=500, owner=alice))
    days = crm.reports.win_rate(by="period", period="day").rows()
    assert [(r["period"], r["won"]) for r in days] == [("2026-03-29", 1), ("2026-10-25", 1)]
    months = crm.reports.forecast(period="month").rows()
    assert [(r["period"], r["won_count"]) for r in months] == [("2026-03", 1), ("2026-10", 1)]


# ---- the pool's daily quota ----

@pytest.mark.parametrize("zone, resets", [("Asia/Shanghai", True), ("UTC", False)])
def test_the_claim_quota_resets_at_local_midnight(zone, resets):
    crm, alice, _, _ = team(zone, "2026-02-01T23:00:00+08:00")
    crm.pool.set_rules(max_claims_per_day=2, max_held_per_user=0)
    cs = [crm.customers.add(name=f"公海客户{i}") for i in range(3)]
    me = crm.as_user(alice)
    me.pool.claim(cs[0])
    me.pool.claim(cs[1])
    with pytest.raises(crmkit.ValidationError) as e:
        me.pool.claim(cs[2])
    assert e.value.field == "max_claims_per_day"
    crm.clock.freeze("2026-02-02T00:00:00+08:00")  # midnight in Shanghai, 16:00 in UTC
    if resets:
        me.pool.claim(cs[2])
        assert crm.customers.get(cs[2]).owner_id == alice.id
    else:
        with pytest.raises(crmkit.ValidationError):
            me.pool.claim(cs[2])


# ---- rules ----

def test_rule_dates_are_local_and_now_minus_1d_stays_exact():
    crm, alice, _, c = team("Asia/Shanghai", "2026-02-01T07:00:00+08:00")
    crm.fields.add("customer", "visit_on", type="date")
    crm.fields.add("customer", "met_at", type="datetime")
    crm.customers.update(c, fields={"visit_on": "2026-02-01", "met_at": "2026-02-01T07:00"})
    assert crm.customers.get(c).fields["met_at"] == local(SHANGHAI, 2026, 2, 1, 7)
    assert crm.customers.get(c).fields["visit_on"] == dt.date(2026, 2, 1)
    count = crm.customers.count
    assert count(where='met_at >= "2026-02-01"') == 1       # local midnight, not 08:00 Shanghai
    assert count(where='met_at < "2026-02-01T07:00:01"') == 1
    assert count(where='visit_on = "2026-02-01"') == 1
    # A date field against now is read on the local calendar: today is 1 February, not 31 January.
    assert count(where="visit_on <= now") == 1
    assert count(where="visit_on > now - 1d") == 1
    assert count(where="visit_on > now") == 0
    # `now - 1d` is exactly 24 hours, whatever the calendar.
    crm.interactions.log(c, kind="call", by=alice, at="2026-01-31T07:30")   # 23.5 hours before now
    assert count(where="last_contact_at > now - 1d") == 1
    other = crm.customers.add(name="北京某某有限公司", owner=alice)
    crm.interactions.log(other, kind="call", by=alice, at="2026-01-31T06:30")  # 24.5 hours before
    assert [r.id for r in crm.customers.find(where="last_contact_at > now - 1d")] == [c.id]
    # The same rule evaluated by the segment column store agrees with SQL.
    seg = crm.segments.define("today", "visit_on <= now and met_at >= \"2026-02-01\"")
    assert seg.count(engine="sql") == seg.count(engine="columns") == 1


def test_berlin_now_minus_1d_across_the_short_day():
    # 12:00 on the 23-hour day is 10:00Z; "yesterday at 12:00" would be 11:00Z, 24 hours ago 10:00Z.
    crm, alice, _, c = team("Europe/Berlin", "2026-03-29T12:00:00+02:00")
    crm.interactions.log(c, kind="call", by=alice, at="2026-03-28T11:30")     # 10:30Z: 23.5 hours ago
    other = crm.customers.add(name="北京某某有限公司", owner=alice)
    crm.interactions.log(other, kind="call", by=alice, at="2026-03-28T10:30")  # 09:30Z: 24.5 hours ago
    assert [r.id for r in crm.customers.find(where="last_contact_at > now - 1d")] == [c.id]
