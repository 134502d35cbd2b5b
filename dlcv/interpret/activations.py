"""Feature maps: what each convolution and pooling layer of a model outputs for one image."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from dlcv.interpret.common import (
    _CELL_INCHES,
    _as_batch,
    _feature_map_layer,
    _layers_of_types,
    _outputs_model,
)
from dlcv.validate import positive_int

FEATURE_MAP_LAYERS = (keras.layers.Conv2D, keras.layers.MaxPooling2D)
"""The layers whose outputs :func:`activation_model` returns unless told otherwise."""


def activation_model(
    model: keras.Model,
    layer_types: tuple[type[keras.Layer], ...] = FEATURE_MAP_LAYERS,
) -> keras.Model:
    """A model returning the activations of ``model``'s convolution and pooling layers.

    The new model shares ``model``'s inputs and weights (Functional API, nothing is copied):
    it takes what ``model`` takes and returns a list with the output of every top-level layer
    of one of ``layer_types``, in the order the layers appear (as Keras does, a lone output
    comes as a tensor, not a list of one). Layers before them, such as rescaling or an
    augmentation stage, run as in ``model``. Use ``predict`` (or pass ``training=False``):
    then random augmentation passes images through unchanged, whereas a plain call runs it in
    training mode.

    Args:
        model: a built Functional or Sequential model with a single input.
        layer_types: the layer classes whose outputs to return.

    Returns:
        A ``keras.Model``; its ``output_names`` are the names of the chosen layers.

    Raises:
        ConfigError: if ``model`` has not been built on an input, or has no top-level layer
            of ``layer_types`` (layers nested in a sub-model are not searched).

    Example (the MNIST convnet: three convolutions, two poolings between them):
        >>> from dlcv.models import mnist_convnet
        >>> model = mnist_convnet()
        >>> digit = np.zeros((28, 28, 1), "float32")
        >>> activations = activation_model(model).predict(digit[None], verbose=0)
        >>> [a.shape for a in activations]
        [(1, 26, 26, 32), (1, 13, 13, 32), (1, 11, 11, 64), (1, 5, 5, 64), (1, 3, 3, 128)]
    """
    return _outputs_model(model, _layers_of_types(model, layer_types))


def plot_feature_maps(
    model: keras.Model,
    image: np.ndarray,
    layers: Sequence[str] | None = None,
    max_channels: int = 16,
    columns: int = 8,
) -> Figure:
    """Plots what each layer of ``model`` outputs for ``image``, one grid of channels per layer.

    Each channel is standardized for display as in the book (minus its mean, divided by its
    standard deviation, times 64 plus 128, clipped to [0, 255]; see
    :func:`standardize_for_display`) and drawn with the viridis colormap. A channel that is zero
    everywhere (a filter that found nothing) shows in the colormap's darkest colour.

    All layers go into one figure, one sub-figure per layer titled with the layer's name and its
    output shape (height x width x channels), so a page can caption the whole progression once.

    Args:
        model: a built model with a single image input.
        image: one input image, as ``model`` takes it.
        layers: names of the layers to show, in order; ``None`` for every top-level
            ``Conv2D`` and ``MaxPooling2D`` layer.
        max_channels: how many channels to show per layer at most (the first ones).
        columns: channels per row.

    Returns:
        The figure.

    Raises:
        ConfigError: if a layer is unknown or does not output feature maps
            ``(height, width, channels)``, ``image`` does not fit ``model``, or
            ``max_channels`` or ``columns`` is not a positive integer.
    """
    positive_int(max_channels, "max_channels")
    positive_int(columns, "columns")
    if layers is None:
        chosen = _layers_of_types(model, FEATURE_MAP_LAYERS)
    else:
        chosen = [_feature_map_layer(model, name) for name in layers]
    activations = _outputs_model(model, chosen)(_as_batch(model, image), training=False)
    if len(chosen) == 1:
        activations = [activations]  # Keras returns a lone output unwrapped
    activations = [keras.ops.convert_to_numpy(a)[0].astype("float32") for a in activations]

    shown = [min(a.shape[-1], max_channels) for a in activations]
    columns = min(columns, max(shown))
    rows = [math.ceil(n / columns) for n in shown]
    heights = [r * _CELL_INCHES + 0.4 for r in rows]  # 0.4 inch for the title
    fig = Figure(figsize=(columns * _CELL_INCHES, sum(heights)), layout="constrained")
    subfigures = fig.subfigures(len(chosen), 1, height_ratios=heights, squeeze=False)
    cmap = matplotlib.colormaps["viridis"]
    for subfigure, layer, activation, n, r in zip(
        subfigures.ravel(), chosen, activations, shown, rows, strict=True
    ):
        height, width, channels = activation.shape
        kept = "" if n == channels else f" (first {n})"
        subfigure.suptitle(f"{layer.name}: {height}×{width}×{channels}{kept}", fontsize="medium")
        axes = subfigure.subplots(r, columns, squeeze=False).ravel()
        for index, ax in enumerate(axes):
            ax.set_axis_off()
            if index < n:
                channel = standardize_for_display(activation[..., index])
                ax.imshow(channel, cmap=cmap, vmin=0, vmax=255)
    return fig


def standardize_for_display(values: np.ndarray) -> np.ndarray:
    """Maps an activation or a generated image to displayable ``uint8`` values, as the book does.

    Values are centred on their mean, divided by their standard deviation, scaled by 64 and
    shifted to 128, then clipped to [0, 255]: about 95% of them land in [0, 255] whatever
    their original scale. Constant values (a dead channel) give zeros.

    Args:
        values: an array of any shape.

    Returns:
        A ``uint8`` array of the same shape.
    """
    values = np.asarray(values, dtype="float64")
    std = values.std()
    if std == 0:
        return np.zeros(values.shape, dtype="uint8")
    standardized = (values - values.mean()) / std * 64 + 128
    return np.clip(standardized, 0, 255).astype("uint8")
