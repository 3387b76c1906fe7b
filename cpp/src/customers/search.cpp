// Customer search: SQLite FTS5 with the trigram tokenizer over `customer_search` (migration 9),
// which indexes every three-character window of the text and so finds any substring of three or
// more characters in Chinese, Latin or digits alike, with no word segmenter. Terms of one or two
// characters — most Chinese words are two — are answered by a second index, `customer_grams`
// (migration 12): each adjacent pair of characters in a name or a contact's name, and each last
// character of a word, as one token, so the term "上海" is the token of 上海 and the term "上" is
// the prefix of every token starting with 上. Tokens are spelled as the hex of their case-folded
// UTF-8 ("g" + hex), so FTS5's ascii tokenizer keeps each whole and no character of a name can
// split or merge one. No query scans the table.
#include <algorithm>
#include <array>
#include <set>

#include "crmkit/customers/customers.hpp"
#include "crmkit/customers/search.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/text.hpp"
#include "search_internal.h"

namespace crmkit::customers {

namespace {

constexpr std::size_t kMaxTerms = 16;

// The code points of UTF-8 text, each as its bytes (the text was validated on the way in).
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min(n, s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// What the index holds and queries are matched in: NFKC (full-width letters and digits as ASCII),
// white space collapsed, no control characters (U+0001 is the index's padding).
std::string searchable(std::string_view s) {
  std::string t = text::collapse_space(text::nfkc(s));
  t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }), t.end());
  return t;
}

std::string digits_of(std::string_view s) {
  std::string d;
  for (char c : s)
    if (c >= '0' && c <= '9') d += c;
  return d;
}

struct Entry {
  std::string name, people, phones, emails;  // customer_search
  std::string grams;                         // customer_grams
};

void add_line(std::string& to, const std::string& text) {
  if (text.empty()) return;
  if (!to.empty()) to += '\n';
  to += text;
}

// A phone as written and as bare digits, so "021-5555 0000" is found by "55550000" too. The
// digits are left out when the written form already holds them in one run (E.164's "+86..."):
// every substring of theirs is then found in it, and a line fewer is a sixth less to index.
void add_phone(std::string& to, const std::optional<std::string>& phone) {
  if (!phone) return;
  std::string p = searchable(*phone);
  add_line(to, p);
  std::string d = digits_of(p);
  if (p.find(d) == std::string::npos) add_line(to, d);
}

Entry entry_of(const std::string& name, const std::optional<std::string>& phone, const std::optional<std::string>& email,
               const std::vector<std::array<std::optional<std::string>, 3>>& contacts) {
  Entry e;
  e.name = searchable(name);
  add_phone(e.phones, phone);
  if (email) add_line(e.emails, searchable(*email));
  std::vector<std::string> names = {e.name};
  for (const auto& [n, p, m] : contacts) {
    if (n) {
      names.push_back(searchable(*n));
      add_line(e.people, names.back());
    }
    add_phone(e.phones, p);
    if (m) add_line(e.emails, searchable(*m));
  }
  e.grams = search_index::short_grams(names);
  return e;
}

// The index token of one or two characters: "g" and the hex of their UTF-8 bytes.
std::string token_of(std::string_view chars) {
  static const char* hex = "0123456789abcdef";
  std::string t = "g";
  for (unsigned char c : chars) {
    t += hex[c >> 4];
    t += hex[c & 15];
  }
  return t;
}

// Writes rows to both indexes, one row per statement, all of customer_search's, then all of
// customer_grams'. One-row statements on purpose: a multi-row INSERT opens a statement savepoint,
// and FTS5 moves its pending terms to disk at every savepoint, so 64-row statements made one
// small segment (and its merges) per statement; one-row inserts let FTS5 collect a whole block in
// memory and write it once.
void insert_entries(db::Database& db, const std::vector<std::pair<std::int64_t, Entry>>& rows) {
  {
    auto ins = db.prepare("INSERT INTO customer_search(rowid, name, people, phones, emails) VALUES (?,?,?,?,?)");
    for (const auto& [id, e] : rows) {
      ins.bind_all(id, e.name, e.people, e.phones, e.emails).exec();
      ins.reset();
    }
  }
  auto ins = db.prepare("INSERT INTO customer_grams(rowid, grams) VALUES (?,?)");
  for (const auto& [id, e] : rows) {
    ins.bind_all(id, e.grams).exec();
    ins.reset();
  }
}

// An FTS5 string: double quotes doubled.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

