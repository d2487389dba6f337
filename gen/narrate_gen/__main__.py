"""python3 -m narrate_gen ..."""

import sys

from .cli import main

sys.exit(main())
