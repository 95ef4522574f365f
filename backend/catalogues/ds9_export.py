"""DS9 region export: 1-based ``image`` coordinates or ``fk5`` (J2000) degrees, labels as the tags that
:mod:`backend.catalogues.ds9` reads back (``text={id}``, ``tag={class=...}``, ``tag={vote:<annotator>=...}``).

Image regions: a box outline becomes ``box``, a polygon ``polygon``, a source with a shape an ``ellipse``
(``circle`` when a == b), any other source a ``circle`` of ``radius`` pixels. The outline's centre is what
DS9 can carry, so a box re-imports with its centre as the position. fk5 regions are circles of
``radius_arcsec`` at the source's RA/Dec (outlines need the image WCS and are left to the image variant).
Provenance goes into ``#`` comment lines after DS9's header line. Lines are formatted here rather than by
``regions`` (whose writer builds a SkyCoord per region: seconds per thousand); the reader checks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from astropy.coordinates import SkyCoord

from backend.catalogues import table_export
from backend.catalogues.ds9 import CLASS_TAG, VOTE_TAG
from backend.catalogues.errors import CatalogExportError
from backend.catalogues.geometry import is_box, ring_of
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import Source, SourceCatalog
from backend.catalogues.votes import consensus, current_votes

Ds9Coords = Literal["image", "fk5"]


def write_ds9(
    catalog: SourceCatalog,
    provenance: Provenance,
    coords: Ds9Coords = "image",
    radius: float = 5.0,
    radius_arcsec: float = 0.5,
) -> str:
    """DS9 region text (10 decimals: 1e-10 px, 0.4 micro-arcsec); readable by DS9 and by ``regions``."""
    return "".join(ds9_chunks(catalog, provenance, coords, radius, radius_arcsec))


def ds9_chunks(
    catalog: SourceCatalog,
    provenance: Provenance,
    coords: Ds9Coords = "image",
    radius: float = 5.0,
    radius_arcsec: float = 0.5,
) -> Iterator[str]:
    """:func:`write_ds9`'s text, ``table_export.CHUNK_ROWS`` regions a chunk; every check runs before the
    first chunk."""
    if coords not in ("image", "fk5"):
        raise CatalogExportError(f"DS9 coordinates must be 'image' or 'fk5', got {coords!r}")
    if radius <= 0 or radius_arcsec <= 0:
        raise CatalogExportError(f"marker radius must be positive, got {radius} px and {radius_arcsec} arcsec")
    missing = [s.id for s in catalog.sources if not (s.has_pixel if coords == "image" else s.has_sky)]
    if missing:
        what = "pixel positions" if coords == "image" else "RA/Dec"
        raise CatalogExportError(
            f"{len(missing)} source(s) have no {what} (ids {', '.join(missing[:5])}): complete them with "
            "crossmatch.complete_positions and the image WCS first"
        )
    sources = catalog.sources
    tags = [_tags(s) for s in sources]  # raises on a brace before anything is sent
    header = "# Region file format: DS9 version 4.1\n" + "".join(
        f"# skylabel {escape_line(str(key))}: {escape_line(str(value))}\n" for key, value in provenance.items().items()
    )
    if coords == "image":
        def region(i: int) -> str:
            return _pixel_region(sources[i], radius)
    else:
        icrs = SkyCoord([s.ra for s in sources], [s.dec for s in sources], unit="deg", frame="icrs")
        fk5 = icrs.fk5  # DS9's fk5 is FK5 J2000; ICRS differs by ~20 mas, so transform rather than relabel
        ras, decs = fk5.ra.deg.tolist(), fk5.dec.deg.tolist()

        def region(i: int) -> str:
            return f'circle({ras[i]:.10f},{decs[i]:.10f},{radius_arcsec:g}")'

    rows = table_export.CHUNK_ROWS

    def chunks() -> Iterator[str]:
        yield header + ("image\n" if coords == "image" else "fk5\n")
        for start in range(0, len(sources), rows):
            yield "".join(region(i) + tags[i] + "\n" for i in range(start, min(start + rows, len(sources))))
        if not sources:
            yield "\n"

    return chunks()


def _tags(source: Source) -> str:
    """`` # text={id} tag={class=...} tag={vote:<annotator>=...}`` (braces would end a DS9 property)."""
    winner = consensus(source.labels)
    tags = [] if winner is None else [f"{CLASS_TAG}{winner}"]
    tags += [f"{VOTE_TAG}{who}={cls}" for who, cls in current_votes(source.labels).items()]
    for value in [source.id, *tags]:
        if any(c in value for c in "{}"):
            raise CatalogExportError(f"source {source.id!r}: {value!r} contains a brace, which DS9 region "
                                     "properties cannot hold; export GeoJSON or ECSV instead")
    return f" # text={{{escape_line(source.id)}}}" + "".join(f" tag={{{escape_line(t)}}}" for t in tags)


def escape_line(text: str) -> str:
    """Text on one region-file line: a newline would start a new (injected) region, so it is written ``\\n``."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def _pixel_region(source: Source, radius: float) -> str:
    """The shape in DS9's 1-based image coordinates (our 0-based x, y plus 1)."""
    geometry = source.geometry
    if geometry is not None and is_box(geometry):
        xmin, ymin, xmax, ymax = geometry["bbox"]
        cx, cy = (xmin + xmax) / 2 + 1, (ymin + ymax) / 2 + 1
        return f"box({cx:.10f},{cy:.10f},{xmax - xmin:.10f},{ymax - ymin:.10f},0)"
    if geometry is not None and geometry.get("type") == "Polygon":
        ring = ring_of(geometry)[:-1]
        return "polygon(" + ",".join(f"{x + 1:.10f},{y + 1:.10f}" for x, y in ring) + ")"
    x, y = source.x + 1, source.y + 1  # type: ignore[operator]
    shape = source.shape
    if shape is not None and shape.a is not None and shape.a > 0:
        b = shape.b if shape.b is not None and shape.b > 0 else shape.a
        if b == shape.a and not shape.theta:
            return f"circle({x:.10f},{y:.10f},{shape.a:.10f})"
        return f"ellipse({x:.10f},{y:.10f},{shape.a:.10f},{b:.10f},{shape.theta or 0.0:.10f})"
    return f"circle({x:.10f},{y:.10f},{radius:.10f})"
