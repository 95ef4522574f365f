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

import copy
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from benchmarks.label_efficiency.catalogue import catalogue_features
from benchmarks.label_efficiency.config import LabelEfficiencyConfig
from benchmarks.label_efficiency.data import (
    ImageSources,
    annotator_modes,
    ensure_simulation,
    load_image_sources,
    majority_baseline,
    stratified_split,
)
from benchmarks.label_efficiency.draws import draw_order, network_correctness, probe_curves
from benchmarks.label_efficiency.encoder_cache import cached_encoder
from models.augment import BYOL_AUGMENTATION
from models.embed import embed
from models.encoders import build_encoder
from models.features import FeatureScaler
from models.finetune import finetune, predict_proba_network
from models.probe import single_threaded_blas
from models.train_byol import BYOLConfig, train_byol

Log = Callable[[str], None]
BYOL_SEED = 0
TRANSFER_LR = 1e-3  # the ceiling's network is trained well (many epochs), not as the paper's baseline


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


def pretrain(sources: ImageSources, config: LabelEfficiencyConfig, log: Log,
             data_dir: Path | None = None) -> tuple[torch.nn.Module, dict]:
    """BYOL on the cutouts of every object (or only the inspected ones, ``--pretrain-on inspected``), of this
    field and of ``pretrain_fields`` other simulated ones (no labels are read from them)."""
    def pick(field: ImageSources) -> np.ndarray:
        return field.cutouts if config.pretrain_on == "all" else field.cutouts[field.selected]

    parts = [pick(sources)]
    for k in range(1, config.pretrain_fields + 1):
        if data_dir is None:
            raise ValueError("pretrain_fields needs the data folder of the simulated fields")
        parts.append(pick(load_image_sources(ensure_simulation(data_dir, config.sim_size, config.sim_seed + k,
                                                               log))))
    data = np.concatenate(parts) if len(parts) > 1 else parts[0]
    byol = BYOLConfig(encoder=dict(config.encoder), augmentation=dict(config.byol_augmentation),
                      steps=config.byol_steps, batch_size=config.byol_batch, seed=BYOL_SEED)
    if config.byol_lr is not None:
        byol.lr = config.byol_lr
    byol.decorrelation = config.byol_decorrelation
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
        "augmentation": {**BYOL_AUGMENTATION, **config.byol_augmentation}, "lr": byol.lr,
        "decorrelation": byol.decorrelation,
    }


def pretrain_cached(sources: ImageSources, config: LabelEfficiencyConfig, cache_dir: Path,
                    log: Log, data_dir: Path | None = None) -> tuple[torch.nn.Module, dict]:
    """:func:`pretrain`, once per configuration (cached by its hash)."""
    payload = {"what": "byol", "sim": [config.sim_size, config.sim_seed], "encoder": config.encoder,
               "augmentation": {**BYOL_AUGMENTATION, **config.byol_augmentation}, "steps": config.byol_steps,
               "batch": config.byol_batch, "pretrain_on": config.pretrain_on, "seed": BYOL_SEED}
    if config.pretrain_fields:  # left out when 0, so the default run keeps its cache key
        payload["pretrain_fields"] = config.pretrain_fields
    if config.byol_lr is not None:  # left out when not given, so the default run keeps its cache key
        payload["lr"] = config.byol_lr
    if config.byol_decorrelation:  # likewise
        payload["decorrelation"] = config.byol_decorrelation
    return cached_encoder(cache_dir, "byol", payload, lambda: pretrain(sources, config, log, data_dir), log)


def transfer_cached(data_dir: Path, config: LabelEfficiencyConfig, cache_dir: Path,
                    log: Log) -> tuple[torch.nn.Module, dict]:
    """The ceiling's encoder: a CNN trained with every label of ``transfer_fields`` *other* simulated fields
    (seeds sim_seed + 1, + 2, ...): what a representation that has learnt to see the classes gives a probe."""
    seeds = [config.sim_seed + k for k in range(1, config.transfer_fields + 1)]
    payload = {"what": "supervised_transfer", "sim": [config.sim_size, seeds[0]], "encoder": config.encoder,
               "steps": config.transfer_steps, "lr": TRANSFER_LR}
    if len(seeds) > 1:  # one field keeps the key (and the cache) it always had
        payload["sim"] = [config.sim_size, seeds]
    if config.labels != "truth":  # left out for the truth, so the default run keeps its cache key
        payload["labels"] = config.labels

    def train() -> tuple[torch.nn.Module, dict]:
        cutouts, labels = [], []
        folders = _map(_simulate_job, [("simulate", data_dir, config.sim_size, seed) for seed in seeds],
                       config.workers)  # the fields are independent: one per core
        for (folder, lines), seed in zip(folders, seeds, strict=True):
            for line in lines:
                log(line)
            other = load_image_sources(folder)
            cutouts.append(other.cutouts[other.selected])
            truth = other.labels[other.selected]
            labels.append(annotator_modes(truth, seed) if config.labels == "votes" else truth)
        start = time.perf_counter()
        torch.manual_seed(seeds[0])
        n = sum(len(y) for y in labels)
        epochs = max(1, round(config.transfer_steps * 64 / n))
        model = finetune(build_encoder(dict(config.encoder)), np.concatenate(cutouts), np.concatenate(labels) - 1,
                         4, epochs=epochs, lr=TRANSFER_LR, lr_drop_epoch=max(2, int(0.7 * epochs)), min_steps=0,
                         class_weight=None, seed=seeds[0], device=config.device)
        log(f"supervised_transfer: {n} labelled sources of field seeds {seeds}, {epochs} epochs "
            f"({time.perf_counter() - start:.0f} s)")
        return model.encoder, {"field_seed": seeds[0], "field_seeds": seeds, "n_labels": n, "epochs": epochs,
                               "lr": TRANSFER_LR, "seconds": round(time.perf_counter() - start, 1)}

    return cached_encoder(cache_dir, "transfer", payload, train, log)


