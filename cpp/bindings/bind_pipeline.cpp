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
        "Returns the E.164 key leads and customers are matched on (region CN by default); '' when it is not a "
        "valid number. Raises nothing.");

  py::class_<Leads>(m, "Leads", "crm.leads: capture, qualify, disqualify, assign and convert leads.")
      .def(
          "add",
          [](Leads& s, const TextKw& name, const OptTextKw& company, const OptTextKw& phone, const OptTextKw& email,
             const OptTextKw& source, const OptEntityKw& owner, const FieldsKw& fields, const py::kwargs& extra) {
            auto in = split_input<LeadInput>(keywords(
                {{"name", &name}, {"company", &company}, {"phone", &phone}, {"email", &email}, {"source", &source}, {"owner", &owner}, {"fields", &fields}}, extra));
            py::gil_scoped_release release;
            return s.add(in);
          },
          kw("name"), py::kw_only(), kw("company"), kw("phone"), kw("email"), kw("source"), kw("owner"),
          kw("fields"), Drain(),
          "Captures a lead (status 'new').\n\n"
          "Returns the new Lead. Raises ValidationError for a missing name, a bad value or an unknown keyword, "
          "NotFound for an unknown owner.")
      .def("get", [](Leads& s, Ref l) { return s.get(l.id); }, py::arg("lead"), Release(),
          "Returns the Lead. Raises NotFound for an unknown id or one outside the view's scope.")
      .def(
          "update",
          [](Leads& s, Ref l, std::optional<std::int64_t> expected_version, const TextKw& name,
             const OptTextKw& company, const OptTextKw& phone, const OptTextKw& email, const OptTextKw& source,
             const OptEntityKw& owner, const FieldsKw& fields, const py::kwargs& extra) {
            auto in = split_input<LeadInput>(keywords(
                {{"name", &name}, {"company", &company}, {"phone", &phone}, {"email", &email}, {"source", &source}, {"owner", &owner}, {"fields", &fields}}, extra));
            py::gil_scoped_release release;
            return s.update(l.id, in, expected_version);
          },
          py::arg("lead"), py::arg("expected_version") = py::none(), py::kw_only(), kw("name"), kw("company"),
          kw("phone"), kw("email"), kw("source"), kw("owner"), kw("fields"), Drain(),
          "Changes the given attributes (None clears an optional one; the status changes only through "
          "qualify, disqualify and convert).\n\n"
          "Returns the updated Lead. Raises NotFound, Conflict when `expected_version` is stale, "
          "ValidationError for a bad value or an unknown keyword.")
      .def("qualify", [](Leads& s, Ref l, std::optional<Ref> by) { return s.qualify(l.id, opt_id(by)); },
           py::arg("lead"), py::arg("by") = py::none(), Release(),
          "Marks a lead qualified. Returns the updated Lead. Raises NotFound, Conflict when it is qualified or "
          "converted already, PermissionDenied outside the view's scope.")
      .def(
          "disqualify",
          [](Leads& s, Ref l, const std::string& reason, std::optional<Ref> by) {
            return s.disqualify(l.id, reason, opt_id(by));
          },
          py::arg("lead"), py::arg("reason"), py::arg("by") = py::none(), Release(),
          "Marks a lead disqualified with a reason. Returns the updated Lead. Raises NotFound, Conflict when it "
          "is disqualified or converted already, ValidationError for an empty reason, PermissionDenied outside "
          "the view's scope.")
      .def("assign", [](Leads& s, Ref l, Ref to, std::optional<Ref> by) { return s.assign(l.id, to.id, opt_id(by)); },
           py::arg("lead"), py::arg("to"), py::arg("by") = py::none(), Release(),
          "Gives a lead to another user. Returns the updated Lead. Raises NotFound for an unknown lead or user, "
          "PermissionDenied outside the view's scope.")
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
          py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Release(),
          "Leads filtered by status, source and owner. Returns a Table. Raises ValidationError for an unknown "
          "status or a bad limit.")
      .def(
          "list",
          [](Leads& s, std::optional<std::string> status, std::optional<std::string> source) {
            LeadQuery q;
            q.status = status;
            q.source = source;
            return s.find(q);
          },
          py::arg("status") = py::none(), py::arg("source") = py::none(), Release(),
          "Every lead with the given status and source. Returns a Table. Raises ValidationError for an unknown "
          "status.")
      .def(
          "convert",
          [](Leads& s, Ref l, std::optional<Ref> by, std::optional<py::dict> opportunity, Flag create_opportunity) {
            ConvertInput in;
            in.by = opt_id(by);
            if (opportunity) in.opportunity = split_input<OpportunityInput>(*opportunity);
            in.create_opportunity = create_opportunity;
            py::gil_scoped_release release;
            return s.convert(l.id, in);
          },
          py::arg("lead"), py::arg("by") = py::none(), py::arg("opportunity") = py::none(),
          py::arg("create_opportunity") = true, Drain(),
          "Converts a lead into a customer (or matches an existing one on phone, e-mail or name), a contact "
          "and, unless create_opportunity=False, an opportunity (`opportunity` gives its attributes). Returns a "
          "ConvertResult. Raises NotFound, ValidationError when the lead was disqualified or for a bad "
          "opportunity attribute, Conflict when it was converted already, PermissionDenied outside the view's "
          "scope.");

  py::class_<Opportunities>(m, "Opportunities", "crm.opportunities: the sales pipeline.")
      .def(
          "add",
          [](Opportunities& s, const EntityKw& customer, const TextKw& title, const NumberKw& amount,
             const OptEntityKw& owner, const OptDateKw& close_date, const TextKw& stage,
             const OptNumberKw& probability, const FieldsKw& fields, const py::kwargs& extra) {
            auto in = split_input<OpportunityInput>(keywords(
                {{"customer", &customer}, {"title", &title}, {"amount", &amount}, {"owner", &owner}, {"close_date", &close_date}, {"stage", &stage}, {"probability", &probability}, {"fields", &fields}}, extra));
            py::gil_scoped_release release;
            return s.add(in);
          },
          py::kw_only(), kw("customer"), kw("title"), kw("amount"), kw("owner"), kw("close_date"), kw("stage"),
          kw("probability"), kw("fields"), Drain(),
          "Opens an opportunity for `customer` (amount 0 and the first pipeline stage unless given; "
          "`probability` overrides the stage's).\n\n"
          "Returns the new Opportunity. Raises ValidationError for a missing customer or title, a bad value "
          "or an unknown keyword, NotFound for an unknown customer or owner, PermissionDenied for a customer "
          "outside the view's scope.")
      .def("get", [](Opportunities& s, Ref o) { return s.get(o.id); }, py::arg("opportunity"), Release(),
          "Returns the Opportunity. Raises NotFound for an unknown id or one outside the view's scope.")
      .def(
          "update",
          [](Opportunities& s, Ref o, std::optional<std::int64_t> expected_version, std::optional<Ref> by,
             const EntityKw& customer, const TextKw& title, const NumberKw& amount, const OptEntityKw& owner,
             const OptDateKw& close_date, const TextKw& stage, const OptNumberKw& probability,
             const FieldsKw& fields, const py::kwargs& extra) {
            auto in = split_input<OpportunityInput>(keywords(
                {{"customer", &customer}, {"title", &title}, {"amount", &amount}, {"owner", &owner}, {"close_date", &close_date}, {"stage", &stage}, {"probability", &probability}, {"fields", &fields}}, extra));
            py::gil_scoped_release release;
            return s.update(o.id, in, expected_version, opt_id(by));
          },
          py::arg("opportunity"), py::arg("expected_version") = py::none(), py::arg("by") = py::none(),
          py::kw_only(), kw("customer"), kw("title"), kw("amount"), kw("owner"), kw("close_date"), kw("stage"),
          kw("probability"), kw("fields"), Drain(),
          "Changes the given attributes (probability None: the stage's again; a stage change may start an "
          "approval; the status changes only through win, lose and reopen).\n\n"
          "Returns the updated Opportunity. Raises NotFound, Conflict when `expected_version` is stale or "
          "the opportunity is locked by a pending approval, ValidationError for a bad value or an unknown "
          "keyword, PermissionDenied outside the view's scope.")
      .def(
          "advance",
          [](Opportunities& s, Ref o, std::optional<std::string> stage, std::optional<Ref> by) {
            return s.advance(o.id, stage, opt_id(by));
          },
          py::arg("opportunity"), py::arg("stage") = py::none(), py::arg("by") = py::none(), Release(),
          "Moves to `stage` (default: the next). May start an approval; then the opportunity is locked until it "
          "ends. Returns the updated Opportunity. Raises NotFound, ValidationError for an unknown stage, the "
          "stage it is in or a move past the last, Conflict when it is locked by a pending approval, "
          "PermissionDenied outside the view's scope.")
      .def("win", [](Opportunities& s, Ref o, std::optional<Ref> by) { return s.win(o.id, opt_id(by)); },
           py::arg("opportunity"), py::arg("by") = py::none(), Release(),
          "Marks an opportunity won. Returns the updated Opportunity. Raises NotFound, Conflict when it is "
          "locked by a pending approval or closed already, PermissionDenied outside the view's scope.")
      .def(
          "lose",
          [](Opportunities& s, Ref o, const std::string& reason, std::optional<Ref> by) {
            return s.lose(o.id, reason, opt_id(by));
          },
          py::arg("opportunity"), py::arg("reason"), py::arg("by") = py::none(), Release(),
          "Marks an opportunity lost with a reason. Returns the updated Opportunity. Raises NotFound, "
          "ValidationError for an empty reason, Conflict when it is locked or closed already, PermissionDenied "
          "outside the view's scope.")
      .def(
          "reopen",
          [](Opportunities& s, Ref o, std::optional<std::string> stage, std::optional<Ref> by) {
            return s.reopen(o.id, stage, opt_id(by));
          },
          py::arg("opportunity"), py::arg("stage") = py::none(), py::arg("by") = py::none(), Release(),
          "Reopens a won or lost opportunity at `stage` (default: its last). Returns the updated Opportunity. "
          "Raises NotFound, Conflict when it is open, ValidationError for an unknown stage, PermissionDenied "
          "outside the view's scope.")
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
          py::arg("offset") = Integer{0}, Release(),
          "Opportunities filtered by owner, customer, stage, status and a `where` rule. Returns a Table. Raises "
          "ValidationError for a bad filter or limit, RuleSyntaxError for a bad rule.")
      .def("stage_history", [](Opportunities& s, Ref o) { return s.stage_history(o.id); }, py::arg("opportunity"),
           Release(),
          "Returns the opportunity's stage changes as a Table (at, from_stage, to_stage, by), oldest first. "
          "Raises NotFound.")
      .def("history", [](Opportunities& s, Ref o) { return s.history(o.id); }, py::arg("opportunity"), Release(),
          "Returns the opportunity's change history as a Table (at, by, field, old, new), oldest first. Raises "
          "NotFound.");

  py::class_<Documents>(m, "Documents", "crm.documents: quotes, contracts and other documents of opportunities.")
      .def(
          "add",
          [](Documents& s, Ref opportunity, const std::string& kind, const TextKw& title, const OptNumberKw& amount,
             const OptNumberKw& discount, const FieldsKw& fields, const py::kwargs& extra) {
            auto in = split_input<DocumentInput>(keywords({{"title", &title}, {"amount", &amount}, {"discount", &discount}, {"fields", &fields}}, extra));
            py::gil_scoped_release release;
            return s.add(opportunity.id, kind, in);
          },
          py::arg("opportunity"), py::arg("kind"), py::kw_only(), kw("title"), kw("amount"), kw("discount"),
          kw("fields"), Drain(),
          "Attaches a document of a defined `kind` (a quote, a contract, ...) to an opportunity; `discount` "
          "is a fraction (0.2 for 20%).\n\n"
          "Returns the new Document. Raises NotFound for an unknown opportunity, ValidationError for an "
          "unknown kind, a missing title, a bad value or an unknown keyword.")
      .def("get", [](Documents& s, Ref d) { return s.get(d.id); }, py::arg("document"), Release(),
          "Returns the Document. Raises NotFound for an unknown id or one outside the view's scope.")
      .def(
          "update",
          [](Documents& s, Ref d, std::optional<std::int64_t> expected_version, const TextKw& title,
             const OptNumberKw& amount, const OptNumberKw& discount, const FieldsKw& fields,
             const py::kwargs& extra) {
            auto in = split_input<DocumentInput>(keywords({{"title", &title}, {"amount", &amount}, {"discount", &discount}, {"fields", &fields}}, extra));
            py::gil_scoped_release release;
            return s.update(d.id, in, expected_version);
          },
          py::arg("document"), py::arg("expected_version") = py::none(), py::kw_only(), kw("title"), kw("amount"),
          kw("discount"), kw("fields"), Drain(),
          "Changes the given attributes (None clears amount or discount).\n\n"
          "Returns the updated Document. Raises NotFound, Conflict when `expected_version` is stale or the "
          "document is locked by a pending approval, ValidationError for a bad value or an unknown keyword.")
      .def("list", [](Documents& s, Ref o) { return s.list(o.id); }, py::arg("opportunity"), Release(),
          "Returns the documents of an opportunity as a Table. Raises NotFound for an unknown or invisible "
          "opportunity.")
      .def("kinds", &Documents::kinds, Release(),
          "Returns the defined document kinds. Raises nothing.")
      .def("define_kind", &Documents::define_kind, py::arg("kind"), Release(),
          "Defines a document kind (such as 'quote' or 'contract'; defining one twice is harmless). Returns "
          "None. Raises ValidationError for an empty or overlong kind, PermissionDenied unless the view "
          "administers.");
}

}  // namespace crmkit::bindings
