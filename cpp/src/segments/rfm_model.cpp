#include "crmkit/segments/rfm_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

#include "crmkit/error.hpp"

namespace crmkit::segments {
namespace {

// Scores by position of the first occurrence of each value so that ties can never straddle a
// quintile boundary; the price is that a heavily tied value takes the lower score.
std::vector<int> quintile_scores(const std::vector<double>& keys) {
  const std::size_t n = keys.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return keys[i] < keys[j]; });
  std::vector<int> scores(n, 1);
  std::size_t first_rank = 0;
  for (std::size_t pos = 0; pos < n; ++pos) {
    if (pos == 0 || keys[order[pos]] != keys[order[pos - 1]]) first_rank = pos;
    scores[order[pos]] = static_cast<int>(5 * first_rank / n) + 1;
  }
  return scores;
}

void check_measure(double value, bool non_negative, const char* field, std::size_t row) {
  if (!std::isfinite(value)) {
    throw ValidationError(std::string(field) + " must be a finite number", field,
                          static_cast<std::int64_t>(row));
  }
  if (non_negative && value < 0) {
    throw ValidationError(std::string(field) + " must be >= 0", field,
                          static_cast<std::int64_t>(row));
  }
}

}  // namespace

const std::array<std::string_view, 11>& rfm_cell_names() {
  static constexpr std::array<std::string_view, 11> kNames = {
      "Champions",      "Loyal",      "Potential Loyalist", "New Customers",
      "Promising",      "Need Attention", "About To Sleep",  "At Risk",
      "Cannot Lose Them", "Hibernating", "Lost"};
  return kNames;
}

std::string_view rfm_cell(int r, int f) {
  if (r < 1 || r > 5) throw ValidationError("r score must be in 1..5", "r");
  if (f < 1 || f > 5) throw ValidationError("f score must be in 1..5", "f");
  const auto& names = rfm_cell_names();
  // Rows are recency scores, columns frequency scores 1..5 (indices into rfm_cell_names()).
  static constexpr int kGrid[5][5] = {
      /* r=1 */ {10, 9, 7, 7, 8},
      /* r=2 */ {9, 9, 7, 7, 8},
      /* r=3 */ {6, 6, 5, 1, 1},
      /* r=4 */ {4, 2, 2, 1, 1},
      /* r=5 */ {3, 2, 2, 0, 0},
  };
  return names[static_cast<std::size_t>(kGrid[r - 1][f - 1])];
}

std::vector<RfmScore> rfm_scores(const std::vector<RfmInput>& customers) {
  const std::size_t n = customers.size();
  std::vector<double> recency_key(n), frequency_key(n), monetary_key(n);
  for (std::size_t i = 0; i < n; ++i) {
    const RfmInput& c = customers[i];
    check_measure(c.recency_days, true, "recency_days", i);
    check_measure(c.frequency, true, "frequency", i);
    check_measure(c.monetary, false, "monetary", i);
    // Negated so that "ascending = worse to better" holds for all three measures; adding 0.0
    // folds -0.0 into +0.0 (they compare equal anyway).
    recency_key[i] = -c.recency_days + 0.0;
    frequency_key[i] = c.frequency;
    monetary_key[i] = c.monetary;
  }
  const std::vector<int> r = quintile_scores(recency_key);
  const std::vector<int> f = quintile_scores(frequency_key);
  const std::vector<int> m = quintile_scores(monetary_key);
  std::vector<RfmScore> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(RfmScore{customers[i].customer_id, r[i], f[i], m[i],
                           std::string(rfm_cell(r[i], f[i]))});
  }
  return out;
}

}  // namespace crmkit::segments
