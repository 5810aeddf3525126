"""The built-in Japanese units as data (pint definitions, names, aliases, scales, meanings) and
the one application pint registry built from them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Final

import pint

MAX_UNIT_LENGTH: Final = 64
"""Longest unit text accepted (after and before NFKC normalisation)."""

# Our definitions, in pint's definition syntax; internal names are ASCII so that nothing depends on
# how pint treats non-ASCII names. Each counting unit is its own base dimension.
_DEFINITIONS: Final = (
    "lm_case = [case]",
    "lm_person = [person]",
    "lm_organisation = [organisation]",
    "lm_site = [site]",
    "lm_times = [times]",
    "lm_device = [device]",
    # counting units of public administration (issue 12), each its own dimension
    "lm_facility = [facility]",
    "lm_institution = [institution]",
    "lm_school = [school]",
    "lm_household = [household]",
    "lm_sheet = [sheet]",
    "lm_item = [item]",
    "lm_shop = [shop]",
    "lm_hospital = [hospital]",
    "lm_pharmacy = [pharmacy]",
    "lm_company = [company]",
    "lm_establishment = [establishment]",
    "lm_dwelling = [dwelling]",
    "lm_bed = [bed]",
    "lm_piece = [piece]",
    "lm_volume = [volume_book]",
    "lm_thousand_household = 1000 * lm_household",
    "lm_yen = [currency]",
    "lm_thousand_yen = 1000 * lm_yen",
    "lm_ten_thousand_yen = 10000 * lm_yen",
    "lm_million_yen = 1000000 * lm_yen",
    "lm_hundred_million_yen = 100000000 * lm_yen",
    "lm_trillion_yen = 1000000000000 * lm_yen",
    "lm_thousand_person = 1000 * lm_person",
    "lm_ten_thousand_person = 10000 * lm_person",
    "lm_percentage_point = 0.01",
    "lm_wari = 0.1",
)

# canonical (display) name -> internal pint name
_INTERNAL: Final[dict[str, str]] = {
    "件": "lm_case",
    "人": "lm_person",
    "団体": "lm_organisation",
    "箇所": "lm_site",
    "回": "lm_times",
    "台": "lm_device",
    "施設": "lm_facility",
    "機関": "lm_institution",
    "校": "lm_school",
    "世帯": "lm_household",
    "千世帯": "lm_thousand_household",
    "枚": "lm_sheet",
    "点": "lm_item",
    "店舗": "lm_shop",
    "病院": "lm_hospital",
    "薬局": "lm_pharmacy",
    "社": "lm_company",
    "事業所": "lm_establishment",
    "戸": "lm_dwelling",
    "床": "lm_bed",
    "本": "lm_piece",
    "冊": "lm_volume",
    "ha": "hectare",
    "円": "lm_yen",
    "千円": "lm_thousand_yen",
    "万円": "lm_ten_thousand_yen",
    "百万円": "lm_million_yen",
    "億円": "lm_hundred_million_yen",
    "兆円": "lm_trillion_yen",
    "千人": "lm_thousand_person",
    "万人": "lm_ten_thousand_person",
    "秒": "second",
    "分": "minute",
    "時間": "hour",
    "日": "day",
    "週": "week",
    "月": "month",
    "年": "year",
    "%": "percent",
    "ポイント": "lm_percentage_point",
    "割": "lm_wari",
}

# alias -> canonical name
_ALIASES: Final[dict[str, str]] = {
    "件数": "件",
    "人数": "人",
    "名": "人",
    "団体数": "団体",
    "か所": "箇所",
    "ヶ所": "箇所",
    "カ所": "箇所",
    "ケ所": "箇所",
    "ヵ所": "箇所",
    "個所": "箇所",
    "箇所数": "箇所",
    "回数": "回",
    "台数": "台",
    "か月": "月",
    "ヶ月": "月",
    "カ月": "月",
    "ケ月": "月",
    "ヵ月": "月",
    "施設数": "施設",
    "機関数": "機関",
    "校数": "校",
    "学校": "校",
    "学校数": "校",
    "世帯数": "世帯",
    "枚数": "枚",
    "店舗数": "店舗",
    "店": "店舗",
    "病院数": "病院",
    "薬局数": "薬局",
    "社数": "社",
    "企業": "社",
    "企業数": "社",
    "事業所数": "事業所",
    "戸数": "戸",
    "床数": "床",
    "病床": "床",
    "病床数": "床",
    "本数": "本",
    "冊数": "冊",
    "ヘクタール": "ha",
    "pt": "ポイント",
    "yen": "円",
    "JPY": "円",
}

# scaled canonical name -> (unscaled canonical name, factor); used by normalize_rs_unit
_SCALED: Final[dict[str, tuple[str, float]]] = {
    "千円": ("円", 1e3),
    "万円": ("円", 1e4),
    "百万円": ("円", 1e6),
    "億円": ("円", 1e8),
    "兆円": ("円", 1e12),
    "千人": ("人", 1e3),
    "万人": ("人", 1e4),
    "千世帯": ("世帯", 1e3),
}

# Japanese numeral prefixes the RS normaliser accepts before a counting unit (千件, 万台, ...)
_RS_PREFIXES: Final[tuple[tuple[str, float], ...]] = (
    ("百万", 1e6),
    ("千万", 1e7),
    ("十万", 1e5),
    ("兆", 1e12),
    ("億", 1e8),
    ("万", 1e4),
    ("千", 1e3),
    ("百", 1e2),
    ("十", 1e1),
)

_RATIO_INTERNAL: Final = frozenset({"percent", "lm_percentage_point", "lm_wari"})
_COUNTING: Final = frozenset(
    {"件", "人", "団体", "箇所", "回", "台", "施設", "機関", "校", "世帯", "枚", "点", "店舗",
     "病院", "薬局", "社", "事業所", "戸", "床", "本", "冊"}
)  # fmt: skip

# Near in meaning: a character (or word) in an unknown unit → the units people mean by it. Used
# for suggestions before near spellings ('施設数' and '館' suggest 施設, never '%' or 'JPY').
_MEANING: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("館", ("施設", "箇所")),
    ("園", ("施設", "箇所")),
    ("場", ("施設", "箇所")),
    ("所", ("事業所", "施設", "箇所")),
    ("センター", ("施設", "機関")),
    ("院", ("病院", "施設")),
    ("局", ("薬局", "機関")),
    ("店", ("店舗", "社")),
    ("校", ("校",)),
    ("学", ("校", "人")),
    ("社", ("社", "団体")),
    ("企業", ("社", "事業所")),
    ("法人", ("団体", "社")),
    ("家", ("世帯", "戸")),
    ("住", ("戸", "世帯")),
    ("床", ("床",)),
    ("冊", ("冊",)),
    ("部", ("冊", "枚")),
    ("紙", ("枚",)),
    ("枚", ("枚",)),
    ("本", ("本",)),
    ("個", ("件", "点")),
    ("品", ("点", "件")),
    ("名", ("人",)),
    ("児", ("人",)),
    ("生", ("人",)),
    ("患", ("人",)),
    ("者", ("人",)),
    ("員", ("人",)),
    ("回", ("回",)),
    ("度", ("回",)),
    ("台", ("台",)),
    ("機", ("台",)),
    ("金", ("円", "千円")),
    ("額", ("円", "千円")),
    ("率", ("%", "ポイント")),
    ("割", ("割", "%")),
    ("時", ("時間", "分")),
    ("日", ("日",)),
    ("面積", ("ha", "km^2")),
    ("市", ("団体",)),
    ("町", ("団体",)),
    ("村", ("団体",)),
    ("自治体", ("団体",)),
    ("機関", ("機関",)),
)


@dataclass(frozen=True, slots=True)
class _Defined:
    """Units added by :func:`define`: canonical name → pint name, alias → canonical name, and
    each definition as given (to accept the same definition twice and refuse a different one)."""

    internal: dict[str, str]
    aliases: dict[str, str]
    given: dict[str, tuple[Any, ...]]
    dimensions: dict[str, str]


@functools.cache
def _defined() -> _Defined:
    # lives beside the cached registry it extends; like pint's own registry it is process-wide
    return _Defined({}, {}, {}, {})


@functools.cache
def registry() -> pint.UnitRegistry[Any]:
    """The one application pint registry (built on first use, then cached).

    Returns
    -------
    pint.UnitRegistry
        pint's default definitions plus logicmodel's Japanese units, with
        ``autoconvert_offset_to_baseunit`` set.

    Examples
    --------
    >>> ureg = registry()
    >>> ureg is registry()
    True
    >>> str(ureg.Quantity(3, "lm_hundred_million_yen").to("lm_million_yen"))
    '300.0 lm_million_yen'
    """
    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(
        autoconvert_offset_to_baseunit=True, on_redefinition="raise"
    )
    for line in _DEFINITIONS:
        ureg.define(line)
    return ureg


def known_units() -> tuple[str, ...]:
    """The Japanese and special unit names (and aliases) logicmodel defines, sorted.

    pint's own ASCII unit names (``km``, ``kg``, ``hour``, ...) are accepted as well but not listed.

    Examples
    --------
    >>> "件" in known_units() and "か所" in known_units()
    True
    """
    user = _defined()
    return tuple(sorted({*_INTERNAL, *_ALIASES, *user.internal, *user.aliases}))
