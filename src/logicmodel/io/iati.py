"""IATI 2.03 results: read ``<result>`` elements into logic models, write models as IATI XML.

The International Aid Transparency Initiative (IATI) activity standard reports each activity's
results as ``<result type="1|2|3|9">`` (output, outcome, impact, other), each with
``<indicator>`` elements carrying a measure, a direction (``@ascending``), baselines and periods
with targets and actuals. :func:`read_iati` turns every ``<iati-activity>`` that has results into
a :class:`~logicmodel.io.data.ModelData`; :func:`write_iati` writes one activity back.

Mapping (also in ``docs/formats/iati.md``):

* the activity → an :class:`~logicmodel.model.Activity` node whose id is the
  ``iati-identifier`` made into an identifier (``GB-1-123`` → ``GB_1_123``); the raw identifier
  is kept in ``refs`` as ``iati-identifier:GB-1-123``;
* result type 1 → ``Output``, 2 → ``Outcome`` (stage ``outcome_stage``, default
  ``"intermediate"``), 3 → ``Impact``; 9 (other) and unknown codes → ``Output`` tagged
  ``iati-result-type:<code>`` so the writer restores the code. Node ids are ``result_{k}``;
* links: in a file :func:`write_iati` wrote, the model's own links (``<lm:link>``, with weight,
  rationale and assumptions) and the nodes IATI results cannot hold (``<lm:node>``: inputs,
  activities, nodes without indicators); in any other file the activity → every output; every
  output → every outcome; every outcome → every impact; a missing level is skipped (the
  activity links straight to outcomes when there are no outputs);
* formulas, frequencies, weights and sources ride in ``lm:formula``, ``lm:frequency``,
  ``lm:weight``, ``lm:source``; IATI itself has no formulas, so other IATI readers see a formula
  indicator's values only;
* periods written by :func:`write_iati` come back in the model's own spelling (``lm:period``:
  ``2024-04``, ``FY2025``); others as ISO intervals ``2024-04-01/2025-03-31``;
* an observation's ``org`` is written as a location ref and as ``lm:org``, and comes back as
  ``org`` (not ``location``);
* indicators ``r{k}_i{j}``: measure 1 (unit) → unit ``"1"`` (dimensionless count), 2 →
  ``"%"``, 4 (ordinal) → ``"1"``, 3 (nominal) and 5 (qualitative) → ``measure="qualitative"``;
  ``ascending`` false → ``direction="decrease"`` (absent → increase); ``aggregation-status``
  false → ``{"time": "last", "orgs": "none"}``, otherwise ``"stock"`` (``"mean"`` for %);
* baselines and targets → the model's baseline (the latest one without location or dimension)
  and targets (a period's only target without location or dimension, when it is a number);
  every other baseline, target and every actual → observation rows (``kind`` baseline / target /
  actual) with ``location`` and ``dimension_<name>`` columns.

Files are parsed by lxml with entity expansion, DTD loading and network access disabled; a
document with a ``<!DOCTYPE>`` (entity declarations, billion laughs, external entities) is refused.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lxml import etree

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, LogicModelError, ModelError, did_you_mean
from logicmodel.intake.values import canonical_kind, parse_number, parse_numbers
from logicmodel.io.data import ModelData
from logicmodel.io.files import atomic_write, read_bytes
from logicmodel.model import (
    AGGREGATION_PRESETS,
    Activity,
    Aggregation,
    Impact,
    Indicator,
    Input,
    Link,
    LogicModel,
    Outcome,
    Output,
    Point,
    check_id,
)
from logicmodel.model.vocabulary import STAGES
from logicmodel.periods import parse_period

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LM_NAMESPACE", "MEASURES", "RESULT_TYPES", "read_iati", "write_iati"]

LM_NAMESPACE = "urn:logicmodel:iati"
"""Namespace of the extension attributes (``lm:id``, ``lm:unit`` …) the writer adds so that a
round trip keeps ids, units, roles and stages; IATI allows attributes from other namespaces."""

RESULT_TYPES: dict[str, str] = {"1": "output", "2": "outcome", "3": "impact", "9": "other"}
"""IATI ResultType codes."""

MEASURES: dict[str, str] = {
    "1": "unit",
    "2": "percentage",
    "3": "nominal",
    "4": "ordinal",
    "5": "qualitative",
}
"""IATI IndicatorMeasure codes."""

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_MAX_BYTES = 200 * 1024 * 1024
_ISO_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_YEAR = re.compile(r"\+?[0-9]{1,4}")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_KIND_CODES = {"output": "1", "outcome": "2", "impact": "3"}
_OBS_BASE = ("indicator", "period", "value", "unit", "kind")
_OBS_TAIL = ("text", "comment", "source_row")


def _lm(name: str) -> str:
    return f"{{{LM_NAMESPACE}}}{name}"


# ------------------------------------------------------------------------------------ parsing


def _parse_file(path: Path) -> etree._Element:
    """The root element of ``path``, parsed without entity expansion, DTDs or network."""
    data = read_bytes(path)  # a regular file within the limits: no FIFO, device or link loop
    if not data.strip():
        raise FormatError("is empty: expected an IATI <iati-activities> document", path=path, row=1)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        line = err.lineno if isinstance(err.lineno, int) and err.lineno > 0 else None
        reason = str(err.msg or err).split(", line ")[0]
        raise FormatError(f"is not well-formed XML: {reason}", path=path, row=line) from None
    except (ValueError, etree.LxmlError) as err:
        raise FormatError(f"is not well-formed XML: {err}", path=path) from None
    if root is None:
        raise FormatError("is empty: expected an IATI <iati-activities> document", path=path, row=1)
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        at = data.find(b"<!DOCTYPE")
        line = data[:at].count(b"\n") + 1 if at >= 0 else None
        raise FormatError(
            "has a <!DOCTYPE> declaration: DTDs and entity declarations are refused in IATI files "
            "(they can expand without bound or read local files)",
            path=path,
            row=line,
        )
    if root.tag != "iati-activities":
        raise FormatError(
            f"root element is <{_local(root.tag)}>; expected <iati-activities> (IATI 2.03 activity "
            "file)",
            path=path,
            row=_line(root),
        )
    return root


def _line(el: etree._Element) -> int | None:
    line: object = el.sourceline  # lxml-stubs type this oddly; it is an int or None
    return line if isinstance(line, int) else None


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


@dataclass
class _Ctx:
    """What a single activity's reader needs: file, language preference, options."""

    path: Path
    prefs: tuple[str, ...]
    default_lang: str | None
    outcome_stage: str

    def error(self, el: etree._Element, message: str) -> FormatError:
        return FormatError(f"<{_local(el.tag)}> {message}", path=self.path, row=_line(el))

    def text(self, el: etree._Element | None) -> str | None:
        """The narrative of ``el`` in the preferred language (``None`` when there is none)."""
        if el is None:
            return None
        found: list[tuple[str | None, str]] = []
        for n in el.findall("narrative"):
            value = (n.text or "").strip()
            if value:
                lang = n.get(_XML_LANG) or self.default_lang
                found.append((lang.lower().split("-")[0] if lang else None, value))
        if not found:
            return None
        for pref in self.prefs:
            for lang, value in found:
                if lang == pref:
                    return value
        return found[0][1]

    def boolean(self, el: etree._Element, name: str) -> bool | None:
        raw = el.get(name)
        if raw is None:
            return None
        value = _BOOLS.get(raw.strip().lower())
        if value is None:
            raise self.error(
                el, f"has @{name}={raw!r}, which is not a boolean (use true/false or 1/0)"
            )
        return value

    def required_date(self, el: etree._Element, name: str) -> _dt.date:
        day = self.date(el, name)
        if day is None:
            raise self.error(el, f"has no @{name}: an ISO date such as 2024-03-31 is required")
        return day

    def date(self, el: etree._Element, name: str) -> _dt.date | None:
        raw = el.get(name)
        if raw is None:
            return None
        m = _ISO_DATE.fullmatch(raw.strip())
        try:
            if m is None:
                raise ValueError(raw)
            return _dt.date.fromisoformat(m.group(1))
        except ValueError:
            raise self.error(
                el, f"has @{name}={raw!r}, which is not an ISO date (YYYY-MM-DD)"
            ) from None


