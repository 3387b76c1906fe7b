// The database's time zone: local days, wall clocks and calendar periods (crmkit/time.hpp), and
// the engine's use of them — report periods, all-day tasks, date text — for a UTC+8 team
// (Asia/Shanghai) and a zone with daylight saving (Europe/Berlin). Expected instants were
// checked against Python's zoneinfo (the same tzdata).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "crmkit/crm.hpp"
#include "crmkit/error.hpp"
#include "crmkit/time.hpp"

using namespace crmkit;

namespace {

constexpr std::int64_t kHour = kMillisPerHour;
std::int64_t at(const char* iso) { return parse_timestamp(iso, "t").ms; }  // with an explicit offset
std::int64_t day_of(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d); }
Value cell(const Table& t, std::size_t row, const std::string& column) { return t.column(column).at(row); }

const TimeZone kShanghai = TimeZone::named("Asia/Shanghai");
const TimeZone kBerlin = TimeZone::named("Europe/Berlin");

TEST(TimeZone, UtcIsTheIdentity) {
  TimeZone utc;
  EXPECT_TRUE(utc.is_utc());
  EXPECT_EQ(utc.name(), "UTC");
  EXPECT_EQ(TimeZone::named("UTC"), utc);
  const std::int64_t t = at("2026-02-01T07:00:00Z");
  EXPECT_EQ(utc.to_local(t), t);
  EXPECT_EQ(utc.from_local(t), t);
  EXPECT_EQ(utc.local_day(t), day_of(2026, 2, 1));
  EXPECT_EQ(utc.start_of_day(t), at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(parse_timestamp("2026-02-01", "d", utc).ms, at("2026-02-01T00:00:00Z"));
}

TEST(TimeZone, UnknownNamesAreValidationErrorsNamingTheField) {
  for (const char* bad : {"Mars/Olympus", "", "asia/shanghai", "Asia/上海", "../../etc/passwd", "+08:00"}) {
    try {
      TimeZone::named(bad, "timezone");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), "timezone");
      EXPECT_NE(std::string(e.what()).find("IANA"), std::string::npos) << e.what();
    }
  }
}

TEST(TimeZone, ShanghaiSevenInTheMorningOfFebruaryFirstIsFebruary) {
  EXPECT_EQ(kShanghai.name(), "Asia/Shanghai");
  const std::int64_t t = at("2026-02-01T07:00:00+08:00");  // 2026-01-31T23:00Z
  EXPECT_EQ(kShanghai.offset_ms(t), 8 * kHour);
  EXPECT_EQ(kShanghai.local_day(t), day_of(2026, 2, 1));
  EXPECT_EQ(TimeZone{}.local_day(t), day_of(2026, 1, 31));  // what UTC said
  EXPECT_EQ(kShanghai.start_of_day(t), at("2026-01-31T16:00:00Z"));
  EXPECT_EQ(kShanghai.start_of_next_day(t), at("2026-02-01T16:00:00Z"));
  EXPECT_EQ(kShanghai.date_of(t).ms, day_of(2026, 2, 1) * kMillisPerDay);
  EXPECT_EQ(kShanghai.start_of(Date{day_of(2026, 2, 1) * kMillisPerDay}), at("2026-01-31T16:00:00Z"));
}

TEST(TimeZone, TextWithoutAnOffsetIsLocal) {
  EXPECT_EQ(parse_timestamp("2026-02-01", "d", kShanghai).ms, at("2026-01-31T16:00:00Z"));
  EXPECT_EQ(parse_timestamp("2026-02-01T07:00", "d", kShanghai).ms, at("2026-01-31T23:00:00Z"));
  EXPECT_EQ(parse_timestamp("2026-02-01 07:00:00.250", "d", kShanghai).ms, at("2026-01-31T23:00:00.250Z"));
  // An offset written is an offset meant.
  EXPECT_EQ(parse_timestamp("2026-02-01T07:00Z", "d", kShanghai).ms, at("2026-02-01T07:00:00Z"));
  EXPECT_EQ(parse_timestamp("2026-02-01T07:00-05:00", "d", kShanghai).ms, at("2026-02-01T12:00:00Z"));
  EXPECT_THROW(parse_timestamp("2026-02-30", "d", kShanghai), ValidationError);
}

