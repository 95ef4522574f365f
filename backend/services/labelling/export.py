"""Export an image's layers as a catalogue file: database -> :class:`SourceCatalog` -> the writers of
:mod:`backend.catalogues` (ECSV, FITS, VOTable, GeoJSON, DS9, CSV).

Positions are written 0-based (``x``, ``y``; astropy origin 0; DS9 files 1-based, as DS9 counts), with
``ra``/``dec`` in ICRS degrees, ``class`` (consensus) and ``class_<annotator>`` (each annotator's current
vote, imported catalogue classes included: ``class_LEGUS``). Labels carry their time and round; an
annotator whose latest annotation is a retraction has no vote and none of their labels is written.
Provenance (scheme, classes, who exported, when, image, software) goes into every file.

One layer keeps the catalogue's own ids (so export then import gives back the same ids); several layers
use the database ids and add ``layer`` and ``catalog_id`` columns, since ids repeat across layers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogues import CatalogMeta, ColumnInfo, Label, Provenance, Shape, SourceCatalog, export_chunks
from backend.catalogues import Source as CatalogSource
from backend.db.annotations import Annotation, Annotator, Round
from backend.db.sources import Layer, Source
from backend.errors import InputError
from backend.services.labelling.curated import curated_columns
from backend.services.labelling.layers import check_layers, require_image
from backend.services.labelling.projects import image_project

#: Catalogue formats whose shapes are second moments (SExtractor's A_IMAGE, B_IMAGE: the RMS extent, often
#: under a pixel for a compact source). DS9 draws what it is given, so a DS9 export draws these at
#: ``MOMENT_OUTLINE`` times the RMS, the ellipse SExtractor's own APERTURES check-image draws (3 sigma).
MOMENT_FORMATS = frozenset({"sep", "sextractor"})
#: A reference-catalogue source and a source of another layer within this many pixels (each the other's nearest)
#: are one object: one export row with both memberships (the photometry view's match radius).
MATCH_PX = 1.5
MOMENT_OUTLINE = 3.0

FORMATS = ("ecsv", "fits", "votable", "geojson", "geojson-sky", "ds9", "ds9-fk5", "csv")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class ExportFile:
    chunks: Iterator[bytes]  # the file, a chunk at a time (a streamed download); read it once
    media_type: str
    filename: str
    n_sources: int

    @cached_property
    def content(self) -> bytes:
        """The whole file (tests, small exports): consumes :attr:`chunks` the first time, the same bytes after."""
        return b"".join(self.chunks)


def export_image(session: Session, image_id: int, fmt: str, layer_ids: list[int] | None = None,
                 exported_by: str | None = None, viewer: str | None = None) -> ExportFile:
    """The exported file of image ``image_id`` (all its catalogue layers unless ``layer_ids`` names some).

    The "picked" layer (the sources proposed for labelling next) holds copies of sources of other layers, so
    it is left out unless named: the curated catalogue lists each source once."""
    image = require_image(session, image_id)
    catalog = image_catalog(session, image_id, layer_ids, outline_shapes=fmt.startswith("ds9"), viewer=viewer)
    scheme = image_project(session, image_id).scheme
    classes = tuple(f"{c['id']}={c.get('name', c['id'])}".replace(",", ";") for c in scheme.get("classes", []))
    provenance = Provenance(scheme=scheme.get("name"), classes=classes, exported_by=exported_by, image=image.name)
    chunks, spec = export_chunks(catalog, fmt, provenance)
    stem = _SAFE.sub("-", image.name).strip("-") or f"image-{image_id}"
    return ExportFile(chunks, spec.media_type, f"{stem}{spec.extension}", len(catalog))


def image_catalog(session: Session, image_id: int, layer_ids: list[int] | None = None,
                  outline_shapes: bool = False, viewer: str | None = None) -> SourceCatalog:
    """The chosen layers' sources (layer, then id order) with their current votes as labels.

    ``outline_shapes``: shapes of moment catalogues (:data:`MOMENT_FORMATS`) scaled to the outline a region
    file should draw (:data:`MOMENT_OUTLINE`). On sources an open blind round hides from ``viewer``, only the
    viewer's own vote (:mod:`backend.services.labelling.blind`)."""
    from backend.services.labelling.blind import blind_view

    view = blind_view(session, image_id, viewer)
    chosen = check_layers(session, image_id, layer_ids)
    layers = {layer.id: layer for layer in session.scalars(select(Layer).where(Layer.id.in_(chosen)))}
    if layer_ids is None:
        layers = {i: layer for i, layer in layers.items() if layer.kind != "picked"}
        chosen = [i for i in chosen if i in layers]
    several = len(chosen) > 1
    labels = _labels(session, chosen)
    for sid in view.hidden & set(labels):
        labels[sid] = [lb for lb in labels[sid] if lb.annotator == viewer]
    sources: list[CatalogSource] = []
    rows: list[Any] = list(session.execute(  # plain rows, not ORM objects: loading 100k entities costs seconds
        select(Source.id, Source.layer_id, Source.catalog_id, Source.x, Source.y, Source.ra, Source.dec,
               Source.shape, Source.geometry, Source.columns)
        .where(Source.layer_id.in_(chosen)).order_by(Source.layer_id, Source.id)
    ))
    merged = cross_matched(rows, layers) if several else {}
    absorbed = set(merged.values())
    ref_rows = {int(r[0]): r for r in rows if int(r[0]) in absorbed}
    source_ids: list[int] = []
    for source_id, layer_id, catalog_id, x, y, ra, dec, shape, geometry, columns in rows:
        if int(source_id) in absorbed:
            continue  # one row per object: a reference source matched to a detection is that detection's row
        source_ids.append(int(source_id))
        columns = dict(columns or {})
        if several:
            columns = {"layer": layers[layer_id].name, "catalog_id": catalog_id, **columns}
            twin = ref_rows.get(merged.get(int(source_id), -1))
            if twin is not None:
                columns["layer"] = f"{layers[layer_id].name};{layers[twin[1]].name}"
                columns["reference_id"] = twin[2]
                for name, value in (twin[9] or {}).items():
                    columns.setdefault(name, value)
                labels[int(source_id)] = sorted(labels.get(int(source_id), []) + labels.get(int(twin[0]), []),
                                                key=lambda lb: lb.time or datetime.min.replace(tzinfo=UTC))
        if shape and outline_shapes and (layers[layer_id].meta or {}).get("format") in MOMENT_FORMATS:
            shape = {**shape, **{k: shape[k] * MOMENT_OUTLINE for k in ("a", "b") if shape.get(k) is not None}}
        sources.append(CatalogSource(
            id=str(source_id) if several else catalog_id, x=x, y=y, ra=ra, dec=dec,
            shape=Shape(**shape) if shape else None, geometry=geometry, columns=columns,
            labels=labels.get(source_id, []),
        ))
    if not sources:
        raise InputError(f"image {image_id} has no sources in layer(s) {', '.join(map(str, chosen)) or '(none)'}: "
                         "import a catalogue or run detection first")
    curated, _ = curated_columns(session, image_id, source_ids, blind_hidden=view.hidden, viewer=viewer,
                                 matched=merged)
    return SourceCatalog(sources, _meta(list(layers.values())), curated)


