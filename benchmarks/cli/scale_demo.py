"""``skylabel scale-demo`` (``make scale-demo``): the scale-out deployment on this machine, as processes on loopback.

PostgreSQL, Redis, nginx in front of two ``skylabel serve`` processes and one Celery worker (see
:mod:`benchmarks.scale.topology`), the demo galaxy ingested, until Ctrl-C stops every process it started.
Everything lives under ``<SKYLABEL_DATA_DIR>/scale-demo`` (the PostgreSQL cluster, the shared data directory,
the logs), so a second run reuses the ingested demo.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser("scale-demo", help="PostgreSQL, Redis, nginx, two API processes and a Celery worker on "
                       "loopback, with the demo galaxy; Ctrl-C stops them all")
    d.add_argument("--size", type=int, default=1024, help="side of the demo galaxy in pixels")
    d.add_argument("--api", type=int, default=2, help="API processes behind the proxy")
    d.add_argument("--dir", type=Path, help="folder of the run (default <SKYLABEL_DATA_DIR>/scale-demo)")
    d.add_argument("--postgres-url", help="use a scratch database on this server instead of a cluster of our own")
    d.set_defaults(func=scale_demo_cmd)


def scale_demo_cmd(args: argparse.Namespace) -> int:
    from benchmarks.scale.topology import Topology, TopologyError, stop_on_sigterm

    folder = (args.dir or args.settings.data_dir / "scale-demo").resolve()
    topology = Topology(run_dir=folder / "run", data_dir=folder / "data", n_api=args.api,
                        postgres_url=args.postgres_url, demo_size=args.size)
    stop_on_sigterm()
    try:
        topology.start()
        apis = ", ".join(f"api-{i + 1} :{port}" for i, port in enumerate(topology.api_ports))
        print(f"\nskylabel scale-out demo: {topology.url}/#image={topology.image_id}\n"
              f"  nginx :{topology.proxy_port} -> {apis}"
              f" (answers name their process in X-Skylabel-Process)\n"
              f"  Celery worker, Redis {topology.broker_url}, PostgreSQL {topology.database_url}\n"
              f"  data directory {topology.data_dir}, logs in {topology.run_dir}\n"
              "Ctrl-C stops everything.", flush=True)
        reported: set[str] = set()
        while True:
            time.sleep(1)
            for name in set(topology.dead_parts()) - reported:
                reported.add(name)
                print(f"scale-demo: {name} exited; its log is {topology.parts[name].log}", file=sys.stderr)
    except TopologyError as error:
        print(f"skylabel scale-demo: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nscale-demo: stopping", file=sys.stderr)
        return 0
    finally:
        topology.stop()
