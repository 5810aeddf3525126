"""Worked examples for ``evaluate`` (DESIGN §4.4, §5.3–§5.6); every number is computed by hand.

Conventions used in the comments: FY2023 ends 2024-03-31, FY2024 2025-03-31, FY2025 2026-03-31,
FY2026 2027-03-31, FY2027 2028-03-31 (FY2027 holds 2028-02-29, so it has 366 days). The plan is
piecewise linear between period *ends*, measured in days.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.errors import CheckError, ModelError
from logicmodel.evaluation import Bands, Progress, evaluate

ROOT = Path(__file__).resolve().parents[1]


# -- helpers ---------------------------------------------------------------------------------------


def make_model(
    *indicators: lm.Indicator, milestones: tuple[lm.Milestone, ...] = ()
) -> lm.LogicModel:
    """A chain input → activity → output → short outcome → intermediate outcome → impact."""
    return lm.LogicModel(
        id="m",
        title="テスト",
        nodes=[
            lm.Input(id="inp", label="補助金"),
            lm.Activity(id="act", label="導入支援"),
            lm.Output(id="out", label="導入団体"),
            lm.Outcome(id="short", label="書かずに手続", stage="short"),
            lm.Outcome(id="mid", label="待ち時間", stage="intermediate"),
            lm.Impact(id="imp", label="利用者体験"),
        ],
        links=[
            lm.Link(source="inp", target="act"),
            lm.Link(source="act", target="out"),
            lm.Link(source="out", target="short"),
            lm.Link(source="short", target="mid"),
            lm.Link(source="mid", target="imp"),
        ],
        indicators=list(indicators),
        milestones=list(milestones),
    )


def kpi(id_: str = "n", measures: str = "out", **fields: object) -> lm.Indicator:
    fields.setdefault("unit", "団体")
    fields.setdefault("source", "調査")
    return lm.KPI(id=id_, measures=measures, **fields)


def kgi(id_: str = "w", measures: str = "mid", **fields: object) -> lm.Indicator:
    fields.setdefault("unit", "分")
    fields.setdefault("source", "調査")
    return lm.KGI(id=id_, measures=measures, **fields)


def obs(
    *rows: tuple[object, ...], columns: tuple[str, ...] = ("indicator", "period", "value")
) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def one(progress: Progress, indicator: str) -> pd.Series:
    rows = progress.indicators[progress.indicators["indicator"] == indicator]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def node(progress: Progress, node_id: str) -> pd.Series:
    rows = progress.nodes[progress.nodes["node"] == node_id]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def hist(progress: Progress, indicator: str) -> pd.DataFrame:
    h = progress.history
    return h[h["indicator"] == indicator].sort_values("end").reset_index(drop=True)


# -- achievement: increase / decrease / maintain ---------------------------------------------------


def test_increase_with_baseline() -> None:
    # b = 100 (FY2023), t = 300 (FY2025), a = 180 (FY2024)
    # achievement = (180 − 100) / (300 − 100) = 0.4
    # plan: FY2024 end is 365 of 730 days from FY2023 end to FY2025 end → 100 + 200·0.5 = 200
    # planned_achievement = 0.5; 0.4 < 0.5 − 0.05 = 0.45 but ≥ 0.5 − 0.20 = 0.30 → at_risk
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    p = evaluate(m, obs(("n", "FY2024", 180)))
    r = one(p, "n")
    assert r["actual"] == pytest.approx(180.0)
    assert r["baseline"] == pytest.approx(100.0)
    assert r["target"] == pytest.approx(300.0)
    assert r["target_period"] == "FY2025"
    assert r["period"] == "FY2024"
    assert r["planned"] == pytest.approx(200.0)
    assert r["achievement"] == pytest.approx(0.4)
    assert r["planned_achievement"] == pytest.approx(0.5)
    assert r["status"] == "at_risk"
    assert r["org"] is None
    assert r["level"] == "total"
    assert r["role"] == "KPI"
    assert r["node"] == "out"


def test_decrease_with_baseline_wait_minutes() -> None:
    # 待ち時間 b = 40 分 (FY2023) → t = 15 分 (FY2027); a = 30 分 at FY2025
    # achievement = (30 − 40) / (15 − 40) = 0.4
    # plan: FY2023 end → FY2027 end is 1461 days, FY2025 end is 730 of them
    # planned = 40 − 25·730/1461 = 27.508556…, planned_achievement = 730/1461 = 0.499658
    # 0.4 < 0.449658 and ≥ 0.299658 → at_risk
    m = make_model(
        kgi(
            direction="decrease", baseline={"period": "FY2023", "value": 40}, targets={"FY2027": 15}
        )
    )
    p = evaluate(m, obs(("w", "FY2025", 30)))
    r = one(p, "w")
    assert r["achievement"] == pytest.approx(0.4)
    assert r["planned"] == pytest.approx(40 - 25 * 730 / 1461)
    assert r["planned_achievement"] == pytest.approx(730 / 1461)
    assert r["status"] == "at_risk"
    # a = 15 reaches the target exactly → achievement 1 → achieved
    p = evaluate(m, obs(("w", "FY2025", 15)))
    assert one(p, "w")["achievement"] == pytest.approx(1.0)
    assert one(p, "w")["status"] == "achieved"


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (20.0, 15 / 20, "off_track"),  # 0.75 < 1 − 0.20
        (16.0, 15 / 16, "at_risk"),  # 0.9375: ≥ 0.80, < 0.95
        (15.5, 15 / 15.5, "on_track"),  # 0.967742 ≥ 0.95
        (12.0, 15 / 12, "achieved"),  # 1.25
    ],
)
def test_decrease_without_baseline_is_target_over_actual(
    actual: float, expected: float, status: str
) -> None:
    # no baseline: achievement = t / a; no plan before the first target → compared with 1
    m = make_model(kgi(direction="decrease", targets={"FY2025": 15}))
    r = one(evaluate(m, obs(("w", "FY2024", actual))), "w")
    assert r["achievement"] == pytest.approx(expected)
    assert np.isnan(r["baseline"])
    assert np.isnan(r["planned"])
    assert r["status"] == status


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (150.0, 0.75, "off_track"),
        (190.0, 0.95, "on_track"),
        (170.0, 0.85, "at_risk"),
        (240.0, 1.2, "achieved"),
    ],
)
def test_increase_without_baseline_is_actual_over_target(
    actual: float, expected: float, status: str
) -> None:
    # achievement = a / t with t = 200; compared with planned_achievement = 1
    m = make_model(kpi(targets={"FY2025": 200}))
    r = one(evaluate(m, obs(("n", "FY2024", actual))), "n")
    assert r["achievement"] == pytest.approx(expected)
    assert r["status"] == status


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (1741.0, 1.0, "achieved"),  # on the target
        (1800.0, 1.0, "achieved"),  # above: still exactly 1, not 1800/1741
        (1700.0, 1700 / 1741, "on_track"),  # 0.976450 ≥ 0.95
        (1500.0, 1500 / 1741, "at_risk"),  # 0.861574
        (1000.0, 1000 / 1741, "off_track"),  # 0.574382
    ],
)
def test_maintain(actual: float, expected: float, status: str) -> None:
    # maintain: 1 while a ≥ t, else a/t; baseline == target is allowed for maintain (no LM211)
    m = make_model(
        kpi(
            direction="maintain",
            baseline={"period": "FY2023", "value": 1741},
            targets={"FY2027": 1741},
        )
    )
    r = one(evaluate(m, obs(("n", "FY2024", actual))), "n")
    assert r["achievement"] == pytest.approx(expected)
    assert r["status"] == status


def test_over_achievement_raw_above_one_node_score_clipped() -> None:
    # b = 100, t = 300, a = 400 → (400 − 100)/200 = 1.5; status achieved; node score min(1.5, 1) = 1
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    p = evaluate(m, obs(("n", "FY2024", 400)))
    r = one(p, "n")
    assert r["achievement"] == pytest.approx(1.5)
    assert r["status"] == "achieved"
    n = node(p, "out")
    assert n["score"] == pytest.approx(1.0)
    assert n["rolled"] == pytest.approx(1.0)
    # downstream nodes without data inherit the clipped value
    assert node(p, "short")["rolled"] == pytest.approx(1.0)
    assert np.isnan(node(p, "short")["score"])
    assert node(p, "short")["upstream"] == pytest.approx(1.0)


def test_negative_progress() -> None:
    # a = 80 is worse than the baseline 100: (80 − 100)/200 = −0.1 → off_track;
    # node score clipped to 0
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    p = evaluate(m, obs(("n", "FY2024", 80)))
    r = one(p, "n")
    assert r["achievement"] == pytest.approx(-0.1)
    assert r["status"] == "off_track"
    assert node(p, "out")["score"] == pytest.approx(0.0)
    # decrease: wait went up from 40 to 45 with target 15 → (45 − 40)/(15 − 40) = −0.2
    m = make_model(
        kgi(
            direction="decrease", baseline={"period": "FY2023", "value": 40}, targets={"FY2027": 15}
        )
    )
    r = one(evaluate(m, obs(("w", "FY2025", 45))), "w")
    assert r["achievement"] == pytest.approx(-0.2)
    assert r["status"] == "off_track"


def test_target_equal_to_baseline_is_rejected() -> None:
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 100}))
    with pytest.raises(CheckError) as info:
        evaluate(m, obs(("n", "FY2024", 120)))
    codes = [i.code for i in info.value.report.errors]
    assert "LM211" in codes
    assert "inf" not in str(info.value)


def test_plan_between_two_targets_by_days() -> None:
    # b = 120 (FY2023), targets 900 (FY2025) and 1741 (FY2027); a = 1300 at FY2026
    # FY2025 end → FY2026 end: 365 days; FY2026 end → FY2027 end: 366 days (2028-02-29)
    # planned = 900 + (1741 − 900)·365/731 = 1319.924761…
    # achievement vs the *final* target: (1300 − 120)/(1741 − 120) = 0.727946
    # planned_achievement = (planned − 120)/1621 = 0.740237 → 0.727946 ≥ 0.690237 → on_track
    m = make_model(
        kpi(baseline={"period": "FY2023", "value": 120}, targets={"FY2025": 900, "FY2027": 1741})
    )
    p = evaluate(m, obs(("n", "FY2024", 500), ("n", "FY2026", 1300)))
    r = one(p, "n")
    planned = 900 + 841 * 365 / 731
    assert r["planned"] == pytest.approx(planned)
    assert r["achievement"] == pytest.approx(1180 / 1621)
    assert r["planned_achievement"] == pytest.approx((planned - 120) / 1621)
    assert r["status"] == "on_track"
    assert r["target"] == pytest.approx(1741.0)
    assert r["target_period"] == "FY2027"
    h = hist(p, "n")
    # FY2024 is half-way (365 of 730 days) from the baseline to the FY2025 target: 120 + 780/2 = 510
    assert h["period"].tolist() == ["FY2024", "FY2026"]
    assert h["planned"].tolist() == pytest.approx([510.0, planned])
    assert h["achievement"].tolist() == pytest.approx([380 / 1621, 1180 / 1621])


def test_plan_stays_at_final_target_and_at_baseline_before_it() -> None:
    # after the final target the plan is the final target; before the baseline period the baseline
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    p = evaluate(m, obs(("n", "FY2022", 90), ("n", "FY2026", 280)))
    h = hist(p, "n")
    assert h["planned"].tolist() == pytest.approx([100.0, 300.0])
    assert h["planned_achievement"].tolist() == pytest.approx([0.0, 1.0])
    # 280: (280 − 100)/200 = 0.9 < 1 − 0.05 but ≥ 0.8 → at_risk
    assert one(p, "n")["status"] == "at_risk"
    # FY2022: (90 − 100)/200 = −0.05 ≥ 0 − 0.05 → on_track; FY2026: 0.9 vs 1 → at_risk
    assert h["status"].astype(str).tolist() == ["on_track", "at_risk"]


def test_plan_before_baseline_status() -> None:
    # FY2022 actual 90, plan 100 (the baseline) → achievement −0.05, planned_achievement 0
    # −0.05 ≥ 0 − 0.05 → on_track (threshold inclusive)
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    p = evaluate(m, obs(("n", "FY2022", 90)))
    r = one(p, "n")
    assert r["planned"] == pytest.approx(100.0)
    assert r["achievement"] == pytest.approx(-0.05)
    assert r["planned_achievement"] == pytest.approx(0.0)
    assert r["status"] == "on_track"


# -- time aggregation ------------------------------------------------------------------------------


def _months(start: str, n: int) -> list[str]:
    return [str(p) for p in pd.period_range(start, periods=n, freq="M")]


def test_fiscal_year_sum_of_monthly_flows() -> None:
    # flow without frequency → summed to the final target's period kind (fiscal year)
    # months 2024-01 … 2025-06 carry 1 … 18: FY2023 (Jan–Mar 2024) = 1+2+3 = 6,
    # FY2024 (Apr 2024 – Mar 2025) = 4+…+15 = 114, FY2025 (Apr–Jun 2025) = 16+17+18 = 51
    m = make_model(
        kpi(aggregation="flow", baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 228})
    )
    months = _months("2024-01", 18)
    frame = obs(*[("n", mo, k + 1) for k, mo in enumerate(months)])
    p = evaluate(m, frame.iloc[::-1].reset_index(drop=True), as_of="FY2024")
    # history stops at as_of (FY2025's partial sum 16+17+18 = 51 comes later)
    h = hist(p, "n")
    assert h["period"].tolist() == ["FY2023", "FY2024"]
    assert h["actual"].tolist() == pytest.approx([6.0, 114.0])
    later = hist(evaluate(m, frame), "n")
    assert later["period"].tolist() == ["FY2023", "FY2024", "FY2025"]
    assert later["actual"].tolist() == pytest.approx([6.0, 114.0, 51.0])
    r = one(p, "n")
    assert r["period"] == "FY2024"
    assert r["actual"] == pytest.approx(114.0)
    # (114 − 0)/(228 − 0) = 0.5; plan at FY2024 is 114 (half-way) → on_track
    assert r["achievement"] == pytest.approx(0.5)
    assert r["planned"] == pytest.approx(114.0)
    assert r["status"] == "on_track"


def test_stock_takes_last_value_of_the_fiscal_year() -> None:
    # monthly stock reported per fiscal year: FY2024 = March 2025 value
    # (not the largest, not the sum)
    m = make_model(
        kpi(
            frequency="fiscal_year",
            baseline={"period": "FY2023", "value": 100},
            targets={"FY2025": 300},
        )
    )
    months = _months("2024-04", 12)
    values = [150, 160, 170, 180, 190, 400, 210, 220, 230, 240, 250, 200]  # March 2025 = 200
    frame = obs(*[("n", mo, v) for mo, v in zip(months, values, strict=True)])
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    p = evaluate(m, shuffled)
    r = one(p, "n")
    assert r["period"] == "FY2024"
    assert r["actual"] == pytest.approx(200.0)
    assert r["achievement"] == pytest.approx(0.5)  # (200 − 100)/200


def test_stock_without_frequency_stays_monthly() -> None:
    # a stock without frequency is as observed: the latest month is the current value
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    p = evaluate(m, obs(("n", "2024-05", 120), ("n", "2024-06", 130)))
    r = one(p, "n")
    assert r["period"] == "2024-06"
    assert r["actual"] == pytest.approx(130.0)
    assert len(hist(p, "n")) == 2


def test_mean_time_rule() -> None:
    # time rule mean per fiscal year: (10 + 20 + 30 + 60)/4 = 30
    m = make_model(
        kgi(
            direction="decrease",
            aggregation={"time": "mean", "orgs": "mean"},
            frequency="fiscal_year",
            baseline={"period": "FY2023", "value": 40},
            targets={"FY2027": 15},
        )
    )
    frame = obs(
        ("w", "2024-04", 10), ("w", "2024-07", 20), ("w", "2024-10", 30), ("w", "2025-01", 60)
    )
    p = evaluate(m, frame, as_of="FY2024")
    r = one(p, "w")
    assert r["period"] == "FY2024"
    assert r["actual"] == pytest.approx(30.0)
    assert r["achievement"] == pytest.approx((30 - 40) / (15 - 40))


def test_max_and_min_time_rules() -> None:
    m = make_model(
        kpi(
            "hi",
            aggregation={"time": "max", "orgs": "sum"},
            frequency="fiscal_year",
            targets={"FY2025": 100},
        ),
        kpi(
            "lo",
            aggregation={"time": "min", "orgs": "sum"},
            frequency="fiscal_year",
            targets={"FY2025": 100},
        ),
    )
    frame = obs(
        *[
            (i, mo, v)
            for i in ("hi", "lo")
            for mo, v in (("2024-05", 30), ("2024-08", 70), ("2025-02", 50))
        ]
    )
    p = evaluate(m, frame, as_of="FY2024")
    assert one(p, "hi")["actual"] == pytest.approx(70.0)
    assert one(p, "lo")["actual"] == pytest.approx(30.0)


# -- formulas and units ----------------------------------------------------------------------------


def test_formula_ratio_percent() -> None:
    # holders / pop * 100 with unit % is 65 when 130 of 200 hold one (DESIGN §5.2b)
    # baseline 50 → target 80: achievement (65 − 50)/(80 − 50) = 0.5
    m = make_model(
        kpi("holders", unit="人"),
        kpi("pop", unit="人"),
        kgi(
            "rate",
            measures="short",
            unit="%",
            formula="holders / pop * 100",
            baseline={"period": "FY2023", "value": 50},
            targets={"FY2025": 80},
        ),
    )
    p = evaluate(m, obs(("holders", "FY2024", 130), ("pop", "FY2024", 200)))
    r = one(p, "rate")
    assert r["actual"] == pytest.approx(65.0)
    assert r["achievement"] == pytest.approx(0.5)
    assert r["planned"] == pytest.approx(65.0)  # half-way from 50 to 80
    assert r["status"] == "on_track"
    assert one(p, "holders")["status"] == "no_target"


def _rate_model() -> lm.LogicModel:
    """``rate = holders / pop * 100`` (%), target 80 in FY2025."""
    return make_model(
        kpi("holders", unit="人"),
        kpi("pop", unit="人"),
        kgi(
            "rate",
            measures="short",
            unit="%",
            formula="holders / pop * 100",
            targets={"FY2025": 80},
        ),
    )


def test_formula_with_a_yearly_denominator_and_monthly_numerator() -> None:
    """A component reported less often enters with the value of its period that contains each
    period of the finest component: monthly holders over the fiscal year's population."""
    m = _rate_model()
    p = evaluate(
        m,
        obs(
            ("holders", "2024-05", 100),
            ("holders", "2025-03", 120),  # still FY2024
            ("holders", "2025-04", 150),  # FY2025
            ("holders", "2026-04", 160),  # FY2026: no population yet → no rate
            ("pop", "FY2024", 200),
            ("pop", "令和7年度", 250),
        ),
    )
    history = p.history[p.history["indicator"] == "rate"]
    assert history["period"].tolist() == ["2024-05", "2025-03", "2025-04"]
    assert history["actual"].tolist() == pytest.approx([50.0, 60.0, 60.0])
    # as_of is the latest period (2026-04) but the rate's latest value is 2025-04
    assert one(p, "rate")["period"] == "2025-04"


