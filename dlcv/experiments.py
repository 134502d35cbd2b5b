"""The book's experiments, each one call: the pages, ``python -m dlcv train`` and
``python -m dlcv lessons`` share them, so a model trained from the command line is the one a page
loads from the run cache, and back. Their settings come from the
:class:`~dlcv.profiles.Profile` passed as ``profile``; a page that passes none gets the one
``DLCV_PROFILE`` names, read once by :func:`dlcv.profiles.active` (the page is the edge).

:mod:`dlcv.edition` lists the calls the book's pages make, so that ``python -m dlcv runs plan``
lists their runs without training them."""

from __future__ import annotations

from dlcv import lessons, profiles
from dlcv.data import CatsVsDogsData, MnistData, load_cats_vs_dogs, load_mnist
from dlcv.errors import ConfigError
from dlcv.models import (
    AUGMENTATIONS,
    cats_vs_dogs_convnet,
    cats_vs_dogs_dropout_placement,
    data_augmentation,
    mnist_convnet,
    mnist_convnet_gap,
    mnist_convnet_with,
    mnist_convnet_without_pooling,
    mnist_dense,
    single_augmentation,
)
from dlcv.profiles import Profile
from dlcv.runs import Run
from dlcv.runs import run as run_or_load

ABLATION = {
    "baseline": {"augmentation": False, "dropout": 0.0},
    "+dropout": {"augmentation": False, "dropout": 0.5},
    "+augmentation": {"augmentation": True, "dropout": 0.0},
    "+both": {"augmentation": True, "dropout": 0.5},
}
"""The four variants of the ablation, by label.

Shown in: book/dropout.md
"""


CRITERIA = ("val_loss", "val_accuracy")
"""The checkpoint criteria of the cats-vs-dogs runs (lowest validation loss, the book's, and highest
validation accuracy): one training keeps and stores the best epoch by each."""


_USED: dict[str, Run] = {}
"""The runs the experiments returned in this process, by key (see :func:`runs_used`)."""


def run(*args, **kwargs):
    """:func:`dlcv.runs.run`, which also notes the run it returns for :func:`runs_used`."""
    result = run_or_load(*args, **kwargs)
    if isinstance(result, Run):  # not a run planned without training
        _USED.setdefault(result.key, result)
    return result


def runs_used() -> list[Run]:
    """Every run the experiments returned in this process (this page's kernel), once each, in
    the order they were first used: what a page's runs note counts
    (:func:`dlcv.data.provenance.runs_note`)."""
    return list(_USED.values())


def _profile(profile: Profile | None) -> Profile:
    """``profile``, or for a page that passes none, the one ``DLCV_PROFILE`` names."""
    return profiles.active() if profile is None else profile


def mnist_data(profile: Profile | None = None) -> MnistData:
    """MNIST in the profile's batches, a tenth of the training digits held out for validation."""
    return load_mnist(batch_size=_profile(profile).mnist_batch_size, validation_split=0.1)


def train_mnist(
    *, epochs: int | None = None, force: bool = False, verbose: int = 0,
    profile: Profile | None = None,
) -> Run:
    """The MNIST convnet, trained as Chollet trains it (RMSprop), with the profile's epochs and
    batch size.

    The quick profile trains on the 4,000-digit sample, so it takes more epochs and smaller
    batches to see enough updates (:data:`dlcv.profiles.QUICK`).

    Args:
        epochs: overrides the profile's number of epochs.
        force: train again even when the run is cached.
        verbose: Keras' progress output (0: none, 1: progress bars).

    Shown in: book/mnist-convnet.md
    """
    profile = _profile(profile)
    return run(
        mnist_convnet,
        mnist_data(profile),
        epochs=epochs or profile.mnist_epochs,
        precision=profile.precision,
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        force=force,
        verbose=verbose,
        profile=profile.name,
    )


def cats_vs_dogs_data(profile: Profile | None = None) -> CatsVsDogsData:
    """The cats-vs-dogs data of the profile: the book's photos at 180x180 in batches of 32 in
    the full profile; in the quick one, unless real photos are on disk, the drawn sample at
    100x100 in batches of 8."""
    profile = _profile(profile)
    return load_cats_vs_dogs(
        image_size=profile.cats_vs_dogs_image_size,
        batch_size=profile.cats_vs_dogs_batch_size,
        sample_counts=profile.sample_counts,
        download=profile.downloads,
    )


def cats_vs_dogs_epochs(
    augmentation: bool = False, dropout: float = 0.0, profile: Profile | None = None
) -> int:
    """The profile's epochs for a variant: the book trains its baseline for 30 epochs and the
    model with augmentation and dropout, which overfits much later, for 100 (every regularized
    variant of the ablation gets the longer budget); the quick profile gives all the same."""
    profile = _profile(profile)
    return profile.regularized_epochs if augmentation or dropout else profile.baseline_epochs


