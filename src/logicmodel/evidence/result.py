"""``lm.Evidence``: the estimated effect of one link, its intervals, diagnostics and verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from logicmodel.errors import ModelError
from logicmodel.model import EventEffect, LinkEvidence
from logicmodel.model.evidence import VERDICT_JA, estimate_text, level_text, verdict_of

__all__ = ["EVENT_STUDY_COLUMNS", "GROUP_TIME_COLUMNS", "Evidence", "verdict_of"]

EVENT_STUDY_COLUMNS = (
    "event_time",
    "att",
    "se",
    "ci_low",
    "ci_high",
    "n_cohorts",
    "band_low",
    "band_high",
)
"""Columns of :attr:`Evidence.event_study`."""
GROUP_TIME_COLUMNS = (
    "cohort",
    "period",
    "event_time",
    "att",
    "se",
    "ci_low",
    "ci_high",
)
"""Columns of :attr:`Evidence.group_time`: ``cohort`` is the adoption period's label."""

_METHOD_NAMES = {"callaway_santanna": "Callaway–Sant'Anna"}
_CONTROL_TEXT = {
    "en": {"never_treated": "never-treated", "not_yet_treated": "not-yet-treated"},
    "ja": {"never_treated": "未導入団体", "not_yet_treated": "未導入・導入前の団体"},
}


