"""matplotlib charts of progress (DESIGN §4.6): one indicator over time, and the effect pathway.

- :func:`indicator` draws one indicator's actuals against its plan: the plan line through the
  baseline and the targets, each target marked with its period, the as-of date, the forecast to
  the target, and the status in the title and legend.
- :func:`event_study` draws an estimated link's effect by periods since adoption (issue 13).
- :func:`pathway` draws the logic model in columns (inputs → activities → outputs → short,
  intermediate and long outcomes → impact) with arrows for the links; given progress, each box
  is filled with its node's status colour and shows the rolled-up percentage.

matplotlib is imported only when a chart is drawn (``pip install 'logicmodel[viz]'``); the ``viz``
extra's bundled Japanese font (``matplotlib-fontja``, IPAexGothic) is used for the text these
functions create, without changing the caller's global ``rcParams``.

Examples
--------
>>> import logicmodel as lm
>>> from matplotlib.figure import Figure
>>> from logicmodel.testing import sample_model, sample_observations
>>> m = sample_model()
>>> p = lm.evaluate(m, sample_observations(), lang="ja")
>>> ax = indicator(p, "wait_min", ax=Figure().subplots())
>>> ax.get_title()
'窓口での平均待ち時間（分）\\n遅れ · 達成率 57% · 基準日 2027-03-31'
>>> ax = pathway(m, p, ax=Figure(figsize=(16, 6)).subplots())
>>> len([a for a in ax.patches if (a.get_gid() or "").startswith("node:")]) == len(m.nodes)
True
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import ModelError, did_you_mean
from logicmodel.evaluation.bands import STATUS_LABELS, STATUSES
from logicmodel.model import UnknownIdError
from logicmodel.model.evidence import VERDICT_JA, estimate_text, level_text
from logicmodel.model.vocabulary import PATHWAY
from logicmodel.periods import parse_period
from logicmodel.report.layout import wrap_into
from logicmodel.report.mermaid import STATUS_COLOURS
from logicmodel.report.mermaid import ink as text_colour

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from logicmodel.evaluation import Progress
    from logicmodel.model import LogicModel

__all__ = ["event_study", "indicator", "pathway"]

_EXTRA = "pip install 'logicmodel[viz]'"
_LANGS = ("en", "ja")
_NEUTRAL_FILL = "#f6f8fa"
_NEUTRAL_EDGE = "#8c959f"
_PLAN_COLOUR = "#59636e"
_TARGET_COLOUR = "#1f2328"
_AS_OF_COLOUR = "#cf222e"

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "actual": "actual ({status})",
        "plan": "plan",
        "target": "target",
        "baseline": "baseline",
        "as_of": "as of {date}",
        "forecast": "forecast: target reached {period}",
        "achievement": "achievement {pct}",
        "org": "org {org}",
    },
    "ja": {
        "actual": "実績（{status}）",
        "plan": "計画",
        "target": "目標",
        "baseline": "基準値",
        "as_of": "基準日 {date}",
        "forecast": "見込み: {period}に目標到達",
        "achievement": "達成率 {pct}",
        "org": "団体 {org}",
    },
}


# ------------------------------------------------------------------------------------ helpers


@functools.cache
def _font_family() -> tuple[str, ...]:
    """The font families for our text: the bundled Japanese font first, DejaVu Sans behind it.

    The font file of ``matplotlib-fontja`` is registered with matplotlib's font manager once; the
    package itself is not imported, because importing it rewrites the global ``font.family``.
    """
    try:
        from matplotlib import font_manager
    except ImportError as err:  # pragma: no cover - CI installs the viz extra
        raise ImportError(f"logicmodel charts need matplotlib: {_EXTRA}") from err
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - as above
        raise ImportError(
            f"logicmodel charts need the Japanese font of matplotlib-fontja: {_EXTRA}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():  # pragma: no cover - a broken installation
        raise ImportError(f"matplotlib-fontja has no font file at {path}: {_EXTRA}")
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    return (name, "DejaVu Sans")


@contextlib.contextmanager
def _japanese_text() -> Iterator[None]:
    """Text artists created inside take the bundled Japanese font (the caller's rc is kept)."""
    family = _font_family()
    import matplotlib as mpl

    with mpl.rc_context({"font.family": list(family)}):
        yield


def _lang(lang: str | None, default: str) -> str:
    out = default if lang is None else lang
    if out not in _LANGS:
        raise ModelError(f"lang {out!r} is not one of {', '.join(repr(x) for x in _LANGS)}")
    return out


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    # pyplot's first figure of a session loads the backend, and the inline backend then turns
    # interactive mode on in rcParams: made inside an rc_context, that would be rolled back and
    # no later figure of the notebook displayed. So the figure first, the axes (tick labels in
    # the Japanese font) inside the context.
    fig = plt.figure(figsize=size, layout="constrained")
    with _japanese_text():
        new: Axes = fig.subplots()
    return new


def _org_code(progress: Any, org: str | None) -> str | None:
    """The code of ``org`` given as a code, 5-digit code, name, kana or name with its parents
    (``Progress.resolve_org``); left as given when the progress does not know it (the caller
    then says so with the nearest codes)."""
    if org is None or not hasattr(progress, "resolve_org"):
        return org
    try:
        return str(progress.resolve_org(org))
    except ModelError as err:
        if "organisations are named" in str(err):
            raise  # a shared name: the message lists the codes to pass
        return org


def _pick_org(frame: pd.DataFrame, org: str | None, top: str, what: str) -> tuple[str | None, Any]:
    """The org to draw (default: the first top-level org, else the first org of ``frame``) and
    the boolean row mask for it."""
    orgs = frame["org"]
    if org is None:
        top_rows = frame[(frame["level"] == top).to_numpy(dtype=bool)]
        if not len(top_rows):  # a progress kept to one level or org (``at``, ``org``)
            top_rows = frame
        first = top_rows["org"].iloc[0] if len(top_rows) else None
        chosen = None if first is None or pd.isna(first) else str(first)
    else:
        known = sorted({str(o) for o in orgs.dropna().unique()})
        if str(org) not in known and "org_name" in frame:  # a name such as 釧路町
            named = frame.loc[(frame["org_name"] == org).to_numpy(dtype=bool), "org"]
            if named.nunique() == 1:
                org = str(named.iloc[0])
        if str(org) not in known:
            if not known:
                raise UnknownIdError(
                    f"no org {org!r} for {what}: this progress has no organisations "
                    "(evaluate with hierarchy=... to get per-org rows)",
                    id=str(org),
                )
            raise UnknownIdError(
                f"no org {org!r} for {what} in this progress{did_you_mean(str(org), known)}",
                id=str(org),
            )
        chosen = str(org)
    mask = orgs.isna() if chosen is None else orgs == chosen
    return chosen, mask.to_numpy(dtype=bool)


def _org_label(progress: Any, code: str) -> str:
    """``釧路町 (016616)`` when the progress knows the org's name, else the code."""
    orgs = getattr(progress, "orgs", None)
    if orgs is None or "org_name" not in orgs:
        return code
    named = orgs.loc[(orgs["org"] == code).to_numpy(dtype=bool), "org_name"]
    name = named.iloc[0] if len(named) else None
    return f"{name} ({code})" if isinstance(name, str) and name != code else code


def _number(value: float) -> str:
    """``1,741``, ``61.98``, ``0.5``: up to four significant decimals, thousands separated."""
    if not math.isfinite(value):
        return "–"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"


def _pct(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if not math.isfinite(v) else f"{v * 100:.0f}%"


def _present(value: Any) -> bool:
    """A cell that holds something (not None, NaN or NaT)."""
    return bool(pd.notna(value))


def _day(period: str, fiscal_year_start: int) -> np.datetime64:
    return np.datetime64(parse_period(period, fiscal_year_start).end, "D")


# ----------------------------------------------------------------------------------- indicator


def _plan_points(
    row: pd.Series, model: LogicModel, ind_id: str
) -> tuple[list[tuple[np.datetime64, float, str]], tuple[np.datetime64, float, str] | None]:
    """Target points ``(end, value, period)`` and the baseline point of one (indicator, org) row.

    The model's targets apply when the row's final target is the model's; otherwise (per-org
    targets given as observations) only the row's final target is known here.
    """
    fys = model.fiscal_year_start
    ind = model.indicator(ind_id)
    baseline = None
    if _present(row["baseline"]) and _present(row["baseline_period"]):
        baseline = (
            _day(str(row["baseline_period"]), fys),
            float(row["baseline"]),
            str(row["baseline_period"]),
        )
    targets: list[tuple[np.datetime64, float, str]] = []
    if _present(row["target"]) and _present(row["target_period"]):
        final = ind.final_target
        if (
            final is not None
            and final.period == str(row["target_period"])
            and final.value == float(row["target"])
        ):
            targets = [(_day(p.period, fys), float(p.value), p.period) for p in ind.targets]
        else:
            targets = [
                (
                    _day(str(row["target_period"]), fys),
                    float(row["target"]),
                    str(row["target_period"]),
                )
            ]
    targets.sort(key=lambda t: t[0])
    return targets, baseline


def _plan_line(
    knots: list[tuple[np.datetime64, float]],
    hist_x: npt.NDArray[np.datetime64],
    hist_planned: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64]]:
    """The plan's vertices: the baseline and target knots and the planned values of the history.

    The history's ``planned`` column is the plan evaluated at each observed period, so it is
    merged in (it wins on equal dates): the line then passes exactly through every planned value
    even where per-org intermediate targets are not in the model.
    """
    known = np.isfinite(hist_planned)
    kx = np.array([k[0] for k in knots], dtype="datetime64[D]")
    ky = np.array([k[1] for k in knots], dtype=np.float64)
    hx = hist_x[known].astype("datetime64[D]")
    keep = ~np.isin(kx, hx)
    x = np.concatenate([kx[keep], hx])
    y = np.concatenate([ky[keep], hist_planned[known]])
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    first = np.ones(len(x), dtype=bool)
    first[1:] = x[1:] != x[:-1]
    return x[first], y[first]


def indicator(
    progress: Progress,
    id: str,
    *,
    org: str | None = None,
    ax: Axes | None = None,
    lang: str | None = None,
) -> Axes:
    """One indicator's actuals against its plan, up to the as-of date.

    Parameters
    ----------
    progress
        The result of :func:`logicmodel.evaluate`.
    id
        The indicator id.
    org
        The organisation (a code as in ``progress.indicators["org"]``); default the top-level
        organisation (the whole, ``None``, without a hierarchy).
    ax
        Axes to draw into; by default a new figure (``matplotlib.pyplot``) is made.
    lang
        ``"ja"`` or ``"en"`` for the labels; default ``progress.lang``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into. Artists carry ids (``get_gid()``): ``actual``, ``plan``,
        ``targets``, ``baseline``, ``as_of``, ``forecast`` and ``no_data``.

    Raises
    ------
    UnknownIdError
        No indicator ``id`` in the model, or no org ``org`` for it in this progress (the message
        lists the nearest known ids).
    ModelError
        ``lang`` is neither ``"ja"`` nor ``"en"``.
    ImportError
        matplotlib or matplotlib-fontja is not installed (``pip install 'logicmodel[viz]'``).

    Notes
    -----
    - *actual*: ``progress.history["actual"]`` of the (indicator, org) series, at each period's
      end, coloured by the current status.
    - *plan*: piecewise linear from the baseline through each target (by period end), as in
      DESIGN §5.4; it passes through every ``progress.history["planned"]`` value and stays at
      the final target after it.
    - *forecast*: a dotted line from the latest actual to the final target at
      ``progress.indicators["forecast_date"]`` (linear trend of recent actuals), when there is one.

    Examples
    --------
    >>> import logicmodel as lm
    >>> from matplotlib.figure import Figure
    >>> from logicmodel.testing import sample_model, sample_observations
    >>> p = lm.evaluate(sample_model(), sample_observations())
    >>> ax = indicator(p, "adopted_n", ax=Figure().subplots())
    >>> ax.get_title().splitlines()[1]
    'at risk · achievement 59% · as of 2027-03-31'
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['plan', 'actual (at risk)']
    >>> indicator(p, "adopted")
    Traceback (most recent call last):
    ...
    logicmodel.model.logic_model.UnknownIdError: no indicator 'adopted' in model 'window_dx'; nearest known ids: 'adopted_n', 'adoption_share'
    """
    model = progress.model
    ind = model.indicator(id)
    language = _lang(lang, progress.lang)
    text = _TEXT[language]
    labels = STATUS_LABELS[language]
    rows = progress.indicators
    rows = rows[(rows["indicator"] == id).to_numpy(dtype=bool)]
    chosen, mask = _pick_org(
        rows, _org_code(progress, org), progress.top_level, f"indicator {id!r}"
    )
    current = rows[mask]
    hist = progress.history
    hmask = (hist["indicator"] == id).to_numpy(dtype=bool)
    hist = hist[hmask]
    horg = hist["org"]
    series = hist[(horg.isna() if chosen is None else horg == chosen).to_numpy(dtype=bool)]
    series = series.sort_values("end", kind="stable")
    x = series["end"].to_numpy(dtype="datetime64[D]")
    y = series["actual"].to_numpy(dtype=np.float64)
    planned = series["planned"].to_numpy(dtype=np.float64)

    status = "no_data"
    row: pd.Series | None = None
    if len(current):
        row = current.iloc[0]
        status = str(row["status"])
    targets, baseline = _plan_points(row, model, id) if row is not None else ([], None)
    knots = ([baseline[:2]] if baseline is not None else []) + [t[:2] for t in targets]
    as_of = np.datetime64(progress.as_of, "D")

    ax = _new_axes(ax, (8.0, 4.5))  # outside the rc_context: see _new_axes
    with _japanese_text():
        colour = STATUS_COLOURS.get(status, _PLAN_COLOUR)
        if status in ("no_target", "no_data"):
            colour = _PLAN_COLOUR
        if targets:
            px, py = _plan_line(knots, x, planned)
            # before the first knot the plan is the baseline, after the last the final target
            ends = [d for d in (x[:1], x[-1:], np.array([as_of])) if len(d)]
            lo = min(np.concatenate(ends).min(), px.min())
            hi = max(np.concatenate(ends).max(), px.max())
            if lo < px[0] and baseline is not None:
                px, py = np.concatenate([[lo], px]), np.concatenate([[py[0]], py])
            if hi > px[-1]:
                px, py = np.concatenate([px, [hi]]), np.concatenate([py, [py[-1]]])
            (plan_line,) = ax.plot(
                px, py, color=_PLAN_COLOUR, linestyle="--", linewidth=1.2, label=text["plan"]
            )
            plan_line.set_gid("plan")
        if len(x):
            (actual_line,) = ax.plot(
                x,
                y,
                color=colour,
                marker="o",
                markersize=3.5,
                linewidth=2.0,
                label=text["actual"].format(status=labels.get(status, status)),
                zorder=3,
            )
            actual_line.set_gid("actual")
        if targets:
            tx = np.array([t[0] for t in targets], dtype="datetime64[D]")
            ty = np.array([t[1] for t in targets], dtype=np.float64)
            (marks,) = ax.plot(
                tx,
                ty,
                linestyle="none",
                marker="*",
                markersize=12,
                color=_TARGET_COLOUR,
                label=text["target"],
                zorder=4,
            )
            marks.set_gid("targets")
            for when, value, period in targets:
                ax.annotate(
                    f"{period}: {_number(value)}",
                    (when, value),
                    xytext=(0, 9),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    gid="target_label",
                )
        if baseline is not None:
            (base,) = ax.plot(
                [baseline[0]],
                [baseline[1]],
                linestyle="none",
                marker="s",
                markersize=6,
                color=_PLAN_COLOUR,
                label=text["baseline"],
                zorder=4,
            )
            base.set_gid("baseline")
            ax.annotate(
                f"{baseline[2]}: {_number(baseline[1])}",
                (baseline[0], baseline[1]),
                xytext=(0, -13),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                gid="baseline_label",
            )
        if row is not None and len(x) and targets:
            fc = row["forecast_date"]
            if _present(fc):
                fx = np.datetime64(pd.Timestamp(fc).date(), "D")
                final = targets[-1]
                last = np.flatnonzero(np.isfinite(y))
                if len(last):
                    x0, y0 = x[last[-1]], float(y[last[-1]])
                    # a far-off forecast is cut at twice the span to the final target
                    start = min(x[0], px[0])
                    limit = final[0] + (final[0] - start)
                    fx_end, fy_end = fx, final[1]
                    if fx > limit and fx > x0:
                        share = (limit - x0) / (fx - x0)
                        fx_end, fy_end = limit, y0 + (final[1] - y0) * float(share)
                    period = (
                        str(row["forecast_period"]) if _present(row["forecast_period"]) else str(fx)
                    )
                    (fline,) = ax.plot(
                        [x0, fx_end],
                        [y0, fy_end],
                        color=colour,
                        linestyle=":",
                        linewidth=1.5,
                        label=text["forecast"].format(period=period),
                    )
                    fline.set_gid("forecast")
        as_of_line = ax.axvline(
            as_of,  # type: ignore[arg-type]  # the stubs say float; date units convert it
            color=_AS_OF_COLOUR,
            linestyle="-.",
            linewidth=1.0,
            label=text["as_of"].format(date=progress.as_of.isoformat()),
        )
        as_of_line.set_gid("as_of")
        if not len(x) or not np.isfinite(y).any():
            ax.text(
                0.5,
                0.5,
                labels["no_data"],
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=14,
                color=_NEUTRAL_EDGE,
                gid="no_data",
            )
        name = ind.title + (f"（{ind.unit}）" if ind.unit else "")
        if chosen is not None:
            name += f" — {text['org'].format(org=_org_label(progress, chosen))}"
        detail = [labels.get(status, status)]
        if row is not None and _present(row["achievement"]):
            detail.append(text["achievement"].format(pct=_pct(row["achievement"])))
        detail.append(text["as_of"].format(date=progress.as_of.isoformat()))
        ax.set_title(f"{name}\n{' · '.join(detail)}", fontsize=11)
        if ind.unit:
            ax.set_ylabel(ind.unit)
        ax.margins(x=0.07)  # room for the period labels of the first and last points
        ax.grid(True, color="#eaeef2", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="best")
    return ax


# ------------------------------------------------------------------------------------- pathway

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
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    language = _lang(lang, progress.lang if progress is not None else "en")
    labels = STATUS_LABELS[language]
    text = _TEXT[language]
    titles, place = _layout(model, language)
    chosen: str | None = None
    status: dict[str, tuple[str, float]] = {}
    if progress is not None:
        chosen, status = _node_rows(model, progress, org)
    elif org is not None:
        raise ModelError(f"org {org!r} needs progress: pathway(model, progress, org=...)")
    n_cols = max(len(titles), 1)
    n_rows = max((r + 1 for _, r in place.values()), default=1)
    # text room in em: box width in points over the font size, less the padding
    room = _BOX_W * _INCH_PER_COL * 72 / _FONT - 2.0
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
        for link in model.links:
            (cs, rs), (ct, rt) = place[link.source], place[link.target]
            ys, yt = -rs * _ROW_H, -rt * _ROW_H
            if ct > cs:
                a, b, style = (cs * _COL_W + _BOX_W, ys), (ct * _COL_W, yt), "arc3,rad=0.0"
            else:  # a link back or within a column curves round the right-hand side
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
        for node in model.nodes:
            c, r = place[node.id]
            x0, y0 = c * _COL_W, -r * _ROW_H - _BOX_H / 2
            code, rolled = status.get(node.id, ("", math.nan))
            fill = (
                STATUS_COLOURS.get(code, _NEUTRAL_FILL) if progress is not None else _NEUTRAL_FILL
            )
            box = FancyBboxPatch(
                (x0, y0),
                _BOX_W,
                _BOX_H,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=fill,
                edgecolor=_NEUTRAL_EDGE if progress is None else "#1f2328",
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
            if progress is not None:
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
        heading = model.title
        if progress is not None:
            heading += "\n" + text["as_of"].format(date=progress.as_of.isoformat())
            if chosen is not None:
                heading += " · " + text["org"].format(org=_org_label(progress, chosen))
            present = [s for s in STATUSES if any(v[0] == s for v in status.values())]
            handles = [
                Patch(facecolor=STATUS_COLOURS[s], edgecolor="#1f2328", label=labels[s])
                for s in present
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
        ax.set_title(heading, fontsize=11)
        ax.set_xlim(-0.1, (n_cols - 1) * _COL_W + _BOX_W + 0.25)
        ax.set_ylim(-(n_rows - 1) * _ROW_H - _BOX_H / 2 - 0.1, 0.85)
        ax.set_axis_off()
    return ax


# ------------------------------------------------------------------------------ event study

_EVENT_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "x": "periods since adoption",
        "y": "effect on {outcome}{unit}",
        "pre": "before adoption",
        "post": "after adoption",
        "band": "simultaneous band",
        "title": "{link}: ATT {att} ({level} CI {lo} to {hi}) · {verdict}",
    },
    "ja": {
        "x": "導入からの期間",
        "y": "「{outcome}」への効果{unit}",
        "pre": "導入前",
        "post": "導入後",
        "band": "同時信頼帯",
        "title": "{link}: 効果 {att}（{level}信頼区間 {lo}〜{hi}）· {verdict}",
    },
}


def event_study(evidence: Any, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The event study of an estimated link: effect by periods since adoption, with intervals.

    Parameters
    ----------
    evidence
        An :class:`~logicmodel.Evidence` (from :func:`~logicmodel.estimate_link`) or the
        :class:`~logicmodel.LinkEvidence` a saved model carries on its link.
    ax
        Axes to draw into; by default a new figure (``matplotlib.pyplot``) is made.
    lang
        ``"en"`` or ``"ja"`` for the labels.

    Returns
    -------
    matplotlib.axes.Axes
        Artists carry ids: ``pre`` and ``post`` (points with pointwise interval bars), ``zero``
        (the no-effect line), ``adoption`` (the line between event times −1 and 0), ``att`` (the
        overall effect over the post-adoption periods) and, for an estimate made with
        ``bootstrap=``, ``band`` (the simultaneous band over the whole path, shaded).

    Raises
    ------
    ModelError
        ``lang`` is neither ``"ja"`` nor ``"en"``, or ``evidence`` has no event study.
    ImportError
        matplotlib or matplotlib-fontja is not installed (``pip install 'logicmodel[viz]'``).

    Examples
    --------
    >>> import logicmodel as lm
    >>> from matplotlib.figure import Figure
    >>> ev = lm.LinkEvidence(method="callaway_santanna", outcome="wait_min", att=-3.0, se=0.2,
    ...     ci_low=-3.4, ci_high=-2.6, n_treated=10, n_control=5, n_periods=6, verdict="supports",
    ...     event_study=[{"event_time": -1, "att": 0.1, "ci_low": -0.3, "ci_high": 0.5},
    ...                  {"event_time": 0, "att": -3.0, "ci_low": -3.4, "ci_high": -2.6}])
    >>> ax = event_study(ev, ax=Figure().subplots())
    >>> sorted({a.get_gid() for a in ax.get_children() if a.get_gid()})
    ['adoption', 'att', 'post', 'pre', 'zero']
    """
    language = _lang(lang, "en")
    text = _EVENT_TEXT[language]
    frame = getattr(evidence, "event_study", None)
    if isinstance(frame, pd.DataFrame):
        es = frame
        link = " → ".join(evidence.link)
    else:
        es = pd.DataFrame(
            [p.model_dump() for p in (frame or ())],
            columns=["event_time", "att", "se", "ci_low", "ci_high"],
        )
        link = f"{evidence.treatment or '…'} → {evidence.outcome}"
    if not len(es):
        raise ModelError("the evidence has no event study to draw")
    es = es.sort_values("event_time", kind="stable")
    t = es["event_time"].to_numpy(dtype=np.float64)
    att = es["att"].to_numpy(dtype=np.float64)
    lo = pd.to_numeric(es["ci_low"]).to_numpy(dtype=np.float64)
    hi = pd.to_numeric(es["ci_high"]).to_numpy(dtype=np.float64)
    band = (
        es[["band_low", "band_high"]].to_numpy(dtype=np.float64)
        if {"band_low", "band_high"} <= set(es.columns)
        else np.full((len(es), 2), np.nan)
    )
    colour = {"supports": "#1a7f37", "contradicts": "#cf222e"}.get(evidence.verdict, "#59636e")
    level = level_text(evidence.alpha)
    verdict = evidence.verdict if language == "en" else VERDICT_JA[evidence.verdict]
    with _japanese_text():
        ax = _new_axes(ax, (8.0, 4.5))
        for gid, mask, c in (("pre", t < 0, _PLAN_COLOUR), ("post", t >= 0, colour)):
            if not mask.any():
                continue
            bars = ax.errorbar(
                t[mask],
                att[mask],
                yerr=np.vstack([att[mask] - lo[mask], hi[mask] - att[mask]]),
                fmt="o",
                markersize=3.5,
                color=c,
                ecolor=c,
                elinewidth=1.0,
                capsize=0,
                label=text[gid],
            )
            bars.lines[0].set_gid(gid)
        if np.isfinite(band).all():  # a simultaneous band (bootstrap) around the whole path
            ax.fill_between(
                t,
                band[:, 0],
                band[:, 1],
                color="#8c959f",
                alpha=0.18,
                linewidth=0,
                label=text["band"],
            ).set_gid("band")
        ax.axhline(0.0, color="#1f2328", linewidth=0.8).set_gid("zero")
        ax.axvline(-0.5, color=_AS_OF_COLOUR, linestyle=":", linewidth=1.0).set_gid("adoption")
        post = t >= 0
        if post.any():
            (line,) = ax.plot(
                [0, t[post].max()],
                [evidence.att, evidence.att],
                color=colour,
                linestyle="--",
                linewidth=1.0,
            )
            line.set_gid("att")
        unit = f" ({evidence.unit})" if getattr(evidence, "unit", None) else ""
        # axes made before this call keep their own title/label artists: give them our font
        family = list(_font_family())
        ax.set_xlabel(text["x"], fontfamily=family)
        ax.set_ylabel(text["y"].format(outcome=evidence.outcome, unit=unit), fontfamily=family)
        ax.set_title(
            text["title"].format(
                link=link,
                att=estimate_text(evidence.att),
                level=level,
                lo=estimate_text(evidence.ci_low),
                hi=estimate_text(evidence.ci_high),
                verdict=verdict,
            ),
            fontsize=10,
            fontfamily=family,
        )
        ax.legend(loc="best", frameon=False, prop={"family": family, "size": 8})
    return ax
