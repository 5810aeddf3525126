"""What reading and writing IATI share: the result and measure codes, the ``lm:`` extension
namespace, and small element helpers."""

from __future__ import annotations

from lxml import etree

__all__ = ["LM_NAMESPACE", "MEASURES", "RESULT_TYPES"]

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


def _lm(name: str) -> str:
    return f"{{{LM_NAMESPACE}}}{name}"


def _line(el: etree._Element) -> int | None:
    line: object = el.sourceline  # lxml-stubs type this oddly; it is an int or None
    return line if isinstance(line, int) else None


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]
