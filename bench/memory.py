"""Peak memory of each chapter's kernel, run as a Binder reader runs it, in the quick profile.

mybinder.org gives a session 2 GB of memory, shared by the Jupyter server and the kernel; a
chapter's kernel should stay under 1.5 GB (``MEMORY_BUDGET``). Each chapter of ``_toc.yml`` is
converted with jupytext and executed top to bottom in a fresh kernel (``tools.chapters``),
with an empty run cache, as on Binder: the chapters train their models (the data set samples
are prepared once, by postBuild on Binder, and here come from the data directory).

Usage:
    python -m bench.memory                        # every chapter; writes bench/results/memory.json
    python -m bench.memory book/pooling.md        # some chapters only; prints, writes nothing
    python -m bench.memory --warm                 # trained models from the run cache instead
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import jupytext

from tools import REPOSITORY
from tools.chapters import MEMORY_BUDGET, chapters, run_notebook

RESULTS = REPOSITORY / "bench" / "results" / "memory.json"


def measure(sources: list[Path]) -> list[dict]:
    """Runs each chapter in a fresh kernel; one record per chapter, printed as it comes."""
    records = []
    print(f"{'chapter':<24} {'peak RSS':>10} {'time':>8}")
    for source in sources:
        run = run_notebook(jupytext.read(source))
        record = {
            "page": source.relative_to(REPOSITORY).as_posix(),
            "peak_rss_mb": round(run.peak_rss / 1e6),
            "seconds": round(run.seconds, 1),
            "within_budget": run.peak_rss < MEMORY_BUDGET,
        }
        records.append(record)
        print(f"{source.stem:<24} {record['peak_rss_mb']:>7} MB {record['seconds']:>6.0f} s")
    return records


def installed_version(*names: str) -> str | None:
    """The version of the first of ``names`` that is installed (tensorflow-cpu or tensorflow)."""
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def environment() -> dict:
    """What the figures depend on besides the chapters."""
    return {
        "date": datetime.date.today().isoformat(),
        "profile": os.environ["DLCV_PROFILE"],
        "python": platform.python_version(),
        "tensorflow": installed_version("tensorflow-cpu", "tensorflow"),
        "keras": installed_version("keras"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "budget_mb": round(MEMORY_BUDGET / 1e6),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", type=Path, help="chapters (default: all)")
    parser.add_argument("--warm", action="store_true", help="use the existing run cache")
    args = parser.parse_args(argv)
    os.environ["DLCV_PROFILE"] = "quick"  # the kernels inherit the environment
    sources = [path.resolve() for path in args.sources] or chapters()
    with tempfile.TemporaryDirectory(prefix="dlcv-runs-") as empty_run_cache:
        if not args.warm:
            os.environ["DLCV_CACHE_DIR"] = empty_run_cache
        records = measure(sources)
    if not args.sources:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        run_cache = "warm" if args.warm else "cold"
        results = {**environment(), "run_cache": run_cache, "chapters": records}
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"Written to {RESULTS.relative_to(REPOSITORY)}")
    over = [record["page"] for record in records if not record["within_budget"]]
    if over:
        print(f"Over the {MEMORY_BUDGET / 1e9:.1f} GB budget: {', '.join(over)}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
