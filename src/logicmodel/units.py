"""The application unit registry with Japanese units, and our own safe unit parser.

DESIGN §5.2 and §7. There is exactly one pint registry in logicmodel, built lazily by
:func:`registry` from pint's default definitions plus our own: counting units with their own
base dimensions (件, 人, 団体, 箇所, 回, 台 — so 件 and 人 never convert into each other),
円 as a currency with 千円 … 兆円, scaled people (千人, 万人), time (秒, 分, 時間, 日, 週,
月, 年) and the ratio units %, ポイント (percentage point) and 割.

Unit *text* is never handed to pint's string parser. :func:`parse_unit` normalises it (NFKC,
so ``件／人`` is ``件/人``), limits its length, tokenises it against an allow-list of known
unit names, ``/``, ``*``, ``·``, ``・``, ``×``, parentheses and ``^2``-style single-digit
exponents, and builds the unit by multiplying registry units. Every failure is a
:class:`~logicmodel.errors.UnitError`.

Values live in float64 arrays; :func:`convert` multiplies a whole array by one cached factor.

Examples
--------
>>> from logicmodel import units
>>> units.conversion_factor("万人", "人")
10000.0
>>> units.normalize_unit_text("件／人")
'件/人'
>>> units.same_dimension("件", "人")
False
>>> units.normalize_rs_unit("（百万円）")
('円', 1000000.0)
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
import pint
from pint.util import UnitsContainer

from logicmodel.errors import UnitError, nearest

__all__ = [
    "MAX_UNIT_LENGTH",
    "conversion_factor",
    "convert",
    "define",
    "defined_units",
    "dimensionality",
    "is_percent",
    "known_units",
    "normalize_rs_unit",
    "normalize_unit_text",
    "parse_unit",
    "registry",
    "same_dimension",
    "suggest_units",
    "unit_table",
]

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
_OPEN_CLOSE: Final = {"(": ")", "[": "]", "【": "】", "「": "」", "『": "』", "〔": "〕", "<": ">"}
_BLANK_RS: Final = frozenset({"-", "―", "ー", "—", "‐", "−", "–", "なし", "無し", "なし。"})

_MUL_CHARS: Final = frozenset("*·・×")
_NUMBER = re.compile(r"\d*\.?\d*(?:[eE][+-]?\d+)?")
_TRAILING_NOTE = re.compile(r"(.+?)\(([^()]*)\)\Z")
_ASCII_NAME = re.compile(r"[A-Za-z°][A-Za-z0-9_]*\Z")


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


_DIMENSION = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z")


def _one_word(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise UnitError(f"{what} must be text, got {type(text).__name__}", text=None)
    s, tokens = _prepare(text)
    if len(tokens) != 1 or tokens[0].kind != "word" or tokens[0].text == "%":
        raise _fail(text, f"{what} must be one word (letters, kana or kanji), such as '施設'")
    return s


def define(
    name: str,
    *,
    dimension: str | None = None,
    of: str | None = None,
    factor: float = 1.0,
    aliases: tuple[str, ...] | list[str] = (),
) -> str:
    """Add a unit to the application registry (for every model in this process).

    Parameters
    ----------
    name
        One word: ``"施設"``, ``"拠点"``, ``"千世帯"``. Stored NFKC-normalised.
    dimension
        A new dimension of its own (ASCII, e.g. ``"facility"``), so the unit never converts into
        another; default: a dimension named after the unit. Two units of one dimension are
        related with ``of``/``factor`` instead.
    of, factor
        Define the unit as ``factor`` × an existing unit (``define("千世帯", of="世帯",
        factor=1000)``); then ``dimension`` must be left out.
    aliases
        Other spellings (``("拠点数",)``).

    Returns
    -------
    str
        The canonical name.

    Raises
    ------
    UnitError
        The name or an alias is not one word or is already a unit with another meaning, the
        dimension is taken, ``of`` is not a unit, or ``factor`` is not a positive finite number.
        Defining the same unit again the same way is accepted (model files can say it again).

    Examples
    --------
    >>> define("拠点", dimension="lm_doc_base", aliases=["拠点数"])
    '拠点'
    >>> conversion_factor("拠点数", "拠点")
    1.0
    >>> define("拠点", dimension="lm_doc_base", aliases=["拠点数"])  # the same again: accepted
    '拠点'
    >>> define("施設", dimension="building")
    Traceback (most recent call last):
    ...
    logicmodel.errors.UnitError: unit '施設' is already defined (built in); ...
    """
    canon = _one_word(name, "a unit name")
    names = tuple(_one_word(a, "an alias") for a in aliases)
    user = _defined()
    given = (dimension, None if of is None else normalize_unit_text(of), float(factor), names)
    if canon in user.given:
        if user.given[canon] == given:
            return canon
        raise UnitError(
            f"unit {canon!r} is already defined differently ({user.given[canon]!r}); a unit "
            "keeps one meaning in a process",
            text=name,
        )
    for word in (canon, *names):
        if _canonical_name(word) is not None or _pint_name(word) is not None:
            where = "built in" if _canonical_name(word) not in user.internal else "defined"
            raise UnitError(
                f"unit {word!r} is already defined ({where}); choose another name or use it as is",
                text=word,
            )
    if not (math.isfinite(factor) and factor > 0):
        raise UnitError(f"factor {factor!r} must be a positive finite number", text=name)
    internal = f"lm_user_{len(user.internal)}"
    ureg = registry()
    if of is not None:
        if dimension is not None:
            raise UnitError("give either dimension= or of=, not both", text=name)
        base = parse_unit(of)
        ureg.define(f"{internal} = {float(factor)!r} * ({base})")
    else:
        dim = dimension if dimension is not None else f"lm_user_dim_{len(user.internal)}"
        if not _DIMENSION.match(dim):
            raise UnitError(
                f"dimension {dim!r} must be an ASCII name such as 'facility'", text=name
            )
        if dim in user.dimensions:
            raise UnitError(
                f"dimension {dim!r} is already the dimension of {user.dimensions[dim]!r}; "
                f"relate the units with of={user.dimensions[dim]!r}, factor=...",
                text=name,
            )
        ureg.define(f"{internal} = [lm_user_{dim}]")
        user.dimensions[dim] = canon
    user.internal[canon] = internal
    user.given[canon] = given
    for alias in names:
        user.aliases[alias] = canon
    return canon


def defined_units() -> dict[str, dict[str, Any]]:
    """The units added by :func:`define`, as given (for writing them into a model file).

    Examples
    --------
    >>> "拠点" in defined_units() or define("拠点", dimension="lm_doc_base", aliases=["拠点数"])
    True
    >>> defined_units()["拠点"]["aliases"]
    ['拠点数']
    """
    out: dict[str, dict[str, Any]] = {}
    for canon, (dimension, of, factor, names) in _defined().given.items():
        out[canon] = {"dimension": dimension, "of": of, "factor": factor, "aliases": list(names)}
    return out


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


def unit_table(*, defined: bool = True) -> list[tuple[str, tuple[str, ...], str]]:
    """Every Japanese and special unit (built in, then those added by :func:`define` unless
    ``defined=False``): ``(name, aliases, meaning)``.

    ``docs/units.md`` lists this table (a test keeps the page and the registry in step).

    Examples
    --------
    >>> [row for row in unit_table() if row[0] in ("施設", "千円", "%")]
    [('施設', ('施設数',), 'count of its own [facility]'), ('千円', (), '1000 円'), ('%', (), 'ratio')]
    """
    user = _defined() if defined else _Defined({}, {}, {}, {})
    names = [*_INTERNAL, *(n for n in user.internal if n not in _INTERNAL)]
    aliases: dict[str, list[str]] = {}
    for alias, canon in (*_ALIASES.items(), *user.aliases.items()):
        aliases.setdefault(canon, []).append(alias)
    rows: list[tuple[str, tuple[str, ...], str]] = []
    for name in names:
        if name in _SCALED:
            base, scale = _SCALED[name]
            meaning = f"{scale:.0f} {base}"
        elif name in user.given and user.given[name][1] is not None:
            meaning = f"{user.given[name][2]:g} {user.given[name][1]}"
        else:
            dim = _dim_text(parse_unit(name).dimensionality)
            if name in _COUNTING or name in user.internal:
                meaning = f"count of its own {dim.replace('lm_user_', '')}"
            else:
                meaning = {"dimensionless": "ratio"}.get(dim, dim)
        rows.append((name, tuple(aliases.get(name, ())), meaning))
    return rows


def normalize_unit_text(text: str) -> str:
    """The canonical form of a unit text, as the model stores it.

    NFKC normalisation (full-width ``／`` → ``/``, ``％`` → ``%``), ``²``/``³`` → ``^2``/``^3``,
    whitespace stripped and collapsed, and no spaces around operators.

    Examples
    --------
    >>> normalize_unit_text(" 件／人 ")
    '件/人'
    >>> normalize_unit_text("ｋｍ²  / 人")
    'km^2/人'
    """
    if not isinstance(text, str):
        raise UnitError(f"unit must be text, got {type(text).__name__} {text!r}", text=None)
    s = text.replace("²", "^2").replace("³", "^3")
    s = unicodedata.normalize("NFKC", s)
    s = " ".join(s.split())
    return re.sub(r"\s*([*/·・×^()])\s*", r"\1", s)


# --------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "one", "mul", "div", "pow", "lpar", "rpar", "space"
    text: str
    pos: int


def _fail(text: str, why: str) -> UnitError:
    return UnitError(f"unit {text!r} is not an allowed unit: {why}", text=text)


def _tokenize(raw: str, s: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == " ":
            tokens.append(_Token("space", c, i))
            i += 1
        elif c in _MUL_CHARS:
            tokens.append(_Token("mul", c, i))
            i += 1
        elif c == "/":
            tokens.append(_Token("div", c, i))
            i += 1
        elif c == "(":
            tokens.append(_Token("lpar", c, i))
            i += 1
        elif c == ")":
            tokens.append(_Token("rpar", c, i))
            i += 1
        elif c == "^":
            if i + 1 < n and s[i + 1] in "123456789" and (i + 2 >= n or not s[i + 2].isdigit()):
                tokens.append(_Token("pow", s[i + 1], i))
                i += 2
            else:
                raise _fail(raw, f"only '^2'-style single-digit exponents are allowed (at {i})")
        elif c == "%":
            tokens.append(_Token("word", c, i))
            i += 1
        elif c.isdigit() or (c == "." and i + 1 < n and s[i + 1].isdigit()):
            m = _NUMBER.match(s, i)
            j = m.end() if m is not None and m.end() > i else i + 1
            number = s[i:j]
            if number == "1":
                tokens.append(_Token("one", number, i))
                i = j
            else:
                raise _fail(raw, f"numbers such as {number!r} are not allowed in units (at {i})")
        elif c.isalpha() or c in {"_", "°"}:
            j = i + 1
            while j < n and (s[j].isalnum() or s[j] == "_"):
                j += 1
            tokens.append(_Token("word", s[i:j], i))
            i = j
        else:
            raise _fail(raw, f"character {c!r} is not allowed (at {i})")
    return tokens


def _canonical_name(word: str) -> str | None:
    """Our canonical name for a Japanese/special word (built in or defined), or None."""
    if word in _INTERNAL:
        return word
    found = _ALIASES.get(word)
    if found is not None:
        return found
    user = _defined()
    if word in user.internal:
        return word
    return user.aliases.get(word)


def _internal_of(canonical: str) -> str:
    """The pint name of one of our canonical names."""
    return _INTERNAL.get(canonical) or _defined().internal[canonical]


def _pint_name(word: str) -> str | None:
    """pint's full name (prefix + unit) for an ASCII word, or None when pint does not know it."""
    if not _ASCII_NAME.match(word) or word.startswith("lm_"):
        return None
    try:
        candidates = registry().parse_unit_name(word)
    except Exception:  # pint raises assorted errors for odd names; all mean "unknown"
        return None
    if len(candidates) != 1:
        return None
    prefix, unit, suffix = candidates[0]
    return f"{prefix}{unit}{suffix}"


