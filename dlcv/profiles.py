"""The two editions of the book, in one table: what each profile trains, on what, for how long.

``DLCV_PROFILE`` picks one; :func:`active` reads it, at the edges only: the command line, a
page's first cell, the book build. They pass the :class:`Profile` down (the experiments of
:mod:`dlcv.experiments` take it as an argument), and the runs they train are keyed by its
settings, never by its name.

==================================  ==========================  ===========================
setting                             quick                       full (the book's)
==================================  ==========================  ===========================
MNIST epochs, batch size            6, 32 (4,000-digit sample)  5, 64
cats vs dogs image size             100x100                     180x180
cats vs dogs batch size             8                           32
drawn sample, images per class      100 / 100 / 200             1,000 / 500 / 1,000
RMSprop learning rate               5e-4                        1e-3 (Keras' default)
epochs: baseline, regularized       40, 40                      30, 100
training seeds of the lessons       1, 2, 3                     1, 2, 3
precision                           float32                     float32
real data downloaded when missing   no                          yes
==================================  ==========================  ===========================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dlcv.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    """The settings of one edition of the book.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        downloads: whether ``source="auto"`` may download real data that is not on disk.
        mnist_epochs: epochs of the MNIST convnet.
        mnist_batch_size: its batch size.
        cats_vs_dogs_image_size: ``(height, width)`` of the cats-vs-dogs images.
        cats_vs_dogs_batch_size: the cats-vs-dogs batch size.
        sample_counts: images per class in the train, validation and test splits of the drawn
            cats-vs-dogs sample (real photos always use the book's counts).
        learning_rate: RMSprop's learning rate for cats vs dogs; ``None`` for Keras' default
            (1e-3, the book's).
        baseline_epochs: epochs of the cats-vs-dogs convnet without regularization.
        regularized_epochs: epochs with augmentation or dropout, which slow overfitting down.
        precision: the Keras dtype policy every model trains in (see
            :func:`dlcv.runs.run`); ``"auto"`` takes the hardware's fastest.
        seeds: the training seeds over which the lessons are measured; the first is the one
            a page shows when it shows a single run.
        images_per_second: measured training rates (training images per second of a run's
            training, validation included) by data set name, from which
            ``python -m dlcv runs plan`` estimates each run's seconds.
    """

    name: str
    downloads: bool
    mnist_epochs: int
    mnist_batch_size: int
    cats_vs_dogs_image_size: tuple[int, int]
    cats_vs_dogs_batch_size: int
    sample_counts: tuple[int, int, int]
    learning_rate: float | None
    baseline_epochs: int
    regularized_epochs: int
    seeds: tuple[int, ...]
    precision: str
    images_per_second: dict[str, float] = field(default_factory=dict, compare=False)


QUICK = Profile(
    name="quick",
    downloads=False,
    mnist_epochs=6,
    mnist_batch_size=32,
    # 100x100 is the smallest input that leaves the convnet a spatial (2x2) last feature map.
    cats_vs_dogs_image_size=(100, 100),
    # Batches of 8: the model needs a few hundred updates to leave chance, whatever their size.
    cats_vs_dogs_batch_size=8,
    sample_counts=(100, 100, 200),
    learning_rate=5e-4,
    # The same budget for every variant: the comparisons are like for like, and the checkpoint
    # keeps each run's best epoch (the baseline's comes early whatever its budget).
    baseline_epochs=40,
    regularized_epochs=40,
    seeds=(1, 2, 3),
    # The same numbers on every CPU: bfloat16, the fastest policy where the CPU has it, is no
    # faster for these small models (bench/results/lessons.md) and would change the results.
    precision="float32",
    # bench/results/lessons.md, 2 CPU cores: a 40-epoch run of 200 drawn images in 49-56 s; the
    # MNIST convnet, 6 epochs of 3,600 digits in 7 s.
    images_per_second={"cats_vs_dogs": 8000 / 52, "mnist": 21600 / 7},
)
"""The edition a laptop builds offline in minutes: the drawn sample, small images, few epochs
(``bench/results/lessons.md`` records the measurements behind each number)."""

FULL = Profile(
    name="full",
    downloads=True,
    mnist_epochs=5,
    mnist_batch_size=64,
    cats_vs_dogs_image_size=(180, 180),
    cats_vs_dogs_batch_size=32,
    sample_counts=(1000, 500, 1000),
    learning_rate=None,
    baseline_epochs=30,
    regularized_epochs=100,
    seeds=(1, 2, 3),
    # float32, whatever the CPU: GitHub's runners, which train it, have no bfloat16, and a
    # reader's copy of the runs must carry the keys their own machine computes.
    precision="float32",
    # Issue 24, 2 CPU cores, float32: 36.5 training images/s for the 180x180 convnet with
    # augmentation and dropout. MNIST: the quick rate (the same model; larger batches here).
    images_per_second={"cats_vs_dogs": 36.5, "mnist": 21600 / 7},
)
"""The book's settings: real data, 180x180 photos, 30 epochs (100 with augmentation)."""

PROFILES = {profile.name: profile for profile in (QUICK, FULL)}


def get(name: str) -> Profile:
    """The profile called ``name``.

    Raises:
        ConfigError: if there is no such profile.
    """
    if name not in PROFILES:
        raise ConfigError(f"{name!r} is not a profile; the profiles are {', '.join(PROFILES)}.")
    return PROFILES[name]


def active() -> Profile:
    """The profile ``DLCV_PROFILE`` names (``quick`` when unset): for the edges only (the
    command line, a page's first cell, the book build), which pass it down.

    Raises:
        ConfigError: if ``DLCV_PROFILE`` names no profile.
    """
    value = os.environ.get("DLCV_PROFILE", "").strip().lower() or "quick"
    if value not in PROFILES:
        raise ConfigError(
            f"DLCV_PROFILE={os.environ['DLCV_PROFILE']!r} is not a profile; "
            f"set it to one of {', '.join(PROFILES)} (or unset it for 'quick')."
        )
    return PROFILES[value]
