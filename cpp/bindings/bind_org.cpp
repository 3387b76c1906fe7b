// Teams, users and roles.
#include "common.hpp"
#include "crmkit/org/org.hpp"

namespace crmkit::bindings {

void init_org(py::module_& m) {
  using namespace org;
  Record<Team>(m, "Team", "A team (a node of the organisation tree).")
      .field("id", &Team::id)
      .field("name", &Team::name)
      .field("parent_id", &Team::parent_id)
      .field("lead_id", &Team::lead_id)
      .field("created_at", &Team::created_at)
      .field("version", &Team::version);

  Record<User>(m, "User", "A user of the CRM.")
      .field("id", &User::id)
      .field("login", &User::login)
      .field("name", &User::name)
      .field("email", &User::email)
      .field("role", &User::role)
      .field("team_id", &User::team_id)
      .field("manager_id", &User::manager_id)
      .field("active", &User::active)
      .field("created_at", &User::created_at)
      .field("version", &User::version);

  Record<Role>(m, "Role", "A role: a scope per entity, and whether it approves or administers.")
      .field("name", &Role::name)
      .computed("scopes",
                [](const Role& r) {
                  py::dict d;
                  for (const auto& [e, s] : r.scopes) d[py::str(e)] = scope_name(s);
                  return d;
                })
      .field("approve", &Role::can_approve)
      .field("admin", &Role::is_admin);

  py::class_<Teams>(m, "Teams", "crm.teams: the organisation tree.")
      .def(
          "add",
          [](Teams& s, const std::string& name, std::optional<Ref> parent, std::optional<Ref> lead) {
            return s.add(name, opt_id(parent), opt_id(lead));
          },
          py::arg("name"), py::arg("parent") = py::none(), py::arg("lead") = py::none(), Release())
      .def("get", [](Teams& s, Ref t) { return s.get(t.id); }, py::arg("team"), Release())
      .def("by_name", &Teams::by_name, py::arg("name"), Release())
      .def("move", [](Teams& s, Ref t, std::optional<Ref> parent) { return s.move(t.id, opt_id(parent)); },
           py::arg("team"), py::arg("parent"), Release())
      .def("set_lead", [](Teams& s, Ref t, std::optional<Ref> lead) { return s.set_lead(t.id, opt_id(lead)); },
           py::arg("team"), py::arg("lead"), Release())
      .def("subtree", [](Teams& s, Ref t) { return s.subtree(t.id); }, py::arg("team"), Release())
      .def("list", &Teams::list, Release());

  py::class_<Users>(m, "Users", "crm.users: people who use the CRM.")
      .def(
          "add",
          [](Users& s, const std::string& login, const std::string& name, const std::string& role,
             std::optional<Ref> team, std::optional<Ref> manager, std::optional<std::string> email) {
            UserInput in{login, name, role, opt_id(team), opt_id(manager), email};
            return s.add(in);
          },
          py::arg("login"), py::arg("name"), py::arg("role") = "sales", py::arg("team") = py::none(),
          py::arg("manager") = py::none(), py::arg("email") = py::none(), Release())
      .def(
          "get",
          [](Users& s, py::object user) {
            if (py::isinstance<py::str>(user)) {
              auto login = user.cast<std::string>();
              py::gil_scoped_release release;
              return s.by_login(login);
            }
            auto id = user.cast<Ref>().id;
            py::gil_scoped_release release;
            return s.get(id);
          },
          py::arg("user"), "A user by id, record or login.", Drain())
      .def(
          "update",
          [](Users& s, Ref user, std::optional<std::int64_t> expected_version, py::kwargs kw) {
            auto values = to_value_map(kw);
            py::gil_scoped_release release;
            return s.update(user.id, values, expected_version);
          },
          py::arg("user"), py::arg("expected_version") = py::none(), Drain())
      .def(
          "list",
          [](Users& s, std::optional<Ref> team, std::optional<std::string> role) {
            return s.list(opt_id(team), role);
          },
          py::arg("team") = py::none(), py::arg("role") = py::none(), Release())
      .def("managers", [](Users& s, Ref u) { return s.managers(u.id); }, py::arg("user"), Release())
      .def("reports", [](Users& s, Ref u) { return s.reports(u.id); }, py::arg("user"), Release());

  py::class_<Roles>(m, "Roles", "crm.roles: what each role may see and do.")
      .def(
          "define",
          [](Roles& s, const std::string& name, std::optional<bool> approve, std::optional<bool> admin,
             py::kwargs kw) {
            std::map<std::string, std::string> scopes;
            for (auto item : kw) scopes[py::str(item.first)] = py::str(item.second);
            py::gil_scoped_release release;
            return s.define(name, scopes, approve, admin);
          },
          py::arg("name"), py::arg("approve") = py::none(), py::arg("admin") = py::none(),
          "Define or redefine a role: roles.define('sales', customers='own', leads='team', approve=False).", Drain())
      .def("get", &Roles::get, py::arg("name"), Release())
      .def("list", &Roles::list, Release());
}

}  // namespace crmkit::bindings
