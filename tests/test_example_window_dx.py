"""The window-dx example evaluates to pinned numbers (synthetic observations, 36 months)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import logicmodel as lm

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "window-dx"


@pytest.fixture(scope="module")
def progress() -> lm.Progress:
    model = lm.load(EXAMPLE / "model.yaml")
    obs = pd.read_csv(EXAMPLE / "observations.csv", dtype=str)
    return lm.evaluate(model, obs)


def test_as_of_is_latest_month(progress: lm.Progress) -> None:
    assert str(progress.as_of) == "2027-03-31"


@pytest.mark.parametrize(
    ("indicator", "period", "actual", "achievement", "status"),
    [
        # stock by fiscal quarter: the March 2027 value, (1079 − 120) / (1741 − 120)
        ("adopted_n", "FY2026Q4", 1079.0, (1079 - 120) / (1741 - 120), "at_risk"),
        # formula: adopted_n / orgs_n * 100 at the same month
        (
            "adoption_share",
            "2027-03",
            1079 / 1741 * 100,
            (1079 / 1741 * 100 - 6.9) / (100 - 6.9),
            "at_risk",
        ),
        # decrease: (40 − 25.7) / (40 − 15)
        ("wait_min", "2027-03", 25.7, (40 - 25.7) / 25, "off_track"),
        # observed in hours, declared in minutes: 0.3 h → 18 min
        ("staff_hours", "2027-03", 18.0, (30 - 18) / 18, "at_risk"),
        # yearly survey
        ("satisfaction_share", "FY2026", 71.0, (71 - 62) / 18, "off_track"),
        # monthly flows summed to the fiscal year of the final target
        ("consult_hours", "FY2026", 2004.0, (2004 - 1000) / 2000, "off_track"),
        ("orgs_n", "2027-03", 1741.0, 1.0, "achieved"),
    ],
)
def test_pinned_indicator_rows(
    progress: lm.Progress,
    indicator: str,
    period: str,
    actual: float,
    achievement: float,
    status: str,
) -> None:
    row = progress.indicators.set_index("indicator").loc[indicator]
    assert row["period"] == period
    assert row["actual"] == pytest.approx(actual, rel=1e-3)
    assert row["achievement"] == pytest.approx(achievement, rel=1e-3)
    assert row["status"] == status


def test_pinned_nodes_and_findings(progress: lm.Progress) -> None:
    nodes = progress.nodes.set_index("node")
    # no_forms has its own data; wellbeing (impact) is measured by benefit_share
    assert nodes.loc["no_forms", "status"] == "on_track"
    assert nodes.loc["wellbeing", "rolled"] == pytest.approx((54 - 45) / 25)
    # inputs and activities have no indicators and nothing upstream
    assert nodes.loc["grant", "status"] == "no_data"
    codes = set(progress.findings["code"].astype(str))
    assert {"broken_link", "bottleneck"} <= codes
    kgi = progress.kgi
    assert sorted(kgi["indicator"]) == ["benefit_share", "satisfaction_share", "wait_min"]
