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
    "dimensionality",
    "is_percent",
    "known_units",
    "normalize_rs_unit",
    "normalize_unit_text",
    "parse_unit",
    "registry",
    "same_dimension",
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
_OPEN_CLOSE: Final = {"(": ")", "[": "]", "【": "】", "「": "」", "『": "』", "〔": "〕", "<": ">"}
_BLANK_RS: Final = frozenset({"-", "―", "ー", "—", "‐", "−", "–", "なし", "無し", "なし。"})

_MUL_CHARS: Final = frozenset("*·・×")
_NUMBER = re.compile(r"\d*\.?\d*(?:[eE][+-]?\d+)?")
_TRAILING_NOTE = re.compile(r"(.+?)\(([^()]*)\)\Z")
_ASCII_NAME = re.compile(r"[A-Za-z°][A-Za-z0-9_]*\Z")


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
    return tuple(sorted({*_INTERNAL, *_ALIASES}))


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
    """Our canonical name for a Japanese/special word, or None when it is not ours."""
    if word in _INTERNAL:
        return word
    return _ALIASES.get(word)


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


def _unknown_word(raw: str, word: str) -> UnitError:
    near = nearest(word, known_units())
    hint = ", ".join(repr(x) for x in near)
    return UnitError(
        f"unit {raw!r} is not an allowed unit: unknown unit name {word!r}; nearest known units: "
        f"{hint}",
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
            return ureg.Quantity(1.0, _INTERNAL[canon])
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
            if inner is not None and inner[0] in {"件", "人", "団体", "箇所", "回", "台", "円"}:
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
            return ureg.Quantity(found[1], _INTERNAL[found[0]])
        name = _pint_name(word)
        if name is None:  # pragma: no cover - rejected above
            raise _unknown_word(text, word)
        return ureg.Quantity(1.0, name)

    canonical = normalize_unit_text("".join(parts))
    q = _evaluate(text, tokens, leaf)
    target = parse_unit(canonical)
    return canonical, float(q.to(target).magnitude)
