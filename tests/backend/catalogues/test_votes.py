"""Consensus and current votes: the rules behind the exported ``class`` and ``class_<annotator>`` columns."""

from __future__ import annotations

from backend.catalogues.table import Label
from backend.catalogues.votes import consensus, current_votes


def test_last_label_of_an_annotator_is_their_vote() -> None:
    labels = [Label("alice", "2"), Label("bob", "1"), Label("alice", "1")]
    assert current_votes(labels) == {"alice": "1", "bob": "1"}
    assert consensus(labels) == "1"


def test_mode_wins_and_ties_have_no_consensus() -> None:
    assert consensus([Label("a", "3"), Label("b", "3"), Label("c", "4")]) == "3"
    assert consensus([Label("a", "3"), Label("b", "4")]) is None
    assert consensus([]) is None


def test_label_dict_round_trip_and_errors() -> None:
    label = Label.from_dict({"annotator": "alice", "class": 2.0, "time": "2024-05-01T12:00:00Z", "round": 3})
    assert label.class_ == "2" and label.round == 3 and label.time is not None and label.time.year == 2024
    assert Label.from_dict(label.to_dict()) == label
    for bad in ({"annotator": "a"}, {"annotator": "a", "class": 1, "round": "x"},
                {"annotator": "a", "class": 1, "time": "yesterday"}):
        try:
            Label.from_dict(bad)
        except ValueError as exc:
            assert str(exc)
        else:
            raise AssertionError(f"{bad} was accepted")
