"""tools.book: the strict build command, and page outputs as fresh as dlcv's sources."""

import json
import os
import time
from pathlib import Path

from tools import book


def a_checkout(tmp_path: Path) -> Path:
    (tmp_path / "dlcv" / "data").mkdir(parents=True)
    (tmp_path / "dlcv" / "models.py").write_text("def model(): ...\n")
    (tmp_path / "dlcv" / "data" / "mnist.py").write_text("def load(): ...\n")
    return tmp_path


def a_build(build_dir: Path, sources: str | None) -> Path:
    for name in book.PAGE_OUTPUTS:
        (build_dir / name).mkdir(parents=True)
    if sources is not None:
        (build_dir / book.SOURCES_STAMP).write_text(sources + "\n")
    return build_dir


def test_the_sources_hash_changes_with_any_dlcv_module(tmp_path):
    root = a_checkout(tmp_path)
    before = book.sources_hash(root)
    (root / "dlcv" / "data" / "mnist.py").write_text("def load(): return 1\n")
    after = book.sources_hash(root)
    assert after != before
    (root / "notes.py").write_text("outside dlcv")
    assert book.sources_hash(root) == after


def test_page_outputs_of_other_sources_are_dropped(tmp_path):
    build_dir = a_build(tmp_path / "_build", "old")
    (build_dir / "html").mkdir()  # the site itself stays until jupyter-book rewrites it

    assert book.drop_stale_page_outputs(build_dir, "new")

    assert not any((build_dir / name).exists() for name in book.PAGE_OUTPUTS)
    assert (build_dir / "html").exists()


def test_page_outputs_without_a_stamp_are_dropped(tmp_path):
    build_dir = a_build(tmp_path / "_build", None)
    assert book.drop_stale_page_outputs(build_dir, "new")


def test_page_outputs_of_the_same_sources_are_kept(tmp_path):
    build_dir = a_build(tmp_path / "_build", "same")
    assert not book.drop_stale_page_outputs(build_dir, "same")
    assert all((build_dir / name).exists() for name in book.PAGE_OUTPUTS)


def test_every_build_is_strict(tmp_path):
    command = book.build_command()
    assert command[1:] == ["build", ".", "-W", "-n", "--keep-going"]
    assert book.build_command(tmp_path)[-2:] == ["--path-output", str(tmp_path)]


def test_a_full_build_checks_its_own_page_outputs(tmp_path, monkeypatch):
    root = a_checkout(tmp_path)
    full = a_build(root / "_build" / "full" / "_build", "stale")
    ran = []

    class Done:
        returncode = 0

    monkeypatch.setattr(
        book.subprocess, "run", lambda command, cwd, env: ran.append(command) or Done
    )

    assert book.build(Path("_build/full"), root=root) == 0

    assert ran == [book.build_command(root / "_build" / "full")]
    assert not (full / ".jupyter_cache").exists()
    assert (full / book.SOURCES_STAMP).read_text().strip() == book.sources_hash(root)


def test_from_cache_forbids_training_in_the_kernels(tmp_path, monkeypatch):
    root = a_checkout(tmp_path)
    (root / "_build").mkdir()
    environments = []

    class Done:
        returncode = 0

    def run(command, cwd, env):
        environments.append(env)
        return Done

    monkeypatch.setattr(book.subprocess, "run", run)
    monkeypatch.delenv("DLCV_TRAINING", raising=False)
    assert book.build(root=root, from_cache=True) == 0
    assert book.build(root=root) == 0
    assert environments[0]["DLCV_TRAINING"] == "forbid"
    assert "DLCV_TRAINING" not in environments[1]


def test_a_build_records_when_it_started_and_which_run_cache_it_uses(tmp_path, monkeypatch):
    root = a_checkout(tmp_path)
    monkeypatch.setenv("DLCV_CACHE_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("DLCV_TRAINING", raising=False)

    class Done:
        returncode = 0

    monkeypatch.setattr(book.subprocess, "run", lambda command, cwd, env: Done)
    before = time.time()
    assert book.build(root=root, from_cache=True) == 0

    record = json.loads((root / "_build" / book.BUILD_RECORD).read_text())
    assert before <= record["started"] <= time.time()
    assert record["run_cache"] == str(tmp_path / "runs")
    assert record["profile"] == "quick" and record["training_forbidden"] is True
    assert "DLCV_TRAINING" not in os.environ  # the kernels' environment is theirs only
