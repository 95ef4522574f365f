"""DS9 region files (read through the ``regions`` package), and the tag convention our export writes.

DS9 ``image`` coordinates are FITS 1-based; ``regions`` returns 0-based ``PixCoord`` (it subtracts 1), which
is our convention. Sky frames (fk5, icrs, galactic, ...) are converted to ICRS degrees.

Label convention (written the same way by :mod:`backend.catalogues.ds9_export`):

- ``text={<id>}`` -- the source id (else the region's 1-based position in the file);
- ``tag={vote:<annotator>=<class>}`` -- one per annotator: that annotator's current vote;
- ``tag={class=<class>}`` -- the consensus; read as a vote of ``tag={annotator=<name>}`` (or the default
  annotator) only when the region has no ``vote:`` tags.

Shapes: point and circle/ellipse give a position (circle/ellipse radii become ``Shape.a``/``b`` in pixels,
sky radii a ``ds9_radius_arcsec`` column); an unrotated box becomes a box geometry, a rotated box or a
polygon a polygon geometry (image coordinates only). Text regions and excluded (``-circle``) regions are not
sources: they are skipped and counted in ``meta.notes``. Anything else is an error naming its line.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.utils.exceptions import AstropyUserWarning
from regions import (
    CirclePixelRegion,
    CircleSkyRegion,
    EllipsePixelRegion,
    PixelRegion,
    PointPixelRegion,
    PolygonPixelRegion,
    RectanglePixelRegion,
    Region,
    Regions,
    SkyRegion,
    TextPixelRegion,
    TextSkyRegion,
)

from backend.catalogues.columnar import check_unique_ids
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.geometry import box, centroid, polygon
from backend.catalogues.inputs import CatalogInput, input_name, read_text
from backend.catalogues.table import CatalogMeta, ColumnInfo, Label, LayerKind, Shape, Source, SourceCatalog

PIXEL_FRAMES = frozenset({"image"})
SKY_FRAMES = frozenset({"fk4", "b1950", "fk5", "j2000", "icrs", "galactic", "ecliptic"})
OTHER_FRAMES = frozenset({"physical", "linear", "amplifier", "detector"})
_WCS_FRAME = re.compile(r"^wcs[a-z]?$")
VOTE_TAG = "vote:"
CLASS_TAG = "class="
ANNOTATOR_TAG = "annotator="


def read_ds9(
    source: CatalogInput, default_annotator: str = "imported", layer_kind: LayerKind | None = None
) -> SourceCatalog:
    """Read a DS9 region file, one source per region; nothing is returned if any line is bad.

    The whole file is parsed at once; only when that fails (or a region is unusable) is it parsed again
    line by line, to name the line in the error.
    """
    name = input_name(source)
    text = read_text(source, "a DS9 region file")
    try:
        sources, notes = _sources([(None, r) for r in _parse_all(text)], default_annotator, name)
    except (CatalogFormatError, _Unparsed):
        sources, notes = _sources(_parse_lines(text, name), default_annotator, name)
    kind = layer_kind or ("annotation" if any(s.labels for s in sources) else "detections")
    columns = {"ds9_radius_arcsec": ColumnInfo("arcsec", "radius of a sky circle region")} if any(
        "ds9_radius_arcsec" in s.columns for s in sources) else {}
    meta = CatalogMeta(format="ds9", source_file=name, layer_kind=kind, columns=columns, notes=notes)
    return SourceCatalog(sources, meta)


class _Unparsed(Exception):
    """The whole-file parse warned or failed: go line by line to find where."""


def _parse_all(text: str) -> list[Region]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            regions = list(Regions.parse(text, format="ds9"))
        except Exception as exc:  # regions raises ValueError, TypeError, ... for malformed shapes
            raise _Unparsed(str(exc)) from None
    if any(issubclass(w.category, AstropyUserWarning) for w in caught):
        raise _Unparsed("warnings")
    return regions


def _parse_lines(text: str, name: str | None) -> list[tuple[int | None, Region]]:
    frame: str | None = None
    placed: list[tuple[int | None, Region]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for segment in _segments(line):
            word = segment.lower()
            if word in PIXEL_FRAMES | SKY_FRAMES | OTHER_FRAMES or _WCS_FRAME.match(word):
                frame = word
            elif not (word.startswith("global") or (word.startswith("#") and "(" not in word)):
                region = _parse_one(segment, frame, number, name)
                if region is not None:
                    placed.append((number, region))
    return placed


def _sources(
    placed: list[tuple[int | None, Region]], annotator: str, name: str | None
) -> tuple[list[Source], list[str]]:
    skipped = {"text": 0, "excluded": 0}
    kept: list[tuple[int | None, Region]] = []
    for number, region in placed:
        if isinstance(region, TextPixelRegion | TextSkyRegion):
            skipped["text"] += 1
        elif not region.meta.get("include", 1):
            skipped["excluded"] += 1
        else:
            kept.append((number, region))
    if not kept:
        raise CatalogFormatError("no regions that could be sources (point, circle, ellipse, box, polygon)",
                                 line=1, path=name)
    sources = [_source(region, index, number, annotator, name) for index, (number, region) in enumerate(kept)]
    _to_icrs(sources, [region for _, region in kept])
    check_unique_ids([s.id for s in sources], lambda i: kept[i][0], name)
    notes = [f"{count} {kind} region(s) skipped: they are not sources" for kind, count in skipped.items() if count]
    return sources, notes


def _segments(line: str) -> list[str]:
    """Split ``image; circle(1,2,3) # text={a;b}`` at semicolons outside brackets and before any ``#``."""
    out, depth, start = [], 0, 0
    for i, char in enumerate(line):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "#" and depth == 0 and line[start:i].strip():
            break  # the rest of the line is this region's properties
        elif char == ";" and depth == 0:
            out.append(line[start:i].strip())
            start = i + 1
    out.append(line[start:].strip())
    return [s for s in out if s]


