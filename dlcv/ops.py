"""Convolution and pooling in plain NumPy, written to be read rather than to be fast.

These are the reference implementations the book explains and the tests hold against Keras:
:func:`conv2d`, :func:`max_pool2d` and :func:`average_pool2d` compute exactly what
``layers.Conv2D``, ``layers.MaxPooling2D`` and ``layers.AveragePooling2D`` compute, with the
same ``"valid"`` and ``"same"`` padding rules; :func:`conv_output_size` and
:func:`receptive_field` do the arithmetic of shapes; :func:`compose_kernels` shows that two
stacked linear convolutions are one; :func:`conv2d_input_gradient`, :func:`conv2d_kernel_gradient`
and :func:`max_pool2d_gradient` are the backward passes, checked against ``tf.GradientTape``.

Images are batched and channels-last (NHWC), the Keras default: ``(batch, height, width,
channels)``. To use a single grayscale image ``image`` of shape ``(height, width)``, pass
``image[None, :, :, None]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from dlcv.errors import ConfigError
from dlcv.validate import is_int, positive_int, positive_pair

PADDINGS = ("valid", "same")
"""The padding modes of Keras: no padding, or zeros around the input so that stride 1
keeps its size."""

IntPair = int | tuple[int, int]


def conv_output_size(
    n: int, kernel_size: int, stride: int = 1, padding: str | int = "valid"
) -> int:
    """The length of a convolution's or pooling's output along one axis.

    ``"valid"`` places the window only where it fits inside the input:
    ``floor((n - kernel_size) / stride) + 1``. ``"same"`` pads with zeros so that every
    ``stride``-th input position gets an output: ``ceil(n / stride)``. An integer ``p`` pads
    ``p`` zeros on both sides: ``floor((n + 2p - kernel_size) / stride) + 1``.

    Args:
        n: length of the input along the axis.
        kernel_size: length of the window (kernel or pool) along the axis.
        stride: how far the window moves between two outputs.
        padding: ``"valid"``, ``"same"`` or a number of zeros added on each side.

    Returns:
        The output length, at least 1.

    Raises:
        ConfigError: if an argument is not a positive integer (``padding`` may be 0), the
            padding is unknown, or the window is longer than the (padded) input.

    Example:
        >>> conv_output_size(28, 3)
        26
        >>> conv_output_size(28, 3, stride=2, padding="same")
        14

    Shown in: book/padding-and-stride.md
    """
    positive_int(n, "n")
    positive_int(kernel_size, "kernel_size")
    positive_int(stride, "stride")
    if padding == "same":
        return math.ceil(n / stride)
    if padding == "valid":
        padded = n
    elif is_int(padding) and padding >= 0:
        padded = n + 2 * padding
    else:
        raise ConfigError(
            f"padding={padding!r} is not a padding; use 'valid', 'same' or a number of zeros >= 0."
        )
    if kernel_size > padded:
        raise ConfigError(
            f"A window of {kernel_size} does not fit in an input of {n} with padding={padding!r}: "
            f"there is no valid position. Use a window of at most {padded}, or padding='same'."
        )
    return (padded - kernel_size) // stride + 1


def padding_amounts(
    n: int, kernel_size: int, stride: int = 1, padding: str = "valid"
) -> tuple[int, int]:
    """How many zeros ``padding`` adds before and after an input along one axis.

    ``"valid"`` adds none. ``"same"`` adds just enough for :func:`conv_output_size` windows:
    ``max((out - 1) * stride + kernel_size - n, 0)`` zeros in all, half before and half after;
    when the total is odd, TensorFlow (and so Keras) puts the extra zero after, at the bottom
    or right.

    Args:
        n: length of the input along the axis.
        kernel_size: length of the window along the axis.
        stride: how far the window moves between two outputs.
        padding: ``"valid"`` or ``"same"``.

    Returns:
        ``(before, after)``: zeros on the top (left) and on the bottom (right).

    Raises:
        ConfigError: as :func:`conv_output_size`, or if ``padding`` is not a Keras padding.

    Example:
        >>> padding_amounts(28, 3, padding="same")
        (1, 1)
        >>> padding_amounts(4, 2, stride=1, padding="same")
        (0, 1)

    Shown in: book/padding-and-stride.md
    """
    if padding not in PADDINGS:
        raise ConfigError(f"padding={padding!r} is not a padding; use 'valid' or 'same'.")
    out = conv_output_size(n, kernel_size, stride, padding)
    total = max((out - 1) * stride + kernel_size - n, 0) if padding == "same" else 0
    return total // 2, total - total // 2


def conv2d(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: str = "valid",
) -> np.ndarray:
    """2D convolution, as ``keras.layers.Conv2D`` computes it (without activation).

    Like every deep-learning library, this is cross-correlation: the kernel slides over the
    input unflipped, and each output value is the sum of the window times the kernel. Each of
    the ``out`` filters looks at all ``in`` input channels at once.

    Args:
        x: input batch, shape ``(batch, height, width, in)``.
        kernel: filters, shape ``(kh, kw, in, out)``, the layout of ``Conv2D.kernel``.
        bias: one value per filter, shape ``(out,)``; ``None`` for none.
        stride: step of the window, an int or ``(rows, columns)``.
        padding: ``"valid"`` (no padding) or ``"same"`` (zeros around the input, as in
            TensorFlow: when the total is odd, the extra row and column go bottom and right).

    Returns:
        The feature maps, float64, shape ``(batch, out_height, out_width, out)`` with each
        output size given by :func:`conv_output_size`.

    Raises:
        ConfigError: if an array has the wrong rank or channels that do not match, the stride
            is not positive, the padding is unknown, or the kernel is larger than a ``"valid"``
            input.

    Example:
        >>> image = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> conv2d(image, np.ones((3, 3, 1, 1))).shape
        (1, 2, 2, 1)

    Shown in: book/convolution.md
    """
    x = _as_images(x, "x")
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4:
        raise ConfigError(
            f"kernel has shape {kernel.shape}; it must have rank 4, (kh, kw, in, out). "
            "For a single 2D kernel k, pass k[:, :, None, None]."
        )
    kh, kw, in_channels, filters = kernel.shape
    if in_channels != x.shape[3]:
        raise ConfigError(
            f"kernel expects {in_channels} input channel(s) but x has {x.shape[3]} "
            f"(x.shape={x.shape}, kernel.shape={kernel.shape}); they must be equal."
        )
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.shape != (filters,):
            raise ConfigError(
                f"bias has shape {bias.shape}; it needs one value per filter, shape ({filters},)."
            )
    sh, sw = positive_pair(stride, "stride")
    (top, bottom), (left, right) = _padding(x.shape[1:3], (kh, kw), (sh, sw), padding)
    x = np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)])

    out_h = (x.shape[1] - kh) // sh + 1
    out_w = (x.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
            # Multiply the window by each filter and sum over (rows, columns, channels).
            out[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        out += bias
    return out


def max_pool2d(
    x: np.ndarray, pool_size: IntPair = 2, stride: IntPair | None = None, padding: str = "valid"
) -> np.ndarray:
    """2D max pooling, as ``keras.layers.MaxPooling2D`` computes it.

    Each output is the largest value of its window, channel by channel. With ``"same"``
    padding, windows that overhang the border take the maximum of the part inside the input.

    Args:
        x: input batch, shape ``(batch, height, width, channels)``.
        pool_size: window size, an int or ``(rows, columns)``.
        stride: step of the window, an int or ``(rows, columns)``; ``None`` (the default) means
            ``pool_size``, so windows do not overlap.
        padding: ``"valid"`` or ``"same"``, with TensorFlow's rule (see :func:`conv2d`).

    Returns:
        The pooled maps, same dtype as ``x``, shape ``(batch, out_height, out_width, channels)``.

    Raises:
        ConfigError: as :func:`conv2d`, for ``pool_size`` in place of the kernel.

    Shown in: book/pooling.md
    """
    return pool2d(x, pool_size, stride, padding, np.max)


def average_pool2d(
    x: np.ndarray, pool_size: IntPair = 2, stride: IntPair | None = None, padding: str = "valid"
) -> np.ndarray:
    """2D average pooling, as ``keras.layers.AveragePooling2D`` computes it.

    Each output is the mean of its window, channel by channel. With ``"same"`` padding,
    windows that overhang the border average only the values inside the input (padding is not
    counted as zeros), as in Keras.

    Args:
        x: input batch, shape ``(batch, height, width, channels)``.
        pool_size: window size, an int or ``(rows, columns)``.
        stride: step of the window, an int or ``(rows, columns)``; ``None`` (the default) means
            ``pool_size``.
        padding: ``"valid"`` or ``"same"``, with TensorFlow's rule (see :func:`conv2d`).

    Returns:
        The pooled maps, float, shape ``(batch, out_height, out_width, channels)``.

    Raises:
        ConfigError: as :func:`conv2d`, for ``pool_size`` in place of the kernel.
    """
    return pool2d(x, pool_size, stride, padding, np.mean)


def receptive_field(layers: Iterable[tuple[int, int]]) -> int:
    """How many input pixels, along one axis, one output of a stack of layers can see.

    Each layer is a ``(kernel_size, stride)`` pair, first layer first: ``(3, 1)`` for a 3x3
    convolution, ``(2, 2)`` for 2x2 max pooling. A layer with kernel ``k`` widens the field by
    ``k - 1`` steps of its input, and a step of its input is the product of the strides of
    the layers before it. Padding changes where windows sit, not how far they see.

    Args:
        layers: the ``(kernel_size, stride)`` of each convolution or pooling layer, in order.

    Returns:
        The side of the square of input pixels that one output value depends on; 1 for no
        layers.

    Raises:
        ConfigError: if a layer is not a pair of positive integers.

    Example:
        >>> receptive_field([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)])  # the MNIST convnet
        18

    Shown in: book/pooling.md
    """
    size, step = 1, 1
    for index, layer in enumerate(layers):
        if not isinstance(layer, tuple | list) or len(layer) != 2:
            raise ConfigError(
                f"layers[{index}] is {layer!r}; each layer must be a (kernel_size, stride) pair."
            )
        kernel_size, stride = layer
        positive_int(kernel_size, f"layers[{index}] kernel_size")
        positive_int(stride, f"layers[{index}] stride")
        size += (kernel_size - 1) * step
        step *= stride
    return size


def compose_kernels(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The one kernel that computes what two stacked linear convolutions compute.

    Two ``Conv2D`` layers without activation and without bias, stride 1 and ``"valid"``
    padding, are a single convolution: ``conv2d(conv2d(x, first), second)`` equals
    ``conv2d(x, compose_kernels(first, second))``. Each weight of ``second`` adds a copy of
    ``first``, scaled by it, shifted to where it looks, so a ``k1`` and a ``k2`` kernel make
    one of side ``k1 + k2 - 1``: two 3x3 kernels make a 5x5.

    Args:
        first: kernels of the first layer, shape ``(k1h, k1w, in, mid)``.
        second: kernels of the second layer, shape ``(k2h, k2w, mid, out)``.

    Returns:
        The composed kernels, float64, shape ``(k1h + k2h - 1, k1w + k2w - 1, in, out)``.

    Raises:
        ConfigError: if a kernel does not have rank 4, or the second layer's input channels
            are not the first layer's filters.

    Example:
        >>> compose_kernels(np.ones((3, 3, 1, 1)), np.ones((3, 3, 1, 1)))[:, :, 0, 0]
        array([[1., 2., 3., 2., 1.],
               [2., 4., 6., 4., 2.],
               [3., 6., 9., 6., 3.],
               [2., 4., 6., 4., 2.],
               [1., 2., 3., 2., 1.]])

    Shown in: book/convolution.md
    """
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    for name, kernel in (("first", first), ("second", second)):
        if kernel.ndim != 4:
            raise ConfigError(
                f"{name} has shape {kernel.shape}; it must have rank 4, (kh, kw, in, out)."
            )
    if first.shape[3] != second.shape[2]:
        raise ConfigError(
            f"first has {first.shape[3]} filter(s) but second expects {second.shape[2]} input "
            f"channel(s) (first.shape={first.shape}, second.shape={second.shape}); "
            "they must be equal."
        )
    (h1, w1, in_channels, _), (h2, w2, _, filters) = first.shape, second.shape
    composed = np.zeros((h1 + h2 - 1, w1 + w2 - 1, in_channels, filters))
    for u in range(h2):
        for v in range(w2):
            # The second layer's weight at (u, v) reads the first layer's output u rows and
            # v columns further on, which saw the input through `first` shifted by (u, v).
            composed[u : u + h1, v : v + w1] += np.tensordot(first, second[u, v], axes=1)
    return composed


