"""``skylabel bench label-efficiency``: splits, summaries, a tiny image-mode run and LEGUS catalogue mode."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from backend.cli import main
from backend.errors import InputError
from benchmarks.label_efficiency.catalogue import by_field_split, catalogue_features, load_legus
from benchmarks.label_efficiency.config import build_config, parse_budgets, tag_budgets
from benchmarks.label_efficiency.data import annotator_modes, legus_cut, majority_baseline, stratified_split
from benchmarks.label_efficiency.image import embedding_stats
from benchmarks.label_efficiency.run import compare, format_table, summarise
from tests.conftest import shared_file

LEGUS = "legus/hlsp_legus_hst_acs-wfc3_{}_multiband_v{}_padagb-mwext-avgapcor.tab"
ROW_KEYS = {"strategy", "n_labels", "seed", "accuracy_binary", "accuracy_4class"}
TINY_ENCODER = '{"kind": "resnet", "widths": [8, 8, 16, 16], "out_dim": 32}'


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_stratified_split_is_disjoint_complete_and_keeps_the_class_mix() -> None:
    labels = np.repeat([1, 2, 3, 4], [40, 20, 20, 120])
    pool, held = stratified_split(labels, 0.25, seed=3)
    assert np.intersect1d(pool, held).size == 0
    assert np.array_equal(np.sort(np.r_[pool, held]), np.arange(labels.size))
    assert [int((labels[held] == c).sum()) for c in (1, 2, 3, 4)] == [10, 5, 5, 30]
    again, _ = stratified_split(labels, 0.25, seed=3)
    other, _ = stratified_split(labels, 0.25, seed=4)
    assert np.array_equal(pool, again) and not np.array_equal(pool, other)
    with pytest.raises(InputError, match="eval-fraction"):
        stratified_split(labels, 1.0, seed=0)


def test_by_field_split_never_shares_a_field() -> None:
    fields = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20 + ["d"] * 100)
    for seed in range(5):
        pool, held = by_field_split(fields, 0.25, seed)
        assert set(fields[pool]).isdisjoint(fields[held])
        assert pool.size + held.size == fields.size and pool.size > 0
        assert held.size >= 0.25 * fields.size
    with pytest.raises(InputError, match="two fields"):
        by_field_split(np.array(["a", "a"]), 0.25, 0)


def test_legus_cut_needs_four_detections_and_m_v_brighter_than_minus_6() -> None:
    dm = 5 * np.log10(8e6 / 10)  # 8 Mpc
    mags = np.array([[20, 20, 20, dm - 7, 20], [20, 20, 20, dm - 5, 20], [np.nan, np.nan, 20, dm - 7, 20.0]])
    snr = np.full((3, 5), 10.0)
    assert legus_cut(mags, snr, 8.0).tolist() == [True, False, False]
    snr[0, :2] = 1.0
    assert legus_cut(mags, snr, 8.0).tolist() == [False, False, False]


def test_majority_baseline_answers_the_pool_majority() -> None:
    labels = np.array([4, 4, 4, 1, 1, 3, 4, 1, 2, 2])
    base = majority_baseline(labels, np.arange(6), np.arange(6, 10))
    assert base == {"majority_4class": 0.25, "majority_binary": 0.25}  # pool: 4, non-cluster


def test_catalogue_features_are_magnitudes_colours_and_ci() -> None:
    f = catalogue_features(np.array([[21.0, 21.5, 22.5, 22.0, 21.0]]), np.array([1.4]))
    assert f.tolist() == [[21.0, 21.5, 22.5, 22.0, 21.0, -0.5, -1.0, 0.5, 1.0, 1.4]]


def test_budgets_parse_tag_and_summarise() -> None:
    assert parse_budgets("20, 50,all") == (20, 50, "all")
    with pytest.raises(InputError, match="'-3'"):
        parse_budgets("20,-3")
    rows = []
    for seed, pool in ((0, 90), (1, 110)):
        for strategy, acc in (("byol_probe", 0.7), ("byol_probe_entropy", 0.6 + 0.2 * seed)):
            found = [{"strategy": strategy, "n_labels": n, "seed": seed, "accuracy_binary": acc,
                      "accuracy_4class": acc / 2} for n in (20, pool)]
            rows += tag_budgets(found, pool, (20, "all"))
    summary = summarise(rows)
    alls = [r for r in summary if r["budget"] == "all"]
    assert len(summary) == 4 and len(alls) == 2 and alls[0]["n_labels"] == 100 and alls[0]["n_seeds"] == 2
    entropy = next(r for r in summary if r["strategy"] == "byol_probe_entropy" and r["budget"] == 20)
    assert entropy["accuracy_binary_mean"] == pytest.approx(0.7) and entropy["accuracy_binary_std"] > 0.09
    deltas = compare(rows, "byol_probe_entropy")
    assert [d["wins_binary"] for d in deltas] == [1, 1] and deltas[0]["delta_binary"] == pytest.approx(0.0)
    assert "all (100)" in format_table(summary)


def test_quick_config_lists_what_it_reduces(tmp_path: Path) -> None:
    quick = build_config(tmp_path / "r.json", quick=True, byol_steps=50)
    assert quick.sim_size == 4096 and quick.byol_steps == 50 and quick.draws == 50  # the quick mode
    assert quick.budgets == (20, 50, 100, 200, 500, "all") and quick.encoder["pool"] == "flatten"
    assert "network_draws" in quick.quick_reductions and "byol_steps" not in quick.quick_reductions
    assert set(quick.strategies or ()) == {"random", "entropy", "cluster_entropy", "kcenter", "pseudo_labels"}
    assert quick.transfer_fields == 3 and quick.transfer_steps == 2000  # the ceiling sees ~6,000 labels
    assert build_config(tmp_path / "r.json").quick_reductions == {}
    # quick BYOL: the best measured ablation; the full preset stays the paper's (StarcNet, Table C.1, 3e-4)
    assert quick.encoder["reference"] == "peak" and quick.byol_decorrelation == 1.0 and quick.byol_lr == 1e-3
    assert quick.encoder["peak_range"] == 10.0 and quick.encoder["readout"] == "stages"
    assert quick.byol_augmentation["crop_p"] == 0.0 and "byol_augmentation" in quick.quick_reductions
    full = build_config(tmp_path / "r.json")
    assert full.encoder["kind"] == "starcnet" and full.byol_augmentation == {} and full.byol_decorrelation == 0
    assert build_config(tmp_path / "r.json", quick=True, byol_decorrelation=0.0).byol_decorrelation == 0.0
    with pytest.raises(InputError, match="--transfer-fields"):
        build_config(tmp_path / "r.json", transfer_fields=0)
    with pytest.raises(InputError, match="--pretrain-fields"):
        build_config(tmp_path / "r.json", pretrain_fields=-1)
    with pytest.raises(InputError, match="--byol-lr"):
        build_config(tmp_path / "r.json", byol_lr=0.0)
    with pytest.raises(InputError, match="--byol-decorrelation"):
        build_config(tmp_path / "r.json", byol_decorrelation=-1.0)
    with pytest.raises(InputError, match="--labels 'crowd': use 'truth'"):
        build_config(tmp_path / "r.json", labels="crowd")
    assert build_config(tmp_path / "r.json").labels == "truth"
    catalogue = build_config(tmp_path / "r.json", quick=True, legus_dir=tmp_path)
    assert catalogue.quick_reductions == {} and catalogue.budgets == build_config(tmp_path / "r.json").budgets
    with pytest.raises(InputError, match="split"):
        build_config(tmp_path / "r.json", split="random")
    with pytest.raises(InputError, match="--field"):
        build_config(tmp_path / "r.json", legus_dir=tmp_path, field_name="ngc628-e")


def test_annotator_modes_differ_from_the_truth_as_legus_modes_do() -> None:
    """Three LEGUS-calibrated annotators' majority agrees with the truth on ~85% (4-class) and ~92% (binary)
    of the sources (``skylabel bench consensus``'s figures), the same for the same seed."""
    truth = np.random.default_rng(0).choice([1, 2, 3, 4], size=20_000, p=[0.2, 0.2, 0.15, 0.45])
    modes = annotator_modes(truth, seed=3)
    assert set(np.unique(modes)) == {1, 2, 3, 4}
    assert 0.80 < (modes == truth).mean() < 0.90
    assert 0.89 < (np.isin(modes, (1, 2)) == np.isin(truth, (1, 2))).mean() < 0.95
    assert np.array_equal(modes, annotator_modes(truth, seed=3))
    assert not np.array_equal(modes, annotator_modes(truth, seed=4))


def test_embedding_stats_flag_a_collapse() -> None:
    rng = np.random.default_rng(0)
    healthy = embedding_stats(rng.normal(size=(200, 16)))
    collapsed = embedding_stats(np.ones((200, 16)) + 1e-9 * rng.normal(size=(200, 1)))
    assert healthy["effective_rank"] > 10 and collapsed["effective_rank"] < 1.5
    assert collapsed["mean_std"] < 1e-6


def test_tiny_image_run_writes_the_report_and_plot(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SKYLABEL_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "report" / "le.json"
    args = ["bench", "label-efficiency", "--sim-size", "768", "--budgets", "20,all", "--draws", "3",
            "--network-draws", "1", "--byol-steps", "3", "--byol-batch", "16", "--encoder", TINY_ENCODER,
            "--device", "cpu", "--transfer-steps", "2", "--transfer-fields", "2", "--pretrain-fields", "1",
            "--probe-repeats", "1",
            "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    report = json.loads(out.read_text())
    summary = report["summary"]
    methods = {r["method"] for r in summary}
    assert methods == {"byol_probe", "byol_features_probe", "features", "random_encoder", "supervised_transfer",
                       "scratch", "finetune"}
    assert {r["strategy"] for r in summary if r["method"] == "byol_probe"} == {
        "random", "entropy", "cluster_entropy", "kcenter", "pseudo_labels"}
    for r in summary:
        for metric in ("binary", "4class"):
            assert 0.0 <= r[metric]["lo"] <= r[metric]["mean"] <= r[metric]["hi"] <= 1.0
    pool = report["data"]["n_pool"]
    assert {r["n_labels"] for r in summary} == {20, pool}
    assert next(r for r in summary if r["method"] == "byol_probe" and r["n_labels"] == 20)["n_draws"] == 3
    assert set(report["labels_to_human_level"]) == methods and report["elapsed_s"] > 0
    assert {"byol_probe_binary_at_20", "labels_to_human_level", "no_strategy_below_random"} <= set(report["targets"])
    assert report["byol_images_per_s"] > 0 and report["byol"]["steps"] == 3 and report["byol"]["lr"] == 3e-4
    assert report["config"]["encoder"]["widths"] == [8, 8, 16, 16]
    assert report["data"]["n_inspected"] < report["data"]["n_objects"]  # the LEGUS-like cut removes some
    assert report["byol"]["n_pretrain"] > report["data"]["n_objects"]  # and the other field's detections
    assert (tmp_path / "data" / "demo" / "sim-768-0" / "truth.ecsv").is_file()  # cached where demo keeps it
    for seed in (1, 2):  # the transfer fields
        assert (tmp_path / "data" / "demo" / f"sim-768-{seed}" / "truth.ecsv").is_file()
    assert not (tmp_path / "data" / "demo" / "sim-768-3").exists()
    transfer = report["supervised_transfer"]
    assert transfer["field_seeds"] == [1, 2] and transfer["n_labels"] > report["data"]["n_inspected"]
    ceiling = report["targets"]["image_ceiling"]
    assert ceiling["starcnet"] == {"binary": 0.86, "4class": 0.686} and "mean" in ceiling["binary"]
    png = Path(str(out) + ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    # the probe jobs (one per method and strategy) spread over two forked workers: the same curves
    parallel = tmp_path / "report" / "le2.json"
    assert main([*args[:-4], "--workers", "2", "--methods", "byol_probe,features", "--out", str(parallel)]) == 0
    rows = {(r["method"], r["strategy"], r["n_labels"]): (r["binary"], r["4class"])
            for r in json.loads(parallel.read_text())["summary"]}
    assert {k[1] for k in rows if k[0] == "byol_probe"} == {"random", "entropy", "cluster_entropy", "kcenter",
                                                             "pseudo_labels"}
    for r in summary:
        if r["method"] in ("byol_probe", "features"):
            assert rows[(r["method"], r["strategy"], r["n_labels"])] == (r["binary"], r["4class"])
    printed = capsys.readouterr().out
    assert "pseudo_labels" in printed and "all (" in printed and "labels to the human level" in printed
    assert main(args) == 0  # the second run loads both encoders from the cache
    again = json.loads(out.read_text())
    assert again["byol"]["cache"]["hit"] and again["supervised_transfer"]["cache"]["hit"]
    assert again["summary"][0]["binary"] == summary[0]["binary"]  # same draws, same numbers
    assert report["data"]["labels"] == "truth" and report["data"]["labels_agree_with_truth"] is None
    # labels as people give them: the same BYOL (it reads no labels), a ceiling trained on votes too
    voted = tmp_path / "report" / "votes.json"
    assert main([*args[:-4], "--workers", "1", "--methods", "byol_probe,supervised_transfer", "--strategies",
                 "random", "--labels", "votes", "--out", str(voted)]) == 0
    votes = json.loads(voted.read_text())
    assert votes["data"]["labels"] == "votes" and votes["byol"]["cache"]["hit"]
    assert not votes["supervised_transfer"]["cache"]["hit"]
    assert 0.5 < votes["data"]["labels_agree_with_truth"]["4class"] < 1.0
    assert votes["data"]["n_evaluation"] == report["data"]["n_evaluation"]  # the same sources held out


@pytest.fixture
def legus_pair(tmp_path: Path) -> Path:
    folder = tmp_path / "legus"
    folder.mkdir()
    for name, version in (("ngc628-e", 1), ("ugc695", 2)):
        shutil.copy(shared_file(LEGUS.format(name, version)), folder)
    return folder


def test_legus_loading_keeps_labelled_sources_only(legus_pair: Path) -> None:
    data = load_legus(sorted(legus_pair.glob("*.tab")))
    assert data.counts() == {"ngc628-e": 381, "ugc695": 111}
    assert set(np.unique(data.labels)) <= {1, 2, 3, 4} and data.features.shape == (492, 10)
    assert np.isfinite(data.features[:, 9]).all()  # CI is always measured


@pytest.mark.parametrize("split", ["by-field", "within-field"])
def test_catalogue_mode_on_two_legus_fields(legus_pair: Path, tmp_path: Path, split: str) -> None:
    out = tmp_path / f"{split}.json"
    code = main(["bench", "label-efficiency", "--legus-dir", str(legus_pair), "--split", split,
                 "--budgets", "20,50", "--seeds", "2", "--scratch-steps", "50", "--probe-repeats", "1",
                 "--out", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["mode"] == "catalogue" and len(report["results"]) == 4 * 2 * 2
    assert all(ROW_KEYS <= set(r) for r in report["results"])
    for s in report["data"]["splits"]:
        held = s["evaluation_fields"]
        assert held == (["ngc628-e"] if split == "within-field" else held) and len(held) == 1
    if split == "within-field":
        assert report["data"]["field"] == "ngc628-e"
        assert sum(report["data"]["class_counts"].values()) == 381
    assert Path(str(out) + ".png").is_file()
    assert set(report["comparisons"]) == {"byol_probe_entropy", "byol_probe_pseudo"}


def test_unknown_field_is_refused(legus_pair: Path, tmp_path: Path, capsys) -> None:
    code = main(["bench", "label-efficiency", "--legus-dir", str(legus_pair), "--split", "within-field",
                 "--field", "ngc9999", "--out", str(tmp_path / "x.json")])
    assert code == 2 and "ngc9999" in capsys.readouterr().err