def test_formula_components_at_one_frequency_join_on_equal_periods() -> None:
    """Equal periods pair up directly; a period only one component has gives no value."""
    m = _rate_model()
    p = evaluate(
        m,
        obs(
            ("holders", "FY2023", 90),
            ("holders", "FY2024", 130),
            ("pop", "FY2024", 200),
            ("pop", "FY2025", 210),
        ),
    )
    history = p.history[p.history["indicator"] == "rate"]
    assert history["period"].tolist() == ["FY2024"]
    assert history["actual"].tolist() == pytest.approx([65.0])


def test_unit_conversion_in_observations() -> None:
    # 0.5 時間 = 30 分: same achievement as 30 分 → (30 − 40)/(15 − 40) = 0.4
    m = make_model(
        kgi(
            direction="decrease", baseline={"period": "FY2023", "value": 40}, targets={"FY2027": 15}
        )
    )
    in_minutes = evaluate(
        m, obs(("w", "FY2025", 30, "分"), columns=("indicator", "period", "value", "unit"))
    )
    in_hours = evaluate(
        m, obs(("w", "FY2025", 0.5, "時間"), columns=("indicator", "period", "value", "unit"))
    )
    assert one(in_hours, "w")["actual"] == pytest.approx(30.0)
    assert one(in_hours, "w")["achievement"] == pytest.approx(0.4)
    assert one(in_minutes, "w")["achievement"] == pytest.approx(one(in_hours, "w")["achievement"])
    # money: 1.2 百万円 in a 千円 indicator is 1200 千円
    m2 = make_model(kpi("cost", unit="千円", targets={"FY2025": 2400}))
    p = evaluate(
        m2, obs(("cost", "FY2024", 1.2, "百万円"), columns=("indicator", "period", "value", "unit"))
    )
    assert one(p, "cost")["actual"] == pytest.approx(1200.0)
    assert one(p, "cost")["achievement"] == pytest.approx(0.5)


