"""Hostile probes of dlcv's run side: the run cache, ``run()``'s arguments, bundles (files and
URLs), the environment, the command line and interrupted or concurrent work.

A tiny model (one Dense layer on 4 numbers) is trained once per worker into a template cache;
each probe copies that entry into its own cache and damages it, so a probe costs about a second.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np

from bench.hostile.probes import ROOT, Skip, cli_verdict, dlcv_cli, fifo, served, sparse

EPOCHS = 2


def tiny_model():
    import keras

    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(2, activation="softmax")(inputs)
    return keras.Model(inputs, outputs)


class TinyData:
    """Train, validation and test pipelines of 4 numbers and a label, with ``info``."""

    def __init__(self, validation: int = 8):
        import tensorflow as tf

        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 4)).astype("float32")
        y = (x[:, 0] > 0).astype("int64")

        def pipe(n):
            return tf.data.Dataset.from_tensor_slices((x[:n], y[:n])).batch(8)

        self.train, self.validation, self.test = pipe(16), pipe(validation), pipe(8)
        self.info = {"name": "tiny", "source": "sample", "counts": [16, 8, 8]}


_TEMPLATE: dict = {}


def template() -> tuple[Path, str]:
    """A run cache holding one run of the tiny model; returns (cache, entry name)."""
    if not _TEMPLATE:
        from dlcv.runs import run

        cache = Path(tempfile.mkdtemp(prefix="dlcv-hostile-template-"))
        atexit.register(shutil.rmtree, cache, ignore_errors=True)  # one per process, till exit
        result = run(tiny_model, TinyData(), epochs=EPOCHS, cache_dir=cache)
        _TEMPLATE.update(cache=cache, entry=result.path.name, key=result.key)
    return _TEMPLATE["cache"], _TEMPLATE["entry"]


def seeded(ctx) -> Path:
    """The probe's cache with the template's run in it; returns the entry's folder."""
    cache, entry = template()
    ctx.cache.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cache / entry, ctx.cache / entry, symlinks=True)
    return ctx.cache / entry


def tiny_run(ctx, **kwargs):
    from dlcv.runs import run

    kwargs.setdefault("epochs", EPOCHS)
    data = kwargs.pop("data", None) or TinyData()
    kwargs.setdefault("cache_dir", ctx.cache)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(tiny_model, data, **kwargs)


def sane(result, from_cache=None) -> tuple[bool, str]:
    """Whether a Run checks out: finite metrics, a history of EPOCHS epochs, a usable model."""
    import math

    if from_cache is not None and result.from_cache != from_cache:
        return False, f"from_cache is {result.from_cache}, expected {from_cache}"
    if not all(isinstance(v, float | int) and math.isfinite(v) for v in result.metrics.values()):
        return False, f"metrics {result.metrics}"
    if result.epochs != EPOCHS or not 1 <= result.best_epoch <= EPOCHS:
        return False, f"{result.epochs} epochs, best {result.best_epoch}"
    if result.model.predict(np.zeros((1, 4), "float32"), verbose=0).shape != (1, 2):
        return False, "the model does not predict"
    return True, f"from_cache={result.from_cache}"


def register_all(probe) -> None:
    _records(probe)
    _entry_kinds(probe)
    _listing(probe)
    _removal(probe)
    _arguments(probe)
    _environment(probe)
    _bundles(probe)
    _bundle_urls(probe)
    _cli(probe)
    _interrupted(probe)


# --- Damaged records -------------------------------------------------------------------------

_RECORD_EDITS = {
    "empty-object": lambda r: {},
    "list": lambda r: [],
    "null": lambda r: None,
    "string": lambda r: "run",
    "number": lambda r: 3,
    "no-config": lambda r: _without(r, "config"),
    "config-list": lambda r: {**r, "config": []},
    "no-metrics": lambda r: _without(r, "metrics"),
    "metrics-empty": lambda r: {**r, "metrics": {}},
    "metrics-string": lambda r: {**r, "metrics": {"accuracy": "0.9", "loss": 0.1}},
    "metrics-null": lambda r: {**r, "metrics": {"accuracy": None, "loss": 0.1}},
    "metrics-bool": lambda r: {**r, "metrics": {"accuracy": True, "loss": 0.1}},
    "metrics-list": lambda r: {**r, "metrics": [0.9]},
    "metrics-nested": lambda r: {**r, "metrics": {"accuracy": {"v": 1}}},
    "no-seconds": lambda r: _without(r, "seconds"),
    "seconds-negative": lambda r: {**r, "seconds": -5},
    "seconds-string": lambda r: {**r, "seconds": "5"},
    "seconds-huge": lambda r: {**r, "seconds": 1e308},
    "no-best-epoch": lambda r: _without(r, "best_epoch"),
    "best-epoch-zero": lambda r: {**r, "best_epoch": 0},
    "best-epoch-float": lambda r: {**r, "best_epoch": 1.0},
    "best-epoch-past-history": lambda r: {**r, "best_epoch": 99},
    "best-epoch-bool": lambda r: {**r, "best_epoch": True},
    "best-epoch-string": lambda r: {**r, "best_epoch": "1"},
    "created-string": lambda r: {**r, "created": "yesterday"},
    "created-huge": lambda r: {**r, "created": 1e300},
    "created-negative": lambda r: {**r, "created": -1e12},
    "config-other-seed": lambda r: {**r, "config": {**r["config"], "seed": 7}},
    "config-other-epochs": lambda r: {
        **r, "config": {**r["config"], "fit": {**r["config"]["fit"], "epochs": 99}}},
    "key-other": lambda r: {**r, "key": "0" * 16},
    "extra-fields": lambda r: {**r, "surprise": [1, 2, 3]},
    "profile-object": lambda r: {**r, "profile": {"a": 1}},
}

_RAW_RECORDS = {
    "empty-file": b"",
    "not-json": b"{not json",
    "binary": bytes(range(256)),
    "utf16": '{"a": 1}'.encode("utf-16"),
    "nan-literal": b'{"metrics": {"accuracy": NaN}}',
    "deep-nesting": b"[" * 100000 + b"]" * 100000,
    "huge-number": b'{"seconds": 1' + b"0" * 5000 + b"}",
}

_HISTORY_EDITS = {
    "empty-object": {},
    "list": [],
    "loss-empty": {"loss": []},
    "no-loss": {"accuracy": [0.5, 0.6]},
    "loss-strings": {"loss": ["a", "b"]},
    "loss-null": {"loss": [None, None]},
    "unequal": {"loss": [1.0, 0.5], "val_loss": [1.0]},
    "short": {"loss": [1.0]},
    "loss-number": {"loss": 1.0},
    "loss-nested": {"loss": [[1.0], [0.5]]},
}


def _without(record, key):
    return {k: v for k, v in record.items() if k != key}


_LOADABLE = {"seconds-huge", "created-string", "created-huge", "created-negative", "key-other",
             "extra-fields", "profile-object"}
"""Edits of fields run() does not use (or values still of the right type): loading is right."""


def _loads_or_retrains(edit, loadable=False):
    """A damaged entry: run() must retrain (not load the damage) and list/describe must cope;
    a ``loadable`` edit may be loaded as it is."""

    def run(ctx):
        from dlcv.runs import describe, list_runs

        entry = seeded(ctx)
        edit(entry)
        for record in list_runs(ctx.cache):
            describe(record)
        result = tiny_run(ctx)
        return sane(result, from_cache=None if loadable else False)

    return run


def _edit_record(change):
    def edit(entry):
        path = entry / "run.json"
        path.write_text(json.dumps(change(json.loads(path.read_text()))))

    return edit


