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
                },
                [](Role& r, py::handle scopes) {
                  for (auto item : scopes.cast<py::dict>()) {
                    auto entity = item.first.cast<std::string>();
                    r.scopes[entity] = parse_scope(item.second.cast<std::string>(), entity);
                  }
                })
      .field("approve", &Role::can_approve)
      .field("admin", &Role::is_admin);

  py::class_<Teams>(m, "Teams", "crm.teams: the organisation tree.")
      .def(
          "add",
          [](Teams& s, const std::string& name, std::optional<Ref> parent, std::optional<Ref> lead) {
            return s.add(name, opt_id(parent), opt_id(lead));
          },
          py::arg("name"), py::arg("parent") = py::none(), py::arg("lead") = py::none(), Release(),
          "Adds a team under `parent` (None: a top-level team) led by `lead`. Returns the new Team. Raises "
          "ValidationError for an empty or overlong name, NotFound for an unknown parent or lead, Conflict when "
          "the name is taken, PermissionDenied unless the view administers.")
      .def("get", [](Teams& s, Ref t) { return s.get(t.id); }, py::arg("team"), Release(),
          "Returns the Team with this id (or record). Raises NotFound for an unknown id.")
      .def("by_name", &Teams::by_name, py::arg("name"), Release(),
          "Returns the Team with this name. Raises NotFound when there is none.")
      .def("move", [](Teams& s, Ref t, std::optional<Ref> parent) { return s.move(t.id, opt_id(parent)); },
           py::arg("team"), py::arg("parent"), Release(),
          "Moves a team under `parent` (None: to the top). Returns the updated Team. Raises NotFound for an "
          "unknown team or parent, ValidationError when it would make a cycle, PermissionDenied unless the view "
          "administers.")
      .def("set_lead", [](Teams& s, Ref t, std::optional<Ref> lead) { return s.set_lead(t.id, opt_id(lead)); },
           py::arg("team"), py::arg("lead"), Release(),
          "Sets (or with None clears) a team's lead. Returns the updated Team. Raises NotFound for an unknown "
          "team or user, PermissionDenied unless the view administers.")
      .def("subtree", [](Teams& s, Ref t) { return s.subtree(t.id); }, py::arg("team"), Release(),
          "Returns the ids of the team and every team below it. Raises NotFound for an unknown team.")
      .def("list", &Teams::list, Release(),
          "Returns every team as a Table (id, name, parent_id, lead_id, created_at, version). Raises nothing.");

  py::class_<Users>(m, "Users", "crm.users: people who use the CRM.")
      .def(
          "add",
          [](Users& s, const std::string& login, const std::string& name, const std::string& role,
             std::optional<Ref> team, std::optional<Ref> manager, std::optional<std::string> email) {
            UserInput in{login, name, role, opt_id(team), opt_id(manager), email};
            return s.add(in);
          },
          py::arg("login"), py::arg("name"), py::arg("role") = "sales", py::arg("team") = py::none(),
          py::arg("manager") = py::none(), py::arg("email") = py::none(), Release(),
          "Adds a user with a login (unique), a display name and a role, optionally in a team and under a "
          "manager. Returns the new User. Raises ValidationError for an empty login or name or an unknown role, "
          "Conflict when the login is taken, NotFound for an unknown team or manager, PermissionDenied unless "
          "the view administers.")
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
          py::arg("user"), "A user by id, record or login. Returns the User. Raises NotFound when there is none.", Drain())
      .def(
          "update",
          [](Users& s, Ref user, std::optional<std::int64_t> expected_version, const TextKw& name,
             const OptTextKw& email, const TextKw& role, const OptEntityKw& team, const OptEntityKw& manager,
             const BoolKw& active, const py::kwargs& extra) {
            auto values = to_value_map(keywords({{"name", &name}, {"email", &email}, {"role", &role},
                                                 {"team", &team}, {"manager", &manager}, {"active", &active}},
                                                extra));
            py::gil_scoped_release release;
            return s.update(user.id, values, expected_version);
          },
          py::arg("user"), py::arg("expected_version") = py::none(), py::kw_only(), kw("name"), kw("email"),
          kw("role"), kw("team"), kw("manager"), kw("active"), Drain(),
          "Changes the given attributes of a user (None clears email, team or manager).\n\n"
          "Returns the updated User. Raises NotFound, Conflict when `expected_version` is stale, "
          "ValidationError for an unknown role, team or manager, a reporting cycle or an unknown keyword, "
          "PermissionDenied unless the view administers.")
      .def(
          "list",
          [](Users& s, std::optional<Ref> team, std::optional<std::string> role) {
            return s.list(opt_id(team), role);
          },
          py::arg("team") = py::none(), py::arg("role") = py::none(), Release(),
          "Users, optionally of one team and/or one role. Returns a Table (id, login, name, email, role, "
          "team_id, manager_id, active, ...). Raises NotFound for an unknown team.")
      .def("managers", [](Users& s, Ref u) { return s.managers(u.id); }, py::arg("user"), Release(),
          "Returns the ids of the user's managers, nearest first. Raises NotFound for an unknown user.")
      .def("reports", [](Users& s, Ref u) { return s.reports(u.id); }, py::arg("user"), Release(),
          "Returns the ids of everyone who reports to the user, directly or not. Raises NotFound for an unknown "
          "user.");

  py::class_<Roles>(m, "Roles", "crm.roles: what each role may see and do.")
      .def(
          "define",
          [](Roles& s, const std::string& name, std::optional<Flag> approve, std::optional<Flag> admin,
             const TextKw& customers, const TextKw& opportunities, const TextKw& leads,
             const py::kwargs& extra) {
            std::map<std::string, std::string> scopes;
            auto given = keywords({{"customers", &customers}, {"opportunities", &opportunities}, {"leads", &leads}},
                                  extra);
            for (auto item : given) scopes[py::str(item.first)] = py::str(item.second);
            py::gil_scoped_release release;
            return s.define(name, scopes, opt_flag(approve), opt_flag(admin));
          },
          py::arg("name"), py::arg("approve") = py::none(), py::arg("admin") = py::none(), py::kw_only(),
          kw("customers"), kw("opportunities"), kw("leads"), Drain(),
          "Defines or redefines a role: a scope per entity (none, own, reports, team or all; an entity left "
          "out keeps its scope, or none for a new role) and whether it approves or administers: "
          "roles.define('sales', customers='own', leads='team', approve=False).\n\n"
          "Returns the Role. Raises ValidationError for an unknown scope or entity, PermissionDenied unless "
          "the view administers.")
      .def("get", &Roles::get, py::arg("name"), Release(),
          "Returns the Role with this name. Raises NotFound for an unknown role.")
      .def("list", &Roles::list, Release(),
          "Returns every role as a Table (role, one scope column per entity, approve, admin). Raises nothing.");
}

}  // namespace crmkit::bindings
