"""Settings of ``skylabel bench label-efficiency``: the full budget, the ``--quick`` reductions, budgets.

The full budget follows the paper (Perez et al., section 4.1 and Appendix B): the StarcNet-style encoder,
budgets 20 ... 1000 and "all", four seeds, and BYOL at batch 128 (the paper ran 170,000 steps on a GPU;
20,000 here, meant for a GPU or a long CPU run). ``--quick`` shrinks it so the image mode runs on 2 CPU cores
in well under 30 minutes; every value it changes is listed in ``config["quick_reductions"]`` of the JSON.
Catalogue mode is cheap (a few minutes on 2 cores with the full budget), so ``--quick`` leaves it alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from backend.errors import InputError
from benchmarks.label_efficiency.draws import PROBE_STRATEGIES
from models.evaluate import BUDGETS, STRATEGIES
from models.recipes import RECIPES

SPLITS = ("by-field", "within-field")
FULL_ENCODER: dict = {"kind": "starcnet", "n_bands": 5}
MEASURED: dict = RECIPES["measured"]  # the quick run's BYOL: the best measured ablation
QUICK_ENCODER: dict = {"kind": "resnet", "n_bands": 5, "widths": [16, 32, 64, 128], "out_dim": 256,
                       "pool": "flatten", **MEASURED["encoder"]}
"""A small ResNet: ~60x faster than StarcNet per BYOL image on 2 CPU cores (106 against 1.7 images/s,
measured on the busy development machine), whose flattened 4 x 4 head keeps where the light sits (no
global average pool): a 256-d head, as StarcNet's f_theta, and with the measured recipe's stages readout 480 more
numbers (736 in all)."""
IMAGE_METHODS = ("byol_probe", "byol_features_probe", "features", "random_encoder", "supervised_transfer",
                 "scratch", "finetune")
IMAGE_BUDGETS: tuple[int | str, ...] = (20, 50, 100, 200, 500, "all")

FULL: dict[str, Any] = {"sim_size": 4096, "byol_steps": 20_000, "byol_batch": 128, "encoder": FULL_ENCODER,
                        "seeds": 4, "budgets": BUDGETS, "network_draws": 10, "transfer_steps": 5000,
                        "transfer_fields": 3, "byol_lr": None, "byol_decorrelation": 0.0, "byol_augmentation": {}}
QUICK: dict[str, Any] = {"sim_size": 4096, "byol_steps": 1200, "byol_batch": 64, "encoder": QUICK_ENCODER,
                         "seeds": 4, "budgets": IMAGE_BUDGETS, "network_draws": 2, "transfer_steps": 2000,
                         "transfer_fields": 3, "byol_lr": MEASURED["lr"],
                         "byol_decorrelation": MEASURED["decorrelation"], "byol_augmentation": MEASURED["augmentation"]}
"""2 CPU cores: BYOL ~600-800 images/s (small ResNet) when the cores are free, so 1,200 steps of 64 (~21 epochs
of the field's 3,600 detections, two views each) take ~3-4 minutes; the quick run's BYOL is the best of the
measured ablations (issue 11's note): the peak-referenced input (no brightness above 10 sigma), the stages
readout (the embedding also holds each stage's central and whole-map means), the size-keeping views, Adam 1e-3
and a decorrelation term of weight 1 (the full preset keeps the paper's StarcNet, Table C.1 and 3e-4).
The networks (scratch, fine-tuning: the paper's 10 epochs per budget) ~2 minutes per draw; the probes (50
draws, CV at every draw) ~3 minutes on 2 processes. The supervised-transfer ceiling trains on three other
fields' labels (~6,200, as StarcNet's training set is thousands of LEGUS labels: with one field's ~2,000 its
accuracy is label-bound), 2,000 steps of 64 (~20 epochs, ~1.5 minutes)."""

LABEL_SOURCES = ("truth", "votes")

@dataclass
class LabelEfficiencyConfig:
    """One benchmark run, JSON-able with :meth:`to_dict`; image mode unless ``legus_dir`` is given."""

    out: Path
    legus_dir: Path | None = None
    split: str = "by-field"
    field_name: str | None = None
    quick: bool = False
    seeds: int = 4
    budgets: tuple[int | str, ...] = BUDGETS
    strategies: tuple[str, ...] | None = None  # None: every strategy of the mode
    methods: tuple[str, ...] = IMAGE_METHODS
    draws: int = 50
    network_draws: int = 10
    network_budgets: tuple[int | str, ...] | None = None  # None: the same budgets as the probes
    transfer_steps: int = 5000
    transfer_fields: int = 3  # other simulated fields (seeds sim_seed + 1 ...) whose labels train the ceiling
    workers: int = 2  # processes for the probe curves (one per core of the 2-core target machine)
    sim_size: int = 4096
    sim_seed: int = 0
    byol_steps: int = 20_000
    byol_batch: int = 128
    encoder: dict = field(default_factory=lambda: dict(FULL_ENCODER))
    byol_augmentation: dict = field(default_factory=dict)
    byol_lr: float | None = None  # None: models.train_byol.BYOLConfig's (the paper's 3e-4)
    byol_decorrelation: float = 0.0  # weight of VICReg's variance + covariance terms (0: plain BYOL)
    pretrain_on: str = "all"
    pretrain_fields: int = 0  # other simulated fields (seeds sim_seed + 1 ...) whose detections BYOL also sees
    scratch_min_steps: int | None = None
    probe_repeats: int = 3
    class_weight: str | None = None  # plain accuracy is the paper's metric; "balanced" favours rare classes
    eval_fraction: float = 0.25
    labels: str = "truth"  # or "votes": the mode of 3 simulated annotators per source (annotator_modes)
    device: str | None = None
    quick_reductions: dict = field(default_factory=dict)

    def scratch_options(self) -> dict | None:
        """``finetune`` options of the scratch baseline: ``min_steps`` when given, else the defaults."""
        return None if self.scratch_min_steps is None else {"min_steps": self.scratch_min_steps}

    @property
    def mode(self) -> str:
        return "image" if self.legus_dir is None else "catalogue"

    def seed_list(self) -> list[int]:
        return list(range(self.seeds))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["out"], d["legus_dir"] = str(self.out), None if self.legus_dir is None else str(self.legus_dir)
        d["budgets"], d["strategies"], d["mode"] = list(self.budgets), list(self.strategies or ()), self.mode
        d["methods"] = list(self.methods)
        d["network_budgets"] = None if self.network_budgets is None else list(self.network_budgets)
        return d


def parse_budgets(text: str) -> tuple[int | str, ...]:
    """``"20,50,all"`` -> ``(20, 50, "all")``; refuses anything but positive integers and ``all``."""
    out: list[int | str] = []
    for item in (part.strip() for part in text.split(",")):
        if item == "all":
            out.append("all")
        elif item.isdigit() and int(item) > 0:
            out.append(int(item))
        else:
            raise InputError(f"--budgets takes positive label counts and 'all', comma-separated; "
                             f"got {item!r} in {text!r}")
    if not out:
        raise InputError("--budgets is empty: give e.g. 20,50,100,200,500,1000,all")
    return tuple(out)


def tag_budgets(rows: list[dict], pool: int, budgets: tuple[int | str, ...]) -> list[dict]:
    """Add ``"budget"`` to each row: ``"all"`` where the labelled set is the whole pool, else ``n_labels``.

    The pool size differs between seeds (by-field splits), so "all" is grouped by name, not by count.
    """
    every = "all" in budgets
    return [{**row, "budget": "all" if every and row["n_labels"] == pool else int(row["n_labels"])}
            for row in rows]


def build_config(out: Path, quick: bool = False, **given: Any) -> LabelEfficiencyConfig:
    """The run's config: the full or quick preset for what ``given`` leaves as ``None``, then ``given``.

    ``quick_reductions`` records each preset value ``--quick`` chose below the full budget (the value an
    explicit option overrides is not listed).
    """
    image_mode = given.get("legus_dir") is None
    preset = QUICK if quick and image_mode else FULL
    explicit = {key: value for key, value in given.items() if value is not None}
    chosen = {**preset, **explicit}
    reductions = {key: {"full": _plain(FULL[key]), "quick": _plain(QUICK[key])} for key in QUICK
                  if preset is QUICK and key not in explicit and QUICK[key] != FULL[key]}
    config = LabelEfficiencyConfig(out=Path(out), quick=quick, quick_reductions=reductions, **chosen)
    if config.strategies is None:
        config.strategies = PROBE_STRATEGIES if image_mode else STRATEGIES
    _check(config)
    return config


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _check(config: LabelEfficiencyConfig) -> None:
    if config.split not in SPLITS:
        raise InputError(f"--split {config.split!r} is unknown: use one of {', '.join(SPLITS)}")
    if config.field_name is not None and (config.split != "within-field" or config.legus_dir is None):
        raise InputError(f"--field {config.field_name} picks the field of --split within-field in catalogue "
                         "mode (--legus-dir): add those or drop --field")
    if config.legus_dir is not None and not Path(config.legus_dir).is_dir():
        raise InputError(f"--legus-dir {config.legus_dir} is not a folder of LEGUS catalogues")
    if config.seeds < 1 or config.byol_steps < 1 or config.byol_batch < 2:
        raise InputError(f"--seeds ({config.seeds}) and --byol-steps ({config.byol_steps}) must be positive "
                         f"and --byol-batch ({config.byol_batch}) at least 2")
    if not 0 <= config.pretrain_fields <= 8:
        raise InputError(f"--pretrain-fields {config.pretrain_fields} must lie in 0-8: the other simulated fields "
                         "whose detections BYOL also pretrains on")
    if config.byol_lr is not None and not 0.0 < config.byol_lr <= 0.1:
        raise InputError(f"--byol-lr {config.byol_lr} must lie in (0, 0.1]: Adam's learning rate of BYOL")
    if not 0.0 <= config.byol_decorrelation <= 100.0:
        raise InputError(f"--byol-decorrelation {config.byol_decorrelation} must lie in [0, 100]: the weight of "
                         "the variance and covariance terms added to BYOL's loss")
    if (config.scratch_min_steps is not None and config.scratch_min_steps < 1) or config.probe_repeats < 1:
        raise InputError(f"--scratch-steps ({config.scratch_min_steps}) and --probe-repeats "
                         f"({config.probe_repeats}) must be positive")
    if config.labels not in LABEL_SOURCES:
        raise InputError(f"--labels {config.labels!r}: use 'truth' (the simulator's classes) or 'votes' (the "
                         "mode of three simulated annotators calibrated to LEGUS's agreement)")
    if config.pretrain_on not in ("all", "inspected"):
        raise InputError(f"--pretrain-on {config.pretrain_on!r}: use 'all' (every object in the image) or "
                         "'inspected' (only the sources LEGUS would have looked at)")
    known = PROBE_STRATEGIES if config.mode == "image" else STRATEGIES
    unknown = [s for s in config.strategies or () if s not in known]
    if unknown:
        raise InputError(f"unknown strategies {unknown} in {config.mode} mode: choose from {', '.join(known)}")
    bad = [m for m in config.methods if m not in IMAGE_METHODS]
    if bad:
        raise InputError(f"unknown methods {bad}: choose from {', '.join(IMAGE_METHODS)}")
    if not 1 <= config.transfer_fields <= 8:
        raise InputError(f"--transfer-fields {config.transfer_fields} must lie in 1-8: the other simulated fields "
                         "whose labels train the supervised-transfer ceiling")
    if config.draws < 1 or config.network_draws < 1 or config.workers < 1:
        raise InputError(f"--draws ({config.draws}), --network-draws ({config.network_draws}) and --workers "
                         f"({config.workers}) must be positive")
