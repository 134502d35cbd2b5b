"""The lessons check on made-up runs: each lesson passes on runs that show it, and fails when
the one figure it rests on is flipped."""

from dataclasses import dataclass, replace

import numpy as np
import pytest

from dlcv import lessons


@dataclass
class FakeRun:
    history: dict
    best_epoch: int
    metrics: dict


def fake_run(train_acc, val_acc, test_acc, best_epoch=2):
    epochs = len(train_acc)
    return FakeRun(
        history={
            "accuracy": list(train_acc),
            "val_accuracy": list(val_acc),
            "val_loss": list(np.linspace(0.7, 0.5, epochs)),
        },
        best_epoch=best_epoch,
        metrics={"accuracy": test_acc},
    )


def overfitting(test_acc=0.65):
    return fake_run([0.6, 0.8, 0.97, 0.99, 1.0], [0.6, 0.65, 0.70, 0.70, 0.71], test_acc)


def regularized(test_acc=0.80):
    return fake_run([0.6, 0.7, 0.80, 0.82, 0.84], [0.6, 0.7, 0.80, 0.80, 0.81], test_acc)


SEEDS = (1, 2, 3)


def checked(baseline=None, both=None):
    baseline = baseline or [overfitting(t) for t in (0.64, 0.66, 0.62)]
    both = both or [regularized(t) for t in (0.80, 0.78, 0.83)]
    return {lesson.title: lesson for lesson in lessons.check(baseline, both, SEEDS)}


def test_runs_that_show_the_lessons_pass_them():
    results = checked()
    assert all(lesson.passed for lesson in results.values()), results
    gains = results["Augmentation and dropout raise test accuracy"].rows
    assert gains[1] == pytest.approx((0.64, 0.80, 0.16))


def test_a_baseline_that_does_not_overfit_fails_the_first_lesson():
    results = checked(baseline=[overfitting(), regularized(0.65), overfitting()])
    assert not results["The baseline overfits"].passed


def test_a_baseline_that_does_not_memorise_its_training_set_fails_the_first_lesson():
    # A 20-point gap, but training accuracy ends at 90%: not memorised.
    unfitted = fake_run([0.6, 0.8, 0.9, 0.9, 0.9], [0.6, 0.65, 0.70, 0.70, 0.70], 0.65)
    results = checked(baseline=[overfitting(), unfitted, overfitting()])
    assert not results["The baseline overfits"].passed


def test_a_gain_whose_interval_includes_zero_fails_the_second_lesson():
    # Mean +5.7 points, but one seed loses: the interval reaches below zero.
    results = checked(both=[regularized(t) for t in (0.80, 0.60, 0.69)])
    assert not results["Augmentation and dropout raise test accuracy"].passed


def test_a_small_mean_gain_fails_the_second_lesson():
    results = checked(both=[regularized(t) for t in (0.66, 0.68, 0.64)])
    lesson = results["Augmentation and dropout raise test accuracy"]
    assert not lesson.passed and "mean +2.0 points" in lesson.verdict


def test_a_regularized_run_that_overfits_fails_the_third_lesson():
    both = [regularized(0.80), regularized(0.80), replace(overfitting(0.85))]
    results = checked(both=both)
    assert not results["Augmentation and dropout close the gap"].passed


def test_summary_reads_the_kept_epoch_and_the_last_three():
    summary = lessons.summarize(overfitting(0.65))
    assert summary.kept_epoch == 2 and summary.kept_val_accuracy == 0.65
    assert summary.final_train_accuracy == pytest.approx((0.97 + 0.99 + 1.0) / 3)
    assert summary.final_gap == pytest.approx(summary.final_train_accuracy - 0.7033333, abs=1e-6)


def test_mean_interval_is_the_t_interval():
    interval = lessons.mean_interval([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, standard error 0.6455, t(0.975, 3) = 3.1824
    assert interval.mean == 2.5
    assert interval.low == pytest.approx(2.5 - 3.1824 * 0.6455, abs=1e-3)
    assert lessons.mean_interval([1.0]).low == -np.inf


def test_report_says_pass_or_fail_for_each_lesson():
    lines = []
    lessons.report(list(checked().values()), write=lines.append)
    assert sum(line.startswith("PASS") for line in lines) == 3
