"""Reading IATI results into logic models: :func:`read_iati`, one activity and its indicators."""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, ModelError
from logicmodel.io.data import ModelData
from logicmodel.io.iati.common import (
    _XML_LANG,
    _lm,
)
from logicmodel.io.iati.parse import (
    _aggregation,
    _Ctx,
    _identifier,
    _indicator_extras,
    _measure_code,
    _own_id,
    _own_id_attr,
    _own_label,
    _parse_file,
    _refs,
    _result_code,
    _row,
    _Value,
    _value,
)
from logicmodel.model import (
    Activity,
    Impact,
    Indicator,
    Input,
    Link,
    LogicModel,
    Outcome,
    Output,
    Point,
)
from logicmodel.model.vocabulary import STAGES

_OBS_BASE = ("indicator", "period", "value", "unit", "kind")
_OBS_TAIL = ("text", "comment", "source_row")
_YEAR = re.compile(r"\+?[0-9]{1,4}")


def _read_indicator(
    ctx: _Ctx,
    el: etree._Element,
    ind_id: str,
    node_id: str,
    *,
    result_status: bool | None,
    rows: list[dict[str, Any]],
) -> Indicator:
    measure, unit, refs = _measure_and_unit(ctx, el)
    ascending = ctx.boolean(el, "ascending")
    direction = el.get(_lm("direction")) or ("decrease" if ascending is False else "increase")
    status = ctx.boolean(el, "aggregation-status")
    status = result_status if status is None else status
    aggregation = _aggregation(ctx, el, status, unit)
    baseline = _read_baselines(ctx, el, ind_id, unit, rows)
    targets = _read_periods(ctx, el, ind_id, unit, rows)
    try:
        return Indicator(
            id=ind_id,
            measures=node_id,
            name=ctx.text(el.find("title")),
            description=ctx.text(el.find("description")),
            unit=unit,
            role=el.get(_lm("role")),
            direction=direction,
            baseline=baseline,
            targets=targets,
            aggregation=aggregation,
            measure=measure,
            refs=refs,
            **_indicator_extras(el),
        )
    except ModelError as err:
        raise ctx.error(el, f"cannot become an indicator: {err}") from None


def _measure_and_unit(
    ctx: _Ctx, el: etree._Element
) -> tuple[Literal["quantitative", "qualitative"], str | None, list[str]]:
    """The indicator's measure and unit from ``@measure`` (and the writer's ``lm:unit``), and its
    refs (an ``iati-measure:<code>`` ref keeps a code the model cannot say)."""
    measure_raw = el.get("measure")
    if measure_raw is None:
        raise ctx.error(
            el,
            "has no @measure: IATI 2.03 requires it (1 unit, 2 percentage, 3 nominal, "
            "4 ordinal, 5 qualitative)",
        )
    code = _measure_code(measure_raw)
    refs = _refs(el, "indicator-uri")
    measure: Literal["quantitative", "qualitative"] = "quantitative"
    unit: str | None = "1"
    if code == "2":
        unit = "%"
    elif code in ("3", "5"):
        measure, unit = "qualitative", None
    if code not in ("1", "2", "5"):
        refs.append(f"iati-measure:{measure_raw.strip()}")
    custom_unit = el.get(_lm("unit"))
    if custom_unit is not None and measure == "quantitative":
        unit = custom_unit
    return measure, unit, refs


def _read_baselines(
    ctx: _Ctx, el: etree._Element, ind_id: str, unit: str | None, rows: list[dict[str, Any]]
) -> Point | None:
    """The model's baseline: the latest undimensioned numeric one; the rest become observation
    rows (appended to ``rows``)."""
    baselines: list[tuple[_dt.date, str, _Value]] = []
    for b in el.findall("baseline"):
        year_raw = b.get("year")
        if year_raw is None:
            raise ctx.error(b, "has no @year: IATI 2.03 requires the baseline year (YYYY)")
        if not _YEAR.fullmatch(year_raw.strip()) or int(year_raw) < 1:
            raise ctx.error(b, f"has @year={year_raw!r}, which is not a positive year (YYYY)")
        day = ctx.date(b, "iso-date")
        label = day.isoformat() if day else f"{int(year_raw):04d}"
        label = _own_label(b, None, day) if b.get(_lm("period")) else label
        end = day or _dt.date(int(year_raw), 12, 31)
        baselines.append((end, label, _value(ctx, b)))
    chosen: tuple[_dt.date, str, _Value] | None = None
    for item in baselines:
        if item[2].plain and item[2].number is not None and (chosen is None or item[0] > chosen[0]):
            chosen = item
    baseline = None
    if chosen is not None:
        baseline = Point(period=chosen[1], value=chosen[2].number, note=chosen[2].comment)
    for item in baselines:
        if item is not chosen and not item[2].empty:
            rows.append(_row(ind_id, item[1], unit, "baseline", item[2]))
    return baseline


