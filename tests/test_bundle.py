"""Bundles of runs: export, import (from a file or a local HTTP server), and every refusal."""

import hashlib
import http.server
import io
import json
import tarfile
import threading

import pytest
from test_training import DATA, tiny_model, train

from dlcv import cli, folders
from dlcv.errors import BundleError
from dlcv.runs import bundle, cache, store


@pytest.fixture
def made(tmp_path):
    """Two runs trained into one cache, exported to a bundle; the import goes elsewhere."""
    source = tmp_path / "made"
    runs = [train(cache_dir=source, seed=seed, epochs=2) for seed in (1, 2)]
    path = tmp_path / "runs.tar"
    bundle.export_runs(path, [run.key for run in runs], cache_dir=source)
    return path, runs


def members(path):
    with tarfile.open(path) as archive:
        return {info.name: archive.extractfile(info).read() for info in archive.getmembers()
                if info.isreg()}


def rewrite(path, files, *, extra=()):
    with tarfile.open(path, "w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for info in extra:
            archive.addfile(info)


def cached(tmp_path):
    root = tmp_path / "runs"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_export_writes_every_file_with_its_checksum(made):
    path, runs = made
    files = members(path)
    manifest = json.loads(files.pop("manifest.json"))
    assert {run["key"] for run in manifest["runs"]} == {run.key for run in runs}
    assert manifest["files"] == {name: hashlib.sha256(data).hexdigest()
                                 for name, data in files.items()}
    assert len(files) == 6 and manifest["versions"]["keras"] and manifest["training_source"]
    assert manifest["seconds"] > 0 and "system" in manifest["machine"]


def test_import_adds_the_runs_which_then_load_and_is_idempotent(made, tmp_path):
    path, runs = made
    added, kept = bundle.import_runs(path)
    assert sorted(added) == sorted(run.path.name for run in runs) and kept == []
    loaded = cache.run(tiny_model, DATA, epochs=2, seed=1, model_kwargs=None)
    assert loaded.from_cache and loaded.metrics == runs[0].metrics
    assert all(folders.is_dlcvs(tmp_path / "runs" / name) for name in added)
    assert bundle.import_runs(path) == ([], sorted(added))
    assert cached(tmp_path) == sorted(added)


def test_import_never_replaces_a_run_already_cached(made, tmp_path):
    path, runs = made
    bundle.import_runs(path)
    record_file = tmp_path / "runs" / runs[0].path.name / store.RECORD_FILE
    record = json.loads(record_file.read_text())
    record["metrics"]["accuracy"] = 0.123  # another training of the same key, here first
    record_file.write_text(json.dumps(record))
    bundle.import_runs(path)
    assert json.loads(record_file.read_text())["metrics"]["accuracy"] == 0.123


def test_a_damaged_file_is_refused_and_nothing_written(made, tmp_path):
    path, runs = made
    files = members(path)
    model = f"runs/{runs[1].path.name}/model.keras"
    files[model] = files[model][:-1] + bytes([files[model][-1] ^ 1])
    rewrite(path, files)
    with pytest.raises(BundleError, match="SHA-256"):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


def test_a_bundle_of_other_training_code_is_refused(made, tmp_path):
    path, _ = made
    files = members(path)
    manifest = json.loads(files["manifest.json"])
    manifest["training_source"] = "0" * 16
    files["manifest.json"] = json.dumps(manifest).encode()
    rewrite(path, files)
    with pytest.raises(BundleError, match="other training code"):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


def test_a_forged_record_with_a_matching_checksum_is_refused(made, tmp_path):
    path, runs = made
    files = members(path)
    name = f"runs/{runs[0].path.name}/run.json"
    record = json.loads(files[name])
    record["config"]["seed"] = 99  # claims to be another run than its key says
    files[name] = json.dumps(record).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    rewrite(path, files)
    with pytest.raises(BundleError, match="forged"):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


def test_a_file_the_manifest_does_not_list_is_refused(made, tmp_path):
    path, runs = made
    files = members(path)
    files[f"runs/{runs[0].path.name}/run.json"] += b" "
    files.pop(f"runs/{runs[1].path.name}/run.json")
    rewrite(path, files)
    with pytest.raises(BundleError):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/tmp/evil.txt", "runs/x-0123456789abcdef/../../e"]
)
def test_path_traversal_is_refused(made, tmp_path, name):
    path, _ = made
    files = members(path)
    files[name] = b"evil"
    rewrite(path, files)
    with pytest.raises(BundleError, match="no bundle of runs holds"):
        bundle.import_runs(path)
    assert cached(tmp_path) == [] and not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE])
def test_links_and_special_files_are_refused(made, tmp_path, kind):
    path, runs = made
    link = tarfile.TarInfo(f"runs/{runs[0].path.name}/model.keras")
    link.type, link.linkname = kind, "/etc/passwd"
    files = members(path)
    files.pop(link.name)
    rewrite(path, files, extra=[link])
    with pytest.raises(BundleError, match="no bundle of runs holds"):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


def test_a_huge_member_is_refused(made, tmp_path, monkeypatch):
    path, _ = made
    monkeypatch.setattr(bundle, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(BundleError, match="too large"):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


def test_what_is_not_a_bundle_is_a_dlcv_error(tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar archive at all" * 100)
    with pytest.raises(BundleError):
        bundle.import_runs(junk)
    with pytest.raises(BundleError, match="is not a file"):
        bundle.import_runs(tmp_path / "missing.tar")


def test_an_import_that_fails_midway_leaves_no_run(made, tmp_path, monkeypatch):
    path, _ = made
    real = folders.make_staging
    made_so_far = []

    def fail_on_the_second(parent, stem):
        if made_so_far:
            raise OSError(28, "No space left on device")
        made_so_far.append(stem)
        return real(parent, stem)

    monkeypatch.setattr(folders, "make_staging", fail_on_the_second)
    with pytest.raises(Exception, match="No space left"):
        bundle.import_runs(path)
    assert cached(tmp_path) == []


def test_import_from_a_local_http_server_and_the_command_line(made, tmp_path, capsys):
    path, runs = made

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(path.parent), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
        assert cli.main(["runs", "import", url]) == 0
        assert "Imported 2 run(s)" in capsys.readouterr().out
        assert cli.main(["runs", "import", url + ".missing"]) == 2
        assert "could not be downloaded" in capsys.readouterr().err
    finally:
        server.shutdown()
    assert cached(tmp_path) == sorted(run.path.name for run in runs)
