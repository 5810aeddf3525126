"""The panel behind an evidence request: organisations × the outcome's periods, with adoption.

Built from the same observations :func:`logicmodel.evaluate` takes, through the one observation
intake (:func:`logicmodel.observations.prepare_observations`): the same column names, period
spellings, unit conversion and LM3xx problems. Everything is array work on the intake's integer
codes; nothing loops over rows.

Stages (each a small frozen state):

1. :func:`_intake` — clean rows of the treatment, outcome and covariate indicators (actuals with
   an organisation), each row's unit (organisation) code, with a hierarchy: the code normalised
   and checked against the tree valid at the row's period, and an organisation is a unit unless
   the outcome is also observed at one of its descendants (prefecture or national totals in the
   same file are not units; a designated city reporting by ward is its wards, while the other
   municipalities stay units);
2. :func:`_time_axis` — the outcome's distinct periods in order (one frequency);
3. :func:`_adoption` — each organisation's adoption day: the start of its first treatment period
   with a value above ``threshold`` (absorbing: it stays treated), or an explicit table;
4. :func:`build_panel` — the long frame ``org, time, y, first_treat`` (+ covariates) that the
   estimator takes, with ``first_treat`` the outcome period containing the adoption day (or the
   next one, when adoption falls between outcome periods; 0 = not adopted within the window).

Merged municipalities (versioned hierarchies): every code is its own unit over the periods it
exists. A municipality created by a merger is one unit from the merger on, with its own adoption;
the municipalities merged into it are units up to the merger. Predecessors are not spliced into
the successor: their adoption histories belong to different administrations, and splicing would
invent a series nobody reported. The estimator uses each unit in the comparisons where it is
observed in both periods (an unbalanced panel).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import CheckError, EvidenceError, FormatError, PeriodError
from logicmodel.issues import Report
from logicmodel.observations import aligned_values, prepare_observations, to_pandas
from logicmodel.periods import parse_period, parse_periods

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.observations import Observations
    from logicmodel.orgs import Hierarchy

__all__ = ["Panel", "build_panel"]

_ACTUAL = 0  # position of "actual" in observations.KIND_VALUES


@dataclass(frozen=True, slots=True)
class _Rows:
    """Clean rows of the indicators an evidence request uses: one array per column."""

    ind: np.ndarray  # position in the request's indicator list (treatment, outcome, covariates…)
    unit: np.ndarray  # int64 index into ``codes``
    pcode: np.ndarray  # intake period code
    value: np.ndarray  # float64 in the indicator's unit
    codes: np.ndarray  # object array of unit codes (normalised with a hierarchy)
    row: np.ndarray  # the observation row of each
    above: tuple[str, ...] = ()  # organisations above the units with rows of the first indicator


@dataclass(frozen=True, slots=True)
class _TimeAxis:
    """The outcome's periods in time order and their ``position`` (1-based) on the calendar grid
    of their frequency: a period nobody reported leaves a hole, so event times count calendar
    periods."""

    pcodes: np.ndarray
    labels: tuple[str, ...]
    start_day: np.ndarray  # days since 1970-01-01 (int64)
    end_day: np.ndarray
    position: np.ndarray  # int64, increasing


def _grid_positions(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """1-based positions of sorted, non-overlapping periods on their calendar grid: periods of
    whole months of one length (months, quarters, fiscal years …) get their step count from the
    first, so a month nobody reported is a hole; other periods (days, weeks) are numbered in
    order."""
    ranks = np.arange(1, len(start) + 1, dtype=np.int64)
    first = start.astype("datetime64[D]").astype("datetime64[M]")
    after = (end + 1).astype("datetime64[D]").astype("datetime64[M]")
    whole = (first.astype("datetime64[D]").astype(np.int64) == start).all() and (
        after.astype("datetime64[D]").astype(np.int64) == end + 1
    ).all()
    if len(start) < 2 or not whole:
        return ranks
    length = (after - first).astype(np.int64)
    offset = (first - first[0]).astype(np.int64)
    if (length != length[0]).any() or (offset % length[0]).any():
        return ranks
    out: np.ndarray = offset // length[0] + 1
    return out


@dataclass(frozen=True, slots=True)
class Panel:
    """The estimator's input: one row per (organisation, outcome period) with an outcome value.

    ``frame`` has columns ``org`` (code), ``time`` (1-based calendar position: ``periods[k]`` is
    at ``positions[k]``, and a period nobody reported leaves a hole), ``y`` (the outcome in its
    unit), ``first_treat`` (position of the first treated period, 0 = not adopted within the
    window) and one column per covariate. ``always_treated`` lists the
    organisations left out because they adopted before their first observed period plus the
    anticipation (no period before adoption to compare with); ``notes`` remarks on the input
    (adoption-table codes the observations do not have).
    """

    frame: pd.DataFrame
    periods: tuple[str, ...]
    treatment: str | None
    outcome: str
    covariates: tuple[str, ...]
    always_treated: tuple[str, ...]
    n_adopted_outside: int
    notes: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()

    @property
    def n_treated(self) -> int:
        """Organisations adopting within the window (with a period before adoption)."""
        first = self.frame.groupby("org", sort=False)["first_treat"].first()
        return int((first > 0).sum())

    @property
    def n_never(self) -> int:
        """Organisations that never adopt within the window."""
        first = self.frame.groupby("org", sort=False)["first_treat"].first()
        return int((first == 0).sum())


def _raise_for_intake(prepared: Observations) -> None:
    if prepared.errors:
        raise CheckError(Report(prepared.errors))


def _intake(
    model: LogicModel,
    observations: Any,
    indicators: Sequence[str],
    outcome: str,
    hierarchy: Hierarchy | None,
) -> tuple[_Rows, Observations]:
    prepared = prepare_observations(model, observations)
    _raise_for_intake(prepared)
    f = prepared.frame
    position = {name: k for k, name in enumerate(prepared.indicators)}
    wanted = np.full(len(prepared.indicators) + 1, -1, dtype=np.int64)
    for k, name in enumerate(indicators):
        wanted[position[name]] = k
    ind = wanted[f["ind_code"].to_numpy(dtype=np.int64)]
    org_code = f["org_code"].to_numpy(dtype=np.int64)
    keep = (ind >= 0) & (f["kind_code"].to_numpy(dtype=np.int64) == _ACTUAL)
    outcome_k = list(indicators).index(outcome)
    if not (keep & (ind == outcome_k)).any():
        raise EvidenceError(
            f"no actual observations of the outcome {outcome!r}: the panel needs its values per "
            "organisation and period"
        )
    if not (keep & (ind == outcome_k) & (org_code >= 0)).any():
        raise EvidenceError(
            f"the observations of {outcome!r} have no org column: evidence compares organisations, "
            "so give each row an org code (団体コード)"
        )
    keep &= org_code >= 0
    rows = np.flatnonzero(keep)
    ind, org_code = ind[rows], org_code[rows]
    pcode = f["pcode"].to_numpy(dtype=np.int64)[rows]
    value = f["value"].to_numpy(dtype=np.float64)[rows]
    source = f["row"].to_numpy(dtype=np.int64)[rows]
    orgs = np.asarray(prepared.orgs, dtype=object)
    if hierarchy is None:
        unit, codes = pd.factorize(orgs[org_code])
        return _Rows(
            ind, unit.astype(np.int64), pcode, value, np.asarray(codes, dtype=object), source
        ), prepared
    # one lookup per distinct (org, period): the tree valid at the period's end checks the code
    n_p = max(len(prepared.periods), 1)
    pair_codes, pairs = pd.factorize(org_code * n_p + pcode)
    try:
        index = hierarchy.rollup_index(
            orgs[pairs // n_p], at=prepared.periods.end[pairs % n_p], column="org"
        )
    except FormatError as err:
        # the hierarchy counts rows of the distinct (org, period) pairs it was given; say which
        # observation row it was
        if err.row is None or not 0 <= err.row < len(pairs):
            raise
        source = f["row"].to_numpy()[rows[int(np.argmax(pair_codes == err.row))]]
        raise FormatError(
            err.message.replace(f"(first at row {err.row})", f"(first at row {int(source)})"),
            row=int(source),
            column=err.column,
        ) from None
    org_at = np.asarray(index.position, dtype=np.int64)
    normal = np.asarray(index.orgs, dtype=object)[org_at][pair_codes]
    # an organisation is a unit unless the outcome is also observed below it (a prefecture or
    # national total, a designated city that reports by ward): mark every ancestor of a code
    # the outcome is observed at, at that row's period, as covering
    outcome_pair = np.zeros(len(pairs), dtype=bool)
    outcome_pair[pair_codes[ind == outcome_k]] = True
    ancestors = np.asarray(index.ancestors, dtype=np.int64)[outcome_pair]
    own = np.asarray(index.org_level, dtype=np.int64)[org_at[outcome_pair]]
    above = (np.arange(ancestors.shape[1])[None, :] < own[:, None]) & (ancestors >= 0)
    covering = np.zeros(len(index.orgs), dtype=bool)
    covering[ancestors[above]] = True
    is_unit = ~covering[org_at][pair_codes]
    unit, codes = pd.factorize(normal[is_unit])
    above = pd.unique(normal[~is_unit & (ind == 0) & (outcome_k != 0)])
    return _Rows(
        ind[is_unit],
        unit.astype(np.int64),
        pcode[is_unit],
        value[is_unit],
        np.asarray(codes, dtype=object),
        source[is_unit],
        tuple(str(c) for c in above),
    ), prepared


def _time_axis(rows: _Rows, outcome_k: int, prepared: Observations) -> _TimeAxis:
    used = np.unique(rows.pcode[rows.ind == outcome_k])
    start = prepared.periods.start[used].astype("datetime64[D]").astype(np.int64)
    end = prepared.periods.end[used].astype("datetime64[D]").astype(np.int64)
    order = np.lexsort((end, start))
    used, start, end = used[order], start[order], end[order]
    overlap = np.flatnonzero(start[1:] <= end[:-1])
    if len(overlap):
        k = int(overlap[0])
        labels = prepared.periods.label
        raise EvidenceError(
            f"the outcome's periods overlap ({labels[used[k]]!r} and {labels[used[k + 1]]!r}): "
            "the panel needs one reporting frequency; give the outcome at one frequency "
            "(all months, or all fiscal years)"
        )
    return _TimeAxis(
        used,
        tuple(str(x) for x in prepared.periods.label[used]),
        start.astype(np.int64),
        end.astype(np.int64),
        _grid_positions(start.astype(np.int64), end.astype(np.int64)),
    )


def _adoption_from_indicator(
    rows: _Rows, treatment_k: int, threshold: float, prepared: Observations, treatment: str
) -> tuple[np.ndarray, np.ndarray]:
    """Adoption day per unit (int64 days, ``iinfo.max`` = never) from the treatment's values, and
    the start day of each unit's first treatment value (``iinfo.max`` = none)."""
    never = np.iinfo(np.int64).max
    mine = rows.ind == treatment_k
    values = rows.value[mine]
    if not len(values):
        raise EvidenceError(
            f"no actual observations of the treatment {treatment!r} with an org: adoption is read "
            "from its values per organisation (or pass adoption=)"
        )
    if np.nanmin(values) == np.nanmax(values):
        raise EvidenceError(
            f"the treatment {treatment!r} never varies (every value is {values[0]:g}), so no "
            f"organisation changes state at threshold {threshold:g}: check the indicator, set "
            "threshold=, or pass adoption= with each organisation's adoption period",
            option="threshold",
        )
    above = values > threshold
    start = prepared.periods.start[rows.pcode[mine]].astype("datetime64[D]").astype(np.int64)
    day = np.full(len(rows.codes), never, dtype=np.int64)
    np.minimum.at(day, rows.unit[mine][above], start[above])
    first = np.full(len(rows.codes), never, dtype=np.int64)
    np.minimum.at(first, rows.unit[mine], start)
    return day, first


