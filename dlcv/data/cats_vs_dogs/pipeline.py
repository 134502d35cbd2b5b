"""A split of the prepared folder as the ``tf.data`` pipeline ``fit`` takes."""

from __future__ import annotations

from pathlib import Path

from dlcv import settings
from dlcv.data.cats_vs_dogs.subset import CLASS_NAMES


def pipeline(folder: Path, image_size, batch_size: int, shuffle: bool):
    """One split of the prepared folder, read, cached, shuffled, batched and prefetched.

    Shown in: book/cats-vs-dogs.md
    """
    import keras
    import tensorflow as tf

    images = keras.utils.image_dataset_from_directory(
        folder,
        class_names=list(CLASS_NAMES),
        image_size=tuple(image_size),
        batch_size=None,
        shuffle=False,
        verbose=False,
    )
    # Cached as uint8, a quarter of the float32 memory; the resize's fractions are rounded off.
    images = images.map(lambda x, y: (tf.cast(tf.round(x), tf.uint8), y)).cache()
    if shuffle:
        images = images.shuffle(
            images.cardinality(), seed=settings.SEED, reshuffle_each_iteration=True
        )
    return (
        images.batch(batch_size)
        .map(lambda x, y: (tf.cast(x, tf.float32), y))
        .prefetch(tf.data.AUTOTUNE)
    )