# -- kind rows -------------------------------------------------------------------------------------


def test_kind_target_and_baseline_rows() -> None:
    # no baseline or targets in the model; rows give b = 100 (FY2023) and t = 300 (FY2025)
    m = make_model(kpi())
    frame = obs(
        ("n", "FY2023", 100, "baseline"),
        ("n", "FY2025", 300, "target"),
        ("n", "FY2024", 180, "actual"),
        columns=("indicator", "period", "value", "kind"),
    )
    r = one(evaluate(m, frame), "n")
    assert r["baseline"] == pytest.approx(100.0)
    assert r["target"] == pytest.approx(300.0)
    assert r["target_period"] == "FY2025"
    assert r["planned"] == pytest.approx(200.0)
    assert r["achievement"] == pytest.approx(0.4)
    assert r["status"] == "at_risk"


def test_kind_target_row_overrides_model_target() -> None:
    # model says FY2025 → 300; a target row says 500 → (180 − 100)/(500 − 100) = 0.2
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    frame = obs(
        ("n", "FY2025", 500, "target"),
        ("n", "FY2024", 180, None),
        columns=("indicator", "period", "value", "kind"),
    )
    r = one(evaluate(m, frame), "n")
    assert r["target"] == pytest.approx(500.0)
    assert r["achievement"] == pytest.approx(0.2)
    assert r["planned"] == pytest.approx(300.0)  # half-way 100 → 500


