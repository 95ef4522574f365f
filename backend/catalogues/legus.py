"""LEGUS star-cluster catalogues: the reference catalogues with human visual classes that the paper learns
from (Perez et al., Section 3; Adamo et al. 2017 for the classes).

Whitespace-separated, no header; the column layout comes from :mod:`backend.catalogues.legus_layouts`.
Positions in the file are 1-based FITS pixels of the drizzled reference frame; sources get 0-based
``x = x_file - 1``. Photometry sentinels (99.999 not detected, 66.666 outside the band's footprint, 44.444
undefined CI-based aperture correction) become missing values; the reason survives in a
``mag_<band>_missing`` column; the SED fit's 200.0 placeholders are blanked too (see
``_mask_missing_fits``). The visual class (mode) becomes a label of annotator ``"LEGUS"``; 0 (and 5 in
ngc4449) means never inspected, so no label. The mean class stays a column: far from the mode means the
annotators disagreed.
"""

from __future__ import annotations

import numpy as np

from backend.catalogues.columnar import build_sources, check_unique_ids, id_strings
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.inputs import CatalogInput, input_name, text_lines
from backend.catalogues.legus_detect import layout_from_content
from backend.catalogues.legus_layouts import (
    BANDS,
    LAYOUTS,
    PHOTOMETRY_COLUMNS,
    LegusLayout,
    field_name,
)
from backend.catalogues.numeric_text import data_lines, parse_numeric_rows
from backend.catalogues.table import CatalogMeta, ColumnInfo, Label, LayerKind, SourceCatalog

SENTINELS: dict[float, str] = {99.999: "not detected", 66.666: "outside footprint", 44.444: "no aperture correction"}
LEGUS_CLASSES: tuple[int, ...] = (1, 2, 3, 4)
NO_FIT = 200.0
SED_COLUMNS: tuple[str, ...] = tuple(
    [f"{q}_{b}" for q in ("age", "mass", "ebv") for b in ("best", "max", "min")]
    + [f"chi2_{band}" for band, _ in BANDS] + ["reduced_chi2", "q_prob", "nflt"]
)
_MAX_LISTED = 10


def read_legus(
    source: CatalogInput,
    layout: str | LegusLayout | None = None,
    annotator: str = "LEGUS",
    layer_kind: LayerKind = "reference",
    file_name: str | None = None,
) -> SourceCatalog:
    """Read one LEGUS ``.tab`` file.

    ``layout``: a name from :data:`LAYOUTS`, a :class:`LegusLayout` (see ``custom_layout`` for explicit
    column numbers), or ``None`` to read it from the columns' contents (positions, class columns,
    sentinels), the field in the file name only breaking a tie; the choice and why are in ``meta.extra``
    (``layout``, ``layout_reason``) and the notes.
    ``file_name`` stands for the path when ``source`` is uploaded bytes (the field is in the name).
    """
    name = file_name or input_name(source)
    lines = data_lines(text_lines(source, "a LEGUS catalogue (whitespace-separated numbers, no header)"))
    chosen = _resolve(layout)
    values = parse_numeric_rows(lines, name, expected=None if chosen is None else chosen.ncols)
    ncols = values.shape[1]
    reason = f"layout {chosen.name!r} as asked" if chosen is not None else ""
    if chosen is None:
        chosen, reason = layout_from_content(values, name)
    if chosen is None:
        raise CatalogFormatError(
            f"no known LEGUS layout fits: {reason}; pass layout= one of {sorted(LAYOUTS)} or custom_layout(...) "
            "with the column numbers", line=lines[0][0], path=name,
        )
    if chosen.max_column() > ncols:
        raise CatalogFormatError(
            f"layout {chosen.name!r} needs column {chosen.max_column()}, rows have {ncols}",
            line=lines[0][0], path=name,
        )

    def col(number: int) -> np.ndarray:
        return values[:, number - 1]

    notes: list[str] = [f"LEGUS layout {chosen.name}: {reason}"]
    columns, infos = _columns(values, chosen)
    _mask_missing_fits(columns, notes)
    ids = id_strings(col(chosen.id))
    check_unique_ids(ids, lambda i: lines[i][0], name)
    labels = _labels(col(chosen.class_mode), chosen, annotator, lines, notes) if chosen.class_mode else None
    sources = build_sources(
        ids, columns, x=col(chosen.x) - 1.0, y=col(chosen.y) - 1.0,  # FITS 1-based -> 0-based
        ra=col(chosen.ra), dec=col(chosen.dec), labels=labels,
    )
    meta = CatalogMeta(
        format="legus", source_file=name, layer_kind=layer_kind, columns=infos, notes=notes,
        extra={"layout": chosen.name, "layout_reason": reason, "field": field_name(name), "annotator": annotator},
    )
    return SourceCatalog(sources, meta)