def _records(probe) -> None:
    for name, change in _RECORD_EDITS.items():
        probe(f"runs-record/run-json-{name}")(
            _loads_or_retrains(_edit_record(change), loadable=name in _LOADABLE))
    for name, data in _RAW_RECORDS.items():
        probe(f"runs-record/run-json-raw-{name}")(
            _loads_or_retrains(lambda e, d=data: (e / "run.json").write_bytes(d)))
        probe(f"runs-record/history-raw-{name}")(
            _loads_or_retrains(lambda e, d=data: (e / "history.json").write_bytes(d)))
    for name, history in _HISTORY_EDITS.items():
        probe(f"runs-record/history-{name}")(
            _loads_or_retrains(lambda e, h=history: (e / "history.json").write_text(json.dumps(h))))
    model_edits = {
        "empty": lambda e: (e / "model.keras").write_bytes(b""),
        "garbage": lambda e: (e / "model.keras").write_bytes(os.urandom(4096)),
        "truncated": lambda e: _truncate(e / "model.keras", 0.5),
        "a-zip-of-nothing": lambda e: (e / "model.keras").write_bytes(_zip({"x": b"1"})),
        "missing": lambda e: (e / "model.keras").unlink(),
        "a-folder": lambda e: ((e / "model.keras").unlink(), (e / "model.keras").mkdir()),
        "a-fifo": lambda e: ((e / "model.keras").unlink(), fifo(e / "model.keras")),
        "dangling-link": lambda e: ((e / "model.keras").unlink(),
                                    (e / "model.keras").symlink_to(e / "nowhere")),
        "self-link": lambda e: ((e / "model.keras").unlink(),
                                (e / "model.keras").symlink_to(e / "model.keras")),
        "sparse-huge": lambda e: ((e / "model.keras").unlink(), sparse(e / "model.keras")),
        "other-model": lambda e: _other_model(e / "model.keras"),
    }
    for name, edit in model_edits.items():
        probe(f"runs-record/model-{name}")(_loads_or_retrains(edit))
    for file in ("run.json", "history.json"):
        for name, edit in {
            "missing": lambda p: p.unlink(),
            "a-folder": lambda p: (p.unlink(), p.mkdir()),
            "a-fifo": lambda p: (p.unlink(), fifo(p)),
            "dangling-link": lambda p: (p.unlink(), p.symlink_to(p.parent / "nowhere")),
            "link-loop": lambda p: (p.unlink(), p.symlink_to(p)),
            "dev-zero": lambda p: (p.unlink(), p.symlink_to("/dev/zero")),
            "sparse-huge": lambda p: (p.unlink(), sparse(p)),
        }.items():
            probe(f"runs-record/{file}-{name}")(
                _loads_or_retrains(lambda e, f=file, ed=edit: ed(e / f)))
    probe("runs-record/marker-missing")(_loads_or_retrains(lambda e: (e / ".dlcv").unlink()))
    probe("runs-record/marker-a-folder")(
        _loads_or_retrains(lambda e: ((e / ".dlcv").unlink(), (e / ".dlcv").mkdir())))
    probe("runs-record/extra-file-in-entry")(
        _loads_or_retrains(lambda e: (e / "notes.txt").write_text("mine"), loadable=True))

    def tampered_metrics(ctx):
        entry = seeded(ctx)
        path = entry / "run.json"
        record = json.loads(path.read_text())
        record["metrics"] = {k: 0.123456 for k in record["metrics"]}
        path.write_text(json.dumps(record))
        result = tiny_run(ctx)
        # a run.json edited by hand to other valid numbers is loaded as it is: the cache is
        # the user's, not a security boundary (bundles are checked by SHA-256)
        return result.from_cache and result.metrics["accuracy"] == 0.123456, "edited record loaded"

    probe("runs-record/metrics-edited-by-hand-are-loaded")(tampered_metrics)


def _truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def _zip(members: dict) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _other_model(path: Path) -> None:
    import keras

    inputs = keras.Input(shape=(3,))
    keras.Model(inputs, keras.layers.Dense(5)(inputs)).save(path)


# --- What sits where an entry should be -------------------------------------------------------


def _entry_kinds(probe) -> None:
    def replace(make, keep=True):
        def run(ctx):
            from dlcv.errors import DlcvError
            from dlcv.runs import list_runs

            entry = seeded(ctx)
            shutil.rmtree(entry)
            made = make(ctx, entry)
            if keep and made is not None:
                ctx.keep(made)
            list_runs(ctx.cache)
            try:
                result = tiny_run(ctx)
            except DlcvError as error:
                if "in the way" in str(error) or "not made by dlcv" in str(error):
                    return True, f"refused: {error}"
                raise
            return sane(result, from_cache=False)

        return run

    def user_folder(ctx, entry):
        entry.mkdir()
        (entry / "thesis.tex").write_text("years of work")
        return entry

    kinds = {
        "a-file": lambda ctx, e: (e.write_text("mine"), e)[1],
        "an-empty-file": lambda ctx, e: (e.write_bytes(b""), e)[1],
        "a-users-folder": user_folder,
        "an-empty-folder": lambda ctx, e: (e.mkdir(), e)[1],
        "a-fifo": lambda ctx, e: fifo(e),
        "a-dangling-link": lambda ctx, e: (e.symlink_to(ctx.tmp / "nowhere"), e)[1],
        "a-link-loop": lambda ctx, e: (e.symlink_to(e), e)[1],
        "a-link-to-users-folder": lambda ctx, e: _link_to_folder(ctx, e),
        "a-link-to-a-valid-entry": lambda ctx, e: _link_to_entry(ctx, e),
        "a-sparse-file": lambda ctx, e: sparse(e),
    }
    for name, make in kinds.items():
        probe(f"runs-entry/{name}-where-the-run-goes")(replace(make))

    def cache_is(make):
        def run(ctx):
            ctx.tmp.mkdir(exist_ok=True)
            made = make(ctx)
            if made is not None:
                ctx.keep(made)
            result = tiny_run(ctx)
            return sane(result, from_cache=False)

        return run

    caches = {
        "a-file": lambda ctx: (ctx.cache.write_text("mine"), ctx.cache)[1],
        "a-fifo": lambda ctx: fifo(ctx.cache),
        "a-dangling-link": lambda ctx: (ctx.cache.symlink_to(ctx.tmp / "gone"), None)[1],
        "a-link-loop": lambda ctx: (ctx.cache.symlink_to(ctx.cache), None)[1],
        "dev-null": lambda ctx: _set_cache(ctx, Path("/dev/null")),
        "a-users-folder-of-hidden-stale-folders": _hidden_stale,
        "read-only-for-nobody": _read_only_cache,
    }
    for name, make in caches.items():
        probe(f"runs-entry/cache-is-{name}")(cache_is(make))


def _set_cache(ctx, path: Path):
    ctx.cache = path
    return None


def _link_to_folder(ctx, entry: Path) -> Path:
    target = ctx.tmp / "mine"
    target.mkdir()
    (target / "a.txt").write_text("mine")
    entry.symlink_to(target)
    return target


def _link_to_entry(ctx, entry: Path) -> Path:
    cache, name = template()
    target = ctx.tmp / "elsewhere"
    shutil.copytree(cache / name, target)
    entry.symlink_to(target)
    return target


def _hidden_stale(ctx):
    ctx.cache.mkdir(parents=True)
    stale = time.time() - 30 * 24 * 3600
    for name in (".npm-packages", ".tiny-p1-abcdefgh", ".tiny-0123abcd.dlcv-tmp", ".x-p99999-y"):
        folder = ctx.cache / name
        folder.mkdir()
        (folder / "keep.txt").write_text("mine")
        os.utime(folder, (stale, stale))
        ctx.keep(folder)
    return None


def _read_only_cache(ctx):
    raise Skip("covered by the command-line probes as nobody")


# --- Listing -----------------------------------------------------------------------------------


