"""Downloads verified by SHA-256 and safe zip handling, against a real HTTP server on 127.0.0.1."""

import hashlib
import stat
import threading
import time
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dlcv.data.fetch import check_members, download, extract_member, open_zip
from dlcv.errors import ArchiveError, DownloadError
from tools.serving import serve


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1 (free port), and its base URL."""
    folder = tmp_path / "served"
    folder.mkdir()
    with serve(folder) as url:
        yield folder, url.rstrip("/")


def test_download_verifies_the_checksum_and_reuses_the_file(served, tmp_path):
    folder, url = served
    payload = b"the archive" * 1000
    (folder / "data.zip").write_bytes(payload)
    cache = tmp_path / "cache"

    path = download(f"{url}/data.zip", hashlib.sha256(payload).hexdigest(), cache, "data.zip")

    assert path == cache / "data.zip" and path.read_bytes() == payload
    (folder / "data.zip").unlink()  # a second call must not need the server
    assert (
        download(f"{url}/data.zip", hashlib.sha256(payload).hexdigest(), cache, "data.zip") == path
    )


def test_a_wrong_checksum_is_a_clear_error_and_keeps_nothing(served, tmp_path):
    folder, url = served
    (folder / "data.zip").write_bytes(b"not what was promised")
    cache = tmp_path / "cache"

    with pytest.raises(DownloadError, match="not the expected one.*sha256"):
        download(f"{url}/data.zip", "0" * 64, cache, "data.zip")

    assert list(cache.iterdir()) == []


def test_a_cached_file_with_a_wrong_checksum_is_fetched_again(served, tmp_path):
    folder, url = served
    payload = b"the real content"
    (folder / "data.zip").write_bytes(payload)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "data.zip").write_bytes(b"the real c")  # an interrupted copy

    path = download(f"{url}/data.zip", hashlib.sha256(payload).hexdigest(), cache, "data.zip")

    assert path.read_bytes() == payload


def test_a_missing_file_is_a_download_error(served, tmp_path):
    _, url = served
    with pytest.raises(DownloadError, match="Could not download"):
        download(f"{url}/missing.zip", "0" * 64, tmp_path / "cache", "missing.zip")


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "name, reason",
    [
        ("../evil.txt", "climbs out"),
        ("PetImages/Cat/../../../evil.txt", "climbs out"),
        ("/etc/evil.txt", "absolute"),
        ("C:/evil.txt", "absolute"),
        ("..\\evil.txt", "climbs out"),
    ],
)
def test_members_that_would_escape_are_refused(tmp_path, name, reason):
    path = _zip(tmp_path / "bad.zip", {"fine.txt": b"ok", name: b"evil"})
    with pytest.raises(ArchiveError, match=reason):
        open_zip(path)


def test_symbolic_links_are_refused(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("PetImages/Cat/0.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(ArchiveError, match="symbolic link"):
        open_zip(path)


def test_an_archive_unpacking_beyond_the_limit_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros", b"\0" * 100_000)  # compresses to ~100 bytes
    with zipfile.ZipFile(path) as archive:
        check_members(archive, max_bytes=200_000)
        with pytest.raises(ArchiveError, match="zip bomb"):
            check_members(archive, max_bytes=50_000)


def test_a_file_that_is_not_a_zip_is_an_archive_error(tmp_path):
    path = tmp_path / "truncated.zip"
    path.write_bytes(b"PK\x03\x04 then nothing")
    with pytest.raises(ArchiveError, match="not a readable zip"):
        open_zip(path)


def test_extract_member_writes_the_file_whole(tmp_path):
    path = _zip(tmp_path / "outer.zip", {"train.zip": b"inner bytes"})
    with open_zip(path) as archive:
        target = extract_member(archive, "train.zip", tmp_path / "out" / "train.zip")
    assert target.read_bytes() == b"inner bytes"
    assert [p.name for p in target.parent.iterdir()] == ["train.zip"]


class _DrippingHandler(SimpleHTTPRequestHandler):
    """Promises 1,000 bytes and sends one every 0.1 s: alive, but never done."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up


def test_a_download_that_only_drips_is_stopped(tmp_path, monkeypatch):
    from dlcv.data import fetch

    monkeypatch.setattr(fetch, "RATE_GRACE_S", 0.5)
    monkeypatch.setattr(fetch, "MIN_RATE_BYTES_S", 100.0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DrippingHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slow.zip"
    start = time.monotonic()
    try:
        with pytest.raises(DownloadError, match="bytes/s"):
            download(url, "0" * 64, tmp_path / "cache", "slow.zip")
    finally:
        server.shutdown()
        server.server_close()
    # Stopped, not waited out: the whole drip takes 100 s; the check trips after ~1 s, and a
    # loaded machine must not fail the test, so the bound is far from both.
    assert time.monotonic() - start < 60
    assert list((tmp_path / "cache").iterdir()) == []