# -- as_of -----------------------------------------------------------------------------------------


def _series_model() -> lm.LogicModel:
    return make_model(kpi(baseline={"period": "FY2022", "value": 0}, targets={"FY2026": 400}))


def _series_obs() -> pd.DataFrame:
    return obs(("n", "FY2023", 100), ("n", "FY2024", 200), ("n", "FY2025", 300))


def test_as_of_default_is_latest_observed_period() -> None:
    p = evaluate(_series_model(), _series_obs())
    assert p.as_of == dt.date(2026, 3, 31)
    assert one(p, "n")["period"] == "FY2025"
    assert one(p, "n")["actual"] == pytest.approx(300.0)


@pytest.mark.parametrize(
    ("as_of", "period", "actual"),
    [
        ("FY2024", "FY2024", 200.0),
        ("2024年度", "FY2024", 200.0),
        (dt.date(2025, 3, 31), "FY2024", 200.0),  # period end is inclusive
        (dt.date(2025, 3, 30), "FY2023", 100.0),
        (dt.date(2025, 12, 1), "FY2024", 200.0),  # FY2025 ends 2026-03-31, after as_of
        (dt.datetime(2026, 3, 31, 12, 0), "FY2025", 300.0),
    ],
)
def test_as_of_ignores_later_rows(as_of: object, period: str, actual: float) -> None:
    p = evaluate(_series_model(), _series_obs(), as_of=as_of)
    r = one(p, "n")
    assert r["period"] == period
    assert r["actual"] == pytest.approx(actual)
    # plan is linear from FY2022 (0) to FY2026 (400): 100 per fiscal year ± leap days
    assert r["achievement"] == pytest.approx(actual / 400)


