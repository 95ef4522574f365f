"""``skylabel bench label-efficiency``: accuracy against the number of labels (see
:mod:`benchmarks.label_efficiency.run`).

Registered under the ``bench`` group by :mod:`benchmarks.cli`. Image mode (default) simulates the demo
galaxy (cached in the data directory, shared with ``skylabel demo``); ``--legus-dir`` switches to catalogue
features. Progress goes to stderr, the curve table to stdout, the report to ``--out`` and ``--out``.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.label_efficiency.config import (
    FULL,
    FULL_ENCODER,
    IMAGE_METHODS,
    LABEL_SOURCES,
    QUICK,
    QUICK_ENCODER,
    SPLITS,
    build_config,
    parse_budgets,
)
from benchmarks.label_efficiency.draws import PROBE_STRATEGIES
from models.evaluate import STRATEGIES


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("label-efficiency", help="accuracy against the number of labels (BYOL probe, scratch)",
                       description="Accuracy against the number of labels (Perez et al. Figure 3) on the "
                                   "simulated demo galaxy, or on LEGUS catalogue features with --legus-dir.")
    p.add_argument("--out", type=Path, required=True, help="JSON report; the plot goes to OUT.png")
    p.add_argument("--legus-dir", type=Path, help="catalogue mode: folder of LEGUS .tab files")
    p.add_argument("--split", default="by-field", choices=SPLITS, help="catalogue mode: pool and evaluation "
                   "from different fields, or within one field")
    p.add_argument("--field", help="catalogue mode, within-field: the field (default: the most labelled one)")
    p.add_argument("--quick", action="store_true",
                   help=f"image mode on 2 CPU cores: the {QUICK['sim_size']} px field, a small position-keeping "
                        f"ResNet, {QUICK['byol_steps']} BYOL steps (cached by configuration hash), budgets 20-500 "
                        f"and all, 50 label draws, {QUICK['network_draws']} network draws (catalogue mode is "
                        "cheap: --quick changes nothing)")
    p.add_argument("--seeds", type=int, help="seeds (splits and label orders): default 4")
    p.add_argument("--budgets", help="label counts, e.g. 20,50,100,200,500,1000,all")
    p.add_argument("--strategies", type=_names,
                   help=f"image mode: acquisition strategies of byol_probe, a subset of {','.join(PROBE_STRATEGIES)}; "
                        f"catalogue mode: a subset of {','.join(STRATEGIES)}")
    p.add_argument("--methods", type=_names, help=f"image mode: a subset of {','.join(IMAGE_METHODS)}")
    p.add_argument("--draws", type=int, help="image mode: label draws per budget for the probes (default 50)")
    p.add_argument("--network-draws", type=int,
                   help=f"image mode: draws per budget for scratch and fine-tuning (default 10; quick "
                        f"{QUICK['network_draws']})")
    p.add_argument("--network-budgets", help="image mode: the budgets of scratch and fine-tuning (default: "
                   "--budgets), e.g. 20,50,100 when the machine cannot afford 10 epochs of every label")
    p.add_argument("--workers", type=int, help="image mode: processes for the probe curves (default 2)")
    p.add_argument("--transfer-steps", type=int,
                   help=f"image mode: training steps of the supervised-transfer ceiling (default 5000; quick "
                        f"{QUICK['transfer_steps']})")
    p.add_argument("--transfer-fields", type=int,
                   help=f"image mode: other simulated fields (seeds after --sim-seed) whose labels train the "
                        f"supervised-transfer ceiling (default {FULL['transfer_fields']}; quick "
                        f"{QUICK['transfer_fields']})")
    p.add_argument("--sim-size", type=int,
                   help=f"simulated galaxy side in px (default 4096; quick {QUICK['sim_size']})")
    p.add_argument("--sim-seed", type=int, help="simulation seed (default 0, the demo's)")
    p.add_argument("--byol-steps", type=int, help=f"BYOL steps (default 20000; quick {QUICK['byol_steps']})")
    p.add_argument("--byol-batch", type=int, help="BYOL batch size (default 128, the paper's)")
    p.add_argument("--pretrain-fields", type=int,
                   help="BYOL also pretrains on the detections of this many other simulated fields (seeds after "
                        "--sim-seed; no labels read; default 0)")
    p.add_argument("--byol-lr", type=float, help="BYOL's Adam learning rate (default 3e-4, the paper's)")
    p.add_argument("--byol-decorrelation", type=float,
                   help="weight of VICReg's variance + covariance terms on the encoder's output, added to "
                        "BYOL's loss against dimensional collapse (default 0: plain BYOL)")
    p.add_argument("--encoder", type=_encoder, metavar="NAME|JSON",
                   help="encoder for BYOL and scratch: starcnet (default), resnet, resnet-small (quick) or a "
                        'spec as JSON, e.g. \'{"kind": "resnet", "widths": [8, 16, 32, 64]}\'')
    p.add_argument("--byol-augment", type=_json_object, metavar="JSON",
                   help="BYOL augmentation overrides (keys of models.augment.BYOL_AUGMENTATION), "
                        'e.g. \'{"crop_p": 0}\' to drop the resized crop')
    p.add_argument("--pretrain-on", choices=["all", "inspected"],
                   help="BYOL on every object in the image (default) or only the LEGUS-inspected ones")
    p.add_argument("--eval-fraction", type=float, help="held-out evaluation share per seed (default 0.25)")
    p.add_argument("--labels", choices=LABEL_SOURCES,
                   help="image mode: what a label is, for training and for scoring: the simulator's class "
                        "(truth, default) or, as in LEGUS, the mode of three simulated annotators calibrated to "
                        "its human-to-mode agreement (votes; the transfer ceiling's fields too)")
    p.add_argument("--scratch-steps", type=int, help="minimum optimisation steps of the scratch baseline "
                   "(default: models.finetune's 100 for a CNN, 300 for the catalogue MLP)")
    p.add_argument("--probe-repeats", type=int, help="timed probe retrains, median reported (default 3)")
    p.add_argument("--class-weight", choices=["none", "balanced"], default="none",
                   help="probe class weights: none fits plain accuracy, the paper's metric (default); balanced "
                        "is what the labelling app uses, favouring rare classes")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: CUDA when present")
    p.set_defaults(func=bench_label_efficiency)


ENCODER_PRESETS: dict[str, dict] = {"starcnet": FULL_ENCODER, "resnet": {"kind": "resnet", "n_bands": 5},
                                    "resnet-small": QUICK_ENCODER}


def _encoder(text: str) -> dict:
    """A preset name or a JSON encoder spec (see :func:`models.encoders.build_encoder`), 5 bands."""
    if text in ENCODER_PRESETS:
        return dict(ENCODER_PRESETS[text])
    try:
        spec = json.loads(text)
    except json.JSONDecodeError:
        spec = None
    if not isinstance(spec, dict) or "kind" not in spec:
        names = ", ".join(ENCODER_PRESETS)
        raise argparse.ArgumentTypeError(f"{text!r} is neither one of {names} nor JSON with a 'kind'")
    return {"n_bands": 5, **spec}


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{text!r} is not a JSON object")
    return value


def bench_label_efficiency(args: argparse.Namespace) -> int:
    from backend.errors import InputError
    from benchmarks.label_efficiency.run import run_benchmark, write_report
    from models.errors import ModelsError

    config = build_config(
        args.out, quick=args.quick, legus_dir=args.legus_dir, split=args.split, field_name=args.field,
        seeds=args.seeds, budgets=parse_budgets(args.budgets) if args.budgets else None,
        strategies=args.strategies, sim_size=args.sim_size, sim_seed=args.sim_seed,
        byol_steps=args.byol_steps, byol_batch=args.byol_batch, byol_lr=args.byol_lr, encoder=args.encoder,
        byol_decorrelation=args.byol_decorrelation,
        byol_augmentation=args.byol_augment,
        pretrain_on=args.pretrain_on, pretrain_fields=args.pretrain_fields,
        scratch_min_steps=args.scratch_steps, probe_repeats=args.probe_repeats,
        class_weight=None if args.class_weight == "none" else args.class_weight,
        eval_fraction=args.eval_fraction, labels=args.labels, device=args.device, methods=args.methods,
        draws=args.draws,
        network_draws=args.network_draws, transfer_steps=args.transfer_steps,
        transfer_fields=args.transfer_fields, workers=args.workers,
        network_budgets=parse_budgets(args.network_budgets) if args.network_budgets else None,
    )

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    runs = (f"{config.draws} label draws ({config.network_draws} for networks)" if config.mode == "image"
            else f"{config.seeds} seeds")
    log(f"bench label-efficiency: {config.mode} mode, {runs}, budgets {list(config.budgets)}"
        + (f", quick (reduced: {', '.join(config.quick_reductions)})" if config.quick else ""))
    try:
        report = run_benchmark(config, args.settings.data_dir, log)
    except ModelsError as error:  # the CLI reports domain errors of backend and tiles; models' too, here
        raise InputError(str(error)) from error
    out, png = write_report(report, config.out)
    if config.mode == "image":
        print_image_report(report)
    else:
        print_catalogue_report(report)
    byol = f", BYOL {report['byol_images_per_s']} images/s" if report.get("byol_images_per_s") else ""
    n = report["probe_retrain"]["n_sources"]
    print(f"probe retrain ({n} sources, CPU): {report['probe_retrain_s']} s{byol}; "
          f"total {report['timings']['total_s']} s")
    print(f"report {out}, plot {png}")
    return 0


def print_catalogue_report(report: dict) -> None:
    from benchmarks.label_efficiency.run import format_table

    print(format_table(report["summary"]))
    if report.get("diagnostics_summary"):
        print("diagnostics (linear probe on other inputs):")
        print(format_table(report["diagnostics_summary"]))
    for name, rows in report["comparisons"].items():
        cells = [f"n={r['budget']}: {r['delta_binary']:+.3f} ({r['wins_binary']}/{r['seeds']} wins)"
                 for r in rows]
        print(f"{name} - byol_probe (binary, mean over seeds): " + ", ".join(cells))
    if report.get("majority_baseline"):
        base = report["majority_baseline"]
        print(f"constant baseline (the pool's majority class): binary {base['majority_binary']:.3f}, "
              f"4-class {base['majority_4class']:.3f}")


def print_image_report(report: dict) -> None:
    """The curve with intervals, the paired differences, labels to human level and the targets."""
    print(f"{'method':<22s} {'strategy':<16s} {'labels':>11s} {'draws':>5s}  {'binary [95% CI]':>22s}  "
          f"{'4-class [95% CI]':>22s}")
    for r in report["summary"]:
        labels = f"all ({r['n_labels']})" if r["budget"] == "all" else str(r["n_labels"])
        b, f = r["binary"], r["4class"]
        print(f"{r['method']:<22s} {r['strategy']:<16s} {labels:>11s} {r['n_draws']:>5d}  "
              f"{b['mean']:.3f} [{b['lo']:.3f}, {b['hi']:.3f}]  {f['mean']:.3f} [{f['lo']:.3f}, {f['hi']:.3f}]")
    for name, rows in report["comparisons"].items():
        cells = [f"n={r['n_labels']}: {r['mean']:+.3f} [{r['lo']:+.3f}, {r['hi']:+.3f}]" for r in rows]
        print(f"{name} (binary, paired): " + ", ".join(cells))
    level = report["human_level_binary"]
    print(f"labels to the human level ({level:.1%} binary): " + ", ".join(
        f"{m} {'never' if n is None else n}" for m, n in report["labels_to_human_level"].items()))
    base = report.get("majority_baseline", {})
    if base:
        print(f"constant baseline (the pool's majority class): binary {base['majority_binary']:.3f}, "
              f"4-class {base['majority_4class']:.3f}")
    for name, target in report["targets"].items():
        print(f"target {name}: {'MET' if target.get('met') else 'NOT MET'} "
              f"{ {k: v for k, v in target.items() if k != 'met'} }")