def _identifier(raw: str, fallback: str) -> str:
    """``raw`` made into an identifier (``GB-1-123`` → ``GB_1_123``), or ``fallback``."""
    text = re.sub(r"\W+", "_", raw.strip()).strip("_")
    if not text:
        return fallback
    if not text.isidentifier():
        text = f"iati_{text}"
    return text[:64].rstrip("_") or fallback


def _refs(el: etree._Element, uri_attr: str) -> list[str]:
    """``vocabulary:code`` strings (``vocabulary:code <uri>`` with a URI) for ``<reference>``s."""
    out: list[str] = []
    for ref in el.findall("reference"):
        vocab = (ref.get("vocabulary") or "").strip()
        code = (ref.get("code") or "").strip()
        if not vocab and not code:
            continue
        text = f"{vocab}:{code}"
        uri = (ref.get(uri_attr) or "").strip()
        if uri:
            text += f" <{uri}>"
        out.append(text)
    return out


def _number(raw: str | None) -> float | None:
    """A value attribute by the one rule of :mod:`logicmodel.intake.values`; ``None`` when blank or
    not a number (the text is kept beside it)."""
    if raw is None:
        return None
    value = parse_number(raw)
    return None if value is None or math.isnan(value) else value


@dataclass
class _Value:
    """One ``<baseline>``, ``<target>`` or ``<actual>``: its value and what qualifies it."""

    el: etree._Element
    raw: str | None
    number: float | None
    comment: str | None
    locations: list[str]
    dimensions: dict[str, str] = field(default_factory=dict)
    org: str | None = None

    @property
    def plain(self) -> bool:
        return not self.locations and not self.dimensions and self.org is None

    @property
    def empty(self) -> bool:
        return (self.raw is None or not self.raw.strip()) and self.comment is None


