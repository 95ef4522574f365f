"""What the probe is fitted on (backend/services/learning/probe_inputs.py): one label per embedding row (most
votes, then newest), catalogue features with LEGUS sentinels masked. (The cross-validation is
:meth:`models.session.ModelSession.cross_validated_accuracy`, tested in tests/models/test_session.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.errors import InputError
from backend.services.learning.data import SourceTable
from backend.services.learning.probe_inputs import catalogue_features, row_labels
from tests.backend.services.conftest import add_sources


def table(labels: list[str | None], n_votes: list[int], ids: list[int] | None = None) -> SourceTable:
    n = len(labels)
    return SourceTable(np.asarray(ids or list(range(1, n + 1)), dtype=np.int64), np.zeros(n), np.zeros(n),
                       labels, np.asarray(n_votes, dtype=np.int64))


def test_one_label_per_row_and_the_left_out_counted() -> None:
    sources = table(["1", "4", None, "2", "9", "3"], [1, 2, 0, 1, 1, 1])
    rows = np.array([0, 0, 1, 2, 3, -1])  # sources 1 and 2 share row 0; source 6 has no embedding
    labels, skipped = row_labels(sources, rows, ["1", "2", "3", "4"])
    assert labels == {0: "4", 2: "2"}  # row 0: the label with more votes wins
    assert skipped == {"not_embedded": 1, "unknown_class": 1}


def test_equal_votes_go_to_the_newest_source() -> None:
    sources = table(["1", "3"], [1, 1], ids=[10, 20])
    assert row_labels(sources, np.array([0, 0]), ["1", "3"])[0] == {0: "3"}
    reversed_order = table(["3", "1"], [1, 1], ids=[20, 10])
    assert row_labels(reversed_order, np.array([0, 0]), ["1", "3"])[0] == {0: "3"}  # by id, not by position
    assert row_labels(table([], []), np.zeros(0, dtype=np.int64), ["1"]) == ({}, {"not_embedded": 0,
                                                                                  "unknown_class": 0})


def test_catalogue_features_mask_sentinels_and_non_numbers(sessions: sessionmaker[Session], image_id: int) -> None:
    columns: list[dict[str, Any]] = [{"ci": 1.2, "mag": 21.0, "flag": True}, {"ci": 99.999, "mag": "n/a"},
                                     {"ci": 66.666, "mag": 19.5}, {"ci": 1.5}]
    _, ids = add_sources(sessions, image_id, [(1, 1), (5, 5), (9, 9), (13, 13)], columns=columns)
    order = np.asarray([ids[3], ids[0], ids[1], ids[2]], dtype=np.int64)
    with sessions() as session:
        out = catalogue_features(session, order, ["ci", "mag"])
    expected = np.array([[1.5, np.nan], [1.2, 21.0], [np.nan, np.nan], [np.nan, 19.5]])
    np.testing.assert_array_equal(out, expected)  # rows follow the ids given; NaN where missing or a sentinel
    assert out.dtype == np.float64
    with sessions() as session:
        with pytest.raises(InputError, match=r"catalogue column\(s\) flag, colour have no numeric value"):
            catalogue_features(session, order, ["ci", "flag", "colour"])  # a boolean is not a number
        assert catalogue_features(session, order, []).shape == (4, 0)
