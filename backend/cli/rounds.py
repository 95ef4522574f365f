"""``skylabel round ...``: consensus rounds from the shell (``skylabel simulate-annotators`` fills their queues:
:mod:`benchmarks.cli.simulate_annotators`).

The same services as the API, one transaction per command. Regions are 0-based pixel boxes
(``--box XMIN,YMIN,XMAX,YMAX``, repeatable) or a GeoJSON file of polygons (``--regions FILE``).
"""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from backend.cli.context import context


def _ids(text: str) -> list[int]:
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ids, got {text!r}") from None


def _box(text: str) -> dict[str, Any]:
    try:
        x0, y0, x1, y1 = (float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--box takes XMIN,YMIN,XMAX,YMAX (0-based pixels), got {text!r}") from None
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser("round", help="consensus rounds: create, open, close, queue, report, adjudicate")
    which = r.add_subparsers(dest="round_command", required=True, metavar="ACTION")
    c = which.add_parser("create", help="a consensus round (draft) of sampled or listed sources")
    c.add_argument("image_id", type=int)
    c.add_argument("--name", default="")
    c.add_argument("--k", type=int, required=True, help="votes wanted per source")
    c.add_argument("--annotators", required=True, help="comma-separated user names (at least k)")
    c.add_argument("--sources", type=_ids, help="comma-separated source ids (instead of a sample)")
    c.add_argument("--box", type=_box, action="append", default=[], help="a region XMIN,YMIN,XMAX,YMAX")
    c.add_argument("--regions", type=Path, help="a GeoJSON file of Polygons (0-based pixels)")
    c.add_argument("--n", type=int, default=30, help="sources sampled inside the regions")
    c.add_argument("--layer", type=int, help="the layer to sample from")
    c.add_argument("--strategy", choices=("random", "entropy", "diverse"), default="random",
                   help="random inside the regions (default), or the N the acquisition function chooses "
                        "(entropy: latest probe; diverse: k-center on the embeddings; regions optional)")
    c.add_argument("--filter", help='a working set as JSON (cuts, saved regions), e.g. '
                   '\'{"cuts": [{"expr": "mag_V", "min": 20, "max": 23}]}\'')
    c.add_argument("--no-blind", action="store_true", help="annotators may see each other's votes")
    c.add_argument("--show-predictions", action="store_true")
    c.add_argument("--show-previous-majority", action="store_true")
    c.add_argument("--repeats", type=int, default=0, help="sources shown twice to each annotator")
    c.add_argument("--gold-layer", type=int, help="a reference layer whose classes are gold")
    c.add_argument("--gold-n", type=int, default=5)
    c.add_argument("--seed", type=int)
    for name, helptext in (("open", "open a draft round for votes"), ("close", "close an open round")):
        p = which.add_parser(name, help=helptext)
        p.add_argument("round_id", type=int)
    q = which.add_parser("queue", help="an annotator's queue in its order")
    q.add_argument("round_id", type=int)
    q.add_argument("--annotator", required=True)
    rep = which.add_parser("report", help="the agreement report (JSON)")
    rep.add_argument("round_id", type=int)
    a = which.add_parser("adjudicate", help="decide a source of a closed round")
    a.add_argument("round_id", type=int)
    a.add_argument("source_id", type=int)
    a.add_argument("class_", metavar="CLASS")
    a.add_argument("--note", default="")
    ls = which.add_parser("list", help="an image's rounds")
    ls.add_argument("image_id", type=int)
    for p in (c, which.choices["open"], which.choices["close"], a):
        p.add_argument("--by", default=getpass.getuser(), help="who does it (recorded; default: you)")
    for p in which.choices.values():
        p.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=round_cmd)


def _print(value: Any, as_json: bool, text: str) -> None:
    print(json.dumps(value, default=str) if as_json else text)


def round_cmd(args: argparse.Namespace) -> int:
    from backend.db.session import session_scope
    from backend.services.labelling import rounds as svc
    from backend.services.labelling.annotators import list_rounds
    from backend.services.labelling.round_report import report
    from backend.services.labelling.round_spec import GoldSpec, RoundCreate, SampleSpec
    from backend.services.selection.filters import SourceFilter

    ctx = context(args.settings)
    with session_scope(ctx.sessions) as session:
        action = args.round_command
        if action == "create":
            regions = list(args.box)
            if args.regions:
                data = json.loads(args.regions.read_text())
                regions += [f for f in data.get("features", [data])]
            spec = RoundCreate(
                name=args.name, k=args.k, annotators=[a for a in args.annotators.split(",") if a.strip()],
                blind=not args.no_blind, show_predictions=args.show_predictions,
                show_previous_majority=args.show_previous_majority, sources=args.sources,
                sample=SampleSpec(regions=regions, n=args.n, layer=args.layer, strategy=args.strategy,
                                  filter=SourceFilter.model_validate_json(args.filter) if args.filter else None)
                if regions or args.filter or args.strategy != "random" else None,
                repeats=args.repeats, seed=args.seed,
                gold=GoldSpec(layer=args.gold_layer, n=args.gold_n) if args.gold_layer else None)
            made = svc.create_round(session, args.image_id, spec, args.by, ctx.settings.data_dir)
            out = svc.round_public(session, made)
            _print(out, args.json, f"round {made.id} ({made.name}): {len(out['sources'])} sources, k={made.k}, "
                                   f"{made.state}")
        elif action in ("open", "close"):
            found = svc.change_state(session, args.round_id, "open" if action == "open" else "closed", args.by)
            _print(svc.round_public(session, found), args.json, f"round {found.id}: {found.state}")
        elif action == "queue":
            q = svc.queue(session, args.round_id, args.annotator)
            _print(q, args.json, f"{q['done']} of {q['total']} done: "
                                 + " ".join(f"{i['source_id']}{'*' if i['done'] else ''}" for i in q["items"]))
        elif action == "report":
            print(json.dumps(report(session, args.round_id), default=str, indent=None if args.json else 2))
        elif action == "adjudicate":
            made_adj = svc.adjudicate(session, args.round_id, args.source_id, args.class_, args.note, args.by)
            _print({"id": made_adj.id, "source_id": made_adj.source_id, "class": made_adj.class_}, args.json,
                   f"source {made_adj.source_id}: {made_adj.class_}")
        else:
            listed = [svc.round_public(session, r) for r in list_rounds(session, args.image_id)]
            _print(listed, args.json, "\n".join(f"{r['id']:>4} {r['state']:<12} k={r['k']} {r['name']}"
                                                for r in listed))
    return 0

