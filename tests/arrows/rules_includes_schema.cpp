// Compiled against the rules domain's include tree: rules depends on nothing but the shared
// helpers, so a schema header must not be found (the test expects the compiler to fail).
#include "crmkit/schema/fields.hpp"
