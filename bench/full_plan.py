"""The full edition's plan, costed: every planned run's seconds from measured rates of its model.

The runs are the full plan's (:func:`dlcv.edition.book_plan`, what ``python -m dlcv --profile
full runs plan`` lists). Each distinct model among them is built and compiled from its run's
config exactly as :func:`dlcv.runs.run` does (:func:`dlcv.training.build_and_compile`, the
same builder, arguments, optimizer, loss, metrics and seed; the precision is ``--precision``)
and measured on the profile's data by training steps, not whole epochs: the training rate
(:func:`bench.measure.training_speeds`) and the validation pass's
(:func:`bench.measure.evaluation_speeds`), each in images per second and per CPU-second.

A run then costs ``epochs x (training images / training rate + validation images / validation
rate) + test images / validation rate`` (its last step evaluates the kept model on the test
set), with the data a runner trains on (the book's photos: 2,000 / 1,000 / 2,000; all of
MNIST: 54,000 / 6,000 / 10,000). The runner's rate is assumed, from the measured rate per
CPU-second: ``x cores x utilisation / CPU factor`` (:func:`runner_rate`, :func:`utilisation`):
the rate per CPU-second tells the models apart (a loaded machine disturbs it least), and one
quiet measurement of a wall rate says how busy TensorFlow keeps the cores. The jobs are those
``tools.matrix`` packs from the plan's own estimates.

    python -m bench.full_plan --out bench/results/full-plan.json
    ONEDNN_MAX_CPU_ISA=AVX2 python -m bench.full_plan --models cats_vs_dogs \\
        cats_vs_dogs_augmented_dropout0.5 --out bench/results/full-plan-avx2.json  # no AVX-512
    python -m bench.full_plan --report bench/results/full-plan.json   # costed again, no training

The estimates and the method are in ``bench/results/full-plan.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import time
from pathlib import Path

RUNNER_CORES = 4
"""GitHub's standard Linux runner for public repositories: 4 vCPUs."""
QUIET_RATE = ("cats_vs_dogs_augmented_dropout0.5", 36.5)
"""The one quiet measurement of a training's wall rate on 2 cores of this machine (issue 24,
float32): the model with augmentation and dropout, 36.5 images/s."""
SCALING = 0.9
"""Assumed (no 4-core machine here): the fraction of its 2-core utilisation a training keeps on
4 cores."""
CPU_FACTOR = 36.5 / 28.6
"""A float32 training's slowdown on a CPU without AVX-512 (issue 24, 2 cores: 36.5 images/s
here against 28.6 on an AMD EPYC without it, the CPU of GitHub's standard runners)."""
RUNNER_MNIST = {"train": 60_000, "test": 10_000}
"""MNIST's digits on a runner, which downloads the data set (this machine plans on the 5,000-digit
sample); ``validation_split`` of the training digits are held out for validation."""


def runner_counts(config: dict) -> dict[str, int]:
    """A run's data counts on a runner, per split (per class summed): the config's, MNIST's
    full counts in place of the sample's."""
    data = config["data"]
    counts = RUNNER_MNIST if data["name"] == "mnist" else data["counts"]
    return {split: sum(n.values()) if isinstance(n, dict) else n for split, n in counts.items()}


def run_images(config: dict) -> dict[str, int]:
    """The images a run trains on, validates on and tests on, on a runner (the digits MNIST
    holds out for validation taken from its training digits).

    Example:
        >>> run_images({"data": {"name": "mnist", "validation_split": 0.1}})
        {'train': 54000, 'test': 10000, 'validation': 6000}
    """
    total = runner_counts(config)
    if "validation" not in total:
        held_out = round(total["train"] * config["data"].get("validation_split", 0.0))
        total = {**total, "train": total["train"] - held_out, "validation": held_out}
    return total


def model_id(config: dict) -> str:
    """What decides a run's cost per image: its model, compilation and batches (not its seed,
    epochs or checkpoint criterion)."""
    fit = {k: v for k, v in config["fit"].items() if k not in ("epochs", "monitor", "mode")}
    described = json.dumps(
        [config["builder"], config["model_kwargs"], fit, config["data"]["name"],
         config["data"]["batch_size"]], sort_keys=True,
    )
    return hashlib.sha256(described.encode()).hexdigest()[:12]


def rebuild(config: dict, precision: str):
    """The compiled model of a planned run, as :func:`dlcv.runs.run` builds it.

    Raises:
        ValueError: if the rebuilt arguments do not key as the config's (the rebuild would
            measure another model).
    """
    import keras

    from dlcv.runs.key import canonical
    from dlcv.training import build_and_compile

    module, _, name = config["builder"].rpartition(".")
    builder = getattr(importlib.import_module(module), name)
    kwargs = {  # a layer's name is not keyed (canonical() drops it), but Sequential needs one
        k: keras.saving.deserialize_keras_object({**v, "config": {"name": k, **v["config"]}})
        if isinstance(v, dict) else tuple(v) if isinstance(v, list) else v
        for k, v in config["model_kwargs"].items()
    }
    as_keyed = [json.dumps(x, sort_keys=True) for x in (canonical(kwargs), config["model_kwargs"])]
    if as_keyed[0] != as_keyed[1]:
        raise ValueError(f"{name} rebuilt with other arguments than its run's: {as_keyed[0]}")
    fit = config["fit"]
    return build_and_compile(
        builder, kwargs, optimizer=fit["optimizer"], learning_rate=fit.get("learning_rate"),
        loss=fit["loss"], metrics=fit["metrics"], precision=precision, seed=config["seed"],
    )


