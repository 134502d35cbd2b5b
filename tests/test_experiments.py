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


def test_criterion_study_checkpoints_both_models_on_validation_accuracy(small_profile, monkeypatch):
    calls = []
    monkeypatch.setattr(experiments, "run", lambda *args, **kw: calls.append(kw) or kw)
    monkeypatch.setattr(experiments, "cats_vs_dogs_data", lambda profile=None: None)
    study = experiments.train_criterion_study()
    assert list(study) == ["baseline", "+both"] and all(len(r) == 3 for r in study.values())
    assert [call["seed"] for call in calls] == [4, 5, 6, 4, 5, 6]
    assert all(call["monitor"] == "val_accuracy" for call in calls)
    assert all(call["name"].endswith("_by_val_accuracy") for call in calls)
    # Everything but the checkpoint's criterion is as in train_over_seeds.
    calls.clear()
    experiments.train_over_seeds("baseline")
    assert all(call["monitor"] == "val_loss" for call in calls)
    assert all(call["name"] == "cats_vs_dogs" for call in calls)
    # One training keeps both criteria: each call stores the other criterion's run too.
    assert all(call["also_keep"] == {"val_accuracy": "cats_vs_dogs_by_val_accuracy"}
               for call in calls)


def test_the_augmentation_of_a_run_is_seeded_from_the_runs_seed(small_profile):
    """So that the key decides the run: the layers' seeds are in it (Keras would otherwise draw
    them from Python's unseeded random state when the layers are created)."""
    from dlcv.runs.plan import recording

    def layer_seeds(run):
        layers = run.config["model_kwargs"]["augmentation"]["config"]["layers"]
        return [layer["config"]["seed"] for layer in layers]

    with recording() as planned:
        experiments.train_over_seeds("+both")
        experiments.train_single_augmentations(seed=9)
    assert [layer_seeds(run) for run in planned[:3]] == [[12, 13, 14], [15, 16, 17], [18, 19, 20]]
    singles = [run.config["model_kwargs"]["augmentation"]["config"]["seed"] for run in planned[3:]]
    assert singles == [27, 28, 29]  # each layer with the seed it has in the full pipeline


def test_a_seeded_augmentation_draws_the_same_in_a_fresh_process():
    import subprocess
    import sys

    import numpy as np

    from dlcv.models import data_augmentation

    code = (
        "import numpy as np, sys\n"
        "from dlcv.models import data_augmentation\n"
        "image = np.arange(2 * 16 * 16 * 3, dtype='float32').reshape(2, 16, 16, 3)\n"
        "np.save(sys.argv[1], np.asarray(data_augmentation(7)(image, training=True)))\n"
    )
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        out = f"{folder}/drawn.npy"
        subprocess.run([sys.executable, "-c", code, out], check=True, capture_output=True)
        elsewhere = np.load(out)
    image = np.arange(2 * 16 * 16 * 3, dtype="float32").reshape(2, 16, 16, 3)
    here = np.asarray(data_augmentation(7)(image, training=True))
    assert not np.array_equal(here, image)
    np.testing.assert_array_equal(here, elsewhere)


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


def test_mnist_models_train_with_the_convnets_settings(small_profile, monkeypatch):
    calls = []
    monkeypatch.setattr(experiments, "run", lambda build, data, **kw: calls.append((build, kw)))
    monkeypatch.setattr(experiments, "mnist_data", lambda profile=None: "the data")
    experiments.train_mnist()
    experiments.train_dense_mnist()
    experiments.train_mnist_gap()
    experiments.train_mnist_model(experiments.mnist_convnet, monitor="val_accuracy", mode="max")
    (convnet, convnet_kw), (dense, dense_kw), (gap, gap_kw), (_, by_accuracy) = calls
    assert (dense, gap) == (experiments.mnist_dense, experiments.mnist_convnet_gap)
    shared = ("epochs", "precision", "optimizer", "loss")
    for kw in (dense_kw, gap_kw, by_accuracy):
        assert {k: kw[k] for k in shared} == {k: convnet_kw[k] for k in shared}
    assert dense_kw["monitor"] == "val_loss" and dense_kw.get("seed") == convnet_kw.get("seed")
    assert (by_accuracy["monitor"], by_accuracy["mode"]) == ("val_accuracy", "max")


def test_runs_used_lists_each_run_the_experiments_returned_once(monkeypatch):
    from dlcv.runs import Run

    def fake_run(name):
        run = Run(model=None, history={"loss": [1.0]}, metrics={}, seconds=1.0, best_epoch=1,
                  from_cache=True, config={"name": name}, path=None)
        return run

    returned = {"a": fake_run("a"), "b": fake_run("b")}
    monkeypatch.setattr(experiments, "_USED", {})
    monkeypatch.setattr(experiments, "run_or_load", lambda build, data, **kw: returned[kw["name"]])
    for name in ("a", "b", "a"):
        assert experiments.run(None, None, name=name) is returned[name]
    assert experiments.runs_used() == [returned["a"], returned["b"]]


def test_runs_used_leaves_out_what_planning_returns(monkeypatch):
    monkeypatch.setattr(experiments, "_USED", {})
    monkeypatch.setattr(experiments, "run_or_load", lambda *args, **kw: "a planned run")
    assert experiments.run(None, None) == "a planned run"
    assert experiments.runs_used() == []
