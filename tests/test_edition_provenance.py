"""Honest provenance: the data note says what the quick edition's images are, and a training
page's note says where its runs came from (machine, date, seconds, the published bundle)."""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from dlcv import published
from dlcv.data.provenance import IMPORTS_FILE, provenance_note, runs_sentence

DRAWN_INFO = {
    "name": "cats_vs_dogs", "source": "sample",
    "counts": {"train": 200, "validation": 200, "test": 400},
    "origin": "drawn by dlcv.data.drawn (version 3, seed 1337, 100x100 pixels)",
    "license": "CC0",
}


@dataclass
class FakeRun:
    path: Path
    seconds: float
    from_cache: bool = True


def cached_run(cache: Path, key: str, seconds: float, created: float, machine=None) -> FakeRun:
    entry = cache / f"cats_vs_dogs-{key}"
    entry.mkdir(parents=True)
    record = {"seconds": seconds, "created": created}
    if machine is not None:
        record["machine"] = machine
    (entry / "run.json").write_text(json.dumps(record))
    return FakeRun(entry, seconds)


DAY = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC).timestamp()


def test_the_drawn_sample_is_called_what_it_is():
    text = provenance_note(DRAWN_INFO).data
    assert "cartoon cats and dogs drawn by code" in text
    assert "not photos, nor a sample of the photos" in text
    assert "Data used on this page" in text


def test_only_a_page_that_trains_is_told_of_the_books_epochs():
    assert "the book's epochs" in provenance_note(DRAWN_INFO).data
    text = provenance_note(DRAWN_INFO, trains=False).data
    assert "epochs" not in text and "`DLCV_PROFILE=full`" in text


def test_the_note_says_where_imported_runs_came_from(tmp_path):
    cache = tmp_path / "runs"
    runs = [cached_run(cache, "k1", 100.0, DAY, "x86_64, 4 CPUs"),
            cached_run(cache, "k2", 250.4, DAY + 86400, "x86_64, 4 CPUs")]
    (cache / IMPORTS_FILE).write_text(json.dumps(
        {"k1": {"release": "runs-quick-0123456789abcdef"},
         "k2": {"release": "runs-quick-0123456789abcdef"}}))
    text = provenance_note(DRAWN_INFO, runs=runs).data
    assert text.startswith(":::{admonition} Data used on this page\n:class: important")
    assert ("This page's 2 runs were trained on `x86_64, 4 CPUs`, 2026-12-01 to 2026-12-02, in "
            "350 s of training in all; they were imported from the published bundle "
            "`runs-quick-0123456789abcdef`.") in text


def test_runs_trained_as_the_page_ran_are_said_to_be_this_machines(tmp_path):
    run = cached_run(tmp_path / "runs", "k1", 42.0, DAY)
    run.from_cache = False
    sentence = runs_sentence([run])
    assert sentence.startswith("This page's 1 run was trained on this machine (`")
    assert "42 s of training" in sentence and "imported" not in sentence


def a_training_its_twin_and_a_run_alone(cache: Path):
    """Three cached runs on machine ``m``: k1 (80 s), k2 stored by k1's training, k3 (30 s);
    and the record they were written from."""
    trainer = cached_run(cache, "k1", 80.0, DAY, "m")
    twin = cached_run(cache, "k2", 80.0, DAY, "m")
    record = json.loads((twin.path / "run.json").read_text())
    (twin.path / "run.json").write_text(json.dumps({**record, "trained_with": "k1"}))
    alone = cached_run(cache, "k3", 30.0, DAY, "m")
    return trainer, twin, alone, record


