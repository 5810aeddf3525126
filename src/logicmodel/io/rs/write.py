"""Writing a model as the two RS files (``write_rs``); what RS cannot hold (``rs_losses``)."""

from __future__ import annotations

import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.errors import (
    ConversionWarning,
    FormatError,
    ModelError,
    PeriodError,
)
from logicmodel.io.atomic import write_error
from logicmodel.io.data import ModelData
from logicmodel.io.files import atomic_open, neutralise
from logicmodel.io.rs.common import (
    _KIND_JA,
    _REF_PREFIX,
    _ROW_JA,
    _STAGE_JA,
    _TAG_PREFIX,
    _TARGET_NOTE,
    C_DIR,
    C_IND,
    C_KIND,
    C_KPI,
    C_LABEL,
    C_MEASURE,
    C_MINISTRY,
    C_NAME,
    C_NO,
    C_NOSTAGES,
    C_PROJECT,
    C_QUAL,
    C_RATIONALE,
    C_REASON,
    C_ROW,
    C_SOURCE,
    C_STAGE,
    C_UNIT,
    C_YEAR,
    COMMON_COLUMNS,
    E2_IND,
    E2_KIND,
    E2_LABEL,
    E2_NO,
    E2_STAGE,
    RS_3_1_COLUMNS,
    RS_3_2_COLUMNS,
    YEARS,
    PathLike,
)
from logicmodel.io.rs.values import _fmt
from logicmodel.model import (
    Indicator,
    LogicModel,
    Outcome,
)
from logicmodel.periods import parse_period
from logicmodel.units import (
    convert,
)


# ------------------------------------------------------------------------------------ writing
def _fy(period: str, where: str, fiscal_year_start: int = 4) -> int:
    """The fiscal year a period spells (``FY2025``, ``2025年度``, ``令和7年度``, ``R7年度`` …)."""
    try:
        p = parse_period(period, fiscal_year_start)
    except PeriodError:
        p = None
    year = None
    if p is not None and p.start.month == fiscal_year_start and p.start.day == 1:
        nxt = p.start.replace(year=p.start.year + 1)
        if (nxt - p.end).days == 1:
            year = p.start.year
    if year is None or not YEARS[0] <= year <= YEARS[-1]:
        raise ModelError(
            f"{where}: period {period!r} cannot be written to an RS sheet: it needs fiscal years "
            f"FY{YEARS[0]}…FY{YEARS[-1]} (FY2025, 2025年度 and 令和7年度 are the same)"
        )
    return year


def _rs_kind(kind: str) -> str:
    """The RS 種別 a node kind is written as: inputs as activities, impacts as outcomes."""
    return {"input": "activity", "impact": "outcome"}.get(kind, kind)


def _numbering(model: LogicModel) -> dict[str, tuple[str, str]]:
    """node id → (番号, 種別 kind); ``activity_3`` keeps 3, other ids get the next free number."""
    taken: dict[str, set[int]] = {"activity": set(), "output": set(), "outcome": set()}
    out: dict[str, tuple[str, str]] = {}
    for n in model.nodes:
        kind = _rs_kind(n.kind)
        m = re.fullmatch(rf"{kind}_(\d+)", n.id)
        if m is not None and int(m.group(1)) not in taken[kind]:
            taken[kind].add(int(m.group(1)))
            out[n.id] = (str(int(m.group(1))), kind)
    for n in model.nodes:
        if n.id not in out:
            kind = _rs_kind(n.kind)
            k = 1
            while k in taken[kind]:
                k += 1
            taken[kind].add(k)
            out[n.id] = (str(k), kind)
    return out


