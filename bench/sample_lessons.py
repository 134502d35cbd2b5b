"""Do the chapters' lessons hold on the drawn cats-vs-dogs sample, on the quick profile's budget?

Trains ``dlcv.models.cats_vs_dogs_convnet`` four times, as the training chapters do (baseline,
+dropout 0.5, +augmentation, +both), on a freshly drawn sample with a fixed seed, and prints
train/validation accuracy per epoch and a summary. The lessons to hold:

- the baseline overfits: training accuracy far above validation accuracy;
- augmentation plus dropout narrows that gap (baseline gap >= 2x the +both gap) and raises
  validation accuracy by at least 5 points.

Usage (the recorded runs are in bench/results/sample_lessons.md):
    python bench/sample_lessons.py --train 150 --epochs 28 --image-size 90 --batch-size 16
    python bench/sample_lessons.py --variants baseline both   # the two that matter most
"""

from __future__ import annotations

import argparse
import tempfile
import time

import keras
import numpy as np

import dlcv  # noqa: F401  (quiets TensorFlow)
from dlcv import settings
from dlcv.data import cats_vs_dogs
from dlcv.models import cats_vs_dogs_convnet, data_augmentation

VARIANTS = {
    "baseline": dict(augmentation=False, dropout=0.0),
    "dropout": dict(augmentation=False, dropout=0.5),
    "augmentation": dict(augmentation=True, dropout=0.0),
    "both": dict(augmentation=True, dropout=0.5),
}


def pipeline_speed(dataset) -> tuple[float, float]:
    """Images per second through a pipeline alone: first epoch (decoding) and second (cache)."""
    speeds = []
    for _ in range(2):
        start, n = time.perf_counter(), 0
        for images, _ in dataset:
            n += len(images)
        speeds.append(n / (time.perf_counter() - start))
    return speeds[0], speeds[1]


def train(variant: str, train_ds, val_ds, epochs: int, image_size: tuple[int, int]) -> dict:
    keras.utils.set_random_seed(settings.SEED)
    options = VARIANTS[variant]
    model = cats_vs_dogs_convnet(
        augmentation=data_augmentation() if options["augmentation"] else None,
        dropout=options["dropout"],
        image_size=image_size,
    )
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    print(f"\n{variant}", flush=True)
    report = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(
            f"  epoch {epoch + 1:2d}  train {logs['accuracy']:.3f}  val {logs['val_accuracy']:.3f}"
            f"  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    )
    history = model.fit(
        train_ds, validation_data=val_ds, epochs=epochs, verbose=0, callbacks=[report]
    ).history
    seconds = time.perf_counter() - start
    last = slice(-3, None)  # the mean of the last 3 epochs: less noisy than the last one
    return {
        "train": float(np.mean(history["accuracy"][last])),
        "val": float(np.mean(history["val_accuracy"][last])),
        "best_val": float(max(history["val_accuracy"])),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=300, help="training images per class")
    parser.add_argument("--validation", type=int, default=150, help="validation images per class")
    parser.add_argument("--test", type=int, default=1, help="test images per class (unused here)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--image-size", type=int, default=180, help="height and width")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=settings.SEED)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        counts = (args.train, args.validation, args.test)
        start = time.perf_counter()
        image_size = (args.image_size, args.image_size)
        data = cats_vs_dogs.load_cats_vs_dogs(
            image_size, args.batch_size, source="sample", data_dir=tmp, counts=counts
        )
        print(f"prepared {2 * sum(counts)} drawn images in {time.perf_counter() - start:.1f} s")
        first, cached = pipeline_speed(data.train)
        print(f"train pipeline alone: {first:.0f} images/s (first epoch), {cached:.0f} (cached)")
        results = {
            v: train(v, data.train, data.validation, args.epochs, image_size) for v in args.variants
        }

    print(
        "\nvariant        train   val   gap  best val  seconds  (train/val: mean of last 3 epochs)"
    )
    for variant, r in results.items():
        print(
            f"{variant:13s} {r['train']:6.3f} {r['val']:5.3f} {r['train'] - r['val']:5.3f}"
            f"  {r['best_val']:8.3f} {r['seconds']:8.0f}"
        )
    if {"baseline", "both"} <= results.keys():
        base, both = results["baseline"], results["both"]
        gain = both["val"] - base["val"]
        ratio = (base["train"] - base["val"]) / max(both["train"] - both["val"], 1e-3)
        print(f"\n+both - baseline val acc: {100 * gain:+.1f} points (target >= +5)")
        print(f"baseline gap / +both gap: {ratio:.1f}x (target >= 2x)")


if __name__ == "__main__":
    main()
