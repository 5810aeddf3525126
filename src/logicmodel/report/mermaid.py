"""Mermaid and Graphviz DOT text of a logic model (DESIGN §4.6): no dependencies, Japanese kept.

Both writers group nodes by kind (outcomes also by stage) in pathway order, put the model's
indicators under the node they measure, and, given progress, colour each node by its status.

Examples
--------
>>> import logicmodel as lm
>>> m = lm.LogicModel(id="m", title="窓口", nodes=[lm.Activity(id="support", label="導入支援"),
...                   lm.Outcome(id="wait", label="待ち時間の短縮", stage="中期")],
...                   links=[lm.Link(source="support", target="wait")])
>>> print(to_mermaid(m))
flowchart LR
  subgraph k_activity["アクティビティ / Activities"]
    lm_support["導入支援"]
  end
  subgraph k_outcome_intermediate["中期アウトカム / Intermediate outcomes"]
    lm_wait["待ち時間の短縮"]
  end
  lm_support --> lm_wait
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from logicmodel.evaluation.bands import STATUS_LABELS as _LABELS
from logicmodel.model.vocabulary import PATHWAY

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = [
    "EVIDENCE_COLOURS",
    "STATUS_COLOURS",
    "STATUS_INK",
    "STATUS_LABELS",
    "contrast",
    "ink",
    "to_dot",
    "to_mermaid",
]

STATUS_LABELS: Mapping[str, str] = _LABELS["ja"]
"""Japanese labels of the status codes (DESIGN §4.4; the table lives in ``evaluation.bands``)."""

# Fills from the Digital Agency design system's colour tokens (npm @digital-go-jp/design-tokens
# 1.1.9, MIT: green-800, light-blue-900, yellow-400, red-900, solid-gray-536, solid-gray-100,
# purple-200); each status keeps its own hue and lightness, so they stay apart for colour-blind
# readers, and the text on each fill is the one of STATUS_INK (contrast >= 4.5:1, WCAG 2.1 AA).
STATUS_COLOURS: Mapping[str, str] = {
    "achieved": "#197a4b",
    "on_track": "#0055ad",
    "at_risk": "#ffc700",
    "off_track": "#ce0000",
    "no_data": "#767676",
    "no_target": "#e6e6e6",
    "incomplete": "#ddc2ff",
}
"""Fill colours of the status codes (design-token values, each with a readable text colour)."""

_DARK, _LIGHT = "#1a1a1a", "#ffffff"


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    channels = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (1 … 21).

    Examples
    --------
    >>> round(contrast("#ffffff", "#000000"), 1), round(contrast("#767676", "#ffffff"), 2)
    (21.0, 4.54)
    """
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink(fill: str) -> str:
    """The text colour (near-black or white) with the higher contrast on ``fill``.

    Examples
    --------
    >>> ink("#ffc700"), ink("#0055ad")
    ('#1a1a1a', '#ffffff')
    """
    return _DARK if contrast(fill, _DARK) >= contrast(fill, _LIGHT) else _LIGHT


STATUS_INK: Mapping[str, str] = {code: ink(fill) for code, fill in STATUS_COLOURS.items()}
"""Text colour on each status fill (every pair at least 4.5:1)."""

_GROUPS: tuple[tuple[str, str | None, str], ...] = tuple(
    (c.kind, c.stage, f"{c.ja} / {c.en}") for c in PATHWAY
)

_ASCII_ID = re.compile(r"[A-Za-z0-9_]+\Z")

EVIDENCE_COLOURS: Mapping[str, str] = {
    "supports": "#1a7f37",
    "contradicts": "#cf222e",
    "inconclusive": "#8c959f",
}
"""Link colours by the verdict of the link's estimated evidence (``model.with_evidence``)."""


