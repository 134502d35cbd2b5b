"""Tests of dlcv.interpret: activations, feature maps, filter patterns and Grad-CAM."""

from __future__ import annotations

import io

import keras
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

import dlcv
from dlcv import interpret, models
from dlcv.errors import ConfigError

CONV_AND_POOL = ["conv_1", "pool_1", "conv_2", "pool_2", "conv_3"]


@pytest.fixture(scope="module")
def mnist_model() -> keras.Model:
    keras.backend.clear_session()
    keras.utils.set_random_seed(dlcv.settings.SEED)
    return models.mnist_convnet()


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    """A 28x28 grayscale image in [0, 1]: a bright bar, like a stroke of a 1."""
    image = np.zeros((28, 28), dtype="float32")
    image[4:24, 12:16] = 1.0
    return image


def render(fig: Figure) -> None:
    fig.savefig(io.BytesIO(), format="png")


def brightness_classifier(units: int) -> keras.Model:
    """A model whose Grad-CAM answer is known: it scores how bright an image is.

    A 1x1 convolution splits each pixel ``x`` of an 8x8 image into a "bright" channel
    ``relu(x)`` and a "dark" channel ``relu(1 - x)``; their averages feed the classifier.
    With one sigmoid unit, class 1 is "bright"; with two softmax units, class 0 is "bright" and
    class 1 "dark".
    """
    inputs = keras.Input(shape=(8, 8, 1))
    conv = keras.layers.Conv2D(2, kernel_size=1, activation="relu", name="bright_dark")
    x = keras.layers.GlobalAveragePooling2D()(conv(inputs))
    activation = "sigmoid" if units == 1 else "softmax"
    dense = keras.layers.Dense(units, activation=activation)
    outputs = dense(x)
    conv.set_weights([np.array([1.0, -1.0]).reshape(1, 1, 1, 2), np.array([0.0, 1.0])])
    bright_votes = np.array([[4.0], [-4.0]]) if units == 1 else np.array([[4.0, -4.0], [-4.0, 4.0]])
    dense.set_weights([bright_votes, np.zeros(units)])
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def half_bright() -> np.ndarray:
    """An 8x8 image, bright on the left half and dim on the right: brighter than not."""
    image = np.full((8, 8, 1), 0.2, dtype="float32")
    image[:, :4] = 1.0
    return image


# activation_model


def test_activation_model_returns_every_conv_and_pool_output_in_order(mnist_model):
    activations = interpret.activation_model(mnist_model)

    assert activations.output_names == CONV_AND_POOL
    outputs = activations(np.zeros((1, 28, 28, 1), "float32"))
    assert [tuple(o.shape) for o in outputs] == [
        (1, 26, 26, 32),
        (1, 13, 13, 32),
        (1, 11, 11, 64),
        (1, 5, 5, 64),
        (1, 3, 3, 128),
    ]


def test_activation_model_layer_types_choose_the_layers(mnist_model):
    activations = interpret.activation_model(mnist_model, layer_types=(keras.layers.Conv2D,))

    assert activations.output_names == ["conv_1", "conv_2", "conv_3"]


def test_activation_model_sees_through_augmentation_and_dropout():
    keras.utils.set_random_seed(0)
    model = models.cats_vs_dogs_convnet(
        augmentation=models.data_augmentation(), dropout=0.5, image_size=(96, 96)
    )
    image = np.random.default_rng(0).uniform(0, 255, (1, 96, 96, 3)).astype("float32")

    outputs = interpret.activation_model(model).predict(image, verbose=0)

    assert len(outputs) == 9  # five convolutions, four poolings
    assert tuple(outputs[-1].shape) == (1, 2, 2, 256)
    # At inference the augmentation passes the image through: the first conv sees it rescaled.
    rescaling, first_conv = model.layers[2:4]
    np.testing.assert_allclose(outputs[0], first_conv(rescaling(image)), rtol=1e-5, atol=1e-5)