def _listing(probe) -> None:
    def listing(setup, expect_runs=None):
        def run(ctx):
            from dlcv.runs import describe, list_runs

            setup(ctx)
            rows = [describe(r) for r in list_runs(ctx.cache)]
            if expect_runs is not None and len(rows) != expect_runs:
                return False, f"listed {len(rows)} runs, not {expect_runs}"
            return True, f"{len(rows)} rows"

        return run

    def names(ctx):
        ctx.cache.mkdir(parents=True)
        for name in ("a\nb", "-rf", "é" * 80, "x" * 255, " ", ".hidden", "\x1b[31mred"):
            (ctx.cache / name).mkdir()
            (ctx.cache / name / "run.json").write_text("{}")

    probe("runs-list/odd-names")(listing(names))
    probe("runs-list/valid-entry")(listing(lambda ctx: seeded(ctx), expect_runs=1))
    probe("runs-list/missing-cache")(listing(lambda ctx: None, expect_runs=0))
    probe("runs-list/cache-a-file")(listing(lambda ctx: (ctx.tmp.mkdir(exist_ok=True),
                                                         ctx.cache.write_text("x"))))
    probe("runs-list/cache-dangling-link")(
        listing(lambda ctx: ctx.cache.symlink_to(ctx.tmp / "gone"), expect_runs=0))
    probe("runs-list/cache-link-loop")(listing(lambda ctx: ctx.cache.symlink_to(ctx.cache)))

    def many(ctx):
        entry = seeded(ctx)
        for i in range(200):
            shutil.copytree(entry, ctx.cache / f"{entry.name}{i}")

    probe("runs-list/two-hundred-entries")(listing(many))

    def record_kinds(value):
        def setup(ctx):
            entry = seeded(ctx)
            record = json.loads((entry / "run.json").read_text())
            record.update(value)
            (entry / "run.json").write_text(json.dumps(record))

        return setup

    for name, value in {
        "config-string": {"config": "x"},
        "model-kwargs-list": {"config": {"model_kwargs": [1]}},
        "data-string": {"config": {"data": "x"}},
        "fit-list": {"config": {"fit": []}},
        "metrics-string": {"metrics": "x"},
        "accuracy-string": {"metrics": {"accuracy": "x"}},
        "accuracy-nan": {"metrics": {"accuracy": float("nan")}},
        "created-nan": {"created": float("nan")},
        "created-inf": {"created": float("inf")},
        "created-bool": {"created": True},
        "seed-object": {"config": {"seed": {"a": 1}}},
    }.items():
        probe(f"runs-list/record-{name}")(listing(record_kinds(value)))


# --- Removal -----------------------------------------------------------------------------------


def _removal(probe) -> None:
    def refused(run_id_of, setup=None):
        def run(ctx):
            from dlcv.errors import ConfigError
            from dlcv.runs import remove_run

            entry = seeded(ctx)
            ctx.keep(entry)
            extra = setup(ctx) if setup else None
            if extra is not None:
                ctx.keep(extra)
            try:
                remove_run(run_id_of(ctx, entry), ctx.cache)
            except ConfigError as error:
                return True, f"refused: {error}"
            return False, "removed something that is not a run entry"

        return run

    ids = {
        "empty": "", "dot": ".", "dotdot": "..", "slash": "/", "absolute": "/etc",
        "traversal": "../mine", "nul": "a\0b", "none": None, "number": 5, "list": ["x"],
        "glob": "*", "newline": "x\n", "tilde": "~", "long": "x" * 5000,
        "marker": ".dlcv",
    }
    for name, value in ids.items():
        probe(f"runs-remove/id-{name}")(refused(lambda ctx, e, v=value: v))

    def users(ctx):
        folder = ctx.cache / "Documents"
        folder.mkdir()
        (folder / "a.txt").write_text("mine")
        return folder

    probe("runs-remove/users-folder-in-cache")(refused(lambda ctx, e: "Documents", users))

    def marked_no_record(ctx):
        folder = ctx.cache / "tiny-0000000000000000"
        folder.mkdir()
        (folder / ".dlcv").write_text("")
        (folder / "a.txt").write_text("mine?")
        return folder

    probe("runs-remove/marked-folder-without-record")(
        refused(lambda ctx, e: "tiny-0000000000000000", marked_no_record))

    def link_entry(ctx):
        target = ctx.tmp / "elsewhere"
        cache, name = template()
        shutil.copytree(cache / name, target)
        (ctx.cache / "tiny-1111111111111111").symlink_to(target)
        return target

    probe("runs-remove/symlinked-entry")(
        refused(lambda ctx, e: "tiny-1111111111111111", link_entry))

    def file_entry(ctx):
        path = ctx.cache / "tiny-2222222222222222"
        path.write_text("mine")
        return path

    probe("runs-remove/a-file")(refused(lambda ctx, e: "tiny-2222222222222222", file_entry))

    def removes(ctx):
        from dlcv.runs import list_runs, remove_run

        entry = seeded(ctx)
        remove_run(entry.name, ctx.cache)
        return (not entry.exists() and list_runs(ctx.cache) == []), "removed"

    probe("runs-remove/a-real-entry")(removes)

    def twice(ctx):
        from dlcv.errors import ConfigError
        from dlcv.runs import remove_run

        entry = seeded(ctx)
        remove_run(entry.name, ctx.cache)
        try:
            remove_run(entry.name, ctx.cache)
        except ConfigError:
            return True, "second removal refused"
        return False, "removed twice"

    probe("runs-remove/twice")(twice)


# --- run()'s arguments -------------------------------------------------------------------------


