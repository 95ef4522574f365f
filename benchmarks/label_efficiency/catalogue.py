"""Catalogue mode of the label-efficiency benchmark: LEGUS human classes predicted from catalogue features.

The LEGUS images are not available offline, only the catalogues (``../shared/data/legus``), so this mode runs
the strategies of :mod:`models.evaluate` on features alone: the five Vega magnitudes (NUV, U, B, V, I), the
four adjacent colours and the V-band concentration index (CI). Missing photometry (LEGUS sentinels, read as
NaN by :func:`backend.catalogues.read_catalog`) becomes the column mean after standardisation. Only sources
with a LEGUS visual class 1..4 take part (class 0, never inspected, has no label). Magnitudes are apparent:
fields lie at 3-18 Mpc, so across fields the colours and CI carry most of the transferable signal.

Two splits: ``by-field`` labels sources of some galaxies and evaluates on other galaxies (a new image, as the
tool meets it); ``within-field`` labels part of one galaxy (the one with the most labels, or ``--field``)
and predicts the rest of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.catalogues import read_catalog
from backend.errors import InputError
from benchmarks.label_efficiency.config import LabelEfficiencyConfig, tag_budgets
from benchmarks.label_efficiency.data import majority_baseline, stratified_split
from models.evaluate import STRATEGIES, BenchmarkData, label_efficiency

BAND_COLUMNS = ("mag_NUV", "mag_U", "mag_B", "mag_V", "mag_I")
FEATURE_NAMES = (*BAND_COLUMNS, "NUV-U", "U-B", "B-V", "V-I", "CI")
LEGUS_GLOB = "hlsp_legus_*_multiband_*.tab"
Log = Callable[[str], None]


def catalogue_features(mags: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """(N, 10) features: magnitudes NUV..I, colours NUV-U, U-B, B-V, V-I, then CI; NaN where missing."""
    m = np.asarray(mags, dtype=np.float64)
    colours = m[:, :-1] - m[:, 1:]
    return np.column_stack([m, colours, np.asarray(ci, dtype=np.float64)])


@dataclass(frozen=True)
class LegusSet:
    """Labelled LEGUS sources of several fields: field name, class 1..4 and features per source."""

    fields: np.ndarray
    labels: np.ndarray
    features: np.ndarray

    def counts(self) -> dict[str, int]:
        names, counts = np.unique(self.fields, return_counts=True)
        return {str(n): int(c) for n, c in zip(names, counts, strict=True)}


def load_legus(paths: Sequence[Path]) -> LegusSet:
    """Read LEGUS ``.tab`` files and keep the sources with a LEGUS visual class 1..4."""
    if not paths:
        raise InputError(f"no LEGUS catalogues given: pass --legus-dir with {LEGUS_GLOB} files")
    fields, labels, rows = [], [], []
    for path in paths:
        catalog = read_catalog(path, "legus")
        name = str(catalog.meta.extra.get("field", Path(path).stem))
        for source in catalog:
            classes = [label.class_ for label in source.labels if label.annotator == "LEGUS"]
            if not classes or classes[0] not in {"1", "2", "3", "4"}:
                continue
            fields.append(name)
            labels.append(int(classes[0]))
            rows.append([_number(source.columns.get(c)) for c in (*BAND_COLUMNS, "ci")])
    if not labels:
        raise InputError(f"none of the {len(paths)} LEGUS catalogues holds a visual class 1-4")
    values = np.asarray(rows, dtype=np.float64)
    return LegusSet(np.asarray(fields), np.asarray(labels, dtype=np.int64),
                    catalogue_features(values[:, :5], values[:, 5]))


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and value is not None else float("nan")


def legus_paths(legus_dir: Path) -> list[Path]:
    paths = sorted(Path(legus_dir).glob(LEGUS_GLOB))
    if not paths:
        raise InputError(f"no LEGUS catalogues ({LEGUS_GLOB}) in {legus_dir}")
    return paths


def by_field_split(fields: np.ndarray, eval_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole fields, in a random order fixed by ``seed``, go to evaluation until it holds ``eval_fraction``.

    At least one field stays in the pool and one goes to evaluation.
    """
    names = np.unique(fields)
    if names.size < 2:
        raise InputError(f"--split by-field needs catalogues of at least two fields, got {list(names)}")
    order = np.random.default_rng(seed).permutation(names)
    target, held = eval_fraction * fields.size, []
    for name in order[:-1]:
        held.append(name)
        if np.isin(fields, held).sum() >= target:
            break
    in_eval = np.isin(fields, held)
    return np.flatnonzero(~in_eval), np.flatnonzero(in_eval)


def largest_field(fields: np.ndarray) -> str:
    names, counts = np.unique(fields, return_counts=True)
    return str(names[int(np.argmax(counts))])


def within_field_indices(data: LegusSet, field: str | None) -> tuple[str, np.ndarray]:
    """The chosen field (the most labelled one by default) and its 0-based source indices."""
    name = field or largest_field(data.fields)
    members = np.flatnonzero(data.fields == name)
    if members.size == 0:
        raise InputError(f"--field {name!r} has no labelled sources; fields with labels: {data.counts()}")
    return name, members


def catalogue_benchmark(config: LabelEfficiencyConfig, log: Log) -> dict:
    """Rows of every strategy, budget and seed on LEGUS features, with the split of each seed."""
    start = time.perf_counter()
    data = load_legus(legus_paths(Path(config.legus_dir or ".")))
    load_s = time.perf_counter() - start
    log(f"catalogue: {data.labels.size} labelled sources in {len(data.counts())} fields ({load_s:.1f} s)")
    scope = np.arange(data.labels.size)
    field_name = None
    if config.split == "within-field":
        field_name, scope = within_field_indices(data, config.field_name)
        log(f"catalogue: within-field split of {field_name} ({scope.size} labelled sources)")
    rows, splits = [], []
    for seed in config.seed_list():
        if config.split == "by-field":
            train, evaluation = by_field_split(data.fields, config.eval_fraction, seed)
        else:
            pool, held = stratified_split(data.labels[scope], config.eval_fraction, seed)
            train, evaluation = scope[pool], scope[held]
        splits.append({"seed": seed, "pool": int(train.size), "evaluation": int(evaluation.size),
                       "evaluation_fields": sorted({str(f) for f in data.fields[evaluation]}),
                       **majority_baseline(data.labels, train, evaluation)})
        bench = BenchmarkData(labels=data.labels, train=train, evaluation=evaluation, features=data.features)
        found = label_efficiency(bench, config.strategies or STRATEGIES, config.budgets, [seed], device=config.device,
                                 class_weight=config.class_weight,
                                 finetune_options=config.scratch_options(),
                                 progress=lambda r: log(progress_line(r)))
        rows += tag_budgets(found, train.size, config.budgets)
    return {
        "results": rows,
        "data": {"fields": data.counts(), "n_labelled": int(data.labels.size),
                 "features": list(FEATURE_NAMES), "split": config.split, "field": field_name,
                 "splits": splits, "class_counts": _class_counts(data.labels[scope])},
        "timings": {"load_s": round(load_s, 2),
                    "strategies_s": round(time.perf_counter() - start - load_s, 2)},
    }


def _class_counts(labels: np.ndarray) -> dict[str, int]:
    return {str(c): int((labels == c).sum()) for c in (1, 2, 3, 4)}


def progress_line(row: dict) -> str:
    """One result row as a progress line on stderr."""
    return (f"  {row['strategy']:<20s} n={row['n_labels']:<5d} seed {row['seed']}: "
            f"binary {row['accuracy_binary']:.3f}  4-class {row['accuracy_4class']:.3f}")
