// Imports of the records that belong to a customer (contacts, interactions, orders) and of leads:
// row by row through the owning services, each row in a savepoint of the import's transaction so
// that a refused row leaves nothing behind.
#include <cmath>
#include <functional>

#include "crmkit/customers/customers.hpp"
#include "crmkit/customers/keys.hpp"
#include "crmkit/error.hpp"
#include "crmkit/log.hpp"
#include "crmkit/pipeline/leads.hpp"
#include "crmkit/relationship/interactions.hpp"
#include "crmkit/relationship/orders.hpp"
#include "imports_internal.h"

namespace crmkit::imports {

using namespace internal;

namespace {

std::string without_row_prefix(const std::string& m) {
  if (m.rfind("row ", 0) != 0) return m;
  auto colon = m.find(": ");
  return colon == std::string::npos ? m : m.substr(colon + 2);
}

// A row's cleaned cells by target field.
using Cells = std::map<std::string, Value>;

// What one entity's import does with a clean row: find its match (the existing record's customer
// and id, a rule), create it, or update the match. Each returns nothing or throws crmkit::Error.
struct Handler {
  std::function<std::optional<std::pair<std::int64_t, std::int64_t>>(const Cells&, std::string& rule)> find;
  std::function<void(const Cells&)> create;
  std::function<bool(std::int64_t record_id, const Cells&)> update;  // false: nothing to update
};

ImportReport run(const Context& ctx, const char* entity, const std::vector<BuiltIn>& builtins,
                 const std::string& custom_entity, io::RowSource& source, const ImportOptions& options,
                 const std::vector<std::string>& required, const std::function<Handler(const Context&)>& make) {
  const auto fields = custom_entity.empty() ? schema::FieldSet{} : schema::Fields(ctx).of(custom_entity);
  resolve_mapping(options, builtins, fields, nullptr);
  const auto targets = resolve_mapping(options, builtins, fields, &source);
  std::unordered_map<std::string, std::string> header_of;
  for (const auto& t : targets) header_of[t.field] = t.header;
  auto column_name = [&](const std::string& field) {
    auto it = header_of.find(field);
    return it == header_of.end() ? field : it->second;
  };
  Report rep(entity, source, options);
  Progress progress(source, options);
  db::BulkWrite bulk(ctx.db());
  db::Transaction tx(ctx.db());
  const auto users = UserDirectory::load(ctx);
  Handler h = make(ctx);
  io::SourceRow row;
  while (source.next(row)) {
    ++rep.out().rows;
    progress.tick(rep.out().rows);
    if (!row.problem.empty()) {
      rep.problem(row.row, "", "", row.problem);
      continue;
    }
    Cells cells;
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
      if (t.kind == Kind::CustomerRef) {
        std::string why;
        auto id = resolve_customer(ctx, cell.value->as<std::string>(), options, why);
        if (!id) {
          rep.problem(row.row, t.header, raw, t.field + ": " + why);
          bad = true;
          continue;
        }
        cells[t.field] = *id;
      } else {
        cells[(t.kind == Kind::Custom ? "field:" : "") + t.field] = *cell.value;
      }
    }
    for (const auto& r : required)
      if (!bad && !cells.count(r)) {
        rep.problem(row.row, column_name(r), "", r + " is required");
        bad = true;
      }
    if (bad) continue;
    try {
      db::Transaction row_tx(ctx.db());
      std::string rule;
      auto found = h.find(cells, rule);
      if (found && options.on_match != OnMatch::Create) {
        OnMatch action = options.on_match;
        if (action == OnMatch::Update && h.update(found->second, cells)) {
          ++rep.out().updated;
        } else {
          action = OnMatch::Skip;
          ++rep.out().skipped;
        }
        rep.match(row.row, found->first ? std::optional(found->first) : std::nullopt, found->second, 1.0, rule, action);
      } else {
        if (found)
          rep.match(row.row, found->first ? std::optional(found->first) : std::nullopt, found->second, 1.0, rule,
                    OnMatch::Create);
        h.create(cells);
        ++rep.out().created;
      }
      row_tx.commit();
    } catch (const ValidationError& e) {
      rep.problem(row.row, e.field().empty() ? "" : column_name(e.field()), "", without_row_prefix(e.what()));
    } catch (const PermissionDenied& e) {
      rep.problem(row.row, "", "", e.what());
    } catch (const NotFound& e) {
      rep.problem(row.row, "", "", e.what());
    } catch (const Conflict& e) {
      rep.problem(row.row, "", "", e.what());
    }
  }
  progress.done(rep.out().rows);
  const bool rejected = options.all_or_nothing && rep.has_problems();
  const bool commit = !options.dry_run && !rejected;
  if (rejected) rep.out().created = rep.out().updated = 0;
  if (commit) tx.commit();
  log::logger().info("imports.{} rows={} created={} updated={} skipped={} problems={} committed={}", entity,
                     rep.out().rows, rep.out().created, rep.out().updated, rep.out().skipped,
                     rep.out().problems.rows(), commit);
  return rep.finish(commit);
}

std::optional<std::string> text_of(const Cells& c, const std::string& k) {
  auto it = c.find(k);
  if (it == c.end()) return std::nullopt;
  return it->second.is<std::string>() ? std::optional(it->second.as<std::string>()) : std::optional(it->second.to_text());
}

template <class In>
void put_attrs(const Cells& cells, In& in, std::initializer_list<const char*> attrs) {
  for (auto a : attrs)
    if (auto it = cells.find(a); it != cells.end()) in.attrs[a] = it->second;
  for (const auto& [k, v] : cells)
    if (k.rfind("field:", 0) == 0) in.fields[k.substr(6)] = v;
}

Timestamp time_of(const Value& v) {
  if (v.is<Timestamp>()) return v.as<Timestamp>();
  if (v.is<Date>()) return Timestamp{v.as<Date>().ms};
  throw ValidationError("at: expected a date or time", "at");
}

}  // namespace

