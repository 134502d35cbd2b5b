"""Readers get the site's runs: Binder's postBuild and a notebook's first cell import the
published bundle of their edition (dlcv/published.py), or say once why not and train.

The first tests replace the two ``dlcv`` commands ``import_runs`` calls; the last ones serve a
real bundle (``dlcv runs export`` of the quick edition's runs) from a server on 127.0.0.1 and
need the run plan and bundle commands, and the quick edition's runs in the user's run cache
(a ``make book`` fills it): they are skipped without those runs.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dlcv import published
from tools import REPOSITORY
from tools.chapters import run_notebook
from tools.serving import serve

KEYS = ["a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"]


class FakeDlcv:
    """``python -m dlcv runs plan/import`` as ``published._dlcv`` calls them; import writes a
    complete entry per planned key into the run cache, or fails as told."""

    def __init__(self, cache: Path, fail: str | None = None):
        self.cache, self.fail, self.calls = cache, fail, []

    def __call__(self, *args, timeout):
        self.calls.append(args)
        if args[2:4] == ("runs", "plan"):
            profile = args[args.index("--profile") + 1]
            return json.dumps({"profile": profile, "runs": [{"key": k} for k in KEYS]})
        if self.fail:
            raise subprocess.CalledProcessError(1, ["dlcv", *args], stderr=f"Error: {self.fail}\n")
        for key in KEYS:
            entry = self.cache / f"cats_vs_dogs-{key}"
            entry.mkdir(parents=True)
            (entry / "run.json").write_text("{}")
        return ""


def test_the_bundle_url_is_derived_from_the_edition_and_its_run_keys(tmp_path, monkeypatch):
    fake = FakeDlcv(tmp_path / "runs")
    monkeypatch.setattr(published, "_dlcv", fake)
    monkeypatch.setenv("DLCV_RELEASES_URL", "http://127.0.0.1:1/releases/")

    assert published.import_runs("quick") is True
    (plan, imported) = fake.calls
    digest = published.runs_digest(KEYS)
    assert plan == ("--profile", "quick", "runs", "plan", "--json")
    assert imported == (
        "runs", "import", f"http://127.0.0.1:1/releases/runs-quick-{digest}/dlcv-runs-quick.tar"
    )


def test_nothing_is_fetched_when_the_edition_is_already_cached(tmp_path, monkeypatch, capsys):
    fake = FakeDlcv(tmp_path / "runs")
    monkeypatch.setattr(published, "_dlcv", fake)
    assert published.import_runs("quick")
    capsys.readouterr()
    assert published.import_runs("quick")
    assert ["plan" in call for call in fake.calls] == [True, False, True]  # plan, import, plan
    assert capsys.readouterr().out == ""


def test_a_failed_import_says_so_once_and_lets_the_pages_train(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(published, "_dlcv", FakeDlcv(tmp_path / "runs", fail="no network"))
    assert published.import_runs("full") is False
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Not using the published runs") and "no network" in lines[0]
    assert "runs-full-" in lines[0] and "train their own runs" in lines[0]


def test_a_plan_that_cannot_be_made_is_said_once_too(monkeypatch, capsys):
    def broken(*args, timeout):
        raise subprocess.TimeoutExpired(["dlcv", *args], timeout)

    monkeypatch.setattr(published, "_dlcv", broken)
    assert published.import_runs("quick") is False
    (line,) = capsys.readouterr().out.strip().splitlines()
    assert "could not be listed" in line and "no answer within 600 s" in line


def test_the_module_runs_as_a_command_and_never_fails_a_binder_build(monkeypatch):
    monkeypatch.setattr(published, "import_runs", lambda: False)
    assert published.main() == 0


# --- a real bundle, served on 127.0.0.1 ----------------------------------------------------

def _shared_run_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dlcv" / "runs"


@pytest.fixture(scope="module")
def served_quick_bundle(tmp_path_factory):
    """The quick edition's bundle under ``<releases>/<tag>/<name>``, served; its plan's keys."""
    releases = tmp_path_factory.mktemp("releases")
    env = {**os.environ, "DLCV_CACHE_DIR": str(_shared_run_cache()), "DLCV_PROFILE": "quick"}
    env["DLCV_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    plan = json.loads(subprocess.run(
        [sys.executable, "-m", "dlcv", "--profile", "quick", "runs", "plan", "--json"],
        capture_output=True, text=True, check=True, env=env, timeout=600,
    ).stdout)
    keys = [run["key"] for run in plan["runs"]]
    if set(keys) - published.cached_keys(_shared_run_cache()):
        pytest.skip("the quick edition's runs are not all in the user's run cache (make book)")
    bundle = releases / published.release_tag("quick", keys) / published.bundle_name("quick")
    bundle.parent.mkdir()
    subprocess.run(  # reads the shared cache, writes only the bundle
        [sys.executable, "-m", "dlcv", "--profile", "quick", "runs", "export", str(bundle)],
        check=True, env=env, timeout=600,
    )
    with serve(releases) as url:
        yield url, keys


@pytest.mark.slow
def test_postbuild_imports_the_served_bundle_and_sets_claims_to_notes(
    served_quick_bundle, tmp_path
):
    url, keys = served_quick_bundle
    home = tmp_path / "home"
    env = {
        **os.environ, "HOME": str(home), "DLCV_RELEASES_URL": url,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    env.pop("IPYTHONDIR", None)
    result = subprocess.run(["bash", str(REPOSITORY / "postBuild")], cwd=REPOSITORY, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert "runs of the quick edition are in the run cache" in result.stdout
    assert set(keys) <= published.cached_keys()
    startup = home / ".ipython" / "profile_default" / "startup" / "00-dlcv-claims.py"
    assert 'os.environ.setdefault("DLCV_CLAIMS", "note")' in startup.read_text()


def _install_cell() -> str:
    spec = importlib.util.spec_from_file_location(
        "jupyter_editions", REPOSITORY / "book" / "_ext" / "jupyter_editions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.INSTALL_CELL.format(
        repository_url="https://github.com/dlcv-book/dlcv", commit="0" * 40,
        tensorflow_version="2.21.0",
    )


@pytest.mark.slow
def test_a_notebooks_first_cell_imports_the_bundle_and_a_chapter_cell_trains_nothing(
    served_quick_bundle, monkeypatch
):
    """The first cell of a generated notebook, then a chapter's cell that loads a run, with
    training forbidden: the run comes from the bundle. (That the plan's runs are all each
    chapter needs, tests/test_notebooks.py checks, chapter by chapter.)"""
    url, keys = served_quick_bundle
    monkeypatch.setenv("DLCV_RELEASES_URL", url)
    monkeypatch.setenv("DLCV_TRAINING", "forbid")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(_install_cell()),
        nbformat.v4.new_code_cell(
            "from dlcv.experiments import train_cats_vs_dogs\n"
            "print('kept epoch', train_cats_vs_dogs(augmentation=True, dropout=0.5).best_epoch)"
        ),
    ])

    run = run_notebook(notebook, timeout=600)

    first, second = ("".join(output.get("text", "") for output in cell.outputs)
                     for cell in run.notebook.cells)
    assert "runs of the quick edition are in the run cache" in first, first
    assert set(keys) <= published.cached_keys()
    assert second.startswith("kept epoch "), second
