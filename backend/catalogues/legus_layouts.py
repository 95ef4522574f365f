"""Column layouts of the LEGUS cluster catalogues (Calzetti et al. 2015; Adamo et al. 2017).

The official readme (``LEGUS_catalog_columns.readme``) describes 35 columns; the published files differ per
field. Column numbers here are 1-based, as the readme counts them. Layouts for the fields that differ were
found from the value distributions (../shared/data/README.md) and checked here: a column is taken as the
*mean* class only when it is 0 exactly where the mode is 0 and holds non-integer values (a mean of votes);
ngc3274's 35th column is a 0/1 flag, not a mean, and ngc5474 (37 columns) has the mode in 34 with no mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backend.catalogues.table import ColumnInfo

BANDS: tuple[tuple[str, str], ...] = (
    ("NUV", "F275W"), ("U", "F336W"), ("B", "F435W or F438W"), ("V", "F555W or F606W"), ("I", "F814W"),
)


def _standard_names() -> list[tuple[str, ColumnInfo]]:
    """Columns 6-33 of the readme (after id, x, y, RA, Dec), with units and descriptions."""
    out: list[tuple[str, ColumnInfo]] = []
    for band, filters in BANDS:
        out.append((f"mag_{band}", ColumnInfo("mag", f"final total Vega magnitude in {band} ({filters})")))
        out.append((f"err_{band}", ColumnInfo("mag", f"photometric error in {band} ({filters})")))
    out.append(("ci", ColumnInfo("mag", "concentration index mag(1px) - mag(3px) in the V band")))
    for quantity, unit in (("age", "yr"), ("mass", "solMass"), ("ebv", "mag")):
        out.append((f"{quantity}_best", ColumnInfo(unit, f"best-fit {quantity} (SED fit)")))
        out.append((f"{quantity}_max", ColumnInfo(unit, f"upper {quantity} within the 68% confidence level")))
        out.append((f"{quantity}_min", ColumnInfo(unit, f"lower {quantity} within the 68% confidence level")))
    for band, _ in BANDS:
        out.append((f"chi2_{band}", ColumnInfo(None, f"SED fit residual in {band} (> 0: observed above model)")))
    out.append(("reduced_chi2", ColumnInfo(None, "reduced chi2 of the SED fit")))
    out.append(("q_prob", ColumnInfo(None, "Q probability of the fit (close to 1: good fit)")))
    out.append(("nflt", ColumnInfo(None, "number of filters with a detection (the SED fit needs >= 4)")))
    return out


STANDARD_COLUMNS: list[tuple[str, ColumnInfo]] = _standard_names()
PHOTOMETRY_COLUMNS: frozenset[str] = frozenset(name for name, _ in STANDARD_COLUMNS[:10])


@dataclass(frozen=True)
class LegusLayout:
    """Where things are in one LEGUS file (1-based column numbers).

    ``columns`` maps a column name to its number; ``x``, ``y`` (1-based FITS pixels of the reference frame),
    ``ra``, ``dec``, ``id`` and the class columns are named separately because they become source fields and
    labels rather than plain columns. Columns not named anywhere are kept as ``col<N>``.
    ``uninspected`` are mode values meaning "never looked at" (no label). ``ncols`` is the expected count
    (``None``: any count that holds every named column).
    """

    name: str
    ncols: int | None
    id: int = 1
    x: int = 2
    y: int = 3
    ra: int = 4
    dec: int = 5
    class_mode: int | None = 34
    class_mean: int | None = 35
    uninspected: frozenset[int] = frozenset({0})
    columns: dict[str, int] = field(default_factory=dict)
    descriptions: dict[str, ColumnInfo] = field(default_factory=dict)

    def max_column(self) -> int:
        named = [self.id, self.x, self.y, self.ra, self.dec, self.class_mode or 0, self.class_mean or 0]
        return max(named + list(self.columns.values()))


def standard_layout(
    name: str,
    ncols: int | None,
    shift: int = 0,
    class_mode: int | None = 34,
    class_mean: int | None = 35,
    uninspected: frozenset[int] = frozenset({0}),
    extra: dict[str, tuple[int, ColumnInfo]] | None = None,
) -> LegusLayout:
    """The readme layout with columns after Dec moved right by ``shift`` (ngc1313-e carries 2 more)."""
    columns = {col_name: 6 + shift + i for i, (col_name, _) in enumerate(STANDARD_COLUMNS)}
    descriptions = dict(STANDARD_COLUMNS)
    for col_name, (number, info) in (extra or {}).items():
        columns[col_name] = number
        descriptions[col_name] = info
    return LegusLayout(
        name=name, ncols=ncols, x=2 + shift, y=3 + shift, ra=4 + shift, dec=5 + shift, class_mode=class_mode,
        class_mean=class_mean, uninspected=uninspected, columns=columns, descriptions=descriptions,
    )


_FLAG = ColumnInfo(None, "0/1 selection flag (not described by the LEGUS readme)")
_MACHINE = ColumnInfo(None, "machine-learning class (not a human vote)")

#: Named layouts; a field name (from the file name) maps to one of these in :data:`FIELD_LAYOUTS`.
LAYOUTS: dict[str, LegusLayout] = {
    "standard": standard_layout("standard", None),
    "standard-no-mean": standard_layout("standard-no-mean", None, class_mean=None),
    "ngc1313-e": standard_layout(
        "ngc1313-e", 37, shift=2, class_mode=36, class_mean=37,
        extra={"x_frame": (2, ColumnInfo("pixel", "x in the single frame (1-based FITS)")),
               "y_frame": (3, ColumnInfo("pixel", "y in the single frame (1-based FITS)"))},
    ),
    "class-in-35": standard_layout(
        "class-in-35", 37, class_mode=35, class_mean=None, extra={"selection_flag": (34, _FLAG)}
    ),
    "ngc4449": standard_layout(
        "ngc4449", 38, class_mode=34, class_mean=None, uninspected=frozenset({0, 5}),
        extra={"machine_class": (37, _MACHINE)},
    ),
    "ngc1566": standard_layout(
        "ngc1566", 39, class_mode=36, class_mean=None,
        extra={"mixed_class": (34, ColumnInfo(None, "mixed human/machine class"))},
    ),
    "ngc3274": standard_layout("ngc3274", 35, class_mean=None, extra={"flag_35": (35, _FLAG)}),
}

#: Fields whose files differ from the readme (field name as in ``hlsp_legus_hst_<inst>_<field>_...``).
FIELD_LAYOUTS: dict[str, str] = {
    "ngc1313-e": "ngc1313-e", "ngc3351": "class-in-35", "ngc4242": "class-in-35", "ngc45": "class-in-35",
    "ngc4449": "ngc4449", "ngc1566": "ngc1566", "eso486-g021": "standard-no-mean", "ngc5474": "standard-no-mean",
    "ngc3274": "ngc3274",
}

_FIELD = re.compile(r"hlsp_legus_hst_[a-z0-9-]+_([a-z0-9-]+?)_multiband", re.IGNORECASE)


def field_name(file_name: str | None) -> str | None:
    """The galaxy field of an HLSP file name (``hlsp_legus_hst_wfc3_ngc1313-e_multiband_...`` -> ngc1313-e)."""
    if not file_name:
        return None
    match = _FIELD.search(file_name)
    return match[1].lower() if match else None


def detect_layout(file_name: str | None, ncols: int) -> LegusLayout | None:
    """Layout from the field in the file name, else from the column count (34: no mean; 35/36: readme
    layout, a 36th column kept as ``col36``). ``None`` when neither decides."""
    field_ = field_name(file_name)
    if field_ in FIELD_LAYOUTS:
        return LAYOUTS[FIELD_LAYOUTS[field_]]
    if ncols == 34:
        return LAYOUTS["standard-no-mean"]
    if ncols in (35, 36):
        return LAYOUTS["standard"]
    return None


def custom_layout(ncols: int | None = None, shift: int = 0, **numbers: int | None) -> LegusLayout:
    """A layout from explicit 1-based column numbers, starting from the readme one moved by ``shift``.

    Example: ``custom_layout(class_mode=36, class_mean=None)``; keywords are ``id``, ``x``, ``y``, ``ra``,
    ``dec``, ``class_mode``, ``class_mean``.
    """
    base = standard_layout("custom", ncols, shift=shift)
    allowed = {"id", "x", "y", "ra", "dec", "class_mode", "class_mean"}
    unknown = set(numbers) - allowed
    if unknown:
        raise ValueError(f"unknown layout keys {sorted(unknown)}: use {sorted(allowed)}")
    fields = {k: getattr(base, k) for k in allowed} | numbers
    taken = {v for v in fields.values() if v is not None}
    columns = {k: v for k, v in base.columns.items() if v not in taken}
    return LegusLayout(name="custom", ncols=ncols, columns=columns, descriptions=base.descriptions,
                       **fields)  # type: ignore[arg-type]
