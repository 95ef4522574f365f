"""BYOL pretraining on the unlabelled cutouts of an image: the short loop, checkpoints, resume, throughput.

Settings follow the paper's Appendix B/C: Adam, lr 3e-4, batch 128, projector and predictor 256-256, target
EMA with BYOL's cosine schedule to 1 (Grill et al. 2020) from a base rate that suits the run's length
(0.996 for long runs, lower for short ones: :func:`models.momentum.tau_for_run`). Inputs are cutouts in
noise units (N, bands, H, W), see :mod:`models.normalise`. A checkpoint holds state dicts, the config, the step,
the loss history and every RNG state, so a resumed run takes exactly the steps the uninterrupted one would have taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from models.augment import build_augmentation
from models.byol import BYOLNetworks
from models.byol_loss import byol_loss, decorrelation_loss
from models.checkpoint import load_checkpoint, restore_rng_states, rng_states, save_checkpoint
from models.device import autocast, autocast_dtype, resolve_device, use_channels_last
from models.errors import ConfigError
from models.heads import BYOL_PREDICTOR, BYOL_PROJECTOR
from models.momentum import cosine_tau, tau_for_run

CHECKPOINT_FORMAT = "skylabel-byol-v1"
Progress = Callable[[int, int, float, float], None]  # (step, total, loss, images_per_s)


@dataclass
class BYOLConfig:
    """Everything that defines a BYOL run, JSON-able through :meth:`to_dict`."""

    encoder: dict = field(default_factory=lambda: {"kind": "starcnet", "n_bands": 5})
    projector: list = field(default_factory=lambda: [list(x) for x in BYOL_PROJECTOR])
    predictor: list = field(default_factory=lambda: [list(x) for x in BYOL_PREDICTOR])
    augmentation: dict = field(default_factory=dict)
    steps: int = 1000
    batch_size: int = 128
    lr: float = 3e-4
    weight_decay: float = 0.0
    tau_base: float | str = "auto"  # "auto": models.momentum.tau_for_run(steps); else the base rate
    seed: int = 0
    precision: str = "auto"
    channels_last: str | bool = "auto"
    decorrelation: float = 0.0  # weight of VICReg's variance + covariance terms on the encoder's output (0: plain BYOL)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BYOLConfig:
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown BYOL config keys {sorted(unknown)}")
        return cls(**d)


def base_tau(config: BYOLConfig) -> float:
    """The run's base EMA rate: ``tau_base`` when a number, else the one that suits ``steps``."""
    if config.tau_base == "auto":
        return tau_for_run(config.steps)
    if isinstance(config.tau_base, str):
        raise ConfigError(f"tau_base {config.tau_base!r}: give a number in [0, 1) or 'auto'")
    return float(config.tau_base)


@dataclass
class TrainState:
    """The mutable state of a run: networks, optimiser, generators, step, losses."""

    config: BYOLConfig
    networks: BYOLNetworks
    optimizer: torch.optim.Optimizer
    device: torch.device
    sample_rng: torch.Generator
    augment_rng: torch.Generator
    step: int = 0
    losses: list[float] = field(default_factory=list)
    normalisation: dict | None = None
    scaler: torch.amp.GradScaler | None = None  # fp16 autocast only (bf16 needs no loss scaling)

    @property
    def encoder(self) -> torch.nn.Module:
        return self.networks.encoder


