"""`python -m metrics`: the command line."""

import sys

from .cli import main
from .store.database import close_all

status = main()
close_all()
sys.exit(status)
