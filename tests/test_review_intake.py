"""Second review of the compact intake and the evaluation refactor (observations.py, evaluation/).

Tests that pass pin behaviour worth keeping (engines, dictionary columns, empty input, org and
period edge cases). Tests marked ``xfail(strict=True)`` demonstrate a bug found in review; each
reason says what is wrong and where, so the fix turns them into passing tests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import logicmodel as lm
from logicmodel.evaluation import Progress, evaluate
from logicmodel.evaluation.aggregate import group_reduce
from logicmodel.evaluation.engine import pushdown
from logicmodel.observations import prepare_observations
from logicmodel.testing import assert_progress_close

pl = pytest.importorskip("polars")

# 東京都 130001: 千代田区 131016, 中央区 131024; 大阪府 270008: 大阪市 271004
TOKYO, OSAKA = "130001", "270008"
CHIYODA, CHUO, OSAKA_CITY = "131016", "131024", "271004"


@functools.cache
def japan() -> lm.Hierarchy:
    return lm.Hierarchy.japan()


def ind(id_: str, measures: str = "out", role: str = "KPI", **fields: Any) -> lm.Indicator:
    fields.setdefault("unit", "人")
    fields.setdefault("source", "調査")
    return lm.Indicator(id=id_, measures=measures, role=role, **fields)


def make_model(*indicators: lm.Indicator) -> lm.LogicModel:
    return lm.LogicModel(
        id="review",
        title="review",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="oc")],
        indicators=list(indicators),
    )


def basic_model() -> lm.LogicModel:
    return make_model(
        ind("n", targets={"FY2025": 100}, baseline={"period": "FY2023", "value": 0}),
        ind(
            "k",
            measures="oc",
            role="KGI",
            unit="分",
            aggregation="mean",
            direction="decrease",
            targets={"FY2025": 10},
        ),
    )


def formula_model(formula: str = "holders / pop * 100") -> lm.LogicModel:
    return make_model(
        ind("holders"),
        ind("pop"),
        ind("rate", measures="oc", role="KGI", unit="%", formula=formula, targets={"FY2026": 80}),
    )


def actual(p: Progress, indicator: str, org: object = None) -> float:
    t = p.indicators
    rows = t[t["indicator"] == indicator]
    rows = rows[rows["org"].isna()] if org is None else rows[rows["org"] == org]
    assert len(rows) == 1, rows
    return float(rows["actual"].iloc[0])


def history(p: Progress, indicator: str) -> dict[tuple[object, str], float]:
    h = p.history[p.history["indicator"] == indicator]
    orgs = [None if pd.isna(o) else o for o in h["org"].tolist()]
    return dict(
        zip(zip(orgs, h["period"].tolist(), strict=True), h["actual"].tolist(), strict=True)
    )


def observations() -> pd.DataFrame:
    """Text columns with a missing org, a missing kind, a unit to convert and two chunks' worth."""
    return pd.DataFrame(
        {
            "indicator": ["n", "n", "n", "k", "k", "k", "n", "k"],
            "org": [CHIYODA, CHUO, None, CHIYODA, CHUO, None, OSAKA_CITY, OSAKA_CITY],
            "period": [
                "FY2024",
                "FY2024",
                "FY2023",
                "2024-06",
                "2024-06",
                "2024-05",
                "FY2024",
                "FY2023",
            ],
            "value": ["10", "20", "500", "0.5", "40", "35", "7", "25"],
            "unit": ["人", "人", "人", "時間", "分", "分", "人", "分"],
            "kind": ["actual", "actual", "actual", None, "actual", "actual", "actual", "実績"],
        }
    )


def _chunked(table: pa.Table, size: int = 3) -> pa.Table:
    return pa.concat_tables([table.slice(i, size) for i in range(0, table.num_rows, size)])


def _dictionary(table: pa.Table) -> pa.Table:
    columns = []
    for name in table.column_names:
        column = table[name]
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.dictionary_encode(column).cast(pa.dictionary(pa.int32(), pa.string()))
        columns.append(column)
    return pa.table(columns, names=table.column_names)


