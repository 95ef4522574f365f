"""``skylabel simulate-annotators``: synthetic annotators calibrated to LEGUS agreement label a round's queues
(for tests, benchmarks and the demo), or write offline votes for a truth table.

A plug-in command (registered by :mod:`benchmarks.cli`), so the product's CLI never imports the simulator.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from backend.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("simulate-annotators",
                       help="synthetic annotators calibrated to LEGUS agreement label a round's queues")
    s.add_argument("round_id", type=int, nargs="?", help="the round whose queues they label")
    s.add_argument("--truth-layer", type=int,
                   help="a reference layer giving each source's true class (matched within --radius px); "
                        "default: the sources' own reference class")
    s.add_argument("--radius", type=float, default=1.5)
    s.add_argument("--spread", type=float, default=0.1, help="annotator accuracies spread over +-spread")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--truth", type=Path, help="offline: a truth.ecsv (class 1..4); writes votes to --out")
    s.add_argument("--k", type=int, default=3, help="offline: number of annotators")
    s.add_argument("--out", type=Path, help="offline: CSV of source_id,annotator,class")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=simulate_annotators_cmd)


def _print(value: Any, as_json: bool, text: str) -> None:
    print(json.dumps(value, default=str) if as_json else text)


def simulate_annotators_cmd(args: argparse.Namespace) -> int:
    import numpy as np

    from simulate.annotators import calibrate, simulate_votes

    if args.round_id is None:
        if not args.truth or not args.out:
            raise InputError("give a ROUND_ID, or --truth truth.ecsv and --out votes.csv for offline votes")
        from astropy.table import Table

        table = Table.read(args.truth)
        classes = np.asarray(table["class"], dtype=np.int64)
        prior = np.bincount(classes - 1, minlength=4) / classes.size
        panel = calibrate(prior, k=args.k, spread=args.spread)
        votes = simulate_votes(classes - 1, panel.confusion, np.random.default_rng(args.seed))
        ids = np.asarray(table["id"])
        with args.out.open("w") as fh:
            fh.write("source_id,annotator,class\n")
            fh.writelines(f"{ids[s]},sim-{j + 1},{c + 1}\n" for s, j, c in votes)
        summary = {"votes": len(votes), "annotator_accuracy": panel.accuracy.tolist(), "expected": panel.expected()}
        _print(summary, args.json, f"{len(votes)} votes by {args.k} simulated annotators -> {args.out}")
        return 0
    from backend.cli.context import context
    from benchmarks.round_simulation import label_round

    ctx = context(args.settings)
    summary = label_round(ctx.sessions, args.round_id, truth_layer=args.truth_layer, radius=args.radius,
                          spread=args.spread, seed=args.seed)
    _print(summary, args.json, f"round {args.round_id}: {summary['votes']} votes by {len(summary['annotators'])} "
                               f"simulated annotators (accuracies {summary['annotator_accuracy']})")
    if summary["votes"] == 0:
        print("nothing to vote on: is the round open, with queues?", file=sys.stderr)
        return 1
    return 0
