"""The seeded fuzzer of issue 22 (``bench/hostile/fuzz.py``) over a few seeds of each scenario:
hostile folder trees and names in the data folder, a folder of photos and the run cache, and
mutated run records, through the API and the command line. Any finding fails, with its seed
(``python -m bench.hostile.fuzz --first SEED --seeds 1 -k SCENARIO`` reproduces it)."""

import os
import random
import re

import pytest

from bench.hostile import fuzz

SEEDS = {"data-info": 30, "prepare": 12, "runs": 12}


@pytest.mark.parametrize("scenario", list(SEEDS))
def test_no_seed_finds_anything(scenario):
    fuzz.STATS.clear()
    findings = [f for seed in range(SEEDS[scenario]) for f in fuzz.fuzz(scenario, seed)]
    assert not findings, "\n".join(map(str, findings))
    # the seeds reach what they are for: a subset made, runs loaded and removed
    returned = {what for what in fuzz.STATS if "returned" in what}
    wanted = {
        "data-info": {"dlcv: returned int"},
        "prepare": {"prepare_cats_vs_dogs: returned PosixPath"},
        "runs": {
            "load: returned Run", "remove_run: returned PosixPath", "list_runs: returned list"
        },
    }[scenario]
    assert wanted <= returned, fuzz.STATS


def _tree(root):
    """What ``fuzz.snapshot`` sees under ``root``, by relative path, without a sparse file's
    time of change and with ``root`` itself (in a link's target) written ROOT."""
    return {
        os.path.relpath(path, os.fsencode(root)):
            re.sub(r"^(large:\d+):\d+", r"\1", what).replace(str(root), "ROOT")
        for path, what in fuzz.snapshot(root).items()
    }


def test_a_seed_builds_the_same_trees_and_damage_each_time(tmp_path):
    for seed in range(4):
        trees = []
        for build in ("a", "b"):
            root = tmp_path / build / str(seed)  # (a link may name its folder)
            fuzz.hostile_tree(random.Random(seed), root, tmp_path / "outside", entries=25)
            trees.append(_tree(root))
        assert len(trees[0]) > 25 and trees[0] == trees[1]
    data = b'{"config": {"a": 1}}'
    for seed in range(20):
        assert fuzz.raw_damage(random.Random(seed), data) == fuzz.raw_damage(
            random.Random(seed), data
        )


def test_the_snapshot_sees_a_change_a_loss_and_a_chmod(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("x")
    (tmp_path / "g").write_text("y")
    before = fuzz.snapshot(tmp_path)
    (tmp_path / "a" / "f").write_text("z")
    (tmp_path / "g").unlink()
    (tmp_path / "a").chmod(0o700)
    assert len(fuzz.changed(before, fuzz.snapshot(tmp_path))) == 3
    assert fuzz.changed(before, fuzz.snapshot(tmp_path), owned=[tmp_path]) == []


def test_the_oracle_of_runs_refuses_what_a_record_must_not_hold(tmp_path):
    model = tmp_path / "model.keras"
    model.write_bytes(b"m")
    good = {"config": {"a": 1}, "metrics": {"accuracy": 0.5}, "seconds": 1.0, "best_epoch": 1}
    history = {"loss": [0.5, 0.4]}
    assert fuzz.valid_run(good, history, {"a": 1}, model)
    for bad in ({**good, "seconds": "1"}, {**good, "best_epoch": True},
                {**good, "metrics": {"accuracy": float("nan")}}, {**good, "config": {}},
                {**good, "model_sha256": "0" * 64}):
        assert not fuzz.valid_run(bad, history, {"a": 1}, model)
    assert not fuzz.valid_run(good, {"loss": []}, {"a": 1}, model)
