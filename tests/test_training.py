import json
from dataclasses import dataclass

import keras
import numpy as np
import pytest

from dlcv import folders, training
from dlcv.data.pipelines import from_arrays
from dlcv.errors import ConfigError, RunCacheError
from dlcv.runs import cache, store
from dlcv.runs.cache import RunCacheWarning


@dataclass
class TinyData:
    """Two classes of 4x4 images: bright ones are class 1. The shape of every dlcv data set:
    train, validation and test pipelines, and info."""

    info: dict

    def _split(self, part: slice, shuffle_seed=None):
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 2, 200)
        images = (rng.random((200, 4, 4, 1)) * 0.5 + labels[:, None, None, None] * 0.5)
        images = images.astype("float32")
        batch_size = self.info.get("batch_size", 32)
        return from_arrays(images[part], labels[part], batch_size, shuffle_seed=shuffle_seed)

    @property
    def train(self):
        return self._split(slice(0, 128), shuffle_seed=0)

    @property
    def validation(self):
        return self._split(slice(128, 160))

    @property
    def test(self):
        return self._split(slice(160, 200))


def tiny_model():
    inputs = keras.Input(shape=(4, 4, 1))
    x = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def tiny_model_changed():
    inputs = keras.Input(shape=(4, 4, 1))
    x = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", use_bias=False)(x)
    return keras.Model(inputs, outputs)


DATA = TinyData(info={"name": "tiny", "source": "sample", "counts": {"train": 160}})


def train(**overrides):
    settings = {"epochs": 3, "model_kwargs": None}
    settings.update(overrides)
    builder = settings.pop("build_model", tiny_model)
    data = settings.pop("data", DATA)
    return cache.run(builder, data, **settings)


