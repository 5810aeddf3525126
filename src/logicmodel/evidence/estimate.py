"""``lm.estimate_link``: does this link hold? Staggered adoption across organisations.

The estimator is Callaway and Sant'Anna's (2021) group-time average treatment effects, from the
`diff-diff <https://github.com/igerber/diff-diff>`_ library (MIT; extra ``evidence``): each
adoption cohort is compared with never-treated (or not-yet-treated) organisations period by
period, and the group-time effects are aggregated to an overall effect on the treated and an event
study. Standard errors come from the influence function, clustered by organisation. Plain two-way
fixed effects is never used: with staggered adoption it compares late adopters with early ones
already treated and is biased when effects differ by cohort or grow over time.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import EvidenceError, ModelError, did_you_mean
from logicmodel.evidence.panel import Panel, build_panel
from logicmodel.evidence.result import (
    EVENT_STUDY_COLUMNS,
    GROUP_TIME_COLUMNS,
    Evidence,
    verdict_of,
)
from logicmodel.model import Indicator, Link

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = ["CONTROLS", "METHODS", "estimate_link"]

METHODS = ("callaway_santanna",)
"""Estimators ``estimate_link`` offers (heterogeneity-robust staggered DiD only)."""
CONTROLS = ("never_treated", "not_yet_treated")
"""Comparison groups: organisations that never adopt, or also those that adopt later."""
ESTIMATIONS = ("dr", "reg", "ipw")
"""How each group-time effect adjusts for covariates: doubly robust, outcome regression, inverse
probability weighting (identical without covariates)."""

_EXTRA = "pip install 'logicmodel[evidence]'"


def _choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ModelError(
            f"{name}={value!r} is not one of {', '.join(repr(a) for a in allowed)}"
            + (did_you_mean(value, allowed) if isinstance(value, str) else "")
        )
    return value


def _indicator_on(
    model: LogicModel, node: str, given: str | None, role: str, option: str
) -> Indicator:
    """The indicator ``given`` (which must measure ``node``) or the node's only indicator."""
    if given is not None:
        ind = model.indicator(given)
        if ind.measures != node:
            raise ModelError(
                f"{option}={given!r} measures {ind.measures!r}, not the link's {role} {node!r}; "
                f"indicators on {node!r}: "
                + (", ".join(repr(i.id) for i in model.indicators_of(node)) or "none")
            )
        return ind
    found = model.indicators_of(node)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ModelError(
            f"the link's {role} {node!r} has no indicator: add one that measures it"
            + (
                " or pass adoption= with each organisation's adoption period"
                if role == "source"
                else ""
            )
        )
    raise ModelError(
        f"the link's {role} {node!r} has {len(found)} indicators "
        f"({', '.join(repr(i.id) for i in found)}); choose one with {option}="
    )


def _resolve_link(model: LogicModel, link: Any) -> Link:
    if isinstance(link, Link):
        return model.link(link.source, link.target)
    if isinstance(link, tuple | list) and len(link) == 2:
        return model.link(str(link[0]), str(link[1]))
    raise ModelError(f"link must be (source, target) node ids or a Link of the model, got {link!r}")


def _check_design(panel: Panel, control: str, anticipation: int, treatment: str | None) -> None:
    """The errors that say which option would help, before any estimation."""
    what = f"'{treatment}'" if treatment else "the adoption table"
    n_treated, n_never = panel.n_treated, panel.n_never
    if n_treated == 0:
        if panel.always_treated:
            raise EvidenceError(
                f"too few periods before adoption: all {len(panel.always_treated)} organisations "
                f"that adopt ({what}) did so by their first outcome period "
                f"{panel.periods[0]!r}"
                + (f" plus {anticipation} anticipation period(s)" if anticipation else "")
                + "; the estimator needs at least one period before adoption: give earlier "
                "outcome periods" + (" or fewer anticipation periods" if anticipation else ""),
                option="anticipation",
            )
        outside = (
            f" ({panel.n_adopted_outside} adopt after the last period {panel.periods[-1]!r})"
            if panel.n_adopted_outside
            else ""
        )
        raise EvidenceError(
            f"no treated organisations: none adopts {what} within the outcome's periods "
            f"{panel.periods[0]!r}–{panel.periods[-1]!r}{outside}; check threshold= or pass "
            "adoption=" + "".join(f" ({note})" for note in panel.notes),
            option="threshold",
        )
    if n_never == 0 and control == "never_treated":
        raise EvidenceError(
            f"no never-treated organisations: all {n_treated} adopt {what} within the window; "
            "use control='not_yet_treated' to compare each cohort with organisations that "
            "adopt later",
            option="control",
        )
    if n_never == 0 and panel.frame["first_treat"].nunique() < 2:
        raise EvidenceError(
            f"no control organisations: all {n_treated} adopt {what} in the same period "
            f"and none stays untreated, so nothing shows what would have happened without it",
            option="control",
        )