ImportReport Imports::contacts(io::RowSource& source, const ImportOptions& options) {
  return run(ctx_, "contacts", builtins_of("contacts"), "contact", source, options, {"customer", "name"}, [](const Context& ctx) {
    Handler h;
    h.find = [ctx](const Cells& c, std::string& rule) -> std::optional<std::pair<std::int64_t, std::int64_t>> {
      const auto customer = c.at("customer").as<std::int64_t>();
      customers::IdentityKeys k{text_of(c, "phone"), text_of(c, "email"), std::nullopt, std::nullopt};
      if (k.phone) {
        if (auto id = customers::CustomerKeys(ctx).matching_contact(customer, {k.phone, {}, {}, {}})) {
          rule = "phone";
          return std::pair{customer, *id};
        }
      }
      if (k.email) {
        if (auto id = customers::CustomerKeys(ctx).matching_contact(customer, {{}, k.email, {}, {}})) {
          rule = "email";
          return std::pair{customer, *id};
        }
      }
      return std::nullopt;
    };
    h.create = [ctx](const Cells& c) {
      customers::ContactInput in;
      put_attrs(c, in, {"name", "title", "phone", "email"});
      customers::Contacts(ctx).add(c.at("customer").as<std::int64_t>(), in);
    };
    h.update = [ctx](std::int64_t id, const Cells& c) {
      customers::ContactInput in;
      put_attrs(c, in, {"name", "title", "phone", "email"});
      auto before = customers::Contacts(ctx).get(id);
      return customers::Contacts(ctx).update(id, in).version != before.version;
    };
    return h;
  });
}

ImportReport Imports::interactions(io::RowSource& source, const ImportOptions& options) {
  return run(ctx_, "interactions", builtins_of("interactions"), "", source, options, {"customer", "kind"}, [](const Context& ctx) {
    Handler h;
    h.find = [ctx](const Cells& c, std::string& rule) -> std::optional<std::pair<std::int64_t, std::int64_t>> {
      if (!c.count("at")) return std::nullopt;  // without a time, a row is a new interaction
      const auto customer = c.at("customer").as<std::int64_t>();
      const auto found = relationship::Interactions(ctx).find_same(
          customer, time_of(c.at("at")), text_of(c, "kind").value_or(""), text_of(c, "summary").value_or(""));
      if (!found) return std::nullopt;
      rule = "same customer, kind, time and summary";
      return std::pair{customer, *found};
    };
    h.create = [ctx](const Cells& c) {
      relationship::InteractionInput in;
      in.customer_id = c.at("customer").as<std::int64_t>();
      in.kind = *text_of(c, "kind");
      in.summary = text_of(c, "summary").value_or("");
      if (c.count("at")) in.at = time_of(c.at("at"));
      if (c.count("by")) in.by = c.at("by").as<std::int64_t>();
      relationship::Interactions(ctx).log(in);
    };
    h.update = [](std::int64_t, const Cells&) { return false; };  // a logged interaction is history
    return h;
  });
}

ImportReport Imports::orders(io::RowSource& source, const ImportOptions& options) {
  return run(ctx_, "orders", builtins_of("orders"), "", source, options, {"customer", "amount"}, [](const Context& ctx) {
    Handler h;
    h.find = [ctx](const Cells& c, std::string& rule) -> std::optional<std::pair<std::int64_t, std::int64_t>> {
      if (!c.count("at")) return std::nullopt;
      const auto customer = c.at("customer").as<std::int64_t>();
      const auto cents = static_cast<std::int64_t>(std::llround(c.at("amount").as<double>() * 100.0));
      const auto found = relationship::Orders(ctx).find_same(customer, time_of(c.at("at")), cents);
      if (!found) return std::nullopt;
      rule = "same customer, time and amount";
      return std::pair{customer, *found};
    };
    h.create = [ctx](const Cells& c) {
      relationship::OrderInput in;
      in.customer_id = c.at("customer").as<std::int64_t>();
      in.amount = c.at("amount").as<double>();
      if (c.count("at")) in.at = time_of(c.at("at"));
      in.note = text_of(c, "note");
      relationship::Orders(ctx).add(in);
    };
    h.update = [](std::int64_t, const Cells&) { return false; };  // orders change through refunds
    return h;
  });
}

ImportReport Imports::leads(io::RowSource& source, const ImportOptions& options) {
  return run(ctx_, "leads", builtins_of("leads"), "lead", source, options, {"name"}, [](const Context& ctx) {
    Handler h;
    h.find = [ctx](const Cells& c, std::string& rule) -> std::optional<std::pair<std::int64_t, std::int64_t>> {
      for (const char* k : {"phone", "email"}) {
        auto v = text_of(c, k);
        if (!v) continue;
        if (auto held = pipeline::Leads(ctx).first_with(k, *v)) {
          rule = k;
          return std::pair{held->customer_id.value_or(0), held->id};
        }
      }
      return std::nullopt;
    };
    h.create = [ctx](const Cells& c) {
      pipeline::LeadInput in;
      put_attrs(c, in, {"name", "company", "phone", "email", "source", "owner"});
      pipeline::Leads(ctx).add(in);
    };
    h.update = [ctx](std::int64_t id, const Cells& c) {
      pipeline::LeadInput in;
      put_attrs(c, in, {"company", "phone", "email", "source", "owner"});
      auto before = pipeline::Leads(ctx).get(id);
      if (before.status == "converted") return false;
      return pipeline::Leads(ctx).update(id, in).version != before.version;
    };
    return h;
  });
}

}  // namespace crmkit::imports