def test_run_trains_evaluates_and_reports():
    result = train()
    assert not result.from_cache
    assert result.epochs == 3
    assert set(result.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert set(result.metrics) == {"loss", "accuracy"}
    assert result.seconds > 0
    best = int(np.argmin(result.history["val_loss"])) + 1
    assert result.best_epoch == best


def test_second_call_loads_the_identical_run():
    first = train()
    second = train()
    assert second.from_cache
    assert second.metrics == first.metrics and second.history == first.history
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("monitor", ["val_loss", "val_accuracy"])
def test_the_model_holds_the_weights_of_the_epoch_it_reports(monkeypatch, monitor):
    weights = []  # of every epoch, as training made them

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            weights.append([w.copy() for w in self.model.get_weights()])

    original_fit = keras.Model.fit

    def fit_and_record(self, *args, callbacks=(), **kwargs):
        return original_fit(self, *args, callbacks=[*callbacks, Record()], **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit_and_record)
    result = train(epochs=8, monitor=monitor, optimizer="adam")
    values = result.history[monitor]
    best = min(values) if monitor == "val_loss" else max(values)
    assert result.best_epoch == values.index(best) + 1
    assert result.config["fit"]["mode"] == ("min" if monitor == "val_loss" else "max")
    for kept, returned in zip(weights[result.best_epoch - 1], result.model.get_weights(),
                              strict=True):
        np.testing.assert_array_equal(kept, returned)


def test_monitor_none_keeps_the_last_epoch():
    result = train(monitor=None, epochs=2)
    assert result.best_epoch == 2


@pytest.mark.parametrize(
    "change",
    [
        {"build_model": tiny_model_changed, "name": "tiny_model"},
        {"epochs": 4},
        {"data": TinyData(info={**DATA.info, "batch_size": 16})},
        {"seed": 7},
        {"optimizer": "adam"},
        {"learning_rate": 0.01},
        {"data": TinyData(info={"name": "tiny", "source": "full", "counts": {"train": 160}})},
    ],
    ids=["builder", "epochs", "batch_size", "seed", "optimizer", "learning_rate", "data"],
)
def test_any_change_to_the_key_trains_again(change):
    train(name="tiny_model")
    changed = train(**{"name": "tiny_model", **change})
    assert not changed.from_cache


def test_the_ambient_profile_is_no_part_of_the_key(monkeypatch):
    first = train(profile="quick")
    monkeypatch.setenv("DLCV_PROFILE", "full")
    again = train(profile="full")
    assert again.from_cache and again.path == first.path
    assert "profile" not in again.config


def test_keras_layers_in_model_kwargs_are_keyed_by_config():
    def builder(head: keras.Layer):
        inputs = keras.Input(shape=(4, 4, 1))
        outputs = head(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, outputs)

    def head(units_activation):
        return keras.layers.Dense(2, activation=units_activation)

    train(build_model=builder, model_kwargs={"head": head("softmax")})
    # A new layer object with the same config (and another auto-generated name) is a cache hit.
    assert train(build_model=builder, model_kwargs={"head": head("softmax")}).from_cache
    assert not train(build_model=builder, model_kwargs={"head": head("sigmoid")}).from_cache


def test_force_retrains():
    train()
    assert not train(force=True).from_cache


@pytest.mark.parametrize("damage", ["truncate_model", "bad_record", "missing_history"])
def test_a_corrupt_entry_is_retrained_with_a_warning(damage):
    first = train()
    if damage == "truncate_model":
        model_file = first.path / store.MODEL_FILE
        model_file.write_bytes(model_file.read_bytes()[:100])
    elif damage == "bad_record":
        (first.path / store.RECORD_FILE).write_text("{not json")
    else:
        (first.path / store.HISTORY_FILE).unlink()
    with pytest.warns(RunCacheWarning, match="training it again"):
        again = train()
    assert not again.from_cache
    assert train().from_cache


def test_an_interrupted_run_leaves_nothing_behind(monkeypatch, tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    original_fit = keras.Model.fit

    def fit_then_interrupt(self, *args, callbacks=(), **kwargs):
        return original_fit(self, *args, callbacks=[*callbacks, Interrupt()], **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        train()
    cache = tmp_path / "runs"
    assert list(cache.iterdir()) == []
    monkeypatch.undo()


def test_an_unwritable_cache_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RunCacheError, match="not writable.*DLCV_CACHE_DIR"):
        train(cache_dir=blocker / "runs")


def test_list_runs_reports_the_cached_runs():
    result = train(name="listed")
    runs = store.list_runs()
    assert [r["config"]["name"] for r in runs] == ["listed"]
    assert runs[0]["metrics"] == result.metrics
    assert json.loads((result.path / store.RECORD_FILE).read_text())["best_epoch"] >= 1


def test_the_cli_listing_reads_what_run_caches_and_removing_a_run_trains_it_again():
    from dlcv import runs

    result = train(name="listed")
    listed = runs.list_runs()
    assert [r["id"] for r in listed] == [result.path.name]
    assert listed[0]["metrics"] == result.metrics and runs.RECORD_FILE == store.RECORD_FILE
    assert train(name="listed").from_cache

    runs.remove_run(result.path.name)

    assert not train(name="listed").from_cache


@pytest.mark.parametrize(
    "kwargs, message",
    [({"epochs": 0}, "epochs"), ({"mode": "lowest"}, "mode")],
)
def test_invalid_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        train(**kwargs)


def test_unknown_data_is_a_clear_error():
    with pytest.raises(ConfigError, match="data set from dlcv.data"):
        cache.run(tiny_model, object(), epochs=1)


def test_checking_the_data_builds_no_pipeline(tmp_path):
    """run() looks for train/validation/test without reading them: a data set's train is a
    property that builds a pipeline, which a plan would otherwise pay for every run."""

    class Counting(TinyData):
        built = 0

        @property
        def train(self):
            Counting.built += 1
            return super().train

    data = Counting(info=DATA.info)
    with pytest.raises(RunCacheError):
        cache.run(tiny_model, data, epochs=1, train=False, cache_dir=tmp_path)
    assert Counting.built == 0


def test_train_false_loads_or_says_the_run_is_missing():
    with pytest.raises(RunCacheError, match="not in the run cache"):
        train(train=False)
    made = train()
    assert train(train=False).path == made.path


@pytest.mark.slow
def test_mnist_quick_profile_reaches_96_percent():
    from dlcv.data import load_mnist
    from dlcv.models import mnist_convnet

    data = load_mnist("sample", batch_size=32, validation_split=0.1)
    result = cache.run(mnist_convnet, data, epochs=10)
    assert result.metrics["accuracy"] >= 0.96


def test_float32_runs_on_one_device_keep_their_key():
    config = train(precision="float32").config
    assert "precision" not in config and "strategy" not in config


def test_mixed_precision_trains_in_16_bits_and_joins_the_key():
    previous = keras.config.dtype_policy().name
    mixed = train(precision="mixed_bfloat16", monitor=None)
    assert mixed.config["precision"] == "mixed_bfloat16"
    assert mixed.model.layers[-1].dtype_policy.name == "mixed_bfloat16"
    assert mixed.path != train(precision="float32").path
    assert keras.config.dtype_policy().name == previous


@pytest.mark.parametrize(
    ("gpus", "flags", "policy"),
    [
        ([{"name": "V100", "compute_capability": (7, 0)}], frozenset(), "mixed_float16"),
        ([{"name": "P100", "compute_capability": (6, 0)}], frozenset(), "float32"),
        ([], frozenset({"avx512_bf16"}), "mixed_bfloat16"),
        ([], frozenset({"avx2"}), "float32"),
    ],
)
def test_auto_precision_is_the_fastest_accurate_policy_of_the_machine(
    monkeypatch, gpus, flags, policy
):
    from dlcv import hardware

    monkeypatch.setattr(hardware, "gpus", lambda: gpus)
    monkeypatch.setattr(hardware, "cpu_flags", lambda: flags)
    assert training.resolve_precision("auto") == policy
    assert training.resolve_precision("float32") == "float32"  # named policies are kept


def test_unknown_precision_is_an_error():
    with pytest.raises(ConfigError, match="precision"):
        train(precision="float16")


def test_a_strategy_builds_the_model_in_its_scope_and_joins_the_key():
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    result = train(strategy=strategy, monitor=None)
    assert result.config["strategy"] == {"kind": "MirroredStrategy", "replicas": 1}
    assert result.model.distribute_strategy is strategy
    assert result.path != train().path


def test_where_and_why_of_the_data_do_not_change_the_key():
    train()
    moved = TinyData(info={**DATA.info, "path": "/elsewhere", "reason": "found in a cache"})
    assert train(data=moved).from_cache


def test_a_run_with_augmentation_layers_is_loaded_from_the_cache():
    from dlcv.models import data_augmentation

    def augmented(augmentation):
        inputs = keras.Input(shape=(4, 4, 1))
        x = keras.layers.Flatten()(augmentation(inputs))
        return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))

    # RandomRotation's config holds tuples, which JSON stores as lists.
    train(build_model=augmented, model_kwargs={"augmentation": data_augmentation()})
    again = train(build_model=augmented, model_kwargs={"augmentation": data_augmentation()})
    assert again.from_cache


