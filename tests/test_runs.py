"""dlcv.runs: the run cache read as files (no TensorFlow), one row per run, runs removed."""

import json
import os
import subprocess
import sys

import pytest

from dlcv import folders, runs
from dlcv.errors import ConfigError, RunCacheError
from tools import REPOSITORY


def cached_run(cache, run_id, *, created, augmentation=None, dropout=0.0, seed=1, marked=True):
    """Writes a run entry as dlcv.runs does (the marker, and the fields of run.json)."""
    folder = cache / run_id
    folder.mkdir(parents=True)
    if marked:
        (folder / folders.MARKER).write_text("")
    record = {
        "config": {
            "name": run_id.rsplit("-", 1)[0],
            "profile": "quick",
            "seed": seed,
            "data": {"source": "sample"},
            "fit": {"epochs": 40},
            "model_kwargs": {"augmentation": augmentation, "dropout": dropout},
        },
        "metrics": {"loss": 0.6, "accuracy": 0.75},
        "best_epoch": 12,
        "seconds": 30.0,
        "created": created,
    }
    (folder / runs.RECORD_FILE).write_text(json.dumps(record))
    return folder


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "runs"


def test_runs_are_listed_newest_first_with_their_folder_as_id(cache):
    cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9)
    cached_run(cache, "cats_vs_dogs-bbbb", created=2.0e9)
    (cache / "half-written").mkdir()  # no run.json: an entry still being written
    (cache / "corrupt").mkdir()
    (cache / "corrupt" / runs.RECORD_FILE).write_text("{not json")

    listed = runs.list_runs(cache)

    assert [r["id"] for r in listed] == ["cats_vs_dogs-bbbb", "cats_vs_dogs-aaaa"]
    assert listed[0]["path"] == str(cache / "cats_vs_dogs-bbbb")


def test_the_cache_dir_defaults_to_the_settings(cache, monkeypatch):
    monkeypatch.setenv("DLCV_CACHE_DIR", str(cache))
    cached_run(cache, "mnist_convnet-cccc", created=1.0e9)
    assert [r["id"] for r in runs.list_runs()] == ["mnist_convnet-cccc"]


def test_rows_tell_runs_of_one_model_apart(cache):
    augmentation = {"name": "data_augmentation", "layers": []}
    cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9, seed=1)
    cached_run(cache, "cats_vs_dogs-bbbb", created=1.1e9, seed=2)
    cached_run(cache, "cats_vs_dogs-cccc", created=1.2e9, augmentation=augmentation, dropout=0.5)

    rows = [runs.describe(record) for record in runs.list_runs(cache)]

    settings = [(row["augment"], row["dropout"], row["seed"]) for row in rows]
    assert settings == [("yes", "0.5", "1"), ("no", "0.0", "2"), ("no", "0.0", "1")]
    assert rows[0]["created"].startswith("2008-01-")  # 1.2e9 s after 1970
    assert rows[0]["test acc"] == "0.7500" and rows[0]["best"] == "12"


def test_a_record_missing_fields_still_gets_a_row():
    row = runs.describe({"id": "odd", "config": {}})
    assert row["id"] == "odd" and row["augment"] == "-" and row["test acc"] == "-"


def test_remove_run_deletes_its_folder_only(cache):
    kept = cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9)
    removed = cached_run(cache, "cats_vs_dogs-bbbb", created=2.0e9)

    assert runs.remove_run("cats_vs_dogs-bbbb", cache) == removed

    assert not removed.exists() and kept.exists()
    assert [r["id"] for r in runs.list_runs(cache)] == ["cats_vs_dogs-aaaa"]


@pytest.mark.parametrize("run_id", ["cats_vs_dogs-zzzz", "..", ".", "../outside", "", "a/b"])
def test_removing_what_is_not_a_run_of_the_cache_is_a_clear_error(cache, run_id):
    cached_run(cache, "a", created=1.0e9)
    (cache / "a" / "b").mkdir()  # a folder inside a run is not a run
    outside = cache.parent / "outside"
    outside.mkdir()

    with pytest.raises(ConfigError, match="`python -m dlcv runs` lists the ids"):
        runs.remove_run(run_id, cache)

    assert outside.exists() and (cache / "a" / "b").exists()


def test_listing_runs_does_not_import_tensorflow(cache):
    cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9)
    script = (
        "import sys\n"
        "from dlcv import cli\n"
        "assert cli.main(['runs']) == 0\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"DLCV_CACHE_DIR": str(cache), "PYTHONPATH": str(REPOSITORY)},
        cwd=REPOSITORY,
        check=True,
    )
    assert "cats_vs_dogs-aaaa" in done.stdout
    assert done.stdout.strip().endswith("[]")


def test_remove_refuses_a_folder_dlcv_did_not_make(cache):
    users = cached_run(cache, "Documents", created=1.0e9, marked=False)
    plain = cache / "Pictures"
    plain.mkdir()
    (plain / folders.MARKER).write_text("")  # marked, but no run.json: not a run
    for run_id in ("Documents", "Pictures"):
        with pytest.raises(ConfigError, match="No run"):
            runs.remove_run(run_id, cache)
    assert users.exists() and plain.exists()


def test_remove_refuses_a_symlinked_entry(cache, tmp_path):
    target = cached_run(tmp_path / "elsewhere", "cats_vs_dogs-aaaa", created=1.0e9)
    cache.mkdir()
    (cache / "cats_vs_dogs-aaaa").symlink_to(target)
    with pytest.raises(ConfigError, match="No run"):
        runs.remove_run("cats_vs_dogs-aaaa", cache)
    assert target.exists()


def test_remove_in_a_read_only_cache_is_a_dlcv_error(cache, monkeypatch):
    entry = cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9)

    def read_only(path, *args, **kwargs):  # as rmtree fails in a folder of mode 0555
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(folders.shutil, "rmtree", read_only)
    with pytest.raises(RunCacheError, match="read-only"):
        runs.remove_run("cats_vs_dogs-aaaa", cache)
    assert (entry / runs.RECORD_FILE).exists()


def test_an_unreadable_cache_is_an_error_not_an_empty_one(cache, monkeypatch):
    cached_run(cache, "cats_vs_dogs-aaaa", created=1.0e9)

    def unreadable(path="."):  # as listing a folder of mode 0300 fails
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "listdir", unreadable)
    monkeypatch.setattr(os, "scandir", unreadable)
    with pytest.raises(RunCacheError, match="cannot be read"):
        runs.list_runs(cache)
