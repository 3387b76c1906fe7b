#include "sql_trace_internal.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_set>

namespace crmkit::db::detail {
namespace {

struct Trace {
  const char* path = std::getenv("CRMKIT_SQL_TRACE");
  std::mutex mutex;
  std::unordered_set<std::string> seen;
};

Trace& trace() {
  static Trace t;  // read once; the variable is a switch for a whole process
  return t;
}

}  // namespace

void trace_sql(const std::string& sql) {
  Trace& t = trace();
  if (!t.path || !*t.path) return;
  std::lock_guard lock(t.mutex);
  if (!t.seen.insert(sql).second) return;
  // Opened per statement, in append mode: several processes (a server's workers) may share one
  // file, and a statement is compiled once per connection at most.
  if (std::FILE* f = std::fopen(t.path, "ab")) {
    std::fwrite(sql.data(), 1, sql.size(), f);
    std::fputc('\0', f);
    std::fclose(f);
  }
}

}  // namespace crmkit::db::detail
