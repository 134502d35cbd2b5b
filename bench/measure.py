"""Measurements: training and input-pipeline throughput, and a model's training FLOPs (the
matmul peak they are held against is :func:`dlcv.hardware.matmul_flops`).

Every throughput is measured after a warm-up (tracing, compilation, filling caches), and a
step is timed only once its result is ready (GPU work is asynchronous).
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

COMPUTE_DTYPES = {"float32": "float32", "mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}
"""The dtype the matrix multiplications of a Keras dtype policy run in."""


def training_flops_per_image(model: keras.Model) -> float:
    """The floating-point operations of one training step per image, counted analytically:
    2 x multiply-adds of the convolutions and dense layers for the forward pass, and the
    backward pass twice the forward (gradients of the inputs and of the weights)."""
    return 3 * _forward_flops(model)


def _forward_flops(model: keras.Model) -> float:
    flops = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            flops += _forward_flops(layer)
        elif isinstance(layer, keras.layers.Conv2D):
            height, width, filters = layer.output.shape[1:]
            kernel_height, kernel_width = layer.kernel_size
            channels = layer.input.shape[-1]
            flops += 2 * height * width * filters * kernel_height * kernel_width * channels
        elif isinstance(layer, keras.layers.Dense):
            flops += 2 * layer.input.shape[-1] * layer.units
    return flops


def pipeline_speed(dataset: tf.data.Dataset, batches: int | None = None) -> float:
    """Images per second that ``dataset`` yields on its own (its first ``batches`` batches,
    or all of them)."""
    if batches is not None:
        dataset = dataset.take(batches)
    start, images = time.perf_counter(), 0
    for x, _ in dataset:
        images += int(tf.shape(x)[0])
    return images / (time.perf_counter() - start)


class _StepClock(keras.callbacks.Callback):
    """Notes when steps have finished: after each call of ``steps_per_execution`` steps, the
    wall-clock time and the CPU time of this process (all its threads)."""

    def __init__(self):
        super().__init__()
        self.finished = []  # (steps done, wall time, CPU time)

    def on_train_batch_end(self, batch, logs=None):
        float(logs["loss"])  # waits for the step's result
        self.finished.append((batch + 1, time.perf_counter(), time.process_time()))


def training_speed(model: keras.Model, data, **kwargs) -> float:
    """Images per second ``model.fit`` trains on ``data``: :func:`training_speeds`' first."""
    return training_speeds(model, data, **kwargs)[0]


def training_speeds(
    model: keras.Model,
    data: tf.data.Dataset | tuple[np.ndarray, np.ndarray],
    *,
    steps: int,
    warmup: int = 2,
    batch_size: int | None = None,
) -> tuple[float, float]:
    """Images per second ``model.fit`` trains on ``data``, and images per CPU-second.

    On a shared machine the wall-clock figure depends on what else runs; the CPU time this
    process spends per image (every thread: the step's, the input pipeline's) depends much
    less on it, so two trainings measured under different loads still compare by their work.
    A training that leaves a core idle (waiting for input, or steps that do not run in
    parallel) shows in the first figure, not in the second.

    Args:
        model: a compiled model.
        data: batches of ``(images, labels)``, repeated as needed (and rebatched across
            epochs, so that every step has a full batch); or ``(images, labels)`` arrays,
            passed to ``fit`` as they are, with ``batch_size``.
        steps: the training steps timed, at least; rounded up to whole calls of the model's
            ``steps_per_execution``.
        warmup: the steps run first and not timed (the first one traces the step function),
            at least; rounded up likewise.
        batch_size: the batch size for arrays.

    Returns:
        ``(images per second, images per CPU-second)`` over the timed steps.
    """
    per_call = model.steps_per_execution
    warmup, steps = (-(-n // per_call) * per_call for n in (warmup, steps))
    clock = _StepClock()
    if isinstance(data, tf.data.Dataset):
        batch_size = int(tf.shape(next(iter(data))[0])[0])
        data = data.repeat().rebatch(batch_size, drop_remainder=True)
        fit = {"x": data, "steps_per_epoch": warmup + steps, "shuffle": False}
    else:
        images, labels = data
        n = (warmup + steps) * batch_size
        repeats = -(-n // len(images))
        fit = {
            "x": np.concatenate([images] * repeats)[:n],
            "y": np.concatenate([labels] * repeats)[:n],
            "batch_size": batch_size,
        }
    model.fit(**fit, epochs=1, callbacks=[clock], verbose=0)
    start_step, start, start_cpu = clock.finished[warmup // per_call - 1]
    end_step, end, end_cpu = clock.finished[-1]
    images = (end_step - start_step) * batch_size
    return images / (end - start), images / (end_cpu - start_cpu)


def evaluation_speeds(
    model: keras.Model, data: tf.data.Dataset, *, steps: int, warmup: int = 1
) -> tuple[float, float]:
    """Images per second ``model.evaluate`` gets through ``data``, and images per CPU-second:
    the cost of a validation pass (``fit`` validates with the same compiled step).

    Args:
        model: a compiled model.
        data: batches of ``(images, labels)``, repeated as needed (and rebatched, so that
            every step has a full batch and the step is traced once).
        steps: the batches timed, at least; rounded up to whole calls of the model's
            ``steps_per_execution``.
        warmup: the batches evaluated first and not timed (the first traces the step), at
            least; rounded up likewise.

    Returns:
        ``(images per second, images per CPU-second)`` over the timed batches.
    """
    per_call = model.steps_per_execution
    warmup, steps = (-(-n // per_call) * per_call for n in (warmup, steps))
    batch_size = int(tf.shape(next(iter(data))[0])[0])
    data = data.repeat().rebatch(batch_size, drop_remainder=True)
    model.evaluate(data.take(warmup), verbose=0)
    timed = data.take(steps)
    start, start_cpu = time.perf_counter(), time.process_time()
    model.evaluate(timed, verbose=0)
    end, end_cpu = time.perf_counter(), time.process_time()
    images = steps * batch_size
    return images / (end - start), images / (end_cpu - start_cpu)
