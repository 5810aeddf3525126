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

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["STATUS_COLOURS", "STATUS_LABELS", "to_dot", "to_mermaid"]

STATUS_LABELS: Mapping[str, str] = _LABELS["ja"]
"""Japanese labels of the status codes (DESIGN §4.4; the table lives in ``evaluation.bands``)."""

STATUS_COLOURS: Mapping[str, str] = {
    "achieved": "#1a7f37",
    "on_track": "#2f81f7",
    "at_risk": "#d4a72c",
    "off_track": "#cf222e",
    "no_data": "#8c959f",
    "no_target": "#d0d7de",
    "incomplete": "#bf8700",
}
"""Fill colours of the status codes (readable on white with black text, colour-blind distinct)."""

_GROUPS: tuple[tuple[str, str | None, str], ...] = (
    ("input", None, "インプット / Inputs"),
    ("activity", None, "アクティビティ / Activities"),
    ("output", None, "アウトプット / Outputs"),
    ("outcome", "short", "短期アウトカム / Short-term outcomes"),
    ("outcome", "intermediate", "中期アウトカム / Intermediate outcomes"),
    ("outcome", "long", "長期アウトカム / Long-term outcomes"),
    ("impact", None, "インパクト / Impact"),
)

_ASCII_ID = re.compile(r"[A-Za-z0-9_]+\Z")


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
    for link in model.links:
        arrow = "-->" if link.weight == 1.0 else f"-->|{link.weight:g}|"
        out.append(f"  {ids[link.source]} {arrow} {ids[link.target]}")
    used = sorted({s for s in status.values() if s in STATUS_COLOURS})
    for s in used:
        out.append(f"  classDef {s} fill:{STATUS_COLOURS[s]},color:#000")
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
                attrs += f', fillcolor="{STATUS_COLOURS[s]}"'
            out.append(f"    {_dot_text(node_id)} [{attrs}];")
        out.append("  }")
    for link in model.links:
        attrs = "" if link.weight == 1.0 else f' [label="{link.weight:g}"]'
        out.append(f"  {_dot_text(link.source)} -> {_dot_text(link.target)}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