namespace search_index {

std::string short_grams(const std::vector<std::string>& names) {
  std::set<std::string> tokens;
  for (const auto& name : names) {
    const std::string folded = text::fold_key(name);
    auto cps = code_points(folded);
    for (std::size_t i = 0; i < cps.size(); ++i) {
      if (cps[i] == " ") continue;
      const bool word_ends = i + 1 == cps.size() || cps[i + 1] == " ";
      if (word_ends) tokens.insert(token_of(cps[i]));
      else tokens.insert(token_of(std::string(cps[i]).append(cps[i + 1])));
    }
  }
  std::string out;
  for (const auto& t : tokens) (out += out.empty() ? "" : " ") += t;
  return out;
}

void refresh(const Context& ctx, std::int64_t customer_id) {
  auto& db = ctx.db();
  auto c = db.prepare("SELECT name, phone, email FROM customers WHERE id = ?");
  c.bind_all(customer_id);
  db.prepare("DELETE FROM customer_search WHERE rowid = ?").bind_all(customer_id).exec();
  db.prepare("DELETE FROM customer_grams WHERE rowid = ?").bind_all(customer_id).exec();
  if (!c.step()) return;
  std::vector<std::array<std::optional<std::string>, 3>> contacts;
  auto k = db.prepare("SELECT name, phone, email FROM contacts WHERE customer_id = ? ORDER BY id");
  k.bind_all(customer_id);
  while (k.step()) contacts.push_back({k.get_opt_text(0), k.get_opt_text(1), k.get_opt_text(2)});
  insert_entries(db, {{customer_id, entry_of(c.get_text(0), c.get_opt_text(1), c.get_opt_text(2), contacts)}});
}

void remove(const Context& ctx, std::int64_t customer_id) {
  ctx.db().prepare("DELETE FROM customer_search WHERE rowid = ?").bind_all(customer_id).exec();
  ctx.db().prepare("DELETE FROM customer_grams WHERE rowid = ?").bind_all(customer_id).exec();
}

void add_new(const Context& ctx, const std::vector<Customer>& rows) {
  std::vector<std::pair<std::int64_t, Entry>> entries;
  entries.reserve(rows.size());
  for (const Customer& c : rows) entries.emplace_back(c.id, entry_of(c.name, c.phone, c.email, {}));
  insert_entries(ctx.db(), entries);
}

}  // namespace search_index

void rebuild_search_if_pending(const Context& ctx) {
  auto& db = ctx.db();
  {
    db::Transaction tx(db, false);
    auto q = db.prepare("SELECT count(*) FROM customer_search_rebuild");
    if (!q.step() || q.get_int(0) == 0) return;
  }
  db::BulkWrite bulk(db);
  db::Transaction tx(db);
  db.prepare("DELETE FROM customer_search").exec();
  db.prepare("DELETE FROM customer_grams").exec();
  // Customers and their contacts in one pass each, both in customer order.
  auto k = db.prepare("SELECT customer_id, name, phone, email FROM contacts ORDER BY customer_id, id");
  bool more_contacts = k.step();
  auto c = db.prepare("SELECT id, name, phone, email FROM customers ORDER BY id");
  std::vector<std::pair<std::int64_t, Entry>> block;
  std::size_t total = 0;
  while (c.step()) {
    const std::int64_t id = c.get_int(0);
    std::vector<std::array<std::optional<std::string>, 3>> contacts;
    while (more_contacts && k.get_int(0) < id) more_contacts = k.step();
    while (more_contacts && k.get_int(0) == id) {
      contacts.push_back({k.get_opt_text(1), k.get_opt_text(2), k.get_opt_text(3)});
      more_contacts = k.step();
    }
    block.emplace_back(id, entry_of(c.get_text(1), c.get_opt_text(2), c.get_opt_text(3), contacts));
    if (block.size() == 65536) {
      insert_entries(db, block);
      total += block.size();
      block.clear();
    }
  }
  insert_entries(db, block);
  total += block.size();
  db.prepare("DELETE FROM customer_search_rebuild").exec();
  tx.commit();
  log::logger().info("customers.search rebuilt the search index of {} customers", total);
}

