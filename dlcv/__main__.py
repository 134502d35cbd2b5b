"""``python -m dlcv``: the command line (the package ``dlcv.cli``)."""

from dlcv.cli import main

raise SystemExit(main())
