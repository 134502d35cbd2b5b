"""``python -m dlcv``: the command line (see ``dlcv.cli``)."""

from dlcv.cli import main

raise SystemExit(main())