Table search_customers(const Context& ctx, const std::string& query, std::int64_t limit) {
  paging::check_limit(limit, {.zero_limit = false, .no_limit = false});
  std::string cleaned = searchable(query);
  std::vector<std::string> terms;
  for (std::size_t i = 0; i < cleaned.size();) {
    std::size_t j = cleaned.find(' ', i);
    if (j == std::string::npos) j = cleaned.size();
    if (j > i) terms.push_back(cleaned.substr(i, j - i));
    i = j + 1;
  }
  if (terms.empty()) throw ValidationError("query must not be empty", "query");
  if (terms.size() > kMaxTerms)
    throw ValidationError("query has " + std::to_string(terms.size()) + " terms; at most " + std::to_string(kMaxTerms) +
                              " are searched",
                          "query");
  // Every term must match: three characters or more anywhere in the text columns (customer_search),
  // shorter ones in a name or a contact's name (customer_grams).
  std::string long_match, short_match;
  for (const auto& term : terms) {
    if (code_points(term).size() >= 3) {
      (long_match += long_match.empty() ? "" : " AND ") += "{name people phones emails} : " + quoted(term);
      continue;
    }
    // One character is the start of every token holding it; two are one token (case folding can
    // lengthen a term: then each adjacent pair of the folded term must be there).
    const std::string folded = text::fold_key(term);
    auto cps = code_points(folded);
    if (cps.size() == 1) (short_match += short_match.empty() ? "" : " AND ") += token_of(folded) + "*";
    for (std::size_t k = 0; k + 1 < cps.size(); ++k)
      (short_match += short_match.empty() ? "" : " AND ") += token_of(std::string(cps[k]).append(cps[k + 1]));
  }
  if (long_match.empty() && short_match.empty()) throw ValidationError("query must not be empty", "query");

  db::Transaction tx(ctx.db(), false);
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  // bm25 weights: a hit in the name counts most, then in a contact's name, then phone and e-mail.
  // A query of short terms only ranks by customer_grams, where a shorter name (fewer tokens)
  // holding the terms ranks first.
  const std::string columns = "SELECT c.id, c.name, c.kind, c.owner_id, c.phone, c.email, c.stage, s.people, ";
  std::string sql;
  if (!long_match.empty()) {
    sql = columns + "-bm25(customer_search, 10.0, 5.0, 3.0, 3.0) AS score "
                    "FROM customer_search s JOIN customers c ON c.id = s.rowid WHERE customer_search MATCH ?";
    if (!short_match.empty()) sql += " AND s.rowid IN (SELECT rowid FROM customer_grams WHERE customer_grams MATCH ?)";
  } else {
    sql = columns + "-bm25(customer_grams) AS score FROM customer_grams g JOIN customer_search s ON s.rowid = g.rowid "
                    "JOIN customers c ON c.id = g.rowid WHERE customer_grams MATCH ?";
  }
  auto q = ctx.db().prepare(sql + " AND " + scope.sql + " ORDER BY score DESC, c.id LIMIT ?");
  int i = 0;
  if (!long_match.empty()) q.bind(++i, long_match);
  if (!short_match.empty()) q.bind(++i, short_match);
  for (auto id : scope.params) q.bind(++i, id);
  q.bind(++i, limit);
  Table t;
  for (auto [n, ty] : {std::pair{"id", ColumnType::Int}, {"name", ColumnType::Text}, {"kind", ColumnType::Text},
                       {"owner_id", ColumnType::Int}, {"phone", ColumnType::Text}, {"email", ColumnType::Text},
                       {"stage", ColumnType::Text}, {"contacts", ColumnType::TextList}, {"score", ColumnType::Float}})
    t.add_column(n, ty);
  while (q.step()) {
    t.column(0).push_int(q.get_int(0));
    t.column(1).push_text(q.get_text(1));
    t.column(2).push_text(q.get_text(2));
    t.column(3).push_opt(q.get_opt_int(3));
    t.column(4).push_opt(q.get_opt_text(4));
    t.column(5).push_opt(q.get_opt_text(5));
    t.column(6).push_text(q.get_text(6));
    std::vector<std::string> people;
    std::string all = q.get_text(7);
    for (std::size_t a = 0; a < all.size();) {
      std::size_t b = all.find('\n', a);
      if (b == std::string::npos) b = all.size();
      if (b > a) people.push_back(all.substr(a, b - a));
      a = b + 1;
    }
    t.column(7).push_list(std::move(people));
    t.column(8).push_float(q.get_double(8));
  }
  log::logger().debug("customers.search terms={} rows={}", terms.size(), t.rows());
  return t;
}

Table Customers::search(const std::string& query, std::int64_t limit) const {
  return search_customers(ctx_, query, limit);
}

}  // namespace crmkit::customers
