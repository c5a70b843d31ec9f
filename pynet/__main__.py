"""``python -m pynet`` = the ``pynet`` command (see :mod:`pynet.cli`)."""
import sys

from .cli import main

sys.exit(main())
