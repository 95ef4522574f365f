"""The sources inside a map viewport: the query behind ``GET /api/images/{id}/sources``.

The map asks for every marker in the visible window each time the user pans or zooms, so this query must stay
well under 100 ms for 5,000 rows out of a million (``skylabel bench sources`` measures it). It is written
as index seeks on ``ix_sources_viewport (image_id, layer_id, row_band, x, y, label_class)``: one equality on
the image, an IN list of layers, an IN list of the 64-pixel row bands the window crosses (``row_band =
floor(y / ROW_BAND_PX)``, see :mod:`backend.db.sources`) and a range on x, so the database visits only the
index entries of the window's columns in the bands it touches; y and the class/state filters are checked on
those entries (migration 0003), and a table row is read only for a source that is returned. Only the
returned columns are selected, as Core rows (never ORM objects).

Coordinates are FITS 0-based pixels (astropy origin 0: the centre of the first pixel is (0, 0)), as in the
whole API; the bbox is inclusive on all four sides.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.orm import Session

from backend.db.sources import ROW_BAND_PX, Layer, Source
from backend.db.tables import Image
from backend.errors import InputError, NotFoundError

STATES = ("all", "labelled", "unlabelled")
MAX_LIMIT = 50_000
# Past this many row bands an IN list stops paying for itself (a window taller than ~64,000 px): use a range.
MAX_BAND_LIST = 1000

BBox = tuple[float, float, float, float]
Rows = Select[*tuple[Any, ...]]


def row_bands(ymin: float, ymax: float) -> tuple[int, int]:
    """First and last row band crossed by the 0-based pixel rows ``ymin .. ymax`` (inclusive)."""
    return math.floor(ymin / ROW_BAND_PX), math.floor(ymax / ROW_BAND_PX)


BBOX_LIMIT = 2.0**30  # pixels; no image comes near (row_band = y / 64 stays far inside 32 bits)


def check_bbox(bbox: Sequence[float]) -> BBox:
    """A usable bbox (xmin, ymin, xmax, ymax) or an :class:`InputError` saying what is wrong with it."""
    if len(bbox) != 4:
        raise InputError(f"bbox needs 4 numbers xmin,ymin,xmax,ymax (0-based pixels), got {len(bbox)}")
    xmin, ymin, xmax, ymax = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
        raise InputError(f"bbox {xmin},{ymin},{xmax},{ymax} has a non-finite value: send finite pixels")
    if xmin > xmax or ymin > ymax:
        raise InputError(f"bbox {xmin},{ymin},{xmax},{ymax} is empty: it must be xmin,ymin,xmax,ymax with "
                         "xmin <= xmax and ymin <= ymax (0-based pixels)")
    # far beyond any image, the box is the same as the whole image: clip (row bands then fit an INTEGER)
    xmin, ymin, xmax, ymax = (min(max(v, -BBOX_LIMIT), BBOX_LIMIT) for v in (xmin, ymin, xmax, ymax))
    return xmin, ymin, xmax, ymax


def _decode_shapes(texts: list[str | None]) -> list[Any]:
    """The shape objects from their stored JSON texts, decoded as one JSON array: one C-level parse instead
    of a ``json.loads`` per row (psycopg's and SQLAlchemy's JSON loading cost several us a row)."""
    if not texts:
        return []
    array = "[" + ",".join("null" if text is None else text for text in texts) + "]"
    return json.loads(array)  # type: ignore[no-any-return]


def _image_layers(session: Session, image_id: int, layer_ids: list[int] | None) -> list[int]:
    """The layers to search: all of the image's when ``layer_ids`` is None; another image's id is a 404."""
    rows = session.execute(select(Layer.id, Layer.archived_at).where(Layer.image_id == image_id)).all()
    own = {layer_id for layer_id, _ in rows}
    if not own and session.scalar(select(Image.id).where(Image.id == image_id)) is None:
        raise NotFoundError(f"no image with id {image_id}; GET /api/images lists the ingested images")
    if layer_ids is None:  # archived layers are hidden unless named
        return sorted(layer_id for layer_id, archived in rows if archived is None)
    foreign = sorted(set(layer_ids) - own)
    if foreign:
        raise NotFoundError(f"layer(s) {', '.join(map(str, foreign))} are not layers of image {image_id}; "
                            f"GET /api/images/{image_id}/layers lists them")
    return sorted(set(layer_ids))


def viewport_select(image_id: int, layers: list[int], bbox: BBox | None, classes: list[str] | None,
                    state: str, dialect: str) -> Rows:
    """The SELECT of :func:`query_viewport` for ``dialect`` (sqlite | postgresql; exposed so tests and the
    benchmark can EXPLAIN it)."""
    # shape as its JSON text: per-row JSON decoding by the drivers costs more than the query (_decode_shapes)
    query: Rows = select(Source.id, Source.layer_id, Source.x, Source.y, Source.label_class, Source.n_votes,
                         cast(Source.shape, Text))
    query = query.where(Source.image_id == image_id, Source.layer_id.in_(layers))
    label: ColumnElement[str | None] = Source.label_class.expression
    if bbox is not None:
        xmin, ymin, xmax, ymax = (float(v) for v in bbox)
        band0, band1 = row_bands(ymin, ymax)
        bands = (Source.row_band.in_(range(band0, band1 + 1)) if band1 - band0 < MAX_BAND_LIST
                 else Source.row_band.between(band0, band1))
        query = query.where(bands, Source.x.between(xmin, xmax), Source.y.between(ymin, ymax))
        if dialect == "sqlite":
            # coalesce(label_class, NULL) is label_class that no index can seek: without ANALYZE statistics
            # SQLite would seek ix_sources_label_state and read every labelled source of the image. It is
            # still checked on the entries of ix_sources_viewport, which holds label_class (migration 0003).
            # PostgreSQL's planner has statistics and needs the plain column to check it in the index.
            label = func.coalesce(Source.label_class, None)
    if classes is not None:
        query = query.where(label.in_(classes))
    if state == "labelled":
        query = query.where(label.is_not(None))
    elif state == "unlabelled":
        query = query.where(label.is_(None))
    return query


def query_viewport(
    session: Session,
    image_id: int,
    bbox: tuple[float, float, float, float] | None,
    layer_ids: list[int] | None,
    classes: list[str] | None,
    state: str = "all",
    limit: int = 5000,
    thin: bool = False,
) -> dict[str, Any]:
    """Sources of ``image_id`` inside ``bbox`` (xmin, ymin, xmax, ymax: FITS 0-based pixels, inclusive; None
    for the whole image), in ``layer_ids`` (None: every layer of the image), whose consensus class is one of
    ``classes`` (None: any), in ``state`` all | labelled | unlabelled (consensus class set or not).

    Returns ``{"count": n, "truncated": bool, "sources": [{id, layer_id, x, y, label_class, n_votes,
    shape}]}`` where ``count`` is the number of sources returned (at most ``limit``) and ``truncated`` says
    more matched: the map then asks the user to zoom in. Counting every match of a zoomed-out window would
    cost a scan of the whole layer, so no total is given. No order is promised (index order in practice:
    layer, row band, x), so a truncated answer is the first ``limit`` sources the index yields; with
    ``thin`` it is instead ``limit`` sources spread evenly over the bbox, brightest first
    (:mod:`backend.services.selection.thinning`), and ``thinned`` / ``matched`` say so.
    """
    if state not in STATES:
        raise InputError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}: zoom in for fewer sources")
    box = check_bbox(bbox) if bbox is not None else None
    layers = _image_layers(session, image_id, layer_ids)
    if not layers or (classes is not None and not classes):
        return {"count": 0, "truncated": False, "sources": []}
    query = viewport_select(image_id, layers, box, classes, state, session.get_bind().dialect.name)
    # the Core connection, not session.execute: ORM result processing costs ~4 us a row for plain columns
    rows = session.connection().execute(query.limit(limit + 1)).all()
    truncated = len(rows) > limit
    thinned: dict[str, Any] = {}
    if truncated and thin and box is not None:
        from backend.services.selection.thinning import thinned_ids

        ids, matched, capped = thinned_ids(session, query, box, layers, limit)
        by_id = {row[0]: row for row in session.connection().execute(query.where(Source.id.in_(ids))).all()}
        rows = [by_id[i] for i in ids if i in by_id]
        thinned = {"thinned": True, "matched": matched, "matched_capped": capped}
    rows = rows[:limit]
    shapes = _decode_shapes([row[6] for row in rows])
    sources = [{"id": row[0], "layer_id": row[1], "x": row[2], "y": row[3], "label_class": row[4],
                "n_votes": row[5], "shape": shape} for row, shape in zip(rows, shapes, strict=True)]
    return {"count": len(sources), "truncated": truncated, "sources": sources, **thinned}
