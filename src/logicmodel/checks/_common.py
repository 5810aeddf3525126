"""Helpers shared by the rule modules: locations, id lists, adjacency and bounded searches."""

from __future__ import annotations

import contextlib
import functools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, TypeVar

from logicmodel.errors import PeriodError
from logicmodel.model.vocabulary import PATHWAY, pathway_rank
from logicmodel.periods import Period, parse_period

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

T = TypeVar("T")

# Pathway order and labels: the one vocabulary of the model package
RANK_TEXT: Final = tuple(c.text for c in PATHWAY)
RANK_TEXT_JA: Final = tuple(c.ja for c in PATHWAY)


def rank(node: Any) -> int:
    """Position of a node in the pathway order (0 input … 6 impact)."""
    return pathway_rank(getattr(node, "kind", ""), getattr(node, "stage", None))


def kind_text(node: Any) -> str:
    """``output`` or ``outcome, short``."""
    stage = getattr(node, "stage", None)
    return f"{node.kind}, {stage}" if node.kind == "outcome" and stage else str(node.kind)


def kind_ja(node: Any) -> str:
    """``アウトプット`` or ``短期アウトカム``."""
    return RANK_TEXT_JA[rank(node)]


def node_where(node: Any) -> str:
    """``node 'adopted' (output)``."""
    return f"node {node.id!r} ({kind_text(node)})"


def link_where(source: str, target: str) -> str:
    """``link 'a' → 'b'``."""
    return f"link {source!r} → {target!r}"


def indicator_where(ident: str) -> str:
    """``indicator 'wait_min'``."""
    return f"indicator {ident!r}"


def milestone_where(ident: str) -> str:
    """``milestone 'spec'``."""
    return f"milestone {ident!r}"


def model_where(model: LogicModel) -> str:
    """``model 'window-dx'``."""
    return f"model {model.id!r}"


def id_list(ids: Sequence[str], *, limit: int = 5, more: int = 0) -> str:
    """``'a', 'b' and 3 more`` or ``none``."""
    if not ids:
        return "none"
    shown = ", ".join(repr(i) for i in ids[:limit])
    rest = max(len(ids) - limit, 0) + more
    return f"{shown} and {rest} more" if rest else shown


def id_list_ja(ids: Sequence[str], *, limit: int = 5, more: int = 0) -> str:
    """``'a', 'b' ほか3件`` or ``なし``."""
    if not ids:
        return "なし"
    shown = "、".join(repr(i) for i in ids[:limit])
    rest = max(len(ids) - limit, 0) + more
    return f"{shown} ほか{rest}件" if rest else shown


_SHARED: ContextVar[dict[tuple[int, str], Any] | None] = ContextVar("_SHARED", default=None)


@contextlib.contextmanager
def sharing() -> Iterator[None]:
    """Within this block, derived structures of a model are computed once and shared by rules.

    :func:`logicmodel.check` runs its rules inside it; outside, every call computes afresh.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(model: LogicModel, name: str, compute: Callable[[LogicModel], T]) -> T:
    """``compute(model)``, remembered for the current :func:`sharing` block (keyed by identity)."""
    memo = _SHARED.get()
    if memo is None:
        return compute(model)
    key = (id(model), name)
    if key not in memo:
        memo[key] = (model, compute(model))  # keep the model alive so its id stays unique
    value: T = memo[key][1]
    return value


def adjacency(model: LogicModel) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Successors and predecessors of every node (links only), in link order."""
    return shared(model, "adjacency", _adjacency)


def isolated(model: LogicModel) -> set[str]:
    """Ids of nodes with no link at all."""
    return shared(model, "isolated", _isolated)


def _isolated(model: LogicModel) -> set[str]:
    linked = {link.source for link in model.links} | {link.target for link in model.links}
    return {n.id for n in model.nodes} - linked


def _adjacency(model: LogicModel) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    succ: dict[str, list[str]] = {n.id: [] for n in model.nodes}
    pred: dict[str, list[str]] = {n.id: [] for n in model.nodes}
    for link in model.links:
        succ.setdefault(link.source, []).append(link.target)
        pred.setdefault(link.target, []).append(link.source)
    return succ, pred


def reachable(starts: Iterable[str], step: Mapping[str, Sequence[str]]) -> set[str]:
    """Every node reachable from ``starts`` (included) along ``step``: one multi-source BFS."""
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in step.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def first_reached(
    start: str, step: Mapping[str, Sequence[str]], *, limit: int = 5
) -> tuple[list[str], bool]:
    """Up to ``limit`` nodes reachable from ``start`` (BFS order) and whether there are more.

    The search stops as soon as ``limit + 1`` nodes are found, so it stays cheap on big graphs.
    """
    seen = {start}
    found: list[str] = []
    queue = deque([start])
    while queue:
        for nxt in step.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                if len(found) == limit:
                    return found, True
                found.append(nxt)
                queue.append(nxt)
    return found, False


def period_of(text: str, model: LogicModel) -> Period | None:
    """The period of a point label under the model's fiscal-year start (``None`` if unreadable)."""
    return _period(text, model.fiscal_year_start)


@functools.lru_cache(maxsize=4096)
def _period(text: str, fiscal_year_start: int) -> Period | None:
    try:
        return parse_period(text, fiscal_year_start)
    except PeriodError:
        return None


def acyclic(succ: Mapping[str, Sequence[str]]) -> bool:
    """Whether the graph has no cycle (Kahn's algorithm: one linear pass)."""
    indegree = dict.fromkeys(succ, 0)
    for targets in succ.values():
        for t in targets:
            indegree[t] = indegree.get(t, 0) + 1
    queue = deque(k for k, d in indegree.items() if d == 0)
    removed = 0
    while queue:
        removed += 1
        for t in succ.get(queue.popleft(), ()):
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    return removed == len(indegree)


def num(value: float) -> str:
    """``900`` rather than ``900.0``; other floats as given."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)
