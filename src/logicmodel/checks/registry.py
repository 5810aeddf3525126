"""The check-rule registry (STYLE 9): a name or a callable, and no silent overrides.

A rule is a small pure function ``rule(model) -> Iterable[Issue]``. It is registered under a stable
code with a severity and an English and a Japanese title, either with :func:`register_rule` or with
the :func:`rule` decorator. Registering a code twice raises :class:`~logicmodel.ModelError` unless
``replace=True`` is given. The built-in rules register themselves when ``logicmodel.checks`` is
imported (nothing else happens then: no files are read, no environment is touched).

The decorator returns a :class:`Rule`, which is callable like the function and also builds issues
with its own code and severity (:meth:`Rule.issue`), so a rule body never repeats them.

Examples
--------
>>> from logicmodel.checks.registry import register_rule, unregister_rule, registered
>>> def no_title(model):
...     if not model.title.strip():
...         yield no_title_rule.issue(f"model {model.id!r}", "has an empty title", "題名が空です")
>>> no_title_rule = register_rule("X001", severity="info", title="empty title", title_ja="題名なし",
...                               rule=no_title)
>>> "X001" in registered()
True
>>> register_rule("X001", severity="info", title="again", title_ja="再登録", rule=no_title)
Traceback (most recent call last):
...
logicmodel.errors.ModelError: check rule 'X001' is already registered (empty title); ...
>>> unregister_rule("X001").code
'X001'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from logicmodel.errors import ModelError, did_you_mean
from logicmodel.issues import SEVERITIES, Issue, Severity

if TYPE_CHECKING:
    import pandas as pd

    from logicmodel.model import LogicModel

__all__ = [
    "OBSERVATION_CODES",
    "Rule",
    "RuleFunction",
    "register_rule",
    "registered",
    "rule",
    "rules",
    "unregister_rule",
]

RuleFunction = Callable[["LogicModel"], Iterable[Issue]]
"""What a rule is: a pure function from a model to the issues it finds."""

_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,15}[0-9]\Z")


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered check rule: ``code``, ``severity``, titles and the function.

    Calling a ``Rule`` runs its function. :meth:`issue` makes an :class:`~logicmodel.Issue` with the
    rule's code and severity.
    """

    code: str
    severity: Severity
    title: str
    title_ja: str
    function: RuleFunction = field(repr=False, compare=False)
    scope: str = "model"

    def __call__(self, model: LogicModel) -> Iterator[Issue]:
        return iter(self.function(model))

    def issue(self, where: str, message: str, message_ja: str, *, ids: Iterable[str] = ()) -> Issue:
        """An issue of this rule at ``where`` with an English and a Japanese message."""
        return Issue(
            self.code, self.severity, where, message, message_ja=message_ja, ids=tuple(ids)
        )

    @property
    def doc(self) -> str:
        """The first paragraph of the rule function's docstring (what triggers it)."""
        text = (getattr(self.function, "__doc__", None) or "").strip()
        return " ".join(text.split("\n\n")[0].split())


_REGISTRY: dict[str, Rule] = {}
# Holds the registered rules. Filled only by register_rule (the built-in rules call it when
# logicmodel.checks is imported), never by importing logicmodel itself.


def register_rule(
    code: str,
    *,
    severity: Severity,
    title: str,
    title_ja: str,
    rule: RuleFunction,
    replace: bool = False,
) -> Rule:
    """Register ``rule`` under ``code`` and return the :class:`Rule`.

    Parameters
    ----------
    code
        Stable code such as ``"LM101"``: upper-case letters, then letters/digits, ending in a digit.
        Built-in codes are LM1xx (structure), LM2xx (indicators), LM3xx (observations, reserved)
        and LM4xx (roadmap); use your own prefix (``"X001"``) for your rules.
    severity
        ``"error"``, ``"warning"`` or ``"info"``.
    title, title_ja
        Short English and Japanese names (shown by :func:`rules` and in the docs).
    rule
        ``rule(model) -> Iterable[Issue]``.
    replace
        Allow replacing a rule already registered under ``code``.

    Raises
    ------
    ModelError
        If ``code`` is registered and ``replace`` is false, the code is malformed, the severity is
        unknown or ``rule`` is not callable.
    """
    if not isinstance(code, str) or not _CODE.match(code):
        raise ModelError(
            f"check rule code {code!r} is malformed: expected upper-case letters then digits, "
            "such as 'LM101' or 'X001'"
        )
    if severity not in SEVERITIES:
        raise ModelError(
            f"check rule {code!r}: severity {severity!r} is not one of {', '.join(SEVERITIES)}"
        )
    if not callable(rule):
        raise ModelError(
            f"check rule {code!r}: expected a function rule(model) -> Iterable[Issue], "
            f"got {type(rule).__name__}"
        )
    if code in _OBSERVATION_CODES:
        raise ModelError(
            f"check rule code {code!r} is reserved for observation checks; use another code"
        )
    old = _REGISTRY.get(code)
    if old is not None and not replace:
        raise ModelError(
            f"check rule {code!r} is already registered ({old.title}); "
            "pass replace=True to replace it"
        )
    made = Rule(code, severity, str(title), str(title_ja), rule)
    _REGISTRY[code] = made
    return made


