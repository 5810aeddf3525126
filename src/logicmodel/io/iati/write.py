"""Writing a logic model as one IATI activity with results: :func:`write_iati`."""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from logicmodel.errors import FormatError, LogicModelError, did_you_mean
from logicmodel.intake.values import canonical_kind, parse_numbers
from logicmodel.io.files import atomic_write
from logicmodel.io.iati.common import (
    _XML_LANG,
    LM_NAMESPACE,
    MEASURES,
    RESULT_TYPES,
    _lm,
)
from logicmodel.model import (
    AGGREGATION_PRESETS,
    Indicator,
    LogicModel,
)
from logicmodel.periods import parse_period

if TYPE_CHECKING:
    import pandas as pd

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_KIND_CODES = {"output": "1", "outcome": "2", "impact": "3"}


def _fmt(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _narrative(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    etree.SubElement(el, "narrative").text = text
    return el


def _write_refs(parent: etree._Element, refs: Iterable[str], uri_attr: str) -> None:
    for ref in refs:
        m = re.fullmatch(r"([^:\s]+):(\S+?)(?: <(\S+)>)?", ref.strip())
        if m is None or m.group(1).startswith("iati-"):
            continue
        el = etree.SubElement(parent, "reference", vocabulary=m.group(1), code=m.group(2))
        if m.group(3):
            el.set(uri_attr, m.group(3))


@dataclass
class _Out:
    """One value to write: number and/or text, with its qualifiers."""

    number: float | None
    text: str | None = None
    comment: str | None = None
    locations: list[str] = field(default_factory=list)
    dimensions: list[tuple[str | None, str]] = field(default_factory=list)
    org: str | None = None
    period: str | None = None


def _write_value(
    parent: etree._Element, tag: str, v: _Out, attrs: Mapping[str, str] | None = None
) -> None:
    el = etree.SubElement(parent, tag, dict(attrs or {}))
    if v.number is not None:
        el.set("value", _fmt(v.number))
    elif v.text:
        el.set("value", v.text)
    if v.org is not None:  # also a location ref for IATI readers; lm:org gives it back as org
        el.set(_lm("org"), v.org)
    for loc in v.locations:
        etree.SubElement(el, "location", ref=loc)
    for name, value in v.dimensions:
        dim = etree.SubElement(el, "dimension", value=value)
        if name:
            dim.set("name", name)
    if v.comment:
        _narrative(el, "comment", v.comment)


def _as_pandas(observations: Any) -> pd.DataFrame | None:
    import pandas as pd

    if observations is None:
        return None
    if isinstance(observations, pd.DataFrame):
        return observations
    try:
        import narwhals.stable.v2 as nw

        frame: pd.DataFrame = nw.from_native(observations, eager_only=True).to_pandas()
    except (TypeError, ValueError, AttributeError) as err:
        raise FormatError(
            f"observations of type {type(observations).__name__} are not a data frame: {err}"
        ) from None
    return frame


_Rows = dict[str, dict[str, list[tuple[_dt.date, _dt.date, _Out]]]]


def _collect(model: LogicModel, observations: Any) -> _Rows:
    """Observation rows per indicator and kind, as (start, end, value) — checked and converted."""
    frame = _as_pandas(observations)
    if frame is None or len(frame) == 0:
        return {}
    ids, known = _checked_ids(model, frame)
    kinds = _kinds(frame)
    numbers = _numbers(frame, ids, known)
    labels = frame["period"].astype(object).to_numpy()
    spans = _period_spans(labels, model.fiscal_year_start)
    return _values(frame, numbers, (ids, kinds, labels), spans)


def _checked_ids(model: LogicModel, frame: pd.DataFrame) -> tuple[Any, dict[str, Indicator]]:
    """The indicator id of each row, refused when a column is missing or an id is unknown."""
    import numpy as np

    missing = [c for c in ("indicator", "period", "value") if c not in frame.columns]
    if missing:
        raise FormatError(
            f"observations lack column(s) {', '.join(missing)}; columns: "
            + ", ".join(map(str, frame.columns))
        )
    ids = frame["indicator"].astype(str).to_numpy()
    known = {i.id: i for i in model.indicators}
    unknown = sorted(set(ids) - set(known))
    if unknown:
        pos = int(np.flatnonzero(ids == unknown[0])[0])
        raise FormatError(
            f"observations: unknown indicator {unknown[0]!r}" + did_you_mean(unknown[0], known),
            row=pos,
            column="indicator",
        )
    return ids, known


def _kinds(frame: pd.DataFrame) -> Any:
    """Each row's kind by the one rule of :mod:`logicmodel.intake.values` (default actual)."""
    import numpy as np
    import pandas as pd

    if "kind" not in frame.columns:
        return np.full(len(frame), "actual", dtype=object)
    raw_kinds = frame["kind"].astype(object).to_numpy()
    codes, distinct = pd.factorize(pd.Series(raw_kinds, dtype=object), use_na_sentinel=False)
    kinds = np.array([canonical_kind(k) for k in distinct], dtype=object)[codes]
    bad = np.flatnonzero(pd.isna(kinds))
    if bad.size:
        raise FormatError(
            f"observations: kind {raw_kinds[bad[0]]!r} is not actual, target or baseline",
            row=int(bad[0]),
            column="kind",
        )
    return kinds


def _numbers(frame: pd.DataFrame, ids: Any, known: dict[str, Indicator]) -> Any:
    """Each row's value as a number in its indicator's unit (NaN when it is not a number)."""
    import numpy as np
    import pandas as pd

    from logicmodel.units import convert

    numbers = parse_numbers(frame["value"].astype(object).to_numpy())[0]
    if "unit" not in frame.columns:
        return numbers
    units = frame["unit"].astype(object).where(frame["unit"].notna(), None).to_numpy()
    pairs = pd.DataFrame({"i": ids, "u": units}).dropna().drop_duplicates()
    for ind_id, unit in pairs.itertuples(index=False):
        to = known[str(ind_id)].unit
        if to is None or str(unit).strip() in ("", to):
            continue
        mask = (ids == ind_id) & (units == unit)
        try:
            numbers[mask] = convert(numbers[mask], str(unit), to)
        except LogicModelError as err:
            pos = int(np.flatnonzero(mask)[0])
            raise FormatError(f"observations: {err}", row=pos, column="unit") from None
    return numbers


def _period_spans(labels: Any, fiscal_year_start: int) -> dict[Any, tuple[_dt.date, _dt.date, str]]:
    """Start, end and canonical label of each distinct period label."""
    import numpy as np
    import pandas as pd

    spans: dict[Any, tuple[_dt.date, _dt.date, str]] = {}
    for label in pd.unique(labels):
        try:
            p = parse_period(label, fiscal_year_start)
        except LogicModelError as err:
            pos = int(np.flatnonzero(pd.Series(labels).astype(str) == str(label))[0])
            raise FormatError(f"observations: {err}", row=pos, column="period") from None
        spans[label] = (p.start, p.end, p.label)
    return spans


def _values(
    frame: pd.DataFrame,
    numbers: Any,
    keys: tuple[Any, Any, Any],
    spans: dict[Any, tuple[_dt.date, _dt.date, str]],
) -> _Rows:
    """The rows that hold a number, a text or a comment, as values to write, by id and kind."""
    n = len(frame)
    ids, kinds, labels = keys

    def column(name: str) -> list[Any]:
        if name not in frame.columns:
            return [None] * n
        col = frame[name].astype(object)
        return list(col.where(col.notna(), None))

    raw_values = column("value")
    texts = column("text")
    comments = column("comment")
    locs = column("location")
    orgs = column("org")
    dim_cols = [
        c for c in frame.columns if str(c) == "dimension" or str(c).startswith("dimension_")
    ]
    dims = {c: column(str(c)) for c in dim_cols}
    out: _Rows = {}
    for pos in range(n):
        number = None if math.isnan(numbers[pos]) else float(numbers[pos])
        text = texts[pos]
        if number is None and text is None and raw_values[pos] is not None:
            text = str(raw_values[pos]).strip() or None
        places = [x for x in str(locs[pos] or "").split(";") if x.strip()]
        org = str(orgs[pos]).strip() if orgs[pos] is not None else ""
        if org:
            places.append(org)
        qualifiers = [
            (None if str(c) == "dimension" else str(c)[len("dimension_") :], str(dims[c][pos]))
            for c in dim_cols
            if dims[c][pos] is not None and str(dims[c][pos]) != ""
        ]
        start, end, period = spans[labels[pos]]
        value = _Out(
            number=number,
            text=None if text is None else str(text),
            comment=None if comments[pos] is None else str(comments[pos]),
            locations=places,
            dimensions=qualifiers,
            org=org or None,
            period=period,
        )
        if value.number is None and not value.text and not value.comment:
            continue
        out.setdefault(str(ids[pos]), {}).setdefault(str(kinds[pos]), []).append(
            (start, end, value)
        )
    return out


def _auto_lang(model: LogicModel) -> str:
    texts = [model.title, *(n.label or "" for n in model.nodes)]
    texts += [i.name or "" for i in model.indicators]
    return "ja" if any(_CJK.search(t) for t in texts) else "en"


def _model_ref(model: LogicModel, prefix: str) -> str | None:
    for ref in model.refs:
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return None


def _aggregation_text(ind: Indicator) -> str:
    if isinstance(ind.aggregation, str):
        return ind.aggregation
    for name, preset in AGGREGATION_PRESETS.items():
        if preset == ind.aggregation:
            return name
    return f"{ind.time_rule}/{ind.orgs_rule}"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _check_xml_text(model: LogicModel, path: Path) -> None:
    """Refuse text XML 1.0 cannot hold (NUL, ESC and other controls), naming where it is."""
    texts: list[tuple[str, str | None]] = [
        ("model title", model.title),
        ("model description", model.description),
    ]
    texts += [(f"node {n.id!r} label", n.label) for n in model.nodes]
    texts += [(f"node {n.id!r} description", n.description) for n in model.nodes]
    texts += [(f"indicator {i.id!r} name", i.name) for i in model.indicators]
    for where, text in texts:
        bad = _NOT_XML.search(text) if isinstance(text, str) else None
        if bad:
            raise FormatError(
                f"{where} holds the character U+{ord(bad.group()):04X}, which XML cannot store; "
                "remove it (see check LM110)",
                path=path,
            )


def write_iati(
    model: LogicModel,
    observations: Any,
    path: str | os.PathLike[str],
    *,
    activity_id: str | None = None,
    reporting_org: str | None = None,
    reporting_org_name: str | None = None,
    reporting_org_type: str = "10",
    activity_status: str = "2",
    lang: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the model's outputs, outcomes and impacts as one IATI 2.03 activity with results.

    Parameters
    ----------
    model
        The logic model. Nodes of kind output / outcome / impact that have indicators become
        ``<result type="1|2|3">`` (type 9 for nodes tagged ``iati-result-type:9``); inputs,
        activities, nodes without indicators and links are not expressible in IATI results:
        they are written as ``<lm:node>`` / ``<lm:link>`` extension elements, which
        :func:`read_iati` reads back (other IATI tools ignore them).
    observations
        ``None`` or a long data frame (pandas, or anything narwhals accepts) with ``indicator``,
        ``period``, ``value`` and optional ``kind`` (actual | target | baseline; default actual),
        ``unit`` (converted to the indicator's unit), ``location`` (``;``-separated refs),
        ``org`` (written as one more location ref), ``dimension_<name>`` columns, ``text`` and
        ``comment``.
    path
        The file to write (atomically, see :mod:`logicmodel.io.atomic`).
    activity_id
        The ``iati-identifier``; default the model's ``iati-identifier:`` ref, else its id.
    reporting_org
        The reporting organisation identifier (``reporting-org/@ref``); default the model's
        ``iati-reporting-org:`` ref, else empty (give one before publishing).
    reporting_org_name
        Its name; default the model's ``owner``.
    reporting_org_type
        IATI OrganisationType code (default ``"10"``, government).
    activity_status
        IATI ActivityStatus code (default ``"2"``, implementation).
    lang
        The activity's ``xml:lang``; default ``"ja"`` when labels contain Japanese, else ``"en"``.
    overwrite
        Replace ``path`` even when it is a read-only file.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FormatError
        Observations that lack ``indicator``/``period``/``value``, name unknown indicators, have
        a kind other than actual/target/baseline, a period that does not parse, or a unit that
        does not convert to the indicator's unit (``row`` is the 0-based row position).
    WriteError
        ``path`` cannot be written (the message names it and the cause).

    Notes
    -----
    Measure: ``qualitative`` → 5, unit ``%`` → 2, otherwise 1 (an ``iati-measure:<code>`` ref
    overrides). ``ascending`` is false for ``direction="decrease"``; ``aggregation-status`` is
    false when organisations do not aggregate (``orgs="none"``). Periods are written with the
    start and end of ``parse_period(label)``; a baseline gets ``@year`` and, unless its period is
    a calendar year, ``@iso-date`` = the period end. Ids, units, roles, stages and aggregation
    rules go in ``lm:`` extension attributes (namespace :data:`LM_NAMESPACE`) so that
    :func:`read_iati` gives them back.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from logicmodel.model import LogicModel, Output, KPI
    >>> from logicmodel.io.iati import read_iati
    >>> m = LogicModel(id="dx", title="窓口DX", nodes=[Output(id="adopted", label="導入")],
    ...                indicators=[KPI(id="n", measures="adopted", unit="団体",
    ...                                baseline={"period": "2023", "value": 120},
    ...                                targets={"FY2025": 900})])
    >>> p = write_iati(m, None, pathlib.Path(tempfile.mkdtemp()) / "dx.xml", reporting_org="JP-1")
    >>> back = read_iati(p)[0].model
    >>> back.indicator("n").unit, back.indicator("n").targets[0].period
    ('団体', 'FY2025')
    """
    _check_xml_text(model, Path(path))
    rows = _collect(model, observations)
    root = etree.Element("iati-activities", nsmap={"lm": LM_NAMESPACE}, version="2.03")
    act = etree.SubElement(root, "iati-activity")
    act.set(_XML_LANG, lang or _auto_lang(model))
    act.set(_lm("model-id"), model.id)
    activities = [n for n in model.nodes if n.kind == "activity"]
    if len(activities) == 1:
        act.set(_lm("activity-id"), activities[0].id)
        if activities[0].label and activities[0].label != model.title:
            act.set(_lm("activity-label"), activities[0].label)
    identifier = activity_id or _model_ref(model, "iati-identifier:") or model.id
    etree.SubElement(act, "iati-identifier").text = identifier
    org_ref = (
        reporting_org if reporting_org is not None else _model_ref(model, "iati-reporting-org:")
    )
    org_name = reporting_org_name or model.owner or org_ref or model.title
    rep = _narrative(act, "reporting-org", org_name)
    rep.set("ref", org_ref or "")
    rep.set("type", reporting_org_type)
    _narrative(act, "title", model.title)
    _narrative(act, "description", model.description or model.title)
    part = _narrative(act, "participating-org", org_name)
    part.set("role", "4")
    if org_ref:
        part.set("ref", org_ref)
    etree.SubElement(act, "activity-status", code=activity_status)
    date_el = etree.SubElement(act, "activity-date", type="1")
    starts = _write_results(act, model, rows)
    _write_extensions(act, model)
    first = min(starts) if starts else _dt.date.today()
    date_el.set("iso-date", first.isoformat())
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return atomic_write(path, data, overwrite=overwrite)


def _write_results(act: etree._Element, model: LogicModel, rows: _Rows) -> list[_dt.date]:
    """One ``<result>`` per output, outcome or impact with indicators; the start dates of every
    period and baseline written."""
    starts: list[_dt.date] = []
    for node in model.nodes:
        if node.kind not in _KIND_CODES:
            continue
        inds = model.indicators_of(node.id)
        if not inds:
            continue
        code = _KIND_CODES[node.kind]
        for tag in node.tags:
            if tag.startswith("iati-result-type:") and tag.split(":", 1)[1] in RESULT_TYPES:
                code = tag.split(":", 1)[1]
        res = etree.SubElement(act, "result", type=code)
        res.set(_lm("id"), node.id)
        if node.kind == "outcome":
            res.set(_lm("stage"), node.stage)
        _narrative(res, "title", node.label or node.id)
        if node.description:
            _narrative(res, "description", node.description)
        _write_refs(res, node.refs, "vocabulary-uri")
        for ind in inds:
            starts.extend(_write_indicator(res, ind, rows.get(ind.id, {}), model.fiscal_year_start))
    return starts


def _write_extensions(act: etree._Element, model: LogicModel) -> None:
    """``<lm:node>`` for every node no result holds, ``<lm:link>`` for every link."""
    written = {r.get(_lm("id")) for r in act.findall("result")} | {act.get(_lm("activity-id"))}
    for node in model.nodes:
        if node.id in written:
            continue
        ext = etree.SubElement(act, _lm("node"), id=node.id, kind=node.kind)
        if node.label:
            ext.set("label", node.label)
        if node.description:
            ext.set("description", node.description)
        if node.kind == "outcome":
            ext.set("stage", node.stage)
    for link in model.links:
        ext = etree.SubElement(act, _lm("link"), source=link.source, target=link.target)
        if link.weight != 1.0:
            ext.set("weight", _fmt(float(link.weight)))
        if link.rationale:
            ext.set("rationale", link.rationale)
        for text in link.assumptions:
            etree.SubElement(ext, _lm("assumption")).text = text


def _write_indicator(
    res: etree._Element,
    ind: Indicator,
    rows: Mapping[str, list[tuple[_dt.date, _dt.date, _Out]]],
    fy: int,
) -> list[_dt.date]:
    el = _indicator_element(res, ind)
    _narrative(el, "title", ind.name or ind.id)
    if ind.description:
        _narrative(el, "description", ind.description)
    _write_refs(el, ind.refs, "indicator-uri")
    baselines = _write_baselines(el, ind, rows, fy)
    periods = _write_periods(el, ind, rows, fy)
    return [s for s, _ in periods] + [s for s, _, _ in baselines]


def _indicator_element(res: etree._Element, ind: Indicator) -> etree._Element:
    """The ``<indicator>`` with its measure, direction and aggregation status, and the writer's
    ``lm:`` attributes that keep what IATI cannot say."""
    measure = "5" if ind.measure == "qualitative" else ("2" if ind.unit == "%" else "1")
    for ref in ind.refs:
        if ref.startswith("iati-measure:") and ref.split(":", 1)[1] in MEASURES:
            measure = ref.split(":", 1)[1]
    el = etree.SubElement(res, "indicator", measure=measure)
    el.set("ascending", "0" if ind.effective_direction == "decrease" else "1")
    el.set("aggregation-status", "0" if ind.orgs_rule == "none" else "1")
    el.set(_lm("id"), ind.id)
    extras = {
        "unit": ind.unit,
        "role": ind.role,
        "direction": "maintain" if ind.direction == "maintain" else None,
        "aggregation": _aggregation_text(ind),
        "formula": ind.formula,  # IATI has no formulas: kept for read_iati, values stay numbers
        "frequency": ind.frequency,
        "source": ind.source,
        "weight": _fmt(float(ind.weight)) if ind.weight != 1.0 else None,
    }
    for name, value in extras.items():
        if value is not None:
            el.set(_lm(name), value)
    return el


def _write_baselines(
    el: etree._Element,
    ind: Indicator,
    rows: Mapping[str, list[tuple[_dt.date, _dt.date, _Out]]],
    fy: int,
) -> list[tuple[_dt.date, _dt.date, _Out]]:
    """The model's baseline and the baseline rows, each with ``@year`` and (unless its period is
    a calendar year) ``@iso-date`` = the period end."""
    baselines: list[tuple[_dt.date, _dt.date, _Out]] = []
    if ind.baseline is not None:
        p = parse_period(ind.baseline.period, fy)
        baselines.append(
            (p.start, p.end, _Out(ind.baseline.value, comment=ind.baseline.note, period=p.label))
        )
    baselines.extend(rows.get("baseline", []))
    for start, end, v in baselines:
        attrs = {"year": str(end.year)}
        if not (start == _dt.date(end.year, 1, 1) and end == _dt.date(end.year, 12, 31)):
            attrs["iso-date"] = end.isoformat()
        if v.period is not None:
            attrs[_lm("period")] = v.period
        _write_value(el, "baseline", v, attrs)
    return baselines


def _write_periods(
    el: etree._Element,
    ind: Indicator,
    rows: Mapping[str, list[tuple[_dt.date, _dt.date, _Out]]],
    fy: int,
) -> list[tuple[_dt.date, _dt.date]]:
    """One ``<period>`` per span with the model's targets and the target and actual rows, in
    date order; the spans written."""
    periods: dict[tuple[_dt.date, _dt.date], dict[str, list[_Out]]] = {}
    for t in ind.targets:
        p = parse_period(t.period, fy)
        periods.setdefault((p.start, p.end), {}).setdefault("target", []).append(
            _Out(t.value, comment=t.note, period=p.label)
        )
    for kind in ("target", "actual"):
        for start, end, v in rows.get(kind, []):
            periods.setdefault((start, end), {}).setdefault(kind, []).append(v)
    for (start, end), values in sorted(periods.items()):
        per = etree.SubElement(el, "period")
        label = next((v.period for vs in values.values() for v in vs if v.period), None)
        if label is not None:  # the model's own spelling (2024-04, FY2025) for read_iati
            per.set(_lm("period"), label)
        etree.SubElement(per, "period-start", {"iso-date": start.isoformat()})
        etree.SubElement(per, "period-end", {"iso-date": end.isoformat()})
        for kind in ("target", "actual"):
            for v in values.get(kind, []):
                _write_value(per, kind, v)
    return list(periods)
