"""A self-contained offline HTML policy dashboard (政策ダッシュボード), DESIGN §4.6.

One HTML file: inline CSS and SVG, no scripts from anywhere, no fonts or images fetched — it opens
on a closed network (LGWAN) as it does on a laptop. Labels are in Japanese and English.

Examples
--------
>>> import logicmodel as lm, pandas as pd
>>> from logicmodel.testing import sample_model
>>> m = sample_model()
>>> html = dashboard(m, lm.evaluate(m, pd.DataFrame({"indicator": ["adopted_n"], "period": ["FY2024"],
...                                                  "value": [500]})))
>>> html.startswith("<!DOCTYPE html>") and "http://" not in html and "https://" not in html
True
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import itertools
import math
import os
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.evaluation.progress import coverage_text
from logicmodel.io.files import atomic_write
from logicmodel.report.mermaid import STATUS_COLOURS

if TYPE_CHECKING:
    from logicmodel.evaluation import Progress
    from logicmodel.model import LogicModel

__all__ = ["dashboard"]

_E = html.escape
_STATUS = {
    "achieved": ("達成", "achieved"),
    "on_track": ("順調", "on track"),
    "at_risk": ("要注意", "at risk"),
    "off_track": ("遅れ", "off track"),
    "no_data": ("データなし", "no data"),
    "no_target": ("目標なし", "no target"),
    "incomplete": ("集計中", "incomplete"),
}
_MS_STATUS = {
    "done": ("完了", "done"),
    "due_soon": ("期限間近", "due soon"),
    "overdue": ("期限超過", "overdue"),
    "upcoming": ("予定", "upcoming"),
}
_MS_COLOURS = {
    "done": "#1a7f37",
    "due_soon": "#d4a72c",
    "overdue": "#cf222e",
    "upcoming": "#8c959f",
}
_COLUMNS = [
    ("input", None, "インプット", "Inputs"),
    ("activity", None, "アクティビティ", "Activities"),
    ("output", None, "アウトプット", "Outputs"),
    ("outcome", "short", "短期アウトカム", "Short-term outcomes"),
    ("outcome", "intermediate", "中期アウトカム", "Intermediate outcomes"),
    ("outcome", "long", "長期アウトカム", "Long-term outcomes"),
    ("impact", None, "インパクト", "Impact"),
]
_FINDINGS = {
    "broken_link": ("つながりの前提", "broken link"),
    "bottleneck": ("ボトルネック", "bottleneck"),
    "stale": ("データが古い", "stale data"),
    "unmeasured": ("未計測", "unmeasured"),
    "milestone_overdue": ("ロードマップ遅延", "milestone overdue"),
}

_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font-family:"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif;
color:var(--fg);background:#fff;line-height:1.5}header{padding:20px 28px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{margin:0;font-size:22px}h2{font-size:17px;margin:28px 0 10px;border-left:4px solid #2f81f7;padding-left:8px}
.sub{color:var(--muted);font-size:13px}main{padding:0 28px 40px;max-width:1400px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;
min-width:230px;flex:1}.card .v{font-size:26px;font-weight:700}.card .n{font-size:13px;color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;
text-align:left;vertical-align:middle}th{background:var(--bg);font-weight:600}td.num{text-align:right;
font-variant-numeric:tabular-nums}.bar{height:8px;background:#eaeef2;border-radius:4px;width:120px;position:relative}
.bar i{position:absolute;left:0;top:0;bottom:0;border-radius:4px}.bar b{position:absolute;top:-3px;bottom:-3px;width:2px;
background:#1f2328}svg text{font-family:inherit}.legend span{margin-right:12px;font-size:12px}
.scroll{overflow-x:auto}.en{color:var(--muted);font-size:11px}
"""


