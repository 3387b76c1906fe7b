// Compiled against the customers domain's include tree: workflow is above customers, so this
// include must not be found (the test expects the compiler to fail).
#include "crmkit/workflow/approvals.hpp"
