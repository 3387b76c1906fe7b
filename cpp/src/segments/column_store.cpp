#include "crmkit/segments/column_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "crmkit/db/change_feed.hpp"
#include "crmkit/db/database.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/rules/semantics.hpp"
#include "crmkit/schema/fields.hpp"

namespace crmkit::segments {

namespace {

using rules::FieldType;
using rules::Node;
using rules::Op;
using rules::Value;
using Bits = std::vector<std::uint64_t>;

constexpr std::int64_t kMinI = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxI = std::numeric_limits<std::int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kMissing = std::numeric_limits<std::uint32_t>::max();
// Integers up to 2^53 convert to double exactly, so comparing the double gives the same answer
// as SQLite's exact int/double comparison; larger ones are kept as exceptions.
constexpr std::int64_t kExactDouble = 9007199254740992LL;
// Below this many changed customers a refresh reloads just them; above it a full load is cheaper.
constexpr std::size_t kIncrementalFloor = 1000;

std::size_t words(std::size_t n) { return (n + 63) / 64; }

// The set bits of a word. std::popcount is a call into the compiler's runtime library where the
// target lacks a population-count instruction (baseline x86-64 does, and wheels are built for
// it); the same count in a few inline operations is several times cheaper there, and a loop of
// it vectorises.
inline int bit_count(std::uint64_t x) {
#if defined(__x86_64__) && !defined(__POPCNT__)
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
#else
  return std::popcount(x);
#endif
}
bool get_bit(const Bits& b, std::size_t i) { return ((b[i / 64] >> (i % 64)) & 1U) != 0; }
void put_bit(Bits& b, std::size_t i, bool v) {
  const std::uint64_t m = std::uint64_t{1} << (i % 64);
  if (v) b[i / 64] |= m;
  else b[i / 64] &= ~m;
}

// 64 bytes of 0 or 1 to the 64 bits of a word, in order. One multiplication gathers eight bytes'
// low bits into the top byte, so a predicate loop can write bytes (which the compiler vectorises)
// instead of shifting each result into place.
std::uint64_t pack_bytes(const std::uint8_t* hit) {
  std::uint64_t out = 0;
  for (unsigned k = 0; k < 8; ++k) {
    if constexpr (std::endian::native == std::endian::little) {
      std::uint64_t v = 0;
      std::memcpy(&v, hit + 8 * k, 8);
      out |= ((v * 0x0102040810204080ULL) >> 56) << (8 * k);
    } else {
      for (unsigned j = 0; j < 8; ++j) out |= static_cast<std::uint64_t>(hit[8 * k + j]) << (8 * k + j);
    }
  }
  return out;
}

// pred on `rows` rows from base (at most 64), shifting each result into its bit.
template <typename F>
std::uint64_t shifted_word(std::size_t base, std::size_t rows, F& pred) {
  std::uint64_t b = 0;
  for (std::size_t j = 0; j < rows; ++j) b |= static_cast<std::uint64_t>(pred(base + j) ? 1 : 0) << j;
  return b;
}

// pred on the 64 rows from base, as a word. Through bytes when the compiler can vectorise pred
// (32-bit codes, doubles); 64-bit integer comparisons have no baseline x86-64 vector form, and
// for them shifting each result into place is faster than storing bytes.
template <bool Bytes, typename F>
std::uint64_t full_word(std::size_t base, F& pred) {
  if constexpr (Bytes) {
    alignas(64) std::uint8_t hit[64];
    for (std::size_t j = 0; j < 64; ++j) hit[j] = pred(base + j) ? 1 : 0;
    return pack_bytes(hit);
  } else {
    return shifted_word(base, 64, pred);
  }
}

// A word with at most this many candidate rows tests them one by one; a fuller word tests all 64
// rows at once (the compiler vectorises that loop), which costs about as much as testing this many
// one by one.
constexpr int kSparseWord = 8;

// A second core for large counts: one thread per process, started on first use and kept, since
// starting a thread per count (about 35 us) costs most of what the second half saves. A caller
// that finds it busy (another count is using it) does the whole job itself. After a fork the
// child has no such thread, so a helper belongs to the process that started it and a child
// starts its own; the parent's copy, whose lock may have been held at the fork, is never touched.
class SecondCore {
 public:
  // Runs `job` on the helper while the caller runs `mine`; returns once both are done, and
  // rethrows what either threw. False (nothing run) when the helper is busy or cannot be started.
  static bool run_beside(const std::function<void()>& job, const std::function<void()>& mine) {
    SecondCore* core = mine_for_this_process();
    if (!core) return false;
    bool expected = false;
    if (!core->busy_.compare_exchange_strong(expected, true)) return false;
    core->done_flag_.store(false, std::memory_order_relaxed);
    {
      std::lock_guard lock(core->mutex_);
      core->job_ = &job;
      core->pending_.store(true, std::memory_order_release);
    }
    core->wake_.notify_one();
    std::exception_ptr caller_failed;
    try {
      mine();
    } catch (...) {
      caller_failed = std::current_exception();
    }
    // The halves take about as long: wait for the other by spinning, not by sleeping.
    while (!core->done_flag_.load(std::memory_order_acquire)) std::this_thread::yield();
    std::exception_ptr job_failed = std::exchange(core->job_failed_, nullptr);
    core->busy_.store(false);
    if (caller_failed) std::rethrow_exception(caller_failed);
    if (job_failed) std::rethrow_exception(job_failed);
    return true;
  }

 private:
  static SecondCore* mine_for_this_process() {
    static std::atomic<SecondCore*> current{nullptr};
    SecondCore* core = current.load();
    if (core && core->pid_ == ::getpid()) return core;
    auto* fresh = new SecondCore();  // kept for the life of the process (the thread uses it)
    fresh->before_ = core;           // the parent's copy after a fork: still referenced, never used
    try {
      std::thread(&SecondCore::loop, fresh).detach();
    } catch (const std::system_error&) {
      delete fresh;
      return nullptr;
    }
    if (!current.compare_exchange_strong(core, fresh)) return core && core->pid_ == ::getpid() ? core : nullptr;
    return fresh;
  }

  void loop() {
    for (;;) {
      // Counts come in runs (a page of segments, a dashboard): after one, watch for the next for a
      // moment before sleeping, since waking a sleeping core takes longer than a half count.
      const auto until = std::chrono::steady_clock::now() + kWatch;
      while (!pending_.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      const std::function<void()>* job = nullptr;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return job_ != nullptr; });
        job = job_;
        job_ = nullptr;
        pending_.store(false, std::memory_order_relaxed);
      }
      try {
        (*job)();
      } catch (...) {
        job_failed_ = std::current_exception();  // read by the caller after done_flag_
      }
      done_flag_.store(true, std::memory_order_release);
    }
  }

  const pid_t pid_ = ::getpid();
  SecondCore* before_ = nullptr;
  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void()>* job_ = nullptr;
  std::exception_ptr job_failed_;
  std::atomic<bool> done_flag_{true};
  std::atomic<bool> pending_{false};
  static constexpr std::chrono::microseconds kWatch{200};
};

