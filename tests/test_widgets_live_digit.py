"""dlcv.widgets.live_digit frames drawings as MNIST digits and exports a model for live-digit.js."""

from __future__ import annotations

import base64
import json

import keras
import numpy as np
import pytest
from keras import layers

from dlcv.errors import ConfigError
from dlcv.models import mnist_convnet
from dlcv.widgets.live_digit import (
    DigitPick,
    export_mnist_model,
    live_digit_widget,
    load_exported_model,
    mnist_input,
    pick_test_digits,
)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return mnist_convnet()


def test_mnist_input_scales_the_ink_to_a_20_pixel_box_centred_by_mass():
    drawing = np.zeros((200, 300))
    drawing[50:150, 100:150] = 1.0  # a 100 x 50 bar, off centre

    framed = mnist_input(drawing)

    assert framed.shape == (28, 28) and framed.dtype == np.float32
    rows, cols = np.nonzero(framed)
    assert rows.max() - rows.min() + 1 == 20  # the longer side
    assert cols.max() - cols.min() + 1 == 10  # the aspect ratio kept
    centre = [(np.arange(28) + 0.5) @ framed.sum(axis=a) / framed.sum() for a in (1, 0)]
    np.testing.assert_allclose(centre, [14, 14], atol=0.5)
    np.testing.assert_allclose(framed[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1], 1)


def test_mnist_input_keeps_the_ink_by_area_averaging():
    rows, cols = np.indices((40, 40))
    drawing = np.where((rows + cols) % 2 == 0, 255, 0).astype(np.uint8)  # a checkerboard: 50% ink

    framed = mnist_input(drawing)

    np.testing.assert_allclose(framed[framed > 0], 0.5, atol=1e-6)
    assert framed.sum() == pytest.approx(20 * 20 * 0.5, rel=1e-6)


def test_mnist_input_moves_lopsided_ink_so_its_mass_is_central():
    drawing = np.full((20, 20), 0.2)
    drawing[:, :10] = 1.0  # heavy on the left: the mass is centred 6.7 pixels from the left

    framed = mnist_input(drawing)

    cols = framed.sum(axis=0)
    centre = (np.arange(28) + 0.5) @ cols / cols.sum()
    assert abs(centre - 14) <= 0.5
    assert np.flatnonzero(cols)[0] == 7  # not 4, where centring the box would put it


def test_mnist_input_of_a_blank_drawing_is_blank():
    assert not mnist_input(np.zeros((10, 10))).any()


def test_mnist_input_enlarges_a_small_drawing():
    drawing = np.zeros((28, 28))
    drawing[10:15, 12:14] = 1.0

    rows, cols = np.nonzero(mnist_input(drawing))

    assert rows.max() - rows.min() + 1 == 20
    assert cols.max() - cols.min() + 1 == 8


@pytest.mark.parametrize(
    ("drawing", "message"),
    [(np.zeros((2, 3, 3)), "2D"), (np.full((4, 4), 2.0), "Divide by 255")],
)
def test_mnist_input_rejects_what_is_not_a_drawing(drawing, message):
    with pytest.raises(ConfigError, match=message):
        mnist_input(drawing)


def test_pick_test_digits_takes_one_right_per_class_then_the_wrong_ones():
    labels = np.array([3, 1, 0, 2, 4, 5, 6, 7, 8, 9, 0, 1, 2])
    predicted = labels.copy()
    predicted[[0, 2, 5]] = [8, 6, 3]  # wrong: a 3, a 0, a 5
    predicted[[12]] = [7]
    images = np.arange(len(labels), dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)

    picks = pick_test_digits(images, labels, predicted, wrong=3)

    right = [p for p in picks if p.correct]
    assert [p.label for p in right] == [0, 1, 2, 4, 6, 7, 8, 9]  # 3 and 5 are never right
    assert [p.index for p in right][:3] == [10, 1, 3]
    assert [(p.index, p.label, p.predicted) for p in picks if not p.correct] == [
        (0, 3, 8), (2, 0, 6), (5, 5, 3)
    ]
    assert all((p.pixels == p.index).all() for p in picks)


