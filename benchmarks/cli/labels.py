"""``skylabel bench labels``: many signed-in annotators saving at once (:mod:`benchmarks.labels`)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from backend.errors import InputError
from benchmarks.cli.sources import parse_databases


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("labels", help="concurrent signed-in annotators: lost/duplicated labels, save p50/p95")
    p.add_argument("--annotators", type=int, default=50)
    p.add_argument("--labels", type=int, default=200, help="labels each annotator sends")
    p.add_argument("--sources", type=int, default=2000, help="sources in the benchmark image")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--postgres-url", default=None, help="default: $SKYLABEL_TEST_POSTGRES_URL")
    p.add_argument("--json", action="store_true", help="end with one JSON object of the figures")
    p.set_defaults(func=bench_labels)


def bench_labels(args: argparse.Namespace) -> int:
    from benchmarks.labels import bench_labels_one

    databases = parse_databases(args.databases)
    if min(args.annotators, args.labels, args.sources, args.workers) < 1:
        raise InputError("--annotators, --labels, --sources and --workers must be positive")
    postgres_url = args.postgres_url or os.environ.get("SKYLABEL_TEST_POSTGRES_URL")
    if "postgresql" in databases and not postgres_url:
        raise InputError("no PostgreSQL server: pass --postgres-url or set SKYLABEL_TEST_POSTGRES_URL "
                         "(.ci/postgres.sh starts one and prints its URL), or use --databases sqlite")
    figures: dict[str, object] = {}
    failed = False
    for kind in databases:
        result = bench_labels_one(kind, postgres_url, args.annotators, args.labels, args.sources, args.workers,
                                  log=lambda line: print(line, file=sys.stderr))
        figures[kind] = result
        failed = failed or bool(result["lost"] or result["duplicated"] or result["forks"])
        print(f"{kind:10s} {result['acknowledged']} acknowledged, lost {result['lost']}, duplicated "
              f"{result['duplicated']}, forked histories {result['forks']}; save p50 {result['p50_ms']:.1f} ms "
              f"p95 {result['p95_ms']:.1f} ms ({result['p95_ratio']:.1f} x one annotator alone, p50 "
              f"{result['baseline_p50_ms']:.1f} ms); {result['labels_per_s']:.0f} labels/s, "
              f"{result['retries']} retries")
    if args.json:
        print(json.dumps(figures))
    return 1 if failed else 0
