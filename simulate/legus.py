"""Reading the LEGUS cluster catalogues (Calzetti et al. 2015; Adamo et al. 2017) and their distances.

The standard layout (``LEGUS_catalog_columns.readme``, 1-based columns): 1 id, 2-3 x, y (1-based FITS pixels),
4-5 RA, Dec, 6-15 Vega magnitude and error in NUV (F275W), U (F336W), B, V, I, 16 CI (V-band mag in a 1 px radius
aperture minus 3 px), 17-25 age, mass, E(B-V) with bounds, 33 Nflt, 34 the visual class (mode of the votes).
Some fields differ (found from the value distributions, see ``../shared/data/README.md``), described by
:data:`LAYOUTS`. Magnitudes 99.999 (not detected), 66.666 (outside that band's footprint) and 44.444 (undefined
aperture correction) are missing values, read as NaN.

The catalogues carry no distance. :func:`distance_moduli` recovers each field's distance modulus from the SED fits
themselves: for one age the fitted mass is proportional to the extinction-corrected V luminosity, so
``log10(mass) + 0.4 (V - 3.1 E(B-V)) = g(age) + 0.4 DM`` with one g shared by all fields. Anchored on NGC 628
(DM 29.98, the value the catalogue readme quotes) this gives the Calzetti et al. (2015) distances to a few per cent
(NGC 1313 4.4 Mpc, NGC 1566 17.9, NGC 7793 3.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulate.errors import PriorsError

SENTINELS = (99.999, 66.666, 44.444)
ANCHOR_FIELD = "ngc628-e"
ANCHOR_DISTANCE_MODULUS = 29.98
"""NGC 628: 9.9 Mpc, the distance modulus quoted in ``LEGUS_catalog_columns.readme``."""

_NAME = re.compile(r"hlsp_legus_hst_[a-z0-9-]+?_([a-z0-9-]+)_multiband")


@dataclass(frozen=True)
class FieldLayout:
    """Where a field's columns are: ``offset`` shifts columns 4-33; ``class_column`` is absolute, 1-based."""

    offset: int = 0
    class_column: int = 34
    never_inspected: tuple[int, ...] = (0,)


LAYOUTS: dict[str, FieldLayout] = {
    "ngc1313-e": FieldLayout(offset=2, class_column=36),
    "ngc3351": FieldLayout(class_column=35),
    "ngc4242": FieldLayout(class_column=35),
    "ngc45": FieldLayout(class_column=35),
    "ngc4449": FieldLayout(class_column=34, never_inspected=(0, 5)),
    "ngc1566": FieldLayout(class_column=36),
    "eso486-g021": FieldLayout(class_column=34),
}


@dataclass(frozen=True)
class LegusField:
    """One LEGUS catalogue: ``mags`` is (n, 5) Vega NUV, U, B, V, I with NaN for missing values."""

    name: str
    mags: np.ndarray
    ci: np.ndarray
    visual_class: np.ndarray
    age: np.ndarray
    mass: np.ndarray
    ebv: np.ndarray
    nflt: np.ndarray
    x: np.ndarray | None = None
    """Columns 2-3: 1-based pixel positions in the field's drizzled frame (0.04"/px)."""
    y: np.ndarray | None = None


def field_name(path: Path) -> str:
    """Galaxy field of a LEGUS file name (``..._ngc628-e_multiband_...`` -> ``ngc628-e``)."""
    match = _NAME.search(path.name)
    if match is None:
        raise PriorsError(f"{path.name} is not a LEGUS multiband catalogue name (hlsp_legus_hst_*_multiband_*.tab)")
    return match.group(1)


def _column(table: np.ndarray, one_based: int, path: Path) -> np.ndarray:
    if table.shape[1] < one_based:
        raise PriorsError(f"{path.name} has {table.shape[1]} columns, expected at least {one_based}")
    return table[:, one_based - 1]