def _read_periods(
    ctx: _Ctx, el: etree._Element, ind_id: str, unit: str | None, rows: list[dict[str, Any]]
) -> list[Point]:
    """The model's targets (a period's only plain numeric target); every other target and every
    actual becomes an observation row (appended to ``rows``)."""
    targets_by_period: dict[str, list[_Value]] = {}
    order: list[str] = []
    for p in el.findall("period"):
        label = _own_label(p, *_period_bounds(ctx, p))
        if label not in targets_by_period:
            targets_by_period[label] = []
            order.append(label)
        targets_by_period[label].extend(
            v for v in (_value(ctx, t) for t in p.findall("target")) if not v.empty
        )
        for a in p.findall("actual"):
            v = _value(ctx, a)
            if not v.empty:
                rows.append(_row(ind_id, label, unit, "actual", v))
    targets: list[Point] = []
    for label in order:
        values = targets_by_period[label]
        plain = [v for v in values if v.plain]
        main = plain[0] if len(plain) == 1 and plain[0].number is not None else None
        if main is not None:
            targets.append(Point(period=label, value=main.number, note=main.comment))
        rows.extend(_row(ind_id, label, unit, "target", v) for v in values if v is not main)
    return targets


def _period_bounds(ctx: _Ctx, p: etree._Element) -> tuple[_dt.date, _dt.date]:
    """A ``<period>``'s start and end: exactly one of each, ISO dates, end not before start."""
    bounds: list[_dt.date] = []
    for name in ("period-start", "period-end"):
        found = p.findall(name)
        if not found:
            raise ctx.error(p, f"has no <{name}>: every period needs a start and an end date")
        if len(found) > 1:
            raise ctx.error(found[1], f"is given {len(found)} times in one <period>")
        bounds.append(ctx.required_date(found[0], "iso-date"))
    if bounds[1] < bounds[0]:
        raise ctx.error(
            p.find("period-end"),  # type: ignore[arg-type]
            f"{bounds[1]} is before the period start {bounds[0]}",
        )
    return bounds[0], bounds[1]


def _read_activity(
    ctx: _Ctx, act: etree._Element, position: int, results: list[etree._Element]
) -> ModelData:
    import pandas as pd

    raw_id = (act.findtext("iati-identifier") or "").strip()
    model_id = _own_id_attr(ctx, act, "model-id")
    if not model_id:
        model_id = _identifier(raw_id, f"iati_activity_{position}")
    title = ctx.text(act.find("title"))
    rep = act.find("reporting-org")
    owner = ctx.text(rep)
    model_refs = [f"iati-identifier:{raw_id}"] if raw_id else []
    if rep is not None and (rep.get("ref") or "").strip():
        model_refs.append(f"iati-reporting-org:{(rep.get('ref') or '').strip()}")

    nodes: list[Any] = []
    indicators: list[Indicator] = []
    rows: list[dict[str, Any]] = []
    levels: dict[str, list[str]] = {"output": [], "outcome": [], "impact": []}
    for k, res in enumerate(results, 1):
        node = _result_node(ctx, res, k)
        nodes.append(node)
        levels[node.kind].append(node.id)
        status = ctx.boolean(res, "aggregation-status")
        for j, ind in enumerate(res.findall("indicator"), 1):
            ind_id = _own_id(ctx, ind, f"r{k}_i{j}")
            indicators.append(
                _read_indicator(ctx, ind, ind_id, node.id, result_status=status, rows=rows)
            )

    used = {n.id for n in nodes} | {i.id for i in indicators}
    act_id = _own_id_attr(ctx, act, "activity-id")
    if not act_id:
        act_id = model_id
        while act_id in used:
            act_id = f"activity_{act_id}"[:64]
    label = act.get(_lm("activity-label")) or title
    activity = Activity(id=act_id, label=label, refs=tuple(model_refs[:1]))
    nodes.extend(_extension_nodes(ctx, act))
    links = _extension_links(ctx, act)
    own = [activity]
    if act.findall(_lm("link")):
        # written by write_iati: the model's own links; the activity element is a node of the
        # model only when the writer said which one (lm:activity-id)
        if act.get(_lm("activity-id")) is None:
            own = []
    else:  # a plain IATI file: links rebuilt level by level
        previous = [act_id]
        for kind in ("output", "outcome", "impact"):
            if levels[kind]:
                links.extend(Link(source=s, target=t) for s in previous for t in levels[kind])
                previous = levels[kind]
    try:
        model = LogicModel(
            id=model_id,
            title=title or raw_id or model_id,
            owner=owner,
            description=ctx.text(act.find("description")),
            nodes=[*own, *nodes],
            links=links,
            indicators=indicators,
            refs=model_refs,
        )
    except ModelError as err:
        raise ctx.error(act, f"cannot become a logic model: {err}") from None
    dims = sorted({key for row in rows for key in row if key.startswith("dimension")})
    has_org = ["org"] if any(row["org"] is not None for row in rows) else []
    columns = [*_OBS_BASE, *has_org, "location", *dims, *_OBS_TAIL]
    frame = pd.DataFrame(rows, columns=columns)
    frame["value"] = frame["value"].astype("float64")
    frame["source_row"] = frame["source_row"].astype("int64")
    return ModelData(model, frame)