def _badge(
    status: str, table: dict[str, tuple[str, str]], colours: dict[str, str] | Any = STATUS_COLOURS
) -> str:
    ja, en = table.get(status, (status, status))
    colour = colours.get(status, "#8c959f")
    text_colour = "#1f2328" if status == "no_target" else "#fff"
    return f'<span class="badge" style="background:{colour};color:{text_colour}" title="{_E(en)}">{_E(ja)} / {_E(en)}</span>'


class _Row:
    """Attribute access to one record (values typed ``Any``: they come from a DataFrame)."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None


def _reporting(row: _Row) -> str:
    """`` 200/1,741団体`` next to a total that not every organisation below reported."""
    rep, exp = getattr(row, "reporting", None), getattr(row, "expected", None)
    if rep is None or exp is None or not exp > 1 or not rep < exp:
        return ""
    return f" <small>{_E(coverage_text(int(rep), int(exp)))}</small>"


def _records(frame: pd.DataFrame) -> list[_Row]:
    return [_Row({str(k): v for k, v in rec.items()}) for rec in frame.to_dict("records")]


def _s(value: Any) -> str:
    """Text of a cell; empty for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _E(str(value))
    if abs(v) >= 1000 or v == int(v):
        return f"{v:,.0f}" if v == int(v) else f"{v:,.{digits}f}"
    return f"{v:,.{digits}f}"


def _pct(value: Any) -> str:
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or not np.isfinite(float(value))
    ):
        return "–"
    return f"{float(value) * 100:.0f}%"


_WIDE_NARROW = frozenset("MWmw@%")  # half-width glyphs nearly as wide as a full-width one
_NO_LINE_START = frozenset(
    "、。，．・：；？！ー）］｝」』】〕〉》ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ,.:;?!)]}"
)


def _em(char: str) -> float:
    """Estimated advance of one character in em, on the generous side so text never overruns.

    Full-width (``W``/``F``) and ambiguous (``A``: a Japanese font draws ``…``, ``×``, ``→``
    full width) characters are 1 em; half-width katakana 0.55; Latin capitals 0.75, ``MWmw@%``
    0.95 and other narrow characters 0.6 (Noto Sans CJK JP measures 0.55 for digits, at most
    0.93 for ``m``); combining marks and control characters take no room.
    """
    if unicodedata.combining(char) or unicodedata.category(char) in {"Cc", "Cf"}:
        return 0.0
    eaw = unicodedata.east_asian_width(char)
    if eaw in {"W", "F", "A"}:
        return 1.0
    if eaw == "H":
        return 0.55
    if char in _WIDE_NARROW:
        return 0.95
    return 0.75 if char.isupper() else 0.6


def _text_width(text: str) -> float:
    """Estimated display width of ``text`` in em (multiply by the font size for pixels).

    Examples
    --------
    >>> _text_width("行政サービス"), _text_width("28%")
    (6.0, 2.15)
    """
    return sum(_em(c) for c in text)


