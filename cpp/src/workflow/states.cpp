// The one place where the engine's states meet their stored and Python spellings.
#include "crmkit/workflow/states.hpp"

#include <array>
#include <utility>

namespace crmkit::workflow {
namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<RequestStatus, 4> kRequest{{{RequestStatus::Pending, "pending"},
                                            {RequestStatus::Approved, "approved"},
                                            {RequestStatus::Rejected, "rejected"},
                                            {RequestStatus::Recalled, "recalled"}}};
constexpr Names<StepStatus, 5> kStep{{{StepStatus::Pending, "pending"},
                                      {StepStatus::Approved, "approved"},
                                      {StepStatus::Rejected, "rejected"},
                                      {StepStatus::Skipped, "skipped"},
                                      {StepStatus::Cancelled, "cancelled"}}};
constexpr Names<StepMode, 3> kMode{{{StepMode::Any, "any"}, {StepMode::All, "all"}, {StepMode::Quorum, "quorum"}}};
constexpr Names<TriggerOn, 3> kTrigger{
    {{TriggerOn::Submit, "submit"}, {TriggerOn::StageEnter, "stage_enter"}, {TriggerOn::FieldChange, "field_change"}}};
constexpr Names<Decision, 2> kDecided{{{Decision::Approve, "approved"}, {Decision::Reject, "rejected"}}};
constexpr Names<Decision, 2> kVerb{{{Decision::Approve, "approve"}, {Decision::Reject, "reject"}}};

template <typename E, std::size_t N>
std::string_view name_of(const Names<E, N>& names, E e) {
  for (const auto& [v, n] : names)
    if (v == e) return n;
  return "?";  // unreachable for a valid enumerator
}

template <typename E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view s) {
  for (const auto& [v, n] : names)
    if (n == s) return v;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RequestStatus s) { return name_of(kRequest, s); }
std::string_view to_string(StepStatus s) { return name_of(kStep, s); }
std::string_view to_string(StepMode m) { return name_of(kMode, m); }
std::string_view to_string(TriggerOn t) { return name_of(kTrigger, t); }
std::string_view decided_text(Decision d) { return name_of(kDecided, d); }
std::string_view verb(Decision d) { return name_of(kVerb, d); }

std::optional<RequestStatus> parse_request_status(std::string_view s) { return value_of(kRequest, s); }
std::optional<StepStatus> parse_step_status(std::string_view s) { return value_of(kStep, s); }
std::optional<StepMode> parse_step_mode(std::string_view s) { return value_of(kMode, s); }
std::optional<TriggerOn> parse_trigger(std::string_view s) { return value_of(kTrigger, s); }
std::optional<Decision> parse_decided(std::string_view s) { return value_of(kDecided, s); }
std::optional<Decision> parse_verb(std::string_view s) { return value_of(kVerb, s); }

}  // namespace crmkit::workflow
