"""Placement by class: each source's crowding status (isolated, a neighbour at 5-10 px, one within 5 px) holds."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from simulate.placement import (
    CLOSE,
    FREE,
    ISOLATED,
    NEAR,
    draw_statuses,
    leak,
    measured_profile,
    place,
    point_profiles,
    qualifies,
)
from simulate.priors import load_priors
from simulate.sources import associations


def _nearest_qualifying(xy: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    tree = cKDTree(xy)
    out = np.full(len(xy), np.inf)
    for s in range(len(xy)):
        for t in tree.query_ball_point(xy[s], 10.0):
            d = math.dist(xy[s], xy[t])
            if t != s and qualifies(profiles[t], profiles[s], d):
                out[s] = min(out[s], d)
    return out


def test_statuses_follow_the_class_rates() -> None:
    rates = load_priors().crowding
    assert rates[1][1] < rates[3][1] and rates[1][1] < rates[4][1]  # LEGUS: class 1 isolated, 3 and 4 crowded
    labels = np.repeat([0, 1, 3], 20000)
    status = draw_statuses(labels, rates, np.random.default_rng(0))
    assert (status[labels == 0] == FREE).all()
    for label in (1, 3):
        s = status[labels == label]
        p5, p10 = rates[label]
        assert abs((s == CLOSE).mean() - p5) < 0.01 and abs((s != ISOLATED).mean() - p10) < 0.015


def test_the_catalogue_photometry_sees_a_close_faint_neighbour_as_bright() -> None:
    assert leak(0.0) == 1.0 and leak(3.0) > 0.3 and abs(leak(12.0)) < 0.02
    assert leak(7.0) < 0  # a neighbour in the sky annulus lowers what is measured
    faint, bright, half = point_profiles(np.array([0.05, 1.0, 0.5]))
    assert qualifies(faint, bright, 2.5)  # 5% of the flux, 2.5 px away: its aperture holds most of the bright one
    assert not qualifies(faint, bright, 9.5) and qualifies(half, bright, 9.5)
    assert not qualifies(*point_profiles(np.array([1.0, 10.0])), 12.0)


def test_an_association_reaches_farther_than_a_star() -> None:
    rng = np.random.default_rng(4)
    association = associations(np.array([[50.0, 50.0]]), load_priors().classes[3], 29.5, rng)[0]
    profile = measured_profile(association)
    star = point_profiles(profile[:1])[0]
    assert profile[0] > 0 and profile[8] / profile[0] > star[8] / star[0]  # 4 px away: diffuse light and peaks


def test_every_status_holds_in_a_crowded_field() -> None:
    rng = np.random.default_rng(1)
    n, size = 1000, 700  # ~10x the mean density of a 4096 px field
    flux = 10 ** rng.uniform(0, 3, n)
    status = rng.choice([ISOLATED, NEAR, CLOSE, FREE], n, p=[0.6, 0.2, 0.15, 0.05])
    candidates = rng.uniform(0, size - 1, (n, 8, 2))
    profiles = point_profiles(flux)
    xy, broken = place(profiles, status, candidates, np.array(["young"] * n), size, np.random.default_rng(2))
    nearest = _nearest_qualifying(xy, profiles)
    met = np.where(status == ISOLATED, nearest >= 10, np.where(status == NEAR, (nearest >= 5) & (nearest < 10),
                                                               np.where(status == CLOSE, nearest < 5, True)))
    assert met.mean() > 0.97 and (~met).sum() <= broken
    assert ((xy >= 0) & (xy <= size - 1)).all()
    again, _ = place(profiles, status, candidates, np.array(["young"] * n), size, np.random.default_rng(2))
    assert np.array_equal(xy, again)
