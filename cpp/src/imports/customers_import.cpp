// The customer import: clean each row, match it against the database and the rows before it,
// write the new customers a block at a time (customers::Customers::add_valid) and apply updates.
#include <algorithm>

#include "crmkit/customers/customers.hpp"
#include "crmkit/customers/duplicates.hpp"
#include "crmkit/customers/keys.hpp"
#include "crmkit/customers/lookup.hpp"
#include "crmkit/error.hpp"
#include "crmkit/io/clean.hpp"
#include "crmkit/log.hpp"
#include "crmkit/text.hpp"
#include "imports_internal.h"

namespace crmkit::imports {

using namespace internal;

namespace {

// "公司"/"企业" and "个人" are the words spreadsheets use for the two kinds.
std::string kind_word(const std::string& k) {
  if (k == "公司" || k == "企业" || k == "单位") return "company";
  if (k == "个人" || k == "自然人") return "person";
  return k;
}

// Drops the "row N: " a batch write puts before its message (N counts the batch, not the file).
std::string without_row_prefix(const std::string& m) {
  if (m.rfind("row ", 0) != 0) return m;
  auto colon = m.find(": ");
  return colon == std::string::npos ? m : m.substr(colon + 2);
}

// Where a matched row points: a customer in the database, or a row earlier in the file (its slot;
// the customer id is known once that row's block is written).
struct Ref {
  std::optional<std::int64_t> id;
  std::optional<std::size_t> slot;
};

struct PendingMatch {
  std::int64_t row;
  Ref to;
  double score;
  std::string rule;
  OnMatch action;
  customers::CustomerInput changes;  // for an update
};

}  // namespace

ImportReport Imports::customers(io::RowSource& source, const ImportOptions& options) {
  const auto fields = schema::Fields(ctx_).of("customer");
  resolve_mapping(options, builtins_of("customers"), fields, nullptr);  // the mapping, before any read
  const auto targets = resolve_mapping(options, builtins_of("customers"), fields, &source);
  std::unordered_map<std::string, std::string> header_of;
  for (const auto& t : targets) header_of[t.field] = t.header;
  header_of["owner_id"] = header_of.count("owner") ? header_of["owner"] : "owner";
  auto column_name = [&](const std::string& field) {
    auto it = header_of.find(field);
    return it == header_of.end() ? field : it->second;
  };

  Report rep("customers", source, options);
  Progress progress(source, options);
  db::BulkWrite bulk(ctx_.db());
  db::Transaction tx(ctx_.db());
  const auto users = UserDirectory::load(ctx_);
  customers::Customers service(ctx_);
  customers::CustomerKeys keys(ctx_);
  const bool db_has_customers = customers::any_customer(ctx_);
  // Fuzzy company names: every stored company's key, then each new row's as it is read. File
  // rows are indexed under -(slot + 1) so they cannot be confused with customer ids.
  customers::NameIndex names(options.name_threshold);
  if (db_has_customers) keys.each_company_key([&](std::int64_t id, const std::string& key) { names.add(id, key); });
  names.seal();
  std::unordered_map<std::string, std::size_t> file_phone, file_email, file_name, file_person;
  std::vector<std::optional<std::int64_t>> slot_ids;

  std::vector<customers::CustomerInput> creates;
  std::vector<customers::IdentityKeys> create_keys;  // each create's keys, matched on already
  std::vector<std::int64_t> create_rows;
  std::vector<std::size_t> create_slots;  // the slot of each create, or SIZE_MAX for a forced duplicate
  std::vector<PendingMatch> matches;
  constexpr std::size_t kBlock = 65536;

  auto visible_id = [&](std::int64_t id) -> std::optional<std::int64_t> {
    if (ctx_.who->is_system()) return id;
    try {
      service.require_visible(id);
      return id;
    } catch (const PermissionDenied&) {
      return std::nullopt;  // a match outside the view's scope is reported without its id
    }
  };

  auto flush = [&] {
    auto written = service.add_valid(creates, false, &create_keys);
    for (const auto& r : written.rejected) {
      const auto row = create_rows[static_cast<std::size_t>(r.row)];
      rep.problem(row, column_name(r.field), "", without_row_prefix(r.message));
    }
    for (std::size_t k = 0; k < creates.size(); ++k) {
      if (!written.ids[k]) continue;
      ++rep.out().created;
      if (create_slots[k] != SIZE_MAX) slot_ids[create_slots[k]] = written.ids[k];
    }
    for (auto& m : matches) {
      std::optional<std::int64_t> id = m.to.id;
      if (m.to.slot) id = slot_ids[*m.to.slot];
      if (m.to.slot && !id && m.action != OnMatch::Create) {
        rep.problem(m.row, "", "", "matches an earlier row of the file that was not written");
        continue;
      }
      if (m.action == OnMatch::Update && id) {
        try {
          db::Transaction row_tx(ctx_.db());
          auto before = service.get(*id);
          if (m.changes.tags) {
            auto tags = before.tags;
            for (const auto& t : *m.changes.tags)
              if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
            m.changes.tags = tags;
          }
          auto after = service.update(*id, m.changes);
          row_tx.commit();
          if (after.version != before.version) ++rep.out().updated;
          else ++rep.out().skipped;
        } catch (const Error& e) {
          rep.problem(m.row, "", "", std::string("update of customer ") + std::to_string(*id) + ": " +
                                         without_row_prefix(e.what()));
          continue;
        }
      } else if (m.action == OnMatch::Skip) {
        ++rep.out().skipped;
      }
      rep.match(m.row, !id ? id : m.to.slot ? id : visible_id(*id), std::nullopt, m.score, m.rule, m.action);
    }
    creates.clear();
    create_keys.clear();
    create_rows.clear();
    create_slots.clear();
    matches.clear();
  };

  io::SourceRow row;
  while (source.next(row)) {
    ++rep.out().rows;
    progress.tick(rep.out().rows);
    if (!row.problem.empty()) {
      rep.problem(row.row, "", "", row.problem);
      continue;
    }
    customers::CustomerInput in;
    bool bad = false;
    for (const auto& t : targets) {
      static const std::string blank;
      const std::string& raw = t.column < row.cells.size() ? row.cells[t.column] : blank;
      auto cell = clean_cell(t, raw, options, users);
      if (!cell.problem.empty()) {
        rep.problem(row.row, t.header, raw, t.field + ": " + cell.problem);
        bad = true;
        continue;
      }
      if (!cell.value) continue;
      if (t.field == "tags") in.tags = cell.value->as<std::vector<std::string>>();
      else if (t.kind == Kind::Custom) in.fields[t.field] = *cell.value;
      else if (t.field == "kind") in.attrs["kind"] = kind_word(cell.value->as<std::string>());
      else in.attrs[t.field] = *cell.value;
    }
    if (bad) continue;
    auto name_it = in.attrs.find("name");
    if (name_it == in.attrs.end()) {
      rep.problem(row.row, column_name("name"), "", "name is required");
      continue;
    }
    const bool company = !in.attrs.count("kind") || (in.attrs["kind"].is<std::string>() && in.attrs["kind"].as<std::string>() == "company");
    customers::IdentityKeys k;
    if (auto p = in.attrs.find("phone"); p != in.attrs.end()) k.phone = p->second.as<std::string>();
    if (auto e = in.attrs.find("email"); e != in.attrs.end()) k.email = e->second.as<std::string>();
    const auto& name = name_it->second.as<std::string>();
    if (company) {
      auto key = io::company_key(name);
      if (!key.empty()) k.name = key;
    } else {
      k.person = text::fold_key(name);
    }
    // A person's name identifies a row only when it has neither phone nor e-mail.
    const bool by_person = !company && !k.phone && !k.email && k.person && !k.person->empty();

    // The match: the file's earlier rows, then the database, then similar company names.
    std::optional<PendingMatch> m;
    auto in_file = [&](const std::unordered_map<std::string, std::size_t>& map, const std::optional<std::string>& key,
                       const char* rule) {
      if (m || !key) return;
      auto it = map.find(*key);
      if (it != map.end()) m = PendingMatch{row.row, Ref{std::nullopt, it->second}, 1.0, rule, options.on_match, {}};
    };
    in_file(file_phone, k.phone, "phone");
    in_file(file_email, k.email, "email");
    in_file(file_name, k.name, "name");
    if (by_person) in_file(file_person, k.person, "person");
    if (!m && db_has_customers) {
      if (auto hit = keys.match(k)) m = PendingMatch{row.row, Ref{hit->customer_id, {}}, 1.0, hit->rule, options.on_match, {}};
      if (!m && by_person) {
        auto ids = keys.customers_with("person", *k.person);
        if (!ids.empty()) m = PendingMatch{row.row, Ref{ids.front(), {}}, 1.0, "person", options.on_match, {}};
      }
    }
    if (!m && k.name) {
      auto similar = names.similar(*k.name);
      if (!similar.empty()) {
        const auto [id, score] = similar.front();
        Ref to = id < 0 ? Ref{std::nullopt, static_cast<std::size_t>(-id - 1)} : Ref{id, {}};
        m = PendingMatch{row.row, to, score, "name", options.on_match, {}};
      }
    }

    if (m && m->action != OnMatch::Create) {
      if (m->action == OnMatch::Update) {
        m->changes = in;
        m->changes.attrs.erase("name");  // the name is what was matched on; the rest is news
      }
      matches.push_back(std::move(*m));
    } else {
      std::size_t slot = SIZE_MAX;
      if (!m) {
        // A new customer: later rows of the file match it.
        slot = slot_ids.size();
        slot_ids.emplace_back();
        if (k.phone) file_phone.emplace(*k.phone, slot);
        if (k.email) file_email.emplace(*k.email, slot);
        if (k.name) {
          file_name.emplace(*k.name, slot);
          names.add(-static_cast<std::int64_t>(slot) - 1, *k.name);
        }
        if (by_person) file_person.emplace(*k.person, slot);
      } else {
        matches.push_back(std::move(*m));  // reported as a match, created all the same
      }
      creates.push_back(std::move(in));
      create_keys.push_back(std::move(k));
      create_rows.push_back(row.row);
      create_slots.push_back(slot);
    }
    if (creates.size() >= kBlock || matches.size() >= kBlock) flush();
  }
  flush();
  progress.done(rep.out().rows);
  const bool rejected = options.all_or_nothing && rep.has_problems();
  const bool commit = !options.dry_run && !rejected;
  if (rejected) rep.out().created = rep.out().updated = 0;
  if (commit) tx.commit();
  log::logger().info("imports.customers rows={} created={} updated={} skipped={} problems={} dry_run={} committed={}",
                     rep.out().rows, rep.out().created, rep.out().updated, rep.out().skipped,
                     rep.out().problems.rows(), options.dry_run, commit);
  return rep.finish(commit);
}

}  // namespace crmkit::imports
