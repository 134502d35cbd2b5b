"""The full plan's costing: its arithmetic, and models rebuilt from planned runs as run() builds
them (on a tiny profile: nothing is timed or trained)."""

import dataclasses

import pytest

from bench import full_plan
from dlcv import edition, profiles
from tools.matrix import JOB_SECONDS


def config(builder="dlcv.models.cats_vs_dogs_convnet", kwargs=None, seed=1, epochs=30,
           monitor="val_loss"):
    return {
        "builder": builder, "model_kwargs": kwargs or {"dropout": 0.0}, "seed": seed,
        "fit": {"epochs": epochs, "monitor": monitor, "mode": "min", "optimizer": "rmsprop",
                "loss": "binary_crossentropy", "metrics": ["accuracy"]},
        "data": {"name": "cats_vs_dogs", "batch_size": 32},
    }


def test_a_models_cost_is_keyed_by_its_model_not_by_seed_epochs_or_criterion():
    same = {full_plan.model_id(c) for c in (
        config(), config(seed=2), config(epochs=100), config(monitor="val_accuracy"))}
    assert len(same) == 1
    assert full_plan.model_id(config(kwargs={"dropout": 0.5})) not in same


def test_runner_images_are_the_books_photos_and_all_of_mnist():
    cats = {"name": "cats_vs_dogs", "counts": {
        split: {"cat": n, "dog": n} for split, n in (("train", 1000), ("validation", 500),
                                                      ("test", 1000))}}
    sample = {"name": "mnist", "counts": {"train": 4000, "test": 1000}, "validation_split": 0.1}
    assert full_plan.run_images({"data": cats}) == {"train": 2000, "validation": 1000,
                                                    "test": 2000}
    assert full_plan.run_images({"data": sample}) == {"train": 54000, "test": 10000,
                                                      "validation": 6000}


def test_cost_of_runs_and_jobs():
    images = {"train": 2000, "validation": 1000, "test": 2000}
    record = {
        "models": {"m": {"variants": ["v"], "train": [20.0, 15.0],
                         "validation": [60.0, 40.0], "load_average": [0.0]}},
        "plan": [
            {"key": f"k{epochs}", "experiment": "e", "variant": "v", "seed": 1,
             "epochs": epochs, "model": "m", "data": "cats_vs_dogs", "images": images,
             "counts": images}
            for epochs in (100, 20, 20)
        ],
    }
    costed = full_plan.cost(record, busy=0.5, cpu_factor=2.0)
    run = costed["runs"][0]
    assert run["here_seconds"] == pytest.approx(100 * (2000 / 20 + 1000 / 60) + 2000 / 60, 0.01)
    runner = 15.0 * 4 * 0.5 / 2.0, 40.0 * 4 * 0.5 / 2.0
    assert run["runner_seconds"] == pytest.approx(
        100 * (2000 / runner[0] + 1000 / runner[1]) + 2000 / runner[1], 0.01)
    rate = profiles.FULL.images_per_second["cats_vs_dogs"]
    assert run["estimated_seconds"] == pytest.approx(100 * 2000 / rate, 0.01)
    keys = [key for job in costed["jobs"] for key in job["keys"]]
    assert sorted(keys) == ["k100", "k20", "k20"]  # every run in one job
    assert all(job["estimated_seconds"] <= JOB_SECONDS or len(job["keys"]) == 1
               for job in costed["jobs"])
    assert sum(j["runner_seconds"] for j in costed["jobs"]) == pytest.approx(
        sum(r["runner_seconds"] for r in costed["runs"]), 0.01)


def test_the_runners_utilisation_is_the_quiet_2_core_ones_scaled():
    variant, rate = full_plan.QUIET_RATE
    record = {"models": {"m": {"variants": [variant], "train": [1.0, rate]}}}
    assert full_plan.utilisation(record, scaling=0.8) == pytest.approx(0.4)


@pytest.fixture
def tiny_profile():
    return dataclasses.replace(
        profiles.QUICK, cats_vs_dogs_image_size=(100, 100), sample_counts=(2, 1, 1),
        mnist_epochs=1, seeds=(1,),
    )


def test_every_planned_model_is_rebuilt_with_its_runs_arguments(tiny_profile):
    distinct = {}
    for run in edition.book_plan(tiny_profile):
        distinct.setdefault(full_plan.model_id(run.config), run.config)
    for planned in distinct.values():
        model = full_plan.rebuild(planned, "float32")  # checks its arguments key as planned
        augmentation = planned["model_kwargs"].get("augmentation")
        if augmentation:
            assert augmentation["class_name"] in {type(layer).__name__ for layer in model.layers}
        assert model.loss == planned["fit"]["loss"]
