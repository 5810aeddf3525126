"""Reading a project: ``read_rs``/``read_rs_report`` build the model, indicators, observations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from logicmodel.errors import (
    FormatError,
)
from logicmodel.io.data import ModelData
from logicmodel.io.rs.cells import _cell_findings, _observations, _target_points, _value_cells
from logicmodel.io.rs.common import (
    _REF_PREFIX,
    _TAG_PREFIX,
    C_IND,
    C_KPI,
    C_LABEL,
    C_MEASURE,
    C_MINISTRY,
    C_NAME,
    C_PROJECT,
    C_QUAL,
    C_REASON,
    C_SOURCE,
    C_STAGE,
    COMMON_COLUMNS,
    PathLike,
    RSRead,
    _nfkc,
    _project_key,
)
from logicmodel.io.rs.files import _resolve
from logicmodel.io.rs.links import _place_links, _read_links
from logicmodel.io.rs.rows import (
    _Groups,
    _indicator_groups,
    _node_table,
    _Nodes,
    _project_ids,
    _read_sheet,
)
from logicmodel.io.rs.values import (
    _build,
    _check_references,
    _Findings,
    _first_non_blank,
    _model_id,
    _stage_of,
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

_Array = np.ndarray[Any, Any]


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
    >>> from logicmodel.io.rs.common import C_IND, C_KIND, C_NO, C_ROW, C_UNIT, RS_3_1_COLUMNS
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
    """The steps of :func:`read_rs_report`, in the order their findings and errors come."""
    s1, s2 = _resolve(sheet_3_1, sheet_3_2, year)
    found = _Findings()
    sheet = _read_sheet(s1, year=year, project=project, found=found)
    nodes = _node_table(sheet.df)
    groups = _indicator_groups(sheet, found)
    cells = _value_cells(sheet, groups)
    _cell_findings(cells, groups, sheet.name, found)
    points, t_bounds = _target_points(cells, groups, sheet.name, found)
    observations, o_pc = _observations(cells, groups, nodes, sheet, found)
    p_pid = _project_ids(sheet.df)
    node_objs = _node_objects(nodes, p_pid, sheet.name, found)
    i_nc, i_objs = _indicator_objects(groups, nodes, points, t_bounds)
    p_pkey = np.array([_project_key(p) for p in p_pid.tolist()], dtype=object)
    links_of: dict[int, list[Link]] = {}
    reason_by_project: dict[str, str] = {}
    if s2 is not None:
        cand, reason_by_project = _read_links(s2, set(p_pkey.tolist()), found, year, project)
        links_of = _place_links(
            cand,
            p_pid=p_pid,
            p_pkey=p_pkey,
            n_pc=nodes.pc,
            n_id=nodes.id,
            found=found,
            name=s2.name,
        )
    _check_all_references(sheet.name, nodes, i_nc, i_objs, links_of)
    projects = _models(
        sheet.df,
        _Projects(pid=p_pid, pkey=p_pkey, reasons=reason_by_project, links=links_of),
        node_objs=node_objs,
        i_nc=i_nc,
        i_objs=i_objs,
        node_pc=nodes.pc,
        observations=observations,
        o_pc=o_pc,
    )
    return RSRead(projects, Report(found.items))


# -- the 3-1 rows ------------------------------------------------------------------------------


# -- nodes and indicator groups ----------------------------------------------------------------


# -- values of the year block ------------------------------------------------------------------


# -- model objects -----------------------------------------------------------------------------


def _node_objects(nodes: _Nodes, p_pid: _Array, name: str, found: _Findings) -> list[Any]:
    """The nodes (fields checked in bulk: ids, texts); LM315 for an outcome stage that is not
    短期, 中期 or 長期 (taken as short)."""
    stage_raw = nodes.attrs[C_STAGE]
    stage_map = {str(u): _stage_of(str(u)) for u in pd.unique(stage_raw[pd.notna(stage_raw)])}
    n_stage = [None if s is None else stage_map[str(s)] for s in stage_raw]
    node_objs: list[Any] = []
    for k, (nid, nkind, label, desc, raw_stage, stage) in enumerate(
        zip(
            nodes.id.tolist(),
            nodes.kind.tolist(),
            nodes.attrs[C_LABEL].tolist(),
            nodes.attrs[C_QUAL].tolist(),
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
                    name,
                    int(nodes.row[k]),
                    f"node {nid!r}: stage {raw_stage!r} is not 短期, 中期 or 長期; taken as short",
                    f"アウトカムの期間 {raw_stage!r} を解釈できないため短期としました",
                    column=C_STAGE,
                    ids=(str(p_pid[nodes.pc[k]]), nid),
                )
            fields["stage"] = stage or "short"
            node_objs.append(_build(Outcome, fields))
        elif nkind == "output":
            node_objs.append(_build(Output, fields))
        else:
            node_objs.append(_build(Activity, fields))
    return node_objs


def _indicator_objects(
    groups: _Groups, nodes: _Nodes, points: list[Point], t_bounds: _Array
) -> tuple[_Array, list[Any]]:
    """The indicators in node order (then group order), with the node code of each."""
    ind_objs: list[Any] = []
    ind_nc: list[int] = []
    percent_units = {u for u in set(groups.unit.tolist()) if u is not None and is_percent(u)}
    for g, (gid_, ncode, name, unit, direction, source, reason) in enumerate(
        zip(
            groups.ind_id.tolist(),
            groups.nc.tolist(),
            groups.attrs[C_IND].tolist(),
            groups.unit.tolist(),
            groups.direction.tolist(),
            groups.attrs[C_SOURCE].tolist(),
            groups.attrs[C_REASON].tolist(),
            strict=True,
        )
    ):
        fields = {"id": gid_, "measures": nodes.id[ncode], "name": name}
        if groups.qual[g]:
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
    has_group = np.zeros(nodes.n, dtype=bool)
    has_group[groups.nc] = True
    n_measure = nodes.attrs[C_MEASURE]
    for ncode in np.flatnonzero(~has_group & pd.notna(n_measure)).tolist():
        if "定性" in _nfkc(str(n_measure[ncode])):
            nid = nodes.id[ncode]
            fields = {
                "id": f"{nid}_i1",
                "measures": nid,
                "direction": None,
                "measure": "qualitative",
                "description": nodes.attrs[C_REASON][ncode],
            }
            ind_objs.append(_build(Indicator, fields))
            ind_nc.append(ncode)
    i_nc = np.asarray(ind_nc, dtype=np.int64)
    i_order = np.argsort(i_nc, kind="stable")
    return i_nc[i_order], [ind_objs[k] for k in i_order.tolist()]


def _check_all_references(
    name: str, nodes: _Nodes, i_nc: _Array, i_objs: list[Any], links_of: dict[int, list[Link]]
) -> None:
    """Ids, measures and link ends of every project checked at once (``_check_references``)."""
    l_pc = np.array([pc for pc, ls in links_of.items() for _ in ls], dtype=np.int64)
    l_ends = np.array([(k.source, k.target) for ls in links_of.values() for k in ls], dtype=object)
    l_ends = l_ends.reshape(-1, 2)
    _check_references(
        name,
        nodes=(nodes.pc, nodes.id, nodes.row),
        indicators=(
            nodes.pc[i_nc],
            np.array([i.id for i in i_objs], dtype=object),
            nodes.row[i_nc],
        ),
        measures=np.array([i.measures for i in i_objs], dtype=object),
        links=(l_pc, l_ends[:, 0], l_ends[:, 1]),
    )


@dataclass(frozen=True)
class _Projects:
    """Per project code: its 予算事業ID as written, its key, and from the 3-2 file its links and
    アウトカムを複数段階で設定できない理由 (by key)."""

    pid: _Array
    pkey: _Array
    reasons: dict[str, str]
    links: dict[int, list[Link]]


def _models(
    df: pd.DataFrame,
    projects: _Projects,
    *,
    node_objs: list[Any],
    i_nc: _Array,
    i_objs: list[Any],
    node_pc: _Array,
    observations: pd.DataFrame,
    o_pc: _Array,
) -> dict[str, ModelData]:
    """One model per project: its metadata and slices of the node, indicator and observation
    arrays."""
    p_pid = projects.pid
    n_projects = len(p_pid)
    meta_cols = [c for c in (*COMMON_COLUMNS, *C_KPI) if c != C_PROJECT]
    p_meta = _first_non_blank(df, "_pc", meta_cols)
    tag_cols = [c for c in meta_cols if c not in (C_NAME, C_MINISTRY, *C_KPI)]
    n_bounds = np.searchsorted(node_pc, np.arange(n_projects + 1))
    i_bounds = np.searchsorted(i_nc, n_bounds)
    o_bounds = np.searchsorted(o_pc, np.arange(n_projects + 1))
    m_ids = [_model_id(p) for p in p_pid.tolist()]
    for mid in set(m_ids):
        check_id(mid)
    out: dict[str, ModelData] = {}
    for j, p in enumerate(p_pid.tolist()):
        model = _build(
            LogicModel,
            {
                "id": m_ids[j],
                "title": p_meta[C_NAME][j] or p,
                "owner": p_meta[C_MINISTRY][j],
                "description": projects.reasons.get(projects.pkey[j]),
                "nodes": tuple(node_objs[n_bounds[j] : n_bounds[j + 1]]),
                "links": tuple(projects.links.get(j, ())),
                "indicators": tuple(i_objs[i_bounds[j] : i_bounds[j + 1]]),
                "refs": tuple(
                    _REF_PREFIX[c] + str(p_meta[c][j]) for c in C_KPI if p_meta[c][j] is not None
                ),
                "tags": tuple(
                    f"{_TAG_PREFIX}{c}={p_meta[c][j]}" for c in tag_cols if p_meta[c][j] is not None
                ),
            },
        )
        ob = observations.iloc[o_bounds[j] : o_bounds[j + 1]]
        ob.index = pd.RangeIndex(len(ob))
        out[p] = ModelData(model, ob)
    return out
