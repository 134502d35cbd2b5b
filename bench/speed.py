"""Training speed of the book's reference code against dlcv's, on the same data and machine.

Cats vs dogs (the convnet with augmentation and dropout, on the drawn sample) and MNIST (the
first convnet, on the 4,000-digit sample). The reference code and dlcv are measured ``rounds``
times, in turns, and the best figure of each kept: on a shared machine the best is the least
disturbed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import keras
import tensorflow as tf

from bench import reference
from bench.measure import (
    COMPUTE_DTYPES,
    pipeline_speed,
    training_flops_per_image,
    training_speeds,
)
from dlcv import hardware, settings
from dlcv.data import load_cats_vs_dogs, load_mnist
from dlcv.models import cats_vs_dogs_convnet, data_augmentation, mnist_convnet
from dlcv.training import build_and_compile

CATS_VS_DOGS = {"augmentation": True, "dropout": 0.5}
"""The settings benchmarked: the book's last and slowest model."""

Variant = Callable[[], tuple[keras.Model, tf.data.Dataset]]

MAIN_VARIANTS = ("reference", "dlcv", "dlcv_float32")
"""Measured every round over every step: the comparisons the benchmark exists for."""


def cats_vs_dogs(*, steps: int, warmup: int, rounds: int) -> dict:
    """Images/s of the reference code, of dlcv, and of dlcv with one setting changed each; the
    input pipelines alone; the training FLOPs per image."""
    data = load_cats_vs_dogs(source="sample")
    reference_train, _, _ = reference.cats_vs_dogs_datasets(Path(data.info["path"]))
    pipelines = {
        "reference": pipeline_speed(reference_train),
        "dlcv_first_epoch": pipeline_speed(data.train),  # decodes, and fills the cache
        "dlcv": pipeline_speed(data.train),
    }

    def dlcv_model(**overrides) -> keras.Model:
        kwargs = {"augmentation": data_augmentation(), "dropout": 0.5, **overrides}
        return build_and_compile(cats_vs_dogs_convnet, kwargs, loss="binary_crossentropy")

    def augmented_in_pipeline() -> tuple[keras.Model, tf.data.Dataset]:
        augmentation = data_augmentation()
        train = data.train.map(
            lambda x, y: (augmentation(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE
        ).prefetch(tf.data.AUTOTUNE)
        return dlcv_model(augmentation=None), train

    def with_xla() -> tuple[keras.Model, tf.data.Dataset]:
        model = dlcv_model()
        model.compile(
            optimizer="rmsprop",
            loss="binary_crossentropy",
            metrics=["accuracy"],
            jit_compile=True,
        )
        return model, data.train

    def in_precision(policy: str) -> Variant:
        def variant():
            kwargs = {"augmentation": data_augmentation(), "dropout": 0.5}
            model = build_and_compile(
                cats_vs_dogs_convnet, kwargs, loss="binary_crossentropy", precision=policy
            )
            return model, data.train

        return variant

    variants: dict[str, Variant] = {
        "reference": lambda: (reference.cats_vs_dogs_model(), reference_train),
        "dlcv": lambda: (dlcv_model(), data.train),
    }
    if hardware.precision_policy() != "float32":
        variants["dlcv_float32"] = in_precision("float32")
    variants["dlcv_augmentation_in_pipeline"] = augmented_in_pipeline
    variants["dlcv_xla"] = with_xla
    for policy in hardware.POLICIES:
        if policy not in (hardware.precision_policy(), "float32") and _worth_trying(policy):
            variants[f"dlcv_{policy}"] = in_precision(policy)
    speeds, cpu = _best_speeds(variants, steps=steps, warmup=warmup, rounds=rounds)
    flops = training_flops_per_image(dlcv_model())
    return {
        "images_per_second": speeds,
        "dlcv_over_reference": _ratio(speeds, "dlcv", "reference"),
        # float32 against float32: what dlcv's own code gains, precision aside
        "dlcv_float32_over_reference": _ratio(
            speeds, "dlcv_float32" if "dlcv_float32" in speeds else "dlcv", "reference"
        ),
        **_cpu_figures(cpu),
        "pipeline_images_per_second": pipelines,
        "training_flops_per_image": flops,
        "batch_size": data.info["batch_size"],
        "data": {k: v for k, v in data.info.items() if k != "path"},
    }


def mnist(*, steps: int, warmup: int, rounds: int) -> dict:
    """Images/s of the first convnet: the reference code (arrays into ``fit``) and dlcv."""
    batch_size = 64
    data = load_mnist("sample", batch_size=batch_size)
    (x, y), _ = reference.mnist_arrays(data)

    def dlcv_variant():
        model = build_and_compile(mnist_convnet, loss="sparse_categorical_crossentropy")
        return model, data.train

    variants = {
        "reference": lambda: (reference.mnist_model(), (x, y)),
        "dlcv": dlcv_variant,
    }
    speeds, cpu = _best_speeds(
        variants, steps=steps, warmup=warmup, rounds=rounds, batch_size=batch_size
    )
    return {
        "images_per_second": speeds,
        "dlcv_over_reference": _ratio(speeds, "dlcv", "reference"),
        **_cpu_figures(cpu),
        "training_flops_per_image": training_flops_per_image(mnist_convnet()),
        "batch_size": batch_size,
    }


def flops_fractions(result: dict, peaks: dict) -> dict:
    """Achieved training FLOP/s of each variant, as a fraction of the matmul peak of the
    precision it computes in."""
    policy = hardware.precision_policy()
    fractions = {}
    for name, speed in result["images_per_second"].items():
        if not isinstance(speed, float):
            continue  # the variant failed
        variant_policy = next((p for p in hardware.POLICIES if name.endswith(p)), None)
        dtype = COMPUTE_DTYPES[variant_policy or (policy if name.startswith("dlcv") else "float32")]
        fractions[name] = speed * result["training_flops_per_image"] / peaks[dtype]
    return fractions


def _worth_trying(policy: str) -> bool:
    """float16 is emulated on CPUs: only bfloat16 is worth measuring there."""
    return policy != "mixed_float16" or bool(hardware.gpus())


def _best_speeds(
    variants: dict, *, steps: int, warmup: int, rounds: int, batch_size: int | None = None
) -> tuple[dict, dict]:
    """Images per second and per CPU-second of each variant. The reference and dlcv (in the
    machine's precision and in float32) are measured ``rounds`` times, in turns, over the same
    steps; the other variants (one setting changed, some of them slow) once, over half the
    steps. Kept: the best wall-clock figure (the least disturbed) and every round's CPU figure."""
    best: dict = {}
    per_cpu_second: dict = {}
    for round_ in range(rounds):
        for name, make in variants.items():
            main = name in MAIN_VARIANTS
            if round_ and not main:
                continue
            keras.backend.clear_session()
            keras.utils.set_random_seed(settings.SEED)
            try:
                model, inputs = make()
                speed, cpu_speed = training_speeds(
                    model,
                    inputs,
                    steps=steps if main else max(1, steps // 2),
                    warmup=warmup,
                    batch_size=batch_size,
                )
            except Exception as error:  # a variant this machine cannot run (XLA, a dtype)
                best[name] = f"failed: {type(error).__name__}: {str(error)[:200]}"
                continue
            previous = best.get(name)
            best[name] = max(speed, previous) if isinstance(previous, float) else speed
            per_cpu_second.setdefault(name, []).append(cpu_speed)
    return best, per_cpu_second


def _cpu_figures(per_cpu_second: dict) -> dict:
    """Images per CPU-second, each round's, and dlcv's over the reference's in each round (the
    two measured side by side): the comparison of work that a loaded machine disturbs least."""
    def per_round(name: str) -> list[float]:
        rounds = zip(  # a variant that failed has fewer rounds
            per_cpu_second.get(name, []), per_cpu_second.get("reference", []), strict=False
        )
        return [dlcv / reference for dlcv, reference in rounds]

    figures = {
        "images_per_cpu_second": per_cpu_second,
        "dlcv_over_reference_cpu": per_round("dlcv"),
    }
    if "dlcv_float32" in per_cpu_second:
        figures["dlcv_float32_over_reference_cpu"] = per_round("dlcv_float32")
    return figures


def _ratio(speeds: dict, numerator: str, denominator: str) -> float | None:
    a, b = speeds.get(numerator), speeds.get(denominator)
    return a / b if isinstance(a, float) and isinstance(b, float) else None
