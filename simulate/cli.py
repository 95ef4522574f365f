"""``skylabel simulate``: a LEGUS-like galaxy in five HST bands with its truth catalogue (no database, no server).

Registered with the ``skylabel`` command through the ``skylabel.commands`` entry point group, so the product's CLI
never imports the simulator.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


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


def simulate_cmd(args: argparse.Namespace) -> int:
    from simulate import simulate

    result = simulate(args.out, size=args.size, seed=args.seed)
    summary: dict = {"out": str(args.out), "bands": {k: str(v) for k, v in result.band_paths.items()},
                     "truth": str(result.truth_path), "counts": result.class_counts, "subtypes": result.subtype_counts}
    if args.validate:
        if not args.legus_dir:
            print("skylabel simulate: --validate needs --legus-dir", file=sys.stderr)
            return 2
        from simulate import validate

        summary["validation"] = validate(args.out, args.legus_dir)
        for key in ("ks", "crowding", "separability"):  # the interface: top-level keys of the one JSON object
            summary[key] = summary["validation"][key]
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        print(f"simulated {args.size}x{args.size} galaxy in {args.out}: sources per class {result.class_counts}")
        if "validation" in summary:
            from simulate.validate import format_report

            print(format_report(summary["validation"]))
    return 0
