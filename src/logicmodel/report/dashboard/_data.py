"""The dashboard's data: every organisation's rows of ``progress`` as compact, columnar JSON.

Organisations are numbered (the top first); each per-org quantity is one array over that
numbering (or one value when all orgs share it), statuses one character per org, and each trend
line one character per period (a 64-step height, all a sparkline can show). So the national
example (1,741 municipalities × 30 indicators × 36 months) stays within a few megabytes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import LogicModelError, ModelError
from logicmodel.evaluation.bands import STATUS_LABELS, STATUSES
from logicmodel.model.vocabulary import KIND_EN_ONE, KIND_JA, KINDS
from logicmodel.periods import parse_period, to_wareki_fy
from logicmodel.report.dashboard._layout import pathway_layout
from logicmodel.report.layout import wrap
from logicmodel.report.mermaid import STATUS_COLOURS, STATUS_INK

if TYPE_CHECKING:
    from logicmodel.evaluation import Progress
    from logicmodel.model import LogicModel

__all__ = ["STATUS_CODES", "build"]

# the status vocabulary of the page: the evaluation's codes, and `incomplete` (集計中: an additive
# total built from fewer organisations than expected) whether or not this evaluation has it
STATUS_CODES: tuple[str, ...] = (
    *STATUSES,
    *(("incomplete",) if "incomplete" not in STATUSES else ()),
)
_STATUS_TEXT = {
    code: (
        STATUS_LABELS["ja"].get(code, "集計中"),
        STATUS_LABELS["en"].get(code, "incomplete"),
    )
    for code in STATUS_CODES
}
# one character per status in the page's data; "." for an org without a row
_STATUS_CHAR = dict(zip(STATUS_CODES, "aorfdtiuvwxyz", strict=False))
# the shape that says the status without colour (◎○△× as on Japanese evaluation sheets)
_SYMBOL = {
    "achieved": "◎",
    "on_track": "○",
    "at_risk": "△",
    "off_track": "×",
    "no_data": "－",
    "no_target": "・",
    "incomplete": "…",
}
_MS = {
    "done": ("完了", "done", "#197a4b", "✓"),
    "due_soon": ("期限間近", "due soon", "#ffc700", "!"),
    "overdue": ("期限超過", "overdue", "#ce0000", "×"),
    "upcoming": ("予定", "upcoming", "#767676", "○"),
}
_FINDINGS = {  # most important first (DESIGN §5.6)
    "bottleneck": ("ボトルネック", "bottleneck"),
    "milestone_overdue": ("ロードマップ遅延", "milestone overdue"),
    "broken_link": ("つながりの前提", "broken link"),
    "unmeasured": ("未計測", "unmeasured"),
    "stale": ("データが古い", "stale data"),
}
_LEVELS = {
    "total": ("全体", "total"),
    "nation": ("全国", "nation"),
    "prefecture": ("都道府県", "prefecture"),
    "municipality": ("市区町村", "municipality"),
    "ward": ("行政区", "ward"),
}
_ALPHABET = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_", dtype=np.uint8
)
_GAP = ord(" ")  # a period without a value in a trend line


def _col(values: npt.NDArray[Any]) -> Any:
    """A JSON column: one value when every org shares it, else the list."""
    if len(values) and all(v == values[0] for v in values[:1]) and (values == values[0]).all():
        return values[0].item() if hasattr(values[0], "item") else values[0]
    return values.tolist()


def _numbers(values: npt.ArrayLike, digits: int = 4) -> Any:
    """Floats rounded to ``digits`` decimals, ``None`` where missing or infinite."""
    arr = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(arr)
    if not ok.any():
        return None
    out = np.round(arr, digits).astype(object)
    out[~ok] = None
    if ok.all() and (arr == arr[0]).all():
        return float(out[0])
    return out.tolist()


def _per_mille(values: npt.ArrayLike) -> Any:
    arr = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(arr)
    if not ok.any():
        return None
    out = np.round(arr * 1000).astype(object)
    out[ok] = np.round(arr[ok] * 1000).astype(np.int64)
    out[~ok] = None
    return out.tolist()


def _groups(frame: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """``frame`` split by ``column`` in one pass (one boolean mask per key would rescan it)."""
    if not len(frame):
        return {}
    keys = frame[column].astype(object)
    return {str(k): g for k, g in frame.groupby(keys, sort=False)}


def _status_string(status: pd.Series, rows: npt.NDArray[np.int64], n: int) -> str:
    chars = np.full(n, ord("."), dtype=np.uint8)
    cat = pd.Categorical(status.astype(object).where(status.notna(), "no_data"))
    table = np.array([ord(_STATUS_CHAR.get(str(c), "d")) for c in cat.categories], dtype=np.uint8)
    chars[rows] = table[cat.codes] if len(table) else ord("d")
    return chars.tobytes().decode("ascii")


# ------------------------------------------------------------------------------ organisations


def _hierarchy(progress: Progress, codes: pd.Index) -> pd.DataFrame | None:
    """``code, parent, level, name, kana`` of the organisations: Japan's whole tree when the codes
    are JIS codes (so every prefecture has a tile), else the evaluation's own ``orgs`` table."""
    hierarchy = getattr(progress, "hierarchy", None)
    if hierarchy is None and {"prefecture", "municipality"} & set(progress.levels):
        from logicmodel.orgs import Hierarchy

        hierarchy = Hierarchy.japan()
    if hierarchy is not None and hasattr(hierarchy, "to_frame"):
        frame = hierarchy.to_frame()
        if "code" in frame and codes.isin(frame["code"]).all():
            cols = [c for c in ("code", "parent", "level", "name", "kana") if c in frame]
            out: pd.DataFrame = frame[cols].drop_duplicates("code").reset_index(drop=True)
            return out
    table = getattr(progress, "orgs", None)  # the evaluation's organisations (names and kana)
    if isinstance(table, pd.DataFrame) and {"org", "org_name", "level"} <= set(table.columns):
        named = table.rename(columns={"org": "code", "org_name": "name", "org_kana": "kana"})
        named = named[named["code"].notna()]
        if codes.isin(named["code"]).all():
            cols = [c for c in ("code", "parent", "level", "name", "kana") if c in named]
            found: pd.DataFrame = named[cols].drop_duplicates("code").reset_index(drop=True)
            return found
    return None


