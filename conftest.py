"""Shared fixtures: every test, and every doctest of dlcv, gets its own run cache and data
folder, never the user's. (At the root, so that it covers tests/, bench/ and dlcv/.)"""

import pytest


@pytest.fixture(autouse=True)
def isolated_dlcv_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCV_CACHE_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("DLCV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DLCV_PROFILE", raising=False)
