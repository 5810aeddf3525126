"""Indicator rules (LM2xx): what is measured, in which unit, against which baseline and targets.

The output/outcome confusion rules (LM202, LM203) use two heuristics, documented in
``docs/checks.md``:

* a **pure output count** has a counting unit and counts what the programme produces: the unit is
  団体, 箇所 or 台 (these count what was set up), or the unit is 件, 回 or 人 and the name says
  what was produced or done (:data:`OUTPUT_WORDS_JA`, :data:`OUTPUT_WORDS_EN`);
* an **activity count** counts how often the programme acted: the unit is 回, or the unit is 件
  and the name names an event (:data:`ACTIVITY_WORDS_JA`, :data:`ACTIVITY_WORDS_EN`).

Formula indicators (rates, shares) are never counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from logicmodel.checks._common import (
    id_list,
    id_list_ja,
    indicator_where,
    kind_ja,
    kind_text,
    model_where,
    node_where,
    num,
    period_of,
    shared,
)
from logicmodel.checks.registry import rule
from logicmodel.errors import FormulaError, UnitError
from logicmodel.formula import check_unit
from logicmodel.issues import Issue
from logicmodel.units import dimensionality, is_percent

if TYPE_CHECKING:
    from logicmodel.model import Indicator, LogicModel, Point

__all__ = [
    "ACTIVITY_WORDS_EN",
    "ACTIVITY_WORDS_JA",
    "OUTPUT_WORDS_EN",
    "OUTPUT_WORDS_JA",
    "baseline_missing",
    "direction_missing",
    "formula_unit",
    "formula_unit_unknown",
    "is_activity_count",
    "is_output_count",
    "kgi_not_on_outcome",
    "no_indicator",
    "no_kgi",
    "outcome_measured_by_output",
    "output_measured_by_activity",
    "overlapping_targets",
    "percent_summed",
    "qualitative_with_numbers",
    "source_missing",
    "target_equals_baseline",
    "target_missing",
    "target_period_not_after_baseline",
    "target_wrong_side",
    "unit_missing",
]

OUTPUT_WORDS_JA: Final = (
    "実施", "開催", "配布", "導入", "設置", "整備", "研修", "説明会", "セミナー", "講習", "講座",
    "勉強会", "ワークショップ", "会議", "訪問", "周知", "広報", "作成", "発行", "受講", "参加",
    "件数",
)  # fmt: skip
"""Words in an indicator name that mark a count of what the programme produced or did."""
OUTPUT_WORDS_EN: Final = (
    "workshop", "seminar", "training", "session", "meeting", "event", "held", "conducted",
    "delivered", "distributed", "installed", "deployed", "introduced", "visit", "leaflet",
    "brochure", "campaign", "participant", "attendee", "trainee",
)  # fmt: skip
"""English counterparts of :data:`OUTPUT_WORDS_JA` (whole words, any case, plural ``s`` too)."""
ACTIVITY_WORDS_JA: Final = (
    "実施", "開催", "説明会", "セミナー", "研修", "講習", "勉強会", "ワークショップ", "会議",
    "打合せ", "打ち合わせ", "訪問",
)  # fmt: skip
"""Words in an indicator name that mark a count of the programme's own activities."""
ACTIVITY_WORDS_EN: Final = (
    "workshop", "seminar", "training", "session", "meeting", "event", "held", "conducted",
    "visit",
)  # fmt: skip
"""English counterparts of :data:`ACTIVITY_WORDS_JA`."""

_OUTPUT_EN = re.compile(r"\b(?:" + "|".join(OUTPUT_WORDS_EN) + r")s?\b", re.IGNORECASE)
_ACTIVITY_EN = re.compile(r"\b(?:" + "|".join(ACTIVITY_WORDS_EN) + r")s?\b", re.IGNORECASE)
_SETUP_DIMS: Final = frozenset({"[organisation]", "[site]", "[device]"})


def _count_dim(ind: Indicator) -> str | None:
    """The counting dimension (``[case]`` …) when the unit is exactly one count, else ``None``."""
    if ind.unit is None or ind.formula is not None or ind.measure != "quantitative":
        return None
    try:
        dims = dict(dimensionality(ind.unit))
    except UnitError:
        return None
    if len(dims) != 1:
        return None
    (name, power), = dims.items()  # fmt: skip
    counts = {"[case]", "[person]", "[organisation]", "[site]", "[times]", "[device]"}
    return name if power == 1 and name in counts else None


