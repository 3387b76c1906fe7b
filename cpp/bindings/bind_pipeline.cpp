// Leads, opportunities, documents.
#include "common.hpp"
#include "crmkit/pipeline/leads.hpp"
#include "crmkit/pipeline/opportunities.hpp"

namespace crmkit::bindings {
namespace {

using namespace pipeline;

}  // namespace

void init_pipeline(py::module_& m) {
  Record<Lead>(m, "Lead", "A lead (线索): a prospect not yet a customer.")
      .field("id", &Lead::id)
      .field("name", &Lead::name)
      .field("company", &Lead::company)
      .field("phone", &Lead::phone)
      .field("email", &Lead::email)
      .field("source", &Lead::source)
      .field("status", &Lead::status)
      .field("owner_id", &Lead::owner_id)
      .field("reason", &Lead::reason)
      .field("fields", &Lead::fields)
      .field("customer_id", &Lead::customer_id)
      .field("contact_id", &Lead::contact_id)
      .field("opportunity_id", &Lead::opportunity_id)
      .field("created_by", &Lead::created_by)
      .field("created_at", &Lead::created_at)
      .field("updated_at", &Lead::updated_at)
      .field("qualified_at", &Lead::qualified_at)
      .field("converted_at", &Lead::converted_at)
      .field("version", &Lead::version);

  Record<Opportunity>(m, "Opportunity", "An opportunity (商机) in the sales pipeline.")
      .field("id", &Opportunity::id)
      .field("customer_id", &Opportunity::customer_id)
      .field("title", &Opportunity::title)
      .field("amount", &Opportunity::amount)
      .field("owner_id", &Opportunity::owner_id)
      .field("close_date", &Opportunity::close_date)
      .field("stage", &Opportunity::stage)
      .field("probability", &Opportunity::probability)
      .field("probability_override", &Opportunity::probability_override)
      .field("status", &Opportunity::status)
      .field("lost_reason", &Opportunity::lost_reason)
      .field("lead_id", &Opportunity::lead_id)
      .field("fields", &Opportunity::fields)
      .field("locked_by_request", &Opportunity::locked_by_request)
      .field("created_by", &Opportunity::created_by)
      .field("created_at", &Opportunity::created_at)
      .field("updated_at", &Opportunity::updated_at)
      .field("closed_at", &Opportunity::closed_at)
      .field("version", &Opportunity::version)
      .extra("locked", [](const Opportunity& o) { return o.locked_by_request.has_value(); });

  Record<Document>(m, "Document", "A document attached to an opportunity (a quote, a contract, ...).")
      .field("id", &Document::id)
      .field("opportunity_id", &Document::opportunity_id)
      .field("kind", &Document::kind)
      .field("title", &Document::title)
      .field("amount", &Document::amount)
      .field("discount", &Document::discount)
      .field("fields", &Document::fields)
      .field("locked_by_request", &Document::locked_by_request)
      .field("created_by", &Document::created_by)
      .field("created_at", &Document::created_at)
      .field("updated_at", &Document::updated_at)
      .field("version", &Document::version);

  Record<ConvertResult>(m, "ConvertResult", "What leads.convert() created or matched.")
      .field("customer", &ConvertResult::customer)
      .field("contact", &ConvertResult::contact)
      .field("opportunity", &ConvertResult::opportunity)
      .field("matched_existing", &ConvertResult::matched_existing)
      .field("matched_on", &ConvertResult::matched_on)
      .field("lead", &ConvertResult::lead);

  m.def("normalize_phone", &normalize_phone, py::arg("phone"),
        "The E.164 key leads and customers are matched on (region CN by default); '' when not a valid number.");

  py::class_<Leads>(m, "Leads", "crm.leads: capture, qualify, disqualify, assign and convert leads.")
      .def(
          "add",
          [](Leads& s, py::kwargs kw) {
            auto in = split_input<LeadInput>(kw);
            py::gil_scoped_release release;
            return s.add(in);
          },
          "add(name=..., company=None, phone=None, email=None, source=None, owner=None, fields=None) -> Lead", Drain())
      .def("get", [](Leads& s, Ref l) { return s.get(l.id); }, py::arg("lead"), Release())
      .def(
          "update",
          [](Leads& s, Ref l, std::optional<std::int64_t> expected_version, py::kwargs kw) {
            auto in = split_input<LeadInput>(kw);
            py::gil_scoped_release release;
            return s.update(l.id, in, expected_version);
          },
          py::arg("lead"), py::arg("expected_version") = py::none(), Drain())
      .def("qualify", [](Leads& s, Ref l, std::optional<Ref> by) { return s.qualify(l.id, opt_id(by)); },
           py::arg("lead"), py::arg("by") = py::none(), Release())
      .def(
          "disqualify",
          [](Leads& s, Ref l, const std::string& reason, std::optional<Ref> by) {
            return s.disqualify(l.id, reason, opt_id(by));
          },
          py::arg("lead"), py::arg("reason"), py::arg("by") = py::none(), Release())
      .def("assign", [](Leads& s, Ref l, Ref to, std::optional<Ref> by) { return s.assign(l.id, to.id, opt_id(by)); },
           py::arg("lead"), py::arg("to"), py::arg("by") = py::none(), Release())
      .def(
          "find",
          [](Leads& s, std::optional<std::string> status, std::optional<std::string> source, std::optional<Ref> owner,
             std::optional<Integer> limit, Integer offset) {
            LeadQuery q;
            q.status = status;
            q.source = source;
            q.owner = opt_id(owner);
            q.limit = limit_arg(limit);
            q.offset = offset.value;
            return s.find(q);
          },
          py::arg("status") = py::none(), py::arg("source") = py::none(), py::arg("owner") = py::none(),
          py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release())
      .def(
          "list",
          [](Leads& s, std::optional<std::string> status, std::optional<std::string> source) {
            LeadQuery q;
            q.status = status;
            q.source = source;
            return s.find(q);
          },
          py::arg("status") = py::none(), py::arg("source") = py::none(), Release())
      .def(
          "convert",
          [](Leads& s, Ref l, std::optional<Ref> by, std::optional<py::dict> opportunity, bool create_opportunity) {
            ConvertInput in;
            in.by = opt_id(by);
            if (opportunity) in.opportunity = split_input<OpportunityInput>(*opportunity);
            in.create_opportunity = create_opportunity;
            py::gil_scoped_release release;
            return s.convert(l.id, in);
          },
          py::arg("lead"), py::arg("by") = py::none(), py::arg("opportunity") = py::none(),
          py::arg("create_opportunity") = true, Drain());

  py::class_<Opportunities>(m, "Opportunities", "crm.opportunities: the sales pipeline.")
      .def(
          "add",
          [](Opportunities& s, py::kwargs kw) {
            auto in = split_input<OpportunityInput>(kw);
            py::gil_scoped_release release;
            return s.add(in);
          },
          "add(customer=..., title=..., amount=0, owner=None, close_date=None, stage=None, probability=None, "
          "fields=None) -> Opportunity",
          Drain())
      .def("get", [](Opportunities& s, Ref o) { return s.get(o.id); }, py::arg("opportunity"), Release())
      .def(
          "update",
          [](Opportunities& s, Ref o, std::optional<std::int64_t> expected_version, std::optional<Ref> by,
             py::kwargs kw) {
            auto in = split_input<OpportunityInput>(kw);
            py::gil_scoped_release release;
            return s.update(o.id, in, expected_version, opt_id(by));
          },
          py::arg("opportunity"), py::arg("expected_version") = py::none(), py::arg("by") = py::none(), Drain())
      .def(
          "advance",
          [](Opportunities& s, Ref o, std::optional<std::string> stage, std::optional<Ref> by) {
            return s.advance(o.id, stage, opt_id(by));
          },
          py::arg("opportunity"), py::arg("stage") = py::none(), py::arg("by") = py::none(), Release(),
          "Moves to `stage` (default: the next). May start an approval; then the opportunity is locked.")
      .def("win", [](Opportunities& s, Ref o, std::optional<Ref> by) { return s.win(o.id, opt_id(by)); },
           py::arg("opportunity"), py::arg("by") = py::none(), Release())
      .def(
          "lose",
          [](Opportunities& s, Ref o, const std::string& reason, std::optional<Ref> by) {
            return s.lose(o.id, reason, opt_id(by));
          },
          py::arg("opportunity"), py::arg("reason"), py::arg("by") = py::none(), Release())
      .def(
          "reopen",
          [](Opportunities& s, Ref o, std::optional<std::string> stage, std::optional<Ref> by) {
            return s.reopen(o.id, stage, opt_id(by));
          },
          py::arg("opportunity"), py::arg("stage") = py::none(), py::arg("by") = py::none(), Release())
      .def(
          "find",
          [](Opportunities& s, std::optional<Ref> owner, std::optional<Ref> customer, std::optional<std::string> stage,
             std::optional<std::string> status, std::optional<std::string> where, std::optional<Integer> limit,
             Integer offset) {
            OpportunityQuery q;
            q.owner = opt_id(owner);
            q.customer = opt_id(customer);
            q.stage = stage;
            q.status = status;
            q.where = where;
            q.limit = limit_arg(limit);
            q.offset = offset.value;
            return s.find(q);
          },
          py::arg("owner") = py::none(), py::arg("customer") = py::none(), py::arg("stage") = py::none(),
          py::arg("status") = py::none(), py::arg("where") = py::none(), py::arg("limit") = py::none(),
          py::arg("offset") = Integer{0}, Release())
      .def("stage_history", [](Opportunities& s, Ref o) { return s.stage_history(o.id); }, py::arg("opportunity"),
           Release())
      .def("history", [](Opportunities& s, Ref o) { return s.history(o.id); }, py::arg("opportunity"), Release());

  py::class_<Documents>(m, "Documents", "crm.documents: quotes, contracts and other documents of opportunities.")
      .def(
          "add",
          [](Documents& s, Ref opportunity, const std::string& kind, py::kwargs kw) {
            auto in = split_input<DocumentInput>(kw);
            py::gil_scoped_release release;
            return s.add(opportunity.id, kind, in);
          },
          py::arg("opportunity"), py::arg("kind"), Drain())
      .def("get", [](Documents& s, Ref d) { return s.get(d.id); }, py::arg("document"), Release())
      .def(
          "update",
          [](Documents& s, Ref d, std::optional<std::int64_t> expected_version, py::kwargs kw) {
            auto in = split_input<DocumentInput>(kw);
            py::gil_scoped_release release;
            return s.update(d.id, in, expected_version);
          },
          py::arg("document"), py::arg("expected_version") = py::none(), Drain())
      .def("list", [](Documents& s, Ref o) { return s.list(o.id); }, py::arg("opportunity"), Release())
      .def("kinds", &Documents::kinds, Release())
      .def("define_kind", &Documents::define_kind, py::arg("kind"), Release());
}

}  // namespace crmkit::bindings
