#include "crmkit/pipeline/leads.hpp"

#include <algorithm>
#include <cctype>

#include "crmkit/customers/customers.hpp"
#include "crmkit/customers/keys.hpp"
#include "crmkit/error.hpp"
#include "crmkit/history.hpp"
#include "crmkit/log.hpp"
#include "crmkit/pipeline/opportunities.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/text.hpp"
#include "crmkit/paging.hpp"
#include "crmkit/events/emit.hpp"
#include "crmkit/org/lookup.hpp"
#include "crmkit/customers/record_values.hpp"
#include "pipeline_internal.h"

namespace crmkit::pipeline {

std::string normalize_phone(const std::string& phone) {
  return customers::identity_keys(phone, std::nullopt, std::nullopt, false).phone.value_or("");
}

namespace {

constexpr const char* kScope = "leads";
constexpr const char* kColumns =
    "id, name, company, phone, email, source, status, owner_id, reason, fields, customer_id, contact_id, "
    "opportunity_id, created_by, created_at, updated_at, qualified_at, converted_at, version";

std::string describe(const org::Principal& who) {
  return "user '" + who.login + "' (role " + who.role + ", leads scope " + org::scope_name(who.scope(kScope)) + ")";
}

std::optional<Timestamp> opt_time(const std::optional<std::int64_t>& v) {
  return v ? std::optional(Timestamp{*v}) : std::nullopt;
}

Lead read_lead(db::Stmt& q, const schema::FieldSet& fields) {
  Lead l;
  l.id = q.get_int(0);
  l.name = q.get_text(1);
  l.company = q.get_opt_text(2);
  l.phone = q.get_opt_text(3);
  l.email = q.get_opt_text(4);
  l.source = q.get_opt_text(5);
  l.status = q.get_text(6);
  l.owner_id = q.get_opt_int(7);
  l.reason = q.get_opt_text(8);
  l.fields = fields.from_json(q.get_text(9));
  l.customer_id = q.get_opt_int(10);
  l.contact_id = q.get_opt_int(11);
  l.opportunity_id = q.get_opt_int(12);
  l.created_by = q.get_opt_int(13);
  l.created_at = Timestamp{q.get_int(14)};
  l.updated_at = Timestamp{q.get_int(15)};
  l.qualified_at = opt_time(q.get_opt_int(16));
  l.converted_at = opt_time(q.get_opt_int(17));
  l.version = q.get_int(18);
  return l;
}

// `claim`: an unassigned lead may be taken up by anyone whose leads scope is not "none".
Lead load_in_scope(const Context& ctx, std::int64_t id, const schema::FieldSet& fields, const char* action,
                   bool claim = false) {
  auto q = ctx.db().prepare(std::string("SELECT ") + kColumns + " FROM leads WHERE id = ?");
  q.bind_all(id);
  if (!q.step()) throw NotFound("lead " + std::to_string(id) + " does not exist");
  Lead l = read_lead(q, fields);
  if (claim && !l.owner_id && ctx.who->scope(kScope) != org::Scope::None) return l;
  if (!ctx.who->covers(kScope, l.owner_id))
    throw PermissionDenied(describe(*ctx.who) + " may not " + action + " lead " + std::to_string(id) +
                           ", which is outside the user's scope");
  return l;
}

using org::user_exists;

void apply_attr(const Context& ctx, Lead& l, const std::string& key, const Value& v) {
  using customers::text_attr;
  if (key == "name") {
    l.name = *text_attr(v, "name", text::kMaxName, true, std::nullopt);
  } else if (key == "company") {
    l.company = text_attr(v, "company", text::kMaxName, false, std::nullopt);
  } else if (key == "phone") {
    l.phone = text_attr(v, "phone", text::kMaxPhone, false, std::nullopt);
  } else if (key == "email") {
    l.email = customers::email_attr(v, std::nullopt);
  } else if (key == "source") {
    l.source = text_attr(v, "source", text::kMaxShort, false, std::nullopt);
  } else if (key == "owner" || key == "owner_id") {
    if (v.is_null()) {
      l.owner_id.reset();
    } else if (!v.is<std::int64_t>()) {
      throw ValidationError("owner: expected a user or user id, got " + std::string(v.type_name()), "owner");
    } else {
      if (!user_exists(ctx, v.as<std::int64_t>()))
        throw NotFound("owner: user " + std::to_string(v.as<std::int64_t>()) + " does not exist");
      l.owner_id = v.as<std::int64_t>();
    }
  } else {
    throw ValidationError("unknown lead attribute '" + key +
                              "' (use name, company, phone, email, source, owner, fields; status changes through "
                              "qualify, disqualify and convert)",
                          key);
  }
}

std::optional<std::string> opt_id(const std::optional<std::int64_t>& i) {
  return i ? std::optional(std::to_string(*i)) : std::nullopt;
}

// Writes `after` over `before`, recording every changed attribute in history.
Lead write(const Context& ctx, const Lead& before, Lead after, const schema::FieldSet& fields,
           const std::optional<std::string>& reason) {
  std::vector<std::string> changed;
  auto note = [&](const std::string& field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (a != b) { history::record(ctx, "lead", before.id, field, a, b, reason); changed.push_back(field); }
  };
  note("name", before.name, after.name);
  note("company", before.company, after.company);
  note("phone", before.phone, after.phone);
  note("email", before.email, after.email);
  note("source", before.source, after.source);
  note("status", before.status, after.status);
  note("owner_id", opt_id(before.owner_id), opt_id(after.owner_id));
  note("reason", before.reason, after.reason);
  note("customer_id", opt_id(before.customer_id), opt_id(after.customer_id));
  note("opportunity_id", opt_id(before.opportunity_id), opt_id(after.opportunity_id));
  for (const auto& def : fields.defs()) {
    auto a = before.fields.find(def.name);
    auto b = after.fields.find(def.name);
    std::optional<std::string> av, bv;
    if (a != before.fields.end() && !a->second.is_null()) av = a->second.to_text();
    if (b != after.fields.end() && !b->second.is_null()) bv = b->second.to_text();
    note(def.name, av, bv);
  }
  events::emit(ctx, events::ChangeKind::Updated, "lead", after.id, std::nullopt, changed);
  after.version = before.version + 1;
  after.updated_at = Timestamp{ctx.now()};
  auto ms = [](const std::optional<Timestamp>& t) { return t ? std::optional(t->ms) : std::nullopt; };
  ctx.db()
      .prepare("UPDATE leads SET name=?, company=?, phone=?, email=?, source=?, status=?, owner_id=?, reason=?, "
               "fields=?, customer_id=?, contact_id=?, opportunity_id=?, updated_at=?, qualified_at=?, "
               "converted_at=?, version=? WHERE id=?")
      .bind_all(after.name, after.company, after.phone, after.email, after.source, after.status, after.owner_id,
                after.reason, fields.to_json(after.fields), after.customer_id, after.contact_id, after.opportunity_id,
                after.updated_at.ms, ms(after.qualified_at), ms(after.converted_at), after.version, after.id)
      .exec();
  return after;
}

void require_not_converted(const Lead& l, const char* action) {
  if (l.status == "converted")
    throw Conflict("lead " + std::to_string(l.id) + " was already converted (customer " +
                   (l.customer_id ? std::to_string(*l.customer_id) : "?") + "); it cannot be " + action);
}

// The identity keys of a lead: its phone and e-mail, and its company's name key.
customers::IdentityKeys keys_of(const Lead& lead) {
  return customers::identity_keys(lead.phone, lead.email, lead.company, lead.company.has_value());
}

}  // namespace

Lead Leads::add(const LeadInput& input) {
  db::Transaction tx(ctx_.db());
  auto fields = schema::Fields(ctx_).of("lead");
  Lead l;
  if (!ctx_.who->is_system()) l.owner_id = ctx_.who->user_id;
  bool has_name = false;
  for (const auto& [key, v] : input.attrs) {
    apply_attr(ctx_, l, key, v);
    has_name = has_name || key == "name";
  }
  if (!has_name) throw ValidationError("name is required", "name");
  l.fields = fields.validate(input.fields, true, [&](std::int64_t u) { return user_exists(ctx_, u); });
  if (!ctx_.who->is_system() && !ctx_.who->covers(kScope, l.owner_id))
    throw PermissionDenied(describe(*ctx_.who) + " may not create a lead owned by " +
                           (l.owner_id ? "user " + std::to_string(*l.owner_id) : std::string("nobody")));
  l.created_by = ctx_.actor();
  l.created_at = l.updated_at = Timestamp{ctx_.now()};
  ctx_.db()
      .prepare("INSERT INTO leads(name, company, phone, email, source, status, owner_id, fields, created_by, "
               "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
      .bind_all(l.name, l.company, l.phone, l.email, l.source, l.status, l.owner_id, fields.to_json(l.fields),
                l.created_by, l.created_at.ms, l.updated_at.ms)
      .exec();
  l.id = ctx_.db().last_insert_id();
  events::emit(ctx_, events::ChangeKind::Created, "lead", l.id, std::nullopt, {"name", "source", "status"});
  tx.commit();
  log::logger().debug("leads.add id={}", l.id);
  return l;
}

std::optional<Leads::Held> Leads::first_with(const std::string& field, const std::string& value) const {
  if (field != "phone" && field != "email") throw ValidationError("field: leads are found by phone or email", "field");
  auto q = ctx_.db().prepare("SELECT id, customer_id FROM leads WHERE " + field + " = ? ORDER BY id LIMIT 1");
  q.bind_all(value);
  if (!q.step()) return std::nullopt;
  return Held{q.get_int(0), q.get_opt_int(1)};
}

Lead Leads::get(std::int64_t id) const {
  db::Transaction tx(ctx_.db(), false);
  return load_in_scope(ctx_, id, schema::Fields(ctx_).of("lead"), "read");
}

Lead Leads::update(std::int64_t id, const LeadInput& changes, std::optional<std::int64_t> expected_version) {
  db::Transaction tx(ctx_.db());
  auto fields = schema::Fields(ctx_).of("lead");
  Lead before = load_in_scope(ctx_, id, fields, "change");
  if (expected_version && *expected_version != before.version)
    throw Conflict("lead " + std::to_string(id) + " was changed by someone else (version " +
                   std::to_string(before.version) + ", expected " + std::to_string(*expected_version) +
                   "); reload and retry");
  require_not_converted(before, "changed");
  Lead after = before;
  for (const auto& [key, v] : changes.attrs) apply_attr(ctx_, after, key, v);
  auto values = fields.validate(changes.fields, false, [&](std::int64_t u) { return user_exists(ctx_, u); });
  for (auto& [k, v] : values) {
    if (v.is_null())
      after.fields.erase(k);
    else
      after.fields[k] = v;
  }
  if (after.owner_id != before.owner_id && !ctx_.who->covers(kScope, after.owner_id))
    throw PermissionDenied(describe(*ctx_.who) + " may not hand lead " + std::to_string(id) + " to " +
                           (after.owner_id ? "user " + std::to_string(*after.owner_id) : std::string("nobody")));
  auto out = write(ctx_, before, after, fields, std::nullopt);
  tx.commit();
  return out;
}

Lead Leads::qualify(std::int64_t id, std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto fields = schema::Fields(ctx).of("lead");
  Lead before = load_in_scope(ctx, id, fields, "qualify", true);
  require_not_converted(before, "qualified");
  if (before.status == "qualified") throw Conflict("lead " + std::to_string(id) + " is already qualified");
  Lead after = before;
  after.status = "qualified";
  after.reason.reset();
  after.qualified_at = Timestamp{ctx.now()};
  if (!after.owner_id) after.owner_id = ctx.actor();
  auto out = write(ctx, before, after, fields, std::nullopt);
  tx.commit();
  return out;
}

Lead Leads::disqualify(std::int64_t id, const std::string& reason, std::optional<std::int64_t> by) {
  auto why = text::clean(reason, "reason", text::kMaxLong, true);
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto fields = schema::Fields(ctx).of("lead");
  Lead before = load_in_scope(ctx, id, fields, "disqualify");
  require_not_converted(before, "disqualified");
  if (before.status == "disqualified") throw Conflict("lead " + std::to_string(id) + " is already disqualified");
  Lead after = before;
  after.status = "disqualified";
  after.reason = why;
  auto out = write(ctx, before, after, fields, why);
  tx.commit();
  return out;
}

Lead Leads::assign(std::int64_t id, std::int64_t to, std::optional<std::int64_t> by) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, by);
  auto fields = schema::Fields(ctx).of("lead");
  Lead before = load_in_scope(ctx, id, fields, "assign", true);
  require_not_converted(before, "reassigned");
  Lead after = before;
  apply_attr(ctx, after, "owner", Value(to));
  if (!ctx.who->covers(kScope, after.owner_id))
    throw PermissionDenied(describe(*ctx.who) + " may not hand lead " + std::to_string(id) + " to user " +
                           std::to_string(to) + ", who is outside the user's scope");
  auto out = write(ctx, before, after, fields, std::nullopt);
  tx.commit();
  return out;
}