def test_pick_test_digits_rejects_mismatched_arrays():
    with pytest.raises(ConfigError, match="one label and one prediction"):
        pick_test_digits(np.zeros((3, 28, 28), np.uint8), [1, 2, 3], [1, 2])


def test_export_writes_float32_weights_and_a_manifest(model, tmp_path):
    digit = DigitPick(index=7, label=4, predicted=9, pixels=np.eye(28, dtype=np.uint8) * 200)
    export = export_mnist_model(model, tmp_path / "live", digits=[digit])

    manifest = json.loads(export.manifest.read_text())
    assert export.weights.stat().st_size == 4 * model.count_params() == manifest["weightsBytes"]
    assert export.bytes == export.weights.stat().st_size + export.manifest.stat().st_size
    assert [(e["name"], e["class"], e["outputShape"]) for e in manifest["layers"]] == [
        (layer.name, type(layer).__name__, list(layer.output.shape[1:]))
        for layer in model.layers[1:]
    ]
    first = manifest["layers"][0]
    values = np.fromfile(export.weights, dtype="<f4")
    kernel = values[: np.prod(first["kernel"]["shape"])].reshape(first["kernel"]["shape"])
    np.testing.assert_array_equal(kernel, model.layers[1].get_weights()[0])
    (shown,) = manifest["digits"]
    assert (shown["index"], shown["label"], shown["predicted"]) == (7, 4, 9)
    pixels = np.frombuffer(base64.b64decode(shown["pixels"]), np.uint8).reshape(28, 28)
    np.testing.assert_array_equal(pixels, digit.pixels)


def test_exported_model_predicts_as_the_original(model, tmp_path):
    export_mnist_model(model, tmp_path)
    images = np.random.default_rng(1).random((4, 28, 28, 1)).astype("float32")

    rebuilt = load_exported_model(tmp_path)

    np.testing.assert_array_equal(
        rebuilt.predict(images, verbose=0), model.predict(images, verbose=0)
    )


def test_layer_names_replace_the_models_own(model, tmp_path):
    names = ["a", "b", "c", "d", "e", "f", "g"]
    export = export_mnist_model(model, tmp_path, layer_names=names)
    manifest = json.loads(export.manifest.read_text())

    assert [entry["name"] for entry in manifest["layers"]] == names
    with pytest.raises(ConfigError, match="6 names for 7 layers"):
        export_mnist_model(model, tmp_path, layer_names=names[:-1])


def test_a_corrupt_export_is_refused(model, tmp_path):
    export = export_mnist_model(model, tmp_path)
    export.weights.write_bytes(b"\xff\xff\xff\xff" + export.weights.read_bytes()[4:])

    with pytest.raises(ConfigError, match="export the model again"):
        load_exported_model(tmp_path)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda x: layers.Conv2D(4, 3, padding="same")(x), "valid padding"),
        (lambda x: layers.Conv2D(4, 3, activation="tanh")(x), "activation='tanh'"),
        (lambda x: layers.MaxPooling2D(2, strides=1)(x), "stride = pool size"),
        (lambda x: layers.BatchNormalization()(x), "is a BatchNormalization"),
    ],
)
def test_layers_the_script_does_not_run_are_refused(tmp_path, build, message):
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Flatten()(build(inputs))
    unsupported = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))

    with pytest.raises(ConfigError, match=message):
        export_mnist_model(unsupported, tmp_path)


def test_a_model_with_another_input_is_refused(tmp_path):
    inputs = keras.Input(shape=(32, 32, 1))
    other = keras.Model(inputs, layers.Dense(10)(layers.Flatten()(inputs)))

    with pytest.raises(ConfigError, match="28x28x1"):
        export_mnist_model(other, tmp_path)


def test_widget_container_points_to_the_manifest_and_explains_itself():
    markup = str(live_digit_widget("../_static/a&b/model.json", caption="Draw <here>"))

    assert 'data-manifest="../_static/a&amp;b/model.json"' in markup
    assert 'data-caption="Draw &lt;here&gt;"' in markup
    assert "live-digit__fallback" in markup and "runs on the book's web page" in markup
    assert "Turn on JavaScript" not in markup  # in a notebook it is on: the widget needs the site
    assert 'class="dlcv-widget live-digit"' in markup