// Packs pred over the rows of `within` (all n rows when it is null) into a bitmap, 64 rows per
// word; the other bits are 0 and the lambda is inlined per call site. A clause evaluated after
// others in an AND tests just the rows they left, so a selective first clause makes the rest
// nearly free.
template <bool Bytes = true, typename F>
Bits make_bits(std::size_t n, const Bits* within, F&& pred) {
  Bits out(words(n), 0);
  for (std::size_t w = 0; w < out.size(); ++w) {
    const std::size_t base = w * 64;
    const std::size_t rows = std::min<std::size_t>(64, n - base);
    const std::uint64_t all = rows == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << rows) - 1;
    const std::uint64_t m = within ? (*within)[w] & all : all;
    if (m == 0) continue;
    std::uint64_t b = 0;
    if (bit_count(m) <= kSparseWord) {
      for (std::uint64_t bits = m; bits != 0; bits &= bits - 1) {
        const int j = std::countr_zero(bits);
        if (pred(base + static_cast<std::size_t>(j))) b |= std::uint64_t{1} << j;
      }
    } else {
      b = (rows == 64 ? full_word<Bytes>(base, pred) : shifted_word(base, rows, pred)) & m;
    }
    out[w] = b;
  }
  return out;
}

template <bool Bytes = true, typename F>
Bits make_bits(std::size_t n, F&& pred) {
  return make_bits<Bytes>(n, nullptr, pred);
}

// ---------------------------------------------------------------------------------------------
// Storage access: loading reads each cell's storage class, through db::Stmt's typed accessors.

Value cell_value(const db::Stmt& st, int col) {
  switch (st.cell_type(col)) {
    case db::CellType::Integer: return Value(st.get_int(col));
    case db::CellType::Real: return Value(st.get_double(col));
    case db::CellType::Null: return Value();
    // A BLOB has no rule-language counterpart; its bytes as text is the closest reading.
    default: return Value(std::string(st.get_text_view(col)));
  }
}

constexpr const char* kFrom = " FROM customers c LEFT JOIN customer_facts f ON f.customer_id = c.id";
// The rows of a partial reload: a JSON list of ids bound as ?1.
std::string id_filter(const db::Database& db) { return " c.id IN (" + db.dialect().ids_in_json("?1") + ")"; }

std::string id_list_json(const std::vector<std::int64_t>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// Comparison leaves as intervals of stored keys.
//
// A comparison leaf (semantics::is_comparison) depends on its value only through
// semantics::compare(value, literal_i). When the value is a monotone function of a stored int64
// key (the integer itself, the ordered bits of a double, or the days since a stored instant), each
// of those comparisons changes at most twice along the keys, so bisection finds every point where
// any of them changes, and semantics::holds evaluated once per piece between those points decides
// the whole piece. The fast loops then test key intervals; the operator's meaning is never
// restated here.

struct IntRanges {
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  bool negate = false;  // the leaf holds outside the ranges (among non-NULL rows)
};

// Smallest key in [lo, hi] where `pred` (false then true, true at hi) holds.
template <typename Pred>
std::int64_t first_key(std::int64_t lo, std::int64_t hi, Pred&& pred) {
  auto at = [lo](std::uint64_t off) { return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + off); };
  std::uint64_t a = 0, b = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  while (a < b) {
    const std::uint64_t mid = a + (b - a) / 2;
    if (pred(at(mid))) b = mid;
    else a = mid + 1;
  }
  return at(a);
}

// The keys in [lo, hi] on which the leaf `op` with literals `lits` holds, for a field whose value
// at key k is value_of(k), monotone in k (either direction).
template <typename ValueOf>
IntRanges monotone_ranges(Op op, const std::vector<Value>& lits, std::int64_t lo, std::int64_t hi, ValueOf&& value_of) {
  std::vector<std::int64_t> starts{lo};
  for (const Value& lit : lits) {
    const int first = rules::semantics::compare(value_of(lo), lit);
    const int last = rules::semantics::compare(value_of(hi), lit);
    const int dir = last > first ? 1 : -1;
    for (int c = first; c != last; c += dir) {
      starts.push_back(first_key(lo, hi, [&](std::int64_t k) { return dir * (rules::semantics::compare(value_of(k), lit) - c) > 0; }));
    }
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  IntRanges yes, no;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::int64_t end = i + 1 < starts.size() ? starts[i + 1] - 1 : hi;
    auto& side = rules::semantics::holds(op, value_of(starts[i]), lits) ? yes.ranges : no.ranges;
    if (!side.empty() && side.back().second + 1 == starts[i]) side.back().second = end;
    else side.emplace_back(starts[i], end);
  }
  // The loops are cheapest with fewer ranges: `not in (a, b)` is tested as "not in [a] or [b]".
  if (yes.ranges.size() > 1 && no.ranges.size() < yes.ranges.size()) {
    no.negate = true;
    return no;
  }
  return yes;
}

// Doubles as int64 keys in the same order (-0.0 just below +0.0), NaN excluded.
std::int64_t double_key(double d) {
  const auto bits = std::bit_cast<std::int64_t>(d);
  return bits < 0 ? bits ^ kMaxI : bits;
}
double key_double(std::int64_t k) { return std::bit_cast<double>(k < 0 ? k ^ kMaxI : k); }

// ---------------------------------------------------------------------------------------------
// Storage.

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

// Code 0 is NULL; strings get 1, 2, ... in order of first appearance (codes are not ordered).
struct Dict {
  std::vector<std::string> values{std::string()};
  StringMap<std::uint32_t> index;

  std::uint32_t intern(std::string_view s) {
    if (auto it = index.find(s); it != index.end()) return it->second;
    const auto code = static_cast<std::uint32_t>(values.size());
    values.emplace_back(s);
    index.emplace(values.back(), code);
    return code;
  }
  std::uint32_t find(std::string_view s) const {
    auto it = index.find(s);
    return it == index.end() ? kMissing : it->second;
  }
};

// A bitmap that may be shorter than the rows held: rows beyond it are not members.
const Bits kNoRows;
struct SetBits {
  static void update(Bits& b, std::uint32_t row, bool member) {
    if (b.size() <= row / 64) {
      if (!member) return;
      b.resize(row / 64 + 1, 0);
    }
    put_bit(b, row, member);
  }
  // The members among the first n rows, as a bitmap of all n.
  static Bits widened(const Bits& b, std::size_t n) {
    Bits out(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min(b.size(), words(n))));
    out.resize(words(n), 0);
    return out;
  }
};

enum class Kind { Int, Real, Text, Multi, Days, Unstorable };

