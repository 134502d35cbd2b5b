"""Figures of the book. Each function returns a ``matplotlib.figure.Figure``.

Figures are created with ``matplotlib.figure.Figure`` directly rather than ``pyplot``, so
building many of them in a page or a test holds no global state and leaks no windows. In a
notebook, ``import dlcv`` lets such figures display (and be glued) as PNG images.

The figures are read on a phone too, where the book shrinks them to the screen's width (about
370 pixels): text is set larger than matplotlib's default and the figures are kept narrow
(:data:`LEGIBLE`, :data:`GRID_WIDTH`), so that labels stay legible there. Text in a figure of
width ``w`` inches shown ``r`` pixels wide is ``points * r / (72 * w)`` pixels tall, whatever
the resolution it was drawn at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from dlcv.errors import ConfigError
from dlcv.validate import positive_int

TRAIN_COLOR = "tab:blue"
VALIDATION_COLOR = "tab:orange"

LEGIBLE = {
    "font.size": 12,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 10,
    "figure.titlesize": 13,
}
"""Text sizes (points) of the charts: 11-point ticks in a 7-inch figure are about 8 pixels
tall on a phone."""

PANEL_WIDTH = 3.6
"""Width of one panel of the curves, in inches (two panels: 7.2 inches)."""

GRID_WIDTH = 9.0
"""The widest a grid of titled images gets, in inches: wider grids wrap into more rows."""

TITLE_POINTS_PER_INCH = 1.7
"""A titled grid's title size in points per inch of the figure's width (between 10 and 15
points): the titles are about 9 pixels tall when the grid is shrunk to a phone's width."""


def plot_history(
    history: Mapping[str, Sequence[float]],
    metrics: Sequence[str] = ("loss", "accuracy"),
    best_epoch: int | None = None,
    title: str | None = None,
) -> Figure:
    """Training curves: one panel per metric, training against validation.

    Args:
        history: per-epoch values, as ``Run.history`` or ``keras.callbacks.History.history``.
        metrics: the metrics to plot; their ``val_`` counterparts are drawn when present.
        best_epoch: a 1-based epoch to mark (e.g. the checkpoint's best epoch).
        title: a title over the panels.

    Returns:
        A figure with one axes per metric.
    """
    with matplotlib.rc_context(LEGIBLE):
        return _plot_history(history, metrics, best_epoch, title)


def _plot_history(history, metrics, best_epoch, title) -> Figure:
    figure = Figure(figsize=(PANEL_WIDTH * len(metrics), 3.2), layout="constrained")
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        values = history[metric]
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, "o-", color=TRAIN_COLOR, markersize=3, label="training")
        if f"val_{metric}" in history:
            ax.plot(
                epochs, history[f"val_{metric}"], "s-", color=VALIDATION_COLOR, markersize=3,
                label="validation",
            )
        if best_epoch is not None:
            ax.axvline(best_epoch, color="0.5", linestyle="--", linewidth=1,
                       label=f"kept epoch ({best_epoch})")
        _label_epoch_axes(ax, metric)
    if title:
        figure.suptitle(title)
    return figure


def compare_histories(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    metrics: Sequence[str] = ("val_loss", "val_accuracy"),
    title: str | None = None,
) -> Figure:
    """Curves of several runs on common axes: one panel per metric, one line per run.

    Args:
        histories: run label -> per-epoch values (``Run.history``).
        metrics: the metrics to compare, e.g. validation loss and accuracy.
        title: a title over the panels.

    Returns:
        A figure with one axes per metric and one labelled line per run.
    """
    with matplotlib.rc_context(LEGIBLE):
        return _compare_histories(histories, metrics, title)


def _compare_histories(histories, metrics, title) -> Figure:
    figure = Figure(figsize=(PANEL_WIDTH * len(metrics), 3.4), layout="constrained")
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    colors = matplotlib.colormaps["tab10"].colors
    for ax, metric in zip(axes, metrics, strict=True):
        for (label, history), color in zip(histories.items(), colors, strict=False):
            values = history[metric]
            ax.plot(np.arange(1, len(values) + 1), values, "-", color=color, label=label)
        _label_epoch_axes(ax, metric.replace("val_", "validation "))
    if title:
        figure.suptitle(title)
    return figure


