// The numbered schema migrations. Each entry upgrades the schema from version-1 to version and
// runs inside the migrating transaction. Append only: never edit a migration that has shipped.
#pragma once

#include <vector>

namespace crmkit::db {

struct Migration {
  int version;
  const char* sql;
};

const std::vector<Migration>& migrations();

// Marks a file as a crmkit database ('CRMK'), so that another application's SQLite file is refused.
constexpr int kApplicationId = 0x43524D4B;

}  // namespace crmkit::db
