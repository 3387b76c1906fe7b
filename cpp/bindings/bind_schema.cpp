// Custom fields and stages (schema as data).
#include "common.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"

namespace crmkit::bindings {

void init_schema(py::module_& m) {
  using namespace schema;
  Record<FieldDef>(m, "FieldDef", "A custom field definition.")
      .field("id", &FieldDef::id)
      .field("entity", &FieldDef::entity)
      .field("name", &FieldDef::name)
      .computed(
          "type", [](const FieldDef& d) { return std::string(type_name(d.type)); },
          [](FieldDef& d, py::handle v) { d.type = parse_type(v.cast<std::string>()); })
      .field("label", &FieldDef::label)
      .field("options", &FieldDef::options)
      .field("min", &FieldDef::min)
      .field("max", &FieldDef::max)
      .field("required", &FieldDef::required);

  py::class_<Fields>(m, "Fields", "crm.fields: custom fields of customers, contacts, opportunities and leads.")
      .def(
          "add",
          [](Fields& s, const std::string& entity, const std::string& name, const std::string& type,
             std::optional<std::vector<std::string>> options, std::optional<double> min, std::optional<double> max,
             Flag required, std::optional<std::string> label) {
            FieldDef d;
            d.entity = entity;
            d.name = name;
            d.type = parse_type(type);
            d.options = options.value_or(std::vector<std::string>{});
            d.min = min;
            d.max = max;
            d.required = required;
            d.label = label;
            return s.add(d);
          },
          py::arg("entity"), py::arg("name"), py::arg("type"), py::arg("options") = py::none(),
          py::arg("min") = py::none(), py::arg("max") = py::none(), py::arg("required") = false,
          py::arg("label") = py::none(), Release(),
          "Defines a custom field of an entity (customer, contact, opportunity, lead, ...): `type` is text, "
          "number, integer, bool, date, datetime, enum, multi_enum or user; `options` for the enum types, "
          "`min`/`max` for numbers. Returns the FieldDef. Raises ValidationError for an unknown entity or type, "
          "a bad name or missing options, Conflict when the field exists, PermissionDenied unless the view "
          "administers.")
      .def("remove", &Fields::remove, py::arg("entity"), py::arg("name"), Release(),
          "Removes a custom field definition (stored values are kept but no longer read). Returns None. Raises "
          "NotFound for an unknown field, PermissionDenied unless the view administers.")
      .def("get",
           [](Fields& s, const std::string& entity, const std::string& name) {
             auto set = s.of(entity);
             const FieldDef* d = set.find(name);
             if (!d) throw NotFound("the " + entity + " field '" + name + "' does not exist");
             return *d;
           },
           py::arg("entity"), py::arg("name"), Release(),
          "Returns the FieldDef of `entity`'s field `name`. Raises NotFound for an unknown field, "
          "ValidationError for an unknown entity.")
      .def("list", &Fields::list, py::arg("entity") = py::none(), Release(),
          "Custom field definitions, of one entity or of all. Returns a Table (entity, name, type, label, "
          "options, min, max, required). Raises ValidationError for an unknown entity.");

  py::class_<Stages>(m, "Stages", "crm.lifecycle / crm.pipeline: ordered, configurable stages.")
      .def(
          "set_stages",
          [](Stages& s, Iterable stages) {
            std::vector<Stage> list;
            const char* shape = "stages: each stage is a name or a (name, probability) pair";
            for (auto item : stages.items) {
              Stage st;
              if (py::isinstance<py::str>(item)) {
                st.name = detail::utf8(item);
              } else {
                if (!py::isinstance<py::tuple>(item) && !py::isinstance<py::list>(item))
                  throw ValidationError(shape, "stages");
                auto pair = py::reinterpret_borrow<py::sequence>(item);
                if (pair.size() != 2 || !py::isinstance<py::str>(pair[0])) throw ValidationError(shape, "stages");
                st.name = detail::utf8(pair[0]);
                try {
                  st.probability = pair[1].cast<double>();
                } catch (const std::exception&) {  // pybind11's cast_error or the caster's ValidationError
                  throw ValidationError("stages: the probability of '" + st.name + "' must be a number", "stages");
                }
              }
              list.push_back(st);
            }
            py::gil_scoped_release release;
            s.set(list);
          },
          py::arg("stages"), Drain(),
          "Replaces the ordered stages: each a name, or a (name, probability) pair for pipeline stages. Returns "
          "None. Raises ValidationError for a malformed or duplicate stage or a stage still in use, "
          "PermissionDenied unless the view administers.")
      .def("stages", &Stages::names, Release(), "Returns the stage names, in order. Raises nothing.")
      .def(
          "probabilities",
          [](Stages& s) {
            std::vector<std::pair<std::string, double>> out;
            for (const auto& st : s.list()) out.emplace_back(st.name, st.probability.value_or(0.0));
            return out;
          },
          Release(), "Returns (name, probability) pairs in order (0.0 where a stage has none). Raises nothing.");
}

}  // namespace crmkit::bindings
