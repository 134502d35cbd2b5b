"""The benchmark results the page on training hardware reads and shows."""

import json

from dlcv import benchmarks
from tools import REPOSITORY

RESULTS = REPOSITORY / "bench" / "results" / "amd-epyc-2cpu.json"


def test_bench_results_are_the_first_roots_results_newest_first(tmp_path):
    older, newer = json.loads(RESULTS.read_text()), json.loads(RESULTS.read_text())
    older["speed"]["measured"], newer["speed"]["measured"] = "2026-01-01T00:00", "2026-02-01T00:00"
    folder = tmp_path / "checkout" / "bench" / "results"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text(json.dumps(older))
    (folder / "b.json").write_text(json.dumps(newer))
    (folder / "other.json").write_text(json.dumps({"memory": 1}))  # not a speed result

    found = benchmarks.bench_results([tmp_path / "empty", tmp_path / "checkout", REPOSITORY])

    assert [r["file"] for r in found] == ["b.json", "a.json"]
    assert benchmarks.bench_results([tmp_path / "empty"]) == []


def test_bench_table_shows_the_machine_and_each_speed():
    bench = benchmarks.bench_results([REPOSITORY])[0]
    speed = bench["speed"]["cats_vs_dogs"]["images_per_second"]

    table = benchmarks.bench_table(bench)

    assert table.startswith(f"**{bench['machine']['name']}**")
    assert f"`bench/results/{bench['file']}`" in table
    assert "| measurement | reference | dlcv | dlcv / reference |" in table
    assert f"| `float32` | {speed['dlcv_float32']:.1f} |" in table
