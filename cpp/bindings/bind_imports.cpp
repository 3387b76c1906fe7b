// Imports (crm.imports), duplicate search and merge (crm.customers.duplicates / merge).
#include <pybind11/functional.h>

#include <cmath>
#include <memory>

#include "common.hpp"
#include "crmkit/io/csv.hpp"
#include "crmkit/crm.hpp"
#include "crmkit/customers/duplicates.hpp"
#include "crmkit/error.hpp"
#include "crmkit/imports/imports.hpp"
#include "crmkit/imports/merge.hpp"
#include "crmkit/io/row_source.hpp"

namespace crmkit::bindings {
namespace {

using imports::ImportOptions;
using imports::ImportReport;

// crm.imports: the service with the view it imports as.
struct ImportsView {
  Context ctx;
};

// A cell of a Python row as the text a spreadsheet would hold: numbers without a spurious ".0"
// (a phone typed into a numeric column arrives as 13800138000.0), dates in ISO form.
std::string cell_text(py::handle v) {
  if (v.is_none()) return {};
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(v)) return py::str(v).cast<std::string>();
  if (py::isinstance<py::float_>(v)) {
    const double d = v.cast<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e16) return std::to_string(static_cast<long long>(d));
    return py::str(v).cast<std::string>();
  }
  if (py::hasattr(v, "isoformat")) return v.attr("isoformat")().cast<std::string>();
  return py::str(v).cast<std::string>();
}

// An iterable of dicts as a row source: the header is every key in the order first seen.
std::unique_ptr<io::RowSource> dict_source(py::handle rows) {
  std::vector<std::string> header;
  std::unordered_map<std::string, std::size_t> column;
  std::vector<std::vector<std::pair<std::size_t, std::string>>> sparse;
  std::int64_t r = 0;
  for (auto row : rows) {
    ++r;
    if (!py::isinstance<py::dict>(row))
      throw ValidationError("source: row " + std::to_string(r) + " is a " +
                                detail::type_name_of(row) + ", not a dict",
                            "source", r);
    std::vector<std::pair<std::size_t, std::string>> cells;
    for (auto item : row.cast<py::dict>()) {
      auto key = py::str(item.first).cast<std::string>();
      auto [it, fresh] = column.try_emplace(key, header.size());
      if (fresh) header.push_back(key);
      cells.emplace_back(it->second, cell_text(item.second));
    }
    sparse.push_back(std::move(cells));
  }
  std::vector<std::vector<std::string>> dense;
  dense.reserve(sparse.size());
  for (auto& cells : sparse) {
    std::vector<std::string> row(header.size());
    for (auto& [i, v] : cells) row[i] = std::move(v);
    dense.push_back(std::move(row));
    cells.clear();
    cells.shrink_to_fit();
  }
  return std::make_unique<io::VectorSource>(std::move(header), std::move(dense));
}

