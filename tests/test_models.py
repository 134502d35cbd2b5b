import keras
import numpy as np
import pytest

from dlcv import models


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
