// Duplicate customers: the name-gram index and the scan (crmkit/customers/duplicates.hpp).
#include "crmkit/customers/duplicates.hpp"

#include <unicode/utf8.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <unordered_set>

#include "crmkit/error.hpp"
#include "crmkit/io/clean.hpp"

namespace crmkit::customers {

namespace {

std::vector<std::uint32_t> code_points(const std::string& s) {
  std::vector<std::uint32_t> out;
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? 0xFFFDu : static_cast<std::uint32_t>(c));
  }
  return out;
}

// Levenshtein distance of two code-point strings when it is at most `k`, else k + 1: only the
// diagonal band of width 2k + 1 is computed, and the scan stops once a row exceeds k.
std::size_t bounded_distance(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b, std::size_t k) {
  const std::size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > k) return k + 1;
  const std::size_t big = k + 1;
  std::vector<std::size_t> prev(m + 1, big), cur(m + 1, big);
  for (std::size_t j = 0; j <= std::min(m, k); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t lo = i > k ? i - k : 1, hi = std::min(m, i + k);
    std::fill(cur.begin(), cur.end(), big);
    if (i <= k) cur[0] = i;
    std::size_t best = cur[0];
    for (std::size_t j = lo; j <= hi; ++j) {
      std::size_t d = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d = std::min(d, prev[j] + 1);
      d = std::min(d, cur[j - 1] + 1);
      cur[j] = std::min(d, big);
      best = std::min(best, cur[j]);
    }
    if (best > k) return big;
    std::swap(prev, cur);
  }
  return std::min(prev[m], big);
}

}  // namespace

std::vector<std::uint64_t> name_grams(const std::string& key) { return grams_of(code_points(key)); }

