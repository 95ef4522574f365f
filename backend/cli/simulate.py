"""``skylabel simulate`` (the demo galaxy) and ``skylabel demo`` (simulate, ingest and serve, idempotently)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from backend.cli.context import CliContext, context, progress_printer

DEMO_NAME = "demo-galaxy"
DEMO_BANDS = ("F275W", "F336W", "F435W", "F555W", "F814W")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("simulate", help="simulate a LEGUS-like galaxy in five HST bands, with a truth catalogue")
    p.add_argument("--out", type=Path, required=True, help="folder to create (FITS per band + truth.ecsv)")
    p.add_argument("--size", type=int, default=4096, help="image side in pixels (0.04\"/px)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--validate", action="store_true",
                   help="compare CI and colours per class with LEGUS (needs --legus-dir)")
    p.add_argument("--legus-dir", type=Path, help="folder of LEGUS catalogue files, for --validate")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=simulate_cmd)

    d = sub.add_parser("demo", help="make the demo galaxy if missing, ingest it if missing, and serve")
    d.add_argument("--size", type=int, default=4096)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-serve", action="store_true", help="prepare only")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8000)
    d.set_defaults(func=demo_cmd)


def simulate_cmd(args: argparse.Namespace) -> int:
    from tiles.simulate import simulate

    result = simulate(args.out, size=args.size, seed=args.seed)
    summary: dict = {"out": str(args.out), "bands": {k: str(v) for k, v in result.band_paths.items()},
                     "truth": str(result.truth_path), "counts": result.class_counts, "subtypes": result.subtype_counts}
    if args.validate:
        if not args.legus_dir:
            print("skylabel simulate: --validate needs --legus-dir", file=sys.stderr)
            return 2
        from tiles.simulate import validate

        summary["validation"] = validate(args.out, args.legus_dir)
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        print(f"simulated {args.size}x{args.size} galaxy in {args.out}: sources per class {result.class_counts}")
        if "validation" in summary:
            print(json.dumps(summary["validation"], indent=2, default=str))
    return 0


def ensure_demo(ctx: CliContext, size: int, seed: int) -> int:
    """The demo image id, simulating and ingesting only what is missing."""
    from backend.services.images import find_image_by_name, ingest_image
    from tiles.ingest import BandInput
    from tiles.simulate import simulate

    with ctx.sessions() as session:
        existing = find_image_by_name(session, DEMO_NAME)
        if existing is not None:
            print(f"demo: image {existing.id} {DEMO_NAME!r} already ingested", file=sys.stderr)
            return existing.id
    sim_dir = ctx.settings.data_dir / "demo" / f"sim-{size}-{seed}"
    if not (sim_dir / "truth.ecsv").exists():
        print(f"demo: simulating a {size}x{size} galaxy in {sim_dir}", file=sys.stderr, flush=True)
        result = simulate(sim_dir, size=size, seed=seed)
        band_paths = result.band_paths
    else:
        files = {p.stem.rsplit("_", 1)[-1].upper(): p for p in sim_dir.glob("*_*.fits")}
        band_paths = {band: files[band] for band in DEMO_BANDS}
    bands = [BandInput(name=name, path=Path(path)) for name, path in band_paths.items()]
    print("demo: ingesting", file=sys.stderr, flush=True)
    return ingest_image(ctx.settings, ctx.sessions, DEMO_NAME, bands, progress=progress_printer("demo ingest"))


def demo_cmd(args: argparse.Namespace) -> int:
    ctx = context()
    image_id = ensure_demo(ctx, args.size, args.seed)
    if args.no_serve:
        print(f"demo image id {image_id}")
        return 0
    from backend.cli.serve import serve

    print(f"demo: serving http://{args.host}:{args.port}/#image={image_id}", file=sys.stderr, flush=True)
    return serve(argparse.Namespace(host=args.host, port=args.port, workers=1, log_level="info"))
