"""``skylabel train``, ``predict`` and ``next`` (backend/cli/learning.py) on copies of the real field."""

from __future__ import annotations

import json

import pytest

from backend.cli import main
from backend.services.labelling.annotations import save_annotation
from tests.backend.learning_image import LearningImage

pytest_plugins = ["tests.backend.learning_fixtures"]
pytestmark = pytest.mark.usefixtures("single_torch_thread")


def use(image: LearningImage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYLABEL_DATA_DIR", str(image.settings.data_dir))
    monkeypatch.delenv("SKYLABEL_DATABASE_URL", raising=False)
    monkeypatch.delenv("SKYLABEL_BROKER_URL", raising=False)


def test_train_prints_progress_and_is_answered_from_the_record_the_second_time(
        untrained_image: LearningImage, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    use(untrained_image, monkeypatch)
    args = ["train", str(untrained_image.image_id), "--steps", "2", "--batch-size", "8", "--size", "16",
            "--encoder", "resnet", "--device", "cpu"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "encoder v1" in out and "images/s" in out and "embeddings:" in out
    assert "pretrain" in err and "100.0%" in err and "images/s" in err
    assert main([*args, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["encoder"]["version"] == 1 and status["embeddings"]["dim"] == 256  # no second encoder


def test_predict_and_next(trained_image: LearningImage, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    use(trained_image, monkeypatch)
    ctx = trained_image.context()
    labelled = trained_image.source_ids(ctx)[:8]
    for i, sid in enumerate(labelled):
        save_annotation(ctx.sessions, trained_image.image_id, "ann", ("2", "3")[i % 2], source_id=sid)
    assert main(["predict", str(trained_image.image_id), "--json"]) == 0
    predictions = json.loads(capsys.readouterr().out)
    assert predictions["count"] == len(trained_image.source_ids(ctx))
    assert main(["next", str(trained_image.image_id), "--k", "6", "--json"]) == 0
    picked = json.loads(capsys.readouterr().out)
    assert len(picked["source_ids"]) == 6 and not set(picked["source_ids"]) & set(labelled)
    assert main(["next", str(trained_image.image_id), "--k", "3"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("3 sources to label next by entropy on cluster / non-cluster") and len(table) == 5
    assert table[1].split("|")[1].split() == ["cluster", "/", "non-cluster", "p", "entropy"]
    ranked = [float(line.split("|")[1].split()[-1]) for line in table[2:]]
    assert ranked == sorted(ranked, reverse=True)  # the picks' order is the binary question's entropy
    for line in table[2:]:
        group, p = line.split("|")[1].split()[:2]
        assert group in ("cluster", "non-cluster") and 0.5 <= float(p) <= 1.0


def test_errors_are_one_line_on_stderr(untrained_image: LearningImage, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    use(untrained_image, monkeypatch)
    assert main(["next", str(untrained_image.image_id), "--strategy", "diverse"]) == 2
    assert "pretrain" in capsys.readouterr().err
    assert main(["predict", str(untrained_image.image_id)]) == 2