ENGINES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "pandas_str": lambda df: df.astype({c: "str" for c in df.columns if c != "value"}),
    "pandas_categorical": lambda df: df.astype(dict.fromkeys(df.columns, "category")),
    "polars": pl.from_pandas,
    "polars_lazy": lambda df: pl.from_pandas(df).lazy(),
    "pyarrow_chunked": lambda df: _chunked(pa.Table.from_pandas(df, preserve_index=False)),
    "pyarrow_large_string": lambda df: pa.Table.from_pandas(df, preserve_index=False).cast(
        pa.schema([(c, pa.large_string()) for c in df.columns])
    ),
    "pyarrow_dictionary_chunked": lambda df: _dictionary(
        _chunked(pa.Table.from_pandas(df, preserve_index=False))
    ),
}


# -- engines and column types ------------------------------------------------------------------


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_engine_and_column_type_give_the_pandas_result(engine: str) -> None:
    obs = observations()
    # issue 10: the default as_of is the newest month (2024-06), before FY2024 ends; evaluate
    # at the end of FY2024 to see the yearly counts
    reference = evaluate(basic_model(), obs, hierarchy=japan(), as_of="FY2024")
    assert actual(reference, "k", CHIYODA) == pytest.approx(30.0)  # 0.5 時間 = 30 分
    assert actual(reference, "n", TOKYO) == pytest.approx(30.0)
    got = evaluate(basic_model(), ENGINES[engine](obs), hierarchy=japan(), as_of="FY2024")
    assert_progress_close(reference, got)


def test_duckdb_relation_gives_the_pandas_result() -> None:
    duckdb = pytest.importorskip("duckdb")
    obs = observations()
    con = duckdb.connect()
    try:
        relation = con.from_arrow(pa.Table.from_pandas(obs, preserve_index=False))
        got = evaluate(basic_model(), relation, hierarchy=japan())
    finally:
        con.close()
    assert_progress_close(evaluate(basic_model(), obs, hierarchy=japan()), got)


def test_polars_categorical_without_nulls_is_read() -> None:
    obs = observations().dropna()
    frame = pl.from_pandas(obs).with_columns(pl.col(pl.String).cast(pl.Categorical))
    assert_progress_close(evaluate(basic_model(), obs), evaluate(basic_model(), frame))


def test_arrow_dictionary_with_a_null_is_a_missing_org() -> None:
    org = pa.array([CHIYODA, None, CHUO]).dictionary_encode()
    table = pa.table(
        {"indicator": ["n"] * 3, "org": org, "period": ["FY2024"] * 3, "value": [1.0, 2.0, 3.0]}
    )
    clean = prepare_observations(basic_model(), table)
    assert clean.issues == ()
    assert clean.frame["org_code"].tolist() == [0, -1, 1]
    assert list(clean.orgs) == [CHIYODA, CHUO]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda s: s.cast(pl.Categorical), id="polars_categorical"),
        pytest.param(lambda s: s.cast(pl.Enum([CHIYODA, CHUO])), id="polars_enum"),
    ],
)
def test_polars_categorical_org_with_a_null_is_a_missing_org(make: Any) -> None:
    frame = pl.DataFrame(
        {"indicator": ["n"] * 3, "org": [CHIYODA, None, CHUO], "period": ["FY2024"] * 3}
    ).with_columns(make(pl.col("org")), value=pl.lit(1.0))
    clean = prepare_observations(basic_model(), frame)
    assert clean.issues == ()
    assert sorted(clean.frame["org_code"].tolist()) == [-1, 0, 1]


def test_arrow_uint_dictionary_period_with_a_null_is_an_empty_period() -> None:
    period = (
        pa.array(["FY2024", None]).dictionary_encode().cast(pa.dictionary(pa.uint32(), pa.string()))
    )
    table = pa.table({"indicator": ["n", "n"], "period": period, "value": [1.0, 2.0]})
    clean = prepare_observations(basic_model(), table)
    assert [i.code for i in clean.issues] == ["LM302"]


def test_polars_categorical_value_column_with_text_is_lm303() -> None:
    frame = pl.DataFrame(
        {"indicator": ["n", "n"], "period": ["FY2023", "FY2024"], "value": ["1", "x"]}
    ).with_columns(pl.col("value").cast(pl.Categorical))
    clean = prepare_observations(basic_model(), frame)
    assert [i.code for i in clean.issues] == ["LM303"]