TEST(TimeZone, BerlinHasA23And25HourDay) {
  // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST; 2026-10-25: from 03:00 CEST to 02:00 CET.
  const std::int64_t spring = day_of(2026, 3, 29), autumn = day_of(2026, 10, 25);
  EXPECT_EQ(kBerlin.day_start(spring), at("2026-03-28T23:00:00Z"));
  EXPECT_EQ(kBerlin.day_start(spring + 1), at("2026-03-29T22:00:00Z"));
  EXPECT_EQ(kBerlin.day_start(spring + 1) - kBerlin.day_start(spring), 23 * kHour);
  EXPECT_EQ(kBerlin.day_start(autumn), at("2026-10-24T22:00:00Z"));
  EXPECT_EQ(kBerlin.day_start(autumn + 1) - kBerlin.day_start(autumn), 25 * kHour);
  EXPECT_EQ(kBerlin.day_start(autumn + 2) - kBerlin.day_start(autumn + 1), 24 * kHour);
  // The last instant of the short day is still that day; the next is the following one.
  EXPECT_EQ(kBerlin.local_day(at("2026-03-29T21:59:59.999Z")), spring);
  EXPECT_EQ(kBerlin.local_day(at("2026-03-29T22:00:00Z")), spring + 1);
  // The long day's repeated hour belongs to it both times.
  EXPECT_EQ(kBerlin.local_day(at("2026-10-25T00:30:00Z")), autumn);
  EXPECT_EQ(kBerlin.local_day(at("2026-10-25T01:30:00Z")), autumn);
  EXPECT_EQ(kBerlin.to_local(at("2026-10-25T00:30:00Z")), kBerlin.to_local(at("2026-10-25T01:30:00Z")));
}

TEST(TimeZone, SkippedAndRepeatedWallClockTimes) {
  // 02:30 on the spring day does not exist: read with the offset before the jump (CET).
  EXPECT_EQ(parse_timestamp("2026-03-29T02:30", "t", kBerlin).ms, at("2026-03-29T01:30:00Z"));
  // 02:30 on the autumn day happens twice: the first (CEST) is meant.
  EXPECT_EQ(parse_timestamp("2026-10-25T02:30", "t", kBerlin).ms, at("2026-10-25T00:30:00Z"));
  EXPECT_EQ(parse_timestamp("2026-10-25T02:30+01:00", "t", kBerlin).ms, at("2026-10-25T01:30:00Z"));
}

TEST(TimeZone, ADayWhoseMidnightIsSkippedBeginsWithTheJump) {
  // Chile moves its clocks at 24:00: on 2026-09-06 local time goes from 00:00 (-04) to 01:00 (-03).
  const TimeZone santiago = TimeZone::named("America/Santiago");
  const std::int64_t d = day_of(2026, 9, 6);
  EXPECT_EQ(santiago.day_start(d), at("2026-09-06T04:00:00Z"));
  EXPECT_EQ(santiago.local_day(santiago.day_start(d)), d);
  EXPECT_EQ(santiago.local_day(santiago.day_start(d) - 1), d - 1);
  EXPECT_EQ(parse_timestamp("2026-09-06", "d", santiago).ms, at("2026-09-06T04:00:00Z"));
}

TEST(TimeZone, GrainSlicesNeverStraddleALocalMidnight) {
  EXPECT_EQ(TimeZone{}.grain_ms(), kMillisPerDay);
  EXPECT_EQ(kShanghai.grain_ms(), kHour);
  EXPECT_EQ(kBerlin.grain_ms(), kHour);
  EXPECT_EQ(TimeZone::named("Asia/Kolkata").grain_ms(), 15 * 60 * 1000);
  EXPECT_EQ(TimeZone::named("America/St_Johns").grain_ms(), 60 * 1000);  // changes at 00:01 until 2011
  for (const char* name : {"Asia/Shanghai", "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe",
                           "America/St_Johns", "America/Santiago", "Pacific/Chatham"}) {
    const TimeZone z = TimeZone::named(name);
    for (std::int64_t d = day_of(1975, 1, 1); d < day_of(2031, 1, 1); d += 13)
      EXPECT_EQ(z.day_start(d) % z.grain_ms(), 0) << name << " day " << d;
  }
}

