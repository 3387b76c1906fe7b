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
          [](Customers& s, py::kwargs kw) {
            auto in = customer_input(kw);
            py::gil_scoped_release release;
            return s.add(in);
          },
          "add(name=..., kind='company', industry=None, owner=None, source=None, phone=None, email=None, "
          "stage=None, tags=None, fields=None) -> Customer",
          Drain())
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
          py::arg("rows"), "Adds all rows in one transaction (all or nothing); returns their ids.", Drain())
      .def("get", [](Customers& s, Ref c) { return s.get(c.id); }, py::arg("customer"), Release())
      .def(
          "update",
          [](Customers& s, Ref c, std::optional<std::int64_t> expected_version, py::kwargs kw) {
            auto in = customer_input(kw);
            py::gil_scoped_release release;
            return s.update(c.id, in, expected_version);
          },
          py::arg("customer"), py::arg("expected_version") = py::none(), Drain())
      .def(
          "delete", [](Customers& s, Ref c, std::optional<std::int64_t> v) { s.remove(c.id, v); },
          py::arg("customer"), py::arg("expected_version") = py::none(), Release())
      .def(
          "find",
          [](Customers& s, std::optional<std::string> name_contains, std::optional<std::string> tag,
             std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
             std::optional<std::string> industry, std::optional<std::string> kind, std::optional<std::string> source,
             bool pool, std::optional<Integer> after, std::optional<Integer> limit, Integer offset,
             std::optional<std::string> where) {
            return s.find(make_query(name_contains, tag, owner, team, stage, industry, kind, source, pool, after,
                                     limit, offset, where));
          },
          py::arg("name_contains") = py::none(), py::arg("tag") = py::none(), py::arg("owner") = py::none(),
          py::arg("team") = py::none(), py::arg("stage") = py::none(), py::arg("industry") = py::none(),
          py::arg("kind") = py::none(), py::arg("source") = py::none(), py::arg("pool") = false,
          py::arg("after") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = Integer{0},
          py::arg("where") = py::none(), Release())
      .def(
          "count",
          [](Customers& s, std::optional<std::string> name_contains, std::optional<std::string> tag,
             std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
             std::optional<std::string> industry, std::optional<std::string> kind, std::optional<std::string> source,
             bool pool, std::optional<std::string> where) {
            return s.count(make_query(name_contains, tag, owner, team, stage, industry, kind, source, pool,
                                      std::nullopt, std::nullopt, Integer{0}, where));
          },
          py::arg("name_contains") = py::none(), py::arg("tag") = py::none(), py::arg("owner") = py::none(),
          py::arg("team") = py::none(), py::arg("stage") = py::none(), py::arg("industry") = py::none(),
          py::arg("kind") = py::none(), py::arg("source") = py::none(), py::arg("pool") = false,
          py::arg("where") = py::none(), Release())
      .def("tag", [](Customers& s, Ref c, const std::string& t) { return s.tag(c.id, t); }, py::arg("customer"),
           py::arg("tag"), Release())
      .def("untag", [](Customers& s, Ref c, const std::string& t) { return s.untag(c.id, t); }, py::arg("customer"),
           py::arg("tag"), Release())
      .def("set_stage", [](Customers& s, Ref c, const std::string& st) { return s.set_stage(c.id, st); },
           py::arg("customer"), py::arg("stage"), Release())
      .def("history", [](Customers& s, Ref c) { return s.history(c.id); }, py::arg("customer"), Release());

  py::class_<Contacts>(m, "Contacts", "crm.contacts: the people at a customer.")
      .def(
          "add",
          [](Contacts& s, Ref c, py::kwargs kw) {
            auto in = split_input<ContactInput>(kw);
            py::gil_scoped_release release;
            return s.add(c.id, in);
          },
          py::arg("customer"), "add(customer, name=..., title=None, phone=None, email=None, fields=None)", Drain())
      .def("get", [](Contacts& s, Ref c) { return s.get(c.id); }, py::arg("contact"), Release())
      .def(
          "update",
          [](Contacts& s, Ref c, std::optional<std::int64_t> expected_version, py::kwargs kw) {
            auto in = split_input<ContactInput>(kw);
            py::gil_scoped_release release;
            return s.update(c.id, in, expected_version);
          },
          py::arg("contact"), py::arg("expected_version") = py::none(), Drain())
      .def("delete", [](Contacts& s, Ref c) { s.remove(c.id); }, py::arg("contact"), Release())
      .def("list", [](Contacts& s, Ref c) { return s.list(c.id); }, py::arg("customer"), Release());
}

}  // namespace crmkit::bindings
