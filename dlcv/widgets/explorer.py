"""The convolution explorer, and its static counterparts: where a sliding window goes, and
what a kernel holds.

:func:`plot_window_positions` draws, for the printed page, every position a window takes over
a padded input; :func:`plot_kernels` draws kernels with their weights written in.
:func:`convolution_explorer` writes the HTML a page emits for
``book/_static/widgets/conv-explorer.js``.

A page calls :func:`convolution_explorer` in a code cell with a real digit. The cell's output
is a ``<div class="conv-explorer">`` that carries the image, the example kernels and the
starting settings as ``data-`` attributes; on the book's web pages the script turns every such
container into an interactive figure. It computes exactly what :func:`dlcv.ops.conv2d`
computes on ``center_crop(image, input_size)`` with ``example_kernels(kernel_size)[kernel]``
(the browser tests check this), so the reader can play with the same operation the chapter
explains.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from dlcv.errors import ConfigError
from dlcv.ops import PADDINGS, conv_output_size, padding_amounts
from dlcv.validate import int_in_range
from dlcv.widgets.container import WidgetHTML, widget_container

MIN_INPUT_SIZE = 7
"""The smallest input the explorer offers: every kernel size still has a valid position."""
KERNEL_SIZES = range(1, 8)
STRIDES = range(1, 5)


WINDOW_COLOR = matplotlib.colormaps["tab10"](1)  # orange: visible on white and grey cells


def plot_window_positions(
    n: int,
    kernel_size: int,
    strides: Sequence[int] = (1, 2),
    paddings: Sequence[str] = PADDINGS,
) -> Figure:
    """Where a ``kernel_size`` window sits over an ``n`` x ``n`` input: one panel per padding
    (rows) and stride (columns).

    Input cells are white, padding zeros grey and hatched. A dot marks the centre of each
    window position, one per output value; the first window is outlined, the next one along
    the row dashed, so the stride shows as the gap between them.

    Args:
        n: side of the input.
        kernel_size: side of the window.
        strides: the strides to compare.
        paddings: the paddings to compare, ``"valid"`` and/or ``"same"``.

    Returns:
        The figure; each panel's title gives the output size.

    Raises:
        ConfigError: if a combination is invalid (see :func:`dlcv.ops.conv_output_size`).
    """
    figure = Figure(figsize=(2.6 * len(strides), 2.9 * len(paddings)), layout="constrained")
    axes = figure.subplots(len(paddings), len(strides), squeeze=False)
    for row, padding in enumerate(paddings):
        for column, stride in enumerate(strides):
            _draw_window_positions(axes[row, column], n, kernel_size, stride, padding)
    return figure


def _draw_window_positions(ax, n: int, k: int, stride: int, padding: str) -> None:
    out = conv_output_size(n, k, stride, padding)
    before, after = padding_amounts(n, k, stride, padding)
    for r in range(-before, n + after):
        for c in range(-before, n + after):
            inside = 0 <= r < n and 0 <= c < n
            ax.add_patch(
                Rectangle(
                    (c, r),
                    1,
                    1,
                    facecolor="white" if inside else "0.85",
                    edgecolor="0.55",
                    linewidth=0.6,
                    hatch=None if inside else "///",
                )
            )
    starts = [i * stride - before for i in range(out)]
    centres = [start + k / 2 for start in starts]
    xs, ys = np.meshgrid(centres, centres)
    ax.plot(xs.ravel(), ys.ravel(), "o", color=WINDOW_COLOR, markersize=4)
    ax.add_patch(
        Rectangle((starts[0], starts[0]), k, k, fill=False, edgecolor=WINDOW_COLOR, linewidth=2.5)
    )
    if out > 1:
        ax.add_patch(
            Rectangle(
                (starts[1], starts[0]),
                k,
                k,
                fill=False,
                edgecolor=WINDOW_COLOR,
                linewidth=1.5,
                linestyle="--",
            )
        )
    ax.set_xlim(-before - 0.2, n + after + 0.2)
    ax.set_ylim(n + after + 0.2, -before - 0.2)  # row 0 on top, like an image
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{padding}, stride {stride}: {out}×{out}", fontsize="medium")


def example_kernels(size: int) -> dict[str, np.ndarray]:
    """Hand-made ``size`` x ``size`` kernels, by name: what the explorer lets the reader pick.

    ``identity`` copies the input (its 1 sits where ``"same"`` padding centres the window);
    ``blur`` averages the window; ``vertical edges`` (+1 on the left, -1 on the right) responds
    where brightness changes from left to right, ``horizontal edges`` from top to bottom; and
    ``sharpen`` (twice the identity minus the blur) exaggerates differences from the
    neighbourhood. Edge kernels need a size of at least 2, ``sharpen`` at least 3.

    Args:
        size: the side of the kernel, from 1 to 7.

    Returns:
        A dict from kernel name to a float64 array of shape ``(size, size)``.

    Raises:
        ConfigError: if ``size`` is not in 1..7.
    """
    int_in_range(size, "size", KERNEL_SIZES)
    centre = (size - 1) // 2
    identity = np.zeros((size, size))
    identity[centre, centre] = 1.0
    kernels = {"identity": identity, "blur": np.full((size, size), 1.0 / size**2)}
    if size >= 2:
        left_minus_right = np.sign((size - 1) / 2 - np.arange(size))  # +1 ... 0 ... -1
        kernels["vertical edges"] = np.tile(left_minus_right, (size, 1))
        kernels["horizontal edges"] = kernels["vertical edges"].T.copy()
    if size >= 3:
        kernels["sharpen"] = 2 * identity - kernels["blur"]
    return kernels


def center_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central ``size`` x ``size`` pixels of a 2D image (the extra pixel, if any, is cut
    from the top and left); the explorer's input for input size ``size``.

    Raises:
        ConfigError: if the image is not 2D or smaller than ``size``.
    """
    image = np.asarray(image)
    if image.ndim != 2 or min(image.shape) < size:
        raise ConfigError(
            f"Cannot crop {size}x{size} pixels from an image of shape {image.shape}; "
            f"pass a 2D image of at least {size}x{size}."
        )
    top = (image.shape[0] - size) // 2
    left = (image.shape[1] - size) // 2
    return image[top : top + size, left : left + size]


