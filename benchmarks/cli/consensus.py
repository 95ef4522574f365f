"""``skylabel bench consensus``: consensus methods against the simulator's truth, k = 3 and 5 annotators."""

from __future__ import annotations

import argparse
import json


def register(which: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = which.add_parser("consensus", help="majority vote vs Dawid-Skene vs adjudication against simulated truth")
    c.add_argument("--k", type=int, nargs="+", default=[3, 5], help="annotators per source (several: one row each)")
    c.add_argument("--size", type=int, default=4096, help="side of the simulated galaxy whose catalogue is used")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--gold-fraction", type=float, default=0.05, help="sources of known class seeding Dawid-Skene")
    c.add_argument("--spread", type=float, default=0.1, help="annotator accuracies spread over +-spread")
    c.add_argument("--json", action="store_true", help="end with one JSON object of the figures")
    c.set_defaults(func=bench_consensus)


def bench_consensus(args: argparse.Namespace) -> int:
    from backend.errors import InputError
    from benchmarks.consensus import run, table

    if any(k < 2 or k > 7 for k in args.k):
        raise InputError("--k takes 2 to 7 annotators (the calibration enumerates 4**k vote combinations)")
    if not 0 <= args.gold_fraction < 1:
        raise InputError("--gold-fraction must lie in [0, 1)")
    figures = run(tuple(args.k), size=args.size, seed=args.seed, gold_fraction=args.gold_fraction,
                  spread=args.spread)
    print(table(figures))
    if args.json:
        print(json.dumps(figures))
    return 0
