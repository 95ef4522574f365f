"""Annotator skill: the Dawid & Skene (1979) EM model of who confuses which classes.

Each rater ``r`` has a confusion matrix ``E_r[k, l] = P(r says l | true class k)``, the classes a prior
``pi``; EM alternates the posterior class of every item (E step) with the matrices and prior that make the
votes most likely (M step). It starts from the vote fractions (majority vote, soft). *Gold* items (a known
class from a reference catalogue, hidden in a round) are held at their class in every step, which seeds the
skill estimates with a ground truth where there is one (crowd-kit's ``true_labels``).

``smoothing`` adds a pseudo-count to every cell of every matrix before normalising: with 30 sources a round
often has a rater who never said "3" for a true "1", and an exact zero there would make one such vote veto a
class. ``smoothing=0`` is the textbook (and crowd-kit's) estimate, clipped at 1e-10. The stopping rule is
crowd-kit's: the evidence lower bound per vote improves by less than ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.agreement.votes import VoteTable

_EPS = 1e-10


@dataclass(frozen=True)
class DawidSkeneResult:
    posteriors: np.ndarray  # (n_items, K); rows of items without votes or gold are the prior
    confusion: np.ndarray  # (n_raters, K, K): [true, given], rows sum to 1
    priors: np.ndarray  # (K,)
    n_iter: int
    elbo: list[float]

    @property
    def labels(self) -> np.ndarray:
        """The most probable class per item (lowest index on a tie)."""
        return self.posteriors.argmax(axis=1)

    @property
    def confidence(self) -> np.ndarray:
        """The posterior of the most probable class per item."""
        return self.posteriors.max(axis=1)


def dawid_skene(votes: VoteTable, gold: np.ndarray | None = None, smoothing: float = 0.01,
                n_iter: int = 100, tol: float = 1e-5) -> DawidSkeneResult:
    """Fit the model; ``gold`` is a class per item (``-1`` where unknown)."""
    gold_idx = np.flatnonzero(gold >= 0) if gold is not None else np.zeros(0, dtype=np.int64)
    gold_cls = gold[gold_idx] if gold is not None else gold_idx
    counts = votes.counts().astype(np.float64)
    n = counts.sum(axis=1, keepdims=True)
    voted = n[:, 0] > 0
    post = np.divide(counts, n, out=np.zeros_like(counts), where=n > 0)
    post = _hold_gold(post, gold_idx, gold_cls)
    priors = _priors(post, voted | _mask(gold_idx, votes.n_items))
    conf = _m_step(votes, post, smoothing)
    elbo: list[float] = []
    best = -np.inf
    it = 0
    for it in range(1, n_iter + 1):  # noqa: B007 (the count is returned)
        post = _e_step(votes, priors, conf)
        post = _hold_gold(post, gold_idx, gold_cls)
        priors = _priors(post, voted | _mask(gold_idx, votes.n_items))
        conf = _m_step(votes, post, smoothing)
        value = _elbo(votes, post, priors, conf)
        elbo.append(value)
        if value - best < tol:
            break
        best = value
    post[~voted & ~_mask(gold_idx, votes.n_items)] = priors
    return DawidSkeneResult(post, conf, priors, it, elbo)


def _mask(idx: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=bool)
    out[idx] = True
    return out


def _hold_gold(post: np.ndarray, idx: np.ndarray, cls: np.ndarray) -> np.ndarray:
    if idx.size:
        post = post.copy()
        post[idx] = 0.0
        post[idx, cls] = 1.0
    return post


def _priors(post: np.ndarray, known: np.ndarray) -> np.ndarray:
    if not known.any():
        return np.full(post.shape[1], 1.0 / post.shape[1])
    return np.clip(post[known].mean(axis=0), _EPS, None)


def _m_step(votes: VoteTable, post: np.ndarray, smoothing: float) -> np.ndarray:
    conf = np.zeros((votes.n_raters, votes.n_classes, votes.n_classes))
    # conf[r, true, given] += P(item is true) for each vote (r, item, given)
    np.add.at(conf.transpose(0, 2, 1), (votes.raters, votes.classes), post[votes.items])
    conf = np.clip(conf + smoothing, _EPS, None)
    return conf / conf.sum(axis=2, keepdims=True)


def _e_step(votes: VoteTable, priors: np.ndarray, conf: np.ndarray) -> np.ndarray:
    log_lik = np.tile(np.log(priors), (votes.n_items, 1))
    np.add.at(log_lik, votes.items, np.log(conf[votes.raters, :, votes.classes]))
    log_lik -= log_lik.max(axis=1, keepdims=True)
    lik = np.exp(log_lik)
    return lik / lik.sum(axis=1, keepdims=True)


def _elbo(votes: VoteTable, post: np.ndarray, priors: np.ndarray, conf: np.ndarray) -> float:
    """crowd-kit's bound per vote: sum over votes of E_q[log E_r + log pi] plus the entropy of q."""
    per_vote = np.log(conf[votes.raters, :, votes.classes]) + np.log(priors)[None, :]
    joint = float((post[votes.items] * per_vote).sum())
    q = np.clip(post[np.unique(votes.items)], _EPS, None)
    entropy = float(-(np.log(q) * q).sum())
    return (joint + entropy) / max(votes.n_votes, 1)
