"""Linear probe: multinomial logistic regression on frozen embeddings, retrained in well under a second.

The paper's interactive loop (section 4.2): a linear classifier on BYOL embeddings matches fine-tuning the
whole network and is cheap enough to retrain inside the labelling tool after every batch of labels.
Objective, as in scikit-learn's ``C = 1 / l2``::

    sum_i w_i CE(softmax(x_i W + b), y_i) + l2 / 2 * ||W||^2     (divided by sum_i w_i for conditioning)

minimised full-batch with L-BFGS (scipy's L-BFGS-B, analytic gradient in numpy float32), warm-started from the
previous weights. Not ``torch.optim.LBFGS``: its first step imports ``torch._dynamo`` (about 2 s) and its
per-iteration overhead dominates the small labelled sets of interactive use; float32 halves the memory
traffic of the 15,000 x 256 products, which is what a retrain costs.
``w_i`` combines balanced class weights (``n / (classes_present * n_k)``, so a rare class is not ignored) and
optional sample weights (pseudo-labels count less than human labels). Inputs should be standardised (see
:class:`models.features.FeatureScaler`) so ``l2`` means the same for every embedding.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import minimize

from models.errors import ConfigError, LabelError


def balanced_class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-sample weights ``n / (present * count[y_i])``: each present class carries the same total weight."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    present = int((counts > 0).sum())
    per_class = np.where(counts > 0, len(y) / (present * np.maximum(counts, 1.0)), 0.0)
    return per_class[y]


_CONTROLLER: list = []  # one threadpoolctl controller, created on first use (scanning libraries costs ~3 ms)


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread for the probe's thin (N x D) @ (D x K) products, which are memory-bound.

    Measured on a busy 2-core machine, OpenBLAS' spinning threads made a 15,000 x 256 retrain 4x slower and a
    200-label one 40x slower than one thread. Uses threadpoolctl when installed, else changes nothing. The
    controller is built once: building it per fit (it scans the loaded libraries) was half the time of a
    20-label fit.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: without it the probe is correct, only slower on a loaded machine
        return contextlib.nullcontext()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def _objective(x: np.ndarray, y: np.ndarray, w: np.ndarray, k: int, l2: float):
    """Loss and gradient of the weighted, L2-penalised multinomial log-loss; ``theta = [W.ravel(), b]``."""
    n, d = x.shape
    onehot = np.zeros((n, k), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weight = theta[: d * k].reshape(d, k).astype(np.float32)
        z = x @ weight + theta[d * k :].astype(np.float32)
        z -= z.max(axis=1, keepdims=True)
        ez = np.exp(z)
        total = ez.sum(axis=1, keepdims=True)
        log_p = z - np.log(total)
        loss = -float((w * (log_p * onehot).sum(axis=1)).sum()) + 0.5 * l2 * float((weight * weight).sum())
        g = (ez / total - onehot) * w[:, None]
        grad_w = x.T @ g + l2 * weight
        return loss, np.concatenate([grad_w.ravel(), g.sum(axis=0)]).astype(np.float64)

    return f


@dataclass
class LinearProbe:
    """Multinomial logistic regression; ``weight`` (D, K) and ``bias`` (K,) are None until fitted."""

    n_classes: int
    l2: float = 1.0
    class_weight: str | None = "balanced"
    max_iter: int = 100
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    n_iter: int = 0

    @property
    def fitted(self) -> bool:
        return self.weight is not None

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        warm_start: bool = True,
    ) -> LinearProbe:
        """Fit on (N, D) features and class indices ``y`` in ``[0, n_classes)``; returns ``self``."""
        xs = np.asarray(x, dtype=np.float32)
        ys = np.asarray(y, dtype=np.int64).ravel()
        if xs.ndim != 2 or xs.shape[0] != ys.shape[0]:
            raise LabelError(f"features {xs.shape} and {ys.shape[0]} labels: give one label per feature row")
        if ys.size == 0:
            raise LabelError("no labels to fit: add at least one label first")
        if ys.min() < 0 or ys.max() >= self.n_classes:
            raise LabelError(f"class indices must lie in [0, {self.n_classes}), got {ys.min()}..{ys.max()}")
        w = np.ones(ys.size) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).ravel()
        if w.shape != ys.shape:
            raise LabelError(f"{w.size} sample weights for {ys.size} labels")
        if self.class_weight == "balanced":
            w = w * balanced_class_weights(ys, self.n_classes)
        elif self.class_weight is not None:
            raise ConfigError(f"class_weight {self.class_weight!r} unknown: use 'balanced' or None")
        d, k = xs.shape[1], self.n_classes
        warm = warm_start and self.weight is not None and self.weight.shape == (d, k)
        theta0 = np.concatenate([self.weight.ravel(), self.bias]) if warm else np.zeros(d * k + k)  # type: ignore[union-attr]
        total = max(float(w.sum()), 1e-12)
        objective = _objective(xs, ys, (w / total).astype(np.float32), k, self.l2 / total)
        with single_threaded_blas():
            result = minimize(
                objective, theta0, jac=True, method="L-BFGS-B",
                options={"maxiter": self.max_iter, "gtol": 1e-5, "ftol": 1e-10},
            )
        self.n_iter = int(result.nit)
        self.weight = result.x[: d * k].reshape(d, k).copy()
        self.bias = result.x[d * k :].copy()
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(N, K) class probabilities (float32); uniform before the first fit."""
        xs = np.asarray(x, dtype=np.float64)
        if self.weight is None or self.bias is None:
            return np.full((xs.shape[0], self.n_classes), 1.0 / self.n_classes, dtype=np.float32)
        if xs.ndim != 2 or xs.shape[1] != self.weight.shape[0]:
            raise ConfigError(
                f"features have shape {xs.shape}, the probe was fitted on {self.weight.shape[0]} columns"
            )
        logits = xs @ self.weight + self.bias  # numpy: torch's per-call overhead was 5-8 ms, most of a CV fold
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return (odds / odds.sum(axis=1, keepdims=True)).astype(np.float32)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Most probable class index per row."""
        return self.predict_proba(x).argmax(axis=1)

    def state(self) -> dict:
        """Plain-data state (numbers and tensors) for ``torch.save`` with ``weights_only`` loading."""
        return {
            "n_classes": self.n_classes, "l2": self.l2, "class_weight": self.class_weight,
            "max_iter": self.max_iter,
            "weight": None if self.weight is None else torch.from_numpy(self.weight),
            "bias": None if self.bias is None else torch.from_numpy(self.bias),
        }

    @classmethod
    def from_state(cls, state: dict) -> LinearProbe:
        w, b = state.get("weight"), state.get("bias")
        return cls(
            n_classes=int(state["n_classes"]), l2=float(state["l2"]), class_weight=state["class_weight"],
            max_iter=int(state["max_iter"]),
            weight=None if w is None else w.numpy().astype(np.float64),
            bias=None if b is None else b.numpy().astype(np.float64),
        )
