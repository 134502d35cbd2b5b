"""Do the chapters' lessons hold on the drawn cats-vs-dogs sample, on the quick profile's budget?

Trains ``dlcv.models.cats_vs_dogs_convnet`` four times, as the training chapters do (baseline,
+dropout 0.5, +augmentation, +both), on a freshly drawn sample with a fixed seed, and prints
train/validation accuracy per epoch and a summary. The lessons to hold:

- the baseline overfits: training accuracy far above validation accuracy;
- augmentation plus dropout narrows that gap (baseline gap >= 2x the +both gap) and raises
  validation accuracy by at least 5 points, at the epoch the checkpoint keeps (the lowest
  validation loss), which is the model the chapters evaluate on the test set.

The defaults are the quick profile's settings. Usage (recorded runs in
bench/results/sample_lessons.md):
    python -m bench.sample_lessons
    python -m bench.sample_lessons --variants baseline both --seed 7   # the two that matter most
"""

from __future__ import annotations

import argparse
import tempfile
import time

import keras
import numpy as np

import dlcv  # noqa: F401  (quiets TensorFlow)
from bench.measure import pipeline_speed
from dlcv import experiments, settings, training
from dlcv.data import cats_vs_dogs
from dlcv.models import cats_vs_dogs_convnet, data_augmentation

VARIANTS = {label.lstrip("+"): options for label, options in experiments.ABLATION.items()}
"""The variants of the dropout chapter's ablation, named as on the command line."""


def train(variant: str, data, epochs: int, image_size: tuple[int, int], seed: int) -> dict:
    options = VARIANTS[variant]
    model = training.build_and_compile(
        cats_vs_dogs_convnet,
        {
            "augmentation": data_augmentation() if options["augmentation"] else None,
            "dropout": options["dropout"],
            "image_size": image_size,
        },
        optimizer="rmsprop",
        loss="binary_crossentropy",
        seed=seed,
    )
    start = time.perf_counter()
    print(f"\n{variant}", flush=True)
    report = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(
            f"  epoch {epoch + 1:2d}  train {logs['accuracy']:.3f}  val {logs['val_accuracy']:.3f}"
            f"  val loss {logs['val_loss']:.3f}  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    )
    history = model.fit(
        data.train,
        validation_data=data.validation,
        epochs=epochs,
        shuffle=False,  # the pipeline shuffles
        verbose=0,
        callbacks=[report],
    ).history
    seconds = time.perf_counter() - start
    kept = int(np.argmin(history["val_loss"]))  # the epoch a checkpoint on val_loss keeps
    last = slice(-3, None)  # the mean of the last 3 epochs: less noisy than the last one
    return {
        "kept_epoch": kept + 1,
        "kept_val": float(history["val_accuracy"][kept]),
        "train": float(np.mean(history["accuracy"][last])),
        "val": float(np.mean(history["val_accuracy"][last])),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    train_n, validation_n, _ = cats_vs_dogs.QUICK_SAMPLE_COUNTS
    parser.add_argument("--train", type=int, default=train_n, help="training images per class")
    parser.add_argument("--validation", type=int, default=validation_n, help="per class")
    parser.add_argument("--epochs", type=int, default=experiments.QUICK_CATS_VS_DOGS_EPOCHS)
    parser.add_argument("--image-size", type=int, default=90, help="height and width")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=settings.SEED, help="training seed")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        counts = (args.train, args.validation, 1)  # the test split is not used here
        start = time.perf_counter()
        image_size = (args.image_size, args.image_size)
        data = cats_vs_dogs.load_cats_vs_dogs(
            image_size, args.batch_size, source="sample", data_dir=tmp, counts=counts
        )
        print(f"prepared {2 * sum(counts)} drawn images in {time.perf_counter() - start:.1f} s")
        first, cached = pipeline_speed(data.train), pipeline_speed(data.train)
        print(f"train pipeline alone: {first:.0f} images/s (first epoch), {cached:.0f} (cached)")
        results = {v: train(v, data, args.epochs, image_size, args.seed) for v in args.variants}

    print("\nvariant       kept epoch  val there | last 3 epochs: train   val   gap | seconds")
    for variant, r in results.items():
        print(
            f"{variant:13s} {r['kept_epoch']:10d} {r['kept_val']:10.3f} | {r['train']:20.3f}"
            f" {r['val']:5.3f} {r['train'] - r['val']:5.3f} | {r['seconds']:7.0f}"
        )
    if {"baseline", "both"} <= results.keys():
        base, both = results["baseline"], results["both"]
        gain = both["kept_val"] - base["kept_val"]
        base_gap, both_gap = base["train"] - base["val"], both["train"] - both["val"]
        print(f"\n+both - baseline, kept-epoch val acc: {100 * gain:+.1f} points (target >= +5)")
        print(f"gap over the last 3 epochs: baseline {base_gap:.3f}, +both {both_gap:.3f}", end="")
        print(f" ({base_gap / both_gap:.1f}x)" if both_gap > 0.005 else "", "(target >= 2x)")


if __name__ == "__main__":
    main()
