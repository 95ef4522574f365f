"""The AI loop on PostgreSQL: pretrain, live refit, predictions (written as JSON text), next, embedding.

Skipped with a reason without ``SKYLABEL_TEST_POSTGRES_URL`` (see tests/backend/pg.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.db.learning import ModelVersion, Prediction
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.embedding_view import embedding_map
from backend.services.learning.predictions import query_predictions
from backend.services.learning.pretraining import PretrainParams
from backend.worker.runner import run_now
from backend.worker.submit import sample_request, submit_fit_probe, submit_pretrain
from tests.backend.learning_image import TINY_PRETRAIN, build_image
from tests.backend.pg import pg_database_fixture, pg_url_fixture  # noqa: F401  (fixtures)

pytest_plugins = ["tests.backend.learning_fixtures"]
pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("single_torch_thread")]


def test_the_learning_loop_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    image = build_image(tmp_path / "data", pg_url)
    ctx = image.context()
    try:
        assert submit_pretrain(ctx, image.image_id, PretrainParams(**TINY_PRETRAIN)).status == "done"
        ids = image.source_ids(ctx)
        for i, sid in enumerate(ids[:12]):
            save_annotation(ctx.sessions, image.image_id, "ann", ("1", "4")[i % 2], source_id=sid)
        run = submit_fit_probe(ctx, image.image_id)
        assert run.status == "done", run.error
        assert submit_fit_probe(ctx, image.image_id).id == run.id
        with ctx.sessions() as session:
            assert session.scalar(select(func.count(ModelVersion.id))) == 2
            assert session.scalar(select(func.count(Prediction.id))) == len(ids)
            predictions = query_predictions(session, image.image_id, (0, 0, 1e4, 1e4), 50_000)
            item = predictions["items"][0]
            assert isinstance(item["probs"], dict)
            assert sum(item["probs"].values()) == pytest.approx(1, abs=1e-3)
            assert embedding_map(session, image.settings.data_dir, image.image_id)["count"] > 0
        picked = run_now(ctx, sample_request(ctx, image.image_id, "entropy", 5, None))
        assert picked.status == "done" and len(picked.result["source_ids"]) == 5
    finally:
        ctx.sessions.kw["bind"].dispose()
