"""The command line: ``python -m dlcv`` (or ``dlcv``), on top of everything else.

    python -m dlcv train mnist
    python -m dlcv train cats-vs-dogs --augment --dropout 0.5 --epochs 30
    python -m dlcv train --key 0123456789abcdef
    python -m dlcv runs
    python -m dlcv runs plan --json
    python -m dlcv runs export runs.tar
    python -m dlcv runs import runs.tar
    python -m dlcv lessons
    python -m dlcv data prepare cats-vs-dogs --source microsoft
    python -m dlcv data info

It reads the profile once (``--profile``, else ``DLCV_PROFILE``) and passes it down. Models are
trained through the run cache, exactly as the book's pages train them, so a run made here is the
run a page loads, and the other way round.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from dlcv import profiles
from dlcv.cli.data import add_data_commands
from dlcv.cli.formatting import HelpFormatter, examples
from dlcv.cli.runs import add_runs_command
from dlcv.cli.train import add_lessons_command, add_train_command
from dlcv.errors import DlcvError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m dlcv``; each command carries its ``handler``."""
    from importlib.metadata import version

    parser = argparse.ArgumentParser(
        prog="dlcv",
        description="Train the book's models, list, plan and share cached runs, prepare data.",
        epilog=examples(
            "dlcv train mnist", "dlcv runs", "dlcv data info", "dlcv COMMAND --help"
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('dlcv')}")
    parser.add_argument(
        "--profile",
        choices=tuple(profiles.PROFILES),
        help="quick (samples, few epochs) or full (real data, the book's epochs); "
        "default: $DLCV_PROFILE or quick",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_train_command(commands)
    add_runs_command(commands)
    add_lessons_command(commands)
    add_data_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        # The one place the command line reads the profile; the commands get it as args.profile.
        args.profile = profiles.get(args.profile) if args.profile else profiles.active()
        return args.handler(args)
    except DlcvError as error:
        # a name that is not UTF-8 (a lone surrogate in Python) is written as its escape
        text = str(error).encode("utf-8", "backslashreplace").decode("utf-8")
        print(f"dlcv: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # What was being written is left whole or not at all (dlcv.folders): say only that.
        print("dlcv: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
