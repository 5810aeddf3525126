"""National ↔ local with incomplete data (issue 10): coverage, 集計中, formulas over complete
organisations, the default as_of, running periods, children, measured links, wards, names,
org checks and views per organisation. Every number here is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import functools
import json
import pickle
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logicmodel as lm
from logicmodel.errors import CheckError, ModelError
from logicmodel.evaluation import Progress, evaluate
from logicmodel.testing import sample_model

# 北海道 010006: 札幌市 011002 (wards 中央区 011011, 北区 011029), 釧路町 016616;
# 東京都 130001: 千代田区 131016, 中央区 131024, 港区 131032
HOKKAIDO, SAPPORO, KUSHIRO_TOWN = "010006", "011002", "016616"
SAPPORO_CHUO, SAPPORO_KITA = "011011", "011029"
TOKYO, CHIYODA, CHUO, MINATO = "130001", "131016", "131024", "131032"


@functools.cache
def japan() -> lm.Hierarchy:
    return lm.Hierarchy.japan()


def model(*indicators: lm.Indicator, milestones: list[lm.Milestone] | None = None) -> lm.LogicModel:
    return lm.LogicModel(
        id="cov",
        title="マイナ保険証",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="oc")],
        indicators=list(indicators),
        milestones=milestones or [],
    )


def frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator", "org", "period", "value"])


def row(p: Progress, indicator: str, org: str | None, table: str = "indicators") -> pd.Series:
    t = getattr(p, table)
    same_org = t["org"].isna() if org is None else t["org"] == org
    hit = t[(t["indicator"] == indicator).to_numpy() & same_org.to_numpy()]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# -- coverage and 集計中 with 3 of 1,741 municipalities -----------------------------------------------


def _three_of_1741(**kwargs: object) -> Progress:
    m = model(
        lm.KGI(
            id="n",
            measures="out",
            unit="件",
            baseline={"period": "FY2023", "value": 0},
            targets={"FY2025": 120},
        )
    )
    obs = frame(
        [
            ("n", KUSHIRO_TOWN, "FY2024", 10),
            ("n", SAPPORO, "FY2024", 20),
            ("n", CHIYODA, "FY2024", 30),
        ]
    )
    return evaluate(m, obs, hierarchy=japan(), **kwargs)  # type: ignore[arg-type]


def test_coverage_at_municipality_prefecture_and_nation() -> None:
    p = _three_of_1741()
    nation = row(p, "n", "JP")
    # 10 + 20 + 30 = 60 from 3 of the 1,741 municipalities
    assert nation["actual"] == pytest.approx(60.0)
    assert (nation["reporting"], nation["expected"]) == (3, 1741)
    assert nation["coverage"] == pytest.approx(3 / 1741)
    assert nation["org_name"] == "全国"
    # the achievement is still computed (60/120 = 0.5 against a plan of 0.5) but not judged
    assert nation["achievement"] == pytest.approx(0.5)
    assert nation["status"] == "incomplete"
    hokkaido = row(p, "n", HOKKAIDO)
    assert (hokkaido["reporting"], hokkaido["expected"]) == (2, 179)
    assert hokkaido["coverage"] == pytest.approx(2 / 179)
    assert hokkaido["org_name"] == "北海道"
    town = row(p, "n", KUSHIRO_TOWN)
    assert (town["reporting"], town["expected"], town["coverage"]) == (1, 1, 1.0)
    assert town["org_name"] == "釧路町"
    # the same numbers in the history
    h = row(p, "n", "JP", "history")
    assert (h["reporting"], h["expected"], h["status"]) == (3, 1741, "incomplete")


def test_min_coverage_decides_when_a_total_is_judged() -> None:
    # 3/1,741 = 0.00172: judged with min_coverage 0.001 (on plan: 0.5 vs 0.5 → on_track)
    assert row(_three_of_1741(min_coverage=0.001), "n", "JP")["status"] == "on_track"
    assert row(_three_of_1741(min_coverage=0.002), "n", "JP")["status"] == "incomplete"
    with pytest.raises(ModelError, match="min_coverage"):
        _three_of_1741(min_coverage=1.5)


def test_means_keep_their_status_and_show_coverage() -> None:
    m = model(lm.KPI(id="w", measures="oc", unit="分", aggregation="mean", targets={"FY2025": 10}))
    p = evaluate(
        m, frame([("w", CHIYODA, "FY2024", 10), ("w", CHUO, "FY2024", 10)]), hierarchy=japan()
    )
    tokyo = row(p, "w", TOKYO)
    assert (tokyo["reporting"], tokyo["expected"]) == (2, 62)
    assert tokyo["status"] == "achieved"  # 10 分 against a target of 10: a mean is not incomplete


def test_children_count_every_municipality() -> None:
    p = _three_of_1741()
    kids = p.children.set_index(["indicator", "org"])
    jp = kids.loc[("n", "JP")]
    assert jp["n_children"] == 1741
    assert jp["reporting"] == 3
    assert jp["no_data"] == 1741 - 3
    # municipalities of an additive indicator have no target of their own (DESIGN §5.7)
    assert jp["no_target"] == 3
    hokkaido = kids.loc[("n", HOKKAIDO)]
    assert (hokkaido["n_children"], hokkaido["reporting"], hokkaido["no_data"]) == (179, 2, 177)
    assert hokkaido["org_name"] == "北海道"


# -- formulas over the organisations that have every component ------------------------------------


def test_formula_uses_only_orgs_with_every_component() -> None:
    m = model(
        lm.KPI(id="holders", measures="out", unit="人"),
        lm.KPI(id="pop", measures="out", unit="人"),
        lm.KGI(
            id="rate",
            measures="oc",
            unit="%",
            formula="holders / pop * 100",
            targets={"FY2025": 50},
        ),
    )
    # 千代田区 has holders only, 港区 pop only; only 中央区 has both: 60 / 300 * 100 = 20 %
    # (Σholders / Σpop over everyone would be 110 / 900 = 12.2 %)
    obs = frame(
        [
            ("holders", CHIYODA, "FY2024", 50),
            ("holders", CHUO, "FY2024", 60),
            ("pop", CHUO, "FY2024", 300),
            ("pop", MINATO, "FY2024", 600),
        ]
    )
    p = evaluate(m, obs, hierarchy=japan())
    for org in (TOKYO, "JP"):
        r = row(p, "rate", org)
        assert r["actual"] == pytest.approx(20.0)
        assert r["reporting"] == 1
    assert row(p, "rate", TOKYO)["expected"] == 62
    assert row(p, "rate", CHUO)["actual"] == pytest.approx(20.0)
    t = p.indicators
    chiyoda = t[(t["indicator"] == "rate").to_numpy() & (t["org"] == CHIYODA).to_numpy()]
    assert chiyoda["actual"].isna().all()  # holders without pop: no rate


# -- wards ------------------------------------------------------------------------------------------


def test_a_ward_only_city_reports_once() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame([("n", SAPPORO_CHUO, "FY2024", 5), ("n", SAPPORO_KITA, "FY2024", 7)])
    p = evaluate(m, obs, hierarchy=japan())
    city = row(p, "n", SAPPORO)
    assert city["actual"] == pytest.approx(12.0)
    assert (city["reporting"], city["expected"]) == (1, 1)
    assert city["org_name"] == "札幌市"
    hokkaido = row(p, "n", HOKKAIDO)
    assert hokkaido["actual"] == pytest.approx(12.0)
    assert (hokkaido["reporting"], hokkaido["expected"]) == (1, 179)
    ward = row(p, "n", SAPPORO_CHUO)
    assert (ward["level"], ward["org_name"], ward["reporting"]) == ("ward", "中央区", 1)
    assert row(p, "n", "JP")["reporting"] == 1


# -- versioned hierarchy ------------------------------------------------------------------------------


def test_coverage_follows_a_merger() -> None:
    tree = lm.Hierarchy.from_frame(
        pd.DataFrame(
            {
                "code": ["P", "A", "B", "C"],
                "parent": [None, "P", "P", "P"],
                "level": ["pref", "muni", "muni", "muni"],
                "to": [None, "2025-01-01", "2025-01-01", None],
                "from": [None, None, None, "2025-01-01"],
            }
        ),
        valid_from="from",
        valid_to="to",
    )
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame(
        [
            ("n", "A", "2024-12", 1),
            ("n", "B", "2024-12", 2),
            ("n", "A", "2024-11", 4),
            ("n", "C", "2025-01", 5),
        ]
    )
    p = evaluate(m, obs, hierarchy=tree)
    hist = p.history[p.history["org"] == "P"].set_index("period")
    # before the merger A and B exist: December has both (2/2), November only A (1/2);
    # after it C alone exists and reports (1/1)
    assert (hist.loc["2024-12", "reporting"], hist.loc["2024-12", "expected"]) == (2, 2)
    assert (hist.loc["2024-11", "reporting"], hist.loc["2024-11", "expected"]) == (1, 2)
    assert (hist.loc["2025-01", "reporting"], hist.loc["2025-01", "expected"]) == (1, 1)
    assert hist.loc["2024-12", "actual"] == pytest.approx(3.0)
    now = row(p, "n", "P")
    assert (now["period"], now["reporting"], now["expected"]) == ("2025-01", 1, 1)


# -- as_of and running periods --------------------------------------------------------------------------


def test_default_as_of_is_not_moved_by_an_annual_row_ahead_of_monthly_data() -> None:
    m = model(
        lm.KPI(id="n", measures="out", unit="件", targets={"FY2025": 100}),
        lm.KPI(id="pop", measures="out", unit="人"),
        milestones=[lm.Milestone(id="ms", title="公開", due="2024-06-30", delivers=["act"])],
    )
    rows = [("n", None, f"2024-{k:02d}", 10 * k) for k in range(4, 10)]
    rows.append(("pop", None, "令和8年度", 1000))  # FY2026 ends 2027-03-31
    p = evaluate(m, frame(rows))
    assert p.as_of == dt.date(2024, 9, 30)  # the newest month, not 2027-03-31
    ms = p.milestones.set_index("milestone").loc["ms"]
    assert (ms["status"], ms["days_late"]) == ("overdue", 92)  # 2024-06-30 → 2024-09-30
    assert not (p.findings["code"] == "stale").any()


def test_a_half_year_flow_is_year_to_date_against_a_prorated_plan() -> None:
    m = model(
        lm.KPI(
            id="served",
            measures="out",
            unit="件",
            aggregation="flow",
            frequency="fiscal_year",
            targets={"FY2024": 1200},
        )
    )
    rows = [("served", None, f"2024-{k:02d}", 100) for k in range(4, 10)]
    p = evaluate(m, frame(rows))
    r = row(p, "served", None)
    assert p.as_of == dt.date(2024, 9, 30)
    assert r["period"] == "FY2024"
    assert not r["period_complete"]
    assert r["actual"] == pytest.approx(600.0)  # April–September
    # the plan for FY2024 is 1,200, prorated by 183 of its 365 days = 601.64
    assert r["planned"] == pytest.approx(1200 * 183 / 365)
    assert r["achievement"] == pytest.approx(0.5)
    assert r["status"] == "on_track"  # 0.5 ≥ 0.5014 − 0.05
    h = p.history.set_index("period").loc["FY2024"]
    assert not h["period_complete"]
    # a later as_of closes the year: the same six months against the full 1,200
    done = row(evaluate(m, frame(rows), as_of="FY2024"), "served", None)
    assert done["period_complete"]
    assert done["planned"] == pytest.approx(1200.0)
    assert done["status"] == "off_track"


def test_forecast_is_never_further_out_than_the_data_supports() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件", targets={"FY2099": 10_000}))
    rows = [("n", None, f"2024-{k:02d}", 100 + k) for k in range(4, 10)]
    r = row(evaluate(m, frame(rows)), "n", None)
    # +1 a month towards 10,000 would be reached after ~825 years: no forecast
    assert pd.isna(r["forecast_date"])
    assert r["forecast_period"] is None


# -- broken links only from measured nodes ----------------------------------------------------------------


def test_no_broken_link_through_an_unmeasured_node() -> None:
    m = lm.LogicModel(
        id="chain",
        title="t",
        nodes=[
            lm.Activity(id="a"),
            lm.Output(id="b"),
            lm.Outcome(id="c"),
            lm.Outcome(id="d", stage="long"),
        ],
        links=[
            lm.Link(source="a", target="b"),
            lm.Link(source="b", target="c"),
            lm.Link(source="a", target="d"),
        ],
        indicators=[
            lm.KPI(id="ka", measures="a", unit="件", targets={"FY2024": 10}),
            lm.KPI(id="kc", measures="c", unit="件", targets={"FY2024": 10}),
            lm.KPI(id="kd", measures="d", unit="件", targets={"FY2024": 10}),
        ],
    )
    # a achieved (10/10); b has no data and inherits a's status; c and d off track (1/10)
    p = evaluate(
        m, frame([("ka", None, "FY2024", 10), ("kc", None, "FY2024", 1), ("kd", None, "FY2024", 1)])
    )
    nodes = p.nodes.set_index("node")
    assert nodes.loc["b", "status"] == "achieved"
    assert not nodes.loc["b", "measured"]
    assert nodes.loc["a", "measured"]
    broken = p.findings[p.findings["code"] == "broken_link"]
    # a → d is a measured link off track; b → c rests on an inherited status: no finding
    assert broken["node"].tolist() == ["d"]
    assert "org_name" in p.findings.columns


# -- names, views, summaries ----------------------------------------------------------------------------------


def test_a_prefectures_own_summary_and_dashboard() -> None:
    p = _three_of_1741(min_coverage=0.001)
    view = p.org("北海道")
    assert view.org("010006").focus == HOKKAIDO
    assert view.top_level == "prefecture"
    assert view.indicators["org"].iloc[0] == HOKKAIDO  # its own rows on top, then those below
    assert set(view.indicators["org"]) == {HOKKAIDO, SAPPORO, KUSHIRO_TOWN}
    s = view.summary(lang="ja")
    assert s["団体"].tolist() == ["北海道"]
    assert s["実績値"].tolist() == ["30"]
    assert s["報告団体"].tolist() == ["2/179団体"]
    assert "北海道" in repr(view)
    assert "2/179" in repr(view)
    html = lm.dashboard(p.model, view)
    assert "<title>マイナ保険証 — 北海道 — 政策ダッシュボード</title>" in html
    # the page draws its views from the data it carries: 北海道 is the top, its KGI reported by
    # 2 of its 179 municipalities (shown as 「2/179団体」, see test_dashboard_browser)
    data = json.loads(
        re.search(r'<script type="application/json" id="lm-data">(.*?)</script>', html, re.S)[1]
    )
    assert data["single"] is True
    assert data["orgs"]["code"][0] == HOKKAIDO
    assert data["orgs"]["name"][:1] == ["北海道"]
    kgi = next(i for i in data["indicators"] if i["role"] == "KGI")
    assert (kgi["reporting"][0], kgi["expected"][0]) == (2, 179)
    assert lm.dashboard(p.model, p, org="北海道") == html  # the same as the view's
    # the nation's summary shows who reported
    top = p.summary()
    assert top["reporting"].tolist() == ["3/1,741 orgs"]
    assert top["achievement"].tolist() == ["50.0%"]
    assert p.select(org="釧路町", level="municipality").indicators["org"].tolist() == [KUSHIRO_TOWN]
    assert set(p.at("prefecture").indicators["org_name"]) == {"北海道", "東京都"}


def test_summary_formats_numbers_for_people() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="円", targets={"FY2025": 2_000_000}))
    s = evaluate(m, frame([("n", None, "FY2024", 1_234_567)])).summary()
    assert s.loc[0, "actual"] == "1,234,567"
    assert s.loc[0, "target"] == "2,000,000"
    assert s.loc[0, "achievement"] == "61.7%"


def test_org_accepts_a_name_and_refuses_unknown_or_shared_names() -> None:
    p = _three_of_1741()
    assert p.org("釧路町").focus == KUSHIRO_TOWN
    assert p.org("くしろちょう").focus == KUSHIRO_TOWN
    assert p.org("ﾎｯｶｲﾄﾞｳ").focus == HOKKAIDO
    with pytest.raises(ModelError, match="nearest"):
        p.org("釧路村")


def test_progress_pickles_before_and_after_history_and_lang_is_checked() -> None:
    p = _three_of_1741()
    again = pickle.loads(pickle.dumps(p))
    pd.testing.assert_frame_equal(again.history, p.history)
    view = pickle.loads(pickle.dumps(p.org(HOKKAIDO)))
    assert set(view.history["org"]) == {HOKKAIDO, SAPPORO, KUSHIRO_TOWN}
    with pytest.raises(ModelError, match="lang 'fr'"):
        _three_of_1741(lang="fr")
    with pytest.raises(ModelError, match="lang 'fr'"):
        p.summary(lang="fr")
    with pytest.raises(TypeError):
        Progress(p.model, p.as_of)  # type: ignore[misc]  # keyword fields only


# -- org checks in one place -------------------------------------------------------------------------------


def test_check_and_evaluate_report_every_bad_org_code_with_rows() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    obs = frame(
        [
            ("n", "131017", "FY2024", 1),  # wrong check digit (131016)
            ("n", "999999", "FY2024", 2),  # no such code
            ("n", "131017", "FY2023", 3),
            ("n", CHIYODA, "FY2022", 4),
        ]
    )
    report = lm.check(m, obs, hierarchy=japan(), select="LM3")
    bad = [i for i in report.errors if i.code == "LM309"]
    assert len(bad) == 2
    digit = next(i for i in bad if "131017" in i.message)
    assert "131016" in digit.message
    assert digit.row == 0
    assert "rows 0, 2" in digit.where
    unknown = next(i for i in bad if "999999" in i.message)
    assert unknown.row == 1
    with pytest.raises(CheckError) as info:
        evaluate(m, obs, hierarchy=japan())
    raised = [i for i in info.value.report.errors if i.code == "LM309"]
    assert [(i.message, i.row) for i in raised] == [(i.message, i.row) for i in bad]
    # without a hierarchy the codes are just names
    assert lm.check(m, obs, select="LM3").ok


def test_an_orgs_own_total_reports_for_everything_below_it() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    # 北海道 reports its own total; 東京都 only through 千代田区
    p = evaluate(
        m, frame([("n", HOKKAIDO, "FY2024", 100), ("n", CHIYODA, "FY2024", 5)]), hierarchy=japan()
    )
    hokkaido = row(p, "n", HOKKAIDO)
    assert (hokkaido["actual"], hokkaido["reporting"], hokkaido["expected"]) == (100.0, 179, 179)
    nation = row(p, "n", "JP")
    assert nation["actual"] == pytest.approx(105.0)
    assert (nation["reporting"], nation["expected"]) == (180, 1741)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_reporting_counts_distinct_municipalities_at_every_level(data: st.DataObject) -> None:
    municipalities = japan().codes("municipality")
    wards = japan().codes("ward")
    chosen = data.draw(
        st.lists(st.sampled_from(municipalities + wards), min_size=1, max_size=25, unique=True)
    )
    m = model(lm.KPI(id="n", measures="out", unit="件"))
    p = evaluate(m, frame([("n", c, "FY2024", 1) for c in chosen]), hierarchy=japan())
    # a ward reports for its city; each municipality counts once
    counted = {japan().parent(c) if japan().level_of(c) == "ward" else c for c in chosen}
    nation = row(p, "n", "JP")
    assert (nation["reporting"], nation["expected"]) == (len(counted), 1741)
    assert nation["actual"] == pytest.approx(len(chosen))
    by_pref = pd.Series([japan().parent(c) for c in counted]).value_counts()
    for pref, n in by_pref.items():
        r = row(p, "n", str(pref))
        assert r["reporting"] == n
        assert r["expected"] == len(japan().children(str(pref)))
    kids = p.children.set_index(["indicator", "org"]).loc[("n", "JP")]
    assert kids["reporting"] == len(counted)


def test_flat_orgs_without_a_hierarchy_count_the_orgs_seen() -> None:
    m = model(lm.KPI(id="n", measures="out", unit="件", targets={"FY2024": 10}))
    obs = frame([("n", "a", "FY2023", 1), ("n", "b", "FY2023", 2), ("n", "a", "FY2024", 4)])
    p = evaluate(m, obs)
    total = row(p, "n", None)
    # FY2024: only a of the two orgs seen reported → 1/2, an additive total short of coverage
    assert (total["period"], total["reporting"], total["expected"]) == ("FY2024", 1, 2)
    assert total["status"] == "incomplete"
    assert p.children.set_index("indicator").loc["n", "n_children"] == 2


def test_summary_without_organisations_has_no_coverage_column() -> None:
    # nothing is aggregated over organisations, so a column of blanks would only mislead
    obs = pd.DataFrame({"indicator": ["adopted_n"], "period": ["FY2024"], "value": [300]})
    p = lm.evaluate(sample_model(), obs)
    assert "reporting" not in p.summary().columns
    assert "報告団体" not in p.summary(lang="ja").columns
    assert p.summary()["actual"].tolist()[1] == "300"
    # with organisations the column is there (see the 3-of-1,741 tests above)
    assert "reporting" in _three_of_1741(min_coverage=0.001).summary().columns
