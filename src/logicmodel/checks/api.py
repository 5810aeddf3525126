"""``check(model)``: run every registered rule and gather what they find into a Report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from logicmodel.checks._common import sharing
from logicmodel.checks.registry import OBSERVATION_CODES, registered
from logicmodel.errors import ModelError, did_you_mean
from logicmodel.issues import Issue, Report

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["check"]

_LANGS = ("en", "ja")


def _selectors(value: str | Iterable[str] | None, name: str, known: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, str | Iterable):
        raise ModelError(
            f"{name}: expected a code, a code prefix or a list of them, got {type(value).__name__}"
        )
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            raise ModelError(f"{name}: expected codes or code prefixes such as 'LM2', got {item!r}")
        if not any(code.startswith(item) for code in known):
            raise ModelError(f"{name}: {item!r} matches no check code{did_you_mean(item, known)}")
    return items


def _chosen(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    if select and not any(code.startswith(s) for s in select):
        return False
    return not any(code.startswith(s) for s in ignore)


def check(
    model: LogicModel,
    observations: Any = None,
    *,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    lang: str = "en",
) -> Report:
    """Check a model (and optionally its observations) and report every problem found.

    Parameters
    ----------
    model
        The logic model.
    observations
        Optional observations frame (see :func:`logicmodel.evaluation`); checked with the LM3xx
        observation rules.
    select, ignore
        Codes or code prefixes (``"LM103"``, ``"LM2"``) to run only, or to leave out; a string or a
        list. ``ignore`` wins over ``select``.
    lang
        ``"en"`` or ``"ja"``: the language of the messages.

    Returns
    -------
    Report
        Every issue, errors first; ``report.ok`` is true when there is no error.

    Raises
    ------
    ModelError
        When ``model`` is not a :class:`~logicmodel.LogicModel`, a selector matches no code (the
        message names the nearest codes) or ``lang`` is unknown.

    Examples
    --------
    >>> import logicmodel as lm
    >>> from logicmodel.checks import check
    >>> m = lm.LogicModel(id="demo", title="デモ", nodes=[
    ...     lm.Activity(id="support"), lm.Output(id="adopted"), lm.Outcome(id="no_forms")],
    ...     links=[lm.Link(source="support", target="no_forms")])
    >>> report = check(m, select="LM1")
    >>> print(report)
    LM105 error   node 'adopted' (output): has no links; expected links from earlier stages
    (such as 'support') and to later stages (such as 'no_forms'); link it into the pathway or
    remove it
    >>> report.ok
    False
    >>> print(check(m, select="LM105", lang="ja"))
    LM105 error   node 'adopted' (output): つながりが一つもありません。...
    >>> check(m, ignore=["LM1", "LM2"]).issues
    []
    """
    from logicmodel.model import LogicModel

    if not isinstance(model, LogicModel):
        raise ModelError(
            f"check() needs a LogicModel, got {type(model).__name__}; build one with "
            "lm.LogicModel(...) or load one with lm.load(path)"
        )
    if lang not in _LANGS:
        raise ModelError(f"lang {lang!r} is not one of {', '.join(_LANGS)}")
    rules = registered()
    known = sorted({*rules, *OBSERVATION_CODES})
    chosen_select = _selectors(select, "select", known)
    chosen_ignore = _selectors(ignore, "ignore", known)

    issues: list[Issue] = []
    with sharing():
        for code, rule in rules.items():
            if not _chosen(code, chosen_select, chosen_ignore):
                continue
            try:
                issues.extend(rule(model))
            except Exception as err:
                err.add_note(f"while running check rule {code} ({rule.title})")
                raise
    if observations is not None:
        from logicmodel.observations import require_frame

        require_frame(observations, "check")
        issues.extend(_observation_issues(model, observations))
    kept = (i for i in issues if _chosen(i.code, chosen_select, chosen_ignore))
    report = Report(kept)
    return report.in_language(lang) if lang != "en" else report


def _observation_issues(model: LogicModel, observations: Any) -> list[Issue]:
    from logicmodel.observations import observation_issues

    return list(observation_issues(model, observations))