// ---- the engine ----

struct Team {
  Crm crm;
  std::int64_t alice = 0, customer = 0;
  explicit Team(const std::string& zone, const char* now) : crm(Crm::open(":memory:", {}, zone)) {
    crm.clock().freeze(at(now));
    auto team = crm.teams().add("华东销售部");
    alice = crm.users().add({"alice", "Alice", "sales", team.id, std::nullopt, std::nullopt}).id;
    customers::CustomerInput in;
    in.attrs["name"] = std::string("上海某某科技有限公司");
    in.attrs["owner"] = alice;
    customer = crm.customers().add(in).id;
  }
  void order(const char* when) {
    relationship::OrderInput in;
    in.customer_id = customer;
    in.amount = 100.0;
    in.at = Timestamp{at(when)};
    crm.orders().add(in);
  }
  // period -> customers column of repurchase_rate
  std::map<std::string, std::int64_t> buyers(const std::string& period) {
    Table t = crm.reports().repurchase_rate(period);
    std::map<std::string, std::int64_t> out;
    for (std::size_t r = 0; r < t.rows(); ++r) out[cell(t, r, "period").as<std::string>()] = cell(t, r, "customers").as<std::int64_t>();
    return out;
  }
  std::string first_period_start(const std::string& period) {
    Table t = crm.reports().repurchase_rate(period);
    return format_date(cell(t, 0, "period_start").as<Date>().ms);
  }
};

TEST(EngineTimeZone, StoredChangedByAdminsOnlyAndRefusedWhenItDisagrees) {
  Team team("Asia/Shanghai", "2026-02-01T10:00:00+08:00");
  EXPECT_EQ(team.crm.timezone(), "Asia/Shanghai");
  EXPECT_THROW(team.crm.as_user(team.alice).set_timezone("Europe/Berlin"), PermissionDenied);
  EXPECT_THROW(team.crm.set_timezone("Europe/Narnia"), ValidationError);
  EXPECT_EQ(team.crm.timezone(), "Asia/Shanghai");
  team.crm.set_timezone("Europe/Berlin");
  EXPECT_EQ(team.crm.timezone(), "Europe/Berlin");
  EXPECT_EQ(team.crm.as_user(team.alice).timezone(), "Europe/Berlin");
  // Recorded when open() stored it (at the real time) and when it changed (at the frozen time).
  Table h = team.crm.history("settings", 1);
  std::set<std::pair<std::string, std::string>> changes;
  for (std::size_t r = 0; r < h.rows(); ++r)
    changes.insert({cell(h, r, "old").as<std::string>(), cell(h, r, "new").as<std::string>()});
  EXPECT_EQ(changes, (std::set<std::pair<std::string, std::string>>{{"UTC", "Asia/Shanghai"},
                                                                     {"Asia/Shanghai", "Europe/Berlin"}}));
  EXPECT_THROW(Crm::open(":memory:", {}, "Nowhere/Land"), ValidationError);
}

TEST(EngineTimeZone, ReportMonthsAndQuartersFollowTheLocalCalendar) {
  Team team("Asia/Shanghai", "2026-06-01T10:00:00+08:00");
  team.order("2026-02-01T07:00:00+08:00");  // 2026-01-31T23:00Z: February in Shanghai
  team.order("2026-04-01T01:00:00+08:00");  // 2026-03-31T17:00Z: the second quarter
  auto months = team.buyers("month");
  EXPECT_EQ(months, (std::map<std::string, std::int64_t>{{"2026-02", 1}, {"2026-04", 1}}));
  auto quarters = team.buyers("quarter");
  EXPECT_EQ(quarters, (std::map<std::string, std::int64_t>{{"2026-Q1", 1}, {"2026-Q2", 1}}));
  EXPECT_EQ(team.first_period_start("month"), "2026-02-01");

  Team utc("UTC", "2026-06-01T10:00:00Z");  // the same instants in a UTC database
  utc.order("2026-02-01T07:00:00+08:00");
  utc.order("2026-04-01T01:00:00+08:00");
  EXPECT_EQ(utc.buyers("month"), (std::map<std::string, std::int64_t>{{"2026-01", 1}, {"2026-03", 1}}));
}