def test_integer_org_columns_are_lm309_on_pandas_and_polars() -> None:
    obs = pd.DataFrame({"indicator": ["n"], "org": [1100], "period": ["FY2024"], "value": [1.0]})
    for frame in (
        obs,
        obs.astype({"org": "Int64"}),
        pl.from_pandas(obs),
        pl.from_pandas(obs).lazy(),
    ):
        clean = prepare_observations(basic_model(), frame)
        assert [i.code for i in clean.issues] == ["LM309"]
        assert clean.frame.empty


def test_integer_categorical_org_column_is_lm309() -> None:
    obs = pd.DataFrame({"indicator": ["n"], "org": [1100], "period": ["FY2024"], "value": [1.0]})
    clean = prepare_observations(basic_model(), obs.astype({"org": "category"}))
    assert [i.code for i in clean.issues] == ["LM309"]


# -- empty and partial input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"indicator": [], "period": [], "value": []}),
        pl.DataFrame(schema={"indicator": pl.Categorical, "period": pl.String, "value": pl.String}),
        pa.Table.from_batches(
            [],
            pa.schema(
                [
                    ("indicator", pa.string()),
                    ("org", pa.string()),
                    ("period", pa.string()),
                    ("value", pa.float64()),
                    ("kind", pa.string()),
                    ("unit", pa.string()),
                ]
            ),
        ),
    ],
    ids=["pandas", "polars_categorical", "pyarrow_zero_chunks"],
)
def test_empty_observations_give_no_data(frame: Any) -> None:
    p = evaluate(basic_model(), frame, as_of="FY2024")
    assert p.indicators["status"].tolist() == ["no_data", "no_data"]
    assert p.history.empty


def test_only_targets_and_baselines_give_no_data_with_those_points() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["n", "n", "k"],
            "org": [CHIYODA, CHIYODA, None],
            "period": ["FY2025", "FY2023", "FY2025"],
            "value": [50, 5, 8],
            "kind": ["目標", "baseline", "Target"],
        }
    )
    p = evaluate(basic_model(), obs, hierarchy=japan(), as_of="FY2024")
    rows = p.indicators.set_index(["indicator", "org"])
    assert rows.loc[("n", CHIYODA), "target"] == 50
    assert rows.loc[("n", CHIYODA), "baseline"] == 5
    assert rows.loc[("k", "JP"), "target"] == 8  # a row without org is the root's own
    assert set(rows["status"]) == {"no_data"}
    assert p.history.empty


def test_source_row_numbers_reach_the_issues() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["n", "n", "k", "zz"],
            "period": ["FY2024"] * 4,
            "value": ["1", "2", "x", "4"],
            "source_row": ["5", "6", "7", "9"],
        }
    )
    for frame in (obs, pl.from_pandas(obs)):
        issues = {
            i.code: (i.row, i.where) for i in prepare_observations(basic_model(), frame).issues
        }
        assert issues == {
            "LM301": (9, "observations line 9"),
            "LM303": (7, "observations line 7"),
            "LM304": (5, "observations lines 5, 6"),
        }


def test_blank_nan_and_dash_values_are_missing_not_zero() -> None:
    m = make_model(ind("n", unit="件", aggregation="flow", targets={"FY2025": 100}))
    obs = pd.DataFrame(
        {
            "indicator": ["n"] * 5,
            "period": ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08"],
            "value": ["3", "", "-", None, "nan"],
        }
    )
    polars_nan = pl.DataFrame(
        {"indicator": ["n"] * 2, "period": ["2024-04", "2024-05"], "value": [3.0, float("nan")]}
    )
    for frame in (obs, pl.from_pandas(obs), polars_nan):
        clean = prepare_observations(m, frame)
        assert clean.issues == ()
        assert clean.frame["value"].tolist() == [3.0]
        assert history(evaluate(m, frame), "n") == {(None, "FY2024"): 3.0}


# -- orgs --------------------------------------------------------------------------------------


