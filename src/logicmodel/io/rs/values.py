"""Cell values and whole-column checks of the RS tables; models built from checked values."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel

from logicmodel.errors import (
    FormatError,
    ModelError,
    PeriodError,
    UnitError,
    nearest,
)
from logicmodel.intake.values import parse_numbers
from logicmodel.io.rs.common import (
    _REF_PREFIX,
    _TAG_PREFIX,
    C_KPI,
    C_MINISTRY,
    C_NAME,
    C_NO,
    C_PROJECT,
    C_YEAR,
    COMMON_COLUMNS,
    RS_FINDING_CODES,
    _nfkc,
    _project_key,
)
from logicmodel.issues import Issue
from logicmodel.model.base import MAX_ID_LENGTH
from logicmodel.model.vocabulary import STAGE_WORDS_JA
from logicmodel.periods import parse_period
from logicmodel.units import (
    normalize_rs_unit,
    normalize_unit_text,
    parse_unit,
)


# ------------------------------------------------------------------------------------ values
def _clean(series: pd.Series) -> pd.Series:
    """Stripped, NFKC-normalised text; computed once per distinct value (columns repeat a lot)."""
    s = series.astype(str)
    return s.map({u: _nfkc(u).strip() for u in s.unique()}).astype(str)


def _parse_numbers(
    text: pd.Series,
) -> tuple[
    np.ndarray[Any, np.dtype[np.float64]],
    np.ndarray[Any, np.dtype[np.bool_]],
    np.ndarray[Any, np.dtype[np.bool_]],
]:
    """(values, missing, bad) for raw cell texts by the one rule of :mod:`logicmodel.intake.values`
    (blank/dash → missing; text → bad; each distinct text parsed once)."""
    return parse_numbers(text.to_numpy(dtype=object))


def _stage_of(text: str) -> str | None:
    s = re.sub(r"\s+", "", _nfkc(text))
    s = re.sub(r"^[0-9]+[.)]?", "", s)
    for stage, words in STAGE_WORDS_JA.items():
        if any(w in s for w in words):
            return stage
    return None


def _direction_of(text: str) -> str | None:
    s = re.sub(r"\s+", "", _nfkc(text))
    if "上向" in s or s in {"↑", "増加"}:
        return "increase"
    if "下向" in s or s in {"↓", "減少"}:
        return "decrease"
    return None


def _row_type(text: str) -> int:
    s = re.sub(r"\s+", "", _nfkc(text))
    if not s:
        return 0
    for word, code in (("目標年度", 1), ("目標値", 2), ("実績値", 3), ("達成率", 4)):
        if word in s:
            return code
    m = re.match(r"^([1-4])\.?$", s)
    return int(m.group(1)) if m else -1


def _number_id(text: str) -> str:
    s = _nfkc(text).strip()
    if s.isdigit():
        return str(int(s))
    return re.sub(r"\W+", "_", s).strip("_")


def _fmt(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


# ------------------------------------------------------------------------------------ reading
class _Findings:
    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(
        self,
        code: str,
        source: str,
        row: int | None,
        message: str,
        message_ja: str,
        *,
        column: str | None = None,
        ids: tuple[str, ...] = (),
    ) -> None:
        severity = RS_FINDING_CODES[code][0]
        where = Path(source.rsplit("!", maxsplit=1)[-1]).name + (
            f" row {row}" if row is not None else ""
        )
        if column is not None:
            where += f", {column}"
        self.items.append(
            Issue(code, severity, where, message, message_ja, row=row, column=column, ids=ids)
        )


def _first_non_blank(df: pd.DataFrame, by: str, cols: list[str]) -> dict[str, np.ndarray[Any, Any]]:
    """First non-blank (stripped) text of each column per value of ``by``, or ``None``.

    ``by`` holds ``0 … n-1`` in ascending order (every value present). Only the first non-empty
    cell of each group is converted and stripped; groups whose pick is whitespace only (rare)
    go through a full ``strip``.
    """
    keys = df[by].to_numpy()
    n = int(keys[-1]) + 1 if len(keys) else 0
    out: dict[str, np.ndarray[Any, Any]] = {}
    for c in cols:
        col = df[c].astype(str)
        filled = np.flatnonzero((col != "").to_numpy(dtype=bool))
        k = keys[filled]
        first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else filled
        rows = filled[first]
        picked = [v.strip() for v in col.iloc[rows].tolist()]
        if not all(picked):  # a whitespace-only cell came first: strip the whole column
            stripped = col.str.strip()
            filled = np.flatnonzero((stripped != "").to_numpy(dtype=bool))
            k = keys[filled]
            first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else filled
            rows = filled[first]
            picked = stripped.iloc[rows].tolist()
        values = np.full(n, None, dtype=object)
        values[keys[rows]] = picked
        out[c] = values
    return out


def _take_text(values: np.ndarray[Any, Any], index: np.ndarray[Any, Any]) -> Any:
    """``values[index]`` as a ``str`` array, converting each of the (few) values once."""
    return pd.array(values, dtype="str").take(index)


def _fy_labels(years: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``FY{year}`` for an array of years, formatted once per distinct year."""
    uniq, inverse = np.unique(years, return_inverse=True)
    return np.array([f"FY{y}" for y in uniq.tolist()], dtype=object)[inverse]


