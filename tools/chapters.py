"""The book's chapters as notebooks: list them, run one in a fresh kernel, measure its memory.

A reader who presses Binder or Colab opens a chapter's notebook (converted by the build, see
``tools.myst_to_jupyter``) and runs it top to bottom in a new kernel.
``run_notebook`` does that with nbclient, and records the kernel's peak memory: the largest
resident set size (RSS) of the kernel's process tree, sampled with psutil. A chapter's kernel
must stay under ``MEMORY_BUDGET``.

    import jupytext
    from tools.chapters import chapters, run_notebook

    for source in chapters():
        run = run_notebook(jupytext.read(source))
        print(source.stem, f"{run.peak_rss / 1e6:.0f} MB", f"{run.seconds:.0f} s")
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import psutil
from nbclient import NotebookClient
from sphinx_external_toc.parsing import parse_toc_yaml

from tools import REPOSITORY

MEMORY_BUDGET = 1.5e9
"""Bytes a chapter's kernel may use: mybinder.org guarantees a session 1 GB and lets it use up to
2 GB (above which the kernel is restarted), shared by the Jupyter server and the kernel."""


def pages(root: Path = REPOSITORY) -> list[str]:
    """The document names in the book's ``_toc.yml`` (``"book/pooling"``), in reading order."""
    return list(parse_toc_yaml(root / "_toc.yml"))


def source_of(docname: str, root: Path = REPOSITORY) -> Path:
    """The file a page is built from: ``<docname>.md`` or ``<docname>.ipynb``."""
    for suffix in (".md", ".ipynb"):
        path = root / f"{docname}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"No .md or .ipynb source for the page {docname!r} under {root}.")


def is_notebook(source: Path) -> bool:
    """Whether a page is a notebook (has a kernel), the pages that get launch buttons."""
    return "kernelspec" in jupytext.read(source).metadata


def chapters(root: Path = REPOSITORY) -> list[Path]:
    """The sources of the notebook pages in ``_toc.yml``, in reading order."""
    sources = [source_of(docname, root) for docname in pages(root)]
    return [source for source in sources if is_notebook(source)]


@dataclass(frozen=True)
class NotebookRun:
    """A notebook executed in a fresh kernel.

    Attributes:
        notebook: the notebook with its outputs.
        seconds: wall-clock time from kernel start to shutdown.
        peak_rss: the kernel process tree's largest resident set size, in bytes.
    """

    notebook: nbformat.NotebookNode
    seconds: float
    peak_rss: int


def run_notebook(
    notebook: nbformat.NotebookNode,
    *,
    cwd: Path | None = None,
    timeout: int = 900,
    interval: float = 0.05,
) -> NotebookRun:
    """Executes ``notebook`` top to bottom in a new kernel and measures its peak memory.

    Args:
        notebook: the notebook to run; it is executed in place.
        cwd: the kernel's working directory; default a new empty temporary one, as on Colab,
            so that a chapter cannot depend on files beside it.
        timeout: seconds a single cell may take.
        interval: seconds between two samples of the kernel's memory.

    Returns:
        A ``NotebookRun``.

    Raises:
        nbclient.exceptions.CellExecutionError: when a cell raises, with the cell and traceback.
    """
    with tempfile.TemporaryDirectory(prefix="dlcv-notebook-") as scratch:
        client = NotebookClient(
            notebook, timeout=timeout, resources={"metadata": {"path": str(cwd or scratch)}}
        )
        sampler = _PeakRss(interval)
        client.on_notebook_start = lambda notebook: sampler.start(client.km.provisioner.pid)
        start = time.perf_counter()
        try:
            client.execute()
        finally:
            sampler.stop()
        return NotebookRun(notebook, time.perf_counter() - start, sampler.peak)


class _PeakRss:
    """The peak RSS of a process and its descendants, sampled in a background thread."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.peak = 0
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        process = psutil.Process(pid)
        self._thread = threading.Thread(target=self._sample, args=(process,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self, process: psutil.Process) -> None:
        while not self._stopped.is_set() and process.is_running():
            self.peak = max(self.peak, _tree_rss(process))
            self._stopped.wait(self.interval)


def _tree_rss(process: psutil.Process) -> int:
    try:
        tree = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in tree:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:  # ended between listing and measuring
            pass
    return total