def _software() -> str:
    try:
        return f"diff-diff {version('diff-diff')}"
    except PackageNotFoundError:  # pragma: no cover - an unusual installation
        return "diff-diff"


def _fit(
    panel: Panel,
    *,
    control: str,
    anticipation: int,
    alpha: float,
    estimation: str,
    bootstrap: int,
    seed: int | None,
) -> tuple[Any, Any, tuple[str, ...]]:
    """Group-time effects and their event study; the library's warnings become notes."""
    try:
        from diff_diff import CallawaySantAnna
    except ImportError as err:  # pragma: no cover - CI installs the extra
        raise ImportError(f"lm.estimate_link needs the diff-diff library: {_EXTRA}") from err
    estimator = CallawaySantAnna(
        control_group=control,
        anticipation=anticipation,
        estimation_method=estimation,
        alpha=alpha,
        n_bootstrap=bootstrap,
        seed=seed,
        cband=bootstrap > 0,
    )
    # diff-diff reports cells it cannot estimate as warnings; they are kept on the result
    # (Evidence.notes) rather than printed, and the caller's filters are restored on exit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = estimator.fit(
                panel.frame,
                outcome="y",
                unit="org",
                time="time",
                first_treat="first_treat",
                covariates=list(panel.covariates) or None,
            )
            study = result.aggregate("event_study")
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, KeyError) as err:
            raise EvidenceError(f"the estimator ({_software()}) could not run: {err}") from err
    said = [_our_words(str(w.message), panel) for w in caught]
    notes = tuple(dict.fromkeys([*panel.notes, *said]))
    return result, study, notes


def _our_words(message: str, panel: Panel) -> str:
    """The library's note on an unbalanced panel names an option of its own; say it in ours."""
    if not message.startswith("Unbalanced panel detected"):
        return message
    seen = panel.frame.groupby("org", sort=False)["time"].size()
    short = int((seen < panel.frame["time"].nunique()).sum())
    return (
        f"unbalanced panel: {short} organisation(s) lack the outcome in some periods (merged "
        "away, created, or not reported); each group-time effect uses the organisations "
        "observed in both of its periods"
    )


