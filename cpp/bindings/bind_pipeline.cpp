// Leads, opportunities, documents.
#include "common.hpp"
#include "crmkit/pipeline/leads.hpp"
#include "crmkit/pipeline/opportunities.hpp"

namespace crmkit::bindings {
namespace {

using namespace pipeline;

std::optional<std::int64_t> opt_id(const std::optional<Ref>& r) {
  return r ? std::optional<std::int64_t>(r->id) : std::nullopt;
}

// kwargs (or a dict) → attributes and custom fields.
template <typename Input>
Input split_input(const py::dict& kw) {
  Input in;
  for (auto item : kw) {
    std::string key = py::str(item.first);
    if (key == "fields") {
      if (item.second.is_none()) continue;
      if (!py::isinstance<py::dict>(item.second)) throw ValidationError("fields must be a dict", "fields");
      in.fields = to_value_map(item.second.cast<py::dict>());
    } else {
      in.attrs[key] = detail::to_value(item.second);
    }
  }
  return in;
}

}  // namespace

void init_pipeline(py::module_& m) {
  auto lead = py::class_<Lead>(m, "Lead", "A lead (线索): a prospect not yet a customer.")
                  .def_readonly("id", &Lead::id)
                  .def_readonly("name", &Lead::name)
                  .def_readonly("company", &Lead::company)
                  .def_readonly("phone", &Lead::phone)
                  .def_readonly("email", &Lead::email)
                  .def_readonly("source", &Lead::source)
                  .def_readonly("status", &Lead::status)
                  .def_readonly("owner_id", &Lead::owner_id)
                  .def_readonly("reason", &Lead::reason)
                  .def_readonly("fields", &Lead::fields)
                  .def_readonly("customer_id", &Lead::customer_id)
                  .def_readonly("contact_id", &Lead::contact_id)
                  .def_readonly("opportunity_id", &Lead::opportunity_id)
                  .def_readonly("created_by", &Lead::created_by)
                  .def_readonly("created_at", &Lead::created_at)
                  .def_readonly("updated_at", &Lead::updated_at)
                  .def_readonly("qualified_at", &Lead::qualified_at)
                  .def_readonly("converted_at", &Lead::converted_at)
                  .def_readonly("version", &Lead::version);
  set_record_fields(lead, {"id", "name", "company", "phone", "email", "source", "status", "owner_id", "reason",
                           "fields", "customer_id", "contact_id", "opportunity_id", "created_by", "created_at",
                           "updated_at", "qualified_at", "converted_at", "version"});

  auto opp = py::class_<Opportunity>(m, "Opportunity", "An opportunity (商机) in the sales pipeline.")
                 .def_readonly("id", &Opportunity::id)
                 .def_readonly("customer_id", &Opportunity::customer_id)
                 .def_readonly("title", &Opportunity::title)
                 .def_readonly("amount", &Opportunity::amount)
                 .def_readonly("owner_id", &Opportunity::owner_id)
                 .def_readonly("close_date", &Opportunity::close_date)
                 .def_readonly("stage", &Opportunity::stage)
                 .def_readonly("probability", &Opportunity::probability)
                 .def_readonly("probability_override", &Opportunity::probability_override)
                 .def_readonly("status", &Opportunity::status)
                 .def_readonly("lost_reason", &Opportunity::lost_reason)
                 .def_readonly("lead_id", &Opportunity::lead_id)
                 .def_readonly("fields", &Opportunity::fields)
                 .def_readonly("locked_by_request", &Opportunity::locked_by_request)
                 .def_readonly("created_by", &Opportunity::created_by)
                 .def_readonly("created_at", &Opportunity::created_at)
                 .def_readonly("updated_at", &Opportunity::updated_at)
                 .def_readonly("closed_at", &Opportunity::closed_at)
                 .def_readonly("version", &Opportunity::version)
                 .def_property_readonly("locked", [](const Opportunity& o) { return o.locked_by_request.has_value(); });
  set_record_fields(opp, {"id", "customer_id", "title", "amount", "owner_id", "close_date", "stage", "probability",
                          "probability_override", "status", "lost_reason", "lead_id", "fields", "locked_by_request",
                          "created_by", "created_at", "updated_at", "closed_at", "version"});

  auto doc = py::class_<Document>(m, "Document", "A document attached to an opportunity (a quote, a contract, ...).")
                 .def_readonly("id", &Document::id)
                 .def_readonly("opportunity_id", &Document::opportunity_id)
                 .def_readonly("kind", &Document::kind)
                 .def_readonly("title", &Document::title)
                 .def_readonly("amount", &Document::amount)
                 .def_readonly("discount", &Document::discount)
                 .def_readonly("fields", &Document::fields)
                 .def_readonly("locked_by_request", &Document::locked_by_request)
                 .def_readonly("created_by", &Document::created_by)
                 .def_readonly("created_at", &Document::created_at)
                 .def_readonly("updated_at", &Document::updated_at)
                 .def_readonly("version", &Document::version);
  set_record_fields(doc, {"id", "opportunity_id", "kind", "title", "amount", "discount", "fields", "locked_by_request",
                          "created_by", "created_at", "updated_at", "version"});

  auto conv = py::class_<ConvertResult>(m, "ConvertResult", "What leads.convert() created or matched.")
                  .def_readonly("customer", &ConvertResult::customer)
                  .def_readonly("contact", &ConvertResult::contact)
                  .def_readonly("opportunity", &ConvertResult::opportunity)
                  .def_readonly("matched_existing", &ConvertResult::matched_existing)
                  .def_readonly("matched_on", &ConvertResult::matched_on)
                  .def_readonly("lead", &ConvertResult::lead);
  set_record_fields(conv, {"customer", "contact", "opportunity", "matched_existing", "matched_on", "lead"});

  m.def("normalize_phone", &normalize_phone, py::arg("phone"),
        "Digits only, +86/0086 removed: the key leads and customers are matched on.");

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
             std::optional<std::int64_t> limit, std::int64_t offset) {
            LeadQuery q;
            q.status = status;
            q.source = source;
            q.owner = opt_id(owner);
            if (limit) q.limit = *limit;
            q.offset = offset;
            return s.find(q);
          },
          py::arg("status") = py::none(), py::arg("source") = py::none(), py::arg("owner") = py::none(),
          py::arg("limit") = py::none(), py::arg("offset") = 0, Release())
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
             std::optional<std::string> status, std::optional<std::string> where, std::optional<std::int64_t> limit,
             std::int64_t offset) {
            OpportunityQuery q;
            q.owner = opt_id(owner);
            q.customer = opt_id(customer);
            q.stage = stage;
            q.status = status;
            q.where = where;
            if (limit) q.limit = *limit;
            q.offset = offset;
            return s.find(q);
          },
          py::arg("owner") = py::none(), py::arg("customer") = py::none(), py::arg("stage") = py::none(),
          py::arg("status") = py::none(), py::arg("where") = py::none(), py::arg("limit") = py::none(),
          py::arg("offset") = 0, Release())
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
