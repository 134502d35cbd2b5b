"""The command line: ``python -m dlcv`` (or ``dlcv``).

    python -m dlcv train mnist
    python -m dlcv train cats-vs-dogs --augment --dropout 0.5 --epochs 30
    python -m dlcv runs
    python -m dlcv runs --remove cats_vs_dogs-61f7dc6e62aa3d96
    python -m dlcv lessons
    python -m dlcv data prepare cats-vs-dogs --source microsoft
    python -m dlcv data info

Models are trained through the run cache, exactly as the book's pages train them, so a run
made here is the run a page loads, and the other way round.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from dlcv import settings
from dlcv.argtypes import fraction, int_in
from dlcv.errors import DlcvError


def examples(*lines: str) -> str:
    """An epilog listing example command lines, one a line (see :class:`HelpFormatter`)."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions as argparse does, and keeps the lines of :func:`examples` as given."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:\n"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import version

    parser = argparse.ArgumentParser(
        prog="dlcv",
        description="Train the book's models, list cached runs, prepare data.",
        epilog=examples(
            "dlcv train mnist", "dlcv runs", "dlcv data info", "dlcv COMMAND --help"
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('dlcv')}")
    parser.add_argument(
        "--profile",
        choices=settings.PROFILES,
        help="quick (samples, few epochs) or full (real data, the book's epochs); "
        "default: $DLCV_PROFILE or quick",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a model of the book (or load it from cache)",
        description="Train one of the book's models on the active profile's data, exactly as "
        "its page does, and print its test metrics. A run trained before with the same "
        "settings is loaded from the run cache instead (--force trains it again).",
        epilog=examples(
            "dlcv train mnist",
            "dlcv train cats-vs-dogs --augment --dropout 0.5 --seed 2",
            "dlcv --profile full train cats-vs-dogs --epochs 30",
        ),
        formatter_class=HelpFormatter,
    )
    train.add_argument(
        "model",
        choices=("mnist", "cats-vs-dogs"),
        help="mnist: the first convnet, on MNIST digits; cats-vs-dogs: the convnet trained "
        "from scratch on cats and dogs",
    )
    train.add_argument("--augment", action="store_true", help="cats-vs-dogs: data augmentation")
    train.add_argument(
        "--dropout",
        type=fraction,
        default=0.0,
        help="cats-vs-dogs: dropout rate after Flatten, in [0, 1)",
    )
    train.add_argument(
        "--epochs", type=int_in(1, 10_000), help="at least 1; default: the profile's epochs"
    )
    train.add_argument(
        "--seed",
        type=int_in(0, 2**32 - 1),
        help="cats-vs-dogs: the training seed (default: the profile's first)",
    )
    train.add_argument("--force", action="store_true", help="train even if the run is cached")
    train.set_defaults(handler=train_command)

    runs = commands.add_parser(
        "runs",
        help="list the cached runs and their results, or remove one",
        description="List the trained runs in the run cache ($DLCV_CACHE_DIR or "
        "~/.cache/dlcv/runs), newest first: id, date, settings and test accuracy. Removing a "
        "run makes the next page or command that needs it train it again.",
        epilog=examples("dlcv runs", "dlcv runs --remove cats_vs_dogs-61f7dc6e62aa3d96"),
        formatter_class=HelpFormatter,
    )
    runs.add_argument(
        "--remove",
        action="append",
        metavar="ID",
        help="delete the run with this id (the first column); may be given more than once",
    )
    runs.set_defaults(handler=runs_command)

    lessons = commands.add_parser(
        "lessons",
        help="check the training chapters' lessons over the profile's seeds (exit 1 if one fails)",
        description="Train (or load from the run cache) the baseline and the model with "
        "augmentation and dropout once per seed of the active profile, then print, for each "
        "lesson the chapters draw, the per-seed figures, the verdict and PASS or FAIL.",
    )
    lessons.add_argument(
        "--cached", action="store_true", help="use cached runs only; a missing run is an error"
    )
    lessons.set_defaults(handler=lessons_command)

    from dlcv.data.cli import add_data_commands

    add_data_commands(commands)
    return parser


def train_command(args: argparse.Namespace) -> int:
    from dlcv import experiments

    if args.model == "mnist":
        if args.augment or args.dropout or args.seed is not None:
            raise DlcvError("--augment, --dropout and --seed apply to cats-vs-dogs only.")
        result = experiments.train_mnist(epochs=args.epochs, force=args.force, verbose=1)
    else:
        result = experiments.train_cats_vs_dogs(
            augmentation=args.augment,
            dropout=args.dropout,
            epochs=args.epochs,
            seed=args.seed,
            force=args.force,
            verbose=1,
        )
    how = "loaded from the run cache" if result.from_cache else "trained"
    print(f"{result.config['name']}: {how} ({result.path})")
    epochs = f"{result.epochs} epoch" + ("s" if result.epochs != 1 else "")
    print(f"  {epochs} in {result.seconds:.0f} s; best epoch {result.best_epoch}")
    print("  test " + ", ".join(f"{k} {v:.4f}" for k, v in result.metrics.items()))
    return 0


def runs_command(args: argparse.Namespace) -> int:
    from dlcv import runs  # reads JSON files only: no TensorFlow to import

    if args.remove:
        for run_id in args.remove:
            print(f"Removed {runs.remove_run(run_id)}")
        return 0
    records = runs.list_runs()
    if not records:
        print(f"No cached runs in {settings.cache_dir()}.")
        return 0
    print(f"{len(records)} cached run(s) in {settings.cache_dir()}:")
    rows = [runs.describe(record) for record in records]
    widths = {column: max(len(column), *(len(row[column]) for row in rows)) for column in rows[0]}
    left = {"id", "created", "profile", "data"}  # text; the other columns are numbers

    def line(cells: dict) -> str:
        return "  ".join(
            cells[c].ljust(w) if c in left else cells[c].rjust(w) for c, w in widths.items()
        ).rstrip()

    print(line({column: column for column in widths}))
    for row in rows:
        print(line(row))
    return 0


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def lessons_command(args: argparse.Namespace) -> int:
    from dlcv import lessons, profiles

    print(f"Lessons of the {profiles.active().name} profile:")
    checked = lessons.check_profile(train=not args.cached, verbose=1)
    lessons.report(checked)
    return 0 if all(lesson.passed for lesson in checked) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.profile:
        os.environ["DLCV_PROFILE"] = args.profile
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings.profile()  # a bad DLCV_PROFILE is reported before any work starts
        return args.handler(args)
    except DlcvError as error:
        print(f"dlcv: error: {error}", file=sys.stderr)
        return 2
