"""The lessons the training chapters teach, checked over the runs the book's build cached.

`make book` trains the baseline and the model with augmentation and dropout once per seed of the
profile (the data-augmentation chapter); this test reads those runs from the run cache, never
training, and fails when a lesson no longer holds: a change that breaks a lesson breaks CI.
"""

import pytest

from dlcv import experiments, lessons

pytestmark = pytest.mark.site


@pytest.fixture(autouse=True)
def isolated_dlcv_dirs():
    """Overrides the suite's per-test run cache and data folder: this test reads the runs and
    data that `make book` trained and prepared."""


def test_the_lessons_hold_on_the_runs_the_build_cached(site_dir):
    checked = experiments.check_lessons(train=False)
    report = []
    lessons.report(checked, write=report.append)
    assert all(lesson.passed for lesson in checked), "\n".join(report)