def _fit(text: str, room: float) -> str:
    """``text`` cut to at most ``room`` em, ending in ``…`` when anything was cut.

    Examples
    --------
    >>> _fit("スマートフォンで手続が完結", 8.0)
    'スマートフォン…'
    >>> _fit("short", 8.0)
    'short'
    """
    if _text_width(text) <= room:
        return text
    out, used, limit = [], 0.0, room - _em("…")
    for char in text:
        used += _em(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip() + "…"


def _wrap(text: str, rooms: list[float]) -> list[str]:
    """``text`` broken into at most ``len(rooms)`` lines, line ``k`` at most ``rooms[k]`` em wide.

    Lines break between any two characters, or after the last space of a line that has one
    (Latin words stay whole); what does not fit is cut with ``…`` on the last line.

    Examples
    --------
    >>> _wrap("誰一人取り残されない利用者中心の行政サービス", [12.0, 9.0])
    ['誰一人取り残されない利用', '者中心の行政サー…']
    >>> _wrap("Digital by default", [9.0, 9.0])
    ['Digital by', 'default']
    >>> _wrap("職員の窓口業務時間の削減、職員の窓口業務", [12.0, 12.0])
    ['職員の窓口業務時間の削', '減、職員の窓口業務']
    >>> _wrap("", [5.0])
    ['']
    """
    lines: list[str] = []
    rest = text
    for k, room in enumerate(rooms):
        if k == len(rooms) - 1 or _text_width(rest) <= room:
            lines.append(_fit(rest, room))
            break
        # the characters that fit; at least one, so a character wider than the line moves on
        cut = max(bisect.bisect_right(list(itertools.accumulate(map(_em, rest))), room), 1)
        space = rest.rfind(" ", 1, cut + 1)
        if space > 0 and not rest[cut].isspace():
            cut = space + 1
        else:  # no line starts with a comma, closing bracket or small kana (禁則)
            while cut > 1 and rest[cut] in _NO_LINE_START:
                cut -= 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
        if not rest:
            break
    return lines


def _pathway_svg(model: LogicModel, progress: Progress) -> str:
    top = progress.top_level
    nodes = progress.nodes[progress.nodes["level"] == top].drop_duplicates("node").set_index("node")
    columns = []
    for kind, stage, ja, en in _COLUMNS:
        members = [
            n
            for n in model.nodes
            if n.kind == kind and (stage is None or getattr(n, "stage", None) == stage)
        ]
        if members:
            columns.append((ja, en, members))
    box_w, box_h, gap, col_w, head = 150, 46, 14, 190, 40
    height = head + max((len(m) for _, _, m in columns), default=1) * (box_h + gap) + 10
    width = len(columns) * col_w + 10
    pos: dict[str, tuple[float, float]] = {}
    parts = []
    for c, (ja, en, members) in enumerate(columns):
        cx = 10 + c * col_w
        parts.append(
            f'<text x="{cx}" y="16" font-size="12" font-weight="600">{_E(ja)}</text>'
            f'<text x="{cx}" y="30" font-size="10" fill="#59636e">{_E(en)}</text>'
        )
        for r, node in enumerate(members):
            pos[node.id] = (float(cx), float(head + r * (box_h + gap)))
    for link in model.links:
        if link.source in pos and link.target in pos:
            (x1, y1), (x2, y2) = pos[link.source], pos[link.target]
            sx, sy, tx, ty = x1 + box_w, y1 + box_h / 2, x2, y2 + box_h / 2
            if x2 <= x1:
                sx, tx = x1 + box_w / 2, x2 + box_w / 2
            mid = (sx + tx) / 2
            width_px = 1 + min(link.weight, 4)
            parts.append(
                f'<path d="M{sx},{sy} C{mid},{sy} {mid},{ty} {tx},{ty}" fill="none" stroke="#8c959f" '
                f'stroke-width="{width_px:.1f}" opacity="0.7"><title>{_E(link.source)} → {_E(link.target)}'
                f"{': ' + _E(link.rationale) if link.rationale else ''}</title></path>"
            )
    for node in model.nodes:
        if node.id not in pos:
            continue
        x, y = pos[node.id]
        status = str(nodes.loc[node.id, "status"]) if node.id in nodes.index else "no_data"
        rolled = nodes.loc[node.id, "rolled"] if node.id in nodes.index else float("nan")
        colour = STATUS_COLOURS.get(status, "#8c959f")
        # the title in up to two lines of 11 px inside the box (8 px in from the left, 6 px
        # from the right); the second line stops short of the percentage drawn bottom-right
        # at 10 px, as the two share a band of the box
        pct = _pct(rolled)
        room = (box_w - 14) / 11
        lines = _wrap(node.title, [room, room - (_text_width(pct) * 10 + 4) / 11])
        text = "".join(
            f'<tspan x="{x + 8}" dy="{14 if k else 0}">{_E(s)}</tspan>' for k, s in enumerate(lines)
        )
        parts.append(
            f"<g><title>{_E(node.id)}: {_E(_STATUS.get(status, (status, status))[0])} {pct}\n"
            f"{_E(node.title)}</title>"
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="#fff" stroke="{colour}" '
            f'stroke-width="2"/><rect x="{x}" y="{y}" width="6" height="{box_h}" rx="3" fill="{colour}"/>'
            f'<text x="{x + 8}" y="{y + 18}" font-size="11">{text}</text>'
            f'<text x="{x + box_w - 6}" y="{y + box_h - 6}" font-size="10" text-anchor="end" fill="#59636e">'
            f"{pct}</text></g>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="logic model" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    ).replace('xmlns="http://www.w3.org/2000/svg" ', "")


def _sparkline(hist: pd.DataFrame) -> str:
    if len(hist) < 2:
        return ""
    x = hist["end"].to_numpy(dtype="datetime64[D]").astype(np.int64).astype(float)
    series = [hist["actual"].to_numpy(dtype=float), hist["planned"].to_numpy(dtype=float)]
    vals = np.concatenate([s[np.isfinite(s)] for s in series])
    if not len(vals):
        return ""
    lo, hi = float(vals.min()), float(vals.max())
    span_y = hi - lo or 1.0
    span_x = x.max() - x.min() or 1.0
    w, h = 120, 28

    def poly(v: np.ndarray, style: str) -> str:
        ok = np.isfinite(v)
        if ok.sum() < 2:
            return ""
        pts = " ".join(
            f"{(xi - x.min()) / span_x * w:.1f},{h - (vi - lo) / span_y * (h - 4) - 2:.1f}"
            for xi, vi in zip(x[ok], v[ok], strict=True)
        )
        return f'<polyline points="{pts}" fill="none" {style}/>'

    plan = poly(series[1], 'stroke="#8c959f" stroke-dasharray="3,2"')
    actual = poly(series[0], 'stroke="#2f81f7" stroke-width="1.5"')
    return f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}">{plan}{actual}</svg>'


def _roadmap_svg(milestones: pd.DataFrame, as_of: dt.date) -> str:
    if milestones.empty:
        return '<p class="sub">マイルストーンはありません / no milestones</p>'
    dates = [*list(milestones["due"]), as_of]
    start = min(dates) - dt.timedelta(days=30)
    end = max(dates) + dt.timedelta(days=60)
    span = (end - start).days or 1
    left, width, row_h = 260, 760, 26
    label_room = (left - 4 - 12) / 11  # em at 11 px between x=4 and the timeline, 12 px spare
    height = 30 + row_h * len(milestones)

    def xpos(d: dt.date) -> float:
        return float(left + (d - start).days / span * width)

    parts = []
    for year in range(start.year, end.year + 1):
        fy = dt.date(year, 4, 1)
        if start <= fy <= end:
            x = xpos(fy)
            parts.append(
                f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height}" stroke="#eaeef2"/>'
                f'<text x="{x + 3:.1f}" y="14" font-size="10" fill="#59636e">{year}年度</text>'
            )
    ax = xpos(as_of)
    parts.append(
        f'<line x1="{ax:.1f}" y1="18" x2="{ax:.1f}" y2="{height}" stroke="#cf222e" stroke-dasharray="4,3"/>'
        f'<text x="{ax + 3:.1f}" y="{height - 2}" font-size="10" fill="#cf222e">基準日 as of {as_of}</text>'
    )
    for k, row in enumerate(_records(milestones)):  # milestones: a handful of rows
        y = 30 + k * row_h
        status = str(row.status)
        colour = _MS_COLOURS.get(status, "#8c959f")
        x = xpos(row.due)
        level = row.service_level if isinstance(row.service_level, str) else ""
        # the service level in brackets, unless it only repeats the title
        label = f"{row.title}" + (f"（{level}）" if level and level != row.title else "")
        parts.append(
            f'<text x="4" y="{y + 4}" font-size="11"><title>{_E(label)}</title>'
            f"<tspan>{_E(_fit(label, label_room))}</tspan></text>"
            f'<circle cx="{x:.1f}" cy="{y}" r="6" fill="{colour}"><title>{_E(row.title)}: {row.due} '
            f"{_E(_MS_STATUS[status][0])}</title></circle>"
            f'<text x="{x + 9:.1f}" y="{y + 4}" font-size="10" fill="#59636e">{row.due} {_E(_MS_STATUS[status][0])}</text>'
        )
    return f'<svg width="{left + width + 120}" height="{height + 4}">{"".join(parts)}</svg>'