def _value(ctx: _Ctx, el: etree._Element) -> _Value:
    locations = [(loc.get("ref") or "").strip() for loc in el.findall("location")]
    dims: dict[str, str] = {}
    for dim in el.findall("dimension"):
        name = (dim.get("name") or "").strip()
        key = f"dimension_{name}" if name else "dimension"
        value = (dim.get("value") or "").strip()
        dims[key] = f"{dims[key]};{value}" if key in dims else value
    raw = el.get("value")
    org = (el.get(_lm("org")) or "").strip() or None
    if org is not None and org in locations:
        locations.remove(org)
    return _Value(
        el=el,
        raw=raw,
        number=_number(raw),
        comment=ctx.text(el.find("comment")),
        org=org,
        locations=[x for x in locations if x],
        dimensions=dims,
    )


def _row(ind_id: str, period: str, unit: str | None, kind: str, v: _Value) -> dict[str, Any]:
    row: dict[str, Any] = {
        "indicator": ind_id,
        "period": period,
        "value": math.nan if v.number is None else v.number,
        "unit": unit,
        "kind": kind,
        "org": v.org,
        "location": ";".join(v.locations) if v.locations else None,
        "text": v.raw.strip() if v.raw is not None and v.number is None and v.raw.strip() else None,
        "comment": v.comment,
        "source_row": _line(v.el),
    }
    row.update(v.dimensions)
    return row


def _measure_code(raw: str) -> str:
    text = raw.strip().lower()
    if text in MEASURES:
        return text
    names = {name: code for code, name in MEASURES.items()}
    return names.get(text, text)


def _result_code(raw: str) -> str:
    text = raw.strip().lower()
    if text in RESULT_TYPES:
        return text
    names = {name: code for code, name in RESULT_TYPES.items()}
    return names.get(text, text)


