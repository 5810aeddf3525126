"""The 3-1 rows: node keys (LM314), each project's rows together, the nodes and the indicator
groups with their units (LM311) and directions (LM315)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.io.rs.common import (
    _KIND_OF,
    _REQUIRED_3_1,
    C_DIR,
    C_IND,
    C_KIND,
    C_KPI,
    C_LABEL,
    C_MEASURE,
    C_NO,
    C_PROJECT,
    C_QUAL,
    C_REASON,
    C_ROW,
    C_SOURCE,
    C_STAGE,
    C_UNIT,
    COMMON_COLUMNS,
    RS_3_1_COLUMNS,
    _nfkc,
)
from logicmodel.io.rs.files import _is_year, _read_table, _Source
from logicmodel.io.rs.values import (
    _MAX_NODE_ID,
    _check_text,
    _clean,
    _direction_of,
    _filter_year,
    _Findings,
    _first_non_blank,
    _is_id,
    _number_id,
    _row_type,
    _rs_unit,
    _select_project,
    _text_limits,
)

_Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class _Sheet:
    """The 3-1 rows kept, each project's rows together, with their node keys (``_pid``,
    ``_kind``, ``_node``, ``_rtype``, ``_row``) and codes (``_nc`` node, ``_pc`` project)."""

    name: str
    df: pd.DataFrame
    unknown: list[str]
    """Columns the reader does not know: they ride along with the observations."""
    year_cols: list[str]
    years: list[int]


def _read_sheet(
    s1: _Source, *, year: int | None, project: str | int | None, found: _Findings
) -> _Sheet:
    known_1 = tuple(c for c in RS_3_1_COLUMNS if not c.isdigit())
    df, unknown = _read_table(s1, "3-1 (効果発現経路_目標・実績)", _REQUIRED_3_1, known_1)
    df["_row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    year_cols = [str(c) for c in df.columns if _is_year(str(c))]
    years = [int(_nfkc(c).strip().removesuffix("年度")) for c in year_cols]
    if year is not None:
        df = _filter_year(df, year, s1.name)
    if project is not None:
        df = _select_project(df, project, s1.name)
    df = _node_keys(df, s1.name, found)
    _check_text(
        df,
        s1.name,
        _text_limits([C_LABEL, C_QUAL, C_IND, C_SOURCE, C_REASON, *COMMON_COLUMNS, *C_KPI]),
    )
    return _Sheet(s1.name, _in_project_order(df), unknown, year_cols, years)


def _node_keys(df: pd.DataFrame, name: str, found: _Findings) -> pd.DataFrame:
    """Each row's project, kind, node id and row type (vectorised: mappings built over the few
    distinct values); rows that have none are skipped with an LM314 finding."""
    pid = df[C_PROJECT].astype(str).str.strip()
    kind_raw = _clean(df[C_KIND])
    kind = kind_raw.map({u: _KIND_OF.get(re.sub(r"\s+", "", u)) for u in kind_raw.unique()})
    num_raw = df[C_NO].astype(str)
    num = num_raw.map({u: _number_id(u) for u in num_raw.unique()}).astype(str)
    rtype = (
        df[C_ROW]
        .astype(str)
        .map({u: _row_type(u) for u in df[C_ROW].astype(str).unique()})
        .astype(np.int64)
    )
    node_id = kind.fillna("x").astype(str) + "_" + num
    id_ok = node_id.map({u: _is_id(u, _MAX_NODE_ID) for u in node_id.unique()}).astype(bool)
    bad_row = (pid == "") | kind.isna() | (num == "") | ~id_ok | (rtype < 0)
    if bad_row.any():
        for k in np.flatnonzero(bad_row.to_numpy())[:1000]:
            what, col = _why_skipped(df, k, pid=pid, kind=kind, num=num, id_ok=id_ok, node=node_id)
            found.add(
                "LM314",
                name,
                int(df["_row"].to_numpy()[k]),
                f"{what}; row skipped",
                "解釈できない行のため読み飛ばしました",
                column=col,
                ids=(str(pid.iat[k]),) if pid.iat[k] else (),
            )
        keep = ~bad_row.to_numpy()
        df, pid, kind, node_id, rtype = df[keep], pid[keep], kind[keep], node_id[keep], rtype[keep]
    return df.assign(
        _pid=pid.to_numpy(),
        _kind=kind.to_numpy(),
        _node=node_id.to_numpy(),
        _rtype=rtype.to_numpy(),
    )


def _why_skipped(
    df: pd.DataFrame,
    k: int,
    *,
    pid: pd.Series,
    kind: pd.Series,
    num: pd.Series,
    id_ok: pd.Series,
    node: pd.Series,
) -> tuple[str, str]:
    """Why row position ``k`` has no node key, and the column to blame."""
    if pid.iat[k] == "":
        return "予算事業ID is blank", C_PROJECT
    if kind.isna().iat[k]:
        return (
            f"種別 {df[C_KIND].iat[k]!r} is not アクティビティ, アウトプット or アウトカム",
            C_KIND,
        )
    if num.iat[k] == "":
        return "the node number is blank", C_NO
    if not id_ok.iat[k]:
        return (
            f"the node number {df[C_NO].iat[k]!r} gives the id {node.iat[k]!r}, "
            f"which is not an identifier of at most {_MAX_NODE_ID} characters",
            C_NO,
        )
    return f"row type {df[C_ROW].iat[k]!r} is not 1.目標年度, 2.目標値, 3.実績値 or 4.達成率", C_ROW


def _in_project_order(df: pd.DataFrame) -> pd.DataFrame:
    """Projects in order of appearance, each one contiguous; its nodes in order of appearance;
    ``_nc`` numbers the nodes and ``_pc`` the projects (both ascending through the frame)."""
    pcode0 = pd.factorize(df["_pid"])[0]
    ncode0 = pd.factorize(df["_pid"] + "\x1f" + df["_node"])[0]
    order = np.lexsort((ncode0, pcode0))
    if (order != np.arange(len(order))).any():  # usually each project's rows are together
        df = df.iloc[order]
    df["_nc"] = pd.factorize(ncode0[order])[0]
    df["_pc"] = pcode0[order]
    return df


def _project_ids(df: pd.DataFrame) -> _Array:
    """The 予算事業ID of each project code, as written."""
    pc_all = df["_pc"].to_numpy()
    n_projects = int(pc_all[-1]) + 1 if len(pc_all) else 0
    return df["_pid"].to_numpy(dtype=object)[np.searchsorted(pc_all, np.arange(n_projects))]


@dataclass(frozen=True)
class _Nodes:
    """One entry per node code ``_nc`` (0 … n-1): project code, id, kind, first CSV row and the
    first non-blank label, stage, qualitative text, measure and reason."""

    pc: _Array
    id: _Array
    kind: _Array
    row: _Array
    attrs: dict[str, _Array]

    @property
    def n(self) -> int:
        return len(self.id)


def _node_table(df: pd.DataFrame) -> _Nodes:
    nc_all = df["_nc"].to_numpy()
    n_nodes = int(nc_all[-1]) + 1 if len(nc_all) else 0
    n_first = np.searchsorted(nc_all, np.arange(n_nodes))
    return _Nodes(
        pc=df["_pc"].to_numpy()[n_first],
        id=df["_node"].to_numpy(dtype=object)[n_first],
        kind=df["_kind"].to_numpy(dtype=object)[n_first],
        row=df["_row"].to_numpy()[n_first],
        attrs=_first_non_blank(df, "_nc", [C_LABEL, C_STAGE, C_QUAL, C_MEASURE, C_REASON]),
    )


@dataclass(frozen=True)
class _Groups:
    """The indicators of the sheet, one per group of rows (``_gid`` of ``rows``): node code,
    id, first CSV row, project, whether it is 定性的, unit with its scale, and direction."""

    rows: pd.DataFrame
    nc: _Array
    ind_id: _Array
    attrs: dict[str, _Array]
    row: _Array
    pid: _Array
    qual: _Array
    unit: _Array
    scale: _Array
    direction: _Array

    def ids(self, g: int) -> tuple[str, str]:
        """The ids a finding about group ``g`` names: project and indicator."""
        return (str(self.pid[g]), str(self.ind_id[g]))


def _indicator_groups(sheet: _Sheet, found: _Findings) -> _Groups:
    """Indicator rows grouped: a new group when the node changes, the row type does not
    increase, or the indicator name changes; the k-th group of a node is ``{node}_i{k}``."""
    ind_cols = [
        *("_nc", "_rtype", "_row", "_pid", "_node"),
        *(C_IND, C_UNIT, C_DIR, C_SOURCE, C_MEASURE, C_REASON),
        *sheet.year_cols,
        *sheet.unknown,
    ]
    df = sheet.df
    ind = df.loc[(df["_rtype"] > 0).to_numpy(), list(dict.fromkeys(ind_cols))]
    nc = ind["_nc"].to_numpy()
    rt = ind["_rtype"].to_numpy()
    names = _clean(ind[C_IND]).to_numpy(dtype=object)
    new = np.ones(len(ind), dtype=bool)
    if len(ind) > 1:
        prev_named = names[:-1] != ""
        this_named = names[1:] != ""
        new[1:] = (
            (nc[1:] != nc[:-1])
            | (rt[1:] <= rt[:-1])
            | (prev_named & this_named & (names[1:] != names[:-1]))
        )
    ind = ind.assign(_gid=np.cumsum(new) - 1)
    first = ind.loc[new, ["_nc", "_row", "_pid", "_node"]]
    k_in_node = first.groupby("_nc", sort=False).cumcount().to_numpy() + 1
    g_ind_id = (
        first["_node"].astype(str) + "_i" + pd.Series(k_in_node, index=first.index).astype(str)
    ).to_numpy(dtype=object)
    g_attrs = _first_non_blank(ind, "_gid", [C_IND, C_UNIT, C_DIR, C_SOURCE, C_MEASURE, C_REASON])
    g_row = first["_row"].to_numpy()
    g_pid = first["_pid"].to_numpy(dtype=object)
    g_qual = np.array(
        ["定性" in _nfkc(m) if m is not None else False for m in g_attrs[C_MEASURE]], dtype=bool
    )
    where = (sheet.name, g_row, g_pid, g_ind_id)
    g_unit, g_scale = _group_units(g_attrs[C_UNIT], g_qual, where, found)
    return _Groups(
        rows=ind,
        nc=first["_nc"].to_numpy(),
        ind_id=g_ind_id,
        attrs=g_attrs,
        row=g_row,
        pid=g_pid,
        qual=g_qual,
        unit=g_unit,
        scale=g_scale,
        direction=_group_directions(g_attrs[C_DIR], where, found),
    )


_Where = tuple[str, _Array, _Array, _Array]
"""File name and, per group, CSV row, project and indicator id: where a group finding points."""


def _group_units(
    raw: _Array, qual: _Array, where: _Where, found: _Findings
) -> tuple[_Array, _Array]:
    """Each group's unit and scale, parsed once per distinct text; LM311 for the failures."""
    name, g_row, g_pid, g_ind_id = where
    unit_map: dict[str, tuple[str | None, float, str | None]] = {}
    for u in pd.unique(raw[pd.notna(raw)]):
        unit_map[str(u)] = _rs_unit(str(u))
    g_unit = np.full(len(raw), None, dtype=object)
    g_scale = np.ones(len(raw))
    for g in np.flatnonzero(pd.notna(raw) & ~qual).tolist():
        u = str(raw[g])
        g_unit[g], g_scale[g], why = unit_map[u]
        if why is not None:
            found.add(
                "LM311",
                name,
                int(g_row[g]),
                f"indicator {g_ind_id[g]!r}: {why}; kept without unit",
                f"指標 {g_ind_id[g]!r} の単位 {u!r} を解釈できないため単位なしとしました",
                column=C_UNIT,
                ids=(str(g_pid[g]), str(g_ind_id[g])),
            )
    return g_unit, g_scale


def _group_directions(dir_raw: _Array, where: _Where, found: _Findings) -> _Array:
    """Each group's direction, parsed once per distinct text; LM315 for the failures."""
    name, g_row, g_pid, g_ind_id = where
    dir_map = {str(u): _direction_of(str(u)) for u in pd.unique(dir_raw[pd.notna(dir_raw)])}
    g_dir = np.array([None if d is None else dir_map[str(d)] for d in dir_raw], dtype=object)
    for g in np.flatnonzero(pd.notna(dir_raw) & pd.isna(g_dir)).tolist():
        d = dir_raw[g]
        found.add(
            "LM315",
            name,
            int(g_row[g]),
            f"indicator {g_ind_id[g]!r}: direction {d!r} is not 上向き or 下向き; left unset",
            f"改善の向き {d!r} を解釈できません",
            column=C_DIR,
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    return g_dir