def rule(
    code: str, *, severity: Severity, title: str, title_ja: str, replace: bool = False
) -> Callable[[RuleFunction], Rule]:
    """Decorator form of :func:`register_rule`; returns the :class:`Rule`.

    Examples
    --------
    >>> from logicmodel.checks.registry import rule, unregister_rule
    >>> @rule("X002", severity="warning", title="no owner", title_ja="所管なし")
    ... def no_owner(model):
    ...     if model.owner is None:
    ...         yield no_owner.issue(f"model {model.id!r}", "has no owner", "所管がありません")
    >>> no_owner.code, no_owner.severity
    ('X002', 'warning')
    >>> _ = unregister_rule("X002")
    """

    def decorate(function: RuleFunction) -> Rule:
        return register_rule(
            code, severity=severity, title=title, title_ja=title_ja, rule=function, replace=replace
        )

    return decorate


def unregister_rule(code: str) -> Rule:
    """Remove the rule registered under ``code`` and return it.

    Raises
    ------
    ModelError
        If no rule has that code (the message names the nearest codes).
    """
    if code not in _REGISTRY:
        raise ModelError(f"no check rule {code!r} is registered{did_you_mean(code, _REGISTRY)}")
    return _REGISTRY.pop(code)


def registered() -> Mapping[str, Rule]:
    """A read-only snapshot of the registered rules, by code (sorted)."""
    from types import MappingProxyType

    return MappingProxyType(dict(sorted(_REGISTRY.items())))


@dataclass(frozen=True, slots=True)
class _Reserved:
    code: str
    severity: Severity
    title: str
    title_ja: str


_OBSERVATION_CODES: Final[dict[str, _Reserved]] = {
    r.code: r
    for r in (
        _Reserved("LM301", "error", "unknown indicator", "未定義の指標"),
        _Reserved("LM302", "error", "unparseable period", "解釈できない期間"),
        _Reserved("LM303", "error", "non-numeric value", "数値でない値"),
        _Reserved("LM304", "error", "duplicate (indicator, org, period, kind)", "重複する観測値"),
        _Reserved("LM305", "warning", "value outside the % range", "百分率の範囲外の値"),
        _Reserved("LM306", "error", "unit not convertible", "換算できない単位"),
        _Reserved(
            "LM307",
            "warning",
            "formula indicator observed against its components",
            "算式指標の観測値が構成指標と矛盾",
        ),
        _Reserved("LM308", "error", "missing required column", "必須列の欠落"),
        _Reserved("LM309", "error", "bad org code", "不正な団体コード"),
        _Reserved("LM310", "error", "unknown observation kind", "不明な観測値の種別"),
        # data-quality findings of the RS System reader (logicmodel.io.rs)
        _Reserved(
            "LM311",
            "warning",
            "unit not recognised (indicator kept without unit)",
            "解釈できない単位",
        ),
        _Reserved(
            "LM312",
            "error",
            "link to a node that the 3-1 sheet does not define",
            "未定義のノードへのつながり",
        ),
        _Reserved(
            "LM313", "warning", "duplicate or self link dropped", "重複または自己参照のつながり"
        ),
        _Reserved("LM314", "warning", "row not understood (skipped)", "解釈できない行"),
        _Reserved(
            "LM315",
            "warning",
            "stage or direction not recognised (default used)",
            "解釈できない期間・向き",
        ),
        _Reserved(
            "LM316",
            "warning",
            "target year without target value, or 達成率 without 実績値",
            "対応する値のない目標年度・達成率",
        ),
        _Reserved("LM320", "warning", "negative count", "負の件数"),
        _Reserved("LM321", "error", "sum overflows", "合計のあふれ"),
        _Reserved("LM322", "warning", "period far in the future", "遠い将来の期間"),
        _Reserved(
            "LM319",
            "warning",
            "placeholder mark read as no value",
            "記号を値なしとして読み込み",
        ),
    )
}

OBSERVATION_CODES: Final[tuple[str, ...]] = tuple(_OBSERVATION_CODES)
"""Codes reserved for observation checks (``logicmodel.observations``, LM301–LM310) and the RS
System reader's data-quality findings (``logicmodel.io.rs``, LM311–LM316)."""


def rules() -> pd.DataFrame:
    """Every check code: registered rules and the reserved observation codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, severity, title, title_ja, scope`` (``scope`` is ``"model"`` for rules run
        on the model, ``"observations"`` for observation checks), sorted by code.

    Examples
    --------
    >>> import logicmodel.checks as checks
    >>> table = checks.rules()
    >>> table.set_index("code").loc["LM101", ["severity", "title"]].tolist()
    ['error', 'cycle in links']
    >>> sorted(set(table["scope"]))
    ['model', 'observations']
    """
    import pandas as pd

    items: list[Rule | _Reserved] = [*_REGISTRY.values(), *_OBSERVATION_CODES.values()]
    items.sort(key=lambda r: r.code)
    return pd.DataFrame(
        {
            "code": [r.code for r in items],
            "severity": [r.severity for r in items],
            "title": [r.title for r in items],
            "title_ja": [r.title_ja for r in items],
            "scope": [r.scope if isinstance(r, Rule) else "observations" for r in items],
        }
    )
