"""dlcv.folders: dlcv deletes only the folders it made, and publishes whole results only."""

import os
import subprocess
import sys

import pytest

from dlcv import folders


def test_remove_refuses_a_folder_without_the_marker_and_keeps_its_files(tmp_path):
    user = tmp_path / "Documents"
    user.mkdir()
    (user / "thesis.tex").write_text("years of work")
    with pytest.raises(folders.NotDlcvsError, match="not made by dlcv"):
        folders.remove(user)
    assert (user / "thesis.tex").read_text() == "years of work"


def test_remove_refuses_a_symlink_to_a_marked_folder(tmp_path):
    staging = folders.make_staging(tmp_path, "run")
    link = tmp_path / "link"
    link.symlink_to(staging)
    with pytest.raises(folders.NotDlcvsError):
        folders.remove(link)
    assert staging.is_dir()


def test_staging_is_published_whole_and_then_removable(tmp_path):
    staging = folders.make_staging(tmp_path, "subset")
    (staging / "a.txt").write_text("a")
    folders.publish(staging, tmp_path / "subset")
    assert not staging.exists()
    assert (tmp_path / "subset" / "a.txt").read_text() == "a"
    folders.remove(tmp_path / "subset")
    assert not (tmp_path / "subset").exists()


def test_publish_never_replaces_an_existing_result(tmp_path):
    (tmp_path / "subset").mkdir()
    (tmp_path / "subset" / "kept").write_text("x")
    staging = folders.make_staging(tmp_path, "subset")
    (staging / "new").write_text("y")
    with pytest.raises(OSError):
        folders.publish(staging, tmp_path / "subset")
    assert (tmp_path / "subset" / "kept").exists()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftovers_of_a_dead_process_are_removed_and_nothing_else(tmp_path):
    pid = _dead_pid()
    leftover = tmp_path / f".subset-p{pid}-abc"
    leftover.mkdir()
    (leftover / folders.MARKER).write_text("")
    part = tmp_path / f".extract-p{pid}-xyz{folders.TEMPORARY_SUFFIX}"
    part.write_text("half")
    # The user's own hidden things, even named like ours, or old: never touched.
    unmarked = tmp_path / f".npm-p{pid}-packages"
    unmarked.mkdir()
    other = tmp_path / ".npm-packages"
    other.mkdir()
    old = 0
    os.utime(other, (old, old))
    live = folders.make_staging(tmp_path, "live")  # this process's own, still working
    removed = folders.remove_leftovers(tmp_path)
    assert sorted(removed) == sorted([leftover, part])
    assert unmarked.is_dir() and other.is_dir() and live.is_dir()


def test_writable_folder_creates_and_refuses_a_file(tmp_path):
    assert folders.writable_folder(tmp_path / "a" / "b").is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        folders.writable_folder(blocker)


def test_read_small_file_reads_a_small_regular_file_and_refuses_a_fifo_or_a_larger_one(tmp_path):
    from tools.deadline import deadline

    record = tmp_path / "record.json"
    record.write_bytes(b'{"a": 1}')
    assert folders.read_small_file(record, limit=8) == b'{"a": 1}'
    with pytest.raises(ValueError, match="at most 7 bytes"):
        folders.read_small_file(record, limit=7)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # nobody writes: a blocking open or read would wait forever
    with deadline(10), pytest.raises(ValueError, match="not a regular file"):
        folders.read_small_file(fifo, limit=8)
    with pytest.raises(FileNotFoundError):
        folders.read_small_file(tmp_path / "missing.json", limit=8)
