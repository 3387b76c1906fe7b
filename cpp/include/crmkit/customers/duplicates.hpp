// crmkit/customers/duplicates.hpp — finding customers that are one another (客户查重).
//
// Two customers are duplicates when they share an E.164 phone or an e-mail (score 1), or when
// their company-name keys (io::company_key) are similar: score io::name_similarity, 1 − edit
// distance / longer length (docs/import.md explains the default threshold). Candidate pairs come
// from indexes, never from comparing all pairs: equal phone and e-mail keys from the key index
// (customer_keys), similar names from an index of name bigrams in which only the rarest grams of
// each name are probed (prefix filtering) and grams shared by very many names are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crmkit/context.hpp"
#include "crmkit/table.hpp"

namespace crmkit::customers {

// The default similarity from which two company names count as the same company.
inline constexpr double kDefaultNameThreshold = 0.8;

// Similar company-name keys, found through an index of their bigrams (a one-character key is its
// own gram). Add every key first, then ask: a key's candidates are the keys sharing one of the
// rarest grams of its prefix (long enough that two keys within the threshold's edit distance
// always share one), and each candidate is scored with io::name_similarity. A gram held by more
// than `max_postings` keys is not probed (a city name that thousands of companies start with
// says nothing); pairs whose only shared grams are such grams are not found.
class NameIndex {
 public:
  explicit NameIndex(double threshold = kDefaultNameThreshold, std::size_t max_postings = 32);
  // `id` must be added once; keys may repeat.
  void add(std::int64_t id, const std::string& key);
  // Call after the last add() and before similar(): orders each key's grams by rarity.
  void seal();
  // The ids (other than `self`) whose keys score at least the threshold against `key`, with their
  // scores, best first. `only_below`: only ids less than it (each pair once in a self-join).
  std::vector<std::pair<std::int64_t, double>> similar(const std::string& key, std::int64_t self = 0,
                                                       std::int64_t only_below = INT64_MAX);
  std::size_t size() const { return ids_.size(); }
  // Candidate pairs scored so far (the work done, reported by benchmarks).
  std::uint64_t compared() const { return compared_; }
  double threshold() const { return threshold_; }

 private:
  // The first grams of a key in the frozen order (rarest first): the ones it is indexed and probed by.
  std::vector<std::uint64_t> prefix_grams(std::vector<std::uint64_t> grams, std::size_t length) const;

  double threshold_;
  std::size_t max_postings_;
  bool sealed_ = false;
  std::vector<std::int64_t> ids_;
  std::vector<std::vector<std::uint32_t>> keys_;  // code points, decoded once
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings_;  // gram → keys it prefixes
  std::unordered_map<std::uint64_t, std::uint32_t> frequency_;  // gram → keys holding it, at seal()
  std::vector<std::uint32_t> seen_;  // per key position: the probe that last saw it
  std::uint32_t probe_ = 0;
  std::uint64_t compared_ = 0;
};

// The grams of a key: code-point bigrams packed into one integer, or the key's one code point.
std::vector<std::uint64_t> name_grams(const std::string& key);
std::vector<std::uint64_t> grams_of(const std::vector<std::uint32_t>& code_points);

struct DuplicateScan {
  Table pairs;                  // customer_id, other_id, score, rule, name, other_name
  std::uint64_t candidates = 0; // candidate pairs scored
  std::uint64_t customers = 0;  // customers considered
};

class Duplicates {
 public:
  explicit Duplicates(Context ctx) : ctx_(std::move(ctx)) {}
  // Pairs of customers in the view's scope that look like one customer, best score first: the
  // lower id in customer_id. A phone or e-mail held by several customers pairs each with the
  // first of them (merging into it collapses the group). Throws ValidationError unless
  // 0 < threshold <= 1.
  DuplicateScan scan(double threshold = kDefaultNameThreshold) const;

 private:
  Context ctx_;
};

}  // namespace crmkit::customers