def _text(ind: Indicator) -> str:
    return f"{ind.name or ''} {ind.id} {ind.description or ''}"


def is_output_count(ind: Indicator) -> bool:
    """Whether an indicator is a pure output count (see the module notes).

    Examples
    --------
    >>> from logicmodel.model import KPI
    >>> is_output_count(KPI(id="a", measures="n", name="導入団体数", unit="団体"))
    True
    >>> is_output_count(KPI(id="b", measures="n", name="研修の開催件数", unit="件"))
    True
    >>> is_output_count(KPI(id="c", measures="n", name="オンライン利用者数", unit="人"))
    False

    A count the programme means to bring *down* (``direction="decrease"``: 重複投薬の疑義照会件数,
    事故件数) is a change in what people do, never what the programme produced:

    >>> is_output_count(KPI(id="d", measures="n", name="重複投薬の疑義照会件数", unit="件",
    ...                     direction="decrease"))
    False
    """
    if ind.direction == "decrease":
        return False
    dim = _count_dim(ind)
    if dim is None:
        return False
    if dim in _SETUP_DIMS:
        return True
    text = _text(ind)
    return any(w in text for w in OUTPUT_WORDS_JA) or bool(_OUTPUT_EN.search(text))


def is_activity_count(ind: Indicator) -> bool:
    """Whether an indicator counts the programme's own activities (see the module notes).

    Examples
    --------
    >>> from logicmodel.model import KPI
    >>> is_activity_count(KPI(id="a", measures="n", name="説明会の開催回数", unit="回"))
    True
    >>> is_activity_count(KPI(id="b", measures="n", name="Workshops held", unit="件"))
    True
    >>> is_activity_count(KPI(id="c", measures="n", name="導入団体数", unit="団体"))
    False
    """
    dim = _count_dim(ind)
    if dim == "[times]":
        return True
    if dim != "[case]":
        return False
    text = _text(ind)
    return any(w in text for w in ACTIVITY_WORDS_JA) or bool(_ACTIVITY_EN.search(text))


def _described(inds: tuple[Indicator, ...] | list[Indicator]) -> str:
    return ", ".join(f"{i.id!r} ({i.unit})" for i in inds[:5]) + (
        f" and {len(inds) - 5} more" if len(inds) > 5 else ""
    )


def _by_node(model: LogicModel) -> dict[str, list[Indicator]]:
    return shared(model, "by_node", _indicators_by_node)


def _indicators_by_node(model: LogicModel) -> dict[str, list[Indicator]]:
    out: dict[str, list[Indicator]] = {}
    for ind in model.indicators:
        out.setdefault(ind.measures, []).append(ind)
    return out


def _quantitative(model: LogicModel) -> Iterator[Indicator]:
    return (i for i in model.indicators if i.measure == "quantitative")


@rule(
    "LM201", severity="warning", title="outcome without indicator", title_ja="指標のないアウトカム"
)
def no_indicator(model: LogicModel) -> Iterator[Issue]:
    """An outcome or impact that no indicator measures: its progress cannot be seen."""
    by_node = _by_node(model)
    for n in model.nodes:
        if n.kind not in ("outcome", "impact") or by_node.get(n.id):
            continue
        yield no_indicator.issue(
            node_where(n),
            f"has no indicator; expected at least one indicator with measures: {n.id!r}",
            f"{kind_ja(n)}を測る指標がありません。measures: {n.id!r} の指標を追加してください",
            ids=(n.id,),
        )


@rule(
    "LM202",
    severity="warning",
    title="outcome measured only by output counts",
    title_ja="アウトプット指標だけで測るアウトカム",
)
def outcome_measured_by_output(model: LogicModel) -> Iterator[Issue]:
    """An outcome or impact whose every indicator is a pure output count (導入団体数, 開催件数,
    設置箇所数 …): it measures what the programme produced, not the change for users.
    """
    for n in model.nodes:
        if n.kind not in ("outcome", "impact"):
            continue
        inds = _by_node(model).get(n.id, [])
        if not inds or not all(is_output_count(i) for i in inds):
            continue
        yield outcome_measured_by_output.issue(
            node_where(n),
            f"is measured only by output counts: {_described(inds)}; expected at least one "
            "indicator of the change for users or society (a rate, a share, a time, "
            "satisfaction …); move the counts to the output that produces them",
            f"{kind_ja(n)}がアウトプットの件数だけで測られています（{_described(inds)}）。"
            "利用者・社会の変化を表す指標（率、割合、時間、満足度など）を追加し、"
            "件数はアウトプットに移してください",
            ids=(n.id, *(i.id for i in inds)),
        )


