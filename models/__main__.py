"""``python -m models``: the same as ``minigrad-translate``."""

import sys

from models.cli import main

sys.exit(main())