def test_rows_without_org_are_the_total_or_the_root_and_win_over_children() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["n"] * 3,
            "org": [None, CHIYODA, CHUO],
            "period": ["FY2024"] * 3,
            "value": [500, 10, 20],
        }
    )
    flat = evaluate(basic_model(), obs)
    assert actual(flat, "n") == 500  # the total's own row wins over the sum of its orgs
    assert actual(flat, "n", CHIYODA) == 10
    tree = evaluate(basic_model(), obs, hierarchy=japan())
    assert actual(tree, "n", "JP") == 500
    assert actual(tree, "n", TOKYO) == 30


def _merger_tree() -> lm.Hierarchy:
    rows = pd.DataFrame(
        {
            "code": ["N", "P", "Q", "A", "B", "C", "D"],
            "parent": [None, "N", "N", "P", "P", "P", "Q"],
            "level": ["nation", "pref", "pref", "muni", "muni", "muni", "muni"],
            "from": [None, None, None, None, None, "2024-10-01", None],
            "to": [None, None, None, "2024-10-01", "2024-10-01", None, None],
        }
    )
    return lm.Hierarchy.from_frame(rows, valid_from="from", valid_to="to")


def test_versioned_tree_monthly_flow_and_rows_without_org() -> None:
    # A and B merge into C on 2024-10-01; a monthly flow summed to the fiscal year: FY2024 of P
    # is A's and B's months before the merger plus C's after it; the row without org is N's own
    m = make_model(ind("n", unit="件", aggregation="flow", targets={"FY2025": 100}))
    obs = pd.DataFrame(
        {
            "indicator": ["n"] * 7,
            "org": ["A", "B", "A", "C", "C", "D", None],
            "period": ["2024-05", "2024-06", "2024-09", "2024-11", "2025-02", "2024-07", "FY2023"],
            "value": [1, 2, 4, 8, 16, 32, 64],
        }
    )
    h = history(evaluate(m, obs, hierarchy=_merger_tree()), "n")
    assert h[("A", "FY2024")] == 5
    assert h[("C", "FY2024")] == 24
    assert h[("P", "FY2024")] == 31
    assert h[("N", "FY2024")] == 63
    assert h[("N", "FY2023")] == 64


def test_custom_grouping_and_weight_by_on_polars_equal_pandas() -> None:
    m = make_model(
        ind("pop"),
        ind(
            "sat",
            measures="oc",
            role="KGI",
            unit="%",
            aggregation="mean",
            weight_by="pop",
            targets={"FY2026": 80},
        ),
    )
    h = japan().with_grouping("band", {CHIYODA: "small", CHUO: "small"}, level="municipality")
    obs = pd.DataFrame(
        {
            "org": [CHIYODA, CHUO, CHIYODA, CHUO],
            "indicator": ["pop", "pop", "sat", "sat"],
            "period": ["FY2024", "FY2024", "2024-06", "2024-06"],
            "value": [100, 300, 80, 40],
        }
    )
    p = evaluate(m, obs, hierarchy=h, as_of="2024-06")
    assert actual(p, "sat", "small") == pytest.approx(50.0)  # (80·100 + 40·300) / 400
    assert actual(p, "sat", TOKYO) == pytest.approx(50.0)
    assert_progress_close(
        p, evaluate(m, _chunked(pa.Table.from_pandas(obs)), hierarchy=h, as_of="2024-06")
    )
    assert_progress_close(p, evaluate(m, pl.from_pandas(obs).lazy(), hierarchy=h, as_of="2024-06"))


def test_a_prefecture_reported_only_at_its_own_level_still_feeds_the_nation() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["n"] * 3,
            "org": [CHIYODA, CHUO, OSAKA],
            "period": ["FY2024"] * 3,
            "value": [10, 20, 100],
        }
    )
    p = evaluate(basic_model(), obs, hierarchy=japan())
    assert actual(p, "n", TOKYO) == 30
    assert actual(p, "n", OSAKA) == 100
    assert actual(p, "n", "JP") == 130


def test_deepest_level_is_decided_per_period() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["n"] * 3,
            "org": [CHIYODA, TOKYO, OSAKA_CITY],
            "period": ["FY2023", "FY2024", "FY2024"],
            "value": [10, 50, 7],
        }
    )
    h = history(evaluate(basic_model(), obs, hierarchy=japan()), "n")
    assert h[("JP", "FY2023")] == 10
    assert h[("JP", "FY2024")] == 57


