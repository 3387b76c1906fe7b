// Workflow definitions, the approval engine, and the audit ledger.
#include "common.hpp"
#include "crmkit/context.hpp"
#include "crmkit/workflow/approvals.hpp"
#include "crmkit/workflow/ledger.hpp"
#include "crmkit/workflow/workflows.hpp"

namespace crmkit::bindings {

// crm.approvals: a handle over the view's context, so that request records can offer history().
struct ApprovalsHandle {
  Context ctx;
};

namespace {

using namespace workflow;

// A request snapshot that can fetch its own history.
struct RequestView {
  Request r;
  Context ctx;
};

// A definition given as a dict (records with .id, such as users, become their ids) or as JSON text.
std::string definition_text(const py::handle& obj) {
  if (py::isinstance<py::str>(obj)) return obj.cast<std::string>();
  if (!py::isinstance<py::dict>(obj))
    throw WorkflowError("a workflow definition is a dict or JSON text, not " +
                        py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  auto json = py::module_::import("json");
  py::cpp_function to_id([](py::handle o) -> py::object {
    if (auto id = detail::id_of(o)) return py::int_(*id);
    throw WorkflowError("a workflow definition may hold only JSON values (and records with an id), not " +
                        py::str(py::type::of(o).attr("__name__")).cast<std::string>());
  });
  try {
    return json.attr("dumps")(obj, py::arg("ensure_ascii") = false, py::arg("default") = to_id).cast<std::string>();
  } catch (py::error_already_set& e) {
    if (e.matches(PyExc_ValueError) || e.matches(PyExc_TypeError))
      throw WorkflowError(std::string("the workflow definition cannot be written as JSON: ") + e.what());
    if (e.matches(PyExc_RecursionError))  // json.dumps gives up on deep nesting before we could
      throw WorkflowError("the workflow definition nests too deeply to be written as JSON");
    throw;
  }
}

RequestView view(const ApprovalsHandle& h, Request r) { return RequestView{std::move(r), h.ctx}; }

}  // namespace

py::object make_approvals(const Context& ctx) { return py::cast(ApprovalsHandle{ctx}); }

void init_workflow(py::module_& m) {
  Record<Problem> problem(m, "Problem", "One problem of a workflow definition, at its JSON path.");
  problem.field("path", &Problem::path).field("message", &Problem::message);
  problem.cls().def("__str__", [](const Problem& p) { return p.path + ": " + p.message; });

  Record<WorkflowInfo>(m, "Workflow", "One version of a workflow definition.")
      .field("id", &WorkflowInfo::id)
      .field("name", &WorkflowInfo::name)
      .field("version", &WorkflowInfo::version)
      .field("entity", &WorkflowInfo::entity)
      .field("trigger", &WorkflowInfo::trigger)
      .field("active", &WorkflowInfo::active)
      .field("definition", &WorkflowInfo::definition)
      .field("created_at", &WorkflowInfo::created_at);

  Record<RoutedApprover>(m, "RoutedApprover", "A user a step would ask, and why.")
      .field("user_id", &RoutedApprover::user_id)
      .field("login", &RoutedApprover::login)
      .field("name", &RoutedApprover::name)
      .field("reason", &RoutedApprover::reason);

  Record<RouteStep>(m, "RouteStep", "One step of a simulated route.")
      .field("name", &RouteStep::name)
      .field("runs", &RouteStep::runs)
      .field("reason", &RouteStep::reason)
      .field("mode", &RouteStep::mode)
      .field("quorum", &RouteStep::quorum)
      .field("approvers", &RouteStep::approvers)
      .field("sla_hours", &RouteStep::sla_hours)
      .field("escalate_to", &RouteStep::escalate_to)
      .field("auto_decision", &RouteStep::auto_decision)
      .field("notes", &RouteStep::notes);

  Record<Route>(m, "Route", "The route a record would take through a workflow (nothing written).")
      .field("workflow", &Route::workflow)
      .field("version", &Route::version)
      .field("entity_id", &Route::entity_id)
      .field("applies", &Route::applies)
      .field("reason", &Route::reason)
      .field("steps", &Route::steps);

  Record<ReplayResult>(m, "ReplayResult", "Existing records routed through a draft definition.")
      .field("routes", &ReplayResult::routes)
      .field("records", &ReplayResult::records)
      .field("requests", &ReplayResult::requests)
      .field("per_step", &ReplayResult::per_step)
      .field("per_approver", &ReplayResult::per_approver);

  Record<RequestView> req(m, "ApprovalRequest", "An approval request (a snapshot).");
  req.field("id", &RequestView::r, &Request::id)
      .field("workflow", &RequestView::r, &Request::workflow)
      .field("workflow_version", &RequestView::r, &Request::workflow_version)
      .field("entity", &RequestView::r, &Request::entity)
      .field("entity_id", &RequestView::r, &Request::entity_id)
      .field("submitter_id", &RequestView::r, &Request::submitter_id)
      .field("status", &RequestView::r, &Request::status)
      .field("current_step", &RequestView::r, &Request::current_step)
      .field("round", &RequestView::r, &Request::round)
      .field("created_at", &RequestView::r, &Request::created_at)
      .field("updated_at", &RequestView::r, &Request::updated_at)
      .field("ended_at", &RequestView::r, &Request::ended_at)
      .field("version", &RequestView::r, &Request::version);
  req.cls()
      .def(
          "history", [](const RequestView& v) { return Approvals(v.ctx).history(v.r.id); }, Release(),
          "The ledger entries of this request, oldest first (a Table).")
      .def(
          "steps", [](const RequestView& v) { return Approvals(v.ctx).steps(v.r.id); }, Release(),
          "The step instances of every round with their approvers and routing trace (a Table).");

  Record<BatchResult>(m, "BatchResult", "The outcome of one request in approve_many().")
      .field("request_id", &BatchResult::request_id)
      .field("ok", &BatchResult::ok)
      .field("status", &BatchResult::status)
      .field("current_step", &BatchResult::current_step)
      .field("error", &BatchResult::error)
      .field("message", &BatchResult::message);

  Record<Delegation>(m, "Delegation", "A delegation of approvals for a time window.")
      .field("id", &Delegation::id)
      .field("delegator_id", &Delegation::delegator_id)
      .field("delegate_id", &Delegation::delegate_id)
      .field("start", &Delegation::start)
      .field("end", &Delegation::end);

  Record<Verification> ver(m, "Verification", "The result of audit.verify().");
  ver.field("ok", &Verification::ok)
      .field("entries", &Verification::entries)
      .field("first_bad", &Verification::first_bad)
      .field("reason", &Verification::reason)
      .field("head", &Verification::head);
  ver.cls().def("__bool__", [](const Verification& v) { return v.ok; });

  py::class_<Workflows>(m, "Workflows", "crm.workflows: approval workflow definitions (data, versioned).")
      .def(
          "define",
          [](Workflows& s, py::object definition) {
            auto text = definition_text(definition);
            py::gil_scoped_release release;
            return s.define(text);
          },
          py::arg("definition"), Drain(),
          "Stores a sound definition as a new version; WorkflowError lists every problem otherwise.")
      .def(
          "validate",
          [](Workflows& s, py::object definition) {
            std::string text;
            try {
              text = definition_text(definition);
            } catch (const WorkflowError& e) {
              return std::vector<Problem>{{"$", e.what()}};
            }
            py::gil_scoped_release release;
            return s.validate(text);
          },
          py::arg("definition"), Drain(), "Every problem of a definition with its JSON path; [] when sound.")
      .def("get", &Workflows::get, py::arg("name"), py::arg("version") = py::none(), Release())
      .def("list", &Workflows::list, py::arg("all_versions") = false, Release())
      .def("deactivate", &Workflows::deactivate, py::arg("name"), Release())
      .def(
          "simulate",
          [](Workflows& s, const std::string& name, py::object record, std::optional<Ref> by) {
            std::map<std::string, Value> values;
            std::optional<std::int64_t> entity_id;
            if (py::isinstance<py::dict>(record))
              values = to_value_map(record.cast<py::dict>());
            else if (auto id = detail::id_of(record))
              entity_id = *id;
            else
              throw ValidationError("record: expected a dict of field values or a record id", "record");
            py::gil_scoped_release release;
            return s.simulate(name, values, entity_id, opt_id(by));
          },
          py::arg("name"), py::arg("record"), py::arg("by") = py::none(), Drain(),
          "The route a record (a dict of field values, or an existing record's id) would take; writes nothing.")
      .def(
          "replay",
          [](Workflows& s, py::object definition, std::optional<std::string> where) {
            auto text = definition_text(definition);
            py::gil_scoped_release release;
            return s.replay(text, where);
          },
          py::arg("definition"), py::arg("where") = py::none(), Drain(),
          "Routes every existing record matching `where` through a draft definition; writes nothing.");

  py::class_<ApprovalsHandle>(m, "Approvals", "crm.approvals: the approval engine.")
      .def(
          "submit",
          [](ApprovalsHandle& h, const std::string& entity, Ref record, std::optional<std::string> workflow,
             std::optional<Ref> by, std::optional<std::string> comment) {
            return view(h, Approvals(h.ctx).submit(entity, record.id, workflow, opt_id(by), comment));
          },
          py::arg("entity"), py::arg("record"), py::arg("workflow") = py::none(), py::arg("by") = py::none(),
          py::arg("comment") = py::none(), Release())
      .def(
          "approve",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment,
             std::optional<std::string> step) {
            return view(h, Approvals(h.ctx).approve(r.id, opt_id(by), comment, step));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), py::arg("step") = py::none(),
          Release())
      .def(
          "reject",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment,
             std::optional<std::string> step) {
            return view(h, Approvals(h.ctx).reject(r.id, opt_id(by), comment, step));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), py::arg("step") = py::none(),
          Release())
      .def(
          "approve_many",
          [](ApprovalsHandle& h, std::vector<Ref> ids, std::optional<Ref> by, std::optional<std::string> comment) {
            std::vector<std::int64_t> raw;
            for (auto r : ids) raw.push_back(r.id);
            return Approvals(h.ctx).approve_many(raw, opt_id(by), comment);
          },
          py::arg("requests"), py::arg("by") = py::none(), py::arg("comment") = py::none(), Release(),
          "Approves each request in its own transaction; a result per request.")
      .def(
          "recall",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment) {
            return view(h, Approvals(h.ctx).recall(r.id, opt_id(by), comment));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), Release())
      .def(
          "resubmit",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment) {
            return view(h, Approvals(h.ctx).resubmit(r.id, opt_id(by), comment));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), Release())
      .def("get", [](ApprovalsHandle& h, Ref r) { return view(h, Approvals(h.ctx).get(r.id)); }, py::arg("request"),
           Release())
      .def("history", [](ApprovalsHandle& h, Ref r) { return Approvals(h.ctx).history(r.id); }, py::arg("request"),
           Release())
      .def("steps", [](ApprovalsHandle& h, Ref r) { return Approvals(h.ctx).steps(r.id); }, py::arg("request"),
           Release())
      .def(
          "list",
          [](ApprovalsHandle& h, std::optional<std::string> status, std::optional<std::string> entity,
             std::optional<Ref> record) { return Approvals(h.ctx).list(status, entity, opt_id(record)); },
          py::arg("status") = py::none(), py::arg("entity") = py::none(), py::arg("record") = py::none(), Release())
      .def(
          "delegate",
          [](ApprovalsHandle& h, Ref user, Ref to, const TimeArg& start, const TimeArg& end) {
            return Approvals(h.ctx).delegate(user.id, to.id, start.resolve("start"), end.resolve("end"));
          },
          py::arg("user"), py::arg("to"), py::arg("start"), py::arg("end"), Release())
      .def("revoke_delegation", [](ApprovalsHandle& h, Ref d) { Approvals(h.ctx).revoke_delegation(d.id); },
           py::arg("delegation"), Release())
      .def(
          "delegations", [](ApprovalsHandle& h, std::optional<Ref> user) { return Approvals(h.ctx).delegations(opt_id(user)); },
          py::arg("user") = py::none(), Release())
      .def("inbox", [](ApprovalsHandle& h, Ref user) { return Approvals(h.ctx).inbox(user.id); }, py::arg("user"),
           Release())
      .def("escalate_overdue", [](ApprovalsHandle& h) { return Approvals(h.ctx).escalate_overdue(); }, Release());

  py::class_<Audit>(m, "Audit", "crm.audit: the hash-chained approval ledger.")
      .def("head", &Audit::head, Release(), "The latest ledger hash ('' when empty), to keep elsewhere.")
      .def("verify", &Audit::verify, py::arg("expected_head") = py::none(), Release())
      .def(
          "entries",
          [](Audit& a, std::optional<Integer> after, std::optional<Integer> limit) {
            return a.entries(after ? std::optional<std::int64_t>(after->value) : std::nullopt, limit_arg(limit));
          },
          py::arg("after") = py::none(), py::arg("limit") = py::none(), Release());
}

}  // namespace crmkit::bindings
