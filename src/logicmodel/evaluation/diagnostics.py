"""Pathway diagnostics (DESIGN §5.6) and the service roadmap's milestone status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = [
    "FINDING_CODES",
    "FINDING_RULES",
    "MILESTONE_STATUSES",
    "FindingInputs",
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


def _per_distinct(columns: list[pd.Series], make: Callable[..., str]) -> np.ndarray:
    """``make(*values)`` for every row, called once per distinct combination of ``columns``."""
    if not len(columns[0]):
        return np.zeros(0, dtype=object)
    frame = pd.concat([c.reset_index(drop=True) for c in columns], axis=1, ignore_index=True)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame))
    texts = np.array([make(*u) for u in uniques], dtype=object)
    out: np.ndarray = texts[codes]
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
class FindingInputs:
    """What the finding rules look at: node statuses per org (``status``), every link joined
    with both ends' statuses in the same org (``pairs``; ``None`` without links or nodes), and the
    evaluation's tables."""

    model: LogicModel
    status: pd.DataFrame
    pairs: pd.DataFrame | None
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
    status = nodes[["node", "org", "level", "status", "rolled", "score", "upstream"]].copy()
    status["status"] = status["status"].astype(object)
    status["org_key"] = status["org"].astype(object).where(status["org"].notna(), "\x00")
    inputs = FindingInputs(
        model, status, _link_pairs(model, status), indicators, history, milestones, as_of, freq
    )
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


def _link_pairs(model: LogicModel, status: pd.DataFrame) -> pd.DataFrame | None:
    """Every link × org with the source's and the target's status, rolled score and data."""
    links = pd.DataFrame(
        {"source": [lk.source for lk in model.links], "target": [lk.target for lk in model.links]}
    )
    if not (len(links) and len(status)):
        return None
    s = status.rename(columns={"node": "source", "status": "s_status", "rolled": "s_rolled"})
    t = status.rename(columns={"node": "target", "status": "t_status", "rolled": "t_rolled"})
    s["s_measured"] = s["score"].notna()
    pairs = links.merge(
        s[["source", "org_key", "org", "level", "s_status", "s_rolled", "s_measured"]],
        on="source",
    )
    return pairs.merge(
        t[["target", "org_key", "t_status", "t_rolled", "score"]].rename(
            columns={"score": "t_score"}
        ),
        on=["target", "org_key"],
    )


def _rows(where: pd.DataFrame, node: str, **columns: Any) -> pd.DataFrame:
    """Finding rows at ``where``'s orgs and levels, about the nodes in its column ``node``."""
    return pd.DataFrame(
        {
            "node": where[node].to_numpy(),
            "org": where["org"].to_numpy(),
            "level": where["level"].to_numpy(),
            **columns,
        }
    )


def _broken_links(f: FindingInputs) -> pd.DataFrame | None:
    """A measured upstream node good, the node off track (a status inherited through an
    unmeasured node says nothing about the link)."""
    pairs = f.pairs
    if pairs is None:
        return None
    broken = pairs[
        pairs["s_measured"] & pairs["s_status"].isin(_GOOD) & (pairs["t_status"] == "off_track")
    ]
    model = f.model
    return _rows(
        broken,
        "target",
        message=_per_distinct(
            [broken["source"], broken["target"], broken["s_status"]],
            lambda a, b, sa: (
                f"'{a}' is {sa.replace('_', ' ')} but '{b}' is off track: the "
                f"assumption on the link '{a}' → '{b}' may not hold"
                + _evidence_note(model, a, b, "en")
            ),
        ),
        message_ja=_per_distinct(
            [broken["source"], broken["target"]],
            lambda a, b: (
                f"「{a}」は順調ですが「{b}」は遅れています。"
                f"つながり {a}→{b} の前提を見直してください" + _evidence_note(model, a, b, "ja")
            ),
        ),
        evidence=[
            {"upstream": a, "upstream_rolled": r1, "rolled": r2}
            for a, r1, r2 in zip(
                broken["source"].tolist(),
                broken["s_rolled"].to_numpy(dtype=np.float64).tolist(),
                broken["t_rolled"].to_numpy(dtype=np.float64).tolist(),
                strict=True,
            )
        ],
    )


