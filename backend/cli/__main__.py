"""``python -m backend.cli``: the same as the ``skylabel`` command."""

import sys

from backend.cli import main

sys.exit(main())