struct Column {
  std::string name;
  FieldType type = FieldType::Text;
  std::string sql;
  Kind kind = Kind::Text;
  bool resident = false;
  int source = -1;  // Days: the column of the source time

  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::vector<std::uint32_t> codes;
  std::vector<std::vector<std::uint32_t>> lists;
  Dict dict;
  Bits valid;  // a value of the column's own representation is present (Int, Real, Multi)
  // Cells whose storage class does not fit the representation (an integer in a text custom
  // field, text in a number field, an integer beyond 2^53 in a number field): kept as values and
  // evaluated one by one.
  std::unordered_map<std::uint32_t, Value> odd;
  // Text columns of few distinct values (industry, region, stage) also keep one bitmap per
  // value, maintained cell by cell, so that an equality clause is a copy of its bitmap instead of
  // a pass over every row's code. A column that grows past kValueBitmapsMax values drops them
  // (they would cost more memory than the codes) and answers from the codes.
  static constexpr std::size_t kValueBitmapsMax = 32;
  std::vector<Bits> value_rows;  // indexed by code; value_rows[0] unused; a bitmap may be short
  bool value_bitmaps = true;

  bool stored() const { return kind == Kind::Int || kind == Kind::Real || kind == Kind::Text || kind == Kind::Multi; }

  void clear() {
    ints = {};
    reals = {};
    codes = {};
    lists = {};
    dict = Dict();
    valid = {};
    odd = {};
    value_rows = {};
    value_bitmaps = true;
  }

  // The row's text code changes from `from` to `to` (code 0, NULL, has no bitmap).
  void recode(std::uint32_t row, std::uint32_t from, std::uint32_t to) {
    codes[row] = to;
    if (!value_bitmaps || from == to) return;
    if (dict.values.size() > kValueBitmapsMax) {
      value_bitmaps = false;
      value_rows = {};
      return;
    }
    if (from != 0) SetBits::update(value_rows[from], row, false);
    if (to != 0) {
      if (value_rows.size() <= to) value_rows.resize(to + 1);
      SetBits::update(value_rows[to], row, true);
    }
  }

  void resize(std::size_t n) {
    valid.resize(words(n), 0);
    switch (kind) {
      case Kind::Int: ints.resize(n, 0); break;
      case Kind::Real: reals.resize(n, 0.0); break;
      case Kind::Text: codes.resize(n, 0); break;
      case Kind::Multi: lists.resize(n); break;
      default: break;
    }
  }

  void set(std::uint32_t row, const db::Stmt& st, int col) {
    if (!odd.empty()) odd.erase(row);
    const db::CellType t = st.cell_type(col);
    bool ok = false;
    switch (kind) {
      case Kind::Int:
        if (t == db::CellType::Integer) {
          ints[row] = st.get_int(col);
          ok = true;
        }
        break;
      case Kind::Real:
        if (t == db::CellType::Real) {
          reals[row] = st.get_double(col);
          ok = true;
        } else if (t == db::CellType::Integer) {
          const std::int64_t v = st.get_int(col);
          if (v >= -kExactDouble && v <= kExactDouble) {
            reals[row] = static_cast<double>(v);
            ok = true;
          }
        }
        break;
      case Kind::Text: {
        const std::uint32_t from = codes[row];
        if (t == db::CellType::Text) {
          recode(row, from, dict.intern(st.get_text_view(col)));
          return;
        }
        recode(row, from, 0);
        if (t != db::CellType::Null) odd.emplace(row, cell_value(st, col));
        return;
      }
      case Kind::Multi:
        // The query yields 1 when the value is a JSON array; elements arrive separately.
        lists[row].clear();
        put_bit(valid, row, st.get_int(col) != 0);
        return;
      default: return;
    }
    put_bit(valid, row, ok);
    if (!ok && t != db::CellType::Null) odd.emplace(row, cell_value(st, col));
  }

  // The value as the catalog SQL yields it (multi_enum: the list of its text elements).
  Value value(std::uint32_t row) const {
    if (auto it = odd.find(row); it != odd.end()) return it->second;
    switch (kind) {
      case Kind::Int: return get_bit(valid, row) ? Value(ints[row]) : Value();
      case Kind::Real: return get_bit(valid, row) ? Value(reals[row]) : Value();
      case Kind::Text: return codes[row] ? Value(dict.values[codes[row]]) : Value();
      case Kind::Multi: {
        if (!get_bit(valid, row)) return Value();
        Value::List list;
        for (const auto c : lists[row]) list.push_back(dict.values[c]);
        return Value(std::move(list));
      }
      default: return Value();
    }
  }

  bool is_null(std::uint32_t row) const {
    if (kind == Kind::Text) return codes[row] == 0 && !odd.contains(row);
    return !get_bit(valid, row) && !odd.contains(row);
  }
};

// Tags or groups: each resident name maps to the bitmap of the rows that carry it (a rule uses it
// as a bitmap, so a tag clause is a copy, not a pass over the members). A bitmap may be shorter
// than the rows held: rows beyond it are not members.
struct SetIndex {
  StringMap<Bits> rows;

  bool has(std::string_view name, std::uint32_t row) const {
    auto it = rows.find(name);
    return it != rows.end() && row / 64 < it->second.size() && get_bit(it->second, row);
  }
};

struct Needs {
  std::vector<int> columns;
  std::vector<std::string> tags;
  std::vector<std::string> groups;
};

}  // namespace

// =============================================================================================

struct ColumnStore::Impl {
  db::Database& db;
  rules::Catalog catalog;
  ColumnStoreOptions options;
  mutable std::shared_mutex mutex;

  std::vector<Column> columns;
  std::unordered_map<std::string, int> column_of;

  // Rows are kept in ascending id order (ids only grow); deleted customers leave dead rows until
  // the next full load.
  std::vector<std::int64_t> ids;
  Bits live;
  std::size_t live_count = 0;
  std::size_t dead = 0;
  std::vector<std::int64_t> owner;
  Bits owner_valid;
  SetIndex tags;
  SetIndex groups;

  bool loaded = false;
  bool need_full = true;
  std::int64_t last_seq = 0;
  std::string schema_sig;
  std::int64_t seen_data_version = -1;
  std::int64_t seen_total_changes = -1;
  ColumnStoreStats counters;
  // Load scheduling: SQL answers given since data was last loaded (answer_through_sql), and the
  // answers evaluated here, counted under the shared lock.
  std::int64_t cold_streak = 0;
  std::atomic<std::int64_t> column_answers{0};

  Impl(db::Database& d, rules::Catalog c, ColumnStoreOptions o) : db(d), options(std::move(o)) {
    set_catalog(std::move(c));
  }