def init_state(config: BYOLConfig, device: str | torch.device | None = None) -> TrainState:
    """Fresh networks and optimiser, seeded by ``config.seed`` (same seed, same initial weights)."""
    if not config.decorrelation >= 0.0:
        raise ConfigError(f"decorrelation {config.decorrelation!r} must be >= 0 (0: plain BYOL)")
    dev = resolve_device(device)
    torch.manual_seed(config.seed)
    nets = BYOLNetworks(config.encoder, config.projector, config.predictor).to(dev)
    if use_channels_last(dev, config.channels_last):
        nets = nets.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    opt = torch.optim.Adam(nets.online_parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sample_rng = torch.Generator().manual_seed(config.seed)
    augment_rng = torch.Generator(device=dev).manual_seed(config.seed + 1)
    fp16 = autocast_dtype(dev, config.precision, training=True) == torch.float16
    scaler = torch.amp.GradScaler(dev.type) if fp16 else None
    return TrainState(config, nets, opt, dev, sample_rng, augment_rng, scaler=scaler)


def checkpoint_payload(state: TrainState) -> dict:
    """The checkpoint of ``state`` as plain data (loadable with ``weights_only=True``)."""
    return {
        "format": CHECKPOINT_FORMAT,
        "config": state.config.to_dict(),
        "encoder_spec": state.networks.encoder_spec,
        "step": state.step,
        "networks": state.networks.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "scaler": state.scaler.state_dict() if state.scaler is not None else None,
        "rng": rng_states(state.sample_rng, state.augment_rng),
        "losses": list(state.losses),
        "normalisation": state.normalisation,
    }


def state_from_checkpoint(path: str | Path, device: str | torch.device | None = None) -> TrainState:
    """Rebuild a run from a checkpoint written by :func:`train_byol`, ready to continue."""
    payload = load_checkpoint(path, CHECKPOINT_FORMAT)
    state = init_state(BYOLConfig.from_dict(payload["config"]), device)
    state.networks.load_state_dict(payload["networks"])
    state.optimizer.load_state_dict(payload["optimizer"])
    if state.scaler is not None and payload.get("scaler"):
        state.scaler.load_state_dict(payload["scaler"])
    restore_rng_states(payload["rng"], state.sample_rng, state.augment_rng)
    state.step = int(payload["step"])
    state.losses = [float(v) for v in payload["losses"]]
    state.normalisation = payload.get("normalisation")
    return state


def train_step(state: TrainState, data: torch.Tensor, augment: Callable) -> torch.Tensor:
    """One BYOL step on a random batch of ``data`` (already on the device); returns the detached loss."""
    cfg, nets = state.config, state.networks
    n = data.shape[0]
    if n >= cfg.batch_size:
        idx = torch.randperm(n, generator=state.sample_rng)[: cfg.batch_size]
    else:
        idx = torch.randint(0, n, (cfg.batch_size,), generator=state.sample_rng)
    x = data[idx.to(data.device)]
    views = torch.cat([augment(x, state.augment_rng), augment(x, state.augment_rng)])
    if use_channels_last(state.device, cfg.channels_last):
        views = views.contiguous(memory_format=torch.channels_last)
    with autocast(state.device, autocast_dtype(state.device, cfg.precision, training=True)):
        features = nets.encoder(views)
        p1, p2 = nets.predictor(nets.projector(features)).chunk(2)
        z1, z2 = nets.target(views).chunk(2)
    loss = byol_loss(p1, p2, z1, z2)
    if cfg.decorrelation:
        f1, f2 = features.chunk(2)
        loss = loss + cfg.decorrelation * (decorrelation_loss(f1) + decorrelation_loss(f2))
    state.optimizer.zero_grad(set_to_none=True)
    if state.scaler is not None:
        state.scaler.scale(loss).backward()
        state.scaler.step(state.optimizer)
        state.scaler.update()
    else:
        loss.backward()
        state.optimizer.step()
    nets.update_target(cosine_tau(state.step, cfg.steps, base_tau(cfg)))
    state.step += 1
    return loss.detach()


def train_byol(
    cutouts: np.ndarray | torch.Tensor,
    config: BYOLConfig | None = None,
    *,
    device: str | torch.device | None = None,
    resume_from: str | Path | None = None,
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 0,
    until_step: int | None = None,
    progress: Progress | None = None,
    progress_every: int = 10,
    normalisation: dict | None = None,
) -> TrainState:
    """Pretrain with BYOL on ``cutouts`` (N, bands, H, W) in noise units; returns the final state.

    ``resume_from`` continues a checkpoint (its config wins over ``config``); ``checkpoint_path`` is written
    every ``checkpoint_every`` steps (0: only at the end); ``until_step`` stops early without changing the
    schedule (for resumable chunks); ``normalisation`` (a :class:`BandNormalisation` dict) is stored with it.
    """
    if resume_from:
        state = state_from_checkpoint(resume_from, device)
    else:
        state = init_state(config or BYOLConfig(), device)
    if normalisation is not None:
        state.normalisation = normalisation
    cfg = state.config
    data = torch.as_tensor(np.asarray(cutouts, dtype=np.float32), device=state.device)
    bands = int(cfg.encoder.get("n_bands", 5))
    if data.ndim != 4 or data.shape[1] != bands or data.shape[0] == 0:
        raise ConfigError(f"cutouts have shape {tuple(data.shape)}: expected (N>0, {bands} bands, H, W)")
    augment = build_augmentation(cfg.augmentation)
    end = min(cfg.steps, until_step if until_step is not None else cfg.steps)
    state.networks.train()
    pending: list[torch.Tensor] = []
    start, start_step = time.perf_counter(), state.step
    while state.step < end:
        pending.append(train_step(state, data, augment))
        report = progress is not None and (state.step % progress_every == 0 or state.step == end)
        save = bool(checkpoint_path and checkpoint_every and state.step % checkpoint_every == 0)
        if report or save or state.step == end:
            state.losses.extend(torch.stack(pending).float().cpu().tolist())  # one device sync per report
            pending.clear()
        if report and progress is not None:
            rate = (state.step - start_step) * cfg.batch_size / max(time.perf_counter() - start, 1e-9)
            progress(state.step, cfg.steps, state.losses[-1], rate)
        if save and state.step < end and checkpoint_path:
            save_checkpoint(checkpoint_path, checkpoint_payload(state))
    if checkpoint_path:
        save_checkpoint(checkpoint_path, checkpoint_payload(state))
    return state


def benchmark_throughput(
    device: str | torch.device | None = None,
    n_steps: int = 3,
    batch: int = 128,
    encoder: dict | None = None,
    size: int = 32,
    warmup_steps: int = 1,
) -> float:
    """BYOL training images per second (cutouts, each seen as two views) on random data, for reports."""
    spec = encoder or {"kind": "starcnet", "n_bands": 5}
    cfg = BYOLConfig(encoder=spec, steps=n_steps + warmup_steps, batch_size=batch)
    state = init_state(cfg, device)
    data = torch.randn(batch * 2, int(spec.get("n_bands", 5)), size, size, device=state.device)
    augment = build_augmentation(cfg.augmentation)
    for _ in range(warmup_steps):
        train_step(state, data, augment)
    if state.device.type == "cuda":
        torch.cuda.synchronize(state.device)
    start = time.perf_counter()
    for _ in range(n_steps):
        train_step(state, data, augment)
    if state.device.type == "cuda":
        torch.cuda.synchronize(state.device)
    return n_steps * batch / (time.perf_counter() - start)
