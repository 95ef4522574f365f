"""What the learning loop reads from the database and the band COGs: sources, labels, pixels.

Positions are FITS 0-based pixels (astropy origin 0), as stored in ``sources`` and as
:func:`models.cutouts.extract_cutouts` takes them; band arrays come from :func:`tiles.detect.pipeline.read_band_array`
in FITS orientation (row = 0-based y).

The same object often appears in several layers (a LEGUS source and its sep detection, a "picked" copy):
those within :data:`DUPLICATE_PX` of each other are one cutout, one embedding row, one prediction. The
rows are found by position (:class:`PositionIndex`), so a source added after the embeddings were computed
at an embedded position (a picked ring, a re-imported catalogue) maps to its row too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation
from backend.db.sources import Source
from backend.errors import ConflictError
from backend.services.images.store import load_image
from backend.services.labelling.layers import check_layers
from backend.services.labelling.projects import image_project

DUPLICATE_PX = 1.0


@dataclass(frozen=True)
class SourceTable:
    """Sources of an image as columns, in (layer, id) order; ``label`` is the consensus class or None."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    label: list[str | None]
    n_votes: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.size)

    def take(self, keep: np.ndarray) -> SourceTable:
        return SourceTable(self.ids[keep], self.x[keep], self.y[keep], [self.label[i] for i in keep],
                           self.n_votes[keep])


def catalogue_layer_ids(session: Session, image_id: int) -> list[int]:
    """The image's layers except "picked", whose rows are copies of other layers' sources (and are replaced
    whenever the next sources are chosen, so nothing may hold on to them)."""
    from backend.db.sources import Layer

    return list(session.scalars(select(Layer.id).where(Layer.image_id == image_id, Layer.kind != "picked")))


def image_sources(session: Session, image_id: int, layer_ids: list[int] | None = None) -> SourceTable:
    """The image's sources (of ``layer_ids``, default all layers), one Core query."""
    layers = check_layers(session, image_id, layer_ids)
    rows = session.execute(
        select(Source.id, Source.x, Source.y, Source.label_class, Source.n_votes)
        .where(Source.image_id == image_id, Source.layer_id.in_(layers)).order_by(Source.layer_id, Source.id)
    ).all() if layers else []
    return SourceTable(
        ids=np.asarray([r[0] for r in rows], dtype=np.int64),
        x=np.asarray([r[1] for r in rows], dtype=np.float64),
        y=np.asarray([r[2] for r in rows], dtype=np.float64), label=[r[3] for r in rows],
        n_votes=np.asarray([r[4] for r in rows], dtype=np.int64),
    )


def sources_key(table: SourceTable) -> str:
    """A fingerprint of a source set (ids and positions): equal sets, equal keys."""
    digest = hashlib.sha256(table.ids.tobytes() + table.x.tobytes() + table.y.tobytes())
    return f"{len(table)}:{digest.hexdigest()[:16]}"


def deduplicate(x: np.ndarray, y: np.ndarray, radius: float = DUPLICATE_PX) -> np.ndarray:
    """Indices of the sources to keep: each group of sources chained within ``radius`` px keeps its first."""
    n = x.size
    parent = np.arange(n)
    if n < 2:
        return parent
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(radius, output_type="ndarray")

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in pairs:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.fromiter((root(i) for i in range(n)), dtype=np.int64, count=n)
    return np.flatnonzero(roots == np.arange(n))


class PositionIndex:
    """Rows of a fixed set of positions (an embedding's), looked up by position within ``radius`` px."""

    def __init__(self, x: np.ndarray, y: np.ndarray, radius: float = DUPLICATE_PX) -> None:
        self.radius = radius
        self._tree = cKDTree(np.column_stack([x, y])) if len(x) else None

    def rows(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Row of the nearest indexed position within the radius for each (x, y); -1 where there is none."""
        if self._tree is None or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int64)
        dist, row = self._tree.query(np.column_stack([x, y]), distance_upper_bound=self.radius + 1e-9)
        return np.where(np.isfinite(dist), row, -1).astype(np.int64)


def scheme_classes(session: Session, image_id: int) -> list[str]:
    """The class ids of the image's project scheme, in scheme order (the probe's output columns)."""
    return [str(c["id"]) for c in image_project(session, image_id).scheme["classes"]]


@dataclass(frozen=True)
class LabelState:
    """The consensus labels of an image: ``{source_id: class}`` and the last annotation id they include."""

    labels: dict[int, str]
    through_annotation_id: int
    reference_layers: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """Changes whenever a label is added, changed or retracted (annotation ids only grow), or a layer's
        switch to train on its reference classes is turned."""
        refs = f":ref{','.join(map(str, self.reference_layers))}" if self.reference_layers else ""
        return f"{len(self.labels)}:{self.through_annotation_id}{refs}"


def label_state(session: Session, image_id: int) -> LabelState:
    """Every labelled source's consensus class, plus the reference classes of layers whose
    ``train_on_reference`` switch is on (a user bootstrapping from a catalogue; never by default: issue 9)."""
    from backend.db.sources import Layer

    rows = session.execute(select(Source.id, Source.label_class).where(
        Source.image_id == image_id, Source.label_class.is_not(None))).all()
    labels = {int(r[0]): str(r[1]) for r in rows}
    switched = tuple(sorted(session.scalars(select(Layer.id).where(
        Layer.image_id == image_id, Layer.train_on_reference.is_(True)))))
    if switched:
        for sid, cls in session.execute(select(Source.id, Source.reference_class).where(
                Source.layer_id.in_(switched), Source.reference_class.is_not(None))):
            labels.setdefault(int(sid), str(cls))  # a human consensus wins over the catalogue
    last = session.scalar(select(func.max(Annotation.id)).where(Annotation.image_id == image_id)) or 0
    return LabelState(labels, int(last), switched)


def read_bands(session: Session, data_dir: Path, image_id: int) -> tuple[list[np.ndarray], list[str]]:
    """Every band of the image as a float32 array in FITS orientation (row = 0-based y), in band order."""
    from tiles.detect.pipeline import read_band_array  # rasterio and sep load only when pixels are needed

    image = load_image(session, image_id)
    if not image.bands:
        raise ConflictError(f"image {image_id} has no bands to cut sources from")
    folder = data_dir / image.folder
    return [read_band_array(folder / band.cog) for band in image.bands], [band.name for band in image.bands]
