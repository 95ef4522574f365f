"""The common in-memory catalogue every reader returns and every writer takes.

Coordinate convention (the one thing to remember): ``Source.x`` / ``Source.y`` and every coordinate in
``Source.geometry`` are pixel positions with origin 0 -- numpy / astropy ``origin=0`` / ``wcs.pixel_to_world``
order, the centre of the first pixel is (0, 0), ``x`` is the column and ``y`` the row (y grows downwards in a
numpy array display). FITS, SExtractor, LEGUS and DS9 count from 1; their readers subtract 1 and their
writers add it back. ``ra`` / ``dec`` are ICRS degrees.

Missing values are ``None`` in ``Source.columns`` (never 99.999-style sentinels, never NaN), so the database
and JSON layers see one kind of "absent".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np

LayerKind = Literal["detections", "reference", "annotation"]
LAYER_KINDS: tuple[str, ...] = ("detections", "reference", "annotation")
ColumnValue = float | int | str | bool | None
Geometry = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Label:
    """One vote: ``annotator`` put ``class_`` on the source (``class`` in dict form; classes are strings so
    that named schemes and LEGUS's numeric classes share one type). ``round`` is the labelling round of the
    paper's active-learning loop, ``time`` when the vote was cast (timezone-aware when known)."""

    annotator: str
    class_: str
    time: datetime | None = None
    round: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{annotator, class, time?, round?}`` (time as ISO 8601)."""
        out: dict[str, Any] = {"annotator": self.annotator, "class": self.class_}
        if self.time is not None:
            out["time"] = self.time.isoformat()
        if self.round is not None:
            out["round"] = self.round
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Label:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` naming the bad key (readers add the location)."""
        if not isinstance(data, dict):
            raise ValueError(f"a label must be an object with 'annotator' and 'class', got {data!r}")
        if data.get("class") is None or data.get("annotator") is None:
            raise ValueError(f"a label needs both 'annotator' and 'class', got {data!r}")
        time = data.get("time")
        round_ = data.get("round")
        try:
            parsed_time = datetime.fromisoformat(time) if time is not None else None
        except (TypeError, ValueError):
            raise ValueError(f"label time {time!r} is not an ISO 8601 date-time") from None
        if round_ is not None and (isinstance(round_, bool) or not isinstance(round_, int)):
            raise ValueError(f"label round {round_!r} is not an integer")
        return cls(str(data["annotator"]), class_text(data["class"]), parsed_time, round_)


def class_text(value: Any) -> str:
    """A class value as the string stored in :class:`Label` (``2.0`` from a numeric column becomes ``"2"``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(slots=True)
class Shape:
    """Source extent in pixels: semi-axes ``a`` >= ``b`` as the catalogue defines them (SExtractor's
    A_IMAGE is the RMS extent; a DS9 circle/ellipse gives its radii), ``theta`` in degrees counter-clockwise
    from the +x axis (SExtractor THETA_IMAGE and DS9 share this), ``fwhm`` in pixels, ``flags`` the
    extraction flags (SExtractor FLAGS bit mask)."""

    a: float | None = None
    b: float | None = None
    theta: float | None = None
    fwhm: float | None = None
    flags: int | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in (self.a, self.b, self.theta, self.fwhm, self.flags))

    def to_dict(self) -> dict[str, Any]:
        """Only the known members, JSON-ready."""
        return {k: getattr(self, k) for k in SHAPE_FIELDS if getattr(self, k) is not None}


SHAPE_FIELDS: tuple[str, ...] = ("a", "b", "theta", "fwhm", "flags")


@dataclass(slots=True)
class Source:
    """One catalogue entry. ``x``/``y`` are 0-based pixels (see the module docstring), ``ra``/``dec`` ICRS
    degrees; either pair may be ``None`` until :mod:`backend.catalogues.crossmatch` fills it.
    ``geometry`` is a GeoJSON-like dict in 0-based pixels (``Point``; ``Polygon``; a box is a ``Polygon``
    of 4 corners that also carries ``bbox: [xmin, ymin, xmax, ymax]``). ``labels`` are in the order they
    were cast (annotations are append-only), so an annotator's last label is their current vote."""

    id: str
    x: float | None = None
    y: float | None = None
    ra: float | None = None
    dec: float | None = None
    shape: Shape | None = None
    geometry: Geometry | None = None
    columns: dict[str, ColumnValue] = field(default_factory=dict)
    labels: list[Label] = field(default_factory=list)

    @property
    def has_pixel(self) -> bool:
        return self.x is not None and self.y is not None

    @property
    def has_sky(self) -> bool:
        return self.ra is not None and self.dec is not None


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """Unit (astropy/VO unit string, e.g. ``"mag"``, ``"pixel"``) and description of one catalogue column."""

    unit: str | None = None
    description: str | None = None


@dataclass(slots=True)
class CatalogMeta:
    """Catalogue-level facts. ``format`` names the reader (``"sextractor-ascii"``, ``"legus"``, ...);
    ``layer_kind`` says how the map shows it (detections to label, a reference catalogue with known classes,
    or an annotation layer); ``notes`` are the things a reader decided or skipped that a user should see
    (e.g. a LEGUS class value outside 1-4); ``extra`` holds format specifics (LEGUS layout, GeoJSON
    provenance, the LDAC image header)."""

    format: str
    source_file: str | None = None
    layer_kind: LayerKind = "detections"
    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SourceCatalog:
    """Sources plus metadata. Ids are unique strings (readers check this and report the offending line)."""

    sources: list[Source]
    meta: CatalogMeta
    curated: dict[str, tuple[ColumnInfo, list[Any]]] = field(default_factory=dict)
    """Derived consensus columns of the curated export (``n_votes``, ``class_mode``, ...), one value per
    source, written by the table exports after the votes; readers drop them (they are recomputed)."""

    def __len__(self) -> int:
        return len(self.sources)

    def __iter__(self) -> Iterator[Source]:
        return iter(self.sources)

    def ids(self) -> list[str]:
        return [s.id for s in self.sources]

    def pixel_positions(self) -> np.ndarray:
        """``(n, 2)`` float array of 0-based (x, y); NaN where a source has no pixel position."""
        return _pairs(self.sources, "x", "y")

    def sky_positions(self) -> np.ndarray:
        """``(n, 2)`` float array of ICRS (ra, dec) degrees; NaN where unknown."""
        return _pairs(self.sources, "ra", "dec")

    def column_names(self) -> list[str]:
        """Catalogue columns: those described in ``meta.columns`` first, then any others in first-seen order."""
        names = dict.fromkeys(self.meta.columns)
        for source in self.sources:
            for name in source.columns:
                if name not in names:
                    names[name] = None
        return list(names)

    def annotators(self) -> list[str]:
        """Every annotator with at least one label, sorted."""
        return sorted({label.annotator for s in self.sources for label in s.labels})

    def with_sources(self, sources: list[Source]) -> SourceCatalog:
        """A catalogue with other sources and a copy of this metadata."""
        return SourceCatalog(sources, replace(self.meta, notes=list(self.meta.notes)))


def _pairs(sources: list[Source], first: str, second: str) -> np.ndarray:
    out = np.full((len(sources), 2), np.nan)
    for i, source in enumerate(sources):
        a, b = getattr(source, first), getattr(source, second)
        if a is not None and b is not None:
            out[i] = (a, b)
    return out
