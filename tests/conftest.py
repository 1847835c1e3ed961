"""Shared fixtures: real workspaces in temporary folders, real files, the shared datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from recorrido import Workspace

FILES = Path(__file__).parent / "files"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        yield ws


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA
