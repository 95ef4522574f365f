"""The learning-curve figure of the label-efficiency benchmark (matplotlib, Agg: no display needed).

Accuracy against the number of labels (log x), the mean over seeds as a line and mean +- one standard
deviation as a band, one colour per strategy, binary (cluster = classes 1, 2) and 4-class panels. The paper's
anchors (Perez et al., section 4.1 and Figure 3, measured on LEGUS images) are marked for comparison:
BYOL ~75 % binary with 20 labels, scratch / ImageNet transfer 62-66 %, ~85 % with 5,000 labels; the human
agreement lines are 87 % binary and 75 % 4-class.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot is imported)

HUMAN_AGREEMENT = {"accuracy_binary": 0.872, "accuracy_4class": 0.75}  # LEGUS human-to-mode (paper, sec. 4.1)
PAPER_ANCHORS: tuple[dict, ...] = (
    {"n_labels": 20, "accuracy_binary": 0.75, "label": "paper: BYOL, 20 labels"},
    {"n_labels": 20, "accuracy_binary": 0.64, "low": 0.62, "high": 0.66,
     "label": "paper: scratch / ImageNet"},
    {"n_labels": 5000, "accuracy_binary": 0.85, "label": "paper: 5,000 labels"},
)
COLOURS = {"scratch": "tab:red", "byol_probe": "tab:cyan", "byol_probe_entropy": "tab:orange",
           "byol_probe_pseudo": "black"}
PANELS = (("accuracy_binary", "binary accuracy (cluster vs non-cluster)"),
          ("accuracy_4class", "4-class accuracy"))


def curve(summary: Sequence[dict], strategy: str, metric: str) -> tuple[list[int], list[float], list[float]]:
    """Label counts, means and standard deviations of one strategy from :func:`summarise` rows."""
    mine = sorted((r for r in summary if r["strategy"] == strategy), key=lambda r: r["n_labels"])
    n = [r["n_labels"] for r in mine]
    return n, [r[f"{metric}_mean"] for r in mine], [r[f"{metric}_std"] for r in mine]


def plot_curves(summary: Sequence[dict], path: Path, title: str, dashed: Sequence[str] = (),
                baseline: dict | None = None) -> Path:
    """Write the two-panel PNG to ``path``; strategies named in ``dashed`` (diagnostics) are drawn dashed.

    ``baseline`` (``majority_binary``, ``majority_4class``) draws the constant majority-class answer.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharex=True)
    strategies = list(dict.fromkeys(r["strategy"] for r in summary))
    greys = iter(("0.45", "0.65", "0.3"))
    for ax, (metric, label) in zip(axes, PANELS, strict=True):
        for strategy in strategies:
            n, mean, std = curve(summary, strategy, metric)
            colour = COLOURS.get(strategy) or next(greys, "0.5")
            style = "--" if strategy in dashed else "-"
            ax.plot(n, mean, style, marker="o", ms=3.5, color=colour, label=strategy)
            lo = [m - s for m, s in zip(mean, std, strict=True)]
            hi = [m + s for m, s in zip(mean, std, strict=True)]
            ax.fill_between(n, lo, hi, color=colour, alpha=0.12 if strategy in dashed else 0.2, linewidth=0)
        _reference_lines(ax, label, human=HUMAN_AGREEMENT[metric],
                         floor=(baseline or {}).get(metric.replace("accuracy", "majority")),
                         binary=metric == "accuracy_binary", anchor_errors=True)
    return _finish(fig, axes, title, path, legend_columns=1)


INTERVAL_COLOURS = {"byol_probe": "tab:cyan", "scratch": "tab:red", "random_encoder": "0.5",
                    "supervised_transfer": "tab:green", "features": "tab:brown", "byol_features_probe": "tab:blue",
                    "finetune": "tab:purple"}
INTERVAL_PANELS = (("binary", "binary accuracy (cluster vs non-cluster)"), ("4class", "4-class accuracy"))


def plot_interval_curves(summary: Sequence[dict], path: Path, title: str, baseline: dict | None = None) -> Path:
    """The image mode's figure: every method (random labels) and byol_probe's acquisition strategies, the
    mean over label draws as a line and the paired bootstrap 95 % interval as a band; floor (random encoder)
    and ceiling (supervised transfer) dashed, the human and majority levels as lines."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), sharex=True)
    names = list(dict.fromkeys((r["method"], r["strategy"]) for r in summary))
    strategy_styles = iter(("-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))))
    styles = {}
    for method, strategy in names:
        if strategy != "random":
            styles[(method, strategy)] = next(strategy_styles, ":")
    for ax, (metric, label) in zip(axes, INTERVAL_PANELS, strict=True):
        for method, strategy in names:
            mine = sorted((r for r in summary if r["method"] == method and r["strategy"] == strategy),
                          key=lambda r: r["n_labels"])
            n = [r["n_labels"] for r in mine]
            mean = [r[metric]["mean"] for r in mine]
            colour = INTERVAL_COLOURS.get(method, "0.3")
            if strategy != "random":
                colour = {"entropy": "tab:orange", "cluster_entropy": "gold", "kcenter": "tab:pink",
                          "pseudo_labels": "black"}.get(strategy, "0.2")
            dashed = method in ("random_encoder", "supervised_transfer")
            style = styles.get((method, strategy), "--" if dashed else "-")
            name = method if strategy == "random" else f"{method} + {strategy}"
            ax.plot(n, mean, linestyle=style, marker="o", ms=3, color=colour, label=name, lw=1.3)
            if strategy == "random":
                ax.fill_between(n, [r[metric]["lo"] for r in mine], [r[metric]["hi"] for r in mine],
                                color=colour, alpha=0.15, linewidth=0)
        _reference_lines(ax, label, human=HUMAN_AGREEMENT["accuracy_" + metric],
                         floor=(baseline or {}).get(f"majority_{metric}"), binary=metric == "binary",
                         anchor_errors=False)
    return _finish(fig, axes, title, path, legend_columns=2)


def _reference_lines(ax: plt.Axes, label: str, human: float, floor: float | None, binary: bool,
                     anchor_errors: bool) -> None:
    """What both figures draw on a panel besides the curves: the human-agreement and majority-class levels,
    the paper's anchors (binary panel; with their ranges as error bars when ``anchor_errors``), log axes."""
    ax.axhline(human, color="green", ls=":", lw=1.2, label=f"human agreement {human:.0%}")
    if floor is not None:
        ax.axhline(floor, color="0.4", ls="-.", lw=1.0, label=f"majority class {floor:.0%}")
    if binary:
        for anchor in PAPER_ANCHORS:
            value = anchor["accuracy_binary"]
            if anchor_errors:
                err = [[value - anchor["low"]], [anchor["high"] - value]] if "low" in anchor else None
                ax.errorbar([anchor["n_labels"]], [value], yerr=err, fmt="*", ms=11, color="purple", mfc="none",
                            capsize=3)
            else:
                ax.plot([anchor["n_labels"]], [value], "*", ms=11, color="purple", mfc="none")
            ax.annotate(anchor["label"], (anchor["n_labels"], value), fontsize=7,
                        xytext=(6, -3), textcoords="offset points", color="purple")
    ax.set_xscale("log")
    ax.set_xlabel("number of labels")
    ax.set_ylabel(label)
    ax.set_ylim(0.4 if binary else 0.2, 1.0)
    ax.grid(True, which="both", alpha=0.25)


def _finish(fig: plt.Figure, axes: Sequence[plt.Axes], title: str, path: Path, legend_columns: int) -> Path:
    axes[1].legend(fontsize=7, loc="lower right", ncol=legend_columns)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
