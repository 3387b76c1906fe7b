// crmkit/segments/rfm_model.hpp — RFM (recency, frequency, monetary) quintile scoring and the
// named customer cells built on it.
//
// Scores are relative to the batch passed in: each of r, f, m is 1..5 by quintile of the batch,
// 5 being best (most recent, most frequent, highest spend). docs/clv_rfm.md gives the exact tie
// rule and the cell table.
//
// Thread-safety: pure functions without state; safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crmkit::segments {

struct RfmInput {
  std::int64_t customer_id;
  double recency_days;  // days since the last purchase, >= 0
  double frequency;     // purchases (or purchase days), >= 0
  double monetary;      // spend; any finite value (net refunds may make it negative)
};

struct RfmScore {
  std::int64_t customer_id;
  int r, f, m;        // 1..5
  std::string label;  // one of rfm_cell_names()
};

// Scores a batch. Guarantees: one row per input row, in input order; every score is in 1..5;
// equal values of a measure always get the same score. For each measure the rows are ordered
// from worst to best (recency descending, frequency and monetary ascending) and a value whose
// first occurrence has 0-based position k gets floor(5 k / n) + 1. An empty batch gives an
// empty result.
// Throws ValidationError (row = index; field "recency_days", "frequency" or "monetary") for a
// non-finite value, a negative recency_days or a negative frequency.
std::vector<RfmScore> rfm_scores(const std::vector<RfmInput>& customers);

// The eleven cell names, best first.
const std::array<std::string_view, 11>& rfm_cell_names();

// The cell of an (r, f) pair; every pair in 1..5 x 1..5 maps to exactly one cell (the monetary
// score does not enter the cell). Throws ValidationError (field "r" or "f") outside 1..5.
std::string_view rfm_cell(int r, int f);

}  // namespace crmkit::segments