def test_activation_model_works_on_a_sequential_model():
    model = keras.Sequential(
        [keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D()]
    )

    outputs = interpret.activation_model(model)(np.ones((1, 12, 12, 1), "float32"))

    assert [tuple(o.shape) for o in outputs] == [(1, 10, 10, 4), (1, 5, 5, 4)]


def test_activation_model_without_matching_layers_says_where_to_look():
    inner = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)], name="base")
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Flatten()(inner(inputs)))

    with pytest.raises(ConfigError, match=r"no top-level Conv2D.*get_layer\('base'\)"):
        interpret.activation_model(model, layer_types=(keras.layers.Conv2D,))


def test_activation_model_of_an_unbuilt_model_is_a_config_error():
    with pytest.raises(ConfigError, match="no defined input"):
        interpret.activation_model(keras.Sequential([keras.layers.Conv2D(2, 3)]))


# plot_feature_maps and standardize_for_display


def test_feature_maps_show_the_activations_of_a_direct_forward_pass(mnist_model, digit):
    fig = interpret.plot_feature_maps(mnist_model, digit, max_channels=4, columns=4)

    x = digit[None, :, :, None]
    expected = []
    for name in CONV_AND_POOL:  # the sub-model, by hand: layer after layer
        x = mnist_model.get_layer(name)(x)
        expected.append(keras.ops.convert_to_numpy(x)[0])
    shown = [ax.images[0].get_array() for ax in fig.axes]
    assert len(shown) == 5 * 4
    for layer_index, activation in enumerate(expected):
        for channel in range(4):
            np.testing.assert_array_equal(
                shown[4 * layer_index + channel],
                interpret.standardize_for_display(activation[..., channel]),
            )


def test_feature_maps_titles_name_each_layer_and_its_shape(mnist_model, digit):
    fig = interpret.plot_feature_maps(mnist_model, digit, max_channels=8, columns=4)
    render(fig)

    titles = [subfigure.get_suptitle() for subfigure in fig.subfigs]
    assert titles == [
        "conv_1: 26×26×32 (first 8)",
        "pool_1: 13×13×32 (first 8)",
        "conv_2: 11×11×64 (first 8)",
        "pool_2: 5×5×64 (first 8)",
        "conv_3: 3×3×128 (first 8)",
    ]
    assert len(fig.axes) == 5 * 8


def test_feature_maps_of_chosen_layers_fill_a_partial_last_row(mnist_model, digit):
    fig = interpret.plot_feature_maps(mnist_model, digit, layers=["conv_3"], max_channels=6)
    render(fig)

    assert [subfigure.get_suptitle() for subfigure in fig.subfigs] == [
        "conv_3: 3×3×128 (first 6)"
    ]
    assert len(fig.axes) == 6
    assert all(len(ax.images) == 1 and not ax.axison for ax in fig.axes)


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1), (1, 28, 28, 1)])
def test_feature_maps_accept_an_image_with_or_without_channel_and_batch_axes(mnist_model, shape):
    fig = interpret.plot_feature_maps(
        mnist_model, np.zeros(shape), layers=["conv_1"], max_channels=1
    )

    assert len(fig.axes) == 1


def test_feature_maps_of_an_image_the_model_cannot_take_is_a_config_error(mnist_model):
    with pytest.raises(ConfigError, match=r"\(28, 28, 3\) does not fit.*\(28, 28, 1\)"):
        interpret.plot_feature_maps(mnist_model, np.zeros((28, 28, 3)))


@pytest.mark.parametrize(
    ("layers", "message"),
    [(["conv9"], "no layer 'conv9'; its layers are"), (["classifier"], "not feature maps")],
)
def test_feature_maps_of_unsuitable_layers_is_a_config_error(mnist_model, digit, layers, message):
    with pytest.raises(ConfigError, match=message):
        interpret.plot_feature_maps(mnist_model, digit, layers=layers)


