"""The command line: ``python -m dlcv`` (or ``dlcv``).

    python -m dlcv train mnist
    python -m dlcv train cats-vs-dogs --augment --dropout 0.5 --epochs 30
    python -m dlcv runs
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlcv", description="Train the book's models, list cached runs, prepare data."
    )
    parser.add_argument(
        "--profile",
        choices=settings.PROFILES,
        help="quick (samples, few epochs) or full (real data, the book's epochs); "
        "default: $DLCV_PROFILE or quick",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a model of the book (or load it from cache)")
    train.add_argument("model", choices=("mnist", "cats-vs-dogs"))
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

    runs = commands.add_parser("runs", help="list the cached runs and their results")
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
    from dlcv.training import list_runs

    records = list_runs()
    if not records:
        print(f"No cached runs in {settings.cache_dir()}.")
        return 0
    print(f"{len(records)} cached run(s) in {settings.cache_dir()}:")
    header = f"{'name':34} {'profile':7} {'data':7} {'epochs':>6} {'best':>4} {'test acc':>8}"
    print(header)
    for record in records:
        print(_run_line(record))
    return 0


def _run_line(record: dict) -> str:
    """One line of ``runs``; fields missing or of an odd type in ``run.json`` show as ``?``."""

    def field(value, width: int, spec: str = "", types=(str,)) -> str:
        if isinstance(value, bool) or not isinstance(value, types):
            return f"{'?':>{width}}" if spec else f"{'?':{width}}"
        return f"{value:{'>' if spec else ''}{width}{spec}}"

    config = _mapping(record.get("config"))
    data, fit = _mapping(config.get("data")), _mapping(config.get("fit"))
    metrics = _mapping(record.get("metrics"))
    return " ".join(
        (
            field(config.get("name"), 34),
            field(config.get("profile"), 7),
            field(data.get("source"), 7),
            field(fit.get("epochs"), 6, "d", (int,)),
            field(record.get("best_epoch"), 4, "d", (int,)),
            field(metrics.get("accuracy"), 8, ".4f", (int, float)),
        )
    )


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