def _arguments(probe) -> None:
    def refused(**kwargs):
        def run(ctx):
            from dlcv.errors import ConfigError

            started = time.monotonic()
            try:
                result = tiny_run(ctx, **kwargs)
            except ConfigError as error:
                return True, f"refused in {time.monotonic() - started:.1f} s: {error}"
            return False, f"accepted (from_cache={result.from_cache}, metrics {result.metrics})"

        return run

    def accepted(**kwargs):
        def run(ctx):
            return sane(tiny_run(ctx, **kwargs))

        return run

    bad = {
        "epochs": [0, -1, 1.5, True, "2", None, float("nan"), 10**12, [2]],
        "seed": [-1, 2**32, 1.5, "1", None, True, float("inf")],
        "learning_rate": [float("nan"), float("inf"), -1.0, 0.0, "0.1", True, [0.1]],
        "optimizer": ["bogus", "", None, 5, "ADAM!"],
        "loss": ["bogus", "", None, 5],
        "metrics": [["bogus"], "accuracy", None, 5, [5]],
        "monitor": ["val_bogus", "", 5],
        "mode": ["bogus", "", None, 5],
        "model_kwargs": [[1], "x", {"bogus": 1}],
        "name": ["../escape", "a/b", "", ".hidden", "x" * 300, "a\0b", 5, "a\nb"],
        "precision": ["bogus", "", None, "float64"],
        "cache_dir": [5],
        "profile": [5, ["quick"]],
    }
    for argument, values in bad.items():
        for index, value in enumerate(values):
            probe(f"runs-args/{argument}-{index}-{str(value)[:20]!r}")(refused(**{argument: value}))
    good = {
        "np-int-epochs": {"epochs": np.int64(EPOCHS)},
        "np-int-seed": {"seed": np.int64(3)},
        "np-float-learning-rate": {"learning_rate": np.float32(0.01)},
        "monitor-none": {"monitor": None},
        "metrics-tuple": {"metrics": ("accuracy",)},
        "mode-min": {"mode": "min"},
        "seed-zero": {"seed": 0},
        "seed-max": {"seed": 2**32 - 1},
    }
    for name, kwargs in good.items():
        probe(f"runs-args/accepts-{name}")(accepted(**kwargs))

    def data_refused(data):
        def run(ctx):
            from dlcv.errors import ConfigError
            from dlcv.runs import run as run_

            try:
                run_(tiny_model, data, epochs=1, cache_dir=ctx.cache)
            except ConfigError as error:
                return True, f"refused: {error}"
            return False, "accepted"

        return run

    class NoInfo:
        def __init__(self):
            d = TinyData()
            self.train, self.validation, self.test = d.train, d.validation, d.test

    class BadInfo(TinyData):
        def __init__(self, info):
            super().__init__()
            self.info = info

    probe("runs-args/data-none")(data_refused(None))
    probe("runs-args/data-dict")(data_refused({"train": 1}))
    probe("runs-args/data-no-info")(lambda ctx: data_refused(NoInfo())(ctx))
    probe("runs-args/data-info-not-json")(lambda ctx: data_refused(BadInfo({"x": object()}))(ctx))
    probe("runs-args/data-info-list")(lambda ctx: data_refused(BadInfo([1]))(ctx))
    probe("runs-args/data-empty-validation")(lambda ctx: data_refused(TinyData(validation=0))(ctx))

    def builder_refused(builder):
        def run(ctx):
            from dlcv.errors import ConfigError
            from dlcv.runs import run as run_

            try:
                run_(builder, TinyData(), epochs=1, cache_dir=ctx.cache)
            except ConfigError as error:
                return True, f"refused: {error}"
            return False, "accepted"

        return run

    probe("runs-args/builder-none")(builder_refused(None))
    probe("runs-args/builder-string")(builder_refused("mnist_convnet"))
    probe("runs-args/builder-lambda-trains")(
        lambda ctx: sane(tiny_run_with(ctx, lambda: tiny_model())))
    probe("runs-args/builder-returns-none")(builder_refused(_returns_none))
    probe("runs-args/builder-builtin")(builder_refused(len))

    def nan_loss(ctx):
        from dlcv.errors import TrainingDivergedError

        data = TinyData()
        import tensorflow as tf

        x = np.full((16, 4), 1e38, "float32")
        data.train = tf.data.Dataset.from_tensor_slices((x, np.zeros(16, "int64"))).batch(8)
        try:
            result = tiny_run(ctx, data=data, learning_rate=1e30)
        except TrainingDivergedError as error:
            left = list(ctx.cache.iterdir()) if ctx.cache.exists() else []
            return [p for p in left if not p.name.startswith(".dlcv")] == [], f"refused: {error}"
        # softmax may saturate instead of diverging: then the run is fine if nothing is NaN
        return sane(result)

    probe("runs-args/diverging-run-not-cached")(nan_loss)

    def train_false(ctx):
        from dlcv.errors import RunCacheError

        try:
            tiny_run(ctx, train=False)
        except RunCacheError as error:
            return (not ctx.cache.exists() or not any(ctx.cache.iterdir())), f"refused: {error}"
        return False, "trained with train=False"

    probe("runs-args/train-false-on-empty-cache")(train_false)

    def force(ctx):
        entry = seeded(ctx)
        before = json.loads((entry / "run.json").read_text())["created"]
        result = tiny_run(ctx, force=True)
        after = json.loads((entry / "run.json").read_text())["created"]
        ok, detail = sane(result, from_cache=False)
        return ok and after > before, detail

    probe("runs-args/force-replaces")(force)

    def loads(ctx):
        seeded(ctx)
        return sane(tiny_run(ctx), from_cache=True)

    probe("runs-args/loads-a-seeded-run")(loads)


def tiny_run_with(ctx, builder):
    from dlcv.runs import run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(builder, TinyData(), epochs=EPOCHS, cache_dir=ctx.cache)


def _returns_none():
    return None


# --- The environment ---------------------------------------------------------------------------


def _environment(probe) -> None:
    def env_run(variable, value, expect):
        """``expect``: 'train' (a sane run), 'refuse' (a ConfigError) or 'missing'."""

        def run(ctx):
            from dlcv.errors import ConfigError, MissingRunError

            os.environ[variable] = value
            try:
                result = tiny_run(ctx)
            except MissingRunError as error:
                return expect == "missing", f"missing: {error}"
            except ConfigError as error:
                return expect == "refuse", f"refused: {error}"
            if expect != "train":
                return False, f"trained, expected {expect}"
            return sane(result)

        return run

    for value, expect in {
        "forbid": "missing", "FORBID": "missing", " forbid ": "missing", "allow": "train",
        "": "train", "0": "refuse", "yes": "refuse", "forbidden": "refuse", "no": "refuse",
        "fοrbid": "refuse", "forbid\n": "missing", "allow,forbid": "refuse",
    }.items():
        probe(f"env/training-{value!r}")(env_run("DLCV_TRAINING", value, expect))

    def cache_env(value_of, expect_ok=True):
        def run(ctx):
            from dlcv import settings

            ctx.tmp.mkdir(exist_ok=True)
            value = value_of(ctx)
            os.environ["DLCV_CACHE_DIR"] = value
            ctx.cache = settings.cache_dir()
            from dlcv.runs import list_runs
            from dlcv.runs import run as run_

            list_runs()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = run_(tiny_model, TinyData(), epochs=EPOCHS)
            return sane(result)

        return run

    def a_file(ctx):
        (ctx.tmp / "f").write_text("mine")
        ctx.keep(ctx.tmp / "f")
        return str(ctx.tmp / "f")

    def cwd_relative(ctx):
        os.chdir(ctx.tmp)
        return "relative/cache"

    for name, value_of in {
        "a-file": a_file,
        "a-file-child": lambda ctx: (a_file(ctx), str(ctx.tmp / "f" / "runs"))[1],
        "spaces": lambda ctx: str(ctx.tmp / "my runs " / " x"),
        "unicode": lambda ctx: str(ctx.tmp / "ранs 日本"),
        "tilde": lambda ctx: "~/../" + str(ctx.tmp)[1:] + "/tilde",
        "trailing-slash": lambda ctx: str(ctx.tmp / "c") + "///",
        "dot-dot": lambda ctx: str(ctx.tmp / "a" / ".." / "b"),
        "relative": cwd_relative,
        "dev-null": lambda ctx: "/dev/null",
        "proc": lambda ctx: "/proc/self/cwd/../nope",
        "too-long": lambda ctx: str(ctx.tmp / ("x" * 300)),
        "deep": lambda ctx: str(ctx.tmp.joinpath(*(["d"] * 400))),
        "newline": lambda ctx: str(ctx.tmp / "a\nb"),
        "whitespace-only": lambda ctx: (os.chdir(ctx.tmp), "   ")[1],
        "unknown-user": lambda ctx: "~nosuchuser9/runs",
        "fifo": lambda ctx: str(fifo(ctx.tmp / "p")),
    }.items():
        probe(f"env/cache-dir-{name}")(cache_env(value_of))

    def restore_cwd(function):
        def run(ctx):
            cwd = os.getcwd()
            try:
                return function(ctx)
            finally:
                os.chdir(cwd)

        return run

    # the relative probe changes the working folder
    import bench.hostile.probes as probes_module

    for p in probes_module._PROBES:
        if p.name in ("env/cache-dir-relative", "env/cache-dir-whitespace-only"):
            p.run = restore_cwd(p.run)

    def profile_env(value):
        def run(ctx):
            from dlcv import profiles
            from dlcv.errors import ConfigError

            os.environ["DLCV_PROFILE"] = value
            try:
                profile = profiles.active()
            except ConfigError as error:
                return value.strip().lower() not in ("quick", "full", ""), f"refused: {error}"
            return profile.name in ("quick", "full"), f"profile {profile.name}"

        return run

    for value in ("quick", "full", "", "Full", " quick ", "gpu", "quick,full", "None", "0",
                  "ful", "QUICK\n", "💥"):
        probe(f"env/profile-{value!r}")(profile_env(value))

    def claims_env(value):
        def run(ctx):
            from dlcv import claims
            from dlcv.errors import DlcvError

            os.environ["DLCV_CLAIMS"] = value
            try:
                claims.claim(True, "holds")
                outcome = "true claim passes"
            except DlcvError as error:
                return True, f"refused the setting: {error}"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    claims.claim(False, "does not hold")
            except (DlcvError, AssertionError) as error:
                return True, f"{outcome}; a false claim: {type(error).__name__}"
            return True, f"{outcome}; a false claim noted"

        return run

    for value in ("strict", "note", "", "STRICT", "off", "1", "0", "yes", " strict", "\n"):
        probe(f"env/claims-{value!r}")(claims_env(value))