def _link_label(link: Any) -> tuple[str | None, str | None]:
    """A link's label (weight and estimated evidence) and the colour of its verdict."""
    parts = [] if link.weight == 1.0 else [f"{link.weight:g}"]
    label = getattr(link.evidence, "label", None)
    if label is None:
        return (parts[0] if parts else None), None
    parts.append(label())
    return " · ".join(parts), EVIDENCE_COLOURS.get(link.evidence.verdict)


def _node_status(progress: Any) -> dict[str, str]:
    """``{node id: status}`` from a mapping, or from ``progress.nodes`` (its top-level rows)."""
    if progress is None:
        return {}
    if isinstance(progress, Mapping):
        return {str(k): str(v) for k, v in progress.items()}
    frame = getattr(progress, "nodes", None)
    if frame is None or "node" not in frame.columns or "status" not in frame.columns:
        return {}
    if "level" in frame.columns:
        levels = list(dict.fromkeys(frame["level"].tolist()))
        first = levels[0] if levels else None
        top = next((lv for lv in ("total", "nation") if lv in levels), first)
        frame = frame[frame["level"] == top]
    elif "org" in frame.columns:
        frame = frame[frame["org"].isna()]
    out: dict[str, str] = {}
    for node, status in zip(frame["node"].tolist(), frame["status"].tolist(), strict=True):
        if isinstance(status, str):
            out.setdefault(str(node), status)
    return out


def _lines(model: LogicModel, node_id: str, status: str | None, indicators: bool) -> list[str]:
    node = model.node(node_id)
    lines = [node.title]
    if indicators:
        for ind in model.indicators_of(node_id):
            role = f"{ind.role}: " if ind.role else ""
            unit = f" ({ind.unit})" if ind.unit else ""
            lines.append(f"{role}{ind.title}{unit}")
    if status is not None:
        lines.append(f"[{STATUS_LABELS.get(status, status)}]")
    return lines


# ------------------------------------------------------------------------------------- Mermaid


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for the characters it parses)."""
    out = text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return out.replace("\r\n", "\n").replace("\n", " ")


def _mermaid_ids(model: LogicModel) -> dict[str, str]:
    """Mermaid-safe ids: ``lm_<id>`` for ASCII ids, ``lmx<k>`` otherwise (never a keyword)."""
    return {
        n.id: f"lm_{n.id}" if _ASCII_ID.match(n.id) else f"lmx{k}"
        for k, n in enumerate(model.nodes)
    }


def to_mermaid(model: LogicModel, progress: Any = None, *, indicators: bool = True) -> str:
    """The model as a Mermaid ``flowchart LR`` with one subgraph per kind (outcomes per stage).

    Parameters
    ----------
    model
        The logic model.
    progress
        Optional: a :class:`~logicmodel.Progress` (its top-level ``nodes`` rows are used) or a
        mapping ``{node id: status}``; nodes are then coloured and labelled with their status.
    indicators
        List each node's indicators (role, name, unit) under its label.

    Returns
    -------
    str
        Mermaid text; labels are quoted and escaped, Japanese is kept as is.

    Examples
    --------
    >>> import logicmodel as lm
    >>> m = lm.LogicModel(id="m", title="t", nodes=[lm.Output(id="o", label='"導入" <団体>')],
    ...                   indicators=[lm.KPI(id="n", measures="o", name="導入団体数", unit="団体")])
    >>> print(to_mermaid(m, {"o": "on_track"}).splitlines()[2])
        lm_o["#quot;導入#quot; #lt;団体#gt;<br/>KPI: 導入団体数 (団体)<br/>[順調]"]
    """
    ids = _mermaid_ids(model)
    status = _node_status(progress)
    out = ["flowchart LR"]
    for kind, stage, title in _GROUPS:
        members = [
            n.id for n in model.nodes if n.kind == kind and getattr(n, "stage", None) == stage
        ]
        if not members:
            continue
        name = f"k_{kind}" if stage is None else f"k_{kind}_{stage}"
        out.append(f'  subgraph {name}["{_mermaid_text(title)}"]')
        for node_id in members:
            text = "<br/>".join(
                _mermaid_text(line)
                for line in _lines(model, node_id, status.get(node_id), indicators)
            )
            out.append(f'    {ids[node_id]}["{text}"]')
        out.append("  end")
    styles = []
    for k, link in enumerate(model.links):
        label, colour = _link_label(link)
        arrow = "-->" if label is None else f'-->|"{_mermaid_text(label)}"|'
        if colour is None and label is not None and link.evidence is None:
            arrow = f"-->|{label}|"  # a weight alone, as before
        out.append(f"  {ids[link.source]} {arrow} {ids[link.target]}")
        if colour is not None:
            styles.append(f"  linkStyle {k} stroke:{colour},stroke-width:2px")
    out.extend(styles)
    used = sorted({s for s in status.values() if s in STATUS_COLOURS})
    for s in used:
        out.append(f"  classDef {s} fill:{STATUS_COLOURS[s]},color:{STATUS_INK[s]}")
    for node_id, s in status.items():
        if s in STATUS_COLOURS and node_id in ids:
            out.append(f"  class {ids[node_id]} {s}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------- DOT


def _dot_escape(text: str) -> str:
    """Text safe inside a double-quoted DOT string (one line)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n").replace("\n", " ")


