"""The stages of ``evaluate`` and the states between them (issue 9, item 3; DESIGN §3 row 5), and
the language of a ``Progress`` chosen when its tables are shown.

Each stage's output is caught on its way through a real ``evaluate`` (the stage functions that
``evaluation/core.py`` calls are wrapped), so these tests look at the states the pipeline really
passes: frozen dataclasses of numpy arrays with integer codes, no DataFrame, no text.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.evaluation import STATUS_LABELS, core
from logicmodel.evaluation.history import HistorySource, SeriesState
from logicmodel.evaluation.states import CurrentRows, OrgRows, PlanPoints, SeriesRows
from logicmodel.testing import sample_model, sample_observations

TOKYO, CHIYODA, CHUO = "130001", "131016", "131024"
STAGES = ("org_rows", "series_rows", "plan_points", "series_state", "history_source")
STAGES += ("current_rows",)


@functools.cache
def japan() -> lm.Hierarchy:
    return lm.Hierarchy.japan()


def _model() -> lm.LogicModel:
    return lm.LogicModel(
        id="stages",
        title="段階",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="oc")],
        indicators=[
            lm.KPI(id="n", measures="out", unit="件", baseline={"period": "FY2023", "value": 0},
                   targets={"FY2025": 100}),
            lm.KGI(id="rate", measures="oc", unit="%", aggregation="mean",
                   targets={"FY2025": 50}),
        ],
    )  # fmt: skip


def _observations() -> pd.DataFrame:
    rows = [
        ("n", CHIYODA, "FY2024", 30.0, "actual"),
        ("n", CHUO, "FY2024", 20.0, "actual"),
        ("n", CHIYODA, "FY2025", 40.0, "target"),  # per-org targets: summed to 東京都
        ("n", CHUO, "FY2025", 35.0, "target"),
        ("rate", CHIYODA, "FY2024", 40.0, "actual"),
        ("rate", CHIYODA, "FY2023", 10.0, "baseline"),
    ]
    return pd.DataFrame(rows, columns=["indicator", "org", "period", "value", "kind"])


def _caught(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Wrap the stage functions ``evaluate`` calls; their results land in the returned dict."""
    caught: dict[str, Any] = {}

    def keep(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            caught[name] = out = func(*args, **kwargs)
            return out

        return run

    for name in STAGES:
        monkeypatch.setattr(core, name, keep(name, getattr(core, name)))
    return caught


def _arrays(state: Any) -> dict[str, np.ndarray]:
    return {
        f.name: getattr(state, f.name)
        for f in dataclasses.fields(state)
        if isinstance(getattr(state, f.name), np.ndarray)
    }


def test_stages_pass_frozen_states_of_typed_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    caught = _caught(monkeypatch)
    lm.evaluate(_model(), _observations(), hierarchy=japan())
    kinds = {
        "org_rows": OrgRows,
        "series_rows": SeriesRows,
        "plan_points": PlanPoints,
        "series_state": SeriesState,
        "history_source": HistorySource,
        "current_rows": CurrentRows,
    }
    assert set(caught) == set(kinds)
    for name, kind in kinds.items():
        state = caught[name]
        assert type(state) is kind, name
        assert dataclasses.is_dataclass(state)
        first = dataclasses.fields(state)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(state, first, None)
        for field_ in dataclasses.fields(state):  # no frame travels between stages
            assert not isinstance(getattr(state, field_.name), pd.DataFrame | pd.Series), name
    # the states of this issue hold no object arrays: no text, no Python objects per row
    for name in ("org_rows", "series_rows", "plan_points", "series_state", "current_rows"):
        arrays = _arrays(caught[name])
        assert arrays, name
        assert {k for k, a in arrays.items() if a.dtype == object} == set(), name
    rows, points, now = caught["series_rows"], caught["plan_points"], caught["current_rows"]
    assert (rows.indicator.dtype, rows.org_i.dtype, rows.pcode.dtype) == (
        np.int32,
        np.int64,
        np.int64,
    )
    assert (rows.value.dtype, rows.reporting.dtype) == (np.float64, np.int64)
    assert (points.indicator.dtype, points.is_baseline.dtype, points.end_day.dtype) == (
        np.int32,
        np.bool_,
        np.int64,
    )
    assert (points.period.dtype, points.value.dtype) == (np.int32, np.float64)
    assert (now.status.dtype, now.on_course.dtype, now.complete.dtype) == (
        np.int8,
        np.int8,
        np.bool_,
    )
    assert caught["series_state"].baseline_period.dtype == np.int32
    assert caught["series_state"].target_period.dtype == np.int32


def test_plan_points_are_integer_codes_with_the_precedence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Explicit per-org rows win; their sum becomes the target of 東京都 and of the nation (no
    explicit one there), before the model's target; the model's baseline applies at the top (no
    per-org baselines of ``n``). Indicators are positions, kinds a bool, periods label codes."""
    caught = _caught(monkeypatch)
    p = lm.evaluate(_model(), _observations(), hierarchy=japan())
    points, orgs = caught["plan_points"], caught["org_rows"].index
    code = orgs.orgs[points.org_i]
    label = np.asarray(points.labels, dtype=object)[points.period]
    got = sorted(
        zip(
            points.indicator.tolist(),
            code.tolist(),
            points.is_baseline.tolist(),
            label.tolist(),
            points.value.tolist(),
            strict=True,
        )
    )
    n, rate = 0, 1  # positions in model.indicators
    assert (n, CHIYODA, False, "FY2025", 40.0) in got
    assert (n, TOKYO, False, "FY2025", 75.0) in got  # 40 + 35, summed from the children
    assert (n, "JP", False, "FY2025", 75.0) in got  # children sums before the model's 100
    assert not [g for g in got if g[4] == 100.0]
    assert (n, "JP", True, "FY2023", 0.0) in got
    # a mean indicator's model target applies at every org; the explicit baseline only at 千代田区
    assert (rate, CHIYODA, True, "FY2023", 10.0) in got
    assert not [g for g in got if g[0] == rate and g[2] and g[1] != CHIYODA]
    assert {g[1] for g in got if g[0] == rate and not g[2]} == set(orgs.orgs.tolist())
    # and the tables show them as text
    row = p.indicators[(p.indicators["indicator"] == "n") & (p.indicators["org"] == TOKYO)]
    assert row[["target", "target_period"]].iloc[0].tolist() == [75.0, "FY2025"]
    # progress.points is the same set of points, as a table
    shown = sorted(
        zip(
            p.points["indicator"].map({"n": n, "rate": rate}).tolist(),
            p.points["org"].tolist(),
            (p.points["kind"] == "baseline").tolist(),
            p.points["period"].tolist(),
            p.points["value"].tolist(),
            strict=True,
        )
    )
    assert shown == got
    tokyo = p.org(TOKYO).points
    assert set(tokyo["org"]) == {TOKYO, CHIYODA, CHUO}
    assert tokyo["org"].iloc[0] == TOKYO  # the view's own rows first
    assert tokyo[tokyo["org"] == TOKYO]["end"].tolist() == [pd.Timestamp("2026-03-31")] * 2
    again = pickle.loads(pickle.dumps(p))
    pd.testing.assert_frame_equal(again.points, p.points)


def test_per_org_targets_add_up_like_the_actuals_they_are_compared_with() -> None:
    """札幌市 and its ward 中央区 both give an actual and a target: the prefecture's and the
    nation's actual add the ward (the deepest level in the branch), so their targets must too —
    the same organisation aggregation for both (before: 100 + 40 + 50 = 190 against 4 + 5 = 9);
    a parent's own target still wins over its children's sum, and baselines add up the same way."""
    m = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Output(id="o"), lm.Outcome(id="c")],
        links=[lm.Link(source="o", target="c")],
        indicators=[lm.KPI(id="n", measures="o", unit="件")],
    )
    orgs = ["011002", "011011", "012025"]  # 札幌市, its 中央区, 函館市
    obs = pd.DataFrame(
        {
            "indicator": "n",
            "org": orgs * 3 + ["JP"],
            "period": ["FY2024"] * 6 + ["FY2023"] * 3 + ["FY2024"],
            "value": [10, 4, 5, 100, 40, 50, 1, 2, 3, 500],
            "kind": ["actual"] * 3 + ["target"] * 3 + ["baseline"] * 3 + ["target"],
        }
    )
    p = lm.evaluate(m, obs, hierarchy=japan())
    t = p.indicators.set_index("org")
    assert t.loc["010006", ["actual", "target", "baseline"]].tolist() == [9.0, 90.0, 5.0]
    assert t.loc["011002", ["actual", "target", "baseline"]].tolist() == [10.0, 100.0, 1.0]
    assert t.loc["JP", ["actual", "target", "baseline"]].tolist() == [9.0, 500.0, 5.0]
    hokkaido = p.points[(p.points["org"] == "010006").to_numpy()]
    assert sorted(zip(hokkaido["kind"], hokkaido["value"], strict=True)) == [
        ("baseline", 5.0),
        ("target", 90.0),
    ]
    # each point says where it comes from: summed below (inferred), given, or the model's
    pts = p.points
    source = dict(zip(zip(pts["org"], pts["kind"], strict=True), pts["source"], strict=True))
    assert source[("010006", "target")] == source[("010006", "baseline")] == "children"
    assert source[("011002", "target")] == source[("JP", "target")] == "observations"
    model_only = lm.evaluate(sample_model(), sample_observations()).points
    assert set(model_only["source"]) == {"model"}


def test_the_language_is_chosen_when_a_table_is_shown() -> None:
    p = lm.evaluate(sample_model(), sample_observations(), lang="ja")
    assert "status_label" not in p.indicator_table
    assert "status_label" not in p.node_table
    ja = p.indicators
    assert list(ja.columns).index("status_label") == list(ja.columns).index("status") + 1
    assert ja["status_label"].tolist() == [STATUS_LABELS["ja"][s] for s in ja["status"].astype(str)]
    en = p.in_language("en")
    assert (en.lang, p.lang) == ("en", "ja")  # p itself is unchanged
    assert en.indicators["status_label"].tolist() == [
        STATUS_LABELS["en"][s] for s in ja["status"].astype(str)
    ]
    assert en.nodes["status_label"].tolist() == [
        STATUS_LABELS["en"][s] for s in p.nodes["status"].astype(str)
    ]
    pd.testing.assert_frame_equal(
        en.indicators.drop(columns="status_label"), ja.drop(columns="status_label")
    )
    assert en.summary().columns[0] == "indicator"
    assert p.summary().columns[0] == "指標"
    assert p.in_language("ja") is p
    with pytest.raises(lm.ModelError, match="fr"):
        p.in_language("fr")
    # a table given with labels (dataclasses.replace) is labelled again in the progress' language
    again = dataclasses.replace(en, indicators=ja)
    assert set(again.indicators["status_label"]) <= set(STATUS_LABELS["en"].values())


def test_views_and_pickles_keep_the_language() -> None:
    obs = _observations()
    p = lm.evaluate(_model(), obs, hierarchy=japan()).in_language("ja")
    view = p.org(TOKYO)
    assert view.lang == "ja"
    assert set(view.indicators["org"]) == {TOKYO, CHIYODA, CHUO}
    assert set(view.nodes["status_label"]) <= set(STATUS_LABELS["ja"].values())
    level = p.select(level="prefecture")
    assert set(level.indicators["level"]) == {"prefecture"}
    assert set(level.indicators["status_label"]) <= set(STATUS_LABELS["ja"].values())
    _ = p.indicators, p.nodes  # labelled copies made …
    blob = pickle.dumps(p)
    back = pickle.loads(blob)
    assert not [k for k in vars(back) if k.endswith("_labelled")]  # … but not pickled
    pd.testing.assert_frame_equal(back.indicators, p.indicators)
    history = p.history
    back = pickle.loads(pickle.dumps(p))
    pd.testing.assert_frame_equal(back.history, history)
    pd.testing.assert_frame_equal(back.in_language("en").history, history)
    view_back = pickle.loads(pickle.dumps(view))
    pd.testing.assert_frame_equal(view_back.nodes, view.nodes)
