// crm.customers.search, bound onto the Customers class (bind_customers.cpp) from its own file.
#include "common.hpp"
#include "crmkit/customers/customers.hpp"

namespace crmkit::bindings {

void init_search(py::module_& m) {
  (void)m;
  auto cls = py::reinterpret_borrow<py::class_<customers::Customers>>(py::type::of<customers::Customers>());
  cls.def(
      "search",
      [](customers::Customers& s, const std::string& query, Integer limit) {
        return s.search(query, limit.value);
      },
      py::arg("query"), py::arg("limit") = Integer{20}, Release(),
      "Ranked full-text search: customers whose name, contacts' names, phones or e-mails contain every "
      "whitespace-separated term of `query` (Chinese without a segmenter). Returns a Table (id, name, kind, "
      "owner_id, phone, email, stage, contacts, score), best first; scoped like find(). Raises "
      "ValidationError for an empty query or a limit below 1.");
}

}  // namespace crmkit::bindings