TEST(EngineTimeZone, WeeksStartOnLocalMonday) {
  Team team("Asia/Shanghai", "2026-06-01T10:00:00+08:00");
  team.order("2026-01-05T04:00:00+08:00");  // Monday in Shanghai, still Sunday 4 January in UTC
  auto weeks = team.buyers("week");
  EXPECT_EQ(weeks, (std::map<std::string, std::int64_t>{{"2026-W02", 1}}));
  EXPECT_EQ(team.first_period_start("week"), "2026-01-05");
  Team thursday("Asia/Shanghai", "2026-06-01T10:00:00+08:00");
  thursday.order("2026-01-01T12:00:00+08:00");  // 1 January 2026 is a Thursday: ISO week 1 of 2026
  EXPECT_EQ(thursday.buyers("week"), (std::map<std::string, std::int64_t>{{"2026-W01", 1}}));
  EXPECT_EQ(thursday.first_period_start("week"), "2025-12-29");
}

TEST(EngineTimeZone, BerlinDaysAcrossDaylightSaving) {
  Team team("Europe/Berlin", "2026-12-01T10:00:00+01:00");
  team.order("2026-03-29T00:30:00+01:00");  // 2026-03-28T23:30Z: the short day
  team.order("2026-03-29T23:30:00+02:00");  // its last half hour
  team.order("2026-10-25T00:30:00+02:00");  // 2026-10-24T22:30Z: the long day
  team.order("2026-10-25T23:30:00+01:00");
  auto days = team.buyers("day");
  EXPECT_EQ(days, (std::map<std::string, std::int64_t>{{"2026-03-29", 1}, {"2026-10-25", 1}}));
}

TEST(EngineTimeZone, ATaskDueTodayIsOverdueAtLocalMidnight) {
  Team team("Asia/Shanghai", "2026-02-01T10:00:00+08:00");
  relationship::TaskInput in;
  in.customer_id = team.customer;
  in.title = "回访";
  in.due = Timestamp{team.crm.tasks().zone().start_of(Date{day_of(2026, 2, 1) * kMillisPerDay})};
  in.all_day = true;
  auto task = team.crm.tasks().add(in);
  EXPECT_EQ(task.due_at.ms, at("2026-01-31T16:00:00Z"));
  auto overdue_at = [&](const char* when) {
    return team.crm.tasks().overdue(std::nullopt, Timestamp{at(when)}).rows();
  };
  EXPECT_EQ(overdue_at("2026-02-01T23:59:59+08:00"), 0u);
  EXPECT_EQ(overdue_at("2026-02-02T00:00:00+08:00"), 1u);
  // The end of today, in Shanghai.
  EXPECT_EQ(team.crm.tasks().due(std::nullopt, std::nullopt).rows(), 1u);
  // A task due yesterday (local) is refused, one due today accepted even late in the day.
  team.crm.clock().freeze(at("2026-02-01T23:30:00+08:00"));
  EXPECT_NO_THROW(team.crm.tasks().add(in));
  in.due = Timestamp{team.crm.tasks().zone().start_of(Date{day_of(2026, 1, 31) * kMillisPerDay})};
  EXPECT_THROW(team.crm.tasks().add(in), ValidationError);
  // The activity report counts the same overdue tasks.
  team.crm.clock().freeze(at("2026-02-02T00:00:00+08:00"));
  Table a = team.crm.reports().activity("owner");
  ASSERT_EQ(a.rows(), 1u);
  EXPECT_EQ(cell(a, 0, "tasks_overdue").as<std::int64_t>(), 2);
}

TEST(EngineTimeZone, ChangingTheZoneKeepsAllDayTasksOnTheirDates) {
  Team team("Asia/Shanghai", "2026-02-01T10:00:00+08:00");
  relationship::TaskInput in;
  in.customer_id = team.customer;
  in.title = "回访";
  in.due = Timestamp{at("2026-01-31T16:00:00Z")};  // 2026-02-01 in Shanghai
  in.all_day = true;
  auto id = team.crm.tasks().add(in).id;
  team.crm.set_timezone("Europe/Berlin");
  EXPECT_EQ(team.crm.tasks().get(id).due_at.ms, at("2026-01-31T23:00:00Z"));  // 2026-02-01 in Berlin
}

}  // namespace