def test_as_of_before_any_actual_gives_no_data() -> None:
    p = evaluate(_series_model(), _series_obs(), as_of="FY2022")
    r = one(p, "n")
    assert r["status"] == "no_data"
    assert np.isnan(r["actual"])
    assert node(p, "out")["status"] == "no_data"


# -- status bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (50.0, "on_track"),  # achievement 0.50 = plan
        (45.0, "on_track"),  # 0.45 = 0.5 − 0.05 exactly: inclusive
        (44.9, "at_risk"),
        (30.0, "at_risk"),  # 0.30 = 0.5 − 0.20 exactly: inclusive
        (29.9, "off_track"),
        (100.0, "achieved"),
    ],
)
def test_default_bands_at_exact_thresholds(actual: float, status: str) -> None:
    # b = 0 (FY2023), t = 100 (FY2025): at FY2024 the plan is 50 → planned_achievement 0.5 exactly
    m = make_model(kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}))
    r = one(evaluate(m, obs(("n", "FY2024", actual))), "n")
    assert r["planned_achievement"] == 0.5
    assert r["status"] == status


def test_bands_sabcd_grades_and_status() -> None:
    # no baseline, t = 100 → achievement = a/100; grades S ≥ 1.2, A ≥ 1.0, B ≥ 0.8, C ≥ 0.5, else D
    values = {"a": 130, "b": 120, "c": 100, "d": 85, "e": 80, "f": 60, "g": 50, "h": 10}
    m = make_model(*[kpi(k, targets={"FY2025": 100}) for k in values])
    p = evaluate(m, obs(*[(k, "FY2024", v) for k, v in values.items()]), bands=Bands.sabcd())
    got = {k: (one(p, k)["grade"], one(p, k)["status"]) for k in values}
    assert got == {
        "a": ("S", "achieved"),
        "b": ("S", "achieved"),
        "c": ("A", "achieved"),
        "d": ("B", "on_track"),
        "e": ("B", "on_track"),
        "f": ("C", "at_risk"),
        "g": ("C", "at_risk"),
        "h": ("D", "off_track"),
    }
    # the preset name works the same
    p2 = evaluate(m, obs(*[(k, "FY2024", v) for k, v in values.items()]), bands="sabcd")
    assert p2.indicators["grade"].tolist() == p.indicators["grade"].tolist()


def test_bands_sabc_and_default_have_no_grade() -> None:
    m = make_model(kpi(targets={"FY2025": 100}))
    p = evaluate(m, obs(("n", "FY2024", 85)), bands="sabc")
    assert one(p, "n")["grade"] == "A"  # 0.85: S ≥ 1.0, A ≥ 0.8
    assert "grade" not in evaluate(m, obs(("n", "FY2024", 85))).indicators.columns


def test_custom_bands() -> None:
    # plan-relative with wider bands: on_track ≥ plan − 0.10, at_risk ≥ plan − 0.30
    # b = 0, t = 100, FY2024 plan 0.5; a = 42 → 0.42 ≥ 0.40 → on_track (default bands: at_risk)
    m = make_model(kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}))
    frame = obs(("n", "FY2024", 42))
    assert (
        one(evaluate(m, frame, bands=Bands(on_track=0.10, at_risk=0.30)), "n")["status"]
        == "on_track"
    )
    assert one(evaluate(m, frame), "n")["status"] == "at_risk"
    # 0.19 < 0.5 − 0.30 → off_track
    assert (
        one(evaluate(m, obs(("n", "FY2024", 19)), bands=Bands(on_track=0.10, at_risk=0.30)), "n")[
            "status"
        ]
        == "off_track"
    )


def test_bands_reject_nonsense() -> None:
    with pytest.raises(ModelError):
        Bands(on_track=0.3, at_risk=0.1)
    with pytest.raises(ModelError):
        Bands(mode="relative")  # type: ignore[arg-type]
    m = make_model(kpi(targets={"FY2025": 100}))
    with pytest.raises(ModelError, match="sabcd"):
        evaluate(m, obs(("n", "FY2024", 85)), bands="sabcde")


# -- milestones ------------------------------------------------------------------------------------


