// crm.events: the change feed, read page by page by a cursor.
#include "common.hpp"
#include "crmkit/crm.hpp"

namespace crmkit::bindings {

void init_events(py::module_& m) {
  py::class_<events::Events>(m, "Events",
                             "crm.events: committed changes in commit order, for webhooks and search-index sync.")
      .def("since", &events::Events::since, py::arg("cursor") = 0, py::arg("limit") = 100, Release(),
           "Events after `cursor` (0: from the first), oldest first, at most `limit`: id (the next cursor), at, "
           "kind, entity, entity_id, payload. Returns a Table. Raises ValidationError for a negative cursor or a "
           "bad limit.")
      .def("latest", &events::Events::latest, Release(), "Returns the newest event id: the cursor that starts from now. Raises nothing.")
      .def("oldest", &events::Events::oldest, Release(), "Returns the oldest event id still retained. Raises nothing.");
  // The facade's class is bound by init_crm; the feed adds its property to it.
  auto crm = py::reinterpret_borrow<py::class_<Crm>>(m.attr("Crm"));
  crm.def_property_readonly("events", &Crm::events);
}

}  // namespace crmkit::bindings
