"""Text measured and wrapped for drawings: one helper shared by the charts and the dashboard.

Text is measured with a generous estimate of each character's advance (:func:`text_width`), so a
label wrapped to a box never overruns it: the page draws every line in full, nothing is cut.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata

__all__ = ["fit", "text_width", "wrap", "wrap_into"]

_WIDE_NARROW = frozenset("MWmw@%")  # half-width glyphs nearly as wide as a full-width one
_NO_LINE_START = frozenset(
    "、。，．・：；？！ー）］｝」』】〕〉》ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ,.:;?!)]}"
)


def _em(char: str) -> float:
    """Estimated advance of one character in em, on the generous side so text never overruns.

    Full-width (``W``/``F``) and ambiguous (``A``: a Japanese font draws ``…``, ``×``, ``→``
    full width) characters are 1 em; half-width katakana 0.55; Latin capitals 0.75, ``MWmw@%``
    0.95 and other narrow characters 0.6 (Noto Sans CJK JP measures 0.55 for digits, at most
    0.93 for ``m``); combining marks and control characters take no room.
    """
    if unicodedata.combining(char) or unicodedata.category(char) in {"Cc", "Cf"}:
        return 0.0
    eaw = unicodedata.east_asian_width(char)
    if eaw in {"W", "F", "A"}:
        return 1.0
    if eaw == "H":
        return 0.55
    if char in _WIDE_NARROW:
        return 0.95
    return 0.75 if char.isupper() else 0.6


def text_width(text: str) -> float:
    """Estimated display width of ``text`` in em (multiply by the font size for pixels).

    Examples
    --------
    >>> text_width("行政サービス"), text_width("28%")
    (6.0, 2.15)
    """
    return sum(_em(c) for c in text)


def wrap(text: str, room: float) -> list[str]:
    """``text`` broken into lines of at most ``room`` em; every character is kept.

    Lines break between any two characters, or after the last space of a line that has one
    (Latin words stay whole); no line starts with a comma, closing bracket or small kana (禁則).

    Examples
    --------
    >>> wrap("誰一人取り残されない利用者中心の行政サービス", 12.0)
    ['誰一人取り残されない利用', '者中心の行政サービス']
    >>> wrap("Digital by default", 9.0)
    ['Digital by', 'default']
    >>> wrap("職員の窓口業務時間の削減、職員の窓口業務", 12.0)
    ['職員の窓口業務時間の削', '減、職員の窓口業務']
    >>> wrap("", 5.0)
    ['']
    """
    lines: list[str] = []
    rest = text
    while text_width(rest) > room:
        # the characters that fit; at least one, so a character wider than the line moves on
        cut = max(bisect.bisect_right(list(itertools.accumulate(map(_em, rest))), room), 1)
        space = rest.rfind(" ", 1, cut + 1)
        if space > 0 and not rest[cut].isspace():
            cut = space + 1
        else:
            while cut > 1 and rest[cut] in _NO_LINE_START:
                cut -= 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not lines:
        lines.append(rest)
    return lines


def fit(text: str, room: float) -> str:
    """``text`` cut to at most ``room`` em, ending in ``…`` when anything was cut.

    Examples
    --------
    >>> fit("スマートフォンで手続が完結", 8.0)
    'スマートフォン…'
    >>> fit("short", 8.0)
    'short'
    """
    if text_width(text) <= room:
        return text
    out, used, limit = [], 0.0, room - _em("…")
    for char in text:
        used += _em(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip() + "…"


def wrap_into(text: str, rooms: list[float]) -> list[str]:
    """``text`` in at most ``len(rooms)`` lines, line ``k`` at most ``rooms[k]`` em wide; what
    does not fit is cut with ``…`` on the last line (for drawings of a fixed size, e.g. charts).

    Examples
    --------
    >>> wrap_into("誰一人取り残されない利用者中心の行政サービス", [12.0, 9.0])
    ['誰一人取り残されない利用', '者中心の行政サー…']
    """
    lines = wrap(text, min(rooms))
    if len(lines) <= len(rooms) and all(
        text_width(line) <= room for line, room in zip(lines, rooms, strict=False)
    ):
        return lines
    out: list[str] = []
    rest = text
    for k, room in enumerate(rooms):
        if k == len(rooms) - 1 or text_width(rest) <= room:
            out.append(fit(rest, room))
            break
        first = wrap(rest, room)[0]
        out.append(first)
        rest = rest[len(first) :].lstrip()
        if not rest:
            break
    return out