RUN_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))
"""The line style and marker of each variant's first, second, ... run (cycled beyond four), so
that runs of one colour can be told apart."""


def compare_over_seeds(
    runs: Mapping[str, Sequence],
    metrics: Sequence[str] = ("val_loss", "val_accuracy"),
    title: str | None = None,
    seeds: Sequence[int] | None = None,
) -> Figure:
    """Validation curves of several variants, each trained once per seed: the mean over the
    seeds as a thick line, the range from the lowest to the highest seed as a band, each run's
    own curve as a thin line, and each run's kept epoch as a marker on that run's curve (where
    its checkpoint was taken, not where the mean happens to be).

    A variant has one colour; its runs are told apart by line style and marker, the same for
    the same seed in every variant. The legend sits below the panels, where it hides no curve.

    Args:
        runs: variant label -> its runs (:class:`dlcv.training.Run`, one per seed, in the same
            order for every variant). Runs of one variant must have the same number of epochs.
        metrics: the metrics to compare.
        title: a title over the panels.
        seeds: the seeds of the runs, in their order, to name them in the legend; without it
            they are named "run 1", "run 2", ...

    Returns:
        A figure with one axes per metric and a legend below them.

    Raises:
        ConfigError: if a variant has no runs, or runs of different lengths, or ``seeds`` does
            not name every run.
    """
    for label, variant_runs in runs.items():
        if len({len(run.history[metrics[0]]) for run in variant_runs}) != 1:
            raise ConfigError(
                f"The runs of {label!r} must be one or more, all of the same number of epochs."
            )
    most = max(len(variant_runs) for variant_runs in runs.values())
    if seeds is not None and len(seeds) < most:
        raise ConfigError(f"{len(seeds)} seeds cannot name {most} runs; give one seed per run.")
    names = [f"seed {seed}" for seed in seeds] if seeds is not None else [
        f"run {i}" for i in range(1, most + 1)
    ]
    with matplotlib.rc_context(LEGIBLE):
        return _compare_over_seeds(runs, metrics, title, names[:most])