def _column(raw: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column of the library's table, all missing when it has none."""
    if name not in raw:
        return np.full(len(raw), np.nan)
    return pd.to_numeric(raw[name], errors="coerce").to_numpy(dtype=np.float64)


def _event_study(study: Any) -> tuple[pd.DataFrame, np.ndarray | None, list[int]]:
    raw = study.to_dataframe()
    raw = raw[~raw["is_reference"].astype(bool)] if "is_reference" in raw else raw
    cohorts = raw["n"] if "n" in raw else pd.Series(np.nan, index=raw.index)
    frame = pd.DataFrame(
        {
            "event_time": raw["event_time"].to_numpy(dtype=np.int64),
            "att": raw["att"].to_numpy(dtype=np.float64),
            "se": raw["se"].to_numpy(dtype=np.float64),
            "ci_low": raw["conf_int_lower"].to_numpy(dtype=np.float64),
            "ci_high": raw["conf_int_upper"].to_numpy(dtype=np.float64),
            "n_cohorts": pd.to_numeric(cohorts, errors="coerce").to_numpy(dtype=np.float64),
            "band_low": _column(raw, "cband_lower"),
            "band_high": _column(raw, "cband_upper"),
        },
        columns=list(EVENT_STUDY_COLUMNS),
    )
    vcov = None if study.vcov is None else np.asarray(study.vcov, dtype=np.float64)
    index = [] if study.vcov_index is None else [int(x) for x in study.vcov_index]
    return frame.reset_index(drop=True), vcov, index


def _pre_trend_p(
    frame: pd.DataFrame, vcov: np.ndarray | None, index: list[int], anticipation: int
) -> float | None:
    """Joint Wald test that the pre-adoption event-study effects are all zero."""
    pre = frame[(frame["event_time"] < -anticipation) & np.isfinite(frame["att"])]
    pre = pre[np.isfinite(pre["se"]) & (pre["se"] > 0)]
    if not len(pre):
        return None
    from scipy.stats import chi2

    b = pre["att"].to_numpy(dtype=np.float64)
    position = {t: k for k, t in enumerate(index)}
    if vcov is not None and all(int(t) in position for t in pre["event_time"]):
        at = [position[int(t)] for t in pre["event_time"]]
        v = vcov[np.ix_(at, at)]
    else:  # no covariance from the library: treat the estimates as independent
        v = np.diag(pre["se"].to_numpy(dtype=np.float64) ** 2)
    # one symmetric eigendecomposition gives the generalised inverse and the rank together
    values, vectors = np.linalg.eigh((v + v.T) / 2)
    keep = values > values.max(initial=0.0) * len(values) * np.finfo(np.float64).eps
    if not keep.any():
        return None
    projected = vectors[:, keep].T @ b
    stat = float(np.sum(projected**2 / values[keep]))
    return float(chi2.sf(stat, int(keep.sum())))


def _group_time(result: Any, panel: Panel) -> pd.DataFrame:
    raw = result.to_dataframe()
    if "skip_reason" in raw:
        raw = raw[raw["skip_reason"].isna()]
    g = raw["group"].to_numpy(dtype=np.int64)
    t = raw["time"].to_numpy(dtype=np.int64)
    labels = np.full(max(panel.positions, default=0) + 1, None, dtype=object)
    labels[list(panel.positions)] = panel.periods
    return pd.DataFrame(
        {
            "cohort": labels[g],
            "period": labels[t],
            "event_time": t - g,
            "att": raw["effect"].to_numpy(dtype=np.float64),
            "se": raw["se"].to_numpy(dtype=np.float64),
            "ci_low": raw["conf_int_lower"].to_numpy(dtype=np.float64),
            "ci_high": raw["conf_int_upper"].to_numpy(dtype=np.float64),
        },
        columns=list(GROUP_TIME_COLUMNS),
    ).reset_index(drop=True)


def _check_numbers(
    alpha: float, anticipation: int, bootstrap: int, seed: int | None, threshold: float | None
) -> float:
    """Raise on a bad numeric option of :func:`estimate_link`; the threshold as a float."""
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ModelError(f"alpha={alpha!r} must be a number between 0 and 1 (0.05 → 95% intervals)")
    if isinstance(anticipation, bool) or not isinstance(anticipation, int) or anticipation < 0:
        raise ModelError(f"anticipation={anticipation!r} must be a whole number ≥ 0 of periods")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise ModelError(
            f"bootstrap={bootstrap!r} must be a whole number ≥ 0 of draws (0: analytic errors)"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ModelError(f"seed={seed!r} must be a whole number or None")
    level = 0.0 if threshold is None else float(threshold)
    if not math.isfinite(level):
        raise ModelError(f"threshold={threshold!r} must be a finite number")
    return level


def estimate_link(
    model: LogicModel,
    observations: Any,
    link: tuple[str, str] | Link,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    threshold: float | None = None,
    control: str = "never_treated",
    method: str = "callaway_santanna",
    alpha: float = 0.05,
    hierarchy: Hierarchy | None = None,
    adoption: Any = None,
    covariates: Sequence[str] = (),
    anticipation: int = 0,
    estimation: str = "dr",
    bootstrap: int = 0,
    seed: int | None = None,
) -> Evidence:
    """Estimate the effect of a link's source on its target from staggered adoption.

    An organisation is treated from the first period its treatment value exceeds ``threshold``
    and stays treated (adoption is absorbing); the effect on the outcome is estimated with
    Callaway and Sant'Anna's group-time difference-in-differences, aggregated to one average
    effect on the treated (``att``) and an event study, never with plain two-way fixed effects.

    Parameters
    ----------
    model
        The logic model; ``link`` must be one of its links.
    observations
        The long observations :func:`logicmodel.evaluate` takes (any dataframe narwhals accepts),
        with an ``org`` column: the units are its organisations, the time axis the outcome's
        periods (one frequency).
    link
        ``(source, target)`` node ids or a :class:`~logicmodel.Link` of the model.
    treatment
        An indicator on the source node; default its only indicator.
    outcome
        An indicator on the target node; default its only indicator. Its ``direction`` decides
        the verdict.
    threshold
        A treatment value above it means adopted (default 0).
    control
        ``"never_treated"`` (default) or ``"not_yet_treated"`` (also organisations adopting
        later, before they do — needed when every organisation adopts eventually).
    method
        ``"callaway_santanna"`` (the only one offered; see :data:`METHODS`).
    alpha
        1 − confidence level of the intervals (default 0.05 → 95%).
    hierarchy
        An :class:`~logicmodel.Hierarchy`: org codes are normalised and checked against the tree
        valid at each period, and an organisation whose descendants also report the outcome is
        not a unit (a prefecture total in the same file, a designated city reporting by ward). A municipality created by a merger is
        its own unit from the merger on; the ones merged into it are units up to the merger.
    adoption
        Instead of the treatment indicator: a table with columns ``org`` and ``period`` (the
        period of adoption; empty = never) or a mapping ``{org: period}``. Organisations not in it
        never adopt.
    covariates
        Indicator ids whose values (per organisation and period, or a containing period) make
        the parallel-trends assumption conditional on them.
    anticipation
        Periods before adoption in which organisations may already react (the comparison then
        uses the period before those).
    estimation
        ``"dr"`` (doubly robust, default), ``"reg"`` or ``"ipw"``; the same without covariates.
    bootstrap
        Draws of the multiplier bootstrap (clustered by organisation; R ``did``'s default is
        1000). 0 (default): analytic standard errors, and every interval is pointwise. Above 0:
        bootstrap standard errors and intervals, and ``event_study`` gains a simultaneous
        ``1 - alpha`` band (``band_low``, ``band_high``) that covers the whole event-study path at
        once — the one to read when judging a chart by eye.
    seed
        Seed of the bootstrap draws (for results that repeat exactly).

    Returns
    -------
    Evidence

    Raises
    ------
    UnknownIdError
        An unknown node, indicator or link (listing the links from the source / nearest ids).
    ModelError
        An indicator on the wrong node, a node with no or several indicators (choose one), a bad
        option value.
    CheckError
        The observations have errors (LM3xx), as in :func:`logicmodel.evaluate`.
    EvidenceError
        No treated organisations, no never-treated ones (use ``control="not_yet_treated"``), a
        treatment that never varies, too few periods before adoption; ``option`` names the option
        that would help.
    ImportError
        The ``evidence`` extra is not installed (``pip install 'logicmodel[evidence]'``).

    Examples
    --------
    >>> import logicmodel as lm
    >>> from logicmodel.testing import staggered_example
    >>> model, obs = staggered_example(effect=-3.0, seed=1)
    >>> ev = lm.estimate_link(model, obs, ("adopted", "wait"))
    >>> ev.verdict, ev.ci_low < -3.0 < ev.ci_high
    ('supports', True)
    """
    found = _resolve_link(model, link)
    method = _choice("method", method, METHODS)
    control = _choice("control", control, CONTROLS)
    estimation = _choice("estimation", estimation, ESTIMATIONS)
    level = _check_numbers(alpha, anticipation, bootstrap, seed, threshold)
    treat: str | None = None
    if adoption is None or treatment is not None:
        treat = _indicator_on(model, found.source, treatment, "source", "treatment").id
    out = _indicator_on(model, found.target, outcome, "target", "outcome")
    covs = tuple(model.indicator(c).id for c in covariates)

    panel = build_panel(
        model,
        observations,
        treatment=treat,
        outcome=out.id,
        threshold=level,
        adoption=adoption,
        covariates=covs,
        anticipation=anticipation,
        hierarchy=hierarchy,
    )
    _check_design(panel, control, anticipation, treat)
    result, study, notes = _fit(
        panel,
        control=control,
        anticipation=anticipation,
        alpha=float(alpha),
        estimation=estimation,
        bootstrap=bootstrap,
        seed=seed,
    )
    event_study, vcov, index = _event_study(study)
    low, high = (float(x) for x in result.overall_conf_int)
    att, se = float(result.overall_att), float(result.overall_se)
    if not (math.isfinite(att) and math.isfinite(se)):
        raise EvidenceError(
            f"the estimator ({_software()}) found no estimable effect after adoption"
            + (f": {'; '.join(notes)}" if notes else "")
        )
    first = panel.frame.groupby("org", sort=False)["first_treat"].first()
    n_control = int((first == 0).sum())
    if control == "not_yet_treated":
        n_control += int((first > first[first > 0].min()).sum())
    return Evidence(
        link=(found.source, found.target),
        treatment=treat,
        outcome=out.id,
        method=method,
        control=control,
        att=att,
        se=se,
        ci_low=low,
        ci_high=high,
        alpha=float(alpha),
        n_treated=panel.n_treated,
        n_control=n_control,
        n_periods=len(panel.periods),
        pre_trend_p=_pre_trend_p(event_study, vcov, index, anticipation),
        event_study=event_study,
        group_time=_group_time(result, panel),
        verdict=verdict_of(low, high, out.direction),
        direction=out.direction,
        unit=out.unit,
        periods=panel.periods,
        anticipation=anticipation,
        bootstrap=bootstrap,
        covariates=covs,
        always_treated=panel.always_treated,
        notes=notes,
        software=_software(),
    )