def suggest_units(word: str, n: int = 3) -> list[str]:
    """Known units near ``word`` in meaning first, then in spelling (a Japanese word is compared
    with Japanese names only, so ``施設数`` never suggests ``'%'``, ``'JPY'`` or ``'pt'``).

    Examples
    --------
    >>> suggest_units("図書館")
    ['施設', '箇所']
    >>> suggest_units("児童数")
    ['人']
    >>> suggest_units("kmh")
    ['km', 'm']
    """
    out: list[str] = []
    for key, units in _MEANING:
        if key in word:
            out.extend(u for u in units if u not in out)
    if word.isascii():
        pool = ["km", "m", "kg", "hour", "minute", "day", "ha", "JPY", "yen", "pt"]
        near = nearest(word, pool, n=n)
    else:
        chars = set(word) - {"数", "延", "べ"}
        names = sorted({_canonical_name(x) or x for x in known_units() if not x.isascii()})
        near = [x for x in names if chars & set(x)]
    out.extend(x for x in near if x not in out)
    return out[:n]


def _unknown_word(raw: str, word: str) -> UnitError:
    near = suggest_units(word)
    hint = ", ".join(repr(x) for x in near) or "none"
    return UnitError(
        f"unit {raw!r} is not an allowed unit: unknown unit name {word!r}; nearest known units: "
        f"{hint} (define a unit with lm.units.define({word!r}, dimension=...) or a 'units:' "
        "section in the model file)",
        text=raw,
    )