  void set_catalog(rules::Catalog c) {
    catalog = std::move(c);
    columns.clear();
    column_of.clear();
    for (const auto& f : catalog.fields) {
      Column col;
      col.name = f.name;
      col.type = f.type;
      col.sql = f.sql;
      const bool has_now = rules::expand_now(f.sql, "?").now_count > 0;
      switch (f.type) {
        case FieldType::Number: col.kind = Kind::Real; break;
        case FieldType::Text:
        case FieldType::Enum: col.kind = Kind::Text; break;
        case FieldType::MultiEnum: col.kind = Kind::Multi; break;
        default: col.kind = Kind::Int;
      }
      if (has_now) col.kind = Kind::Unstorable;
      column_of.emplace(col.name, static_cast<int>(columns.size()));
      columns.push_back(std::move(col));
    }
    for (const auto& f : catalog.fields) {
      if (f.days_since_of.empty()) continue;
      auto src = column_of.find(f.days_since_of);
      if (src == column_of.end() || columns[static_cast<std::size_t>(src->second)].kind != Kind::Int ||
          (columns[static_cast<std::size_t>(src->second)].type != FieldType::DateTime &&
           columns[static_cast<std::size_t>(src->second)].type != FieldType::Date)) {
        throw Error("segment store: days-since field '" + f.name + "' needs a stored date or datetime field '" +
                    f.days_since_of + "'");
      }
      Column& col = columns[static_cast<std::size_t>(column_of.at(f.name))];
      if (col.type != FieldType::Integer) {
        throw Error("segment store: days-since field '" + f.name + "' must be an integer field");
      }
      col.kind = Kind::Days;
      col.source = src->second;
    }
    if (options.eager) {
      for (auto& col : columns) {
        if (col.kind != Kind::Unstorable) col.resident = true;
      }
    }
    need_full = true;
  }

  Column& column(int i) { return columns[static_cast<std::size_t>(i)]; }
  const Column& column(int i) const { return columns[static_cast<std::size_t>(i)]; }

