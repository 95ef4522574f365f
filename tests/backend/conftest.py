from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import Settings
from tests.backend.fits_factory import write_bands


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "no-frontend")


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def bands(tmp_path: Path) -> dict[str, Path]:
    return write_bands(tmp_path / "fits")


def upload(client: TestClient, name: str, bands: dict[str, Path], **form):  # type: ignore[no-untyped-def]
    files = [("files", (path.name, path.read_bytes(), "application/fits")) for path in bands.values()]
    data = {"name": name, "bands": list(bands), **form}
    return client.post("/api/images", data=data, files=files)


@pytest.fixture
def image(client: TestClient, bands: dict[str, Path]) -> dict:
    response = upload(client, "test-galaxy", bands)
    assert response.status_code == 201, response.text
    return response.json()
