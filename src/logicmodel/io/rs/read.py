"""Reading a project: ``read_rs``/``read_rs_report`` build the model, indicators, observations."""

from __future__ import annotations

import re
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from logicmodel.errors import (
    FormatError,
)
from logicmodel.io.data import ModelData
from logicmodel.io.rs.common import (
    _FLAG_VALUES,
    _KIND_OF,
    _REF_PREFIX,
    _REQUIRED_3_1,
    _ROW_JA,
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
    C_PROJECT,
    C_QUAL,
    C_REASON,
    C_ROW,
    C_SOURCE,
    C_STAGE,
    C_UNIT,
    COMMON_COLUMNS,
    RS_3_1_COLUMNS,
    PathLike,
    RSRead,
    _nfkc,
    _project_key,
)
from logicmodel.io.rs.files import _is_year, _read_table, _resolve
from logicmodel.io.rs.links import _place_links, _read_links
from logicmodel.io.rs.values import (
    _MAX_NODE_ID,
    _build,
    _check_references,
    _check_text,
    _check_years,
    _clean,
    _direction_of,
    _filter_year,
    _Findings,
    _first_non_blank,
    _fy_labels,
    _is_id,
    _model_id,
    _number_id,
    _parse_numbers,
    _row_type,
    _rs_unit,
    _select_project,
    _stage_of,
    _take_text,
    _text_limits,
)
from logicmodel.issues import Report
from logicmodel.model import (
    Activity,
    Indicator,
    Link,
    LogicModel,
    Outcome,
    Output,
    Point,
)
from logicmodel.model.base import check_id
from logicmodel.units import (
    is_percent,
)


@overload
def read_rs(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    project: None = None,
    *,
    year: int | None = None,
    errors: Literal["collect", "raise"] = "collect",
) -> dict[str, ModelData]: ...
@overload
def read_rs(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    project: str | int = ...,
    *,
    year: int | None = None,
    errors: Literal["collect", "raise"] = "collect",
) -> ModelData: ...
def read_rs(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    project: str | int | None = None,
    *,
    year: int | None = None,
    errors: Literal["collect", "raise"] = "collect",
) -> dict[str, ModelData] | ModelData:
    """Read RS System 3-1 (and 3-2) CSVs into one :class:`ModelData` per 予算事業ID.

    Parameters
    ----------
    sheet_3_1
        The ``3-1_RS_…_効果発現経路_目標・実績.csv`` file (UTF-8 with BOM, or cp932), the ZIP as
        downloaded (members found by name), or a folder holding the files.
    sheet_3_2
        The ``3-2_RS_…_効果発現経路_目標のつながり.csv`` file (or ZIP). Taken from the ZIP/folder of
        ``sheet_3_1`` when not given; without it the models have no links.
    project
        One 予算事業ID (``"4"``, ``"000004"`` or ``4``: leading zeros are ignored for matching);
        then the single :class:`ModelData` is returned.
    year
        Keep only rows whose 事業年度 is this review year (and pick this year's ZIP members).
    errors
        ``"collect"`` (default): data-quality problems are findings, returned by
        :func:`read_rs_report`, and reading carries on; ``"raise"``: the first error-severity
        finding raises :class:`~logicmodel.FormatError` with its location.

    Returns
    -------
    dict of str to ModelData, or ModelData
        Keyed by the id exactly as written in the 3-1 file (``"000123"`` stays ``"000123"``).

    Raises
    ------
    FormatError
        The file is missing, not a CSV, not UTF-8/cp932, lacks a required column (the message names
        the file, the missing header and the nearest header present), or ``project`` is not in it
        (the message names the nearest ids).

    Examples
    --------
    >>> import logicmodel as lm, pathlib, tempfile
    >>> from logicmodel.io.rs import read_rs, write_rs
    >>> m = lm.LogicModel(id="rs_4", title="窓口DX", nodes=[
    ...     lm.Activity(id="activity_1", label="導入支援"),
    ...     lm.Output(id="output_1", label="導入団体の増加")],
    ...     links=[lm.Link(source="activity_1", target="output_1")],
    ...     indicators=[lm.Indicator(id="output_1_i1", measures="output_1", name="導入団体数",
    ...                              unit="団体", targets={"FY2025": 900})])
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p1, p2 = write_rs(m, d / "3-1.csv", d / "3-2.csv", project_id="4")
    >>> data = read_rs(p1, p2, project="000004")
    >>> [n.id for n in data.model.nodes], data.model.indicators[0].final_target
    (['activity_1', 'output_1'], Point(period='FY2025', value=900.0, note='目標年度'))
    """
    result = read_rs_report(sheet_3_1, sheet_3_2, project=project, year=year)
    if errors == "raise":
        for issue in result.findings.errors:
            raise FormatError(
                f"{issue.code} {issue.message}",
                path=issue.where.split(" row ")[0],
                row=issue.row,
                column=issue.column,
            )
    elif errors != "collect":
        raise FormatError(f"errors={errors!r}: use 'collect' or 'raise'")
    if project is not None:
        return next(iter(result.projects.values()))
    return result.projects


