"""Seconds per epoch of each cats-vs-dogs model of the full edition, on this machine.

The full profile's settings (180x180 images, batches of 32, RMSprop) on the drawn sample at the
full profile's counts (1,000 / 500 / 1,000 per split), prepared in a temporary ``DLCV_DATA_DIR``
so that nothing of the shared cache is touched. Each model is built and compiled as
:func:`dlcv.runs.run` does (:func:`dlcv.training.build_and_compile`) and fitted with
validation, as the plan trains it, for ``--epochs`` epochs; the first epoch also traces the
graph and fills the pipeline's cache, so the last epoch is the steady rate.

    python -m bench.full_plan --epochs 2 --precision float32 --out bench/results/full-plan.json

The estimates of the plan's cost are in ``bench/results/full-plan.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

MODELS = {
    "baseline": ("cats_vs_dogs_convnet", {}),
    "+dropout": ("cats_vs_dogs_convnet", {"dropout": 0.5}),
    "+augmentation": ("cats_vs_dogs_convnet", {"augmentation": "book"}),
    "+both": ("cats_vs_dogs_convnet", {"augmentation": "book", "dropout": 0.5}),
    "dropout flatten": ("cats_vs_dogs_dropout_placement", {"placement": "flatten", "rate": 0.5}),
    "dropout between": ("cats_vs_dogs_dropout_placement", {"placement": "between", "rate": 0.2}),
    "dropout spatial": ("cats_vs_dogs_dropout_placement", {"placement": "spatial", "rate": 0.2}),
    "flip": ("cats_vs_dogs_convnet", {"augmentation": "flip"}),
    "rotation": ("cats_vs_dogs_convnet", {"augmentation": "rotation"}),
    "zoom": ("cats_vs_dogs_convnet", {"augmentation": "zoom"}),
}
"""Each distinct model the full plan trains on cats vs dogs: builder name and arguments."""


class EpochTimer:
    """A Keras callback that records the wall time of every epoch (training and validation) and
    the CPU time the process spent in it (all threads): on a shared machine the wall time
    depends on the other work, the CPU time much less."""

    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds, self.cpu_seconds = [], []

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter(), time.process_time()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self._start[0])
                self.cpu_seconds.append(time.process_time() - self._start[1])

        return _Timer()


def _model(builder_name: str, kwargs: dict, precision: str):
    from dlcv import models
    from dlcv.training import build_and_compile

    kwargs = dict(kwargs)
    kind = kwargs.pop("augmentation", None)
    if kind == "book":
        kwargs["augmentation"] = models.data_augmentation()
    elif kind:
        kwargs["augmentation"] = models.single_augmentation(kind)
    return build_and_compile(
        getattr(models, builder_name), {**kwargs, "image_size": (180, 180)},
        loss="binary_crossentropy", precision=precision,
    )


def measure(names: list[str], epochs: int, precision: str) -> dict:
    from dlcv import profiles
    from dlcv.data import load_cats_vs_dogs

    full = profiles.FULL
    data = load_cats_vs_dogs(
        image_size=full.cats_vs_dogs_image_size, batch_size=full.cats_vs_dogs_batch_size,
        source="sample", sample_counts=full.sample_counts,
    )
    results = {}
    for name in names:
        builder, kwargs = MODELS[name]
        model = _model(builder, kwargs, precision)
        timer = EpochTimer()
        model.fit(data.train, validation_data=data.validation, epochs=epochs, verbose=0,
                  shuffle=False, callbacks=[timer])
        results[name] = {
            "wall": [round(s, 2) for s in timer.seconds],
            "cpu": [round(s, 2) for s in timer.cpu_seconds],
            "load_average": os.getloadavg(),
        }
        print(f"{name}: {results[name]} s per epoch", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dlcv-full-plan-") as folder:
        os.environ["DLCV_DATA_DIR"] = folder
        import dlcv  # noqa: F401, I001  (first: it quiets TensorFlow)
        import keras
        import tensorflow as tf

        start = time.perf_counter()
        results = measure(args.models, args.epochs, args.precision)
        record = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "precision": args.precision,
            "train_images": 2000,
            "validation_images": 1000,
            "seconds_per_epoch": results,
            "wall_seconds": round(time.perf_counter() - start, 1),
        }
    text = json.dumps(record, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()


# --- the plan's cost, from the measured epochs ----------------------------------------------

# The full plan's runs (``dlcv.experiments.book_calls`` of the run-plan work, deduplicated by
# key: the cats-vs-dogs page's baseline, the ablation's baseline and +both and the visualizing
# page's model are runs of the seed-1 lessons): name, runs, epochs each, and the measured model
# whose epoch costs the same (dropout adds next to nothing; a single augmentation layer costs
# at most what the three do).
FULL_PLAN = [
    ("cats: baseline, seeds 1-3", 3, 30, "baseline"),
    ("cats: +both, seeds 1-3", 3, 100, "+both"),
    ("cats: +dropout (ablation)", 1, 100, "baseline"),
    ("cats: +augmentation (ablation)", 1, 100, "+both"),
    ("cats: baseline, 20 epochs (short)", 1, 20, "baseline"),
    ("cats: flip / rotation / zoom, 20 epochs", 3, 20, "+both"),
    ("cats: dropout flatten / between / spatial, 20 epochs", 3, 20, "baseline"),
    ("mnist: convnet, GAP, dense, by val_accuracy (5 epochs), 1-epoch", 5, None, "mnist"),
]
MNIST_EPOCHS = 4 * 5 + 1
MNIST_SECONDS_2_CORES = MNIST_EPOCHS * 54_000 / (21_600 / 7)
"""The MNIST runs are not measured here: 54,000 training digits an epoch at the full profile's
measured rate (``images_per_second`` of the plan: 21,600 digits in 7 s on 2 cores); the dense
and GAP models are cheaper, so this is an upper bound."""


def runner_seconds(two_core_seconds: float, cores: int = 4, efficiency: float = 0.9,
                   avx512_factor: float = 36.5 / 28.6) -> float:
    """An epoch's wall seconds on a quiet ``cores``-core runner without AVX-512, from its wall
    seconds on 2 quiet cores of this machine: over the parallel ``efficiency`` beyond 2 cores
    (assumed, not measured), times the float32 slowdown of a CPU without AVX-512 (issue 24:
    36.5 against 28.6 images/s on 2 cores)."""
    return two_core_seconds / (cores / 2 * efficiency) * avx512_factor


def plan_table(two_core_per_epoch: dict[str, float], job_seconds: float = 5400.0) -> str:
    """The full plan's cost on a 4-core runner, by group of runs and by training job (the jobs
    ``tools.matrix`` packs from the plan's own estimates), as Markdown.

    Args:
        two_core_per_epoch: wall seconds of an epoch (training and validation) on 2 quiet cores
            of this machine, by measured model (``"baseline"``, ``"+both"``).
        job_seconds: the budget of a training job in the plan's estimated seconds.
    """
    from tools.matrix import group_runs

    per_epoch = {name: runner_seconds(s) for name, s in two_core_per_epoch.items()}
    rows, runs = [], []
    for label, count, epochs, model in FULL_PLAN:
        if model == "mnist":
            seconds = runner_seconds(MNIST_SECONDS_2_CORES)
            each = [seconds / count] * count
            plan_each = [MNIST_SECONDS_2_CORES / count] * count
        else:
            each = [epochs * per_epoch[model]] * count
            plan_each = [epochs * 2000 / 36.5] * count  # the plan's estimate: 36.5 images/s
        rows.append(f"| {label} | {count} | {epochs or '5 / 1'} | {sum(each) / 60:,.0f} |")
        runs += [{"key": f"{label}#{i}", "estimated_seconds": p, "runner": r}
                 for i, (p, r) in enumerate(zip(plan_each, each, strict=True))]
    jobs = group_runs(runs, job_seconds)
    job_minutes = sorted((sum(r["runner"] for r in job) / 60 for job in jobs), reverse=True)
    total = sum(r["runner"] for r in runs) / 60
    return "\n".join([
        "| runs | count | epochs each | minutes on a 4-core runner |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        f"| **all {len(runs)} runs** | | | **{total:,.0f}** |",
        "",
        f"Training jobs (tools/matrix.py, {job_seconds:,.0f} s of the plan's estimate a job): "
        f"{len(jobs)}; minutes of training each, longest first: "
        + ", ".join(f"{m:,.0f}" for m in job_minutes) + ".",
    ])
