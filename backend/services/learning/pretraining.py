"""Pretraining an image's encoder with BYOL and embedding its sources: the domain code of two worker tasks.

The paper's Appendix B/C settings are :class:`models.train_byol.BYOLConfig`'s defaults (Adam 3e-4, batch 128,
projector and predictor 256-256, BYOL's cosine EMA from 0.996); the paper trains 170,000 steps on a GPU, here
the user chooses (300 by default, minutes on a CPU with the small ResNet). Cutouts (32 x 32 px, every band)
are cut around the sources of the chosen layers at their FITS 0-based positions, de-duplicated within 1 px
across layers, and normalised per band to noise units (the fitted background and sigma are recorded with the
model, and the embedding reuses them). ``encoder="auto"`` is StarcNet on a GPU and the small ResNet on a CPU,
where StarcNet trains at ~2 images/s against the ResNet's 15 to 50 (2-core development machine shared
with other jobs, batch 128, 5-band 32 x 32 cutouts).

A checkpoint is written every ``checkpoint_every`` steps into the run's folder: a retry of the same task run
(a crash, a restart) resumes from it and takes the steps the uninterrupted run would have taken.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion
from backend.db.session import session_scope
from backend.errors import ConflictError, InputError
from backend.parameters import Parameters
from backend.services.learning.data import deduplicate, image_sources, read_bands, sources_key
from backend.services.learning.model_store import (
    EmbeddingSet,
    get_version,
    models_dir,
    next_version,
    save_embeddings,
    version_public,
)

if TYPE_CHECKING:
    from models.normalise import BandNormalisation

Progress = Callable[[float, str, dict[str, Any]], None]  # (fraction, message, detail)


class PretrainParams(Parameters):
    """What a pretrain request may set; everything else is the paper's (``BYOLConfig`` defaults). The one
    declaration of these options: the API's request body, the task's params and ``skylabel train``'s flags."""

    steps: int = Field(300, ge=1, le=1_000_000, description="BYOL optimiser steps (the paper: 170,000 on a GPU)")
    batch_size: int = Field(128, ge=2, le=4096, description="cutouts per step")
    encoder: Literal["auto", "starcnet", "resnet"] = Field(
        "auto", description="auto: StarcNet on a GPU, the small ResNet on a CPU")
    encoder_options: dict[str, Any] = Field(default_factory=dict,
                                            description='encoder spec overrides, e.g. {"widths": [16, 32]}')
    layer_ids: list[int] | None = Field(None, description="layers whose sources are cut (default: all)")
    size: int = Field(32, ge=8, le=256, description="cutout size in pixels")
    seed: int = Field(0, description="another seed trains another encoder")
    checkpoint_every: int = Field(50, ge=1, description="steps between checkpoints (a retry resumes there)")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="where to train")
    recipe: Literal["paper", "measured"] = Field(
        "paper", description="starting settings: paper = Appendix B/C and Table C.1; measured = the best of the "
        "label-efficiency ablations (each source stretched to its own peak, size-keeping views, Adam 1e-3, "
        "decorrelation 1); the fields given here override it")
    lr: float = Field(3e-4, gt=0, le=0.1, description="BYOL's Adam learning rate (the paper: 3e-4)")
    decorrelation: float = Field(0.0, ge=0, le=100, description="weight of a VICReg-style variance + covariance "
                                 "term beside BYOL's loss, against a collapsed embedding (0: plain BYOL)")
    augmentation: dict[str, Any] = Field(default_factory=dict, description="BYOL view overrides, keys of "
                                         'models.augment.BYOL_AUGMENTATION, e.g. {"crop_p": 0, "psf_p": 0}')

    @model_validator(mode="before")
    @classmethod
    def _apply_recipe(cls, data: Any) -> Any:
        """Fill what the request leaves out from its recipe (so the stored parameters say what was trained)."""
        from models.recipes import RECIPES

        if not isinstance(data, dict) or data.get("recipe") not in RECIPES:
            return data
        recipe, data = RECIPES[data["recipe"]], dict(data)
        for key in ("lr", "decorrelation"):
            if key in recipe:
                data.setdefault(key, recipe[key])
        for key, given in (("augmentation", "augmentation"), ("encoder", "encoder_options")):
            if key in recipe and isinstance(data.get(given, {}), dict):
                data[given] = {**recipe[key], **data.get(given, {})}
        return data

    @model_validator(mode="after")
    def _check_augmentation(self) -> PretrainParams:
        """Known view keys, probabilities within [0, 1], values the view pipeline accepts."""
        from models.augment import BYOL_AUGMENTATION, build_augmentation
        from models.errors import ConfigError

        unknown = sorted(set(self.augmentation) - set(BYOL_AUGMENTATION))
        if unknown:
            raise ValueError(f"augmentation keys {unknown} are unknown: use {', '.join(sorted(BYOL_AUGMENTATION))}")
        bad = {k: v for k, v in self.augmentation.items()
               if k.endswith("_p") and (isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1)}
        if bad:
            raise ValueError(f"augmentation probabilities must lie in [0, 1], got {bad}")
        for key, value in self.augmentation.items():
            numbers = value if isinstance(value, list) else [value]
            if any(isinstance(v, int | float) and not isinstance(v, bool) and v < 0 for v in numbers):
                raise ValueError(f"augmentation {key} {value} must not be negative")
            if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value) \
                    and value[0] > value[1]:
                raise ValueError(f"augmentation {key} {value} is a range: [low, high]")
        try:  # the pipeline on a small batch: wrong types and shapes fail here, not in the task
            import torch

            build_augmentation(self.augmentation)(torch.zeros(2, 2, 16, 16))
        except (ConfigError, TypeError, ValueError, RuntimeError, IndexError) as error:
            raise ValueError(f"augmentation {self.augmentation} is not a valid view pipeline: {error}") from None
        return self

    @model_validator(mode="after")
    def _check_encoder_options(self) -> PretrainParams:
        """Only the spec keys of the chosen encoder, and no network wider than 1024 channels."""
        from models.encoders import RESNET_DEFAULTS, STARCNET_DEFAULTS, check_peak_range, check_readout
        from models.errors import ConfigError
        from models.normalise import REFERENCES

        allowed = set(RESNET_DEFAULTS if self.encoder == "resnet" else STARCNET_DEFAULTS)
        if self.encoder == "auto":
            allowed &= set(RESNET_DEFAULTS)
        unknown = sorted(set(self.encoder_options) - (allowed - {"kind", "n_bands"}))
        if unknown:
            raise ValueError(f"encoder_options {unknown} are not settable for encoder {self.encoder!r}: use "
                             f"{', '.join(sorted(allowed - {'kind', 'n_bands'}))}")
        sizes = [self.encoder_options.get(k) for k in ("width", "branch_dim", "out_dim")]
        sizes += list(self.encoder_options.get("widths") or [])
        if any(not isinstance(v, int) or not 1 <= v <= 1024 for v in sizes if v is not None):
            raise ValueError(f"encoder widths must be integers from 1 to 1024, got {self.encoder_options}")
        reference = self.encoder_options.get("reference", "none")
        if reference not in REFERENCES:
            raise ValueError(f"encoder reference {reference!r} unknown: use one of {', '.join(REFERENCES)} (peak: "
                             "each bright source stretched to its own peak, brightness taken out)")
        try:  # the encoder's own checks, so the app and the network refuse the same values
            if "peak_range" in self.encoder_options:
                check_peak_range(self.encoder_options["peak_range"])
            if "readout" in self.encoder_options:
                check_readout(self.encoder_options["readout"])
        except ConfigError as error:
            raise ValueError(str(error)) from None
        return self


