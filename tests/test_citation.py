"""CITATION.cff: valid Citation File Format 1.2.0 (its required keys, typed as the schema says),
and the same version as the package."""

from __future__ import annotations

import datetime
import tomllib

import yaml

from tools import REPOSITORY

CITATION = yaml.safe_load((REPOSITORY / "CITATION.cff").read_text(encoding="utf-8"))


def test_has_the_keys_cff_1_2_0_requires():
    assert CITATION["cff-version"] == "1.2.0"
    assert isinstance(CITATION["message"], str) and CITATION["message"].strip()
    assert isinstance(CITATION["title"], str) and CITATION["title"].strip()
    authors = CITATION["authors"]
    assert isinstance(authors, list) and authors
    for author in authors:  # a person (family-names) or an entity (name)
        assert author.get("family-names") or author.get("name"), author


def test_optional_keys_have_the_schemas_types():
    assert CITATION["type"] in {"software", "dataset"}
    assert isinstance(CITATION["date-released"], (datetime.date, str))
    datetime.date.fromisoformat(str(CITATION["date-released"]))
    assert CITATION["repository-code"].startswith("https://")
    for reference in CITATION.get("references", []):
        assert {"type", "title", "authors"} <= set(reference), reference


def test_version_and_licence_match_the_package():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert CITATION["version"] == project["version"]
    assert CITATION["license"] == "MIT"
    assert (REPOSITORY / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "CC BY 4.0" in (REPOSITORY / "LICENSE-text.md").read_text(encoding="utf-8")