def train_cats_vs_dogs(
    *,
    augmentation: bool = False,
    dropout: float = 0.0,
    epochs: int | None = None,
    seed: int | None = None,
    monitor: str = "val_loss",
    force: bool = False,
    train: bool = True,
    verbose: int = 0,
    profile: Profile | None = None,
) -> Run:
    """The cats-vs-dogs convnet from scratch, trained as in the book.

    RMSprop and binary cross-entropy; a checkpoint keeps the epoch with the lowest validation
    loss, and that model is evaluated on the test set. The augmentation layers are seeded from
    the run's seed, so that the seed decides the run, augmentations included.

    Args:
        augmentation: put :func:`dlcv.models.data_augmentation` in front of the model.
        dropout: the rate of the dropout layer after ``Flatten`` (0: none).
        epochs: overrides the default of :func:`cats_vs_dogs_epochs`.
        seed: the training seed; defaults to the profile's first.
        monitor: the quantity whose best epoch the checkpoint keeps: the book's
            ``"val_loss"`` (lowest) or ``"val_accuracy"`` (highest).
        force: train again even when the run is cached.
        train: ``False`` raises :class:`dlcv.errors.RunCacheError` when the run is not
            cached, instead of training it.
        verbose: Keras' progress output (0: none, 1: progress bars).
        profile: the edition's settings; default: the one ``DLCV_PROFILE`` names.

    Shown in: book/cats-vs-dogs.md
    """
    profile = _profile(profile)
    seed = _seed(seed, profile)
    name = "cats_vs_dogs" + ("_augmented" if augmentation else "") + (
        f"_dropout{dropout:g}" if dropout else ""
    )
    return _train_cats_vs_dogs_model(
        cats_vs_dogs_convnet,
        {"augmentation": data_augmentation(seed) if augmentation else None, "dropout": dropout},
        epochs=epochs or cats_vs_dogs_epochs(augmentation, dropout, profile),
        name=name,
        seed=seed,
        monitor=monitor,
        force=force,
        train=train,
        verbose=verbose,
        profile=profile,
    )


def _seed(seed: int | None, profile: Profile) -> int:
    """``seed``, or the profile's first seed for ``None``."""
    return profile.seeds[0] if seed is None else seed


def _run_name(name: str, monitor: str) -> str:
    """``name``, with ``_by_<monitor>`` for a criterion other than the book's."""
    return name if monitor == CRITERIA[0] else f"{name}_by_{monitor}"


def _train_cats_vs_dogs_model(
    builder, model_kwargs: dict, *, epochs: int, name: str, seed, force: bool, train: bool = True,
    monitor: str = "val_loss", verbose: int = 0, profile: Profile | None = None,
) -> Run:
    """Any cats-vs-dogs builder, trained with the profile's image size, optimizer, precision and
    seed: the one place the cats-vs-dogs experiments' training settings are written. It keeps
    the best epoch by each of :data:`CRITERIA`; ``monitor`` picks the run returned."""
    profile = _profile(profile)
    if monitor not in CRITERIA:
        raise ConfigError(f"monitor must be one of {', '.join(CRITERIA)}; got {monitor!r}.")
    return run(
        builder,
        cats_vs_dogs_data(profile),
        model_kwargs={**model_kwargs, "image_size": profile.cats_vs_dogs_image_size},
        epochs=epochs,
        optimizer="rmsprop",
        learning_rate=profile.learning_rate,
        precision=profile.precision,
        loss="binary_crossentropy",
        monitor=monitor,
        seed=_seed(seed, profile),
        name=_run_name(name, monitor),
        force=force,
        train=train,
        verbose=verbose,
        profile=profile.name,
        also_keep={other: _run_name(name, other) for other in CRITERIA if other != monitor},
    )


def train_over_seeds(
    label: str,
    *,
    monitor: str = "val_loss",
    force: bool = False,
    train: bool = True,
    verbose: int = 0,
    profile: Profile | None = None,
) -> list[Run]:
    """One variant of :data:`ABLATION`, trained once per seed of the profile.

    Args:
        label: a key of :data:`ABLATION`, such as ``"baseline"`` or ``"+both"``.
        monitor, force, train, verbose: as for :func:`train_cats_vs_dogs`.

    Returns:
        The runs, in the order of the profile's ``seeds``.

    Raises:
        ConfigError: if ``label`` is not a variant of :data:`ABLATION`.

    Shown in: book/data-augmentation.md
    """
    if label not in ABLATION:
        raise ConfigError(f"No variant {label!r}; the variants are {', '.join(ABLATION)}.")
    profile = _profile(profile)
    return [
        train_cats_vs_dogs(
            **ABLATION[label], seed=seed, monitor=monitor, force=force, train=train,
            verbose=verbose, profile=profile,
        )
        for seed in profile.seeds
    ]


