"""The dashboard's data: every organisation's rows of ``progress`` as compact, columnar JSON.

Organisations are numbered (the top first); each per-org quantity is one array over that
numbering (or one value when all orgs share it), statuses one character per org, and each trend
line one character per period (a 64-step height, all a sparkline can show). So the national
example (1,741 municipalities × 30 indicators × 36 months) stays within a few megabytes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import LogicModelError, ModelError
from logicmodel.evaluation.bands import STATUS_LABELS, STATUSES
from logicmodel.periods import parse_period, to_wareki_fy
from logicmodel.report.dashboard._layout import pathway_layout, wrap
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


def _at(values: npt.NDArray[np.float64], rows: npt.NDArray[np.int64], n: int) -> npt.NDArray[Any]:
    """``values`` of the rows placed at their orgs' positions in an array over all ``n`` orgs."""
    out = np.full(n, np.nan)
    out[rows] = values
    return out


def _status_string(status: pd.Series, rows: npt.NDArray[np.int64], n: int) -> str:
    chars = np.full(n, ord("."), dtype=np.uint8)
    cat = pd.Categorical(status.astype(object).where(status.notna(), "no_data"))
    table = np.array([ord(_STATUS_CHAR.get(str(c), "d")) for c in cat.categories], dtype=np.uint8)
    chars[rows] = table[cat.codes] if len(table) else ord("d")
    return chars.tobytes().decode("ascii")


# ------------------------------------------------------------------------------ organisations


def _hierarchy(progress: Progress, codes: pd.Index) -> pd.DataFrame | None:
    """``code, name, kana`` of the organisations, from the progress's hierarchy or Japan's."""
    hierarchy = getattr(progress, "hierarchy", None)
    if hierarchy is None and {"nation", "prefecture"} <= set(progress.levels):
        from logicmodel.orgs import Hierarchy

        hierarchy = Hierarchy.japan()
    if hierarchy is None or not hasattr(hierarchy, "to_frame"):
        return None
    frame = hierarchy.to_frame()
    if "code" not in frame or not codes.isin(frame["code"]).all():
        return None
    cols = [c for c in ("code", "parent", "level", "name", "kana") if c in frame]
    out: pd.DataFrame = frame[cols].drop_duplicates("code").reset_index(drop=True)
    return out


