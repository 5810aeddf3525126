"""The effect pathway in columns, coloured by status (``plot.pathway``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from logicmodel.errors import ModelError
from logicmodel.evaluation.bands import STATUS_LABELS, STATUSES
from logicmodel.model.vocabulary import PATHWAY
from logicmodel.report.layout import wrap_into
from logicmodel.report.mermaid import STATUS_COLOURS
from logicmodel.report.mermaid import ink as text_colour
from logicmodel.report.plot.common import (
    _NEUTRAL_EDGE,
    _NEUTRAL_FILL,
    _TEXT,
    _japanese_text,
    _lang,
    _new_axes,
    _org_code,
    _org_label,
    _pct,
    _pick_org,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from logicmodel.evaluation import Progress
    from logicmodel.model import LogicModel

_COL_W, _BOX_W, _ROW_H, _BOX_H = 1.0, 0.8, 1.0, 0.74
_INCH_PER_COL, _INCH_PER_ROW = 2.3, 0.85
_FONT = 8.0


def _layout(model: LogicModel, language: str) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Column titles and ``{node: (column, row)}``: one column per kind (outcomes per stage)."""
    titles: list[str] = []
    place: dict[str, tuple[int, int]] = {}
    for kind, stage, ja, en, _words in PATHWAY:
        members = [
            n.id
            for n in model.nodes
            if n.kind == kind and (stage is None or getattr(n, "stage", None) == stage)
        ]
        if not members:
            continue
        for r, node_id in enumerate(members):
            place[node_id] = (len(titles), r)
        titles.append(ja if language == "ja" else en)
    return titles, place


