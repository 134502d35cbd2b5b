"""Seconds per epoch of each cats-vs-dogs model of the full edition, on this machine.

The full profile's settings (180x180 images, batches of 32, RMSprop) on the drawn sample at the
full profile's counts (1,000 / 500 / 1,000 per split), prepared in a temporary ``DLCV_DATA_DIR``
so that nothing of the shared cache is touched. Each model is built and compiled as
:func:`dlcv.training.run` does (:func:`dlcv.training.build_and_compile`) and fitted with
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

FULL_PLAN_CATS_VS_DOGS = {
    # variant: (runs, epochs each, the measured model whose epoch it costs)
    "baseline (seeds 1-3)": (3, 30, "baseline"),
    "+both (seeds 1-3)": (3, 100, "+both"),
    "+dropout": (1, 100, "+dropout"),
    "+augmentation": (1, 100, "+augmentation"),
    "baseline, 20 epochs": (1, 20, "baseline"),
    "flip, rotation, zoom": (3, 20, "+augmentation"),
    "dropout flatten, between, spatial": (3, 20, "+dropout"),
}
"""The cats-vs-dogs runs of the full plan (``dlcv.experiments.book_calls``, deduplicated by key:
the cats-vs-dogs page's baseline, the ablation's baseline and +both and visualizing's model are
runs of the seed-1 lessons)."""


def estimate(per_epoch: dict[str, float], speedup: float) -> list[tuple[str, int, float]]:
    """Seconds of each group of runs on the target runner: measured seconds per epoch on this
    machine's 2 cores, over ``speedup`` (the target's speed relative to them)."""
    rows = []
    for label, (runs, epochs, model) in FULL_PLAN_CATS_VS_DOGS.items():
        rows.append((label, runs, runs * epochs * per_epoch[model] / speedup))
    return rows