def _result_node(ctx: _Ctx, res: etree._Element, k: int) -> Any:
    """The node of the k-th ``<result>``: type 1 output, 2 outcome, 3 impact; 9 and unknown
    codes an output tagged ``iati-result-type:<code>``."""
    type_raw = res.get("type")
    if type_raw is None:
        raise ctx.error(
            res, "has no @type: IATI 2.03 requires it (1 output, 2 outcome, 3 impact, 9 other)"
        )
    code = _result_code(type_raw)
    node_id = _own_id(ctx, res, f"result_{k}")
    fields: dict[str, Any] = {
        "id": node_id,
        "label": ctx.text(res.find("title")),
        "description": ctx.text(res.find("description")),
        "refs": _refs(res, "vocabulary-uri"),
    }
    try:
        if code == "2":
            stage = res.get(_lm("stage")) or ctx.outcome_stage
            return Outcome(**fields, stage=stage)
        if code == "3":
            return Impact(**fields)
        tags = () if code == "1" else (f"iati-result-type:{type_raw.strip()}",)
        return Output(**fields, tags=tags)
    except ModelError as err:
        raise ctx.error(res, f"cannot become a node: {err}") from None


_NODE_CLASSES: dict[str, Any] = {
    "input": Input,
    "activity": Activity,
    "output": Output,
    "outcome": Outcome,
    "impact": Impact,
}


def _extension_nodes(ctx: _Ctx, act: etree._Element) -> list[Any]:
    """Nodes IATI results cannot hold (inputs, activities, nodes without indicators), from the
    writer's ``<lm:node>`` elements."""
    out: list[Any] = []
    for el in act.findall(_lm("node")):
        kind = (el.get("kind") or "").strip()
        cls = _NODE_CLASSES.get(kind)
        if cls is None:
            raise ctx.error(el, f"has kind={kind!r}; expected one of {', '.join(_NODE_CLASSES)}")
        fields: dict[str, Any] = {"id": _own_id_attr(ctx, el, "id") or el.get("id", "")}
        for name in ("label", "description", "stage"):
            if el.get(name) is not None:
                fields[name] = el.get(name)
        try:
            out.append(cls(**fields))
        except ModelError as err:
            raise ctx.error(el, f"cannot become a node: {err}") from None
    return out


def _extension_links(ctx: _Ctx, act: etree._Element) -> list[Link]:
    """The model's own links, from the writer's ``<lm:link>`` elements."""
    out: list[Link] = []
    for el in act.findall(_lm("link")):
        fields: dict[str, Any] = {"source": el.get("source"), "target": el.get("target")}
        for name in ("weight", "rationale"):
            if el.get(name) is not None:
                fields[name] = el.get(name)
        assumptions = [a.text or "" for a in el.findall(_lm("assumption"))]
        if assumptions:
            fields["assumptions"] = assumptions
        try:
            out.append(Link(**fields))
        except ModelError as err:
            raise ctx.error(el, f"cannot become a link: {err}") from None
    return out


