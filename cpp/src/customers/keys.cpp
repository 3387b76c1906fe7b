// Identity keys of customers and contacts (crmkit/customers/keys.hpp): deriving, storing, finding.
#include "crmkit/customers/keys.hpp"

#include <algorithm>

#include "crmkit/io/clean.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "customers_internal.h"

namespace crmkit::customers {

IdentityKeys identity_keys(const std::optional<std::string>& phone, const std::optional<std::string>& email,
                           const std::optional<std::string>& name, bool company) {
  IdentityKeys k;
  if (phone && !phone->empty()) {
    auto p = io::clean_phone(*phone, kDefaultPhoneRegion);
    if (p) k.phone = std::move(*p.value);
  }
  if (email && !email->empty()) {
    auto e = io::clean_email(*email);
    if (e) k.email = std::move(*e.value);
  }
  if (name && company) {
    auto n = io::company_key(*name);
    if (!n.empty()) k.name = std::move(n);
  } else if (name) {
    auto n = text::fold_key(*name);
    if (!n.empty()) k.person = std::move(n);
  }
  return k;
}

namespace {

template <class F>
void each_key(const IdentityKeys& k, F&& f) {
  if (k.phone) f("phone", *k.phone);
  if (k.email) f("email", *k.email);
  if (k.name) f("name", *k.name);
  if (k.person) f("person", *k.person);
}

std::string keys_insert_sql(std::size_t rows) {
  std::string sql = "INSERT INTO customer_keys(kind, key, customer_id, contact_id) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?)" : "(?,?,?,?)";
  return sql + " ON CONFLICT DO NOTHING";  // a key already recorded for the same holder stays as it is
}

}  // namespace

void write_keys(const Context& ctx, std::int64_t customer_id, std::int64_t contact_id, const IdentityKeys& keys) {
  drop_keys(ctx, customer_id, contact_id);
  auto ins = ctx.db().prepare(keys_insert_sql(1));
  each_key(keys, [&](const char* kind, const std::string& key) {
    ins.bind_all(kind, key, customer_id, contact_id);
    ins.exec();
    ins.reset();
  });
}

void drop_keys(const Context& ctx, std::int64_t customer_id, std::int64_t contact_id) {
  ctx.db()
      .prepare("DELETE FROM customer_keys WHERE customer_id = ? AND contact_id = ?")
      .bind_all(customer_id, contact_id)
      .exec();
}

void write_keys_many(const Context& ctx, const std::vector<KeyRow>& rows) {
  // Multi-row INSERTs, as for the customers themselves: a bulk write pays one statement per
  // chunk rather than one per key.
  constexpr std::size_t kChunk = 128;
  struct Flat {
    const char* kind;
    const std::string* key;
    std::int64_t customer_id, contact_id;
  };
  std::vector<Flat> flat;
  flat.reserve(rows.size() * 2);
  for (const auto& r : rows)
    each_key(r.keys, [&](const char* kind, const std::string& key) {
      flat.push_back({kind, &key, r.customer_id, r.contact_id});
    });
  const std::string full = keys_insert_sql(kChunk);
  for (std::size_t done = 0; done < flat.size();) {
    const std::size_t count = flat.size() - done >= kChunk ? kChunk : 1;
    auto ins = ctx.db().prepare(count == kChunk ? full : keys_insert_sql(1));
    int b = 0;
    for (std::size_t k = done; k < done + count; ++k, b += 4)
      ins.bind(b + 1, flat[k].kind).bind(b + 2, *flat[k].key).bind(b + 3, flat[k].customer_id).bind(b + 4, flat[k].contact_id);
    ins.exec();
    done += count;
  }
}

std::vector<std::int64_t> CustomerKeys::customers_with(const std::string& kind, const std::string& key) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT DISTINCT customer_id FROM customer_keys WHERE kind = ? AND key = ? ORDER BY customer_id");
  q.bind_all(kind, key);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

std::optional<KeyMatch> CustomerKeys::match(const IdentityKeys& keys) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare("SELECT min(customer_id) FROM customer_keys WHERE kind = ? AND key = ?");
  std::optional<KeyMatch> found;
  IdentityKeys identity{keys.phone, keys.email, keys.name, std::nullopt};
  each_key(identity, [&](const char* kind, const std::string& key) {
    if (found) return;
    q.bind_all(kind, key);
    if (q.step() && !q.is_null(0)) found = KeyMatch{q.get_int(0), kind};
    q.reset();
  });
  return found;
}

std::optional<std::int64_t> CustomerKeys::matching_contact(std::int64_t customer_id, const IdentityKeys& keys) const {
  db::Transaction tx(ctx_.db(), false);
  auto q = ctx_.db().prepare(
      "SELECT min(contact_id) FROM customer_keys WHERE kind = ? AND key = ? AND customer_id = ? AND contact_id <> 0");
  std::optional<std::int64_t> found;
  IdentityKeys contact_keys{keys.phone, keys.email, std::nullopt, std::nullopt};
  each_key(contact_keys, [&](const char* kind, const std::string& key) {
    if (found) return;
    q.bind_all(kind, key, customer_id);
    if (q.step() && !q.is_null(0)) found = q.get_int(0);
    q.reset();
  });
  return found;
}

void CustomerKeys::each_company_key(const std::function<void(std::int64_t, const std::string&)>& f) const {
  auto q = ctx_.db().prepare("SELECT customer_id, key FROM customer_keys WHERE kind = 'name' AND contact_id = 0");
  while (q.step()) f(q.get_int(0), q.get_text(1));
}

void CustomerKeys::backfill() const {
  {
    db::Transaction tx(ctx_.db(), false);
    auto q = ctx_.db().prepare("SELECT count(*) FROM customer_keys_backfill");
    if (!q.step() || q.get_int(0) == 0) return;
  }
  db::BulkWrite bulk(ctx_.db());
  db::Transaction tx(ctx_.db());
  std::vector<KeyRow> rows;
  {
    auto q = ctx_.db().prepare("SELECT id, phone, email, name, kind FROM customers ORDER BY id");
    while (q.step())
      rows.push_back({q.get_int(0), 0,
                      identity_keys(q.get_opt_text(1), q.get_opt_text(2), q.get_opt_text(3), q.get_text(4) == "company")});
  }
  {
    auto q = ctx_.db().prepare("SELECT customer_id, id, phone, email FROM contacts ORDER BY id");
    while (q.step())
      rows.push_back({q.get_int(0), q.get_int(1), identity_keys(q.get_opt_text(2), q.get_opt_text(3), std::nullopt, false)});
    // (a contact's name is no key of its customer)
  }
  ctx_.db().prepare("DELETE FROM customer_keys").exec();
  write_keys_many(ctx_, rows);
  ctx_.db().prepare("DELETE FROM customer_keys_backfill").exec();
  tx.commit();
  log::logger().info("customers.keys back-filled the identity keys of {} customers and contacts", rows.size());
}

}  // namespace crmkit::customers
