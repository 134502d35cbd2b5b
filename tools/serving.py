"""A folder served over HTTP on 127.0.0.1 (a free port), for tests that need a real server.

    with serve(folder) as url:  # "http://127.0.0.1:PORT/"
        urllib.request.urlopen(url + "file.zip")
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging each request (one line a request would bury pytest's
    output)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serves ``directory`` on 127.0.0.1 (a free port) and yields its base URL, ending in ``/``."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="dlcv-test-server", daemon=True
    )
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