def _orgs(progress: Progress, org: str | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One row per organisation shown: ``code, level, parent, name, kana``, the top first."""
    ind = progress.indicators
    levels = list(progress.levels)
    if "org" not in ind or ind["org"].isna().all():
        frame = pd.DataFrame(
            {"code": [""], "level": [levels[0]], "parent": [None], "name": [""], "kana": [""]}
        )
        if org is not None:
            raise ModelError(
                f"org {org!r}: this progress has no organisations; expected observations with "
                "an org column (municipality codes) evaluated with a hierarchy "
                "(hierarchy=lm.Hierarchy.japan(), on the command line --hierarchy japan)"
            )
        return frame, None
    cols = ["org", "level"] + (["parent"] if "parent" in ind else [])
    seen = ind[cols].dropna(subset=["org"]).drop_duplicates("org")
    seen = seen.rename(columns={"org": "code"})
    if "parent" not in seen:
        seen["parent"] = None
    seen["code"] = seen["code"].astype(str)
    names = _hierarchy(progress, pd.Index(seen["code"]))
    if names is not None and "prefecture" in levels and seen["level"].eq("nation").any():
        # every prefecture has a tile, with or without rows
        prefs = names[names["level"] == "prefecture"][["code", "level", "parent"]]
        seen = pd.concat([seen, prefs[~prefs["code"].isin(seen["code"])]], ignore_index=True)
    if "org_name" in ind:
        name_of = ind.dropna(subset=["org"]).drop_duplicates("org").set_index("org")["org_name"]
        seen["name"] = seen["code"].map(name_of)
    if names is not None:
        lookup = names.set_index("code")
        if "name" not in seen:
            seen["name"] = seen["code"].map(lookup["name"])
        else:
            seen["name"] = seen["name"].fillna(seen["code"].map(lookup["name"]))
        if "kana" in lookup:
            seen["kana"] = seen["code"].map(lookup["kana"])
    if "name" not in seen:
        seen["name"] = seen["code"]
    if "kana" not in seen:
        seen["kana"] = ""
    seen["name"] = seen["name"].fillna(seen["code"]).astype(str)
    seen["kana"] = seen["kana"].fillna("").astype(str)
    rank = {lv: k for k, lv in enumerate(levels)}
    seen["_rank"] = seen["level"].map(rank).fillna(len(levels))
    seen = seen.sort_values(["_rank", "code"], kind="stable").drop(columns="_rank")
    seen = seen.reset_index(drop=True)
    if org is not None:
        codes = seen["code"]
        if org not in set(codes):
            near = ", ".join(
                repr(c) for c in sorted(codes, key=lambda c: (c[:2] != org[:2], c))[:3]
            )
            raise ModelError(f"org {org!r} has no rows in this progress; known orgs include {near}")
        keep = codes == org
        for _ in range(len(levels)):  # descendants, one level at a time
            keep |= seen["parent"].isin(codes[keep])
        seen = seen[keep].reset_index(drop=True)
        top = seen.index[seen["code"] == org][0]
        seen = pd.concat([seen.loc[[top]], seen.drop(index=top)], ignore_index=True)
    roots = ~seen["parent"].isin(seen["code"])
    if roots.sum() > 1:  # e.g. progress.at("prefecture"): one top above them all
        seen.loc[roots, "parent"] = ""
        top = {"code": "", "level": levels[0], "parent": None, "name": "", "kana": ""}
        seen = pd.concat([pd.DataFrame([top]), seen], ignore_index=True)
    return seen, names


def _leaves_under(orgs: pd.DataFrame, names: pd.DataFrame | None, level: str) -> npt.NDArray[Any]:
    """For each shown org, how many organisations of the counted level exist below it."""
    tree = names if names is not None else orgs
    leaves = tree[tree["level"] == level]
    parent = tree.set_index("code")["parent"]
    counts: pd.Series = pd.Series(0, index=pd.Index(orgs["code"]))
    current = leaves["code"]
    for _ in range(6):  # ancestors of the leaves, level by level (wards to nation)
        hit = current.value_counts()
        counts = counts.add(hit.reindex(counts.index).fillna(0), fill_value=0)
        current = current.map(parent).dropna()
        if current.empty:
            break
    return counts.to_numpy(dtype=np.int64)


# ------------------------------------------------------------------------------ 和暦


def _wareki_date(day: dt.date) -> str:
    """``2027-03-31`` → ``令和9年3月31日`` (era start days: 令和 2019-05-01, 平成 1989-01-08).

    Examples
    --------
    >>> _wareki_date(dt.date(2027, 3, 31)), _wareki_date(dt.date(2019, 4, 30))
    ('令和9年3月31日', '平成31年4月30日')
    """
    for start, era in ((dt.date(2019, 5, 1), "令和"), (dt.date(1989, 1, 8), "平成")):
        if day >= start:
            n = day.year - start.year + 1
            return f"{era}{'元' if n == 1 else n}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _wareki_label(label: str) -> str | None:
    """和暦 spelling of a period label, ``None`` when it has none.

    Examples
    --------
    >>> _wareki_label("FY2024"), _wareki_label("2024-06"), _wareki_label("FY2024Q4")
    ('令和6年度', '令和6年6月', '令和6年度第4四半期')
    >>> _wareki_label("2024Q1") is None
    True
    """
    try:
        period = parse_period(label)
    except LogicModelError:  # a label we cannot read keeps its spelling
        return None
    kind = getattr(period, "kind", "")
    if kind == "fiscal_year":
        return to_wareki_fy(period.start.year)
    if kind == "fiscal_quarter":
        q = (period.start.month - 4) % 12 // 3 + 1
        return f"{to_wareki_fy(period.start.year if period.start.month >= 4 else period.start.year - 1)}第{q}四半期"
    if kind == "month":
        return _wareki_date(period.end).split("月")[0] + "月"
    return None


# ------------------------------------------------------------------------------ the payload


@dataclass(frozen=True)
class _Orgs:
    """The organisations of the file, numbered (the top first), and how to find their rows."""

    frame: pd.DataFrame  # code, level, parent, name, kana
    names: pd.DataFrame | None  # the whole hierarchy, when known
    levels: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def codes(self) -> pd.Index:
        out: pd.Index = pd.Index(self.frame["code"])
        return out

    @property
    def counted(self) -> str:
        """The level coverage counts (municipalities for Japan)."""
        return "municipality" if "municipality" in self.levels else self.levels[-1]

    def index(self, column: pd.Series) -> npt.NDArray[np.int64]:
        """Position of each row's org (``-1``: not in this file; a missing org is the top)."""
        keys = column.astype(object).where(column.notna(), "").astype(str)
        return np.asarray(self.codes.get_indexer(pd.Index(keys)), dtype=np.int64)

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``'s rows of the orgs in this file, with their position as ``_o``."""
        at = self.index(frame["org"]) if "org" in frame else np.zeros(len(frame), np.int64)
        return frame.assign(_o=at)[at >= 0]

    def parents(self) -> npt.NDArray[np.int64]:
        """Position of each org's parent; ``-1`` for a top (no parent, or one outside the file)."""
        parent = self.frame["parent"]
        found = self.codes.get_indexer(pd.Index(parent.fillna("").astype(str)))
        return np.where(parent.notna().to_numpy(), found, -1).astype(np.int64)


def _spread(rows: pd.DataFrame, column: str, n: int) -> npt.NDArray[np.float64]:
    """The numbers of ``column`` placed at their orgs' positions (``_o``); NaN elsewhere."""
    out = np.full(n, np.nan)
    if column in rows:
        at = rows["_o"].to_numpy(dtype=np.int64)
        values = rows[column]
        if not pd.api.types.is_numeric_dtype(values):  # e.g. period_complete: True/False/None
            values = pd.to_numeric(values.astype(object), errors="coerce")
        out[at] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _reporting(rows: pd.DataFrame, leaves: pd.DataFrame, orgs: _Orgs) -> npt.NDArray[np.float64]:
    """Per org, how many organisations of the counted level below it have an actual in the
    org's own row period (when the evaluation does not say it in a ``reporting`` column)."""
    n, codes = orgs.n, orgs.codes
    parent_of = orgs.frame.set_index("code")["parent"]
    leaves = leaves[leaves["actual"].notna()]
    top_period = dict(zip(rows["org"].astype(str), rows["period"], strict=False))
    current, period = leaves["org"].astype(str), leaves["period"]
    counts = pd.Series(0.0, index=codes)
    for _ in range(6):  # each leaf counts for itself and its ancestors (wards to nation)
        same = period.to_numpy(dtype=object) == current.map(top_period).to_numpy(dtype=object)
        hit = current[same].value_counts()
        counts = counts.add(hit.reindex(codes).fillna(0), fill_value=0)
        nxt = current.map(parent_of)
        keep = nxt.notna().to_numpy()
        current, period = nxt[keep].astype(str), period[keep]
        if current.empty:
            break
    out: npt.NDArray[np.float64] = np.array(counts.to_numpy(dtype=np.float64), dtype=np.float64)
    has_row = np.zeros(n, dtype=bool)
    has_row[rows["_o"].to_numpy(dtype=np.int64)] = True
    out[~has_row] = np.nan
    return out


def _trend(history: pd.DataFrame, n: int) -> tuple[list[str], str, str]:
    """The periods of one indicator's history; per org, its actual then its planned line, one
    character per period (64 heights, each org's lines scaled to their own range), a line left
    out when it has no value; and per org which lines are there (a digit: 1 actual, 2 planned,
    3 both, 0 none), so a missing line costs nothing."""
    axis = history.drop_duplicates("period").sort_values("end")["period"].astype(str).tolist()
    if len(axis) < 2:
        return axis, "", ""
    pos = pd.Index(axis).get_indexer(pd.Index(history["period"].astype(str)))
    grid = np.full((2, n, len(axis)), np.nan)
    at = history["_o"].to_numpy(dtype=np.int64)
    grid[0, at, pos] = history["actual"].to_numpy(dtype=np.float64, na_value=np.nan)
    grid[1, at, pos] = history["planned"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(all="ignore"):
        lo = np.nanmin(np.where(np.isfinite(grid), grid, np.inf), axis=(0, 2))
        hi = np.nanmax(np.where(np.isfinite(grid), grid, -np.inf), axis=(0, 2))
        span = np.where(hi > lo, hi - lo, 1.0)
        level = np.rint((grid - lo[None, :, None]) / span[None, :, None] * 63)
    chars = np.full(grid.shape, _GAP, dtype=np.uint8)
    ok = np.isfinite(level)
    chars[ok] = _ALPHABET[np.clip(level[ok], 0, 63).astype(np.int64)]
    has = ok.any(axis=2)  # (line, org): whether the line has any value
    per_org = chars.transpose(1, 0, 2)  # org, line, period
    lines = per_org[has.T].tobytes().decode("ascii")  # only the lines with values, org by org
    mask = (has[0].astype(np.uint8) + 2 * has[1].astype(np.uint8)) + ord("0")
    return axis, lines, mask.astype(np.uint8).tobytes().decode("ascii")


def _indicators(
    model: LogicModel, progress: Progress, orgs: _Orgs
) -> tuple[list[dict[str, Any]], list[str]]:
    """Per indicator, its rows over all orgs; and the period labels the rows refer to."""
    n = orgs.n
    ind = orgs.rows(progress.indicators)
    period_col = ind["period"].astype(object).where(ind["period"].notna(), "").astype(str)
    periods: dict[str, int] = {}
    for label in pd.unique(period_col):
        periods.setdefault(str(label), len(periods))
    ind = ind.assign(_p=period_col.map(periods).to_numpy())
    flat = len(orgs.levels) == 1
    expected = np.ones(n) if flat else _leaves_under(orgs.frame, orgs.names, orgs.counted)
    leaf_rows = ind.iloc[:0] if flat else ind[ind["level"] == orgs.counted]
    ind_by, leaves_by = _groups(ind, "indicator"), _groups(leaf_rows, "indicator")
    hist = orgs.rows(progress.history)
    hist_by = _groups(hist, "indicator")
    out = []
    for meta in model.indicators:
        rows = ind_by.get(meta.id, ind.iloc[:0])
        at = rows["_o"].to_numpy(dtype=np.int64)
        target_period = np.full(n, None, dtype=object)
        target_period[at] = (
            rows["target_period"].astype(object).where(rows["target_period"].notna(), None)
        )
        period_at = np.full(n, -1, dtype=np.int64)
        period_at[at] = rows["_p"].to_numpy(dtype=np.int64)
        if {"reporting", "expected"} <= set(rows.columns):  # the evaluation says it (§4.4)
            reporting, exp = _spread(rows, "reporting", n), _spread(rows, "expected", n)
        else:
            exp = expected.astype(np.float64)
            leaves = leaves_by.get(meta.id, leaf_rows.iloc[:0])
            reporting = _reporting(rows, leaves, orgs) if len(leaf_rows) else np.full(n, np.nan)
        axis, trend, has_trend = _trend(hist_by.get(meta.id, hist.iloc[:0]), n)
        out.append(
            {
                "id": meta.id,
                "name": meta.title,
                "role": meta.role or "",
                "node": getattr(meta, "node", None) or "",
                "unit": str(meta.unit) if getattr(meta, "unit", None) else "",
                "actual": _numbers(_spread(rows, "actual", n)),
                "baseline": _numbers(_spread(rows, "baseline", n)),
                "target": _numbers(_spread(rows, "target", n)),
                "targetPeriod": _col(target_period),
                "period": _col(period_at),
                "ach": _per_mille(_spread(rows, "achievement", n)),
                "plan": _per_mille(_spread(rows, "planned_achievement", n)),
                "status": _status_string(rows["status"], at, n),
                "reporting": _numbers(reporting, 0),
                "expected": _numbers(exp, 0),
                # 1/0: whether the row's period had ended by as_of (when the evaluation says it)
                "complete": _numbers(_spread(rows, "period_complete", n), 0)
                if "period_complete" in rows
                else None,
                "axis": axis,
                "trend": trend,
                "hasTrend": has_trend,
            }
        )
    return out, list(periods)


def _nodes(model: LogicModel, progress: Progress, orgs: _Orgs) -> list[dict[str, Any]]:
    """Status and rolled-up score of every node in every org."""
    table = orgs.rows(progress.nodes).drop_duplicates(["node", "_o"])
    by_node = _groups(table, "node")
    out = []
    for node in model.nodes:
        rows = by_node.get(node.id, table.iloc[:0])
        out.append(
            {
                "id": node.id,
                "title": node.title,
                "kind": node.kind,
                "stage": getattr(node, "stage", None) or "",
                "status": _status_string(rows["status"], rows["_o"].to_numpy(np.int64), orgs.n),
                "rolled": _per_mille(_spread(rows, "rolled", orgs.n)),
            }
        )
    return out


def _children(
    model: LogicModel, progress: Progress, orgs: _Orgs
) -> tuple[dict[str, list[list[int]]], list[str]]:
    """Per indicator, rows ``[org, count per status…, n_children]``; and the status columns
    (every status a column, so each row adds up to n_children)."""
    kids = progress.children
    codes = [c for c in STATUS_CODES if c in kids.columns]
    if not len(kids) or "org" not in kids:
        return {}, codes
    kids = orgs.rows(kids)
    by_indicator = _groups(kids, "indicator")
    cols = ["_o", *codes, "n_children"]
    return {
        meta.id: by_indicator.get(meta.id, kids.iloc[:0])[cols].to_numpy(np.int64).tolist()
        for meta in model.indicators
    }, codes


def _findings(progress: Progress, orgs: _Orgs, labels: dict[str, str]) -> dict[str, Any]:
    """All findings of the file's orgs, most important first, ids replaced by labels."""
    findings = progress.findings
    # a finding without an org (an overdue milestone) concerns everyone: it goes with the top;
    # a per-org file keeps the findings of its own organisations
    if "org" in findings and orgs.n > 1:
        at = np.where(findings["org"].isna().to_numpy(), 0, orgs.index(findings["org"]))
        findings, at = findings[at >= 0], at[at >= 0]
    else:
        at = np.zeros(len(findings), np.int64)
    level_rank = {lv: k for k, lv in enumerate(orgs.levels)}
    code_rank = {c: k for k, c in enumerate(_FINDINGS)}
    order = pd.DataFrame(
        {
            "level": findings["level"].map(level_rank).fillna(0).to_numpy()
            if "level" in findings
            else 0,
            "code": findings["code"].astype(str).map(code_rank).fillna(len(code_rank)).to_numpy(),
            "node": pd.Index(list(labels)).get_indexer(pd.Index(findings["node"].astype(str))),
            "org": at,
        }
    ).sort_values(["level", "code", "node", "org"], kind="stable")
    findings, at = findings.iloc[order.index.to_numpy()], at[order.index.to_numpy()]
    pattern = (
        re.compile(
            r"(?<![A-Za-z0-9_])("
            + "|".join(map(re.escape, sorted(labels, key=len, reverse=True)))
            + r")(?![A-Za-z0-9_])"
        )
        if labels
        else None
    )

    def text(column: str) -> pd.Series:
        values = findings[column if column in findings else "message"]
        return values.astype(object).where(values.notna(), "").astype(str)

    def relabel(values: pd.Index) -> list[str]:
        return [
            pattern.sub(lambda m: labels[m.group(1)], str(u)) if pattern else str(u) for u in values
        ]

    # each distinct (Japanese, English) message once; rows point at it
    msg_index, distinct = pd.factorize(
        pd.MultiIndex.from_arrays([text("message_ja"), text("message")])
    )
    ms = progress.milestones
    names_of = {
        **{
            str(m): str(t)
            for m, t in zip(ms.get("milestone", []), ms.get("title", []), strict=False)
        },
        **labels,
    }
    target_ids = list(dict.fromkeys(findings["node"].astype(str)))
    codes = list(_FINDINGS) + sorted(set(findings["code"].astype(str)) - set(_FINDINGS))
    return {
        "codes": [[c, *_FINDINGS.get(c, (c, c))] for c in codes],
        "code": pd.Index(codes).get_indexer(pd.Index(findings["code"].astype(str))).tolist(),
        # what each finding is about, by name: a node's title or a milestone's
        "targets": [names_of.get(t, t) for t in target_ids],
        "target": pd.Index(target_ids).get_indexer(pd.Index(findings["node"].astype(str))).tolist(),
        "org": at.tolist(),
        "ja": relabel(distinct.get_level_values(0)),
        "en": relabel(distinct.get_level_values(1)),
        "msg": msg_index.tolist(),
    }


def _milestones(progress: Progress) -> list[dict[str, Any]]:
    """The service roadmap (a handful of rows), each label wrapped to the roadmap's label room."""
    out = []
    for rec in progress.milestones.to_dict("records"):
        level = rec.get("service_level")
        title = str(rec["title"])
        label = title + (
            f"（{level}）" if isinstance(level, str) and level and level != title else ""
        )
        done = rec.get("done")
        out.append(
            {
                "id": str(rec["milestone"]),
                "title": title,
                "label": label,
                "lines": wrap(label, 17.0),
                "due": str(rec["due"]),
                "done": None if done is None or pd.isna(done) else str(done),
                "status": str(rec["status"]),
                "delivers": str(rec.get("delivers") or ""),
            }
        )
    return out


def _wareki_table(
    periods: list[str],
    indicators: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    as_of: dt.date,
) -> dict[str, str]:
    """和暦 spelling of every period label and date the page shows."""
    labels = [*periods, *(p for i in indicators for p in i["axis"])]
    for item in indicators:
        tp = item["targetPeriod"]
        labels += [p for p in (tp if isinstance(tp, list) else [tp]) if isinstance(p, str)]
    out = {label: w for label in dict.fromkeys(labels) if label and (w := _wareki_label(label))}
    days = [str(m[k]) for m in milestones for k in ("due", "done") if m[k]]
    for day in [as_of, *(dt.date.fromisoformat(d[:10]) for d in days)]:
        out[str(day)] = _wareki_date(day)
    return out


def build(model: LogicModel, progress: Progress, org: str | None = None) -> dict[str, Any]:
    """Everything the page draws, as plain JSON-ready data."""
    frame, names = _orgs(progress, org)
    orgs = _Orgs(frame, names, tuple(progress.levels))
    levels = list(orgs.levels)
    indicators, periods = _indicators(model, progress, orgs)
    children, child_codes = _children(model, progress, orgs)
    milestones = _milestones(progress)
    return {
        "title": model.title,
        "owner": model.owner or "",
        "asOf": str(progress.as_of),
        "single": org is not None,
        "levels": [[lv, *_LEVELS.get(lv, (lv, lv))] for lv in levels],
        "counted": orgs.counted,
        "orgs": {
            "code": frame["code"].tolist(),
            "name": frame["name"].tolist(),
            "kana": frame["kana"].tolist(),
            "level": frame["level"]
            .map({lv: k for k, lv in enumerate(levels)})
            .fillna(0)
            .astype(int)
            .tolist(),
            "parent": orgs.parents().tolist(),
        },
        "periods": periods,
        "statuses": [
            {
                "code": c,
                "char": _STATUS_CHAR[c],
                "ja": _STATUS_TEXT[c][0],
                "en": _STATUS_TEXT[c][1],
                "fill": STATUS_COLOURS.get(c, "#767676"),
                "ink": STATUS_INK.get(c, "#ffffff"),
                "symbol": _SYMBOL.get(c, "?"),
            }
            for c in STATUS_CODES
        ],
        "kinds": {k: [KIND_JA[k], KIND_EN_ONE[k]] for k in KINDS},
        "childCodes": child_codes,
        "milestoneStatuses": {k: list(v) for k, v in _MS.items()},
        "indicators": indicators,
        "nodes": _nodes(model, progress, orgs),
        "children": children,
        "findings": _findings(progress, orgs, {nd.id: nd.title for nd in model.nodes}),
        "milestones": milestones,
        "pathway": pathway_layout(model),
        "wareki": _wareki_table(periods, indicators, milestones, progress.as_of),
    }
