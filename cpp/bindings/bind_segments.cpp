// Segments, groups, auto-tags/stages, RFM and CLV.
#include <pybind11/typing.h>

#include "common.hpp"
#include "crmkit/crm.hpp"
#include "crmkit/segments/analytics.hpp"
#include "crmkit/segments/segments.hpp"

namespace crmkit::bindings {
namespace {

using segments::Segments;

// What crm.segments.define()/get() return: the saved segment plus the view it was read through,
// so that seg.count() / seg.members() evaluate with that view's scope.
struct SegmentHandle {
  Segments service;
  segments::Segment segment;
};

std::vector<std::int64_t> id_list(const Iterable& items) {
  std::vector<std::int64_t> ids;
  for (auto item : items.items) {
    auto id = detail::id_of(item);
    if (!id) throw ValidationError("customer ids must be integers or records with .id", "customers");
    ids.push_back(*id);
  }
  return ids;
}

py::dict counts(const Table& t) {
  py::dict out;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    py::dict d;
    d["added"] = t.column(1).ints[i];
    d["removed"] = t.column(2).ints[i];
    out[py::str(t.column(0).texts[i])] = d;
  }
  return out;
}

}  // namespace

void init_segments(py::module_& m) {
  Record<segments::Snapshot>(m, "Snapshot", "Who was in a segment at one moment.")
      .field("id", &segments::Snapshot::id)
      .field("segment", &segments::Snapshot::segment)
      .field("taken_at", &segments::Snapshot::taken_at)
      .field("count", &segments::Snapshot::count);

  Record<segments::SegmentDiff>(m, "SegmentDiff", "Who entered and who left since a snapshot.")
      .field("segment", &segments::SegmentDiff::segment)
      .field("since", &segments::SegmentDiff::since)
      .field("entered", &segments::SegmentDiff::entered)
      .field("left", &segments::SegmentDiff::left);

  Record<SegmentHandle> handle(m, "Segment", "A saved segment: a named rule re-evaluated on every read.");
  handle.field("id", &SegmentHandle::segment, &segments::Segment::id)
      .field("name", &SegmentHandle::segment, &segments::Segment::name)
      .field("rule", &SegmentHandle::segment, &segments::Segment::rule)
      .field("created_at", &SegmentHandle::segment, &segments::Segment::created_at)
      .field("updated_at", &SegmentHandle::segment, &segments::Segment::updated_at)
      .field("version", &SegmentHandle::segment, &segments::Segment::version);
  handle.cls()
      .def(
          "count",
          [](SegmentHandle& h, const std::string& engine) {
            return h.service.count(h.segment.name, segments::parse_evaluator(engine));
          },
          py::arg("engine") = "auto", Release(),
          "Returns how many visible customers the segment's rule matches now. `engine`: 'auto' (the in-memory "
          "columns, loaded on first use), 'columns' or 'sql'. Raises ValidationError for an unknown engine.")
      .def(
          "ids",
          [](SegmentHandle& h, const std::string& engine) {
            return h.service.ids(h.segment.name, segments::parse_evaluator(engine));
          },
          py::arg("engine") = "auto", Release(),
          "Returns the ids of the members, ascending. Raises ValidationError for an unknown engine.")
      .def(
          "members",
          [](SegmentHandle& h, std::optional<Integer> limit, Integer offset) {
            return h.service.members(h.segment.name, limit_arg(limit), offset.value);
          },
          py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Returns the members as a customer Table, at most `limit` rows from `offset`. Raises ValidationError "
          "for a bad limit or offset.")
      .def("explain", [](SegmentHandle& h, Ref c) { return h.service.explain(h.segment.name, c.id); },
           py::arg("customer"), Release(),
          "Why a customer is (not) a member: each clause of the rule with the customer's value and whether it "
          "holds. Returns a Table. Raises NotFound for an unknown or invisible customer.")
      .def("snapshot", [](SegmentHandle& h) { return h.service.snapshot(h.segment.name); }, Release(),
          "Records who is a member now. Returns the Snapshot. Raises StorageError once the CRM is closed.");

  py::class_<Segments>(m, "Segments", "crm.segments: saved rule-based segments.")
      .def(
          "define",
          [](Segments& s, const std::string& name, const std::string& rule) {
            return SegmentHandle{s, s.define(name, rule)};
          },
          py::arg("name"), py::arg("rule"), Release(),
          "Saves a rule under a name. Returns the Segment. Raises RuleSyntaxError for a bad rule (with its "
          "position), Conflict when the name is taken, ValidationError for an empty or overlong name.")
      .def(
          "redefine",
          [](Segments& s, const std::string& name, const std::string& rule) {
            return SegmentHandle{s, s.redefine(name, rule)};
          },
          py::arg("name"), py::arg("rule"), Release(),
          "Replaces a saved segment's rule. Returns the updated Segment. Raises NotFound for an unknown "
          "segment, RuleSyntaxError for a bad rule, PermissionDenied unless the view defined the segment or "
          "administers.")
      .def("get", [](Segments& s, const std::string& name) { return SegmentHandle{s, s.get(name)}; },
           py::arg("name"), Release(),
          "Returns the saved Segment with this name. Raises NotFound for an unknown segment.")
      .def("remove", &Segments::remove, py::arg("name"), Release(),
          "Deletes a saved segment and its snapshots. Returns None. Raises NotFound for an unknown segment, "
          "PermissionDenied unless the view defined the segment or administers.")
      .def("list", &Segments::list, Release(),
          "Returns the saved segments as a Table (id, name, rule, created_at, updated_at, version). Raises "
          "nothing.")
      .def("count", [](Segments& s, const std::string& name, const std::string& engine) {
        return s.count(name, segments::parse_evaluator(engine));
      }, py::arg("name"), py::arg("engine") = "auto", Release(),
          "Returns how many visible customers segment `name` matches now (`engine` as for Segment.count). "
          "Raises NotFound for an unknown segment, ValidationError for an unknown engine.")
      .def("ids", [](Segments& s, const std::string& name, const std::string& engine) {
        return s.ids(name, segments::parse_evaluator(engine));
      }, py::arg("name"), py::arg("engine") = "auto", Release(),
      "Member ids of segment `name`, ascending; engine='auto' (the default) uses the in-memory columns, "
      "'sql' compiles the rule to SQL. Returns a list of ids. Raises NotFound for an unknown segment, "
      "ValidationError for an unknown engine.")
      .def(
          "members",
          [](Segments& s, const std::string& name, std::optional<Integer> limit, Integer offset) {
            return s.members(name, limit_arg(limit), offset.value);
          },
          py::arg("name"), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Returns the members of segment `name` as a customer Table, at most `limit` rows from `offset`. "
          "Raises NotFound for an unknown segment, ValidationError for a bad limit.")
      .def(
          "evaluate",
          [](Segments& s, const std::string& rule, std::optional<Integer> limit, Integer offset) {
            return s.evaluate(rule, limit_arg(limit), offset.value);
          },
          py::arg("rule"), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Evaluates an ad hoc rule. Returns the matching customers as a Table. Raises RuleSyntaxError for a "
          "bad rule, ValidationError for a bad limit.")
      .def("count_rule", [](Segments& s, const std::string& rule, const std::string& engine) {
        return s.count_rule(rule, segments::parse_evaluator(engine));
      }, py::arg("rule"), py::arg("engine") = "auto", Release(),
          "Returns how many visible customers an ad hoc rule matches. Raises RuleSyntaxError for a bad rule, "
          "ValidationError for an unknown engine.")
      .def("ids_rule", [](Segments& s, const std::string& rule, const std::string& engine) {
        return s.ids_rule(rule, segments::parse_evaluator(engine));
      }, py::arg("rule"), py::arg("engine") = "auto", Release(),
          "Returns the ids of the customers an ad hoc rule matches, ascending. Raises RuleSyntaxError for a bad "
          "rule, ValidationError for an unknown engine.")
      .def("explain", [](Segments& s, const std::string& name, Ref c) { return s.explain(name, c.id); },
           py::arg("name"), py::arg("customer"), Release(),
          "Why a customer is (not) in segment `name`, clause by clause. Returns a Table. Raises NotFound for an "
          "unknown segment or customer.")
      .def("contains", [](Segments& s, const std::string& name, Ref c) { return s.contains(name, c.id); },
           py::arg("name"), py::arg("customer"), Release(),
          "Returns whether the customer is in segment `name` now. Raises NotFound for an unknown segment or "
          "customer.")
      .def("snapshot", &Segments::snapshot, py::arg("name"), Release(),
          "Records who is in segment `name` now. Returns the Snapshot. Raises NotFound for an unknown segment.")
      .def(
          "diff",
          [](Segments& s, const std::string& name, std::optional<Ref> since) {
            return s.diff(name, opt_id(since));
          },
          py::arg("name"), py::arg("since") = py::none(), Release(),
          "Who entered and left segment `name` since a snapshot (default: the latest). Returns a SegmentDiff. "
          "Raises NotFound for an unknown segment or snapshot, or when there is no snapshot yet.")
      .def("snapshots", &Segments::snapshots, py::arg("name"), Release(),
          "Returns the snapshots of segment `name` as a Table (id, taken_at, count). Raises NotFound for an "
          "unknown segment.")
      .def(
          "store_status",
          [](Segments& s) {
            segments::StoreStatus st;
            {
              py::gil_scoped_release release;
              st = s.store_status();
            }
            py::dict d;
            d["created"] = st.created;
            d["full_loads"] = st.full_loads;
            d["incremental_refreshes"] = st.incremental_refreshes;
            d["columns_resident"] = st.columns_resident;
            d["sets_resident"] = st.sets_resident;
            d["last_seq"] = st.last_seq;
            d["sql_answers"] = st.sql_answers;
            d["column_answers"] = st.column_answers;
            return d;
          },
          "Diagnostics of the engine's in-memory segment columns (whether they exist, how many rows and columns "
          "they hold, what was loaded). Returns a dict. Raises nothing.");

  py::class_<segments::Groups>(m, "Groups", "crm.groups: static lists of customers.")
      .def("add", &segments::Groups::add, py::arg("name"), Release(),
          "Creates a static group of customers. Returns its id. Raises Conflict when the name is taken, "
          "ValidationError for an empty or overlong name.")
      .def("remove", &segments::Groups::remove, py::arg("name"), Release(),
          "Deletes a group (not its customers). Returns None. Raises NotFound for an unknown group.")
      .def(
          "add_members",
          [](segments::Groups& g, const std::string& name, Iterable customers) {
            auto ids = id_list(customers);
            py::gil_scoped_release release;
            return g.add_members(name, ids);
          },
          py::arg("name"), py::arg("customers"), Drain(),
          "Adds customers (ids or records) to a group, in one transaction. Returns how many were not members "
          "yet. Raises NotFound for an unknown group or an unknown or invisible customer (nothing is added), "
          "ValidationError for a value that is not an id.")
      .def(
          "remove_members",
          [](segments::Groups& g, const std::string& name, Iterable customers) {
            auto ids = id_list(customers);
            py::gil_scoped_release release;
            return g.remove_members(name, ids);
          },
          py::arg("name"), py::arg("customers"), Drain(),
          "Removes customers from a group, in one transaction. Returns how many were members. Raises NotFound "
          "for an unknown group or an unknown or invisible customer, ValidationError for a value that is not an "
          "id.")
      .def("ids", &segments::Groups::ids, py::arg("name"), Release(),
          "Returns the member ids of a group, ascending. Raises NotFound for an unknown group.")
      .def("members", &segments::Groups::members, py::arg("name"), Release(),
          "Returns the members of a group as a customer Table. Raises NotFound for an unknown group.")
      .def("list", &segments::Groups::list, Release(),
          "Returns the groups as a Table (id, name, members, created_at). Raises nothing.");

  py::class_<segments::AutoRules>(m, "AutoRules", "crm.autotags / crm.autostages: rules that own a tag or a stage.")
      .def("add", &segments::AutoRules::add, py::arg("target"), py::arg("rule"), Release(),
          "Makes `rule` own the tag (crm.autotags) or lifecycle stage (crm.autostages) `target` (replacing its "
          "rule if it has one): apply() then gives it to exactly the matching customers. Returns None. Raises "
          "RuleSyntaxError for a bad rule, ValidationError for a bad target or an unknown stage, "
          "PermissionDenied unless the view administers.")
      .def("remove", &segments::AutoRules::remove, py::arg("target"), Release(),
          "Removes the rule of `target` (customers keep what they have). Returns None. Raises NotFound when the "
          "target has no rule.")
      .def("list", &segments::AutoRules::list, Release(),
          "Returns the rules as a Table (target, rule, ...). Raises nothing.")
      .def(
          "apply",
          [](segments::AutoRules& a) {
            Table t;
            {
              py::gil_scoped_release release;
              t = a.apply();
            }
            return counts(t);
          },
          Drain(), "Brings tags/stages in line with the rules, in one transaction. Returns {target: {'added': n, "
                   "'removed': n}}. Raises PermissionDenied unless the view administers.");

  py::class_<segments::Rfm>(m, "Rfm", "crm.rfm: recency, frequency, monetary scores.")
      .def(
          "score", [](segments::Rfm& r, std::optional<TimeArg> asof) { return r.score(opt_ms(asof, "asof", r.zone())); },
          py::arg("asof") = py::none(), Release(),
          "Recency, frequency and monetary quintile scores (1-5) of every customer with orders as of `asof` "
          "(default: now). Returns a Table (customer_id, recency_days, frequency, monetary, r, f, m, cell). "
          "Raises ValidationError for unreadable `asof`.");

  // The Gamma-Gamma parameters exist only when the spend model could be fitted.
  auto spend = [](double segments::GammaGammaFit::*p) {
    return [p](const segments::ClvFit& f) -> std::optional<double> {
      return f.spend_fitted ? std::optional<double>(f.spend.*p) : std::nullopt;
    };
  };
  Record<segments::ClvFit>(m, "ClvFit", "A fitted BG/NBD + Gamma-Gamma model.")
      .field("r", &segments::ClvFit::purchases, &segments::BgNbdFit::r)
      .field("alpha", &segments::ClvFit::purchases, &segments::BgNbdFit::alpha)
      .field("a", &segments::ClvFit::purchases, &segments::BgNbdFit::a)
      .field("b", &segments::ClvFit::purchases, &segments::BgNbdFit::b)
      .field("log_likelihood", &segments::ClvFit::purchases, &segments::BgNbdFit::log_likelihood)
      .field("converged", &segments::ClvFit::purchases, &segments::BgNbdFit::converged)
      .computed("p", spend(&segments::GammaGammaFit::p))
      .computed("q", spend(&segments::GammaGammaFit::q))
      .computed("v", spend(&segments::GammaGammaFit::v))
      .computed("spend_log_likelihood", spend(&segments::GammaGammaFit::log_likelihood))
      .field("time_unit", &segments::ClvFit::time_unit)
      .computed(
          "asof", [](const segments::ClvFit& f) { return Timestamp{f.asof_ms}; },
          [](segments::ClvFit& f, py::handle v) { f.asof_ms = v.cast<Timestamp>().ms; })
      .field("customers", &segments::ClvFit::customers)
      // What predict(fit=...) reads besides the attributes: an unpickled fit predicts the same.
      .keep("purchases.customers", &segments::ClvFit::purchases, &segments::BgNbdFit::customers)
      .keep("spend_fitted", &segments::ClvFit::spend_fitted)
      .keep("spend.p", &segments::ClvFit::spend, &segments::GammaGammaFit::p)
      .keep("spend.q", &segments::ClvFit::spend, &segments::GammaGammaFit::q)
      .keep("spend.v", &segments::ClvFit::spend, &segments::GammaGammaFit::v)
      .keep("spend.log_likelihood", &segments::ClvFit::spend, &segments::GammaGammaFit::log_likelihood)
      .keep("spend.customers", &segments::ClvFit::spend, &segments::GammaGammaFit::customers)
      .keep("spend.converged", &segments::ClvFit::spend, &segments::GammaGammaFit::converged);

  py::class_<segments::Clv>(m, "Clv", "crm.clv: customer lifetime value (BG/NBD + Gamma-Gamma).")
      .def(
          "fit",
          [](segments::Clv& c, std::optional<TimeArg> asof, const std::string& time_unit) {
            return c.fit(opt_ms(asof, "asof", c.zone()), time_unit);
          },
          py::arg("asof") = py::none(), py::arg("time_unit") = "week", Release(),
          "Fits BG/NBD (purchases) and Gamma-Gamma (spend) by maximum likelihood on the orders up to `asof`, in "
          "units of `time_unit` (day, week or month). Returns the ClvFit. Raises ValidationError for fewer than "
          "10 customers, no repeat purchases or a bad time unit.")
      .def(
          "predict",
          [](segments::Clv& c, double horizon_days, py::typing::Optional<segments::ClvFit> fit,
             std::optional<TimeArg> asof, const std::string& time_unit) {
            // Taken as an object so that another type is a ValidationError naming `fit`.
            std::optional<segments::ClvFit> given;
            if (!fit.is_none()) {
              if (!py::isinstance<segments::ClvFit>(fit)) detail::reject_argument(fit, "a ClvFit (what clv.fit() returns)");
              given = fit.cast<segments::ClvFit>();
            }
            const auto at = opt_ms(asof, "asof", c.zone());
            py::gil_scoped_release release;
            return c.predict(horizon_days, given, at, time_unit);
          },
          py::arg("horizon_days") = 365.0, py::arg("fit") = py::none(), py::arg("asof") = py::none(),
          py::arg("time_unit") = "week", Drain(),
          "Per customer: frequency, recency, T, monetary, p_alive, expected_purchases and expected_value\n"
          "over the next horizon_days; returns a Table. Without fit=, the CRM's last fit() (or predict()) is\n"
          "reused when it is for the same view, time_unit and asof (no asof: the last fit's own) and no\n"
          "order changed since; otherwise it fits first. Raises ValidationError for a horizon that is\n"
          "not a positive number, an unknown time_unit, or too few customers to fit.");
}

}  // namespace crmkit::bindings
