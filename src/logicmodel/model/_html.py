"""Notebook HTML for a :class:`~logicmodel.LogicModel` (a compact summary table)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logicmodel.model.logic_model import LogicModel

_KIND_JA = {
    "input": "インプット",
    "activity": "アクティビティ",
    "output": "アウトプット",
    "outcome": "アウトカム",
    "impact": "インパクト",
}


def model_html(model: LogicModel) -> str:
    """A table of nodes with their indicators, escaped, with no scripts or external resources."""
    esc = html.escape
    rows = []
    for n in model.nodes:
        stage = getattr(n, "stage", "")
        inds = ", ".join(
            f"{esc(i.title)}{' [' + esc(i.role) + ']' if i.role else ''}"
            for i in model.indicators_of(n.id)
        )
        rows.append(
            f"<tr><td>{esc(_KIND_JA[n.kind])}{' (' + esc(stage) + ')' if stage else ''}</td>"
            f"<td><code>{esc(n.id)}</code></td><td>{esc(n.title)}</td><td>{inds}</td></tr>"
        )
    return (
        f"<div class='logicmodel'><strong>{esc(model.title)}</strong> <code>{esc(model.id)}</code>"
        f" — {len(model.nodes)} nodes, {len(model.links)} links, {len(model.indicators)} indicators,"
        f" {len(model.milestones)} milestones"
        "<table><thead><tr><th>kind</th><th>id</th><th>label</th><th>indicators</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
