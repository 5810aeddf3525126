"""Reading an IATI file's elements: the file parsed safely, narratives in the preferred language,
booleans, dates, values with their qualifiers, codes and the writer's ``lm:`` attributes."""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from logicmodel.errors import FormatError, LogicModelError, ModelError
from logicmodel.intake.values import parse_number
from logicmodel.io.files import read_bytes
from logicmodel.io.iati.common import (
    _XML_LANG,
    MEASURES,
    RESULT_TYPES,
    _line,
    _lm,
    _local,
)
from logicmodel.model import (
    AGGREGATION_PRESETS,
    Aggregation,
    check_id,
)
from logicmodel.periods import parse_period

_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_ISO_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")


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


def _own_id_attr(ctx: _Ctx, el: etree._Element, name: str) -> str:
    """The identifier in extension attribute ``lm:<name>``, or ``""`` when it is absent."""
    raw = el.get(_lm(name))
    if raw is None:
        return ""
    try:
        return check_id(raw.strip())
    except ModelError as err:
        raise ctx.error(el, f"has lm:{name}={raw!r}: {err}") from None
