"""Write the docs' model-card page from the latest saved model.

``conf.py`` calls :func:`write_model_card` at every build, so the page always
describes the newest version in the project's model folder, or says how to make
one when none is saved yet. The card is read as plain JSON: the docs build needs
no model loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TITLE = "Model card"


def latest_card(store: Path, name: str) -> dict[str, Any] | None:
    """The model card of the newest saved version of ``name`` in ``store``, or None."""
    cards = [p for p in (store / name).glob("*/model.json") if p.parent.name.isdigit()]
    if not cards:
        return None
    newest = max(cards, key=lambda p: int(p.parent.name))
    return json.loads(newest.read_text(encoding="utf-8"))


def render(card: dict[str, Any] | None, name: str) -> str:
    """The page as reStructuredText."""
    lines = [TITLE, "=" * len(TITLE), ""]
    if card is None:
        return "\n".join(
            [
                *lines,
                f"No model named ``{name}`` has been saved yet. Run ``modelyard train``",
                "(or ``make train``), then build the docs again: this page then describes",
                "the latest saved version.",
                "",
            ]
        )
    lines += [
        f"This page describes version {card.get('version')} of ``{card.get('name')}``,",
        "the latest saved when the docs were built.",
        "",
        *_table(
            "Summary",
            {
                "task": card.get("task"),
                "estimator": card.get("estimator"),
                "saved": card.get("created"),
                "classes": ", ".join(map(str, card.get("classes") or [])) or "(regression)",
            },
        ),
        *_table("Holdout metrics", card.get("metrics") or {"(none)": "not scored before saving"}),
        *_contract(card.get("features", [])),
        *_table("Library versions", card.get("versions") or {}),
    ]
    return "\n".join(lines)


def _table(title: str, rows: dict[str, Any]) -> list[str]:
    out = [title, "-" * len(title), "", ".. list-table::", "   :widths: 40 60", ""]
    for key, value in rows.items():
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        out += [f"   * - ``{key}``", f"     - {shown}"]
    return [*out, ""]


def _contract(features: list[dict[str, Any]]) -> list[str]:
    """The data contract: per feature its kind, whether it may be missing, what training saw."""
    from modelyard.schema import FeatureSchema

    title = "Features and data contract"
    out = [title, "-" * len(title), "", ".. list-table::", "   :header-rows: 1", ""]
    out += [
        "   * - feature",
        "     - kind",
        "     - nullable",
        "     - seen in training",
        "     - policy",
    ]
    for feature in FeatureSchema.from_dict(features).features:
        out += [
            f"   * - ``{feature.name}``",
            f"     - {feature.kind}",
            f"     - {'yes' if feature.nullable else 'no'}",
            f"     - {feature.seen_in_training()}",
            f"     - {feature.policy() or '-'}",
        ]
    return [*out, ""]


def write_model_card(store: Path, name: str, target: Path) -> None:
    """Write the page for the latest version of ``name`` in ``store`` to ``target``."""
    target.write_text(render(latest_card(store, name), name), encoding="utf-8")
