"""``python -m simulate OUT [--size N] [--seed S]``: write a simulated field (the CLI's engine)."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulate.simulator import simulate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simulate a LEGUS-like five-band HST field with its truth catalogue")
    parser.add_argument("out", type=Path, help="folder to write (new, empty, or a previous simulation)")
    parser.add_argument("--size", type=int, default=4096, help="image side in pixels (default 4096)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same field)")
    parser.add_argument("--distance", type=float, default=8.0, help="galaxy distance in Mpc (default 8)")
    parser.add_argument("--n-sources", type=int, default=None, help="catalogued objects (default: scales with area)")
    args = parser.parse_args(argv)
    result = simulate(args.out, size=args.size, seed=args.seed, distance_mpc=args.distance, n_sources=args.n_sources)
    print(f"wrote {len(result.band_paths)} bands and {result.truth_path} to {result.out_dir}; "
          f"classes {result.class_counts}")


if __name__ == "__main__":
    main()
