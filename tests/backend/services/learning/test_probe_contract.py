"""The learning services reach the probe only through :class:`models.session.ModelSession`'s contract
(``predict / add_labels / retrain / undo / reset / save / load`` and what it grew for them), never into
its parts (scaler, probe weights, pseudo-label arrays): checked on the source of backend/services/learning."""

from __future__ import annotations

import ast
from pathlib import Path

from models.session import ModelSession

SERVICES = Path(__file__).resolve().parents[4] / "backend" / "services" / "learning"
CONTRACT = {"predict", "add_labels", "retrain", "undo", "reset", "save", "load", "pseudo_labelled",
            "pseudo_threshold", "cross_validated_accuracy", "compare_with_features", "classes", "labels",
            "version", "n_sources"}
SESSION_NAMES = {"model", "session_model", "probe_model"}  # how the services name a ModelSession


def test_the_contract_names_exist_on_the_session() -> None:
    missing = [name for name in CONTRACT if not hasattr(ModelSession, name) and name not in {
        "classes", "labels", "version"}]
    assert not missing, missing


def test_services_use_only_the_contract() -> None:
    bad = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in SESSION_NAMES and node.attr not in CONTRACT:
                bad.append(f"{path.name}:{node.lineno} model.{node.attr}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                    and isinstance(node.value.value, ast.Name) and node.value.value.id in SESSION_NAMES:
                bad.append(f"{path.name}:{node.lineno} model.{node.value.attr}.{node.attr}")
    assert not bad, "past ModelSession's contract:\n" + "\n".join(bad)