Leaf = Callable[[str], "pint.Quantity[Any]"]


def _evaluate(raw: str, tokens: list[_Token], leaf: Leaf) -> pint.Quantity[Any]:
    """Recursive descent over the unit tokens; ``leaf`` turns one word into a Quantity."""
    # drop spaces that are not between two operands (they then mean implicit multiplication)
    toks: list[_Token] = []
    for k, t in enumerate(tokens):
        if t.kind == "space":
            prev = tokens[k - 1] if k > 0 else None
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if (
                prev is not None
                and nxt is not None
                and prev.kind in {"word", "one", "rpar", "pow"}
                and nxt.kind in {"word", "one", "lpar"}
            ):
                toks.append(_Token("mul", " ", t.pos))
            continue
        toks.append(t)
    ureg = registry()
    pos = 0

    def peek() -> _Token | None:
        return toks[pos] if pos < len(toks) else None

    def primary() -> pint.Quantity[Any]:
        nonlocal pos
        t = peek()
        if t is None:
            raise _fail(raw, "it ends where a unit name was expected")
        if t.kind == "word":
            pos += 1
            return leaf(t.text)
        if t.kind == "one":
            pos += 1
            return ureg.Quantity(1.0, ureg.dimensionless)
        if t.kind == "lpar":
            pos += 1
            inner = product()
            close = peek()
            if close is None or close.kind != "rpar":
                raise _fail(raw, f"parenthesis opened at {t.pos} is not closed")
            pos += 1
            return inner
        raise _fail(raw, f"{t.text!r} at {t.pos} where a unit name was expected")

    def factor() -> pint.Quantity[Any]:
        nonlocal pos
        base = primary()
        t = peek()
        if t is not None and t.kind == "pow":
            pos += 1
            result = base
            for _ in range(int(t.text) - 1):
                result = result * base
            return result
        return base

    def product() -> pint.Quantity[Any]:
        nonlocal pos
        result = factor()
        while (op := peek()) is not None and op.kind in {"mul", "div"}:
            pos += 1
            rhs = factor()
            result = result * rhs if op.kind == "mul" else result / rhs
        return result

    result = product()
    if (rest := peek()) is not None:
        if rest.kind == "rpar":
            raise _fail(raw, f"unmatched ')' at {rest.pos}")
        raise _fail(raw, f"{rest.text!r} at {rest.pos} where an operator was expected")
    return result