def test_a_run_kept_from_another_runs_training_is_counted_as_that_training(tmp_path):
    trainer, twin, alone, record = a_training_its_twin_and_a_run_alone(tmp_path / "runs")
    assert runs_sentence([trainer, twin, alone]).startswith(
        "This page's 3 runs (from 2 trainings) were trained on `m`, 2026-12-01, in 110 s")
    # without its trainer on the page, the twin's training is the page's
    assert runs_sentence([twin, alone]).startswith(
        "This page's 2 runs were trained on `m`, 2026-12-01, in 110 s")
    assert runs_sentence([trainer, twin]).startswith("This page's 2 runs (from 1 training) ")
    # a record naming itself, or two naming each other, are trainings
    (alone.path / "run.json").write_text(json.dumps({**record, "trained_with": "k3"}))
    assert runs_sentence([alone]).startswith(
        "This page's 1 run was trained on `m`, 2026-12-01, in 30 s")
    (trainer.path / "run.json").write_text(json.dumps({**record, "trained_with": "k2"}))
    assert "from" not in runs_sentence([trainer, twin]).split(" were ")[0]


def test_the_runs_trained_as_the_page_ran_are_counted_as_trainings(tmp_path):
    trainer, twin, alone, _ = a_training_its_twin_and_a_run_alone(tmp_path / "runs")
    trainer.from_cache = False  # trained here; its twin, stored by that training, is loaded
    assert runs_sentence([trainer, twin, alone]).endswith(
        "(1 of these trainings took place as this page ran).")
    assert runs_sentence([trainer, alone]).endswith(
        "(1 of them was trained as this page ran).")


def test_a_runs_note_does_not_hang_on_a_fifo_in_place_of_a_record(tmp_path):
    import os

    run = cached_run(tmp_path / "runs", "k1", 5.0, DAY, "m")
    (run.path / "run.json").unlink()
    os.mkfifo(run.path / "run.json")
    assert "on a machine the records do not name" in runs_sentence([run])


def test_cached_runs_without_a_machine_do_not_invent_one(tmp_path):
    sentence = runs_sentence([cached_run(tmp_path / "runs", "k1", 5.0, DAY)])
    assert "on a machine the records do not name" in sentence


def test_a_successful_import_records_the_release_of_each_run(tmp_path, monkeypatch):
    from tests.test_edition_published import KEYS, FakeDlcv

    cache = tmp_path / "runs"
    monkeypatch.setattr(published, "_dlcv", FakeDlcv(cache))
    assert published.import_runs("quick")
    imports = json.loads((cache / IMPORTS_FILE).read_text())
    tag = published.release_tag("quick", KEYS)
    assert {key: imports[key]["release"] for key in KEYS} == dict.fromkeys(KEYS, tag)
    run = FakeRun(cache / f"cats_vs_dogs-{KEYS[0]}", 1.0)
    assert f"`{tag}`" in runs_sentence([run])


def test_the_runs_note_counts_every_run_it_is_given(tmp_path):
    from dlcv.data import runs_note

    cache = tmp_path / "runs"
    runs = [cached_run(cache, f"k{i}", 10.0, DAY, "x86_64, 4 CPUs") for i in range(16)]
    text = runs_note(runs).data
    assert text.startswith(":::{admonition} Runs used on this page\n:class: note")
    assert "This page's 16 runs were trained on `x86_64, 4 CPUs`, 2026-12-01, in 160 s" in text


def test_a_runs_note_without_runs_is_a_clear_error():
    import pytest

    from dlcv.data import runs_note
    from dlcv.errors import ConfigError

    with pytest.raises(ConfigError, match="runs_used"):
        runs_note([])


def test_every_training_page_ends_by_saying_where_all_its_runs_came_from():
    import jupytext

    from dlcv import profiles
    from dlcv.edition import book_calls
    from tools import REPOSITORY

    pages = {page for page, _ in book_calls(profiles.QUICK)}
    assert pages >= {"mnist-convnet", "cats-vs-dogs", "data-augmentation", "dropout"}
    for page in sorted(pages):
        notebook = jupytext.read(REPOSITORY / "book" / f"{page}.md")
        last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
        assert last.source.strip() == "runs_note(runs_used())", page
        assert "remove-input" in last.metadata.get("tags", []), page