def _simulate_job(job: tuple) -> tuple[Path, list[str]]:
    """One simulated field, made when missing (a worker process's unit of work); returns its log lines."""
    _, data_dir, size, seed = job
    lines: list[str] = []
    return ensure_simulation(data_dir, size, seed, lines.append), lines


def _probe_job(job: tuple) -> tuple[str, dict, float, list[str]]:
    """One probe method's curves for its strategies (a worker process's unit of work); returns its log lines."""
    method, x, labels, pool, evaluation, sizes, draws, strategies = job
    torch.set_num_threads(1)
    lines: list[str] = []
    start = time.perf_counter()
    with single_threaded_blas():
        found = probe_curves(x, labels, pool, evaluation, sizes, draws, strategies, progress=lines.append)
    return method, found, round(time.perf_counter() - start, 1), lines


def _map(fn: Callable, jobs: list, workers: int) -> list:
    """``fn`` over ``jobs`` in ``workers`` forked processes (in this one when 1), longest job first."""
    if workers <= 1 or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    import multiprocessing

    ordered = sorted(jobs, key=lambda j: j[0] != "byol_probe")  # byol_probe's strategies (the longest) first
    with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
        return pool.map(fn, ordered, chunksize=1)


def network_curves(
    sources_cutouts: np.ndarray, labels: np.ndarray, pool: np.ndarray, evaluation: np.ndarray,
    sizes: list[int], n_draws: int, make: Callable[[], torch.nn.Module], device: str | None, log: Log,
    name: str,
) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]:
    """Scratch / fine-tuning as the paper trains them (Appendix B: ten epochs of the labelled set, batch
    64, Adam 1e-4, x0.1 from the 6th epoch, no minimum step count, plain class weights), on the first
    ``n_draws`` draws of every budget ("all": one network per draw seed, only the initialisation varies).
    """
    out = {}
    true = labels[evaluation]
    for n in sizes:
        rows = []
        for d in range(n_draws):
            picked = draw_order(pool, d)[:n]
            torch.manual_seed(d)
            model = finetune(make(), sources_cutouts[picked], labels[picked] - 1, 4, min_steps=0,
                             class_weight=None, seed=d, device=device)
            rows.append(network_correctness(predict_proba_network(model, sources_cutouts[evaluation],
                                                                  device=device), (1, 2, 3, 4), true))
        out[("random", n)] = (np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]))
        log(f"  {name:<16s} n={n:<5d} draws={n_draws:<3d} binary {out[('random', n)][0].mean():.3f} "
            f"4-class {out[('random', n)][1].mean():.3f}")
    return out


