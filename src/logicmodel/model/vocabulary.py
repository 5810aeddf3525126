"""The words of a logic model, defined once: node kinds, outcome stages and the pathway order.

Every label table of the library (the notebook summary, check messages, Mermaid groups, chart and
dashboard columns, the RS System and spreadsheet readers) is built from this module, so a kind is
spelled the same everywhere and the pathway order exists in one place (STYLE 17).

Examples
--------
>>> from logicmodel.model.vocabulary import PATHWAY, pathway_rank
>>> [(c.kind, c.stage, c.ja) for c in PATHWAY[2:4]]
[('output', None, 'アウトプット'), ('outcome', 'short', '短期アウトカム')]
>>> pathway_rank("outcome", "intermediate"), pathway_rank("impact")
(4, 6)
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple

__all__ = [
    "KINDS",
    "KIND_EN",
    "KIND_EN_ONE",
    "KIND_JA",
    "PATHWAY",
    "STAGES",
    "STAGE_JA",
    "STAGE_WORDS_JA",
    "NodeKind",
    "PathwayColumn",
    "Stage",
    "pathway_rank",
]

NodeKind = Literal["input", "activity", "output", "outcome", "impact"]
Stage = Literal["short", "intermediate", "long"]

KINDS: Final[tuple[NodeKind, ...]] = ("input", "activity", "output", "outcome", "impact")
"""Node kinds in pathway order."""
STAGES: Final[tuple[Stage, ...]] = ("short", "intermediate", "long")
"""Outcome stages in pathway order."""

KIND_JA: Final[dict[str, str]] = {
    "input": "インプット",
    "activity": "アクティビティ",
    "output": "アウトプット",
    "outcome": "アウトカム",
    "impact": "インパクト",
}
"""Japanese name of each node kind."""
KIND_EN: Final[dict[str, str]] = {
    "input": "Inputs",
    "activity": "Activities",
    "output": "Outputs",
    "outcome": "Outcomes",
    "impact": "Impact",
}
"""English heading of each node kind."""
KIND_EN_ONE: Final[dict[str, str]] = {
    "input": "Input",
    "activity": "Activity",
    "output": "Output",
    "outcome": "Outcome",
    "impact": "Impact",
}
"""English name of one node of each kind (the dashboard's node details)."""
STAGE_JA: Final[dict[str, str]] = {"short": "短期", "intermediate": "中期", "long": "長期"}
"""Japanese name of each outcome stage."""
STAGE_WORDS_JA: Final[dict[str, tuple[str, ...]]] = {
    "short": ("短期", "初期"),
    "intermediate": ("中期", "中間"),
    "long": ("長期", "最終"),
}
"""Japanese words read as each outcome stage, its name first."""
_STAGE_EN: Final = {"short": "Short-term", "intermediate": "Intermediate", "long": "Long-term"}


class PathwayColumn(NamedTuple):
    """One step of the pathway: a kind, its outcome stage (outcomes only) and its names."""

    kind: NodeKind
    stage: Stage | None
    ja: str
    """Japanese heading: ``アウトプット``, ``短期アウトカム``."""
    en: str
    """English heading: ``Outputs``, ``Short-term outcomes``."""
    text: str
    """Lower-case English words used in messages: ``output``, ``short outcome``."""


def _columns() -> tuple[PathwayColumn, ...]:
    out: list[PathwayColumn] = []
    for kind in KINDS:
        if kind != "outcome":
            out.append(PathwayColumn(kind, None, KIND_JA[kind], KIND_EN[kind], kind))
            continue
        for stage in STAGES:
            ja, en = STAGE_JA[stage] + KIND_JA[kind], f"{_STAGE_EN[stage]} outcomes"
            out.append(PathwayColumn(kind, stage, ja, en, f"{stage} outcome"))
    return tuple(out)


PATHWAY: Final[tuple[PathwayColumn, ...]] = _columns()
"""The pathway from left to right: input → activity → output → outcome (short → intermediate →
long) → impact."""

_RANK: Final[dict[tuple[str, str | None], int]] = {
    (c.kind, c.stage): k for k, c in enumerate(PATHWAY)
}


def pathway_rank(kind: str, stage: str | None = None) -> int:
    """Position of a kind (and an outcome's stage) in :data:`PATHWAY`: 0 input … 6 impact.

    An outcome without a known stage counts as short; an unknown kind as an input.
    """
    if kind == "outcome":
        return _RANK.get((kind, stage), _RANK[("outcome", "short")])
    return _RANK.get((kind, None), 0)
