"""Every answer names its API process (backend/api/process_header.py): how the scale-out test proves which
process behind the proxy served what."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import Settings


def test_every_answer_names_the_process(client: TestClient) -> None:
    expected = f"{socket.gethostname()}:{os.getpid()}"
    assert client.get("/api/health").headers["X-Skylabel-Process"] == expected
    assert client.get("/api/images/999999").headers["X-Skylabel-Process"] == expected  # errors too
    assert client.get("/").headers["X-Skylabel-Process"] == expected


def test_the_configured_name_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", frontend_dir=tmp_path / "none", process_name="api-2")
    with TestClient(create_app(settings)) as named:
        answer = named.get("/api/health")
    assert answer.status_code == 200 and answer.headers["X-Skylabel-Process"] == "api-2"
