"""``python -m minigrad.learn``: the same as the ``minigrad-learn`` command."""

import sys

from minigrad.learn.cli import main

sys.exit(main())