def measure(plan: list, data: dict, precision: str, steps: int, warmup: int,
            eval_steps: int, only: list[str] | None = None) -> dict:
    """Rates of each distinct model of ``plan`` (those with a variant in ``only``, if given):
    ``{model id: {"variants", "train", "validation", "load_average"}}``, each rate as
    ``[images per second, images per CPU-second]``."""
    from bench.measure import evaluation_speeds, training_speeds

    models: dict[str, dict] = {}
    for run in plan:
        entry = models.setdefault(model_id(run.config), {"config": run.config, "variants": []})
        if run.variant not in entry["variants"]:
            entry["variants"].append(run.variant)
    rates = {}
    for key, entry in models.items():
        if only and not set(only) & set(entry["variants"]):
            continue
        config = entry["config"]
        dataset = data[config["data"]["name"]]
        model = rebuild(config, precision)
        train = training_speeds(model, dataset.train, steps=steps, warmup=warmup)
        validation = evaluation_speeds(model, dataset.validation, steps=eval_steps)
        rates[key] = {
            "variants": entry["variants"],
            "train": [round(r, 2) for r in train],
            "validation": [round(r, 2) for r in validation],
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        print(f"{', '.join(entry['variants'])}: training {train[0]:.1f} images/s "
              f"({train[1]:.1f} per CPU-s), validation {validation[0]:.1f} images/s "
              f"({validation[1]:.1f} per CPU-s), load {os.getloadavg()[0]:.1f}", flush=True)
    return rates


def run_seconds(epochs: int, images: dict[str, int], train_rate: float,
                validation_rate: float) -> float:
    """A run's seconds: every epoch trains and validates, and the kept model is tested.

    Example:
        >>> run_seconds(2, {"train": 100, "validation": 40, "test": 20}, 10.0, 20.0)
        25.0
    """
    epoch = images["train"] / train_rate + images["validation"] / validation_rate
    return epochs * epoch + images["test"] / validation_rate


def runner_rate(rate_per_cpu_second: float, cores: int = RUNNER_CORES,
                utilisation: float = 1.0, cpu_factor: float = CPU_FACTOR) -> float:
    """Images per second on a quiet runner, from images per CPU-second measured here: ``cores``
    each busy a ``utilisation`` of the time, slower by ``cpu_factor`` (a CPU without AVX-512).

    Example:
        >>> round(runner_rate(10.0, cores=4, utilisation=0.5, cpu_factor=2.0), 6)
        10.0
    """
    return rate_per_cpu_second * cores * utilisation / cpu_factor


def utilisation(record: dict, scaling: float = SCALING) -> float:
    """The fraction of a runner's cores a training keeps busy: that of 2 quiet cores of this
    machine (:data:`QUIET_RATE`'s wall rate over twice its model's measured rate per
    CPU-second), times ``scaling``."""
    variant, rate = QUIET_RATE
    (measured,) = [m for m in record["models"].values() if variant in m["variants"]]
    return rate / (2 * measured["train"][1]) * scaling


def cost(record: dict, busy: float | None = None, cpu_factor: float = CPU_FACTOR,
         job_seconds: float | None = None) -> dict:
    """Each planned run's seconds (on 2 cores here, at the measured wall rate; and on a
    runner) and the jobs ``tools.matrix`` packs from the plan's estimates at the runner's
    counts, each with its runner seconds. ``busy``: the runner's :func:`utilisation`, by
    default from ``record``."""
    from dlcv import profiles
    from dlcv.runs.plan import estimate_seconds
    from tools.matrix import JOB_SECONDS, group_runs

    rates = record["models"]
    busy = utilisation(record) if busy is None else busy
    runs = []
    for run in record["plan"]:
        measured = rates[run["model"]]
        images = run["images"]
        runner = [runner_rate(measured[s][1], utilisation=busy, cpu_factor=cpu_factor)
                  for s in ("train", "validation")]
        runner_config = {"data": {"name": run["data"], "counts": run["counts"]},
                         "fit": {"epochs": run["epochs"]}}
        runs.append({
            **{k: run[k] for k in ("key", "experiment", "variant", "seed", "epochs")},
            "here_seconds": round(run_seconds(
                run["epochs"], images, measured["train"][0], measured["validation"][0]), 1),
            "runner_seconds": round(run_seconds(run["epochs"], images, *runner), 1),
            "estimated_seconds": round(
                estimate_seconds(runner_config, profiles.FULL.images_per_second), 1),
        })
    jobs = [
        {"keys": [r["key"] for r in job],
         "estimated_seconds": round(sum(r["estimated_seconds"] for r in job), 1),
         "runner_seconds": round(sum(r["runner_seconds"] for r in job), 1)}
        for job in group_runs(runs, job_seconds or JOB_SECONDS)
    ]
    return {"runs": runs, "jobs": jobs, "utilisation": round(busy, 3), "cpu_factor": cpu_factor,
            "cores": RUNNER_CORES}


def report(record: dict, costed: dict) -> str:
    """The measured rates, the runs and the jobs, as Markdown tables."""
    lines = ["| model (planned variants) | training, images/s | per CPU-s | validation, images/s "
             "| per CPU-s | load average |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for measured in record["models"].values():
        (tw, tc), (vw, vc) = measured["train"], measured["validation"]
        lines.append(f"| {', '.join(measured['variants'])} | {tw:.1f} | {tc:.1f} | {vw:.1f} "
                     f"| {vc:.1f} | {measured['load_average'][0]:.1f} |")
    lines += ["", f"A runner: {costed['cores']} cores, each busy {costed['utilisation']:.0%} of "
              f"the time, {costed['cpu_factor']:.2f} times slower per CPU-second (no AVX-512).",
              "", "| variant | runs | epochs | seconds here, each | runner minutes, each "
              "| runner minutes, all |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    groups: dict[tuple, list] = {}
    for run in costed["runs"]:
        groups.setdefault((run["variant"], run["epochs"]), []).append(run)
    for (variant, epochs), runs in groups.items():
        each = runs[0]["runner_seconds"]
        lines.append(f"| {variant} | {len(runs)} | {epochs} | {runs[0]['here_seconds']:,.0f} "
                     f"| {each / 60:,.1f} | {len(runs) * each / 60:,.0f} |")
    total = sum(run["runner_seconds"] for run in costed["runs"])
    lines.append(f"| **all** | **{len(costed['runs'])}** | | | | **{total / 60:,.0f}** |")
    by_key = {run["key"]: run for run in costed["runs"]}
    lines += ["", "| job | runs | plan's estimate, min | runner minutes |",
              "| --- | --- | ---: | ---: |"]
    jobs = sorted(costed["jobs"], key=lambda job: -job["runner_seconds"])
    for number, job in enumerate(jobs, start=1):
        names = ", ".join(f"{by_key[k]['variant']} (seed {by_key[k]['seed']})"
                          for k in job["keys"])
        lines.append(f"| {number} | {names} | {job['estimated_seconds'] / 60:,.0f} "
                     f"| {job['runner_seconds'] / 60:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--steps", type=int, default=16, help="timed training steps a model")
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--eval-steps", type=int, default=12, help="timed validation batches")
    parser.add_argument("--models", nargs="*", help="measure only models of these variants")
    parser.add_argument("--utilisation", type=float, help="of the runner's cores (default: "
                        "from the record, see utilisation())")
    parser.add_argument("--cpu-factor", type=float, default=CPU_FACTOR)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--report", type=Path, help="a recorded JSON: cost it again")
    args = parser.parse_args(argv)
    if args.report:  # the costs again, from the recorded rates
        record = json.loads(args.report.read_text())
    else:
        record = measure_plan(args)
    if not args.models:
        record["cost"] = cost(record, args.utilisation, args.cpu_factor)
    text = json.dumps(record, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    if "cost" in record:
        print(report(record, record["cost"]))


def measure_plan(args) -> dict:
    import dlcv  # noqa: F401, I001  (first: it quiets TensorFlow)
    import keras
    import tensorflow as tf

    from dlcv import edition, experiments, profiles

    full = profiles.FULL
    start = time.perf_counter()
    plan = edition.book_plan(full)
    plan_seconds = time.perf_counter() - start
    data = {"cats_vs_dogs": experiments.cats_vs_dogs_data(full),
            "mnist": experiments.mnist_data(full)}
    load_before = os.getloadavg()
    start = time.perf_counter()
    rates = measure(plan, data, args.precision, args.steps, args.warmup, args.eval_steps,
                    args.models)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", ""),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "precision": args.precision,
        "steps": {"warmup": args.warmup, "timed": args.steps, "validation": args.eval_steps},
        "plan_seconds": round(plan_seconds, 1),
        "measure_seconds": round(time.perf_counter() - start, 1),
        "models": {key: rates[key] for key in rates},
        "plan": [
            {"key": run.key, "experiment": run.experiment, "variant": run.variant,
             "seed": run.seed, "epochs": run.epochs, "model": model_id(run.config),
             "data": run.config["data"]["name"], "images": run_images(run.config),
             "counts": runner_counts(run.config)}
            for run in plan
        ],
    }


if __name__ == "__main__":
    main()
