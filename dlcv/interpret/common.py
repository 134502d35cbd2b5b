"""What the views inside a convnet share: picking layers and outputs, batching one image, the
class score a heatmap explains, and drawing images."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import matplotlib
import numpy as np
import tensorflow as tf
from matplotlib.axes import Axes

from dlcv.errors import ConfigError

_CELL_INCHES = 1.0  # side of one channel or pattern in a grid


def _outputs_model(model: keras.Model, chosen: Sequence[keras.Layer]) -> keras.Model:
    """A Functional model from ``model``'s input to the outputs of ``chosen``, as a list."""
    inputs = _single_input(model)
    outputs = [layer.output for layer in chosen]
    return keras.Model(inputs, outputs, name=f"{model.name}_activations")


def _layers_of_types(
    model: keras.Model, layer_types: tuple[type[keras.Layer], ...]
) -> list[keras.Layer]:
    """The top-level layers of ``model`` that are instances of ``layer_types``, in order."""
    chosen = [layer for layer in model.layers if isinstance(layer, layer_types)]
    if not chosen:
        names = " or ".join(t.__name__ for t in layer_types)
        nested = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
        hint = (
            f" Layers of nested models are not searched; to look inside one, pass it, e.g. "
            f"model.get_layer({nested[0]!r})."
            if nested
            else ""
        )
        raise ConfigError(f"Model {model.name!r} has no top-level {names} layer.{hint}")
    return chosen


def _feature_map_layer(model: keras.Model, name: str) -> keras.Layer:
    """The layer called ``name`` in ``model``, checked to output ``(height, width, channels)``."""
    names = [layer.name for layer in model.layers]
    if name not in names:
        raise ConfigError(
            f"Model {model.name!r} has no layer {name!r}; its layers are {', '.join(names)}."
        )
    layer = model.get_layer(name)
    if len(layer.output.shape) != 4:
        raise ConfigError(
            f"Layer {name!r} outputs shape {tuple(layer.output.shape)}, not feature maps "
            "(batch, height, width, channels); pick a convolution or pooling layer."
        )
    return layer


def _filter_indices(layer: keras.Layer, filters: int | Sequence[int]) -> list[int]:
    """``filters`` as a list of channel indices of ``layer``'s output."""
    channels = layer.output.shape[-1]
    indices = list(range(filters)) if isinstance(filters, int) else [int(i) for i in filters]
    if not indices or not all(0 <= i < channels for i in indices):
        raise ConfigError(
            f"filters={filters!r} does not select filters of layer {layer.name!r}, which has "
            f"{channels}; pass a count from 1 to {channels} or indices from 0 to {channels - 1}."
        )
    return indices


def _single_input(model: keras.Model) -> keras.KerasTensor:
    """``model``'s one input tensor (a Sequential model's too, which has no ``model.input``)."""
    try:
        inputs = model.inputs
    except AttributeError as error:
        raise ConfigError(
            f"Model {model.name!r} has no defined input yet; build it on one, e.g. "
            "keras.Sequential([keras.Input(shape), ...])."
        ) from error
    if len(inputs) != 1:
        raise ConfigError(
            f"Model {model.name!r} has {len(inputs)} inputs; dlcv.interpret needs one."
        )
    return inputs[0]


def _as_batch(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """``image`` as a float32 batch of one that fits ``model``'s input."""
    expected = tuple(_single_input(model).shape[1:])
    batch = np.asarray(image, dtype="float32")
    if batch.ndim == len(expected) - 1 and expected[-1] == 1:
        batch = batch[..., None]  # a grayscale (height, width) image
    if batch.ndim == len(expected):
        batch = batch[None]
    fits = batch.ndim == len(expected) + 1 and all(
        want is None or want == got for want, got in zip(expected, batch.shape[1:], strict=True)
    )
    if not fits or batch.shape[0] != 1:
        raise ConfigError(
            f"Image of shape {np.shape(image)} does not fit model {model.name!r}, which takes "
            f"{expected}; pass one image of that shape (or a batch of one)."
        )
    return batch


def _probability_head(model: keras.Model) -> keras.layers.Dense | None:
    """The ``Dense`` layer with a sigmoid or softmax activation that makes ``model``'s output,
    whose logits Grad-CAM explains; ``None`` for any other model."""
    head = model.layers[-1] if model.layers else None
    if not isinstance(head, keras.layers.Dense) or head.output is not model.outputs[0]:
        return None
    # Keras' own activations serialize to their name; a custom one to a dict, never matched.
    name = keras.activations.serialize(head.activation)
    return head if isinstance(name, str) and name in ("sigmoid", "softmax") else None


def _class_score(
    predictions: tf.Tensor, class_index: int | None, logits: bool = False
) -> tf.Tensor:
    """The score Grad-CAM explains for ``class_index``: with ``logits``, a class's logit (``-z``
    for a sigmoid's class 0), otherwise its probability (``1 - p`` for a sigmoid's class 0)."""
    units = predictions.shape[-1]
    classes = 2 if units == 1 else units
    if class_index is None:
        threshold = 0.0 if logits else 0.5
        class_index = (
            int(predictions[0] >= threshold) if units == 1 else int(tf.argmax(predictions))
        )
    if not (isinstance(class_index, int | np.integer) and 0 <= class_index < classes):
        raise ConfigError(
            f"class_index={class_index!r} is not a class of this model; pass 0 to "
            f"{classes - 1}, or None for the predicted class."
        )
    if units == 1:
        if class_index == 1:
            return predictions[0]
        return -predictions[0] if logits else 1 - predictions[0]
    return predictions[class_index]


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """An image as RGB floats in [0, 1], scaled by its own minimum and maximum."""
    image = np.asarray(image, dtype="float32")
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]  # a batch of one
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ConfigError(
            f"image must be (height, width), (height, width, 1) or (height, width, 3), "
            f"got shape {image.shape}."
        )
    image = image - image.min()
    if image.max() > 0:
        image = image / image.max()
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image


def _show_image(ax: Axes, image: np.ndarray) -> None:
    """Draws a ``uint8`` image, grayscale ones in gray."""
    if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap=matplotlib.colormaps["gray"], vmin=0, vmax=255)
    else:
        ax.imshow(image)