def read_field(path: Path) -> LegusField:
    """Read one catalogue, applying its field's column layout and turning sentinels into NaN."""
    name = field_name(path)
    layout = LAYOUTS.get(name, FieldLayout())
    try:
        table = np.loadtxt(path, ndmin=2)
    except ValueError as error:
        raise PriorsError(f"{path.name} is not a whitespace-separated numeric table: {error}") from error
    off = layout.offset
    mags = np.stack([_column(table, 6 + 2 * band + off, path) for band in range(5)], axis=1)
    missing = np.zeros(mags.shape, dtype=bool)
    for sentinel in SENTINELS:
        missing |= np.isclose(mags, sentinel, atol=5e-4)
    mags = np.where(missing | (mags > 40.0), np.nan, mags)
    raw_class = np.rint(_column(table, layout.class_column, path))
    visual_class = np.where(np.isin(raw_class, layout.never_inspected), 0, raw_class).astype(int)
    invalid = (visual_class < 0) | (visual_class > 4)
    if invalid.mean() > 0.01:
        raise PriorsError(f"{path.name}: column {layout.class_column} holds values outside 0-4 in "
                          f"{invalid.sum()} rows; its layout is not the one this reader knows")
    visual_class[invalid] = 0  # a stray value (NGC 4242 has one class 50): treated as never inspected
    return LegusField(
        name=name, mags=mags, ci=_column(table, 16 + off, path), visual_class=visual_class,
        age=_column(table, 17 + off, path), mass=_column(table, 20 + off, path),
        ebv=_column(table, 23 + off, path), nflt=_column(table, 33 + off, path),
        x=_column(table, 2, path), y=_column(table, 3, path),
    )


def read_fields(legus_dir: Path) -> list[LegusField]:
    """Every LEGUS catalogue in a folder, sorted by file name."""
    paths = sorted(Path(legus_dir).glob("hlsp_legus_*_multiband_*.tab"))
    if not paths:
        raise PriorsError(f"no LEGUS catalogues (hlsp_legus_*_multiband_*.tab) in {legus_dir}")
    return [read_field(path) for path in paths]


def distance_moduli(fields: list[LegusField], iterations: int = 8) -> dict[str, float]:
    """Distance modulus of each field from the SED-fit mass-to-light consistency, anchored on NGC 628."""
    names = [field.name for field in fields]
    if ANCHOR_FIELD not in names:
        raise PriorsError(f"the anchor field {ANCHOR_FIELD} is missing: distances cannot be calibrated")
    per_field: list[tuple[np.ndarray, np.ndarray]] = []
    for field in fields:
        v = field.mags[:, 3]
        good = (field.mass > 100) & (field.age > 0) & (field.nflt >= 4) & np.isfinite(v) & (field.ebv < 5)
        luminosity_term = np.log10(field.mass[good]) + 0.4 * (v[good] - 3.1 * field.ebv[good])
        per_field.append((np.round(np.log10(field.age[good]), 1), luminosity_term))
    moduli = np.full(len(fields), ANCHOR_DISTANCE_MODULUS)
    for _ in range(iterations):
        ages = np.concatenate([age for age, _ in per_field])
        shifted = np.concatenate([term - 0.4 * dm for (_, term), dm in zip(per_field, moduli, strict=True)])
        bins, inverse, counts = np.unique(ages, return_inverse=True, return_counts=True)
        g = np.array([np.median(shifted[inverse == i]) if counts[i] >= 5 else np.nan for i in range(len(bins))])
        for index, (age, term) in enumerate(per_field):
            reference = np.interp(age, bins, g, left=np.nan, right=np.nan)
            reference = np.where(np.isin(age, bins[np.isfinite(g)]), reference, np.nan)
            ok = np.isfinite(reference)
            if ok.sum() >= 10:
                moduli[index] = np.median(term[ok] - reference[ok]) / 0.4
        moduli += ANCHOR_DISTANCE_MODULUS - moduli[names.index(ANCHOR_FIELD)]
    return {name: round(float(dm), 3) for name, dm in zip(names, moduli, strict=True)}
