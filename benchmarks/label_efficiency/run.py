"""``skylabel bench label-efficiency``: the learning curve of Figure 3 of Perez et al. (section 4.1).

Claim under test: BYOL pretraining on the unlabelled sources of one image plus a linear probe reaches about
75 % binary accuracy with 20 labels (scratch: near chance) and human agreement (~85-87 %) with 5,000.
Image mode (:mod:`~benchmarks.label_efficiency.image`) runs it on the simulated demo galaxy; catalogue
mode (:mod:`~benchmarks.label_efficiency.catalogue`) on LEGUS catalogue features, where no images exist.

The report is one JSON file (``results``: one row per strategy, label count and seed, from
:func:`models.evaluate.label_efficiency`; ``summary``: mean and spread over seeds; ``comparisons``: entropy
sampling and pseudo-labels against random choice, paired by seed; ``probe_retrain_s``: the linear-probe
retrain time for 15,000 sources on the CPU; config, timings, BYOL throughput) and a PNG beside it.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from benchmarks.label_efficiency.bootstrap import HUMAN_AGREEMENT_BINARY
from benchmarks.label_efficiency.config import LabelEfficiencyConfig
from benchmarks.label_efficiency.plot import HUMAN_AGREEMENT, PAPER_ANCHORS, plot_curves, plot_interval_curves
from models.probe import LinearProbe

Log = Callable[[str], None]
METRICS = ("accuracy_binary", "accuracy_4class")
PROBE_SOURCES = 15_000


def summarise(rows: Sequence[dict]) -> list[dict]:
    """Mean, standard deviation, min and max over seeds per (strategy, budget), in first-seen order.

    ``n_labels`` is the mean label count of the group (the pool size for ``"all"`` may differ by seed).
    """
    groups: dict[tuple[str, int | str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["strategy"], row.get("budget", int(row["n_labels"]))), []).append(row)
    out = []
    for (strategy, budget), members in groups.items():
        n = int(round(float(np.mean([m["n_labels"] for m in members]))))
        entry: dict = {"strategy": strategy, "budget": budget, "n_labels": n, "n_seeds": len(members)}
        for metric in METRICS:
            values = np.array([m[metric] for m in members], dtype=float)
            entry.update({f"{metric}_mean": round(float(values.mean()), 4),
                          f"{metric}_std": round(float(values.std()), 4),
                          f"{metric}_min": round(float(values.min()), 4),
                          f"{metric}_max": round(float(values.max()), 4)})
        out.append(entry)
    return out


def compare(rows: Sequence[dict], challenger: str, reference: str = "byol_probe") -> list[dict]:
    """Per label count: mean accuracy difference ``challenger - reference`` over seeds, and wins (by seed)."""
    ref = {(r.get("budget", r["n_labels"]), r["seed"]): r for r in rows if r["strategy"] == reference}
    out: dict[int | str, dict] = {}
    for row in rows:
        budget = row.get("budget", row["n_labels"])
        other = ref.get((budget, row["seed"]))
        if row["strategy"] != challenger or other is None:
            continue
        entry = out.setdefault(budget, {"seeds": 0, "wins_binary": 0, "diffs_binary": [], "diffs_4class": []})
        entry["seeds"] += 1
        entry["wins_binary"] += int(row["accuracy_binary"] > other["accuracy_binary"])
        entry["diffs_binary"].append(row["accuracy_binary"] - other["accuracy_binary"])
        entry["diffs_4class"].append(row["accuracy_4class"] - other["accuracy_4class"])
    return [{"budget": b, "seeds": e["seeds"], "wins_binary": e["wins_binary"],
             "delta_binary": round(float(np.mean(e["diffs_binary"])), 4),
             "delta_4class": round(float(np.mean(e["diffs_4class"])), 4)} for b, e in out.items()]


def format_table(summary: Sequence[dict]) -> str:
    """The curve as text: one row per strategy and label count, mean +- std over seeds."""
    lines = [f"{'strategy':<22s} {'labels':>10s} {'seeds':>5s}  {'binary':>15s}  {'4-class':>15s}"]
    for r in summary:
        labels = f"all ({r['n_labels']})" if r.get("budget") == "all" else str(r["n_labels"])
        lines.append(f"{r['strategy']:<22s} {labels:>10s} {r['n_seeds']:>5d}  "
                     f"{r['accuracy_binary_mean']:.3f} +- {r['accuracy_binary_std']:.3f}  "
                     f"{r['accuracy_4class_mean']:.3f} +- {r['accuracy_4class_std']:.3f}")
    return "\n".join(lines)


def probe_retrain_timing(x: np.ndarray, y: np.ndarray, n: int = PROBE_SOURCES, repeats: int = 3) -> dict:
    """Seconds to refit the linear probe on ``n`` labelled sources and score them all, on the CPU.

    ``x`` (N, D) embeddings and ``y`` classes 1..4 are resampled (with a little jitter) to ``n`` rows, the
    size of a large LEGUS-like image; the refit is cold (no warm start), the worst case of the tool's loop.
    The median of ``repeats`` runs is reported, with the warm-started refit after 1 % new labels.
    """
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(y), n)
    xs = np.asarray(x, np.float32)[pick]
    xs = (xs - xs.mean(0)) / np.maximum(xs.std(0), 1e-6) + rng.normal(0, 0.05, xs.shape).astype(np.float32)
    classes = np.unique(y)
    ys = np.searchsorted(classes, np.asarray(y)[pick])
    cold, warm = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        probe = LinearProbe(len(classes)).fit(xs, ys)
        probe.predict_proba(xs)
        cold.append(time.perf_counter() - t0)
        flip = rng.choice(n, n // 100, replace=False)
        ys2 = ys.copy()
        ys2[flip] = rng.integers(0, len(classes), flip.size)
        t0 = time.perf_counter()
        probe.fit(xs, ys2)
        probe.predict_proba(xs)
        warm.append(time.perf_counter() - t0)
    return {"n_sources": n, "dim": int(xs.shape[1]), "cold_s": round(float(np.median(cold)), 3),
            "warm_s": round(float(np.median(warm)), 3), "torch_threads": torch.get_num_threads()}


def run_benchmark(config: LabelEfficiencyConfig, data_dir: Path, log: Log) -> dict:
    """Run the configured mode and assemble the report (without writing it)."""
    start = time.perf_counter()
    if config.mode == "image":
        report = image_report(config, data_dir, log)
    else:
        report = catalogue_report(config, log)
    report["elapsed_s"] = round(time.perf_counter() - start, 1)
    report.setdefault("timings", {})["total_s"] = report["elapsed_s"]
    return report


def _common(config: LabelEfficiencyConfig, x: np.ndarray, y: np.ndarray) -> dict:
    timing = probe_retrain_timing(x, y, repeats=config.probe_repeats)
    return {"benchmark": "label-efficiency", "mode": config.mode, "config": config.to_dict(),
            "probe_retrain_s": timing["cold_s"], "probe_retrain": timing,
            "paper_anchors": list(PAPER_ANCHORS), "human_agreement": HUMAN_AGREEMENT,
            "machine": {"platform": platform.platform(), "torch": torch.__version__,
                        "threads": torch.get_num_threads(), "cuda": torch.cuda.is_available(),
                        "load_average": list(os.getloadavg()), "cpus": os.cpu_count()}}


def image_report(config: LabelEfficiencyConfig, data_dir: Path, log: Log) -> dict:
    """Image mode: every method's curve with paired intervals, labels to human level, the targets."""
    from benchmarks.label_efficiency.image import image_benchmark
    from benchmarks.label_efficiency.report import build_summary, comparisons, human_level, targets

    parts = image_benchmark(config, data_dir, log)
    x, y = parts.pop("probe_inputs")
    curves, pool, true = parts.pop("curves"), parts.pop("pool"), parts.pop("evaluation_true")
    summary, resamples = build_summary(curves, pool, int(true.size), config.draws)
    to_human = human_level(summary)
    diffs = comparisons(curves, resamples)
    report = {**_common(config, x, y), "summary": summary, "labels_to_human_level": to_human,
              "human_level_binary": HUMAN_AGREEMENT_BINARY, "comparisons": diffs,
              "targets": targets(summary, to_human, diffs),
              "byol_images_per_s": parts.get("byol", {}).get("images_per_s"), **parts}
    report["majority_baseline"] = {k: v for k, v in parts["data"]["splits"][0].items()
                                   if k.startswith("majority")}
    return report


