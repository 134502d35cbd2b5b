"""Seeing inside a trained convnet: feature maps, filter patterns and class heatmaps.

Three ways to look at what a convnet learned, after the book's chapter on interpreting
convnets, all working on the book's own trained models:

- :func:`activation_model` and :func:`plot_feature_maps`: what each convolution and pooling
  layer outputs for one image;
- :func:`filter_patterns` and :func:`plot_filter_patterns`: the input each filter responds to
  most, found by gradient ascent on the input;
- :func:`grad_cam` and :func:`plot_grad_cam`: which parts of an image pushed the classifier
  towards a class (Grad-CAM), and :func:`receptive_field`: how much of the image one cell of
  the explained feature map sees.

Functions taking an ``image`` take one image as the model takes it, without the batch axis
(``(height, width, channels)``; a grayscale ``(height, width)`` image is accepted too), or a
batch of one. Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure`.

Example (an untrained MNIST convnet and a random digit: the shapes are those of a trained one):
    >>> import dlcv.models
    >>> model = dlcv.models.mnist_convnet()
    >>> digit = np.random.default_rng(0).random((28, 28, 1), "float32")
    >>> fig = dlcv.interpret.plot_feature_maps(model, digit)
    >>> heatmap = dlcv.interpret.grad_cam(model, digit, class_index=7)
    >>> heatmap.shape  # the last convolution's output: 3 x 3
    (3, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import matplotlib
import numpy as np
import tensorflow as tf
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dlcv import settings
from dlcv.errors import ConfigError
from dlcv.validate import non_negative_int, positive_int

FEATURE_MAP_LAYERS = (keras.layers.Conv2D, keras.layers.MaxPooling2D)
"""The layers whose outputs :func:`activation_model` returns unless told otherwise."""

BORDER_CROP = 0.125
"""Fraction of each side cropped from a filter pattern, where gradient ascent leaves artifacts
(the book crops 25 pixels of 200)."""

_CELL_INCHES = 1.0  # side of one channel or pattern in a grid


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

    As in the book: start from a random image, then repeatedly compute (``tf.GradientTape``)
    the gradient of the filter's mean activation, its border excluded, with respect to the
    image, normalize it, and take a step up it. All filters climb together, one image each, in
    a single batch through a compiled (``tf.function``) step, so this is quick on a CPU.

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

    Shown in: book/visualizing-convnets.md
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
    margin = min(2, rows // 4, cols // 4)  # the book leaves out 2 activations at each border

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
    start = low + (high - low) * rng.uniform(0.4, 0.6, size=(len(indices), *input_shape))
    images = tf.constant(start, dtype="float32")
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
    rounds to exactly 1.0 in float32 (from a logit of about 17), its gradient is then zero,
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

    Shown in: book/visualizing-convnets.md
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


def logits(model: keras.Model, images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """The classifier's logits of ``images``: its output before the sigmoid or softmax of its
    last ``Dense`` layer, computed in float32 in inference mode.

    A probability near 0 or 1 saturates: hiding half of an image may move ``p`` from 0.9999 to
    0.999, a change too small to see, while the logit falls from about 9.2 to 6.9. Measures of
    how much a part of the image matters (occlusion) read the logit for that reason.

    Args:
        model: a classifier whose last layer is a ``Dense`` with a sigmoid or softmax.
        images: a batch of images as the model takes them.
        batch_size: images per forward pass.

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

