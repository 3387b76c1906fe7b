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
          py::arg("engine") = "auto", Release())
      .def(
          "ids",
          [](SegmentHandle& h, const std::string& engine) {
            return h.service.ids(h.segment.name, segments::parse_evaluator(engine));
          },
          py::arg("engine") = "auto", Release())
      .def(
          "members",
          [](SegmentHandle& h, std::optional<Integer> limit, Integer offset) {
            return h.service.members(h.segment.name, limit_arg(limit), offset.value);
          },
          py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release())
      .def("explain", [](SegmentHandle& h, Ref c) { return h.service.explain(h.segment.name, c.id); },
           py::arg("customer"), Release())
      .def("snapshot", [](SegmentHandle& h) { return h.service.snapshot(h.segment.name); }, Release());

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
      }, py::arg("name"), py::arg("engine") = "auto", Release())
      .def("ids", [](Segments& s, const std::string& name, const std::string& engine) {
        return s.ids(name, segments::parse_evaluator(engine));
      }, py::arg("name"), py::arg("engine") = "auto", Release(),
      "Member ids, ascending; engine='auto' (the default: the in-memory columns once loaded, SQL while they are cold), 'columns' or 'sql'.")
      .def(
          "members",
          [](Segments& s, const std::string& name, std::optional<Integer> limit, Integer offset) {
            return s.members(name, limit_arg(limit), offset.value);
          },
          py::arg("name"), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release())
      .def(
          "evaluate",
          [](Segments& s, const std::string& rule, std::optional<Integer> limit, Integer offset) {
            return s.evaluate(rule, limit_arg(limit), offset.value);
          },
          py::arg("rule"), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Evaluates an ad hoc rule; the matching customers as a Table.")
      .def("count_rule", [](Segments& s, const std::string& rule, const std::string& engine) {
        return s.count_rule(rule, segments::parse_evaluator(engine));
      }, py::arg("rule"), py::arg("engine") = "auto", Release())
      .def("ids_rule", [](Segments& s, const std::string& rule, const std::string& engine) {
        return s.ids_rule(rule, segments::parse_evaluator(engine));
      }, py::arg("rule"), py::arg("engine") = "auto", Release())
      .def("explain", [](Segments& s, const std::string& name, Ref c) { return s.explain(name, c.id); },
           py::arg("name"), py::arg("customer"), Release())
      .def("contains", [](Segments& s, const std::string& name, Ref c) { return s.contains(name, c.id); },
           py::arg("name"), py::arg("customer"), Release())
      .def("snapshot", &Segments::snapshot, py::arg("name"), Release())
      .def(
          "diff",
          [](Segments& s, const std::string& name, std::optional<Ref> since) {
            return s.diff(name, opt_id(since));
          },
          py::arg("name"), py::arg("since") = py::none(), Release(),
          "Who entered and left since a snapshot (default: the latest).")
      .def("snapshots", &Segments::snapshots, py::arg("name"), Release())
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
          "Diagnostics of the engine's in-memory segment columns: whether they exist, how often they "
          "loaded, and how many answers came from SQL while cold and from the columns.");

  py::class_<segments::Groups>(m, "Groups", "crm.groups: static lists of customers.")
      .def("add", &segments::Groups::add, py::arg("name"), Release())
      .def("remove", &segments::Groups::remove, py::arg("name"), Release())
      .def(
          "add_members",
          [](segments::Groups& g, const std::string& name, Iterable customers) {
            auto ids = id_list(customers);
            py::gil_scoped_release release;
            return g.add_members(name, ids);
          },
          py::arg("name"), py::arg("customers"), Drain())
      .def(
          "remove_members",
          [](segments::Groups& g, const std::string& name, Iterable customers) {
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
          "score", [](segments::Rfm& r, std::optional<TimeArg> asof) { return r.score(opt_ms(asof, "asof", r.zone())); },
          py::arg("asof") = py::none(), Release());

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
      .computed("asof", [](const segments::ClvFit& f) { return Timestamp{f.asof_ms}; })
      .field("customers", &segments::ClvFit::customers);

  py::class_<segments::Clv>(m, "Clv", "crm.clv: customer lifetime value (BG/NBD + Gamma-Gamma).")
      .def(
          "fit",
          [](segments::Clv& c, std::optional<TimeArg> asof, const std::string& time_unit) {
            return c.fit(opt_ms(asof, "asof", c.zone()), time_unit);
          },
          py::arg("asof") = py::none(), py::arg("time_unit") = "week", Release())
      .def(
          "predict",
          [](segments::Clv& c, double horizon_days, std::optional<segments::ClvFit> fit, std::optional<TimeArg> asof,
             const std::string& time_unit) { return c.predict(horizon_days, fit, opt_ms(asof, "asof", c.zone()), time_unit); },
          py::arg("horizon_days") = 365.0, py::arg("fit") = py::none(), py::arg("asof") = py::none(),
          py::arg("time_unit") = "week", Release());
}

}  // namespace crmkit::bindings
