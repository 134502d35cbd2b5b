"""The dropout-placement builder and the one-seed, short-budget experiments of the dropout and
data-augmentation chapters."""

import keras
import numpy as np
import pytest

from dlcv import experiments, models


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("placement", models.DROPOUT_PLACEMENTS)
def test_placements_keep_the_books_layers_and_parameters(placement):
    model = models.cats_vs_dogs_dropout_placement(placement, 0.3)
    assert model.count_params() == models.cats_vs_dogs_convnet().count_params() == 991_041
    without_dropout = [k for k in _kinds(model) if k not in ("Dropout", "SpatialDropout2D")]
    assert without_dropout == _kinds(models.cats_vs_dogs_convnet())


def test_each_placement_puts_its_dropout_where_it_says():
    flatten = _kinds(models.cats_vs_dogs_dropout_placement("flatten", 0.5))
    assert flatten[flatten.index("Flatten") + 1] == "Dropout" and flatten.count("Dropout") == 1
    for placement, kind in (("between", "Dropout"), ("spatial", "SpatialDropout2D")):
        kinds = _kinds(models.cats_vs_dogs_dropout_placement(placement, 0.2))
        after_pooling = [kinds[i + 1] for i, k in enumerate(kinds) if k == "MaxPooling2D"]
        assert after_pooling == [kind] * 4
        assert kinds.index("Flatten") + 1 == kinds.index("Dense")
    rates = [
        layer.rate
        for layer in models.cats_vs_dogs_dropout_placement("spatial", 0.2).layers
        if isinstance(layer, keras.layers.SpatialDropout2D)
    ]
    assert rates == [0.2] * 4


def test_spatial_dropout_zeroes_whole_channels_and_between_single_activations():
    x = np.ones((1, 100, 100, 3), dtype="float32")
    spatial = models.cats_vs_dogs_dropout_placement("spatial", 0.5, image_size=(100, 100))
    between = models.cats_vs_dogs_dropout_placement("between", 0.5, image_size=(100, 100))
    for model, whole_channels in ((spatial, True), (between, False)):
        layer = next(layer for layer in model.layers if "ropout" in type(layer).__name__)
        out = np.asarray(layer(np.ones((1, 20, 20, 64), dtype="float32"), training=True))
        per_channel = (out == 0).reshape(-1, 64).mean(axis=0)  # zeroed share of each channel
        assert 0.0 < per_channel.mean() < 1.0
        partly_zeroed = ((per_channel > 0) & (per_channel < 1)).any()
        assert partly_zeroed != whole_channels
    assert spatial.predict(x, verbose=0).shape == (1, 1)


@pytest.mark.parametrize(
    ("placement", "rate"), [("nowhere", 0.5), ("flatten", 0.0), ("between", 1.0)]
)
def test_bad_placement_or_rate_is_refused(placement, rate):
    with pytest.raises(ValueError):
        models.cats_vs_dogs_dropout_placement(placement, rate)


def test_single_augmentation_is_one_of_the_books_layers():
    assert isinstance(models.single_augmentation("flip"), keras.layers.RandomFlip)
    assert models.single_augmentation("rotation").factor in (0.1, (-0.1, 0.1))
    assert isinstance(models.single_augmentation("zoom"), keras.layers.RandomZoom)
    with pytest.raises(ValueError):
        models.single_augmentation("shear")


def test_short_experiments_train_each_variant_with_the_short_budget(monkeypatch):
    calls = []
    monkeypatch.setattr(experiments, "cats_vs_dogs_data", lambda profile=None: "data")
    monkeypatch.setattr(
        experiments,
        "run",
        lambda builder, data, **kw: calls.append((builder, data, kw)) or kw["name"],
    )
    placements = experiments.train_dropout_placements(seed=7)
    augmentations = experiments.train_single_augmentations()
    assert list(placements) == ["flatten", "between", "spatial"]
    assert list(augmentations) == ["flip", "rotation", "zoom"]
    assert len({name for name in [*placements.values(), *augmentations.values()]}) == 6
    assert all(builder is models.cats_vs_dogs_dropout_placement for builder, _, _ in calls[:3])
    for _builder, data, kw in calls:
        assert data == "data" and kw["epochs"] == experiments.SHORT_EPOCHS
        assert kw["monitor"] == "val_loss" and kw["loss"] == "binary_crossentropy"
    assert [kw["model_kwargs"]["rate"] for _, _, kw in calls[:3]] == [0.5, 0.2, 0.2]
    assert calls[0][2]["seed"] == 7
    assert all(builder is models.cats_vs_dogs_convnet for builder, _, _ in calls[3:])
    assert isinstance(calls[4][2]["model_kwargs"]["augmentation"], keras.layers.RandomRotation)