# --- Bundles as files --------------------------------------------------------------------------


def _bundle(ctx) -> Path:
    """A bundle of the template's run, written by export_runs; returns its path."""
    from dlcv.runs.bundle import export_runs

    cache, entry = template()
    path = ctx.tmp / "runs.tar"
    ctx.tmp.mkdir(exist_ok=True)
    export_runs(path, [_TEMPLATE["key"]], cache_dir=cache)
    return path


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path) as archive:
        return [(i, archive.extractfile(i).read() if i.isreg() else b"")
                for i in archive.getmembers()]


def _write_tar(path: Path, members, mode="w") -> None:
    with tarfile.open(path, mode) as archive:
        for info, data in members:
            info = tarfile.TarInfo(info.name) if isinstance(info, str) else info
            if info.isreg():
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)


def _import_refused(mutate):
    """Imports a damaged bundle: refused with a dlcv error, nothing written in the cache."""

    def run(ctx):
        from dlcv.errors import DlcvError
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        source = mutate(ctx, path)
        try:
            added, kept = import_runs(source if source is not None else path, ctx.cache)
        except DlcvError as error:
            left = [p.name for p in ctx.cache.iterdir()] if ctx.cache.is_dir() else []
            left = [n for n in left if n != ".dlcv"]
            return (not left), f"refused ({type(error).__name__}: {str(error)[:120]}), left {left}"
        return False, f"imported {added}, kept {kept}"

    return run


def _mutate_members(change):
    def mutate(ctx, path):
        members = change(_members(path))
        _write_tar(path, members)

    return mutate


def _entry_of(members):
    return next(i.name.split("/")[1] for i, _ in members if i.name.startswith("runs/"))


def _bundles(probe) -> None:
    def imports(ctx):
        from dlcv.runs import list_runs
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        added, kept = import_runs(path, ctx.cache)
        ok, detail = sane(tiny_run(ctx), from_cache=True)
        return ok and len(added) == 1 and len(list_runs(ctx.cache)) == 1, detail

    probe("bundle/round-trip")(imports)

    def imports_twice(ctx):
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        import_runs(path, ctx.cache)
        added, kept = import_runs(path, ctx.cache)
        return (added == [] and len(kept) == 1), f"added {added}, kept {kept}"

    probe("bundle/import-twice-keeps")(imports_twice)

    def over_damaged(ctx):
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        entry = seeded(ctx)
        (entry / "run.json").write_text("{}")
        added, kept = import_runs(path, ctx.cache)
        ok, detail = sane(tiny_run(ctx))
        return ok, f"added {added}, kept {kept}; {detail}"

    probe("bundle/import-over-a-damaged-entry")(over_damaged)

    for fraction in (0.0, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999):
        probe(f"bundle/truncated-at-{fraction}")(_flip_verdict(
            lambda ctx, p, f=fraction: _truncate(p, f) if f else p.write_bytes(b"")))
    for offset in (0, 100, 257, 512, 600, 1024, 2048, -1024, -10):
        def flip(ctx, path, offset=offset):
            data = bytearray(path.read_bytes())
            data[offset] ^= 0xFF
            path.write_bytes(bytes(data))

        probe(f"bundle/byte-flipped-at-{offset}")(_flip_verdict(flip))

    def compressed(mode):
        def mutate(ctx, path):
            members = _members(path)
            _write_tar(path, members, mode)

        return mutate

    for mode in ("w:gz", "w:bz2", "w:xz"):
        probe(f"bundle/recompressed-{mode}-imports")(_imports_after(compressed(mode)))

    def evil(name, kind=tarfile.REGTYPE, data=b"x", link=""):
        def change(members):
            info = tarfile.TarInfo(name.format(entry=_entry_of(members)))
            info.type = kind
            info.linkname = link
            return [*members, (info, data)]

        return _import_refused(_mutate_members(change))

    for name, args in {
        "traversal": ("../../evil",),
        "absolute": ("/tmp/evil-dlcv",),
        "runs-traversal": ("runs/../../evil",),
        "extra-file-in-entry": ("runs/{entry}/extra.txt",),
        "extra-top-file": ("README",),
        "symlink-member": ("runs/{entry}/link", tarfile.SYMTYPE, b"", "/etc/passwd"),
        "hardlink-member": ("runs/{entry}/hard", tarfile.LNKTYPE, b"", "/etc/passwd"),
        "device-member": ("runs/{entry}/dev", tarfile.CHRTYPE, b""),
        "fifo-member": ("runs/{entry}/fifo", tarfile.FIFOTYPE, b""),
        "dot-entry": ("runs/./x",),
        "second-manifest-as-dir": ("manifest.json/", tarfile.DIRTYPE, b""),
        "entry-bad-key": ("runs/tiny-XYZ/run.json",),
        "unicode-entry": ("runs/tiny-é/run.json",),
        "nul-in-name": ("runs/a\0b",),
        "long-name": ("runs/" + "x" * 400 + "/run.json",),
    }.items():
        probe(f"bundle/member-{name}")(evil(*args))

    def replace_member(suffix, new):
        def change(members):
            return [(i, new(d) if i.name.endswith(suffix) else d) for i, d in members]

        return _import_refused(_mutate_members(change))

    for name, (suffix, new) in {
        "model-garbage": ("model.keras", lambda d: os.urandom(len(d))),
        "record-empty": ("run.json", lambda d: b""),
        "history-list": ("history.json", lambda d: b"[]"),
        "manifest-empty": ("manifest.json", lambda d: b""),
        "manifest-list": ("manifest.json", lambda d: b"[]"),
        "manifest-binary": ("manifest.json", lambda d: os.urandom(64)),
    }.items():
        probe(f"bundle/replaced-{name}")(replace_member(suffix, new))

    def manifest_edit(change):
        def change_members(members):
            out = []
            for info, data in members:
                if info.name == "manifest.json":
                    manifest = json.loads(data)
                    change(manifest)
                    data = json.dumps(manifest).encode()
                out.append((info, data))
            return out

        return _mutate_members(change_members)

    def forged_record(change):
        """Changes run.json and updates the manifest's SHA-256 to match (a forger's bundle)."""

        def change_members(members):
            import hashlib

            out, digests = [], {}
            for info, data in members:
                if info.name.endswith("run.json"):
                    record = json.loads(data)
                    change(record)
                    data = json.dumps(record).encode()
                    digests[info.name] = hashlib.sha256(data).hexdigest()
                out.append((info, data))
            final = []
            for info, data in out:
                if info.name == "manifest.json":
                    manifest = json.loads(data)
                    manifest["files"].update(digests)
                    data = json.dumps(manifest).encode()
                final.append((info, data))
            return final

        return _mutate_members(change_members)

    for name, change in {
        "format-2": lambda m: m.update(format=2),
        "format-string": lambda m: m.update(format="1"),
        "no-files": lambda m: m.pop("files"),
        "files-list": lambda m: m.update(files=[]),
        "files-extra": lambda m: m["files"].update({"runs/x-0000000000000000/run.json": "0" * 64}),
        "files-missing-one": lambda m: m["files"].popitem(),
        "sha-upper": lambda m: m["files"].update({k: v.upper() for k, v in m["files"].items()}),
        "sha-wrong": lambda m: m["files"].update({k: "0" * 64 for k in m["files"]}),
        "runs-empty": lambda m: m.update(runs=[]),
        "runs-string": lambda m: m.update(runs="x"),
        "runs-key-int": lambda m: m.update(runs=[{"key": 5}]),
        "runs-extra-key": lambda m: m["runs"].append({"key": "f" * 16}),
        "training-source-other": lambda m: m.update(training_source="0" * 64),
        "training-source-int": lambda m: m.update(training_source=5),
        "no-training-source": lambda m: m.pop("training_source"),
    }.items():
        probe(f"bundle/manifest-{name}")(_import_refused(manifest_edit(change)))

    for name, change in {
        "seed": lambda r: r["config"].update(seed=9),
        "metrics": lambda r: r.update(metrics={"accuracy": 1.0, "loss": 0.0}),
        "metrics-nan-string": lambda r: r.update(metrics={"accuracy": "NaN"}),
        "best-epoch-zero": lambda r: r.update(best_epoch=0),
        "training-source": lambda r: r["config"].update(training_source="0" * 64),
        "name": lambda r: r["config"].update(name="other"),
    }.items():
        verdict = _import_refused if name != "metrics" else _forged_metrics_verdict
        probe(f"bundle/forged-record-{name}")(verdict(forged_record(change)))

    def duplicate(members):
        return [*members, members[-1]]

    probe("bundle/duplicate-member")(_import_refused(_mutate_members(duplicate)))

    def no_manifest(members):
        return [(i, d) for i, d in members if i.name != "manifest.json"]

    probe("bundle/no-manifest")(_import_refused(_mutate_members(no_manifest)))

    def only_manifest(members):
        return [(i, d) for i, d in members if i.name == "manifest.json"]

    probe("bundle/only-manifest")(_import_refused(_mutate_members(only_manifest)))

    def missing_model(members):
        return [(i, d) for i, d in members if not i.name.endswith("model.keras")]

    probe("bundle/missing-model")(_import_refused(_mutate_members(missing_model)))

    def sources(make):
        return _import_refused(lambda ctx, path: make(ctx, path))

    for name, make in {
        "a-folder": lambda ctx, p: str(ctx.tmp),
        "missing-file": lambda ctx, p: str(ctx.tmp / "none.tar"),
        "dev-zero": lambda ctx, p: "/dev/zero",
        "dev-null": lambda ctx, p: "/dev/null",
        "a-fifo": lambda ctx, p: str(fifo(ctx.tmp / "pipe.tar")),
        "sparse-huge": lambda ctx, p: str(sparse(ctx.tmp / "huge.tar")),
        "a-zip": lambda ctx, p: (p.write_bytes(_zip({"manifest.json": b"{}"})), str(p))[1],
        "a-jpeg": lambda ctx, p: (p.write_bytes(b"\xff\xd8\xff" + os.urandom(100)), str(p))[1],
        "dangling-link": lambda ctx, p: ((ctx.tmp / "l.tar").symlink_to(ctx.tmp / "x"),
                                         str(ctx.tmp / "l.tar"))[1],
        "link-loop": lambda ctx, p: ((ctx.tmp / "loop.tar").symlink_to(ctx.tmp / "loop.tar"),
                                     str(ctx.tmp / "loop.tar"))[1],
        "empty-string": lambda ctx, p: "",
        "file-url": lambda ctx, p: "file://" + str(p),
        "ftp-url": lambda ctx, p: "ftp://127.0.0.1/x.tar",
        "gzip-bomb": lambda ctx, p: _gzip_bomb(ctx),
        "nul-path": lambda ctx, p: "a\0b.tar",
        "too-long-path": lambda ctx, p: "/" + "x" * 5000,
        "unreadable": lambda ctx, p: _as_nobody_unreadable(p),
    }.items():
        probe(f"bundle/source-{name}")(sources(make))

    def into(make_cache):
        def run(ctx):
            from dlcv.errors import DlcvError
            from dlcv.runs.bundle import import_runs

            path = _bundle(ctx)
            kept_path = make_cache(ctx)
            if kept_path is not None:
                ctx.keep(kept_path)
            try:
                import_runs(path, ctx.cache)
            except DlcvError as error:
                return True, f"refused: {error}"
            return sane(tiny_run(ctx))

        return run

    def file_on_entry(ctx):
        ctx.cache.mkdir(parents=True)
        path = ctx.cache / template()[1]
        path.write_text("mine")
        return path

    def cache_file(ctx):
        ctx.cache.write_text("mine")
        return ctx.cache

    probe("bundle/into-cache-with-a-file-on-the-entry")(into(file_on_entry))
    probe("bundle/into-a-cache-that-is-a-file")(into(cache_file))


