// Customers and contacts.
#include "common.hpp"
#include "crmkit/customers/customers.hpp"

namespace crmkit::bindings {
namespace {

using customers::ContactInput;
using customers::CustomerInput;

// Splits kwargs (or a row dict) into attributes, custom fields and tags.
CustomerInput customer_input(const py::dict& kw, std::optional<std::int64_t> row = std::nullopt) {
  CustomerInput in;
  for (auto item : kw) {
    std::string key = detail::utf8(py::str(item.first));
    if (key == "fields") {
      if (item.second.is_none()) continue;
      if (!py::isinstance<py::dict>(item.second))
        throw ValidationError((row ? "row " + std::to_string(*row) + ": " : "") + "fields must be a dict", "fields", row);
      in.fields = to_value_map(item.second.cast<py::dict>(), row);
    } else if (key == "tags") {
      Value v = to_field_value(item.second, "tags", row);
      if (v.is_null())
        in.tags = std::vector<std::string>{};
      else if (v.is<std::vector<std::string>>())
        in.tags = v.as<std::vector<std::string>>();
      else if (v.is<std::string>())
        in.tags = std::vector<std::string>{v.as<std::string>()};
      else
        throw ValidationError((row ? "row " + std::to_string(*row) + ": " : "") + "tags must be a list of text",
                              "tags", row);
    } else {
      in.attrs[key] = to_field_value(item.second, key, row);
    }
  }
  return in;
}

ContactInput contact_input(const py::dict& kw) {
  ContactInput in;
  for (auto item : kw) {
    std::string key = detail::utf8(py::str(item.first));
    if (key == "fields") {
      if (!item.second.is_none()) in.fields = to_value_map(item.second.cast<py::dict>());
    } else {
      in.attrs[key] = to_field_value(item.second, key);
    }
  }
  return in;
}

customers::CustomerQuery make_query(std::optional<std::string> name_contains, std::optional<std::string> tag,
                                    std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
                                    std::optional<std::string> industry, std::optional<std::string> kind,
                                    std::optional<std::string> source, bool pool, std::optional<std::int64_t> after,
                                    std::optional<std::int64_t> limit, std::int64_t offset,
                                    std::optional<std::string> where = std::nullopt) {
  customers::CustomerQuery q;
  q.where = where;
  q.name_contains = name_contains;
  q.tag = tag;
  if (owner) q.owner = owner->id;
  if (team) q.team = team->id;
  q.stage = stage;
  q.industry = industry;
  q.kind = kind;
  q.source = source;
  q.unowned = pool;
  q.after_id = after;
  if (limit) {
    if (*limit < 0) throw ValidationError("limit must not be negative", "limit");
    q.limit = *limit;
  }
  if (offset < 0) throw ValidationError("offset must not be negative", "offset");
  q.offset = offset;
  return q;
}

}  // namespace

void init_customers(py::module_& m) {
  using namespace customers;
  auto facts = py::class_<CustomerFacts>(m, "CustomerFacts", "A customer's derived facts (kept current by every write).")
                   .def_readonly("last_contact_at", &CustomerFacts::last_contact_at)
                   .def_readonly("days_since_contact", &CustomerFacts::days_since_contact)
                   .def_readonly("interaction_count", &CustomerFacts::interaction_count)
                   .def_readonly("order_count", &CustomerFacts::order_count)
                   .def_readonly("lifetime_value", &CustomerFacts::lifetime_value)
                   .def_readonly("first_order_at", &CustomerFacts::first_order_at)
                   .def_readonly("last_order_at", &CustomerFacts::last_order_at)
                   .def_readonly("avg_satisfaction", &CustomerFacts::avg_satisfaction)
                   .def_readonly("open_tickets", &CustomerFacts::open_tickets);
  set_record_fields(facts, {"last_contact_at", "days_since_contact", "interaction_count", "order_count",
                            "lifetime_value", "first_order_at", "last_order_at", "avg_satisfaction", "open_tickets"});

  auto customer = py::class_<Customer>(m, "Customer", "A customer record (an immutable snapshot).")
                      .def_readonly("id", &Customer::id)
                      .def_readonly("name", &Customer::name)
                      .def_readonly("kind", &Customer::kind)
                      .def_readonly("industry", &Customer::industry)
                      .def_readonly("owner_id", &Customer::owner_id)
                      .def_readonly("source", &Customer::source)
                      .def_readonly("phone", &Customer::phone)
                      .def_readonly("email", &Customer::email)
                      .def_readonly("stage", &Customer::stage)
                      .def_readonly("tags", &Customer::tags)
                      .def_readonly("fields", &Customer::fields)
                      .def_readonly("created_by", &Customer::created_by)
                      .def_readonly("created_at", &Customer::created_at)
                      .def_readonly("updated_at", &Customer::updated_at)
                      .def_readonly("version", &Customer::version)
                      .def_readonly("facts", &Customer::facts)
                      // The facts also read as attributes of the customer (c.lifetime_value).
                      .def_property_readonly("last_contact_at", [](const Customer& c) { return c.facts.last_contact_at; })
                      .def_property_readonly("days_since_contact", [](const Customer& c) { return c.facts.days_since_contact; })
                      .def_property_readonly("interaction_count", [](const Customer& c) { return c.facts.interaction_count; })
                      .def_property_readonly("order_count", [](const Customer& c) { return c.facts.order_count; })
                      .def_property_readonly("lifetime_value", [](const Customer& c) { return c.facts.lifetime_value; })
                      .def_property_readonly("first_order_at", [](const Customer& c) { return c.facts.first_order_at; })
                      .def_property_readonly("last_order_at", [](const Customer& c) { return c.facts.last_order_at; })
                      .def_property_readonly("avg_satisfaction", [](const Customer& c) { return c.facts.avg_satisfaction; })
                      .def_property_readonly("open_tickets", [](const Customer& c) { return c.facts.open_tickets; });
  set_record_fields(customer, {"id", "name", "kind", "industry", "owner_id", "source", "phone", "email", "stage",
                               "tags", "fields", "created_by", "created_at", "updated_at", "version"});

  auto contact = py::class_<Contact>(m, "Contact", "A contact person of a customer.")
                     .def_readonly("id", &Contact::id)
                     .def_readonly("customer_id", &Contact::customer_id)
                     .def_readonly("name", &Contact::name)
                     .def_readonly("title", &Contact::title)
                     .def_readonly("phone", &Contact::phone)
                     .def_readonly("email", &Contact::email)
                     .def_readonly("fields", &Contact::fields)
                     .def_readonly("created_at", &Contact::created_at)
                     .def_readonly("updated_at", &Contact::updated_at)
                     .def_readonly("version", &Contact::version);
  set_record_fields(contact, {"id", "customer_id", "name", "title", "phone", "email", "fields", "created_at",
                              "updated_at", "version"});


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
          [](Customers& s, py::iterable rows) {
            std::vector<CustomerInput> inputs;
            if (py::hasattr(rows, "__len__")) inputs.reserve(py::len(rows));
            std::int64_t i = 0;
            for (auto row : rows) {
              if (!py::isinstance<py::dict>(row))
                throw ValidationError("row " + std::to_string(i) + ": each row must be a dict", "", i);
              inputs.push_back(customer_input(row.cast<py::dict>(), i));
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
             bool pool, std::optional<std::int64_t> after, std::optional<std::int64_t> limit, std::int64_t offset,
             std::optional<std::string> where) {
            return s.find(make_query(name_contains, tag, owner, team, stage, industry, kind, source, pool, after,
                                     limit, offset, where));
          },
          py::arg("name_contains") = py::none(), py::arg("tag") = py::none(), py::arg("owner") = py::none(),
          py::arg("team") = py::none(), py::arg("stage") = py::none(), py::arg("industry") = py::none(),
          py::arg("kind") = py::none(), py::arg("source") = py::none(), py::arg("pool") = false,
          py::arg("after") = py::none(), py::arg("limit") = py::none(), py::arg("offset") = 0,
          py::arg("where") = py::none(), Release())
      .def(
          "count",
          [](Customers& s, std::optional<std::string> name_contains, std::optional<std::string> tag,
             std::optional<Ref> owner, std::optional<Ref> team, std::optional<std::string> stage,
             std::optional<std::string> industry, std::optional<std::string> kind, std::optional<std::string> source,
             bool pool, std::optional<std::string> where) {
            return s.count(make_query(name_contains, tag, owner, team, stage, industry, kind, source, pool,
                                      std::nullopt, std::nullopt, 0, where));
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
            auto in = contact_input(kw);
            py::gil_scoped_release release;
            return s.add(c.id, in);
          },
          py::arg("customer"), "add(customer, name=..., title=None, phone=None, email=None, fields=None)", Drain())
      .def("get", [](Contacts& s, Ref c) { return s.get(c.id); }, py::arg("contact"), Release())
      .def(
          "update",
          [](Contacts& s, Ref c, std::optional<std::int64_t> expected_version, py::kwargs kw) {
            auto in = contact_input(kw);
            py::gil_scoped_release release;
            return s.update(c.id, in, expected_version);
          },
          py::arg("contact"), py::arg("expected_version") = py::none(), Drain())
      .def("delete", [](Contacts& s, Ref c) { s.remove(c.id); }, py::arg("contact"), Release())
      .def("list", [](Contacts& s, Ref c) { return s.list(c.id); }, py::arg("customer"), Release());
}

}  // namespace crmkit::bindings