# -- time --------------------------------------------------------------------------------------


def test_last_rule_with_unsorted_input_takes_the_latest_period() -> None:
    m = make_model(ind("st", frequency="fiscal_year", targets={"FY2025": 100}))
    obs = pd.DataFrame(
        {
            "indicator": ["st"] * 5,
            "org": ["A", "A", "A", "B", "B"],
            "period": ["2024-12", "2025-03", "2024-06", "2025-01", "2024-05"],
            "value": [3, 9, 1, 7, 2],
        }
    )
    for frame in (obs, obs.iloc[::-1], pl.from_pandas(obs)):
        h = history(evaluate(m, frame), "st")
        assert h == {(None, "FY2024"): 16.0, ("A", "FY2024"): 9.0, ("B", "FY2024"): 7.0}


def test_periods_ending_the_same_day_do_not_depend_on_row_order() -> None:
    m = make_model(
        ind("s", targets={"FY2025": 100}),
        ind("st", frequency="fiscal_year", targets={"FY2025": 100}),
    )
    obs = pd.DataFrame(
        {
            "indicator": ["s", "s", "st", "st"],
            "period": ["2024-12", "2024Q4", "2024-12", "2024Q4"],
            "value": [3.0, 100.0, 3.0, 100.0],
        }
    )
    forward = evaluate(m, obs)
    backward = evaluate(m, obs.iloc[::-1].reset_index(drop=True))
    assert actual(forward, "s") == actual(backward, "s")
    assert actual(forward, "st") == actual(backward, "st")
    # the most recent is the month (same end, later start), also in the engine's pushed-down cube
    assert actual(forward, "s") == actual(forward, "st") == 3.0
    pushed = pushdown(m, pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert actual(evaluate(m, pushed.frame), "st") == 3.0


def test_reporting_period_labels_follow_the_indicator_frequency() -> None:
    m = make_model(
        ind("q", frequency="quarter", aggregation="flow", targets={"FY2025": 100}),
        ind("y", frequency="fiscal_year", aggregation="flow", targets={"FY2025": 100}),
        ind("other"),
    )
    obs = pd.DataFrame(
        {
            "indicator": ["other", "other", "q", "q", "y"],
            "period": ["FY2024Q3", "2024-04-01/2025-03-31", "2024-10", "2024-11", "2024-05"],
            "value": [1, 2, 3, 4, 5],
        }
    )
    p = evaluate(m, obs)
    assert set(history(p, "q")) == {(None, "2024Q4")}
    assert set(history(p, "y")) == {(None, "FY2024")}


# -- formulas ----------------------------------------------------------------------------------


def test_formula_with_a_monthly_and_a_yearly_component() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["holders", "holders", "pop"],
            "org": [CHIYODA, CHIYODA, CHIYODA],
            "period": ["2024-05", "2024-06", "FY2024"],
            "value": [30, 40, 200],
        }
    )
    h = history(evaluate(formula_model(), obs, hierarchy=japan()), "rate")
    assert h[(CHIYODA, "2024-05")] == pytest.approx(15.0)
    assert h[(CHIYODA, "2024-06")] == pytest.approx(20.0)
    assert h[("JP", "2024-06")] == pytest.approx(20.0)


def test_formula_base_is_the_finest_component_not_the_most_periods() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["holders"] * 3 + ["pop"] * 5,
            "period": [
                "2024-04",
                "2024-05",
                "2024-06",
                "FY2020",
                "FY2021",
                "FY2022",
                "FY2023",
                "FY2024",
            ],
            "value": [30, 40, 50, 100, 110, 120, 130, 200],
        }
    )
    h = history(evaluate(formula_model(), obs), "rate")
    assert h == {
        (None, "2024-04"): pytest.approx(15.0),
        (None, "2024-05"): pytest.approx(20.0),
        (None, "2024-06"): pytest.approx(25.0),
    }


def test_formula_alignment_when_the_coarser_component_comes_first() -> None:
    obs = pd.DataFrame(
        {"indicator": ["holders", "pop"], "period": ["2024-06", "FY2024"], "value": [40, 200]}
    )
    assert history(evaluate(formula_model(), obs), "rate") == {(None, "2024-06"): 20.0}
    h = history(evaluate(formula_model("pop / holders"), obs), "rate")
    assert h == {(None, "2024-06"): pytest.approx(5.0)}