def _compare_over_seeds(runs, metrics, title, names) -> Figure:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure = Figure(figsize=(PANEL_WIDTH * len(metrics), 4.4), layout="constrained")
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    colors = matplotlib.colormaps["tab10"].colors
    for ax, metric in zip(axes, metrics, strict=True):
        for (label, variant_runs), color in zip(runs.items(), colors, strict=False):
            curves = np.array([run.history[metric] for run in variant_runs])
            epochs = np.arange(1, curves.shape[1] + 1)
            ax.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=color,
                            alpha=0.15, linewidth=0)
            ax.plot(epochs, curves.mean(axis=0), "-", color=color, linewidth=2.6,
                    label=f"{label} (mean of {len(variant_runs)})")
            for i, (run, curve) in enumerate(zip(variant_runs, curves, strict=True)):
                style, marker = RUN_STYLES[i % len(RUN_STYLES)]
                ax.plot(epochs, curve, style, color=color, linewidth=1.1, alpha=0.8)
                ax.plot(run.best_epoch, curve[run.best_epoch - 1], marker, color=color,
                        markersize=7, markeredgecolor="black", markeredgewidth=0.8)
        _label_epoch_axes(ax, metric.replace("val_", "validation "), legend=False)
    handles = [
        Line2D([], [], color=color, linewidth=2.6, label=f"{label}: mean of {len(variant_runs)}")
        for (label, variant_runs), color in zip(runs.items(), colors, strict=False)
    ]
    handles.append(Patch(color="grey", alpha=0.3, label="band: lowest to highest run"))
    handles += [
        Line2D([], [], linestyle=style, marker=marker, color="dimgrey", linewidth=1.1,
               markersize=7, markeredgecolor="black", markeredgewidth=0.8,
               label=f"{name} (marker: kept epoch)")
        for name, (style, marker) in zip(
            names, (RUN_STYLES[i % len(RUN_STYLES)] for i in range(len(names))), strict=True)
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    if title:
        figure.suptitle(title)
    return figure


def paired_by_seed(
    values: Mapping[str, Sequence[float]],
    seeds: Sequence[int],
    ylabel: str,
    interval: tuple[float, float] | None = None,
) -> Figure:
    """One value per seed for two or more variants: a line per seed joins its values, so a
    reader sees whether every seed moves the same way; each variant's mean is a bar.

    Args:
        values: variant label -> one value per seed, in the order of ``seeds``.
        seeds: the seeds, for the legend.
        ylabel: what the values are, e.g. ``"test accuracy"``.
        interval: a 95% confidence interval for the mean difference between the last variant
            and the first, written in the title (as the mean gain) when given.

    Returns:
        A figure with one axes.

    Raises:
        ConfigError: if a variant does not have one value per seed.
    """
    for label, per_seed in values.items():
        if len(per_seed) != len(seeds):
            raise ConfigError(
                f"{label!r} has {len(per_seed)} values for {len(seeds)} seeds; give one per seed."
            )
    with matplotlib.rc_context(LEGIBLE):
        return _paired_by_seed(values, seeds, ylabel, interval)


def _paired_by_seed(values, seeds, ylabel, interval) -> Figure:
    labels = list(values)
    table = np.array([values[label] for label in labels])  # variants x seeds
    figure = Figure(figsize=(1.8 + 1.5 * len(labels), 3.6), layout="constrained")
    ax = figure.subplots()
    x = np.arange(len(labels))
    ax.bar(x, table.mean(axis=1), width=0.55, color="0.88", edgecolor="0.6", label="mean")
    colors = matplotlib.colormaps["tab10"].colors
    for j, (seed, color) in enumerate(zip(seeds, colors, strict=False)):
        ax.plot(x, table[:, j], "o-", color=color, label=f"seed {seed}")
    ax.set_xticks(x, labels)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower right")
    if interval is not None:
        low, high = interval
        ax.set_title(f"mean gain: 95% interval [{low:+.1f}, {high:+.1f}] points",
                     fontsize="medium")
    return figure


def _label_epoch_axes(ax, ylabel: str, legend: bool = True) -> None:
    """Epochs along x, the metric along y, a light grid and (unless ``legend=False``) the
    legend."""
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend()


def kernel_images(kernels: np.ndarray) -> np.ndarray:
    """A layer's filters as images for :func:`image_grid`: one per filter, each scaled to
    [0, 1] by its own minimum and maximum (a constant filter is all 0).

    Args:
        kernels: a ``Conv2D`` kernel, ``(rows, columns, channels, filters)``.

    Returns:
        ``(filters, rows, columns, channels)`` floats in [0, 1].
    """
    images = np.moveaxis(np.asarray(kernels, dtype=float), -1, 0)
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1.0)


def image_grid(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    columns: int = 8,
    cmap: str = "gray_r",
    size: float = 1.3,
    shared_scale: bool = False,
) -> Figure:
    """A grid of images with optional titles.

    Args:
        images: ``(n, h, w)`` grayscale or ``(n, h, w, 3)`` RGB images (uint8, or floats in
            [0, 1]); a trailing channel of size 1 is dropped.
        titles: one title per image.
        columns: images per row. A grid with titles that would be wider than
            :data:`GRID_WIDTH` wraps into more rows of equal length (24 images of 1.3 inches in
            12 columns become 4 rows of 6), so that its titles stay legible on a phone.
        cmap: the colormap for grayscale images, a name of ``matplotlib.colormaps``.
        size: the size of one image, in inches.
        shared_scale: draw grayscale images on one colour scale, from the smallest to the largest
            value of all of them, with a colour bar, so that panels can be compared value for
            value; by default each image is scaled to its own range.

    Returns:
        A figure with one axes per image, axis ticks hidden; titles are set at
        :data:`TITLE_POINTS_PER_INCH` points per inch of the figure's width.

    Raises:
        ConfigError: if ``columns`` is not a positive integer, or ``titles`` does not give one
            title per image.
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    positive_int(columns, "columns")
    if titles is not None and len(titles) != len(images):
        raise ConfigError(f"Got {len(titles)} titles for {len(images)} images; give one per image.")
    columns = max(1, min(columns, len(images)))
    fontsize = 0.0
    if titles is not None:
        widest = max(1, int(GRID_WIDTH // size))
        if columns > widest:
            columns = -(-len(images) // -(-len(images) // widest))  # equal rows, <= widest
        fontsize = min(15.0, max(10.0, TITLE_POINTS_PER_INCH * size * columns))
    rows = -(-len(images) // columns)
    title_height = 1.5 * fontsize / 72 + 0.05
    figure = Figure(figsize=(size * columns, (size + title_height) * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    scale = {"vmin": float(images.min()), "vmax": float(images.max())} if shared_scale else {}
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= len(images):
            continue
        shown = ax.imshow(
            images[i], cmap=matplotlib.colormaps[cmap] if images[i].ndim == 2 else None, **scale
        )
        if titles is not None:
            ax.set_title(titles[i], fontsize=fontsize)
    if shared_scale:
        figure.colorbar(shown, ax=axes.tolist(), shrink=0.8)
    return figure


def confusion_matrix(
    y_true: Sequence[int],
    y_pred: Sequence[int],
    class_names: Sequence[str] | None = None,
    cmap: str = "Blues",
) -> Figure:
    """A confusion matrix: how often each true class (row) was predicted as each class.

    Args:
        y_true: true integer labels.
        y_pred: predicted integer labels.
        class_names: names of the classes, in label order; defaults to the labels.
        cmap: a name of ``matplotlib.colormaps``.

    Returns:
        A figure with the matrix and its counts.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = int(max(y_true.max(), y_pred.max())) + 1 if class_names is None else len(class_names)
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    with matplotlib.rc_context(LEGIBLE):
        return _confusion_matrix(counts, names, cmap)