def dashboard(
    model: LogicModel,
    progress: Progress,
    path: str | os.PathLike[str] | None = None,
    *,
    org: str | None = None,
) -> str:
    """The policy dashboard as one self-contained HTML string; also written to ``path`` if given.

    Sections: KGI cards, the effect pathway coloured by status, every indicator with its trend,
    organisations behind plan (with a hierarchy), the service roadmap, and pathway findings.
    Nothing is fetched from the network; the file is written atomically. ``org`` (a code or a
    name) makes it that organisation's dashboard, as ``dashboard(model, progress.org(org))``.
    """
    if org is not None:
        progress = progress.org(org)
    top = progress.top_level
    ind = progress.indicators[progress.indicators["level"] == top]
    hist = progress.history[progress.history["level"] == top]
    hist_by = {k: g.sort_values("end") for k, g in hist.groupby("indicator", sort=False)}
    cards = []
    for row in _records(ind[ind["role"] == "KGI"]):  # a few KGIs
        cards.append(
            f'<div class="card"><div class="n">KGI · {_E(str(row.name))}</div>'
            f'<div class="v">{_fmt(row.actual)} <small>{_E(_s(row.unit))}</small></div>'
            f'<div class="n">目標 target {_fmt(row.target)} ({_E(_s(row.target_period) or "–")}) · '
            f"達成率 {_pct(row.achievement)}</div><div>{_badge(str(row.status), _STATUS)}"
            f"{_reporting(row)}</div></div>"
        )
    rows = []
    for row in _records(ind):  # one row per indicator
        a = row.achievement
        p = row.planned_achievement
        fill = 0 if not np.isfinite(a) else max(0.0, min(float(a), 1.0)) * 100
        mark = (
            ""
            if not np.isfinite(p)
            else f'<b style="left:{max(0.0, min(float(p), 1.0)) * 100:.0f}%"></b>'
        )
        colour = STATUS_COLOURS.get(str(row.status), "#8c959f")
        rows.append(
            f"<tr><td>{_E(_s(row.role))}</td><td>{_E(str(row.name))}<div class='en'>{_E(row.indicator)}</div></td>"
            f"<td>{_E(_s(row.period) or '–')}</td><td class='num'>{_fmt(row.actual)}</td>"
            f"<td class='num'>{_fmt(row.baseline)}</td><td class='num'>{_fmt(row.target)}</td>"
            f"<td>{_E(_s(row.target_period) or '–')}</td><td>{_E(_s(row.unit))}</td>"
            f"<td class='num'>{_pct(a)}</td><td><div class='bar'><i style='width:{fill:.0f}%;background:{colour}'></i>"
            f"{mark}</div></td><td>{_badge(str(row.status), _STATUS)}{_reporting(row)}</td>"
            f"<td>{_sparkline(hist_by[row.indicator]) if row.indicator in hist_by else ''}</td></tr>"
        )
    orgs_html = ""
    if len(progress.levels) > 1:
        behind = progress.behind_plan(level=progress.levels[-1], n=15)
        orgs_html = (
            "<h2>計画から遅れている団体 / Organisations furthest behind plan</h2><div class='scroll'><table>"
            "<tr><th>団体 org</th><th>指標 indicator</th><th>実績 actual</th><th>達成率</th><th>計画 plan</th><th>状況</th></tr>"
            + "".join(
                f"<tr><td>{_E(str(r.org))}</td><td>{_E(str(r.name))}</td><td class='num'>{_fmt(r.actual)}</td>"
                f"<td class='num'>{_pct(r.achievement)}</td><td class='num'>{_pct(r.planned_achievement)}</td>"
                f"<td>{_badge(str(r.status), _STATUS)}</td></tr>"
                for r in _records(behind)
            )
            + "</table></div>"
        )
        kids = progress.children[progress.children["level"] == top]
        if len(kids):
            orgs_html += (
                "<h2>下位団体の達成状況 / Children by status</h2><table><tr><th>指標</th><th>団体数 n</th>"
                "<th>達成 achieved</th><th>順調 on track</th><th>要注意</th><th>遅れ</th><th>データなし</th></tr>"
                + "".join(
                    f"<tr><td>{_E(r.indicator)}</td><td class='num'>{r.n_children}</td><td class='num'>{r.achieved}</td>"
                    f"<td class='num'>{r.on_track}</td><td class='num'>{r.at_risk}</td><td class='num'>{r.off_track}</td>"
                    f"<td class='num'>{r.no_data}</td></tr>"
                    for r in _records(kids)
                )
                + "</table>"
            )
    findings = progress.findings
    finding_rows = (
        "".join(
            f"<tr><td>{_E(_FINDINGS.get(str(f.code), (str(f.code), ''))[0])}<div class='en'>{_E(str(f.code))}</div></td>"
            f"<td>{_E(str(f.node))}</td><td>{_E(_s(getattr(f, 'org_name', None) or f.org))}</td>"
            f"<td>{_E(_s(f.message_ja))}<div class='en'>{_E(str(f.message))}</div></td></tr>"
            for f in _records(findings.head(200))
        )
        or "<tr><td colspan='4'>所見はありません / no findings</td></tr>"
    )
    legend = "".join(f"<span>{_badge(k, _STATUS)}</span>" for k in _STATUS)
    counts = ind["status"].astype(str).value_counts()
    summary = " · ".join(
        f"{_STATUS[k][0]} {int(counts.get(k, 0))}" for k in _STATUS if counts.get(k, 0)
    )
    focus = getattr(progress, "focus", None)
    if focus is not None:  # a view about one organisation (progress.org(...))
        named = progress.orgs.loc[(progress.orgs["org"] == focus).to_numpy(), "org_name"]
        about = str(named.iloc[0]) if len(named) and named.iloc[0] is not None else str(focus)
        title = f"{model.title} — {about}"
    else:
        title = model.title
    doc = f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{_E(title)} — 政策ダッシュボード / Policy dashboard</title><style>{_CSS}</style></head>
