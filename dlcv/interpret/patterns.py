"""Filter patterns: the input each filter responds to most, found by gradient ascent."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from dlcv import settings
from dlcv.errors import ConfigError
from dlcv.interpret.activations import standardize_for_display
from dlcv.interpret.common import (
    _CELL_INCHES,
    _feature_map_layer,
    _filter_indices,
    _outputs_model,
    _show_image,
    _single_input,
)
from dlcv.validate import non_negative_int, positive_int

BORDER_CROP = 0.125
"""Fraction of each side cropped from a filter pattern, where gradient ascent leaves artifacts
(the book crops 25 pixels of 200)."""


def maximize_activations(
    model: keras.Model,
    layer_name: str,
    filters: int | Sequence[int] = 16,
    steps: int = 30,
    step_size: float = 0.02,
    value_range: tuple[float, float] = (0.0, 1.0),
    seed: int = settings.SEED,
) -> np.ndarray:
    """Gradient ascent on the input: images that raise the mean activation of a layer's filters.

    As in Chollet's book: start from a random image (here the same one for every filter, so
    that which filters can climb from it does not depend on which others are asked for), then
    repeatedly compute (``tf.GradientTape``) the gradient of the filter's mean activation, its
    border excluded, with respect to the image, normalize it, and take a step up it. All filters
    climb together, one image each, in a single batch through a compiled (``tf.function``) step,
    so this is quick on a CPU.

    ``value_range`` sets the scale of the search: the start is uniform noise between 40% and
    60% of the range, and each step changes the pixels by ``step_size`` of the range (root mean
    square), whatever the image size. :func:`filter_patterns` turns the result into pictures.

    Args:
        model: a built model with a single image input of fixed size.
        layer_name: name of a layer with ``(height, width, channels)`` outputs, usually a
            ``Conv2D``.
        filters: how many filters (the first ones), or the indices of the filters.
        steps: number of gradient-ascent steps; 0 returns the random start.
        step_size: root-mean-square change of a pixel per step, as a fraction of
            ``value_range``.
        value_range: the range of pixel values ``model`` takes: ``(0, 1)`` for the MNIST
            convnet, ``(0, 255)`` for the cats-vs-dogs convnet.
        seed: seed of the random start, so a rebuild finds the same images.

    Returns:
        A ``float32`` array ``(filter, height, width, channels)`` of model inputs, one per
        filter asked for, in that order. Pixels are not clipped to ``value_range``.

    Raises:
        ConfigError: if the layer is unknown or has no feature maps, a filter index is out of
            range, the model's input size is not fixed, or ``steps``, ``step_size`` or
            ``value_range`` is invalid.

    Shown in: book/visualizing-convnets.md.
    """
    layer = _feature_map_layer(model, layer_name)
    indices = _filter_indices(layer, filters)
    non_negative_int(steps, "steps")
    if not step_size > 0:
        raise ConfigError(f"step_size must be positive, got {step_size!r}.")
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise ConfigError(f"value_range must be (low, high) with low < high, got {value_range!r}.")
    input_shape = tuple(_single_input(model).shape[1:])
    if None in input_shape:
        raise ConfigError(
            f"Model {model.name!r} takes images of any size {input_shape}; gradient ascent "
            "needs one size: build the model on e.g. keras.Input((180, 180, 3))."
        )

    extractor = _outputs_model(model, [layer])
    one_hot = tf.one_hot(indices, layer.output.shape[-1])[:, None, None, :]
    rows, cols = layer.output.shape[1:3]
    margin = min(2, rows // 4, cols // 4)  # Chollet's code leaves out 2 at each border

    @tf.function
    def ascent_step(images: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(images)
            # A lone output, not a list; float32 even from a model trained in mixed precision.
            activations = tf.cast(extractor(images, training=False), tf.float32)
            selected = tf.reduce_sum(activations * one_hot, axis=-1)  # filter k of image k
            inner = selected[:, margin : rows - margin, margin : cols - margin]
            # Image k only affects the k-th term, so one gradient serves all the filters.
            score = tf.reduce_sum(tf.reduce_mean(inner, axis=(1, 2)))
        grads = tape.gradient(score, images)
        rms = tf.sqrt(tf.reduce_mean(tf.square(grads), axis=(1, 2, 3), keepdims=True))
        return images + step_size * (high - low) * grads / (rms + 1e-12)

    rng = np.random.default_rng(seed)
    start = low + (high - low) * rng.uniform(0.4, 0.6, size=input_shape)
    images = tf.constant(np.broadcast_to(start, (len(indices), *input_shape)), dtype="float32")
    for _ in range(steps):
        images = ascent_step(images)
    return images.numpy()


def filter_patterns(
    model: keras.Model,
    layer_name: str,
    filters: int | Sequence[int] = 16,
    **ascent_options,
) -> np.ndarray:
    """The patterns a layer's filters respond to most, as pictures.

    Runs :func:`maximize_activations`, crops the border of each image where gradient ascent
    leaves artifacts (:data:`BORDER_CROP` of each side, as the book crops 25 pixels of 200)
    and standardizes it for display (:func:`standardize_for_display`).

    Args:
        model: a built model with a single image input of fixed size.
        layer_name: name of the layer, usually a ``Conv2D``.
        filters: how many filters (the first ones), or the indices of the filters.
        **ascent_options: passed on to :func:`maximize_activations` (``steps``,
            ``step_size``, ``value_range``, ``seed``).

    Returns:
        A ``uint8`` array ``(filter, height, width, channels)``, one image per filter asked
        for, smaller than the model's input by the crop.

    Raises:
        ConfigError: as :func:`maximize_activations`.

    Example (a few ascent steps on an untrained model; the pages take the default 30):
        >>> from dlcv.models import mnist_convnet
        >>> model = mnist_convnet()
        >>> first_conv = model.layers[1].name
        >>> patterns = filter_patterns(model, first_conv, filters=4, steps=2)
        >>> patterns.shape, patterns.dtype  # 28 pixels less 2 x 4 cropped
        ((4, 20, 20, 1), dtype('uint8'))
    """
    images = maximize_activations(model, layer_name, filters, **ascent_options)
    height, width = images.shape[1:3]
    top, left = round(BORDER_CROP * height), round(BORDER_CROP * width)
    cropped = images[:, top : height - top, left : width - left]
    return np.stack([standardize_for_display(image) for image in cropped])


def plot_filter_patterns(
    model: keras.Model,
    layer_name: str,
    filters: int | Sequence[int] = 16,
    columns: int = 8,
    **ascent_options,
) -> Figure:
    """Plots the patterns :func:`filter_patterns` finds for a layer's filters, in a grid.

    Args:
        model: a built model with a single image input.
        layer_name: name of the layer, usually a ``Conv2D``.
        filters: how many filters (the first ones), or the indices of the filters.
        columns: patterns per row.
        **ascent_options: passed on to :func:`maximize_activations` (``steps``,
            ``step_size``, ``value_range``, ``seed``).

    Returns:
        The figure, titled with the layer's name, each pattern with its filter index.

    Raises:
        ConfigError: as :func:`maximize_activations`, or if ``columns`` is not a positive
            integer.

    Example:
        >>> from dlcv.models import mnist_convnet
        >>> model = mnist_convnet()
        >>> fig = plot_filter_patterns(model, model.layers[1].name, filters=[0, 5], steps=2)
        >>> len(fig.axes)
        2
    """
    positive_int(columns, "columns")
    patterns = filter_patterns(model, layer_name, filters, **ascent_options)
    indices = range(filters) if isinstance(filters, int) else filters
    columns = min(columns, len(patterns))
    rows = math.ceil(len(patterns) / columns)
    fig = Figure(
        figsize=(columns * _CELL_INCHES, rows * (_CELL_INCHES + 0.2) + 0.4), layout="constrained"
    )
    fig.suptitle(f"Filter patterns of {layer_name}", fontsize="medium")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, pattern, index in zip(axes[: len(patterns)], patterns, indices, strict=True):
        _show_image(ax, pattern)
        ax.set_title(f"filter {index}", fontsize="small")
    for ax in axes:
        ax.set_axis_off()
    return fig
