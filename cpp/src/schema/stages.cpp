#include "crmkit/schema/stages.hpp"

#include <algorithm>

#include "crmkit/error.hpp"
#include "crmkit/schema/config_epoch.hpp"
#include "crmkit/history.hpp"
#include "crmkit/schema/hooks.hpp"
#include "crmkit/text.hpp"

namespace crmkit::schema {

std::string pipeline_stage_probability_sql(const std::string& stage_sql) {
  return "(SELECT ps.probability FROM stages ps WHERE ps.kind = 'pipeline' AND ps.name = " + stage_sql + ")";
}

std::vector<Stage> Stages::list() const {
  db::Transaction tx(ctx_.db(), false);
  std::vector<Stage> out;
  auto q = ctx_.db().prepare("SELECT name, position, probability FROM stages WHERE kind = ? ORDER BY position");
  q.bind_all(kind_);
  while (q.step()) out.push_back(Stage{q.get_text(0), static_cast<int>(q.get_int(1)), q.get_opt_double(2)});
  return out;
}

std::vector<std::string> Stages::names() const {
  std::vector<std::string> out;
  for (const auto& s : list()) out.push_back(s.name);
  return out;
}

void Stages::require(const std::string& name, const std::string& field, std::optional<std::int64_t> row) const {
  auto all = names();
  if (std::find(all.begin(), all.end(), name) != all.end()) return;
  std::string known;
  for (const auto& n : all) known += (known.empty() ? "" : ", ") + n;
  std::string where = row ? "row " + std::to_string(*row) + ": " : "";
  throw ValidationError(where + field + ": '" + name + "' is not a " + kind_ + " stage (" + known + ")", field, row);
}

void Stages::set(const std::vector<Stage>& stages) {
  ctx_.require_admin("change " + kind_ + " stages");
  if (stages.empty()) throw ValidationError("stages: the list must not be empty", "stages");
  std::vector<Stage> clean;
  for (const auto& s : stages) {
    Stage c = s;
    c.name = *text::clean(s.name, "stages", text::kMaxShort, true);
    for (const auto& prev : clean)
      if (prev.name == c.name) throw ValidationError("stages: '" + c.name + "' is listed twice", "stages");
    if (kind_ == "pipeline") {
      if (!c.probability) c.probability = 0.0;
      if (*c.probability < 0.0 || *c.probability > 1.0)
        throw ValidationError("stages: the probability of '" + c.name + "' must be between 0 and 1", "stages");
    } else {
      c.probability.reset();
    }
    c.position = static_cast<int>(clean.size());
    clean.push_back(c);
  }
  db::Transaction tx(ctx_.db());
  for (const auto& old : names()) {
    bool kept = std::any_of(clean.begin(), clean.end(), [&](const Stage& s) { return s.name == old; });
    if (kept) continue;
    if (auto used = hooks::stage_usage(ctx_, kind_, old); used && used->count > 0)
      throw ValidationError("stages: '" + old + "' is still the stage of " + std::to_string(used->count) + " " +
                                used->noun + "; move them before removing it",
                            "stages");
  }
  std::string before, after;
  for (const auto& n : names()) before += (before.empty() ? "" : ", ") + n;
  ctx_.db().prepare("DELETE FROM stages WHERE kind = ?").bind_all(kind_).exec();
  for (const auto& s : clean) {
    ctx_.db()
        .prepare("INSERT INTO stages(kind, name, position, probability) VALUES (?,?,?,?)")
        .bind_all(kind_, s.name, s.position, s.probability)
        .exec();
    after += (after.empty() ? "" : ", ") + s.name;
  }
  config_changed(ctx_);
  history::record(ctx_, "stages", 0, kind_, before, after);
  tx.commit();
}

}  // namespace crmkit::schema
