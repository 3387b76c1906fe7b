// Parsing and validating workflow definitions.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <regex>
#include <set>
#include <unordered_map>

#include "crmkit/error.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/org/org.hpp"
#include "crmkit/rules/overlap.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"
#include "crmkit/text.hpp"
#include "workflow_internal.h"

namespace crmkit::workflow::internal {
namespace {

using Kind = ApproverSpec::Kind;

// The deepest nesting of JSON lists and objects a definition may have.
constexpr int kMaxDefinitionDepth = 64;

std::string type_of(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "a number";
  }
}

std::string quote_name(const std::string& s) { return "'" + s + "'"; }

const char* kApproverHelp =
    " (use \"owner.manager\", \"owner.manager^2\", \"submitter.manager\", {\"role\": \"director\"}, "
    "{\"team_lead\": \"华东销售部\"} or {\"users\": [\"alice\", 7]}, or a list of these)";

// The JSON parser's message without its "[json.exception.<kind>.<n>] " prefix.
std::string parser_message(const json::exception& e) {
  const std::string what = e.what();
  const auto end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

class Analyzer {
 public:
  Analyzer(const Context& ctx, const AnalyzeOptions& options) : ctx_(ctx), opt_(options) {}

  Analysis run(const std::string& text) {
    Analysis out;
    if (auto root = parse_object(text)) {
      def_ = std::make_shared<Definition>();
      def_->json = root->dump();
      parse_root(*root);
      if (opt_.check_database && entity_) check_database();
      out.def = def_;
    }
    out.problems = problems_;
    return out;
  }

 private:
  // The definition as a JSON object, or nothing with the reason as a problem at "$".
  std::optional<json> parse_object(const std::string& text) {
    // No sound definition nests deeper than a handful of levels; refusing deep nesting while
    // parsing keeps the recursive walks after it (dump, the analysis) off the end of the stack.
    struct TooDeep {};
    const json::parser_callback_t depth_guard = [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDefinitionDepth) throw TooDeep{};
      return true;
    };
    json root;
    try {
      root = json::parse(text, depth_guard);
    } catch (const json::parse_error& e) {
      problem("$", "the definition is not valid JSON: " + parser_message(e));
      return std::nullopt;
    } catch (const json::out_of_range& e) {
      // The parser's one range error, a number beyond a double ("1e999"): a mistake in the
      // definition to name, like a syntax error.
      problem("$", "the definition holds a number too large to represent: " + parser_message(e));
      return std::nullopt;
    } catch (const TooDeep&) {
      problem("$", "the definition nests more than " + std::to_string(kMaxDefinitionDepth) +
                       " levels of lists and objects deep");
      return std::nullopt;
    }
    if (!root.is_object()) {
      problem("$", "a workflow definition must be a JSON object, not " + type_of(root));
      return std::nullopt;
    }
    return root;
  }

  void problem(const std::string& path, const std::string& message) { problems_.push_back({path, message}); }

  void check_keys(const json& obj, const std::string& path, std::initializer_list<const char*> allowed) {
    for (auto& [k, v] : obj.items()) {
      (void)v;
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; })) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        problem(path + "." + k, "unknown key " + quote_name(k) + " (allowed here: " + list + ")");
      }
    }
  }

  std::optional<rules::Rule> parse_rule(const json& j, const std::string& path) {
    if (!j.is_string()) {
      problem(path, "a condition must be a rule in a string, such as \"amount >= 100000\", not " + type_of(j));
      return std::nullopt;
    }
    if (!entity_) return std::nullopt;
    try {
      return rules::parse(j.get<std::string>(), entity_->catalog);
    } catch (const RuleSyntaxError& e) {
      problem(path, std::string("the rule does not type-check: ") + e.what());
    }
    return std::nullopt;
  }

  void parse_root(const json& root) {
    check_keys(root, "$",
               {"name", "description", "entity", "trigger", "when", "steps", "on_approve", "on_reject", "reapprove_on",
                "active"});
    if (!root.contains("name") || !root["name"].is_string() || text::trim(root["name"].get<std::string>()).empty()) {
      problem("$.name", "the workflow needs a name (a non-empty string)");
    } else {
      def_->name = text::trim(root["name"].get<std::string>());
      if (text::code_points(def_->name, "name") > text::kMaxShort)
        problem("$.name", "the name is longer than 100 characters");
    }
    if (root.contains("description")) {
      if (root["description"].is_string())
        def_->description = root["description"].get<std::string>();
      else
        problem("$.description", "description must be a string, not " + type_of(root["description"]));
    }
    if (root.contains("active")) {
      if (root["active"].is_boolean())
        def_->active = root["active"].get<bool>();
      else
        problem("$.active", "active must be true or false, not " + type_of(root["active"]));
    }
    if (!root.contains("entity") || !root["entity"].is_string()) {
      problem("$.entity", "the workflow needs an entity (\"opportunity\", \"customer\" or a document kind such as "
                          "\"quote\")");
    } else {
      def_->entity = root["entity"].get<std::string>();
      entity_ = entity_info(ctx_, def_->entity);
      if (!entity_)
        problem("$.entity", "unknown entity " + quote_name(def_->entity) + " (use " + known_entities(ctx_) + ")");
    }
    parse_trigger(root.contains("trigger") ? root["trigger"] : json(nullptr));
    if (root.contains("when") && !root["when"].is_null()) {
      def_->when = parse_rule(root["when"], "$.when");
      conditions_ok_ = conditions_ok_ && def_->when.has_value();
    }
    if (!root.contains("steps") || !root["steps"].is_array() || root["steps"].empty()) {
      problem("$.steps", "the workflow needs a non-empty list of steps");
    } else {
      const auto& steps = root["steps"];
      for (std::size_t i = 0; i < steps.size(); ++i) parse_step(steps[i], "$.steps[" + std::to_string(i) + "]");
    }
    if (root.contains("on_approve")) def_->on_approve = parse_action(root["on_approve"], "$.on_approve");
    if (root.contains("on_reject")) def_->on_reject = parse_action(root["on_reject"], "$.on_reject");
    if (root.contains("reapprove_on")) parse_reapprove(root["reapprove_on"]);
  }

  void parse_trigger(const json& t) {
    if (t.is_null()) return;  // explicit submit
    if (!t.is_object() || !t.contains("on") || !t["on"].is_string()) {
      problem("$.trigger", "trigger must be an object such as {\"on\": \"submit\"}, {\"on\": \"stage_enter\", "
                           "\"stage\": \"需求确认\"} or {\"on\": \"field_change\", \"when\": \"discount > 0.2\"}");
      return;
    }
    check_keys(t, "$.trigger", {"on", "stage", "when"});
    auto on = t["on"].get<std::string>();
    auto parsed = workflow::parse_trigger(on);
    if (parsed) def_->trigger_on = *parsed;
    // An unknown trigger shares no trigger with any stored workflow: nothing to compare it with.
    trigger_known_ = parsed.has_value();
    if (parsed == TriggerOn::Submit) {
      if (t.contains("stage")) problem("$.trigger.stage", "a submit trigger takes no stage");
    } else if (parsed == TriggerOn::StageEnter) {
      if (entity_ && entity_->entity != "opportunity")
        problem("$.trigger.on", "stage_enter triggers exist only for opportunities, not " + entity_->entity);
      if (!t.contains("stage") || !t["stage"].is_string()) {
        problem("$.trigger.stage", "a stage_enter trigger needs the stage (a pipeline stage name)");
      } else {
        def_->trigger_stage = t["stage"].get<std::string>();
        require_pipeline_stage(*def_->trigger_stage, "$.trigger.stage");
      }
    } else if (parsed == TriggerOn::FieldChange) {
      if (!t.contains("when"))
        problem("$.trigger.when", "a field_change trigger needs a condition, such as \"discount > 0.2\"");
      else
        def_->trigger_when = parse_rule(t["when"], "$.trigger.when");
      conditions_ok_ = conditions_ok_ && def_->trigger_when.has_value();
    } else {
      problem("$.trigger.on", "unknown trigger " + quote_name(on) + " (use submit, stage_enter or field_change)");
    }
  }

  void require_pipeline_stage(const std::string& stage, const std::string& path) {
    auto names = schema::Stages(ctx_, "pipeline").names();
    if (std::find(names.begin(), names.end(), stage) != names.end()) return;
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    problem(path, quote_name(stage) + " is not a pipeline stage (" + known + ")");
  }

  void parse_approver_one(const json& j, const std::string& path, bool escalation, std::vector<ApproverSpec>& out) {
    ApproverSpec a;
    if (j.is_string()) {
      std::string s = text::trim(j.get<std::string>());
      static const std::regex re(R"(^(owner|submitter|approver)\.manager(\^([0-9]+))?$)");
      std::smatch m;
      if (std::regex_match(s, m, re)) {
        a.kind = m[1] == "owner" ? Kind::OwnerManager : m[1] == "submitter" ? Kind::SubmitterManager : Kind::ApproverManager;
        a.levels = m[3].matched ? std::stoi(m[3].str().substr(0, 3)) : 1;
        if (a.levels < 1 || a.levels > 20) {
          problem(path, "the manager level in " + quote_name(s) + " must be between 1 and 20");
          return;
        }
        if (a.kind == Kind::ApproverManager && !escalation) {
          problem(path, quote_name(s) + " is only meaningful in escalate_to (the manager of the current approver)");
          return;
        }
      } else if (s == "owner" || s == "submitter") {
        problem(path, quote_name(s) + " as approver would let the submitter approve their own request (the owner "
                      "usually submits): nobody approves their own request; use " + s + ".manager");
        return;
      } else {
        problem(path, "unknown approver expression " + quote_name(s) + kApproverHelp);
        return;
      }
      a.text = s;
      out.push_back(a);
      return;
    }
    if (j.is_object() && j.size() == 1) {
      auto first = j.begin();
      const std::string key = first.key();
      const json& value = first.value();
      if (key == "role") {
        if (!value.is_string()) {
          problem(path + ".role", "role must be a role name");
          return;
        }
        a.kind = Kind::Role;
        a.role = value.get<std::string>();
        a.text = "role " + a.role;
      } else if (key == "team_lead") {
        a.kind = Kind::TeamLead;
        if (value.is_string()) {
          a.text = "team_lead " + value.get<std::string>();
          team_refs_.push_back({path + ".team_lead", value.get<std::string>(), out.size(), &out});
        } else if (value.is_number_integer()) {
          a.team_id = value.get<std::int64_t>();
          a.text = "team_lead " + std::to_string(*a.team_id);
        } else {
          problem(path + ".team_lead", "team_lead must be a team name or id");
          return;
        }
      } else if (key == "users" || key == "user") {
        a.kind = Kind::Users;
        json list = key == "user" ? json::array({value}) : value;
        if (!list.is_array()) {
          problem(path + "." + key, "users must be a list of user logins or ids");
          return;
        }
        std::string names;
        for (std::size_t i = 0; i < list.size(); ++i) {
          const auto& u = list[i];
          std::string upath = path + "." + key + (key == "users" ? "[" + std::to_string(i) + "]" : "");
          std::optional<std::int64_t> id = resolve_user(u, upath);
          if (id) a.users.push_back(*id);
          names += (names.empty() ? "" : ", ") + (u.is_string() ? u.get<std::string>() : u.dump());
        }
        a.text = "users " + names;
      } else {
        problem(path, "unknown approver expression {" + quote_name(key) + ": ...}" + kApproverHelp);
        return;
      }
      out.push_back(a);
      return;
    }
    problem(path, "unknown approver expression " + j.dump() + kApproverHelp);
  }

  std::optional<std::int64_t> resolve_user(const json& u, const std::string& path) {
    if (u.is_number_integer()) {
      auto card = org::user_card(ctx_, u.get<std::int64_t>());
      if (!card) {
        if (opt_.check_database) problem(path, "unknown user " + u.dump());
        return std::nullopt;
      }
      if (!card->active && opt_.check_database) problem(path, "user " + u.dump() + " is deactivated");
      return card->id;
    }
    if (u.is_string()) {
      auto card = org::user_card_by_login(ctx_, text::trim(u.get<std::string>()));
      if (!card) {
        if (opt_.check_database) problem(path, "unknown user " + quote_name(u.get<std::string>()));
        return std::nullopt;
      }
      if (!card->active && opt_.check_database) problem(path, "user " + quote_name(u.get<std::string>()) + " is deactivated");
      return card->id;
    }
    problem(path, "a user is a login (string) or an id (integer), not " + type_of(u));
    return std::nullopt;
  }

  std::vector<ApproverSpec> parse_approvers(const json& j, const std::string& path, bool escalation) {
    std::vector<ApproverSpec> out;
    if (j.is_array()) {
      if (j.empty()) problem(path, "the list of approvers is empty");
      for (std::size_t i = 0; i < j.size(); ++i)
        parse_approver_one(j[i], path + "[" + std::to_string(i) + "]", escalation, out);
    } else {
      parse_approver_one(j, path, escalation, out);
    }
    // Team names are resolved once the list is complete (pointers into `out` are stable now).
    for (auto& ref : team_refs_) {
      if (ref.list != &out) continue;
      if (auto team = org::team_id_named(ctx_, text::trim(ref.name)))
        out[ref.index].team_id = *team;
      else if (opt_.check_database)
        problem(ref.path, "unknown team " + quote_name(ref.name));
    }
    team_refs_.erase(std::remove_if(team_refs_.begin(), team_refs_.end(), [&](const TeamRef& r) { return r.list == &out; }),
                     team_refs_.end());
    return out;
  }

  Action parse_action(const json& j, const std::string& path) {
    Action a;
    if (j.is_null()) return a;
    if (!j.is_object()) {
      problem(path, "an action must be an object such as {\"advance\": true}, {\"stage\": \"初步接洽\"} or "
                    "{\"set\": {\"field\": value}}");
      return a;
    }
    check_keys(j, path, {"advance", "stage", "set"});
    if (j.contains("advance")) {
      if (!j["advance"].is_boolean())
        problem(path + ".advance", "advance must be true or false");
      else
        a.advance = j["advance"].get<bool>();
    }
    if (j.contains("stage")) {
      if (!j["stage"].is_string()) {
        problem(path + ".stage", "stage must be a stage name");
      } else {
        a.stage = j["stage"].get<std::string>();
        if (entity_ && entity_->entity == "customer") {
          auto names = schema::Stages(ctx_, "lifecycle").names();
          if (std::find(names.begin(), names.end(), *a.stage) == names.end())
            problem(path + ".stage", quote_name(*a.stage) + " is not a lifecycle stage");
        } else {
          require_pipeline_stage(*a.stage, path + ".stage");
        }
      }
    }
    if (a.advance && a.stage) problem(path, "an action either advances or moves to a stage, not both");
    if (a.advance && entity_ && entity_->entity == "customer")
      problem(path + ".advance", "advance moves an opportunity along the pipeline; customers have no next stage");
    if (j.contains("set")) {
      if (!j["set"].is_object()) {
        problem(path + ".set", "set must be an object of field names and values");
      } else {
        for (auto& [k, v] : j["set"].items()) {
          std::string fpath = path + ".set." + k;
          if (entity_ && !settable(k)) {
            problem(fpath, "unknown or read-only field " + quote_name(k) + " of " + entity_->entity);
            continue;
          }
          if (v.is_boolean())
            a.set[k] = v.get<bool>();
          else if (v.is_number_unsigned() &&
                   v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            problem(fpath, "the value " + v.dump() + " is beyond the integers crmkit stores (at most " +
                               std::to_string(std::numeric_limits<std::int64_t>::max()) + ")");
          else if (v.is_number_integer())
            a.set[k] = v.get<std::int64_t>();
          else if (v.is_number())
            a.set[k] = v.get<double>();
          else if (v.is_string())
            a.set[k] = v.get<std::string>();
          else if (v.is_null())
            a.set[k] = Value{};
          else
            problem(fpath, "a field value must be a string, number, boolean or null");
        }
      }
    }
    return a;
  }

  bool settable(const std::string& field) {
    static const std::map<std::string, std::vector<std::string>> builtin = {
        {"opportunity", {"title", "amount", "close_date", "probability"}},
        {"customer", {"name", "industry", "source", "phone", "email"}},
    };
    if (entity_->is_document) {
      if (field == "title" || field == "amount" || field == "discount") return true;
      static const std::regex ident(R"(^[A-Za-z_][A-Za-z0-9_]*$)");
      return std::regex_match(field, ident);
    }
    const auto& b = builtin.at(entity_->entity);
    if (std::find(b.begin(), b.end(), field) != b.end()) return true;
    return schema::Fields(ctx_).of(entity_->entity).find(field) != nullptr;
  }

  void parse_step(const json& s, const std::string& path) {
    Step step;
    if (!s.is_object()) {
      problem(path, "a step must be an object with a name and approvers, not " + type_of(s));
      def_->steps.push_back(step);
      return;
    }
    check_keys(s, path,
               {"name", "approvers", "mode", "quorum", "when", "sla_hours", "escalate_to", "auto_decision", "on_approve",
                "on_reject"});
    if (!s.contains("name") || !s["name"].is_string() || text::trim(s["name"].get<std::string>()).empty()) {
      problem(path + ".name", "the step needs a name (a non-empty string)");
    } else {
      step.name = text::trim(s["name"].get<std::string>());
      for (std::size_t i = 0; i < def_->steps.size(); ++i)
        if (def_->steps[i].name == step.name)
          problem(path + ".name", "duplicate step name " + quote_name(step.name) + " (also steps[" + std::to_string(i) +
                                      "]); step names must be unique");
    }
    if (!s.contains("approvers"))
      problem(path + ".approvers", "the step needs approvers" + std::string(kApproverHelp));
    else
      step.approvers = parse_approvers(s["approvers"], path + ".approvers", false);
    if (s.contains("mode")) {
      if (!s["mode"].is_string()) {
        problem(path + ".mode", "mode must be \"any\", \"all\" or \"quorum\"");
      } else {
        auto mode = s["mode"].get<std::string>();
        if (auto m = parse_step_mode(mode))
          step.mode = *m;
        else
          problem(path + ".mode", "unknown mode " + quote_name(mode) + " (use any, all or quorum)");
      }
    }
    if (s.contains("quorum")) {
      if (!s["quorum"].is_number_integer() || s["quorum"].get<std::int64_t>() < 1 ||
          s["quorum"].get<std::int64_t>() > 1000) {
        problem(path + ".quorum", "quorum must be a whole number of approvals, at least 1");
      } else {
        step.quorum = static_cast<int>(s["quorum"].get<std::int64_t>());
        if (step.mode != StepMode::Quorum) problem(path + ".quorum", "quorum is only used with \"mode\": \"quorum\"");
      }
    } else if (step.mode == StepMode::Quorum) {
      problem(path + ".quorum", "mode quorum needs \"quorum\": the number of approvals required");
    }
    if (s.contains("when") && !s["when"].is_null()) step.when = parse_rule(s["when"], path + ".when");
    if (s.contains("sla_hours")) {
      if (!s["sla_hours"].is_number() || !(s["sla_hours"].get<double>() > 0) || s["sla_hours"].get<double>() > 87600)
        problem(path + ".sla_hours", "sla_hours must be a positive number of hours");
      else
        step.sla_hours = s["sla_hours"].get<double>();
    }
    if (s.contains("escalate_to")) step.escalate_to = parse_approvers(s["escalate_to"], path + ".escalate_to", true);
    if (s.contains("auto_decision")) {
      std::optional<Decision> d;
      if (s["auto_decision"].is_string()) d = parse_verb(s["auto_decision"].get<std::string>());
      if (!d)
        problem(path + ".auto_decision", "auto_decision must be \"approve\" or \"reject\"");
      else
        step.auto_decision = d;
    }
    bool escalation = s.contains("escalate_to") || s.contains("auto_decision");
    if (s.contains("escalate_to") && s.contains("auto_decision"))
      problem(path, "a step either escalates or decides automatically when its SLA passes, not both");
    if (escalation && !s.contains("sla_hours"))
      problem(path + ".sla_hours", "escalate_to and auto_decision need sla_hours (when they apply)");
    if (s.contains("sla_hours") && !escalation)
      problem(path + ".sla_hours",
              "an SLA needs escalate_to (e.g. \"approver.manager\") or an auto_decision (approve or reject)");
    if (s.contains("on_approve")) step.on_approve = parse_action(s["on_approve"], path + ".on_approve");
    if (s.contains("on_reject")) step.on_reject = parse_action(s["on_reject"], path + ".on_reject");
    def_->steps.push_back(std::move(step));
  }

  void parse_reapprove(const json& j) {
    if (!j.is_object()) {
      problem("$.reapprove_on", "reapprove_on must be an object such as {\"amount\": \"increase > 10%\"}");
      return;
    }
    static const std::regex re(R"(^\s*(increase|decrease|change)\s*(>\s*([0-9]+(\.[0-9]+)?)\s*(%?))?\s*$)");
    for (auto& [field, v] : j.items()) {
      std::string path = "$.reapprove_on." + field;
      const rules::FieldInfo* f = entity_ ? entity_->catalog.find(field) : nullptr;
      if (entity_ && !f) {
        problem(path, "unknown field " + quote_name(field) + " of " + entity_->entity);
        continue;
      }
      std::smatch m;
      std::string s = v.is_string() ? v.get<std::string>() : "";
      if (!v.is_string() || !std::regex_match(s, m, re)) {
        problem(path, "expected \"increase > 10%\", \"decrease > 10%\", \"change > 10%\", \"increase > 50000\" or "
                      "\"change\", found " + v.dump());
        continue;
      }
      Reapprove r;
      r.field = field;
      r.direction = m[1];
      r.text = s;
      if (m[2].matched) {
        r.threshold = std::stod(m[3]);
        r.percent = m[5] == "%";
      }
      bool numeric = f && (f->type == rules::FieldType::Number || f->type == rules::FieldType::Integer);
      if (f && !numeric && (r.direction != "change" || m[2].matched))
        problem(path, quote_name(field) + " is a " + std::string(rules::type_name(f->type)) +
                          " field: only \"change\" applies to it");
      def_->reapprove_on.push_back(r);
    }
  }

  // ---- checks against the organisation and the other workflows ----

  struct Reach {
    std::int64_t max_size = 0;          // the most approvers the expression can yield
    std::vector<std::int64_t> members;  // when known (roles, users, team leads)
    bool known = false;
  };

  int max_manager_depth() {
    if (depth_cache_ >= 0) return depth_cache_;
    auto mgr = org::active_managers(ctx_);
    int best = 0;
    for (const auto& [id, m] : mgr) {
      int d = 0;
      auto cur = m;
      std::set<std::int64_t> seen{id};
      while (cur && mgr.count(*cur) && !seen.count(*cur)) {
        seen.insert(*cur);
        ++d;
        cur = mgr[*cur];
      }
      best = std::max(best, d);
    }
    return depth_cache_ = best;
  }

  Reach reach(const ApproverSpec& a, const std::string& path) {
    Reach r;
    switch (a.kind) {
      case Kind::Role: {
        const auto roles = org::role_names(ctx_);
        if (std::find(roles.begin(), roles.end(), a.role) == roles.end()) {
          std::string known;
          for (const auto& name : roles) known += (known.empty() ? "" : ", ") + name;
          problem(path, "unknown role " + quote_name(a.role) + " (roles: " + known + ")");
          return r;
        }
        r.members = org::active_user_ids_with_role(ctx_, a.role);
        r.known = true;
        r.max_size = static_cast<std::int64_t>(r.members.size());
        break;
      }
      case Kind::TeamLead: {
        if (!a.team_id) return r;
        auto team = org::team_card(ctx_, *a.team_id);
        if (!team) {
          problem(path, "unknown team " + std::to_string(*a.team_id));
          return r;
        }
        r.known = true;
        if (team->lead_id) {
          auto lead = org::user_card(ctx_, *team->lead_id);
          if (lead && lead->active) r.members.push_back(lead->id);
        }
        r.max_size = static_cast<std::int64_t>(r.members.size());
        break;
      }
      case Kind::Users:
        r.known = true;
        r.members = a.users;
        r.max_size = static_cast<std::int64_t>(a.users.size());
        break;
      default:
        r.max_size = max_manager_depth() >= a.levels ? 1 : 0;
    }
    return r;
  }

  // Users who typically submit records of this entity: their role may own such records but is not
  // an approving role (sales reps, as opposed to managers, directors or finance).
  bool could_submit(std::int64_t user) {
    auto card = org::user_card(ctx_, user);
    if (!card) return false;
    org::Role role;
    try {
      role = org::Roles(ctx_).get(card->role);
    } catch (const NotFound&) {
      return false;
    }
    if (role.can_approve) return false;
    auto scope = role.scopes.find(entity_->scope);
    return scope != role.scopes.end() && scope->second != org::Scope::None;
  }

  void check_database() {
    for (std::size_t i = 0; i < def_->steps.size(); ++i) {
      const auto& step = def_->steps[i];
      std::string path = "$.steps[" + std::to_string(i) + "]";
      std::int64_t total = 0;
      std::set<std::int64_t> members;
      bool all_known = true;
      std::size_t reported = problems_.size();
      for (std::size_t k = 0; k < step.approvers.size(); ++k) {
        std::string apath = path + ".approvers" + (step.approvers.size() > 1 ? "[" + std::to_string(k) + "]" : "");
        auto r = reach(step.approvers[k], apath);
        total += r.max_size;
        all_known = all_known && r.known;
        members.insert(r.members.begin(), r.members.end());
      }
      // An unknown role or team is already reported: an "empty set" on top would say the same twice.
      if (!step.approvers.empty() && total == 0 && problems_.size() == reported) {
        std::string what;
        for (const auto& a : step.approvers) what += (what.empty() ? "" : ", ") + a.text;
        problem(path + ".approvers", "step " + quote_name(step.name) + ": the approver set (" + what +
                                         ") is empty for every possible record: nobody has that role, lead or "
                                         "manager level");
      }
      if (all_known) total = static_cast<std::int64_t>(members.size());
      if (step.mode == StepMode::Quorum && total > 0 && step.quorum > total) {
        problem(path + ".quorum", "step " + quote_name(step.name) + ": quorum " + std::to_string(step.quorum) +
                                      " is larger than the approver set (at most " + std::to_string(total) +
                                      " approvers)");
      } else if (step.mode == StepMode::Quorum && all_known && step.quorum > total - 1 && total > 0) {
        for (auto m : members)
          if (could_submit(m)) {
            problem(path + ".quorum",
                    "step " + quote_name(step.name) + ": quorum " + std::to_string(step.quorum) + " of " +
                        std::to_string(total) + " approvers could only be reached with the submitter's own approval "
                        "(user " + user_login(ctx_, m) + " may submit " + entity_->entity +
                        " records): nobody approves their own request; lower the quorum or add approvers");
            break;
          }
      }
      for (std::size_t k = 0; k < step.escalate_to.size(); ++k)
        if (step.escalate_to[k].kind != Kind::ApproverManager)
          reach(step.escalate_to[k], path + ".escalate_to");
      // Unreachable: the step's condition contradicts the workflow's (or itself).
      if (step.when) {
        std::optional<std::string> both = def_->when ? rules::overlap(*def_->when, *step.when)
                                                     : rules::overlap(*step.when, *step.when);
        if (!both)
          problem(path + ".when", "step " + quote_name(step.name) + " is unreachable: its condition " +
                                      quote_name(step.when->text()) + " can never hold" +
                                      (def_->when ? " together with the workflow's " + quote_name(def_->when->text()) : ""));
      }
    }
    if (opt_.check_overlap) check_overlap();
    check_cycles();
  }

  std::optional<rules::Rule> combined(const Definition& d) {
    std::string text;
    if (d.trigger_when) text = "(" + d.trigger_when->text() + ")";
    if (d.when) text += (text.empty() ? "" : " and ") + ("(" + d.when->text() + ")");
    if (text.empty()) return std::nullopt;
    try {
      return rules::parse(text, entity_->catalog);
    } catch (const RuleSyntaxError&) {
      return std::nullopt;
    }
  }

  std::vector<std::pair<std::int64_t, std::shared_ptr<const Definition>>> others() {
    std::vector<std::pair<std::int64_t, std::shared_ptr<const Definition>>> out;
    auto q = ctx_.db().prepare(
        "SELECT version, definition FROM workflows WHERE current = 1 AND active = 1 AND name <> ? ORDER BY id");
    q.bind_all(def_->name);
    while (q.step()) {
      try {
        out.emplace_back(q.get_int(0), load_definition(ctx_, q.get_text(1)));
      } catch (const Error&) {
        // A stored workflow that no longer type-checks cannot overlap anything reliably: skip it.
      }
    }
    return out;
  }

  void check_overlap() {
    // A condition that does not parse is reported already; comparing without it would mislead.
    if (!def_->active || !conditions_ok_ || !trigger_known_) return;
    auto mine = combined(*def_);
    for (const auto& [version, other] : others()) {
      if (other->entity != def_->entity || other->trigger_on != def_->trigger_on ||
          other->trigger_stage != def_->trigger_stage)
        continue;
      std::string trigger = std::string(to_string(def_->trigger_on)) + (def_->trigger_stage ? " " + *def_->trigger_stage : "");
      std::string head = "overlaps the active workflow " + quote_name(other->name) + " (version " + std::to_string(version) +
                         ") on the same trigger (" + trigger + ")";
      auto theirs = combined(*other);
      if (!mine || !theirs) {
        problem("$.when", head + ": " + (!mine ? std::string("this workflow has no condition") :
                                                 quote_name(other->name) + " has no condition") +
                              ", so both apply to the same records; make the conditions exclusive");
        continue;
      }
      auto o = rules::overlap(*mine, *theirs);
      if (!o) continue;
      if (*o == "may overlap")
        problem("$.when", head + ": both conditions may hold for the same record (" + quote_name(mine->text()) + " and " +
                              quote_name(theirs->text()) + "); make them exclusive");
      else
        problem("$.when", head + ": both apply when " + *o);
    }
  }

  // Returning to a stage that starts another (or the same) approval whose rejection returns here.
  void check_cycles() {
    if (def_->entity != "opportunity" || def_->trigger_on != TriggerOn::StageEnter || !def_->trigger_stage) return;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> edges;  // stage -> (stage, workflow)
    auto add = [&](const Definition& d) {
      if (d.entity != "opportunity" || d.trigger_on != TriggerOn::StageEnter || !d.trigger_stage || !d.active) return;
      auto returns = [&](const Action& a) {
        if (a.stage) edges[*d.trigger_stage].push_back({*a.stage, d.name});
      };
      returns(d.on_reject);
      for (const auto& s : d.steps) returns(s.on_reject);
    };
    add(*def_);
    for (const auto& [v, other] : others()) add(*other);
    // Depth-first search from each return stage of this definition back to its trigger stage.
    std::function<bool(const std::string&, std::vector<std::string>&, std::set<std::string>&)> dfs =
        [&](const std::string& at, std::vector<std::string>& path, std::set<std::string>& seen) -> bool {
      if (at == *def_->trigger_stage) return true;
      if (!seen.insert(at).second) return false;
      for (const auto& [next, wf] : edges[at]) {
        path.push_back(next);
        if (dfs(next, path, seen)) return true;
        path.pop_back();
      }
      return false;
    };
    auto check = [&](const Action& a, const std::string& path) {
      if (!a.stage) return;
      std::vector<std::string> chain{*def_->trigger_stage, *a.stage};
      std::set<std::string> seen;
      if (dfs(*a.stage, chain, seen)) {
        std::string text;
        for (const auto& s : chain) text += (text.empty() ? "" : " → ") + s;
        problem(path, "returning to " + quote_name(*a.stage) + " makes a cycle of approvals: " + text +
                          " (each return re-enters a stage whose approval returns again); return to a stage that "
                          "does not start an approval");
      }
    };
    check(def_->on_reject, "$.on_reject.stage");
    for (std::size_t i = 0; i < def_->steps.size(); ++i)
      check(def_->steps[i].on_reject, "$.steps[" + std::to_string(i) + "].on_reject.stage");
  }

  struct TeamRef {
    std::string path;
    std::string name;
    std::size_t index;
    std::vector<ApproverSpec>* list;
  };

  const Context& ctx_;
  AnalyzeOptions opt_;
  std::shared_ptr<Definition> def_;
  std::optional<EntityInfo> entity_;
  std::vector<Problem> problems_;
  std::vector<TeamRef> team_refs_;
  int depth_cache_ = -1;
  bool conditions_ok_ = true;
  bool trigger_known_ = true;
};

}  // namespace

Analysis analyze(const Context& ctx, const std::string& text, const AnalyzeOptions& options) {
  return Analyzer(ctx, options).run(text);
}

std::string problems_text(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems) s += "\n  " + p.path + ": " + p.message;
  return s;
}

std::shared_ptr<const Definition> load_definition(const Context& ctx, const std::string& text) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const Definition>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(text);
    if (it != cache.end()) return it->second;
  }
  AnalyzeOptions opt;
  opt.check_database = false;
  opt.check_overlap = false;
  auto a = analyze(ctx, text, opt);
  if (!a.def || !a.problems.empty())
    throw WorkflowError("a stored workflow definition no longer checks against the schema:" +
                        problems_text(a.problems));
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() > 512) cache.clear();
  cache.emplace(text, a.def);
  return a.def;
}

}  // namespace crmkit::workflow::internal
