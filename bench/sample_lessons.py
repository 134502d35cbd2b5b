"""Do the chapters' lessons hold on the drawn cats-vs-dogs sample, on the quick profile's budget?

Trains ``dlcv.models.cats_vs_dogs_convnet`` four times, as the training chapters do (baseline,
+dropout 0.5, +augmentation, +both), on a freshly drawn sample with a fixed seed, and prints
train/validation accuracy per epoch and a summary. The lessons to hold:

- the baseline overfits: training accuracy far above validation accuracy;
- augmentation plus dropout narrows that gap (baseline gap >= 2x the +both gap) and raises
  validation accuracy by at least 5 points.

Usage:
    python bench/sample_lessons.py --train 300 --validation 150 --epochs 12
    python bench/sample_lessons.py --variants baseline both   # the two that matter most
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dlcv  # noqa: F401  (quiets TensorFlow)
import keras
import numpy as np

from dlcv import settings
from dlcv.data.drawn import write_sample
from dlcv.models import cats_vs_dogs_convnet, data_augmentation

VARIANTS = {
    "baseline": dict(augmentation=False, dropout=0.0),
    "dropout": dict(augmentation=False, dropout=0.5),
    "augmentation": dict(augmentation=True, dropout=0.0),
    "both": dict(augmentation=True, dropout=0.5),
}


def datasets(root: Path, batch_size: int = 32):
    def load(split, shuffle):
        return keras.utils.image_dataset_from_directory(
            root / split, class_names=["cat", "dog"], image_size=(180, 180),
            batch_size=batch_size, shuffle=shuffle, seed=settings.SEED, verbose=False,
        ).cache()
    return load("train", True), load("validation", False)


def train(variant: str, train_ds, val_ds, epochs: int) -> dict:
    keras.utils.set_random_seed(settings.SEED)
    options = VARIANTS[variant]
    model = cats_vs_dogs_convnet(
        augmentation=data_augmentation() if options["augmentation"] else None,
        dropout=options["dropout"],
    )
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=0).history
    seconds = time.perf_counter() - start
    print(f"\n{variant} ({seconds:.0f} s)")
    for epoch, (acc, val_acc) in enumerate(zip(history["accuracy"], history["val_accuracy"]), 1):
        print(f"  epoch {epoch:2d}  train {acc:.3f}  val {val_acc:.3f}")
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
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=settings.SEED)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_sample(root, (args.train, args.validation, 0), seed=args.seed)
        print(f"drew {2 * (args.train + args.validation)} images in {time.perf_counter() - start:.1f} s")
        train_ds, val_ds = datasets(root)
        results = {v: train(v, train_ds, val_ds, args.epochs) for v in args.variants}

    print("\nvariant        train   val   gap  best val  seconds  (train/val: mean of last 3 epochs)")
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