def _adoption_from_table(
    adoption: Any, rows: _Rows, fiscal_year_start: int, hierarchy: Hierarchy | None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Adoption day per unit from an ``org, period`` table (or mapping), and a note on codes the
    observations do not have."""
    never = np.iinfo(np.int64).max
    if isinstance(adoption, Mapping):
        table = pd.DataFrame(
            {"org": pd.Series(list(adoption), dtype=object), "period": list(adoption.values())}
        )
    else:
        table = to_pandas(adoption)
    missing = [c for c in ("org", "period") if c not in table.columns]
    if missing:
        have = ", ".join(repr(str(c)) for c in table.columns) or "none"
        raise FormatError(
            f"adoption table needs columns 'org' and 'period' (missing {', '.join(missing)}); "
            f"columns in the table: {have}",
            column=missing[0],
        )
    org = table["org"].to_numpy(dtype=object)
    if hierarchy is None and pd.api.types.infer_dtype(org, skipna=True) not in ("string", "empty"):
        # the observations refuse numeric codes (LM309); a numeric code here would match nothing
        bad = int(np.argmax([not isinstance(x, str) and not pd.isna(x) for x in org]))
        raise FormatError(
            f"adoption table: org code {org[bad]!r} (first at row {bad}) is a "
            f"{type(org[bad]).__name__}, not text; read the column as strings, e.g. "
            "pd.read_csv(path, dtype={'org': str}), so that codes such as 011002 keep their "
            "leading zero",
            row=bad,
            column="org",
        )
    period = table["period"]
    # a missing or empty period means the organisation never adopts (as if it were not listed)
    given = period.notna().to_numpy() & (period.astype(str).str.strip() != "").to_numpy()
    at = np.flatnonzero(given)
    values = period.to_numpy()[at]
    parsed = parse_periods(values, fiscal_year_start=fiscal_year_start, errors="coerce")
    if not parsed.valid.all():
        k = int(np.argmin(parsed.valid))
        try:
            parse_period(values[k], fiscal_year_start=fiscal_year_start)
            why = f"period {values[k]!r} is not a period"  # pragma: no cover - coerce agrees
        except PeriodError as err:
            why = str(err)
        raise FormatError(f"adoption table: {why}", row=int(at[k]), column="period") from None
    start = np.asarray(parsed.start, dtype="datetime64[D]")
    days = start.astype(np.int64)
    org = org[at]
    if hierarchy is not None and len(at):
        # each code is checked against the tree valid when it adopts (a municipality merged
        # away later is still a code then), one lookup per distinct (code, day)
        inverse, pairs = pd.factorize(
            pd.Series(org, dtype=object).astype(str) + "\x00" + pd.Series(days).astype(str)
        )
        first_row = np.unique(inverse, return_index=True)[1]  # factorize numbers pairs 0, 1, …
        try:
            index = hierarchy.rollup_index(
                np.asarray(org[first_row], dtype=object), at=start[first_row], column="org"
            )
        except FormatError as err:
            if err.row is None or not 0 <= err.row < len(pairs):
                raise
            row = int(at[first_row[err.row]])
            raise FormatError(
                "adoption table: "
                + err.message.replace(f"(first at row {err.row})", f"(first at row {row})"),
                row=row,
                column=err.column,
            ) from None
        org = np.asarray(index.orgs, dtype=object)[index.position][inverse]
    per_code = pd.Series(days).groupby(pd.Series(org, dtype=object)).min()
    known = pd.Index(rows.codes, dtype=object)
    unknown = per_code.index[~per_code.index.isin(known)]
    notes: tuple[str, ...] = ()
    if len(unknown):
        notes = (
            f"adoption table: {len(unknown)} of its {len(per_code)} org codes are not among the "
            f"observations' organisations and are ignored (first {str(unknown[0])!r}); codes must "
            "match the observations' org column"
            + ("" if hierarchy is not None else ", or pass hierarchy= to normalise 5-digit codes"),
        )
    out: np.ndarray = per_code.reindex(known, fill_value=never).to_numpy(dtype=np.int64)
    return out, notes


def _outcome_cells(
    rows: _Rows, outcome_k: int, axis: _TimeAxis, prepared: Observations, outcome: str
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """The outcome per (unit, time): the values, each one's unit and its calendar position.

    The intake refuses duplicate rows (LM304), but two spellings of one code (5 and 6 digits)
    meet only here, after the hierarchy normalised them.
    """
    mine = np.flatnonzero(rows.ind == outcome_k)
    t_of_pcode = np.zeros(len(prepared.periods), dtype=np.int64)
    t_of_pcode[axis.pcodes] = axis.position
    n_t = int(axis.position[-1])  # the last calendar position
    key = rows.unit[mine] * (n_t + 1) + t_of_pcode[rows.pcode[mine]]
    order = np.argsort(key, kind="stable")
    twice = np.flatnonzero(key[order][1:] == key[order][:-1])
    if len(twice):
        a, b = mine[order[twice[0]]], mine[order[twice[0] + 1]]
        raise EvidenceError(
            f"observation rows {int(rows.row[a])} and {int(rows.row[b])} both give the outcome "
            f"{outcome!r} of organisation {str(rows.codes[rows.unit[a]])!r} at "
            f"{str(prepared.periods.label[rows.pcode[a]])!r} (two spellings of one code); "
            "keep one row per organisation and period"
        )
    y = pd.Series(rows.value[mine]).groupby(key).mean()
    unit = y.index.to_numpy() // (n_t + 1)
    time = y.index.to_numpy() % (n_t + 1)
    return y, unit, time


def _covariate(
    name: str,
    k: int,
    rows: _Rows,
    unit: np.ndarray,
    time: np.ndarray,
    axis: _TimeAxis,
    prepared: Observations,
) -> np.ndarray:
    """Covariate ``name`` (indicator ``k`` of the request) per panel row.

    Each (org, period) takes the covariate's value at that period or the shortest period
    containing it (a yearly population enters every month of its year).
    """
    n_t = int(axis.position[-1])
    pcode_at = np.zeros(n_t + 1, dtype=np.int64)
    pcode_at[axis.position] = axis.pcodes
    theirs = rows.ind == k
    got = aligned_values(
        unit,
        pcode_at[time],
        rows.unit[theirs],
        rows.pcode[theirs],
        rows.value[theirs],
        prepared.periods,
    )
    missing = np.isnan(got)
    if missing.any():
        first = int(np.argmax(missing))
        label_of = dict(zip(axis.position.tolist(), axis.labels, strict=True))
        raise EvidenceError(
            f"covariate {name!r} has no value for {int(missing.sum())} organisation-"
            f"period(s), first org {rows.codes[unit[first]]!r} at "
            f"{label_of[int(time[first])]!r}: "
            "give it for every organisation and period of the outcome (or at a period "
            "containing them)"
        )
    out: np.ndarray = got
    return out


def build_panel(
    model: LogicModel,
    observations: Any,
    *,
    treatment: str | None,
    outcome: str,
    threshold: float = 0.0,
    adoption: Any = None,
    covariates: Sequence[str] = (),
    anticipation: int = 0,
    hierarchy: Hierarchy | None = None,
) -> Panel:
    """The panel for one link (see the module docstring for each stage).

    Raises
    ------
    CheckError
        The observations have errors (LM3xx, with rows), as in :func:`logicmodel.evaluate`.
    EvidenceError
        No outcome values per organisation, overlapping outcome periods, a treatment that never
        varies, a covariate without values.
    FormatError
        An adoption table without ``org`` and ``period`` columns; an org code the hierarchy does
        not know at the row's period.
    """
    names = [outcome] if treatment is None else [treatment, outcome]
    names += [c for c in covariates if c not in names]
    outcome_k = names.index(outcome)
    rows, prepared = _intake(model, observations, names, outcome, hierarchy)
    axis = _time_axis(rows, outcome_k, prepared)
    notes: tuple[str, ...] = ()
    if adoption is not None:
        day, notes = _adoption_from_table(adoption, rows, model.fiscal_year_start, hierarchy)
    elif treatment is not None:
        day, first_value = _adoption_from_indicator(rows, 0, threshold, prepared, treatment)
        if rows.above:
            notes = (
                f"treatment {treatment!r}: its values at {len(rows.above)} organisation(s) above "
                f"the units (first {rows.above[0]!r}) are not used — a total is not an adoption, "
                "and adoption is read per unit; if those organisations adopt for their units "
                "(a designated city for its wards), pass adoption= with the units' periods",
            )
    else:
        raise EvidenceError("give treatment= (an indicator on the link's source) or adoption=")

    y, unit, time = _outcome_cells(rows, outcome_k, axis, prepared, outcome)
    n_t = int(axis.position[-1])  # the last calendar position

    # adoption day → the outcome period containing it, or the next one when it falls between
    # periods (0: not within the window); the period before stays untreated, as the comparison
    # with it needs
    label_of = dict(zip(axis.position.tolist(), axis.labels, strict=True))
    at = np.searchsorted(axis.end_day, day, side="left")
    inside = at < len(axis.end_day)
    g_unit = np.where(inside, axis.position[np.minimum(at, len(axis.end_day) - 1)], 0)
    first_seen = np.full(len(rows.codes), n_t + 1, dtype=np.int64)
    np.minimum.at(first_seen, unit, time)
    in_panel = first_seen <= n_t  # organisations with treatment rows only are not units
    adopted_outside = in_panel & (day != np.iinfo(np.int64).max) & ~inside
    always = in_panel & (g_unit > 0) & (g_unit - anticipation <= first_seen)
    if adoption is None:
        # already above the threshold at its first treatment value, with outcome periods before
        # it: the adoption read there may be later than the real one (left-censored)
        censored = np.flatnonzero(in_panel & ~always & (g_unit > 0) & (day == first_value))
        if len(censored):
            k = int(censored[0])
            notes = (
                *notes,
                f"treatment {treatment!r}: {len(censored)} organisation(s) are already above the "
                f"threshold at their first value (first {str(rows.codes[k])!r}, cohort "
                f"{label_of[int(g_unit[k])]!r}) while their outcome starts earlier: they may have "
                "adopted before it; give the treatment from the outcome's first period, or pass "
                "adoption=",
            )
    frame = pd.DataFrame(
        {
            "org": pd.Series(rows.codes[unit], dtype=object),
            "time": time.astype(np.int64),
            "y": y.to_numpy(dtype=np.float64),
            "first_treat": g_unit[unit].astype(np.int64),
        }
    )
    for name in covariates:
        frame[name] = _covariate(name, names.index(name), rows, unit, time, axis, prepared)
    frame = frame[~always[unit]].reset_index(drop=True)
    return Panel(
        frame=frame,
        periods=axis.labels,
        positions=tuple(int(x) for x in axis.position),
        treatment=treatment,
        outcome=outcome,
        covariates=tuple(covariates),
        always_treated=tuple(str(c) for c in rows.codes[always]),
        n_adopted_outside=int(adopted_outside.sum()),
        notes=notes,
    )