def test_milestone_statuses() -> None:
    as_of = dt.date(2024, 10, 15)
    ms = (
        lm.Milestone(
            id="ms_done", title="公開", due="2024-09-30", done="2024-09-27", delivers=["act"]
        ),
        lm.Milestone(id="ms_done_late", title="遅れて公開", due="2024-08-31", done="2024-10-01"),
        lm.Milestone(id="ms_overdue", title="公募", due="2024-09-30"),
        lm.Milestone(id="ms_soon", title="実証", due="2024-10-31"),
        lm.Milestone(id="ms_edge", title="境界", due=as_of + dt.timedelta(days=30)),
        lm.Milestone(id="ms_today", title="当日", due=as_of),
        lm.Milestone(id="ms_later", title="全国", due=as_of + dt.timedelta(days=31)),
        lm.Milestone(id="ms_done_future", title="未来", due="2024-09-01", done="2024-11-01"),
    )
    m = make_model(kpi(targets={"FY2025": 100}), milestones=ms)
    p = evaluate(m, obs(("n", "FY2024", 50)), as_of=as_of)
    st = dict(zip(p.milestones["milestone"], p.milestones["status"].astype(str), strict=True))
    assert st == {
        "ms_done": "done",
        "ms_done_late": "done",
        "ms_overdue": "overdue",
        "ms_soon": "due_soon",
        "ms_edge": "due_soon",
        "ms_today": "due_soon",
        "ms_later": "upcoming",
        "ms_done_future": "overdue",  # done after as_of: not done yet as of that date
    }
    late = p.milestones.set_index("milestone")["days_late"]
    assert late["ms_overdue"] == 15
    overdue = p.findings[p.findings["code"] == "milestone_overdue"]
    assert sorted(overdue["node"]) == ["ms_done_future", "ms_overdue"]
    # due_soon_days is configurable: with 10 days ms_soon (16 days away) is upcoming
    p10 = evaluate(m, obs(("n", "FY2024", 50)), as_of=as_of, due_soon_days=10)
    st10 = dict(zip(p10.milestones["milestone"], p10.milestones["status"].astype(str), strict=True))
    assert st10["ms_soon"] == "upcoming"
    assert st10["ms_today"] == "due_soon"


# -- findings --------------------------------------------------------------------------------------


def _codes(p: Progress, code: str) -> list[str]:
    f = p.findings
    return sorted(f.loc[f["code"] == code, "node"].tolist())


def test_broken_link() -> None:
    # out: on track (0.5 vs plan 0.5); short: off track (0.1 vs plan 0.5) → the link out → short
    m = make_model(
        kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}),
        kgi(
            "s",
            measures="short",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 100},
        ),
    )
    p = evaluate(m, obs(("n", "FY2024", 50), ("s", "FY2024", 10)))
    assert node(p, "out")["status"] == "on_track"
    assert node(p, "short")["status"] == "off_track"
    assert _codes(p, "broken_link") == ["short"]
    f = p.findings[p.findings["code"] == "broken_link"].iloc[0]
    assert f["evidence"]["upstream"] == "out"
    assert "out" in f["message"]
    assert "short" in f["message"]


def test_default_as_of_covers_the_latest_reporting_period() -> None:
    # Monthly rows Apr 2024 … Jan 2025 reported per fiscal year: the latest observed (reporting)
    # period is FY2024, so by default the indicator is evaluated on FY2024's value (mean 30), not
    # reported as no_data because FY2024 ends (2025-03-31) after the last month observed.
    m = make_model(
        kgi(
            direction="decrease",
            aggregation={"time": "mean", "orgs": "mean"},
            frequency="fiscal_year",
            baseline={"period": "FY2023", "value": 40},
            targets={"FY2027": 15},
        )
    )
    frame = obs(
        ("w", "2024-04", 10), ("w", "2024-07", 20), ("w", "2024-10", 30), ("w", "2025-01", 60)
    )
    r = one(evaluate(m, frame), "w")
    assert r["status"] != "no_data"
    assert r["period"] == "FY2024"
    assert r["actual"] == pytest.approx(30.0)


def test_bottleneck_needs_measured_descendants() -> None:
    # short is off track but nothing after it is measured (mid and imp only inherit short's value):
    # that is not "everything measured after it is off track", so no bottleneck —
    # only the broken link
    m = make_model(
        kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}),
        kgi(
            "s",
            measures="short",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 100},
        ),
    )
    p = evaluate(m, obs(("n", "FY2024", 50), ("s", "FY2024", 10)))
    assert np.isnan(node(p, "mid")["score"])
    assert _codes(p, "bottleneck") == []


def test_bottleneck() -> None:
    # out off track, and everything measured after it (short) off track; act has no data
    m = make_model(
        kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}),
        kgi(
            "s",
            measures="short",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 100},
        ),
    )
    p = evaluate(m, obs(("n", "FY2024", 10), ("s", "FY2024", 5)))
    assert node(p, "out")["status"] == "off_track"
    assert node(p, "short")["status"] == "off_track"
    assert _codes(p, "bottleneck") == ["out"]
    assert _codes(p, "broken_link") == []


def test_stale_monthly_indicator() -> None:
    # monthly indicators, as_of 2024-09-30: last actual June (92 days) is older than
    # two months → stale;
    # last actual August (30 days) is fresh
    m = make_model(
        kpi("old", frequency="month", targets={"FY2025": 100}),
        kpi("fresh", measures="act", frequency="month", targets={"FY2025": 100}),
    )
    frame = obs(
        *[("old", mo, 10) for mo in _months("2024-01", 6)],
        *[("fresh", mo, 10) for mo in _months("2024-01", 8)],
    )
    p = evaluate(m, frame, as_of=dt.date(2024, 9, 30))
    stale = p.findings[p.findings["code"] == "stale"]
    assert stale["node"].tolist() == ["out"]
    assert stale.iloc[0]["evidence"]["indicator"] == "old"
    assert stale.iloc[0]["evidence"]["age_days"] == 92


def test_unmeasured_outcome() -> None:
    # out has data; the outcomes after it have none → unmeasured (inferred from upstream)
    m = make_model(kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}))
    p = evaluate(m, obs(("n", "FY2024", 50)))
    assert _codes(p, "unmeasured") == ["imp", "mid", "short"]
    assert node(p, "short")["rolled"] == pytest.approx(0.5)
    # activities and inputs are not outcomes: never unmeasured
    assert "act" not in _codes(p, "unmeasured")