def _prepare(text: str) -> tuple[str, list[_Token]]:
    if not isinstance(text, str):
        raise UnitError(f"unit must be text, got {type(text).__name__} {text!r}", text=None)
    if len(text) > MAX_UNIT_LENGTH:
        shown = text[:MAX_UNIT_LENGTH] + "…"
        raise UnitError(
            f"unit {shown!r} is not an allowed unit: longer than {MAX_UNIT_LENGTH} characters",
            text=text,
        )
    s = normalize_unit_text(text)
    if "**" in s:
        raise _fail(text, "'**' is not allowed; write '^2' for a square")
    if not s:
        raise _fail(text, "it is empty (write '1' for a dimensionless quantity)")
    if len(s) > MAX_UNIT_LENGTH:
        raise _fail(text, f"longer than {MAX_UNIT_LENGTH} characters after normalisation")
    return s, _tokenize(text, s)


def _registry_leaf(raw: str) -> Leaf:
    ureg = registry()

    def leaf(word: str) -> pint.Quantity[Any]:
        canon = _canonical_name(word)
        if canon is not None:
            return ureg.Quantity(1.0, _internal_of(canon))
        name = _pint_name(word)
        if name is None:
            raise _unknown_word(raw, word)
        return ureg.Quantity(1.0, name)

    return leaf


