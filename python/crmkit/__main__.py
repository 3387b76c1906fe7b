"""`python -m crmkit` and the `crmkit` script: the command line lives in crmkit.cli."""

import sys

from crmkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
