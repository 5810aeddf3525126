"""Review of issue 10 (coverage, views, org checks): cases the first tests did not try. Every
expected number is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.evaluation import Progress, evaluate


@functools.cache
def japan() -> lm.Hierarchy:
    return lm.Hierarchy.japan()


def model(*indicators: lm.Indicator) -> lm.LogicModel:
    return lm.LogicModel(
        id="rev",
        title="review",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="oc")],
        indicators=list(indicators),
    )


def frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator", "org", "period", "value"])


def row(p: Progress, indicator: str, org: str, table: str = "indicators") -> pd.Series:
    t = getattr(p, table)
    hit = t[(t["indicator"] == indicator) & (t["org"] == org)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def _merged_tree() -> lm.Hierarchy:
    # N → P (A, B merge into C on 2024-10-01), Q (D, E)
    return lm.Hierarchy.from_frame(
        pd.DataFrame(
            {
                "code": ["N", "P", "Q", "A", "B", "C", "D", "E"],
                "parent": [None, "N", "N", "P", "P", "P", "Q", "Q"],
                "level": ["nation", "pref", "pref", "muni", "muni", "muni", "muni", "muni"],
                "to": [None, None, None, dt.date(2024, 10, 1), dt.date(2024, 10, 1)] + [None] * 3,
                "from": [None] * 5 + [dt.date(2024, 10, 1), None, None],
            }
        ),
        child="code",
        parent="parent",
        level="level",
        valid_from="from",
        valid_to="to",
    )


def test_children_count_the_organisations_that_exist_at_as_of() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame([("n", "A", "FY2023", 1), ("n", "B", "FY2023", 2), ("n", "C", "FY2024", 5)])
    p = evaluate(m, obs, hierarchy=_merged_tree())
    assert p.as_of == dt.date(2025, 3, 31)
    # at as_of the nation has C, D, E (A and B merged into C): C reported, D and E did not
    nation = row(p, "n", "N", "children")
    assert (nation["n_children"], nation["reporting"], nation["no_data"]) == (3, 1, 2)
    pref = row(p, "n", "P", "children")
    assert (pref["n_children"], pref["reporting"], pref["no_data"]) == (1, 1, 0)
    # the same counts as the nation's own row
    assert (row(p, "n", "N")["reporting"], row(p, "n", "N")["expected"]) == (1, 3)


def test_bad_org_codes_are_reported_at_their_own_rows() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame(
        [
            ("n", "011002", "FY2024", 1),  # row 0: 札幌市, fine
            ("n", "131017", "FY2024", 2),  # row 1: 千代田区 is 131016
            ("n", "999999", "FY2024", 3),  # row 2: no such code, whatever the check digit
            ("n", "13101", "FY2023", 4),  # row 3: 5 digits, fine
            ("n", "131017", "FY2023", 5),  # row 4: 131017 again
            ("n", "0110020", "FY2023", 6),  # row 5: 7 digits
        ]
    )
    report = lm.check(m, obs, hierarchy=japan())
    bad = {i.message.split("'")[1]: i for i in report if i.code == "LM309"}
    assert set(bad) == {"131017", "999999", "0110020"}
    assert bad["131017"].row == 1
    assert "rows 1, 4 (0-based)" in bad["131017"].where
    assert "the code is '131016'" in bad["131017"].message
    assert bad["999999"].row == 2
    # 99999 + its check digit 7 is no code either: unknown, not "the code is '999997'"
    assert "not a code of the hierarchy" in bad["999999"].message
    assert "999997" not in bad["999999"].message
    assert bad["0110020"].row == 5
    with pytest.raises(lm.CheckError) as err:
        evaluate(m, obs, hierarchy=japan())
    raised = [i for i in err.value.report if i.code == "LM309"]
    assert [(i.row, i.message) for i in raised] == [(i.row, i.message) for i in bad.values()]


def test_names_take_5_digit_codes_and_wards_by_their_city() -> None:
    h = japan()
    # 01100 is 札幌市 without its check digit (011002); 01661 is 釧路町 (016616)
    assert (h.name("01100"), h.name("01661"), h.kana("01661")) == (
        "札幌市",
        "釧路町",
        "クシロチョウ",
    )
    assert h.level_of("１３１０１") == "municipality"  # 千代田区 in full-width digits
    with pytest.raises(lm.ModelError, match="the code is '011002'"):
        h.name("011003")
    with pytest.raises(lm.ModelError, match="unknown org code '999999'"):
        h.name("999999")  # 999997 is no code either: not "wrong check digit"
    # 中央区 is ten organisations; with its city (or prefecture and city) it is one
    assert h.find("札幌市中央区") == "011011"
    assert h.find("大阪市中央区") == "271284"
    assert h.find("北海道札幌市中央区") == "011011"
    with pytest.raises(lm.ModelError, match="no organisation"):
        h.find("区")


def test_progress_org_takes_5_digit_codes_and_names_with_their_parents() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame(
        [("n", "011011", "FY2024", 1), ("n", "131024", "FY2024", 2), ("n", "016616", "FY2024", 3)]
    )
    p = evaluate(m, obs, hierarchy=japan())
    assert p.resolve_org("01661") == "016616"
    assert p.resolve_org("札幌市中央区") == "011011"
    assert p.resolve_org("東京都中央区") == "131024"
    with pytest.raises(lm.ModelError, match="2 organisations are named '中央区'"):
        p.org("中央区")
    view = p.org("札幌市中央区")
    assert view.focus == "011011"
    assert view.indicators["actual"].tolist() == [1.0]


def test_a_running_flow_without_a_plan_is_judged_against_the_prorated_target() -> None:
    # no baseline, one target for FY2026: there is no plan for FY2024, so the status compares
    # with the target; half a year's flow is compared with half of it, not all of it
    m = model(
        lm.KPI(
            id="s",
            measures="out",
            unit="件",
            aggregation="flow",
            frequency="fiscal_year",
            targets={"FY2026": 1200},
        )
    )
    rows = [("s", None, f"2024-{k:02d}", 100) for k in range(4, 10)]
    p = evaluate(m, pd.DataFrame(rows, columns=["indicator", "org", "period", "value"]))
    r = p.indicators.iloc[0]
    assert not r["period_complete"]
    assert r["actual"] == pytest.approx(600.0)
    assert r["achievement"] == pytest.approx(0.5)  # 600 / 1,200
    assert pd.isna(r["planned"])
    # 183 of FY2024's 365 days have passed: 0.5 ≥ 183/365 − 0.05 = 0.451 → on_track (was
    # off_track: 0.5 against a full year's 1.0)
    assert r["status"] == "on_track"
    assert p.history.iloc[-1]["status"] == "on_track"
    # the same six months once the year is over are judged against the whole target
    done = evaluate(
        m, pd.DataFrame(rows, columns=["indicator", "org", "period", "value"]), as_of="FY2024"
    )
    assert done.indicators.iloc[0]["status"] == "off_track"


def test_indicator_chart_takes_the_org_as_a_view_does() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame(
        [("n", "011011", "FY2024", 1), ("n", "131024", "FY2024", 2), ("n", "016616", "FY2024", 3)]
    )
    p = evaluate(m, obs, hierarchy=japan())
    for org in ("釧路町", "くしろちょう", "01661", "016616"):
        ax = lm.plot.indicator(p, "n", org=org)
        assert "釧路町 (016616)" in ax.get_title()
        plt.close(ax.figure)
    ax = lm.plot.indicator(p, "n", org="札幌市中央区")
    assert "中央区 (011011)" in ax.get_title()
    plt.close(ax.figure)
    with pytest.raises(lm.ModelError, match="131024"):
        lm.plot.indicator(p, "n", org="中央区")  # two of them: the message lists the codes


def test_a_partial_total_does_not_judge_its_node_or_make_findings() -> None:
    m = lm.LogicModel(
        id="c",
        title="t",
        nodes=[lm.Activity(id="a"), lm.Output(id="b"), lm.Outcome(id="c")],
        links=[lm.Link(source="a", target="b"), lm.Link(source="b", target="c")],
        indicators=[
            lm.KPI(id="ka", measures="a", unit="件", aggregation="mean", targets={"FY2024": 10}),
            lm.KPI(
                id="kb",
                measures="b",
                unit="件",
                baseline={"period": "FY2023", "value": 0},
                targets={"FY2024": 1000},
            ),
            lm.KPI(id="kc", measures="c", unit="件", aggregation="mean", targets={"FY2024": 10}),
        ],
    )
    # 釧路町 alone: its 10 of a national 1,000 is 1 of 1,741 reporting → 集計中, not 1 % 遅れ
    obs = frame(
        [
            ("ka", "016616", "FY2024", 10),
            ("kb", "016616", "FY2024", 10),
            ("kc", "016616", "FY2024", 1),
        ]
    )
    p = evaluate(m, obs, hierarchy=japan())
    assert row(p, "kb", "JP")["status"] == "incomplete"
    nodes = p.nodes.set_index(["node", "org"])
    b = nodes.loc[("b", "JP")]
    assert b["status"] == "incomplete"
    assert not b["measured"]
    assert pd.isna(b["score"])
    # c is off track (1 of 10) but b's number is not in yet: no broken link, no bottleneck
    assert nodes.loc[("c", "JP"), "status"] == "off_track"
    assert p.findings.empty
    # with min_coverage 0 the total is judged: b scores 10/1,000 = 0.01 → off track
    judged = evaluate(m, obs, hierarchy=japan(), min_coverage=0).nodes.set_index(["node", "org"])
    assert judged.loc[("b", "JP"), "score"] == pytest.approx(0.01)
    assert judged.loc[("b", "JP"), "status"] == "off_track"


def test_a_number_among_text_codes_is_reported_with_the_code_it_lost() -> None:
    # an Excel column where one cell was typed as a number: 011002 became 11002
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame([("n", "011002", "FY2024", 1), ("n", 11002, "FY2023", 1)])
    bad = [i for i in lm.check(m, obs, hierarchy=japan()) if i.code == "LM309"]
    assert [i.row for i in bad] == [1]
    assert "it may be '011002'" in bad[0].message


def test_summary_names_orgs_of_a_tree_without_names_by_their_codes() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    p = evaluate(
        m,
        frame([("n", "A", "2024-09", 1), ("n", "C", "2024-10", 5), ("n", "D", "2024-10", 4)]),
        hierarchy=_merged_tree(),
    )
    assert p.summary()["org"].tolist() == ["N"]  # was blank
    view = p.org("Q")
    assert view.summary()["org"].tolist() == ["Q"]
    assert view.summary()["actual"].tolist() == ["4"]


def test_a_running_falling_flow_is_judged_by_its_pace() -> None:
    # accidents, at most 1,000 in FY2024; 300 a month in April–June (as_of 2024-06-30)
    m = model(
        lm.KPI(
            id="acc",
            measures="out",
            unit="件",
            direction="decrease",
            aggregation="flow",
            frequency="fiscal_year",
            targets={"FY2024": 1000},
        )
    )
    obs = frame([("acc", None, f"2024-{k:02d}", 300) for k in range(4, 7)])
    r = evaluate(m, obs).indicators.iloc[0]
    assert (r["actual"], r["period_complete"]) == (900.0, False)
    assert r["planned"] == pytest.approx(1000 * 91 / 365)  # 91 of 365 days
    # 900 in 91 days is 900·365/91 = 3,609.9 a year: achievement 1,000/3,609.9 = 0.277 against
    # a plan of 1.0 → off_track (was "achieved": 900 is below the yearly 1,000)
    assert r["achievement"] == pytest.approx(1000 / (900 * 365 / 91))
    assert r["planned_achievement"] == pytest.approx(1.0)
    assert r["status"] == "off_track"