Table Leads::find(const LeadQuery& query) const {
  paging::check(query.limit, query.offset);
  db::Transaction tx(ctx_.db(), false);
  auto fields = schema::Fields(ctx_).of("lead");
  auto scope = ctx_.who->owner_filter(kScope, "owner_id");
  std::string sql = std::string("SELECT ") + kColumns + " FROM leads WHERE " + scope.sql;
  std::vector<Value> params;
  for (auto p : scope.params) params.emplace_back(p);
  if (query.status) {
    static const std::vector<std::string> statuses = {"new", "qualified", "disqualified", "converted"};
    auto s = text::trim(*query.status);
    if (std::find(statuses.begin(), statuses.end(), s) == statuses.end())
      throw ValidationError("status: '" + s + "' is not a lead status (new, qualified, disqualified, converted)",
                            "status");
    sql += " AND status = ?";
    params.emplace_back(s);
  }
  if (query.source) {
    sql += " AND source = ?";
    params.emplace_back(text::trim(*query.source));
  }
  if (query.owner) {
    sql += " AND owner_id = ?";
    params.emplace_back(*query.owner);
  }
  sql += " ORDER BY id LIMIT ? OFFSET ?";
  params.emplace_back(query.limit);
  params.emplace_back(query.offset);
  auto q = ctx_.db().prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) q.bind(static_cast<int>(i + 1), params[i]);
  Table t;
  auto c_id = t.add_column("id", ColumnType::Int);
  auto c_name = t.add_column("name", ColumnType::Text);
  auto c_company = t.add_column("company", ColumnType::Text);
  auto c_phone = t.add_column("phone", ColumnType::Text);
  auto c_email = t.add_column("email", ColumnType::Text);
  auto c_source = t.add_column("source", ColumnType::Text);
  auto c_status = t.add_column("status", ColumnType::Text);
  auto c_owner = t.add_column("owner_id", ColumnType::Int);
  auto c_reason = t.add_column("reason", ColumnType::Text);
  auto c_customer = t.add_column("customer_id", ColumnType::Int);
  auto c_opp = t.add_column("opportunity_id", ColumnType::Int);
  auto c_created = t.add_column("created_at", ColumnType::Time);
  auto c_updated = t.add_column("updated_at", ColumnType::Time);
  auto c_version = t.add_column("version", ColumnType::Int);
  auto first = customers::add_field_columns(t, fields);
  while (q.step()) {
    Lead l = read_lead(q, fields);
    t.column(c_id).push_int(l.id);
    t.column(c_name).push_text(l.name);
    t.column(c_company).push_opt(l.company);
    t.column(c_phone).push_opt(l.phone);
    t.column(c_email).push_opt(l.email);
    t.column(c_source).push_opt(l.source);
    t.column(c_status).push_text(l.status);
    t.column(c_owner).push_opt(l.owner_id);
    t.column(c_reason).push_opt(l.reason);
    t.column(c_customer).push_opt(l.customer_id);
    t.column(c_opp).push_opt(l.opportunity_id);
    t.column(c_created).push_int(l.created_at.ms);
    t.column(c_updated).push_int(l.updated_at.ms);
    t.column(c_version).push_int(l.version);
    customers::push_field_values(t, first, fields, l.fields);
  }
  return t;
}

