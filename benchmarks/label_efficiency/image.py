"""Image mode of the label-efficiency benchmark: BYOL on one simulated galaxy, then the paper's strategies.

As in Perez et al. (section 4.1, Figure 3): BYOL pretrains the encoder on the unlabelled cutouts of the
image (once per run), a linear probe on its frozen embeddings learns from n labels (random, entropy-chosen,
or random plus pseudo-labels), and the same network trained from scratch on the n labelled cutouts is the
baseline. Each seed fixes its own stratified pool / evaluation split and the order labels arrive in.

Two diagnostics answer "does BYOL help here, and why (not)": the same probe on the embeddings of the
*untrained* encoder (``random_encoder_probe``: what BYOL adds over random convolutional features), and on the
simulation's measured catalogue features, magnitudes, colours and CI (``features_probe``: how much of the
class is in photometry alone). Embedding statistics (effective rank, spread) flag a collapsed BYOL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from benchmarks.label_efficiency.catalogue import catalogue_features, progress_line
from benchmarks.label_efficiency.config import LabelEfficiencyConfig, tag_budgets
from benchmarks.label_efficiency.data import (
    ImageSources,
    ensure_simulation,
    load_image_sources,
    majority_baseline,
    stratified_split,
)
from models.augment import BYOL_AUGMENTATION
from models.embed import embed
from models.encoders import build_encoder
from models.evaluate import BenchmarkData, label_efficiency
from models.train_byol import BYOLConfig, train_byol

Log = Callable[[str], None]
BYOL_SEED = 0


def embedding_stats(embeddings: np.ndarray) -> dict:
    """Spread and effective rank (exp of the entropy of the normalised singular values; Roy & Vetterli 2007).

    A collapsed BYOL gives near-zero spread or an effective rank near 1.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    centred = x - x.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    p = s / max(float(s.sum()), 1e-12)
    p = p[p > 0]
    return {"dim": int(x.shape[1]), "mean_std": round(float(x.std(axis=0).mean()), 4),
            "effective_rank": round(float(np.exp(-(p * np.log(p)).sum())), 2)}


def pretrain(sources: ImageSources, config: LabelEfficiencyConfig, log: Log) -> tuple[torch.nn.Module, dict]:
    """BYOL on the cutouts of every object (or only the inspected ones, ``--pretrain-on inspected``)."""
    data = sources.cutouts if config.pretrain_on == "all" else sources.cutouts[sources.selected]
    byol = BYOLConfig(encoder=dict(config.encoder), augmentation=dict(config.byol_augmentation),
                      steps=config.byol_steps, batch_size=config.byol_batch, seed=BYOL_SEED)
    every = max(1, config.byol_steps // 10)

    def progress(step: int, total: int, loss: float, rate: float) -> None:
        log(f"byol: step {step}/{total} loss {loss:.4f} ({rate:.0f} images/s)")

    start = time.perf_counter()
    state = train_byol(data, byol, device=config.device, progress=progress, progress_every=every,
                       normalisation=sources.normalisation)
    seconds = time.perf_counter() - start
    losses = state.losses
    stride = max(1, len(losses) // 50)
    tail = float(np.mean(losses[-max(1, len(losses) // 20):]))
    return state.encoder, {
        "steps": config.byol_steps, "batch_size": config.byol_batch, "n_pretrain": int(data.shape[0]),
        "seconds": round(seconds, 1),
        "images_per_s": round(config.byol_steps * config.byol_batch / seconds, 1),
        "loss_first": round(losses[0], 4), "loss_last": round(tail, 4),
        "loss_curve": [[i + 1, round(v, 4)] for i, v in enumerate(losses) if i % stride == 0],
        "device": str(state.device), "encoder": dict(getattr(state.encoder, "spec", config.encoder)),
        "augmentation": {**BYOL_AUGMENTATION, **config.byol_augmentation},
    }


def _renamed(rows: list[dict], name: str) -> list[dict]:
    return [{**row, "strategy": name} for row in rows]


def image_benchmark(config: LabelEfficiencyConfig, data_dir: Path, log: Log) -> dict:
    """Simulate (or reuse), cut, pretrain, embed, then every strategy x budget x seed; the report's parts."""
    timings: dict = {}
    start = time.perf_counter()
    sim_dir = ensure_simulation(data_dir, config.sim_size, config.sim_seed, log)
    timings["simulate_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    sources = load_image_sources(sim_dir)
    timings["measure_and_cut_s"] = round(time.perf_counter() - start, 1)
    selected = sources.selected
    labels = sources.labels[selected]
    cutouts = sources.cutouts[selected]
    log(f"image: {sources.labels.size} objects, {selected.size} pass the LEGUS-like cut "
        f"(classes {[int((labels == c).sum()) for c in (1, 2, 3, 4)]})")
    encoder, byol = pretrain(sources, config, log)
    timings["byol_s"] = byol["seconds"]
    start = time.perf_counter()
    emb = embed(encoder, cutouts, device=config.device)
    torch.manual_seed(BYOL_SEED)
    random_emb = embed(build_encoder(dict(config.encoder)), cutouts, device=config.device)
    timings["embed_s"] = round(time.perf_counter() - start, 2)
    features = catalogue_features(sources.mags[selected], sources.ci[selected])

    rows: list[dict] = []
    diagnostics: list[dict] = []
    strategy_s = dict.fromkeys(config.strategies, 0.0)
    splits = []
    for seed in config.seed_list():
        train, evaluation = stratified_split(labels, config.eval_fraction, seed)
        splits.append({"seed": seed, "pool": int(train.size), "evaluation": int(evaluation.size),
                       **majority_baseline(labels, train, evaluation)})
        bench = BenchmarkData(labels=labels, train=train, evaluation=evaluation, cutouts=cutouts,
                              embeddings=emb)
        for strategy in config.strategies:
            t0 = time.perf_counter()
            found = label_efficiency(bench, [strategy], config.budgets, [seed], class_weight=config.class_weight,
                                     scratch_encoder=dict(config.encoder), device=config.device,
                                     finetune_options=config.scratch_options(),
                                     progress=lambda r: log(progress_line(r)))
            rows += tag_budgets(found, train.size, config.budgets)
            strategy_s[strategy] += time.perf_counter() - t0
        for name, other in (
            ("random_encoder_probe", BenchmarkData(labels, train, evaluation, embeddings=random_emb)),
            ("features_probe", BenchmarkData(labels, train, evaluation, features=features)),
        ):
            found = label_efficiency(other, ["byol_probe"], config.budgets, [seed], class_weight=config.class_weight)
            diagnostics += tag_budgets(_renamed(found, name), train.size, config.budgets)
    timings["strategies_s"] = {k: round(v, 1) for k, v in strategy_s.items()}
    return {
        "results": rows,
        "diagnostics": {"results": diagnostics, "byol_embedding": embedding_stats(emb),
                        "random_encoder_embedding": embedding_stats(random_emb)},
        "byol": byol,
        "data": {"sim_dir": str(sim_dir), "n_objects": int(sources.labels.size),
                 "n_inspected": int(selected.size),
                 "class_counts": {str(c): int((labels == c).sum()) for c in (1, 2, 3, 4)},
                 "selection": "truth objects detected (S/N >= 3) in >= 4 bands with M_V <= -6 (LEGUS-like)",
                 "pretrain_on": config.pretrain_on, "splits": splits},
        "timings": timings,
        "probe_inputs": (emb, labels),
    }