def test_the_learning_rate_reaches_the_optimizer():
    result = train(learning_rate=0.0123, optimizer="rmsprop")
    assert type(result.model.optimizer).__name__ == "RMSprop"
    assert float(result.model.optimizer.learning_rate) == pytest.approx(0.0123)
    assert result.config["fit"]["learning_rate"] == 0.0123


def test_two_identical_runs_racing_to_the_cache_give_the_winners_entry(monkeypatch):
    import shutil
    from pathlib import Path

    winner = train(epochs=1)
    copy = winner.path.parent / "winner-copy"
    shutil.copytree(winner.path, copy)
    shutil.rmtree(winner.path)
    real_publish = folders.publish

    def publish_after_the_winner(staging, target):
        if Path(target) == winner.path:  # the other process finishes first
            shutil.copytree(copy, target)
        return real_publish(staging, target)

    monkeypatch.setattr(folders, "publish", publish_after_the_winner)
    loser = train(epochs=1)
    assert loser.from_cache
    assert loser.metrics == winner.metrics
    assert loser.path == winner.path
    assert [p.name for p in winner.path.parent.iterdir() if p.name.startswith(".")] == []


def test_a_run_that_cannot_be_stored_is_a_run_cache_error(monkeypatch):

    def full_disk(staging, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(folders, "publish", full_disk)
    with pytest.raises(RunCacheError, match="No space left on device"):
        train(epochs=1, seed=7)


def test_cache_entries_are_not_private_to_their_maker():
    import os

    umask = os.umask(0o022)
    try:
        result = train(epochs=1, seed=11)
    finally:
        os.umask(umask)
    assert result.path.stat().st_mode & 0o777 == 0o755


def test_a_data_info_that_is_not_json_is_a_config_error():
    odd = TinyData(info={"name": "tiny", "source": "sample", "tags": {"a", "b"}})
    with pytest.raises(ConfigError, match="must be JSON"):
        train(data=odd, epochs=1)


def test_epochs_true_is_not_one_epoch():
    with pytest.raises(ConfigError, match="epochs must be a positive integer"):
        train(epochs=True)
