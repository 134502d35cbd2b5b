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
        epochs=epochs or settings.by_profile(quick=6, full=5),
        batch_size=settings.by_profile(quick=32, full=64),
        validation_split=0.1,
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        force=force,
        verbose=verbose,
    )


QUICK_CATS_VS_DOGS_EPOCHS = 32
"""Epochs of every cats-vs-dogs run in the quick profile: what fits the book's build budget on
two CPU cores, with the same budget for each variant (so the ablation reuses the pages' runs)."""

ABLATION = {
    "baseline": {"augmentation": False, "dropout": 0.0},
    "+dropout": {"augmentation": False, "dropout": 0.5},
    "+augmentation": {"augmentation": True, "dropout": 0.0},
    "+both": {"augmentation": True, "dropout": 0.5},
}
"""The four variants of the ablation, by label."""


def cats_vs_dogs_image_size() -> tuple[int, int]:
    """The book's 180x180 in the full profile; 90x90 in the quick one.

    On two CPU cores the convnet trains about four times faster on 90x90 images, which is what
    lets the quick profile train its four runs within the book's build budget. The layers are
    the same; the last feature map shrinks from 7x7 to 1x1.
    """
    return settings.by_profile(quick=(90, 90), full=(180, 180))


def cats_vs_dogs_data():
    """The cats-vs-dogs data of the profile's experiments: the book's batches of 32 at 180x180
    in the full profile; in the quick one 90x90 images in batches of 8. The model needs a few
    hundred updates before it starts to learn, whatever their size, and on two CPU cores
    batches of 8 give twice the updates of batches of 16 at nearly the same cost per image."""
    return load_cats_vs_dogs(
        image_size=cats_vs_dogs_image_size(), batch_size=settings.by_profile(quick=8, full=32)
    )


def cats_vs_dogs_epochs(augmentation: bool) -> int:
    """The epochs of a cats-vs-dogs run: the book's 30 (100 with augmentation, which slows
    overfitting down) in the full profile; :data:`QUICK_CATS_VS_DOGS_EPOCHS` in the quick one."""
    full = 100 if augmentation else 30
    return settings.by_profile(quick=QUICK_CATS_VS_DOGS_EPOCHS, full=full)


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
    image_size = cats_vs_dogs_image_size()
    return run(
        cats_vs_dogs_convnet,
        cats_vs_dogs_data(),
        model_kwargs={
            "augmentation": data_augmentation() if augmentation else None,
            "dropout": dropout,
            "image_size": image_size,
        },
        epochs=epochs or cats_vs_dogs_epochs(augmentation),
        optimizer="rmsprop",
        loss="binary_crossentropy",
        name=name,
        force=force,
        verbose=verbose,
    )


def train_ablation(*, epochs: int | None = None, force: bool = False, verbose: int = 0) -> dict:
    """The four variants of :data:`ABLATION`, each trained with the same budget and seed.

    Args:
        epochs: epochs of every variant; defaults to the augmented run's budget (100 in the
            full profile), so no variant is cut short.
        force: train again even when the runs are cached.
        verbose: Keras' progress output.

    Returns:
        A dict label -> :class:`~dlcv.training.Run`, in the order of :data:`ABLATION`.
    """
    epochs = epochs or cats_vs_dogs_epochs(augmentation=True)
    return {
        label: train_cats_vs_dogs(**variant, epochs=epochs, force=force, verbose=verbose)
        for label, variant in ABLATION.items()
    }
