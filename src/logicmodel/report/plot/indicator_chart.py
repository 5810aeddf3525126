"""One indicator over time: its actuals against the plan through the baseline and targets
(``plot.indicator``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.bands import STATUS_LABELS
from logicmodel.report.mermaid import STATUS_COLOURS
from logicmodel.report.plot.common import (
    _AS_OF_COLOUR,
    _NEUTRAL_EDGE,
    _PLAN_COLOUR,
    _TARGET_COLOUR,
    _TEXT,
    _japanese_text,
    _lang,
    _new_axes,
    _number,
    _org_code,
    _org_label,
    _pct,
    _pick_org,
    _present,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from logicmodel.evaluation import Progress
    from logicmodel.model import Indicator


def _plan_points(
    progress: Progress, ind_id: str, org: str | None
) -> tuple[list[tuple[np.datetime64, float, str]], tuple[np.datetime64, float, str] | None]:
    """Target points ``(end, value, period)`` and the baseline point of one (indicator, org):
    the points the evaluation used (:attr:`Progress.points`, after the precedence of per-org rows,
    children's sums and the model's), so the chart draws what was computed."""
    pts = progress.points
    at_org = pts["org"].isna() if org is None else pts["org"] == org
    own = (pts["indicator"] == ind_id).to_numpy(dtype=bool) & at_org.to_numpy(dtype=bool)
    pts = pts[own].sort_values("end", kind="stable")
    points = [
        (np.datetime64(end, "D"), float(value), str(period))
        for end, value, period in zip(pts["end"], pts["value"], pts["period"], strict=True)
    ]
    kinds = pts["kind"].tolist()
    targets = [p for p, k in zip(points, kinds, strict=True) if k == "target"]
    baselines = [p for p, k in zip(points, kinds, strict=True) if k == "baseline"]
    return targets, (baselines[-1] if baselines else None)


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
    chosen, row, x, y, planned = _series(progress, id, org)
    status = str(row["status"]) if row is not None else "no_data"
    targets, baseline = _plan_points(progress, id, chosen) if row is not None else ([], None)
    as_of = np.datetime64(progress.as_of, "D")

    ax = _new_axes(ax, (8.0, 4.5))  # outside the rc_context: see _new_axes
    with _japanese_text():
        colour = STATUS_COLOURS.get(status, _PLAN_COLOUR)
        if status in ("no_target", "no_data"):
            colour = _PLAN_COLOUR
        px = _draw_plan(ax, targets, baseline, (x, planned, as_of), text["plan"])
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
        _draw_targets(ax, targets, text["target"])
        _draw_baseline(ax, baseline, text["baseline"])
        if row is not None and len(x) and targets:
            _draw_forecast(ax, row, (x, y), targets[-1], px, colour, text["forecast"])
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
        _finish(ax, progress, ind, chosen, row, status, language)
    return ax


def _series(
    progress: Progress, id: str, org: str | None
) -> tuple[
    str | None,
    pd.Series | None,
    npt.NDArray[np.datetime64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """The org drawn, its current indicator row (``None`` without one), and its history: period
    ends, actuals and planned values."""
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
    row: pd.Series | None = None
    if len(current):
        row = current.iloc[0]
    return chosen, row, x, y, planned


_Point = tuple[np.datetime64, float, str]


def _draw_plan(
    ax: Axes,
    targets: list[_Point],
    baseline: _Point | None,
    history: tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64], np.datetime64],
    label: str,
) -> npt.NDArray[np.datetime64]:
    """The plan line (before the first knot the baseline, after the last the final target);
    its vertices' dates (empty without targets)."""
    if not targets:
        return np.array([], dtype="datetime64[D]")
    x, planned, as_of = history
    knots = ([baseline[:2]] if baseline is not None else []) + [t[:2] for t in targets]
    px, py = _plan_line(knots, x, planned)
    ends = [d for d in (x[:1], x[-1:], np.array([as_of])) if len(d)]
    lo = min(np.concatenate(ends).min(), px.min())
    hi = max(np.concatenate(ends).max(), px.max())
    if lo < px[0] and baseline is not None:
        px, py = np.concatenate([[lo], px]), np.concatenate([[py[0]], py])
    if hi > px[-1]:
        px, py = np.concatenate([px, [hi]]), np.concatenate([py, [py[-1]]])
    (plan_line,) = ax.plot(px, py, color=_PLAN_COLOUR, linestyle="--", linewidth=1.2, label=label)
    plan_line.set_gid("plan")
    return px


def _draw_targets(ax: Axes, targets: list[_Point], label: str) -> None:
    """The targets as stars, each labelled with its period and value."""
    if not targets:
        return
    tx = np.array([t[0] for t in targets], dtype="datetime64[D]")
    ty = np.array([t[1] for t in targets], dtype=np.float64)
    (marks,) = ax.plot(
        tx,
        ty,
        linestyle="none",
        marker="*",
        markersize=12,
        color=_TARGET_COLOUR,
        label=label,
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


def _draw_baseline(ax: Axes, baseline: _Point | None, label: str) -> None:
    """The baseline as a square labelled with its period and value."""
    if baseline is None:
        return
    (base,) = ax.plot(
        [baseline[0]],
        [baseline[1]],
        linestyle="none",
        marker="s",
        markersize=6,
        color=_PLAN_COLOUR,
        label=label,
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


def _draw_forecast(
    ax: Axes,
    row: pd.Series,
    actuals: tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64]],
    final: _Point,
    px: npt.NDArray[np.datetime64],
    colour: str,
    label: str,
) -> None:
    """A dotted line from the latest actual to the final target at the forecast date, when the
    row has one; a far-off forecast is cut at twice the span to the final target."""
    fc = row["forecast_date"]
    if not _present(fc):
        return
    x, y = actuals
    fx = np.datetime64(pd.Timestamp(fc).date(), "D")
    last = np.flatnonzero(np.isfinite(y))
    if not len(last):
        return
    x0, y0 = x[last[-1]], float(y[last[-1]])
    start = min(x[0], px[0])
    limit = final[0] + (final[0] - start)
    fx_end, fy_end = fx, final[1]
    if fx > limit and fx > x0:
        share = (limit - x0) / (fx - x0)
        fx_end, fy_end = limit, y0 + (final[1] - y0) * float(share)
    period = str(row["forecast_period"]) if _present(row["forecast_period"]) else str(fx)
    (fline,) = ax.plot(
        [x0, fx_end],
        [y0, fy_end],
        color=colour,
        linestyle=":",
        linewidth=1.5,
        label=label.format(period=period),
    )
    fline.set_gid("forecast")


def _finish(
    ax: Axes,
    progress: Progress,
    ind: Indicator,
    chosen: str | None,
    row: pd.Series | None,
    status: str,
    language: str,
) -> None:
    """Title (name, unit, org; status, achievement, as-of date), axis label, grid and legend."""
    text = _TEXT[language]
    labels = STATUS_LABELS[language]
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
