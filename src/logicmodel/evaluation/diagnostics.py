"""Pathway diagnostics (DESIGN §5.6) and the service roadmap's milestone status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = [
    "FINDING_CODES",
    "FINDING_RULES",
    "MILESTONE_STATUSES",
    "FindingInputs",
    "LinkPairs",
    "diagnose_findings",
    "milestone_table",
]

FINDING_CODES = ("broken_link", "bottleneck", "stale", "unmeasured", "milestone_overdue")
"""Codes of pathway findings."""
MILESTONE_STATUSES = ("done", "due_soon", "overdue", "upcoming")
"""Milestone status codes."""

_GOOD = {"achieved", "on_track"}
_FREQ_DAYS = {"month": 31, "quarter": 92, "fiscal_quarter": 92, "fiscal_year": 366, "year": 366}
_FINDING_COLUMNS = ["code", "node", "org", "level", "message", "message_ja", "evidence"]


def _per_key(keys: npt.NDArray[np.int64], make: Callable[[int], str]) -> npt.NDArray[np.object_]:
    """``make(key)`` for every row, called once per distinct integer key."""
    if not len(keys):
        return np.zeros(0, dtype=object)
    distinct, inverse = np.unique(keys, return_inverse=True)
    texts = np.empty(len(distinct), dtype=object)
    texts[:] = [make(int(k)) for k in distinct.tolist()]
    out: npt.NDArray[np.object_] = texts[inverse]
    return out


def _evidence_note(model: LogicModel, source: str, target: str, lang: str) -> str:
    """The link's estimated evidence, when it supports the link (issue 13), for a finding."""
    note: Callable[[str], str] | None = next(
        (
            getattr(lk.evidence, "finding_note", None)
            for lk in model.links
            if lk.source == source and lk.target == target
        ),
        None,
    )
    return note(lang) if note is not None else ""


def milestone_table(model: LogicModel, as_of: dt.date, due_soon_days: int) -> pd.DataFrame:
    """``milestone, title, due, done, status`` (done | due_soon | overdue | upcoming) as of a date.

    A milestone is ``done`` when its ``done`` date is on or before ``as_of``; ``overdue`` when its
    due date has passed; ``due_soon`` within ``due_soon_days``; else ``upcoming``.
    """
    rows = []
    for m in model.milestones:
        if m.done is not None and m.done <= as_of:
            status = "done"
        elif m.due < as_of:
            status = "overdue"
        elif (m.due - as_of).days <= due_soon_days:
            status = "due_soon"
        else:
            status = "upcoming"
        rows.append(
            {
                "milestone": m.id,
                "title": m.title,
                "due": m.due,
                "done": m.done,
                "status": status,
                "delivers": ", ".join(m.delivers),
                "service_level": m.service_level,
                "days_late": (as_of - m.due).days if status == "overdue" else 0,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "milestone",
            "title",
            "due",
            "done",
            "status",
            "delivers",
            "service_level",
            "days_late",
        ],
    )
    out["status"] = pd.Categorical(out["status"], categories=list(MILESTONE_STATUSES))
    return out


@dataclass(frozen=True)
class LinkPairs:
    """Every link × org where both ends have a row in the node table: the link's position in
    ``model.links`` and the rows of its source and of its target (same org), in the order of the
    links, then of the source's rows."""

    link: npt.NDArray[np.int64]
    source: npt.NDArray[np.int64]
    target: npt.NDArray[np.int64]


@dataclass(frozen=True)
class FindingInputs:
    """What the finding rules look at: the node table (one row per node × org) read once into
    arrays — ``node`` (position in ``node_ids``, -1 for an id the model does not have), ``status``
    (codes into ``status_names``, -1 for none), ``off``/``good`` (off track; achieved or on
    track), ``score``, ``rolled``, ``upstream`` — every link × org (``pairs``; ``None`` without
    links or nodes), and the evaluation's tables. Rules work on row positions; text is made only
    for the rows they emit (:func:`_rows`)."""

    model: LogicModel
    nodes: pd.DataFrame
    node_ids: npt.NDArray[np.object_]
    node: npt.NDArray[np.int64]
    status: npt.NDArray[np.int64]
    status_names: npt.NDArray[np.object_]
    off: npt.NDArray[np.bool_]
    good: npt.NDArray[np.bool_]
    score: npt.NDArray[np.float64]
    rolled: npt.NDArray[np.float64]
    upstream: npt.NDArray[np.float64]
    pairs: LinkPairs | None
    link_ends: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]  # node positions per link
    indicators: pd.DataFrame
    history: pd.DataFrame
    milestones: pd.DataFrame
    as_of: dt.date
    freq: dict[str, str | None]