def _bottlenecks(f: FindingInputs) -> pd.DataFrame | None:
    """An off-track node whose measured successors are all off track and no predecessor is."""
    pairs = f.pairs
    if pairs is None:
        return None
    off = pairs[pairs["s_status"] == "off_track"]
    measured = pairs[pairs["t_score"].notna()]  # successors with data of their own
    if not (len(off) and len(measured)):
        return None
    keys = ["source", "org_key"]
    succ = measured.assign(off=measured["t_status"].eq("off_track")).groupby(keys)["off"].all()
    pred_off = off.groupby(["target", "org_key"]).size()
    cand = f.status[f.status["status"] == "off_track"]
    cand_keys = pd.MultiIndex.from_frame(cand[["node", "org_key"]])
    hit = cand[cand_keys.isin(succ[succ].index) & ~cand_keys.isin(pred_off.index)]
    succ_n = (
        measured.merge(hit[["node", "org_key"]].rename(columns={"node": "source"}), on=keys)
        .groupby(keys)["target"]
        .agg(list)
    )
    downstream = succ_n.reindex(
        pd.MultiIndex.from_arrays([hit["node"], hit["org_key"]], names=keys)
    ).tolist()
    return _rows(
        hit,
        "node",
        message=[
            f"'{node}' is off track and so is everything measured after it "
            f"({', '.join(down)}): fix this step first"
            for node, down in zip(hit["node"], downstream, strict=True)
        ],
        message_ja=[
            f"「{node}」が遅れており、その先（{', '.join(down)}）も遅れています。"
            "まずこの段階を見直してください"
            for node, down in zip(hit["node"], downstream, strict=True)
        ],
        evidence=[{"downstream": down} for down in downstream],
    )


def _unmeasured(f: FindingInputs) -> pd.DataFrame | None:
    """An outcome or impact without data while its upstream has data."""
    status = f.status
    unmeasured = status[status["score"].isna() & status["upstream"].notna()]
    kinds = {n.id: n.kind for n in f.model.nodes}
    unmeasured = unmeasured[unmeasured["node"].map(kinds).isin(["outcome", "impact"])]
    return _rows(
        unmeasured,
        "node",
        message=_per_distinct(
            [unmeasured["node"]],
            lambda n: f"'{n}' has no data although its upstream does; its status is inferred",
        ),
        message_ja=_per_distinct(
            [unmeasured["node"]],
            lambda n: f"「{n}」にデータがありません（上流のデータから推定しています）",
        ),
        evidence=[
            {"upstream": u} for u in unmeasured["upstream"].to_numpy(dtype=np.float64).tolist()
        ],
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
    last = f.indicators.loc[
        f.indicators["actual_end"].notna(), ["indicator", "org", "level", "actual_end"]
    ].rename(columns={"actual_end": "end"})
    age = (np.datetime64(f.as_of, "D") - last["end"].to_numpy(dtype="datetime64[D]")).astype(
        np.int64
    )
    per_indicator = _period_days(f, last["indicator"].unique())
    period_days = last["indicator"].map(per_indicator).to_numpy(dtype=np.float64)
    old = (age > 2 * period_days) & ~np.isnan(period_days)
    stale, ages = last[old], age[old]
    node_of = {i.id: i.measures for i in f.model.indicators}
    return _rows(
        stale.assign(node=stale["indicator"].map(node_of)),
        "node",
        message=[
            f"indicator '{i}': latest actual ends {pd.Timestamp(e).date()}, {int(d)} days before "
            f"{f.as_of} (more than two reporting periods)"
            for i, e, d in zip(stale["indicator"], stale["end"], ages, strict=True)
        ],
        message_ja=[
            f"指標「{i}」の最新実績が古くなっています（{pd.Timestamp(e).date()}時点）"
            for i, e in zip(stale["indicator"], stale["end"], strict=True)
        ],
        evidence=[
            {"indicator": i, "latest_end": str(pd.Timestamp(e).date()), "age_days": int(d)}
            for i, e, d in zip(stale["indicator"], stale["end"], ages, strict=True)
        ],
    )


def _overdue_milestones(f: FindingInputs) -> pd.DataFrame | None:
    """A roadmap milestone past its due date and not done."""
    over = f.milestones[f.milestones["status"] == "overdue"]
    return _rows(
        over.assign(org=None, level=None),
        "milestone",
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