def _confusion_matrix(counts: np.ndarray, names: list[str], cmap: str) -> Figure:
    n = len(names)
    figure = Figure(figsize=(0.45 * n + 2, 0.45 * n + 1.6), layout="constrained")
    ax = figure.subplots()
    ax.imshow(counts, cmap=matplotlib.colormaps[cmap])
    threshold = counts.max() / 2
    for (row, col), count in np.ndenumerate(counts):
        if count:
            ax.text(col, row, count, ha="center", va="center", fontsize="small",
                    color="white" if count > threshold else "black")
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return figure



# --- MNIST: accuracy on shifted digits ---


def plot_accuracy_under_shift(
    accuracies: Mapping[str, Sequence[float]],
    shifts: Sequence[int],
    title: str | None = None,
) -> Figure:
    """Test accuracy against the shift of the test images, one line per model.

    Args:
        accuracies: model label -> one accuracy in [0, 1] per shift, as
            :func:`dlcv.measures.accuracy_under_shift` returns them.
        shifts: the shifts, in pixels, along x.
        title: a title over the axes.

    Returns:
        A figure with one axes: accuracy (in percent, from 0 to 100) against shift.

    Raises:
        ConfigError: if a model does not have one accuracy per shift.
    """
    for label, values in accuracies.items():
        if len(values) != len(shifts):
            raise ConfigError(
                f"{label!r} has {len(values)} accuracies for {len(shifts)} shifts; "
                "give one per shift."
            )
    figure = Figure(figsize=(5.2, 3.6), layout="constrained")
    ax = figure.subplots()
    colors = matplotlib.colormaps["tab10"].colors
    markers = "os^Dv"
    for i, ((label, values), color) in enumerate(zip(accuracies.items(), colors, strict=False)):
        ax.plot(shifts, 100 * np.asarray(values), "-", marker=markers[i % len(markers)],
                color=color, label=label)
    ax.set_xticks(list(shifts))
    ax.set_ylim(0, 100)
    ax.set_xlabel("shift of the test digits (pixels)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower left")
    if title:
        ax.set_title(title, fontsize="medium")
    return figure


def probability_text(p: float, digits: int = 3) -> str:
    """A probability as a title or sentence states it after "p(dog)": its relation and value,
    to ``digits`` decimals, never rounded to a certainty the model did not give.

    Example:
        >>> probability_text(0.98765), probability_text(0.99996), probability_text(2e-5)
        ('= 0.988', '> 0.999', '< 0.001')
    """
    step = 10.0**-digits
    if p > 1 - step / 2:
        return f"> {1 - step:.{digits}f}"
    if p < step / 2:
        return f"< {step:.{digits}f}"
    return f"= {p:.{digits}f}"
