"""Class heatmaps (Grad-CAM), the logits they explain, and the receptive field of one cell."""

from __future__ import annotations

import keras
import matplotlib
import numpy as np
import tensorflow as tf
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dlcv.errors import ConfigError
from dlcv.interpret.common import (
    _as_batch,
    _as_rgb,
    _class_score,
    _feature_map_layer,
    _layers_of_types,
    _probability_head,
    _single_input,
)


def grad_cam(
    model: keras.Model,
    image: np.ndarray,
    last_conv_layer: str | None = None,
    class_index: int | None = None,
) -> np.ndarray:
    """The Grad-CAM heatmap of ``image``: where the evidence for a class lies.

    The gradient of the class score with respect to the last convolution's output, averaged
    over the positions, says how much each channel matters for the class; the channels,
    weighted by it and summed, give the heatmap. Negative values (evidence against the class)
    are set to zero and the result is divided by its maximum.

    The class score is the classifier's *logit*, its output before the sigmoid or softmax, as
    in Selvaraju et al. (2017) and the Keras example: where the model ends in a ``Dense`` layer
    with a sigmoid or softmax activation, the logit is recomputed from that layer's input and
    weights, in float32. The probability would serve less well: a confident model's sigmoid
    rounds to exactly 1.0 in float32 (from a logit of about 16.6), its gradient is then zero,
    and so would be the heatmap. For one sigmoid unit the two give the same heatmap otherwise,
    since the gradient of ``p`` is the gradient of the logit times ``p (1 - p) > 0``, which
    the division by the maximum removes. Other models are explained on their output itself.

    For a binary classifier with one sigmoid unit, such as the book's cats-vs-dogs convnet,
    class 1 is the positive class (score: the logit ``z`` of ``p``, "dog") and class 0 the
    other one (score ``-z``, the logit of ``1 - p``, "cat"). For a softmax classifier,
    ``class_index`` is the output unit.

    Args:
        model: a built classifier with a single image input and one output.
        image: one input image, as ``model`` takes it.
        last_conv_layer: name of the convolution layer to explain; ``None`` for the last
            top-level ``Conv2D``.
        class_index: the class to explain; ``None`` for the predicted class.

    Returns:
        A ``float32`` array in [0, 1] of the convolution's output size ``(height, width)``;
        all zeros if nothing in the image speaks for the class.

    Raises:
        ConfigError: if the layer is unknown or has no feature maps, the model has no
            ``Conv2D`` layer, ``class_index`` is not a class of the model, or ``image`` does
            not fit ``model``.

    Example (the class the model predicts, unless ``class_index`` names another):
        >>> from dlcv.models import mnist_convnet
        >>> model = mnist_convnet()
        >>> digit = np.random.default_rng(0).random((28, 28), "float32")
        >>> heatmap = grad_cam(model, digit)
        >>> heatmap.shape, float(heatmap.min()) >= 0, float(heatmap.max()) <= 1
        ((3, 3), True, True)

    Shown in: book/visualizing-convnets.md.
    """
    if last_conv_layer is None:
        conv = _layers_of_types(model, (keras.layers.Conv2D,))[-1]
    else:
        conv = _feature_map_layer(model, last_conv_layer)
    images = tf.constant(_as_batch(model, image))
    if len(model.outputs) != 1:
        raise ConfigError(
            f"Model {model.name!r} has {len(model.outputs)} outputs; grad_cam needs one."
        )
    head = _probability_head(model)
    explained = head.input if head is not None else model.outputs[0]
    explainer = keras.Model(_single_input(model), [conv.output, explained])
    with tf.GradientTape() as tape:
        tape.watch(images)  # records the convolution even if its weights are frozen
        feature_maps, outputs = explainer(images, training=False)
        if head is None:
            score = _class_score(outputs[0], class_index)
        else:
            logits = tf.matmul(tf.cast(outputs, tf.float32), tf.cast(head.kernel, tf.float32))
            if head.bias is not None:
                logits = logits + tf.cast(head.bias, tf.float32)
            score = _class_score(logits[0], class_index, logits=True)
    # The weighting in float32, also for a model trained in mixed (16-bit) precision.
    grads = tf.cast(tape.gradient(score, feature_maps), tf.float32)
    feature_maps = tf.cast(feature_maps, tf.float32)
    channel_weights = tf.reduce_mean(grads[0], axis=(0, 1))
    heatmap = tf.nn.relu(tf.reduce_sum(feature_maps[0] * channel_weights, axis=-1)).numpy()
    peak = heatmap.max()
    return (heatmap / peak if peak > 0 else heatmap).astype("float32")


def logits(
    model: keras.Model, images: np.ndarray | tf.data.Dataset, batch_size: int = 32
) -> np.ndarray:
    """The classifier's logits of ``images``: its output before the sigmoid or softmax of its
    last ``Dense`` layer, computed in float32 in inference mode.

    A probability near 0 or 1 saturates: hiding half of an image may move ``p`` from 0.9999 to
    0.999, a change too small to see, while the logit falls from about 9.2 to 6.9. Measures of
    how much a part of the image matters (occlusion) read the logit for that reason.

    Args:
        model: a classifier whose last layer is a ``Dense`` with a sigmoid or softmax.
        images: a batch of images as the model takes them, or a ``tf.data`` pipeline of
            batches (``(images, labels)`` or images alone), such as a split of :mod:`dlcv.data`.
        batch_size: images per forward pass (for an array; a pipeline's batches are its own).

    Returns:
        A float32 array ``(images, units)``; for one sigmoid unit, ``z`` with ``p = sigmoid(z)``.

    Raises:
        ConfigError: if the model's last layer is not such a ``Dense`` layer.
    """
    head = _probability_head(model)
    if head is None:
        raise ConfigError(
            f"Model {model.name!r} does not end in a Dense layer with a sigmoid or softmax; "
            "its logits are not defined here."
        )
    features = keras.Model(_single_input(model), head.input)
    if isinstance(images, tf.data.Dataset):
        inputs = features.predict(images, verbose=0)
    else:
        inputs = features.predict(np.asarray(images), batch_size=batch_size, verbose=0)
    kernel = np.asarray(head.kernel, dtype="float32")
    out = inputs.astype("float32") @ kernel
    if head.bias is not None:
        out = out + np.asarray(head.bias, dtype="float32")
    return out.astype("float32")