def _node_rows(
    model: LogicModel, progress: Progress, org: str | None
) -> tuple[str | None, dict[str, tuple[str, float]]]:
    """``{node: (status, rolled)}`` of one org, checked to cover every node of the model."""
    frame = progress.nodes
    chosen, mask = _pick_org(
        frame, _org_code(progress, org), progress.top_level, f"model {model.id!r}"
    )
    rows = frame[mask].drop_duplicates("node")
    out = {
        str(n): (str(s), float(r))
        for n, s, r in zip(
            rows["node"].tolist(),
            rows["status"].astype(object).tolist(),
            rows["rolled"].to_numpy(dtype=np.float64).tolist(),
            strict=True,
        )
    }
    missing = [n for n in model.node_ids if n not in out]
    if missing:
        shown = ", ".join(repr(n) for n in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise ModelError(
            f"progress of model {progress.model.id!r} has no rows for node(s) {shown} of model "
            f"{model.id!r}; evaluate this model to draw its pathway with progress"
        )
    return chosen, out


def pathway(
    model: LogicModel,
    progress: Progress | None = None,
    *,
    org: str | None = None,
    ax: Axes | None = None,
    lang: str | None = None,
) -> Axes:
    """The effect pathway (効果発現経路): nodes in columns, links as arrows, coloured by status.

    Parameters
    ----------
    model
        The logic model.
    progress
        Optional result of :func:`logicmodel.evaluate` for this model: each box is then filled
        with its node's status colour (``logicmodel.report.STATUS_COLOURS``) and shows the status
        label and the rolled-up percentage (``progress.nodes["rolled"]``). Without it boxes are
        neutral.
    org
        The organisation whose node rows are shown; default the top-level organisation.
    ax
        Axes to draw into; by default a new figure sized to the model is made (about 2.3 in per
        column and 0.85 in per row — give an ``ax`` of similar size for the labels to fit).
    lang
        ``"ja"`` or ``"en"`` for column titles and status labels; default ``progress.lang``
        (``"en"`` without progress). Node titles are drawn as written in the model.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into (axis lines off). Node boxes are patches with gid ``node:<id>``,
        arrows ``link:<source>-><target>``.

    Raises
    ------
    UnknownIdError
        ``org`` is not an organisation of ``progress`` (nearest codes listed).
    ModelError
        ``progress`` has no rows for some nodes of ``model`` (it was evaluated for another
        model), or ``lang`` is neither ``"ja"`` nor ``"en"``.
    ImportError
        matplotlib or matplotlib-fontja is not installed (``pip install 'logicmodel[viz]'``).

    Examples
    --------
    >>> import logicmodel as lm
    >>> from matplotlib.figure import Figure
    >>> m = lm.LogicModel(id="m", title="窓口", nodes=[lm.Activity(id="support", label="導入支援"),
    ...                   lm.Outcome(id="wait", label="待ち時間の短縮", stage="中期")],
    ...                   links=[lm.Link(source="support", target="wait")])
    >>> ax = pathway(m, ax=Figure(figsize=(5, 2)).subplots(), lang="ja")
    >>> sorted(a.get_gid() for a in ax.patches)
    ['link:support->wait', 'node:support', 'node:wait']
    >>> [t.get_text() for t in ax.texts if t.get_gid() == "column"]
    ['アクティビティ', '中期アウトカム']
    """
    language = _lang(lang, progress.lang if progress is not None else "en")
    titles, place = _layout(model, language)
    chosen: str | None = None
    status: dict[str, tuple[str, float]] = {}
    if progress is not None:
        chosen, status = _node_rows(model, progress, org)
    elif org is not None:
        raise ModelError(f"org {org!r} needs progress: pathway(model, progress, org=...)")
    n_cols = max(len(titles), 1)
    n_rows = max((r + 1 for _, r in place.values()), default=1)
    ax = _new_axes(ax, (n_cols * _INCH_PER_COL, n_rows * _INCH_PER_ROW + 1.4))  # see _new_axes
    with _japanese_text():
        for c, title in enumerate(titles):
            ax.text(
                c * _COL_W + _BOX_W / 2,
                0.55,
                title,
                ha="center",
                va="bottom",
                fontsize=9,
                gid="column",
            )
        _draw_links(ax, model, place)
        _draw_nodes(ax, model, place, status if progress is not None else None, language)
        heading = model.title
        if progress is not None:
            heading = _heading_and_legend(ax, heading, progress, chosen, status, language)
        ax.set_title(heading, fontsize=11)
        ax.set_xlim(-0.1, (n_cols - 1) * _COL_W + _BOX_W + 0.25)
        ax.set_ylim(-(n_rows - 1) * _ROW_H - _BOX_H / 2 - 0.1, 0.85)
        ax.set_axis_off()
    return ax


def _draw_links(ax: Axes, model: LogicModel, place: dict[str, tuple[int, int]]) -> None:
    """One arrow per link; a link back or within a column curves round the right-hand side."""
    from matplotlib.patches import FancyArrowPatch

    for link in model.links:
        (cs, rs), (ct, rt) = place[link.source], place[link.target]
        ys, yt = -rs * _ROW_H, -rt * _ROW_H
        if ct > cs:
            a, b, style = (cs * _COL_W + _BOX_W, ys), (ct * _COL_W, yt), "arc3,rad=0.0"
        else:
            right = _BOX_W
            a, b = (cs * _COL_W + right, ys), (ct * _COL_W + right, yt)
            style = "arc3,rad=-0.4"
        arrow = FancyArrowPatch(
            a,
            b,
            arrowstyle="-|>",
            mutation_scale=10,
            connectionstyle=style,
            color=_NEUTRAL_EDGE,
            linewidth=0.8 + 0.4 * min(link.weight, 4.0),
            shrinkA=0,
            shrinkB=1,
            zorder=1,
            gid=f"link:{link.source}->{link.target}",
        )
        ax.add_patch(arrow)


def _draw_nodes(
    ax: Axes,
    model: LogicModel,
    place: dict[str, tuple[int, int]],
    status: dict[str, tuple[str, float]] | None,
    language: str,
) -> None:
    """One box per node with its wrapped title; with progress (``status`` given) filled with the
    status colour and showing the status label and the rolled-up percentage."""
    from matplotlib.patches import FancyBboxPatch

    labels = STATUS_LABELS[language]
    # text room in em: box width in points over the font size, less the padding
    room = _BOX_W * _INCH_PER_COL * 72 / _FONT - 2.0
    for node in model.nodes:
        c, r = place[node.id]
        x0, y0 = c * _COL_W, -r * _ROW_H - _BOX_H / 2
        code, rolled = (status or {}).get(node.id, ("", math.nan))
        fill = STATUS_COLOURS.get(code, _NEUTRAL_FILL) if status is not None else _NEUTRAL_FILL
        box = FancyBboxPatch(
            (x0, y0),
            _BOX_W,
            _BOX_H,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=fill,
            edgecolor=_NEUTRAL_EDGE if status is None else "#1f2328",
            linewidth=0.8,
            zorder=2,
            gid=f"node:{node.id}",
        )
        ax.add_patch(box)
        ink = text_colour(fill)
        lines = wrap_into(node.title, [room, room])
        ax.text(
            x0 + 0.04,
            y0 + _BOX_H - 0.06,
            "\n".join(lines),
            ha="left",
            va="top",
            fontsize=_FONT,
            color=ink,
            zorder=3,
            gid=f"title:{node.id}",
        )
        if status is not None:
            ax.text(
                x0 + _BOX_W - 0.04,
                y0 + 0.06,
                f"{labels.get(code, code)} {_pct(rolled)}",
                ha="right",
                va="bottom",
                fontsize=_FONT - 0.5,
                color=ink,
                zorder=3,
                gid=f"status:{node.id}",
            )


def _heading_and_legend(
    ax: Axes,
    heading: str,
    progress: Progress,
    chosen: str | None,
    status: dict[str, tuple[str, float]],
    language: str,
) -> str:
    """The heading with the as-of date and org; a legend of the statuses shown, below the axes."""
    from matplotlib.patches import Patch

    text = _TEXT[language]
    labels = STATUS_LABELS[language]
    heading += "\n" + text["as_of"].format(date=progress.as_of.isoformat())
    if chosen is not None:
        heading += " · " + text["org"].format(org=_org_label(progress, chosen))
    present = [s for s in STATUSES if any(v[0] == s for v in status.values())]
    handles = [
        Patch(facecolor=STATUS_COLOURS[s], edgecolor="#1f2328", label=labels[s]) for s in present
    ]
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=len(handles),
            fontsize=8,
            frameon=False,
        )
    return heading
