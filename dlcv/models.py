"""The book's convnets, built with the Keras Functional API.

Each builder returns a fresh, uncompiled ``keras.Model``; :func:`dlcv.runs.run` compiles
and trains it. The architectures are exactly those of the book, so parameter counts match it.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from dlcv import validate
from dlcv.errors import ConfigError


def mnist_convnet() -> keras.Model:
    """The first convnet of the book: classifies 28x28 grayscale digits into 10 classes.

    Three 3x3 convolutions (32, 64, 128 filters) with 2x2 max pooling after the first two,
    then a softmax classifier on the flattened 3x3x128 feature map: 104,202 parameters.

    Returns:
        An uncompiled model mapping ``(batch, 28, 28, 1)`` images in [0, 1] to class
        probabilities of shape ``(batch, 10)``.

    Shown in: book/mnist-convnet.md
    """
    # Named layers: Keras's automatic names (conv2d_4, ...) count every layer built in the
    # session, so they would differ between a page's summary and a model rebuilt later.
    inputs = keras.Input(shape=(28, 28, 1), name="digit")
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu", name="conv_1")(inputs)
    x = layers.MaxPooling2D(pool_size=2, name="pool_1")(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(pool_size=2, name="pool_2")(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu", name="conv_3")(x)
    x = layers.Flatten(name="flatten")(x)
    # float32 even under a mixed-precision policy: a 16-bit softmax loses small probabilities.
    outputs = layers.Dense(10, activation="softmax", dtype="float32", name="classifier")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_convnet")


def data_augmentation(seed: int | None = None) -> keras.Sequential:
    """The book's augmentation stage: random horizontal flips, rotations up to 10% of a turn
    (36 degrees) and zooms up to 20%.

    Random layers are active only in training (``model.fit``); at inference they pass images
    through unchanged.

    Args:
        seed: an integer from 0 to 2**32 - 1 that seeds the three layers (``3 * seed``,
            ``3 * seed + 1``, ``3 * seed + 2``: no two layers of any two seeds share one), so
            that their draws repeat from run to run; ``None`` lets Keras draw their seeds from
            Python's random state when they are created.

    Raises:
        ConfigError: if ``seed`` is neither ``None`` nor such an integer.

    Shown in: book/data-augmentation.md
    """
    # a seed of its own for each layer of each run, so that no two draw alike
    seeds = [None] * 3 if seed is None else [3 * _checked_seed(seed) + i for i in range(3)]
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seeds[0]),
            layers.RandomRotation(0.1, seed=seeds[1]),
            layers.RandomZoom(0.2, seed=seeds[2]),
        ],
        name="data_augmentation",
    )


def _checked_seed(seed) -> int:
    """``seed`` as an ``int``, or :class:`ConfigError` unless it is one from 0 to 2**32 - 1."""
    if not (validate.is_int(seed) and 0 <= seed < 2**32):
        raise ConfigError(f"seed must be None or an integer from 0 to 2**32 - 1, got {seed!r}.")
    return int(seed)


AUGMENTATIONS = ("flip", "rotation", "zoom")
"""The kinds of :func:`data_augmentation`'s layers, in its order."""


def cats_vs_dogs_convnet(
    augmentation: keras.Layer | None = None,
    dropout: float = 0.0,
    image_size: tuple[int, int] = (180, 180),
) -> keras.Model:
    """The book's cats-vs-dogs convnet, trained from scratch.

    Five 3x3 convolutions (32, 64, 128, 256, 256 filters) with 2x2 max pooling after the first
    four shrink a 180x180 RGB image to a 7x7x256 feature map, flattened into a single sigmoid
    unit: 991,041 parameters. Augmentation and dropout add none.

    Args:
        augmentation: a layer applied to the raw images first, such as
            :func:`data_augmentation()`; ``None`` for none.
        dropout: rate of the ``Dropout`` layer after ``Flatten``; 0 leaves it out.
        image_size: height and width of the input images.

    Returns:
        An uncompiled model mapping ``(batch, height, width, 3)`` pixel values in [0, 255] to
        the probability that the image shows a dog, shape ``(batch, 1)``.

    Raises:
        ConfigError: if ``dropout`` is not in [0, 1).

    Shown in: book/cats-vs-dogs.md
    """
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"dropout must be in [0, 1), got {dropout!r}")
    inputs = keras.Input(shape=(*image_size, 3), name="image")
    x = augmentation(inputs) if augmentation is not None else inputs
    x = layers.Rescaling(1.0 / 255, name="rescaling")(x)
    for block, filters in enumerate((32, 64, 128, 256), start=1):
        x = layers.Conv2D(filters, kernel_size=3, activation="relu", name=f"conv_{block}")(x)
        x = layers.MaxPooling2D(pool_size=2, name=f"pool_{block}")(x)
    x = layers.Conv2D(256, kernel_size=3, activation="relu", name="conv_5")(x)
    x = layers.Flatten(name="flatten")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    # float32 even under a mixed-precision policy: a 16-bit sigmoid rounds near 0 and 1.
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32", name="classifier")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="cats_vs_dogs_convnet")