def _resolve(layout: str | LegusLayout | None) -> LegusLayout | None:
    """The layout asked for; None: read it from the contents (:mod:`backend.catalogues.legus_detect`)."""
    if isinstance(layout, LegusLayout) or layout is None:
        return layout
    if layout not in LAYOUTS:
        raise CatalogFormatError(f"unknown LEGUS layout {layout!r}: use one of {sorted(LAYOUTS)}")
    return LAYOUTS[layout]


def _columns(values: np.ndarray, layout: LegusLayout) -> tuple[dict[str, np.ndarray], dict[str, ColumnInfo]]:
    """Named columns (sentinels masked) then every unnamed column as ``col<N>``, in file order."""
    special = {layout.id, layout.x, layout.y, layout.ra, layout.dec, layout.class_mode}
    by_number = {number: col_name for col_name, number in layout.columns.items()}
    if layout.class_mean:
        by_number[layout.class_mean] = "mean_class"
    columns: dict[str, np.ndarray] = {}
    infos: dict[str, ColumnInfo] = {}
    for number in range(1, values.shape[1] + 1):
        if number in special:
            continue
        col_name = by_number.get(number, f"col{number}")
        data = values[:, number - 1]
        reasons = None
        if col_name in PHOTOMETRY_COLUMNS:
            data, reasons = _mask_sentinels(data)
        columns[col_name] = data
        infos[col_name] = layout.descriptions.get(col_name) or _default_info(col_name, number)
        if reasons is not None and col_name.startswith("mag_"):
            columns[f"{col_name}_missing"] = reasons
            infos[f"{col_name}_missing"] = ColumnInfo(None, f"why {col_name} is missing (LEGUS sentinel)")
    return columns, infos


def _default_info(col_name: str, number: int) -> ColumnInfo:
    if col_name == "mean_class":
        return ColumnInfo(None, "mean of the annotators' visual classes (far from the mode: disagreement)")
    return ColumnInfo(None, f"column {number} of the file (not described by the LEGUS readme)")


def _mask_sentinels(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reasons = np.full(len(data), None, dtype=object)
    out = data.copy()
    for value, reason in SENTINELS.items():
        hit = np.abs(data - value) < 5e-4
        out[hit] = np.nan
        reasons[hit] = reason
    return out, reasons


def _mask_missing_fits(columns: dict[str, np.ndarray], notes: list[str]) -> None:
    """Blank the 200.0 placeholders of the SED fit (undocumented; found in the 26 public files).

    Rows with ``q_prob == 200`` had no SED fit: mass, E(B-V), chi2, Q and Nflt all read 200 there, so every
    SED column of those rows is missing. In fitted rows a ``chi2_<band>`` of 200 marks a band left out.
    """
    if "q_prob" not in columns:
        return
    unfitted = columns["q_prob"] == NO_FIT
    if unfitted.any():
        for col_name in SED_COLUMNS:
            if col_name in columns:
                columns[col_name] = np.where(unfitted, np.nan, columns[col_name])
        notes.append(f"{int(unfitted.sum())} source(s) have no SED fit (q_prob = 200): their SED columns "
                     "(age, mass, E(B-V), chi2, Q, Nflt) are missing")
    for band, _ in BANDS:
        if f"chi2_{band}" in columns:
            columns[f"chi2_{band}"] = np.where(columns[f"chi2_{band}"] == NO_FIT, np.nan, columns[f"chi2_{band}"])


def _labels(
    mode: np.ndarray, layout: LegusLayout, annotator: str, lines: list[tuple[int, str]], notes: list[str]
) -> list[list[Label]]:
    """One LEGUS label per inspected source; odd class values are reported in ``notes``, not guessed at."""
    labels: list[list[Label]] = []
    odd: list[str] = []
    for index, value in enumerate(mode.tolist()):
        if value in layout.uninspected:
            labels.append([])
        elif value in LEGUS_CLASSES:
            labels.append([Label(annotator=annotator, class_=str(int(value)))])
        else:
            labels.append([])
            odd.append(f"line {lines[index][0]} ({value:g})")
    if odd:
        listed = ", ".join(odd[:_MAX_LISTED]) + (" ..." if len(odd) > _MAX_LISTED else "")
        notes.append(
            f"{len(odd)} source(s) have a visual class outside {list(LEGUS_CLASSES)} and got no label: {listed}"
        )
    return labels


__all__ = ["BANDS", "LEGUS_CLASSES", "SENTINELS", "read_legus"]