FindingRule = Callable[[FindingInputs], "pd.DataFrame | None"]
"""A finding rule: rows ``node, org, level, message, message_ja, evidence`` (``None``: none)."""


def diagnose_findings(
    model: LogicModel,
    nodes: pd.DataFrame,
    indicators: pd.DataFrame,
    history: pd.DataFrame,
    milestones: pd.DataFrame,
    as_of: dt.date,
    freq: dict[str, str | None],
) -> pd.DataFrame:
    """Findings with node ids and evidence, per org: every rule of :data:`FINDING_RULES`."""
    inputs = _finding_inputs(model, nodes, indicators, history, milestones, as_of, freq)
    parts = []
    for code, rule in FINDING_RULES.items():
        found = rule(inputs)
        if found is not None and len(found):
            parts.append(found.assign(code=code))
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _FINDING_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[_FINDING_COLUMNS]
    out["code"] = pd.Categorical(out["code"], categories=list(FINDING_CODES))
    return out.sort_values(["code", "node"], kind="stable").reset_index(drop=True)


def _finding_inputs(
    model: LogicModel,
    nodes: pd.DataFrame,
    indicators: pd.DataFrame,
    history: pd.DataFrame,
    milestones: pd.DataFrame,
    as_of: dt.date,
    freq: dict[str, str | None],
) -> FindingInputs:
    """The node table as integer positions and arrays (node ids and orgs factorised once)."""
    node_ids = np.asarray(list(model.node_ids), dtype=object)
    codes, distinct = pd.factorize(nodes["node"])
    known = np.append(pd.Index(node_ids).get_indexer(np.asarray(distinct, dtype=object)), -1)
    node = known[codes].astype(np.int64)
    raw_codes, uniques = pd.factorize(nodes["status"])  # categorical: from its codes
    status = raw_codes.astype(np.int64)
    names = np.empty(len(uniques) + 1, dtype=object)
    names[:-1] = np.asarray(uniques, dtype=object)
    names[-1] = None  # code -1 (no status) points here
    link_ends = (
        pd.Index(node_ids).get_indexer([lk.source for lk in model.links]).astype(np.int64),
        pd.Index(node_ids).get_indexer([lk.target for lk in model.links]).astype(np.int64),
    )
    return FindingInputs(
        model=model,
        nodes=nodes,
        node_ids=node_ids,
        node=node,
        status=status,
        status_names=names,
        off=(names == "off_track")[status],
        good=np.isin(names, list(_GOOD))[status],
        score=nodes["score"].to_numpy(dtype=np.float64),
        rolled=nodes["rolled"].to_numpy(dtype=np.float64),
        upstream=nodes["upstream"].to_numpy(dtype=np.float64),
        pairs=_link_pairs(node, _org_codes(nodes["org"]), len(node_ids), link_ends),
        link_ends=link_ends,
        indicators=indicators,
        history=history,
        milestones=milestones,
        as_of=as_of,
        freq=freq,
    )


def _org_codes(org: pd.Series) -> npt.NDArray[np.int64]:
    """One code per distinct org (no org, the synthetic total, is a code of its own)."""
    codes, distinct = pd.factorize(org)
    out = codes.astype(np.int64)
    out[out < 0] = len(distinct)
    return out


def _link_pairs(
    node: npt.NDArray[np.int64],
    org: npt.NDArray[np.int64],
    n_nodes: int,
    link_ends: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
) -> LinkPairs | None:
    """Every link × org with rows for both ends: the source's rows (table order) of each link,
    joined to the target's row in the same org through a dense (node, org) grid."""
    src, tgt = link_ends
    links = np.flatnonzero((src >= 0) & (tgt >= 0))
    if not (len(links) and len(node)):
        return None
    n_org = int(org.max()) + 1
    rows = np.arange(len(node), dtype=np.int64)
    has = node >= 0
    grid = np.full(n_nodes * n_org, -1, dtype=np.int64)
    grid[node[has] * n_org + org[has]] = rows[has]
    order = np.argsort(node, kind="stable")  # each node's rows together, in table order
    starts = np.searchsorted(node[order], np.arange(n_nodes))
    per_link = np.bincount(node[has], minlength=n_nodes)[src[links]]
    link = np.repeat(links, per_link)
    ends = np.cumsum(per_link)
    offset = np.arange(len(link)) - np.repeat(ends - per_link - starts[src[links]], per_link)
    source = order[offset]
    target = grid[tgt[link] * n_org + org[source]]
    both = target >= 0
    return LinkPairs(link[both], source[both], target[both])


