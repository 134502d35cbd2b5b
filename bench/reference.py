"""The book's reference code, as Chollet's notebooks write it: the baseline dlcv must beat.

Images go from ``image_dataset_from_directory`` straight into ``fit`` (decoded and resized
again every epoch), MNIST arrays straight into ``fit``, everything in float32.

The models repeat ``dlcv.models`` layer for layer on purpose: this is the yardstick, and a change
to dlcv must not move it.
"""

from __future__ import annotations

from pathlib import Path

import keras
from keras import layers


def cats_vs_dogs_datasets(root: Path, batch_size: int = 32, image_size=(180, 180), seed=None):
    """``(train, validation, test)`` as the notebook loads them from ``root/{split}``."""
    return tuple(
        keras.utils.image_dataset_from_directory(
            root / split, image_size=image_size, batch_size=batch_size, seed=seed, verbose=False
        )
        for split in ("train", "validation", "test")
    )


def cats_vs_dogs_model(image_size=(180, 180)) -> keras.Model:
    """The convnet with data augmentation and dropout, compiled as in the notebook."""
    data_augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.2)]
    )
    inputs = keras.Input(shape=(*image_size, 3))
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def mnist_arrays(mnist):
    """``((train_images, train_labels), (test_images, test_labels))`` as the notebook makes
    them from the ``uint8`` digits: reshaped and scaled to float32 in [0, 1]."""
    train_images = mnist.x_train.reshape((-1, 28, 28, 1)).astype("float32") / 255
    test_images = mnist.x_test.reshape((-1, 28, 28, 1)).astype("float32") / 255
    return (train_images, mnist.y_train), (test_images, mnist.y_test)


def mnist_model() -> keras.Model:
    """The first convnet, compiled as in the notebook."""
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