def _flip_verdict(mutate):
    """A flipped byte: refused, or (in tar padding) imported with a run that checks out."""

    def run(ctx):
        from dlcv.errors import DlcvError
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        mutate(ctx, path)
        try:
            import_runs(path, ctx.cache)
        except DlcvError as error:
            return True, f"refused: {error}"
        return sane(tiny_run(ctx), from_cache=True)

    return run


def _forged_metrics_verdict(mutate):
    def run(ctx):
        from dlcv.errors import DlcvError
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        mutate(ctx, path)
        try:
            import_runs(path, ctx.cache)
        except DlcvError as error:
            return True, f"refused: {error}"
        # the manifest's digests were forged along with the record: a bundle is as trusted as
        # its source; what must hold is that the run it gives still loads and is consistent
        return sane(tiny_run(ctx), from_cache=True)

    return run


def _imports_after(mutate):
    def run(ctx):
        from dlcv.runs.bundle import import_runs

        path = _bundle(ctx)
        mutate(ctx, path)
        added, _ = import_runs(path, ctx.cache)
        return sane(tiny_run(ctx), from_cache=True)

    return run


def _gzip_bomb(ctx) -> str:
    import gzip

    path = ctx.tmp / "bomb.tar.gz"
    with gzip.open(path, "wb", compresslevel=9) as stream:
        block = b"\0" * (1 << 20)
        for _ in range(256):
            stream.write(block)
    return str(path)


def _as_nobody_unreadable(path: Path) -> str:
    if ROOT:
        raise Skip("root reads everything; the command-line probe runs as nobody")
    path.chmod(0)
    return str(path)


# --- Bundles from URLs -------------------------------------------------------------------------


