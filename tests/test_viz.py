import numpy as np
import pytest
from matplotlib.figure import Figure

from dlcv import viz
from dlcv.errors import ConfigError

HISTORY = {
    "loss": [1.0, 0.5, 0.3],
    "val_loss": [1.1, 0.7, 0.8],
    "accuracy": [0.5, 0.8, 0.9],
    "val_accuracy": [0.45, 0.7, 0.68],
}


def test_plot_history_draws_training_and_validation_per_metric():
    figure = viz.plot_history(HISTORY, best_epoch=2)
    assert isinstance(figure, Figure)
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "accuracy"]
    loss_axes = figure.axes[0]
    labels = [line.get_label() for line in loss_axes.get_lines()]
    assert labels == ["training", "validation", "kept epoch (2)"]
    np.testing.assert_array_equal(loss_axes.get_lines()[1].get_ydata(), HISTORY["val_loss"])


def test_plot_history_without_validation():
    figure = viz.plot_history({"loss": [1, 0.5]}, metrics=["loss"])
    assert len(figure.axes) == 1 and len(figure.axes[0].get_lines()) == 1


def test_image_grid_has_one_axes_per_image_and_titles():
    images = np.zeros((10, 28, 28, 1), dtype=np.uint8)
    figure = viz.image_grid(images, titles=[str(i) for i in range(10)], columns=4)
    shown = [ax for ax in figure.axes if ax.images]
    assert len(figure.axes) == 12 and len(shown) == 10
    assert [ax.get_title() for ax in shown] == [str(i) for i in range(10)]


def test_image_grid_shows_rgb_images_in_colour():
    figure = viz.image_grid(np.zeros((2, 8, 8, 3), dtype=np.uint8))
    assert figure.axes[0].images[0].get_array().shape == (8, 8, 3)


def test_image_grid_can_share_one_colour_scale_with_a_colour_bar():
    images = np.stack([np.full((4, 4), 1.0), np.full((4, 4), 3.0)])
    own = viz.image_grid(images)
    shared = viz.image_grid(images, shared_scale=True)
    assert [ax.images[0].get_clim() for ax in own.axes] == [(1.0, 1.0), (3.0, 3.0)]
    panels = [ax for ax in shared.axes if ax.images]
    assert [ax.images[0].get_clim() for ax in panels] == [(1.0, 3.0), (1.0, 3.0)]
    assert len(shared.axes) == len(panels) + 1  # the colour bar


def test_image_grid_rejects_mismatched_titles():
    with pytest.raises(ConfigError, match="titles"):
        viz.image_grid(np.zeros((2, 4, 4)), titles=["one"])


@pytest.mark.parametrize("columns", [0, -1, 2.0, True])
def test_image_grid_rejects_columns_that_are_not_a_positive_integer(columns):
    with pytest.raises(ConfigError, match=f"columns={columns!r} must be a positive integer"):
        viz.image_grid(np.zeros((2, 4, 4)), columns=columns)


def test_confusion_matrix_counts_each_pair():
    figure = viz.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    ax = figure.axes[0]
    matrix = ax.images[0].get_array()
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "1", "2"]


def test_figures_render_to_png(tmp_path):
    for figure in (viz.plot_history(HISTORY), viz.confusion_matrix([0, 1], [1, 1])):
        figure.savefig(tmp_path / "f.png")
        assert (tmp_path / "f.png").stat().st_size > 1000


def test_compare_histories_draws_one_line_per_run_and_metric():
    other = {k: [v * 0.9 for v in values] for k, values in HISTORY.items()}
    figure = viz.compare_histories({"baseline": HISTORY, "+both": other})
    assert [ax.get_ylabel() for ax in figure.axes] == ["validation loss", "validation accuracy"]
    for ax in figure.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["baseline", "+both"]
    np.testing.assert_allclose(figure.axes[1].get_lines()[1].get_ydata(), other["val_accuracy"])


class _Run:
    def __init__(self, history, best_epoch):
        self.history, self.best_epoch = history, best_epoch


def test_compare_over_seeds_draws_the_mean_and_marks_kept_epochs():
    other = {k: [v + 0.1 for v in values] for k, values in HISTORY.items()}
    runs = {"baseline": [_Run(HISTORY, 2), _Run(other, 3)]}
    figure = viz.compare_over_seeds(runs)
    loss_axes = figure.axes[0]
    mean, curve_1, kept_1, curve_2, kept_2 = loss_axes.get_lines()
    assert mean.get_label() == "baseline (mean of 2)"
    np.testing.assert_allclose(mean.get_ydata(), np.add(HISTORY["val_loss"], 0.05))
    np.testing.assert_allclose(curve_2.get_ydata(), other["val_loss"])
    # Each run's kept epoch is marked on that run's own curve, not on the mean.
    assert (kept_1.get_xdata()[0], kept_2.get_xdata()[0]) == (2, 3)
    np.testing.assert_allclose(
        [kept_1.get_ydata()[0], kept_2.get_ydata()[0]],
        [HISTORY["val_loss"][1], other["val_loss"][2]],
    )


