// Segments, groups, auto-tags/stages, RFM and CLV.
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

std::optional<std::int64_t> opt_time(const std::optional<TimeArg>& t, const char* field) {
  if (!t) return std::nullopt;
  return t->resolve(field).ms;
}

std::vector<std::int64_t> id_list(py::iterable items) {
  std::vector<std::int64_t> ids;
  for (auto item : items) {
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
  auto snap = py::class_<segments::Snapshot>(m, "Snapshot", "Who was in a segment at one moment.")
                  .def_readonly("id", &segments::Snapshot::id)
                  .def_readonly("segment", &segments::Snapshot::segment)
                  .def_readonly("taken_at", &segments::Snapshot::taken_at)
                  .def_readonly("count", &segments::Snapshot::count);
  set_record_fields(snap, {"id", "segment", "taken_at", "count"});

  auto diff = py::class_<segments::SegmentDiff>(m, "SegmentDiff", "Who entered and who left since a snapshot.")
                  .def_readonly("segment", &segments::SegmentDiff::segment)
                  .def_readonly("since", &segments::SegmentDiff::since)
                  .def_readonly("entered", &segments::SegmentDiff::entered)
                  .def_readonly("left", &segments::SegmentDiff::left);
  set_record_fields(diff, {"segment", "since", "entered", "left"});

  auto handle = py::class_<SegmentHandle>(m, "Segment", "A saved segment: a named rule re-evaluated on every read.")
                    .def_property_readonly("id", [](const SegmentHandle& h) { return h.segment.id; })
                    .def_property_readonly("name", [](const SegmentHandle& h) { return h.segment.name; })
                    .def_property_readonly("rule", [](const SegmentHandle& h) { return h.segment.rule; })
                    .def_property_readonly("created_at", [](const SegmentHandle& h) { return h.segment.created_at; })
                    .def_property_readonly("updated_at", [](const SegmentHandle& h) { return h.segment.updated_at; })
                    .def_property_readonly("version", [](const SegmentHandle& h) { return h.segment.version; })
                    .def("count", [](SegmentHandle& h, const std::string& engine) {
                      return h.service.count(h.segment.name, segments::parse_evaluator(engine));
                    }, py::arg("engine") = "columns", Release())
                    .def("ids", [](SegmentHandle& h, const std::string& engine) {
                      return h.service.ids(h.segment.name, segments::parse_evaluator(engine));
                    }, py::arg("engine") = "columns", Release())
                    .def(
                        "members",
                        [](SegmentHandle& h, std::optional<std::int64_t> limit, std::int64_t offset) {
                          return h.service.members(h.segment.name, limit.value_or(-1), offset);
                        },
                        py::arg("limit") = py::none(), py::arg("offset") = 0, Release())
                    .def("explain", [](SegmentHandle& h, Ref c) { return h.service.explain(h.segment.name, c.id); },
                         py::arg("customer"), Release())
                    .def("snapshot", [](SegmentHandle& h) { return h.service.snapshot(h.segment.name); }, Release());
  set_record_fields(handle, {"id", "name", "rule", "created_at", "updated_at", "version"});

  py::class_<Segments>(m, "Segments", "crm.segments: saved rule-based segments.")
      .def(
          "define",
          [](Segments& s, const std::string& name, const std::string& rule) {
            return SegmentHandle{s, s.define(name, rule)};
          },
          py::arg("name"), py::arg("rule"), Release())
      .def(
          "redefine",
          [](Segments& s, const std::string& name, const std::string& rule) {
            return SegmentHandle{s, s.redefine(name, rule)};
          },
          py::arg("name"), py::arg("rule"), Release())
      .def("get", [](Segments& s, const std::string& name) { return SegmentHandle{s, s.get(name)}; },
           py::arg("name"), Release())
      .def("remove", &Segments::remove, py::arg("name"), Release())
      .def("list", &Segments::list, Release())
      .def("count", [](Segments& s, const std::string& name, const std::string& engine) {
        return s.count(name, segments::parse_evaluator(engine));
      }, py::arg("name"), py::arg("engine") = "columns", Release())
      .def("ids", [](Segments& s, const std::string& name, const std::string& engine) {
        return s.ids(name, segments::parse_evaluator(engine));
      }, py::arg("name"), py::arg("engine") = "columns", Release(),
      "Member ids, ascending; engine='columns' (in-memory, the default) or 'sql'.")
      .def(
          "members",
          [](Segments& s, const std::string& name, std::optional<std::int64_t> limit, std::int64_t offset) {
            return s.members(name, limit.value_or(-1), offset);
          },
          py::arg("name"), py::arg("limit") = py::none(), py::arg("offset") = 0, Release())
      .def(
          "evaluate",
          [](Segments& s, const std::string& rule, std::optional<std::int64_t> limit, std::int64_t offset) {
            return s.evaluate(rule, limit.value_or(-1), offset);
          },
          py::arg("rule"), py::arg("limit") = py::none(), py::arg("offset") = 0, Release(),
          "Evaluates an ad hoc rule; the matching customers as a Table.")
      .def("count_rule", [](Segments& s, const std::string& rule, const std::string& engine) {
        return s.count_rule(rule, segments::parse_evaluator(engine));
      }, py::arg("rule"), py::arg("engine") = "columns", Release())
      .def("ids_rule", [](Segments& s, const std::string& rule, const std::string& engine) {
        return s.ids_rule(rule, segments::parse_evaluator(engine));
      }, py::arg("rule"), py::arg("engine") = "columns", Release())
      .def("explain", [](Segments& s, const std::string& name, Ref c) { return s.explain(name, c.id); },
           py::arg("name"), py::arg("customer"), Release())
      .def("contains", [](Segments& s, const std::string& name, Ref c) { return s.contains(name, c.id); },
           py::arg("name"), py::arg("customer"), Release())
      .def("snapshot", &Segments::snapshot, py::arg("name"), Release())
      .def(
          "diff",
          [](Segments& s, const std::string& name, std::optional<Ref> since) {
            return s.diff(name, since ? std::optional<std::int64_t>(since->id) : std::nullopt);
          },
          py::arg("name"), py::arg("since") = py::none(), Release(),
          "Who entered and left since a snapshot (default: the latest).")
      .def("snapshots", &Segments::snapshots, py::arg("name"), Release());

  py::class_<segments::Groups>(m, "Groups", "crm.groups: static lists of customers.")
      .def("add", &segments::Groups::add, py::arg("name"), Release())
      .def("remove", &segments::Groups::remove, py::arg("name"), Release())
      .def(
          "add_members",
          [](segments::Groups& g, const std::string& name, py::iterable customers) {
            auto ids = id_list(customers);
            py::gil_scoped_release release;
            return g.add_members(name, ids);
          },
          py::arg("name"), py::arg("customers"), Drain())
      .def(
          "remove_members",
          [](segments::Groups& g, const std::string& name, py::iterable customers) {
            auto ids = id_list(customers);
            py::gil_scoped_release release;
            return g.remove_members(name, ids);
          },
          py::arg("name"), py::arg("customers"), Drain())
      .def("ids", &segments::Groups::ids, py::arg("name"), Release())
      .def("members", &segments::Groups::members, py::arg("name"), Release())
      .def("list", &segments::Groups::list, Release());

  py::class_<segments::AutoRules>(m, "AutoRules", "crm.autotags / crm.autostages: rules that own a tag or a stage.")
      .def("add", &segments::AutoRules::add, py::arg("target"), py::arg("rule"), Release())
      .def("remove", &segments::AutoRules::remove, py::arg("target"), Release())
      .def("list", &segments::AutoRules::list, Release())
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
          Drain(), "Brings tags/stages in line with the rules; {target: {'added': n, 'removed': m}}.");

  py::class_<segments::Rfm>(m, "Rfm", "crm.rfm: recency, frequency, monetary scores.")
      .def(
          "score", [](segments::Rfm& r, std::optional<TimeArg> asof) { return r.score(opt_time(asof, "asof")); },
          py::arg("asof") = py::none(), Release());

  auto fit = py::class_<segments::ClvFit>(m, "ClvFit", "A fitted BG/NBD + Gamma-Gamma model.")
                 .def_property_readonly("r", [](const segments::ClvFit& f) { return f.purchases.r; })
                 .def_property_readonly("alpha", [](const segments::ClvFit& f) { return f.purchases.alpha; })
                 .def_property_readonly("a", [](const segments::ClvFit& f) { return f.purchases.a; })
                 .def_property_readonly("b", [](const segments::ClvFit& f) { return f.purchases.b; })
                 .def_property_readonly("log_likelihood", [](const segments::ClvFit& f) { return f.purchases.log_likelihood; })
                 .def_property_readonly("converged", [](const segments::ClvFit& f) { return f.purchases.converged; })
                 .def_property_readonly("p", [](const segments::ClvFit& f) -> std::optional<double> {
                   return f.spend_fitted ? std::optional<double>(f.spend.p) : std::nullopt;
                 })
                 .def_property_readonly("q", [](const segments::ClvFit& f) -> std::optional<double> {
                   return f.spend_fitted ? std::optional<double>(f.spend.q) : std::nullopt;
                 })
                 .def_property_readonly("v", [](const segments::ClvFit& f) -> std::optional<double> {
                   return f.spend_fitted ? std::optional<double>(f.spend.v) : std::nullopt;
                 })
                 .def_property_readonly("spend_log_likelihood", [](const segments::ClvFit& f) -> std::optional<double> {
                   return f.spend_fitted ? std::optional<double>(f.spend.log_likelihood) : std::nullopt;
                 })
                 .def_readonly("time_unit", &segments::ClvFit::time_unit)
                 .def_property_readonly("asof", [](const segments::ClvFit& f) { return Timestamp{f.asof_ms}; })
                 .def_readonly("customers", &segments::ClvFit::customers);
  set_record_fields(fit, {"r", "alpha", "a", "b", "log_likelihood", "converged", "p", "q", "v",
                          "spend_log_likelihood", "time_unit", "asof", "customers"});

  py::class_<segments::Clv>(m, "Clv", "crm.clv: customer lifetime value (BG/NBD + Gamma-Gamma).")
      .def(
          "fit",
          [](segments::Clv& c, std::optional<TimeArg> asof, const std::string& time_unit) {
            return c.fit(opt_time(asof, "asof"), time_unit);
          },
          py::arg("asof") = py::none(), py::arg("time_unit") = "week", Release())
      .def(
          "predict",
          [](segments::Clv& c, double horizon_days, std::optional<segments::ClvFit> fit, std::optional<TimeArg> asof,
             const std::string& time_unit) { return c.predict(horizon_days, fit, opt_time(asof, "asof"), time_unit); },
          py::arg("horizon_days") = 365.0, py::arg("fit") = py::none(), py::arg("asof") = py::none(),
          py::arg("time_unit") = "week", Release());
}

}  // namespace crmkit::bindings