def train_criterion_study(
    *, force: bool = False, verbose: int = 0, profile: Profile | None = None
) -> dict[str, list[Run]]:
    """The baseline and the model with augmentation and dropout over the profile's seeds, with
    the checkpoint on the highest validation accuracy instead of the lowest validation loss:
    everything else as :func:`train_over_seeds`, so the two criteria compare seed by seed.

    Returns:
        A dict label (``"baseline"``, ``"+both"``) -> the runs, in the order of the seeds.
    """
    return {
        label: train_over_seeds(
            label, monitor="val_accuracy", force=force, verbose=verbose, profile=profile
        )
        for label in ("baseline", "+both")
    }


def train_ablation(
    *, seed: int | None = None, force: bool = False, verbose: int = 0,
    profile: Profile | None = None,
) -> dict:
    """The four variants of :data:`ABLATION`, each with its profile's epochs and one seed.

    Args:
        seed: the training seed of every variant; defaults to the profile's first.
        force, verbose: as for :func:`train_cats_vs_dogs`.

    Returns:
        A dict label -> :class:`~dlcv.training.Run`, in the order of :data:`ABLATION`.
    """
    return {
        label: train_cats_vs_dogs(
            **variant, seed=seed, force=force, verbose=verbose, profile=profile
        )
        for label, variant in ABLATION.items()
    }


# --- MNIST: other models on the convnet's data and budget, and the shifted-digit test ---


def train_mnist_model(
    build_model,
    *,
    name: str | None = None,
    model_kwargs: dict | None = None,
    epochs: int | None = None,
    monitor: str = "val_loss",
    mode: str = "auto",
    force: bool = False,
    verbose: int = 0,
    profile: Profile | None = None,
) -> Run:
    """Any MNIST model, trained exactly as :func:`train_mnist` trains the convnet: the same data,
    batches, epochs, optimizer, loss, precision and seed, so that their results compare.

    Args:
        build_model: a function returning an uncompiled model of ``(batch, 28, 28, 1)`` images
            to 10 class probabilities, such as :func:`dlcv.models.mnist_dense`.
        name: a readable name for the run's cache entry; defaults to the builder's name.
        model_kwargs: keyword arguments of ``build_model``.
        epochs: overrides the profile's number of epochs.
        monitor, mode: the quantity whose best epoch the checkpoint keeps, and whether best is
            its ``"min"`` or ``"max"`` (see :func:`dlcv.runs.run`).
        force, verbose: as for :func:`train_mnist`.

    Example (not run here: it trains)::

        dense = train_mnist_model(dlcv.models.mnist_dense)
        by_accuracy = train_mnist_model(
            dlcv.models.mnist_convnet, monitor="val_accuracy", mode="max"
        )
    """
    profile = _profile(profile)
    return run(
        build_model,
        mnist_data(profile),
        model_kwargs=model_kwargs,
        epochs=epochs or profile.mnist_epochs,
        precision=profile.precision,
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        monitor=monitor,
        mode=mode,
        name=name,
        force=force,
        verbose=verbose,
        profile=profile.name,
    )


def train_dense_mnist(
    *, force: bool = False, verbose: int = 0, profile: Profile | None = None
) -> Run:
    """The densely connected network of Chollet's second chapter
    (:func:`dlcv.models.mnist_dense`), trained on the convnet's data and budget.

    Shown in: book/mnist-convnet.md
    """
    return train_mnist_model(mnist_dense, force=force, verbose=verbose, profile=profile)


def train_mnist_gap(
    *, force: bool = False, verbose: int = 0, profile: Profile | None = None
) -> Run:
    """The convnet with global average pooling in place of ``Flatten``
    (:func:`dlcv.models.mnist_convnet_gap`), trained on the convnet's data and budget.

    Shown in: book/mnist-convnet.md
    """
    return train_mnist_model(mnist_convnet_gap, force=force, verbose=verbose, profile=profile)


def train_first_layer_widths(
    widths=(16, 64), *, force: bool = False, verbose: int = 0, profile: Profile | None = None
) -> dict[int, Run]:
    """:func:`dlcv.models.mnist_convnet_with` for each number of first-layer filters in
    ``widths``, trained exactly as :func:`train_mnist` trains the convnet (an exercise of the
    MNIST chapter; its 32 filters are the convnet itself).

    Returns:
        A dict number of filters -> :class:`~dlcv.runs.Run`, in the order of ``widths``.
    """
    return {
        filters: train_mnist_model(
            mnist_convnet_with, model_kwargs={"first_filters": filters},
            name=f"mnist_first_{filters}", force=force, verbose=verbose, profile=profile,
        )
        for filters in widths
    }


