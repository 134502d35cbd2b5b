"""The book's experiments, each one call: the pages and ``python -m dlcv train`` share them, so
a model trained from the command line is the one a page loads from the run cache, and back."""

from __future__ import annotations

from dlcv import settings
from dlcv.data import load_cats_vs_dogs, load_mnist
from dlcv.models import cats_vs_dogs_convnet, data_augmentation, mnist_convnet
from dlcv.training import Run, run


def train_mnist(*, epochs: int | None = None, force: bool = False, verbose: int = 0) -> Run:
    """The MNIST convnet, trained as in the book: RMSprop, batch size 64, five epochs.

    The quick profile trains on the 4,000-digit sample, so it takes more epochs and smaller
    batches to see enough updates. A tenth of the training data is held out for validation.

    Args:
        epochs: overrides the profile's number of epochs.
        force: train again even when the run is cached.
        verbose: Keras' progress output (0: none, 1: progress bars).
    """
    return run(
        mnist_convnet,
        load_mnist(),
        epochs=epochs or settings.by_profile(quick=10, full=5),
        batch_size=settings.by_profile(quick=32, full=64),
        validation_split=0.1,
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        force=force,
        verbose=verbose,
    )


def cats_vs_dogs_epochs(augmentation: bool) -> int:
    """The epochs of a cats-vs-dogs run: the book's 30 (100 with augmentation) in the full
    profile, fewer on the quick profile's smaller sample."""
    if augmentation:
        return settings.by_profile(quick=24, full=100)
    return settings.by_profile(quick=12, full=30)


def train_cats_vs_dogs(
    *,
    augmentation: bool = False,
    dropout: float = 0.0,
    epochs: int | None = None,
    force: bool = False,
    verbose: int = 0,
) -> Run:
    """The cats-vs-dogs convnet from scratch, trained as in the book.

    RMSprop and binary cross-entropy; a checkpoint keeps the epoch with the lowest validation
    loss, and that model is evaluated on the test set.

    Args:
        augmentation: put :func:`dlcv.models.data_augmentation` in front of the model.
        dropout: the rate of the dropout layer after ``Flatten`` (0: none).
        epochs: overrides the default of :func:`cats_vs_dogs_epochs`.
        force: train again even when the run is cached.
        verbose: Keras' progress output (0: none, 1: progress bars).
    """
    name = "cats_vs_dogs" + ("_augmented" if augmentation else "") + (
        f"_dropout{dropout:g}" if dropout else ""
    )
    return run(
        cats_vs_dogs_convnet,
        load_cats_vs_dogs(),
        model_kwargs={
            "augmentation": data_augmentation() if augmentation else None,
            "dropout": dropout,
        },
        epochs=epochs or cats_vs_dogs_epochs(augmentation),
        optimizer="rmsprop",
        loss="binary_crossentropy",
        name=name,
        force=force,
        verbose=verbose,
    )