  std::optional<std::uint32_t> find_row(std::int64_t id) const {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it == ids.end() || *it != id) return std::nullopt;
    return static_cast<std::uint32_t>(it - ids.begin());
  }

  // ---- rule checks ---------------------------------------------------------------------------

  // Maps each of the rule's fields to a column; throws when the rule does not fit this store.
  std::vector<int> map_fields(const rules::Rule& rule) const {
    if (rule.entity() != catalog.entity) {
      throw Error("segment store: the rule is for " + rule.entity() + ", the store holds " + catalog.entity);
    }
    std::vector<int> out;
    for (const auto& f : rule.fields()) {
      auto it = column_of.find(f.name);
      if (it == column_of.end()) throw Error("segment store: field '" + f.name + "' is not in the store's catalog");
      const Column& col = column(it->second);
      if (col.type != f.type) {
        throw Error("segment store: field '" + f.name + "' is " + std::string(rules::type_name(col.type)) +
                    " in the store's catalog, not " + std::string(rules::type_name(f.type)));
      }
      if (col.kind == Kind::Unstorable) {
        throw Error("segment store: field '" + f.name +
                    "' depends on now and has no days-since definition, so it cannot be held in memory");
      }
      out.push_back(it->second);
    }
    return out;
  }

  Needs needs_of(const rules::Rule& rule, const std::vector<int>& fields) const {
    Needs n;
    for (const int ci : fields) {
      const Column& col = column(ci);
      n.columns.push_back(col.kind == Kind::Days ? col.source : ci);
    }
    for (const auto& node : rule.nodes()) {
      if (node.op == Op::HasTag) n.tags.push_back(node.args[0].value.as_string());
      if (node.op == Op::InGroup) n.groups.push_back(node.args[0].value.as_string());
    }
    return n;
  }

  bool satisfied(const Needs& n) const {
    if (!loaded || need_full) return false;
    for (const int c : n.columns) {
      if (!column(c).resident) return false;
    }
    for (const auto& t : n.tags) {
      if (!tags.rows.contains(t)) return false;
    }
    for (const auto& g : n.groups) {
      if (!groups.rows.contains(g)) return false;
    }
    return true;
  }

  // ---- loading -------------------------------------------------------------------------------

  std::vector<int> stored_resident() const {
    std::vector<int> out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].resident && columns[i].stored()) out.push_back(static_cast<int>(i));
    }
    return out;
  }

  std::string select_sql(const std::vector<int>& cols, bool filtered) const {
    std::string sql = "SELECT c.id, c.owner_id";
    for (const int ci : cols) {
      const Column& col = column(ci);
      if (col.kind == Kind::Multi) {
        sql += ", " + rules::semantics::multi_enum_is_list_sql(db.dialect(), col.sql);
      } else {
        sql += ", (" + col.sql + ")";
      }
    }
    sql += kFrom;
    if (filtered) sql += " WHERE" + id_filter(db);
    return sql + " ORDER BY c.id";
  }

  void append_row(std::int64_t id) {
    ids.push_back(id);
    const std::size_t n = ids.size();
    live.resize(words(n), 0);
    owner.resize(n, 0);
    owner_valid.resize(words(n), 0);
    for (auto& col : columns) {
      if (col.resident && col.stored()) col.resize(n);
    }
    put_bit(live, n - 1, true);
    ++live_count;
  }

  void set_owner(std::uint32_t row, const db::Stmt& q) {
    const bool has = !q.is_null(1);
    owner[row] = has ? q.get_int(1) : 0;
    put_bit(owner_valid, row, has);
  }

  // Reads the elements of multi_enum columns for all rows (ids == nullptr) or the listed ones.
  void load_lists(const std::vector<int>& cols, const std::string* id_json) {
    for (const int ci : cols) {
      Column& col = column(ci);
      if (col.kind != Kind::Multi) continue;
      // Text elements only: semantics::multi_enum_value.
      std::string sql = "SELECT c.id, je.value" + std::string(kFrom) + ", " +
                        db.dialect().json_elements(rules::semantics::multi_enum_list_sql(db.dialect(), col.sql), "je") +
                        " WHERE " + db.dialect().json_element_is_text("je");
      if (id_json) sql += " AND" + id_filter(db);
      auto q = db.prepare(sql);
      if (id_json) q.bind(1, *id_json);
      while (q.step()) {
        const auto row = find_row(q.get_int(0));
        if (!row) continue;
        col.lists[*row].push_back(col.dict.intern(q.get_text_view(1)));
      }
    }
  }

  void load_set(SetIndex& index, bool tag, const std::string& name) {
    auto& rows = index.rows[name];
    rows.clear();
    auto q = db.prepare(tag ? "SELECT customer_id FROM customer_tags WHERE tag = ?1 ORDER BY customer_id"
                          : "SELECT gm.customer_id FROM group_members gm JOIN groups g ON g.id = gm.group_id "
                            "WHERE g.name = ?1 ORDER BY gm.customer_id");
    q.bind(1, name);
    // Both sides are in id order: walk the ids with a cursor instead of searching each one.
    std::size_t cursor = 0;
    while (q.step()) {
      const std::int64_t id = q.get_int(0);
      while (cursor < ids.size() && ids[cursor] < id) ++cursor;
      if (cursor < ids.size() && ids[cursor] == id && get_bit(live, cursor)) {
        SetBits::update(rows, static_cast<std::uint32_t>(cursor), true);
      }
    }
  }

  void full_load() {
    ids.clear();
    live.clear();
    owner.clear();
    owner_valid.clear();
    live_count = 0;
    dead = 0;
    for (auto& col : columns) col.clear();
    const auto cols = stored_resident();
    {
      auto q = db.prepare(select_sql(cols, false));
      while (q.step()) {
        append_row(q.get_int(0));
        const auto row = static_cast<std::uint32_t>(ids.size() - 1);
        set_owner(row, q);
        for (std::size_t k = 0; k < cols.size(); ++k) column(cols[k]).set(row, q, static_cast<int>(k) + 2);
      }
    }
    load_lists(cols, nullptr);
    for (auto& [name, rows] : tags.rows) load_set(tags, true, name);
    for (auto& [name, rows] : groups.rows) load_set(groups, false, name);
    ++counters.full_loads;
  }

  // Loads newly resident columns for the rows already held (new customers arrive through the
  // change log in the same transaction).
  void load_columns(const std::vector<int>& cols) {
    for (const int ci : cols) {
      column(ci).clear();
      column(ci).resize(ids.size());
    }
    {
      auto q = db.prepare(select_sql(cols, false));
      std::size_t cursor = 0;
      while (q.step()) {
        const std::int64_t id = q.get_int(0);
        while (cursor < ids.size() && ids[cursor] < id) ++cursor;
        if (cursor == ids.size() || ids[cursor] != id) continue;
        for (std::size_t k = 0; k < cols.size(); ++k) {
          column(cols[k]).set(static_cast<std::uint32_t>(cursor), q, static_cast<int>(k) + 2);
        }
      }
    }
    load_lists(cols, nullptr);
  }

  // Reloads the given customers (ascending, distinct). Returns false when a new id is smaller
  // than one already held, which only a full load can place.
  bool reload(const std::vector<std::int64_t>& changed) {
    const auto cols = stored_resident();
    const std::string json = id_list_json(changed);
    std::vector<std::uint32_t> touched;
    std::vector<char> found(changed.size(), 0);
    {
      auto q = db.prepare(select_sql(cols, true));
      q.bind(1, json);
      while (q.step()) {
        const std::int64_t id = q.get_int(0);
        auto row = find_row(id);
        if (!row) {
          if (!ids.empty() && id < ids.back()) return false;
          append_row(id);
          row = static_cast<std::uint32_t>(ids.size() - 1);
        } else if (!get_bit(live, *row)) {
          put_bit(live, *row, true);
          ++live_count;
          --dead;
        }
        found[static_cast<std::size_t>(std::lower_bound(changed.begin(), changed.end(), id) - changed.begin())] = 1;
        set_owner(*row, q);
        for (std::size_t k = 0; k < cols.size(); ++k) column(cols[k]).set(*row, q, static_cast<int>(k) + 2);
        touched.push_back(*row);
      }
    }
    for (std::size_t i = 0; i < changed.size(); ++i) {
      if (found[i]) continue;
      const auto row = find_row(changed[i]);
      if (!row || !get_bit(live, *row)) continue;
      put_bit(live, *row, false);
      --live_count;
      ++dead;
      touched.push_back(*row);
    }
    load_lists(cols, &json);
    reload_sets(tags, true, json, touched);
    reload_sets(groups, false, json, touched);
    counters.customers_reloaded += static_cast<std::int64_t>(changed.size());
    return true;
  }

  void reload_sets(SetIndex& index, bool tag, const std::string& json, const std::vector<std::uint32_t>& touched) {
    if (index.rows.empty() || touched.empty()) return;
    std::unordered_map<std::uint32_t, std::vector<std::string>> now_in;
    const std::string ids = db.dialect().ids_in_json("?1");
    auto q = db.prepare(tag ? "SELECT customer_id, tag FROM customer_tags WHERE customer_id IN (" + ids + ")"
                            : "SELECT gm.customer_id, g.name FROM group_members gm JOIN groups g ON g.id = "
                              "gm.group_id WHERE gm.customer_id IN (" + ids + ")");
    q.bind(1, json);
    while (q.step()) {
      const auto row = find_row(q.get_int(0));
      if (row) now_in[*row].emplace_back(q.get_text_view(1));
    }
    for (auto& [name, rows] : index.rows) {
      for (const auto row : touched) {
        bool member = false;
        if (get_bit(live, row)) {
          if (auto it = now_in.find(row); it != now_in.end()) {
            member = std::find(it->second.begin(), it->second.end(), name) != it->second.end();
          }
        }
        SetBits::update(rows, row, member);
      }
    }
  }

  // ---- refresh -------------------------------------------------------------------------------

  // The customer fields' definitions in one string: a change of any invalidates the store.
  std::string schema_signature() {
    return schema::field_signature(db, "customer");
  }

  // Brings resident data up to date and makes `extra` resident, all in one read transaction.
  void sync(const Needs* extra) {
    const std::int64_t dv = db.data_version();
    const std::int64_t tc = db.total_changes();
    bool adding = false;
    if (extra) {
      for (const int c : extra->columns) adding = adding || !column(c).resident;
      for (const auto& t : extra->tags) adding = adding || !tags.rows.contains(t);
      for (const auto& g : extra->groups) adding = adding || !groups.rows.contains(g);
    }
    if (loaded && !need_full && !adding && dv == seen_data_version && tc == seen_total_changes) return;

    std::int64_t high = 0, low = 0;
    try {
      db::Transaction tx(db, false);
      {
        high = db::ChangeFeed::latest_id(db);
        low = db::ChangeFeed::oldest_id(db);
      }
      const std::string sig = schema_signature();
      bool full = !loaded || need_full || sig != schema_sig || last_seq < low - 1 || last_seq > high;
      std::vector<std::int64_t> changed;
      if (!full && high > last_seq) {
        changed = db::ChangeFeed::customers_after(db, last_seq);
        if (changed.size() > std::max(kIncrementalFloor, live_count / 4) || dead > std::max(kIncrementalFloor, ids.size() / 4)) {
          full = true;
        }
      }
      std::vector<int> new_cols;
      if (extra) {
        for (const int c : extra->columns) {
          if (!column(c).resident) {
            column(c).resident = true;
            new_cols.push_back(c);
          }
        }
        for (std::size_t i = 0; i < columns.size(); ++i) {
          if (columns[i].kind == Kind::Days && std::find(new_cols.begin(), new_cols.end(), columns[i].source) != new_cols.end()) {
            columns[i].resident = true;
          }
        }
      }
      std::vector<std::pair<bool, std::string>> new_sets;
      if (extra) {
        for (const auto& t : extra->tags) {
          if (!tags.rows.contains(t)) new_sets.emplace_back(true, t);
        }
        for (const auto& g : extra->groups) {
          if (!groups.rows.contains(g)) new_sets.emplace_back(false, g);
        }
      }
      need_full = true;  // until this sync completes
      if (full) {
        for (const auto& [tag, name] : new_sets) (tag ? tags : groups).rows[name];
        full_load();
      } else {
        if (!new_cols.empty()) load_columns(new_cols);
        for (const auto& [tag, name] : new_sets) load_set(tag ? tags : groups, tag, name);
        if (!changed.empty()) {
          if (!reload(changed)) {
            full_load();
          } else {
            ++counters.incremental_refreshes;
          }
        }
      }
      tx.commit();
      if (full || !new_cols.empty() || !new_sets.empty()) cold_streak = 0;
      last_seq = high;
      schema_sig = sig;
      loaded = true;
      need_full = false;
      seen_data_version = dv;
      seen_total_changes = tc;
    } catch (const Error&) {
      need_full = true;
      throw;
    } catch (...) {
      need_full = true;
      db::rethrow_storage_error("segment store: cannot refresh");
    }
    counters.last_seq = last_seq;
    log::logger().debug("segments.column_store.refresh rows={} seq={}", live_count, last_seq);
  }

  // ---- evaluation ----------------------------------------------------------------------------
  // Every leaf goes through rules::semantics: holds() on one value (rows whose storage class
  // does not fit the column, dictionary entries, matches()), or monotone_ranges() for the loops.

  Value value_at(int ci, std::uint32_t row, std::int64_t now) const {
    const Column& col = column(ci);
    if (col.kind == Kind::Days) return rules::semantics::days_since(column(col.source).value(row), now);
    return col.value(row);
  }

  Bits and_live(Bits b) const {
    for (std::size_t w = 0; w < b.size(); ++w) b[w] &= live[w];
    return b;
  }

  // One leaf on one held row, the slow general path.
  bool cell_leaf(const Node& n, const std::vector<Value>& lits, int ci, std::uint32_t row, std::int64_t now) const {
    return rules::semantics::holds(n.op, value_at(ci, row, now), lits);
  }

  Bits row_by_row(const Node& n, const std::vector<Value>& lits, int ci, std::int64_t now, const Bits* within) const {
    return make_bits(ids.size(), within, [&](std::size_t i) {
      return get_bit(live, i) && cell_leaf(n, lits, ci, static_cast<std::uint32_t>(i), now);
    });
  }

  void patch_odd(Bits& b, const Node& n, const std::vector<Value>& lits, int ci, const Column& stored,
                 std::int64_t now) const {
    for (const auto& [row, v] : stored.odd) put_bit(b, row, cell_leaf(n, lits, ci, row, now));
  }

  // The rule on one held row: the same leaf semantics as the bitmap path, node by node.
  bool row_matches(const rules::Rule& rule, const std::vector<int>& fields, std::uint32_t row, std::int64_t now) const {
    const auto& nodes = rule.nodes();
    if (nodes.empty()) return false;
    std::vector<char> r(nodes.size(), 0);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      bool v = false;
      switch (n.op) {
        case Op::And:
          v = true;
          for (const auto c : n.children) v = v && r[static_cast<std::size_t>(c)];
          break;
        case Op::Or:
          for (const auto c : n.children) v = v || r[static_cast<std::size_t>(c)];
          break;
        case Op::Not: v = !r[static_cast<std::size_t>(n.children[0])]; break;
        case Op::HasTag: v = tags.has(n.args[0].value.as_string(), row); break;
        case Op::InGroup: v = groups.has(n.args[0].value.as_string(), row); break;
        default:
          v = cell_leaf(n, rules::semantics::literals(n, now), fields[static_cast<std::size_t>(n.field)], row, now);
      }
      r[i] = v ? 1 : 0;
    }
    return r.back() != 0;
  }

  // Rows whose value lies in one of the closed ranges [lo, hi], or outside all of them when
  // `negate`, among the rows with a valid value; then the odd cells one by one.
  template <typename T, typename InRange>
  Bits range_leaf(const T* v, const std::vector<std::pair<T, T>>& ranges, bool negate, InRange&& in_one,
                  const Node& n, const std::vector<Value>& lits, int ci, const Column& stored, std::int64_t now,
                  const Bits* within) const {
    constexpr bool bytes = !std::is_same_v<T, std::int64_t>;
    Bits b;
    if (ranges.empty()) {
      b.assign(words(ids.size()), 0);
    } else if (ranges.size() == 1) {
      b = make_bits<bytes>(ids.size(), within, [&](std::size_t i) { return in_one(v[i]); });
    } else {
      b = make_bits<bytes>(ids.size(), within, [&](std::size_t i) {
        for (const auto& [lo, hi] : ranges) {
          if (v[i] >= lo && v[i] <= hi) return true;
        }
        return false;
      });
    }
    for (std::size_t w = 0; w < b.size(); ++w) b[w] = (negate ? ~b[w] : b[w]) & stored.valid[w];
    patch_odd(b, n, lits, ci, stored, now);
    return b;
  }

  // Stored int64 keys (integers, or instants for days since them).
  Bits int_leaf(const Node& n, const std::vector<Value>& lits, int ci, const Column& stored, const IntRanges& rg,
                std::int64_t now, const Bits* within) const {
    const auto lo = rg.ranges.empty() ? 0 : static_cast<std::uint64_t>(rg.ranges[0].first);
    const std::uint64_t span = rg.ranges.empty() ? 0 : static_cast<std::uint64_t>(rg.ranges[0].second) - lo;
    // One range: a single unsigned comparison per row.
    return range_leaf(stored.ints.data(), rg.ranges, rg.negate,
                      [lo, span](std::int64_t x) { return static_cast<std::uint64_t>(x) - lo <= span; }, n, lits, ci,
                      stored, now, within);
  }

  Bits real_leaf(const Node& n, const std::vector<Value>& lits, int ci, const Column& col, std::int64_t now,
                 const Bits* within) const {
    // Keys of the doubles from -inf to +inf: every value a REAL column can hold (SQLite has no NaN).
    const IntRanges rg = monotone_ranges(n.op, lits, double_key(-kInf), double_key(kInf),
                                         [](std::int64_t k) { return Value(key_double(k)); });
    std::vector<std::pair<double, double>> bounds;
    for (const auto& [lo, hi] : rg.ranges) bounds.emplace_back(key_double(lo), key_double(hi));
    const double lo = bounds.empty() ? 0 : bounds[0].first, hi = bounds.empty() ? 0 : bounds[0].second;
    const double* v = col.reals.data();
    // A one-sided range (x >= a, x < b) is one comparison per row.
    if (hi == kInf) return range_leaf(v, bounds, rg.negate, [lo](double x) { return x >= lo; }, n, lits, ci, col, now, within);
    if (lo == -kInf) return range_leaf(v, bounds, rg.negate, [hi](double x) { return x <= hi; }, n, lits, ci, col, now, within);
    return range_leaf(v, bounds, rg.negate, [lo, hi](double x) { return x >= lo && x <= hi; }, n, lits, ci, col, now, within);
  }

  Bits text_leaf(const Node& n, const std::vector<Value>& lits, int ci, const Column& col, std::int64_t now,
                 const Bits* within) const {
    const std::uint32_t* c = col.codes.data();
    Bits b;
    if (n.op == Op::Eq && lits[0].is_string()) {
      // Text equality is byte equality (semantics::compare_text), which is what the dictionary
      // is keyed by: one lookup instead of a test per distinct value.
      const std::uint32_t k = col.dict.find(lits[0].as_string());
      if (k == kMissing) b.assign(words(ids.size()), 0);
      else if (col.value_bitmaps) b = SetBits::widened(k < col.value_rows.size() ? col.value_rows[k] : kNoRows, ids.size());
      else b = make_bits(ids.size(), within, [&](std::size_t i) { return c[i] == k; });
    } else {
      // Every other predicate is decided once per distinct value, then looked up per row; code 0
      // is NULL.
      std::vector<std::uint8_t> table(col.dict.values.size(), 0);
      table[0] = rules::semantics::holds(n.op, Value(), lits) ? 1 : 0;
      for (std::size_t k = 1; k < table.size(); ++k) table[k] = rules::semantics::holds(n.op, Value(col.dict.values[k]), lits) ? 1 : 0;
      const std::uint8_t* t = table.data();
      b = make_bits(ids.size(), within, [&](std::size_t i) { return t[c[i]] != 0; });
    }
    patch_odd(b, n, lits, ci, col, now);
    return b;
  }

  Bits multi_leaf(const Node& n, const std::vector<Value>& lits, int ci, const Column& col, std::int64_t now,
                  const Bits* within) const {
    if (n.op != Op::Contains && n.op != Op::NotContains) return row_by_row(n, lits, ci, now, within);
    // Membership of the literal's code in each row's list (semantics::list_contains on codes:
    // codes are equal exactly when the texts are); a row without a list follows the NULL rule.
    const std::uint32_t k = col.dict.find(lits[0].as_string());
    const bool want = n.op == Op::Contains;
    const bool if_null = rules::semantics::on_null(n.op);
    Bits b = make_bits(ids.size(), within, [&](std::size_t i) {
      if (!get_bit(col.valid, i)) return if_null;
      const auto& l = col.lists[i];
      const bool found = k != kMissing && std::find(l.begin(), l.end(), k) != l.end();
      return found == want;
    });
    return b;
  }

  Bits null_leaf(const Node& n, int ci) const {
    const Column& col = column(ci);
    const Column& stored = col.kind == Kind::Days ? column(col.source) : col;
    Bits b;
    if (stored.kind == Kind::Text) {
      const std::uint32_t* c = stored.codes.data();
      b = make_bits(ids.size(), [&](std::size_t i) { return c[i] == 0; });
    } else {
      b.resize(words(ids.size()));
      for (std::size_t w = 0; w < b.size(); ++w) b[w] = ~stored.valid[w];
    }
    // Cells of another storage class: a value, unless days since it are undefined.
    for (const auto& [row, v] : stored.odd) put_bit(b, row, value_at(ci, row, 0).is_null());
    if (n.op == Op::IsNotNull) {
      for (auto& w : b) w = ~w;
    }
    return and_live(std::move(b));
  }

  Bits set_leaf(const SetIndex& index, const std::string& name) const {
    if (auto it = index.rows.find(name); it != index.rows.end()) return SetBits::widened(it->second, ids.size());
    return Bits(words(ids.size()), 0);
  }

  Bits leaf(const Node& n, const std::vector<int>& fields, std::int64_t now, const Bits* within) const {
    if (n.op == Op::HasTag) return set_leaf(tags, n.args[0].value.as_string());
    if (n.op == Op::InGroup) return set_leaf(groups, n.args[0].value.as_string());
    const int ci = fields[static_cast<std::size_t>(n.field)];
    if (n.op == Op::IsNull || n.op == Op::IsNotNull) return null_leaf(n, ci);
    const std::vector<Value> lits = rules::semantics::literals(n, now);
    const Column& col = column(ci);
    const bool comparison = rules::semantics::is_comparison(n.op);
    switch (col.kind) {
      case Kind::Int: {
        if (!comparison) return and_live(row_by_row(n, lits, ci, now, within));
        const IntRanges rg = monotone_ranges(n.op, lits, kMinI, kMaxI, [](std::int64_t k) { return Value(k); });
        return and_live(int_leaf(n, lits, ci, col, rg, now, within));
      }
      case Kind::Days: {
        if (!comparison) return and_live(row_by_row(n, lits, ci, now, within));
        // Days since an instant do not increase as the instant grows: intervals of instants.
        const IntRanges rg = monotone_ranges(n.op, lits, kMinI, kMaxI, [now](std::int64_t t) {
          return rules::semantics::days_since(Value(t), now);
        });
        return and_live(int_leaf(n, lits, ci, column(col.source), rg, now, within));
      }
      case Kind::Real:
        if (!comparison) return and_live(row_by_row(n, lits, ci, now, within));
        return and_live(real_leaf(n, lits, ci, col, now, within));
      case Kind::Text: return and_live(text_leaf(n, lits, ci, col, now, within));
      case Kind::Multi: return and_live(multi_leaf(n, lits, ci, col, now, within));
      default: return and_live(row_by_row(n, lits, ci, now, within));
    }
  }

  // Where an AND evaluates a child: tags, groups and equality on a text column with value
  // bitmaps first (a copy of a bitmap, not a pass over the rows), then other text equality (one
  // code comparison per row), then the other leaves, connectives last. The order changes only
  // the cost: every child is exact on the rows it is asked about.
  int cost_rank(const Node& n, const std::vector<int>& fields) const {
    switch (n.op) {
      case Op::HasTag:
      case Op::InGroup: return 0;
      case Op::And:
      case Op::Or:
      case Op::Not: return 3;
      default: break;
    }
    if (n.op == Op::Eq && n.field >= 0) {
      const Column& col = column(fields[static_cast<std::size_t>(n.field)]);
      if (col.kind == Kind::Text) return col.value_bitmaps ? 0 : 1;
    }
    return 2;
  }

  // Node `i` on the rows of `within` (the live rows when it is null): the result holds exactly the
  // rows of `within` where the node holds, and no other bit. An AND hands each child the rows the
  // children before it left; an OR asks each child only about the rows not yet true.
  Bits eval(const rules::Rule& rule, std::size_t i, const std::vector<int>& fields, std::int64_t now,
            const Bits* within) const {
    const auto& nodes = rule.nodes();
    const Node& n = nodes[i];
    switch (n.op) {
      case Op::And: {
        std::vector<std::int32_t> order = n.children;
        std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
          return cost_rank(nodes[static_cast<std::size_t>(a)], fields) < cost_rank(nodes[static_cast<std::size_t>(b)], fields);
        });
        Bits acc;
        const Bits* scope = within;
        for (const auto c : order) {
          acc = eval(rule, static_cast<std::size_t>(c), fields, now, scope);
          scope = &acc;
        }
        return acc;
      }
      case Op::Or: {
        Bits acc(words(ids.size()), 0);
        Bits rest = within ? *within : live;
        for (const auto c : n.children) {
          const Bits got = eval(rule, static_cast<std::size_t>(c), fields, now, &rest);
          for (std::size_t w = 0; w < acc.size(); ++w) {
            acc[w] |= got[w];
            rest[w] &= ~got[w];
          }
        }
        return acc;
      }
      case Op::Not: {
        Bits acc = eval(rule, static_cast<std::size_t>(n.children[0]), fields, now, within);
        const Bits& rows = within ? *within : live;
        for (std::size_t w = 0; w < acc.size(); ++w) acc[w] = ~acc[w] & rows[w];
        return acc;
      }
      default: {
        Bits b = leaf(n, fields, now, within);
        if (within) {
          for (std::size_t w = 0; w < b.size(); ++w) b[w] &= (*within)[w];
        }
        return b;
      }
    }
  }

  Bits run(const rules::Rule& rule, const std::vector<int>& fields, std::int64_t now,
           const std::vector<std::int64_t>* owners) const {
    const auto& nodes = rule.nodes();
    if (nodes.empty()) return Bits(words(ids.size()), 0);
    if (!owners) return on_two_cores(rule, fields, now, live);
    // A view's rows first, so that the rule is asked only about them.
    std::vector<std::int64_t> sorted = *owners;
    std::sort(sorted.begin(), sorted.end());
    const Bits mine = make_bits(ids.size(), [&](std::size_t i) {
      return get_bit(live, i) && get_bit(owner_valid, i) && std::binary_search(sorted.begin(), sorted.end(), owner[i]);
    });
    return on_two_cores(rule, fields, now, mine);
  }

  // The rule on `rows`, the first half of their words on this thread and the rest on another:
  // eval() answers exactly for the rows it is handed, so the two halves are disjoint and their
  // union is the answer. Both threads only read the store, under the caller's shared lock, which
  // is held until the second half is done. When the second core is busy, one thread does both.
  Bits on_two_cores(const rules::Rule& rule, const std::vector<int>& fields, std::int64_t now, const Bits& rows) const {
    const std::size_t root = rule.nodes().size() - 1;
    if (ids.size() < options.two_cores_from) return eval(rule, root, fields, now, &rows);
    const auto half = static_cast<std::ptrdiff_t>(rows.size() / 2);
    Bits first(rows.size(), 0), second(rows.size(), 0);
    std::copy(rows.begin(), rows.begin() + half, first.begin());
    std::copy(rows.begin() + half, rows.end(), second.begin() + half);
    Bits theirs, ours;
    if (!SecondCore::run_beside([&] { theirs = eval(rule, root, fields, now, &second); },
                                [&] { ours = eval(rule, root, fields, now, &first); }))
      return eval(rule, root, fields, now, &rows);  // the helper is busy: one pass over all
    for (std::size_t w = 0; w < ours.size(); ++w) ours[w] |= theirs[w];
    return ours;
  }

  // Takes the shared lock with every column, tag and group the rule needs resident.
  std::shared_lock<std::shared_mutex> ready(const rules::Rule& rule, std::vector<int>& fields) {
    for (int attempt = 0;; ++attempt) {
      {
        std::shared_lock lock(mutex);
        fields = map_fields(rule);
        if (satisfied(needs_of(rule, fields))) return lock;
      }
      if (attempt == 3) throw Error("internal error: segment store could not make the rule's columns resident");
      std::unique_lock lock(mutex);
      const auto f = map_fields(rule);
      const Needs needs = needs_of(rule, f);
      sync(&needs);
    }
  }
};

