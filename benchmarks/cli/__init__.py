"""``skylabel bench ...``: benchmarks that print figures as ratios against a same-run baseline."""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks.cli import consensus as bench_consensus
from benchmarks.cli import label_efficiency as bench_label_efficiency
from benchmarks.cli import labels as bench_labels
from benchmarks.cli import scale as bench_scale
from benchmarks.cli import simulate_annotators
from benchmarks.cli import sources as bench_sources


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bench", help="benchmarks (tiles, sources, label-efficiency, consensus, labels)")
    which = p.add_subparsers(dest="bench", required=True, metavar="BENCH")

    t = which.add_parser("tiles", help="tile server throughput and latency against in-process rendering")
    t.add_argument("--size", type=int, default=4096, help="side of the benchmark galaxy (simulated once, cached)")
    t.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    t.add_argument("--format", default="webp", choices=["webp", "png", "jpg"])
    t.add_argument("--levels", type=int, default=3, help="finest zoom levels to request")
    t.add_argument("--rounds", type=int, default=3, help="alternating in-process / server rounds (medians)")
    t.add_argument("--ingest-size", type=int, default=10000,
                   help="side of the large image for the ingest figure (0 to skip)")
    t.add_argument("--ingest-bands", type=int, default=5)
    t.add_argument("--json", action="store_true", help="end with one JSON object of the figures")
    t.set_defaults(func=bench_tiles)
    bench_sources.register(which)
    bench_label_efficiency.register(which)
    bench_labels.register(which)
    bench_consensus.register(which)
    bench_scale.register(which)
    simulate_annotators.register(sub)  # a top-level command: it belongs with the simulated rounds


def bench_tiles(args: argparse.Namespace) -> int:
    from backend.cli.context import CliContext
    from benchmarks.cli.demo import ensure_demo
    from benchmarks.tiles import compare, tile_jobs

    bench_dir = args.settings.data_dir / "bench"
    settings = args.settings.model_copy(update={"data_dir": bench_dir, "database_url": None})
    ctx = CliContext(settings)
    image_id = ensure_demo(ctx, args.size, seed=1)
    view_env = {"SKYLABEL_DATA_DIR": str(bench_dir.resolve()), "SKYLABEL_DATABASE_URL": settings.resolved_database_url}
    from backend.services.images.serving_cache import ServingCache

    view = ServingCache(ctx.sessions, settings.data_dir).get(image_id)
    rendition = next(iter(view.renditions))
    layer = view.rendition(rendition)
    jobs = tile_jobs(view.width, view.height, levels=args.levels)
    print(f"bench tiles: {len(jobs)} tiles of rendition {rendition!r} ({len(layer.stats)} channels, float32), "
          f"{view.width}x{view.height}, {args.clients} clients, {args.format}", file=sys.stderr)
    found = compare(view_env, image_id, rendition, layer.cog, layer.stats, jobs, args.format, args.clients,
                    rounds=args.rounds, static_dir=bench_dir / "static-tiles-frontend")
    figures = {"tiles": len(jobs), "format": args.format, "clients": args.clients,
               **{k: round(v, 3) if isinstance(v, float) else v for k, v in found.items()}}
    print(f"server     {figures['server_tiles_per_s']:8.1f} tiles/s  p50 {figures['p50_ms']:.1f} ms  "
          f"p95 {figures['p95_ms']:.1f} ms  ({figures['server_cpu_ms_per_tile']:.2f} CPU ms per tile)")
    print(f"in-process {figures['inprocess_tiles_per_s']:8.1f} tiles/s  (one loop; "
          f"{figures['inprocess_threads_tiles_per_s']:.1f} on {args.clients} threads; "
          f"{figures['inprocess_cpu_ms_per_tile']:.2f} CPU ms per tile)")
    print(f"ratio server / in-process: {figures['ratio']:.3f} (one loop), {figures['ratio_threaded']:.3f} "
          f"({args.clients} threads), {figures['cpu_ratio']:.3f} in CPU per tile; medians of {args.rounds} rounds")
    print(f"repeat     {figures['repeat_tiles_per_s']:8.1f} tiles/s  p50 {figures['repeat_p50_ms']:.1f} ms  "
          f"({figures['repeat_cpu_ms_per_tile']:.2f} CPU ms per tile; {figures['repeat_speedup']:.1f}x the cold pass)")
    print(f"static     {figures['static_tiles_per_s']:8.1f} tiles/s  ({figures['static_cpu_ms_per_tile']:.2f} CPU ms "
          f"per tile): static / repeat = {figures['repeat_vs_static']:.2f} (within 2 is the aim)")
    print(f"first tile of a fresh process (after the warm-up): {figures['first_tile_ms']:.1f} ms")
    if args.ingest_size:
        from benchmarks.ingest import bench_ingest

        ingest = bench_ingest(bench_dir / "ingest-bench", size=args.ingest_size, n_bands=args.ingest_bands)
        figures.update({f"ingest_{k}": v for k, v in ingest.items()})
        figures["ingest_size"] = args.ingest_size
        print(f"ingest {args.ingest_bands} x {args.ingest_size}^2 float32 bands: {ingest}")
    if args.json:
        print(json.dumps(figures))
    return 0
