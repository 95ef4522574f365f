"""``skylabel bench scale``: labelling throughput and latency through the proxy on two API processes against one
(benchmarks/scale/bench.py), on the loopback topology of ``make scale-demo``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(which: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = which.add_parser("scale", help="annotators through nginx on two API processes against one process")
    s.add_argument("--annotators", type=int, default=50, help="concurrent annotators (one connection each)")
    s.add_argument("--seconds", type=float, default=15.0, help="labelling time per topology")
    s.add_argument("--repeats", type=int, default=5, help="label-to-scores measurements per topology (median)")
    s.add_argument("--rounds", type=int, default=1, help="rounds, alternating which topology goes first (medians)")
    s.add_argument("--size", type=int, default=1024, help="side of the demo galaxy")
    s.add_argument("--pretrain-steps", type=int, default=8, help="BYOL steps of the encoder the probe uses")
    s.add_argument("--dir", type=Path, help="folder of the run (default <SKYLABEL_DATA_DIR>/bench/scale; "
                   "reused: the demo is ingested once)")
    s.add_argument("--postgres-url", help="a scratch database on this server instead of a cluster of our own")
    s.add_argument("--json", action="store_true", help="end with one JSON object of the figures")
    s.set_defaults(func=bench_scale_cmd)


def bench_scale_cmd(args: argparse.Namespace) -> int:
    from benchmarks.scale.bench import bench_scale
    from benchmarks.scale.topology import Topology, stop_on_sigterm

    stop_on_sigterm()
    folder = (args.dir or args.settings.data_dir / "bench" / "scale").resolve()
    with Topology(run_dir=folder / "run", data_dir=folder / "data", n_api=2, postgres_url=args.postgres_url,
                  demo_size=args.size) as topo:
        print(f"bench scale: {args.annotators} annotators, {args.seconds:.0f} s per topology, through nginx on "
              f"one process, then on two", file=sys.stderr, flush=True)
        figures = bench_scale(topo, args.annotators, args.seconds, args.repeats, args.pretrain_steps,
                              args.rounds)
    for key in ("one_process", "two_processes"):
        f = figures[key]
        print(f"{key:14s} {f['labels_per_s']:7.1f} labels/s  p95 save {f['p95_save_ms']:7.1f} ms  "
              f"label-to-scores on the other process {f['label_to_scores_ms']:7.1f} ms  "
              f"({f['labels']} labels, {f['errors']} errors)")
    r = figures["ratios"]
    print(f"ratios two/one: labels/s {r['labels_per_s']}, p95 save {r['p95_save_ms']}, "
          f"label-to-scores {r['label_to_scores_ms']}")
    print(f"meaning: {figures['meaning']}")
    if args.json:
        print(json.dumps(figures))
    return 0
