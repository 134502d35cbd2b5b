"""Help text of the command line: example epilogs kept line by line."""

from __future__ import annotations

import argparse


def shown(value) -> str:
    """``value`` as text safe to print on one line: a character that is not printable (a
    newline in a file's name, a byte that is not UTF-8, kept by Python as a lone surrogate) is
    written as its escape, so no name can break a listing, fake a line or crash the print.

    Example:
        >>> shown("cat\\n1.jpg"), shown("\\udcff.zip")
        ('cat\\\\n1.jpg', '\\\\udcff.zip')
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for c in text)


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
