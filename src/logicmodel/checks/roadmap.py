"""Roadmap rules (LM4xx): milestones of the service roadmap (サービスロードマップ)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from logicmodel.checks._common import milestone_where
from logicmodel.checks.registry import rule
from logicmodel.errors import did_you_mean
from logicmodel.issues import Issue

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["delivers_unknown_node", "done_before_start", "start_after_due"]


@rule(
    "LM401",
    severity="error",
    title="milestone delivers an unknown node",
    title_ja="存在しないノードを提供するマイルストーン",
)
def delivers_unknown_node(model: LogicModel) -> Iterator[Issue]:
    """A milestone whose ``delivers`` names something that is not a node of the model."""
    node_ids = [n.id for n in model.nodes]
    nodes = set(node_ids)
    others = {i.id: "an indicator" for i in model.indicators} | {
        m.id: "a milestone" for m in model.milestones
    }
    for m in model.milestones:
        for ident in m.delivers:
            if ident in nodes:
                continue
            what = (
                f"{ident!r} is {others[ident]}, not a node"
                if ident in others
                else (f"{ident!r} is not a node of the model")
            )
            hint = did_you_mean(ident, node_ids).removeprefix("; ")
            yield delivers_unknown_node.issue(
                milestone_where(m.id),
                f"delivers {ident!r}, but {what}; expected a node id; {hint}",
                f"提供対象 {ident!r} はノードではありません。"
                f"ノードのidを指定してください（{hint}）",
                ids=(m.id, ident),
            )


@rule(
    "LM402",
    severity="warning",
    title="milestone done before its start",
    title_ja="開始前に完了したマイルストーン",
)
def done_before_start(model: LogicModel) -> Iterator[Issue]:
    """A milestone whose ``done`` date is before its planned ``start`` (a date is mistyped)."""
    for m in model.milestones:
        if m.done is not None and m.start is not None and m.done < m.start:
            yield done_before_start.issue(
                milestone_where(m.id),
                f"done {m.done} is before start {m.start}; expected done on or after the start",
                f"完了日 {m.done} が開始日 {m.start} より前です。日付を確認してください",
                ids=(m.id,),
            )


@rule(
    "LM403",
    severity="error",
    title="milestone starts after it is due",
    title_ja="期限より後に開始するマイルストーン",
)
def start_after_due(model: LogicModel) -> Iterator[Issue]:
    """A milestone whose ``start`` is after its ``due`` date."""
    for m in model.milestones:
        if m.start is not None and m.start > m.due:
            yield start_after_due.issue(
                milestone_where(m.id),
                f"start {m.start} is after due {m.due}; expected start on or before the due date",
                f"開始日 {m.start} が期限 {m.due} より後です。日付を確認してください",
                ids=(m.id,),
            )