def test_compare_over_seeds_tells_runs_apart_and_keeps_the_legend_off_the_data():
    other = {k: [v + 0.1 for v in values] for k, values in HISTORY.items()}
    runs = {"baseline": [_Run(HISTORY, 2), _Run(other, 3)],
            "+both": [_Run(other, 1), _Run(HISTORY, 3)]}
    figure = viz.compare_over_seeds(runs, seeds=(4, 7))
    for ax in figure.axes:
        assert ax.get_legend() is None  # no legend inside a panel, over the curves
        lines = ax.get_lines()
        runs_of_baseline, runs_of_both = lines[1:5:2], lines[6:10:2]
        # within a variant, each run has its own line style and kept-epoch marker ...
        assert len({line.get_linestyle() for line in runs_of_baseline}) == 2
        assert len({line.get_marker() for line in lines[2:5:2]}) == 2
        # ... and the same seed has the same style in every variant
        assert ([line.get_linestyle() for line in runs_of_baseline]
                == [line.get_linestyle() for line in runs_of_both])
        # the mean is drawn thicker than any run
        assert lines[0].get_linewidth() > max(line.get_linewidth() for line in runs_of_baseline)
    (legend,) = figure.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels[:2] == ["baseline: mean of 2", "+both: mean of 2"]
    assert [label.split(" (")[0] for label in labels[3:]] == ["seed 4", "seed 7"]


def test_compare_over_seeds_wants_a_seed_for_each_run():
    runs = {"baseline": [_Run(HISTORY, 2), _Run(HISTORY, 3)]}
    with pytest.raises(ConfigError, match="1 seeds cannot name 2 runs"):
        viz.compare_over_seeds(runs, seeds=(1,))


def test_paired_by_seed_joins_each_seeds_values_and_shows_means():
    figure = viz.paired_by_seed(
        {"baseline": [0.6, 0.7], "+both": [0.8, 0.75]}, seeds=(1, 2), ylabel="test accuracy",
        interval=(1.5, 20.0),
    )
    ax = figure.axes[0]
    bars = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(bars, [0.65, 0.775])
    seeds = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert seeds == {"seed 1": [0.6, 0.8], "seed 2": [0.7, 0.75]}
    assert "[+1.5, +20.0]" in ax.get_title()


def test_compare_over_seeds_refuses_runs_of_different_lengths():
    from dlcv.errors import ConfigError

    short = {k: v[:2] for k, v in HISTORY.items()}
    with pytest.raises(ConfigError, match="same number of epochs"):
        viz.compare_over_seeds({"baseline": [_Run(HISTORY, 2), _Run(short, 1)]})


def test_paired_by_seed_wants_one_value_per_seed():
    from dlcv.errors import ConfigError

    with pytest.raises(ConfigError, match="2 values for 3 seeds"):
        viz.paired_by_seed({"baseline": [0.6, 0.7]}, seeds=(1, 2, 3), ylabel="test accuracy")


def test_plot_accuracy_under_shift_draws_one_line_per_model_in_percent():
    figure = viz.plot_accuracy_under_shift(
        {"dense": [0.9, 0.5, 0.2], "convnet": [0.95, 0.9, 0.6]}, shifts=(0, 2, 4)
    )
    ax = figure.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"dense", "convnet"}
    np.testing.assert_allclose(lines["dense"].get_xdata(), [0, 2, 4])
    np.testing.assert_allclose(lines["convnet"].get_ydata(), [95, 90, 60])
    assert ax.get_ylim() == (0, 100) and "shift" in ax.get_xlabel()


def test_plot_accuracy_under_shift_wants_one_accuracy_per_shift():
    with pytest.raises(ConfigError, match="2 accuracies for 3 shifts"):
        viz.plot_accuracy_under_shift({"dense": [0.9, 0.5]}, shifts=(0, 1, 2))


def test_kernel_images_scale_each_filter_to_its_own_range():
    kernels = np.stack([np.arange(4.0).reshape(2, 2, 1), np.full((2, 2, 1), 5.0)], axis=-1)
    images = viz.kernel_images(kernels)
    assert images.shape == (2, 2, 2, 1)
    assert images[0, :, :, 0].tolist() == [[0, 1 / 3], [2 / 3, 1]]
    assert not images[1].any()  # a constant filter: all 0, not NaN
