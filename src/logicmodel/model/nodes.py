"""Stage nodes of the effect pathway (効果発現経路) and the links between them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field

from logicmodel.model.base import Frozen, Id, NonNegative, Text
from logicmodel.model.evidence import LinkEvidence
from logicmodel.model.vocabulary import (
    KINDS,
    STAGE_JA,
    STAGE_WORDS_JA,
    STAGES,
    NodeKind,
    Stage,
)

__all__ = [
    "KINDS",
    "STAGES",
    "Activity",
    "Impact",
    "Input",
    "Link",
    "Node",
    "NodeKind",
    "Outcome",
    "Output",
    "Stage",
]


_STAGE_ALIASES = {
    **{word: stage for stage, words in STAGE_WORDS_JA.items() for word in words},
    **{f"{k}.{STAGE_JA[stage]}": stage for k, stage in enumerate(STAGES, start=1)},  # 1.短期
    **{str(k): stage for k, stage in enumerate(STAGES, start=1)},
    "short-term": "short",
    "medium": "intermediate",
    "intermediate-term": "intermediate",
    "long-term": "long",
}


def _stage_alias(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip()
        return _STAGE_ALIASES.get(key, _STAGE_ALIASES.get(key.lower(), key.lower()))
    return value


class _NodeBase(Frozen):
    id: Id
    label: Text | None = None
    description: Text | None = None
    owner: Text | None = None
    controllable: bool | None = None
    assumptions: tuple[Text, ...] = ()
    refs: tuple[Text, ...] = ()
    tags: tuple[Text, ...] = ()

    @property
    def title(self) -> str:
        """The label, or the id when there is none."""
        return self.label or self.id


class Input(_NodeBase):
    """Resources: budget, staff, systems (インプット)."""

    kind: Literal["input"] = "input"


class Activity(_NodeBase):
    """What the programme does (アクティビティ)."""

    kind: Literal["activity"] = "activity"


class Output(_NodeBase):
    """What an activity produces: countable and controllable (アウトプット)."""

    kind: Literal["output"] = "output"


class Outcome(_NodeBase):
    """A change for users or society (アウトカム), at a ``stage``: short, intermediate or long.

    Japanese stage names are accepted: 短期/初期 → short, 中期/中間 → intermediate, 長期/最終 → long.

    Examples
    --------
    >>> Outcome(id="wait", label="待ち時間の短縮", stage="中期").stage
    'intermediate'
    """

    kind: Literal["outcome"] = "outcome"
    stage: Annotated[Stage, BeforeValidator(_stage_alias)] = "short"


class Impact(_NodeBase):
    """The ultimate goal beyond the ceiling of accountability (インパクト)."""

    kind: Literal["impact"] = "impact"


Node = Annotated[Input | Activity | Output | Outcome | Impact, Discriminator("kind")]
"""Any stage node, discriminated on ``kind``."""


class Link(Frozen):
    """An "if this, then that" contribution edge (つながり) from ``source`` to ``target``.

    ``evidence`` is free text (a study, a pilot) or a :class:`LinkEvidence` estimate put there by
    :meth:`LogicModel.with_evidence`.

    Examples
    --------
    >>> Link(source="adopted", target="no_forms", weight=2.0).weight
    2.0
    """

    source: Id
    target: Id
    weight: Annotated[NonNegative, Field(description="relative contribution; ≥ 0")] = 1.0
    rationale: Text | None = None
    assumptions: tuple[Text, ...] = ()
    evidence: Text | LinkEvidence | None = None
