"""Numbers the chapters measure on a trained model: its accuracy on shifted digits (the MNIST
chapter), how many of a layer's channels are blank for an image and how much of a Grad-CAM
heatmap lies on the image's border (the visualizing chapter). NumPy, and the model's
``predict``; the activations and heatmaps come from :mod:`dlcv.interpret`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlcv.errors import ConfigError


def blank_fraction(activation: np.ndarray) -> float:
    """The fraction of a layer's channels that are zero everywhere: filters that found nothing.

    Args:
        activation: a layer's output, ``(batch, height, width, channels)``.

    Returns:
        The share, in [0, 1], of channels whose every value in the batch is 0.

    Raises:
        ConfigError: if ``activation`` is not of rank 4.
    """
    activation = np.asarray(activation)
    if activation.ndim != 4:
        raise ConfigError(
            f"activation has shape {activation.shape}; it must be (batch, height, width, channels)."
        )
    return float((activation.max(axis=(0, 1, 2)) == 0).mean())


def border_cells(shape: tuple[int, int]) -> np.ndarray:
    """A boolean mask of the outer ring of cells of a ``(rows, columns)`` grid.

    Example:
        >>> border_cells((3, 3)).astype(int).tolist()
        [[1, 1, 1], [1, 0, 1], [1, 1, 1]]
    """
    ring = np.ones(shape, dtype=bool)
    ring[1:-1, 1:-1] = False
    return ring


def border_mass(heatmaps: Sequence[np.ndarray]) -> float:
    """The mean share of each heatmap's mass on its outer ring of cells (the image's border),
    over the heatmaps that are not all zero.

    Args:
        heatmaps: non-negative ``(rows, columns)`` heatmaps, such as
            :func:`dlcv.interpret.grad_cam` returns.

    Returns:
        The mean share in [0, 1]; 0.0 when every heatmap is empty.
    """
    shares = [
        float(heatmap[border_cells(heatmap.shape)].sum() / heatmap.sum())
        for heatmap in map(np.asarray, heatmaps)
        if heatmap.sum() > 0
    ]
    return float(np.mean(shares)) if shares else 0.0


SHIFT_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))
"""The directions of :func:`accuracy_under_shift`, as ``(down, right)`` unit steps: right, left,
down and up."""


def shift_images(images: np.ndarray, down: int, right: int) -> np.ndarray:
    """Images translated by whole pixels, the uncovered border filled with zeros (black).

    Args:
        images: ``(n, height, width)`` or ``(n, height, width, channels)`` images.
        down: pixels to move the content down (negative: up).
        right: pixels to move the content right (negative: left).

    Returns:
        An array of the shape and dtype of ``images``; what leaves the frame is lost.

    Example:
        >>> shift_images(np.arange(1, 5).reshape(1, 2, 2), 0, 1)[0].tolist()
        [[0, 1], [0, 3]]

    Shown in: book/mnist-convnet.md
    """
    images = np.asarray(images)
    height, width = images.shape[1:3]
    shifted = np.zeros_like(images)
    if abs(down) >= height or abs(right) >= width:
        return shifted
    rows_to = slice(max(down, 0), height + min(down, 0))
    rows_from = slice(max(-down, 0), height + min(-down, 0))
    cols_to = slice(max(right, 0), width + min(right, 0))
    cols_from = slice(max(-right, 0), width + min(-right, 0))
    shifted[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return shifted


def accuracy_under_shift(
    model, images: np.ndarray, labels: np.ndarray, shifts=(0, 1, 2, 3, 4), batch_size: int = 64
) -> list[float]:
    """The accuracy of ``model`` on ``images`` shifted by each number of pixels in ``shifts``.

    Each shift is applied in the four directions of :data:`SHIFT_DIRECTIONS` (right, left, down,
    up) and the four accuracies averaged; a shift of 0 is the images as they are.

    Args:
        model: a Keras classifier of ``images`` to class probabilities.
        images: the inputs as the model takes them, e.g. ``(n, 28, 28, 1)`` floats in [0, 1].
        labels: the ``(n,)`` integer labels.
        shifts: non-negative shifts, in pixels.
        batch_size: images per prediction batch (small: a convnet without pooling holds
            ~0.5 MB of activations per 28x28 digit, and a kernel keeps the memory it peaked at).

    Returns:
        One accuracy in [0, 1] per shift, in the order of ``shifts``.

    Raises:
        ConfigError: if a shift is negative or not an integer.

    Shown in: book/mnist-convnet.md
    """
    labels = np.asarray(labels)
    accuracies = []
    for shift in shifts:
        if not (isinstance(shift, int | np.integer) and shift >= 0):
            raise ConfigError(f"shifts must be non-negative integers, got {shift!r}.")
        directions = SHIFT_DIRECTIONS if shift else ((0, 0),)
        per_direction = [
            float(np.mean(
                model.predict(shift_images(images, shift * down, shift * right),
                              batch_size=batch_size, verbose=0).argmax(axis=1) == labels
            ))
            for down, right in directions
        ]
        accuracies.append(float(np.mean(per_direction)))
    return accuracies


def most_changed(layer, image: np.ndarray, draws: int = 20) -> np.ndarray:
    """Of ``draws`` calls of a random layer on ``image`` in training mode, the output farthest
    from ``image`` (mean absolute difference): a draw that shows what the layer does.

    Args:
        layer: a random preprocessing layer, such as ``keras.layers.RandomRotation(0.1)``.
        image: a batch the layer takes, such as ``(1, height, width, 3)``.
        draws: how many calls to choose from.
    """
    image = np.asarray(image)
    outputs = [np.asarray(layer(image, training=True)) for _ in range(draws)]
    return max(outputs, key=lambda out: np.abs(out - image).mean())