def image_benchmark(config: LabelEfficiencyConfig, data_dir: Path, log: Log) -> dict:
    """Simulate (or reuse), cut, pretrain (cached), embed, then every method x strategy x budget x draw."""
    timings: dict = {}
    t0 = time.perf_counter()
    sim_dir = ensure_simulation(data_dir, config.sim_size, config.sim_seed, log)
    sources = load_image_sources(sim_dir)
    timings["simulate_and_measure_s"] = round(time.perf_counter() - t0, 1)
    selected = sources.selected
    labels = sources.labels[selected]
    cutouts = sources.cutouts[selected]
    pool, evaluation = stratified_split(labels, config.eval_fraction, 0)  # the same sources either way
    agreement: dict = {}
    if config.labels == "votes":  # what people would call them, for training and scoring alike
        truth = labels
        labels = annotator_modes(truth, config.sim_seed)
        agreement = {"4class": round(float((labels == truth).mean()), 4),
                     "binary": round(float((np.isin(labels, (1, 2)) == np.isin(truth, (1, 2))).mean()), 4)}
        log(f"labels: the mode of 3 simulated annotators (LEGUS-calibrated); it agrees with the simulator's "
            f"truth on {agreement['4class']:.3f} of the sources (4-class), {agreement['binary']:.3f} (binary)")
    sizes = sorted({pool.size if b == "all" else int(b) for b in config.budgets
                    if b == "all" or int(b) <= pool.size})
    log(f"image: {sources.labels.size} objects, {selected.size} pass the LEGUS-like cut "
        f"(classes {[int((labels == c).sum()) for c in (1, 2, 3, 4)]}); pool {pool.size}, "
        f"evaluation {evaluation.size}")
    cache_dir = Path(data_dir) / "bench" / "label-efficiency"
    t0 = time.perf_counter()
    encoder, byol = pretrain_cached(sources, config, cache_dir, log, data_dir)
    timings["byol_s"] = round(time.perf_counter() - t0, 1)
    methods = set(config.methods)
    t0 = time.perf_counter()
    inputs: dict[str, np.ndarray] = {}
    emb = embed(encoder, cutouts, device=config.device)
    features = FeatureScaler.fit(feats := catalogue_features(sources.mags[selected], sources.ci[selected]))
    feats = features.transform(feats)
    inputs["byol_probe"] = FeatureScaler.fit(emb).transform(emb)
    inputs["byol_features_probe"] = np.concatenate([inputs["byol_probe"], feats], axis=1)
    inputs["features"] = feats
    torch.manual_seed(BYOL_SEED)
    random_emb = embed(build_encoder(dict(config.encoder)), cutouts, device=config.device)
    inputs["random_encoder"] = FeatureScaler.fit(random_emb).transform(random_emb)
    transfer_info: dict = {}
    if "supervised_transfer" in methods:
        transfer, transfer_info = transfer_cached(data_dir, config, cache_dir, log)
        t_emb = embed(transfer, cutouts, device=config.device)
        inputs["supervised_transfer"] = FeatureScaler.fit(t_emb).transform(t_emb)
    timings["embed_and_transfer_s"] = round(time.perf_counter() - t0, 1)

    curves: dict[str, dict] = {}
    method_s: dict[str, float] = {}
    probe_methods = [m for m in config.methods if m in inputs]
    t0 = time.perf_counter()
    # one job per method and strategy, so byol_probe's five strategies share the workers
    jobs = [(m, inputs[m], labels, pool, evaluation, sizes, config.draws, (strategy,))
            for m in probe_methods
            for strategy in (tuple(config.strategies or ("random",)) if m == "byol_probe" else ("random",))]
    for method, found, seconds, lines in _map(_probe_job, jobs, config.workers):
        curves.setdefault(method, {}).update(found)
        method_s[method] = round(method_s.get(method, 0.0) + seconds, 1)  # CPU seconds over its jobs
        log(f"{method} ({seconds:.0f} s):")
        for line in lines:
            log(line)
    timings["probes_wall_s"] = round(time.perf_counter() - t0, 1)
    for method, make in (("scratch", lambda: build_encoder(dict(config.encoder))),
                         ("finetune", lambda: copy.deepcopy(encoder))):
        if method in methods:
            t0 = time.perf_counter()
            log(f"{method}:")
            wanted = config.network_budgets or config.budgets
            net_sizes = [n for n in sizes if n in wanted or (n == pool.size and "all" in wanted)]
            curves[method] = network_curves(cutouts, labels, pool, evaluation, net_sizes, config.network_draws,
                                            make, config.device, log, method)
            method_s[method] = round(time.perf_counter() - t0, 1)
    timings["methods_s"] = method_s
    return {
        "curves": curves, "pool": int(pool.size), "evaluation_true": labels[evaluation],
        "diagnostics": {"byol_embedding": embedding_stats(emb),
                        "random_encoder_embedding": embedding_stats(random_emb)},
        "byol": byol, "supervised_transfer": transfer_info,
        "data": {"sim_dir": str(sim_dir), "n_objects": int(sources.labels.size),
                 "n_inspected": int(selected.size),
                 "n_pool": int(pool.size), "n_evaluation": int(evaluation.size),
                 "class_counts": {str(c): int((labels == c).sum()) for c in (1, 2, 3, 4)},
                 "selection": "truth objects detected (S/N >= 3) in >= 4 bands with M_V <= -6 (LEGUS-like)",
                 "labels": config.labels, "labels_agree_with_truth": agreement or None,
                 "pretrain_on": config.pretrain_on, "splits": [{"seed": 0, "pool": int(pool.size),
                                                                "evaluation": int(evaluation.size),
                                                                **majority_baseline(labels, pool, evaluation)}]},
        "timings": timings,
        "probe_inputs": (emb, labels),
    }
