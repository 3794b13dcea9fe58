"""`python -m verdict ...` is the `verdict` command (the exporter: `python -m verdict.export`)."""

import sys

from .cli import main

sys.exit(main())
