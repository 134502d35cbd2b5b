"""The edition banner says what the quick edition is: drawn cartoons, not a sample of photos."""

import importlib.util
import re
from dataclasses import replace

import pytest

from dlcv import profiles
from tools import REPOSITORY


@pytest.fixture(scope="module")
def edition():
    spec = importlib.util.spec_from_file_location(
        "edition", REPOSITORY / "book" / "_ext" / "edition.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_quick_banner_describes_the_drawn_cartoons_from_the_profile(edition):
    text = re.sub(r"<[^>]+>", "", edition.BANNERS["quick"])
    assert ("unless the real photos are on disk, its cats and dogs are synthetic cartoons "
            "drawn by code, not photos") in text
    assert "200/200/400 training, validation and test images at 100x100" in text
    assert "40 epochs for the main variants, fewer for a few one-off comparisons" in text
    assert ("unless the full MNIST is on disk, its MNIST is a sample of 5,000 real digits "
            "(4,000 training, 1,000 test)") in text
    assert "sample of the photos" not in text and "sample of cats" not in text


def test_the_quick_banner_follows_the_profile(edition, monkeypatch):
    monkeypatch.setattr(profiles, "QUICK", replace(profiles.QUICK, regularized_epochs=60,
                                                   sample_counts=(50, 50, 100)))
    text = edition.quick_banner()
    assert "100/100/200" in text and "40 or 60 epochs" in text


def test_the_full_banner_names_the_photos(edition):
    assert "photos at 180x180" in edition.BANNERS["full"]
