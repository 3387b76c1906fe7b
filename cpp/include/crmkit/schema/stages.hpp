// crmkit/schema/stages.hpp — configurable stages: the customer lifecycle and the sales pipeline.
//
// Stages are ordered data. Replacing a list refuses to drop a stage that records still use, so
// no record is ever left in a stage that does not exist. Thread-safety: see Database.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crmkit/context.hpp"

namespace crmkit::schema {

struct Stage {
  std::string name;
  int position = 0;
  std::optional<double> probability;  // pipeline stages only: 0..1
};

// The probability of the pipeline stage named by the SQL expression `stage_sql`, as a scalar SQL
// expression (NULL for a stage without one, or not defined): for the queries of the domains that
// show it beside their records (opportunities, the forecast).
std::string pipeline_stage_probability_sql(const std::string& stage_sql);

class Stages {
 public:
  // kind: "lifecycle" or "pipeline".
  Stages(Context ctx, std::string kind) : ctx_(std::move(ctx)), kind_(std::move(kind)) {}
  std::vector<Stage> list() const;
  std::vector<std::string> names() const;
  // Replaces the ordered list. Throws ValidationError for an empty list, duplicate or empty
  // names, a probability outside 0..1, or dropping a stage still in use (naming it and how many
  // records use it).
  void set(const std::vector<Stage>& stages);
  // Throws ValidationError naming `field` (and `row`) unless `name` is one of the stages.
  void require(const std::string& name, const std::string& field, std::optional<std::int64_t> row = std::nullopt) const;

 private:
  Context ctx_;
  std::string kind_;
};

}  // namespace crmkit::schema
