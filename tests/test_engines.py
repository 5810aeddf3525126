"""The same observations give the same progress on every engine (issue 4, "Engines").

pandas is the reference. Every other engine is evaluated twice: as it is (``lm.evaluate`` on the
native frame) and through :func:`logicmodel.evaluation.engine.pushdown`, whose small cube must give
the same progress as every row does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.evaluation import Progress, evaluate
from logicmodel.evaluation.engine import Pushdown, is_engine_frame, pushdown
from logicmodel.observations import prepare_observations

ORGS = ("131016", "131024", "131032", "011002", "012025")
MONTHS = pd.period_range("2023-04", "2024-12", freq="M").strftime("%Y-%m").tolist()
SPARK_WARNING = "ignore:PySpark does not yet fully support pandas:FutureWarning"


def _model() -> lm.LogicModel:
    return lm.LogicModel(
        id="engines",
        title="engines",
        nodes=[
            lm.Activity(id="act"),
            lm.Output(id="out"),
            lm.Outcome(id="oc", stage="short"),
            lm.Outcome(id="ux", stage="intermediate"),
        ],
        links=[
            lm.Link(source="act", target="out"),
            lm.Link(source="out", target="oc"),
            lm.Link(source="oc", target="ux"),
        ],
        indicators=[
            # monthly flow summed to the fiscal year its target names
            lm.KPI(
                id="served",
                measures="out",
                unit="件",
                aggregation="flow",
                baseline={"period": "FY2023", "value": 1000},
                targets={"FY2025": 3000},
            ),
            # stocks reported per fiscal year: the last month of each year counts
            lm.KPI(
                id="staff",
                measures="act",
                unit="人",
                frequency="fiscal_year",
                baseline={"period": "FY2023", "value": 10},
                targets={"FY2025": 40},
            ),
            lm.KPI(
                id="pop",
                measures="act",
                unit="人",
                frequency="fiscal_year",
                targets={"FY2025": 1000},
            ),
            # a rate rebuilt from its components at every level
            lm.KGI(
                id="share",
                measures="oc",
                unit="%",
                formula="staff / pop * 100",
                frequency="fiscal_year",
                baseline={"period": "FY2023", "value": 1},
                targets={"FY2025": 5},
            ),
            # a mean over the months of each fiscal year, and over orgs
            lm.KGI(
                id="wait",
                measures="ux",
                unit="分",
                direction="decrease",
                frequency="fiscal_year",
                aggregation={"time": "mean", "orgs": "mean"},
                baseline={"period": "FY2023", "value": 40},
                targets={"FY2025": 15},
            ),
        ],
    )


def _observations() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    parts = []
    for name, low, high, unit in (
        ("served", 50, 150, "件"),
        ("staff", 10, 30, "人"),
        ("pop", 300, 600, "人"),
        ("wait", 10, 40, "分"),
    ):
        org = np.repeat(ORGS, len(MONTHS))
        period = np.tile(MONTHS, len(ORGS))
        value = rng.integers(low, high, len(org)).astype(float)
        parts.append(
            pd.DataFrame(
                {
                    "indicator": name,
                    "org": org,
                    "period": period,
                    "value": value,
                    "unit": unit,
                    "kind": "actual",
                }
            )
        )
    # one indicator reported in another unit: 0.5 時間 = 30 分
    parts.append(
        pd.DataFrame(
            {
                "indicator": ["wait"],
                "org": ["131016"],
                "period": ["2025-01"],
                "value": [0.5],
                "unit": ["時間"],
                "kind": ["actual"],
            }
        )
    )
    # per-org targets of a non-additive indicator
    parts.append(
        pd.DataFrame(
            {
                "indicator": "wait",
                "org": list(ORGS),
                "period": "FY2025",
                "value": [12.0, 14.0, 16.0, 18.0, 20.0],
                "unit": "分",
                "kind": "target",
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype(dict.fromkeys(("indicator", "org", "period", "unit", "kind"), "str"))


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.sort_values(keys, kind="stable", na_position="first").reset_index(drop=True)
    return out.astype({c: object for c in out.columns if out[c].dtype == "str"})


def _assert_same(got: Progress, want: Progress) -> None:
    pd.testing.assert_frame_equal(
        _sorted(got.indicators, ["indicator", "org"]),
        _sorted(want.indicators, ["indicator", "org"]),
    )
    pd.testing.assert_frame_equal(
        _sorted(got.nodes, ["node", "org"]), _sorted(want.nodes, ["node", "org"])
    )
    pd.testing.assert_frame_equal(
        _sorted(got.history, ["indicator", "org", "end"]),
        _sorted(want.history, ["indicator", "org", "end"]),
    )


def _evaluate(obs: Any, **kwargs: Any) -> Progress:
    return evaluate(_model(), obs, hierarchy=lm.Hierarchy.japan(), **kwargs)


@pytest.fixture(scope="module")
def reference() -> Progress:
    return _evaluate(_observations())


def _polars_eager(df: pd.DataFrame) -> Any:
    pl = pytest.importorskip("polars")
    return pl.from_pandas(df)


def _polars_lazy(df: pd.DataFrame) -> Any:
    return _polars_eager(df).lazy()


def _pyarrow(df: pd.DataFrame) -> Any:
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pandas(df, preserve_index=False)


def _duckdb(df: pd.DataFrame) -> Any:
    duckdb = pytest.importorskip("duckdb")
    # a connection of its own: the pushdown must build its small tables on the same one
    con = duckdb.connect()
    return con.from_arrow(_pyarrow(df))


ENGINES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "polars-eager": _polars_eager,
    "polars-lazy": _polars_lazy,
    "pyarrow": _pyarrow,
    "duckdb": _duckdb,
}


def _check_engine(native: Any, reference: Progress) -> Pushdown:
    assert is_engine_frame(native)
    _assert_same(_evaluate(native), reference)
    pushed = pushdown(_model(), native)
    assert pushed is not None
    assert pushed.issues == ()
    assert pushed.rows_in == len(_observations())
    # the last observed month (the cube's fiscal years end later)
    assert str(pushed.last_actual_end) == "2025-01-31"
    # issue 10: the cube has no months left, so its own default as_of would be the fiscal year's
    # end; given the engine's as_of (the newest month) it is the same evaluation
    _assert_same(_evaluate(pushed.frame, as_of=pushed.last_actual_end), reference)
    return pushed


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_engine_gives_the_pandas_result(engine: str, reference: Progress) -> None:
    pushed = _check_engine(ENGINES[engine](_observations()), reference)
    cube = pushed.frame
    # every indicator has a fiscal-year frequency: 5 orgs x 2 years x 4 indicators + 5 targets
    assert len(cube) == 5 * 2 * 4 + 5
    assert sorted(cube["period"].unique()) == ["FY2023", "FY2024", "FY2025"]


def test_pushdown_aggregates_with_each_rule() -> None:
    pl = pytest.importorskip("polars")
    obs = _observations()
    cube = pushdown(_model(), pl.from_pandas(obs).lazy())
    assert cube is not None
    got = cube.frame.set_index(["indicator", "org", "period", "kind"])["value"]
    fy23 = obs[(obs["org"] == "131016") & obs["period"].between("2023-04", "2024-03")]
    by = fy23.set_index("indicator").groupby(level=0)["value"]
    assert got[("served", "131016", "FY2023", "actual")] == by.sum()["served"]
    assert got[("staff", "131016", "FY2023", "actual")] == by.last()["staff"]
    assert got[("wait", "131016", "FY2023", "actual")] == pytest.approx(by.mean()["wait"])
    # FY2024 wait includes 0.5 時間 converted to 30 分
    fy24 = obs[
        (obs["org"] == "131016")
        & (obs["indicator"] == "wait")
        & (obs["kind"] == "actual")
        & obs["period"].between("2024-04", "2025-03")
    ]
    expected = np.append(fy24["value"].to_numpy()[:-1], 30.0).mean()
    assert got[("wait", "131016", "FY2024", "actual")] == pytest.approx(expected)
    assert got[("wait", "131016", "FY2025", "target")] == 12.0


def test_pushdown_reduces_rows_only_for_indicators_with_a_frequency() -> None:
    pl = pytest.importorskip("polars")
    model = _model()
    free = model.model_copy(
        update={
            "indicators": [
                i.model_copy(update={"frequency": None}) if i.id == "pop" else i
                for i in model.indicators
            ]
        }
    )
    obs = _observations()
    pushed = pushdown(free, pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert len(pushed.frame) < len(obs)
    cube = pushed.frame[pushed.frame["kind"] == "actual"]
    # pop is needed as observed (its own series) and per fiscal year (by 'share'): kept as observed
    assert (cube["indicator"] == "pop").sum() == len(ORGS) * len(MONTHS)
    assert (cube["indicator"] == "served").sum() == len(ORGS) * 2
    # and the progress is still the same as from every row (issue 10: at the engine's as_of)
    _assert_same(
        evaluate(free, pushed.frame, hierarchy=lm.Hierarchy.japan(), as_of=pushed.last_actual_end),
        evaluate(free, obs, hierarchy=lm.Hierarchy.japan()),
    )


def test_pandas_is_not_pushed_down() -> None:
    assert not is_engine_frame(_observations())
    assert pushdown(_model(), _observations()) is None
    assert pushdown(_model(), [1, 2]) is None


def _bad_observations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": [
                "served",
                "servd",
                "served",
                "served",
                "served",
                "staff",
                "staff",
                "wait",
                "wait",
            ],
            "org": ["131016"] * 9,
            "period": [
                "2024-04",
                "2024-04",
                "2024-13",
                "2024-05",
                "2024-06",
                "FY2024",
                "令和6年度",
                "2024-04",
                "2024-05",
            ],
            "value": ["1", "2", "3", "abc", "1,234", "10", "11", "30", "  "],
            "unit": ["件", "件", "件", "件", "件", "人", "人", "分", "kg"],
            "kind": [
                "actual",
                "actual",
                "actual",
                "actual",
                "actual",
                "actual",
                "実績",
                "plan",
                "actual",
            ],
        }
    )


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_engine_issues(engine: str) -> None:
    pushed = pushdown(_model(), ENGINES[engine](_bad_observations()))
    assert pushed is not None
    by_code = {i.code: i for i in pushed.issues}
    # the same codes as the pandas intake finds
    want = sorted({i.code for i in prepare_observations(_model(), _bad_observations()).issues})
    assert sorted(by_code) == want == ["LM301", "LM302", "LM303", "LM304", "LM306", "LM310"]
    assert all(i.row is None for i in pushed.issues)
    assert all(i.severity == "error" for i in pushed.issues)
    assert "'servd'" in by_code["LM301"].message
    assert "'served'" in by_code["LM301"].message
    assert "'2024-13'" in by_code["LM302"].message
    assert "'abc'" in by_code["LM303"].message
    assert "1 row" in by_code["LM303"].message
    assert "'staff'" in by_code["LM304"].message
    assert "2 rows" in by_code["LM304"].message
    assert "'plan'" in by_code["LM310"].message
    # '1,234' is a number, blank values are missing data, not errors
    served = pushed.frame[pushed.frame["indicator"] == "served"]
    assert served["value"].tolist() == [1 + 1234.0]
    assert "'kg'" in by_code["LM306"].message
    with pytest.raises(lm.CheckError, match="LM301"):
        _evaluate(ENGINES[engine](_bad_observations()))


def test_engine_unit_and_percent_issues() -> None:
    pl = pytest.importorskip("polars")
    obs = pd.DataFrame(
        {
            "indicator": ["wait", "share", "staff"],
            "org": ["131016"] * 3,
            "period": ["2024-04", "FY2024", "FY2024"],
            "value": [1.0, 140.0, 3.0],
            "unit": ["kg", "%", "人"],
        }
    )
    pushed = pushdown(_model(), pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert [(i.code, i.severity) for i in pushed.issues] == [
        ("LM306", "error"),
        ("LM305", "warning"),
    ]
    prepared = pushed.prepare(_model())
    assert [i.code for i in prepared.issues].count("LM305") == 1
    assert sorted(prepared.table()["indicator"]) == ["share", "staff"]


def test_engine_missing_columns_and_integer_codes() -> None:
    pl = pytest.importorskip("polars")
    pushed = pushdown(
        _model(), pl.LazyFrame({"indicator": ["served"], "when": ["2024-04"], "v": [1.0]})
    )
    assert pushed is not None
    issues = pushed.prepare(_model()).issues
    assert [i.code for i in issues] == ["LM308"]
    assert "'when'" in issues[0].message
    pushed = pushdown(
        _model(),
        pl.LazyFrame(
            {"indicator": ["served"], "period": ["2024-04"], "value": [1.0], "org": [1100]}
        ),
    )
    assert pushed is not None
    assert [i.code for i in pushed.prepare(_model()).issues] == ["LM309"]


def test_engine_date_periods_and_numeric_values() -> None:
    pl = pytest.importorskip("polars")
    import datetime as dt

    obs = pl.LazyFrame(
        {
            "indicator": ["served", "served", "served"],
            "period": [dt.date(2024, 4, 30), dt.date(2024, 5, 31), None],
            "value": [1.0, float("nan"), 4.0],
        }
    )
    pushed = pushdown(_model(), obs)
    assert pushed is not None
    assert [i.code for i in pushed.issues] == ["LM302"]
    assert pushed.frame["value"].tolist() == [1.0]
    assert pushed.frame["period"].tolist() == ["FY2024"]


@pytest.mark.parametrize("engine", ["polars", "polars_lazy", "pyarrow", "duckdb"])
def test_intake_of_engine_frames_equals_pandas(engine: str) -> None:
    """Engine columns are handed over one at a time (polars strings as Arrow string views,
    without a copy): every issue, every clean row and its row number equal the pandas intake,
    bad values, full-width spellings, units, kinds, source rows and blanks included."""
    obs = pd.DataFrame(
        {
            "indicator": [
                *("served", "served", "nope", "served", "ｓｅｒｖｅｄ", "served", None),
                *("served", "served"),
            ],
            "period": [
                *("FY2024", "FY2025", "FY2024", "bad", "2024-05", "令和7年度", "FY2024"),
                *("2024年度", "FY2026"),
            ],
            "value": ["30", "x", "1", "2", "1,000", "", "3", "4", "5"],
            "kind": ["actual", "目標", "zz", None, "実績", "target", "actual", "actual", "目標"],
            "org": ["131016", None, "x", "y", "１３１０１６", "131016", "131016", "131016", None],
            "source_row": ["2", "3", "4", "5", "6", "7", "8", "9", "10"],
        }
    )
    want = prepare_observations(_model(), obs)
    native = {
        "polars": lambda: pytest.importorskip("polars").from_pandas(obs),
        "polars_lazy": lambda: pytest.importorskip("polars").from_pandas(obs).lazy(),
        "pyarrow": lambda: pytest.importorskip("pyarrow").Table.from_pandas(obs),
        "duckdb": lambda: pytest.importorskip("duckdb").from_arrow(
            pytest.importorskip("pyarrow").Table.from_pandas(obs)
        ),
    }[engine]()
    got = prepare_observations(_model(), native)
    assert [(i.code, i.where, i.message) for i in got.issues] == [
        (i.code, i.where, i.message) for i in want.issues
    ]
    assert {i.code for i in want.issues} == {"LM301", "LM302", "LM303", "LM304", "LM310"}
    pd.testing.assert_frame_equal(got.table(), want.table())
    assert want.table()["row"].tolist() == [6, 10]  # 2 and 9 are one period twice


@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_WARNING)
def test_spark_gives_the_pandas_result(spark: Any, reference: Progress) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        native = spark.createDataFrame(_observations())
    pushed = _check_engine(native, reference)
    assert len(pushed.frame) < native.count()


@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_WARNING)
def test_spark_issues(spark: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        native = spark.createDataFrame(_bad_observations())
    pushed = pushdown(_model(), native)
    assert pushed is not None
    assert sorted(i.code for i in pushed.issues) == [
        "LM301",
        "LM302",
        "LM303",
        "LM304",
        "LM306",
        "LM310",
    ]
    assert all(i.row is None for i in pushed.issues)
