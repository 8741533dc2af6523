"""`python3 -m portal.launch serve|test ...` (see the package's docstring)."""

import sys

from portal.launch.cli import main

sys.exit(main(sys.argv[1:]))