// A path or an iterable of dicts. Files are read by the readers of the io domain (CSV in C++,
// XLSX in Python); until they are part of the build a file source is refused with a clear error.
// The rows of an XLSX sheet, read by crmkit._xlsx (python-calamine) while the GIL is held: the
// import itself runs without it, so the rows are taken in first. A sheet has at most Excel's
// 1,048,576 rows, and calamine holds the sheet in memory while reading it anyway.
class SheetSource final : public io::RowSource {
 public:
  SheetSource(std::vector<std::string> header, std::vector<io::SourceRow> rows)
      : header_(std::move(header)), rows_(std::move(rows)) {}
  const std::vector<std::string>& header() const override { return header_; }
  bool next(io::SourceRow& out) override {
    if (next_ >= rows_.size()) return false;
    out = std::move(rows_[next_++]);
    return true;
  }
  std::string encoding() const override { return "xlsx"; }
  std::uint64_t consumed() const override { return next_; }
  std::uint64_t total() const override { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<io::SourceRow> rows_;
  std::size_t next_ = 0;
};

std::unique_ptr<io::RowSource> xlsx_source(const std::string& path, const py::object& sheet) {
  py::object book = py::module_::import("crmkit._xlsx").attr("read_xlsx")(path, sheet);
  std::vector<std::string> header;
  for (auto h : book.attr("header")) header.push_back(detail::utf8(h));
  std::vector<io::SourceRow> rows;
  for (auto item : book) {
    auto t = item.cast<py::tuple>();
    io::SourceRow r;
    r.row = t[0].cast<std::int64_t>();
    for (auto c : t[1]) r.cells.push_back(detail::utf8(c));
    r.problem = detail::utf8(t[2]);
    rows.push_back(std::move(r));
  }
  book.attr("close")();
  return std::make_unique<SheetSource>(std::move(header), std::move(rows));
}

std::unique_ptr<io::RowSource> open_source(py::handle source, const std::optional<std::string>& encoding,
                                           const py::object& sheet) {
  auto os = py::module_::import("os");
  if (py::isinstance<py::str>(source) || py::hasattr(source, "__fspath__")) {
    const auto path = os.attr("fspath")(source).cast<std::string>();
    if (!os.attr("path").attr("exists")(path).cast<bool>())
      throw NotFound("source: the file '" + path + "' does not exist");
    auto ext = os.attr("path").attr("splitext")(path).cast<py::tuple>()[1].attr("lower")().cast<std::string>();
    if (ext == ".csv" || ext == ".tsv" || ext == ".txt") {
      if (!sheet.is_none()) throw ValidationError("sheet: a CSV file has no sheets ('" + path + "')", "sheet");
      io::CsvOptions options;
      if (encoding) options.encoding = *encoding;
      if (ext == ".tsv") options.delimiter = '\t';
      return io::open_csv(path, options);  // streamed: one buffer of the file in memory at a time
    }
    if (ext == ".xlsx" || ext == ".xlsm") {
      if (encoding) throw ValidationError("encoding: an XLSX file carries its own encoding ('" + path + "')", "encoding");
      return xlsx_source(path, sheet);
    }
    throw ValidationError("source: '" + path + "' is not a CSV or XLSX file", "source");
  }
  if (py::isinstance<py::dict>(source))
    throw ValidationError("source: expected a file path or an iterable of dicts, got one dict", "source");
  if (!py::hasattr(source, "__iter__"))
    throw ValidationError("source: expected a file path or an iterable of dicts, got " +
                              detail::type_name_of(source),
                          "source");
  return dict_source(source);
}

ImportOptions make_options(const py::object& mapping, bool dry_run, bool all_or_nothing, const std::string& on_match,
                           const py::object& on_progress, const std::string& region) {
  ImportOptions o;
  if (!mapping.is_none()) {
    if (!py::isinstance<py::dict>(mapping)) throw ValidationError("mapping: expected a dict {header: field}", "mapping");
    for (auto item : mapping.cast<py::dict>()) {
      if (!py::isinstance<py::str>(item.second))
        throw ValidationError("mapping: the field for '" + py::str(item.first).cast<std::string>() + "' must be text",
                              "mapping");
      o.mapping.emplace_back(py::str(item.first).cast<std::string>(), item.second.cast<std::string>());
    }
  }
  o.dry_run = dry_run;
  o.all_or_nothing = all_or_nothing;
  o.on_match = imports::parse_on_match(on_match);
  o.region = region;
  if (!on_progress.is_none()) {
    if (!PyCallable_Check(on_progress.ptr())) throw ValidationError("on_progress: expected a callable", "on_progress");
    // The engine runs without the GIL; the callback takes it for the duration of the call.
    auto fn = std::make_shared<py::object>(on_progress);
    o.on_progress = [fn](std::uint64_t done, std::uint64_t total) {
      py::gil_scoped_acquire gil;
      (*fn)(done, total);
    };
  }
  return o;
}

using Runner = ImportReport (imports::Imports::*)(io::RowSource&, const ImportOptions&);

void def_import(py::class_<ImportsView>& cls, const char* name, Runner run, const char* doc) {
  const std::string entity = name;
  cls.def(
      name,
      [run, entity](ImportsView& v, py::object source, py::object mapping, Flag dry_run, Flag all_or_nothing,
            py::object on_progress, std::optional<std::string> encoding, py::object sheet, std::string on_match,
            std::string region) {
        // The mapping and the options are checked before the source is read.
        auto options = make_options(mapping, dry_run, all_or_nothing, on_match, on_progress, region);
        imports::Imports service(v.ctx);
        {
          py::gil_scoped_release release;
          service.check_mapping(entity, options);
        }
        auto src = open_source(source, encoding, sheet);
        ImportReport rep;
        {
          py::gil_scoped_release release;
          rep = (service.*run)(*src, options);
        }
        return rep;
      },
      py::arg("source"), py::arg("mapping") = py::none(), py::arg("dry_run") = false,
      py::arg("all_or_nothing") = false, py::arg("on_progress") = py::none(), py::arg("encoding") = py::none(),
      py::arg("sheet") = py::none(), py::arg("on_match") = "skip", py::arg("region") = "CN", doc, Drain());
}

}  // namespace