def convolution_explorer(
    image: np.ndarray,
    *,
    input_size: int | None = None,
    kernel_size: int = 3,
    stride: int = 1,
    padding: str = "valid",
    kernel: str = "vertical edges",
    caption: str = "",
) -> WidgetHTML:
    """An interactive convolution of ``image`` for the book's web pages.

    The reader changes every setting in the page; the arguments only choose where it starts.

    Args:
        image: a 2D grayscale image, square, at least 7x7: ``uint8`` in 0..255 or floats in
            [0, 1]. The explorer shows and convolves values in [0, 1].
        input_size: side of the central crop to start with; ``None`` for the whole image.
        kernel_size: side of the kernel to start with, 1 to 7.
        stride: stride to start with, 1 to 4.
        padding: ``"valid"`` or ``"same"``.
        kernel: name of the starting kernel, one of :func:`example_kernels`.
        caption: text under the figure.

    Returns:
        A :class:`dlcv.widgets.container.WidgetHTML`; as a cell's last expression it displays
        the explorer (or, outside the book's web pages, a note that it runs there).

    Raises:
        ConfigError: if the image is not a square 2D image of at least 7x7 with values in
            [0, 1] (or ``uint8``), or a setting is out of range.
    """
    pixels = _unit_interval(image)
    side = pixels.shape[0]
    input_size = side if input_size is None else input_size
    int_in_range(input_size, "input_size", range(MIN_INPUT_SIZE, side + 1))
    int_in_range(stride, "stride", STRIDES)
    if padding not in PADDINGS:
        raise ConfigError(f"padding={padding!r} is not a padding; use 'valid' or 'same'.")
    if kernel not in example_kernels(kernel_size):
        names = ", ".join(example_kernels(kernel_size))
        raise ConfigError(
            f"kernel={kernel!r} is not a {kernel_size}x{kernel_size} kernel: {names}."
        )

    kernels = {
        str(size): {name: weights.tolist() for name, weights in example_kernels(size).items()}
        for size in KERNEL_SIZES
    }
    attributes = {
        "data-image": json.dumps(np.round(pixels, 4).tolist(), separators=(",", ":")),
        "data-kernels": json.dumps(kernels, separators=(",", ":")),
        "data-input-size": input_size,
        "data-kernel-size": kernel_size,
        "data-stride": stride,
        "data-padding": padding,
        "data-kernel": kernel,
        "data-caption": caption,
    }
    note = (
        "The convolution explorer: a kernel slides over the image, and the output fills in "
        "value by value, with every setting (input size, kernel, stride, padding) yours to "
        "change. Its script (<code>conv-explorer.js</code>) computes what "
        "<code>dlcv.ops.conv2d</code> computes."
    )
    return widget_container("conv-explorer", "convolution explorer", attributes, note)