@rule(
    "LM203",
    severity="warning",
    title="output measured only by activity counts",
    title_ja="活動回数だけで測るアウトプット",
)
def output_measured_by_activity(model: LogicModel) -> Iterator[Issue]:
    """An output whose every indicator counts the programme's own activities (開催回数,
    説明会の実施件数, sessions held): it measures effort, not what was produced.
    """
    for n in model.nodes:
        if n.kind != "output":
            continue
        inds = _by_node(model).get(n.id, [])
        if not inds or not all(is_activity_count(i) for i in inds):
            continue
        yield output_measured_by_activity.issue(
            node_where(n),
            f"is measured only by activity counts: {_described(inds)}; expected an indicator of "
            "what the activity produced (people trained, organisations adopting, services "
            "released …)",
            f"アウトプットが活動の回数だけで測られています（{_described(inds)}）。"
            "活動が生み出したもの（受講者数、導入団体数、公開したサービス数など）の指標にしてください",
            ids=(n.id, *(i.id for i in inds)),
        )


@rule("LM204", severity="warning", title="indicator without unit", title_ja="単位のない指標")
def unit_missing(model: LogicModel) -> Iterator[Issue]:
    """A quantitative indicator without a unit: values cannot be converted or compared."""
    for ind in _quantitative(model):
        if ind.unit is None:
            yield unit_missing.issue(
                indicator_where(ind.id),
                f"has no unit; expected a unit such as '件', '人', '%', '分' or '円' for a "
                f"quantitative indicator (measures {ind.measures!r})",
                "単位がありません。定量指標には「件」「人」「%」「分」「円」などの単位を指定してください",
                ids=(ind.id, ind.measures),
            )


@rule(
    "LM205",
    severity="warning",
    title="qualitative indicator with numbers",
    title_ja="数値を持つ定性指標",
)
def qualitative_with_numbers(model: LogicModel) -> Iterator[Issue]:
    """A qualitative indicator with a unit, baseline or targets (numbers belong to quantitative
    indicators; progress is not computed for qualitative ones).
    """
    for ind in model.indicators:
        if ind.measure != "qualitative":
            continue
        got = [
            name
            for name, present in (
                ("unit", ind.unit is not None),
                ("baseline", ind.baseline is not None),
                ("targets", bool(ind.targets)),
            )
            if present
        ]
        if got:
            yield qualitative_with_numbers.issue(
                indicator_where(ind.id),
                f"is qualitative but has {', '.join(got)}; expected measure: quantitative for "
                "numeric values, or no unit, baseline and targets",
                f"定性指標ですが {', '.join(got)} が指定されています。数値で測るなら "
                "measure: quantitative にしてください",
                ids=(ind.id,),
            )


@rule("LM206", severity="warning", title="indicator without direction", title_ja="方向のない指標")
def direction_missing(model: LogicModel) -> Iterator[Issue]:
    """A quantitative indicator whose direction is explicitly empty: achievement assumes
    ``increase``, which is wrong for waiting times, costs, error rates.
    """
    for ind in _quantitative(model):
        if ind.direction is None:
            yield direction_missing.issue(
                indicator_where(ind.id),
                "has no direction; expected increase, decrease or maintain (achievement assumes "
                "increase until it is set)",
                "方向（増加・減少・維持）がありません。未設定の間は増加として達成率を計算します",
                ids=(ind.id,),
            )