def test_standardize_for_display_centres_at_128_with_64_per_standard_deviation():
    values = np.array([0.0] * 9 + [100.0]) - 7

    shown = interpret.standardize_for_display(values)

    standardized = (values - values.mean()) / values.std()
    assert shown.dtype == np.uint8
    np.testing.assert_array_equal(shown, np.clip(standardized * 64 + 128, 0, 255).astype("uint8"))
    assert shown[-1] == 255  # 3 standard deviations above the mean: clipped


def test_standardize_for_display_shows_a_dead_channel_black():
    np.testing.assert_array_equal(interpret.standardize_for_display(np.zeros((3, 3))), 0)


# maximize_activations, filter_patterns and plot_filter_patterns


def mean_filter_activations(model, layer_name, images, filters):
    extractor = keras.Model(model.input, model.get_layer(layer_name).output)
    activations = keras.ops.convert_to_numpy(extractor(images))
    return np.array([activations[k, 2:-2, 2:-2, f].mean() for k, f in enumerate(filters)])


@pytest.mark.parametrize("layer_name", ["conv_1", "conv_2"])
def test_gradient_ascent_raises_each_filters_activation(mnist_model, layer_name):
    filters = list(range(8))
    start = interpret.maximize_activations(mnist_model, layer_name, filters, steps=0)
    end = interpret.maximize_activations(mnist_model, layer_name, filters, steps=10)

    assert start.shape == end.shape == (8, 28, 28, 1)
    before = mean_filter_activations(mnist_model, layer_name, start, filters)
    after = mean_filter_activations(mnist_model, layer_name, end, filters)
    alive = before > 0
    assert alive.sum() >= 4
    assert np.all(after[alive] > before[alive])
    # A filter the start does not excite at all has no gradient to climb: it stays dark.
    np.testing.assert_array_equal(after[~alive], 0)


def test_gradient_ascent_starts_from_the_middle_of_the_value_range(mnist_model):
    start = interpret.maximize_activations(mnist_model, "conv_1", 2, steps=0, value_range=(0, 255))

    assert 0.4 * 255 <= start.min() and start.max() <= 0.6 * 255
    again = interpret.maximize_activations(mnist_model, "conv_1", 2, steps=0, value_range=(0, 255))
    np.testing.assert_array_equal(start, again)  # the seed makes it reproducible


def test_every_filter_starts_from_the_same_image_whichever_are_asked_for(mnist_model):
    """Which filters can climb from the start is then a property of the filter, not of its
    place in the request: a page can pick the responsive ones and plot exactly those."""
    start = interpret.maximize_activations(mnist_model, "conv_2", [5, 0, 9], steps=0)
    alone = interpret.maximize_activations(mnist_model, "conv_2", [9], steps=0)

    np.testing.assert_array_equal(start[0], start[1])
    np.testing.assert_array_equal(start[2], alone[0])
    moved = interpret.maximize_activations(mnist_model, "conv_2", [5, 0, 9], steps=1)
    again = interpret.maximize_activations(mnist_model, "conv_2", [9], steps=1)
    np.testing.assert_allclose(moved[2], again[0], rtol=1e-5, atol=1e-6)  # batch-size rounding


def test_filter_patterns_are_cropped_uint8_images(mnist_model):
    patterns = interpret.filter_patterns(mnist_model, "conv_1", filters=3, steps=2)

    assert patterns.dtype == np.uint8
    assert patterns.shape == (3, 20, 20, 1)  # 4 pixels (12.5%) cropped on each side


@pytest.mark.parametrize(
    ("layer_name", "filters", "message"),
    [
        ("conv_1", 33, "filters=33 does not select filters of layer 'conv_1', which has 32"),
        ("conv_1", [0, -1], "indices from 0 to 31"),
        ("classifier", 1, "not feature maps"),
    ],
)
def test_filter_patterns_of_missing_filters_is_a_config_error(
    mnist_model, layer_name, filters, message
):
    with pytest.raises(ConfigError, match=message):
        interpret.filter_patterns(mnist_model, layer_name, filters)