def test_formula_containing_period_is_chosen_per_org() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["holders"] * 4 + ["pop"] * 3,
            "org": ["A", "B", "A", "B", "A", "A", "B"],
            "period": ["2024-04", "2024-04", "2024-05", "2024-05", "FY2024", "FY2024Q1", "FY2024"],
            "value": [30, 40, 31, 41, 200, 250, 400],
        }
    )
    h = history(evaluate(formula_model(), obs), "rate")
    assert h[("A", "2024-04")] == pytest.approx(12.0)  # A's own quarter: 30 / 250
    assert h.get(("B", "2024-04")) == pytest.approx(10.0)  # B's fiscal year: 40 / 400


def test_observed_formula_value_replaced_by_an_aligned_one_is_lm307() -> None:
    obs = pd.DataFrame(
        {
            "indicator": ["holders", "pop", "rate"],
            "period": ["2024-06", "FY2024", "2024-06"],
            "value": [30, 200, 50],
        }
    )
    assert history(evaluate(formula_model(), obs), "rate") == {(None, "2024-06"): 15.0}
    codes = [i.code for i in prepare_observations(formula_model(), obs).issues]
    assert codes == ["LM307"]


# -- the pushdown cube and group_reduce --------------------------------------------------------


def test_pushdown_cube_gives_the_pandas_result_with_missing_orgs_and_targets() -> None:
    m = make_model(
        ind("n", unit="件", aggregation="flow", targets={"FY2025": 100}),
        ind("st", frequency="fiscal_year", targets={"FY2025": 100}),
        ind("w", unit="分", frequency="quarter", aggregation={"time": "mean", "orgs": "mean"}),
    )
    obs = pd.DataFrame(
        {
            "indicator": ["n", "n", "n", "st", "st", "st", "w", "w", "n"],
            "org": [CHIYODA, CHIYODA, None, CHUO, CHUO, None, CHIYODA, CHIYODA, CHIYODA],
            "period": [
                "2024-05",
                "2024-06",
                "2024-05",
                "2024-09",
                "2024-05",
                "2025-01",
                "2024-10",
                "2024-11",
                "FY2025",
            ],
            "value": ["1", "2", "4", "8", "16", "32", "1", "0.5", "90"],
            "unit": ["件", "件", "件", "人", "人", "人", "分", "時間", "件"],
            "kind": ["actual"] * 8 + ["target"],
        }
    )
    pushed = pushdown(m, pl.from_pandas(obs).lazy())
    assert pushed is not None
    cube = pushed.frame
    assert len(cube) < len(obs)
    reference = evaluate(m, obs, hierarchy=japan())
    # issue 10: the cube has no months left, so its own default as_of would be the quarter's end;
    # given the engine's as_of (the latest month) it is the same evaluation
    assert_progress_close(
        reference, evaluate(m, cube, hierarchy=japan(), as_of=pushed.last_actual_end)
    )
    assert actual(reference, "w", CHIYODA) == pytest.approx(15.5)  # mean of 1 and 30 分


def test_group_reduce_dense_and_hashed_paths_agree() -> None:
    rng = np.random.default_rng(7)
    key = rng.integers(0, 50, 400)
    values = rng.normal(size=400)
    latest = rng.integers(0, 30, 400)
    for rule in ("sum", "mean", "min", "max", "last"):
        dense = group_reduce(key, values, rule, 50, latest=latest)
        hashed = group_reduce(key, values, rule, 10**9, latest=latest)  # beyond the dense limit
        for a, b in zip(dense, hashed, strict=True):
            np.testing.assert_allclose(a, b)


def test_group_reduce_keeps_missing_values_missing() -> None:
    _keys, out, _n, row = group_reduce(
        np.array([0, 0, 1]), np.array([np.nan, np.nan, 1.0]), "sum", 2
    )
    assert np.isnan(out[0])
    _keys, out, _n, row = group_reduce(
        np.array([0, 0]), np.array([5.0, np.nan]), "last", 1, latest=np.array([1, 2])
    )
    assert row[0] == 1
    assert np.isnan(out[0])
