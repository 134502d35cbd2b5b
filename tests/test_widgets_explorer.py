"""dlcv.widgets.explorer writes the container conv-explorer.js reads: image, kernels, settings."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from dlcv import ops
from dlcv.errors import ConfigError
from dlcv.widgets.explorer import (
    KERNEL_SIZES,
    center_crop,
    convolution_explorer,
    example_kernels,
    plot_kernels,
    plot_window_positions,
)


def _attributes(markup: str) -> dict[str, str]:
    opening = re.match(r'<div class="dlcv-widget conv-explorer" ([^>]*)>', markup)
    assert opening, markup[:200]
    return {
        name: html.unescape(value) for name, value in re.findall(r'([\w-]+)="([^"]*)"', opening[1])
    }


@pytest.fixture
def digit():
    return np.random.default_rng(0).integers(0, 256, size=(28, 28), dtype=np.uint8)


def test_container_carries_image_kernels_and_settings(digit):
    explorer = convolution_explorer(
        digit, input_size=9, kernel_size=5, stride=2, padding="same", kernel="blur", caption="A <b>"
    )
    attributes = _attributes(explorer._repr_html_())

    np.testing.assert_allclose(json.loads(attributes["data-image"]), digit / 255, atol=5e-5)
    kernels = json.loads(attributes["data-kernels"])
    assert set(kernels) == {str(size) for size in KERNEL_SIZES}
    np.testing.assert_array_equal(
        kernels["3"]["vertical edges"], example_kernels(3)["vertical edges"]
    )
    assert attributes["data-input-size"] == "9"
    assert attributes["data-kernel-size"] == "5"
    assert attributes["data-stride"] == "2"
    assert attributes["data-padding"] == "same"
    assert attributes["data-kernel"] == "blur"
    assert attributes["data-caption"] == "A <b>"  # escaped in the markup, intact when read


def test_container_has_a_fallback_for_notebooks_without_the_script(digit):
    markup = str(convolution_explorer(digit))
    assert "conv-explorer.js" in markup and "runs on the book's web page" in markup
    assert 'class="dlcv-widget conv-explorer"' in markup


def test_float_images_in_unit_interval_are_kept():
    image = np.linspace(0, 1, 49).reshape(7, 7)
    attributes = _attributes(str(convolution_explorer(image, kernel="identity")))

    np.testing.assert_allclose(json.loads(attributes["data-image"]), image, atol=5e-5)
    assert attributes["data-input-size"] == "7"


@pytest.mark.parametrize("size", KERNEL_SIZES)
def test_example_kernels(size):
    kernels = example_kernels(size)

    assert all(weights.shape == (size, size) for weights in kernels.values())
    assert kernels["blur"].sum() == pytest.approx(1.0)
    if size >= 2:
        np.testing.assert_array_equal(kernels["horizontal edges"], kernels["vertical edges"].T)
        assert kernels["vertical edges"].sum() == 0  # flat regions give 0
    if size >= 3:
        assert kernels["sharpen"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("size", KERNEL_SIZES)
def test_identity_kernel_with_same_padding_copies_the_input(size):
    image = np.random.default_rng(size).random((1, 8, 8, 1))
    kernel = example_kernels(size)["identity"][:, :, None, None]

    np.testing.assert_array_equal(ops.conv2d(image, kernel, padding="same"), image)


def test_vertical_edges_respond_to_a_bright_to_dark_step():
    image = np.zeros((1, 5, 6, 1))
    image[:, :, :3] = 1.0  # bright left half
    kernel = example_kernels(3)["vertical edges"][:, :, None, None]

    response = ops.conv2d(image, kernel)[0, 0, :, 0]

    np.testing.assert_array_equal(response, [0, 3, 3, 0])


def test_center_crop_takes_the_middle():
    image = np.arange(36).reshape(6, 6)

    np.testing.assert_array_equal(center_crop(image, 3), image[1:4, 1:4])
    np.testing.assert_array_equal(center_crop(image, 6), image)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_size": 6}, "input_size=6 must be in 7..28"),
        ({"input_size": 29}, "input_size=29"),
        ({"kernel_size": 8}, "size=8 must be in 1..7"),
        ({"stride": 0}, "stride=0"),
        ({"padding": "full"}, "padding='full'"),
        ({"kernel_size": 1, "kernel": "vertical edges"}, "not a 1x1 kernel"),
    ],
)
def test_invalid_settings_raise_config_error(digit, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        convolution_explorer(digit, **kwargs)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((28, 27)), "square 2D"),
        (np.zeros((6, 6)), "at least 7x7"),
        (np.zeros((1, 28, 28)), "square 2D"),
        (np.full((8, 8), 255.0), "Divide by 255"),
    ],
)
def test_unusable_images_raise_config_error(image, message):
    with pytest.raises(ConfigError, match=message):
        convolution_explorer(image)


def test_center_crop_rejects_a_crop_larger_than_the_image():
    with pytest.raises(ConfigError, match="Cannot crop"):
        center_crop(np.zeros((5, 5)), 6)


def test_plot_window_positions_marks_one_dot_per_output():
    figure = plot_window_positions(7, 4, strides=(1, 3))

    panels = [("valid", 1), ("valid", 3), ("same", 1), ("same", 3)]  # rows: padding
    for ax, (padding, stride) in zip(figure.axes, panels, strict=True):
        out = ops.conv_output_size(7, 4, stride, padding)
        (dots,) = ax.lines
        assert len(dots.get_xdata()) == out * out
        assert ax.get_title() == f"{padding}, stride {stride}: {out}×{out}"


def test_plot_window_positions_rejects_a_window_larger_than_a_valid_input():
    with pytest.raises(ConfigError, match="does not fit"):
        plot_window_positions(3, 5)


def test_plot_kernels_draws_every_weight_on_one_shared_scale():
    small = np.array([[0.5, -0.25], [-0.0001, 0.125]])  # -0.0001 is written 0.000, not -0.000
    large = np.array([[2.0, 0.0], [0.0, -1.0]])
    figure = plot_kernels({"small": small, "large": large}, decimals=3)
    axes = figure.axes
    assert [ax.get_title() for ax in axes] == ["small", "large"]
    assert [text.get_text() for text in axes[0].texts] == ["0.500", "-0.250", "0.000", "0.125"]
    for ax in axes:
        assert ax.images[0].get_clim() == (-2.0, 2.0)


@pytest.mark.parametrize(
    ("kernels", "message"),
    [({}, "at least one"), ({"flat": np.ones(3)}, "pass 2D kernels")],
)
def test_plot_kernels_rejects_unusable_kernels(kernels, message):
    with pytest.raises(ConfigError, match=message):
        plot_kernels(kernels)
