"""The runs the book's build used are the plan's: the run cache holds every run the plan lists
(``python -m dlcv runs plan``), and the build trained none that the plan does not list.

`tools.book` records when the build started and which run cache its kernels used
(``_build/dlcv-build.json``); a run whose record was created after that was trained by the build
(an imported run keeps the time it was trained). A page that trains a run outside the plan
(a builder of its own, an experiment missing from ``dlcv.edition.book_calls``) fails here; a run
kept from a planned run's training by another criterion (``trained_with`` it) is that training.
"""

import json

import pytest

from dlcv import edition, profiles
from dlcv.runs import store
from tools.book import BUILD_RECORD

pytestmark = pytest.mark.site


@pytest.fixture(autouse=True)
def isolated_dlcv_dirs():
    """Overrides the suite's per-test run cache and data folder: this test reads the runs and
    data that `make book` trained and prepared."""


@pytest.fixture(scope="module")
def build_record(site_dir):
    path = site_dir.parent / BUILD_RECORD
    if not path.is_file():
        pytest.skip(f"No {BUILD_RECORD} next to {site_dir}: build with `make book`.")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def planned(build_record):
    profile = profiles.PROFILES[build_record["profile"]]
    return {run.key: run.name for run in edition.book_plan(profile)}


def cached(build_record) -> dict[str, dict]:
    """The run cache the build used, by key."""
    return {
        record["id"].rsplit("-", 1)[1]: record
        for record in store.list_runs(build_record["run_cache"])
    }


def test_the_run_cache_holds_every_planned_run(build_record, planned):
    missing = {key: name for key, name in planned.items() if key not in cached(build_record)}
    assert not missing, f"planned runs not in {build_record['run_cache']}: {missing}"


def test_the_build_trained_no_run_outside_the_plan(build_record, planned):
    trained = {
        key: record for key, record in cached(build_record).items()
        if record.get("created", 0) >= build_record["started"]
    }
    unplanned = {
        key: record["id"] for key, record in trained.items()
        if key not in planned and record.get("trained_with") not in planned
    }
    assert not unplanned, f"the build trained runs the plan does not list: {unplanned}"