def conv2d_input_gradient(output_gradient: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The backward pass of :func:`conv2d` (stride 1, ``"valid"``) to its input.

    Each input pixel was multiplied by every kernel weight whose window covered it, so its
    gradient gathers the output gradients of those windows, weighted by those weights: a
    ``"full"`` convolution (``kh - 1`` and ``kw - 1`` zeros around the output gradient) with
    the kernel flipped left to right and top to bottom, input and output channels swapped.

    Args:
        output_gradient: the loss's gradient with respect to the output of ``conv2d``, shape
            ``(batch, out_height, out_width, out)``.
        kernel: the kernel of the forward pass, shape ``(kh, kw, in, out)``.

    Returns:
        The gradient with respect to the input, float64, shape
        ``(batch, out_height + kh - 1, out_width + kw - 1, in)``.

    Example:
        >>> gradient = conv2d_input_gradient(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)))
        >>> gradient[0, :, :, 0].astype(int).tolist()  # windows covering each input pixel
        [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]

    Shown in: book/convolution.md
    """
    output_gradient = _as_images(output_gradient, "output_gradient")
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape[:2]
    padded = np.pad(output_gradient, [(0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)])
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)  # (kh, kw, out, in)
    return conv2d(padded, flipped)


def conv2d_kernel_gradient(
    x: np.ndarray, output_gradient: np.ndarray, kernel_size: IntPair
) -> np.ndarray:
    """The backward pass of :func:`conv2d` (stride 1, ``"valid"``) to its kernel.

    A kernel weight multiplied one input pixel per window, so its gradient is the sum, over
    the windows and the batch, of that pixel times the window's output gradient: the input
    cross-correlated with the output gradient.

    Args:
        x: the input of the forward pass, shape ``(batch, height, width, in)``.
        output_gradient: the gradient with respect to its output, shape
            ``(batch, height - kh + 1, width - kw + 1, out)``.
        kernel_size: ``kh`` and ``kw``, an int or a pair.

    Returns:
        The gradient with respect to the kernel, float64, shape ``(kh, kw, in, out)``.
    """
    x = _as_images(x, "x")
    output_gradient = _as_images(output_gradient, "output_gradient")
    kh, kw = positive_pair(kernel_size, "kernel_size")
    out_h, out_w = output_gradient.shape[1:3]
    gradient = np.zeros((kh, kw, x.shape[3], output_gradient.shape[3]))
    for a in range(kh):
        for b in range(kw):
            # Weight (a, b) saw input pixel (i + a, j + b) in the window of output (i, j).
            patch = x[:, a : a + out_h, b : b + out_w, :]
            gradient[a, b] = np.tensordot(patch, output_gradient, axes=([0, 1, 2], [0, 1, 2]))
    return gradient


def max_pool2d_gradient(
    x: np.ndarray, output_gradient: np.ndarray, pool_size: int = 2
) -> np.ndarray:
    """The backward pass of :func:`max_pool2d` (windows of ``pool_size``, stride ``pool_size``).

    An output is its window's largest value, so a small change to any other value of the
    window changes nothing: the whole output gradient goes to the window's argmax (the first
    one, if several values tie), and the rest of the window gets zero.

    Args:
        x: the input of the forward pass, shape ``(batch, height, width, channels)``.
        output_gradient: the gradient with respect to its output, shape
            ``(batch, height // pool_size, width // pool_size, channels)``.
        pool_size: the side of the square, non-overlapping windows.

    Returns:
        The gradient with respect to ``x``, float64, the shape of ``x``.

    Example:
        >>> x = np.array([[1.0, 3.0], [2.0, 0.0]]).reshape(1, 2, 2, 1)
        >>> max_pool2d_gradient(x, np.full((1, 1, 1, 1), 5.0))[0, :, :, 0].tolist()
        [[0.0, 5.0], [0.0, 0.0]]

    Shown in: book/pooling.md
    """
    x = _as_images(x, "x")
    output_gradient = _as_images(output_gradient, "output_gradient")
    p = positive_int(pool_size, "pool_size")
    gradient = np.zeros_like(x)
    batch, out_h, out_w, channels = output_gradient.shape
    n, c = np.meshgrid(np.arange(batch), np.arange(channels), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * p : (i + 1) * p, j * p : (j + 1) * p, :]
            first_max = window.reshape(batch, p * p, channels).argmax(axis=1)
            row, col = np.divmod(first_max, p)  # within the window, shape (batch, channels)
            gradient[n, i * p + row, j * p + col, c] = output_gradient[:, i, j, :]
    return gradient


def pool2d(
    x: np.ndarray,
    pool_size: IntPair,
    stride: IntPair | None,
    padding: str,
    reduce: Callable[..., np.ndarray],
) -> np.ndarray:
    """2D pooling with any reduction of a window (``np.max``: :func:`max_pool2d`; ``np.mean``).

    Args:
        x: input batch, shape ``(batch, height, width, channels)``.
        pool_size: window size, an int or ``(rows, columns)``.
        stride: step of the window; ``None`` means ``pool_size``.
        padding: ``"valid"`` or ``"same"``, with TensorFlow's rule (see :func:`conv2d`).
        reduce: a NumPy reduction taking ``axis=(1, 2)``, applied to each window of
            shape ``(batch, rows, columns, channels)``.

    Returns:
        The pooled maps, shape ``(batch, out_height, out_width, channels)``.

    Raises:
        ConfigError: as :func:`conv2d`, for ``pool_size`` in place of the kernel.

    Shown in: book/pooling.md
    """
    x = _as_images(x, "x", dtype=None)
    ph, pw = positive_pair(pool_size, "pool_size")
    sh, sw = positive_pair(pool_size if stride is None else stride, "stride")
    (top, _), (left, _) = _padding(x.shape[1:3], (ph, pw), (sh, sw), padding)
    height, width = x.shape[1:3]
    out_h = conv_output_size(height, ph, sh, padding)
    out_w = conv_output_size(width, pw, sw, padding)
    rows = [_clip(i * sh - top, ph, height) for i in range(out_h)]
    columns = [_clip(j * sw - left, pw, width) for j in range(out_w)]
    # Windows are clipped to the input, so padding never takes part in the max or the mean.
    return np.stack(
        [np.stack([reduce(x[:, r, c, :], axis=(1, 2)) for c in columns], axis=1) for r in rows],
        axis=1,
    )


def _clip(start: int, size: int, length: int) -> slice:
    return slice(max(start, 0), min(start + size, length))


def _padding(
    input_size: tuple[int, int], window: tuple[int, int], stride: tuple[int, int], padding: str
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The zeros to add ((top, bottom), (left, right))."""
    rows, columns = zip(input_size, window, stride, strict=True)
    return padding_amounts(*rows, padding), padding_amounts(*columns, padding)


def _as_images(x: np.ndarray, name: str, dtype: type | None = np.float64) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 4:
        raise ConfigError(
            f"{name} has shape {x.shape}; it must have rank 4, (batch, height, width, channels). "
            "For a single grayscale image, pass image[None, :, :, None]."
        )
    return x