def read_iati(
    path: str | os.PathLike[str],
    *,
    lang: str | None = None,
    outcome_stage: str = "intermediate",
) -> list[ModelData]:
    """Read the results of every ``<iati-activity>`` in an IATI 2.03 activity file.

    Parameters
    ----------
    path
        An IATI activity XML file (root ``<iati-activities>``).
    lang
        Preferred narrative language (ISO 639-1, e.g. ``"ja"``). Narratives are chosen in this
        order: ``lang``, the activity's default ``xml:lang``, Japanese, English, the first one.
    outcome_stage
        Stage given to outcomes (result type 2): ``"short"``, ``"intermediate"`` (default) or
        ``"long"``.

    Returns
    -------
    list of ModelData
        One per activity that has ``<result>`` elements, in file order (empty when none has).
        ``observations`` is a DataFrame with columns ``indicator, period, value, unit, kind,
        location``, one ``dimension_<name>`` column per dimension name, ``text`` (a value that is
        not a number, kept verbatim), ``comment`` and ``source_row`` (the XML line).

    Raises
    ------
    FormatError
        The file is missing, empty, not well-formed XML, has a ``<!DOCTYPE>`` (entity
        declarations are refused), or its root is not ``<iati-activities>``; or a result lacks
        what gives it meaning: ``result/@type``, ``indicator/@measure``, a boolean
        ``@ascending``/``@aggregation-status``, ``baseline/@year`` as a positive year, period
        start and end as ISO dates (exactly one each, end not before start). ``row`` is the XML
        line of the element. Missing or duplicated narratives, titles and comments are not
        errors.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.xml"
    >>> _ = p.write_text('''<iati-activities version="2.03">
    ...  <iati-activity><iati-identifier>JP-1-42</iati-identifier>
    ...   <title><narrative>窓口DX</narrative></title>
    ...   <result type="1"><title><narrative>導入団体</narrative></title>
    ...    <indicator measure="1"><title><narrative>導入団体数</narrative></title>
    ...     <baseline year="2023" value="120"/>
    ...     <period><period-start iso-date="2024-04-01"/><period-end iso-date="2025-03-31"/>
    ...      <target value="900"/><actual value="640"/></period>
    ...    </indicator></result></iati-activity></iati-activities>''', encoding="utf-8")
    >>> model, obs = read_iati(p)[0]
    >>> [(n.id, n.kind) for n in model.nodes]
    [('JP_1_42', 'activity'), ('result_1', 'output')]
    >>> ind = model.indicator("r1_i1")
    >>> ind.name, ind.unit, ind.baseline.value, ind.targets[0].period
    ('導入団体数', '1', 120.0, '2024-04-01/2025-03-31')
    >>> obs[["indicator", "period", "value", "kind"]].to_dict("records")
    [{'indicator': 'r1_i1', 'period': '2024-04-01/2025-03-31', 'value': 640.0, 'kind': 'actual'}]
    """
    if outcome_stage not in STAGES:
        raise ModelError(f"outcome_stage {outcome_stage!r} is not one of short, intermediate, long")
    if not isinstance(path, str | os.PathLike):
        raise FormatError(f"path must be the path of an IATI XML file, got {type(path).__name__}")
    target = Path(path)
    root = _parse_file(target)
    out: list[ModelData] = []
    activities = root.findall("iati-activity")
    most = limits.current().iati_activities
    if len(activities) > most:
        raise LimitError(
            f"the file holds {len(activities):,} iati-activity elements",
            limit="iati_activities",
            value=most,
            path=target,
        )
    for position, act in enumerate(activities, 1):
        results = act.findall("result")
        if not results:
            continue
        default = act.get(_XML_LANG)
        default = default.lower().split("-")[0] if default else None
        prefs = tuple(dict.fromkeys(x for x in (lang, default, "ja", "en") if x))
        ctx = _Ctx(path=target, prefs=prefs, default_lang=default, outcome_stage=outcome_stage)
        out.append(_read_activity(ctx, act, position, results))
    return out