def rs_losses(model: LogicModel) -> list[str]:
    """What an RS sheet cannot hold of ``model``, one sentence per item (empty: nothing is lost).

    RS 3-1/3-2 sheets hold activities, outputs and outcomes, each indicator's name, unit,
    direction, source, fiscal-year targets and actuals, and links with their rationale. They have
    no inputs, impacts, baselines, formulas, aggregation rules, weights, roles (KGI/KPI),
    milestones, link weights or assumptions.

    Examples
    --------
    >>> from logicmodel.testing import sample_model
    >>> rs_losses(sample_model())[:1]  # doctest: +ELLIPSIS
    ["input 'grant' is written as an activity (RS has no inputs)"...]
    """
    out: list[str] = []
    for n in model.nodes:
        if n.kind == "input":
            out.append(f"input {n.id!r} is written as an activity (RS has no inputs)")
        elif n.kind == "impact":
            out.append(f"impact {n.id!r} is written as a long-term outcome (RS has no impacts)")
    for ind in model.indicators:
        if ind.formula is not None:
            out.append(
                f"indicator {ind.id!r}: formula {ind.formula!r} is not kept (RS holds values); "
                "its targets are written, its actuals only where observations give them"
            )
        if ind.baseline is not None:
            out.append(f"indicator {ind.id!r}: baseline {ind.baseline.period} is not kept")
        if ind.role is not None:
            out.append(f"indicator {ind.id!r}: role {ind.role} is not kept")
    if model.milestones:
        out.append(f"{len(model.milestones)} milestone(s) are not kept (RS has no roadmap)")
    return out


def _actual_table(
    model: LogicModel, observations: Any
) -> dict[tuple[str, int], tuple[float, float | None]]:
    """(indicator, fiscal year) → (value in the indicator's unit, reported achievement)."""
    if observations is None:
        return {}
    obs = observations if isinstance(observations, pd.DataFrame) else pd.DataFrame(observations)
    for col in ("indicator", "period", "value"):
        if col not in obs.columns:
            raise FormatError(f"observations lack the column {col!r}", column=col)
    obs = obs[obs["indicator"].isin([i.id for i in model.indicators])]
    if "kind" in obs.columns:
        obs = obs[obs["kind"].isna() | (obs["kind"].astype(str) == "actual")]
    if obs.empty:
        return {}
    periods = obs["period"].astype(str)
    fy = periods.map(
        {u: _fy(u, "observations", model.fiscal_year_start) for u in periods.unique()}
    ).to_numpy(dtype=np.int64)
    values = pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float)
    ind_ids = obs["indicator"].astype(str).to_numpy(dtype=object)
    if "unit" in obs.columns:
        units = obs["unit"].to_numpy(dtype=object)
        for ind in model.indicators:
            for u in pd.unique(units[ind_ids == ind.id]):
                if isinstance(u, str) and u and ind.unit and u != ind.unit:
                    sel = (ind_ids == ind.id) & (units == u)
                    values[sel] = convert(values[sel], u, ind.unit)
    rate = (
        pd.to_numeric(obs["reported_achievement"], errors="coerce").to_numpy(dtype=float)
        if "reported_achievement" in obs.columns
        else np.full(len(obs), np.nan)
    )
    out: dict[tuple[str, int], tuple[float, float | None]] = {}
    for i, y, v, r in zip(
        ind_ids.tolist(), fy.tolist(), values.tolist(), rate.tolist(), strict=True
    ):
        if (i, y) in out:
            raise ModelError(
                f"observations: indicator {i!r} has two actuals for FY{y}; an RS sheet holds one"
            )
        out[(i, y)] = (v, None if math.isnan(r) else r)
    return out


