#include "crmkit/customers/hooks.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crmkit::customers {
namespace {

struct CreatedHooks {
  std::vector<CreatedHook> hooks;
};

struct InstalledFactsReader {
  std::optional<FactsReader> reader;
};

struct WonDeals {
  std::string sql;
};

}  // namespace

void on_created(Engine& engine, CreatedHook hook) { engine.extension<CreatedHooks>().hooks.push_back(std::move(hook)); }

void notify_created(const Context& ctx, std::int64_t first, std::int64_t last, std::int64_t at) {
  for (const auto& h : ctx.live().extension<CreatedHooks>().hooks) h(ctx, first, last, at);
}

void set_facts_reader(Engine& engine, FactsReader reader) {
  engine.extension<InstalledFactsReader>().reader = std::move(reader);
}

const FactsReader* facts_reader(const Context& ctx) {
  const auto& slot = ctx.live().extension<InstalledFactsReader>().reader;
  return slot ? &*slot : nullptr;
}

void set_won_deals_sql(Engine& engine, std::string sql) { engine.extension<WonDeals>().sql = std::move(sql); }

const std::string& won_deals_sql(const Context& ctx) { return ctx.live().extension<WonDeals>().sql; }

}  // namespace crmkit::customers