std::vector<std::uint64_t> grams_of(const std::vector<std::uint32_t>& cps) {
  std::vector<std::uint64_t> grams;
  if (cps.size() == 1) grams.push_back(cps[0]);
  for (std::size_t i = 0; i + 1 < cps.size(); ++i)
    grams.push_back((std::uint64_t{cps[i]} << 32) | cps[i + 1] | (std::uint64_t{1} << 63));
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

NameIndex::NameIndex(double threshold, std::size_t max_postings) : threshold_(threshold), max_postings_(max_postings) {
  if (!(threshold > 0 && threshold <= 1))
    throw ValidationError("threshold: " + std::to_string(threshold) + " is not a similarity in (0, 1]", "threshold");
}

// Two keys within edit distance τ share at least |grams| − 2τ of their distinct bigrams (one
// edit breaks at most two), so in one fixed order of grams (rarest first by the frequencies
// frozen at seal(), ties by value) their first 2τ + 1 grams intersect. τ is the largest distance
// the threshold allows against any key that passes the length filter: (1 − t) / t · length.
std::vector<std::uint64_t> NameIndex::prefix_grams(std::vector<std::uint64_t> grams, std::size_t length) const {
  auto rank = [&](std::uint64_t g) {
    auto it = frequency_.find(g);
    return it == frequency_.end() ? 0u : it->second;
  };
  std::sort(grams.begin(), grams.end(), [&](std::uint64_t a, std::uint64_t b) {
    const auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a < b;
  });
  const auto tau =
      static_cast<std::size_t>(std::floor((1 - threshold_) / threshold_ * static_cast<double>(length) + 1e-9));
  grams.resize(std::min(grams.size(), 2 * tau + 1));
  return grams;
}

void NameIndex::add(std::int64_t id, const std::string& key) {
  const auto pos = static_cast<std::uint32_t>(ids_.size());
  ids_.push_back(id);
  keys_.push_back(code_points(key));
  seen_.push_back(0);
  // After seal() the order is frozen: a new key is indexed under its prefix right away.
  if (sealed_)
    for (auto g : prefix_grams(name_grams(key), keys_.back().size())) postings_[g].push_back(pos);
}

void NameIndex::seal() {
  if (sealed_) return;
  std::vector<std::vector<std::uint64_t>> grams(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    grams[i] = grams_of(keys_[i]);
    for (auto g : grams[i]) ++frequency_[g];
  }
  for (std::size_t i = 0; i < keys_.size(); ++i)
    for (auto g : prefix_grams(std::move(grams[i]), keys_[i].size()))
      postings_[g].push_back(static_cast<std::uint32_t>(i));
  sealed_ = true;
}

std::vector<std::pair<std::int64_t, double>> NameIndex::similar(const std::string& key, std::int64_t self,
                                                                std::int64_t only_below) {
  if (!sealed_) seal();
  std::vector<std::pair<std::int64_t, double>> out;
  const auto cps = code_points(key);
  const std::size_t len = cps.size();
  if (len == 0) return out;
  if (++probe_ == 0) {  // the probe counter wrapped: forget what earlier probes saw
    std::fill(seen_.begin(), seen_.end(), 0);
    probe_ = 1;
  }
  for (auto g : prefix_grams(grams_of(cps), len)) {
    auto it = postings_.find(g);
    if (it == postings_.end() || it->second.size() > max_postings_) continue;
    for (auto pos : it->second) {
      if (seen_[pos] == probe_) continue;
      seen_[pos] = probe_;
      const auto id = ids_[pos];
      if (id == self || id >= only_below) continue;
      const auto other = keys_[pos].size();
      const auto longer = std::max(len, other);
      // Levenshtein similarity is at most shorter / longer: skip what cannot reach the threshold.
      if (static_cast<double>(std::min(len, other)) < threshold_ * static_cast<double>(longer) - 1e-9) continue;
      ++compared_;
      // io::name_similarity's score, 1 − distance / longer, computed only as far as the
      // threshold's distance bound.
      const auto k = static_cast<std::size_t>(std::floor((1 - threshold_) * static_cast<double>(longer) + 1e-9));
      const auto d = bounded_distance(cps, keys_[pos], k);
      if (d > k) continue;
      const double score = 1.0 - static_cast<double>(d) / static_cast<double>(longer);
      if (score >= threshold_ - 1e-12) out.emplace_back(id, score);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

DuplicateScan Duplicates::scan(double threshold) const {
  if (!(threshold > 0 && threshold <= 1))
    throw ValidationError("threshold: " + std::to_string(threshold) + " is not a similarity in (0, 1]", "threshold");
  db::Transaction tx(ctx_.db(), false);
  auto& db = ctx_.db();
  // The customers the view may see (every one for the system view).
  const bool everyone = ctx_.who->is_system();
  std::unordered_set<std::int64_t> visible;
  DuplicateScan out;
  {
    auto scope = ctx_.who->owner_filter("customers", "owner_id");
    auto q = db.prepare("SELECT id FROM customers WHERE " + scope.sql);
    int i = 0;
    for (auto p : scope.params) q.bind(++i, p);
    while (q.step()) {
      ++out.customers;
      if (!everyone) visible.insert(q.get_int(0));
    }
  }
  auto in_view = [&](std::int64_t id) { return everyone || visible.count(id) > 0; };

  struct Best {
    double score;
    int rule;  // 0 phone, 1 email, 2 name: the stronger rule wins a tie
  };
  std::map<std::pair<std::int64_t, std::int64_t>, Best> pairs;
  auto note = [&](std::int64_t a, std::int64_t b, double score, int rule) {
    if (a > b) std::swap(a, b);
    auto [it, fresh] = pairs.try_emplace({a, b}, Best{score, rule});
    if (!fresh && (score > it->second.score || (score == it->second.score && rule < it->second.rule)))
      it->second = Best{score, rule};
  };

  // Equal phones and e-mails: consecutive rows of the key index. A key held by several customers
  // pairs each with the first, so a switchboard number shared by a thousand customers gives a
  // thousand pairs, not half a million.
  {
    auto q = db.prepare(
        "SELECT kind, key, customer_id FROM customer_keys WHERE kind IN ('email', 'phone') ORDER BY kind, key, customer_id");
    std::string kind, key;
    std::int64_t first = 0;
    while (q.step()) {
      auto k = q.get_text_view(0);
      auto v = q.get_text_view(1);
      const auto id = q.get_int(2);
      if (!in_view(id)) continue;
      if (k != kind || v != key) {
        kind.assign(k);
        key.assign(v);
        first = id;
        continue;
      }
      if (id == first) continue;  // the customer's own attribute and one of its contacts
      ++out.candidates;
      note(first, id, 1.0, kind == "phone" ? 0 : 1);
    }
  }
  // Similar company names through the gram index.
  {
    NameIndex index(threshold);
    auto q = db.prepare("SELECT customer_id, key FROM customer_keys WHERE kind = 'name' AND contact_id = 0");
    std::vector<std::int64_t> ids;
    std::vector<std::string> keys;
    while (q.step()) {
      const auto id = q.get_int(0);
      if (!in_view(id)) continue;
      ids.push_back(id);
      keys.emplace_back(q.get_text_view(1));
      index.add(id, keys.back());
    }
    index.seal();
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (const auto& [other, score] : index.similar(keys[i], ids[i], ids[i])) note(other, ids[i], score, 2);
    out.candidates += index.compared();
  }

  // Best first; names of the customers involved, read a chunk of ids at a time.
  std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, Best>> sorted(pairs.begin(), pairs.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    if (a.second.score != b.second.score) return a.second.score > b.second.score;
    return a.first < b.first;
  });
  std::unordered_map<std::int64_t, std::string> names;
  {
    std::vector<std::int64_t> wanted;
    for (const auto& [ab, best] : sorted) {
      wanted.push_back(ab.first);
      wanted.push_back(ab.second);
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    constexpr std::size_t kChunk = 500;
    for (std::size_t done = 0; done < wanted.size(); done += kChunk) {
      const std::size_t n = std::min(kChunk, wanted.size() - done);
      std::string sql = "SELECT id, name FROM customers WHERE id IN (";
      for (std::size_t i = 0; i < n; ++i) sql += i ? ",?" : "?";
      auto nq = db.prepare(sql + ")");
      for (std::size_t i = 0; i < n; ++i) nq.bind(static_cast<int>(i + 1), wanted[done + i]);
      while (nq.step()) names[nq.get_int(0)] = nq.get_text(1);
    }
  }
  static const char* kRules[] = {"phone", "email", "name"};
  Table& t = out.pairs;
  t.add_column("customer_id", ColumnType::Int);
  t.add_column("other_id", ColumnType::Int);
  t.add_column("score", ColumnType::Float);
  t.add_column("rule", ColumnType::Text);
  t.add_column("name", ColumnType::Text);
  t.add_column("other_name", ColumnType::Text);
  for (const auto& [ab, best] : sorted) {
    t.column(0).push_int(ab.first);
    t.column(1).push_int(ab.second);
    t.column(2).push_float(best.score);
    t.column(3).push_text(kRules[best.rule]);
    t.column(4).push_text(names[ab.first]);
    t.column(5).push_text(names[ab.second]);
  }
  return out;
}

}  // namespace crmkit::customers
