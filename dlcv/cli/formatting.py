"""Help text of the command line: example epilogs kept line by line."""

from __future__ import annotations

import argparse


def examples(*lines: str) -> str:
    """An epilog listing example command lines, one a line (see :class:`HelpFormatter`)."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions as argparse does, and keeps the lines of :func:`examples` as given."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:\n"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """``--profile`` on a command too (``dlcv runs plan --profile full``), as after ``dlcv``."""
    parser.add_argument(
        "--profile", choices=("quick", "full"), default=argparse.SUPPRESS,
        help="the edition: quick or full (default: $DLCV_PROFILE or quick)",
    )
