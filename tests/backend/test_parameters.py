"""One parameter object per operation (backend/parameters.py): the route's body, the service's argument and
the CLI's options are one pydantic model, so an option is declared once."""

from __future__ import annotations

import argparse

import pytest

from backend.app import create_app
from backend.errors import InputError
from backend.services.images.detection import DetectParams
from backend.services.learning.pretraining import PretrainParams
from backend.settings import Settings
from backend.worker.install import close_learning


def parser_for(model: type, **kwargs: object) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    model.add_arguments(parser, **kwargs)  # type: ignore[attr-defined]
    return parser


def test_cli_options_come_from_the_fields_with_their_defaults() -> None:
    parser = parser_for(PretrainParams, flags={"layer_ids": "--layer"})
    assert PretrainParams.from_args(parser.parse_args([])) == PretrainParams()
    args = parser.parse_args(["--steps", "7", "--batch-size", "8", "--encoder", "resnet", "--layer", "3",
                              "--layer", "5", "--encoder-options", '{"widths": [8, 16]}'])
    params = PretrainParams.from_args(args)
    assert (params.steps, params.batch_size, params.encoder, params.layer_ids) == (7, 8, "resnet", [3, 5])
    assert params.encoder_options == {"widths": [8, 16]}
    with pytest.raises(SystemExit):  # a Literal's values are the choices
        parser.parse_args(["--encoder", "vgg16"])
    detect = DetectParams.from_args(parser_for(DetectParams, flags={"bands": "--band"}).parse_args(
        ["--band", "F555W", "--threshold", "2.5", "--name", "mine"]))
    assert detect == DetectParams(bands=["F555W"], threshold=2.5, name="mine")
    assert DetectParams.from_args(parser_for(DetectParams).parse_args([])).bands == []


def test_a_new_field_is_a_new_option_everywhere() -> None:
    from pydantic import Field

    class Extended(PretrainParams):
        warmup: int = Field(10, ge=0, description="steps of learning-rate warm-up")

    parser = parser_for(Extended)
    assert "--warmup" in parser.format_help() and "warm-up" in parser.format_help()
    assert Extended.from_args(parser.parse_args(["--warmup", "3"])).warmup == 3
    assert Extended.from_dict({"warmup": 4, "sources_key": "abc"}).to_dict()["warmup"] == 4


def test_out_of_range_values_are_input_errors_with_the_field_named() -> None:
    with pytest.raises(InputError, match="steps"):
        PretrainParams.build(steps=0)
    with pytest.raises(InputError, match="1024"):
        PretrainParams.from_dict({"encoder": "resnet", "encoder_options": {"widths": [8, 100000]}})
    parser = parser_for(PretrainParams)
    with pytest.raises(InputError, match="batch_size"):
        PretrainParams.from_args(parser.parse_args(["--batch-size", "1"]))
    # a task's stored params carry keys of their own (sources_key): ignored, and the round trip is exact
    stored = {**PretrainParams(steps=5).to_dict(), "sources_key": "k"}
    assert PretrainParams.from_dict(stored) == PretrainParams(steps=5)


def test_the_api_documents_the_same_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(data_dir=tmp_path, frontend_dir=tmp_path / "none"))
    try:
        schema = app.openapi()
    finally:
        close_learning(app)
    paths = schema["paths"]
    body = paths["/api/images/{image_id}/learning/pretrain"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["$ref"].endswith("/PretrainParams")
    detect = paths["/api/images/{image_id}/detect"]["post"]["requestBody"]["content"]
    assert detect["application/json"]["schema"]["$ref"].endswith("/DetectParams")
    steps = schema["components"]["schemas"]["PretrainParams"]["properties"]["steps"]
    assert (steps["minimum"], steps["maximum"], steps["default"]) == (1, 1_000_000, 300)
    learning = [(path, method, op) for path, ops in paths.items() for method, op in ops.items()
                if "learning" in op.get("tags", [])]
    assert len(learning) == 10
    for path, method, op in learning:  # every learning answer is documented, none a bare object
        ok = op["responses"].get("200") or op["responses"].get("202")
        ref = ok["content"]["application/json"]["schema"].get("$ref")
        assert ref, f"{method.upper()} {path} has no response model"


def test_settings_reach_the_tile_readers_at_app_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tiles.readers import READERS, set_readers_per_file

    app = create_app(Settings(data_dir=tmp_path, frontend_dir=tmp_path / "none", readers_per_file=3))
    try:
        assert READERS.per_path == 3
    finally:
        close_learning(app)
        set_readers_per_file(1)
    from tiles.errors import TilesError

    with pytest.raises(TilesError, match="1 to 64"):
        set_readers_per_file(0)