<body><header><h1>{_E(title)}</h1><div class="sub">政策ダッシュボード / Policy dashboard · {_E(model.owner or "")}
 · 基準日 as of {progress.as_of} · {_E(summary)}</div></header><main>
<h2>重要目標達成指標 / KGI</h2><div class="cards">{"".join(cards) or '<p class="sub">KGIがありません / no KGI</p>'}</div>
<h2>効果発現経路 / Effect pathway</h2><div class="legend">{legend}</div><div class="scroll">{_pathway_svg(model, progress)}</div>
<h2>指標 / Indicators</h2><div class="scroll"><table><tr><th>区分</th><th>指標 indicator</th><th>時点 period</th>
<th>実績 actual</th><th>基準 baseline</th><th>目標 target</th><th>目標年度</th><th>単位 unit</th><th>達成率</th>
<th>進捗 progress</th><th>状況 status</th><th>推移 trend</th></tr>{"".join(rows)}</table></div>
{orgs_html}
<h2>サービスロードマップ / Service roadmap</h2><div class="scroll">{_roadmap_svg(progress.milestones, progress.as_of)}</div>
<h2>所見 / Findings</h2><table><tr><th>種類 kind</th><th>対象 node</th><th>団体 org</th><th>内容 message</th></tr>{finding_rows}</table>
<p class="sub">logicmodel — 達成率 = (実績 − 基準) / (目標 − 基準); status against the planned trajectory.</p>
</main></body></html>
"""
    if path is not None:
        atomic_write(Path(path), doc)
    return doc
