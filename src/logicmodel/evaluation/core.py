"""``evaluate``: observations → progress of every indicator, node and org (DESIGN §4.4, §5.3–§5.7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from logicmodel.checks import check, drop_bad_rows
from logicmodel.errors import CheckError, ModelError, short_repr
from logicmodel.evaluation.bands import Bands, resolve_bands
from logicmodel.evaluation.coverage import expected_counts
from logicmodel.evaluation.diagnostics import milestone_table
from logicmodel.evaluation.engine import pushdown, worth_pushing_down
from logicmodel.evaluation.points import plan_points
from logicmodel.evaluation.progress import Progress
from logicmodel.evaluation.rollup import Aggregator, resolve_aggregator
from logicmodel.evaluation.series import org_rows, series_rows
from logicmodel.evaluation.state import current_rows, history_source, series_state
from logicmodel.evaluation.tables import (
    children_table,
    findings_table,
    indicator_table,
    node_table,
    org_names,
    org_table,
    periods_seen,
)
from logicmodel.evaluation.timing import latest_end_of_finest
from logicmodel.issues import Report
from logicmodel.observations import (
    Observations,
    empty_observations,
    org_code_issues,
    prepare_observations,
    require_frame,
)
from logicmodel.periods import epoch_days as _days
from logicmodel.periods import parse_period

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = ["evaluate"]

_LANGS = ("en", "ja")


def _as_of_date(as_of: Any, fiscal_year_start: int) -> dt.date | None:
    if as_of is None:
        return None
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    return parse_period(as_of, fiscal_year_start).end


def _as_of(
    as_of: Any, model: LogicModel, engine_end: dt.date | None, prepared: Observations
) -> tuple[dt.date, int]:
    """The evaluation date (given, else the engine's or the intake's default) and its epoch day."""
    day = _as_of_date(as_of, model.fiscal_year_start) or engine_end or default_as_of(prepared)
    return day, int(_days(np.array([np.datetime64(day, "D")]))[0])


def _check_arguments(model: Any, observations: Any, hierarchy: Any, lang: Any) -> None:
    """Arguments of the wrong kind are a ``ModelError`` naming the argument (issue 12)."""
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

    if not isinstance(model, LogicModel):
        raise ModelError(
            f"evaluate() needs a LogicModel as model, got {type(model).__name__}; build one with "
            "lm.LogicModel(...) or load one with lm.load(path)"
        )
    if observations is not None:
        require_frame(observations, "evaluate")
    if lang not in ("en", "ja"):
        raise ModelError(f"lang {short_repr(lang, 20)} is not one of en, ja")
    if hierarchy is not None and not isinstance(hierarchy, Hierarchy):
        raise ModelError(
            f"hierarchy must be a lm.Hierarchy (for Japan: lm.Hierarchy.japan()), got "
            f"{type(hierarchy).__name__} {short_repr(hierarchy, 40)}"
        )


def evaluate(
    model: LogicModel,
    observations: Any = None,
    *,
    as_of: Any = None,
    hierarchy: Hierarchy | None = None,
    bands: Bands | str | None = None,
    rollup: str | Aggregator | Callable[..., Any] = "weighted_mean",
    min_coverage: float = 1.0,
    lang: str = "en",
    due_soon_days: int = 30,
    aggregators: Mapping[str, Aggregator] | None = None,
    ignore: str | Iterable[str] | None = None,
    errors: str = "raise",
) -> Progress:
    """Evaluate progress of ``model`` from long-format ``observations``.

    Parameters
    ----------
    model
        The logic model.
    observations
        Any dataframe narwhals accepts with columns ``indicator, period, value`` and optional
        ``org``, ``unit`` (converted to the indicator's unit) and ``kind`` (actual|target|baseline).
    as_of
        A date or period (its last day). Default: the latest end among the actual observations of
        the finest reporting frequency present (months before quarters before years), so one
        annual figure for a year still running does not move it into the future.
    hierarchy
        An :class:`~logicmodel.Hierarchy`; every org and every ancestor level then gets rows.
    bands
        :class:`Bands` or a preset name (``default``, ``sabcd``, ``sabc``).
    rollup
        Pathway aggregator: ``weighted_mean``, ``min``, ``max``, ``geometric_mean``,
        ``share_on_track`` or a callable (see :mod:`logicmodel.evaluation.rollup`).
    min_coverage
        Share (0–1) of the organisations at the counted level that must report for an additive
        total (orgs rule ``sum``) above them to be judged against its target; below it the
        row's status is ``incomplete`` (集計中). Every row carries ``reporting``, ``expected``
        and ``coverage``.
    lang
        ``"en"`` or ``"ja"``: the default language of ``status_label`` columns and of
        :meth:`Progress.summary` (which also takes ``lang=``).

    aggregators
        Named aggregators of this call only: a name in ``rollup`` is looked up here first, then
        in the process-wide registry (:func:`~logicmodel.register_aggregator`), so a thread or an
        embedding system can name its own without registering anything.
    ignore
        Check codes or prefixes to leave out of the model check that precedes the evaluation
        (as :func:`logicmodel.check`'s ``ignore``), e.g. ``"LM216"``.
    errors
        ``"raise"`` (default): any observation error stops the evaluation (:class:`CheckError`).
        ``"drop"``: observation rows with errors are left out, the rest is evaluated, and
        ``progress.report`` lists what was left out as warnings. Rows are 0-based frame rows, or
        file lines when the frame has ``source_row`` (as :func:`logicmodel.read_observations`
        gives). Organisation codes the hierarchy does not know stay errors.

    Returns
    -------
    Progress

    Raises
    ------
    CheckError
        The model or the observations have errors (the report lists them all, with rows; with a
        hierarchy every unknown org code too, as :func:`logicmodel.check` reports them).
    ModelError
        ``lang`` is not ``"en"`` or ``"ja"``, or ``min_coverage`` is not a number from 0 to 1.

    Notes
    -----
    Achievement with baseline b, final target t and actual a is ``(a − b) / (t − b)``; without a
    baseline ``a / t`` (increase) or ``t / a`` (decrease); ``maintain`` is 1 while ``a ≥ t``. The plan
    is piecewise linear from the baseline through the targets (by period end); ``planned`` is its
    value at the actual's period. Node ``score`` is the weighted mean of its quantitative
    indicators' achievement clipped to [0, 1]; ``rolled`` is the score, or the aggregate of the
    predecessors' rolled values when the node has no data.

    Examples
    --------
    >>> import pandas as pd, logicmodel as lm
    >>> m = lm.LogicModel(id="m", title="窓口", nodes=[
    ...     lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="wait")],
    ...     links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="wait")],
    ...     indicators=[lm.KPI(id="n", measures="out", unit="団体",
    ...                        baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300})])
    >>> obs = pd.DataFrame({"indicator": ["n"], "period": ["FY2024"], "value": [180]})
    >>> p = lm.evaluate(m, obs)
    >>> p.indicators[["indicator", "actual", "planned", "achievement", "status"]]
      indicator  actual  planned  achievement    status
    0         n   180.0    200.0          0.4  at_risk
    """
    _check_arguments(model, observations, hierarchy, lang)
    if isinstance(rollup, str) and aggregators is not None and rollup in aggregators:
        rollup = resolve_aggregator(aggregators[rollup])  # checks it is callable
    bands_, lang, min_coverage = resolve_bands(bands), _language(lang), _fraction(min_coverage)
    if errors not in ("raise", "drop"):
        raise ModelError(f"errors {errors!r} is not one of raise, drop")
    prepared, report, engine_end = _intake(
        model, observations, hierarchy, lang, as_of, ignore=ignore, drop=errors == "drop"
    )
    periods = prepared.periods.copy()  # reporting periods are added to the evaluation's copy
    as_of_date, as_of_x = _as_of(as_of, model, engine_end, prepared)
    orgs = org_rows(prepared, periods, hierarchy)
    index = orgs.index
    expected = expected_counts(index, hierarchy)
    rows = series_rows(model, prepared, periods, orgs, as_of_x, expected)
    points = plan_points(model, prepared, orgs)
    del prepared, orgs  # the row-level arrays are not needed any more
    state = series_state(model, rows, points, periods, index, as_of_x)
    del rows, points
    source = history_source(
        model, state, index, org_names(index), periods, expected, bands_, min_coverage
    )
    now = current_rows(source, index, as_of_x)
    indicators = indicator_table(model, source, now, periods, index)
    children = children_table(now, source.ind_ids, index, expected, as_of_x)
    nodes = node_table(model, now, index, bands_, rollup)
    milestones = milestone_table(model, as_of_date, due_soon_days)
    seen = periods_seen(state, source.ind_ids, as_of_x)
    findings = findings_table(model, nodes, indicators, seen, milestones, as_of_date, index)
    return Progress(
        model=model,
        as_of=as_of_date,
        indicators=indicators,
        nodes=nodes,
        milestones=milestones,
        findings=findings,
        children=children,
        report=report,
        bands=bands_,
        lang=lang,
        levels=index.level_names,
        orgs=org_table(index, expected, as_of_x),
        history_source=source,
        min_coverage=min_coverage,
    )


def default_as_of(prepared: Observations) -> dt.date:
    """The latest end among the actual observations of the finest reporting frequency present
    (DESIGN §4.4; see :func:`~logicmodel.evaluation.timing.latest_end_of_finest`), worked on the
    distinct periods of the actual rows. Without actuals: today."""
    frame = prepared.frame
    periods = prepared.periods
    kind, pcode = frame["kind_code"].to_numpy(), frame["pcode"].to_numpy()
    if not len(frame) or not len(periods):
        return dt.date.today()
    marked = np.zeros(len(periods), dtype=bool)
    if kind.max() == 0:  # every row an actual (the usual case): no row-sized mask
        marked[pcode] = True
    else:
        marked[pcode[kind == 0]] = True
    if not marked.any():
        return dt.date.today()
    seen = np.flatnonzero(marked)
    latest = latest_end_of_finest(_days(periods.start[seen]), periods.end_day[seen])
    out: dt.date = (np.datetime64("1970-01-01", "D") + int(latest or 0)).astype(dt.date)
    return out


def _language(lang: object) -> str:
    if lang not in _LANGS:
        raise ModelError(f"lang {lang!r} is not one of {', '.join(_LANGS)}")
    return str(lang)


def _fraction(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ModelError(f"min_coverage must be a number from 0 to 1, got {value!r}")
    return float(value)


def _intake(
    model: LogicModel,
    observations: Any,
    hierarchy: Hierarchy | None,
    lang: str,
    as_of: Any,
    *,
    ignore: str | Iterable[str] | None = None,
    drop: bool = False,
) -> tuple[Observations, Report, dt.date | None]:
    """Stage 1: check the model and the observations (org codes against the hierarchy) and
    bring the observations to integer codes; raises the full report when anything is wrong.
    Also gives the default ``as_of`` an engine found (its cube's periods are reporting periods)."""
    report = check(model, ignore=ignore)
    prepared = None
    pushed = None
    if observations is not None:
        # engine frames (polars, duckdb, pyspark …): validate and time-aggregate in the engine and
        # collect only the reporting-period cube; versioned hierarchies need every row's own date,
        # and a given as_of before the data's end needs the observations up to it (the cube sums
        # whole periods), so both go through the pandas intake
        if (hierarchy is None or not hierarchy.change_dates) and worth_pushing_down(observations):
            pushed = pushdown(model, observations)
            given = _as_of_date(as_of, model.fiscal_year_start)
            end = pushed.last_observed_end if pushed is not None else None
            if given is not None and end is not None and end > given:
                pushed = None
        prepared = (
            pushed.prepare(model)
            if pushed is not None
            else prepare_observations(model, observations)
        )
        found = drop_bad_rows(prepared.issues) if drop else list(prepared.issues)
        report = report + Report([*found, *org_code_issues(prepared, hierarchy)])
    if not report.ok:
        raise CheckError(report.in_language(lang))
    if prepared is None:
        prepared = Observations(
            empty_observations(), (), False, tuple(i.id for i in model.indicators)
        )
    return prepared, report, pushed.last_actual_end if pushed is not None else None