def catalogue_report(config: LabelEfficiencyConfig, log: Log) -> dict:
    """Catalogue mode (LEGUS features, no images): per-seed rows summarised over seeds, as before."""
    from benchmarks.label_efficiency.catalogue import catalogue_benchmark

    parts = catalogue_benchmark(config, log)
    rng = np.random.default_rng(0)  # no encoder here: the product's 256-d embeddings, as random vectors
    y = rng.integers(1, 5, 2000)
    x = rng.normal(size=(2000, 256)) + y[:, None] * rng.normal(size=(1, 256))
    rows = parts.pop("results")
    diagnostics = parts.get("diagnostics", {}).get("results", [])
    strategies = config.strategies or ()
    report = {
        **_common(config, x, y), "results": rows, "summary": summarise(rows),
        "diagnostics_summary": summarise(diagnostics),
        "comparisons": {name: compare(rows, name) for name in ("byol_probe_entropy", "byol_probe_pseudo")
                        if name in strategies and "byol_probe" in strategies},
        **parts,
    }
    splits = report.get("data", {}).get("splits", [])
    report["majority_baseline"] = {key: round(float(np.mean([s[key] for s in splits])), 4)
                                   for key in ("majority_binary", "majority_4class")} if splits else {}
    return report


def write_report(report: dict, out: Path) -> tuple[Path, Path]:
    """Write the JSON to ``out`` and the figure to ``out`` + ``.png``; returns both paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    png = out.with_name(out.name + ".png")
    report["plot"] = str(png)
    cfg = report["config"]
    if report["mode"] == "image":
        title = (f"label efficiency on the simulated {cfg['sim_size']} px galaxy: mean of {cfg['draws']} label "
                 "draws, paired bootstrap 95 % intervals" + (" (--quick)" if cfg["quick"] else ""))
        plot_interval_curves(report["summary"], png, title, baseline=report.get("majority_baseline"))
    else:
        dashed = [r["strategy"] for r in report.get("diagnostics_summary", [])]
        where = f"LEGUS catalogue features ('probe' = logistic regression on them), {cfg['split']} split"
        plot_curves([*report["summary"], *report.get("diagnostics_summary", [])], png,
                    f"label efficiency on {where}: {cfg['seeds']} seeds", dashed=dashed,
                    baseline=report.get("majority_baseline"))
    out.write_text(json.dumps(report, indent=1, default=str))
    return out, png
