"""Organisations in ``evaluate`` (issue 4, DESIGN §4.5, §5.7): hand-computed aggregation over the
municipality → prefecture → nation tree, targets per org, status shares, codes, mergers."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logicmodel as lm
from logicmodel.errors import CheckError, FormatError
from logicmodel.evaluation import Progress, evaluate
from logicmodel.orgs import check_digit

# 東京都 130001: 千代田区 131016, 中央区 131024, 港区 131032; 大阪府 270008: 大阪市 271004
TOKYO, OSAKA = "130001", "270008"
CHIYODA, CHUO, MINATO, OSAKA_CITY = "131016", "131024", "131032", "271004"


@functools.cache
def japan() -> lm.Hierarchy:
    return lm.Hierarchy.japan()


def make_model(*indicators: lm.Indicator) -> lm.LogicModel:
    return lm.LogicModel(
        id="orgs",
        title="全国展開",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="oc")],
        indicators=list(indicators),
    )


def ind(id_: str, measures: str = "out", role: str = "KPI", **fields: object) -> lm.Indicator:
    fields.setdefault("unit", "人")
    fields.setdefault("source", "調査")
    return lm.Indicator(id=id_, measures=measures, role=role, **fields)


def frame(
    rows: list[tuple[object, ...]],
    columns: tuple[str, ...] = ("indicator", "org", "period", "value"),
) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def at(p: Progress, indicator: str, org: str) -> pd.Series:
    t = p.indicators
    rows = t[(t["indicator"] == indicator) & (t["org"] == org)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# -- sum vs mean vs formula ------------------------------------------------------------------------


def _three_ways() -> Progress:
    m = make_model(
        ind("holders"),
        ind("pop"),
        ind(
            "rate",
            measures="oc",
            role="KGI",
            unit="%",
            formula="holders / pop * 100",
            baseline={"period": "FY2023", "value": 20},
            targets={"FY2025": 60},
        ),
        ind(
            "mrate",
            measures="oc",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 20},
            targets={"FY2025": 60},
        ),
    )
    pop = {CHIYODA: 100, CHUO: 300, MINATO: 600, OSAKA_CITY: 1000}
    holders = {CHIYODA: 50, CHUO: 60, MINATO: 300, OSAKA_CITY: 500}
    rows: list[tuple[object, ...]] = []
    for code, size in pop.items():
        rows += [
            ("holders", code, "FY2024", holders[code]),
            ("pop", code, "FY2024", size),
            ("mrate", code, "FY2024", holders[code] / size * 100),
        ]
    return evaluate(m, frame(rows), hierarchy=japan())


def test_sum_mean_and_formula_aggregation_differ_and_are_right() -> None:
    p = _three_ways()
    # municipal rates: 50 %, 20 %, 50 % (Tokyo) and 50 % (Osaka)
    # sum: Tokyo holders 50 + 60 + 300 = 410, pop 100 + 300 + 600 = 1000; nation 910 / 2000
    assert at(p, "holders", TOKYO)["actual"] == pytest.approx(410.0)
    assert at(p, "pop", TOKYO)["actual"] == pytest.approx(1000.0)
    assert at(p, "holders", "JP")["actual"] == pytest.approx(910.0)
    assert at(p, "pop", "JP")["actual"] == pytest.approx(2000.0)
    # mean of the local rates: Tokyo (50 + 20 + 50)/3 = 40; nation from the municipalities (the
    # deepest observed level): (50 + 20 + 50 + 50)/4 = 42.5
    assert at(p, "mrate", TOKYO)["actual"] == pytest.approx(40.0)
    assert at(p, "mrate", "JP")["actual"] == pytest.approx(42.5)
    # formula from aggregated components: Tokyo 410/1000·100 = 41; nation 910/2000·100 = 45.5
    assert at(p, "rate", TOKYO)["actual"] == pytest.approx(41.0)
    assert at(p, "rate", "JP")["actual"] == pytest.approx(45.5)
    assert at(p, "rate", OSAKA)["actual"] == pytest.approx(50.0)
    # achievement with b = 20, t = 60: Tokyo formula (41 − 20)/40 = 0.525; mean (40 − 20)/40 = 0.5
    assert at(p, "rate", TOKYO)["achievement"] == pytest.approx(0.525)
    assert at(p, "mrate", TOKYO)["achievement"] == pytest.approx(0.5)
    assert at(p, "rate", "JP")["achievement"] == pytest.approx((45.5 - 20) / 40)
    # levels and parents
    assert at(p, "rate", "JP")["level"] == "nation"
    assert at(p, "rate", TOKYO)["level"] == "prefecture"
    assert at(p, "rate", CHUO)["level"] == "municipality"
    assert at(p, "rate", CHUO)["parent"] == TOKYO
    assert at(p, "rate", TOKYO)["parent"] == "JP"


def test_non_additive_model_targets_apply_to_every_org() -> None:
    p = _three_ways()
    # the formula and the mean indicator carry the model's baseline and target at every org
    for code in ("JP", TOKYO, OSAKA, CHIYODA, CHUO, MINATO, OSAKA_CITY):
        for name in ("rate", "mrate"):
            r = at(p, name, code)
            assert r["target"] == pytest.approx(60.0)
            assert r["baseline"] == pytest.approx(20.0)
    # 中央区: 20 % = the baseline → achievement 0, plan 0.5 → off_track;
    # 千代田区 50 % → 0.75 on_track
    assert at(p, "rate", CHUO)["achievement"] == pytest.approx(0.0)
    assert at(p, "rate", CHUO)["status"] == "off_track"
    assert at(p, "rate", CHIYODA)["achievement"] == pytest.approx(0.75)
    assert at(p, "rate", CHIYODA)["status"] == "on_track"


def test_additive_model_targets_apply_only_at_the_top() -> None:
    m = make_model(
        ind("n", unit="団体", baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300})
    )
    p = evaluate(
        m, frame([("n", CHIYODA, "FY2024", 80), ("n", CHUO, "FY2024", 120)]), hierarchy=japan()
    )
    top = at(p, "n", "JP")
    assert top["actual"] == pytest.approx(200.0)
    assert top["target"] == pytest.approx(300.0)
    assert top["achievement"] == pytest.approx(0.5)  # (200 − 100)/(300 − 100)
    for code in (TOKYO, CHIYODA, CHUO):
        r = at(p, "n", code)
        assert np.isnan(r["target"])
        assert r["status"] == "no_target"


def test_per_org_target_rows_override_model_targets_for_that_org() -> None:
    m = make_model(
        ind(
            "mrate",
            unit="%",
            aggregation="mean",
            baseline={"period": "FY2023", "value": 20},
            targets={"FY2025": 60},
        )
    )
    rows = [
        ("mrate", CHIYODA, "FY2024", 40, "actual"),
        ("mrate", CHUO, "FY2024", 40, "actual"),
        ("mrate", CHUO, "FY2025", 100, "target"),
    ]
    p = evaluate(m, frame(rows, ("indicator", "org", "period", "value", "kind")), hierarchy=japan())
    # 千代田区 keeps the model target: (40 − 20)/(60 − 20) = 0.5;
    # 中央区 has its own: (40 − 20)/80 = 0.25
    assert at(p, "mrate", CHIYODA)["target"] == pytest.approx(60.0)
    assert at(p, "mrate", CHIYODA)["achievement"] == pytest.approx(0.5)
    assert at(p, "mrate", CHUO)["target"] == pytest.approx(100.0)
    assert at(p, "mrate", CHUO)["achievement"] == pytest.approx(0.25)


def test_per_org_targets_of_an_additive_indicator_sum_to_the_parents() -> None:
    m = make_model(ind("n", unit="団体"))
    rows = [
        ("n", CHIYODA, "FY2023", 10, "baseline"),
        ("n", CHUO, "FY2023", 20, "baseline"),
        ("n", MINATO, "FY2023", 30, "baseline"),
        ("n", CHIYODA, "FY2025", 100, "target"),
        ("n", CHUO, "FY2025", 200, "target"),
        ("n", MINATO, "FY2025", 300, "target"),
        ("n", CHIYODA, "FY2024", 55, "actual"),
        ("n", CHUO, "FY2024", 110, "actual"),
        ("n", MINATO, "FY2024", 165, "actual"),
    ]
    data = frame(rows, ("indicator", "org", "period", "value", "kind"))
    # issue 10: 3 of Tokyo's 62 municipalities reported, so by default the sums are 集計中
    strict = evaluate(m, data, hierarchy=japan())
    assert at(strict, "n", TOKYO)["status"] == "incomplete"
    assert at(strict, "n", TOKYO)["coverage"] == pytest.approx(3 / 62)
    p = evaluate(m, data, hierarchy=japan(), min_coverage=0)
    # Tokyo and the nation: baseline 60, target 600, actual 330 → (330 − 60)/(600 − 60) = 0.5
    for code in (TOKYO, "JP"):
        r = at(p, "n", code)
        assert r["baseline"] == pytest.approx(60.0)
        assert r["target"] == pytest.approx(600.0)
        assert r["actual"] == pytest.approx(330.0)
        assert r["achievement"] == pytest.approx(0.5)
        assert r["status"] == "on_track"  # plan half-way → 0.5
    # 千代田区: (55 − 10)/(100 − 10) = 0.5
    assert at(p, "n", CHIYODA)["achievement"] == pytest.approx(0.5)


# -- status shares ---------------------------------------------------------------------------------


def test_children_status_shares() -> None:
    # mean indicator, model target 10 分 (decrease, no baseline → t/a): 2 of 3 wards achieved
    m = make_model(
        ind(
            "w",
            measures="oc",
            role="KGI",
            unit="分",
            direction="decrease",
            aggregation="mean",
            targets={"FY2025": 10},
        )
    )
    rows = [("w", CHIYODA, "FY2025", 8), ("w", CHUO, "FY2025", 10), ("w", MINATO, "FY2025", 40)]
    p = evaluate(m, frame(rows), hierarchy=japan())
    assert at(p, "w", MINATO)["achievement"] == pytest.approx(0.25)
    assert at(p, "w", MINATO)["status"] == "off_track"
    # issue 10: children count every municipality below (東京都 has 62), those without data too
    c = p.children.set_index(["indicator", "org"]).loc[("w", TOKYO)]
    assert c["n_children"] == 62
    assert c["reporting"] == 3
    assert c["achieved"] == 2
    assert c["off_track"] == 1
    assert c["no_data"] == 59
    assert c["share_achieved"] == pytest.approx(2 / 62)
    assert c["share_on_track"] == pytest.approx(2 / 62)
    assert c["level"] == "prefecture"
    assert c["org_name"] == "東京都"
    # the nation counts its 1,741 municipalities, not the prefectures with rows
    n = p.children.set_index(["indicator", "org"]).loc[("w", "JP")]
    assert n["n_children"] == 1741
    assert (n["achieved"], n["off_track"], n["no_data"]) == (2, 1, 1738)
    assert at(p, "w", TOKYO)["achievement"] == pytest.approx(10 / (58 / 3))


def test_views_at_org_and_behind_plan() -> None:
    p = _three_ways()
    pref = p.at("prefecture")
    assert set(pref.indicators["org"]) == {TOKYO, OSAKA}
    assert set(pref.nodes["level"]) == {"prefecture"}
    one = p.org(CHUO)
    assert set(one.indicators["org"]) == {CHUO}
    worst = p.behind_plan(level="municipality", indicator="rate")
    assert worst.iloc[0]["org"] == CHUO  # achievement 0 vs plan 0.5
    with pytest.raises(lm.ModelError):
        p.at("village")
    with pytest.raises(lm.ModelError, match="131024"):
        p.org("131025")


# -- codes -----------------------------------------------------------------------------------------


def test_five_digit_codes_are_accepted() -> None:
    m = make_model(ind("n", unit="団体", targets={"FY2025": 10}))
    p5 = evaluate(
        m, frame([("n", "13101", "FY2024", 3), ("n", "13102", "FY2024", 4)]), hierarchy=japan()
    )
    p6 = evaluate(
        m, frame([("n", CHIYODA, "FY2024", 3), ("n", CHUO, "FY2024", 4)]), hierarchy=japan()
    )
    assert at(p5, "n", CHIYODA)["actual"] == pytest.approx(3.0)
    assert at(p5, "n", TOKYO)["actual"] == pytest.approx(7.0)
    pd.testing.assert_frame_equal(p5.indicators, p6.indicators)


def test_wrong_check_digit_is_an_error_that_says_the_right_code() -> None:
    m = make_model(ind("n", unit="団体", targets={"FY2025": 10}))
    with pytest.raises((CheckError, FormatError)) as info:
        evaluate(m, frame([("n", "131017", "FY2024", 3)]), hierarchy=japan())
    text = str(info.value)
    assert "check digit" in text
    assert "131016" in text


def test_integer_org_column_is_an_error_with_a_fix() -> None:
    m = make_model(ind("n", unit="団体", targets={"FY2025": 10}))
    df = pd.DataFrame(
        {"indicator": ["n", "n"], "org": [11002, 131016], "period": ["FY2024"] * 2, "value": [1, 2]}
    )
    with pytest.raises((CheckError, FormatError)) as info:
        evaluate(m, df, hierarchy=japan())
    text = str(info.value)
    assert "str" in text  # read the column as text
    assert "leading zero" in text or "先頭" in text


# -- properties ------------------------------------------------------------------------------------


@functools.cache
def _municipalities() -> tuple[str, ...]:
    return japan().codes("municipality")


_ADD = make_model(
    ind("n", unit="団体", targets={"FY2025": 1_000_000}),
    ind("mr", unit="%", aggregation="mean", targets={"FY2025": 100}),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_additive_nation_equals_sum_of_prefectures_equals_sum_of_municipalities(
    data: st.DataObject,
) -> None:
    munis = _municipalities()
    picks = data.draw(
        st.lists(st.integers(0, len(munis) - 1), min_size=1, max_size=40, unique=True)
    )
    values = data.draw(st.lists(st.integers(0, 10_000), min_size=len(picks), max_size=len(picks)))
    codes = [munis[k] for k in picks]
    p = evaluate(
        _ADD,
        frame([("n", c, "FY2024", v) for c, v in zip(codes, values, strict=True)]),
        hierarchy=japan(),
    )
    t = p.indicators[p.indicators["indicator"] == "n"]
    muni = t[t["level"] == "municipality"].set_index("org")["actual"]
    pref = t[t["level"] == "prefecture"].set_index("org")["actual"]
    nation = t[t["level"] == "nation"]["actual"]
    assert len(nation) == 1
    assert sorted(muni.index) == sorted(codes)
    assert nation.iloc[0] == pytest.approx(sum(values))
    assert pref.sum() == pytest.approx(sum(values))
    expected: dict[str, float] = {}
    for c, v in zip(codes, values, strict=True):
        parent = japan().parent(c)
        assert parent is not None
        expected[parent] = expected.get(parent, 0.0) + v
    assert pref.to_dict() == pytest.approx(expected)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_prefecture_with_one_municipality_equals_it(data: st.DataObject) -> None:
    munis = _municipalities()
    code = munis[data.draw(st.integers(0, len(munis) - 1))]
    v = data.draw(st.integers(0, 10_000))
    r = data.draw(st.floats(0, 100, allow_nan=False))
    p = evaluate(
        _ADD, frame([("n", code, "FY2024", v), ("mr", code, "FY2024", r)]), hierarchy=japan()
    )
    parent = japan().parent(code)
    assert parent is not None
    for name, value in (("n", v), ("mr", r)):
        assert at(p, name, parent)["actual"] == pytest.approx(value)
        assert at(p, name, "JP")["actual"] == pytest.approx(value)
        assert at(p, name, code)["actual"] == pytest.approx(value)
    assert at(p, "mr", parent)["achievement"] == pytest.approx(at(p, "mr", code)["achievement"])


def test_own_value_wins_over_children_and_deepest_level_feeds_parent() -> None:
    # Tokyo reports its own 1000; its wards sum to 30 → Tokyo stays 1000. The nation is fed by the
    # deepest observed level (the wards 30 + Osaka's city 5), not by Tokyo's own figure.
    m = make_model(ind("n", unit="団体", targets={"FY2025": 100}))
    rows = [
        ("n", TOKYO, "FY2024", 1000),
        ("n", CHIYODA, "FY2024", 10),
        ("n", CHUO, "FY2024", 20),
        ("n", OSAKA_CITY, "FY2024", 5),
    ]
    p = evaluate(m, frame(rows), hierarchy=japan())
    assert at(p, "n", TOKYO)["actual"] == pytest.approx(1000.0)
    assert at(p, "n", OSAKA)["actual"] == pytest.approx(5.0)
    assert at(p, "n", "JP")["actual"] == pytest.approx(35.0)


def test_check_digit_helper_matches_codes_used_here() -> None:
    for code in (CHIYODA, CHUO, MINATO, OSAKA_CITY, TOKYO, OSAKA):
        assert code[5] == check_digit(code[:5])


# -- a merger with a custom hierarchy --------------------------------------------------------------


def _merger_tree() -> lm.Hierarchy:
    rows = pd.DataFrame(
        {
            "code": ["N", "P", "Q", "A", "B", "C", "D"],
            "parent": [None, "N", "N", "P", "P", "P", "Q"],
            "level": ["nation", "pref", "pref", "muni", "muni", "muni", "muni"],
            "from": [None, None, None, None, None, "2025-01-01", None],
            "to": [None, None, None, "2025-01-01", "2025-01-01", None, None],
        }
    )
    return lm.Hierarchy.from_frame(rows, valid_from="from", valid_to="to")


def test_merger_old_and_new_towns_roll_up_to_the_prefecture() -> None:
    # towns A and B merge into city C on 2025-01-01. FY2023 (ends 2024-03-31) data for A and B
    # rolls up through the old tree; FY2025 (ends 2026-03-31) data for C through the new one.
    m = make_model(ind("n", unit="団体", targets={"FY2026": 100}))
    rows = [
        ("n", "A", "FY2023", 10),
        ("n", "B", "FY2023", 20),
        ("n", "D", "FY2023", 1),
        ("n", "C", "FY2025", 35),
        ("n", "D", "FY2025", 2),
    ]
    p = evaluate(m, frame(rows), hierarchy=_merger_tree())
    h = p.history.set_index(["org", "period"])["actual"]
    assert h[("P", "FY2023")] == pytest.approx(30.0)
    assert h[("P", "FY2025")] == pytest.approx(35.0)
    assert h[("N", "FY2023")] == pytest.approx(31.0)
    assert h[("N", "FY2025")] == pytest.approx(37.0)
    assert h[("A", "FY2023")] == pytest.approx(10.0)
    assert h[("C", "FY2025")] == pytest.approx(35.0)
    # as of FY2025 the nation is 37 of 100 and the prefecture P is 35
    assert at(p, "n", "N")["actual"] == pytest.approx(37.0)
    assert at(p, "n", "N")["achievement"] == pytest.approx(0.37)
    assert at(p, "n", "P")["actual"] == pytest.approx(35.0)


def test_hierarchy_without_japan_codes_and_single_child() -> None:
    # prefecture Q has the single municipality D: Q equals D for sum and mean
    m = make_model(
        ind("n", unit="団体", targets={"FY2025": 100}),
        ind("mr", unit="%", aggregation="mean", targets={"FY2025": 100}),
    )
    p = evaluate(
        m, frame([("n", "D", "FY2023", 7), ("mr", "D", "FY2023", 42.5)]), hierarchy=_merger_tree()
    )
    assert at(p, "n", "Q")["actual"] == pytest.approx(7.0)
    assert at(p, "mr", "Q")["actual"] == pytest.approx(42.5)
    assert at(p, "mr", "N")["actual"] == pytest.approx(42.5)


def _jis(code5: str) -> str:
    return code5 + check_digit(code5)


def test_merger_with_jis_style_codes() -> None:
    # the same merger with valid JIS-style codes (so code normalisation cannot be what fails):
    # towns A, B → city C on 2025-01-01 under prefecture P (北海道 010006) and the nation JP
    pref, a, b, c = _jis("01000"), _jis("01901"), _jis("01902"), _jis("01903")
    rows_tree = pd.DataFrame(
        {
            "code": ["JP", pref, a, b, c],
            "parent": [None, "JP", pref, pref, pref],
            "level": ["nation", "prefecture", "municipality", "municipality", "municipality"],
            "from": [None, None, None, None, "2025-01-01"],
            "to": [None, None, "2025-01-01", "2025-01-01", None],
        }
    )
    tree = lm.Hierarchy.from_frame(rows_tree, valid_from="from", valid_to="to")
    m = make_model(ind("n", unit="団体", targets={"FY2026": 100}))
    rows = [("n", a, "FY2023", 10), ("n", b, "FY2023", 20), ("n", c, "FY2025", 35)]
    p = evaluate(m, frame(rows), hierarchy=tree)
    h = p.history.set_index(["org", "period"])["actual"]
    assert h[(pref, "FY2023")] == pytest.approx(30.0)  # 10 + 20 through the old tree
    assert h[(pref, "FY2025")] == pytest.approx(35.0)  # C through the new tree
    assert h[("JP", "FY2023")] == pytest.approx(30.0)
    assert h[("JP", "FY2025")] == pytest.approx(35.0)
    assert at(p, "n", "JP")["achievement"] == pytest.approx(0.35)


def test_pathway_rollup_per_org() -> None:
    # node oc carries rate and mrate (weight 1 each): score = mean of the clipped achievements
    # 中央区 (0 + 0)/2 = 0; Tokyo (0.525 + 0.5)/2 = 0.5125; 千代田区 (0.75 + 0.75)/2 = 0.75
    p = _three_ways()
    nodes = p.nodes[p.nodes["node"] == "oc"].set_index("org")
    assert nodes.loc[CHUO, "score"] == pytest.approx(0.0)
    assert nodes.loc[TOKYO, "score"] == pytest.approx(0.5125)
    assert nodes.loc[CHIYODA, "score"] == pytest.approx(0.75)
    assert nodes.loc[CHUO, "status"] == "off_track"
    assert set(p.nodes["org"]) == {"JP", TOKYO, OSAKA, CHIYODA, CHUO, MINATO, OSAKA_CITY}


def test_custom_grouping_is_a_separate_axis() -> None:
    # population bands over municipalities: 'small' = 千代田区 + 中央区, 'large' = 札幌市
    m = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Activity(id="a"), lm.Output(id="o"), lm.Outcome(id="c")],
        links=[lm.Link(source="a", target="o"), lm.Link(source="o", target="c")],
        indicators=[
            lm.KPI(
                id="n",
                measures="o",
                unit="件",
                baseline={"period": "FY2023", "value": 0},
                targets={"FY2025": 100},
            ),
            lm.KGI(
                id="r",
                measures="c",
                unit="%",
                aggregation="mean",
                baseline={"period": "FY2023", "value": 10},
                targets={"FY2025": 50},
            ),
        ],
    )
    h = lm.Hierarchy.japan().with_grouping(
        "band", {"131016": "small", "131024": "small", "011002": "large"}, level="municipality"
    )
    obs = pd.DataFrame(
        {
            "org": ["131016", "131024", "011002"] * 2,
            "indicator": ["n"] * 3 + ["r"] * 3,
            "period": "FY2024",
            "value": [10, 20, 40, 20, 40, 30],
        }
    )
    p = lm.evaluate(m, obs, hierarchy=h)
    assert p.levels == ("nation", "prefecture", "municipality", "band")
    band = p.at("band").indicators.set_index(["indicator", "org"])
    assert band.loc[("n", "small"), "actual"] == 30  # 10 + 20 (sum of its municipalities)
    assert band.loc[("n", "large"), "actual"] == 40
    assert band.loc[("r", "small"), "actual"] == 30  # mean of 20 and 40
    # issue 10: a group expects the municipalities of its members (2 and 1), all reported
    assert (band.loc[("n", "small"), "reporting"], band.loc[("n", "small"), "expected"]) == (2, 2)
    assert band.loc[("n", "large"), "expected"] == 1
    # the tree is unchanged: the nation is still the sum over all municipalities, once
    nation = p.at("nation").indicators.set_index("indicator")
    assert nation.loc["n", "actual"] == 70
    # non-additive model targets apply to groups too; node roll-up runs per group
    assert band.loc[("r", "small"), "target"] == 50
    assert set(p.at("band").nodes["org"]) == {"small", "large"}


def test_weight_by_population_makes_a_weighted_mean() -> None:
    # satisfaction (%) averaged over municipalities weighted by population:
    # 千代田区 80 % of 100 people, 中央区 40 % of 300 people → 東京都 (80·100 + 40·300) / 400 = 50
    # (a plain mean would be 60). Population is yearly, satisfaction monthly: the nearest year counts.
    m = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Activity(id="a"), lm.Outcome(id="c")],
        links=[lm.Link(source="a", target="c")],
        indicators=[
            lm.KPI(id="pop", measures="c", unit="人"),
            lm.KGI(
                id="sat",
                measures="c",
                unit="%",
                aggregation="mean",
                weight_by="pop",
                baseline={"period": "FY2023", "value": 40},
                targets={"FY2026": 80},
            ),
        ],
    )
    obs = pd.DataFrame(
        {
            "org": ["131016", "131024", "131016", "131024"],
            "indicator": ["pop", "pop", "sat", "sat"],
            "period": ["FY2024", "FY2024", "2024-06", "2024-06"],
            "value": [100, 300, 80, 40],
        }
    )
    p = lm.evaluate(m, obs, hierarchy=lm.Hierarchy.japan(), as_of="2024-06")
    rows = p.indicators.set_index(["indicator", "org"])
    assert rows.loc[("sat", "130001"), "actual"] == pytest.approx(50.0)
    assert rows.loc[("sat", "JP"), "actual"] == pytest.approx(50.0)
    unweighted = lm.evaluate(
        m.model_copy(
            update={
                "indicators": [
                    m.indicators[0],
                    m.indicators[1].model_copy(update={"weight_by": None}),
                ]
            }
        ),
        obs,
        hierarchy=lm.Hierarchy.japan(),
        as_of="2024-06",
    )
    assert unweighted.indicators.set_index(["indicator", "org"]).loc[
        ("sat", "130001"), "actual"
    ] == pytest.approx(60.0)
