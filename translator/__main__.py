"""``python -m translator`` is the ``dlms`` command."""

import sys

from .cli import main

sys.exit(main())