@functools.lru_cache(maxsize=1024)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit text with logicmodel's own allow-list parser.

    Parameters
    ----------
    text
        Unit text such as ``"件"``, ``"百万円"``, ``"件／人"``, ``"円/(人*年)"``, ``"km^2"`` or
        ``"1"`` (dimensionless). pint's ASCII unit names are accepted too.

    Returns
    -------
    pint.Unit
        A unit of :func:`registry`.

    Raises
    ------
    UnitError
        For empty or over-long text, ``**``, numbers other than ``1``, unknown names (with the
        nearest known ones), characters outside the allow-list and unbalanced parentheses.

    Examples
    --------
    >>> parse_unit("件／人") == parse_unit("件/人")
    True
    >>> parse_unit("9**9**9")
    Traceback (most recent call last):
    ...
    logicmodel.errors.UnitError: unit '9**9**9' is not an allowed unit: '**' is not allowed; ...
    """
    _, tokens = _prepare(text)
    q = _evaluate(text, tokens, _registry_leaf(text))
    return cast("pint.Unit", q.units)


@functools.lru_cache(maxsize=1024)
def dimensionality(unit_text: str) -> UnitsContainer:
    """The pint dimensionality of a unit text (hashable, picklable).

    Examples
    --------
    >>> str(dimensionality("円/人"))
    '[currency] / [person]'
    >>> dimensionality("%") == dimensionality("1")
    True
    """
    dim: UnitsContainer = parse_unit(unit_text).dimensionality
    return dim


def same_dimension(a: str, b: str) -> bool:
    """Whether two unit texts have the same dimensionality (so they convert).

    Examples
    --------
    >>> same_dimension("億円", "千円"), same_dimension("件", "人")
    (True, False)
    """
    return dimensionality(a) == dimensionality(b)


def _dim_text(dim: UnitsContainer) -> str:
    return str(dim) if dim else "dimensionless"


def _is_multiplicative(unit: pint.Unit) -> bool:
    return bool(registry().Quantity(1.0, unit)._is_multiplicative)


@functools.lru_cache(maxsize=1024)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """The factor that turns values in ``from_unit`` into values in ``to_unit``.

    Raises
    ------
    UnitError
        When either text is not a unit, the dimensions differ (the message names both units and
        their dimensions), or a unit has an offset (°C; use :func:`convert`).

    Examples
    --------
    >>> conversion_factor("億円", "百万円")
    100.0
    >>> conversion_factor("分", "時間")  # doctest: +ELLIPSIS
    0.01666...
    >>> conversion_factor("件", "人")
    Traceback (most recent call last):
    ...
    logicmodel.errors.UnitError: cannot convert '件' ([case]) to '人' ([person]): ...
    """
    fu, tu = parse_unit(from_unit), parse_unit(to_unit)
    _check_same(from_unit, to_unit)
    if not (_is_multiplicative(fu) and _is_multiplicative(tu)):
        raise UnitError(
            f"cannot express {from_unit!r} → {to_unit!r} as one factor: the unit has an offset",
            text=from_unit,
        )
    return float(registry().Quantity(1.0, fu).to(tu).magnitude)


def _check_same(from_unit: str, to_unit: str) -> None:
    fd, td = dimensionality(from_unit), dimensionality(to_unit)
    if fd != td:
        raise UnitError(
            f"cannot convert {from_unit!r} ({_dim_text(fd)}) to {to_unit!r} ({_dim_text(td)}): "
            "the dimensions differ",
            text=from_unit,
        )


def convert(values: npt.ArrayLike, from_unit: str, to_unit: str) -> npt.NDArray[np.float64]:
    """Convert a whole array of values from one unit to another (one multiply, factor cached).

    The input is never modified; the result is a new float64 array.

    Examples
    --------
    >>> convert([1.5, 2.0], "万人", "人")
    array([15000., 20000.])
    >>> convert([0.0, 100.0], "degC", "degF")
    array([ 32., 212.])
    """
    arr = np.asarray(values, dtype=np.float64)
    fu, tu = parse_unit(from_unit), parse_unit(to_unit)
    if _is_multiplicative(fu) and _is_multiplicative(tu):
        return arr * conversion_factor(from_unit, to_unit)
    _check_same(from_unit, to_unit)
    out = registry().Quantity(arr, fu).to(tu).magnitude
    return np.asarray(out, dtype=np.float64)


def is_percent(unit_text: str) -> bool:
    """Whether the unit is one of the ratio units ``%``, ``ポイント`` (percentage point) or ``割``.

    Examples
    --------
    >>> is_percent("％"), is_percent("ポイント"), is_percent("割"), is_percent("件")
    (True, True, True, False)
    """
    items = dict(parse_unit(unit_text)._units)
    return len(items) == 1 and next(iter(items)) in _RATIO_INTERNAL and 1 in items.values()


# ------------------------------------------------------------------------------- RS System units


def _unwrap(s: str) -> str:
    s = s.strip()
    for prefix in ("単位:", "単位"):
        if s.startswith(prefix) and len(s) > len(prefix):
            s = s[len(prefix) :].strip()
            break
    changed = True
    while changed and len(s) >= 2:
        changed = False
        close = _OPEN_CLOSE.get(s[0])
        if close is not None and s.endswith(close):
            inner = s[1:-1]
            # only unwrap when the brackets enclose everything (not "(件)/(人)")
            depth, ok = 0, True
            for ch in inner:
                if ch == s[0]:
                    depth += 1
                elif ch == close:
                    depth -= 1
                    if depth < 0:
                        ok = False
                        break
            if ok and depth == 0:
                s = inner.strip()
                changed = True
    return s


def _rs_word(word: str) -> tuple[str, float] | None:
    """(canonical unscaled name, scale) for an RS unit word, or None when unknown."""
    canon = _canonical_name(word)
    if canon is None and word.endswith("数") and len(word) > 1:
        canon = _canonical_name(word[:-1])
    if canon is not None:
        return _SCALED.get(canon, (canon, 1.0))
    for prefix, scale in _RS_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix):
            inner = _rs_word(word[len(prefix) :])
            if inner is not None and inner[0] in _COUNTING | {"円"}:
                return inner[0], inner[1] * scale
    return None


def _is_remark(text: str, inner: str) -> bool:
    """Whether bracketed RS text is a remark (not a unit): it has a word that is not a unit."""
    try:
        tokens = _tokenize(text, inner)
    except UnitError:
        return True
    return any(
        t.kind == "word" and _rs_word(t.text) is None and _pint_name(t.text) is None for t in tokens
    )


def normalize_rs_unit(text: str) -> tuple[str, float]:
    """Canonical unit and scale factor for a free-text unit of an RS System sheet.

    The RS System publishes the 行政事業レビューシート; its unit cells are free text.

    Values in the sheet are multiplied by the factor to land in the canonical unit.

    Parameters
    ----------
    text
        The unit cell, e.g. ``"（件）"``, ``"万人"``, ``"百万円"``, ``"単位：千円/人"``.

    Returns
    -------
    tuple of (str, float)
        The canonical unit text (parseable by :func:`parse_unit`) and the scale factor.

    Raises
    ------
    UnitError
        For blank or ``-`` cells and text that is not a unit; callers turn it into a data-quality
        finding.

    Examples
    --------
    >>> normalize_rs_unit("万人")
    ('人', 10000.0)
    >>> normalize_rs_unit("千円/人")
    ('円/人', 1000.0)
    >>> normalize_rs_unit("件数")
    ('件', 1.0)
    """
    if not isinstance(text, str):
        raise UnitError(f"RS unit must be text, got {type(text).__name__} {text!r}", text=None)
    if len(text) > MAX_UNIT_LENGTH:
        raise UnitError(
            f"RS unit {text[:MAX_UNIT_LENGTH]!r}… is longer than {MAX_UNIT_LENGTH} characters",
            text=text,
        )
    s = _unwrap(normalize_unit_text(text))
    if not s or s in _BLANK_RS:
        raise UnitError(f"RS unit {text!r} gives no unit", text=text)
    for prefix in ("延べ", "延"):
        if s.startswith(prefix) and len(s) > len(prefix):
            s = s[len(prefix) :]
            break
    note = _TRAILING_NOTE.match(s)
    if note is not None and _is_remark(text, note.group(2)):
        s = note.group(1).strip()  # "件(延べ)": a remark in brackets, not part of the unit
    if "**" in s:
        raise _fail(text, "'**' is not allowed")
    tokens = _tokenize(text, s)
    ureg = registry()
    parts: list[str] = []
    for t in tokens:
        if t.kind != "word":
            parts.append(t.text)
            continue
        found = _rs_word(t.text)
        if found is not None:
            parts.append(found[0])
        elif _pint_name(t.text) is not None:
            parts.append(t.text)
        else:
            raise _unknown_word(text, t.text)

    def leaf(word: str) -> pint.Quantity[Any]:
        found = _rs_word(word)
        if found is not None:
            return ureg.Quantity(found[1], _internal_of(found[0]))
        name = _pint_name(word)
        if name is None:  # pragma: no cover - rejected above
            raise _unknown_word(text, word)
        return ureg.Quantity(1.0, name)

    canonical = normalize_unit_text("".join(parts))
    q = _evaluate(text, tokens, leaf)
    target = parse_unit(canonical)
    return canonical, float(q.to(target).magnitude)
