import pytest

from dlcv import models, profiles
from dlcv.errors import ConfigError


def test_the_active_profile_follows_the_environment(monkeypatch):
    assert profiles.active() is profiles.QUICK
    monkeypatch.setenv("DLCV_PROFILE", "full")
    assert profiles.active() is profiles.FULL
    monkeypatch.setenv("DLCV_PROFILE", "bogus")
    with pytest.raises(ConfigError, match="DLCV_PROFILE"):
        profiles.active()


def test_the_full_profile_is_the_books_experiment():
    full = profiles.FULL
    assert full.cats_vs_dogs_image_size == (180, 180) and full.cats_vs_dogs_batch_size == 32
    assert (full.baseline_epochs, full.regularized_epochs) == (30, 100)
    assert (full.mnist_epochs, full.mnist_batch_size) == (5, 64)
    assert full.downloads and not profiles.QUICK.downloads


@pytest.mark.parametrize("profile", list(profiles.PROFILES.values()), ids=list(profiles.PROFILES))
def test_every_profile_leaves_a_spatial_last_feature_map(profile):
    model = models.cats_vs_dogs_convnet(image_size=profile.cats_vs_dogs_image_size)
    flatten = next(layer for layer in model.layers if type(layer).__name__ == "Flatten")
    height, width = flatten.input.shape[1:3]
    assert height >= 2 and width >= 2


@pytest.mark.parametrize("profile", list(profiles.PROFILES.values()), ids=list(profiles.PROFILES))
def test_every_profile_measures_its_lessons_over_several_seeds(profile):
    assert len(set(profile.seeds)) >= 3
    assert profile.regularized_epochs >= profile.baseline_epochs


@pytest.mark.parametrize("value", ["quick", "full", "FULL", " full "])
def test_the_profile_is_read_from_the_environment_by_name(monkeypatch, value):
    monkeypatch.setenv("DLCV_PROFILE", value)
    assert profiles.active().name == value.strip().lower()


def test_get_names_the_profiles():
    assert profiles.get("full") is profiles.FULL
    with pytest.raises(ConfigError, match="'bogus' is not a profile"):
        profiles.get("bogus")
