"""Unit text to a pint unit without pint's string parser: normalising, tokenising against the
allow-list of names, evaluating products, quotients and powers; suggestions for unknown words."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

import pint
from pint.util import UnitsContainer

from logicmodel.errors import UnitError, nearest
from logicmodel.units.definitions import (
    _ALIASES,
    _INTERNAL,
    _MEANING,
    MAX_UNIT_LENGTH,
    _defined,
    known_units,
    registry,
)

_MUL_CHARS: Final = frozenset("*·・×")
_NUMBER = re.compile(r"\d*\.?\d*(?:[eE][+-]?\d+)?")
_ASCII_NAME = re.compile(r"[A-Za-z°][A-Za-z0-9_]*\Z")


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
    descent = _Descent(raw, _implicit_products(tokens), leaf, registry())
    result = descent.product()
    if (rest := descent.peek()) is not None:
        if rest.kind == "rpar":
            raise _fail(raw, f"unmatched ')' at {rest.pos}")
        raise _fail(raw, f"{rest.text!r} at {rest.pos} where an operator was expected")
    return result


def _implicit_products(tokens: list[_Token]) -> list[_Token]:
    """The tokens without spaces, except a space between two operands, which then means implicit
    multiplication."""
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
    return toks


@dataclass(slots=True)
class _Descent:
    """The state of one recursive descent: product := factor (('*' | '/') factor)*,
    factor := primary ('^' digit)?, primary := word | '1' | '(' product ')'."""

    raw: str
    toks: list[_Token]
    leaf: Leaf
    ureg: pint.UnitRegistry[Any]
    pos: int = 0

    def peek(self) -> _Token | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def primary(self) -> pint.Quantity[Any]:
        t = self.peek()
        if t is None:
            raise _fail(self.raw, "it ends where a unit name was expected")
        if t.kind == "word":
            self.pos += 1
            return self.leaf(t.text)
        if t.kind == "one":
            self.pos += 1
            return self.ureg.Quantity(1.0, self.ureg.dimensionless)
        if t.kind == "lpar":
            self.pos += 1
            inner = self.product()
            close = self.peek()
            if close is None or close.kind != "rpar":
                raise _fail(self.raw, f"parenthesis opened at {t.pos} is not closed")
            self.pos += 1
            return inner
        raise _fail(self.raw, f"{t.text!r} at {t.pos} where a unit name was expected")

    def factor(self) -> pint.Quantity[Any]:
        base = self.primary()
        t = self.peek()
        if t is not None and t.kind == "pow":
            self.pos += 1
            result = base
            for _ in range(int(t.text) - 1):
                result = result * base
            return result
        return base

    def product(self) -> pint.Quantity[Any]:
        result = self.factor()
        while (op := self.peek()) is not None and op.kind in {"mul", "div"}:
            self.pos += 1
            rhs = self.factor()
            result = result * rhs if op.kind == "mul" else result / rhs
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
