"""The :class:`LogicModel` container: nodes, links, indicators and milestones of one policy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from logicmodel.errors import ModelError, did_you_mean
from logicmodel.formula import parse_formula
from logicmodel.model._html import model_html
from logicmodel.model.base import Frozen, Id, Text
from logicmodel.model.evidence import LinkEvidence
from logicmodel.model.indicators import Indicator
from logicmodel.model.milestones import Milestone
from logicmodel.model.nodes import Link, Node
from logicmodel.model.unit_definition import UnitDefinition

if TYPE_CHECKING:
    import networkx as nx


def _month_number(value: Any) -> Any:
    """``fiscal_year_start`` is a month 1-12; ``True`` is not a number here (bool is an int)."""
    if isinstance(value, bool):
        raise ModelError(f"expected a month number 1-12, got the bool {value}")
    return value


__all__ = ["LogicModel", "UnknownIdError"]


class UnknownIdError(ModelError, KeyError):
    """An id that the model does not define (also a ``KeyError`` for mapping-style callers)."""

    def __init__(self, message: str, *, id: str | None = None) -> None:
        super().__init__(message)
        self.id = id


class LogicModel(Frozen):
    """One policy's logic model (ロジックモデル): the effect pathway and how it is measured.

    The model is an immutable container. It answers container questions (:meth:`node`,
    :meth:`upstream`, :meth:`downstream`, :meth:`indicators_of`, :meth:`to_networkx`); algorithms
    (``check``, ``evaluate``, ``dump``) are free functions taking the model.

    Raises
    ------
    ModelError
        Duplicate ids; links, ``measures``, ``weight_by`` or formula names that refer to unknown ids;
        formula cycles; duplicate links. The message names the item and the nearest known ids.

    Examples
    --------
    >>> import logicmodel as lm
    >>> m = lm.LogicModel(id="demo", title="デモ", nodes=[
    ...     lm.Activity(id="support"), lm.Output(id="adopted"), lm.Outcome(id="no_forms")],
    ...     links=[lm.Link(source="support", target="adopted"),
    ...            lm.Link(source="adopted", target="no_forms")],
    ...     indicators=[lm.KPI(id="adopted_n", measures="adopted", unit="団体",
    ...                        targets={"FY2025": 900})])
    >>> m.downstream("support")
    ('adopted',)
    >>> [i.id for i in m.indicators_of("adopted")]
    ['adopted_n']
    >>> m.node("adoptd")
    Traceback (most recent call last):
    ...
    logicmodel.model.logic_model.UnknownIdError: no node 'adoptd' in model 'demo'; nearest known ids: 'adopted'
    """

    id: Id
    title: Text
    owner: Text | None = None
    description: Text | None = None
    fiscal_year_start: Annotated[int, BeforeValidator(_month_number)] = Field(
        default=4, ge=1, le=12
    )
    # before the indicators: validating a definition adds its unit, so they may use it
    units: tuple[UnitDefinition, ...] = ()
    nodes: tuple[Node, ...] = ()
    links: tuple[Link, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    refs: tuple[Text, ...] = ()
    tags: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> LogicModel:
        node_ids = [n.id for n in self.nodes]
        ind_ids = [i.id for i in self.indicators]
        problems = [
            *_duplicate_ids(self),
            *_link_problems(self.links, node_ids),
            *_indicator_problems(self.indicators, node_ids, ind_ids),
        ]
        cycle = _formula_cycle(self.indicators)
        if cycle:
            k = ind_ids.index(cycle[0])
            problems.append(
                _reference(
                    ("indicators", k, "formula"),
                    "formulas refer to each other in a cycle: " + " → ".join(cycle),
                )
            )
        if problems:
            raise ModelError(f"{len(problems)} problem(s)", errors=problems)
        return self

    # -- building (each call returns a new, validated model) ------------------------------------
    def add(self, *items: Any) -> LogicModel:
        """A new model with nodes, links, indicators and milestones appended (a notebook builder).

        Raises
        ------
        ModelError
            An item of another type, or a result that is not a valid model (duplicate ids,
            links to unknown nodes …).

        Examples
        --------
        >>> import logicmodel as lm
        >>> m = lm.LogicModel(id="m", title="窓口").add(
        ...     lm.Activity(id="support"), lm.Output(id="adopted"),
        ...     lm.Link(source="support", target="adopted"),
        ...     lm.KPI(id="adopted_n", measures="adopted", unit="団体", targets={"FY2025": 900}))
        >>> m.downstream("support"), len(m.indicators)
        (('adopted',), 1)
        """
        from logicmodel.model.nodes import Activity, Impact, Input, Outcome, Output

        groups: dict[str, list[Any]] = {
            "nodes": list(self.nodes),
            "links": list(self.links),
            "indicators": list(self.indicators),
            "milestones": list(self.milestones),
        }
        for item in items:
            if isinstance(item, Input | Activity | Output | Outcome | Impact):
                groups["nodes"].append(item)
            elif isinstance(item, Link):
                groups["links"].append(item)
            elif isinstance(item, Indicator):
                groups["indicators"].append(item)
            elif isinstance(item, Milestone):
                groups["milestones"].append(item)
            else:
                raise ModelError(
                    f"cannot add a {type(item).__name__} to a logic model: give nodes, Link, "
                    "Indicator (KGI/KPI) or Milestone objects"
                )
        return self.model_copy(update=groups)

    def remove(self, *ids: str) -> LogicModel:
        """A new model without the named nodes, indicators or milestones.

        Removing a node also removes its links and the indicators that measure it.

        Raises
        ------
        UnknownIdError
            An id the model does not define (with the nearest known ids).

        Examples
        --------
        >>> import logicmodel as lm
        >>> m = lm.LogicModel(id="m", title="t", nodes=[lm.Activity(id="a"), lm.Output(id="o")],
        ...                   links=[lm.Link(source="a", target="o")],
        ...                   indicators=[lm.KPI(id="o_n", measures="o", unit="件")])
        >>> m.remove("o").node_ids, m.remove("o").indicators
        (('a',), ())
        """
        gone = set(ids)
        for ident in gone:
            if ident not in self._index:
                raise UnknownIdError(
                    f"no node, indicator or milestone {ident!r} in model {self.id!r}"
                    f"{did_you_mean(ident, self._index)}",
                    id=ident,
                )
        gone |= {i.id for i in self.indicators if i.measures in gone}
        return self.model_copy(
            update={
                "nodes": [n for n in self.nodes if n.id not in gone],
                "links": [
                    lk for lk in self.links if lk.source not in gone and lk.target not in gone
                ],
                "indicators": [i for i in self.indicators if i.id not in gone],
                "milestones": [m for m in self.milestones if m.id not in gone],
            }
        )

    def with_evidence(
        self, evidence: Any, *, link: tuple[str, str] | Link | None = None
    ) -> LogicModel:
        """A new model whose link carries ``evidence`` (structured, so it survives YAML/JSON).

        Parameters
        ----------
        evidence
            An ``lm.Evidence`` (the result of ``lm.estimate_link``, which knows its link) or a
            :class:`LinkEvidence` together with ``link``.
        link
            ``(source, target)`` or a :class:`Link` of the model; required for a bare
            :class:`LinkEvidence`, and must agree with an ``Evidence``'s own link.

        Raises
        ------
        UnknownIdError
            The link is not in the model (the message lists the links from its source), or the
            evidence's outcome or treatment indicator is not (evidence from another model).
        ModelError
            ``evidence`` is neither, ``link`` disagrees with the evidence's link, or its outcome
            (treatment) indicator does not measure the link's target (source).

        Examples
        --------
        >>> import logicmodel as lm
        >>> m = lm.LogicModel(id="m", title="t", nodes=[lm.Output(id="a"), lm.Outcome(id="b")],
        ...                   links=[lm.Link(source="a", target="b")],
        ...                   indicators=[lm.KPI(id="a_n", measures="a"),
        ...                               lm.KGI(id="b_n", measures="b")])
        >>> ev = lm.LinkEvidence(method="callaway_santanna", treatment="a_n", outcome="b_n",
        ...                      att=2.0, se=0.5, ci_low=1.0, ci_high=3.0, n_treated=10,
        ...                      n_control=5, n_periods=12, verdict="supports")
        >>> m.with_evidence(ev, link=("a", "b")).link("a", "b").evidence.verdict
        'supports'
        """
        if isinstance(evidence, LinkEvidence):
            if link is None:
                raise ModelError(
                    "with_evidence(LinkEvidence) needs link=(source, target): a bare estimate "
                    "does not know which link it belongs to"
                )
            data = evidence
        elif hasattr(evidence, "to_link_evidence") and hasattr(evidence, "link"):
            own = tuple(evidence.link)
            if link is not None:
                given = (link.source, link.target) if isinstance(link, Link) else tuple(link)
                if given != own:
                    raise ModelError(
                        f"link {given[0]!r} → {given[1]!r} differs from the evidence's own link "
                        f"{own[0]!r} → {own[1]!r}"
                    )
            link = (own[0], own[1])
            data = evidence.to_link_evidence()
        else:
            raise ModelError(
                f"with_evidence needs an lm.Evidence or an lm.LinkEvidence, got "
                f"{type(evidence).__name__}"
            )
        source, target = (link.source, link.target) if isinstance(link, Link) else link
        found = self.link(source, target)
        # evidence estimated on another model must name this model's indicators on the link
        for role, ind_id, node in (
            ("outcome", data.outcome, target),
            ("treatment", data.treatment, source),
        ):
            if ind_id is not None and self.indicator(ind_id).measures != node:
                raise ModelError(
                    f"the evidence's {role} {ind_id!r} measures "
                    f"{self.indicator(ind_id).measures!r}, not {node!r} of the link "
                    f"{source!r} → {target!r}; was it estimated on another model?"
                )
        return self.model_copy(
            update={
                "links": [
                    lk.model_copy(update={"evidence": data}) if lk is found else lk
                    for lk in self.links
                ]
            }
        )

    # -- lookups ---------------------------------------------------------------------------------
    @cached_property
    def _index(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in (*self.nodes, *self.indicators, *self.milestones):
            out[item.id] = item
        return out

    @cached_property
    def _adjacency(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        pred: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        succ: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for link in self.links:
            succ[link.source].append(link.target)
            pred[link.target].append(link.source)
        return ({k: tuple(v) for k, v in pred.items()}, {k: tuple(v) for k, v in succ.items()})

    @cached_property
    def _by_node(self) -> dict[str, tuple[Indicator, ...]]:
        out: dict[str, list[Indicator]] = {n.id: [] for n in self.nodes}
        for ind in self.indicators:
            out[ind.measures].append(ind)
        return {k: tuple(v) for k, v in out.items()}

    def _lookup(self, kind: str, ident: str, pool: Iterable[Any]) -> Any:
        items = {x.id: x for x in pool}
        if ident not in items:
            raise UnknownIdError(
                f"no {kind} {ident!r} in model {self.id!r}{did_you_mean(ident, items)}", id=ident
            )
        return items[ident]

    def node(self, id: str) -> Node:
        """The node with this id; :class:`UnknownIdError` names the nearest ids otherwise."""
        if id in self._adjacency[0]:
            return self._index[id]  # type: ignore[no-any-return]
        return self._lookup("node", id, self.nodes)  # type: ignore[no-any-return]

    def indicator(self, id: str) -> Indicator:
        """The indicator with this id."""
        item = self._index.get(id)
        if isinstance(item, Indicator):
            return item
        return self._lookup("indicator", id, self.indicators)  # type: ignore[no-any-return]

    def milestone(self, id: str) -> Milestone:
        """The milestone with this id."""
        item = self._index.get(id)
        if isinstance(item, Milestone):
            return item
        return self._lookup("milestone", id, self.milestones)  # type: ignore[no-any-return]

    def link(self, source: str, target: str) -> Link:
        """The link ``source`` → ``target``; :class:`UnknownIdError` lists the links from
        ``source`` (or the nearest node ids when ``source`` is not a node) otherwise."""
        self.node(source)
        self.node(target)
        for lk in self.links:
            if lk.source == source and lk.target == target:
                return lk
        outgoing = ", ".join(repr(t) for t in self._adjacency[1][source]) or "none"
        raise UnknownIdError(
            f"no link {source!r} → {target!r} in model {self.id!r}; links from {source!r} go to: "
            f"{outgoing}",
            id=target,
        )

    def upstream(self, id: str) -> tuple[str, ...]:
        """Ids of the nodes with a link into ``id`` (direct predecessors), in link order."""
        self.node(id)
        return self._adjacency[0][id]

    def downstream(self, id: str) -> tuple[str, ...]:
        """Ids of the nodes ``id`` links to (direct successors), in link order."""
        self.node(id)
        return self._adjacency[1][id]

    def indicators_of(self, id: str) -> tuple[Indicator, ...]:
        """Indicators that measure node ``id``."""
        self.node(id)
        return self._by_node[id]

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Node ids in definition order."""
        return tuple(n.id for n in self.nodes)

    @property
    def kgis(self) -> tuple[Indicator, ...]:
        """Indicators with role KGI."""
        return tuple(i for i in self.indicators if i.role == "KGI")

    @property
    def kpis(self) -> tuple[Indicator, ...]:
        """Indicators with role KPI."""
        return tuple(i for i in self.indicators if i.role == "KPI")

    def to_networkx(self) -> nx.DiGraph:
        """A new ``networkx.DiGraph``: stage nodes (``kind``, ``stage``, ``label``), link edges
        (``weight``, ``rationale``, ``relation="link"``) and indicator nodes (``kind="indicator"``)
        joined to the node they measure by ``relation="measures"`` edges.

        The graph is a copy: changing it does not change the model.

        Examples
        --------
        >>> import logicmodel as lm
        >>> m = lm.LogicModel(id="m", title="t", nodes=[lm.Activity(id="a"), lm.Output(id="b")],
        ...                   links=[lm.Link(source="a", target="b")],
        ...                   indicators=[lm.KPI(id="b_n", measures="b", unit="件")])
        >>> g = m.to_networkx()
        >>> sorted(g.edges(data="relation"))
        [('a', 'b', 'link'), ('b_n', 'b', 'measures')]
        """
        import networkx as nx

        g = nx.DiGraph(id=self.id, title=self.title)
        for n in self.nodes:
            g.add_node(n.id, kind=n.kind, stage=getattr(n, "stage", None), label=n.title)
        for link in self.links:
            g.add_edge(
                link.source,
                link.target,
                weight=link.weight,
                rationale=link.rationale,
                relation="link",
            )
        for ind in self.indicators:
            g.add_node(ind.id, kind="indicator", role=ind.role, label=ind.title, unit=ind.unit)
            g.add_edge(ind.id, ind.measures, relation="measures")
        return g

    def _repr_html_(self) -> str:
        return model_html(self)


