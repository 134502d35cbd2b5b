"""The ``train`` and ``lessons`` commands of ``python -m dlcv``."""

from __future__ import annotations

import argparse

from dlcv.cli.argtypes import fraction, int_in
from dlcv.cli.formatting import HelpFormatter, add_profile_option, examples
from dlcv.errors import ConfigError, DlcvError
from dlcv.validate import MAX_EPOCHS


def add_train_command(commands: argparse._SubParsersAction) -> None:
    """Adds ``train`` to the commands of ``python -m dlcv``."""
    train = commands.add_parser(
        "train",
        help="train a model of the book (or load it from cache)",
        description="Train one of the book's models on the profile's data, exactly as its page "
        "does, and print its test metrics. A run trained before with the same settings is "
        "loaded from the run cache instead (--force trains it again). --key trains one run of "
        "the plan (dlcv runs plan) by its key.",
        epilog=examples(
            "dlcv train mnist",
            "dlcv train cats-vs-dogs --augment --dropout 0.5 --seed 2",
            "dlcv --profile full train cats-vs-dogs --epochs 30",
            "dlcv train --key 0123456789abcdef",
        ),
        formatter_class=HelpFormatter,
    )
    train.add_argument(
        "model",
        nargs="?",
        choices=("mnist", "cats-vs-dogs"),
        help="mnist: the first convnet, on MNIST digits; cats-vs-dogs: the convnet trained "
        "from scratch on cats and dogs",
    )
    train.add_argument("--key", help="train the planned run with this key instead")
    train.add_argument("--augment", action="store_true", help="cats-vs-dogs: data augmentation")
    train.add_argument(
        "--dropout", type=fraction, default=0.0,
        help="cats-vs-dogs: dropout rate after Flatten, in [0, 1)",
    )
    train.add_argument(
        "--epochs", type=int_in(1, MAX_EPOCHS), help="at least 1; default: the profile's epochs"
    )
    train.add_argument(
        "--seed", type=int_in(0, 2**32 - 1),
        help="cats-vs-dogs: the training seed (default: the profile's first)",
    )
    train.add_argument("--force", action="store_true", help="train even if the run is cached")
    add_profile_option(train)
    train.set_defaults(handler=train_command)


def train_command(args: argparse.Namespace) -> int:
    from dlcv import experiments

    if args.key is not None:
        if args.model or args.augment or args.dropout or args.epochs or args.seed is not None:
            raise DlcvError("--key trains one planned run as planned: give no model or options.")
        result = _train_planned(args.key, args.profile, args.force)
    elif args.model is None:
        raise DlcvError("Name a model to train (mnist or cats-vs-dogs), or give --key KEY.")
    elif args.model == "mnist":
        if args.augment or args.dropout or args.seed is not None:
            raise DlcvError("--augment, --dropout and --seed apply to cats-vs-dogs only.")
        result = experiments.train_mnist(
            epochs=args.epochs, force=args.force, verbose=1, profile=args.profile
        )
    else:
        result = experiments.train_cats_vs_dogs(
            augmentation=args.augment, dropout=args.dropout, epochs=args.epochs,
            seed=args.seed, force=args.force, verbose=1, profile=args.profile,
        )
    how = "loaded from the run cache" if result.from_cache else "trained"
    print(f"{result.config['name']}: {how} ({result.path})")
    epochs = f"{result.epochs} epoch" + ("s" if result.epochs != 1 else "")
    print(f"  {epochs} in {result.seconds:.0f} s; best epoch {result.best_epoch}")
    print("  test " + ", ".join(f"{k} {v:.4f}" for k, v in result.metrics.items()))
    return 0


def _train_planned(key: str, profile, force: bool):
    from dlcv import edition

    planned = {run.key: run for run in edition.book_plan(profile)}
    if key not in planned:
        raise ConfigError(
            f"No run with key {key!r} in the plan of the {profile.name} profile; "
            f"`python -m dlcv --profile {profile.name} runs plan` lists its keys."
        )
    return planned[key].train(force=force, verbose=1)


def add_lessons_command(commands: argparse._SubParsersAction) -> None:
    """Adds ``lessons`` to the commands of ``python -m dlcv``."""
    lessons = commands.add_parser(
        "lessons",
        help="check the training chapters' lessons over the profile's seeds (exit 1 if one fails)",
        description="Train (or load from the run cache) the baseline and the model with "
        "augmentation and dropout once per seed of the profile, then print, for each lesson "
        "the chapters draw, the per-seed figures, the verdict and PASS or FAIL.",
    )
    lessons.add_argument(
        "--cached", action="store_true", help="use cached runs only; a missing run is an error"
    )
    lessons.set_defaults(handler=lessons_command)


def lessons_command(args: argparse.Namespace) -> int:
    from dlcv import experiments, lessons

    print(f"Lessons of the {args.profile.name} profile:")
    checked = experiments.check_lessons(
        train=not args.cached, verbose=1, profile=args.profile
    )
    lessons.report(checked)
    return 0 if all(lesson.passed for lesson in checked) else 1
