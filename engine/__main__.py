"""`python -m engine` is the `policy` command."""

import sys

from engine.cli import main

sys.exit(main())