void init_imports(py::module_& m) {
  Record<ImportReport>(m, "ImportReport",
                       "What an import did (or, with dry_run=True, would do): counts, problems and matches.")
      .field("entity", &ImportReport::entity)
      .field("encoding", &ImportReport::encoding)
      .field("rows", &ImportReport::rows)
      .field("created", &ImportReport::created)
      .field("updated", &ImportReport::updated)
      .field("skipped", &ImportReport::skipped)
      .field("failed", &ImportReport::failed)
      .field("dry_run", &ImportReport::dry_run)
      .field("committed", &ImportReport::committed)
      .field("problems", &ImportReport::problems)
      .field("matches", &ImportReport::matches);

  py::class_<ImportsView> cls(m, "Imports",
                              "crm.imports: spreadsheet rows into the CRM, cleaned, matched and de-duplicated.");
  const char* tail =
      " source: a .csv/.xlsx path or an iterable of dicts. mapping: {file header: field}. dry_run: report only. "
      "all_or_nothing: write nothing if any row has a problem. on_match: 'skip' | 'update' | 'create' for rows "
      "matching an existing record. on_progress(done, total): called at least every 1%. Returns an ImportReport "
      "(created, updated, skipped, failed, problems Table: row, column, value, message; matches Table: row, "
      "customer_id, record_id, score, rule, action). Raises ValidationError (.field) for a mapping to an unknown "
      "field or a missing column, before anything is read; NotFound for a missing file.";
  static const std::string customers_doc = std::string("Imports customers.") + tail;
  static const std::string contacts_doc = std::string("Imports contacts (customer: id, phone, e-mail or name).") + tail;
  static const std::string interactions_doc = std::string("Imports interactions (customer, kind, summary, at, by).") + tail;
  static const std::string orders_doc = std::string("Imports orders (customer, amount, at, note).") + tail;
  static const std::string leads_doc = std::string("Imports leads (name, company, phone, email, source, owner).") + tail;
  def_import(cls, "customers", &imports::Imports::customers, customers_doc.c_str());
  def_import(cls, "contacts", &imports::Imports::contacts, contacts_doc.c_str());
  def_import(cls, "interactions", &imports::Imports::interactions, interactions_doc.c_str());
  def_import(cls, "orders", &imports::Imports::orders, orders_doc.c_str());
  def_import(cls, "leads", &imports::Imports::leads, leads_doc.c_str());
  cls.def(
      "targets", [](ImportsView& v, const std::string& entity) { return imports::Imports(v.ctx).targets(entity); },
      py::arg("entity"), "Returns the fields an import of `entity` accepts as mapping targets (a list of str). Raises "
      "ValidationError for an entity that cannot be imported.", Release());

  auto crm = py::reinterpret_borrow<py::class_<Crm>>(m.attr("Crm"));
  crm.def_property_readonly(
      "imports", [](const Crm& c) { return ImportsView{c.context()}; },
      "The import service of this view (crm.imports.customers(...), ...).");

  auto customers = py::reinterpret_borrow<py::class_<customers::Customers>>(m.attr("Customers"));
  customers.def(
      "duplicates",
      [](customers::Customers& s, double threshold) { return customers::Duplicates(s.context()).scan(threshold).pairs; },
      py::arg("threshold") = customers::kDefaultNameThreshold,
      "Returns the pairs of customers in scope that look like one: a Table (customer_id, other_id, score, rule, name, "
      "other_name), best first. rule: 'phone' or 'email' (score 1) or 'name' (company-name similarity >= "
      "threshold). Raises ValidationError unless 0 < threshold <= 1.",
      Release());
  customers.def(
      "duplicate_scan",
      [](customers::Customers& s, double threshold) {
        customers::DuplicateScan scan;
        {
          py::gil_scoped_release release;
          scan = customers::Duplicates(s.context()).scan(threshold);
        }
        py::dict d;
        d["pairs"] = scan.pairs.rows();
        d["candidates"] = scan.candidates;
        d["customers"] = scan.customers;
        return d;
      },
      py::arg("threshold") = customers::kDefaultNameThreshold,
      "duplicates() with its work: returns a dict with 'pairs' (how many), 'candidates' (candidate pairs "
      "scored) and 'customers' (how many were considered). Raises ValidationError unless 0 < threshold <= 1.",
      Drain());
  customers.def(
      "merge",
      [](customers::Customers& s, Ref keep, Ref drop) { return imports::merge_customers(s.context(), keep.id, drop.id); },
      py::arg("keep"), py::arg("drop"),
      "Merges customer `drop` into `keep`: moves contacts, interactions, tasks, tickets, orders, opportunities, "
      "tags, group memberships and history, recomputes the facts, records the merge in both histories and the "
      "change feed, deletes `drop`. Returns the kept Customer. Raises ValidationError (the same customer), "
      "NotFound, PermissionDenied (outside the view's scope), Conflict (locked by a pending approval).",
      Release());
}

}  // namespace crmkit::bindings
