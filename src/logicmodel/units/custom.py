"""Units added by users (:func:`define`), and the table of every unit (:func:`unit_table`)."""

from __future__ import annotations

import math
import re
from typing import Any

from logicmodel.errors import UnitError
from logicmodel.units.conversion import (
    _dim_text,
)
from logicmodel.units.definitions import (
    _ALIASES,
    _COUNTING,
    _INTERNAL,
    _SCALED,
    _Defined,
    _defined,
    registry,
)
from logicmodel.units.parsing import (
    _canonical_name,
    _fail,
    _pint_name,
    _prepare,
    normalize_unit_text,
    parse_unit,
)

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
    >>> from logicmodel.units import conversion_factor
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