ConvertResult Leads::convert(std::int64_t id, const ConvertInput& input) {
  db::Transaction tx(ctx_.db());
  Context ctx = engine_side::acting(ctx_, input.by);
  auto fields = schema::Fields(ctx).of("lead");
  Lead before = load_in_scope(ctx, id, fields, "convert", true);
  require_not_converted(before, "converted again");
  if (before.status == "disqualified")
    throw ValidationError("status: lead " + std::to_string(id) + " was disqualified (" + before.reason.value_or("") +
                              "); qualify it again before converting it",
                          "status");
  // The new records belong to the acting user (or the lead's owner when the system converts).
  std::optional<std::int64_t> owner = ctx.actor() ? ctx.actor() : before.owner_id;
  // Matching looks at every customer, not only those in the user's scope: a duplicate of a
  // customer someone else owns is still a duplicate. The records are written with the acting
  // user's name but without the scope limits.
  Context wide = engine_side::elevated(ctx);
  ConvertResult res;
  const auto keys = keys_of(before);
  // The existing customer this lead is, if any: same phone (E.164), else same e-mail, else (for
  // a company) the same company-name key, found through the customers' key index; contacts'
  // phones and e-mails count.
  auto match = customers::CustomerKeys(ctx).match(keys);
  if (match) {
    res.customer = customers::Customers(wide).get(match->customer_id);
    res.matched_existing = true;
    res.matched_on = match->rule;
  } else {
    customers::CustomerInput cin;
    cin.attrs["name"] = before.company ? *before.company : before.name;
    cin.attrs["kind"] = before.company ? "company" : "person";
    if (owner) cin.attrs["owner"] = *owner;
    if (before.source) cin.attrs["source"] = *before.source;
    if (before.phone) cin.attrs["phone"] = *before.phone;
    if (before.email) cin.attrs["email"] = *before.email;
    res.customer = customers::Customers(wide).add(cin);
  }
  // The contact: reuse one of the customer's contacts with the same phone or e-mail.
  std::optional<std::int64_t> contact_id = customers::CustomerKeys(ctx).matching_contact(res.customer.id, keys);
  if (contact_id) {
    res.contact = customers::Contacts(wide).get(*contact_id);
  } else {
    customers::ContactInput kin;
    kin.attrs["name"] = before.name;
    if (before.phone) kin.attrs["phone"] = *before.phone;
    if (before.email) kin.attrs["email"] = *before.email;
    res.contact = customers::Contacts(wide).add(res.customer.id, kin);
  }
  if (input.create_opportunity) {
    OpportunityInput oin = input.opportunity;
    oin.attrs["customer"] = res.customer.id;
    if (!oin.attrs.count("title")) oin.attrs["title"] = before.company ? *before.company : before.name;
    if (!oin.attrs.count("owner") && !oin.attrs.count("owner_id") && owner) oin.attrs["owner"] = *owner;
    res.opportunity = Opportunities(wide, observer_).add(oin);
    ctx.db()
        .prepare("UPDATE opportunities SET lead_id = ? WHERE id = ?")
        .bind_all(id, res.opportunity->id)
        .exec();
    res.opportunity->lead_id = id;
  }
  Lead after = before;
  after.status = "converted";
  after.customer_id = res.customer.id;
  after.contact_id = res.contact ? std::optional(res.contact->id) : std::nullopt;
  after.opportunity_id = res.opportunity ? std::optional(res.opportunity->id) : std::nullopt;
  after.converted_at = Timestamp{ctx.now()};
  if (!after.owner_id) after.owner_id = owner;
  res.lead = write(ctx, before, after, fields,
                   match ? std::optional<std::string>("matched existing customer on " + match->rule) : std::nullopt);
  tx.commit();
  log::logger().debug("leads.convert id={} customer={} matched={}", id, res.customer.id, res.matched_existing);
  return res;
}

}  // namespace crmkit::pipeline
