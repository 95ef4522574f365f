"""Pretraining an encoder and embedding the sources (backend/services/learning/pretraining.py), on a tiny
image with a tiny ResNet: parameter checks with actionable messages, one version per run, embeddings that
follow the source set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion
from backend.db.session import session_scope
from backend.errors import ConflictError, InputError
from backend.services.images.store import ingest_image
from backend.services.learning.model_store import load_embeddings
from backend.services.learning.pretraining import (
    PretrainParams,
    embed_sources,
    pretrain_encoder,
    resolve_encoder,
)
from backend.services.task_runs import submit_run
from backend.settings import Settings
from models.recipes import RECIPES
from tests.backend.learning_image import TINY_PRETRAIN
from tests.backend.services.conftest import add_sources
from tiles.ingest import BandInput

POSITIONS = [(8.0 + 6 * i, 10.0 + 3 * (i % 4)) for i in range(8)] + [(8.5, 10.0)]  # the last: a duplicate
PARAMS = {**TINY_PRETRAIN, "batch_size": 8}


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def field(settings: Settings, sessions: sessionmaker[Session], small_bands: dict[str, Path]) -> int:
    image_id = ingest_image(settings, sessions, "field", [BandInput(n, p) for n, p in small_bands.items()])
    add_sources(sessions, image_id, POSITIONS, name="det")
    return image_id


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[float, str, dict[str, Any]]] = []

    def __call__(self, fraction: float, message: str, detail: dict[str, Any]) -> None:
        self.calls.append((fraction, message, detail))


def n_versions(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(ModelVersion.id))) or 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"encoder": "vit"}, "encoder: Input should be 'auto', 'starcnet' or 'resnet'"),
    ({"device": "tpu"}, "device: Input should be 'auto', 'cpu' or 'cuda'"),
    ({"steps": 0}, "steps: Input should be greater than or equal to 1"),
    ({"steps": 1_000_001}, "steps: Input should be less than or equal to 1000000"),
    ({"batch_size": 1}, "batch_size: Input should be greater than or equal to 2"),
    ({"size": 7}, "size: Input should be greater than or equal to 8"),
    ({"size": 257}, "size: Input should be less than or equal to 256"),
    ({"checkpoint_every": 0}, "checkpoint_every: Input should be greater than or equal to 1"),
    ({"encoder": "resnet", "encoder_options": {"width": 8}}, r"encoder_options \['width'\] are not settable for "
                                                             r"encoder 'resnet': use groups, out_dim"),
    ({"encoder": "resnet", "encoder_options": {"kind": "starcnet"}}, r"encoder_options \['kind'\]"),
    ({"encoder": "auto", "encoder_options": {"crops": [8]}}, r"\['crops'\] are not settable for encoder 'auto'"),
    ({"encoder": "starcnet", "encoder_options": {"width": 2048}}, "encoder widths must be integers from 1 to 1024"),
    ({"encoder": "resnet", "encoder_options": {"widths": [8, 0]}}, "encoder widths must be integers"),
    ({"encoder": "resnet", "encoder_options": {"out_dim": 1.5}}, "encoder widths must be integers"),
    ({"encoder_options": {"reference": "centre"}}, "encoder reference 'centre' unknown: use one of none, peak"),
    ({"encoder_options": {"peak_range": 0.5}}, "encoder peak_range 0.5 must be a number >= 1"),
    ({"encoder_options": {"peak_range": "10"}}, "encoder peak_range '10' must be a number >= 1"),
    ({"encoder_options": {"readout": "all"}}, "encoder readout 'all' unknown: use one of head, stages"),
    ({"lr": 0}, "lr: Input should be greater than 0"),
    ({"decorrelation": -1}, "decorrelation: Input should be greater than or equal to 0"),
    ({"augmentation": {"zoom_p": 0.5}}, r"augmentation keys \['zoom_p'\] are unknown: use band_jitter"),
    ({"augmentation": {"crop_p": 1.5}}, r"augmentation probabilities must lie in \[0, 1\]"),
    ({"augmentation": {"crop_scale": "wide"}}, "is not a valid view pipeline"),
    ({"augmentation": {"psf_sigma": [1.0]}}, "is not a valid view pipeline"),
    ({"augmentation": {"crop_scale": [0.9, 0.1]}}, r"crop_scale \[0.9, 0.1\] is a range"),
    ({"augmentation": {"brightness": -1}}, "brightness -1 must not be negative"),
])
def test_bad_parameters_say_what_to_change(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):  # one pydantic model: its messages, as a 4xx / CLI error
        PretrainParams.build(**kwargs)


def test_parameters_round_trip_and_ignore_unknown_keys() -> None:
    params = PretrainParams(**PARAMS)
    assert PretrainParams.from_dict(params.to_dict()) == params
    assert PretrainParams.from_dict({"steps": 7, "learning_rate": 1.0}) == PretrainParams(steps=7)
    assert PretrainParams(encoder="starcnet", encoder_options={"width": 1024, "crops": [8, 16]}).encoder == "starcnet"
    paper = PretrainParams()
    assert (paper.recipe, paper.lr, paper.decorrelation, paper.augmentation) == ("paper", 3e-4, 0.0, {})
    measured = PretrainParams.build(recipe="measured", augmentation={"noise_p": 1.0}, encoder_options={"groups": 4})
    assert (measured.lr, measured.decorrelation) == (1e-3, 1.0)
    assert measured.augmentation == {**RECIPES["measured"]["augmentation"], "noise_p": 1.0}  # given keys win
    assert measured.encoder_options == {"reference": "peak", "peak_range": 10.0, "readout": "stages", "groups": 4}
    assert PretrainParams.from_dict(measured.to_dict()) == measured
    assert PretrainParams.build(recipe="measured", lr=2e-3).lr == 2e-3
    with pytest.raises(InputError, match="recipe: Input should be 'paper' or 'measured'"):
        PretrainParams.build(recipe="best")
    assert PretrainParams().to_dict()["steps"] == 300


def test_auto_is_starcnet_on_a_gpu_and_the_resnet_on_a_cpu() -> None:
    assert resolve_encoder("auto", "cpu") == "resnet"
    assert resolve_encoder("auto", "cuda") == "starcnet"
    assert resolve_encoder("starcnet", "cpu") == "starcnet" and resolve_encoder("resnet", "cuda") == "resnet"


def test_pretrain_records_one_version_per_run_then_embed_follows_the_sources(
        settings: Settings, sessions: sessionmaker[Session], field: int) -> None:
    data_dir = settings.data_dir
    params = PretrainParams(**PARAMS)
    run, _ = submit_run(sessions, "pretrain", field, params.to_dict())
    progress = Progress()
    version = pretrain_encoder(sessions, data_dir, field, params, run.id, progress)
    assert version["kind"] == "byol" and version["version"] == 1 and version["task_id"] == run.id
    assert version["metrics"]["steps"] == 4 and version["metrics"]["resumed_from_step"] == 0
    assert version["metrics"]["n_cutouts"] == 8  # 9 sources, one within 1 px of another
    assert version["config"]["bands"] == ["F435W", "F555W", "F814W"] and version["config"]["cutout_size"] == 16
    assert version["config"]["encoder_spec"]["kind"] == "resnet"
    assert (data_dir / version["path"] / "checkpoint.pt").is_file()
    assert version["path"] == f"models/{field}/byol-run{run.id}"
    assert progress.calls[0][1] == "reading bands, 8 sources"
    steps = [d["step"] for _, _, d in progress.calls if "step" in d]
    assert steps == sorted(steps) and steps[-1] == 4 and progress.calls[-1][0] == 1.0

    again = pretrain_encoder(sessions, data_dir, field, params, run.id, Progress())  # a retry after the row
    assert again["id"] == version["id"] and n_versions(sessions) == 1

    progress = Progress()
    embedded = embed_sources(sessions, data_dir, field, version["id"], progress, batch_size=4)
    info = embedded["artefacts"]["embeddings"]
    assert (info["n"], info["dim"], info["n_sources"]) == (8, 16, 9)
    assert progress.calls[-1][2] == {"done": 8, "total": 8}
    with sessions() as session:
        emb = load_embeddings(data_dir, session.get_one(ModelVersion, version["id"]))
    assert emb.embeddings.shape == (8, 16) and emb.embeddings.dtype == np.float32
    assert np.isfinite(emb.embeddings).all()
    np.testing.assert_array_equal(emb.positions, np.asarray(POSITIONS[:8]))

    quiet = Progress()
    assert embed_sources(sessions, data_dir, field, version["id"], quiet)["artefacts"] == embedded["artefacts"]
    assert quiet.calls == []  # the same sources: answered from the record

    add_sources(sessions, field, [(50.0, 40.0)], name="late")
    grown = embed_sources(sessions, data_dir, field, version["id"], Progress())
    assert grown["artefacts"]["embeddings"]["n"] == 9 and grown["artefacts"]["embeddings"]["n_sources"] == 10
    assert n_versions(sessions) == 1  # embedding adds files to the encoder's version, not a version


def test_embed_refuses_what_is_not_this_image_s_encoder(settings: Settings, sessions: sessionmaker[Session],
                                                         field: int) -> None:
    with session_scope(sessions) as session:
        probe = ModelVersion(image_id=field, kind="probe", version=1, path="p", config={}, metrics={}, labels={},
                             artefacts={})
        session.add(probe)
        session.flush()
        probe_id = probe.id
    with pytest.raises(InputError, match=f"model version {probe_id} is not an encoder of image {field}"):
        embed_sources(sessions, settings.data_dir, field, probe_id, Progress())
    from backend.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no model version with id 999"):
        embed_sources(sessions, settings.data_dir, field, 999, Progress())


def test_embed_refuses_an_encoder_of_other_bands(settings: Settings, sessions: sessionmaker[Session],
                                                 field: int) -> None:
    with session_scope(sessions) as session:
        version = ModelVersion(image_id=field, kind="byol", version=1, path="b", metrics={}, labels={},
                               artefacts={}, config={"bands": ["g", "r", "i"]})
        session.add(version)
        session.flush()
        version_id = version.id
    with pytest.raises(ConflictError, match=r"image \d+ has bands \['F435W', 'F555W', 'F814W'\], encoder v1 was "
                                            r"trained on \['g', 'r', 'i'\]: pretrain again"):
        embed_sources(sessions, settings.data_dir, field, version_id, Progress())


def test_no_sources_to_pretrain_on(settings: Settings, sessions: sessionmaker[Session],
                                   small_bands: dict[str, Path]) -> None:
    image_id = ingest_image(settings, sessions, "empty", [BandInput(n, p) for n, p in small_bands.items()])
    run, _ = submit_run(sessions, "pretrain", image_id, {})
    with pytest.raises(ConflictError, match=f"image {image_id} has no sources in the chosen layers to pretrain "
                                            "on: import a catalogue or run detection first"):
        pretrain_encoder(sessions, settings.data_dir, image_id, PretrainParams(**PARAMS), run.id, Progress())
    assert n_versions(sessions) == 0


def test_the_learning_settings_reach_the_encoder_and_its_embedding(
        settings: Settings, sessions: sessionmaker[Session], field: int) -> None:
    """Rate, decorrelation, views, the peak-referenced input and the stages readout: recorded with the version,
    used to embed."""
    params = PretrainParams(**{**PARAMS, "lr": 1e-3, "decorrelation": 1.0,
                               "augmentation": {"crop_p": 0.0, "psf_p": 0.0, "grayscale_p": 0.0},
                               "encoder_options": {**PARAMS["encoder_options"], "reference": "peak",
                                                   "peak_range": 10, "readout": "stages"}})
    assert PretrainParams.from_dict(params.to_dict()) == params
    run, _ = submit_run(sessions, "pretrain", field, params.to_dict())
    version = pretrain_encoder(sessions, settings.data_dir, field, params, run.id, Progress())
    byol = version["config"]["byol"]
    assert byol["lr"] == 1e-3 and byol["decorrelation"] == 1.0 and byol["augmentation"]["crop_p"] == 0.0
    spec = version["config"]["encoder_spec"]
    assert (spec["reference"], spec["peak_range"], spec["readout"]) == ("peak", 10, "stages")
    assert np.isfinite(version["metrics"]["final_loss"])
    embedded = embed_sources(sessions, settings.data_dir, field, version["id"], Progress(), batch_size=4)
    assert embedded["artefacts"]["embeddings"]["n"] == 8
    assert embedded["artefacts"]["embeddings"]["dim"] == 16 + 2 * (8 + 16)  # the head and both stages' means


def test_the_cli_leaves_what_is_not_given_to_the_recipe() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    PretrainParams.add_arguments(parser, flags={"layer_ids": "--layer"})
    measured = PretrainParams.from_args(parser.parse_args(["--recipe", "measured", "--steps", "40"]))
    assert (measured.steps, measured.lr, measured.decorrelation) == (40, 1e-3, 1.0)  # not argparse's 3e-4
    assert PretrainParams.from_args(parser.parse_args([])) == PretrainParams()
    help_text = " ".join(parser.format_help().split())
    assert "(default 0.0003)" in help_text and "(default paper)" in help_text  # the defaults still shown
