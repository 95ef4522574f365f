"""Place an imported catalogue on an image: fill in pixel or sky positions, split inside / outside the image
(outside is reported, never silently dropped), and link sources to already known ones within a radius.

Transforms are passed as callables so this module needs no WCS object (the lead builds them from the
image's WCS, e.g. ``lambda ra, dec: wcs.world_to_pixel_values(ra, dec)``): both take and return numpy arrays
and use 0-based pixels (astropy ``origin=0``), the convention of :class:`Source`. The image covers
``-0.5 <= x < width - 0.5`` (pixel centres at integers, numpy indexing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.spatial import cKDTree

from backend.catalogues.errors import CrossmatchError
from backend.catalogues.table import Source, SourceCatalog
from tiles.detect.errors import DetectionError
from tiles.detect.match import match_pairs

Transform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
_MAX_LISTED = 20


def complete_positions(
    catalog: SourceCatalog, world2pix: Transform | None = None, pix2world: Transform | None = None
) -> SourceCatalog:
    """A catalogue where sources with only RA/Dec get x, y (``world2pix``) and those with only x, y get
    RA/Dec (``pix2world``). Non-finite transform results leave the position unknown (reported later by
    :func:`split_by_footprint` as unplaced)."""
    sources = list(catalog.sources)
    if world2pix is not None:
        _fill(sources, world2pix, need=lambda s: not s.has_pixel and s.has_sky, src=("ra", "dec"), dst=("x", "y"))
    if pix2world is not None:
        _fill(sources, pix2world, need=lambda s: not s.has_sky and s.has_pixel, src=("x", "y"), dst=("ra", "dec"))
    return catalog.with_sources(sources)


def _fill(
    sources: list[Source], transform: Transform, need: Callable[[Source], bool],
    src: tuple[str, str], dst: tuple[str, str],
) -> None:
    indices = [i for i, s in enumerate(sources) if need(s)]
    if not indices:
        return
    a = np.array([getattr(sources[i], src[0]) for i in indices], dtype=float)
    b = np.array([getattr(sources[i], src[1]) for i in indices], dtype=float)
    try:
        out_a, out_b = (np.asarray(v, dtype=float).reshape(-1) for v in transform(a, b))
    except (TypeError, ValueError) as exc:
        raise CrossmatchError(f"the {src[0]},{src[1]} -> {dst[0]},{dst[1]} transform must take and return "
                              f"two arrays of equal length: {exc}") from None
    if len(out_a) != len(indices) or len(out_b) != len(indices):
        raise CrossmatchError(f"the transform returned {len(out_a)} values for {len(indices)} positions")
    for i, first, second in zip(indices, out_a.tolist(), out_b.tolist(), strict=True):
        if np.isfinite(first) and np.isfinite(second):
            sources[i] = replace(sources[i], **{dst[0]: first, dst[1]: second})


@dataclass
class FootprintReport:
    """Where the sources fall. ``outside`` and ``unplaced`` keep whole sources so the caller can show or
    store them; :meth:`summary` is the sentence for the user."""

    shape: tuple[int, int]
    inside: SourceCatalog
    outside: SourceCatalog
    unplaced: SourceCatalog

    @property
    def outside_ids(self) -> list[str]:
        return self.outside.ids()

    @property
    def unplaced_ids(self) -> list[str]:
        return self.unplaced.ids()

    def summary(self) -> str:
        ny, nx = self.shape
        text = f"{len(self.inside)} source(s) inside the {nx}x{ny} image"
        for label, part in (("outside it", self.outside), ("without a pixel position", self.unplaced)):
            if len(part):
                ids = part.ids()
                listed = ", ".join(ids[:_MAX_LISTED]) + (" ..." if len(ids) > _MAX_LISTED else "")
                text += f"; {len(part)} {label} (ids {listed})"
        return text


def split_by_footprint(catalog: SourceCatalog, shape: tuple[int, int]) -> FootprintReport:
    """Split by the image of numpy ``shape`` (ny, nx); a source at x = -0.5 .. nx - 0.5 is inside."""
    if len(shape) != 2 or min(shape) <= 0:
        raise CrossmatchError(f"image shape must be (ny, nx) with positive sizes, got {shape!r}")
    ny, nx = int(shape[0]), int(shape[1])
    inside, outside, unplaced = [], [], []
    for source in catalog.sources:
        if not source.has_pixel:
            unplaced.append(source)
        elif -0.5 <= source.x < nx - 0.5 and -0.5 <= source.y < ny - 0.5:  # type: ignore[operator]
            inside.append(source)
        else:
            outside.append(source)
    return FootprintReport((ny, nx), catalog.with_sources(inside), catalog.with_sources(outside),
                           catalog.with_sources(unplaced))


@dataclass
class MatchResult:
    """``links[source_id] = known_id`` with ``distances`` in pixels; ``unmatched`` are new sources. Each
    known source is linked at most once (closest pairs first); ``contested`` lists sources whose nearest
    known source went to a closer one."""

    links: dict[str, str] = field(default_factory=dict)
    distances: dict[str, float] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    contested: list[str] = field(default_factory=list)


def match_known(
    catalog: SourceCatalog, known_ids: Sequence[str], known_xy: np.ndarray, radius: float
) -> MatchResult:
    """Link sources to known positions (0-based pixels, ``(n, 2)``) within ``radius`` pixels, one-to-one."""
    known = np.asarray(known_xy, dtype=float).reshape(-1, 2) if len(known_ids) else np.empty((0, 2))
    if len(known) != len(known_ids):
        raise CrossmatchError(f"{len(known_ids)} known ids but {len(known)} known positions")
    if not radius > 0:
        raise CrossmatchError(f"match radius must be positive (pixels), got {radius}")
    result = MatchResult()
    placed = [s for s in catalog.sources if s.has_pixel]
    result.unmatched = [s.id for s in catalog.sources if not s.has_pixel]
    if not placed or not len(known):
        result.unmatched += [s.id for s in placed]
        return result
    xy = np.array([(s.x, s.y) for s in placed], dtype=float)
    try:  # the exact one-to-one matcher detection uses: closest pairs first, over every pair within the radius
        known_to_source, source_to_known = match_pairs(xy[:, 0], xy[:, 1], known[:, 0], known[:, 1], radius)
    except DetectionError as error:
        raise CrossmatchError(str(error)) from error
    nearest, _ = cKDTree(known).query(xy, k=1, distance_upper_bound=radius)
    for i, source in enumerate(placed):
        j = int(source_to_known[i])
        if j >= 0:
            result.links[source.id] = str(known_ids[j])
            result.distances[source.id] = float(np.hypot(*(xy[i] - known[j])))
        else:
            result.unmatched.append(source.id)
            if np.isfinite(nearest[i]):
                result.contested.append(source.id)
    return result
