#include "crmkit/segments/install.hpp"

#include "crmkit/customers/catalog.hpp"
#include "crmkit/relationship/audiences.hpp"
#include "crmkit/segments/segments.hpp"

namespace crmkit::segments {
namespace {

bool in_group(const Context& ctx, std::int64_t customer_id, std::string_view group) {
  auto q = ctx.db().prepare(
      "SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.customer_id = ? AND g.name = ?");
  q.bind_all(customer_id, std::string(group));
  return q.step();
}

std::vector<std::string> groups_of(const Context& ctx, std::int64_t customer_id) {
  auto q = ctx.db().prepare(
      "SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.customer_id = ? ORDER BY g.name");
  q.bind_all(customer_id);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.get_text(0));
  return out;
}

bool group_exists(const Context& ctx, const std::string& group) {
  auto q = ctx.db().prepare("SELECT 1 FROM groups WHERE name = ?");
  q.bind_all(group);
  return q.step();
}

std::vector<std::int64_t> group_members(const Context& ctx, const std::string& group) {
  auto q = ctx.db().prepare(
      "SELECT gm.customer_id FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE g.name = ? "
      "ORDER BY gm.customer_id");
  q.bind_all(group);
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.get_int(0));
  return out;
}

void add_group_test(const Context&, rules::Catalog& c) {
  c.in_group_sql =
      "EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id "
      "WHERE gm.customer_id = c.id AND g.name = ?)";
}

}  // namespace

void install(Engine& engine) {
  relationship::install_audiences(engine, {segment_members, group_members, group_exists});
  customers::add_catalog_part(engine, customers::CatalogPart{{}, add_group_test, in_group, groups_of});
}

}  // namespace crmkit::segments