def _aggregation(ctx: _Ctx, el: etree._Element, status: bool | None, unit: str | None) -> Any:
    custom = el.get(_lm("aggregation"))
    if custom is not None:
        text = custom.strip()
        if text in AGGREGATION_PRESETS:
            return text
        time, _, orgs = text.partition("/")
        try:
            return Aggregation.model_validate({"time": time, "orgs": orgs})
        except ModelError:
            raise ctx.error(
                el, f"has lm:aggregation={custom!r}; use stock, flow, mean or 'time/orgs'"
            ) from None
    if status is False:
        return Aggregation(time="last", orgs="none")
    return "mean" if unit == "%" else "stock"


def _own_id(ctx: _Ctx, el: etree._Element, fallback: str) -> str:
    return _own_id_attr(ctx, el, "id") or fallback


def _read_indicator(
    ctx: _Ctx,
    el: etree._Element,
    ind_id: str,
    node_id: str,
    *,
    result_status: bool | None,
    rows: list[dict[str, Any]],
) -> Indicator:
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
    ascending = ctx.boolean(el, "ascending")
    direction = el.get(_lm("direction")) or ("decrease" if ascending is False else "increase")
    status = ctx.boolean(el, "aggregation-status")
    status = result_status if status is None else status
    aggregation = _aggregation(ctx, el, status, unit)

    # Baselines: the latest undimensioned numeric one is the model's; the rest are observations.
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

    # Periods: targets and actuals.
    targets_by_period: dict[str, list[_Value]] = {}
    order: list[str] = []
    for p in el.findall("period"):
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
        label = _own_label(p, bounds[0], bounds[1])
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


def _own_label(el: etree._Element, start: _dt.date | None, end: _dt.date | None) -> str:
    """The period label the writer kept in ``lm:period`` when it spans the same days (a month
    stays ``2024-04``, a fiscal year ``FY2025``), else the ISO interval ``start/end``."""
    own = el.get(_lm("period"))
    if own is not None:
        try:
            p = parse_period(own)
        except LogicModelError:
            p = None
        if p is not None and p.end == end and (start is None or p.start == start):
            return p.label
    if start is None or end is None:
        return own or ""
    return parse_period(f"{start.isoformat()}/{end.isoformat()}").label


