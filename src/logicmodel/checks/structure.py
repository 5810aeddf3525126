"""Structure rules (LM1xx): the effect pathway as a graph.

Every rule here is one or two linear passes over the links (multi-source BFS, strongly connected
components), so a 10,000-node model is checked in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from logicmodel.checks._common import (
    RANK_TEXT,
    RANK_TEXT_JA,
    acyclic,
    adjacency,
    first_reached,
    id_list,
    id_list_ja,
    isolated,
    kind_ja,
    link_where,
    model_where,
    node_where,
    rank,
    reachable,
)
from logicmodel.checks.registry import rule
from logicmodel.issues import Issue
from logicmodel.model import LinkEvidence
from logicmodel.model.evidence import estimate_text, level_text, verdict_of
from logicmodel.model.vocabulary import STAGE_JA

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = [
    "all_outcomes_one_stage",
    "backward_link",
    "cycle",
    "evidence_contradicts",
    "isolated_node",
    "leads_to_no_outcome",
    "no_outcome",
    "not_reached_from_activity",
    "zero_weight_links",
]

_ENDS = frozenset({"outcome", "impact"})
_MEANS = frozenset({"input", "activity", "output"})


@rule("LM101", severity="error", title="cycle in links", title_ja="つながりの循環")
def cycle(model: LogicModel) -> Iterator[Issue]:
    """Links that loop back on themselves (a cycle): the pathway must be acyclic.

    One issue per strongly connected group of nodes, naming one cycle through it.
    """
    succ, _ = adjacency(model)
    if acyclic(succ):
        return
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in model.nodes)
    g.add_edges_from((link.source, link.target) for link in model.links)
    order = {n.id: k for k, n in enumerate(model.nodes)}
    groups = [c for c in nx.strongly_connected_components(g) if len(c) > 1]
    groups.sort(key=lambda c: min(order.get(x, 0) for x in c))
    for group in groups:
        start = min(group, key=lambda x: order.get(x, 0))
        edges = nx.find_cycle(g.subgraph(group), source=start)
        path = [edges[0][0], *(e[1] for e in edges)]
        shown = " → ".join(repr(x) for x in path)
        members = sorted(group, key=lambda x: order.get(x, 0))
        yield cycle.issue(
            link_where(edges[-1][0], edges[-1][1]),
            f"closes a cycle {shown}; expected links that only move forward along the pathway; "
            f"nodes that loop into each other: {id_list(members)}; remove or reverse one of "
            "these links (put feedback in the link's assumptions)",
            f"つながりが循環しています: {shown}（循環に含まれるノード: {id_list_ja(members)}）。"
            "いずれかのつながりを削除するか向きを逆にしてください（フィードバックは前提条件に記載）",
            ids=members,
        )


@rule(
    "LM102", severity="error", title="link against the pathway order", title_ja="逆向きのつながり"
)
def backward_link(model: LogicModel) -> Iterator[Issue]:
    """A link that goes backwards along input → activity → output → outcome (short →
    intermediate → long) → impact, such as outcome → activity, output → input, long → short
    outcome, or impact → anything but an impact.

    Skipping stages (activity → outcome) and links within one stage are fine.
    """
    nodes = {n.id: n for n in model.nodes}
    for link in model.links:
        src, dst = nodes.get(link.source), nodes.get(link.target)
        if src is None or dst is None or rank(src) <= rank(dst):
            continue
        yield backward_link.issue(
            link_where(link.source, link.target),
            f"goes backwards: {RANK_TEXT[rank(src)]} {src.id!r} → {RANK_TEXT[rank(dst)]} "
            f"{dst.id!r}; expected "
            f"the target at the {RANK_TEXT[rank(src)]} stage or later ("
            + " → ".join(RANK_TEXT)
            + "); reverse the link or correct the kinds/stages",
            f"つながりが逆向きです: {kind_ja(src)} {src.id!r} → {kind_ja(dst)} {dst.id!r}。"
            f"つながりの先は{RANK_TEXT_JA[rank(src)]}かそれより後の段階であるべきです（"
            + " → ".join(RANK_TEXT_JA)
            + "）。向きか種別・段階を直してください",
            ids=(link.source, link.target),
        )


@rule("LM103", severity="error", title="leads to no outcome", title_ja="アウトカムにつながらない")
def leads_to_no_outcome(model: LogicModel) -> Iterator[Issue]:
    """An input, activity or output with links, from which no path reaches an outcome or impact.

    Isolated nodes are reported by LM105 instead; a model with no outcome at all by LM106.
    """
    ends = [n.id for n in model.nodes if n.kind in _ENDS]
    if not ends:
        return
    succ, pred = adjacency(model)
    reaches = reachable(ends, pred)
    alone = isolated(model)
    for n in model.nodes:
        if n.kind not in _MEANS or n.id in reaches or n.id in alone:
            continue
        down, more = first_reached(n.id, succ)
        extra = 1 if more else 0
        yield leads_to_no_outcome.issue(
            node_where(n),
            f"leads to no outcome; downstream nodes: {id_list(down, more=extra)}; expected a path "
            f"to an outcome or impact such as {id_list(ends, limit=3)}",
            f"どのアウトカム・インパクトにもつながっていません。下流のノード: "
            f"{id_list_ja(down, more=extra)}。{id_list_ja(ends, limit=3)} などへの経路が必要です",
            ids=(n.id, *down),
        )


@rule(
    "LM104",
    severity="warning",
    title="outcome not reached from any activity",
    title_ja="アクティビティから到達しないアウトカム",
)
def not_reached_from_activity(model: LogicModel) -> Iterator[Issue]:
    """An outcome or impact with links that no activity leads to (nothing the programme does
    is expected to produce it). Isolated nodes are reported by LM105 instead.
    """
    activities = [n.id for n in model.nodes if n.kind == "activity"]
    succ, pred = adjacency(model)
    reached = reachable(activities, succ)
    alone = isolated(model)
    for n in model.nodes:
        if n.kind not in _ENDS or n.id in reached or n.id in alone:
            continue
        up, more = first_reached(n.id, pred)
        extra = 1 if more else 0
        if activities:
            want = f"a path from an activity such as {id_list(activities, limit=3)}"
            want_ja = f"{id_list_ja(activities, limit=3)} などのアクティビティからの経路が必要です"
        else:
            want = "a path from an activity, but the model has no activity"
            want_ja = "アクティビティからの経路が必要ですが、モデルにアクティビティがありません"
        yield not_reached_from_activity.issue(
            node_where(n),
            f"no activity leads here; upstream nodes: {id_list(up, more=extra)}; expected {want}",
            f"どのアクティビティからもつながっていません。上流のノード: "
            f"{id_list_ja(up, more=extra)}。{want_ja}",
            ids=(n.id, *up),
        )


@rule("LM105", severity="error", title="isolated node", title_ja="孤立したノード")
def isolated_node(model: LogicModel) -> Iterator[Issue]:
    """A node with no links at all: it is not part of the effect pathway."""
    alone = isolated(model)
    if not alone:
        return
    by_rank: dict[int, list[str]] = {}
    for n in model.nodes:
        if n.id not in alone:
            by_rank.setdefault(rank(n), []).append(n.id)
    for n in model.nodes:
        if n.id not in alone:
            continue
        r = rank(n)
        before = next((by_rank[k] for k in range(r - 1, -1, -1) if k in by_rank), [])
        after = next((by_rank[k] for k in range(r + 1, 7) if k in by_rank), [])
        expected = [f"from earlier stages (such as {id_list(before, limit=3)})"] if before else []
        expected += [f"to later stages (such as {id_list(after, limit=3)})"] if after else []
        expected_ja = [f"前の段階（{id_list_ja(before, limit=3)} など）から"] if before else []
        expected_ja += [f"後の段階（{id_list_ja(after, limit=3)} など）へ"] if after else []
        yield isolated_node.issue(
            node_where(n),
            f"has no links; expected links {' and '.join(expected) or 'to other nodes'}; "
            "link it into the pathway or remove it",
            f"つながりが一つもありません。{'と'.join(expected_ja) or '他のノードと'}の"
            "つながりを追加するか、削除してください",
            ids=(n.id,),
        )


@rule("LM106", severity="error", title="no outcome or impact", title_ja="アウトカムがない")
def no_outcome(model: LogicModel) -> Iterator[Issue]:
    """A model with nodes but no outcome and no impact: nothing says what should change."""
    if not model.nodes or any(n.kind in _ENDS for n in model.nodes):
        return
    kinds = sorted({n.kind for n in model.nodes}, key=("input", "activity", "output").index)
    yield no_outcome.issue(
        model_where(model),
        f"has no outcome or impact; expected at least one; got {len(model.nodes)} nodes, "
        f"all {' or '.join(kinds)}",
        f"アウトカムもインパクトもありません（{len(model.nodes)}ノードすべてが"
        f"{'・'.join(RANK_TEXT_JA[('input', 'activity', 'output').index(k)] for k in kinds)}）。"
        "少なくとも一つ必要です",
        ids=(),
    )


@rule(
    "LM107",
    severity="info",
    title="all outcomes in one stage",
    title_ja="アウトカムの段階が一つだけ",
)
def all_outcomes_one_stage(model: LogicModel) -> Iterator[Issue]:
    """Two or more outcomes, all in the same stage, and none with a description saying why
    (usually the stages were not thought through: short → intermediate → long).
    """
    outcomes = [n for n in model.nodes if n.kind == "outcome"]
    if len(outcomes) < 2:
        return
    stages = {getattr(n, "stage", "short") for n in outcomes}
    if len(stages) != 1 or any(n.description for n in outcomes):
        return
    stage = next(iter(stages))
    ids = [n.id for n in outcomes]
    yield all_outcomes_one_stage.issue(
        model_where(model),
        f"all {len(outcomes)} outcomes are {stage} ({id_list(ids)}); expected short, intermediate "
        "and long outcomes, or a description on an outcome saying why one stage is enough",
        f"{len(outcomes)}個のアウトカム（{id_list_ja(ids)}）が"
        f"すべて{STAGE_JA.get(stage, stage)}です。"
        "短期・中期・長期に分けるか、一つの段階でよい理由を説明(description)に書いてください",
        ids=ids,
    )


@rule(
    "LM108", severity="warning", title="all incoming weights zero", title_ja="流入の重みがすべて0"
)
def zero_weight_links(model: LogicModel) -> Iterator[Issue]:
    """A node whose incoming links all have weight 0: nothing upstream counts in its roll-up."""
    weights: dict[str, list[tuple[str, float]]] = {}
    for link in model.links:
        weights.setdefault(link.target, []).append((link.source, link.weight))
    for n in model.nodes:
        into = weights.get(n.id)
        if not into or any(w > 0 for _, w in into):
            continue
        sources = [s for s, _ in into]
        yield zero_weight_links.issue(
            node_where(n),
            f"every link into it has weight 0 (from {id_list(sources)}); expected at least one "
            "positive weight, or the upstream progress never reaches this node",
            f"流入するつながり（{id_list_ja(sources)} から）の重みがすべて0です。"
            "少なくとも一つは正の重みにしてください",
            ids=(n.id, *sources),
        )


@rule(
    "LM109",
    severity="warning",
    title="evidence contradicts the link",
    title_ja="つながりと逆向きの効果",
)
def evidence_contradicts(model: LogicModel) -> Iterator[Issue]:
    """A link whose estimated effect (``model.with_evidence``) goes against its outcome's
    direction: the interval lies on the worsening side, so the hypothesis "if this, then that"
    is contradicted by the data. The verdict is recomputed from the interval and the outcome
    indicator's current ``direction``."""
    directions = {i.id: i.direction for i in model.indicators}
    for link in model.links:
        ev = link.evidence
        if not isinstance(ev, LinkEvidence):
            continue
        # judged against the outcome's direction as the model says now (it may have changed)
        verdict = (
            verdict_of(ev.ci_low, ev.ci_high, directions[ev.outcome])
            if ev.outcome in directions
            else ev.verdict
        )
        if verdict != "contradicts":
            continue
        unit = f" {ev.unit}" if ev.unit else ""
        level = level_text(ev.alpha)
        att = estimate_text(ev.att, sign=True)
        lo, hi = estimate_text(ev.ci_low), estimate_text(ev.ci_high)
        estimate = f"ATT {att}{unit} ({level} CI {lo} to {hi})"
        estimate_ja = f"効果 {att}{unit}（{level}信頼区間 {lo}〜{hi}）"
        yield evidence_contradicts.issue(
            link_where(link.source, link.target),
            f"the estimated effect on {ev.outcome!r} is {estimate}, against the outcome's "
            f"direction ({ev.method}, {ev.n_treated} treated, {ev.n_control} control "
            "organisations); expected an effect in the link's direction: revisit the assumption "
            "or the means",
            f"「{ev.outcome}」への推定{estimate_ja}は指標の向きと逆です"
            f"（{ev.method}、導入 {ev.n_treated}・比較 {ev.n_control} 団体）。"
            "つながりの前提か手段を見直してください",
            ids=(link.source, link.target, ev.outcome),
        )