def _bundle_urls(probe) -> None:
    def url_probe(route_of, expect_ok=False):
        def run(ctx):
            from dlcv.errors import DlcvError
            from dlcv.runs.bundle import import_runs

            data = _bundle(ctx).read_bytes()
            routes = route_of(data)
            base, stop = served(routes)
            try:
                added, kept = import_runs(base + "/b.tar", ctx.cache)
            except DlcvError as error:
                leftovers = [p.name for p in ctx.cache.iterdir() if p.name.startswith(".")
                             and p.name != ".dlcv"] if ctx.cache.is_dir() else []
                return (not expect_ok and not leftovers), f"refused: {str(error)[:150]} {leftovers}"
            finally:
                stop()
            if not expect_ok:
                return False, f"imported {added}"
            return sane(tiny_run(ctx), from_cache=True)

        return run

    def body(data, status=200, headers=None, length=None):
        def route(handler):
            handler.send_response(status)
            for k, v in (headers or {}).items():
                handler.send_header(k, v)
            handler.send_header("Content-Length", str(len(data) if length is None else length))
            handler.end_headers()
            if handler.command == "GET":
                handler.wfile.write(data)

        return route

    def cut(data, at):
        def route(handler):
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[:at])
            handler.wfile.flush()
            handler.close_connection = True

        return route

    def redirect(to):
        def route(handler):
            handler.send_response(302)
            handler.send_header("Location", to)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        return route

    probe("bundle-url/serves")(url_probe(lambda d: {"/b.tar": body(d)}, expect_ok=True))
    probe("bundle-url/html-content-type")(url_probe(
        lambda d: {"/b.tar": body(d, headers={"Content-Type": "text/html"})}, expect_ok=True))
    probe("bundle-url/html-page")(url_probe(
        lambda d: {"/b.tar": body(b"<html>login</html>", headers={"Content-Type": "text/html"})}))
    for status in (404, 403, 500, 503, 204, 301):
        probe(f"bundle-url/status-{status}")(url_probe(
            lambda d, s=status: {"/b.tar": body(b"no", status=s)}))
    for fraction in (0.0, 0.1, 0.5, 0.9, 0.999):
        probe(f"bundle-url/cut-at-{fraction}")(url_probe(
            lambda d, f=fraction: {"/b.tar": cut(d, int(len(d) * f))}))
    probe("bundle-url/length-too-long")(url_probe(
        lambda d: {"/b.tar": cut(d + b"\0" * 0, len(d) - 1)}))
    probe("bundle-url/redirect-ok")(url_probe(
        lambda d: {"/b.tar": redirect("/c.tar"), "/c.tar": body(d)}, expect_ok=True))
    probe("bundle-url/redirect-to-file")(url_probe(
        lambda d: {"/b.tar": redirect("file:///etc/passwd")}))
    probe("bundle-url/redirect-loop")(url_probe(lambda d: {"/b.tar": redirect("/b.tar")}))
    probe("bundle-url/redirect-ftp")(url_probe(lambda d: {"/b.tar": redirect("ftp://x/y")}))
    probe("bundle-url/garbage")(url_probe(lambda d: {"/b.tar": body(os.urandom(5000))}))
    probe("bundle-url/empty")(url_probe(lambda d: {"/b.tar": body(b"")}))
    probe("bundle-url/gzip-encoded-header")(url_probe(
        lambda d: {"/b.tar": body(d, headers={"Content-Encoding": "gzip"})}, expect_ok=True))

    def huge(handler):
        handler.send_response(200)
        handler.end_headers()
        block = b"\0" * (1 << 20)
        try:
            for _ in range(64):
                handler.wfile.write(block)
        except OSError:
            pass

    probe("bundle-url/64-mib-of-zeros")(url_probe(lambda d: {"/b.tar": huge}))

    def silent(handler):
        time.sleep(8)

    def short_timeout(function):
        def run(ctx):
            from dlcv.runs import bundle

            saved = bundle.DOWNLOAD_TIMEOUT_S
            bundle.DOWNLOAD_TIMEOUT_S = 2.0
            try:
                return function(ctx)
            finally:
                bundle.DOWNLOAD_TIMEOUT_S = saved

        return run

    probe("bundle-url/server-silent")(short_timeout(url_probe(lambda d: {"/b.tar": silent})))

    def bad_urls(url):
        def run(ctx):
            from dlcv.errors import DlcvError
            from dlcv.runs.bundle import import_runs

            try:
                import_runs(url, ctx.cache)
            except DlcvError as error:
                return True, f"refused: {error}"
            return False, "imported"

        return run

    for url in ("http://", "http://[::1", "https://127.0.0.1:1/x.tar", "http://a b/c.tar",
                "http://127.0.0.1:99999/x", "HTTP://127.0.0.1:1/x", "http://%zz/",
                "javascript:alert(1)", "data:,x", "http://127.0.0.1:1/" + "x" * 10000):
        probe(f"bundle-url/bad-{url[:30]!r}")(bad_urls(url))


# --- The command line --------------------------------------------------------------------------


def _cli(probe) -> None:
    def cli(*args, setup=None, expect_ok=False, as_nobody=False, env=None):
        def run(ctx):
            ctx.tmp.mkdir(exist_ok=True)
            extra = setup(ctx) if setup else []
            os.environ.update(env or {})
            if as_nobody:
                status, err = _nobody_cli(ctx, *args, *extra)
            else:
                status, err = dlcv_cli(ctx, *args, *extra, timeout=40)
            ok, detail = cli_verdict(status, err)
            return (ok if expect_ok else False), detail

        return run

    def bundle_arg(ctx):
        return [str(_bundle(ctx))]

    probe("runs-cli/list-empty")(cli("runs", expect_ok=True))
    probe("runs-cli/list-seeded")(cli("runs", setup=lambda ctx: (seeded(ctx), [])[1],
                                      expect_ok=True))
    probe("runs-cli/list-damaged")(cli("runs", setup=lambda ctx: _damaged_cache(ctx),
                                       expect_ok=True))
    probe("runs-cli/remove-nothing")(cli("runs", "--remove", "nope"))
    probe("runs-cli/remove-dotdot")(cli("runs", "--remove", ".."))
    probe("runs-cli/remove-empty")(cli("runs", "--remove", ""))
    probe("runs-cli/remove-real")(cli("runs", "--remove", setup=lambda ctx: [seeded(ctx).name],
                                      expect_ok=True))
    probe("runs-cli/import-bundle")(cli("runs", "import", setup=bundle_arg, expect_ok=True))
    probe("runs-cli/import-missing")(cli("runs", "import", "/nonexistent.tar"))
    probe("runs-cli/import-folder")(cli("runs", "import", setup=lambda ctx: [str(ctx.tmp)]))
    probe("runs-cli/import-dev-zero")(cli("runs", "import", "/dev/zero"))
    probe("runs-cli/import-fifo")(cli("runs", "import",
                                      setup=lambda ctx: [str(fifo(ctx.tmp / "p"))]))
    probe("runs-cli/import-bad-url")(cli("runs", "import", "http://[::1"))
    probe("runs-cli/import-no-arg")(cli("runs", "import"))
    probe("runs-cli/export-missing-runs")(cli("runs", "export",
                                              setup=lambda ctx: [str(ctx.tmp / "o.tar")]))
    probe("runs-cli/export-to-a-folder")(cli("runs", "export", setup=lambda ctx: [str(ctx.tmp)]))
    probe("runs-cli/export-to-dev-full")(cli("runs", "export", "/dev/full"))
    probe("runs-cli/plan")(cli("runs", "plan", expect_ok=True))
    probe("runs-cli/plan-json")(cli("runs", "plan", "--json", expect_ok=True))
    probe("runs-cli/plan-full")(cli("--profile", "full", "runs", "plan", expect_ok=True))
    probe("runs-cli/bad-profile")(cli("--profile", "gpu", "runs"))
    probe("runs-cli/train-bad-key")(cli("train", "--key", "zz"))
    probe("runs-cli/train-unknown-key")(cli("train", "--key", "0" * 16))
    probe("runs-cli/train-epochs-zero")(cli("train", "mnist", "--epochs", "0"))
    probe("runs-cli/train-epochs-text")(cli("train", "mnist", "--epochs", "many"))
    probe("runs-cli/train-dropout-one")(cli("train", "cats-vs-dogs", "--dropout", "1"))
    probe("runs-cli/train-dropout-nan")(cli("train", "cats-vs-dogs", "--dropout", "nan"))
    probe("runs-cli/train-seed-negative")(cli("train", "cats-vs-dogs", "--seed", "-1"))
    probe("runs-cli/train-seed-huge")(cli("train", "cats-vs-dogs", "--seed", str(2**40)))
    probe("runs-cli/train-forbidden")(cli("train", "mnist", "--epochs", "1",
                                          env={"DLCV_TRAINING": "forbid"}))
    probe("runs-cli/train-training-odd")(cli("train", "mnist", "--epochs", "1",
                                             env={"DLCV_TRAINING": "maybe"}))
    probe("runs-cli/runs-profile-env-odd")(cli("runs", "plan", env={"DLCV_PROFILE": "gpu"}))
    probe("runs-cli/runs-cache-env-file")(cli(
        "runs", setup=lambda ctx: (ctx.cache.write_text("x"), [])[1]))
    probe("runs-cli/data-info-data-env-file")(cli(
        "data", "info", setup=lambda ctx: (ctx.data.write_text("x"), [])[1]))
    probe("runs-cli/lessons-forbidden-empty-cache")(cli("lessons",
                                                        env={"DLCV_TRAINING": "forbid"}))
    probe("runs-cli/unknown-command")(cli("fly"))
    probe("runs-cli/runs-unknown-action")(cli("runs", "fly"))
    probe("runs-cli/nobody-lists-a-read-only-cache")(cli(
        "runs", setup=lambda ctx: _read_only_for_nobody(ctx), as_nobody=True, expect_ok=True))
    probe("runs-cli/nobody-removes-from-a-read-only-cache")(cli(
        "runs", "--remove", setup=lambda ctx: [_read_only_for_nobody(ctx)], as_nobody=True))
    probe("runs-cli/nobody-imports-into-a-read-only-cache")(cli(
        "runs", "import", setup=lambda ctx: [_read_only_bundle_for_nobody(ctx)],
        as_nobody=True))
    probe("runs-cli/nobody-cache-unreadable")(cli(
        "runs", setup=lambda ctx: _unreadable_for_nobody(ctx), as_nobody=True))


