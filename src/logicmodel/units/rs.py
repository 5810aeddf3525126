"""Unit text as the RS System writes it (``（百万円）``, ``千人``, ``件数``): a unit and a scale."""

from __future__ import annotations

import re
from typing import Any, Final

import pint

from logicmodel.errors import UnitError
from logicmodel.units.definitions import (
    _COUNTING,
    _RS_PREFIXES,
    _SCALED,
    MAX_UNIT_LENGTH,
    registry,
)
from logicmodel.units.parsing import (
    _canonical_name,
    _evaluate,
    _fail,
    _internal_of,
    _pint_name,
    _tokenize,
    _unknown_word,
    normalize_unit_text,
    parse_unit,
)

_OPEN_CLOSE: Final = {"(": ")", "[": "]", "【": "】", "「": "」", "『": "』", "〔": "〕", "<": ">"}
_BLANK_RS: Final = frozenset({"-", "―", "ー", "—", "‐", "−", "–", "なし", "無し", "なし。"})
_TRAILING_NOTE = re.compile(r"(.+?)\(([^()]*)\)\Z")


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
