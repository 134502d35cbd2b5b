"""The lessons the training chapters draw from their experiments, measured over several seeds.

A chapter may only teach what its experiment shows on every build. Each lesson here is checked
over the profile's training seeds (:data:`dlcv.profiles.Profile.seeds`) on the runs the pages
train, by ``python -m dlcv lessons`` and by a test over the runs the book's build cached
(:func:`dlcv.experiments.check_lessons` trains or loads them; this module is arithmetic only):

1. **The baseline overfits.** By the last epochs it has memorised its training images, in every
   seed: training accuracy at least 95%, validation accuracy at least 15 points lower. (How much
   it learned before, its kept checkpoint's test accuracy, is reported with it but not required
   to pass a bar: on the quick profile's drawn sample it is close to chance in some seeds, and
   the chapters say so; ``bench/results/lessons.md`` has the measurements.)
2. **Augmentation and dropout raise test accuracy**: by at least 5 points on average over the
   seeds, with the 95% confidence interval of the paired difference above zero.
3. **Augmentation and dropout close the gap**: over the last epochs, the gap between training
   and validation accuracy is at most half the baseline's, in every seed.

"The last epochs" are the last :data:`LAST_EPOCHS`: one epoch's accuracy on a few hundred
validation images is noisy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

LAST_EPOCHS = 3
MIN_FINAL_TRAIN_ACCURACY = 0.95
MIN_BASELINE_GAP = 0.15
MIN_MEAN_GAIN = 0.05
MAX_GAP_RATIO = 0.5
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Summary:
    """What the chapters read from one run.

    Attributes:
        kept_epoch: the 1-based epoch whose weights the checkpoint kept.
        kept_train_accuracy, kept_val_accuracy: training and validation accuracy there.
        test_accuracy: the kept model's accuracy on the test set.
        final_train_accuracy, final_val_accuracy, final_val_loss: means over the last
            :data:`LAST_EPOCHS` epochs.
        final_gap: ``final_train_accuracy - final_val_accuracy``.
    """

    kept_epoch: int
    kept_train_accuracy: float
    kept_val_accuracy: float
    test_accuracy: float
    final_train_accuracy: float
    final_val_accuracy: float
    final_val_loss: float

    @property
    def final_gap(self) -> float:
        return self.final_train_accuracy - self.final_val_accuracy


def summarize(run) -> Summary:
    """The :class:`Summary` of a :class:`dlcv.training.Run` (or anything with ``history``,
    ``best_epoch`` and ``metrics``)."""
    history = {name: np.asarray(values, dtype=float) for name, values in run.history.items()}
    kept = run.best_epoch - 1
    last = slice(-LAST_EPOCHS, None)
    return Summary(
        kept_epoch=run.best_epoch,
        kept_train_accuracy=float(history["accuracy"][kept]),
        kept_val_accuracy=float(history["val_accuracy"][kept]),
        test_accuracy=float(run.metrics["accuracy"]),
        final_train_accuracy=float(history["accuracy"][last].mean()),
        final_val_accuracy=float(history["val_accuracy"][last].mean()),
        final_val_loss=float(history["val_loss"][last].mean()),
    )


@dataclass(frozen=True)
class Interval:
    """A mean and its confidence interval."""

    mean: float
    low: float
    high: float


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """The mean of ``values`` and its Student-t confidence interval.

    For paired differences (one per seed) this is the paired t-interval. With a single value
    the interval is unbounded.

    Example:
        >>> interval = mean_interval([10.0, 20.0, 30.0])
        >>> round(interval.mean, 1), round(interval.low, 1), round(interval.high, 1)
        (20.0, -4.8, 44.8)
    """
    from scipy import stats

    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return Interval(mean, -math.inf, math.inf)
    half = stats.t.ppf((1 + confidence) / 2, len(values) - 1) * stats.sem(values)
    return Interval(mean, float(mean - half), float(mean + half))


@dataclass(frozen=True)
class Lesson:
    """One lesson, checked: its per-seed figures, the overall figure and the verdict.

    Attributes:
        title: the lesson, as the chapters state it.
        columns: the names of the per-seed figures.
        rows: ``seed -> figures``, in the order of ``columns``.
        verdict: the overall figure, e.g. the mean difference and its interval.
        passed: whether the lesson holds.
    """

    title: str
    columns: tuple[str, ...]
    rows: dict[int, tuple[float, ...]]
    verdict: str
    passed: bool


def check(baseline: Sequence, both: Sequence, seeds: Sequence[int]) -> list[Lesson]:
    """Checks the three lessons on runs of the baseline and of +both, one pair per seed.

    Args:
        baseline: the baseline's runs, one per seed.
        both: the runs with augmentation and dropout, in the same order of seeds.
        seeds: the seeds, for the report.

    Returns:
        The three :class:`Lesson` objects.
    """
    base = [summarize(run) for run in baseline]
    reg = [summarize(run) for run in both]

    learns = {
        seed: (b.test_accuracy, b.final_train_accuracy, b.final_gap)
        for seed, b in zip(seeds, base, strict=True)
    }
    learns_ok = all(
        b.final_train_accuracy >= MIN_FINAL_TRAIN_ACCURACY and b.final_gap >= MIN_BASELINE_GAP
        for b in base
    )

    gains = [r.test_accuracy - b.test_accuracy for b, r in zip(base, reg, strict=True)]
    interval = mean_interval(gains)
    gains_ok = interval.mean >= MIN_MEAN_GAIN and interval.low > 0

    gaps = {
        seed: (b.final_gap, r.final_gap) for seed, b, r in zip(seeds, base, reg, strict=True)
    }
    gaps_ok = all(
        r.final_gap <= MAX_GAP_RATIO * b.final_gap for b, r in zip(base, reg, strict=True)
    )

    return [
        Lesson(
            "The baseline overfits",
            ("kept test acc", "final train acc", "final gap"),
            learns,
            f"every seed: final training accuracy >= {MIN_FINAL_TRAIN_ACCURACY:.0%} and final "
            f"gap >= {100 * MIN_BASELINE_GAP:.0f} points (kept test accuracy: reported only)",
            learns_ok,
        ),
        Lesson(
            "Augmentation and dropout raise test accuracy",
            ("baseline", "+both", "difference"),
            {
                seed: (b.test_accuracy, r.test_accuracy, gain)
                for seed, b, r, gain in zip(seeds, base, reg, gains, strict=True)
            },
            f"mean {100 * interval.mean:+.1f} points, {CONFIDENCE:.0%} interval "
            f"[{100 * interval.low:+.1f}, {100 * interval.high:+.1f}] "
            f"(needs a mean >= +{100 * MIN_MEAN_GAIN:.0f} and an interval above 0)",
            gains_ok,
        ),
        Lesson(
            "Augmentation and dropout close the gap",
            ("baseline gap", "+both gap"),
            gaps,
            f"every seed: the +both gap over the last {LAST_EPOCHS} epochs is at most "
            f"{MAX_GAP_RATIO:.0%} of the baseline's",
            gaps_ok,
        ),
    ]


def report(lessons: Sequence[Lesson], write: Callable[[str], object] = print) -> None:
    """Writes the lessons as text: per-seed figures, the verdict, PASS or FAIL."""
    for lesson in lessons:
        write(f"{'PASS' if lesson.passed else 'FAIL'}  {lesson.title}")
        write("        seed  " + "  ".join(f"{column:>15}" for column in lesson.columns))
        for seed, figures in lesson.rows.items():
            write(f"        {seed:>4}  " + "  ".join(f"{value:>15.3f}" for value in figures))
        write(f"        {lesson.verdict}")
