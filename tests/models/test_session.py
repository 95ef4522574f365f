"""Model session: the landcover contract, pseudo-labels kept apart, save/load as data (no pickle)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.errors import CheckpointError, LabelError
from models.session import ModelSession

CLASSES = [1, 2, 3, 4]


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(1, 5, 600)
    centres = rng.normal(size=(5, 16)) * 2.0
    return (centres[y] + rng.normal(size=(600, 16))).astype(np.float32), y


def test_predict_add_labels_retrain(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES, validation=(np.arange(500, 600), y[500:]))
    assert np.allclose(session.predict(), 0.25)
    session.add_labels(np.arange(40), y[:40])
    entry = session.retrain()
    assert entry["version"] == 1 and entry["n_labels"] == 40 and entry["validation_accuracy"] > 0.9
    probs = session.predict()
    assert probs.shape == (600, 4)
    assert (np.asarray(CLASSES)[probs.argmax(1)][500:] == y[500:]).mean() > 0.9
    assert [h["event"] for h in session.history] == ["add_labels", "retrain"]
    assert session.history[0]["indices"] == list(range(40))


def test_undo_reverts_the_last_batch_including_relabels(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES)
    session.add_labels([0, 1], [1, 2])
    session.retrain()
    session.add_labels([1, 2], [3, 4])  # relabels source 1
    assert session.labels == {0: 1, 1: 3, 2: 4}
    assert session.undo() == 2
    assert session.labels == {0: 1, 1: 2}
    assert session.version == 2  # undo refits: a new model version
    session.undo()
    assert session.labels == {} and not session.probe.fitted
    with pytest.raises(LabelError, match="nothing to undo"):
        session.undo()


def test_reset_forgets_labels_and_model(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES)
    session.add_labels(np.arange(20), y[:20])
    session.retrain()
    session.reset()
    assert session.labels == {} and np.allclose(session.predict(), 0.25)
    assert session.version == 1 and session.history[-1]["event"] == "reset"


def test_reset_can_forget_the_history_of_a_reused_session(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES)
    session.add_labels(np.arange(20), y[:20])
    first = session.retrain()
    session.reset(forget_history=True)
    assert session.history == [] and session.labels == {} and session.version == 1
    session.add_labels(np.arange(20), y[:20])
    again = session.retrain()  # a fresh fit on the same labels: the same probe, a higher version
    assert again["version"] == 2 and again["n_labels"] == first["n_labels"]
    assert [h["event"] for h in session.history] == ["add_labels", "retrain"]


def test_pseudo_labels_are_never_returned_as_human_labels(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES, {"pseudo": {"start": 0.9, "end": 0.8, "rounds": 2}})
    session.add_labels(np.arange(30), y[:30])
    entry = session.retrain()
    assert entry["n_pseudo"] > 100 and len(session.pseudo) == entry["n_pseudo"]
    assert set(session.labels) == set(range(30))
    assert not session.pseudo.mask[:30].any() and session.labelled_mask.sum() == 30


def test_save_load_round_trip_without_pickle(data, tmp_path: Path) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES, {"pseudo": {"start": 0.95}}, validation=([599], [y[599]]))
    session.add_labels(np.arange(30), y[:30])
    session.retrain()
    session.add_labels([30], [y[30]])
    folder = session.save(tmp_path / "s")
    state = json.loads((folder / "session.json").read_text())
    assert state["labels"][:2] == [[0, int(y[0])], [1, int(y[1])]]  # class values, readable
    loaded = ModelSession.load(folder)
    assert loaded.labels == session.labels and loaded.version == session.version
    assert np.array_equal(loaded.predict(), session.predict())
    assert np.array_equal(loaded.pseudo.indices, session.pseudo.indices)
    assert loaded.undo() == 1 and 30 not in loaded.labels  # the batch history survives too
    with pytest.raises(CheckpointError, match="saved for \\(600, 16\\)"):
        ModelSession.load(folder, embeddings=emb[:10])


def test_load_refuses_pickled_objects(data, tmp_path: Path) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES)
    session.add_labels([0, 1], [1, 2])
    session.retrain()
    folder = session.save(tmp_path / "s", include_embeddings=False)
    torch.save({"format": "skylabel-session-v1", "probe": {"evil": object()}}, folder / "probe.pt")
    with pytest.raises(CheckpointError, match="cannot be read as plain data"):
        ModelSession.load(folder, embeddings=emb)


def test_bad_labels_are_explained(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES, validation=([5], [1]))
    with pytest.raises(LabelError, match="unknown classes \\['7'\\]"):
        session.add_labels([0], [7])
    with pytest.raises(LabelError, match="outside 0..599"):
        session.add_labels([600], [1])
    with pytest.raises(LabelError, match="held out for validation"):
        session.add_labels([5], [1])
    with pytest.raises(LabelError, match="no labels yet"):
        session.retrain()


def test_real_sdss_sources_end_to_end(tmp_path: Path) -> None:
    """SDSS g, r, i -> sep sources -> cutouts -> noise units -> BYOL (tiny) -> embeddings -> session."""
    sep = pytest.importorskip("sep")
    from astropy.io import fits

    from models.cutouts import extract_cutouts
    from models.embed import embed
    from models.normalise import BandNormalisation
    from models.train_byol import train_byol
    from tests.conftest import shared_file
    from tests.models.synthetic import tiny_config

    bands = [fits.getdata(shared_file(f"images/sdss_gri/reprojected_sdss_{b}.fits")).astype(np.float32)
             for b in "gri"]
    g = np.nan_to_num(bands[0])
    background = sep.Background(g)
    sources = sep.extract(g - background, 5.0, err=background.globalrms)
    assert len(sources) > 30
    cut = extract_cutouts(bands, sources["x"], sources["y"], size=16)  # sep positions are 0-based
    norm = BandNormalisation.fit(cut.data, valid=cut.valid, band_names=["g", "r", "i"])
    units = norm.to_noise_units(cut.data, cut.valid)
    state = train_byol(units, tiny_config(steps=2), normalisation=norm.to_dict())
    emb = embed(state.encoder, units, device="cpu")
    session = ModelSession(emb, ["star", "galaxy"])
    session.add_labels([0, 1, 2, 3], ["star", "galaxy", "star", "galaxy"])
    session.retrain()
    assert session.predict().shape == (len(sources), 2)
    assert ModelSession.load(session.save(tmp_path / "sdss")).labels == session.labels


def test_pseudo_labelled_lists_what_the_retrain_trained_on(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES, {"pseudo": {"start": 0.9, "end": 0.8, "rounds": 2}})
    assert session.pseudo_labelled() == []
    session.add_labels(np.arange(30), y[:30])
    session.retrain()
    listed = session.pseudo_labelled()
    assert len(listed) == len(session.pseudo) > 100
    assert all(i >= 30 and cls in CLASSES and conf >= session.pseudo_threshold for i, cls, conf in listed)
    assert session.pseudo_threshold == pytest.approx(0.9)
    predicted = np.asarray(CLASSES)[session.predict().argmax(1)]
    assert np.mean([predicted[i] == cls for i, cls, _ in listed]) > 0.9  # confident: the probe agrees


def test_cross_validated_accuracy_scores_held_out_folds_of_the_human_labels(data) -> None:
    emb, y = data
    session = ModelSession(emb, CLASSES)
    session.add_labels(np.arange(9), y[:9])
    assert session.cross_validated_accuracy() is None  # fewer than 2 labels per fold
    session.add_labels(np.arange(9, 200), y[9:200])
    cold = session.cross_validated_accuracy()
    session.retrain()
    before = session.predict().copy()
    warm = session.cross_validated_accuracy()  # warm-started from the fitted probe: the same optima
    assert cold is not None and warm is not None and cold > 0.85
    assert warm == pytest.approx(cold, abs=0.02)
    assert np.array_equal(session.predict(), before) and session.version == 1  # the session is untouched
    shuffled = ModelSession(emb, CLASSES)
    shuffled.add_labels(np.arange(200), np.random.default_rng(5).permutation(y[:200]))
    assert shuffled.cross_validated_accuracy() < 0.5  # labels unrelated to the embeddings score at chance
    single = ModelSession(emb, CLASSES)
    single.add_labels(np.arange(20), [1] * 20)
    assert single.cross_validated_accuracy() is None  # one class: nothing to tell apart
