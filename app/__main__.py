"""``python -m app`` is the ``schedtop`` command."""

import sys

from .cli import main

sys.exit(main())
