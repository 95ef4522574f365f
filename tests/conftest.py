"""Shared fixtures: where the real data of ../shared/data lives, and a helper to skip without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# TestClient talks to "http://testserver": allow that Host name next to the loopback ones (TrustedHostMiddleware)
os.environ.setdefault("SKYLABEL_ALLOWED_HOSTS", "localhost,127.0.0.1,::1,[::1],testserver")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKYLABEL_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def shared_file(relative: str) -> Path:
    """Path of a file under ../shared/data, or skip the test naming the missing file."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data file missing: {path} (the tests use ../shared/data when it is present)")
    return path


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder missing: {SHARED_DATA}")
    return SHARED_DATA
