// Customer search: SQLite FTS5 with the trigram tokenizer over `customer_search` (migration 9),
// which indexes every three-character window of the text and so finds any substring of three or
// more characters in Chinese, Latin or digits alike, with no word segmenter. Terms of one or two
// characters — most Chinese words are two — are answered by the same index through the `grams`
// column, which spells each character and each adjacent pair of a name with U+0001 padding to
// three characters: the term "上海" becomes the trigram "上海\1", which occurs exactly in the rows
// whose names contain 上海. No query scans the table.
#include <algorithm>
#include <array>
#include <set>

#include "crmkit/customers/search.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/text.hpp"
#include "search_internal.h"

namespace crmkit::customers {

namespace {

constexpr const char kPad = '\x01';
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
  std::string name, people, phones, emails, grams;
};

void add_line(std::string& to, const std::string& text) {
  if (text.empty()) return;
  if (!to.empty()) to += '\n';
  to += text;
}

// A phone as written and as bare digits, so "021-5555 0000" is found by "55550000" too.
void add_phone(std::string& to, const std::optional<std::string>& phone) {
  if (!phone) return;
  std::string p = searchable(*phone);
  add_line(to, p);
  std::string d = digits_of(p);
  if (d != p) add_line(to, d);
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

void insert_entry(db::Database& db, std::int64_t id, const Entry& e) {
  db.prepare("INSERT INTO customer_search(rowid, name, people, phones, emails, grams) VALUES (?,?,?,?,?,?)")
      .bind_all(id, e.name, e.people, e.phones, e.emails, e.grams)
      .exec();
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
  std::set<std::string> grams;
  for (const auto& name : names) {
    auto cps = code_points(name);
    for (std::size_t i = 0; i < cps.size(); ++i) {
      if (cps[i] == " ") continue;
      grams.insert(std::string(cps[i]) + kPad + kPad);
      if (i + 1 < cps.size() && cps[i + 1] != " ") grams.insert(std::string(cps[i]).append(cps[i + 1]) + kPad);
    }
  }
  std::string out;
  for (const auto& g : grams) out += g;
  return out;
}

void refresh(const Context& ctx, std::int64_t customer_id) {
  auto& db = ctx.db();
  auto c = db.prepare("SELECT name, phone, email FROM customers WHERE id = ?");
  c.bind_all(customer_id);
  db.prepare("DELETE FROM customer_search WHERE rowid = ?").bind_all(customer_id).exec();
  if (!c.step()) return;
  std::vector<std::array<std::optional<std::string>, 3>> contacts;
  auto k = db.prepare("SELECT name, phone, email FROM contacts WHERE customer_id = ? ORDER BY id");
  k.bind_all(customer_id);
  while (k.step()) contacts.push_back({k.get_opt_text(0), k.get_opt_text(1), k.get_opt_text(2)});
  insert_entry(db, customer_id, entry_of(c.get_text(0), c.get_opt_text(1), c.get_opt_text(2), contacts));
}

void remove(const Context& ctx, std::int64_t customer_id) {
  ctx.db().prepare("DELETE FROM customer_search WHERE rowid = ?").bind_all(customer_id).exec();
}

void add_new(const Context& ctx, const std::vector<Customer>& rows) {
  constexpr std::size_t kChunk = 64;
  auto sql = [](std::size_t n) {
    std::string s = "INSERT INTO customer_search(rowid, name, people, phones, emails, grams) VALUES ";
    for (std::size_t i = 0; i < n; ++i) s += i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
    return s;
  };
  const std::string full = sql(kChunk), one = sql(1);
  for (std::size_t done = 0; done < rows.size();) {
    const std::size_t count = rows.size() - done >= kChunk ? kChunk : 1;
    auto ins = ctx.db().prepare(count == kChunk ? full : one);
    int b = 0;
    for (std::size_t k = done; k < done + count; ++k) {
      const Customer& c = rows[k];
      Entry e = entry_of(c.name, c.phone, c.email, {});
      ins.bind(b + 1, c.id).bind(b + 2, e.name).bind(b + 3, e.people).bind(b + 4, e.phones);
      ins.bind(b + 5, e.emails).bind(b + 6, e.grams);
      b += 6;
    }
    ins.exec();
    done += count;
  }
}

}  // namespace search_index

Table search_customers(const Context& ctx, const std::string& query, std::int64_t limit) {
  if (limit < 1) throw ValidationError("limit must be at least 1 (got " + std::to_string(limit) + ")", "limit");
  paging::check(limit, 0);
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
  // Every term must match: three characters or more anywhere in the text columns, shorter ones
  // in a name or a contact's name (through `grams`).
  std::string match;
  for (const auto& term : terms) {
    if (!match.empty()) match += " AND ";
    std::size_t n = code_points(term).size();
    if (n >= 3) match += "{name people phones emails} : " + quoted(term);
    else match += "grams : " + quoted(term + std::string(3 - n, kPad));
  }

  db::Transaction tx(ctx.db(), false);
  auto scope = ctx.who->owner_filter("customers", "c.owner_id");
  // bm25 weights: a hit in the name counts most, then in a contact's name, then phone and e-mail;
  // `grams` carries the short terms of names and ranks with the name.
  auto q = ctx.db().prepare(
      "SELECT c.id, c.name, c.kind, c.owner_id, c.phone, c.email, c.stage, s.people, "
      "-bm25(customer_search, 10.0, 5.0, 3.0, 3.0, 8.0) AS score "
      "FROM customer_search s JOIN customers c ON c.id = s.rowid "
      "WHERE customer_search MATCH ? AND " + scope.sql + " ORDER BY score DESC, c.id LIMIT ?");
  int i = 0;
  q.bind(++i, match);
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

}  // namespace crmkit::customers
