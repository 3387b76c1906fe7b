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
                        detail::type_name_of(obj));
  auto json = py::module_::import("json");
  py::cpp_function to_id([](py::handle o) -> py::object {
    if (auto id = detail::id_of(o)) return py::int_(*id);
    throw WorkflowError("a workflow definition may hold only JSON values (and records with an id), not " +
                        detail::type_name_of(o));
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

// The view a request was read through; an unpickled request has none.
const Context& live_view(const RequestView& v) {
  if (!v.ctx.engine)
    throw StorageError("this ApprovalRequest was unpickled and belongs to no open CRM; read it again with "
                       "crm.approvals.get(id)");
  return v.ctx;
}

}  // namespace

py::object make_approvals(const Context& ctx) { return py::cast(ApprovalsHandle{ctx}); }

void init_workflow(py::module_& m) {
  Record<Problem> problem(m, "Problem", "One problem of a workflow definition, at its JSON path.");
  problem.field("path", &Problem::path).field("message", &Problem::message);
  problem.cls().def("__str__", [](const Problem& p) { return p.path + ": " + p.message; },
      "The problem as 'path: message'.");

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
          "history", [](const RequestView& v) { return Approvals(live_view(v)).history(v.r.id); }, Release(),
          "Returns the ledger entries of this request, oldest first, as a Table. Raises StorageError when the "
          "request was unpickled (it belongs to no open CRM) or the CRM is closed.")
      .def(
          "steps", [](const RequestView& v) { return Approvals(live_view(v)).steps(v.r.id); }, Release(),
          "Returns the step instances of every round with their approvers and routing trace, as a Table. Raises "
          "StorageError when the request was unpickled or the CRM is closed.");

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
          "Stores a sound definition (a dict or JSON text) as the workflow's next version. Returns the "
          "Workflow. Raises WorkflowError listing every problem otherwise, PermissionDenied unless the view "
          "administers.")
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
          py::arg("definition"), Drain(), "Checks a definition without storing it. Returns every Problem with its JSON path ([] when sound). "
                                          "Raises nothing for a bad definition.")
      .def("get", &Workflows::get, py::arg("name"), py::arg("version") = py::none(), Release(),
          "Returns the active version of a workflow, or version `version`. Raises NotFound for an unknown "
          "workflow or version.")
      .def("list", [](Workflows& s, Flag all_versions) { return s.list(all_versions); }, py::arg("all_versions") = false, Release(),
          "Returns the workflows as a Table (their active versions, or every version with all_versions=True). "
          "Raises nothing.")
      .def("deactivate", &Workflows::deactivate, py::arg("name"), Release(),
          "Stops a workflow from starting new requests (running ones continue). Returns None. Raises NotFound, "
          "PermissionDenied unless the view administers.")
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
          "The route a record (a dict of field values, or an existing record's id) would take through workflow "
          "`name`; writes nothing. Returns a Route with its steps and their approvers. Raises NotFound for an "
          "unknown workflow or record, ValidationError for a bad record.")
      .def(
          "replay",
          [](Workflows& s, py::object definition, std::optional<std::string> where) {
            auto text = definition_text(definition);
            py::gil_scoped_release release;
            return s.replay(text, where);
          },
          py::arg("definition"), py::arg("where") = py::none(), Drain(),
          "Routes every existing record matching `where` through a draft definition; writes nothing. Returns a "
          "ReplayResult (routes, counts per step and approver). Raises WorkflowError for an unsound definition, "
          "RuleSyntaxError for a bad rule.");

  py::class_<ApprovalsHandle>(m, "Approvals", "crm.approvals: the approval engine.")
      .def(
          "submit",
          [](ApprovalsHandle& h, const std::string& entity, Ref record, std::optional<std::string> workflow,
             std::optional<Ref> by, std::optional<std::string> comment) {
            return view(h, Approvals(h.ctx).submit(entity, record.id, workflow, opt_id(by), comment));
          },
          py::arg("entity"), py::arg("record"), py::arg("workflow") = py::none(), py::arg("by") = py::none(),
          py::arg("comment") = py::none(), Release(),
          "Starts an approval of a record (entity 'opportunity', 'customer', ...) through `workflow` (default: "
          "the one its trigger selects); the record is locked while it is pending. Returns the ApprovalRequest. "
          "Raises NotFound for an unknown record or workflow, WorkflowError when no workflow applies, Conflict "
          "when a request is already pending, PermissionDenied outside the view's scope.")
      .def(
          "approve",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment,
             std::optional<std::string> step) {
            return view(h, Approvals(h.ctx).approve(r.id, opt_id(by), comment, step));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), py::arg("step") = py::none(),
          Release(),
          "Approves the current step (or `step`) of a request as `by`. Returns the updated ApprovalRequest. "
          "Raises NotFound, PermissionDenied when `by` is not an approver of the step, Conflict when `by` "
          "decided the step already, WorkflowError when the request is not pending.")
      .def(
          "reject",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment,
             std::optional<std::string> step) {
            return view(h, Approvals(h.ctx).reject(r.id, opt_id(by), comment, step));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), py::arg("step") = py::none(),
          Release(),
          "Rejects a request at its current step (or `step`) as `by`. Returns the updated ApprovalRequest. "
          "Raises NotFound, PermissionDenied when `by` is not an approver of the step, Conflict when `by` "
          "decided the step already, WorkflowError when the request is not pending.")
      .def(
          "approve_many",
          [](ApprovalsHandle& h, std::vector<Ref> ids, std::optional<Ref> by, std::optional<std::string> comment,
             std::optional<std::string> step) {
            std::vector<std::int64_t> raw;
            raw.reserve(ids.size());
            for (auto r : ids) raw.push_back(r.id);
            return Approvals(h.ctx).approve_many(raw, opt_id(by), comment, step);
          },
          py::arg("requests"), py::arg("by") = py::none(), py::arg("comment") = py::none(), py::arg("step") = py::none(),
          Release(),
          "Approves many requests as one user in one call and returns a list of BatchResult, one per\n"
          "request in order (ok, status, current_step; or error and message). The batch is one\n"
          "transaction with each request in its own savepoint: a refused request (NotFound,\n"
          "PermissionDenied, Conflict, WorkflowError) changes nothing and the others are still decided,\n"
          "each with the rows and ledger entry approve() writes. `step`: the step every request must be\n"
          "at (Conflict for one that is not). Raises ValidationError for a bad comment and\n"
          "PermissionDenied when the system view names no user; a storage failure rolls back the batch.")
      .def(
          "recall",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment) {
            return view(h, Approvals(h.ctx).recall(r.id, opt_id(by), comment));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), Release(),
          "Withdraws a pending request (only its submitter may). Returns the updated ApprovalRequest. Raises "
          "NotFound, PermissionDenied for anyone else, WorkflowError when it is not pending.")
      .def(
          "resubmit",
          [](ApprovalsHandle& h, Ref r, std::optional<Ref> by, std::optional<std::string> comment) {
            return view(h, Approvals(h.ctx).resubmit(r.id, opt_id(by), comment));
          },
          py::arg("request"), py::arg("by") = py::none(), py::arg("comment") = py::none(), Release(),
          "Starts a new round of a rejected or recalled request (only its submitter may). Returns the updated "
          "ApprovalRequest. Raises NotFound, PermissionDenied for anyone else, WorkflowError when it cannot be "
          "resubmitted.")
      .def("get", [](ApprovalsHandle& h, Ref r) { return view(h, Approvals(h.ctx).get(r.id)); }, py::arg("request"),
           Release(),
          "Returns the ApprovalRequest. Raises NotFound for an unknown id or one outside the view's scope.")
      .def("history", [](ApprovalsHandle& h, Ref r) { return Approvals(h.ctx).history(r.id); }, py::arg("request"),
           Release(),
          "Returns the ledger entries of a request, oldest first, as a Table. Raises NotFound.")
      .def("steps", [](ApprovalsHandle& h, Ref r) { return Approvals(h.ctx).steps(r.id); }, py::arg("request"),
           Release(),
          "Returns the step instances of every round of a request with their approvers, as a Table. Raises "
          "NotFound.")
      .def(
          "list",
          [](ApprovalsHandle& h, std::optional<std::string> status, std::optional<std::string> entity,
             std::optional<Ref> record) { return Approvals(h.ctx).list(status, entity, opt_id(record)); },
          py::arg("status") = py::none(), py::arg("entity") = py::none(), py::arg("record") = py::none(), Release(),
          "Requests filtered by status, entity and record. Returns a Table. Raises ValidationError for an "
          "unknown status.")
      .def(
          "delegate",
          [](ApprovalsHandle& h, Ref user, Ref to, const TimeArg& start, const TimeArg& end) {
            const TimeZone zone = h.ctx.zone();
            return Approvals(h.ctx).delegate(user.id, to.id, start.resolve("start", zone), end.resolve("end", zone));
          },
          py::arg("user"), py::arg("to"), py::arg("start"), py::arg("end"), Release(),
          "Lets `to` approve in `user`'s place from `start` to `end`. Returns the Delegation. Raises NotFound "
          "for an unknown user, ValidationError for a reversed window or a self-delegation, WorkflowError when "
          "it would make a delegation loop.")
      .def("revoke_delegation", [](ApprovalsHandle& h, Ref d) { Approvals(h.ctx).revoke_delegation(d.id); },
           py::arg("delegation"), Release(),
          "Ends a delegation. Returns None. Raises NotFound for an unknown delegation.")
      .def(
          "delegations", [](ApprovalsHandle& h, std::optional<Ref> user) { return Approvals(h.ctx).delegations(opt_id(user)); },
          py::arg("user") = py::none(), Release(),
          "Returns the delegations, of one user or all, as a Table. Raises nothing.")
      .def("inbox", [](ApprovalsHandle& h, Ref user) { return Approvals(h.ctx).inbox(user.id); }, py::arg("user"),
           Release(),
          "Returns the pending steps `user` may decide (directly or by delegation) as a Table. Raises NotFound "
          "for an unknown user.")
      .def("escalate_overdue", [](ApprovalsHandle& h) { return Approvals(h.ctx).escalate_overdue(); }, Release(),
          "Escalates every pending step past its SLA to its escalation target. Returns the escalations as a "
          "Table. Raises nothing.");

  py::class_<Audit>(m, "Audit", "crm.audit: the hash-chained approval ledger.")
      .def("head", &Audit::head, Release(), "Returns the latest ledger hash ('' when empty), to keep elsewhere and pass to verify(). Raises "
                                            "nothing.")
      .def("verify", &Audit::verify, py::arg("expected_head") = py::none(), Release(),
          "Recomputes the hash chain of the ledger (and, given `expected_head`, checks nothing was cut off). "
          "Returns a Verification (truthy when intact, else the first bad entry and why). Raises nothing for a "
          "broken ledger.")
      .def(
          "entries",
          [](Audit& a, std::optional<Integer> after, std::optional<Integer> limit) {
            return a.entries(after ? std::optional<std::int64_t>(after->value) : std::nullopt, limit_arg(limit));
          },
          py::arg("after") = py::none(), py::arg("limit") = py::none(), Release(),
          "Ledger entries after entry `after`, oldest first, at most `limit`. Returns a Table. Raises "
          "ValidationError for a bad limit.");
}

}  // namespace crmkit::bindings
