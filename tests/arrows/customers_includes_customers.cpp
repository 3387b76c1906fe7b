// Compiled against the customers domain's include tree: its own headers are there.
#include "crmkit/customers/customers.hpp"
