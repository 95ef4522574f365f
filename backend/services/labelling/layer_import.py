"""Import a :class:`SourceCatalog` into a new layer of an image, in one transaction.

Placement uses the image's WCS through :mod:`backend.catalogues.crossmatch` (no second WCS here): sources
with only RA/Dec get 0-based pixels (astropy origin 0), sources with only pixels get RA/Dec. Sources that
fall outside the image, or cannot be placed at all, are REPORTED (count and ids, in the answer and in the
layer's ``meta``), never silently dropped. In a **reference** layer (a published catalogue: LEGUS, the
simulator's truth) the catalogue's class is each source's ``reference_class``: a reference, never a vote, so
it is not "labelled", not in the consensus and trains the probe only when the layer's switch says so. In
any other layer the labels (e.g. a skylabel export's ``class_<annotator>`` columns) become append-only
annotations of their annotators (kind ``"catalogue"`` when first seen), and each source's consensus is set.

Nothing is committed here: the caller commits once, so a failure at any step leaves nothing half-imported.
Rows go in as Core bulk inserts (``executemany`` of a list of dicts), which keeps 100k sources to a few
seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Literal

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend.catalogues import SourceCatalog, complete_positions, split_by_footprint
from backend.catalogues.table import Label
from backend.catalogues.table import Source as CatalogSource
from backend.db.annotations import Annotation
from backend.db.sources import ROW_BAND_PX, Layer, Source
from backend.db.tables import Image, utcnow
from backend.errors import InputError
from backend.services.images.wcs import image_wcs, pixel_transforms
from backend.services.labelling.annotators import get_or_create_annotator, round_by_number
from backend.services.labelling.consensus import consensus
from backend.services.labelling.layers import (
    check_kind,
    check_name_free,
    default_style,
    require_image,
    unique_layer_name,
)

Positions = Literal["auto", "pixel", "sky"]
CHUNK = 5000
MAX_LISTED = 1000
MISMATCH_PX = 1.0


@dataclass
class ImportReport:
    """What an import did: ``outside`` ids fell off the image, ``unplaced`` had no usable position."""

    layer: Layer
    imported: int
    labels: int
    references: int = 0
    outside: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_catalog(
    session: Session, image_id: int, catalog: SourceCatalog, name: str | None = None, kind: str | None = None,
    positions: Positions = "auto",
) -> ImportReport:
    """Store ``catalog`` as a new layer of image ``image_id`` (see the module docstring).

    ``positions``: ``"auto"`` keeps the catalogue's pixel positions and fills what is missing from the WCS;
    ``"sky"`` recomputes pixels from RA/Dec with the image WCS (a catalogue measured on another pixel grid,
    e.g. a LEGUS mosaic on a cutout); ``"pixel"`` is ``auto`` without the consistency note.
    """
    image = require_image(session, image_id)
    kind = check_kind(kind or _layer_kind(catalog))
    name = check_name_free(session, image_id, name) if name else unique_layer_name(
        session, image_id, _default_name(catalog))
    notes = list(catalog.meta.notes)
    placed = place(image, catalog, positions, notes)
    report = split_by_footprint(placed, (image.height, image.width))
    if len(report.inside) == 0:
        raise InputError(f"none of the {len(catalog)} catalogue sources falls on image {image.id} "
                         f"({report.summary()}): check that the catalogue belongs to this image, or import with "
                         "positions=sky (or pixel) to place it by the other coordinates")
    if len(report.outside) or len(report.unplaced):
        notes.append(report.summary())
    layer = Layer(image_id=image.id, name=name, kind=kind, style=default_style(kind),
                  source_file=catalog.meta.source_file, meta={}, n_sources=0)
    session.add(layer)
    session.flush()
    inside = report.inside.sources
    reference = kind == "reference"
    ids = insert_sources(session, image.id, layer.id, inside, reference=reference)
    labels = 0 if reference else insert_labels(session, image.id, layer.id, ids, [s.labels for s in inside])
    if reference:
        n_ref = sum(1 for s in inside if s.labels)
        if n_ref:
            notes.append(f"{n_ref} catalogue classes kept as the layer's reference class, not as votes "
                         "(PATCH the layer with train_on_reference to train the probe on them)")
    layer.n_sources = len(ids)
    layer.meta = {
        "format": catalog.meta.format, "positions": positions, "notes": notes,
        "columns": {k: {"unit": v.unit, "description": v.description} for k, v in catalog.meta.columns.items()},
        "outside": {"count": len(report.outside), "ids": report.outside_ids[:MAX_LISTED]},
        "unplaced": {"count": len(report.unplaced), "ids": report.unplaced_ids[:MAX_LISTED]},
        "labels": labels, "reference_classes": sum(1 for s in inside if s.labels) if reference else 0,
        **_json_extra(catalog.meta.extra),
    }
    session.flush()
    return ImportReport(layer, len(ids), labels, layer.meta["reference_classes"], report.outside_ids,
                        report.unplaced_ids, notes)


def place(image: Image, catalog: SourceCatalog, positions: Positions, notes: list[str]) -> SourceCatalog:
    """The catalogue with pixel and sky positions completed from the image WCS (when it has one)."""
    if positions not in ("auto", "pixel", "sky"):
        raise InputError(f"positions must be auto, pixel or sky, got {positions!r}")
    wcs = image_wcs(image)
    if wcs is None:
        if positions == "sky":
            raise InputError(f"image {image.id} has no celestial WCS, so RA/Dec cannot be placed on it: "
                             "import with positions=pixel")
        if any(not s.has_pixel and s.has_sky for s in catalog.sources):
            notes.append("the image has no celestial WCS: sources with only RA/Dec cannot be placed")
        return catalog
    world2pix, pix2world = pixel_transforms(wcs)
    if positions == "sky":
        without = [s.id for s in catalog.sources if not s.has_sky]
        if without:
            what = "has no RA/Dec" if len(without) == len(catalog.sources) else \
                f"has {len(without)} source(s) without RA/Dec (e.g. {', '.join(map(str, without[:5]))})"
            raise InputError(f"positions=sky places sources by RA/Dec, but the catalogue {what}: import with "
                             "positions=pixel or auto, or map its RA/Dec columns")
        catalog = catalog.with_sources([replace(s, x=None, y=None) if s.has_sky else s for s in catalog.sources])
    elif positions == "auto":
        _note_mismatch(catalog, world2pix, notes)
    return complete_positions(catalog, world2pix=world2pix, pix2world=pix2world)


def _note_mismatch(catalog: SourceCatalog, world2pix: Any, notes: list[str]) -> None:
    both = [s for s in catalog.sources if s.has_pixel and s.has_sky]
    if not both:
        return
    x, y = world2pix(np.array([s.ra for s in both]), np.array([s.dec for s in both]))
    offset = np.hypot(np.asarray(x) - [s.x for s in both], np.asarray(y) - [s.y for s in both])
    median = float(np.nanmedian(offset)) if np.isfinite(offset).any() else math.inf
    if median > MISMATCH_PX:
        notes.append(f"the catalogue's pixel positions differ from its RA/Dec on this image's WCS by a median "
                     f"{median:.1f} px: it was measured on another pixel grid; re-import with positions=sky")


def insert_sources(session: Session, image_id: int, layer_id: int, sources: list[CatalogSource],
                   reference: bool = False) -> list[int]:
    """Bulk insert; the new ids in the order of ``sources``. ``reference``: labels -> ``reference_class``."""
    too_long = next((s.id for s in sources if len(s.id) > 100), None)
    if too_long is not None:
        raise InputError(f"source id {too_long[:40]!r}... is longer than 100 characters")
    rows = [_source_row(image_id, layer_id, s, reference) for s in sources]
    _bulk_insert(session, Source, rows)
    by_catalog_id = dict(session.execute(
        select(Source.catalog_id, Source.id).where(Source.layer_id == layer_id)).all())
    return [by_catalog_id[s.id] for s in sources]


def _source_row(image_id: int, layer_id: int, s: CatalogSource, reference: bool = False) -> dict[str, Any]:
    label_class, n_votes = consensus((i, label.annotator, label.class_) for i, label in enumerate(s.labels))
    reference_class = label_class if reference else None
    if reference:
        label_class, n_votes = None, 0
    x, y = float(s.x), float(s.y)  # type: ignore[arg-type]  # inside the footprint: placed
    return {
        "image_id": image_id, "layer_id": layer_id, "catalog_id": s.id, "x": x, "y": y,
        "row_band": math.floor(y / ROW_BAND_PX), "ra": s.ra, "dec": s.dec,
        "shape": None if s.shape is None or s.shape.is_empty() else s.shape.to_dict(),
        "geometry": s.geometry, "columns": s.columns, "label_class": label_class, "n_votes": n_votes,
        "reference_class": reference_class,
    }


def insert_labels(
    session: Session, image_id: int, layer_id: int, source_ids: list[int], labels: list[list[Label]]
) -> int:
    """Each source's labels as annotations, in their order; an annotator's later label supersedes their
    earlier one. Inserted by generation (every source's first label, then second...) so ids follow order."""
    annotators: dict[str, int] = {}
    rounds: dict[int, int] = {}
    latest: dict[tuple[int, int], int] = {}
    now = utcnow()
    total = 0
    depth = max((len(group) for group in labels), default=0)
    for generation in range(depth):
        rows = []
        for source_id, group in zip(source_ids, labels, strict=True):
            if generation >= len(group):
                continue
            label = group[generation]
            if label.annotator not in annotators:
                annotators[label.annotator] = get_or_create_annotator(session, label.annotator, "catalogue").id
            who = annotators[label.annotator]
            round_id = None
            if label.round is not None:
                if label.round not in rounds:
                    rounds[label.round] = round_by_number(session, image_id, label.round).id
                round_id = rounds[label.round]
            rows.append({"image_id": image_id, "source_id": source_id, "annotator_id": who, "round_id": round_id,
                         "class": label.class_, "geometry": None, "supersedes_id": latest.get((source_id, who)),
                         "created_at": label.time or now})
        _bulk_insert(session, Annotation, rows)
        total += len(rows)
        if generation + 1 < depth:  # later labels supersede these: learn their ids
            for new_id, source_id, who in session.execute(
                select(Annotation.id, Annotation.source_id, Annotation.annotator_id)
                .where(Annotation.source_id.in_(select(Source.id).where(Source.layer_id == layer_id)))
                .order_by(Annotation.id)
            ):
                latest[(source_id, who)] = new_id
    return total


def _bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Core ``executemany`` in chunks: several times faster than ORM inserts returning ids."""
    statement = insert(model.__table__)
    for start in range(0, len(rows), CHUNK):
        session.execute(statement, rows[start:start + CHUNK])


def _layer_kind(catalog: SourceCatalog) -> str:
    return catalog.meta.layer_kind if catalog.meta.layer_kind in ("detections", "reference", "annotation") \
        else "detections"


def _default_name(catalog: SourceCatalog) -> str:
    if catalog.meta.format == "legus" and catalog.meta.extra.get("field"):
        return f"LEGUS {catalog.meta.extra['field']}"
    if catalog.meta.source_file:
        return PurePath(catalog.meta.source_file).name
    return catalog.meta.format


def _json_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """Small, JSON-safe facts of the reader (LEGUS layout and field, provenance of a re-imported export)."""
    keep = {k: extra[k] for k in ("layout", "field", "annotator", "coords", "pixel_origin", "provenance", "roles")
            if k in extra}
    return {"reader": keep} if keep else {}
