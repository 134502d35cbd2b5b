"""Hostile cases of the run side found by ``python -m bench.hostile`` (runs_side probes): each
was seen to fail before its fix."""

import keras
import pytest
from test_training import train

from dlcv import folders
from dlcv.errors import RunCacheError
from dlcv.runs import store


def _no_fit(*args, **kwargs):
    raise AssertionError("trained")


@pytest.mark.parametrize("kind", ["file", "link"])
def test_something_of_the_users_on_a_runs_name_is_refused_before_training(
    monkeypatch, tmp_path, kind
):
    first = train()
    path = first.path
    folders.remove(path)
    if kind == "file":
        path.write_text("mine")
    elif kind == "folder":
        path.mkdir()
        (path / "thesis.tex").write_text("mine")
    else:
        (tmp_path / "elsewhere").mkdir()
        path.symlink_to(tmp_path / "elsewhere")
    monkeypatch.setattr(keras.Model, "fit", _no_fit)
    with pytest.raises(RunCacheError, match="in the way"):
        train()
    assert path.is_symlink() or path.exists()
    assert not store.is_run_entry(path)


@pytest.mark.parametrize(
    "damage",
    ["deep-json", "fifo-history", "dev-zero-record", "fifo-model", "giant-record", "giant-model"],
)
def test_a_record_that_would_hang_or_crash_a_reader_is_retrained(damage):
    import os

    from dlcv.runs.cache import RunCacheWarning

    path = train().path
    file = {"history": store.HISTORY_FILE, "model": store.MODEL_FILE}.get(
        damage.split("-")[-1], store.RECORD_FILE
    )
    (path / file).unlink()
    if damage == "deep-json":
        (path / file).write_bytes(b"[" * 100_000 + b"]" * 100_000)
    elif damage.startswith("fifo"):
        os.mkfifo(path / file)
    elif damage.startswith("dev-zero"):
        (path / file).symlink_to("/dev/zero")
    else:
        with open(path / file, "wb") as stream:
            stream.truncate(100 * 1024**3)
    listed = store.list_runs(path.parent)  # reads run.json only, and returns
    assert listed == [] if file == store.RECORD_FILE else len(listed) == 1
    with pytest.warns(RunCacheWarning, match="training it again"):
        again = train()
    assert not again.from_cache and train().from_cache


@pytest.mark.parametrize("run_id", [None, 5, ["x"], b"x"])
def test_removing_a_run_by_an_id_that_is_no_string_is_a_clear_error(tmp_path, run_id):
    from dlcv.errors import ConfigError

    with pytest.raises(ConfigError, match="No run"):
        store.remove_run(run_id, tmp_path)


def test_a_cached_model_replaced_by_another_is_retrained():
    from dlcv.runs.cache import RunCacheWarning

    path = train().path
    inputs = keras.Input(shape=(3,))
    keras.Model(inputs, keras.layers.Dense(5)(inputs)).save(path / store.MODEL_FILE)
    with pytest.warns(RunCacheWarning, match="not the model this run saved"):
        again = train()
    assert not again.from_cache and again.model.output_shape[-1] != 5


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": "../escape"}, "cannot name a run's folder"),
        ({"name": "a/b"}, "cannot name a run's folder"),
        ({"name": ""}, "cannot name a run's folder"),
        ({"name": "x" * 300}, "cannot name a run's folder"),
        ({"name": "a\0b"}, "cannot name a run's folder"),
        ({"metrics": None}, "metrics must be a list"),
        ({"model_kwargs": [1]}, "model_kwargs must be a dict"),
        ({"model_kwargs": {"bogus": 1}}, "do not fit"),
        ({"build_model": None}, "build_model must be"),
        ({"profile": 5}, "profile must be"),
        ({"cache_dir": 5}, "cache_dir must be"),
    ],
)
def test_bad_run_arguments_are_clear_errors_and_write_nothing_outside_the_cache(
    monkeypatch, tmp_path, overrides, message
):
    from dlcv.errors import ConfigError

    monkeypatch.setattr(keras.Model, "fit", _no_fit)
    before = set(tmp_path.iterdir())
    with pytest.raises(ConfigError, match=message):
        train(**overrides)
    assert set(tmp_path.iterdir()) - before <= {tmp_path / "runs"}


@pytest.mark.parametrize("source", ["/" + "x" * 5000, "~nosuchuser9/runs.tar", "sparse"])
def test_a_bundle_path_too_long_of_no_user_or_giant_is_a_bundle_error(tmp_path, source):
    from dlcv.errors import BundleError
    from dlcv.runs.bundle import import_runs

    if source == "sparse":
        source = tmp_path / "huge.tar"
        with open(source, "wb") as stream:
            stream.truncate(200 * 1024**3)
    with pytest.raises(BundleError):
        import_runs(source, tmp_path / "runs")


def test_a_bundle_url_with_a_space_is_a_bundle_error(tmp_path):
    from dlcv.errors import BundleError
    from dlcv.runs.bundle import import_runs

    with pytest.raises(BundleError, match="could not be downloaded"):
        import_runs("http://a b/c.tar", tmp_path / "runs")


def test_a_cache_dir_of_an_unknown_user_is_a_config_error(monkeypatch):
    from dlcv import settings
    from dlcv.errors import ConfigError

    monkeypatch.setenv("DLCV_CACHE_DIR", "~nosuchuser9/runs")
    with pytest.raises(ConfigError, match="DLCV_CACHE_DIR"):
        settings.cache_dir()


def test_a_blank_cache_dir_is_the_default_not_a_folder_named_blank(monkeypatch):
    from dlcv import settings

    monkeypatch.setenv("DLCV_CACHE_DIR", "   ")
    assert settings.cache_dir().name == "runs"


def test_a_bundle_download_cut_short_of_its_content_length_is_refused(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from dlcv.errors import BundleError
    from dlcv.runs.bundle import import_runs

    class Cut(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "20480")
            self.end_headers()
            self.wfile.write(b"\0" * 10240)  # an empty tar, cut in half
            self.close_connection = True

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Cut)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(BundleError, match="was cut"):
            import_runs(f"http://127.0.0.1:{server.server_address[1]}/b.tar", tmp_path / "r")
    finally:
        server.shutdown()


def test_numpy_numbers_are_accepted_and_keyed_as_python_numbers():
    import numpy as np

    plain = train(seed=3, learning_rate=0.01)
    numpy = train(epochs=np.int64(3), seed=np.int64(3), learning_rate=np.float64(0.01))
    assert numpy.from_cache and numpy.key == plain.key