def _damaged_cache(ctx):
    entry = seeded(ctx)
    (entry / "run.json").write_text('{"config": 5, "metrics": "x", "created": "y"}')
    (ctx.cache / "stray.txt").write_text("x")
    (ctx.cache / "dangling").symlink_to(ctx.tmp / "gone")
    return []


def _nobody_ready(ctx) -> None:
    if shutil.which("setpriv") is None:
        raise Skip("no setpriv")
    for path in (ctx.tmp, ctx.tmp.parent):
        os.chmod(path, os.stat(path).st_mode | 0o011)  # nobody may pass through


def _read_only_for_nobody(ctx) -> str:
    entry = seeded(ctx)
    _nobody_ready(ctx)
    for folder, _, files in os.walk(ctx.cache):
        os.chmod(folder, 0o755)
        for f in files:
            os.chmod(os.path.join(folder, f), 0o644)
    ctx.keep(ctx.cache)
    return entry.name


def _read_only_bundle_for_nobody(ctx) -> str:
    _read_only_for_nobody(ctx)
    cache, _ = template()
    path = ctx.tmp / "other.tar"
    from dlcv.runs.bundle import export_runs

    export_runs(path, [_TEMPLATE["key"]], cache_dir=cache)
    shutil.rmtree(ctx.cache / template()[1])
    os.chmod(path, 0o644)
    ctx.kept.clear()
    ctx.keep(ctx.cache)
    return str(path)


def _unreadable_for_nobody(ctx) -> list:
    seeded(ctx)
    _nobody_ready(ctx)
    os.chmod(ctx.cache, 0o700)
    return []


def _nobody_cli(ctx, *args) -> tuple[int, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": str(ctx.tmp)}
    process = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
         sys.executable, "-m", "dlcv", *args],
        capture_output=True, text=True, env=env, timeout=40, cwd=os.getcwd(),
    )
    return process.returncode, process.stderr


# --- Interrupted and concurrent work -----------------------------------------------------------

_TRAIN_SCRIPT = textwrap.dedent(
    """
    import sys, warnings
    warnings.simplefilter("ignore")
    from bench.hostile.runs_side import TinyData, tiny_model
    from dlcv.runs import run
    print("ready", flush=True)
    result = run(tiny_model, TinyData(), epochs=int(sys.argv[1]), cache_dir=sys.argv[2])
    print("done", result.from_cache, flush=True)
    """
)


def _trainer(ctx, epochs: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _TRAIN_SCRIPT, str(epochs), str(ctx.cache)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


def _interrupted(probe) -> None:
    def killed_training(sig, after):
        def run(ctx):
            ctx.cache.mkdir(parents=True)
            process = _trainer(ctx, 400)
            process.stdout.readline()
            time.sleep(after)
            process.send_signal(sig)
            _, err = process.communicate(timeout=30)
            if sig == signal.SIGINT and "Traceback" in err and "KeyboardInterrupt" not in err:
                raise RuntimeError(err.strip().splitlines()[-1])
            left = [p.name for p in ctx.cache.iterdir() if p.name != ".dlcv"]
            entries = [n for n in left if not n.startswith(".")]
            if entries:
                return False, f"a partial run was published: {entries}"
            result = tiny_run(ctx)
            ok, detail = sane(result, from_cache=False)
            after_left = [p.name for p in ctx.cache.iterdir() if p.name.startswith(".")
                          and p.name != ".dlcv"]
            return ok and not after_left, f"{detail}; staging left after the next run: {after_left}"

        return run

    for sig, name in ((signal.SIGKILL, "sigkill"), (signal.SIGINT, "sigint"),
                      (signal.SIGTERM, "sigterm")):
        for after in (0.5, 3.0):
            probe(f"interrupted/{name}-training-after-{after}s")(killed_training(sig, after))

    def two_trainers(ctx):
        ctx.cache.mkdir(parents=True)
        processes = [_trainer(ctx, 3) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in processes]
        statuses = [p.returncode for p in processes]
        entries = [p.name for p in ctx.cache.iterdir() if not p.name.startswith(".")]
        if statuses != [0, 0]:
            return False, f"statuses {statuses}: {outputs[0][1][-200:]} {outputs[1][1][-200:]}"
        return len(entries) == 1, f"entries {entries}"

    probe("interrupted/two-trainers-one-run")(two_trainers)

    def killed_import(after):
        def run(ctx):
            path = _bundle(ctx)
            ctx.cache.mkdir(parents=True)
            script = ("import sys; from dlcv.runs.bundle import import_runs; "
                      "print('go', flush=True); import_runs(sys.argv[1], sys.argv[2])")
            process = subprocess.Popen(
                [sys.executable, "-c", script, str(path), str(ctx.cache)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
            process.stdout.readline()
            time.sleep(after)
            process.kill()
            process.communicate()
            entries = [p for p in ctx.cache.iterdir() if not p.name.startswith(".")]
            from dlcv.runs import store

            if any(not store.is_run_entry(p) for p in entries):
                return False, f"a partial entry: {entries}"
            from dlcv.runs.bundle import import_runs

            import_runs(path, ctx.cache)
            left = [p.name for p in ctx.cache.iterdir() if p.name.startswith(".")
                    and p.name != ".dlcv"]
            ok, detail = sane(tiny_run(ctx), from_cache=True)
            return ok and not left, f"{detail}; left {left}"

        return run

    for after in (0.0, 0.5, 1.5, 3.0):
        probe(f"interrupted/sigkill-import-after-{after}s")(killed_import(after))

    def two_importers(ctx):
        path = _bundle(ctx)
        ctx.cache.mkdir(parents=True)
        script = ("import sys; from dlcv.runs.bundle import import_runs; "
                  "print(import_runs(sys.argv[1], sys.argv[2]))")
        processes = [subprocess.Popen([sys.executable, "-c", script, str(path), str(ctx.cache)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(3)]
        outs = [p.communicate(timeout=120) for p in processes]
        statuses = [p.returncode for p in processes]
        ok, detail = sane(tiny_run(ctx), from_cache=True)
        return ok and statuses == [0, 0, 0], f"{statuses} {detail} {[o[1][-150:] for o in outs]}"

    probe("interrupted/three-importers-at-once")(two_importers)

    def stale_staging(ctx):
        entry = seeded(ctx)
        stale = ctx.cache / f".{entry.name}-p999999-abcdefgh"
        shutil.copytree(entry, stale)
        shutil.rmtree(entry)
        ok, detail = sane(tiny_run(ctx), from_cache=False)
        return ok and not stale.exists(), f"{detail}; stale staging removed: {not stale.exists()}"

    probe("interrupted/stale-staging-of-a-dead-process")(stale_staging)