# --- MNIST: the dense baseline, a global-average-pooling head, and a per-layer parameter table ---


def mnist_dense() -> keras.Model:
    """The densely connected network of Chollet's second chapter, to compare with the convnet.

    The 28x28 image is flattened into 784 pixel values, then one ``Dense`` layer of 512 ReLU units
    and a 10-way softmax: 407,050 parameters, about four times the convnet's. It takes the
    convnet's ``(28, 28, 1)`` input, so both train on the same pipelines.

    Returns:
        An uncompiled model mapping ``(batch, 28, 28, 1)`` images in [0, 1] to class
        probabilities of shape ``(batch, 10)``.

    Shown in: book/mnist-convnet.md
    """
    inputs = keras.Input(shape=(28, 28, 1), name="digit")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(512, activation="relu", name="hidden")(x)
    outputs = layers.Dense(10, activation="softmax", dtype="float32", name="classifier")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_dense")


def mnist_convnet_gap() -> keras.Model:
    """:func:`mnist_convnet` with ``GlobalAveragePooling2D`` in place of ``Flatten``.

    The classifier sees the mean of each of the 128 channels of the last 3x3 feature map, not
    its 1,152 values: where on the grid a pattern was found no longer reaches it, and its
    ``Dense`` layer shrinks from 11,530 to 1,290 parameters (93,962 in all).

    Returns:
        An uncompiled model with the inputs and outputs of :func:`mnist_convnet`.

    Shown in: book/mnist-convnet.md
    """
    inputs = keras.Input(shape=(28, 28, 1), name="digit")
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu", name="conv_1")(inputs)
    x = layers.MaxPooling2D(pool_size=2, name="pool_1")(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(pool_size=2, name="pool_2")(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu", name="conv_3")(x)
    x = layers.GlobalAveragePooling2D(name="global_average")(x)
    outputs = layers.Dense(10, activation="softmax", dtype="float32", name="classifier")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_convnet_gap")


def parameter_table(model: keras.Model):
    """The layers of ``model`` with their output shapes and parameter counts, as a table.

    Args:
        model: a built Keras model.

    Returns:
        A ``pandas.DataFrame`` with one row per layer (the input layer left out) and the columns
        ``layer`` (its name, as ``model.summary()`` gives it), ``type`` (its class),
        ``output shape`` (without the batch dimension), ``parameters`` and ``share`` (of the
        model's parameters, a fraction in [0, 1]).

    Example:
        >>> table = parameter_table(mnist_dense())
        >>> table["parameters"].tolist()
        [0, 401920, 5130]
    """
    import pandas as pd

    total = model.count_params()
    rows = [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": "x".join(str(d) for d in layer.output.shape[1:]),
            "parameters": layer.count_params(),
            "share": layer.count_params() / total if total else 0.0,
        }
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    return pd.DataFrame(rows, columns=["layer", "type", "output shape", "parameters", "share"])



def layer_costs(model: keras.Model):
    """What each layer of ``model`` costs per image: parameters, multiply-adds and activations.

    A ``Conv2D`` layer does one multiply-add per kernel weight at each output position of each
    filter (``height * width * filters * kh * kw * channels``); a ``Dense`` layer one per weight
    (``inputs * units``). Pooling, ``Flatten`` and activations are counted as no multiply-adds:
    they are cheap beside the layers with weights. Activations are the values a layer outputs for
    one image, which training keeps in memory for the backward pass.

    Args:
        model: a built Keras model of ``Conv2D``, ``Dense`` and weightless layers.

    Returns:
        A ``pandas.DataFrame`` with one row per layer (the input layer left out) and the columns
        ``layer`` (its name), ``output shape``, ``parameters``, ``multiply-adds`` and
        ``activations`` (output values per image).

    Example:
        >>> costs = layer_costs(mnist_convnet())
        >>> costs["multiply-adds"].tolist()
        [194688, 0, 2230272, 0, 663552, 0, 11520]

    Shown in: book/mnist-convnet.md
    """
    import pandas as pd

    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        output = layer.output.shape[1:]
        if isinstance(layer, layers.Conv2D):
            per_output = math.prod(layer.kernel.shape[:-1])  # kh * kw * input channels
            multiply_adds = math.prod(output) * per_output
        elif isinstance(layer, layers.Dense):
            multiply_adds = math.prod(layer.kernel.shape)
        else:
            multiply_adds = 0
        rows.append(
            {
                "layer": layer.name,
                "output shape": "x".join(str(d) for d in output),
                "parameters": layer.count_params(),
                "multiply-adds": multiply_adds,
                "activations": math.prod(output),
            }
        )
    columns = ["layer", "output shape", "parameters", "multiply-adds", "activations"]
    return pd.DataFrame(rows, columns=columns)


# --- Cats vs dogs: where to put dropout (the dropout chapter's experiment) -----------------

def mnist_convnet_with(first_filters: int = 32) -> keras.Model:
    """:func:`mnist_convnet` with ``first_filters`` filters in its first convolution (Chollet's
    model has 32); the first layer's filters are also the second convolution's input channels.

    Args:
        first_filters: the number of filters of the first ``Conv2D``.

    Returns:
        An uncompiled model with the inputs and outputs of :func:`mnist_convnet`.

    Raises:
        ConfigError: if ``first_filters`` is not a positive integer.

    Shown in: book/mnist-convnet.md
    """
    if not (isinstance(first_filters, int) and first_filters > 0):
        raise ConfigError(f"first_filters must be a positive integer, got {first_filters!r}")
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(first_filters, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(128, 3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=f"mnist_convnet_with_{first_filters}")


def mnist_convnet_without_pooling() -> keras.Model:
    """:func:`mnist_convnet` without its two ``MaxPooling2D`` layers: the convolutions only trim
    the borders (28, 26, 24, 22), so ``Flatten`` hands the classifier 22x22x128 = 61,952 values.

    Returns:
        An uncompiled model with the inputs and outputs of :func:`mnist_convnet`.

    Shown in: book/mnist-convnet.md
    """
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.Conv2D(128, 3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="mnist_convnet_without_pooling")


DROPOUT_PLACEMENTS = ("flatten", "between", "spatial")
"""Where :func:`cats_vs_dogs_dropout_placement` puts its dropout."""


def cats_vs_dogs_dropout_placement(
    placement: str,
    rate: float,
    image_size: tuple[int, int] = (180, 180),
) -> keras.Model:
    """The cats-vs-dogs convnet with dropout in one of three places.

    The layers of :func:`cats_vs_dogs_convnet`, with:

    - ``"flatten"``: one ``Dropout(rate)`` after ``Flatten``, as in the book;
    - ``"between"``: a ``Dropout(rate)`` after each ``MaxPooling2D``, which zeroes single
      activations of the feature maps;
    - ``"spatial"``: a ``SpatialDropout2D(rate)`` after each ``MaxPooling2D``, which zeroes
      whole channels of the feature maps.

    Args:
        placement: one of :data:`DROPOUT_PLACEMENTS`.
        rate: the dropout rate, in (0, 1).
        image_size: height and width of the input images.

    Returns:
        An uncompiled model, with the inputs and outputs of :func:`cats_vs_dogs_convnet`.

    Raises:
        ConfigError: if ``placement`` or ``rate`` is invalid.

    Shown in: book/dropout.md
    """
    if placement not in DROPOUT_PLACEMENTS:
        raise ConfigError(f"placement must be one of {DROPOUT_PLACEMENTS}, got {placement!r}")
    if not 0.0 < rate < 1.0:
        raise ConfigError(f"rate must be in (0, 1), got {rate!r}")
    inputs = keras.Input(shape=(*image_size, 3), name="image")
    x = layers.Rescaling(1.0 / 255, name="rescaling")(inputs)
    for block, filters in enumerate((32, 64, 128, 256), start=1):
        x = layers.Conv2D(filters, kernel_size=3, activation="relu", name=f"conv_{block}")(x)
        x = layers.MaxPooling2D(pool_size=2, name=f"pool_{block}")(x)
        if placement == "between":
            x = layers.Dropout(rate, name=f"dropout_{block}")(x)
        elif placement == "spatial":
            x = layers.SpatialDropout2D(rate, name=f"spatial_dropout_{block}")(x)
    x = layers.Conv2D(256, kernel_size=3, activation="relu", name="conv_5")(x)
    x = layers.Flatten(name="flatten")(x)
    if placement == "flatten":
        x = layers.Dropout(rate, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32", name="classifier")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name=f"cats_vs_dogs_dropout_{placement}")


def single_augmentation(kind: str, seed: int | None = None) -> keras.Layer:
    """One of the three layers of :func:`data_augmentation`, alone: ``"flip"``,
    ``"rotation"`` or ``"zoom"``, with the book's settings and the seed it has there.

    Raises:
        ConfigError: if ``kind`` is not one of the three.

    Shown in: book/data-augmentation.md
    """
    if kind not in AUGMENTATIONS:
        raise ConfigError(f"kind must be one of {AUGMENTATIONS}, got {kind!r}")
    return data_augmentation(seed).layers[AUGMENTATIONS.index(kind)]
