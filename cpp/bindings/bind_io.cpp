// The io domain's private bindings: the CSV reader for inspection and tests (the import pipeline
// calls it from C++), and the CSV writer of crm.exports.
#include "common.hpp"
#include "crmkit/crm.hpp"
#include "crmkit/customers/contact_rows.hpp"
#include "crmkit/io/csv.hpp"
#include "crmkit/table.hpp"

namespace crmkit::bindings {
namespace {

// A CSV file read one row per next(): memory stays at one buffer and one row.
struct CsvRows {
  std::unique_ptr<io::RowSource> source;
  io::SourceRow row;
};

}  // namespace

void init_io(py::module_& m) {
  py::class_<CsvRows>(m, "_CsvRows", "The rows of a CSV file, read as they are iterated.")
      .def_property_readonly("header", [](const CsvRows& r) { return r.source->header(); })
      .def_property_readonly("encoding", [](const CsvRows& r) { return r.source->encoding(); })
      .def_property_readonly("consumed", [](const CsvRows& r) { return r.source->consumed(); })
      .def_property_readonly("total", [](const CsvRows& r) { return r.source->total(); })
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](CsvRows& r) {
        bool more;
        {
          py::gil_scoped_release release;
          more = r.source->next(r.row);
        }
        if (!more) throw py::stop_iteration();
        return py::make_tuple(r.row.row, r.row.line, r.row.cells, r.row.problem);
      }, Drain());

  m.def(
      "_read_csv",
      [](py::object path_like, std::optional<std::string> encoding, char delimiter) {
        auto path = py::module_::import("os").attr("fspath")(path_like).cast<std::string>();
        io::CsvOptions options;
        options.encoding = encoding.value_or("");
        options.delimiter = delimiter;
        py::gil_scoped_release release;
        return CsvRows{io::open_csv(path, options), {}};
      },
      py::arg("path"), py::arg("encoding") = py::none(), py::arg("delimiter") = ',', Drain(),
      "Opens a CSV file (encoding None: detected) and returns its rows as an iterator of (row, line, "
      "cells, problem) with .header, .encoding, .consumed and .total (bytes). Raises ValidationError "
      "naming the file when it is missing, empty, binary or in an unknown encoding.");

  m.def(
      "_all_contacts",
      [](const Crm& crm, std::optional<Integer> limit, Integer offset) {
        auto n = limit_arg(limit);
        py::gil_scoped_release release;
        return customers::all_contacts(crm.context(), n, offset.value);
      },
      py::arg("crm"), py::arg("limit") = py::none(), py::arg("offset") = Integer{0}, Drain(),
      "Every contact the view `crm` may read, ordered by id (a Table; the rows of exports('contacts')).");

  m.def(
      "_write_csv",
      [](const Table& table, py::object path_like, std::vector<std::string> columns, std::vector<std::string> headers,
         bool bom) {
        auto path = py::module_::import("os").attr("fspath")(path_like).cast<std::string>();
        py::gil_scoped_release release;
        return io::write_table_csv(table, path, columns, headers, bom);
      },
      py::arg("table"), py::arg("path"), py::arg("columns") = std::vector<std::string>{},
      py::arg("headers") = std::vector<std::string>{}, py::arg("bom") = true, Drain(),
      "Writes the table's `columns` (empty: all) under `headers` as CSV (UTF-8 with a BOM unless "
      "bom=False); returns the number of rows written. Raises ValidationError for a missing directory "
      "or an unknown column.");
}

}  // namespace crmkit::bindings