def receptive_field(model: keras.Model, layer_name: str) -> tuple[int, int]:
    """The window of the input one cell of a layer's output sees: its receptive field.

    Computed from the layers from the input up to ``layer_name``, in order, as for a plain
    chain of layers such as the book's convnets: each convolution or pooling of kernel ``k``,
    dilation ``d`` and stride ``s`` widens the field by ``(k - 1) d`` times the distance, in
    input pixels, between neighbouring cells of its input, and multiplies that distance by
    ``s``. Layers that do not move pixels (rescaling, dropout, the augmentation stage in
    inference) leave it as it is. Padding shifts the window, it does not change its size.

    Args:
        model: a built model whose top-level layers form a chain.
        layer_name: the layer whose cells to measure, usually a ``Conv2D``.

    Returns:
        ``(height, width)`` of the field in input pixels (at the border of the image, part of
        it falls outside).

    Raises:
        ConfigError: if the layer is unknown or has no feature maps.

    Example (the MNIST convnet: 3x3 convolutions with 2x2 poolings between them):
        >>> from dlcv.models import mnist_convnet
        >>> model = mnist_convnet()
        >>> convs = [l.name for l in model.layers if isinstance(l, keras.layers.Conv2D)]
        >>> [receptive_field(model, name) for name in convs]
        [(3, 3), (8, 8), (18, 18)]
    """
    target = _feature_map_layer(model, layer_name)
    size, jump = np.ones(2, dtype=int), np.ones(2, dtype=int)
    for layer in model.layers:
        kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if kernel is not None:
            strides = getattr(layer, "strides", None) or kernel  # pooling strides default
            dilation = getattr(layer, "dilation_rate", (1, 1))
            size = size + (np.asarray(kernel) - 1) * np.asarray(dilation) * jump
            jump = jump * np.asarray(strides)
        if layer is target:
            break
    return int(size[0]), int(size[1])


def overlay_heatmap(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.4) -> np.ndarray:
    """Blends a heatmap, coloured with the jet colormap, onto an image.

    The heatmap is resized (bilinear) to the image's size. The image is scaled to [0, 1] by
    its own minimum and maximum, as ``keras.utils.array_to_img`` does, so both [0, 255] and
    [0, 1] pixel values work; a grayscale image is shown in gray.

    Args:
        image: an image ``(height, width)``, ``(height, width, 1)`` or ``(height, width, 3)``,
            or a batch of one.
        heatmap: values in [0, 1] of shape ``(rows, cols)``, such as :func:`grad_cam` returns.
        alpha: weight of the heatmap in the blend, from 0 (image only) to 1 (heatmap only).

    Returns:
        An RGB ``float32`` array ``(height, width, 3)`` in [0, 1].

    Raises:
        ConfigError: if ``image`` or ``heatmap`` has the wrong shape or ``alpha`` is not in
            [0, 1].
    """
    rgb = _as_rgb(image)
    heatmap = np.asarray(heatmap, dtype="float32")
    if heatmap.ndim != 2:
        raise ConfigError(f"heatmap must be 2-D (rows, cols), got shape {heatmap.shape}.")
    if not 0 <= alpha <= 1:
        raise ConfigError(f"alpha must be in [0, 1], got {alpha!r}.")
    resized = tf.image.resize(heatmap[..., None], rgb.shape[:2]).numpy()[..., 0]
    colored = matplotlib.colormaps["jet"](np.clip(resized, 0, 1))[..., :3]
    return ((1 - alpha) * rgb + alpha * colored).astype("float32")


def plot_grad_cam(
    image: np.ndarray,
    heatmap: np.ndarray,
    alpha: float = 0.4,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Shows a Grad-CAM heatmap over the image it explains (see :func:`overlay_heatmap`).

    Args:
        image: the image given to :func:`grad_cam`, without the batch axis.
        heatmap: the heatmap :func:`grad_cam` returned.
        alpha: weight of the heatmap in the blend.
        title: a title for the axes, such as the prediction.
        ax: axes to draw into, e.g. one cell of a grid of examples; ``None`` makes a figure.

    Returns:
        The figure drawn into.

    Raises:
        ConfigError: as :func:`overlay_heatmap`.

    Example:
        >>> from dlcv.models import mnist_convnet
        >>> model = mnist_convnet()
        >>> digit = np.random.default_rng(0).random((28, 28), "float32")
        >>> fig = plot_grad_cam(digit, grad_cam(model, digit), title="p(7) = 0.10")
        >>> fig.axes[0].get_title()
        'p(7) = 0.10'
    """
    overlay = overlay_heatmap(image, heatmap, alpha)
    if ax is None:
        fig = Figure(figsize=(4, 4), layout="constrained")
        ax = fig.subplots()
    ax.imshow(overlay)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax.figure