def _isin(values: pd.Series, known: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """``values.isin(known)`` through a hash table (the ``str`` dtype's ``isin`` boxes every
    value of ``known`` as an Arrow scalar: seconds for 100,000 keys)."""
    index = pd.Index(pd.unique(np.asarray(known, dtype=object)), dtype=object)
    return np.asarray(index.get_indexer(values.to_numpy(dtype=object)) >= 0, dtype=bool)


def _texts(series: pd.Series) -> list[Any]:
    """The values as a list with ``None`` for missing (pandas 3 keeps text columns as ``str``)."""
    values: list[Any] = cast("Any", series).to_numpy(dtype=object, na_value=None).tolist()
    return values


def _blank_to_nan(series: pd.Series) -> pd.Series:
    s = series.astype(str).str.strip()
    return s.where(s != "")


# -- bulk checks: every field the models would validate, checked once on whole columns --------
_MAX_TEXT = 10_000  # the ``Text`` limit of the model layer
_MAX_NODE_ID = MAX_ID_LENGTH - 4  # room for the indicator suffix ``_i99``


def _is_id(text: str, limit: int = MAX_ID_LENGTH) -> bool:
    return len(text) <= limit and text.isidentifier() and not text.startswith("__")


def _text_limits(columns: Iterable[str]) -> dict[str, int]:
    """Column → longest stripped text it may hold once it becomes a label, tag or reference."""
    out: dict[str, int] = {}
    for c in columns:
        if c in C_KPI:
            out[c] = _MAX_TEXT - len(_REF_PREFIX[c])
        elif c in COMMON_COLUMNS and c not in (C_NAME, C_MINISTRY):
            out[c] = _MAX_TEXT - len(f"{_TAG_PREFIX}{c}=")
        else:
            out[c] = _MAX_TEXT
    return out


def _check_text(df: pd.DataFrame, name: str, limits: dict[str, int]) -> None:
    """Raise :class:`FormatError` at the first cell whose text is longer than its field allows."""
    for c, limit in limits.items():
        if c not in df.columns:
            continue
        col = df[c].astype(str)
        lengths = np.asarray(col.str.len().fillna(0), dtype=np.int64)
        for k in np.flatnonzero(lengths > limit).tolist():
            n = len(str(col.iat[k]).strip())
            if n > limit:
                raise FormatError(
                    f"text of {n:,} characters; the limit is {limit:,}",
                    path=name,
                    row=int(df["_row"].to_numpy()[k]),
                    column=c,
                )


def _rs_unit(text: str) -> tuple[str | None, float, str | None]:
    """(canonical unit, scale, None) for a unit cell, or (None, 1.0, why) when it is no unit.

    The canonical text is checked as ``Indicator.unit`` would check it (NFKC form, parses).
    """
    try:
        canon, scale = normalize_rs_unit(text)
        if normalize_unit_text(canon) != canon:
            raise UnitError(f"unit {text!r} has no canonical form", text=text)
        parse_unit(canon)
    except UnitError as err:
        return None, 1.0, str(err)
    if not (math.isfinite(scale) and scale > 0):
        return None, 1.0, f"unit {text!r} has scale {scale!r}"
    return canon, scale, None


def _check_years(years: Iterable[int], name: str) -> None:
    """Target periods are written ``FY{year}``: each must be its own canonical period label."""
    for y in years:
        label = f"FY{y}"
        try:
            ok = parse_period(label).label == label
        except PeriodError:
            ok = False
        if not ok:
            raise FormatError(
                f"year column {y} is not a fiscal year a target can have", path=name, column=str(y)
            )


def _check_references(
    name: str,
    *,
    nodes: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]],
    indicators: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]],
    measures: np.ndarray[Any, Any],
    links: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]],
) -> None:
    """What ``LogicModel``'s reference validator checks, for every project at once.

    ``nodes`` and ``indicators`` are (project, id, CSV row) arrays, ``measures`` the node each
    indicator measures, ``links`` (project, source, target). Ids must be identifiers, unique per
    project across nodes and indicators; measures and link ends name nodes of the same project;
    no link is a self link or given twice.

    Raises
    ------
    FormatError
        An id the sheet's numbers make twice (``番号 1_i1`` of an activity is also the id of the
        first indicator of activity 1) or an id that is no identifier (names the row).
    ModelError
        A broken reference (a reader bug: the reader only makes references it has checked).
    """
    pc = np.concatenate([nodes[0], indicators[0]]).astype(np.int64)
    ids = np.concatenate([nodes[1], indicators[1]]).astype(object)
    rows = np.concatenate([nodes[2], indicators[2]]).astype(np.int64)
    for u in pd.unique(ids):
        if not _is_id(str(u)):
            k = int(np.flatnonzero(ids == u)[0])
            raise FormatError(
                f"the node number makes the id {u!r}, which is not an identifier of at most "
                f"{MAX_ID_LENGTH} characters",
                path=name,
                row=int(rows[k]),
                column=C_NO,
            )
    keys = pd.Series(pc).astype(str) + "\x1f" + pd.Series(ids, dtype=object).astype(str)
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise FormatError(
            f"the node numbers make the id {ids[k]!r} twice in one project (a node and an "
            "indicator, ids are unique); renumber the node",
            path=name,
            row=int(rows[k]),
            column=C_NO,
        )
    node_keys = keys.iloc[: len(nodes[0])]

    def known(project: np.ndarray[Any, Any], ref: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        k = pd.Series(project).astype(str) + "\x1f" + pd.Series(ref, dtype=object).astype(str)
        return _isin(k, node_keys)

    l_pc, l_src, l_dst = links
    pairs = pd.DataFrame({"p": l_pc, "s": l_src, "t": l_dst})
    broken = [
        (indicators[1], ~known(indicators[0], measures), "measures an unknown node"),
        (l_src, ~known(l_pc, l_src), "starts at an unknown node"),
        (l_src, ~known(l_pc, l_dst), "ends at an unknown node"),
        (l_src, np.asarray(l_src == l_dst, dtype=bool), "is a self link"),
        (l_src, pairs.duplicated().to_numpy(), "is given twice"),
    ]
    for what, bad, text in broken:
        if bad.any():
            raise ModelError(f"{name}: {what[bad][0]!r} {text} (RS reader reference check)")


_M = TypeVar("_M", bound=BaseModel)


@functools.cache
def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Every field of ``cls`` in definition order with its default (``None`` when required)."""
    return {
        name: None if field.is_required() else field.get_default(call_default_factory=True)
        for name, field in cls.model_fields.items()
    }


def _build(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of ``cls`` from values already checked in bulk (what ``model_construct`` does).

    The reader checks every field on whole columns first (:func:`_check_text`,
    :func:`_check_references`, :func:`_rs_unit`, :func:`_check_years`, ids). pydantic's
    ``model_construct`` resolves aliases and copies defaults on every call, which makes it slower
    than validation for classes with many defaulted fields (``Indicator``: 36 µs against 13 µs);
    this sets the same four attributes from a per-class template (~2 µs). The objects equal
    validated ones, ``model_fields_set`` included: tests check
    ``LogicModel.model_validate(m.model_dump()) == m`` for every project read.
    """
    data = _defaults(cls) | values
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _near(name: str, known: Iterable[str]) -> str:
    near = nearest(name, known)
    return (
        "; nodes defined: " + ", ".join(repr(n) for n in near)
        if near
        else "; the project has no nodes"
    )


def _model_id(project: str) -> str:
    s = re.sub(r"\W+", "_", _nfkc(project)).strip("_") or "project"
    return ("rs_" + s)[:64]


def _filter_year(df: pd.DataFrame, year: int, name: str) -> pd.DataFrame:
    col = df[C_YEAR].astype(str)
    key = {u: re.sub(r"\D", "", _nfkc(u)) for u in col.unique()}
    keep = col.map(key) == str(year)
    if not keep.any():
        present = sorted({v for v in key.values() if v})
        raise FormatError(
            f"no rows with 事業年度 {year}; years present: {', '.join(present) or 'none'}",
            path=name,
            column=C_YEAR,
        )
    return df[keep.to_numpy()]


def _select_project(df: pd.DataFrame, project: str | int, name: str) -> pd.DataFrame:
    col = df[C_PROJECT].astype(str)
    keys = col.map({u: _project_key(u) for u in col.unique()})
    keep = keys == _project_key(str(project))
    if not keep.any():
        ids = [str(u).strip() for u in col.unique() if str(u).strip()]
        near = nearest(str(project), ids)
        raise FormatError(
            f"予算事業ID {str(project)!r} is not in this file; nearest ids: "
            + (", ".join(repr(n) for n in near) if near else "none (the file has no projects)"),
            path=name,
            column=C_PROJECT,
        )
    return df[keep.to_numpy()]