def _rows(
    table: pd.DataFrame, rows: npt.NDArray[np.int64], node: npt.NDArray[Any], **columns: Any
) -> pd.DataFrame:
    """Finding rows about ``node`` at the orgs and levels of ``table``'s ``rows``."""
    return pd.DataFrame(
        {
            "node": node,
            "org": table["org"].iloc[rows].to_numpy(),
            "level": table["level"].iloc[rows].to_numpy(),
            **columns,
        }
    )


def _broken_links(f: FindingInputs) -> pd.DataFrame | None:
    """A measured upstream node good, the node off track (a status inherited through an
    unmeasured node says nothing about the link)."""
    pairs = f.pairs
    if pairs is None:
        return None
    src, tgt = pairs.source, pairs.target
    hit = ~np.isnan(f.score[src]) & f.good[src] & f.off[tgt]
    link, src, tgt = pairs.link[hit], src[hit], tgt[hit]
    model, ids, names = f.model, f.node_ids, f.status_names
    a_of, b_of = ids[f.link_ends[0][link]], ids[f.link_ends[1][link]]
    n_status = len(names)

    def message(key: int) -> str:
        a, b = model.links[key // n_status].source, model.links[key // n_status].target
        sa = str(names[key % n_status])
        return (
            f"'{a}' is {sa.replace('_', ' ')} but '{b}' is off track: the "
            f"assumption on the link '{a}' → '{b}' may not hold" + _evidence_note(model, a, b, "en")
        )

    def message_ja(key: int) -> str:
        a, b = model.links[key].source, model.links[key].target
        return (
            f"「{a}」は順調ですが「{b}」は遅れています。"
            f"つながり {a}→{b} の前提を見直してください" + _evidence_note(model, a, b, "ja")
        )

    return _rows(
        f.nodes,
        src,
        b_of,
        message=_per_key(link * n_status + f.status[src] % n_status, message),
        message_ja=_per_key(link, message_ja),
        evidence=[
            {"upstream": a, "upstream_rolled": r1, "rolled": r2}
            for a, r1, r2 in zip(
                a_of.tolist(), f.rolled[src].tolist(), f.rolled[tgt].tolist(), strict=True
            )
        ],
    )


def _bottlenecks(f: FindingInputs) -> pd.DataFrame | None:
    """An off-track node whose measured successors are all off track and no predecessor is."""
    pairs = f.pairs
    if pairs is None:
        return None
    n = len(f.node)
    measured = np.flatnonzero(~np.isnan(f.score[pairs.target]))  # successors with data of their own
    m_src = pairs.source[measured]
    n_measured = np.bincount(m_src, minlength=n)
    n_measured_off = np.bincount(m_src[f.off[pairs.target[measured]]], minlength=n)
    pred_off = np.bincount(pairs.target[f.off[pairs.source]], minlength=n) > 0
    hit = f.off & (n_measured > 0) & (n_measured == n_measured_off) & ~pred_off
    rows = np.flatnonzero(hit)
    if not len(rows):
        return None
    # measured successors of each hit row, in link order
    mine = measured[hit[m_src]]
    mine = mine[np.argsort(pairs.source[mine], kind="stable")]
    targets = f.node_ids[f.link_ends[1][pairs.link[mine]]].tolist()
    downstream = [targets[a:b] for a, b in zip(*_bounds(n_measured[rows]), strict=True)]
    names = f.node_ids[f.node[rows]].tolist()
    return _rows(
        f.nodes,
        rows,
        np.asarray(names, dtype=object),
        message=[
            f"'{node}' is off track and so is everything measured after it "
            f"({', '.join(down)}): fix this step first"
            for node, down in zip(names, downstream, strict=True)
        ],
        message_ja=[
            f"「{node}」が遅れており、その先（{', '.join(down)}）も遅れています。"
            "まずこの段階を見直してください"
            for node, down in zip(names, downstream, strict=True)
        ],
        evidence=[{"downstream": down} for down in downstream],
    )


def _bounds(sizes: npt.NDArray[np.int64]) -> tuple[list[int], list[int]]:
    """Start and end of consecutive runs of these sizes."""
    ends = np.cumsum(sizes)
    return (ends - sizes).tolist(), ends.tolist()


def _unmeasured(f: FindingInputs) -> pd.DataFrame | None:
    """An outcome or impact without data while its upstream has data."""
    kinds = {n.id: n.kind for n in f.model.nodes}
    late = np.array([kinds.get(i) in ("outcome", "impact") for i in f.node_ids] + [False])
    rows = np.flatnonzero(np.isnan(f.score) & ~np.isnan(f.upstream) & late[f.node])
    node = f.node[rows]
    ids = f.node_ids
    return _rows(
        f.nodes,
        rows,
        ids[node],
        message=_per_key(
            node,
            lambda k: f"'{ids[k]}' has no data although its upstream does; its status is inferred",
        ),
        message_ja=_per_key(
            node,
            lambda k: f"「{ids[k]}」にデータがありません（上流のデータから推定しています）",
        ),
        evidence=[{"upstream": u} for u in f.upstream[rows].tolist()],
    )


def _period_days(f: FindingInputs, indicators: np.ndarray) -> dict[str, float]:
    """Days of one reporting period per indicator: its frequency, else the typical gap between
    the ends in its history."""
    distinct = f.history[["indicator", "end"]].drop_duplicates().sort_values(["indicator", "end"])
    ends = distinct["end"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    same = distinct["indicator"].to_numpy(dtype=object)
    step = pd.Series(np.diff(ends, prepend=ends[:1]).astype(np.float64))
    step[np.r_[True, same[1:] != same[:-1]] if len(same) else []] = np.nan
    gaps = step.groupby(same).median()
    freq_days = {i: float(_FREQ_DAYS.get(fr or "", np.nan)) for i, fr in f.freq.items()}
    return {
        i: (
            freq_days.get(i, np.nan)
            if not np.isnan(freq_days.get(i, np.nan))
            else float(gaps.get(i, np.nan))
        )
        for i in indicators
    }


def _stale(f: FindingInputs) -> pd.DataFrame | None:
    """The latest actual older than two reporting periods."""
    if not len(f.history):
        return None
    table = f.indicators
    rows = np.flatnonzero(table["actual_end"].notna().to_numpy())
    codes, distinct = pd.factorize(table["indicator"].iloc[rows])
    ends = table["actual_end"].iloc[rows]
    age = (np.datetime64(f.as_of, "D") - ends.to_numpy(dtype="datetime64[D]")).astype(np.int64)
    names = np.asarray(distinct, dtype=object)
    per_indicator = _period_days(f, names)
    period_days = np.array([per_indicator[i] for i in names] + [np.nan])[codes]
    old = (age > 2 * period_days) & ~np.isnan(period_days)
    node_of = {i.id: i.measures for i in f.model.indicators}
    nodes = np.array([node_of.get(i) for i in names] + [None], dtype=object)
    indicator, end, ages = names[codes[old]].tolist(), ends[old].tolist(), age[old].tolist()
    return _rows(
        table,
        rows[old],
        nodes[codes[old]],
        message=[
            f"indicator '{i}': latest actual ends {pd.Timestamp(e).date()}, {int(d)} days before "
            f"{f.as_of} (more than two reporting periods)"
            for i, e, d in zip(indicator, end, ages, strict=True)
        ],
        message_ja=[
            f"指標「{i}」の最新実績が古くなっています（{pd.Timestamp(e).date()}時点）"
            for i, e in zip(indicator, end, strict=True)
        ],
        evidence=[
            {"indicator": i, "latest_end": str(pd.Timestamp(e).date()), "age_days": int(d)}
            for i, e, d in zip(indicator, end, ages, strict=True)
        ],
    )


def _overdue_milestones(f: FindingInputs) -> pd.DataFrame | None:
    """A roadmap milestone past its due date and not done."""
    over = f.milestones[f.milestones["status"] == "overdue"]
    return _rows(
        over.assign(org=None, level=None),
        np.arange(len(over)),
        over["milestone"].to_numpy(),
        message=[
            f"milestone '{m}' ({t}) was due {d} and is not done ({n} days late)"
            for m, t, d, n in zip(
                over["milestone"], over["title"], over["due"], over["days_late"], strict=True
            )
        ],
        message_ja=[
            f"ロードマップ項目「{t}」は期限 {d} を過ぎています（{n}日超過）"
            for t, d, n in zip(over["title"], over["due"], over["days_late"], strict=True)
        ],
        evidence=[
            {"due": str(d), "delivers": dl}
            for d, dl in zip(over["due"], over["delivers"], strict=True)
        ],
    )


FINDING_RULES: Mapping[str, FindingRule] = MappingProxyType(
    {
        "broken_link": _broken_links,
        "bottleneck": _bottlenecks,
        "stale": _stale,
        "unmeasured": _unmeasured,
        "milestone_overdue": _overdue_milestones,
    }
)
"""One rule per finding code (in the order of :data:`FINDING_CODES`)."""