def resolve_encoder(encoder: str, device: str) -> str:
    """``auto``: StarcNet where a GPU will run it, the small ResNet on a CPU."""
    if encoder != "auto":
        return encoder
    import torch

    on_gpu = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    return "starcnet" if on_gpu else "resnet"


def _noise_unit_cutouts(bands: list[np.ndarray], names: list[str], x: np.ndarray, y: np.ndarray, size: int,
                        normalisation: BandNormalisation) -> np.ndarray:
    from models.cutouts import extract_cutouts

    cut = extract_cutouts(bands, x, y, size, names)
    return normalisation.to_noise_units(cut.data, cut.valid)


def pretrain_encoder(sessions: sessionmaker[Session], data_dir: Path, image_id: int, params: PretrainParams,
                     run_id: int, progress: Progress) -> dict[str, Any]:
    """Train (or resume) run ``run_id``'s encoder and record it as the image's next ``byol`` version."""
    from models.checkpoint import load_checkpoint
    from models.normalise import BandNormalisation
    from models.train_byol import CHECKPOINT_FORMAT, BYOLConfig, train_byol

    with sessions() as session:
        done = _version_of_run(session, run_id, "byol")
        if done is not None:
            return version_public(done)
        table = image_sources(session, image_id, params.layer_ids)
        if not len(table):
            raise ConflictError(f"image {image_id} has no sources in the chosen layers to pretrain on: "
                                "import a catalogue or run detection first")
        keep = deduplicate(table.x, table.y)
        progress(0.0, f"reading bands, {keep.size} sources", {})
        bands, names = read_bands(session, data_dir, image_id)
    normalisation = BandNormalisation.fit(bands, names)
    data = _noise_unit_cutouts(bands, names, table.x[keep], table.y[keep], params.size, normalisation)
    del bands
    kind = resolve_encoder(params.encoder, params.device)
    spec = {**params.encoder_options, "kind": kind, "n_bands": len(names)}
    if kind == "starcnet":
        spec.setdefault("size", params.size)
    folder = models_dir(data_dir, image_id) / f"byol-run{run_id}"
    checkpoint = folder / "checkpoint.pt"
    resumed_from = int(load_checkpoint(checkpoint, CHECKPOINT_FORMAT)["step"]) if checkpoint.is_file() else 0
    rate: list[float] = [0.0]

    def on_step(step: int, total: int, loss: float, images_per_s: float) -> None:
        rate[0] = images_per_s
        progress(step / total, f"step {step}/{total}, loss {loss:.4f}, {images_per_s:.1f} images/s",
                 {"step": step, "steps": total, "loss": loss, "images_per_s": images_per_s})

    config = BYOLConfig(encoder=spec, steps=params.steps, batch_size=params.batch_size, seed=params.seed,
                        lr=params.lr, decorrelation=params.decorrelation, augmentation=dict(params.augmentation))
    state = train_byol(
        data, config, device=None if params.device == "auto" else params.device,
        resume_from=checkpoint if resumed_from else None, checkpoint_path=checkpoint,
        checkpoint_every=params.checkpoint_every, progress=on_step,
        progress_every=max(1, min(10, params.steps // 20)),
        normalisation=normalisation.to_dict(),
    )
    with session_scope(sessions) as session:
        version = ModelVersion(
            image_id=image_id, kind="byol", version=next_version(session, image_id, "byol"),
            task_run_id=run_id, path=str(folder.relative_to(data_dir)),
            config={"byol": state.config.to_dict(), "encoder_spec": state.networks.encoder_spec,
                    "normalisation": normalisation.to_dict(), "cutout_size": params.size, "bands": names,
                    "layer_ids": params.layer_ids, "device": str(state.device)},
            metrics={"steps": state.step, "final_loss": state.losses[-1] if state.losses else None,
                     "n_cutouts": int(keep.size), "images_per_s": round(rate[0], 2),
                     "resumed_from_step": resumed_from},
            labels={}, artefacts={"checkpoint": checkpoint.name},
        )
        session.add(version)
        session.flush()
        return version_public(version)


def _version_of_run(session: Session, run_id: int, kind: str) -> ModelVersion | None:
    """The version a run already recorded (a retry after the row was written must not add another)."""
    return session.scalars(select(ModelVersion).where(ModelVersion.task_run_id == run_id,
                                                      ModelVersion.kind == kind)).first()


def embed_sources(sessions: sessionmaker[Session], data_dir: Path, image_id: int, encoder_id: int,
                  progress: Progress, device: str = "auto", batch_size: int = 512) -> dict[str, Any]:
    """Embeddings of every source of the image (all layers, de-duplicated) with encoder ``encoder_id``."""
    import torch

    from models.checkpoint import load_checkpoint
    from models.embed import embed
    from models.encoders import build_encoder
    from models.normalise import BandNormalisation
    from models.train_byol import CHECKPOINT_FORMAT

    with sessions() as session:
        version = get_version(session, encoder_id)
        if version.image_id != image_id or version.kind != "byol":
            raise InputError(f"model version {encoder_id} is not an encoder of image {image_id}")
        table = image_sources(session, image_id)
        if not len(table):
            raise ConflictError(f"image {image_id} has no sources to embed: import a catalogue or run "
                                "detection")
        key = sources_key(table)
        if (version.artefacts.get("embeddings") or {}).get("sources_key") == key:
            return version_public(version)
        keep = deduplicate(table.x, table.y)
        bands, names = read_bands(session, data_dir, image_id)
    if names != version.config["bands"]:
        raise ConflictError(f"image {image_id} has bands {names}, encoder v{version.version} was trained on "
                            f"{version.config['bands']}: pretrain again")
    normalisation = BandNormalisation.from_dict(version.config["normalisation"])
    data = _noise_unit_cutouts(bands, names, table.x[keep], table.y[keep], int(version.config["cutout_size"]),
                               normalisation)
    del bands
    folder = data_dir / version.path
    payload = load_checkpoint(folder / version.artefacts["checkpoint"], CHECKPOINT_FORMAT)
    encoder = build_encoder(payload["encoder_spec"])
    encoder.load_state_dict({k.removeprefix("encoder."): v for k, v in payload["networks"].items()
                             if k.startswith("encoder.")})
    dev = None if device == "auto" else device
    chunks = []
    tensor = torch.from_numpy(data)
    for start in range(0, len(data), batch_size * 4):
        chunks.append(embed(encoder, tensor[start:start + batch_size * 4], batch_size=batch_size, device=dev))
        done = min(len(data), start + batch_size * 4)
        progress(done / len(data), f"embedded {done}/{len(data)} sources", {"done": done, "total": len(data)})
    embeddings = np.concatenate(chunks).astype(np.float32)
    save_embeddings(folder, EmbeddingSet(embeddings, np.column_stack([table.x[keep], table.y[keep]]),
                                         table.ids[keep]))
    with session_scope(sessions) as session:
        version = get_version(session, encoder_id)
        version.artefacts = {**version.artefacts, "embeddings": {
            "n": int(embeddings.shape[0]), "dim": int(embeddings.shape[1]), "sources_key": key,
            "n_sources": len(table), "files": ["embeddings.npy", "positions.npy", "source_ids.npy"]}}
        session.flush()
        return version_public(version)