def read_rs_report(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    *,
    project: str | int | None = None,
    year: int | None = None,
) -> RSRead:
    """Like :func:`read_rs`, returning every project and every data-quality finding.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> header = ",".join(RS_3_1_COLUMNS)
    >>> row = {c: "" for c in RS_3_1_COLUMNS}
    >>> row.update({"予算事業ID": "7", C_NO: "1", C_KIND: "アウトプット", C_IND: "件数",
    ...             C_UNIT: "件", C_ROW: "3.実績値", "2023": "十二"})
    >>> text = header + "\\n" + ",".join(row.values()) + "\\n"
    >>> _ = (d / "3-1.csv").write_text(text, encoding="utf-8-sig")
    >>> result = read_rs_report(d / "3-1.csv")
    >>> print(result.findings)
    LM303 error   3-1.csv row 2, 2023: non-numeric value '十二' in 3.実績値 of indicator
    'output_1_i1'
    """
    return _read_report(sheet_3_1, sheet_3_2, project=project, year=year)


def _read_report(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None,
    *,
    project: str | int | None,
    year: int | None,
) -> RSRead:
    s1, s2 = _resolve(sheet_3_1, sheet_3_2, year)
    found = _Findings()
    known_1 = tuple(c for c in RS_3_1_COLUMNS if not c.isdigit())
    df, unknown = _read_table(s1, "3-1 (効果発現経路_目標・実績)", _REQUIRED_3_1, known_1)
    df["_row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    year_cols = [str(c) for c in df.columns if _is_year(str(c))]
    years = [int(_nfkc(c).strip().removesuffix("年度")) for c in year_cols]
    if year is not None:
        df = _filter_year(df, year, s1.name)
    if project is not None:
        df = _select_project(df, project, s1.name)

    # -- node keys (vectorised; mappings built over the few distinct values) ------------------
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
            r = int(df["_row"].to_numpy()[k])
            if pid.iat[k] == "":
                what, col = "予算事業ID is blank", C_PROJECT
            elif kind.isna().iat[k]:
                what, col = (
                    f"種別 {df[C_KIND].iat[k]!r} is not アクティビティ, アウトプット or アウトカム",
                    C_KIND,
                )
            elif num.iat[k] == "":
                what, col = "the node number is blank", C_NO
            elif not id_ok.iat[k]:
                what, col = (
                    f"the node number {df[C_NO].iat[k]!r} gives the id {node_id.iat[k]!r}, "
                    f"which is not an identifier of at most {_MAX_NODE_ID} characters",
                    C_NO,
                )
            else:
                what, col = (
                    f"row type {df[C_ROW].iat[k]!r} is not "
                    "1.目標年度, 2.目標値, 3.実績値 or 4.達成率",
                    C_ROW,
                )
            found.add(
                "LM314",
                s1.name,
                r,
                f"{what}; row skipped",
                "解釈できない行のため読み飛ばしました",
                column=col,
                ids=(str(pid.iat[k]),) if pid.iat[k] else (),
            )
        keep = ~bad_row.to_numpy()
        df, pid, kind, node_id, rtype = df[keep], pid[keep], kind[keep], node_id[keep], rtype[keep]
    df = df.assign(
        _pid=pid.to_numpy(),
        _kind=kind.to_numpy(),
        _node=node_id.to_numpy(),
        _rtype=rtype.to_numpy(),
    )
    _check_text(
        df,
        s1.name,
        _text_limits([C_LABEL, C_QUAL, C_IND, C_SOURCE, C_REASON, *COMMON_COLUMNS, *C_KPI]),
    )
    # projects in order of appearance, each one contiguous; its nodes in order of appearance
    pcode0 = pd.factorize(df["_pid"])[0]
    ncode0 = pd.factorize(df["_pid"] + "\x1f" + df["_node"])[0]
    order = np.lexsort((ncode0, pcode0))
    if (order != np.arange(len(order))).any():  # usually each project's rows are together
        df = df.iloc[order]
    df["_nc"] = pd.factorize(ncode0[order])[0]
    df["_pc"] = pcode0[order]

    # -- nodes: one per _nc (0 … n_nodes-1, ascending through the frame) ----------------------
    nc_all = df["_nc"].to_numpy()
    n_nodes = int(nc_all[-1]) + 1 if len(nc_all) else 0
    n_first = np.searchsorted(nc_all, np.arange(n_nodes))
    n_pc = df["_pc"].to_numpy()[n_first]
    n_id = df["_node"].to_numpy(dtype=object)[n_first]
    n_kind = df["_kind"].to_numpy(dtype=object)[n_first]
    n_row = df["_row"].to_numpy()[n_first]
    n_attrs = _first_non_blank(df, "_nc", [C_LABEL, C_STAGE, C_QUAL, C_MEASURE, C_REASON])

    # -- indicator groups: a new one when the node changes, the row type does not increase, or
    #    the indicator name changes -----------------------------------------------------------
    ind_cols = [
        *("_nc", "_rtype", "_row", "_pid", "_node"),
        *(C_IND, C_UNIT, C_DIR, C_SOURCE, C_MEASURE, C_REASON),
        *year_cols,
        *unknown,
    ]
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
    gid = np.cumsum(new) - 1
    ind = ind.assign(_gid=gid)
    first = ind.loc[new, ["_nc", "_row", "_pid", "_node"]]
    n_groups = len(first)
    k_in_node = first.groupby("_nc", sort=False).cumcount().to_numpy() + 1
    g_nc = first["_nc"].to_numpy()
    g_ind_id = (
        first["_node"].astype(str) + "_i" + pd.Series(k_in_node, index=first.index).astype(str)
    ).to_numpy(dtype=object)
    g_attrs = _first_non_blank(ind, "_gid", [C_IND, C_UNIT, C_DIR, C_SOURCE, C_MEASURE, C_REASON])
    g_row = first["_row"].to_numpy()
    g_pid = first["_pid"].to_numpy(dtype=object)
    g_qual = np.array(
        ["定性" in _nfkc(m) if m is not None else False for m in g_attrs[C_MEASURE]], dtype=bool
    )

    # units and directions: parsed once per distinct text; findings only for the failures
    unit_map: dict[str, tuple[str | None, float, str | None]] = {}
    for u in pd.unique(g_attrs[C_UNIT][pd.notna(g_attrs[C_UNIT])]):
        unit_map[str(u)] = _rs_unit(str(u))
    g_unit = np.full(n_groups, None, dtype=object)
    g_scale = np.ones(n_groups)
    for g in np.flatnonzero(pd.notna(g_attrs[C_UNIT]) & ~g_qual).tolist():
        u = str(g_attrs[C_UNIT][g])
        g_unit[g], g_scale[g], why = unit_map[u]
        if why is not None:
            found.add(
                "LM311",
                s1.name,
                int(g_row[g]),
                f"indicator {g_ind_id[g]!r}: {why}; kept without unit",
                f"指標 {g_ind_id[g]!r} の単位 {u!r} を解釈できないため単位なしとしました",
                column=C_UNIT,
                ids=(str(g_pid[g]), str(g_ind_id[g])),
            )
    dir_raw = g_attrs[C_DIR]
    dir_map = {str(u): _direction_of(str(u)) for u in pd.unique(dir_raw[pd.notna(dir_raw)])}
    g_dir = np.array([None if d is None else dir_map[str(d)] for d in dir_raw], dtype=object)
    for g in np.flatnonzero(pd.notna(dir_raw) & pd.isna(g_dir)).tolist():
        d = dir_raw[g]
        found.add(
            "LM315",
            s1.name,
            int(g_row[g]),
            f"indicator {g_ind_id[g]!r}: direction {d!r} is not 上向き or 下向き; left unset",
            f"改善の向き {d!r} を解釈できません",
            column=C_DIR,
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )

    # -- values: only the non-blank cells of the year block ----------------------------------
    pieces_r: list[np.ndarray[Any, Any]] = []
    pieces_y: list[np.ndarray[Any, Any]] = []
    pieces_t: list[np.ndarray[Any, Any]] = []
    quant_rows = ~g_qual[ind["_gid"].to_numpy()] if len(ind) else np.zeros(0, dtype=bool)
    for col, yr in zip(year_cols, years, strict=True):
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
    cell_line = ind["_row"].to_numpy()[cell_r]
    text_s = pd.Series(cell_t, dtype=object)
    values, missing, bad = _parse_numbers(text_s)
    is_flag_row = cell_type == 1
    flag = np.zeros(len(text_s), dtype=bool)
    flag_rows = np.flatnonzero(is_flag_row)
    flag[flag_rows] = _clean(text_s.iloc[flag_rows]).isin(_FLAG_VALUES).to_numpy()
    # on 目標年度 rows, "0" and dashes mean "not a target year"; other text is a finding
    bad = np.where(is_flag_row, ~flag & ~missing & ~(values == 0), bad)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values * g_scale[cell_g]
    overflow = ~is_flag_row & ~missing & ~bad & ~np.isfinite(scaled)
    for k in np.flatnonzero(bad | overflow)[:10_000]:
        g = int(cell_g[k])
        rname = _ROW_JA[int(cell_type[k])]
        what = "non-numeric value" if bad[k] else "value too large (not finite once scaled)"
        found.add(
            "LM303",
            s1.name,
            int(cell_line[k]),
            f"{what} {cell_t[k]!r} in {rname} of indicator {g_ind_id[g]!r}",
            f"指標 {g_ind_id[g]!r} の{rname}に数値でない値 {cell_t[k]!r} があります",
            column=str(cell_y[k]),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    # ＊ / * in 実績値 is read as no value, but said (issue 12: never "read as nothing" silently)
    star = missing & (cell_type == 3) & _clean(text_s).isin(("*", "＊")).to_numpy()
    for k in np.flatnonzero(star)[:1000]:
        g = int(cell_g[k])
        found.add(
            "LM319",
            s1.name,
            int(cell_line[k]),
            f"{cell_t[k]!r} in 3.実績値 of indicator {g_ind_id[g]!r} is read as no value (not 0)",
            f"指標 {g_ind_id[g]!r} の3.実績値の {cell_t[k]!r} を値なしとして読みました（0ではありません）",
            column=str(cell_y[k]),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    ok = ~missing & ~bad & ~overflow
    key = cell_g.astype(np.int64) * 100_000 + cell_y
    is_target = ok & (cell_type == 2)
    t_key = key[is_target]
    flag_key = key[flag]
    t_flag = np.isin(t_key, flag_key)
    for k in np.flatnonzero(~np.isin(flag_key, t_key)).tolist():
        g, yr, line = int(cell_g[flag][k]), int(cell_y[flag][k]), int(cell_line[flag][k])
        found.add(
            "LM316",
            s1.name,
            line,
            f"indicator {g_ind_id[g]!r}: {yr} is marked as the target year but has no 目標値",
            f"{yr}年度は目標年度ですが目標値がありません",
            column=str(yr),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )

    # target points: one frozen Point per distinct (year, value, note), shared by indicators
    t_g = cell_g[is_target]
    t_year = cell_y[is_target]
    t_value = scaled[is_target]
    _check_years(np.unique(t_year), s1.name)
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
    t_bounds = np.searchsorted(t_g, np.arange(n_groups + 1))

    # observations: actuals with the published 達成率 beside them
    actuals = pd.DataFrame(
        {
            "key": key,
            "g": cell_g,
            "year": cell_y,
            "value": scaled,
            "line": cell_line,
            "r": cell_r,
        }
    )[ok & (cell_type == 3)]
    is_rate = ok & (cell_type == 4)
    rates = pd.DataFrame(
        {"key": key[is_rate], "reported_achievement": values[is_rate] / 100.0}
    ).drop_duplicates("key")
    orphan = ~np.isin(key[is_rate], actuals["key"].to_numpy())
    for k in np.flatnonzero(orphan).tolist():
        g, yr, line = int(cell_g[is_rate][k]), int(cell_y[is_rate][k]), int(cell_line[is_rate][k])
        found.add(
            "LM316",
            s1.name,
            line,
            f"indicator {g_ind_id[g]!r}: 達成率 for {yr} without a 実績値; not kept",
            f"{yr}年度の達成率に対応する実績値がありません",
            column=str(yr),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    obs = actuals.merge(rates, on="key", how="left", sort=False)
    og = obs["g"].to_numpy(dtype=np.int64)
    oyear = obs["year"].to_numpy(dtype=np.int64)
    # within a project: by indicator id, then year (the order of read_rs since its first version)
    id_rank = np.unique(g_ind_id.astype(str), return_inverse=True)[1]
    o_pc = n_pc[g_nc[og]]
    o_order = np.lexsort((oyear, id_rank[og], o_pc))
    og, oyear, o_pc = og[o_order], oyear[o_order], o_pc[o_order]
    obs = obs.iloc[o_order]
    observations = pd.DataFrame(
        {
            "indicator": _take_text(g_ind_id, og),
            "period": pd.array(_fy_labels(oyear), dtype="str"),
            "value": obs["value"].to_numpy(dtype=float),
            "unit": _take_text(g_unit, og),
            "kind": _take_text(np.array(["actual"], dtype=object), np.zeros(len(og), np.int64)),
            "source_row": obs["line"].to_numpy(dtype=np.int64),
            "project": _take_text(g_pid, og),
            "reported_achievement": obs["reported_achievement"].to_numpy(dtype=float),
        }
    )
    if unknown:
        rows = obs["r"].to_numpy(dtype=np.int64)
        for c in unknown:
            observations[c] = ind[c].array.take(rows)

    # -- projects ------------------------------------------------------------------------------
    pc_all = df["_pc"].to_numpy()
    n_projects = int(pc_all[-1]) + 1 if len(pc_all) else 0
    p_pid = df["_pid"].to_numpy(dtype=object)[np.searchsorted(pc_all, np.arange(n_projects))]

    # -- node objects (fields checked in bulk above: ids, texts, stages) ----------------------
    stage_raw = n_attrs[C_STAGE]
    stage_map = {str(u): _stage_of(str(u)) for u in pd.unique(stage_raw[pd.notna(stage_raw)])}
    n_stage = [None if s is None else stage_map[str(s)] for s in stage_raw]
    node_objs: list[Any] = []
    for k, (nid, nkind, label, desc, raw_stage, stage) in enumerate(
        zip(
            n_id.tolist(),
            n_kind.tolist(),
            n_attrs[C_LABEL].tolist(),
            n_attrs[C_QUAL].tolist(),
            stage_raw.tolist(),
            n_stage,
            strict=True,
        )
    ):
        fields: dict[str, Any] = {"id": nid, "label": label, "description": desc}
        if nkind == "outcome":
            if raw_stage is not None and stage is None:
                found.add(
                    "LM315",
                    s1.name,
                    int(n_row[k]),
                    f"node {nid!r}: stage {raw_stage!r} is not 短期, 中期 or 長期; taken as short",
                    f"アウトカムの期間 {raw_stage!r} を解釈できないため短期としました",
                    column=C_STAGE,
                    ids=(str(p_pid[n_pc[k]]), nid),
                )
            fields["stage"] = stage or "short"
            node_objs.append(_build(Outcome, fields))
        elif nkind == "output":
            node_objs.append(_build(Output, fields))
        else:
            node_objs.append(_build(Activity, fields))

    # -- indicator objects, in node order (then group order) --------------------------------
    ind_objs: list[Any] = []
    ind_nc: list[int] = []
    percent_units = {u for u in set(g_unit.tolist()) if u is not None and is_percent(u)}
    for g, (gid_, ncode, name, unit, direction, source, reason) in enumerate(
        zip(
            g_ind_id.tolist(),
            g_nc.tolist(),
            g_attrs[C_IND].tolist(),
            g_unit.tolist(),
            g_dir.tolist(),
            g_attrs[C_SOURCE].tolist(),
            g_attrs[C_REASON].tolist(),
            strict=True,
        )
    ):
        fields = {"id": gid_, "measures": n_id[ncode], "name": name}
        if g_qual[g]:
            fields.update(
                direction=direction, source=source, measure="qualitative", description=reason
            )
        else:
            fields.update(
                unit=unit,
                direction=direction,
                targets=tuple(points[t_bounds[g] : t_bounds[g + 1]]),
                source=source,
            )
            if unit is not None and unit in percent_units:
                # a rate is averaged across organisations, never summed (LM216)
                fields["aggregation"] = "mean"
        ind_objs.append(_build(Indicator, fields))
        ind_nc.append(ncode)
    # a 定性的 outcome without indicator rows still gets its qualitative indicator
    has_group = np.zeros(n_nodes, dtype=bool)
    has_group[g_nc] = True
    n_measure = n_attrs[C_MEASURE]
    for ncode in np.flatnonzero(~has_group & pd.notna(n_measure)).tolist():
        if "定性" in _nfkc(str(n_measure[ncode])):
            nid = n_id[ncode]
            fields = {
                "id": f"{nid}_i1",
                "measures": nid,
                "direction": None,
                "measure": "qualitative",
                "description": n_attrs[C_REASON][ncode],
            }
            ind_objs.append(_build(Indicator, fields))
            ind_nc.append(ncode)
    i_nc = np.asarray(ind_nc, dtype=np.int64)
    i_order = np.argsort(i_nc, kind="stable")
    i_nc = i_nc[i_order]
    i_objs = [ind_objs[k] for k in i_order.tolist()]

    # -- links (3-2), checked against the nodes of each project -----------------------------
    p_pkey = np.array([_project_key(p) for p in p_pid.tolist()], dtype=object)
    links_of: dict[int, list[Link]] = {}
    reason_by_project: dict[str, str] = {}
    if s2 is not None:
        cand, reason_by_project = _read_links(s2, set(p_pkey.tolist()), found, year, project)
        links_of = _place_links(
            cand, p_pid=p_pid, p_pkey=p_pkey, n_pc=n_pc, n_id=n_id, found=found, name=s2.name
        )
    l_pc = np.array([pc for pc, ls in links_of.items() for _ in ls], dtype=np.int64)
    l_ends = np.array([(k.source, k.target) for ls in links_of.values() for k in ls], dtype=object)
    l_ends = l_ends.reshape(-1, 2)
    _check_references(
        s1.name,
        nodes=(n_pc, n_id, n_row),
        indicators=(n_pc[i_nc], np.array([i.id for i in i_objs], dtype=object), n_row[i_nc]),
        measures=np.array([i.measures for i in i_objs], dtype=object),
        links=(l_pc, l_ends[:, 0], l_ends[:, 1]),
    )

    # -- project metadata --------------------------------------------------------------------------
    meta_cols = [c for c in (*COMMON_COLUMNS, *C_KPI) if c != C_PROJECT]
    p_meta = _first_non_blank(df, "_pc", meta_cols)
    tag_cols = [c for c in meta_cols if c not in (C_NAME, C_MINISTRY, *C_KPI)]

    # -- one model per project: slices of the node, indicator and observation arrays ---------
    n_bounds = np.searchsorted(n_pc, np.arange(n_projects + 1))
    i_bounds = np.searchsorted(i_nc, n_bounds)
    o_bounds = np.searchsorted(o_pc, np.arange(n_projects + 1))
    m_ids, m_titles, m_owners, m_descs, m_refs, m_tags = [], [], [], [], [], []
    for j, p in enumerate(p_pid.tolist()):
        m_ids.append(_model_id(p))
        m_titles.append(p_meta[C_NAME][j] or p)
        m_owners.append(p_meta[C_MINISTRY][j])
        m_descs.append(reason_by_project.get(p_pkey[j]))
        m_refs.append(
            tuple(_REF_PREFIX[c] + str(p_meta[c][j]) for c in C_KPI if p_meta[c][j] is not None)
        )
        m_tags.append(
            tuple(f"{_TAG_PREFIX}{c}={p_meta[c][j]}" for c in tag_cols if p_meta[c][j] is not None)
        )
    for mid in set(m_ids):
        check_id(mid)
    projects: dict[str, ModelData] = {}
    for j, p in enumerate(p_pid.tolist()):
        model = _build(
            LogicModel,
            {
                "id": m_ids[j],
                "title": m_titles[j],
                "owner": m_owners[j],
                "description": m_descs[j],
                "nodes": tuple(node_objs[n_bounds[j] : n_bounds[j + 1]]),
                "links": tuple(links_of.get(j, ())),
                "indicators": tuple(i_objs[i_bounds[j] : i_bounds[j + 1]]),
                "refs": m_refs[j],
                "tags": m_tags[j],
            },
        )
        ob = observations.iloc[o_bounds[j] : o_bounds[j + 1]]
        ob.index = pd.RangeIndex(len(ob))
        projects[p] = ModelData(model, ob)
    return RSRead(projects, Report(found.items))