// =============================================================================================

ColumnStore::ColumnStore(db::Database& db, rules::Catalog catalog, ColumnStoreOptions options)
    : impl_(std::make_unique<Impl>(db, std::move(catalog), std::move(options))) {}

ColumnStore::~ColumnStore() = default;

void ColumnStore::refresh() {
  std::unique_lock lock(impl_->mutex);
  impl_->sync(nullptr);
}

void ColumnStore::set_catalog(rules::Catalog catalog) {
  std::unique_lock lock(impl_->mutex);
  impl_->set_catalog(std::move(catalog));
}

std::size_t ColumnStore::size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->live_count;
}

std::vector<std::int64_t> ColumnStore::evaluate(const rules::Rule& rule, std::int64_t now_ms,
                                                const std::vector<std::int64_t>* restrict_to_owners) const {
  std::vector<int> fields;
  auto lock = impl_->ready(rule, fields);
  const Bits b = impl_->run(rule, fields, now_ms, restrict_to_owners);
  impl_->column_answers.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::int64_t> out;
  for (std::size_t w = 0; w < b.size(); ++w) {
    for (std::uint64_t bits = b[w]; bits != 0; bits &= bits - 1) {
      out.push_back(impl_->ids[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))]);
    }
  }
  return out;
}

std::int64_t ColumnStore::count(const rules::Rule& rule, std::int64_t now_ms,
                                const std::vector<std::int64_t>* restrict_to_owners) const {
  std::vector<int> fields;
  auto lock = impl_->ready(rule, fields);
  const Bits b = impl_->run(rule, fields, now_ms, restrict_to_owners);
  impl_->column_answers.fetch_add(1, std::memory_order_relaxed);
  std::int64_t n = 0;
  for (const auto w : b) n += bit_count(w);
  return n;
}