def _p_text(p: float | None) -> str:
    """``p = 0.32``, ``p < 0.001``, ``p = —`` (no pre-adoption periods to test)."""
    if p is None or not math.isfinite(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _optional(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class Evidence:
    """The estimated effect of a link's source on its target (DESIGN §4.8), from
    :func:`~logicmodel.estimate_link`.

    Attributes
    ----------
    link
        ``(source, target)`` node ids.
    treatment, outcome
        Indicator ids (``treatment`` is ``None`` when adoption came from a table).
    method, control
        The estimator (``callaway_santanna``) and the comparison group (``never_treated`` or
        ``not_yet_treated``).
    att, se, ci_low, ci_high, alpha
        The overall average effect on the treated (group-time effects after adoption averaged
        with weights by group size), in the outcome's unit; its standard error (clustered by
        organisation, from the influence function) and ``1 - alpha`` interval.
    n_treated, n_control, n_periods
        Organisations that adopt within the window, organisations serving as controls, and
        outcome periods.
    pre_trend_p
        p-value of the joint Wald test that every pre-adoption event-study effect is 0 (``None``
        without pre-adoption periods to test). A small value warns that parallel trends may fail.
    event_study
        DataFrame ``event_time, att, se, ci_low, ci_high, n_cohorts, band_low, band_high`` (event
        time 0 = the adoption period; ``n_cohorts``: adoption cohorts observed that long after
        adoption). ``ci_low``–``ci_high`` are **pointwise** ``1 - alpha`` intervals (each event
        time on its own); ``band_low``–``band_high`` the **simultaneous** band over the whole path,
        with ``bootstrap=`` draws (missing without).
    group_time
        DataFrame ``cohort, period, event_time, att, se, ci_low, ci_high`` of group-time effects.
    verdict
        ``supports`` | ``contradicts`` | ``inconclusive`` (see :func:`verdict_of`).
    direction, unit
        The outcome indicator's direction and unit.
    periods
        Labels of the outcome periods (time axis), first to last.
    anticipation, bootstrap, covariates
        Options used (``bootstrap``: multiplier-bootstrap draws, 0 = analytic errors).
    always_treated
        Organisations left out: adopted before their first observed period (plus anticipation).
    notes
        Messages the estimation library emitted (cells it could not estimate …).
    software
        The estimation library and its version.
    """

    link: tuple[str, str]
    treatment: str | None
    outcome: str
    method: str
    control: str
    att: float
    se: float
    ci_low: float
    ci_high: float
    alpha: float
    n_treated: int
    n_control: int
    n_periods: int
    pre_trend_p: float | None
    event_study: pd.DataFrame = field(repr=False)
    group_time: pd.DataFrame = field(repr=False)
    verdict: str
    direction: str | None = None
    unit: str | None = None
    periods: tuple[str, ...] = field(default=(), repr=False)
    anticipation: int = 0
    bootstrap: int = 0
    covariates: tuple[str, ...] = ()
    always_treated: tuple[str, ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = field(default=(), repr=False)
    software: str | None = None

    def to_link_evidence(self) -> LinkEvidence:
        """The structured record :meth:`LogicModel.with_evidence` puts on the link."""
        es = self.event_study
        points = tuple(
            EventEffect(
                event_time=int(t),
                att=float(a),
                se=_optional(s),
                ci_low=_optional(lo),
                ci_high=_optional(hi),
            )
            for t, a, s, lo, hi in zip(
                es["event_time"].tolist(),
                es["att"].tolist(),
                es["se"].tolist(),
                es["ci_low"].tolist(),
                es["ci_high"].tolist(),
                strict=True,
            )
            if math.isfinite(a)
        )
        return LinkEvidence(
            method=self.method,
            treatment=self.treatment,
            outcome=self.outcome,
            control=self.control,
            att=self.att,
            se=self.se,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            alpha=self.alpha,
            n_treated=self.n_treated,
            n_control=self.n_control,
            n_periods=self.n_periods,
            pre_trend_p=self.pre_trend_p,
            verdict=self.verdict,
            anticipation=self.anticipation,
            covariates=self.covariates,
            bootstrap=self.bootstrap,
            first_period=self.periods[0] if self.periods else None,
            last_period=self.periods[-1] if self.periods else None,
            unit=self.unit,
            software=self.software,
            event_study=points,
        )

    def summary(self, lang: str = "en") -> str:
        """A few lines for a report, in English (``"en"``) or Japanese (``"ja"``).

        Raises
        ------
        ModelError
            ``lang`` is neither ``"en"`` nor ``"ja"``.
        """
        if lang not in ("en", "ja"):
            raise ModelError(f"lang {lang!r} is not one of 'en', 'ja'")
        source, target = self.link
        unit = f" {self.unit}" if self.unit else ""
        level = level_text(self.alpha)
        span = f"{self.periods[0]}–{self.periods[-1]}" if self.periods else ""
        control = _CONTROL_TEXT[lang][self.control]
        att, lo, hi = (
            estimate_text(self.att),
            estimate_text(self.ci_low),
            estimate_text(self.ci_high),
        )
        se, pre = estimate_text(self.se), _p_text(self.pre_trend_p)
        draws = self.bootstrap
        n_left = len(self.always_treated)
        maintain = self.direction == "maintain"
        if lang == "ja":
            verdict = {
                "supports": "つながりを支持します",
                "contradicts": "つながりと逆向きの効果です（仮説の見直しが必要です）",
                "inconclusive": (
                    "指標の向きが「維持」のため、改善の向きがなく判定しません"
                    if maintain
                    else "効果があるとも逆ともいえません"
                ),
            }[self.verdict]
            lines = [
                f"つながり {source}→{target}: 導入（{self.treatment or '導入時期の表'}）が"
                f"「{self.outcome}」に与えた効果",
                f"平均効果（ATT）{att}{unit}（{level}信頼区間 {lo}〜{hi}、標準誤差 {se}"
                + (f"、ブートストラップ {draws} 回" if draws else "")
                + "）",
                f"導入団体 {self.n_treated}、比較対象（{control}）{self.n_control}、"
                f"期間 {self.n_periods}（{span}）",
            ]
            if n_left:
                lines.append(
                    f"最初の期間より前に導入済みの {n_left} 団体は比較できないため除外しました"
                )
            lines += [
                f"導入前の傾向の検定 {pre}（小さいと平行トレンドの仮定が疑わしい）",
                f"判定: {VERDICT_JA[self.verdict]} — {verdict}",
            ]
            if self.notes:
                lines.append(f"注記 {len(self.notes)} 件（ev.notes）: {self.notes[0]}")
        else:
            verdict = {
                "supports": "the evidence supports the link",
                "contradicts": "the effect goes against the link's direction; revisit the assumption",
                "inconclusive": (
                    "the outcome is to be maintained, so no side of 0 counts as improving"
                    if maintain
                    else "the interval includes no effect; the data cannot tell"
                ),
            }[self.verdict]
            method = _METHOD_NAMES.get(self.method, self.method)
            lines = [
                f"link {source} → {target}: effect on {self.outcome} of adoption measured by "
                f"{self.treatment or 'an adoption table'} ({method}, staggered "
                "difference-in-differences)",
                f"ATT {att}{unit} ({level} CI {lo} to {hi}; SE {se}"
                + (f", multiplier bootstrap with {draws} draws" if draws else "")
                + ")",
                f"{self.n_treated} treated and {self.n_control} {control} organisations, "
                f"{self.n_periods} periods ({span})",
            ]
            if n_left:
                lines.append(
                    f"{n_left} organisation(s) adopted by their first observed period and are left "
                    "out (no period before adoption to compare with; see always_treated)"
                )
            lines += [
                f"pre-trend test {pre} (a small p warns that parallel trends may fail)",
                f"verdict: {self.verdict} — {verdict}",
            ]
            if self.notes:
                lines.append(f"{len(self.notes)} note(s) in ev.notes, first: {self.notes[0]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __eq__(self, other: object) -> bool:
        """Equal when every field is: the tables cell by cell (so a pickled copy equals it)."""
        if not isinstance(other, Evidence):
            return NotImplemented
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, pd.DataFrame):
                if not (isinstance(theirs, pd.DataFrame) and mine.equals(theirs)):
                    return False
            elif mine != theirs:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]  # equal by value, and holds DataFrames

    def _repr_html_(self) -> str:
        import html

        rows = self.summary().splitlines()
        return "<div><strong>{}</strong><br>{}</div>".format(
            html.escape(rows[0]), "<br>".join(html.escape(r) for r in rows[1:])
        )

    def to_dict(self) -> dict[str, Any]:
        """The scalar results as a plain dict (the link evidence record, JSON-ready)."""
        return self.to_link_evidence().model_dump(mode="json")
