"""The repository's benchmark results (``bench/results/*.json``, written by ``python -m bench``)
as the page on training hardware shows them: found from the installed package or the working
folder, newest first, and the speed part of one results file as a Markdown table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def bench_results(roots: Iterable[Path] | None = None) -> list[dict]:
    """The benchmark results of the repository, newest first (none outside a checkout).

    Args:
        roots: folders to look in for ``bench/results``, in order; the first that holds
            results wins. Default: the checkout dlcv is installed from, the working folder's
            parent (a page runs in ``book/``) and the working folder.

    Returns:
        Each results file with a ``speed`` and a ``machine`` part, as a dict with its ``file``
        name added, sorted by the time of the measurement, newest first.
    """
    if roots is None:
        roots = (Path(__file__).resolve().parents[1], Path.cwd().parent, Path.cwd())
    for root in roots:
        files = sorted((Path(root) / "bench" / "results").glob("*.json"))
        found = [json.loads(f.read_text()) | {"file": f.name} for f in files]
        found = [r for r in found if "speed" in r and "machine" in r]
        if found:
            return sorted(found, key=lambda r: r["speed"]["measured"], reverse=True)
    return []


def bench_table(bench: dict) -> str:
    """The speed part of one results file (an item of :func:`bench_results`) as Markdown: the
    machine, a table of images per second (reference and dlcv) and the matmul peak."""
    machine, speed = bench["machine"], bench["speed"]
    cats, digits = speed["cats_vs_dogs"], speed["mnist"]
    peak = speed["matmul_peak_flops"]
    policy = speed["precision_policy"].removeprefix("mixed_")
    load = speed["load_average"]
    pipelines = cats["pipeline_images_per_second"]
    rows = [
        ("cats vs dogs (augmentation, dropout), images/s",
         *[f"{cats['images_per_second'][k]:,.1f}" for k in ("reference", "dlcv")],
         f"{cats['dlcv_over_reference']:.2f}x"),
        ("MNIST convnet, images/s",
         *[f"{digits['images_per_second'][k]:,.0f}" for k in ("reference", "dlcv")],
         f"{digits['dlcv_over_reference']:.2f}x"),
        ("cats vs dogs input pipeline alone, images/s",
         *[f"{cats['pipeline_images_per_second'][k]:,.0f}" for k in ("reference", "dlcv")],
         f"{pipelines['dlcv'] / pipelines['reference']:.1f}x"),
        ("cats vs dogs, fraction of the matmul peak",
         f"{cats['fraction_of_matmul_peak']['reference']:.0%} (float32)",
         f"{cats['fraction_of_matmul_peak']['dlcv']:.0%} ({policy})", ""),
    ]
    variants = cats["images_per_second"]
    lines = [
        f"**{machine['name']}**: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, CPU flags {', '.join(machine['cpu_flags'])}, "
        f"{len(machine['gpus'])} GPUs; TensorFlow {machine['tensorflow']}, Python "
        f"{machine['python']}. Measured {speed['measured'].replace('T', ' ')} "
        f"(`bench/results/{bench['file']}`), load average {load['before'][0]:.1f} before and "
        f"{load['after'][0]:.1f} after; dlcv trained in `{speed['precision_policy']}`, "
        f"batches of {cats['batch_size']} (cats vs dogs, {cats['data']['image_size'][0]}x"
        f"{cats['data']['image_size'][1]}, {cats['data']['source']} data) and "
        f"{digits['batch_size']} (MNIST).",
        "",
        "| measurement | reference | dlcv | dlcv / reference |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {' | '.join(row)} |" for row in rows],
        "",
        "| dlcv with one setting changed, cats vs dogs | images/s |",
        "| --- | ---: |",
        f"| augmentation in the input pipeline | {variants['dlcv_augmentation_in_pipeline']:.1f} |",
        f"| XLA (`jit_compile=True`) | {variants['dlcv_xla']:.1f} |",
        f"| `float32` | {variants['dlcv_float32']:.1f} |",
        "",
        "Matmul peak: " + ", ".join(f"{k} {v / 1e9:,.1f} GFLOP/s" for k, v in peak.items()) + ".",
    ]
    return "\n".join(lines)