def _reference(loc: tuple[Any, ...], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "reference"}


def _duplicate_ids(model: LogicModel) -> list[dict[str, Any]]:
    """An id used twice (ids are unique across nodes, indicators and milestones)."""
    problems = []
    seen: dict[str, str] = {}
    for group, items in (
        ("nodes", model.nodes),
        ("indicators", model.indicators),
        ("milestones", model.milestones),
    ):
        for k, item in enumerate(items):
            if item.id in seen:
                problems.append(
                    _reference(
                        (group, k, "id"),
                        f"duplicate id {item.id!r}, already used by a {seen[item.id]} "
                        "(ids are unique across nodes, indicators and milestones)",
                    )
                )
            else:
                seen[item.id] = group[:-1]
    return problems


def _link_problems(links: Sequence[Link], node_ids: list[str]) -> list[dict[str, Any]]:
    """Links to unknown nodes, from a node to itself, or given twice."""
    problems = []
    node_set = set(node_ids)
    pairs: set[tuple[str, str]] = set()
    for k, link in enumerate(links):
        for end in ("source", "target"):
            ref = getattr(link, end)
            if ref not in node_set:
                problems.append(
                    _reference(
                        ("links", k, end), f"unknown node {ref!r}{did_you_mean(ref, node_ids)}"
                    )
                )
        if link.source == link.target:
            problems.append(_reference(("links", k), f"link from {link.source!r} to itself"))
        pair = (link.source, link.target)
        if pair in pairs:
            problems.append(
                _reference(("links", k), f"link {link.source!r} → {link.target!r} is given twice")
            )
        pairs.add(pair)
    return problems


