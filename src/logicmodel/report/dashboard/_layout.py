"""Geometry of the dashboard's drawings, computed once in Python and drawn by the page's script.

Text is measured with a generous estimate of each character's advance (:func:`text_width`), so a
label wrapped to a box never overruns it: the page draws every line in full, nothing is cut.
The pathway is laid out in columns (input → … → impact); links run orthogonally through the
gaps between columns and along lanes below the boxes, so no connector passes behind a box.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["COLUMNS", "fit", "pathway_layout", "text_width", "wrap", "wrap_into"]

COLUMNS: tuple[tuple[str, str | None, str, str], ...] = (
    ("input", None, "インプット", "Inputs"),
    ("activity", None, "アクティビティ", "Activities"),
    ("output", None, "アウトプット", "Outputs"),
    ("outcome", "short", "短期アウトカム", "Short-term outcomes"),
    ("outcome", "intermediate", "中期アウトカム", "Intermediate outcomes"),
    ("outcome", "long", "長期アウトカム", "Long-term outcomes"),
    ("impact", None, "インパクト", "Impact"),
)
"""Pathway columns from left to right: kind, outcome stage, Japanese and English heading."""

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


def text_width(text: str) -> float:
    """Estimated display width of ``text`` in em (multiply by the font size for pixels).

    Examples
    --------
    >>> text_width("行政サービス"), text_width("28%")
    (6.0, 2.15)
    """
    return sum(_em(c) for c in text)


def wrap(text: str, room: float) -> list[str]:
    """``text`` broken into lines of at most ``room`` em; every character is kept.

    Lines break between any two characters, or after the last space of a line that has one
    (Latin words stay whole); no line starts with a comma, closing bracket or small kana (禁則).

    Examples
    --------
    >>> wrap("誰一人取り残されない利用者中心の行政サービス", 12.0)
    ['誰一人取り残されない利用', '者中心の行政サービス']
    >>> wrap("Digital by default", 9.0)
    ['Digital by', 'default']
    >>> wrap("職員の窓口業務時間の削減、職員の窓口業務", 12.0)
    ['職員の窓口業務時間の削', '減、職員の窓口業務']
    >>> wrap("", 5.0)
    ['']
    """
    lines: list[str] = []
    rest = text
    while text_width(rest) > room:
        # the characters that fit; at least one, so a character wider than the line moves on
        cut = max(bisect.bisect_right(list(itertools.accumulate(map(_em, rest))), room), 1)
        space = rest.rfind(" ", 1, cut + 1)
        if space > 0 and not rest[cut].isspace():
            cut = space + 1
        else:
            while cut > 1 and rest[cut] in _NO_LINE_START:
                cut -= 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not lines:
        lines.append(rest)
    return lines


def fit(text: str, room: float) -> str:
    """``text`` cut to at most ``room`` em, ending in ``…`` when anything was cut.

    Examples
    --------
    >>> fit("スマートフォンで手続が完結", 8.0)
    'スマートフォン…'
    >>> fit("short", 8.0)
    'short'
    """
    if text_width(text) <= room:
        return text
    out, used, limit = [], 0.0, room - _em("…")
    for char in text:
        used += _em(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip() + "…"


def wrap_into(text: str, rooms: list[float]) -> list[str]:
    """``text`` in at most ``len(rooms)`` lines, line ``k`` at most ``rooms[k]`` em wide; what
    does not fit is cut with ``…`` on the last line (for drawings of a fixed size, e.g. charts).

    Examples
    --------
    >>> wrap_into("誰一人取り残されない利用者中心の行政サービス", [12.0, 9.0])
    ['誰一人取り残されない利用', '者中心の行政サー…']
    """
    lines = wrap(text, min(rooms))
    if len(lines) <= len(rooms) and all(
        text_width(line) <= room for line, room in zip(lines, rooms, strict=False)
    ):
        return lines
    out: list[str] = []
    rest = text
    for k, room in enumerate(rooms):
        if k == len(rooms) - 1 or text_width(rest) <= room:
            out.append(fit(rest, room))
            break
        first = wrap(rest, room)[0]
        out.append(first)
        rest = rest[len(first) :].lstrip()
        if not rest:
            break
    return out


# pathway geometry, px
BOX_W = 176
FONT = 13  # node titles
LINE = 18
STATUS_BAND = 24  # the status line at the bottom of a box
HEAD = 48  # column headings
VGAP = 16  # between boxes of a column
LANE = 10  # between parallel link lanes
PAD = 8


def _columns(model: LogicModel) -> list[tuple[str, str, list[Any]]]:
    out = []
    for kind, stage, ja, en in COLUMNS:
        members = [
            n
            for n in model.nodes
            if n.kind == kind and (stage is None or getattr(n, "stage", None) == stage)
        ]
        if members:
            out.append((ja, en, members))
    return out


def _evidence(link: Any) -> dict[str, Any] | None:
    """The link's evidence (DESIGN §4.8) as plain data, when the model has any."""
    ev = getattr(link, "evidence", None)
    if ev is None:
        return None
    if isinstance(ev, str):  # a reference or note in words
        return {"text": ev}
    data = ev.model_dump(mode="json") if hasattr(ev, "model_dump") else ev
    if not isinstance(data, dict):
        return {"text": str(data)}
    keep = ("verdict", "att", "se", "ci_low", "ci_high", "method", "alpha", "n_treated", "text")
    return {k: data[k] for k in keep if k in data and not isinstance(data[k], dict | list)}


