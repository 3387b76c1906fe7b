// crm.customers.search, bound onto the Customers class (bind_customers.cpp) from its own file.
#include <new>
#include <type_traits>

#include "common.hpp"
#include "crmkit/customers/customers.hpp"
#include "crmkit/customers/search.hpp"

namespace crmkit::bindings {
namespace {

// The Customers service holds nothing but its Context and exposes none; being standard-layout,
// the object and its only member are pointer-interconvertible, which the static_assert keeps
// true. This stands in for a `Customers::search` member until customers.hpp declares one (that
// header is shared with other work in progress, and every domain above customers rebuilds on it).
static_assert(std::is_standard_layout_v<customers::Customers> && sizeof(customers::Customers) == sizeof(Context));
const Context& context_of(const customers::Customers& s) {
  return *std::launder(reinterpret_cast<const Context*>(&s));
}

}  // namespace

void init_search(py::module_& m) {
  (void)m;
  auto cls = py::reinterpret_borrow<py::class_<customers::Customers>>(py::type::of<customers::Customers>());
  cls.def(
      "search",
      [](customers::Customers& s, const std::string& query, Integer limit) {
        return customers::search_customers(context_of(s), query, limit.value);
      },
      py::arg("query"), py::arg("limit") = Integer{20}, Release(),
      "Ranked full-text search: customers whose name, contacts' names, phones or e-mails contain every "
      "whitespace-separated term of `query` (Chinese without a segmenter). Returns a Table (id, name, kind, "
      "owner_id, phone, email, stage, contacts, score), best first; scoped like find(). Raises "
      "ValidationError for an empty query or a limit below 1.");
}

}  // namespace crmkit::bindings
