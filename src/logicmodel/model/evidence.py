"""Structured evidence on a link: the estimate that says whether "if this, then that" held.

:class:`LinkEvidence` is what :meth:`LogicModel.with_evidence` puts on a :class:`Link` from an
``lm.Evidence`` (the result of ``lm.estimate_link``, DESIGN §4.8). It is plain frozen data (numbers
and ids), so it travels through YAML and JSON with the model; the event-study path is kept so a
chart can be drawn again from a saved model.

Examples
--------
>>> ev = LinkEvidence(method="callaway_santanna", treatment="adopted_n", outcome="wait_min",
...                   att=-3.1, se=0.2, ci_low=-3.5, ci_high=-2.7, n_treated=1200,
...                   n_control=541, n_periods=48, verdict="supports")
>>> str(ev)
'ATT -3.1 (95% CI -3.5 to -2.7): supports'
>>> ev.text("ja")
'効果 -3.1（95%信頼区間 -3.5〜-2.7）: 支持'
>>> ev.label()
'ATT -3.1 [-3.5, -2.7] 支持 supports'
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from logicmodel.errors import ModelError
from logicmodel.model.base import FiniteFloat, Frozen, Id, Text

__all__ = [
    "VERDICTS",
    "Control",
    "EventEffect",
    "LinkEvidence",
    "Verdict",
    "estimate_text",
    "level_text",
    "verdict_of",
]

Verdict = Literal["supports", "contradicts", "inconclusive"]
Control = Literal["never_treated", "not_yet_treated"]

VERDICTS: tuple[Verdict, ...] = ("supports", "contradicts", "inconclusive")
"""Verdicts in order: the interval is on the improving side, on the worsening side, or neither."""

VERDICT_JA: dict[str, str] = {"supports": "支持", "contradicts": "反証", "inconclusive": "判定不能"}
"""Japanese labels of :data:`VERDICTS` (one place for every display)."""

_Count = Annotated[int, Field(ge=0)]


def estimate_text(value: float | None, *, sign: bool = False) -> str:
    """An estimate as people read it in a label or message: 3 significant digits below 1,000,
    whole numbers with thousands separators above (no exponent for a figure in 円 or 人), an
    exponent only for tiny or astronomic values; ``—`` for a missing one.

    Examples
    --------
    >>> [estimate_text(v) for v in (-7.3569, 0.04123, 0.0, 1234.5, -3014567.0, 2.5e-5)]
    ['-7.36', '0.0412', '0', '1,234', '-3,014,567', '2.50e-05']
    >>> estimate_text(2.0, sign=True), estimate_text(None)
    ('+2', '—')
    """
    if value is None or not math.isfinite(value):
        return "—"
    plus = "+" if sign else ""
    size = abs(value)
    if size != 0 and (size < 1e-3 or size >= 1e15):
        return f"{value:{plus}.2e}"
    if size >= 1000:
        return f"{value:{plus},.0f}"
    return f"{value:{plus}.3g}"


def level_text(alpha: float) -> str:
    """The confidence level of a ``1 - alpha`` interval: ``95%``, ``90%``, ``99.5%``.

    Examples
    --------
    >>> level_text(0.05), level_text(0.1), level_text(0.005), level_text(0.025)
    ('95%', '90%', '99.5%', '97.5%')
    """
    return f"{(1 - alpha) * 100:.10g}%"


def verdict_of(ci_low: float, ci_high: float, direction: str | None) -> Verdict:
    """``supports`` when the interval lies on the improving side of 0 for the outcome's
    ``direction``, ``contradicts`` on the worsening side, else ``inconclusive``.

    ``direction`` ``None`` counts as ``increase`` (as achievement assumes); ``maintain`` has no
    improving side, so its verdict is always ``inconclusive``.

    Examples
    --------
    >>> verdict_of(-3.5, -2.7, "decrease"), verdict_of(-3.5, -2.7, "increase")
    ('supports', 'contradicts')
    >>> verdict_of(-0.4, 0.3, "decrease"), verdict_of(1.0, 2.0, "maintain")
    ('inconclusive', 'inconclusive')
    """
    if direction == "maintain" or not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return "inconclusive"
    sign = -1.0 if direction == "decrease" else 1.0
    low, high = sorted((sign * ci_low, sign * ci_high))
    if low > 0:
        return "supports"
    if high < 0:
        return "contradicts"
    return "inconclusive"


class EventEffect(Frozen):
    """One point of an event study: the effect ``event_time`` periods after adoption."""

    event_time: int
    att: FiniteFloat
    se: FiniteFloat | None = None
    ci_low: FiniteFloat | None = None
    ci_high: FiniteFloat | None = None


class LinkEvidence(Frozen):
    """An estimated effect of a link's source on its target (staggered difference-in-differences).

    ``att`` is the average effect on the treated organisations in the outcome's unit, with its
    ``se`` (clustered by organisation) and ``1 - alpha`` interval ``ci_low``–``ci_high``.
    ``verdict`` says whether the interval lies on the improving side of the outcome's direction
    (``supports``), on the worsening side (``contradicts``) or neither (``inconclusive``).
    ``anticipation``, ``covariates`` and ``bootstrap`` record the options of the estimate, so a
    saved model says how it was made.
    """

    method: Text
    treatment: Id | None = None
    outcome: Id
    control: Control = "never_treated"
    att: FiniteFloat
    se: FiniteFloat
    ci_low: FiniteFloat
    ci_high: FiniteFloat
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05
    n_treated: _Count
    n_control: _Count
    n_periods: _Count
    pre_trend_p: Annotated[float, Field(ge=0, le=1)] | None = None
    verdict: Verdict
    anticipation: _Count = 0
    covariates: tuple[Id, ...] = ()
    bootstrap: _Count = 0
    first_period: Text | None = None
    last_period: Text | None = None
    unit: Text | None = None
    software: Text | None = None
    event_study: tuple[EventEffect, ...] = ()

    def text(self, lang: str = "en") -> str:
        """One line for a diagram's link label or a table cell (``lang`` ``"en"`` or ``"ja"``).

        Raises
        ------
        ModelError
            ``lang`` is neither ``"en"`` nor ``"ja"``.
        """
        if lang not in ("en", "ja"):
            raise ModelError(f"lang {lang!r} is not one of 'en', 'ja'")
        level = level_text(self.alpha)
        att, lo, hi = (
            estimate_text(self.att),
            estimate_text(self.ci_low),
            estimate_text(self.ci_high),
        )
        if lang == "ja":
            return f"効果 {att}（{level}信頼区間 {lo}〜{hi}）: {VERDICT_JA[self.verdict]}"
        return f"ATT {att} ({level} CI {lo} to {hi}): {self.verdict}"

    def label(self) -> str:
        """A short bilingual label for a diagram's link: ``ATT -3.07 [-3.28, -2.87] 支持 supports``."""
        att, lo, hi = (
            estimate_text(self.att),
            estimate_text(self.ci_low),
            estimate_text(self.ci_high),
        )
        return f"ATT {att} [{lo}, {hi}] {VERDICT_JA[self.verdict]} {self.verdict}"

    def finding_note(self, lang: str = "en") -> str:
        """What a pathway finding on this link adds when the evidence ``supports`` it (the
        ``broken_link`` diagnostic: the link held elsewhere, so look at delivery, not the
        assumption); empty for other verdicts."""
        if self.verdict != "supports":
            return ""
        if lang == "ja":
            return (
                f"。ただし推定（{self.text('ja')}）はこのつながりを支持しています。"
                "前提よりも実施状況（導入の範囲・時期・運用）を確認してください"
            )
        return (
            f"; yet the estimated evidence supports the link ({self.text()}), so look at how the "
            "change is delivered (coverage, timing, practice) rather than at the assumption"
        )

    def __str__(self) -> str:
        return self.text()
