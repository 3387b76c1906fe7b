// The SQL trace: with CRMKIT_SQL_TRACE naming a file, every distinct statement this process
// compiles or executes is appended to it once, each followed by a NUL byte. It is how the
// portability check (scripts/sql_portability.py) learns what SQL the engine really sends, rules
// compiled at run time included. Off (one branch per compile) when the variable is unset.
#pragma once

#include <string>

namespace crmkit::db::detail {

void trace_sql(const std::string& sql);

}  // namespace crmkit::db::detail
