"""The book's edition as runs: the experiments' calls its pages make, and the plan of their runs
(``python -m dlcv runs plan``), found without training any."""

from __future__ import annotations

import contextlib
import functools

from dlcv import experiments, models
from dlcv.profiles import Profile
from dlcv.runs.plan import make_plan


def book_calls(profile: Profile) -> list[tuple[str, object]]:
    """The experiments' calls the book's pages make, labelled by page: what a build trains.
    A page trains only through these calls (``tests/test_plan.py`` holds it to that)."""
    return [
        ("mnist-convnet", lambda: experiments.train_mnist(profile=profile)),
        ("mnist-convnet", lambda: experiments.train_mnist_gap(profile=profile)),
        ("mnist-convnet", lambda: experiments.train_dense_mnist(profile=profile)),
        ("mnist-convnet", lambda: experiments.train_first_layer_widths(profile=profile)),
        ("mnist-convnet", lambda: experiments.train_pooling_comparison(profile=profile)),
        ("mnist-convnet", lambda: experiments.train_mnist_model(
            models.mnist_convnet, monitor="val_accuracy", mode="max", profile=profile)),
        ("cats-vs-dogs", lambda: experiments.train_cats_vs_dogs(profile=profile)),
        ("data-augmentation", lambda: experiments.train_over_seeds("baseline", profile=profile)),
        ("data-augmentation", lambda: experiments.train_over_seeds("+both", profile=profile)),
        ("data-augmentation", lambda: experiments.train_criterion_study(profile=profile)),
        ("data-augmentation", lambda: experiments.train_short(profile=profile)),
        ("data-augmentation", lambda: experiments.train_single_augmentations(profile=profile)),
        ("dropout", lambda: experiments.train_ablation(profile=profile)),
        ("dropout", lambda: experiments.train_dropout_placements(profile=profile)),
        ("visualizing-convnets", lambda: experiments.train_cats_vs_dogs(
            augmentation=True, dropout=0.5, profile=profile)),
    ]


@contextlib.contextmanager
def data_loaded_once():
    """Within it, each data set of a profile is loaded once and shared by every experiment:
    planning asks for the same data dozens of times, to read its ``info``."""
    loaders = experiments.mnist_data, experiments.cats_vs_dogs_data
    experiments.mnist_data, experiments.cats_vs_dogs_data = (
        functools.lru_cache(loader) for loader in loaders
    )
    try:
        yield
    finally:
        experiments.mnist_data, experiments.cats_vs_dogs_data = loaders


def book_plan(profile: Profile) -> list:
    """Every run a build of the ``profile`` edition requests, without training any
    (:class:`dlcv.runs.plan.PlannedRun`: key, experiment, variant, seed, epochs, estimated
    seconds). Loads the data's ``info``, which keys the runs."""
    with data_loaded_once():
        return make_plan(book_calls(profile), profile.images_per_second)