def _parse_one(segment: str, frame: str | None, number: int, path: str | None) -> Region | None:
    if frame is None or frame in OTHER_FRAMES or _WCS_FRAME.match(frame):
        what = "no coordinate system line before it" if frame is None else f"coordinate system {frame!r}"
        if segment.startswith("#"):
            return None
        raise CatalogFormatError(f"{what}: save the regions in image or fk5/icrs coordinates", line=number,
                                 path=path)
    comment = segment.startswith("#")  # "# text(...)" is a region, "# Region file format" is not
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            regions = Regions.parse(f"{frame}\n{segment}", format="ds9")
        except Exception as exc:  # regions raises ValueError, TypeError, ... for malformed shapes
            if comment:
                return None
            raise CatalogFormatError(f"cannot parse {segment[:60]!r}: {exc}", line=number, path=path) from None
    messages = [str(w.message) for w in caught if issubclass(w.category, AstropyUserWarning)]
    if messages and not comment:
        raise CatalogFormatError(f"cannot parse {segment[:60]!r}: {messages[0]}", line=number, path=path)
    return regions[0] if len(regions) else None


def _source(region: Region, index: int, number: int | None, annotator: str, path: str | None) -> Source:
    text = region.meta.get("text")
    source = Source(id=str(text).strip() if text not in (None, "") else str(index + 1))
    source.labels = _labels(region.meta.get("tag") or [], annotator)
    if isinstance(region, PixelRegion):
        _place_pixel(source, region, number, path)
    elif isinstance(region, SkyRegion) and hasattr(region, "center"):
        if isinstance(region, CircleSkyRegion):
            source.columns["ds9_radius_arcsec"] = float(region.radius.to_value(u.arcsec))
    else:
        raise CatalogFormatError(
            f"{type(region).__name__} is not supported: use point, circle, ellipse or box in sky "
            "coordinates, or polygon in image coordinates", line=number, path=path,
        )
    return source


def _place_pixel(source: Source, region: PixelRegion, number: int | None, path: str | None) -> None:
    if isinstance(region, PointPixelRegion | CirclePixelRegion | EllipsePixelRegion | RectanglePixelRegion):
        source.x, source.y = float(region.center.x), float(region.center.y)
    if isinstance(region, CirclePixelRegion):
        source.shape = Shape(a=float(region.radius), b=float(region.radius))
    elif isinstance(region, EllipsePixelRegion):
        source.shape = Shape(a=float(region.width) / 2, b=float(region.height) / 2,
                             theta=float(region.angle.to_value(u.deg)))
    elif isinstance(region, RectanglePixelRegion):
        angle = float(region.angle.to_value(u.deg)) % 180.0
        if angle == 0.0:
            half_w, half_h = float(region.width) / 2, float(region.height) / 2
            source.geometry = box(source.x - half_w, source.y - half_h,  # type: ignore[operator]
                                  source.x + half_w, source.y + half_h)  # type: ignore[operator]
        else:
            source.geometry = polygon([(float(cx), float(cy)) for cx, cy in region.corners])
    elif isinstance(region, PolygonPixelRegion):
        source.geometry = polygon(list(zip(region.vertices.x.tolist(), region.vertices.y.tolist(), strict=True)))
        source.x, source.y = centroid(source.geometry)
    elif not isinstance(region, PointPixelRegion):
        raise CatalogFormatError(
            f"{type(region).__name__} is not supported: use point, circle, ellipse, box or polygon",
            line=number, path=path,
        )


def _labels(tags: list[Any], default_annotator: str) -> list[Label]:
    """Votes from ``vote:<annotator>=<class>`` tags, else one vote from ``class=``/``annotator=``."""
    texts = [str(t).strip() for t in tags]
    votes = [t[len(VOTE_TAG):].rpartition("=") for t in texts if t.startswith(VOTE_TAG)]
    if votes:
        return [Label(who.strip(), cls.strip()) for who, _, cls in votes if who.strip() and cls.strip()]
    classes = [t[len(CLASS_TAG):].strip() for t in texts if t.startswith(CLASS_TAG)]
    names = [t[len(ANNOTATOR_TAG):].strip() for t in texts if t.startswith(ANNOTATOR_TAG)]
    if not classes or not classes[0]:
        return []
    return [Label(names[0] if names and names[0] else default_annotator, classes[0])]


def _to_icrs(sources: list[Source], regions: list[Region]) -> None:
    """Sky centres of every frame to ICRS, one vectorised transform per frame."""
    by_frame: dict[str, list[int]] = {}
    for index, region in enumerate(regions):
        if isinstance(region, SkyRegion):
            by_frame.setdefault(region.center.frame.name, []).append(index)
    for indices in by_frame.values():
        first = regions[indices[0]].center
        data = [regions[i].center.data for i in indices]  # the representation: no frame machinery per call
        lon = [rep.lon.deg for rep in data]
        lat = [rep.lat.deg for rep in data]
        centres = SkyCoord(lon * u.deg, lat * u.deg, frame=first.frame.replicate_without_data()).icrs
        for i, ra, dec in zip(indices, centres.ra.deg.tolist(), centres.dec.deg.tolist(), strict=True):
            sources[i].ra, sources[i].dec = float(ra), float(dec)
