import keras
import numpy as np
import pytest

from dlcv import models
from dlcv.errors import ConfigError


def test_mnist_convnet_is_the_books_model():
    model = models.mnist_convnet()
    assert model.count_params() == 104_202
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [
        "InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D",
        "Flatten", "Dense",
    ]
    assert [layer.filters for layer in model.layers if hasattr(layer, "filters")] == [32, 64, 128]


def test_mnist_convnet_outputs_class_probabilities():
    model = models.mnist_convnet()
    probabilities = model.predict(np.random.default_rng(0).random((3, 28, 28, 1)), verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (probabilities >= 0).all()


def test_cats_vs_dogs_convnet_is_the_books_model():
    model = models.cats_vs_dogs_convnet()
    assert model.count_params() == 991_041
    flatten = next(layer for layer in model.layers if isinstance(layer, keras.layers.Flatten))
    assert tuple(flatten.input.shape[1:]) == (7, 7, 256)


def test_augmentation_and_dropout_add_no_parameters():
    model = models.cats_vs_dogs_convnet(augmentation=models.data_augmentation(), dropout=0.5)
    assert model.count_params() == 991_041
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)


def test_augmentation_is_active_only_in_training():
    augmentation = models.data_augmentation()
    images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(augmentation(images, training=False), images)
    keras.utils.set_random_seed(1)
    assert not np.allclose(augmentation(images, training=True), images)


def test_invalid_dropout_is_an_error():
    with pytest.raises(ValueError, match="dropout"):
        models.cats_vs_dogs_convnet(dropout=1.0)


@pytest.mark.parametrize("builder", [models.mnist_convnet, models.cats_vs_dogs_convnet])
def test_outputs_stay_float32_under_mixed_precision(builder):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = builder()
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.layers[-2].compute_dtype == "bfloat16"
    assert model.output.dtype == "float32"


def test_mnist_dense_is_chollets_chapter_2_network():
    model = models.mnist_dense()
    assert model.count_params() == 407_050
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [512, 10]
    assert dense[0].activation.__name__ == "relu"
    assert tuple(model.input.shape[1:]) == (28, 28, 1)
    probabilities = model.predict(np.random.default_rng(0).random((2, 28, 28, 1)), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_mnist_convnet_gap_swaps_flatten_for_global_average_pooling():
    convnet, gap = models.mnist_convnet(), models.mnist_convnet_gap()
    kinds = [type(layer).__name__ for layer in gap.layers]
    assert kinds == [type(layer).__name__ for layer in convnet.layers][:-2] + [
        "GlobalAveragePooling2D", "Dense",
    ]
    assert gap.layers[-1].count_params() == 128 * 10 + 10
    assert gap.count_params() == convnet.count_params() - convnet.layers[-1].count_params() + 1290


def test_gap_head_ignores_where_on_the_grid_a_feature_is():
    # Permuting the 3x3 positions of the last feature map leaves the GAP model's output alone.
    gap = models.mnist_convnet_gap()
    head = keras.Sequential([gap.layers[-2], gap.layers[-1]])
    features = np.random.default_rng(0).random((2, 3, 3, 128)).astype("float32")
    moved = features[:, ::-1, ::-1, :]
    np.testing.assert_allclose(head(features), head(moved), rtol=1e-5)


def test_parameter_table_lists_layers_shapes_counts_and_shares():
    model = models.mnist_convnet()
    table = models.parameter_table(model)
    assert list(table.columns) == ["layer", "type", "output shape", "parameters", "share"]
    assert table["layer"].tolist()[:2] == ["conv_1", "pool_1"]
    assert table["type"].tolist()[0] == "Conv2D" and len(table) == len(model.layers) - 1
    assert table["output shape"].tolist()[4] == "3x3x128"
    assert table["parameters"].tolist() == [320, 0, 18_496, 0, 73_856, 0, 11_530]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["share"].iloc[4] == pytest.approx(73_856 / 104_202)


def test_layer_costs_count_multiply_adds_and_activations_per_image():
    costs = models.layer_costs(models.mnist_convnet()).set_index("layer")
    # conv_2: an 11x11x64 output, each value a 3x3x32 window times a kernel.
    assert costs.loc["conv_2", "multiply-adds"] == 11 * 11 * 64 * 3 * 3 * 32
    assert costs.loc["conv_1", "activations"] == 26 * 26 * 32
    assert costs.loc["classifier", "multiply-adds"] == 1152 * 10
    assert costs.loc["pool_1", ["parameters", "multiply-adds"]].tolist() == [0, 0]
    assert costs["parameters"].sum() == 104_202


@pytest.mark.parametrize("filters", [16, 32, 64])
def test_mnist_convnet_with_changes_only_the_first_layer_and_its_consumer(filters):
    convnet, variant = models.mnist_convnet(), models.mnist_convnet_with(filters)
    first, second = (layer.count_params() for layer in variant.layers[1:4:2])
    assert first == filters * (9 + 1)
    assert second == 64 * (9 * filters + 1)
    assert variant.output_shape == convnet.output_shape
    if filters == 32:
        assert variant.count_params() == convnet.count_params()


def test_mnist_convnet_with_refuses_a_bad_width():
    with pytest.raises(ConfigError):
        models.mnist_convnet_with(0)


def test_mnist_convnet_without_pooling_flattens_a_22x22x128_map():
    model = models.mnist_convnet_without_pooling()
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers)
    flatten = next(layer for layer in model.layers if isinstance(layer, keras.layers.Flatten))
    assert flatten.output.shape[1:] == (22 * 22 * 128,)
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "3"])
def test_an_augmentation_seed_that_is_not_a_run_seed_is_refused(seed):
    with pytest.raises(ConfigError, match="seed must be None or an integer"):
        models.data_augmentation(seed)


def test_a_numpy_seed_is_the_integer_it_equals():
    seeds = [layer.seed for layer in models.data_augmentation(np.uint32(2**32 - 1)).layers]
    assert seeds == [3 * (2**32 - 1) + i for i in range(3)]
