"""The speed benchmark's measurements work (on tiny inputs: no timing is asserted).

Tests of the benchmarks themselves live beside them, so that nothing under tests/ imports bench;
`make test` and `make test-fast` run them with the rest (pyproject's testpaths).
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from bench import measure, speed
from bench.__main__ import summary
from dlcv import hardware, models, training


def tiny_model(steps_per_execution=1):
    inputs = keras.Input(shape=(8, 8, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    model.compile(
        "rmsprop", "sparse_categorical_crossentropy", steps_per_execution=steps_per_execution
    )
    return model


def tiny_data(n=40):
    rng = np.random.default_rng(0)
    return rng.random((n, 8, 8, 1)).astype("float32"), rng.integers(0, 2, n)


def test_training_flops_of_the_mnist_convnet_are_counted_layer_by_layer():
    multiply_adds = 26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 3 * 3 * 128 * 9 * 64 + 1152 * 10
    assert measure.training_flops_per_image(models.mnist_convnet()) == 3 * 2 * multiply_adds


def test_flops_inside_nested_models_count():
    plain = models.cats_vs_dogs_convnet()
    nested = keras.Sequential([keras.Input((180, 180, 3)), plain])
    assert measure.training_flops_per_image(nested) == measure.training_flops_per_image(plain)


@pytest.mark.parametrize("steps_per_execution", [1, 4])
def test_training_speed_of_pipelines_and_arrays(steps_per_execution):
    x, y = tiny_data()
    pipeline = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)  # a partial last batch
    for data in (pipeline, (x, y)):
        model = tiny_model(steps_per_execution)
        figures = measure.training_speeds(model, data, steps=5, warmup=1, batch_size=16)
        assert all(math.isfinite(figure) and figure > 0 for figure in figures)


def test_pipeline_speed_counts_images():
    x, y = tiny_data()
    assert measure.pipeline_speed(tf.data.Dataset.from_tensor_slices((x, y)).batch(16)) > 0


def test_flops_fractions_use_the_peak_of_the_precision_computed_in(monkeypatch):
    # The GPU path: under mixed_float16, dlcv's figures are held against the float16 peak.
    monkeypatch.setattr(hardware, "precision_policy", lambda: "mixed_float16")
    result = {
        "images_per_second": {"reference": 10.0, "dlcv": 20.0, "dlcv_xla": "failed: ..."},
        "training_flops_per_image": 1.0,
    }
    fractions = speed.flops_fractions(result, {"float32": 100.0, "float16": 400.0})
    assert fractions == {"reference": 0.1, "dlcv": 0.05}


def test_summary_of_a_speed_result():
    model_result = {
        "images_per_second": {"reference": 10.0, "dlcv": 20.0, "dlcv_xla": "failed: ..."},
        "fraction_of_matmul_peak": {"reference": 0.1, "dlcv": 0.2},
        "dlcv_over_reference": 2.0,
    }
    result = {
        "load_average": {"before": [0.5, 0.5, 0.5]},
        "matmul_peak_flops": {"float32": 1e11},
        "cats_vs_dogs": {**model_result, "pipeline_images_per_second": {"dlcv": 1000.0}},
        "mnist": model_result,
    }
    text = summary("speed", result)
    assert "2.00x" in text and "failed" in text and "100.0 GFLOP/s" in text


def test_dlcv_variants_compile_as_run_does():
    model = training.build_and_compile(models.mnist_convnet, loss="sparse_categorical_crossentropy")
    assert model.steps_per_execution == training.STEPS_PER_EXECUTION


def test_cpu_figures_pair_dlcv_and_reference_round_by_round():
    figures = speed._cpu_figures({"reference": [10.0, 20.0], "dlcv": [15.0, 10.0], "x": [1.0]})
    assert figures["dlcv_over_reference_cpu"] == [1.5, 0.5]
    assert figures["images_per_cpu_second"]["x"] == [1.0]


def test_evaluation_speed_times_whole_calls_after_a_warm_up(monkeypatch):
    x, y = tiny_data()
    model = tiny_model(steps_per_execution=4)
    evaluated = []
    evaluate = model.evaluate

    def counting_evaluate(data, **kwargs):
        evaluated.append(sum(1 for _ in data))  # batches (a dataset iterates again)
        return evaluate(data, **kwargs)

    monkeypatch.setattr(model, "evaluate", counting_evaluate)
    pipeline = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)  # a partial last batch
    figures = measure.evaluation_speeds(model, pipeline, steps=5, warmup=1)
    assert evaluated == [4, 8]  # rounded up to whole calls of 4 steps
    assert all(math.isfinite(figure) and figure > 0 for figure in figures)
