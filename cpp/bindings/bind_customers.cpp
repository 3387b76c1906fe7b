// Customers and contacts.
#include "common.hpp"
#include "crmkit/customers/customers.hpp"

namespace crmkit::bindings {
namespace {

using customers::ContactInput;
using customers::CustomerInput;

// Splits kwargs (or a row dict) into attributes, custom fields and tags.
CustomerInput customer_input(const py::dict& kw, std::optional<std::int64_t> row = std::nullopt) {
  return split_input<CustomerInput>(kw, row, [row](const std::string& key, py::handle value, CustomerInput& in) {
    if (key != "tags") return false;
    Value v = to_field_value(value, "tags", row);
    if (v.is_null())
      in.tags = std::vector<std::string>{};
    else if (v.is<std::vector<std::string>>())
      in.tags = v.as<std::vector<std::string>>();
    else if (v.is<std::string>())
      in.tags = std::vector<std::string>{v.as<std::string>()};
    else
      throw ValidationError(row_prefix(row) + "tags must be a list of text", "tags", row);
    return true;
  });
}

customers::CustomerQuery make_query(std::optional<std::string> name_contains, std::optional<std::string> tag,
                                    std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
                                    std::optional<std::string> industry, std::optional<std::string> kind,
                                    std::optional<std::string> source, bool pool, std::optional<Integer> after,
                                    std::optional<Integer> limit, Integer offset,
                                    std::optional<std::string> where = std::nullopt) {
  customers::CustomerQuery q;
  q.where = where;
  q.name_contains = name_contains;
  q.tag = tag;
  q.owner = opt_id(owner);
  q.team = opt_id(team);
  q.stage = stage;
  q.industry = industry;
  q.kind = kind;
  q.source = source;
  q.unowned = pool;
  if (after) q.after_id = after->value;
  q.limit = limit_arg(limit);
  q.offset = offset.value;
  return q;
}

}  // namespace

void init_customers(py::module_& m) {
  using namespace customers;
  Record<CustomerFacts>(m, "CustomerFacts", "A customer's derived facts (kept current by every write).")
      .field("last_contact_at", &CustomerFacts::last_contact_at)
      .field("days_since_contact", &CustomerFacts::days_since_contact)
      .field("interaction_count", &CustomerFacts::interaction_count)
      .field("order_count", &CustomerFacts::order_count)
      .field("lifetime_value", &CustomerFacts::lifetime_value)
      .field("first_order_at", &CustomerFacts::first_order_at)
      .field("last_order_at", &CustomerFacts::last_order_at)
      .field("avg_satisfaction", &CustomerFacts::avg_satisfaction)
      .field("open_tickets", &CustomerFacts::open_tickets);

  Record<Customer>(m, "Customer", "A customer record (an immutable snapshot).")
      .field("id", &Customer::id)
      .field("name", &Customer::name)
      .field("kind", &Customer::kind)
      .field("industry", &Customer::industry)
      .field("owner_id", &Customer::owner_id)
      .field("source", &Customer::source)
      .field("phone", &Customer::phone)
      .field("email", &Customer::email)
      .field("stage", &Customer::stage)
      .field("tags", &Customer::tags)
      .field("fields", &Customer::fields)
      .field("created_by", &Customer::created_by)
      .field("created_at", &Customer::created_at)
      .field("updated_at", &Customer::updated_at)
      .field("version", &Customer::version)
      .extra_member("facts", &Customer::facts)
      // The facts also read as attributes of the customer (c.lifetime_value).
      .extra_member("last_contact_at", &Customer::facts, &CustomerFacts::last_contact_at)
      .extra_member("days_since_contact", &Customer::facts, &CustomerFacts::days_since_contact)
      .extra_member("interaction_count", &Customer::facts, &CustomerFacts::interaction_count)
      .extra_member("order_count", &Customer::facts, &CustomerFacts::order_count)
      .extra_member("lifetime_value", &Customer::facts, &CustomerFacts::lifetime_value)
      .extra_member("first_order_at", &Customer::facts, &CustomerFacts::first_order_at)
      .extra_member("last_order_at", &Customer::facts, &CustomerFacts::last_order_at)
      .extra_member("avg_satisfaction", &Customer::facts, &CustomerFacts::avg_satisfaction)
      .extra_member("open_tickets", &Customer::facts, &CustomerFacts::open_tickets);

  Record<Contact>(m, "Contact", "A contact person of a customer.")
      .field("id", &Contact::id)
      .field("customer_id", &Contact::customer_id)
      .field("name", &Contact::name)
      .field("title", &Contact::title)
      .field("phone", &Contact::phone)
      .field("email", &Contact::email)
      .field("fields", &Contact::fields)
      .field("created_at", &Contact::created_at)
      .field("updated_at", &Contact::updated_at)
      .field("version", &Contact::version);

  py::class_<Customers>(m, "Customers", "crm.customers: customer records, tags, stages and history.")
      .def(
          "add",
          [](Customers& s, const TextKw& name, const TextKw& kind, const OptTextKw& industry, const OptEntityKw& owner,
             const OptTextKw& source, const OptTextKw& phone, const OptTextKw& email, const TextKw& stage,
             const TagsKw& tags, const FieldsKw& fields, const py::kwargs& extra) {
            auto in = customer_input(keywords({{"name", &name}, {"kind", &kind}, {"industry", &industry},
                                               {"owner", &owner}, {"source", &source}, {"phone", &phone},
                                               {"email", &email}, {"stage", &stage}, {"tags", &tags},
                                               {"fields", &fields}},
                                              extra));
            py::gil_scoped_release release;
            return s.add(in);
          },
          kw("name"), py::kw_only(), kw("kind"), kw("industry"), kw("owner"), kw("source"), kw("phone"), kw("email"),
          kw("stage"), kw("tags"), kw("fields"), Drain(),
          "Adds a customer (kind 'company' or 'person'; the first lifecycle stage unless `stage` is given; a "
          "rep's new customer is theirs unless `owner` is given); custom field values go in `fields`.\n\n"
          "Returns the new Customer. Raises ValidationError for a missing name, a bad value or an unknown "
          "keyword (naming it), PermissionDenied when the view may not own it that way.")
      .def(
          "add_many",
          [](Customers& s, Iterable rows) {
            std::vector<CustomerInput> inputs;
            if (py::hasattr(rows.items, "__len__")) inputs.reserve(py::len(rows.items));
            std::int64_t i = 0;
            for (auto row : rows.items) {
              inputs.push_back(customer_input(row_dict(row, i), i));
              ++i;
            }
            py::gil_scoped_release release;
            return s.add_many(inputs);
          },
          py::arg("rows"), "Adds all rows (dicts with the arguments of add()) in one transaction, all or nothing. Returns the "
                           "new ids, in row order. Raises ValidationError naming the field and the row of the first bad row "
                           "(nothing is written), PermissionDenied likewise.", Drain())
      .def("get", [](Customers& s, Ref c) { return s.get(c.id); }, py::arg("customer"), Release(),
          "Returns the Customer (with its derived facts). Raises NotFound for an unknown id or one outside the "
          "view's scope.")
      .def(
          "update",
          [](Customers& s, Ref c, std::optional<std::int64_t> expected_version, const TextKw& name, const TextKw& kind,
             const OptTextKw& industry, const OptEntityKw& owner, const OptTextKw& source, const OptTextKw& phone,
             const OptTextKw& email, const TextKw& stage, const TagsKw& tags, const FieldsKw& fields,
             const py::kwargs& extra) {
            auto in = customer_input(keywords({{"name", &name}, {"kind", &kind}, {"industry", &industry},
                                               {"owner", &owner}, {"source", &source}, {"phone", &phone},
                                               {"email", &email}, {"stage", &stage}, {"tags", &tags},
                                               {"fields", &fields}},
                                              extra));
            py::gil_scoped_release release;
            return s.update(c.id, in, expected_version);
          },
          py::arg("customer"), py::arg("expected_version") = py::none(), py::kw_only(), kw("name"), kw("kind"),
          kw("industry"), kw("owner"), kw("source"), kw("phone"), kw("email"), kw("stage"), kw("tags"),
          kw("fields"), Drain(),
          "Changes the given attributes (None clears an optional one; `tags` replaces the tags; `fields` "
          "changes only the custom fields it names).\n\n"
          "Returns the updated Customer. Raises NotFound, Conflict when `expected_version` is stale or the "
          "customer is locked by a pending approval, "
          "ValidationError for a bad value or an unknown keyword, PermissionDenied outside the view's scope.")
      .def(
          "delete", [](Customers& s, Ref c, std::optional<std::int64_t> v) { s.remove(c.id, v); },
          py::arg("customer"), py::arg("expected_version") = py::none(), Release(),
          "Deletes a customer with its contacts and activity. Returns None. Raises NotFound, Conflict when "
          "`expected_version` is stale or the customer is locked by a pending approval, PermissionDenied "
          "outside the view's scope.")
      .def(
          "find",
          [](Customers& s, std::optional<std::string> name_contains, std::optional<std::string> tag,
             std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
             std::optional<std::string> industry, std::optional<std::string> kind, std::optional<std::string> source,
             Flag pool, std::optional<Integer> after, std::optional<Integer> limit, Integer offset,
             std::optional<std::string> where) {
            return s.find(make_query(name_contains, tag, owner, team, stage, industry, kind, source, pool, after,
                                     limit, offset, where));
          },
          py::arg("name_contains") = py::none(), py::arg("tag") = py::none(), py::arg("owner") = py::none(),
          py::arg("team") = py::none(), py::arg("stage") = py::none(), py::arg("industry") = py::none(),
          py::arg("kind") = py::none(), py::arg("source") = py::none(), py::arg("pool") = false,
          py::arg("after") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = Integer{0},
          py::arg("where") = py::none(), Release(),
          "Customers matching every filter given (`where` is a rule, see docs/rules.md; `pool=True`: unowned "
          "ones), in id order; page with `after` (an id) or `offset`, at most `limit` rows. Returns a Table "
          "with one column per attribute and custom field. Raises ValidationError for a bad filter or limit, "
          "RuleSyntaxError for a bad rule.")
      .def(
          "count",
          [](Customers& s, std::optional<std::string> name_contains, std::optional<std::string> tag,
             std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
             std::optional<std::string> industry, std::optional<std::string> kind, std::optional<std::string> source,
             Flag pool, std::optional<std::string> where) {
            return s.count(make_query(name_contains, tag, owner, team, stage, industry, kind, source, pool,
                                      std::nullopt, std::nullopt, Integer{0}, where));
          },
          py::arg("name_contains") = py::none(), py::arg("tag") = py::none(), py::arg("owner") = py::none(),
          py::arg("team") = py::none(), py::arg("stage") = py::none(), py::arg("industry") = py::none(),
          py::arg("kind") = py::none(), py::arg("source") = py::none(), py::arg("pool") = false,
          py::arg("where") = py::none(), Release(),
          "Returns how many customers match the filters of find(). Raises ValidationError for a bad filter, "
          "RuleSyntaxError for a bad rule.")
      .def("tag", [](Customers& s, Ref c, const std::string& t) { return s.tag(c.id, t); }, py::arg("customer"),
           py::arg("tag"), Release(),
          "Adds a tag (kept once). Returns the updated Customer. Raises NotFound, ValidationError for an empty "
          "or overlong tag, Conflict when locked by a pending approval, PermissionDenied outside the view's "
          "scope.")
      .def("untag", [](Customers& s, Ref c, const std::string& t) { return s.untag(c.id, t); }, py::arg("customer"),
           py::arg("tag"), Release(),
          "Removes a tag (nothing happens if absent). Returns the updated Customer. Raises NotFound, Conflict "
          "when locked by a pending approval, PermissionDenied outside the view's scope.")
      .def("set_stage", [](Customers& s, Ref c, const std::string& st) { return s.set_stage(c.id, st); },
           py::arg("customer"), py::arg("stage"), Release(),
          "Moves a customer to a lifecycle stage. Returns the updated Customer. Raises NotFound, "
          "ValidationError for an unknown stage, Conflict when locked by a pending approval, PermissionDenied "
          "outside the view's scope.")
      .def("history", [](Customers& s, Ref c) { return s.history(c.id); }, py::arg("customer"), Release(),
          "Returns the customer's change history as a Table (at, by, field, old, new), oldest first. Raises "
          "NotFound for an unknown or invisible customer.");

  py::class_<Contacts>(m, "Contacts", "crm.contacts: the people at a customer.")
      .def(
          "add",
          [](Contacts& s, Ref c, const TextKw& name, const OptTextKw& title, const OptTextKw& phone,
             const OptTextKw& email, const FieldsKw& fields, const py::kwargs& extra) {
            auto in = split_input<ContactInput>(keywords(
                {{"name", &name}, {"title", &title}, {"phone", &phone}, {"email", &email}, {"fields", &fields}},
                extra));
            py::gil_scoped_release release;
            return s.add(c.id, in);
          },
          py::arg("customer"), kw("name"), py::kw_only(), kw("title"), kw("phone"), kw("email"), kw("fields"),
          Drain(),
          "Adds a contact person to `customer`.\n\n"
          "Returns the new Contact. Raises NotFound for an unknown or invisible customer, ValidationError "
          "for a missing name, a bad value or an unknown keyword.")
      .def("get", [](Contacts& s, Ref c) { return s.get(c.id); }, py::arg("contact"), Release(),
           "Returns the Contact. Raises NotFound for an unknown id or one outside the view's scope.")
      .def(
          "update",
          [](Contacts& s, Ref c, std::optional<std::int64_t> expected_version, const TextKw& name,
             const OptTextKw& title, const OptTextKw& phone, const OptTextKw& email, const FieldsKw& fields,
             const py::kwargs& extra) {
            auto in = split_input<ContactInput>(keywords(
                {{"name", &name}, {"title", &title}, {"phone", &phone}, {"email", &email}, {"fields", &fields}},
                extra));
            py::gil_scoped_release release;
            return s.update(c.id, in, expected_version);
          },
          py::arg("contact"), py::arg("expected_version") = py::none(), py::kw_only(), kw("name"), kw("title"),
          kw("phone"), kw("email"), kw("fields"), Drain(),
          "Changes the given attributes (None clears an optional one).\n\n"
          "Returns the updated Contact. Raises NotFound, Conflict when `expected_version` is stale, "
          "ValidationError for a bad value or an unknown keyword.")
      .def("delete", [](Contacts& s, Ref c) { s.remove(c.id); }, py::arg("contact"), Release(),
          "Deletes a contact. Returns None. Raises NotFound, PermissionDenied outside the view's scope.")
      .def("list", [](Contacts& s, Ref c) { return s.list(c.id); }, py::arg("customer"), Release(),
          "Returns the contacts of a customer as a Table. Raises NotFound for an unknown or invisible customer.");
}

}  // namespace crmkit::bindings