def test_plot_filter_patterns_titles_each_filter(mnist_model):
    fig = interpret.plot_filter_patterns(
        mnist_model, "conv_2", filters=[2, 4, 6], columns=2, steps=2
    )
    render(fig)

    assert fig.get_suptitle() == "Filter patterns of conv_2"
    assert len(fig.axes) == 4  # 2 rows of 2, the last cell empty
    assert [ax.get_title() for ax in fig.axes] == ["filter 2", "filter 4", "filter 6", ""]


# grad_cam, overlay_heatmap and plot_grad_cam


def left_and_right(heatmap: np.ndarray) -> tuple[float, float]:
    return heatmap[:, :4].mean(), heatmap[:, 4:].mean()


def test_grad_cam_finds_the_bright_half_for_the_bright_class(half_bright):
    model = brightness_classifier(units=1)
    assert model.predict(half_bright[None], verbose=0)[0, 0] > 0.5  # predicted: bright

    predicted = interpret.grad_cam(model, half_bright)
    bright = interpret.grad_cam(model, half_bright, class_index=1)
    dark = interpret.grad_cam(model, half_bright, class_index=0)

    np.testing.assert_array_equal(predicted, bright)
    assert bright.shape == (8, 8) and bright.dtype == np.float32
    assert left_and_right(bright) == (1.0, 0.0)
    assert left_and_right(dark) == (0.0, 1.0)


def test_grad_cam_explains_the_chosen_class_of_a_softmax_classifier(half_bright):
    model = brightness_classifier(units=2)

    bright = interpret.grad_cam(model, half_bright, "bright_dark", class_index=0)
    dark = interpret.grad_cam(model, half_bright, "bright_dark", class_index=1)

    np.testing.assert_array_equal(interpret.grad_cam(model, half_bright), bright)
    assert left_and_right(bright) == (1.0, 0.0)
    assert left_and_right(dark) == (0.0, 1.0)


@pytest.mark.parametrize("units", [1, 2])
def test_grad_cam_explains_a_saturated_classifier_through_its_logits(half_bright, units):
    """A confident model's probability rounds to exactly 1.0 in float32: its gradient is zero,
    and a Grad-CAM on the probability would be blank. The logit still has the answer."""
    model = brightness_classifier(units)
    dense = model.layers[-1]
    dense.set_weights([w * 100 for w in dense.get_weights()])  # logits in the hundreds
    probabilities = model.predict(half_bright[None], verbose=0)[0]
    assert probabilities.max() == 1.0  # saturated in float32

    bright_class = 1 if units == 1 else 0
    bright = interpret.grad_cam(model, half_bright, class_index=bright_class)
    dark = interpret.grad_cam(model, half_bright, class_index=1 - bright_class)

    np.testing.assert_array_equal(interpret.grad_cam(model, half_bright), bright)
    assert left_and_right(bright) == (1.0, 0.0)
    assert left_and_right(dark) == (0.0, 1.0)


def test_grad_cam_weights_each_channel_by_its_mean_gradient():
    """A linear model whose answer is known: two channels (the image, and the image plus 1)
    read by a dense layer with a different weight at every position. The gradient of the logit
    with respect to channel k at (i, j) is that weight, so the heatmap is
    relu(sum_k mean_ij(W_k) * A_k), divided by its maximum."""
    inputs = keras.Input(shape=(6, 6, 1))
    conv = keras.layers.Conv2D(2, 1, name="two_channels")
    dense = keras.layers.Dense(1, activation="sigmoid")
    model = keras.Model(inputs, dense(keras.layers.Flatten()(conv(inputs))))
    conv.set_weights([np.ones((1, 1, 1, 2)), np.array([0.0, 1.0])])
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(6, 6, 2))
    weights[..., 0] += 1.0  # channel 0 counts for the class, channel 1 against, on average
    weights[..., 1] -= 0.5
    dense.set_weights([weights.reshape(72, 1), np.zeros(1)])
    image = rng.uniform(0, 1, (6, 6, 1)).astype("float32")
    channels = np.concatenate([image, image + 1], axis=-1)

    for class_index, sign in ((1, 1.0), (0, -1.0)):
        expected = np.maximum(channels @ (sign * weights.mean(axis=(0, 1))), 0)
        expected = expected / expected.max() if expected.max() > 0 else expected

        heatmap = interpret.grad_cam(model, image, class_index=class_index)

        np.testing.assert_allclose(heatmap, expected, rtol=1e-4, atol=1e-6)
    assert heatmap.max() == 1.0 or heatmap.max() == 0.0


