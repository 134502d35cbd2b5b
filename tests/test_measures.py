import numpy as np
import pytest

from dlcv import measures
from dlcv.errors import ConfigError


def test_blank_fraction_counts_channels_zero_everywhere_in_the_batch():
    activation = np.zeros((2, 3, 3, 4))
    activation[0, 1, 1, 0] = 1.0  # channel 0 fires in one image only
    activation[1, 0, 2, 3] = 0.5
    assert measures.blank_fraction(activation) == 0.5
    with pytest.raises(ConfigError):
        measures.blank_fraction(np.zeros((3, 3, 4)))


def test_border_mass_is_the_mean_share_on_the_outer_ring_of_non_empty_heatmaps():
    centre = np.zeros((3, 3))
    centre[1, 1] = 1.0
    half = np.ones((3, 3))
    half[1, 1] = 8.0  # 8 of 16 on the ring
    assert measures.border_mass([centre, np.zeros((3, 3)), half]) == pytest.approx(0.25)
    assert measures.border_mass([np.zeros((4, 4))]) == 0.0
    assert measures.border_cells((4, 5)).sum() == 4 * 5 - 2 * 3


def test_shift_images_moves_content_and_fills_with_zeros():
    images = np.arange(1, 10).reshape(1, 3, 3)
    assert measures.shift_images(images, 1, 0)[0].tolist() == [[0, 0, 0], [1, 2, 3], [4, 5, 6]]
    assert measures.shift_images(images, 0, -1)[0].tolist() == [[2, 3, 0], [5, 6, 0], [8, 9, 0]]
    assert measures.shift_images(images, -1, 1)[0].tolist() == [[0, 4, 5], [0, 7, 8], [0, 0, 0]]
    assert not measures.shift_images(images, 3, 0).any()
    channels = np.ones((2, 4, 4, 1))
    assert measures.shift_images(channels, 2, 2).shape == (2, 4, 4, 1)
    assert measures.shift_images(channels, 2, 2).sum() == 2 * 4


class _LeftOrRight:
    """A stand-in classifier: class 1 when the ink's centre lies right of the middle, else 0."""

    def predict(self, images, batch_size=None, verbose=0):
        columns = np.arange(images.shape[2])
        mass = images[..., 0].sum(axis=1)  # (n, width)
        centre = (mass * columns).sum(axis=1) / mass.sum(axis=1)
        right = centre > (images.shape[2] - 1) / 2
        return np.stack([~right, right], axis=1).astype("float32")


def test_accuracy_under_shift_averages_the_four_directions():
    images = np.zeros((1, 9, 9, 1), dtype="float32")
    images[0, 4, 4, 0] = 1.0  # a dot in the middle: the model says "left" (0)
    labels = np.array([0])
    # Unshifted: correct. Shifted by 2 to the right: wrong; left, down, up: still correct.
    assert measures.accuracy_under_shift(_LeftOrRight(), images, labels, shifts=(0, 2)) == [
        1.0, 0.75,
    ]


def test_accuracy_under_shift_rejects_negative_shifts():
    with pytest.raises(ConfigError, match="non-negative"):
        measures.accuracy_under_shift(_LeftOrRight(), np.zeros((1, 4, 4, 1)), [0], shifts=(-1,))


def test_most_changed_is_the_draw_farthest_from_the_image():
    draws = iter([np.full((1, 2, 2, 1), value) for value in (1.0, 3.0, -2.0)])

    def layer(image, training):
        assert training
        return image + next(draws)

    image = np.zeros((1, 2, 2, 1))
    assert (measures.most_changed(layer, image, draws=3) == 3.0).all()
