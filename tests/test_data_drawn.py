"""The drawn sample of cats and dogs: deterministic, in the real subset's layout and counts."""

import numpy as np
import pytest
from PIL import Image

from dlcv.data.drawn import draw_pet, write_sample
from dlcv.errors import ConfigError

COUNTS = (3, 2, 1)


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.jpg"))}


def test_sample_has_the_layout_and_names_of_the_book_subset(tmp_path):
    write_sample(tmp_path, COUNTS, image_size=(32, 40), seed=1)

    names = sorted(_tree(tmp_path))
    expected = sorted(
        f"{split}/{kind}/{kind}.{index}.jpg"
        for kind in ("cat", "dog")
        for split, indices in (("train", range(0, 3)), ("validation", range(3, 5)), ("test", [5]))
        for index in indices
    )
    assert names == expected
    with Image.open(tmp_path / "train" / "cat" / "cat.0.jpg") as image:
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (40, 32)


def test_sample_is_deterministic_for_a_seed(tmp_path):
    write_sample(tmp_path / "a", COUNTS, image_size=(32, 32), seed=7)
    write_sample(tmp_path / "b", COUNTS, image_size=(32, 32), seed=7)
    write_sample(tmp_path / "c", COUNTS, image_size=(32, 32), seed=8)

    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a").values() != _tree(tmp_path / "c").values()


def test_a_larger_sample_starts_with_the_same_training_pictures(tmp_path):
    write_sample(tmp_path / "small", (2, 1, 1), image_size=(32, 32), seed=7)
    write_sample(tmp_path / "large", (4, 1, 1), image_size=(32, 32), seed=7)
    small, large = _tree(tmp_path / "small"), _tree(tmp_path / "large")
    assert small["train/dog/dog.1.jpg"] == large["train/dog/dog.1.jpg"]


def test_pictures_vary(tmp_path):
    pictures = [np.asarray(draw_pet("cat", np.random.default_rng(i), (48, 48))) for i in range(6)]
    assert pictures[0].shape == (48, 48, 3) and pictures[0].dtype == np.uint8
    means = [p.mean(axis=(0, 1)) for p in pictures]
    assert np.std(means, axis=0).max() > 5  # backgrounds and fur differ from picture to picture


def test_an_unknown_kind_is_refused():
    with pytest.raises(ConfigError, match="'cat' or 'dog'"):
        draw_pet("horse", np.random.default_rng(0))


def test_the_cats_and_dogs_training_order_follows_the_seed_not_earlier_reads(tmp_path):
    import keras

    from dlcv.data import load_cats_vs_dogs

    data = load_cats_vs_dogs(
        (32, 32), 8, source="sample", data_dir=tmp_path, sample_counts=(16, 4, 4)
    )

    def labels():
        return [int(y) for _, batch in data.train for y in batch]

    keras.utils.set_random_seed(1)
    first = labels()
    labels()  # another run reads the data for an epoch
    keras.utils.set_random_seed(1)
    assert labels() == first