bool ColumnStore::matches(const rules::Rule& rule, std::int64_t customer_id, std::int64_t now_ms) const {
  std::vector<int> fields;
  auto lock = impl_->ready(rule, fields);
  const auto row = impl_->find_row(customer_id);
  if (!row || !get_bit(impl_->live, *row)) return false;
  return impl_->row_matches(rule, fields, *row, now_ms);
}

ColumnStoreStats ColumnStore::stats() const {
  std::shared_lock lock(impl_->mutex);
  ColumnStoreStats s = impl_->counters;
  s.columns_resident = 0;
  for (const auto& c : impl_->columns) s.columns_resident += c.resident ? 1 : 0;
  s.sets_resident = static_cast<std::int64_t>(impl_->tags.rows.size() + impl_->groups.rows.size());
  s.last_seq = impl_->last_seq;
  s.column_answers = impl_->column_answers.load(std::memory_order_relaxed);
  return s;
}

bool ColumnStore::resident_for(const rules::Rule& rule) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->satisfied(impl_->needs_of(rule, impl_->map_fields(rule)));
}

bool ColumnStore::answer_through_sql(const rules::Rule& rule, std::int64_t patience) {
  std::unique_lock lock(impl_->mutex);
  if (impl_->satisfied(impl_->needs_of(rule, impl_->map_fields(rule)))) return false;
  if (impl_->cold_streak >= patience) return false;
  ++impl_->cold_streak;
  ++impl_->counters.sql_answers;
  return true;
}

}  // namespace crmkit::segments