def test_grad_cam_uses_the_last_conv_by_default(mnist_model, digit):
    heatmap = interpret.grad_cam(mnist_model, digit)

    assert heatmap.shape == (3, 3)  # conv_3's output
    assert heatmap.min() >= 0 and heatmap.max() <= 1
    first = interpret.grad_cam(mnist_model, digit, last_conv_layer="conv_1", class_index=7)
    assert first.shape == (26, 26)


@pytest.mark.parametrize(("units", "class_index"), [(1, 2), (2, 2), (2, -1)])
def test_grad_cam_of_a_class_the_model_lacks_is_a_config_error(half_bright, units, class_index):
    with pytest.raises(ConfigError, match=f"class_index={class_index} is not a class"):
        interpret.grad_cam(brightness_classifier(units), half_bright, class_index=class_index)


def test_grad_cam_of_a_model_without_conv_is_a_config_error():
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)))

    with pytest.raises(ConfigError, match="no top-level Conv2D"):
        interpret.grad_cam(model, np.zeros((4, 4, 1)))


# receptive_field


def test_receptive_fields_of_the_mnist_convnet(mnist_model):
    convs = [la.name for la in mnist_model.layers if isinstance(la, keras.layers.Conv2D)]
    pools = [la.name for la in mnist_model.layers if isinstance(la, keras.layers.MaxPooling2D)]

    assert [interpret.receptive_field(mnist_model, name) for name in convs] == [
        (3, 3),
        (8, 8),
        (18, 18),
    ]
    assert [interpret.receptive_field(mnist_model, name) for name in pools] == [(4, 4), (10, 10)]