def test_findings_empty_when_all_good() -> None:
    m = make_model(
        kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}),
        kgi(
            "s",
            measures="short",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 100},
        ),
        kgi(
            "s2",
            measures="mid",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 100},
        ),
        kgi(
            "s3",
            measures="imp",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 100},
        ),
    )
    p = evaluate(
        m,
        obs(("n", "FY2024", 50), ("s", "FY2024", 50), ("s2", "FY2024", 60), ("s3", "FY2024", 100)),
    )
    assert p.findings.empty
    found = p.diagnose()
    assert [f.code for f in found] == p.findings["code"].astype(str).tolist()
    assert all(isinstance(f, lm.Finding) for f in found)
    assert [f.node for f in found] == p.findings["node"].tolist()


# -- observation errors ----------------------------------------------------------------------------


def _error_model() -> lm.LogicModel:
    return make_model(
        kgi(
            direction="decrease", baseline={"period": "FY2023", "value": 40}, targets={"FY2027": 15}
        )
    )


@pytest.mark.parametrize(
    ("rows", "code", "row"),
    [
        ([("w", "FY2024", 30, "分"), ("wait", "FY2024", 30, "分")], "LM301", 1),
        ([("w", "FY2024", 30, "分"), ("w", "FY20X4", 30, "分")], "LM302", 1),
        ([("w", "FY2024", 30, "分"), ("w", "FY2025", "三十", "分")], "LM303", 1),
        (
            [("w", "FY2025", 20, "分"), ("w", "FY2024", 30, "分"), ("w", "2024年度", 31, "分")],
            "LM304",
            1,
        ),
        ([("w", "FY2024", 30, "分"), ("w", "FY2025", 30, "円")], "LM306", 1),
    ],
)
def test_observation_errors_raise_check_error_with_rows(
    rows: list[tuple[object, ...]], code: str, row: int
) -> None:
    frame = obs(*rows, columns=("indicator", "period", "value", "unit"))
    with pytest.raises(CheckError) as info:
        evaluate(_error_model(), frame)
    report = info.value.report
    hits = [i for i in report.errors if i.code == code]
    assert len(hits) == 1, str(report)
    assert hits[0].row == row
    assert code in str(info.value)


def test_unknown_indicator_names_the_nearest() -> None:
    with pytest.raises(CheckError, match="'w'"):
        evaluate(_error_model(), obs(("wx", "FY2024", 30)))


def test_all_observation_errors_reported_together() -> None:
    frame = obs(
        ("w", "FY2024", 30, "分"),
        ("nope", "FY2024", 30, "分"),
        ("w", "bad", 30, "分"),
        ("w", "FY2025", "abc", "分"),
        ("w", "FY2026", 30, "kg"),
        columns=("indicator", "period", "value", "unit"),
    )
    with pytest.raises(CheckError) as info:
        evaluate(_error_model(), frame)
    by_code = {i.code: i.row for i in info.value.report.errors}
    assert by_code == {"LM301": 1, "LM302": 2, "LM303": 3, "LM306": 4}


def test_integer_org_column_is_an_error() -> None:
    frame = pd.DataFrame({"indicator": ["w"], "org": [13101], "period": ["FY2024"], "value": [30]})
    with pytest.raises(CheckError) as info:
        evaluate(_error_model(), frame)
    issue = info.value.report.errors[0]
    assert issue.code == "LM309"
    assert "str" in issue.message  # says how to fix it: read the column as text


# -- language, summary, KGI ------------------------------------------------------------------------


def _mixed() -> tuple[lm.LogicModel, pd.DataFrame]:
    m = make_model(
        kpi(baseline={"period": "FY2023", "value": 0}, targets={"FY2025": 100}, name="導入団体数"),
        kgi(
            direction="decrease",
            baseline={"period": "FY2023", "value": 40},
            targets={"FY2025": 20},
            name="待ち時間",
        ),
        kpi("c", measures="short", unit="件", targets={"FY2025": 10}),
        kpi("d", measures="act", unit="件", targets={"FY2025": 10}),
        kpi("e", measures="act", unit="件"),
    )
    # n: 0.5 on plan → on_track; w: (38 − 40)/(20 − 40) = 0.1 → off_track; c: 11/10 → achieved;
    # d: 8/10 = 0.8 vs 1 → at_risk; e: no target
    frame = obs(
        ("n", "FY2024", 50),
        ("w", "FY2024", 38),
        ("c", "FY2024", 11),
        ("d", "FY2024", 8),
        ("e", "FY2024", 3),
    )
    return m, frame


def test_statuses_and_labels_in_japanese() -> None:
    m, frame = _mixed()
    p = evaluate(m, frame, lang="ja")
    got = {i: (one(p, i)["status"], one(p, i)["status_label"]) for i in ("n", "w", "c", "d", "e")}
    assert got == {
        "n": ("on_track", "順調"),
        "w": ("off_track", "遅れ"),
        "c": ("achieved", "達成"),
        "d": ("at_risk", "要注意"),
        "e": ("no_target", "目標なし"),
    }
    assert list(p.indicators["status"].cat.categories) == [
        "achieved",
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
        "no_target",
        "incomplete",  # issue 10: an additive total short of min_coverage
    ]
    s = p.summary()
    assert {"指標", "達成率", "状況"} <= set(s.columns)
    assert dict(zip(s["指標"], s["状況"], strict=True))["w"] == "遅れ"
    assert node(p, "inp")["status_label"] == "データなし"
    en = evaluate(m, frame)
    assert one(en, "w")["status_label"] == "off track"


def test_check_error_in_japanese() -> None:
    with pytest.raises(CheckError, match="未定義の指標"):
        evaluate(_error_model(), obs(("wx", "FY2024", 30)), lang="ja")


def test_summary_and_kgi() -> None:
    m, frame = _mixed()
    p = evaluate(m, frame)
    assert p.kgi["indicator"].tolist() == ["w"]
    assert (p.kgi["role"] == "KGI").all()
    s = p.summary()
    assert s["indicator"].tolist() == ["n", "w", "c", "d", "e"]
    # issue 10: summary() formats numbers for people
    assert s.set_index("indicator")["achievement"].to_dict()["w"] == "10.0%"
    assert s.set_index("indicator")["status"].to_dict()["c"] == "achieved"
    assert s.set_index("indicator").loc["n", "name"] == "導入団体数"


