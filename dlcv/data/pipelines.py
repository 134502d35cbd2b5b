"""``tf.data`` pipelines as the book's data sets hand them to ``fit``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # TensorFlow loads on first use, not when dlcv.data is imported
    import tensorflow as tf


def from_arrays(
    x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle_seed: int | None = None
) -> tf.data.Dataset:
    """Arrays as a pipeline for ``fit``: held in memory, batched, prefetched and, given a
    ``shuffle_seed``, reshuffled every epoch.

    ``tf.data`` prepares the next batches while a step runs; arrays passed to ``fit`` are
    sliced in Python between steps, which slows small models down.

    Example:
        >>> x, y = np.zeros((10, 2), "float32"), np.arange(10)
        >>> [int(len(batch)) for batch, _ in from_arrays(x, y, batch_size=4)]
        [4, 4, 2]
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
