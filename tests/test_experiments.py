"""The experiments read the active profile: epochs per variant, seeds, data settings."""

import dataclasses

import pytest

from dlcv import experiments, profiles


@pytest.fixture
def small_profile(monkeypatch):
    profile = dataclasses.replace(
        profiles.QUICK, baseline_epochs=3, regularized_epochs=5, seeds=(4, 5, 6)
    )
    monkeypatch.setitem(profiles.PROFILES, "quick", profile)
    return profile


def test_regularized_variants_get_the_regularized_budget(small_profile):
    assert experiments.cats_vs_dogs_epochs() == 3
    assert experiments.cats_vs_dogs_epochs(dropout=0.5) == 5
    assert experiments.cats_vs_dogs_epochs(augmentation=True) == 5


def test_train_over_seeds_trains_the_variant_once_per_seed(small_profile, monkeypatch):
    calls = []
    monkeypatch.setattr(experiments, "train_cats_vs_dogs", lambda **kw: calls.append(kw) or kw)
    runs = experiments.train_over_seeds("+both", train=False)
    assert [call["seed"] for call in calls] == [4, 5, 6]
    assert all(call["augmentation"] and call["dropout"] == 0.5 for call in calls)
    assert all(call["train"] is False for call in calls) and len(runs) == 3


def test_train_over_seeds_of_an_unknown_variant_is_a_clear_error(small_profile):
    from dlcv.errors import ConfigError

    with pytest.raises(ConfigError, match="No variant '\\+batchnorm'.*baseline"):
        experiments.train_over_seeds("+batchnorm")


def test_mnist_data_has_the_profiles_batches(small_profile, monkeypatch):
    monkeypatch.setitem(
        profiles.PROFILES, "quick", dataclasses.replace(small_profile, mnist_batch_size=16)
    )
    data = experiments.mnist_data()
    assert data.info["batch_size"] == 16 and data.info["validation_split"] == 0.1