@rule("LM207", severity="info", title="indicator without baseline", title_ja="基準値のない指標")
def baseline_missing(model: LogicModel) -> Iterator[Issue]:
    """A quantitative indicator with targets but no baseline: achievement falls back to
    actual / target, which overstates progress that started above zero.
    """
    for ind in _quantitative(model):
        if ind.baseline is None and ind.targets and ind.formula is None:
            yield baseline_missing.issue(
                indicator_where(ind.id),
                "has targets but no baseline; expected a baseline {period, value} (achievement "
                "uses actual / target without one)",
                "目標値はありますが基準値がありません。"
                "基準値がないと達成率は 実績値/目標値 になります",
                ids=(ind.id,),
            )


@rule("LM208", severity="warning", title="indicator without target", title_ja="目標値のない指標")
def target_missing(model: LogicModel) -> Iterator[Issue]:
    """A quantitative indicator with no target: its achievement cannot be computed."""
    for ind in _quantitative(model):
        if not ind.targets:
            yield target_missing.issue(
                indicator_where(ind.id),
                "has no target; expected at least one target {period, value} (achievement and "
                "status are 'no_target' without one)",
                "目標値がありません。目標値がないと達成率と状況を計算できません",
                ids=(ind.id,),
            )


@rule("LM209", severity="info", title="indicator without source", title_ja="出典のない指標")
def source_missing(model: LogicModel) -> Iterator[Issue]:
    """An indicator (other than a formula) without a data source: nobody knows where actuals
    come from.
    """
    for ind in model.indicators:
        if ind.source is None and ind.formula is None:
            yield source_missing.issue(
                indicator_where(ind.id),
                "has no source; expected where the actuals come from (a survey, a system log, "
                "a statistic)",
                "出典（実績値の取得元: 調査、システムのログ、統計など）がありません",
                ids=(ind.id,),
            )


def _final(ind: Indicator, model: LogicModel) -> Point | None:
    """The target with the latest period end (then start); unreadable periods count as earliest."""
    best: tuple[dt.date, dt.date] | None = None
    final: Point | None = None
    for t in ind.targets:
        p = period_of(t.period, model)
        key = (p.end, p.start) if p is not None else (dt.date.min, dt.date.min)
        if best is None or key >= best:
            best, final = key, t
    return final


def _baseline_targets(ind: Indicator) -> bool:
    return ind.measure == "quantitative" and ind.baseline is not None and bool(ind.targets)


@rule(
    "LM210",
    severity="error",
    title="target on the wrong side of the baseline",
    title_ja="基準値から見て逆向きの目標値",
)
def target_wrong_side(model: LogicModel) -> Iterator[Issue]:
    """A target below the baseline for an ``increase`` indicator, or above it for a
    ``decrease`` indicator (the direction or the numbers are wrong).
    """
    for ind in model.indicators:
        if not _baseline_targets(ind) or ind.baseline is None:
            continue
        direction = ind.effective_direction
        if direction == "maintain":
            continue
        b = ind.baseline.value
        for t in ind.targets:
            wrong = t.value < b if direction == "increase" else t.value > b
            if not wrong:
                continue
            got, want = ("below", "above") if direction == "increase" else ("above", "below")
            got_ja, want_ja = (
                ("下回って", "上回る") if direction == "increase" else ("上回って", "下回る")
            )
            dir_ja = "増加" if direction == "increase" else "減少"
            yield target_wrong_side.issue(
                indicator_where(ind.id),
                f"direction is {direction} but the {t.period} target {num(t.value)} is {got} the "
                f"baseline {num(b)} ({ind.baseline.period}); expected a target {want} {num(b)}, "
                "or a different direction",
                f"方向が{dir_ja}なのに、{t.period}の目標値{num(t.value)}が基準値{num(b)}"
                f"（{ind.baseline.period}）を{got_ja}います。基準値を{want_ja}目標値にするか、"
                "方向を見直してください",
                ids=(ind.id,),
            )


@rule(
    "LM211",
    severity="error",
    title="final target equals the baseline",
    title_ja="目標値が基準値と同じ",
)
def target_equals_baseline(model: LogicModel) -> Iterator[Issue]:
    """The final target equals the baseline of an ``increase``/``decrease`` indicator:
    achievement (actual − baseline) / (target − baseline) would divide by zero.
    """
    for ind in model.indicators:
        if not _baseline_targets(ind) or ind.baseline is None:
            continue
        if ind.effective_direction == "maintain":
            continue
        final = _final(ind, model)
        if final is None or final.value != ind.baseline.value:
            continue
        yield target_equals_baseline.issue(
            indicator_where(ind.id),
            f"the final target {num(final.value)} ({final.period}) equals the baseline "
            f"{num(ind.baseline.value)} ({ind.baseline.period}); expected a different value "
            "(achievement would divide by zero), or direction: maintain",
            f"最終目標値{num(final.value)}（{final.period}）が基準値{num(ind.baseline.value)}"
            f"（{ind.baseline.period}）と同じです。達成率が計算できません（0で割る）。"
            "値を見直すか、方向を維持(maintain)にしてください",
            ids=(ind.id,),
        )


