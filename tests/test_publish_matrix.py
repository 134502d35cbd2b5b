"""The publish workflow's training matrix (tools/matrix.py): every planned run missing from the
run cache is trained by exactly one job, and no job exceeds its budget."""

import json
import subprocess
import sys
from collections import Counter

import pytest

from dlcv.published import bundle_name, release_tag
from tools import REPOSITORY
from tools.matrix import group_runs, main, matrix, read_plan


def plan_of(profile, seconds):
    return {
        "profile": profile,
        "runs": [
            {"key": f"{profile}{i:03d}", "experiment": "cats_vs_dogs", "variant": "baseline",
             "seed": 1, "epochs": 30, "estimated_seconds": float(s)}
            for i, s in enumerate(seconds)
        ],
    }


def keys_in(result):
    return Counter(key for job in result["include"] for key in job["keys"].split())


def test_the_matrix_names_every_planned_key_exactly_once():
    plans = [plan_of("full", [5000, 4000, 900, 900, 600, 30, 30, 30]), plan_of("quick", [60] * 40)]
    result = matrix(plans, job_seconds=5400)
    planned = Counter(run["key"] for plan in plans for run in plan["runs"])
    assert keys_in(result) == planned and set(planned.values()) == {1}
    assert sum(job["runs"] for job in result["include"]) == sum(planned.values())


def test_cached_runs_are_left_out_and_the_rest_kept():
    plan = plan_of("full", [100, 200, 300])
    result = matrix([plan], cached={"full001"})
    assert keys_in(result) == Counter({"full000": 1, "full002": 1})


def test_a_run_its_trainer_stores_has_no_job_unless_the_trainer_is_cached():
    plan = plan_of("full", [100, 0])
    plan["runs"][1]["stored_with"] = "full000"
    assert keys_in(matrix([plan])) == Counter({"full000": 1})
    assert keys_in(matrix([plan], cached={"full000"})) == Counter({"full001": 1})
    # a trainer must train: a chain, a cycle or a run stored with itself each gets jobs
    plan = plan_of("full", [100, 0, 0])
    for run, trainer in zip(plan["runs"], ["full002", "full000", "full001"], strict=True):
        run["stored_with"] = trainer
    assert keys_in(matrix([plan])) == Counter({"full000": 1, "full001": 1, "full002": 1})


def test_nothing_missing_gives_an_empty_matrix():
    plan = plan_of("full", [100, 200])
    assert matrix([plan], cached={"full000", "full001"}) == {"include": []}


def test_jobs_keep_to_their_budget_and_a_longer_run_gets_a_job_of_its_own():
    runs = plan_of("full", [7000, 3000, 2500, 2000, 1000, 500])["runs"]
    jobs = group_runs(runs, job_seconds=5400)
    totals = sorted(sum(run["estimated_seconds"] for run in job) for job in jobs)
    assert [run["key"] for run in jobs[0]] == ["full000"]  # 7,000 s: alone
    assert all(total <= 5400 for total in totals[:-1]) and totals[-1] == 7000
    assert len(jobs) == 3  # 7000 | 3000 + 2000 | 2500 + 1000 + 500 (or as tight)


def test_the_cli_reads_the_run_cache_and_prints_the_matrix(tmp_path, capsys):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_of("quick", [60, 60, 60])))
    entry = tmp_path / "runs" / "cats_vs_dogs-quick001"
    entry.mkdir(parents=True)
    (entry / "run.json").write_text("{}")
    (tmp_path / "runs" / "cats_vs_dogs-quick002").mkdir()  # incomplete: no run.json

    assert main([str(plan_file), "--cache", str(tmp_path / "runs")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert keys_in(result) == Counter({"quick000": 1, "quick002": 1})
    assert result["include"][0]["job"] == "quick-1" and result["include"][0]["profile"] == "quick"


def test_the_cli_names_the_release_of_a_plan(tmp_path, capsys):
    plan = plan_of("full", [1, 2])
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    assert main(["--release", str(plan_file)]) == 0
    tag, name = capsys.readouterr().out.split()
    assert tag == release_tag("full", ["full001", "full000"]) and name == bundle_name("full")


def test_a_file_that_is_not_a_plan_is_refused(tmp_path, capsys):
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps({"profile": "full", "runs": [{"epochs": 3}]}))
    with pytest.raises(ValueError, match="without a key"):
        read_plan(bad)
    assert main([str(bad)]) == 2 and "without a key" in capsys.readouterr().err


def test_the_matrix_of_the_real_quick_plan_names_each_key_once(tmp_path):
    """Against ``python -m dlcv runs plan`` itself (the structure engineer's command)."""
    plan_json = subprocess.run(
        [sys.executable, "-m", "dlcv", "--profile", "quick", "runs", "plan", "--json"],
        capture_output=True, text=True, check=True, cwd=REPOSITORY, timeout=600,
    ).stdout
    plan = json.loads(plan_json)
    result = matrix([plan])
    # every run has a job of its own, but those an earlier run's training stores
    trained = Counter(run["key"] for run in plan["runs"] if not run["stored_with"])
    assert keys_in(result) == trained and max(trained.values()) == 1
    assert len(trained) < len(plan["runs"])