def _dot_text(text: str) -> str:
    """A double-quoted DOT string."""
    return f'"{_dot_escape(text)}"'


def to_dot(model: LogicModel, progress: Any = None, *, indicators: bool = True) -> str:
    """The model as Graphviz DOT text, one ``cluster_`` subgraph per kind (outcomes per stage).

    Takes the same arguments as :func:`to_mermaid`. Render it with ``dot -Tsvg`` (Debian package
    ``graphviz``); a CJK font such as Noto Sans CJK JP is asked for so Japanese renders.

    Examples
    --------
    >>> import logicmodel as lm
    >>> m = lm.LogicModel(id="m", title="窓口", nodes=[lm.Input(id="grant", label="補助金"),
    ...                   lm.Activity(id="support")],
    ...                   links=[lm.Link(source="grant", target="support")])
    >>> print(to_dot(m))  # doctest: +ELLIPSIS
    digraph "m" {
      label="窓口";
      rankdir=LR;
    ...
      subgraph "cluster_input" {
        label="インプット / Inputs";
        "grant" [label="補助金"];
      }
    ...
      "grant" -> "support";
    }
    """
    status = _node_status(progress)
    out = [
        f"digraph {_dot_text(model.id)} {{",
        f"  label={_dot_text(model.title)};",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", '
        'fontname="Noto Sans CJK JP"];',
    ]
    for kind, stage, title in _GROUPS:
        members = [
            n.id for n in model.nodes if n.kind == kind and getattr(n, "stage", None) == stage
        ]
        if not members:
            continue
        name = f"cluster_{kind}" if stage is None else f"cluster_{kind}_{stage}"
        out.append(f"  subgraph {_dot_text(name)} {{")
        out.append(f"    label={_dot_text(title)};")
        for node_id in members:
            s = status.get(node_id)
            label = "\\n".join(_dot_escape(line) for line in _lines(model, node_id, s, indicators))
            attrs = f'label="{label}"'
            if s is not None and s in STATUS_COLOURS:
                attrs += f', fillcolor="{STATUS_COLOURS[s]}", fontcolor="{STATUS_INK[s]}"'
            out.append(f"    {_dot_text(node_id)} [{attrs}];")
        out.append("  }")
    for link in model.links:
        text, colour = _link_label(link)
        attrs = "" if text is None else f" [label={_dot_text(text)}"
        if colour is not None:
            attrs += f', color="{colour}", fontcolor="{colour}", penwidth=2'
        attrs += "]" if attrs else ""
        out.append(f"  {_dot_text(link.source)} -> {_dot_text(link.target)}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