def cross_matched(rows: list[Any], layers: dict[int, Layer]) -> dict[int, int]:
    """``{source id: reference source id}``: each reference-layer source and the source of another layer that
    are each other's nearest within :data:`MATCH_PX` (0-based pixels) are one object, exported as one row."""
    ref = [r for r in rows if layers[r[1]].kind == "reference"]
    other = [r for r in rows if layers[r[1]].kind != "reference"]
    if not ref or not other:
        return {}
    ref_xy = np.array([(r[3], r[4]) for r in ref], dtype=np.float64)
    other_xy = np.array([(r[3], r[4]) for r in other], dtype=np.float64)
    d_other, j_ref = cKDTree(ref_xy).query(other_xy, distance_upper_bound=MATCH_PX)
    _, j_other = cKDTree(other_xy).query(ref_xy, distance_upper_bound=MATCH_PX)
    out: dict[int, int] = {}
    for i, (d, j) in enumerate(zip(d_other.tolist(), j_ref.tolist(), strict=True)):
        if np.isfinite(d) and j_other[j] == i:
            out[int(other[i][0])] = int(ref[j][0])
    return out


def _labels(session: Session, layer_ids: list[int]) -> dict[int, list[Label]]:
    """Per source, the labels of annotators whose latest annotation is a vote (retracted votes left out)."""
    rows = session.execute(
        select(Annotation.id, Annotation.source_id, Annotator.name, Annotation.class_, Annotation.created_at,
               Round.number)
        .join(Annotator, Annotator.id == Annotation.annotator_id)
        .join(Source, Source.id == Annotation.source_id)
        .outerjoin(Round, Round.id == Annotation.round_id)
        .where(Source.layer_id.in_(layer_ids), Annotation.repeat.is_(False)).order_by(Annotation.id)
    )
    history: dict[int, dict[str, list[tuple[int, Label | None]]]] = defaultdict(lambda: defaultdict(list))
    for annotation_id, source_id, name, class_, created_at, number in rows:
        label = None if class_ is None else Label(name, class_, created_at, number)
        history[source_id][name].append((annotation_id, label))
    out: dict[int, list[Label]] = {}
    for source_id, by_annotator in history.items():
        kept = sorted((order, label) for chain in by_annotator.values() if chain[-1][1] is not None
                      for order, label in chain if label is not None)
        if kept:
            out[source_id] = [label for _, label in kept]
    return out


def _meta(layers: list[Layer]) -> CatalogMeta:
    columns: dict[str, ColumnInfo] = {}
    for layer in layers:
        for name, info in (layer.meta or {}).get("columns", {}).items():
            columns.setdefault(name, ColumnInfo(info.get("unit"), info.get("description")))
    kinds = {layer.kind for layer in layers}
    kind = kinds.pop() if len(kinds) == 1 else "detections"
    return CatalogMeta(format="skylabel", source_file=", ".join(layer.name for layer in layers),
                       layer_kind="detections" if kind == "picked" else kind,  # type: ignore[arg-type]
                       columns=columns)
