"""dlcv.runs.run: what it refuses before training, what it does not cache, what it does not
trust in the cache, and training forbidden."""

import json
import math

import keras
import pytest
from test_training import DATA, TinyData, tiny_model, train

from dlcv import folders, training
from dlcv.errors import ConfigError, MissingRunError, TrainingDivergedError
from dlcv.runs import cache, store
from dlcv.runs.cache import RunCacheWarning


@pytest.fixture
def no_fit(monkeypatch):
    """Fails the test if a model is trained."""

    def fit(*args, **kwargs):
        raise AssertionError("trained")

    monkeypatch.setattr(keras.Model, "fit", fit)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"seed": -1}, "seed must be"),
        ({"seed": 2**40}, "seed must be"),
        ({"learning_rate": math.nan}, "learning_rate must be"),
        ({"learning_rate": -1.0}, "learning_rate must be"),
        ({"learning_rate": 0}, "learning_rate must be"),
        ({"optimizer": "bogus"}, "'bogus' is not a optimizer"),
        ({"loss": "bogus"}, "'bogus' is not a loss"),
        ({"metrics": ("accuracy", "bogus")}, "'bogus' is not a metric"),
        ({"monitor": "val_bogus"}, "monitor='val_bogus'"),
    ],
)
def test_bad_arguments_are_refused_before_training(no_fit, tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        train(**kwargs)
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []


class EmptyValidation(TinyData):
    @property
    def validation(self):
        return super().validation.take(0)


def test_empty_validation_data_is_refused_before_training(no_fit):
    with pytest.raises(ConfigError, match="validation data holds no batch"):
        train(data=EmptyValidation(info=DATA.info))


class NaNData(TinyData):
    @property
    def train(self):
        return super().train.map(lambda x, y: (x * float("nan"), y))


def test_a_run_whose_loss_became_nan_is_not_cached(tmp_path):
    with pytest.raises(TrainingDivergedError, match="diverged"):
        train(data=NaNData(info={**DATA.info, "name": "nan"}), epochs=3)
    assert [p.name for p in (tmp_path / "runs").iterdir()] == []


@pytest.mark.parametrize(
    "damage",
    [
        {"history": {}},
        {"history": []},
        {"history": {"loss": []}},
        {"history": {"loss": ["x", 1.0, 2.0]}},
        {"record": "seconds"},
        {"record": "metrics"},
        {"record": "best_epoch"},
    ],
    ids=["history-empty", "history-list", "history-no-epochs", "history-strings",
         "no-seconds", "metrics-not-numbers", "best-epoch-string"],
)
def test_a_cached_record_of_wrong_keys_or_types_is_retrained_with_a_warning(damage):
    first = train()
    if "history" in damage:
        (first.path / store.HISTORY_FILE).write_text(json.dumps(damage["history"]))
    else:
        record = json.loads((first.path / store.RECORD_FILE).read_text())
        if damage["record"] == "seconds":
            del record["seconds"]
        elif damage["record"] == "metrics":
            record["metrics"] = {"accuracy": "high"}
        else:
            record["best_epoch"] = "2"
        (first.path / store.RECORD_FILE).write_text(json.dumps(record))
    with pytest.warns(RunCacheWarning, match="training it again"):
        again = train()
    assert not again.from_cache and train().from_cache


def test_an_unmarked_folder_in_the_way_of_a_run_is_left_alone():
    from dlcv.errors import RunCacheError

    first = train()
    (first.path / folders.MARKER).unlink()
    with pytest.raises(RunCacheError, match="not made by dlcv"):
        train()
    assert (first.path / store.RECORD_FILE).exists()


def test_a_read_only_cache_still_loads(monkeypatch, tmp_path):
    import tempfile

    made = train()
    real = tempfile.TemporaryFile

    def read_only(*args, dir=None, **kwargs):  # as in a shared cache of mode 0555
        if dir is not None and str(dir) == str(tmp_path / "runs"):
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    loaded = train()
    assert loaded.from_cache and loaded.path == made.path


def test_with_training_forbidden_a_missing_run_names_its_key(monkeypatch, no_fit):
    monkeypatch.setenv("DLCV_TRAINING", "forbid")
    with pytest.raises(MissingRunError, match=r"key [0-9a-f]{16}.*DLCV_TRAINING=forbid"):
        train()


def test_with_training_forbidden_a_cached_run_loads(monkeypatch):
    made = train()
    monkeypatch.setenv("DLCV_TRAINING", "forbid")
    loaded = cache.run(tiny_model, DATA, epochs=3)
    assert loaded.from_cache and loaded.key == made.key


def not_a_model():
    return "a model"


def test_a_builder_that_returns_no_model_is_refused_before_training(no_fit):
    with pytest.raises(ConfigError, match="returned str, not a Keras model"):
        train(build_model=not_a_model)


def test_one_training_stores_the_run_of_each_criterion_as_training_it_alone_would(tmp_path):
    """A checkpoint watches training without changing it: the run asked for with the other
    monitor loads from the cache, with the same history, and equals the run trained alone."""
    made = train(epochs=5, cache_dir=tmp_path / "both", also_keep={"val_accuracy": "tiny_by_acc"})
    assert not made.from_cache
    twin = train(epochs=5, cache_dir=tmp_path / "both", monitor="val_accuracy", name="tiny_by_acc")
    assert twin.from_cache and twin.history == made.history
    assert twin.best_epoch == training.best_epoch(made.history["val_accuracy"], "max")
    alone = train(
        epochs=5, cache_dir=tmp_path / "alone", monitor="val_accuracy", name="tiny_by_acc"
    )
    assert not alone.from_cache and alone.path.name == twin.path.name
    assert alone.history == twin.history and alone.metrics == twin.metrics
    assert alone.best_epoch == twin.best_epoch
    record = json.loads((twin.path / store.RECORD_FILE).read_text())
    assert record["config"] == alone.config and record["metrics"] == alone.metrics
    assert record["trained_with"] == made.key and "trained_with" not in json.loads(
        (made.path / store.RECORD_FILE).read_text()
    )


def test_a_run_of_the_other_criterion_already_cached_is_kept(tmp_path):
    first = train(epochs=2, cache_dir=tmp_path, monitor="val_accuracy", name="tiny_by_acc")
    stamp = (first.path / store.RECORD_FILE).read_bytes()
    train(epochs=2, cache_dir=tmp_path, also_keep={"val_accuracy": "tiny_by_acc"})
    assert (first.path / store.RECORD_FILE).read_bytes() == stamp


def test_a_sibling_that_cannot_be_stored_costs_the_run_asked_for_nothing(tmp_path, monkeypatch):
    publish = folders.publish

    def failing_for_the_sibling(staging, path):
        if path.name.startswith("tiny_by_acc"):
            raise OSError(28, "No space left on device")
        return publish(staging, path)

    monkeypatch.setattr(folders, "publish", failing_for_the_sibling)
    with pytest.warns(RunCacheWarning, match="tiny_by_acc.*could not be stored"):
        made = train(epochs=2, cache_dir=tmp_path, also_keep={"val_accuracy": "tiny_by_acc"},
                     force=True)
    assert not made.from_cache and made.path.exists()
    assert [entry.name for entry in tmp_path.iterdir()] == [made.path.name]


@pytest.mark.parametrize(
    "also_keep, message",
    [
        ({"val_bogus": "x"}, "monitor='val_bogus'"),
        ({"val_loss": "x"}, "other criteria"),
        ({"val_accuracy": "../x"}, "also_keep must map"),
        (["val_accuracy"], "also_keep must map"),
    ],
)
def test_bad_other_criteria_are_refused_before_training(no_fit, tmp_path, also_keep, message):
    with pytest.raises(ConfigError, match=message):
        train(also_keep=also_keep, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_run_records_the_machine_that_trained_it():
    from dlcv import hardware

    made = train()
    record = json.loads((made.path / store.RECORD_FILE).read_text())
    assert record["machine"] == hardware.machine_name()


BUILDER = '''
def build():
    {doc}x = 1  {comment}
    return x {op} 1
'''


def _builder(tmp_path, name, **parts):
    """A builder defined in a file of its own, as a page's or dlcv's are."""
    import importlib.util

    file = tmp_path / f"{name}.py"
    file.write_text(BUILDER.format(**{"doc": "", "comment": "", "op": "+", **parts}))
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


def test_documenting_a_builder_keeps_its_runs_and_changing_its_code_does_not(tmp_path):
    from dlcv.runs.key import code_text

    plain = code_text(_builder(tmp_path, "plain"))
    documented = _builder(tmp_path, "documented", doc='"""Builds."""\n    ', comment="# one")
    assert code_text(documented) == plain
    assert code_text(_builder(tmp_path, "changed", op="-")) != plain


def test_a_run_trained_again_in_the_same_process_gives_the_same_history(tmp_path):
    """Its key must decide its result: the second training reads the same data object after
    the first has reshuffled it for an epoch."""
    from dlcv.data import load_mnist
    from dlcv.models import mnist_dense

    data = load_mnist("sample")
    histories = [
        cache.run(mnist_dense, data, epochs=1, cache_dir=tmp_path / name).history
        for name in ("first", "second")
    ]
    assert histories[0] == histories[1]


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: "def other():\n    return 2\n\n\n" + text,  # moved: inspect finds other()
        lambda text: text.replace("x + 1", "x + 2"),  # same lines, another constant
        lambda text: text.replace("x + 1", "x - 1"),  # same lines, another operator
    ],
    ids=["lines-moved", "constant-changed", "operator-changed"],
)
def test_a_builder_whose_file_changed_after_import_is_not_keyed(tmp_path, edit):
    """inspect reads the file as it is now at the line where the function was: a page running
    while dlcv's sources are edited would key its runs on other code."""
    import linecache

    from dlcv.runs.key import code_text

    build = _builder(tmp_path, "edited")
    file = tmp_path / "edited.py"
    file.write_text(edit(file.read_text()) + "\n# longer, so that linecache sees the change\n")
    linecache.checkcache()
    with pytest.raises(ConfigError, match="changed after it was imported"):
        code_text(build)
