"""``skylabel detect``, ``skylabel import-catalog``, ``skylabel export``: source layers from the shell.

The same services as the API, in one transaction each: a broken catalogue exits non-zero with the line and
the reason on stderr, and nothing is stored. Pixel positions are FITS 0-based (astropy origin 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from backend.cli.context import context

EXPORT_FORMATS = ("ecsv", "fits", "votable", "geojson", "geojson-sky", "ds9", "ds9-fk5", "csv")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from backend.services.images.detection import DetectParams

    d = sub.add_parser("detect", help="detect sources (sep) on an image into a new detections layer")
    d.add_argument("image_id", type=int)
    DetectParams.add_arguments(d, flags={"bands": "--band"})
    d.add_argument("--json", action="store_true", help="print one JSON object")
    d.set_defaults(func=detect_cmd)

    i = sub.add_parser("import-catalog", help="import a catalogue file as a new layer of an image")
    i.add_argument("image_id", type=int)
    i.add_argument("file", type=Path)
    i.add_argument("--format", help="sextractor | legus | geojson | ds9 | csv | ecsv | fits | votable; "
                   "default: guessed from the name and content")
    i.add_argument("--layout", help="LEGUS column layout (default: read from the columns' contents)")
    i.add_argument("--name", help="layer name (default from the file)")
    i.add_argument("--kind", choices=("detections", "reference", "picked", "annotation"))
    i.add_argument("--mapping", help='table columns as JSON, e.g. \'{"x": "xc", "y": "yc"}\'')
    i.add_argument("--positions", choices=("auto", "pixel", "sky"), default="auto",
                   help="sky: place sources by RA/Dec on the image WCS (a catalogue of another pixel grid)")
    i.add_argument("--json", action="store_true", help="print one JSON object")
    i.set_defaults(func=import_cmd)

    e = sub.add_parser("export", help="export an image's layers as a catalogue file")
    e.add_argument("image_id", type=int)
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    e.add_argument("--out", type=Path, required=True, help="output file (replaced if it exists)")
    e.add_argument("--layers", action="append", default=[], help="layer ids (repeat or comma-separate); default all")
    e.add_argument("--exported-by", help="name written into the provenance")
    e.set_defaults(func=export_cmd)


def _layer_json(layer: Any) -> dict[str, Any]:
    from backend.api.schemas_labels import LayerPublic

    return LayerPublic.model_validate(layer).model_dump(mode="json")


def _report_json(report: Any) -> dict[str, Any]:
    return {"layer": _layer_json(report.layer), "imported": report.imported, "labels": report.labels,
            "references": report.references,
            "outside": {"count": len(report.outside), "ids": report.outside},
            "unplaced": {"count": len(report.unplaced), "ids": report.unplaced}, "notes": report.notes}


def _print(report: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        print(json.dumps(report))
        return
    layer = report["layer"]
    print(f"{verb} {report['imported']} source(s) into layer {layer['id']} {layer['name']!r} ({layer['kind']}); "
          f"{report['labels']} label(s); {report['outside']['count']} outside the image")
    for note in report["notes"]:
        print(f"  note: {note}", file=sys.stderr)


def detect_cmd(args: argparse.Namespace) -> int:
    from backend.db.session import session_scope
    from backend.services.images.detection import DetectParams, detect_into_layer

    ctx = context(args.settings)
    params = DetectParams.from_args(args)
    with session_scope(ctx.sessions) as session:
        out = _report_json(detect_into_layer(session, ctx.settings.data_dir, args.image_id, params))
    out["detected"] = out["imported"]
    _print(out, args.json, "detected")
    return 0


def import_cmd(args: argparse.Namespace) -> int:
    from backend.db.session import session_scope
    from backend.services.labelling.catalogue_files import read_catalog_file
    from backend.services.labelling.layer_import import import_catalog

    ctx = context(args.settings)
    catalog = read_catalog_file(args.file, args.file.name, args.format, args.layout, args.mapping)
    with session_scope(ctx.sessions) as session:
        report = import_catalog(session, args.image_id, catalog, name=args.name, kind=args.kind,
                                positions=args.positions)
        out = _report_json(report)
    if "layout" in catalog.meta.extra:  # LEGUS: which column layout was read, and why
        out["layout"] = catalog.meta.extra["layout"]
        out["layout_reason"] = catalog.meta.extra.get("layout_reason")
    _print(out, args.json, "imported")
    return 0


def export_cmd(args: argparse.Namespace) -> int:
    from backend.errors import InputError
    from backend.services.labelling.export import export_image

    ctx = context(args.settings)
    try:
        layer_ids = [int(v) for text in args.layers for v in text.split(",") if v.strip()] or None
    except ValueError:
        raise InputError(f"--layers {args.layers}: give integer layer ids") from None
    with ctx.sessions() as session:
        exported = export_image(session, args.image_id, args.format, layer_ids, args.exported_by)
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with partial.open("wb") as handle:
        for chunk in exported.chunks:  # written as produced: the file is never whole in memory
            handle.write(chunk)
    os.replace(partial, out)  # a reader never sees half a file
    print(f"exported {exported.n_sources} source(s) of image {args.image_id} to {out} ({args.format})")
    return 0