def pathway_layout(model: LogicModel) -> dict[str, Any]:
    """Boxes (with their wrapped title lines) and orthogonal link routes of the pathway.

    Returns a dict with ``width``, ``height``, ``columns`` (``x``, Japanese and English heading),
    ``boxes`` (``id, x, y, w, h, lines``) and ``links`` (``source, target, points`` of the
    polyline, ``weight``, ``rationale``, ``evidence``). Gap ``g`` is the space left of column
    ``g``; a link between neighbouring columns turns once in the gap between them, any other link
    leaves through the gap right of its source, runs along its own lane below every box and
    enters through the gap left of its target.
    """
    columns = _columns(model)
    col_of: dict[str, int] = {}
    for c, (_, _, members) in enumerate(columns):
        for node in members:
            col_of[node.id] = c
    links = [lk for lk in model.links if lk.source in col_of and lk.target in col_of]
    # lanes: which gaps each link uses
    uses: dict[int, list[int]] = defaultdict(list)  # gap -> link numbers, in order
    for k, lk in enumerate(links):
        cs, ct = col_of[lk.source], col_of[lk.target]
        if ct == cs + 1:
            uses[cs + 1].append(k)
        else:
            uses[cs + 1].append(k)
            uses[ct].append(k)
    n_gaps = len(columns) + 1
    gap_w = [2 * PAD + LANE * max(len(uses[g]), 1) + 12 for g in range(n_gaps)]
    xs, x = [], float(gap_w[0])
    for c in range(len(columns)):
        xs.append(x)
        x += BOX_W + gap_w[c + 1]
    width = x
    room = (BOX_W - 2 * PAD) / FONT
    boxes: dict[str, dict[str, Any]] = {}
    bottom = float(HEAD)
    for c, (_, _, members) in enumerate(columns):
        y = float(HEAD)
        for node in members:
            lines = wrap(node.title, room)
            h = PAD + LINE * len(lines) + STATUS_BAND + 4
            boxes[node.id] = {"id": node.id, "x": xs[c], "y": y, "w": BOX_W, "h": h, "lines": lines}
            y += h + VGAP
        bottom = max(bottom, y)
    # where links leave and enter: spread along each box's right and left edge
    outs: dict[str, list[int]] = defaultdict(list)
    ins: dict[str, list[int]] = defaultdict(list)
    for k, lk in enumerate(links):
        outs[lk.source].append(k)
        ins[lk.target].append(k)

    def port(node: str, k: int, table: dict[str, list[int]]) -> float:
        b, order = boxes[node], table[node]
        return float(b["y"] + b["h"] * (order.index(k) + 1) / (len(order) + 1))

    def lane_x(gap: int, k: int) -> float:
        left = (xs[gap] - gap_w[gap]) if gap < len(columns) else width - gap_w[gap]
        return float(left + PAD + LANE * uses[gap].index(k) + LANE / 2)

    routed = []
    lane_y = bottom
    for k, lk in enumerate(links):
        s, t = boxes[lk.source], boxes[lk.target]
        cs, ct = col_of[lk.source], col_of[lk.target]
        sx, sy = s["x"] + s["w"], port(lk.source, k, outs)
        tx, ty = t["x"], port(lk.target, k, ins)
        gx = lane_x(cs + 1, k)
        if ct == cs + 1:
            points = [(sx, sy), (gx, sy), (gx, ty), (tx, ty)]
        else:
            lane_y += LANE
            gx2 = lane_x(ct, k)
            points = [(sx, sy), (gx, sy), (gx, lane_y), (gx2, lane_y), (gx2, ty), (tx, ty)]
        routed.append(
            {
                "source": lk.source,
                "target": lk.target,
                "points": [[round(px, 1), round(py, 1)] for px, py in points],
                "weight": float(lk.weight),
                "rationale": lk.rationale or "",
                "evidence": _evidence(lk),
            }
        )
    return {
        "width": round(width, 1),
        "height": round(lane_y + PAD + 4, 1),
        "font": FONT,
        "line": LINE,
        "pad": PAD,
        "band": STATUS_BAND,
        "columns": [{"x": xs[c], "ja": ja, "en": en} for c, (ja, en, _) in enumerate(columns)],
        "boxes": [boxes[n.id] for n in model.nodes if n.id in boxes],
        "links": routed,
    }