def train_pooling_comparison(
    *, epochs: int = 1, force: bool = False, verbose: int = 0, profile: Profile | None = None
) -> dict[str, Run]:
    """The MNIST convnet with and without its pooling layers
    (:func:`dlcv.models.mnist_convnet_without_pooling`), each for ``epochs`` epochs with the
    convnet's other settings: an exercise of the MNIST chapter, kept to a small budget.

    Returns:
        A dict ``"with pooling"``, ``"without pooling"`` -> :class:`~dlcv.runs.Run`.
    """
    return {
        "with pooling": train_mnist_model(
            mnist_convnet, epochs=epochs, name=f"mnist_convnet_{epochs}_epoch",
            force=force, verbose=verbose, profile=profile,
        ),
        "without pooling": train_mnist_model(
            mnist_convnet_without_pooling, epochs=epochs, force=force, verbose=verbose,
            profile=profile,
        ),
    }


# --- Cats vs dogs: one seed, a short budget (the dropout and augmentation exercises) -------

SHORT_EPOCHS = 20
"""The epoch budget of the one-seed experiments below in both profiles: a few cold-build minutes."""

DROPOUT_PLACEMENT_RATES = {"flatten": 0.5, "between": 0.2, "spatial": 0.2}
"""The rate of each placement: the book's 0.5 after ``Flatten``, and 0.2 for the four layers
inside the convolutional base, a common choice there."""


def train_short(
    *, seed: int | None = None, force: bool = False, verbose: int = 0,
    profile: Profile | None = None,
) -> Run:
    """The baseline of :func:`train_cats_vs_dogs`, for :data:`SHORT_EPOCHS` epochs: the
    reference of the one-seed experiments."""
    return train_cats_vs_dogs(
        epochs=SHORT_EPOCHS, seed=seed, force=force, verbose=verbose, profile=profile
    )


def _train_short(
    builder, model_kwargs: dict, name: str, seed, force: bool, verbose: int, profile
) -> Run:
    return _train_cats_vs_dogs_model(
        builder, model_kwargs, epochs=SHORT_EPOCHS, name=name, seed=seed, force=force,
        verbose=verbose, profile=profile,
    )


def train_dropout_placements(
    *, seed: int | None = None, force: bool = False, verbose: int = 0,
    profile: Profile | None = None,
) -> dict[str, Run]:
    """The convnet with dropout in each place of :data:`DROPOUT_PLACEMENT_RATES`, one seed,
    :data:`SHORT_EPOCHS` epochs, trained as :func:`train_cats_vs_dogs` trains.

    Returns:
        A dict placement -> :class:`~dlcv.training.Run`.
    """
    return {
        placement: _train_short(
            cats_vs_dogs_dropout_placement, {"placement": placement, "rate": rate},
            f"cats_vs_dogs_dropout_{placement}", seed, force, verbose, profile,
        )
        for placement, rate in DROPOUT_PLACEMENT_RATES.items()
    }


def train_single_augmentations(
    *, seed: int | None = None, force: bool = False, verbose: int = 0,
    profile: Profile | None = None,
) -> dict[str, Run]:
    """The convnet with one augmentation layer at a time (flip, rotation, zoom) and no
    dropout, one seed, :data:`SHORT_EPOCHS` epochs.

    Returns:
        A dict kind -> :class:`~dlcv.training.Run`.
    """
    seed = _seed(seed, _profile(profile))
    return {
        kind: _train_short(
            cats_vs_dogs_convnet, {"augmentation": single_augmentation(kind, seed)},
            f"cats_vs_dogs_{kind}", seed, force, verbose, profile,
        )
        for kind in AUGMENTATIONS
    }


# --- The lessons, checked on the profile's runs ----------------------------------------------


def check_lessons(
    *, train: bool = True, verbose: int = 0, profile: Profile | None = None
) -> list[lessons.Lesson]:
    """Checks the lessons (:mod:`dlcv.lessons`) on the profile's baseline and +both runs, one
    pair per seed.

    Args:
        train: train the runs that are not cached; ``False`` raises
            :class:`dlcv.errors.RunCacheError` for a missing run instead.
        verbose: Keras' progress output while training.
        profile: the edition's settings; default: the one ``DLCV_PROFILE`` names.
    """
    profile = _profile(profile)
    baseline = train_over_seeds("baseline", train=train, verbose=verbose, profile=profile)
    both = train_over_seeds("+both", train=train, verbose=verbose, profile=profile)
    return lessons.check(baseline, both, profile.seeds)
