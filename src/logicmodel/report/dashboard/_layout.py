"""Geometry of the dashboard's drawings, computed once in Python and drawn by the page's script.

The pathway is laid out in columns (input → … → impact, in the order of
:data:`logicmodel.model.vocabulary.PATHWAY`); links run orthogonally through the gaps between
columns and along lanes below the boxes, so no connector passes behind a box. Labels
are wrapped by :mod:`logicmodel.report.layout`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from logicmodel.model.vocabulary import PATHWAY
from logicmodel.report.layout import wrap

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["pathway_layout"]


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
    for kind, stage, ja, en, _words in PATHWAY:
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
