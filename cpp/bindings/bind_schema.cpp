// Custom fields and stages (schema as data).
#include "common.hpp"
#include "crmkit/schema/fields.hpp"
#include "crmkit/schema/stages.hpp"

namespace crmkit::bindings {

void init_schema(py::module_& m) {
  using namespace schema;
  auto field = py::class_<FieldDef>(m, "FieldDef", "A custom field definition.")
                   .def_readonly("id", &FieldDef::id)
                   .def_readonly("entity", &FieldDef::entity)
                   .def_readonly("name", &FieldDef::name)
                   .def_property_readonly("type", [](const FieldDef& d) { return std::string(type_name(d.type)); })
                   .def_readonly("label", &FieldDef::label)
                   .def_readonly("options", &FieldDef::options)
                   .def_readonly("min", &FieldDef::min)
                   .def_readonly("max", &FieldDef::max)
                   .def_readonly("required", &FieldDef::required);
  set_record_fields(field, {"id", "entity", "name", "type", "label", "options", "min", "max", "required"});

  py::class_<Fields>(m, "Fields", "crm.fields: custom fields of customers, contacts, opportunities and leads.")
      .def(
          "add",
          [](Fields& s, const std::string& entity, const std::string& name, const std::string& type,
             std::optional<std::vector<std::string>> options, std::optional<double> min, std::optional<double> max,
             bool required, std::optional<std::string> label) {
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
          py::arg("label") = py::none(), Release())
      .def("remove", &Fields::remove, py::arg("entity"), py::arg("name"), Release())
      .def("get",
           [](Fields& s, const std::string& entity, const std::string& name) {
             auto set = s.of(entity);
             const FieldDef* d = set.find(name);
             if (!d) throw NotFound("the " + entity + " field '" + name + "' does not exist");
             return *d;
           },
           py::arg("entity"), py::arg("name"), Release())
      .def("list", &Fields::list, py::arg("entity") = py::none(), Release());

  py::class_<Stages>(m, "Stages", "crm.lifecycle / crm.pipeline: ordered, configurable stages.")
      .def(
          "set_stages",
          [](Stages& s, py::iterable stages) {
            std::vector<Stage> list;
            for (auto item : stages) {
              Stage st;
              if (py::isinstance<py::str>(item)) {
                st.name = item.cast<std::string>();
              } else {
                auto pair = item.cast<py::tuple>();
                if (pair.size() != 2)
                  throw ValidationError("stages: each stage is a name or a (name, probability) pair", "stages");
                st.name = pair[0].cast<std::string>();
                st.probability = pair[1].cast<double>();
              }
              list.push_back(st);
            }
            py::gil_scoped_release release;
            s.set(list);
          },
          py::arg("stages"), Drain())
      .def("stages", &Stages::names, Release(), "The stage names, in order.")
      .def(
          "probabilities",
          [](Stages& s) {
            std::vector<std::pair<std::string, double>> out;
            for (const auto& st : s.list()) out.emplace_back(st.name, st.probability.value_or(0.0));
            return out;
          },
          Release(), "(name, probability) pairs, in order (pipeline stages).");
}

}  // namespace crmkit::bindings
