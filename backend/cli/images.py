"""``skylabel ingest``, ``skylabel images``, ``skylabel delete``."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from backend.cli.context import context
from backend.cli.progress import progress_printer
from backend.errors import InputError

BAND_SPEC = re.compile(r"^(?P<name>[^=]+)=(?P<path>.+?)(\[(?P<hdu>[^\]]+)\])?$")


def parse_band(spec: str):  # type: ignore[no-untyped-def]
    """``NAME=path.fits``, ``NAME=path.fits[SCI]`` / ``[1]`` (CFITSIO-style HDU selection), or
    ``NAME=cube.fits[0,2]`` for plane 2 (0-based, numpy axis 0) of the cube in HDU 0."""
    from tiles.ingest import BandInput

    match = BAND_SPEC.match(spec)
    if not match:
        raise InputError(f"--band {spec!r}: expected NAME=path.fits, NAME=path.fits[HDU] or NAME=path.fits[HDU,PLANE]")
    hdu: int | str | None = None
    plane: int | None = None
    if match["hdu"]:
        hdu_text, _, plane_text = match["hdu"].partition(",")
        hdu = int(hdu_text) if hdu_text.strip().isdigit() else hdu_text.strip()
        if plane_text:
            if not plane_text.strip().isdigit():
                raise InputError(f"--band {spec!r}: the plane after the comma must be a 0-based integer")
            plane = int(plane_text)
    return BandInput(name=match["name"].strip(), path=Path(match["path"]).expanduser(), hdu=hdu, plane=plane)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ingest", help="ingest FITS bands of one galaxy as a tiled image")
    p.add_argument("--name", required=True, help="unique image name")
    p.add_argument("--band", action="append", required=True, metavar="NAME=PATH[HDU]",
                   help="one per band, e.g. --band F275W=ngc628_f275w_drc.fits[SCI]")
    p.add_argument("--rendition", action="append", default=[], metavar="RECIPE",
                   help="extra rendition, e.g. 'ha:R=F657N,G=F555W,B=F435W' or 'ir:F814W'")
    p.add_argument("--reproject", action="store_true", help="resample bands onto one grid when they differ")
    p.add_argument("--reference-band", help="grid to resample onto (default: finest pixel scale)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the new image's id")
    p.set_defaults(func=ingest)

    ls = sub.add_parser("images", help="list ingested images")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_cmd)

    rm = sub.add_parser("delete", help="delete an ingested image and its files")
    rm.add_argument("image_id", type=int)
    rm.set_defaults(func=delete)


def ingest(args: argparse.Namespace) -> int:
    from backend.services.images.store import ingest_image

    ctx = context(args.settings)
    bands = [parse_band(spec) for spec in args.band]
    image_id = ingest_image(
        ctx.settings, ctx.sessions, args.name, bands, recipes=args.rendition, reproject=args.reproject,
        reference_band=args.reference_band, progress=progress_printer(f"ingest {args.name}"),
    )
    summary = _summary(ctx, image_id)
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"ingested image {image_id} {args.name!r}: {summary['width']}x{summary['height']} px, "
              f"bands {', '.join(summary['bands'])}; renditions {', '.join(summary['renditions'])}")
    return 0


def _summary(ctx, image_id: int) -> dict:  # type: ignore[no-untyped-def]
    from backend.services.images.store import load_image

    with ctx.sessions() as session:
        image = load_image(session, image_id)
        return {
            "id": image.id, "name": image.name, "width": image.width, "height": image.height,
            "bands": [b.name for b in image.bands], "renditions": [r.name for r in image.renditions],
            "has_wcs": image.wcs_header is not None, "warnings": list(image.warnings or []),
        }


def list_cmd(args: argparse.Namespace) -> int:
    from backend.services.images.store import list_images

    ctx = context(args.settings)
    with ctx.sessions() as session:
        rows = [_summary(ctx, image.id) for image in list_images(session)]
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['id']:5d}  {row['name']:30s} {row['width']}x{row['height']}  {', '.join(row['bands'])}")
    return 0


def delete(args: argparse.Namespace) -> int:
    from backend.services.images.store import delete_image

    ctx = context(args.settings)
    delete_image(ctx.settings, ctx.sessions, args.image_id)
    print(f"deleted image {args.image_id}")
    return 0