@rule(
    "LM212",
    severity="error",
    title="target period not after the baseline period",
    title_ja="基準年度以前の目標年度",
)
def target_period_not_after_baseline(model: LogicModel) -> Iterator[Issue]:
    """A target whose period ends on or before the end of the baseline period."""
    for ind in model.indicators:
        if not _baseline_targets(ind) or ind.baseline is None:
            continue
        base = period_of(ind.baseline.period, model)
        if base is None:
            continue
        for t in ind.targets:
            p = period_of(t.period, model)
            if p is None or p.end > base.end:
                continue
            yield target_period_not_after_baseline.issue(
                indicator_where(ind.id),
                f"the target period {t.period} (ends {p.end}) is not after the baseline period "
                f"{ind.baseline.period} (ends {base.end}); expected targets later than the "
                "baseline",
                f"目標の期間 {t.period}（{p.end}まで）が基準値の期間 {ind.baseline.period}"
                f"（{base.end}まで）より後になっていません。目標は基準より後の期間にしてください",
                ids=(ind.id,),
            )


@rule(
    "LM213",
    severity="error",
    title="duplicate or overlapping targets",
    title_ja="重複する目標期間",
)
def overlapping_targets(model: LogicModel) -> Iterator[Issue]:
    """Two targets of one indicator for the same period, or for overlapping periods (FY2025 and
    2025-06): the plan would have two values at once.
    """
    for ind in model.indicators:
        if len(ind.targets) < 2:
            continue
        spans: list[tuple[dt.date, dt.date, str]] = []
        for t in ind.targets:
            p = period_of(t.period, model)
            if p is not None:
                spans.append((p.start, p.end, t.period))
        if not spans:
            continue
        spans.sort()
        labels = ", ".join(t.period for t in ind.targets)
        # sweep: compare each span with the latest-ending span before it
        reach_end, reach_label = spans[0][1], spans[0][2]
        for start, end, label in spans[1:]:
            if start <= reach_end:
                if reach_label == label:
                    en, ja = f"twice for {label}", f"{label} の目標値が二つあります"
                else:
                    en = f"for overlapping periods {reach_label} and {label}"
                    ja = f"目標の期間 {reach_label} と {label} が重なっています"
                yield overlapping_targets.issue(
                    indicator_where(ind.id),
                    f"has targets {en}; expected one target per period, with periods that do "
                    f"not overlap; targets: {labels}",
                    f"{ja}。目標値は期間ごとに一つ、重ならない期間で指定してください"
                    f"（目標: {labels}）",
                    ids=(ind.id,),
                )
            if end > reach_end:
                reach_end, reach_label = end, label


@rule("LM214", severity="warning", title="KGI not on an outcome", title_ja="アウトカム以外のKGI")
def kgi_not_on_outcome(model: LogicModel) -> Iterator[Issue]:
    """A KGI that measures an input, activity or output: a KGI (重要目標達成指標) states the
    goal, which is an outcome or impact; indicators of means are KPIs.
    """
    nodes = {n.id: n for n in model.nodes}
    for ind in model.indicators:
        node = nodes.get(ind.measures)
        if ind.role != "KGI" or node is None or node.kind in ("outcome", "impact"):
            continue
        ends = [n.id for n in model.nodes if n.kind in ("outcome", "impact")]
        yield kgi_not_on_outcome.issue(
            indicator_where(ind.id),
            f"is a KGI on {kind_text(node)} {node.id!r}; expected a KGI to measure an outcome or "
            f"impact (such as {id_list(ends, limit=3)}), or role KPI",
            f"KGIが{kind_ja(node)} {node.id!r} を測っています。KGIはアウトカムかインパクト"
            f"（{id_list_ja(ends, limit=3)} など）を測るものです。"
            "KPIにするか測る対象を見直してください",
            ids=(ind.id, node.id),
        )


