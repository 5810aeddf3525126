"""``check(model)``: run every registered rule and gather what they find into a Report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from logicmodel.checks._common import sharing
from logicmodel.checks.registry import OBSERVATION_CODES, Rule, registered
from logicmodel.errors import ModelError, did_you_mean
from logicmodel.issues import Issue, Report

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = ["check", "drop_bad_rows"]

_LANGS = ("en", "ja")
_ERRORS = ("raise", "drop")


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


def _rule_set(rules: Mapping[str, Rule] | Iterable[Rule] | None) -> dict[str, Rule]:
    """The rules one call runs: the registry's (a snapshot), or exactly those given."""
    if rules is None:
        return dict(registered())
    given = list(rules.values()) if isinstance(rules, Mapping) else list(rules)
    chosen: dict[str, Rule] = {}
    for item in given:
        if not isinstance(item, Rule):
            raise ModelError(
                f"rules: expected Rule objects (such as lm.checks.registered()['LM101'] or "
                f"Rule(code, severity, title, title_ja, function)), got {type(item).__name__}"
            )
        if item.code in chosen:
            raise ModelError(f"rules: code {item.code!r} is given twice")
        chosen[item.code] = item
    return dict(sorted(chosen.items()))


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
    rules: Mapping[str, Rule] | Iterable[Rule] | None = None,
    errors: str = "raise",
    hierarchy: Hierarchy | None = None,
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
    rules
        The model rules to run instead of the registered ones: a mapping code → :class:`Rule` (as
        :func:`~logicmodel.checks.registry.registered` returns) or an iterable of rules. Nothing
        global is read or changed then, so a thread or an embedding system can run its own rule
        set while others register theirs. ``None`` (default) runs a snapshot of the process-wide
        registry taken when the call starts. The LM3xx observation checks always run when
        ``observations`` are given.
    errors
        ``"raise"`` (default): a bad observation row is an error. ``"drop"``: observation rows
        with errors are left out and reported as warnings saying so (:func:`drop_bad_rows`), as
        ``evaluate(errors="drop")`` does.
    hierarchy
        An :class:`~logicmodel.Hierarchy`: every org code of the observations that it does not
        know (wrong check digit, lost leading zero, unknown code) is an LM309 error with its rows,
        the same report :func:`~logicmodel.evaluate` raises.

    Returns
    -------
    Report
        Every issue, errors first; ``report.ok`` is true when there is no error.

    Raises
    ------
    ModelError
        When ``model`` is not a :class:`~logicmodel.LogicModel`, a selector matches no code (the
        message names the nearest codes), ``lang`` is unknown or ``rules`` holds something that
        is not a :class:`Rule`.

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

    A rule set of one's own, without registering anything:

    >>> from logicmodel.checks.registry import Rule, registered
    >>> def no_owner(model):
    ...     if model.owner is None:
    ...         yield mine.issue(f"model {model.id!r}", "has no owner", "所管がありません")
    >>> mine = Rule("X100", "warning", "no owner", "所管なし", no_owner)
    >>> print(check(m, rules=[registered()["LM105"], mine]))
    LM105 error   node 'adopted' (output): ...
    X100  warning model 'demo': has no owner
    >>> "X100" in registered()
    False
    """
    from logicmodel.model import LogicModel

    if not isinstance(model, LogicModel):
        raise ModelError(
            f"check() needs a LogicModel, got {type(model).__name__}; build one with "
            "lm.LogicModel(...) or load one with lm.load(path)"
        )
    if lang not in _LANGS:
        raise ModelError(f"lang {lang!r} is not one of {', '.join(_LANGS)}")
    if errors not in _ERRORS:
        raise ModelError(f"errors {errors!r} is not one of {', '.join(_ERRORS)}")
    rule_set = _rule_set(rules)
    known = sorted({*rule_set, *OBSERVATION_CODES})
    chosen_select = _selectors(select, "select", known)
    chosen_ignore = _selectors(ignore, "ignore", known)

    issues: list[Issue] = []
    with sharing():
        for code, rule in rule_set.items():
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
        found = _observation_issues(model, observations, hierarchy, drop=errors == "drop")
        issues.extend(found)
    kept = (i for i in issues if _chosen(i.code, chosen_select, chosen_ignore))
    report = Report(kept)
    return report.in_language(lang) if lang != "en" else report


def _observation_issues(
    model: LogicModel, observations: Any, hierarchy: Hierarchy | None, *, drop: bool = False
) -> list[Issue]:
    from logicmodel.observations import observation_issues

    if not drop:
        return list(observation_issues(model, observations, hierarchy))
    from logicmodel.observations import org_code_issues, prepare_observations

    # the rows of an issue with rows are left out (warnings); unknown org codes stay errors, as in
    # evaluate(errors="drop")
    prepared = prepare_observations(model, observations)
    return [*drop_bad_rows(prepared.issues), *org_code_issues(prepared, hierarchy)]


def drop_bad_rows(issues: Iterable[Issue]) -> list[Issue]:
    """``issues`` with each observation error that concerns rows (LM3xx with a row) turned into a
    warning saying its rows are left out; other issues unchanged.

    The rows of such an issue are exactly the rows the intake leaves out of the clean
    observations, so ``evaluate(errors="drop")`` evaluates the rest and reports these warnings in
    ``progress.report``. An error without rows (a missing column) stays an error.

    Examples
    --------
    >>> from logicmodel.issues import Issue
    >>> bad = Issue("LM303", "error", "observations row 4 (0-based)", "value 'abc' is not a number",
    ...             row=4, column="value")
    >>> print(drop_bad_rows([bad])[0])
    LM303 warning observations row 4 (0-based): value 'abc' is not a number; left out
    """
    out: list[Issue] = []
    for issue in issues:
        if issue.severity == "error" and issue.code.startswith("LM3") and issue.row is not None:
            out.append(
                replace(
                    issue,
                    severity="warning",
                    message=f"{issue.message}; left out",
                    message_ja=None if issue.message_ja is None else f"{issue.message_ja}（除外）",
                )
            )
        else:
            out.append(issue)
    return out