def _orgs(progress: Progress, org: str | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One row per organisation shown: ``code, level, parent, name, kana``, the top first."""
    ind = progress.indicators
    levels = list(progress.levels)
    if "org" not in ind or ind["org"].isna().all():
        frame = pd.DataFrame(
            {"code": [""], "level": [levels[0]], "parent": [None], "name": [""], "kana": [""]}
        )
        if org is not None:
            raise ModelError(f"org {org!r}: this progress has no organisations (no hierarchy)")
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


def _counted_level(levels: list[str]) -> str:
    return "municipality" if "municipality" in levels else levels[-1]


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
    """``2027-03-31`` → ``令和9年3月31日`` (era start days: 令和 2019-05-01, 平成 1989-01-08)."""
    for start, era in ((dt.date(2019, 5, 1), "令和"), (dt.date(1989, 1, 8), "平成")):
        if day >= start:
            n = day.year - start.year + 1
            return f"{era}{'元' if n == 1 else n}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _wareki_label(label: str) -> str | None:
    """和暦 spelling of a period label (``FY2024`` → ``令和6年度``, ``2024-06`` → ``令和6年6月``)."""
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


def build(model: LogicModel, progress: Progress, org: str | None = None) -> dict[str, Any]:
    """Everything the page draws, as plain JSON-ready data."""
    orgs, names = _orgs(progress, org)
    n = len(orgs)
    codes = pd.Index(orgs["code"])
    levels = list(progress.levels)
    counted = _counted_level(levels)

    def org_index(column: pd.Series) -> npt.NDArray[np.int64]:
        keys = column.astype(object).where(column.notna(), "").astype(str)
        return np.asarray(codes.get_indexer(keys), dtype=np.int64)

    ind = progress.indicators
    ind = ind.assign(_o=org_index(ind["org"]) if "org" in ind else 0)
    ind = ind[ind["_o"] >= 0]
    periods: dict[str, int] = {}
    period_col = ind["period"].astype(object).where(ind["period"].notna(), "").astype(str)
    for label in pd.unique(period_col):
        periods.setdefault(str(label), len(periods))
    ind = ind.assign(_p=period_col.map(periods).to_numpy())

    expected = _leaves_under(orgs, names, counted) if len(levels) > 1 else np.ones(n, np.int64)
    leaf_rows = ind[ind["level"] == counted] if len(levels) > 1 else ind.iloc[:0]
    parent_of = orgs.set_index("code")["parent"]

    hist = progress.history
    hist = hist.assign(_o=org_index(hist["org"]) if "org" in hist else 0)
    hist = hist[hist["_o"] >= 0]

    ind_by = _groups(ind, "indicator")
    leaves_by = _groups(leaf_rows, "indicator")
    hist_by = _groups(hist, "indicator")
    indicators = []
    for meta in model.indicators:
        rows = ind_by.get(meta.id, ind.iloc[:0])
        at = rows["_o"].to_numpy(dtype=np.int64)

        def spread(column: str, rows: pd.DataFrame = rows, at: npt.NDArray[np.int64] = at) -> Any:
            out = np.full(n, np.nan)
            if column in rows:
                out[at] = rows[column].to_numpy(dtype=np.float64, na_value=np.nan)
            return out

        target_period = np.full(n, None, dtype=object)
        target_period[at] = (
            rows["target_period"].astype(object).where(rows["target_period"].notna(), None)
        )
        period_at = np.full(n, -1, dtype=np.int64)
        period_at[at] = rows["_p"].to_numpy(dtype=np.int64)
        # coverage: the evaluation's columns when it has them, else counted here
        if {"reporting", "expected"} <= set(rows.columns):
            reporting, exp = spread("reporting"), spread("expected")
        else:
            reporting, exp = np.full(n, np.nan), expected.astype(np.float64)
            if len(leaf_rows):
                leaves = leaves_by.get(meta.id, leaf_rows.iloc[:0])
                leaves = leaves[leaves["actual"].notna()]
                top_period = dict(zip(rows["org"].astype(str), rows["period"], strict=False))
                current = leaves["org"].astype(str)
                period = leaves["period"]
                counts = pd.Series(0.0, index=codes)
                for _ in range(6):
                    same = period.to_numpy(dtype=object) == current.map(top_period).to_numpy(
                        dtype=object
                    )
                    hit = current[same].value_counts()
                    counts = counts.add(hit.reindex(codes).fillna(0), fill_value=0)
                    nxt = current.map(parent_of)
                    keep = nxt.notna().to_numpy()
                    current, period = nxt[keep].astype(str), period[keep]
                    if current.empty:
                        break
                reporting = counts.to_numpy(dtype=np.float64, copy=True)
                reporting[period_at < 0] = np.nan
        complete = None  # 1/0: whether the row's period had ended by as_of (when evaluated)
        if "period_complete" in rows:
            flags = pd.to_numeric(rows["period_complete"].astype(object), errors="coerce")
            complete = flags.to_numpy(dtype=np.float64, na_value=np.nan)
        # the trend: actual and planned per period, each one character high
        h = hist_by.get(meta.id, hist.iloc[:0])
        axis = h.drop_duplicates("period").sort_values("end")["period"].astype(str).tolist()
        trend = ""
        if len(axis) >= 2:
            pos = pd.Index(axis).get_indexer(pd.Index(h["period"].astype(str)))
            grid = np.full((2, n, len(axis)), np.nan)
            ho = h["_o"].to_numpy(dtype=np.int64)
            grid[0, ho, pos] = h["actual"].to_numpy(dtype=np.float64, na_value=np.nan)
            grid[1, ho, pos] = h["planned"].to_numpy(dtype=np.float64, na_value=np.nan)
            with np.errstate(all="ignore"):
                lo = np.nanmin(np.where(np.isfinite(grid), grid, np.inf), axis=(0, 2))
                hi = np.nanmax(np.where(np.isfinite(grid), grid, -np.inf), axis=(0, 2))
                span = np.where(hi > lo, hi - lo, 1.0)
                level = np.rint((grid - lo[None, :, None]) / span[None, :, None] * 63)
            chars = np.full(grid.shape, _GAP, dtype=np.uint8)
            ok = np.isfinite(level)
            chars[ok] = _ALPHABET[np.clip(level[ok], 0, 63).astype(np.int64)]
            # per org: the actual line then the planned line
            trend = chars.transpose(1, 0, 2).tobytes().decode("ascii")
        indicators.append(
            {
                "id": meta.id,
                "name": meta.title,
                "role": meta.role or "",
                "node": getattr(meta, "node", None) or "",
                "unit": str(meta.unit) if getattr(meta, "unit", None) else "",
                "actual": _numbers(spread("actual")),
                "baseline": _numbers(spread("baseline")),
                "target": _numbers(spread("target")),
                "targetPeriod": _col(target_period),
                "period": _col(period_at),
                "ach": _per_mille(spread("achievement")),
                "plan": _per_mille(spread("planned_achievement")),
                "status": _status_string(rows["status"], at, n),
                "reporting": _numbers(reporting, 0),
                "expected": _numbers(exp, 0),
                "complete": _numbers(_at(complete, at, n), 0) if complete is not None else None,
                "axis": axis,
                "trend": trend,
            }
        )

    # nodes: status and rolled-up score of every node in every org
    nodes_t = progress.nodes
    nodes_t = nodes_t.assign(_o=org_index(nodes_t["org"]) if "org" in nodes_t else 0)
    nodes_t = nodes_t[nodes_t["_o"] >= 0].drop_duplicates(["node", "_o"])
    nodes_by = _groups(nodes_t, "node")
    nodes = []
    for node in model.nodes:
        rows = nodes_by.get(node.id, nodes_t.iloc[:0])
        at = rows["_o"].to_numpy(dtype=np.int64)
        rolled = np.full(n, np.nan)
        rolled[at] = rows["rolled"].to_numpy(dtype=np.float64, na_value=np.nan)
        nodes.append(
            {
                "id": node.id,
                "title": node.title,
                "kind": node.kind,
                "stage": getattr(node, "stage", None) or "",
                "status": _status_string(rows["status"], at, n),
                "rolled": _per_mille(rolled),
            }
        )

    # children: per (indicator, org) counts by status, every status a column so rows add up
    kids = progress.children
    children: dict[str, list[list[int]]] = {}
    kid_codes = [c for c in STATUS_CODES if c in kids.columns]
    if len(kids) and "org" in kids:
        kids = kids.assign(_o=org_index(kids["org"]))
        kids = kids[kids["_o"] >= 0]
        kids_by = _groups(kids, "indicator")
        for meta in model.indicators:
            rows = kids_by.get(meta.id, kids.iloc[:0])
            cols = ["_o", *kid_codes, "n_children"]
            children[meta.id] = rows[cols].to_numpy(dtype=np.int64).tolist()

    # findings: all of them, most important first, ids replaced by labels in the text
    findings = progress.findings
    # a finding without an org (an overdue milestone) concerns everyone: it goes with the top org;
    # a per-org file keeps the findings of its own organisations
    if "org" in findings and len(orgs) > 1:
        org_less = findings["org"].isna().to_numpy()
        f_org = np.where(org_less, 0, org_index(findings["org"]))
        keep = f_org >= 0
        findings, f_org = findings[keep], f_org[keep]
    else:
        f_org = np.zeros(len(findings), np.int64)
    node_ids = [nd.id for nd in model.nodes]
    code_rank = {c: k for k, c in enumerate(_FINDINGS)}
    level_rank = {lv: k for k, lv in enumerate(levels)}
    order = pd.DataFrame(
        {
            "level": findings["level"].map(level_rank).fillna(0).to_numpy()
            if "level" in findings
            else 0,
            "code": findings["code"].astype(str).map(code_rank).fillna(len(code_rank)).to_numpy(),
            "node": pd.Index(node_ids).get_indexer(pd.Index(findings["node"].astype(str))),
            "org": f_org,
        }
    ).sort_values(["level", "code", "node", "org"], kind="stable")
    findings = findings.iloc[order.index.to_numpy()]
    f_org = f_org[order.index.to_numpy()]
    labels = {nd.id: nd.title for nd in model.nodes}
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

    # each distinct (Japanese, English) message once; rows point at it
    pairs = pd.MultiIndex.from_arrays([text("message_ja"), text("message")])
    msg_index, distinct = pd.factorize(pairs)

    def relabel(values: pd.Index) -> list[str]:
        return [
            pattern.sub(lambda m: labels[m.group(1)], str(u)) if pattern else str(u) for u in values
        ]

    msg_ja = relabel(distinct.get_level_values(0))
    msg_en = relabel(distinct.get_level_values(1))
    names_of = {
        **{
            str(m): str(t)
            for m, t in zip(
                progress.milestones.get("milestone", []),
                progress.milestones.get("title", []),
                strict=False,
            )
        },
        **labels,
    }
    target_ids = list(dict.fromkeys(findings["node"].astype(str)))
    target_names = [names_of.get(t, t) for t in target_ids]
    codes_f = list(_FINDINGS) + sorted(set(findings["code"].astype(str)) - set(_FINDINGS))
    finding_data = {
        "codes": [[c, *_FINDINGS.get(c, (c, c))] for c in codes_f],
        "code": pd.Index(codes_f).get_indexer(pd.Index(findings["code"].astype(str))).tolist(),
        # what each finding is about, by name: a node's title or a milestone's
        "targets": target_names,
        "target": pd.Index(target_ids).get_indexer(pd.Index(findings["node"].astype(str))).tolist(),
        "org": f_org.tolist(),
        "ja": msg_ja,
        "en": msg_en,
        "msg": msg_index.tolist(),
    }

    milestones = []
    for rec in progress.milestones.to_dict("records"):  # the roadmap: a handful of rows
        status = str(rec["status"])
        level = rec.get("service_level")
        title = str(rec["title"])
        label = title + (
            f"（{level}）" if isinstance(level, str) and level and level != title else ""
        )
        milestones.append(
            {
                "id": str(rec["milestone"]),
                "title": title,
                "label": label,
                "lines": wrap(label, 17.0),
                "due": str(rec["due"]),
                "done": None
                if rec.get("done") is None or pd.isna(rec.get("done"))
                else str(rec["done"]),
                "status": status,
                "delivers": str(rec.get("delivers") or ""),
            }
        )

    wareki: dict[str, str] = {}
    for label in [
        *periods,
        *(p for i in indicators for p in i["axis"]),
    ]:
        w = _wareki_label(label) if label else None
        if w:
            wareki[label] = w
    days = [str(m[k]) for m in milestones for k in ("due", "done") if m[k]]
    for day in [progress.as_of, *(dt.date.fromisoformat(d[:10]) for d in days)]:
        wareki[str(day)] = _wareki_date(day)
    for ind_item in indicators:
        tp = ind_item["targetPeriod"]
        for label in tp if isinstance(tp, list) else [tp]:
            if isinstance(label, str) and label not in wareki and (w := _wareki_label(label)):
                wareki[label] = w

    # -1 for a top: no parent, or a parent outside this file
    has_parent = orgs["parent"].notna().to_numpy()
    parents = np.where(
        has_parent, codes.get_indexer(pd.Index(orgs["parent"].fillna("").astype(str))), -1
    )
    return {
        "title": model.title,
        "owner": model.owner or "",
        "asOf": str(progress.as_of),
        "single": org is not None,
        "levels": [[lv, *_LEVELS.get(lv, (lv, lv))] for lv in levels],
        "counted": counted,
        "orgs": {
            "code": orgs["code"].tolist(),
            "name": orgs["name"].tolist(),
            "kana": orgs["kana"].tolist(),
            "level": orgs["level"]
            .map({lv: k for k, lv in enumerate(levels)})
            .fillna(0)
            .astype(int)
            .tolist(),
            "parent": parents.tolist(),
        },
        "periods": list(periods),
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
        "childCodes": kid_codes,
        "milestoneStatuses": {k: list(v) for k, v in _MS.items()},
        "indicators": indicators,
        "nodes": nodes,
        "children": children,
        "findings": finding_data,
        "milestones": milestones,
        "pathway": pathway_layout(model),
        "wareki": wareki,
    }