@rule("LM215", severity="warning", title="no KGI in the model", title_ja="KGIがない")
def no_kgi(model: LogicModel) -> Iterator[Issue]:
    """A model with nodes but no indicator with role KGI: the goal is not measured."""
    if not model.nodes or any(i.role == "KGI" for i in model.indicators):
        return
    ends = {n.id for n in model.nodes if n.kind in ("outcome", "impact")}
    cands = [i.id for i in model.indicators if i.measures in ends]
    yield no_kgi.issue(
        model_where(model),
        f"has no KGI; expected at least one indicator with role KGI on an outcome or impact "
        f"(candidates: {id_list(cands)})",
        f"KGI（重要目標達成指標）がありません。アウトカムかインパクトの指標（候補: "
        f"{id_list_ja(cands)}）を KGI にしてください",
        ids=tuple(cands[:5]),
    )


@rule(
    "LM216",
    severity="error",
    title="percentage summed across organisations",
    title_ja="百分率を団体間で合計",
)
def percent_summed(model: LogicModel) -> Iterator[Issue]:
    """A percentage indicator (unit %, ポイント, 割) without a formula whose aggregation adds
    organisations up (``stock``/``flow``, the default): 47 prefectures at 60 % are not 2,820 %.
    """
    for ind in model.indicators:
        if ind.unit is None or ind.formula is not None or ind.orgs_rule != "sum":
            continue
        try:
            percent = is_percent(ind.unit)
        except UnitError:
            continue
        if percent:
            agg = ind.aggregation if isinstance(ind.aggregation, str) else "orgs: sum"
            yield percent_summed.issue(
                indicator_where(ind.id),
                f"is in {ind.unit!r} but aggregation {agg!r} sums it across organisations; "
                "expected aggregation: mean, {orgs: mean}, or a formula from a numerator and a "
                "denominator (so the national rate is Σnumerator / Σdenominator)",
                f"単位が {ind.unit!r} なのに集計方法 {agg!r} で団体間を合計しています。"
                "aggregation: mean にするか、分子と分母の算式(formula)にしてください",
                ids=(ind.id,),
            )


@rule(
    "LM217",
    severity="error",
    title="formula unit mismatch",
    title_ja="算式と単位の不一致",
)
def formula_unit(model: LogicModel) -> Iterator[Issue]:
    """A formula whose result dimension differs from the indicator's declared unit, or that adds
    quantities of different dimensions (件 + 人).
    """
    units = {i.id: i.unit for i in model.indicators if i.unit is not None}
    for ind in model.indicators:
        if ind.formula is None or ind.unit is None:
            continue
        if any(c not in units for c in ind.components):
            continue  # LM218
        try:
            check_unit(ind.formula, {c: units[c] for c in ind.components}, ind.unit)
        except (FormulaError, UnitError) as err:
            comps = ", ".join(f"{c!r} ({units[c]})" for c in ind.components)
            yield formula_unit.issue(
                indicator_where(ind.id),
                f"{err.message}; components: {comps}",
                f"算式 {ind.formula!r} の次元が単位 {ind.unit!r} と合いません"
                f"（構成指標: {comps}）: "
                f"{err.message}",
                ids=(ind.id, *ind.components),
            )


@rule(
    "LM218",
    severity="warning",
    title="formula unit cannot be checked",
    title_ja="算式の単位を確認できない",
)
def formula_unit_unknown(model: LogicModel) -> Iterator[Issue]:
    """A formula indicator whose components lack units: its dimension cannot be checked (a
    formula indicator without a unit of its own is LM204).
    """
    units = {i.id: i.unit for i in model.indicators}
    for ind in model.indicators:
        if ind.formula is None:
            continue
        missing = [c for c in ind.components if units.get(c) is None]
        if missing:
            yield formula_unit_unknown.issue(
                indicator_where(ind.id),
                f"formula {ind.formula!r} cannot be checked: no unit on components "
                f"{id_list(missing)}; expected a unit on every component",
                f"算式 {ind.formula!r} の単位を確認できません。"
                f"{id_list_ja(missing)} に単位がありません",
                ids=(ind.id, *missing),
            )