def test_receptive_field_is_where_the_gradient_of_one_cell_reaches():
    """For a linear chain with strides, dilation and average pooling, every input pixel in
    the receptive field of a cell changes it: the gradient's support is the field."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(64, 48, 1))
    x = keras.layers.Conv2D(2, (5, 3), strides=(2, 1))(inputs)
    x = keras.layers.AveragePooling2D(2)(x)
    x = keras.layers.Conv2D(2, 3, dilation_rate=2)(x)
    x = keras.layers.Conv2D(1, (1, 3), name="last")(x)
    model = keras.Model(inputs, x)
    image = tf.Variable(np.zeros((1, 64, 48, 1), "float32"))
    with tf.GradientTape() as tape:
        out = model(image)
        centre = out[0, out.shape[1] // 2, out.shape[2] // 2, 0]
    grad = tape.gradient(centre, image).numpy()[0, ..., 0]
    rows, cols = np.nonzero(grad)

    expected = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    assert interpret.receptive_field(model, "last") == expected
    # By hand, (k - 1) * dilation * jump per layer:
    # rows 5 + 1*2 + 2*2*4 + 0, cols 3 + 1 + 2*2*2 + 2*2.
    assert expected == (23, 16)


def test_overlay_blends_the_resized_jet_heatmap_into_the_image():
    image = np.zeros((16, 16), dtype="uint8")
    heatmap = np.zeros((4, 4))
    heatmap[:, :2] = 1.0

    overlay = interpret.overlay_heatmap(image, heatmap, alpha=0.5)

    assert overlay.shape == (16, 16, 3)
    np.testing.assert_allclose(overlay[0, 0], [0.25, 0, 0], atol=0.01)  # half of jet's dark red
    np.testing.assert_allclose(overlay[0, -1], [0, 0, 0.25], atol=0.01)  # half of jet's dark blue


def test_plot_grad_cam_draws_one_overlay_with_a_title(half_bright):
    heatmap = interpret.grad_cam(brightness_classifier(1), half_bright)

    fig = interpret.plot_grad_cam(half_bright * 255, heatmap, title="bright (p = 0.60)")
    render(fig)

    assert len(fig.axes) == 1
    assert fig.axes[0].get_title() == "bright (p = 0.60)"
    assert fig.axes[0].images[0].get_array().shape == (8, 8, 3)


def test_plot_grad_cam_draws_into_given_axes(half_bright):
    heatmap = np.ones((2, 2))
    grid = Figure()
    axes = grid.subplots(1, 2)

    fig = interpret.plot_grad_cam(half_bright, heatmap, ax=axes[1])

    assert fig is grid
    assert len(axes[1].images) == 1 and not axes[0].images


@pytest.mark.slow
def test_inspecting_the_book_cats_vs_dogs_convnet_with_augmentation():
    keras.utils.set_random_seed(0)
    model = models.cats_vs_dogs_convnet(augmentation=models.data_augmentation(), dropout=0.5)
    image = np.random.default_rng(0).uniform(0, 255, (180, 180, 3))

    render(interpret.plot_feature_maps(model, image))
    last_conv = model.layers[-5].name
    render(interpret.plot_filter_patterns(model, last_conv, filters=4, value_range=(0, 255)))
    heatmap = interpret.grad_cam(model, image)
    render(interpret.plot_grad_cam(image, heatmap))

    assert heatmap.shape == (7, 7)


def test_a_model_trained_in_mixed_precision_is_inspected_in_float32(digit):
    """Where the hardware trains in bfloat16 (dlcv.hardware.precision_policy), the book's
    models carry 16-bit activations: every tool must still work, and answer in float32."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = models.mnist_convnet()
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.layers[1].compute_dtype == "bfloat16"
    conv = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    patterns = interpret.maximize_activations(model, conv[0], [0, 1], steps=2)
    assert patterns.dtype == np.float32 and np.isfinite(patterns).all()
    heatmap = interpret.grad_cam(model, digit, class_index=3)
    assert heatmap.dtype == np.float32 and heatmap.shape == (3, 3)
    render(interpret.plot_feature_maps(model, digit))


def test_logits_are_the_sigmoids_inverse_and_do_not_saturate():
    inputs = keras.Input(shape=(2,))
    outputs = keras.layers.Dense(1, activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights([np.array([[30.0], [1.0]], "float32"), np.array([0.5], "float32")])
    images = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]], "float32")
    z = interpret.logits(model, images)[:, 0]
    np.testing.assert_allclose(z, [0.5, 1.5, 30.5], rtol=1e-6)
    p = model.predict(images, verbose=0)[:, 0]
    assert p[2] == 1.0  # the probability saturates in float32; the logit does not
    np.testing.assert_allclose(1 / (1 + np.exp(-z[:2])), p[:2], rtol=1e-5)


def test_logits_of_a_pipeline_of_labelled_batches_are_those_of_its_images():
    import tensorflow as tf

    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    images = np.arange(10, dtype="float32").reshape(5, 2)
    split = tf.data.Dataset.from_tensor_slices((images, np.arange(5))).batch(2)
    np.testing.assert_array_equal(interpret.logits(model, split), interpret.logits(model, images))


def test_logits_of_a_model_without_a_probability_head_is_a_config_error():
    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(ConfigError, match="sigmoid or softmax"):
        interpret.logits(model, np.zeros((1, 2), "float32"))
