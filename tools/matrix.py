"""The publish workflow's training matrix: the planned runs missing from the run cache, in jobs.

The plan job of ``.github/workflows/publish.yml`` writes each edition's plan
(``python -m dlcv --profile NAME runs plan --json``), restores the run cache, and turns them into
the matrix of the training job here: one job per run, or a small group of short runs, each job's
estimated seconds within ``--job-seconds`` (a run longer than that gets a job of its own)::

    python -m tools.matrix plan-full.json plan-quick.json --cache ~/.cache/dlcv/runs
    python -m tools.matrix --release plan-full.json     # runs-full-<digest> dlcv-runs-full.tar

The matrix is JSON for ``strategy.matrix`` (``fromJSON``): ``{"include": [{"job": "full-1",
"profile": "full", "keys": "KEY KEY", "runs": 2, "estimated_seconds": 5400.0}, ...]}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from dlcv.published import bundle_name, cached_keys, release_tag

JOB_SECONDS = 5400.0
"""The default budget of one training job: 1.5 h of estimated training, so that with setup,
the photos and the estimate's error a job stays within the 2-hour target (GitHub stops a
hosted job at 6 h)."""
MAX_JOBS = 256
"""GitHub's limit on the jobs of one matrix."""


def read_plan(path: Path) -> dict:
    """A plan as ``python -m dlcv runs plan --json`` writes it.

    Raises:
        ValueError: if the file is not such a plan.
    """
    plan = json.loads(Path(path).read_text())
    if not (isinstance(plan, dict) and isinstance(plan.get("runs"), list) and plan.get("profile")):
        raise ValueError(f"{path} is not a run plan (python -m dlcv runs plan --json).")
    for run in plan["runs"]:
        if not (isinstance(run, dict) and isinstance(run.get("key"), str) and run["key"]):
            raise ValueError(f"{path}: a planned run without a key: {run!r}")
        if not isinstance(run.get("stored_with") or "", str):
            raise ValueError(f"{path}: a planned run whose stored_with is not a key: {run!r}")
    return plan


def group_runs(runs: Sequence[dict], job_seconds: float = JOB_SECONDS) -> list[list[dict]]:
    """Runs in jobs of at most ``job_seconds`` estimated seconds each (a longer run alone).

    Longest runs first, each into the job with the least work that still has room for it
    (a greedy packing: few jobs, the longest job as short as the runs allow).

    Example:
        >>> runs = [{"key": k, "estimated_seconds": s} for k, s in [("a", 50), ("b", 30), ("c", 9)]]
        >>> [[run["key"] for run in job] for job in group_runs(runs, 60)]
        [['a'], ['b', 'c']]
    """
    jobs: list[list[dict]] = []
    totals: list[float] = []
    for run in sorted(runs, key=lambda run: (-_seconds(run), run["key"])):
        seconds = _seconds(run)
        fitting = [i for i, total in enumerate(totals) if total + seconds <= job_seconds]
        if fitting:
            best = min(fitting, key=lambda i: totals[i])
            jobs[best].append(run)
            totals[best] += seconds
        else:
            jobs.append([run])
            totals.append(seconds)
    return jobs


def matrix(
    plans: Iterable[dict], cached: set[str] = frozenset(), job_seconds: float = JOB_SECONDS
) -> dict:
    """The training matrix: every planned run whose key is not in ``cached``, once, in jobs.
A run whose planned trainer (``stored_with``, a run that trains) is in the matrix gets no job:
the trainer's job stores it.

    Raises:
        ValueError: if the jobs would exceed GitHub's :data:`MAX_JOBS`.
    """
    include = []
    for plan in plans:
        seen: set[str] = set()
        missing = []
        for run in plan["runs"]:
            if run["key"] not in cached and run["key"] not in seen:
                seen.add(run["key"])
                missing.append(run)
        trainers = {run["key"] for run in missing if not run.get("stored_with")}
        missing = [run for run in missing if run.get("stored_with") not in trainers]
        for number, job in enumerate(group_runs(missing, job_seconds), start=1):
            include.append({
                "job": f"{plan['profile']}-{number}",
                "profile": plan["profile"],
                "keys": " ".join(run["key"] for run in job),
                "runs": len(job),
                "estimated_seconds": round(sum(_seconds(run) for run in job), 1),
            })
    if len(include) > MAX_JOBS:
        raise ValueError(
            f"{len(include)} training jobs, more than GitHub's {MAX_JOBS}: raise --job-seconds."
        )
    return {"include": include}


def _seconds(run: dict) -> float:
    value = run.get("estimated_seconds")
    return float(value) if isinstance(value, int | float) and value >= 0 else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plans", nargs="+", type=Path, help="plans, from dlcv runs plan --json")
    parser.add_argument("--cache", type=Path, help="a run cache whose runs need no training")
    parser.add_argument("--job-seconds", type=float, default=JOB_SECONDS)
    parser.add_argument(
        "--release", action="store_true",
        help="print the release tag and bundle file name of the (one) plan instead",
    )
    args = parser.parse_args(argv)
    try:
        plans = [read_plan(path) for path in args.plans]
        if args.release:
            (plan,) = plans
            keys = [run["key"] for run in plan["runs"]]
            print(release_tag(plan["profile"], keys), bundle_name(plan["profile"]))
            return 0
        cached = cached_keys(args.cache) if args.cache else set()
        print(json.dumps(matrix(plans, cached, args.job_seconds), separators=(",", ":")))
    except (OSError, ValueError) as error:
        print(f"tools.matrix: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
