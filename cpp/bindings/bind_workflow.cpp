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

std::optional<std::int64_t> opt_id(const std::optional<Ref>& r) {
  return r ? std::optional<std::int64_t>(r->id) : std::nullopt;
}

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
    throw;
  }
}

RequestView view(const ApprovalsHandle& h, Request r) { return RequestView{std::move(r), h.ctx}; }

}  // namespace

py::object make_approvals(const Context& ctx) { return py::cast(ApprovalsHandle{ctx}); }

void init_workflow(py::module_& m) {
  auto problem = py::class_<Problem>(m, "Problem", "One problem of a workflow definition, at its JSON path.")
                     .def_readonly("path", &Problem::path)
                     .def_readonly("message", &Problem::message)
                     .def("__str__", [](const Problem& p) { return p.path + ": " + p.message; });
  set_record_fields(problem, {"path", "message"});

  auto info = py::class_<WorkflowInfo>(m, "Workflow", "One version of a workflow definition.")
                  .def_readonly("id", &WorkflowInfo::id)
                  .def_readonly("name", &WorkflowInfo::name)
                  .def_readonly("version", &WorkflowInfo::version)
                  .def_readonly("entity", &WorkflowInfo::entity)
                  .def_readonly("trigger", &WorkflowInfo::trigger)
                  .def_readonly("active", &WorkflowInfo::active)
                  .def_readonly("definition", &WorkflowInfo::definition)
                  .def_readonly("created_at", &WorkflowInfo::created_at);
  set_record_fields(info, {"id", "name", "version", "entity", "trigger", "active", "definition", "created_at"});

  auto approver = py::class_<RoutedApprover>(m, "RoutedApprover", "A user a step would ask, and why.")
                      .def_readonly("user_id", &RoutedApprover::user_id)
                      .def_readonly("login", &RoutedApprover::login)
                      .def_readonly("name", &RoutedApprover::name)
                      .def_readonly("reason", &RoutedApprover::reason);
  set_record_fields(approver, {"user_id", "login", "name", "reason"});

  auto rstep = py::class_<RouteStep>(m, "RouteStep", "One step of a simulated route.")
                   .def_readonly("name", &RouteStep::name)
                   .def_readonly("runs", &RouteStep::runs)
                   .def_readonly("reason", &RouteStep::reason)
                   .def_readonly("mode", &RouteStep::mode)
                   .def_readonly("quorum", &RouteStep::quorum)
                   .def_readonly("approvers", &RouteStep::approvers)
                   .def_readonly("sla_hours", &RouteStep::sla_hours)
                   .def_readonly("escalate_to", &RouteStep::escalate_to)
                   .def_readonly("auto_decision", &RouteStep::auto_decision)
                   .def_readonly("notes", &RouteStep::notes);
  set_record_fields(rstep, {"name", "runs", "reason", "mode", "quorum", "approvers", "sla_hours", "escalate_to",
                            "auto_decision", "notes"});

  auto route = py::class_<Route>(m, "Route", "The route a record would take through a workflow (nothing written).")
                   .def_readonly("workflow", &Route::workflow)
                   .def_readonly("version", &Route::version)
                   .def_readonly("entity_id", &Route::entity_id)
                   .def_readonly("applies", &Route::applies)
                   .def_readonly("reason", &Route::reason)
                   .def_readonly("steps", &Route::steps);
  set_record_fields(route, {"workflow", "version", "entity_id", "applies", "reason", "steps"});

  auto replay = py::class_<ReplayResult>(m, "ReplayResult", "Existing records routed through a draft definition.")
                    .def_readonly("routes", &ReplayResult::routes)
                    .def_readonly("records", &ReplayResult::records)
                    .def_readonly("requests", &ReplayResult::requests)
                    .def_readonly("per_step", &ReplayResult::per_step)
                    .def_readonly("per_approver", &ReplayResult::per_approver);
  set_record_fields(replay, {"routes", "records", "requests", "per_step", "per_approver"});

  auto req = py::class_<RequestView>(m, "ApprovalRequest", "An approval request (a snapshot).")
                 .def_property_readonly("id", [](const RequestView& v) { return v.r.id; })
                 .def_property_readonly("workflow", [](const RequestView& v) { return v.r.workflow; })
                 .def_property_readonly("workflow_version", [](const RequestView& v) { return v.r.workflow_version; })
                 .def_property_readonly("entity", [](const RequestView& v) { return v.r.entity; })
                 .def_property_readonly("entity_id", [](const RequestView& v) { return v.r.entity_id; })
                 .def_property_readonly("submitter_id", [](const RequestView& v) { return v.r.submitter_id; })
                 .def_property_readonly("status", [](const RequestView& v) { return v.r.status; })
                 .def_property_readonly("current_step", [](const RequestView& v) { return v.r.current_step; })
                 .def_property_readonly("round", [](const RequestView& v) { return v.r.round; })
                 .def_property_readonly("created_at", [](const RequestView& v) { return v.r.created_at; })
                 .def_property_readonly("updated_at", [](const RequestView& v) { return v.r.updated_at; })
                 .def_property_readonly("ended_at", [](const RequestView& v) { return v.r.ended_at; })
                 .def_property_readonly("version", [](const RequestView& v) { return v.r.version; })
                 .def(
                     "history", [](const RequestView& v) { return Approvals(v.ctx).history(v.r.id); }, Release(),
                     "The ledger entries of this request, oldest first (a Table).")
                 .def(
                     "steps", [](const RequestView& v) { return Approvals(v.ctx).steps(v.r.id); }, Release(),
                     "The step instances of every round with their approvers and routing trace (a Table).");
  set_record_fields(req, {"id", "workflow", "workflow_version", "entity", "entity_id", "submitter_id", "status",
                          "current_step", "round", "created_at", "updated_at", "ended_at", "version"});

  auto batch = py::class_<BatchResult>(m, "BatchResult", "The outcome of one request in approve_many().")
                   .def_readonly("request_id", &BatchResult::request_id)
                   .def_readonly("ok", &BatchResult::ok)
                   .def_readonly("status", &BatchResult::status)
                   .def_readonly("current_step", &BatchResult::current_step)
                   .def_readonly("error", &BatchResult::error)
                   .def_readonly("message", &BatchResult::message);
  set_record_fields(batch, {"request_id", "ok", "status", "current_step", "error", "message"});

  auto deleg = py::class_<Delegation>(m, "Delegation", "A delegation of approvals for a time window.")
                   .def_readonly("id", &Delegation::id)
                   .def_readonly("delegator_id", &Delegation::delegator_id)
                   .def_readonly("delegate_id", &Delegation::delegate_id)
                   .def_readonly("start", &Delegation::start)
                   .def_readonly("end", &Delegation::end);
  set_record_fields(deleg, {"id", "delegator_id", "delegate_id", "start", "end"});

  auto ver = py::class_<Verification>(m, "Verification", "The result of audit.verify().")
                 .def_readonly("ok", &Verification::ok)
                 .def_readonly("entries", &Verification::entries)
                 .def_readonly("first_bad", &Verification::first_bad)
                 .def_readonly("reason", &Verification::reason)
                 .def_readonly("head", &Verification::head)
                 .def("__bool__", [](const Verification& v) { return v.ok; });
  set_record_fields(ver, {"ok", "entries", "first_bad", "reason", "head"});

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
      .def("entries", &Audit::entries, py::arg("after") = py::none(), py::arg("limit") = -1, Release());
}

}  // namespace crmkit::bindings
