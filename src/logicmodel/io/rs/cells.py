"""The year block of the 3-1 rows: its non-blank cells parsed and scaled (LM303, LM319), the
target points (LM316) and the observations with the published 達成率."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.io.rs.common import (
    _FLAG_VALUES,
    _ROW_JA,
    _TARGET_NOTE,
)
from logicmodel.io.rs.rows import _Groups, _Nodes, _Sheet
from logicmodel.io.rs.values import (
    _build,
    _check_years,
    _clean,
    _Findings,
    _fy_labels,
    _parse_numbers,
    _take_text,
)
from logicmodel.model import (
    Point,
)

_Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class _Cells:
    """The non-blank cells of the year block of quantitative groups, in (group, year) order."""

    r: _Array  # position in the groups' rows
    year: _Array
    text: _Array
    rtype: _Array  # row type 1-4
    g: _Array
    line: _Array
    values: _Array  # parsed, in the sheet's unit
    missing: _Array
    bad: _Array
    flag: _Array  # a 目標年度 mark
    scaled: _Array  # in the indicator's unit
    overflow: _Array

    @property
    def ok(self) -> _Array:
        return ~self.missing & ~self.bad & ~self.overflow

    @property
    def key(self) -> _Array:
        """(group, year) as one integer."""
        return self.g.astype(np.int64) * 100_000 + self.year


def _value_cells(sheet: _Sheet, groups: _Groups) -> _Cells:
    ind = groups.rows
    pieces_r: list[_Array] = []
    pieces_y: list[_Array] = []
    pieces_t: list[_Array] = []
    quant_rows = ~groups.qual[ind["_gid"].to_numpy()] if len(ind) else np.zeros(0, dtype=bool)
    for col, yr in zip(sheet.year_cols, sheet.years, strict=True):
        s = ind[col]
        mask = (s != "").to_numpy() & quant_rows
        if mask.any():
            idx = np.flatnonzero(mask)
            pieces_r.append(idx)
            pieces_y.append(np.full(len(idx), yr, dtype=np.int64))
            pieces_t.append(s.iloc[idx].to_numpy(dtype=object))
    if pieces_r:
        cell_r = np.concatenate(pieces_r)
        cell_y = np.concatenate(pieces_y)
        cell_t = np.concatenate(pieces_t)
    else:
        cell_r = np.zeros(0, dtype=np.int64)
        cell_y = np.zeros(0, dtype=np.int64)
        cell_t = np.zeros(0, dtype=object)
    # cells in (group, year) order: targets come out sorted, observations nearly so
    by_cell = np.lexsort((cell_y, cell_r))
    cell_r, cell_y, cell_t = cell_r[by_cell], cell_y[by_cell], cell_t[by_cell]
    cell_type = ind["_rtype"].to_numpy()[cell_r]
    cell_g = ind["_gid"].to_numpy()[cell_r]
    text_s = pd.Series(cell_t, dtype=object)
    values, missing, bad = _parse_numbers(text_s)
    is_flag_row = cell_type == 1
    flag = np.zeros(len(text_s), dtype=bool)
    flag_rows = np.flatnonzero(is_flag_row)
    flag[flag_rows] = _clean(text_s.iloc[flag_rows]).isin(_FLAG_VALUES).to_numpy()
    # on 目標年度 rows, "0" and dashes mean "not a target year"; other text is a finding
    bad = np.where(is_flag_row, ~flag & ~missing & ~(values == 0), bad)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values * groups.scale[cell_g]
    return _Cells(
        r=cell_r,
        year=cell_y,
        text=cell_t,
        rtype=cell_type,
        g=cell_g,
        line=ind["_row"].to_numpy()[cell_r],
        values=values,
        missing=missing,
        bad=bad,
        flag=flag,
        scaled=scaled,
        overflow=~is_flag_row & ~missing & ~bad & ~np.isfinite(scaled),
    )


def _cell_findings(cells: _Cells, groups: _Groups, name: str, found: _Findings) -> None:
    """LM303 for text or overflowing numbers; LM319 for ``*`` read as no actual value."""
    bad = cells.bad
    for k in np.flatnonzero(bad | cells.overflow)[:10_000]:
        g = int(cells.g[k])
        rname = _ROW_JA[int(cells.rtype[k])]
        what = "non-numeric value" if bad[k] else "value too large (not finite once scaled)"
        found.add(
            "LM303",
            name,
            int(cells.line[k]),
            f"{what} {cells.text[k]!r} in {rname} of indicator {groups.ind_id[g]!r}",
            f"指標 {groups.ind_id[g]!r} の{rname}に数値でない値 {cells.text[k]!r} があります",
            column=str(cells.year[k]),
            ids=groups.ids(g),
        )
    # ＊ / * in 実績値 is read as no value, but said (issue 12: never "read as nothing" silently)
    text_s = pd.Series(cells.text, dtype=object)
    star = cells.missing & (cells.rtype == 3) & _clean(text_s).isin(("*", "＊")).to_numpy()
    for k in np.flatnonzero(star)[:1000]:
        g = int(cells.g[k])
        found.add(
            "LM319",
            name,
            int(cells.line[k]),
            f"{cells.text[k]!r} in 3.実績値 of indicator {groups.ind_id[g]!r} is read as no value (not 0)",
            f"指標 {groups.ind_id[g]!r} の3.実績値の {cells.text[k]!r} を値なしとして読みました（0ではありません）",
            column=str(cells.year[k]),
            ids=groups.ids(g),
        )


def _target_points(
    cells: _Cells, groups: _Groups, name: str, found: _Findings
) -> tuple[list[Point], _Array]:
    """The target points of every group (one frozen ``Point`` per distinct year, value and
    note, shared by indicators) and where each group's points start; LM316 for a 目標年度 mark
    without a 目標値."""
    key = cells.key
    is_target = cells.ok & (cells.rtype == 2)
    t_key = key[is_target]
    flag_key = key[cells.flag]
    t_flag = np.isin(t_key, flag_key)
    flag_g, flag_y, flag_line = cells.g[cells.flag], cells.year[cells.flag], cells.line[cells.flag]
    for k in np.flatnonzero(~np.isin(flag_key, t_key)).tolist():
        g, yr, line = int(flag_g[k]), int(flag_y[k]), int(flag_line[k])
        found.add(
            "LM316",
            name,
            line,
            f"indicator {groups.ind_id[g]!r}: {yr} is marked as the target year but has no 目標値",
            f"{yr}年度は目標年度ですが目標値がありません",
            column=str(yr),
            ids=groups.ids(g),
        )
    t_g = cells.g[is_target]
    t_year = cells.year[is_target]
    t_value = cells.scaled[is_target]
    _check_years(np.unique(t_year), name)
    codes = (
        pd.DataFrame({"y": t_year, "v": t_value.view(np.int64), "f": t_flag})
        .groupby(["y", "v", "f"], sort=False)
        .ngroup()
        .to_numpy()
    )
    _, u_first = np.unique(codes, return_index=True)
    u_points = [
        _build(Point, {"period": f"FY{y}", "value": v, "note": _TARGET_NOTE if f else None})
        for y, v, f in zip(
            t_year[u_first].tolist(),
            t_value[u_first].tolist(),
            t_flag[u_first].tolist(),
            strict=True,
        )
    ]
    points = [u_points[c] for c in codes.tolist()]
    return points, np.searchsorted(t_g, np.arange(len(groups.ind_id) + 1))


def _observations(
    cells: _Cells, groups: _Groups, nodes: _Nodes, sheet: _Sheet, found: _Findings
) -> tuple[pd.DataFrame, _Array]:
    """The actuals with the published 達成率 beside them (LM316 for a 達成率 without an
    actual), by project, indicator id and year; and the project code of each row."""
    key, ok = cells.key, cells.ok
    actuals = pd.DataFrame(
        {
            "key": key,
            "g": cells.g,
            "year": cells.year,
            "value": cells.scaled,
            "line": cells.line,
            "r": cells.r,
        }
    )[ok & (cells.rtype == 3)]
    is_rate = ok & (cells.rtype == 4)
    rates = pd.DataFrame(
        {"key": key[is_rate], "reported_achievement": cells.values[is_rate] / 100.0}
    ).drop_duplicates("key")
    orphan = ~np.isin(key[is_rate], actuals["key"].to_numpy())
    rate_g, rate_y, rate_line = cells.g[is_rate], cells.year[is_rate], cells.line[is_rate]
    for k in np.flatnonzero(orphan).tolist():
        g, yr, line = int(rate_g[k]), int(rate_y[k]), int(rate_line[k])
        found.add(
            "LM316",
            sheet.name,
            line,
            f"indicator {groups.ind_id[g]!r}: 達成率 for {yr} without a 実績値; not kept",
            f"{yr}年度の達成率に対応する実績値がありません",
            column=str(yr),
            ids=groups.ids(g),
        )
    obs = actuals.merge(rates, on="key", how="left", sort=False)
    og = obs["g"].to_numpy(dtype=np.int64)
    oyear = obs["year"].to_numpy(dtype=np.int64)
    # within a project: by indicator id, then year (the order of read_rs since its first version)
    id_rank = np.unique(groups.ind_id.astype(str), return_inverse=True)[1]
    o_pc = nodes.pc[groups.nc[og]]
    o_order = np.lexsort((oyear, id_rank[og], o_pc))
    og, oyear, o_pc = og[o_order], oyear[o_order], o_pc[o_order]
    obs = obs.iloc[o_order]
    observations = pd.DataFrame(
        {
            "indicator": _take_text(groups.ind_id, og),
            "period": pd.array(_fy_labels(oyear), dtype="str"),
            "value": obs["value"].to_numpy(dtype=float),
            "unit": _take_text(groups.unit, og),
            "kind": _take_text(np.array(["actual"], dtype=object), np.zeros(len(og), np.int64)),
            "source_row": obs["line"].to_numpy(dtype=np.int64),
            "project": _take_text(groups.pid, og),
            "reported_achievement": obs["reported_achievement"].to_numpy(dtype=float),
        }
    )
    if sheet.unknown:
        rows = obs["r"].to_numpy(dtype=np.int64)
        for c in sheet.unknown:
            observations[c] = groups.rows[c].array.take(rows)
    return observations, o_pc
