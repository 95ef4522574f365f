"""``skylabel demo``: simulate the demo galaxy, ingest it and serve, each step only if missing.

It lives with the benchmarks because it drives the product with the simulator; nothing in the product imports it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.cli.context import CliContext, context
from backend.cli.progress import progress_printer

DEMO_NAME = "demo-galaxy"
DEMO_BANDS = ("F275W", "F336W", "F435W", "F555W", "F814W")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser("demo", help="make the demo galaxy if missing, ingest it if missing, and serve")
    d.add_argument("--size", type=int, default=4096)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-serve", action="store_true", help="prepare only")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8000)
    d.set_defaults(func=demo_cmd)
    from benchmarks.cli import scale_demo

    scale_demo.register(sub)


def ensure_demo(ctx: CliContext, size: int, seed: int) -> int:
    """The demo image id, simulating and ingesting only what is missing."""
    from backend.services.images.store import find_image_by_name, ingest_image
    from simulate import simulate
    from tiles.ingest import BandInput

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
    ctx = context(args.settings)
    image_id = ensure_demo(ctx, args.size, args.seed)
    if args.no_serve:
        print(f"demo image id {image_id}")
        return 0
    from backend.cli.serve import serve

    print(f"demo: serving http://{args.host}:{args.port}/#image={image_id}", file=sys.stderr, flush=True)
    return serve(argparse.Namespace(host=args.host, port=args.port, workers=1, log_level="info"))