# -- forecast --------------------------------------------------------------------------------------


def _ordinal(label: str) -> int:
    end = lm.parse_period(label).end
    return (end - dt.date(1970, 1, 1)).days


def test_forecast_of_a_steady_linear_series() -> None:
    # actuals 100, 200, 300, 400 at FY2021…FY2024 ends; least-squares line in days reaches
    # 750 ≈ 3.5 years after FY2024 → about 2028-09 (FY2028); final target FY2028 → on course;
    # the same series with the target due FY2027 is not on course
    periods = ["FY2021", "FY2022", "FY2023", "FY2024"]
    values = [100.0, 200.0, 300.0, 400.0]
    m = make_model(
        kpi("a", baseline={"period": "FY2020", "value": 0}, targets={"FY2028": 750}),
        kpi(
            "b", measures="act", baseline={"period": "FY2020", "value": 0}, targets={"FY2027": 750}
        ),
        kpi(
            "c",
            measures="short",
            baseline={"period": "FY2020", "value": 500},
            targets={"FY2028": 750},
        ),
    )
    frame = obs(
        *[("a", pr, v) for pr, v in zip(periods, values, strict=True)],
        *[("b", pr, v) for pr, v in zip(periods, values, strict=True)],
        *[("c", pr, 500 - v / 10) for pr, v in zip(periods, values, strict=True)],  # moving away
    )
    p = evaluate(m, frame)
    xs = [_ordinal(x) for x in periods]
    fit = statistics.linear_regression(xs, values)
    day = (750 - fit.intercept) / fit.slope
    expected = dt.date(1970, 1, 1) + dt.timedelta(days=int(np.floor(day)))
    a = one(p, "a")
    assert pd.Timestamp(a["forecast_date"]).date() == expected
    assert a["forecast_period"] == "FY2028"
    assert a["on_course"] is True or a["on_course"] == True  # noqa: E712
    b = one(p, "b")
    assert b["forecast_period"] == "FY2028"
    assert b["on_course"] == False  # noqa: E712
    c = one(p, "c")
    assert pd.isna(c["forecast_date"])
    assert not c["on_course"]


# -- the bundled example ---------------------------------------------------------------------------


def test_window_dx_example_evaluates() -> None:
    model = lm.load(ROOT / "examples" / "window-dx" / "model.yaml")
    quarters = ["FY2024Q1", "FY2024Q2", "FY2024Q3", "FY2024Q4"]
    rows: list[tuple[object, ...]] = []
    for k, q in enumerate(quarters):
        rows.append(("adopted_n", q, 300 + 100 * k))
        rows.append(("orgs_n", q, 1741))
    rows += [("wait_min", mo, 38 - k) for k, mo in enumerate(_months("2024-04", 12))]
    rows += [("trained_n", mo, 250) for mo in _months("2024-04", 12)]
    rows += [
        ("procedures_n", "FY2024", 25),
        ("no_form_share", "FY2024", 20),
        ("one_stop_share", "FY2024", 50),
        ("staff_hours", "FY2024", 24),
        ("satisfaction_share", "FY2024", 66),
        ("barrier_free_share", "FY2024", 55),
        ("consult_hours", "FY2024", 90_000 / 60),  # 1500 時間
        ("benefit_share", "FY2024", 50),
    ]
    p = evaluate(model, obs(*rows), as_of="FY2024")
    ids = {i.id for i in model.indicators}
    assert set(p.indicators["indicator"]) == ids
    assert len(p.indicators) == len(ids)
    # FY2024Q4 ends 2025-03-31: adopted 600 of 1741 → 34.4629…%
    share = one(p, "adoption_share")
    assert share["actual"] == pytest.approx(600 / 1741 * 100)
    assert share["achievement"] == pytest.approx((600 / 1741 * 100 - 6.9) / (100 - 6.9))
    # trained: a flow with FY targets → 12 × 250 = 3000 in FY2024; (3000 − 0)/(15000 − 0) = 0.2
    assert one(p, "trained_n")["actual"] == pytest.approx(3000.0)
    assert one(p, "trained_n")["achievement"] == pytest.approx(0.2)
    # wait: monthly, latest March 2025 = 38 − 11 = 27 → (27 − 40)/(15 − 40) = 0.52
    assert one(p, "wait_min")["period"] == "2025-03"
    assert one(p, "wait_min")["achievement"] == pytest.approx(0.52)
    assert set(p.nodes["node"]) == set(model.node_ids)
    assert p.nodes["rolled"].dropna().between(0, 1).all()
    assert not p.nodes.loc[p.nodes["node"] == "wellbeing", "rolled"].isna().any()
    assert len(p.milestones) == 5
    assert set(p.kgi["indicator"]) == {"wait_min", "satisfaction_share", "benefit_share"}


def test_model_without_any_target_or_baseline_evaluates() -> None:
    # nothing to compare with: every row is no_target, nothing crashes
    m = make_model(kpi(), kgi())
    p = evaluate(m, obs(("n", "FY2024", 5), ("w", "FY2024", 30)))
    assert p.indicators["status"].astype(str).tolist() == ["no_target", "no_target"]
    assert one(p, "n")["actual"] == pytest.approx(5.0)
    assert np.isnan(one(p, "n")["achievement"])


def test_polars_input_gives_the_same_numbers() -> None:
    pl = pytest.importorskip("polars")
    m = make_model(kpi(baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300}))
    frame = obs(("n", "FY2024", 180), ("n", "FY2023", 100))
    a = evaluate(m, frame)
    b = evaluate(m, pl.from_pandas(frame))
    pd.testing.assert_frame_equal(a.indicators, b.indicators)
    pd.testing.assert_frame_equal(a.history, b.history)
