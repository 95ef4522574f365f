"""``skylabel bench sources``: viewport query latency on a million sources (:mod:`benchmarks.sources`).

Registered under the ``bench`` group by :mod:`benchmarks.cli`. PostgreSQL comes from ``--postgres-url`` or
``SKYLABEL_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` starts a local server and prints one); the benchmark
creates its own scratch database there and drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from backend.errors import InputError

DATABASES = ("sqlite", "postgresql")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sources", help="viewport queries on a million sources, SQLite and PostgreSQL")
    p.add_argument("--n", type=int, default=1_000_000, help="sources in the benchmark image (3 layers)")
    p.add_argument("--databases", default=",".join(DATABASES), help="comma-separated: sqlite,postgresql")
    p.add_argument("--queries", type=int, default=200, help="timed viewport queries per database")
    p.add_argument("--postgres-url", default=None,
                   help="server to create the scratch database on (default: $SKYLABEL_TEST_POSTGRES_URL)")
    p.add_argument("--json", action="store_true", help="end with one JSON object of the figures")
    p.set_defaults(func=bench_sources)


def parse_databases(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in DATABASES]
    if unknown or not names:
        raise InputError(f"--databases takes a comma-separated list of {', '.join(DATABASES)}, got {text!r}")
    return names


def bench_sources(args: argparse.Namespace) -> int:
    from benchmarks.sources import bench_one

    databases = parse_databases(args.databases)
    if args.n < 1 or args.queries < 1:
        raise InputError(f"--n and --queries must be positive, got {args.n} and {args.queries}")
    postgres_url = args.postgres_url or os.environ.get("SKYLABEL_TEST_POSTGRES_URL")
    if "postgresql" in databases and not postgres_url:
        raise InputError("no PostgreSQL server: pass --postgres-url or set SKYLABEL_TEST_POSTGRES_URL "
                         "(.ci/postgres.sh starts one and prints its URL), or use --databases sqlite")
    figures: dict[str, object] = {}
    for kind in databases:
        print(f"bench sources: {kind}, {args.n} sources, {args.queries} viewports", file=sys.stderr)
        result = bench_one(kind, postgres_url, args.n, args.queries,
                           log=lambda line: print(line, file=sys.stderr))
        figures[kind] = result
        print(f"{kind:10s} p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms  "
              f"max {result['max_ms']:6.1f} ms  (client CPU p95 {result['cpu_p95_ms']:.1f} ms; fill "
              f"{result['fill_s']:.1f} s; {result['mean_rows']:.0f} rows a query on average, "
              f"{result['truncated']} of {result['queries']} truncated at 5000)")
    figures["n_sources"] = args.n
    if args.json:
        print(json.dumps(figures))
    return 0