def _indicator_problems(
    indicators: Sequence[Indicator], node_ids: list[str], ind_ids: list[str]
) -> list[dict[str, Any]]:
    """Indicators measuring an unknown node, or naming unknown indicators in a formula or weight."""
    problems = []
    node_set, ind_set = set(node_ids), set(ind_ids)
    for k, ind in enumerate(indicators):
        if ind.measures not in node_set:
            problems.append(
                _reference(
                    ("indicators", k, "measures"),
                    f"unknown node {ind.measures!r}{did_you_mean(ind.measures, node_ids)}",
                )
            )
        for name in ind.components:
            if name not in ind_set:
                problems.append(
                    _reference(
                        ("indicators", k, "formula"),
                        f"name {name!r} is not an indicator id{did_you_mean(name, ind_ids)}",
                    )
                )
        if ind.weight_by is not None and ind.weight_by not in ind_set:
            problems.append(
                _reference(
                    ("indicators", k, "weight_by"),
                    f"unknown indicator {ind.weight_by!r}{did_you_mean(ind.weight_by, ind_ids)}",
                )
            )
    return problems


def _formula_cycle(indicators: Iterable[Indicator]) -> list[str]:
    deps = {i.id: parse_formula(i.formula).names if i.formula else () for i in indicators}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str]:
        state[v] = 1
        stack.append(v)
        for w in deps.get(v, ()):
            if state.get(w) == 1:
                return [*stack[stack.index(w) :], w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return []

    for v in deps:
        if v not in state:
            found = visit(v)
            if found:
                return found
    return []
