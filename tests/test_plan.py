"""The plan: the runs the book's pages request, listed without training; one trained by key."""

import ast
import dataclasses
import json
import os
import re
import subprocess
import sys
import tarfile

import pytest

from dlcv import cli, edition, experiments, models, profiles
from dlcv.runs import bundle, store
from dlcv.runs.plan import recording
from tools import REPOSITORY

TRAIN_FUNCTIONS = {name for name in vars(experiments) if name.startswith("train_")}


@pytest.fixture
def small_profile(monkeypatch):
    """The quick profile on a tiny drawn sample and one MNIST epoch: the pages (which pass no
    profile) and the plan see the same one."""
    small = dataclasses.replace(
        profiles.QUICK, cats_vs_dogs_image_size=(32, 32), sample_counts=(2, 1, 1),
        mnist_epochs=1, seeds=(1, 2),
    )
    monkeypatch.setitem(profiles.PROFILES, "quick", small)
    return small


def page_calls():
    """Each call of an experiment in a code cell of the book: (page, source of the call)."""
    calls = []
    for page in sorted((REPOSITORY / "book").glob("*.md")):
        if page.name == "README.md":  # the chapter conventions, not a chapter
            continue
        text = page.read_text()
        for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S):
            lines = cell.splitlines()
            if lines and lines[0].strip() == "---":  # the cell's options, as YAML
                lines = lines[lines.index("---", 1) + 1:]
            while lines and lines[0].startswith(":"):  # the cell's options, one a line
                lines.pop(0)
            code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(code)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in TRAIN_FUNCTIONS):
                    calls.append((page, ast.unparse(node)))
    return calls


def test_the_plan_is_exactly_the_runs_the_pages_request(small_profile):
    namespace = {**vars(models), **vars(experiments)}
    requested = set()
    for _page, call in page_calls():
        with edition.data_loaded_once(), recording() as runs:
            # A NameError here is a page training a builder it defines itself: move the builder
            # to dlcv.models and the run to dlcv.experiments, so that the plan lists it.
            eval(call, dict(namespace))  # noqa: S307 (the book's own code)
        requested |= {run.key for run in runs}
    planned = {run.key for run in edition.book_plan(small_profile)}
    assert requested and planned == requested


def test_planning_trains_nothing_and_caches_nothing(small_profile, tmp_path):
    planned = edition.book_plan(small_profile)
    assert len({run.key for run in planned}) == len(planned)
    assert all(run.epochs >= 1 for run in planned)
    # a run that an earlier run's training stores costs nothing more; the others cost time
    assert all((run.estimated_seconds > 0) != bool(run.stored_with) for run in planned)
    assert store.list_runs() == []


def test_each_run_by_validation_accuracy_comes_with_its_twins_training(small_profile):
    planned = edition.book_plan(small_profile)
    by_key = {run.key: run for run in planned}
    by_accuracy = [run for run in planned if run.name.endswith("_by_val_accuracy")]
    assert by_accuracy and all(run.stored_with for run in by_accuracy)
    for run in by_accuracy:
        trainer = by_key[run.stored_with]
        assert run.key in trainer.also_stores
        assert trainer.name == run.name.removesuffix("_by_val_accuracy")
        assert planned.index(trainer) < planned.index(run)


def test_runs_plan_prints_json(small_profile, capsys):
    assert cli.main(["runs", "plan", "--json", "--profile", "quick"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["profile"] == "quick"
    assert set(plan["runs"][0]) == {
        "key", "experiment", "variant", "seed", "epochs", "estimated_seconds", "stored_with",
    }
    assert [run["key"] for run in plan["runs"]] == [
        run.key for run in edition.book_plan(small_profile)
    ]


def test_train_by_key_trains_exactly_that_run(small_profile, capsys):
    key = next(
        run.key for run in edition.book_plan(small_profile) if run.name == "mnist_convnet"
    )
    assert cli.main(["train", "--key", key]) == 0
    assert [record["id"].rsplit("-", 1)[1] for record in store.list_runs()] == [key]
    assert cli.main(["train", "--key", "0" * 16]) == 2
    assert "No run with key" in capsys.readouterr().err


def test_runs_export_keys_writes_only_those_planned_runs(small_profile, tmp_path, capsys):
    planned = edition.book_plan(small_profile)
    key = next(run.key for run in planned if run.name == "mnist_convnet_1_epoch")
    assert cli.main(["train", "--key", key]) == 0
    path = tmp_path / "one.tar"

    assert cli.main(["runs", "export", str(path), "--keys", key]) == 0
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile(bundle.MANIFEST))
    assert [run["key"] for run in manifest["runs"]] == [key]
    assert cli.main(["runs", "export", str(path), "--keys", key, "0" * 16]) == 2
    assert "not in the plan" in capsys.readouterr().err
    assert cli.main(["runs", "export", str(path)]) == 2  # the other planned runs are missing


@pytest.mark.slow
def test_a_matrix_of_two_jobs_gathers_into_one_cache_that_needs_no_training(
    tmp_path, monkeypatch
):
    """Issue 24's matrix in small: two planned runs trained by key in two processes into two
    run caches, exported as two bundles, imported into an empty cache, loaded with training
    forbidden. The two runs are the quick plan's cheapest (one MNIST epoch each)."""
    monkeypatch.setenv("DLCV_PROFILE", "quick")
    keys = [
        run.key for run in edition.book_plan(profiles.QUICK)
        if run.experiment == "mnist-convnet" and run.epochs == 1
    ]
    assert len(keys) == 2
    jobs = []
    for index, key in enumerate(keys):
        environment = dict(os.environ, DLCV_CACHE_DIR=str(tmp_path / f"job-{index}"))
        jobs.append(subprocess.Popen(
            [sys.executable, "-m", "dlcv", "train", "--key", key], env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))
    for job in jobs:
        output, _ = job.communicate(timeout=300)
        assert job.returncode == 0, output
    for index, key in enumerate(keys):
        monkeypatch.setenv("DLCV_CACHE_DIR", str(tmp_path / f"job-{index}"))
        assert cli.main(["runs", "export", str(tmp_path / f"job-{index}.tar"), "--keys", key]) == 0

    gathered = tmp_path / "gathered"
    monkeypatch.setenv("DLCV_CACHE_DIR", str(gathered))
    for index in range(2):
        assert cli.main(["runs", "import", str(tmp_path / f"job-{index}.tar")]) == 0
    assert sorted(r["id"].rsplit("-", 1)[1] for r in store.list_runs()) == sorted(keys)
    monkeypatch.setenv("DLCV_TRAINING", "forbid")
    runs = experiments.train_pooling_comparison(epochs=1, profile=profiles.QUICK)
    assert sorted(run.key for run in runs.values()) == sorted(keys)
    assert all(run.from_cache for run in runs.values())