def write_rs(
    data: ModelData | LogicModel,
    path_3_1: PathLike,
    path_3_2: PathLike,
    *,
    project_id: str,
    observations: Any = None,
    year: int | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write a model as RS System 3-1 and 3-2 CSVs (UTF-8 with BOM, published headers and order).

    Parameters
    ----------
    data
        A :class:`LogicModel`, or a :class:`ModelData` whose observations are written as 実績値.
    path_3_1, path_3_2
        Where to write ``効果発現経路_目標・実績`` and ``効果発現経路_目標のつながり``. Both are
        written to temporary files and synced first, then renamed: when either cannot be
        written, neither file is changed.
    project_id
        The 予算事業ID to write (kept as given, e.g. ``"000123"``).
    observations
        Actuals (columns ``indicator, period, value``, optional ``kind``, ``unit``,
        ``reported_achievement``); overrides those of ``data``. Periods must be fiscal years
        (any spelling).
    year
        The 事業年度 (review year); default: the model's ``rs:事業年度`` tag, else blank.
    overwrite
        Replace read-only files too.

    Returns
    -------
    tuple of Path
        ``(path_3_1, path_3_2)``, so ``read_rs(*write_rs(...))`` reads them back.

    Raises
    ------
    ModelError
        The model has inputs or impacts, or targets/actuals at periods that are not fiscal years
        2007…2060, or two actuals for one indicator and year.
    WriteError
        A file cannot be written (the message names it and the cause).

    Notes
    -----
    Each indicator takes four rows (1.目標年度 / 2.目標値 / 3.実績値 / 4.達成率); a node without
    indicators takes one row with a blank row type. Target years are the targets noted
    ``"目標年度"``, or the final target when none is. Text that a spreadsheet would run as a formula
    is prefixed with ``'`` (:func:`~logicmodel.io.files.neutralise`); the reader removes it again.
    """
    if isinstance(data, ModelData):
        model, obs = data.model, data.observations
    else:
        model, obs = data, None
    if observations is not None:
        obs = observations
    numbers = _numbering(model)
    actual = _actual_table(model, obs)
    losses = rs_losses(model)
    if losses:
        warnings.warn(
            "RS sheets cannot hold all of model "
            f"{model.id!r}:\n" + "\n".join(f"- {x}" for x in losses),
            ConversionWarning,
            stacklevel=2,
        )
    meta = _metadata(model, project_id, year)
    frame = _sheet_3_1(model, numbers, actual, {c: meta[c] for c in (*COMMON_COLUMNS, *C_KPI)})
    edges = _sheet_3_2(model, numbers, meta)
    _write_both(path_3_1, path_3_2, frame, edges, overwrite=overwrite)
    return Path(path_3_1), Path(path_3_2)


def _metadata(model: LogicModel, project_id: str, year: int | None) -> dict[str, str]:
    """The 3-1 columns of the project (from the model's ``rs:`` tags and KPI refs), by header."""
    meta: dict[str, str] = dict.fromkeys(RS_3_1_COLUMNS, "")
    for tag in model.tags:
        if tag.startswith(_TAG_PREFIX) and "=" in tag:
            key, text = tag[len(_TAG_PREFIX) :].split("=", 1)
            if key in meta:
                meta[key] = text
    for ref in model.refs:
        for c, prefix in _REF_PREFIX.items():
            if ref.startswith(prefix):
                meta[c] = ref[len(prefix) :]
    meta[C_PROJECT] = str(project_id)
    meta[C_NAME] = model.title
    meta[C_MINISTRY] = model.owner or ""
    if year is not None:
        meta[C_YEAR] = str(year)
    return meta


def _sheet_3_1(
    model: LogicModel,
    numbers: dict[str, tuple[str, str]],
    actual: dict[tuple[str, int], tuple[float, float | None]],
    head: dict[str, str],
) -> pd.DataFrame:
    """The 3-1 rows: one per node without indicators, four per indicator."""
    rows: list[dict[str, str]] = []
    for node in model.nodes:
        number, kind = numbers[node.id]
        base = {**head, C_NO: number, C_KIND: _KIND_JA[kind], C_LABEL: node.label or ""}
        if isinstance(node, Outcome):
            base[C_STAGE] = _STAGE_JA[node.stage]
        elif node.kind == "impact":
            base[C_STAGE] = _STAGE_JA["long"]
        base[C_QUAL] = node.description or ""
        inds = model.indicators_of(node.id)
        if not inds:
            rows.append(base)
            continue
        for ind in inds:
            rows.extend(_indicator_rows(ind, base, kind, actual, model.fiscal_year_start))
    frame = pd.DataFrame(rows, columns=list(RS_3_1_COLUMNS), dtype=object).fillna("")
    text_cols = [c for c in RS_3_1_COLUMNS if not c.isdigit()]
    frame[text_cols] = frame[text_cols].map(neutralise)
    return frame


def _indicator_rows(
    ind: Indicator,
    base: dict[str, str],
    kind: str,
    actual: dict[tuple[str, int], tuple[float, float | None]],
    fys: int,
) -> tuple[dict[str, str], ...]:
    """An indicator's four rows: 1.目標年度, 2.目標値, 3.実績値, 4.達成率."""
    qual = ind.measure == "qualitative"
    common = {
        **base,
        C_IND: ind.name or "",
        C_UNIT: "" if qual else (ind.unit or ""),
        C_DIR: {"increase": "上向き", "decrease": "下向き"}.get(ind.direction or "", ""),
        C_SOURCE: ind.source or "",
        C_MEASURE: "定性的" if qual else ("定量的" if kind == "outcome" else ""),
        C_REASON: (ind.description or "") if qual else "",
    }
    r1, r2, r3, r4 = ({**common, C_ROW: _ROW_JA[t]} for t in (1, 2, 3, 4))
    if not qual:
        noted = [p for p in ind.targets if p.note == _TARGET_NOTE]
        final = ind.final_target
        marks = noted or ([final] if final is not None else [])
        for p in ind.targets:
            r2[str(_fy(p.period, f"indicator {ind.id!r} target", fys))] = _fmt(p.value)
        for p in marks:
            r1[str(_fy(p.period, f"indicator {ind.id!r} target", fys))] = "1"
        for (iid, y), (v, rate) in actual.items():
            if iid == ind.id and math.isfinite(v):
                r3[str(y)] = _fmt(v)
                if rate is not None:
                    r4[str(y)] = _fmt(round(rate * 100, 10))
    return r1, r2, r3, r4


def _sheet_3_2(
    model: LogicModel, numbers: dict[str, tuple[str, str]], meta: dict[str, str]
) -> pd.DataFrame:
    """The 3-2 rows: one per link, both ends by number, kind, stage, label and first indicator."""
    edge_rows: list[dict[str, str]] = []
    for link in model.links:
        row = {**{c: meta[c] for c in COMMON_COLUMNS}}
        for side, nid in enumerate((link.source, link.target)):
            node = model.node(nid)
            number, kind = numbers[nid]
            row[E2_NO[side]] = number
            row[E2_KIND[side]] = _KIND_JA[kind]
            row[E2_STAGE[side]] = (
                _STAGE_JA[node.stage]
                if isinstance(node, Outcome)
                else (_STAGE_JA["long"] if node.kind == "impact" else "")
            )
            row[E2_LABEL[side]] = node.label or ""
            first = model.indicators_of(nid)
            row[E2_IND[side]] = (first[0].name or "") if first else ""
        row[C_RATIONALE] = link.rationale or ""
        row[C_NOSTAGES] = model.description or ""
        edge_rows.append(row)
    edges = pd.DataFrame(edge_rows, columns=list(RS_3_2_COLUMNS), dtype=object).fillna("")
    return edges.map(neutralise)


def _write_both(
    path_3_1: PathLike,
    path_3_2: PathLike,
    frame: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    overwrite: bool,
) -> None:
    """Both files written and synced before either is renamed: a full disk changes neither."""
    for folder in {Path(path_3_1).parent, Path(path_3_2).parent}:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise write_error(
                err, path_3_1 if folder == Path(path_3_1).parent else path_3_2
            ) from err
    text_3_1 = frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    text_3_2 = edges.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    with (
        atomic_open(path_3_1, "wb", overwrite=overwrite) as f1,
        atomic_open(path_3_2, "wb", overwrite=overwrite) as f2,
    ):
        for fh, payload in ((f1, text_3_1), (f2, text_3_2)):
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