def _unit_interval(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2 or image.shape[0] != image.shape[1] or image.shape[0] < MIN_INPUT_SIZE:
        raise ConfigError(
            f"The explorer needs a square 2D grayscale image of at least {MIN_INPUT_SIZE}x"
            f"{MIN_INPUT_SIZE}; got shape {image.shape}. For an MNIST digit pass x_train[i]."
        )
    if image.dtype == np.uint8:
        return image / 255.0
    pixels = image.astype(np.float64)
    if not (np.isfinite(pixels).all() and pixels.min() >= 0.0 and pixels.max() <= 1.0):
        raise ConfigError(
            "The explorer's image must be uint8 (0..255) or floats in [0, 1]; "
            f"got values from {pixels.min()} to {pixels.max()}. Divide by 255 first."
        )
    return pixels


def plot_kernels(kernels: Mapping[str, np.ndarray], decimals: int = 2) -> Figure:
    """2D kernels side by side, each weight written in its cell, on one colour scale.

    Positive weights are red, negative blue and zero white, with the same scale for every
    panel (the largest absolute weight of all), so that kernels can be compared weight by
    weight: a hand-made kernel next to a learned one, for instance.

    Args:
        kernels: panel title to a 2D kernel, in the order to draw them.
        decimals: how many decimals to write.

    Returns:
        A figure with one panel per kernel.

    Raises:
        ConfigError: if there is no kernel, a kernel is not 2D, or ``decimals`` is negative.
    """
    if not kernels:
        raise ConfigError("plot_kernels needs at least one kernel.")
    int_in_range(decimals, "decimals", range(0, 10))
    arrays = {title: np.asarray(kernel, dtype=np.float64) for title, kernel in kernels.items()}
    for title, kernel in arrays.items():
        if kernel.ndim != 2:
            raise ConfigError(
                f"The kernel {title!r} has shape {kernel.shape}; pass 2D kernels "
                "(for a Conv2D kernel k, k[:, :, 0, 0])."
            )
    scale = max(float(np.abs(kernel).max()) for kernel in arrays.values()) or 1.0
    figure = Figure(figsize=(2.3 * len(arrays), 2.5), layout="constrained")
    axes = figure.subplots(1, len(arrays), squeeze=False)[0]
    colormap = matplotlib.colormaps["RdBu_r"]
    for ax, (title, kernel) in zip(axes, arrays.items(), strict=True):
        ax.imshow(kernel, cmap=colormap, vmin=-scale, vmax=scale)
        for (row, column), weight in np.ndenumerate(kernel):
            # Dark text on pale cells, white on saturated ones.
            color = "white" if abs(weight) > 0.6 * scale else "black"
            shown = round(float(weight), decimals) + 0.0  # + 0.0: no "-0.00"
            ax.text(column, row, f"{shown:.{decimals}f}", ha="center", va="center",
                    color=color, fontsize="small")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize="medium")
    return figure
