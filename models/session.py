"""The interactive model session: microsoft/landcover's contract over frozen embeddings and a linear probe.

``predict / add_labels / retrain / undo / reset / save / load``, and what a caller needs to record a retrain
without reaching inside: :meth:`ModelSession.pseudo_labelled` (the pseudo-labels it trained on) and
:meth:`ModelSession.cross_validated_accuracy` (k-fold accuracy on the human labels). The session holds
human labels (per source index, 0-based row of ``embeddings``), an optional pseudo-label set kept apart from
them, a version counter that rises with every retrain, and a history of what happened (which labels, which
version, validation accuracy when a validation split is given). Saved state is data: ``session.json``
(classes, config, labels, history, scaler), ``probe.pt`` (tensors only, loaded with ``weights_only=True``)
and, optionally, ``embeddings.npy`` / ``features.npy`` (loaded with ``allow_pickle=False``). Never a pickled object.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from models.errors import CheckpointError, ConfigError, LabelError
from models.features import FeatureScaler, combine
from models.labels_saved import FeatureComparison, compare_with_features
from models.probe import LinearProbe
from models.probe_cv import kfold_accuracy
from models.pseudo_labels import PseudoLabels, PseudoLabelSchedule, select_pseudo_labels

FORMAT = "skylabel-session-v1"
CV_FOLDS = 5
CV_MAX_LABELS = 2000
ClassValue = int | str


@dataclass
class SessionConfig:
    """Probe settings and the optional pseudo-label schedule (a :class:`PseudoLabelSchedule` dict)."""

    l2: float = 1.0
    class_weight: str | None = "balanced"
    max_iter: int = 100
    pseudo: dict | None = None

    @classmethod
    def from_dict(cls, d: dict | None) -> SessionConfig:
        d = dict(d or {})
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown session config keys {sorted(unknown)}")
        return cls(**d)


def _plain(value: object) -> ClassValue:
    return value.item() if isinstance(value, np.generic) else value  # type: ignore[return-value]


class ModelSession:
    """Linear probe over ``embeddings`` (N, D) [+ catalogue ``features`` (N, F)] for the given ``classes``."""

    def __init__(
        self,
        embeddings: np.ndarray,
        classes: Sequence[ClassValue],
        config: SessionConfig | dict | None = None,
        *,
        features: np.ndarray | None = None,
        validation: tuple[Sequence[int], Sequence[ClassValue]] | None = None,
        scaler: FeatureScaler | None = None,
    ):
        self.embeddings = np.asarray(embeddings, dtype=np.float32)
        self.features = None if features is None else np.asarray(features, dtype=np.float64)
        if self.embeddings.ndim != 2:
            raise ConfigError(f"embeddings have shape {self.embeddings.shape}: expected (sources, dims)")
        self.classes = [_plain(c) for c in classes]
        if len(set(self.classes)) != len(self.classes) or len(self.classes) < 2:
            raise ConfigError(f"classes {self.classes} must be at least two distinct values")
        self._class_index = {c: i for i, c in enumerate(self.classes)}
        self.config = config if isinstance(config, SessionConfig) else SessionConfig.from_dict(config)
        self._schedule = PseudoLabelSchedule.from_dict(self.config.pseudo) if self.config.pseudo else None
        raw = combine(self.embeddings, self.features)
        self.scaler = scaler or FeatureScaler.fit(raw)
        self._x = self.scaler.transform(raw)
        self._validation: tuple[np.ndarray, np.ndarray] | None = None
        if validation is not None:
            v_idx = self._check_indices(validation[0])
            self._validation = (v_idx, self._to_class_indices(validation[1], v_idx.size))
        self.version = 0
        self.history: list[dict] = []
        self._clear()

    # -- state -------------------------------------------------------------------------------------------
    def _clear(self) -> None:
        self._labels: dict[int, int] = {}
        self._batches: list[list[tuple[int, int | None]]] = []
        self.probe = self._new_probe()
        self.pseudo = PseudoLabels.empty(self.n_sources)
        self._rounds = 0
        self._probs: np.ndarray | None = None

    @property
    def n_sources(self) -> int:
        return int(self.embeddings.shape[0])

    @property
    def labels(self) -> dict[int, ClassValue]:
        """Human labels only, ``{source index: class value}`` (pseudo-labels live in :attr:`pseudo`)."""
        return {i: self.classes[c] for i, c in sorted(self._labels.items())}

    def compare_with_features(self, baseline: np.ndarray, folds: int = CV_FOLDS, seed: int = 0) -> FeatureComparison:
        """This probe against a probe on ``baseline`` (photometric columns, one row per source, NaN where
        missing) on the same human labels, folds and penalty (:mod:`models.labels_saved`). The session
        itself is not changed."""
        idx = np.fromiter(self._labels.keys(), dtype=np.int64, count=len(self._labels))  # the CV's order
        y = np.fromiter(self._labels.values(), dtype=np.int64, count=len(self._labels))
        standardised = FeatureScaler.fit(baseline).transform(baseline)[idx]
        c = self.config
        return compare_with_features(self._x[idx], standardised, y, folds=folds, seed=seed, l2=c.l2,
                                     class_weight=c.class_weight)

    @property
    def labelled_mask(self) -> np.ndarray:
        m = np.zeros(self.n_sources, dtype=bool)
        m[list(self._labels)] = True
        return m

    def _check_indices(self, indices: Sequence[int]) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64).ravel()
        bad = idx[(idx < 0) | (idx >= self.n_sources)]
        if bad.size:
            raise LabelError(f"source indices {bad[:5].tolist()} are outside 0..{self.n_sources - 1}")
        return idx

    def _to_class_indices(self, values: Sequence[ClassValue], n: int) -> np.ndarray:
        vals = [_plain(v) for v in np.asarray(values, dtype=object).ravel()]
        if len(vals) != n:
            raise LabelError(f"{n} source indices but {len(vals)} classes: give one class per source")
        unknown = sorted({str(v) for v in vals if v not in self._class_index})
        if unknown:
            raise LabelError(f"unknown classes {unknown}: this session's classes are {self.classes}")
        return np.asarray([self._class_index[v] for v in vals], dtype=np.int64)

    # -- the contract ------------------------------------------------------------------------------------
    def predict(self) -> np.ndarray:
        """(N, K) probabilities for every source, columns in ``classes`` order (uniform if untrained)."""
        if self._probs is None:
            self._probs = self.probe.predict_proba(self._x)
        return self._probs

    def add_labels(self, indices: Sequence[int], classes: Sequence[ClassValue]) -> None:
        """Record one batch of human labels (a later label for the same source replaces the earlier one)."""
        idx = self._check_indices(indices)
        cls = self._to_class_indices(classes, idx.size)
        if self._validation is not None:
            held = np.intersect1d(idx, self._validation[0])
            if held.size:
                raise LabelError(f"sources {held[:5].tolist()} are held out for validation: label others")
        batch = [(int(i), self._labels.get(int(i))) for i in idx]
        self._labels.update({int(i): int(c) for i, c in zip(idx, cls, strict=True)})
        self._batches.append(batch)
        self._log("add_labels", indices=idx.tolist(), classes=[self.classes[c] for c in cls])

    def retrain(self) -> dict:
        """Fit the probe on the human labels (+ pseudo-labels if configured); returns the history entry."""
        if not self._labels:
            raise LabelError("no labels yet: add_labels before retrain")
        start = time.perf_counter()
        idx = np.fromiter(self._labels.keys(), dtype=np.int64)
        y = np.fromiter(self._labels.values(), dtype=np.int64)
        self.probe.fit(self._x[idx], y)
        self.pseudo = PseudoLabels.empty(self.n_sources)
        if self._schedule is not None:
            s = self._schedule
            excluded = self.labelled_mask
            if self._validation is not None:
                excluded[self._validation[0]] = True
            self.pseudo = select_pseudo_labels(
                self.probe.predict_proba(self._x), excluded, s.threshold(self._rounds),
                s.count_cap(self._rounds), s.class_balanced,
            )
            if len(self.pseudo):
                weights = np.concatenate([np.ones(idx.size), np.full(len(self.pseudo), s.weight)])
                self.probe.fit(
                    self._x[np.concatenate([idx, self.pseudo.indices])],
                    np.concatenate([y, self.pseudo.classes]), sample_weight=weights,
                )
        self._rounds += 1
        self.version += 1
        self._probs = None
        return self._log(
            "retrain", n_labels=int(idx.size), n_pseudo=len(self.pseudo),
            seconds=round(time.perf_counter() - start, 4), validation_accuracy=self.validation_accuracy(),
        )

    def undo(self) -> int:
        """Revert the last ``add_labels`` batch and refit (or forget the model if no label is left)."""
        if not self._batches:
            raise LabelError("nothing to undo: no label batch has been added since the last reset")
        batch = self._batches.pop()
        for i, previous in reversed(batch):
            if previous is None:
                self._labels.pop(i, None)
            else:
                self._labels[i] = previous
        self._log("undo", n_reverted=len(batch))
        if self._labels and self.probe.fitted:
            self.retrain()
        elif not self._labels:
            self._forget_model()
        return len(batch)

    def reset(self, forget_history: bool = False) -> None:
        """Drop every label, pseudo-label and the fitted probe; the version counter keeps rising.

        ``forget_history``: also drop the history, for a session reused as a fresh one (a server keeps one
        per embedding set and refits it on the stored labels: those are the record, not this history)."""
        self._clear()
        if forget_history:
            self.history.clear()
        else:
            self._log("reset")

    def _forget_model(self) -> None:
        self.probe = self._new_probe()
        self.pseudo = PseudoLabels.empty(self.n_sources)
        self._probs = None

    def _new_probe(self) -> LinearProbe:
        c = self.config
        return LinearProbe(len(self.classes), c.l2, c.class_weight, c.max_iter)

    def validation_accuracy(self) -> float | None:
        """Accuracy of the current probe on the validation split (None without one or before training)."""
        if self._validation is None or not self.probe.fitted:
            return None
        v_idx, v_cls = self._validation
        return float((self.probe.predict(self._x[v_idx]) == v_cls).mean())

    def pseudo_labelled(self) -> list[tuple[int, ClassValue, float]]:
        """``(source index, class value, confidence)`` of each pseudo-label the last retrain trained on."""
        p = self.pseudo
        return [(int(i), self.classes[int(c)], float(conf))
                for i, c, conf in zip(p.indices, p.classes, p.confidence, strict=True)]

    @property
    def pseudo_threshold(self) -> float:
        """The confidence threshold of the last retrain's pseudo-labels."""
        return float(self.pseudo.threshold)

    def cross_validated_accuracy(self, folds: int = CV_FOLDS, max_labels: int = CV_MAX_LABELS,
                                 seed: int = 0) -> float | None:
        """Mean accuracy over ``folds`` folds of the human labels (a fixed shuffle, at most ``max_labels``),
        each fold's probe fitted on the others; None with fewer than ``2 * folds`` labels or one class.

        Pseudo-labels are left out (they are the model's opinion, not a truth to score against). Folds are
        fitted over the classes present only (an absent class only slows L-BFGS down) and, when the session's
        probe is fitted, warm-started from it: the objective is convex, so each fold still reaches its own
        optimum (:func:`models.probe_cv.kfold_accuracy`). The session itself is not changed.
        """
        idx = np.fromiter(self._labels.keys(), dtype=np.int64)
        y = np.fromiter(self._labels.values(), dtype=np.int64)
        c = self.config
        return kfold_accuracy(self._x[idx], y, folds, seed, c.l2, c.class_weight, c.max_iter, max_rows=max_labels,
                              warm=self.probe)

    def _log(self, event: str, **fields: object) -> dict:
        entry = {"event": event, "version": self.version, "time": time.time(), **fields}
        self.history.append(entry)
        return entry

    # -- persistence (data only) -------------------------------------------------------------------------
    def save(self, path: str | Path, include_embeddings: bool = True) -> Path:
        """Write the session to directory ``path``; returns it."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        state = {
            "format": FORMAT, "classes": self.classes, "config": asdict(self.config), "version": self.version,
            "n_sources": self.n_sources, "embedding_dim": int(self.embeddings.shape[1]),
            "n_features": 0 if self.features is None else int(self.features.shape[1]),
            "labels": [[i, self.classes[c]] for i, c in sorted(self._labels.items())],
            "batches": [[[i, None if p is None else self.classes[p]] for i, p in b] for b in self._batches],
            "rounds": self._rounds,
            "history": self.history, "scaler": self.scaler.to_dict(),
            "validation": None if self._validation is None else [
                self._validation[0].tolist(), [self.classes[c] for c in self._validation[1]]
            ],
            "pseudo": {"indices": self.pseudo.indices.tolist(), "classes": self.pseudo.classes.tolist(),
                       "confidence": self.pseudo.confidence.tolist(), "threshold": self.pseudo.threshold},
        }
        (folder / "session.json").write_text(json.dumps(state, indent=1))
        torch.save({"format": FORMAT, "probe": self.probe.state()}, folder / "probe.pt")
        if include_embeddings:
            np.save(folder / "embeddings.npy", self.embeddings)
            if self.features is not None:
                np.save(folder / "features.npy", self.features)
        return folder

    @classmethod
    def load(
        cls, path: str | Path, embeddings: np.ndarray | None = None, features: np.ndarray | None = None
    ) -> ModelSession:
        """Rebuild a saved session; ``embeddings``/``features`` default to the saved ``.npy`` files."""
        folder = Path(path)
        try:
            state = json.loads((folder / "session.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{folder / 'session.json'} cannot be read: {exc}") from exc
        if state.get("format") != FORMAT:
            raise CheckpointError(f"{folder} holds format {state.get('format')!r}, expected {FORMAT!r}")
        emb = embeddings if embeddings is not None else _load_npy(folder / "embeddings.npy", "embeddings")
        feats = features
        if feats is None and state["n_features"]:
            feats = _load_npy(folder / "features.npy", "features")
        expected = (state["n_sources"], state["embedding_dim"])
        if tuple(np.shape(emb)) != expected:
            raise CheckpointError(
                f"embeddings have shape {np.shape(emb)}, the session was saved for {expected}: "
                "pass the embeddings the session was built on"
            )
        validation = state["validation"]
        session = cls(
            emb, state["classes"], SessionConfig.from_dict(state["config"]), features=feats,
            validation=None if validation is None else (validation[0], validation[1]),
            scaler=FeatureScaler.from_dict(state["scaler"]),
        )
        try:
            payload = torch.load(folder / "probe.pt", map_location="cpu", weights_only=True)
        except Exception as exc:  # corrupt file or pickled objects: both refused
            raise CheckpointError(f"{folder / 'probe.pt'} cannot be read as plain data: {exc}") from exc
        session.probe = LinearProbe.from_state(payload["probe"])
        index = session._class_index
        session._labels = {int(i): index[c] for i, c in state["labels"]}
        session._batches = [
            [(int(i), None if p is None else index[p]) for i, p in batch] for batch in state["batches"]
        ]
        session._rounds = int(state["rounds"])
        session.version = int(state["version"])
        session.history = list(state["history"])
        p = state["pseudo"]
        session.pseudo = PseudoLabels(
            np.asarray(p["indices"], dtype=np.int64), np.asarray(p["classes"], dtype=np.int64),
            np.asarray(p["confidence"], dtype=np.float32), float(p["threshold"]), session.n_sources,
        )
        return session


def _load_npy(path: Path, what: str) -> np.ndarray:
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: pass the {what} to ModelSession.load or save with them")
    return np.load(path, allow_pickle=False)