def _indicator_extras(el: etree._Element) -> dict[str, Any]:
    """``formula``, ``frequency``, ``weight`` and ``source`` from the writer's ``lm:`` attributes."""
    out: dict[str, Any] = {}
    for name in ("formula", "frequency", "weight", "source"):
        raw = el.get(_lm(name))
        if raw is not None and raw.strip():
            out[name] = raw.strip()
    return out


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
                node: Any = Outcome(**fields, stage=stage)
            elif code == "3":
                node = Impact(**fields)
            else:
                tags = () if code == "1" else (f"iati-result-type:{type_raw.strip()}",)
                node = Output(**fields, tags=tags)
        except ModelError as err:
            raise ctx.error(res, f"cannot become a node: {err}") from None
        nodes.append(node)
        levels[node.kind].append(node_id)
        status = ctx.boolean(res, "aggregation-status")
        for j, ind in enumerate(res.findall("indicator"), 1):
            ind_id = _own_id(ctx, ind, f"r{k}_i{j}")
            indicators.append(
                _read_indicator(ctx, ind, ind_id, node_id, result_status=status, rows=rows)
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


def _own_id_attr(ctx: _Ctx, el: etree._Element, name: str) -> str:
    """The identifier in extension attribute ``lm:<name>``, or ``""`` when it is absent."""
    raw = el.get(_lm(name))
    if raw is None:
        return ""
    try:
        return check_id(raw.strip())
    except ModelError as err:
        raise ctx.error(el, f"has lm:{name}={raw!r}: {err}") from None


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


# ------------------------------------------------------------------------------------ writing


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


def _collect(
    model: LogicModel, observations: Any
) -> dict[str, dict[str, list[tuple[_dt.date, _dt.date, _Out]]]]:
    """Observation rows per indicator and kind, as (start, end, value) — checked and converted."""
    import numpy as np
    import pandas as pd

    from logicmodel.units import convert

    frame = _as_pandas(observations)
    out: dict[str, dict[str, list[tuple[_dt.date, _dt.date, _Out]]]] = {}
    if frame is None or len(frame) == 0:
        return out
    missing = [c for c in ("indicator", "period", "value") if c not in frame.columns]
    if missing:
        raise FormatError(
            f"observations lack column(s) {', '.join(missing)}; columns: "
            + ", ".join(map(str, frame.columns))
        )
    n = len(frame)
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
    if "kind" in frame.columns:
        raw_kinds = frame["kind"].astype(object).to_numpy()
        codes, distinct = pd.factorize(pd.Series(raw_kinds, dtype=object), use_na_sentinel=False)
        kinds = np.array([canonical_kind(k) for k in distinct], dtype=object)[codes]
    else:
        kinds = np.full(n, "actual", dtype=object)
    bad = np.flatnonzero(pd.isna(kinds))
    if bad.size:
        raise FormatError(
            f"observations: kind {raw_kinds[bad[0]]!r} is not actual, target or baseline",
            row=int(bad[0]),
            column="kind",
        )
    numbers = parse_numbers(frame["value"].astype(object).to_numpy())[0]
    if "unit" in frame.columns:
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
    labels = frame["period"].astype(object).to_numpy()
    spans: dict[Any, tuple[_dt.date, _dt.date]] = {}
    canonical: dict[Any, str] = {}
    for label in pd.unique(labels):
        try:
            p = parse_period(label, model.fiscal_year_start)
        except LogicModelError as err:
            pos = int(np.flatnonzero(pd.Series(labels).astype(str) == str(label))[0])
            raise FormatError(f"observations: {err}", row=pos, column="period") from None
        spans[label] = (p.start, p.end)
        canonical[label] = p.label

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
        value = _Out(
            number=number,
            text=None if text is None else str(text),
            comment=None if comments[pos] is None else str(comments[pos]),
            locations=places,
            dimensions=qualifiers,
            org=org or None,
            period=canonical[labels[pos]],
        )
        if value.number is None and not value.text and not value.comment:
            continue
        start, end = spans[labels[pos]]
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
    fy = model.fiscal_year_start
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
            starts.extend(_write_indicator(res, ind, rows.get(ind.id, {}), fy))
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
    first = min(starts) if starts else _dt.date.today()
    date_el.set("iso-date", first.isoformat())
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return atomic_write(path, data, overwrite=overwrite)


def _write_indicator(
    res: etree._Element,
    ind: Indicator,
    rows: Mapping[str, list[tuple[_dt.date, _dt.date, _Out]]],
    fy: int,
) -> list[_dt.date]:
    measure = "5" if ind.measure == "qualitative" else ("2" if ind.unit == "%" else "1")
    for ref in ind.refs:
        if ref.startswith("iati-measure:") and ref.split(":", 1)[1] in MEASURES:
            measure = ref.split(":", 1)[1]
    el = etree.SubElement(res, "indicator", measure=measure)
    el.set("ascending", "0" if ind.effective_direction == "decrease" else "1")
    el.set("aggregation-status", "0" if ind.orgs_rule == "none" else "1")
    el.set(_lm("id"), ind.id)
    if ind.unit is not None:
        el.set(_lm("unit"), ind.unit)
    if ind.role is not None:
        el.set(_lm("role"), ind.role)
    if ind.direction == "maintain":
        el.set(_lm("direction"), "maintain")
    el.set(_lm("aggregation"), _aggregation_text(ind))
    if ind.formula is not None:  # IATI has no formulas: kept for read_iati, values stay numbers
        el.set(_lm("formula"), ind.formula)
    if ind.frequency is not None:
        el.set(_lm("frequency"), ind.frequency)
    if ind.source is not None:
        el.set(_lm("source"), ind.source)
    if ind.weight != 1.0:
        el.set(_lm("weight"), _fmt(float(ind.weight)))
    _narrative(el, "title", ind.name or ind.id)
    if ind.description:
        _narrative(el, "description", ind.description)
    _write_refs(el, ind.refs, "indicator-uri")

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
    return [s for s, _ in periods] + [s for s, _, _ in baselines]
