"""Checks for what used to be accepted silently (issue 12): text that shows nothing or hides
control characters, ids that look the same but differ, counts below zero, periods decades ahead.

- **LM110** control characters in text (NUL, ESC and other C0/C1 controls, bidirectional
  overrides): they reach the dashboard, CSV and IATI files and can hide or reorder what is shown.
- **LM111** confusable ids: two ids that look the same once NFKC-normalised and case-folded with
  look-alike letters mapped (Latin ``a`` vs Cyrillic ``а`` vs full-width ``ａ``).
- **LM112** blank text: a model title, node label or milestone title that is empty, only spaces
  (also the ideographic space U+3000) or only invisible characters.
- **LM219** blank or control-character indicator name.
- **LM220** a negative baseline or target for an indicator counted in a counting unit (件, 人 …).
- **LM221** a baseline or target period ending more than 30 years from today.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from logicmodel.checks._common import indicator_where, milestone_where, model_where, node_where
from logicmodel.checks.registry import rule
from logicmodel.errors import LogicModelError
from logicmodel.issues import Issue
from logicmodel.observations import COUNT_UNITS, FUTURE_YEARS
from logicmodel.periods import parse_period

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["blank_text", "confusable_ids", "control_text", "far_future", "negative_counts"]

_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
# look-alike letters (a small table after Unicode's confusables.txt, the letters that occur in
# Latin-script ids): Cyrillic and Greek forms map to the Latin letter they look like
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d",
        "ο": "o", "α": "a", "ν": "v", "ρ": "p", "τ": "t", "ι": "i", "κ": "k", "χ": "x",
        "0": "o", "1": "l",
    }
)  # fmt: skip
_FUTURE_YEARS = FUTURE_YEARS
_COUNT_UNITS = COUNT_UNITS


def _blank(text: str) -> bool:
    return not "".join(ch for ch in text if ch not in _INVISIBLE).strip()


def _controls(text: str, *, lines_ok: bool = False) -> list[str]:
    allowed = {"\t", "\n", "\r"} if lines_ok else set()
    found = []
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) == "Cc" or ch in _BIDI:
            found.append(f"U+{ord(ch):04X}")
    return sorted(set(found))


def _texts(model: LogicModel) -> Iterator[tuple[str, str, str, str, bool]]:
    """(where, field, text, id, may be empty) for the texts people read."""
    yield model_where(model), "title", model.title, model.id, False
    for field in ("owner", "description"):
        value = getattr(model, field, None)
        if isinstance(value, str):
            yield model_where(model), field, value, model.id, True
    for node in model.nodes:
        label = getattr(node, "label", None)
        if isinstance(label, str):
            yield node_where(node), "label", label, node.id, False
        description = getattr(node, "description", None)
        if isinstance(description, str):
            yield node_where(node), "description", description, node.id, True
    for ms in model.milestones:
        title = getattr(ms, "title", None)
        if isinstance(title, str):
            yield milestone_where(ms.id), "title", title, ms.id, False


@rule("LM112", severity="warning", title="blank text", title_ja="空の文字列")
def blank_text(model: LogicModel) -> Iterator[Issue]:
    """A title or label that shows nothing (empty, spaces, invisible characters)."""
    for where, field, text, ident, may_be_empty in _texts(model):
        if not may_be_empty and _blank(text):
            yield blank_text.issue(
                where,
                f"{field} is blank ({len(text)} characters, none visible); expected readable text",
                f"{field} が空白です（{len(text)}文字、表示される文字なし）",
                ids=(ident,),
            )


@rule("LM110", severity="error", title="control characters in text", title_ja="制御文字")
def control_text(model: LogicModel) -> Iterator[Issue]:
    """Text holding NUL, ESC or other control or bidirectional-override characters."""
    for where, field, text, ident, may_be_empty in _texts(model):
        found = _controls(text, lines_ok=may_be_empty)
        if found:
            yield control_text.issue(
                where,
                f"{field} holds control characters {', '.join(found[:5])}; remove them (they are "
                "invisible or reorder text in the dashboard and in exported files)",
                f"{field} に制御文字 {', '.join(found[:5])} が含まれています。削除してください",
                ids=(ident,),
            )


def skeleton(ident: str) -> str:
    """NFKC, case-folded, look-alike letters mapped: ids with one skeleton look the same.

    Examples
    --------
    >>> skeleton("a") == skeleton("\\u0430") == skeleton("\\uff41")
    True
    """
    return unicodedata.normalize("NFKC", ident).casefold().translate(_CONFUSABLE)


@rule("LM111", severity="error", title="confusable ids", title_ja="見分けにくいID")
def confusable_ids(model: LogicModel) -> Iterator[Issue]:
    """Two ids that look alike (``a`` and Cyrillic ``а``): a link could name the wrong one."""
    ids = [n.id for n in model.nodes]
    ids += [i.id for i in model.indicators] + [m.id for m in model.milestones]
    seen: dict[str, str] = {}
    for ident in ids:
        key = skeleton(ident)
        first = seen.setdefault(key, ident)
        if first != ident:
            codes = " ".join(f"U+{ord(ch):04X}" for ch in ident if ord(ch) > 127) or "ASCII"
            yield confusable_ids.issue(
                f"id {ident!r}",
                f"looks like id {first!r} (characters {codes}); rename one of them",
                f"ID {first!r} と見分けがつきません（{codes}）。どちらかの名前を変えてください",
                ids=(first, ident),
            )


@rule(
    "LM219",
    severity="warning",
    title="blank or control text in indicator",
    title_ja="指標名の空白・制御文字",
)
def indicator_text(model: LogicModel) -> Iterator[Issue]:
    """An indicator name that is blank or holds control characters."""
    for ind in model.indicators:
        name = getattr(ind, "name", None)
        if not isinstance(name, str):
            continue
        found = _controls(name)
        if _blank(name) or found:
            what = f"control characters {', '.join(found[:5])}" if found else "nothing visible"
            yield indicator_text.issue(
                indicator_where(ind.id),
                f"name holds {what}; expected readable text",
                "指標名が空白か制御文字を含みます",
                ids=(ind.id,),
            )


def _points(ind: object) -> Iterator[tuple[str, object]]:
    baseline = getattr(ind, "baseline", None)
    if baseline is not None:
        yield "baseline", baseline
    for k, point in enumerate(getattr(ind, "targets", ()) or ()):
        yield f"targets[{k}]", point


@rule("LM220", severity="warning", title="negative count", title_ja="負の件数")
def negative_counts(model: LogicModel) -> Iterator[Issue]:
    """A baseline or target below zero for an indicator in a counting unit."""
    for ind in model.indicators:
        unit = (getattr(ind, "unit", None) or "").strip()
        if unit not in _COUNT_UNITS:
            continue
        for field, point in _points(ind):
            value = getattr(point, "value", None)
            if isinstance(value, int | float) and value < 0:
                yield negative_counts.issue(
                    indicator_where(ind.id),
                    f"{field} is {value:g} {unit}; a count cannot be below zero",
                    f"{field} が {value:g}{unit} です。件数は負になりません",
                    ids=(ind.id,),
                )


@rule("LM221", severity="warning", title="period far in the future", title_ja="遠い将来の期間")
def far_future(model: LogicModel) -> Iterator[Issue]:
    """A baseline or target period ending more than 30 years from today (a typo such as FY2099)."""
    today = dt.date.today()
    limit = today.replace(year=today.year + _FUTURE_YEARS)
    for ind in model.indicators:
        for field, point in _points(ind):
            text = getattr(point, "period", None)
            try:
                end = parse_period(text, fiscal_year_start=model.fiscal_year_start).end
            except (LogicModelError, TypeError):
                continue
            if end > limit:
                yield far_future.issue(
                    indicator_where(ind.id),
                    f"{field} period {text} ends on {end}, more than {_FUTURE_YEARS} years ahead; "
                    "is the year mistyped?",
                    f"{field} の期間 {text} は{_FUTURE_YEARS}年以上先です。年の入力誤りではありませんか",
                    ids=(ind.id,),
                )
