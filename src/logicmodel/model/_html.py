"""Notebook HTML for a :class:`~logicmodel.LogicModel` (a compact summary table)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Protocol

from logicmodel.model.vocabulary import KIND_JA


class _Summarised(Protocol):
    """What the summary reads of a model (so this module needs no import of ``LogicModel``)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def nodes(self) -> Sequence[Any]: ...
    @property
    def links(self) -> Sequence[Any]: ...
    @property
    def indicators(self) -> Sequence[Any]: ...
    @property
    def milestones(self) -> Sequence[Any]: ...
    def indicators_of(self, id: str) -> Sequence[Any]: ...


def model_html(model: _Summarised) -> str:
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
            f"<tr><td>{esc(KIND_JA[n.kind])}{' (' + esc(stage) + ')' if stage else ''}</td>"
            f"<td><code>{esc(n.id)}</code></td><td>{esc(n.title)}</td><td>{inds}</td></tr>"
        )
    return (
        f"<div class='logicmodel'><strong>{esc(model.title)}</strong> <code>{esc(model.id)}</code>"
        f" — {len(model.nodes)} nodes, {len(model.links)} links, {len(model.indicators)} indicators,"
        f" {len(model.milestones)} milestones"
        "<table><thead><tr><th>kind</th><th>id</th><th>label</th><th>indicators</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
