"""One intake, two front ends (issue 9, item 2).

The LM301–LM310 messages are written once (``intake/messages.py``); the engine front end
(:func:`logicmodel.evaluation.engine.pushdown`) builds the intake's result from its collected cube
without a second pass through the pandas intake; a value means the same in both front ends; and
problems found on the engine's cube say that they are not at input rows.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.evaluation import evaluate
from logicmodel.evaluation.engine import pushdown
from logicmodel.intake import frame as pandas_front_end
from logicmodel.intake.messages import ENGINE_WHERE, GROUPED_WHERE
from logicmodel.intake.rules import org_code_issues
from logicmodel.observations import prepare_observations
from logicmodel.testing import assert_progress_close

pl = pytest.importorskip("polars")

SRC = Path(__file__).resolve().parents[1] / "src" / "logicmodel"
CHIYODA, CHUO = "131016", "131024"

# Every LM301–LM310 message text of the intake (English and Japanese), as distinctive pieces.
MESSAGE_TEXTS = (
    "unknown indicator; nearest known ids",
    "未定義の指標です",
    "empty indicator id",
    "指標IDが空です",
    "more unknown indicator ids",
    "ほかに未定義の指標が",
    "not a period; use e.g.",
    "期間として読めません",
    "empty period",
    "期間が空です",
    "more texts are not periods",
    "ほかに期間として読めない値が",
    "数値ではありません",
    "more texts are not numbers",
    "ほかに数値でない値が",
    "rows for one (indicator, org, period, kind)",
    "同じ期間・種別の行が",
    "more duplicated groups not listed",
    "ほかにも重複があります",
    "percentage outside 0–100",
    "割合が0〜100の範囲外です",
    "cannot be converted to",
    "に換算できません",
    "must be actual, target or baseline",
    "actual, target, baseline のいずれかにしてください",
    "missing required column(s)",
    "必須の列がありません",
    "organisation codes are numbers",
    "団体コードが数値になっており",
    "engine frames have no row numbers",
)


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    """String constants of a module (f-string parts included), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def _occurrences(text: str) -> list[str]:
    return [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line, value in _string_constants(path)
        if text in value
    ]


@pytest.mark.parametrize("text", MESSAGE_TEXTS)
def test_each_intake_message_is_written_once(text: str) -> None:
    found = _occurrences(text)
    assert len(found) == 1, found
    assert found[0].startswith("intake/messages.py:")


def test_the_plain_not_a_number_message_is_written_once() -> None:
    # LM303's English text is short, so it is looked for as a whole constant or a message part
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line, value in _string_constants(path)
        if value.strip(" :(") == "not a number" or value.startswith(": not a number")
    ]
    assert found == [next(f for f in found if f.startswith("intake/messages.py:"))]


def _model() -> lm.LogicModel:
    return lm.LogicModel(
        id="intake",
        title="intake",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="oc")],
        indicators=[
            lm.KPI(id="served", measures="out", unit="件", aggregation="flow",
                   targets={"FY2025": 3000}),
            lm.KPI(id="staff", measures="act", unit="人", frequency="fiscal_year",
                   targets={"FY2025": 40}),
            lm.KGI(id="share", measures="oc", unit="%", frequency="fiscal_year",
                   aggregation="mean", targets={"FY2025": 50}),
            lm.KPI(id="net", measures="out", unit="円", aggregation="flow",
                   targets={"FY2025": 10}),
        ],
    )  # fmt: skip


def _observations() -> pd.DataFrame:
    months = pd.period_range("2024-04", "2025-01", freq="M").strftime("%Y-%m").tolist()
    rows = [
        (name, org, month, float(10 + k), unit)
        for name, unit in (("served", "件"), ("staff", "人"), ("share", "%"))
        for org in (CHIYODA, CHUO)
        for k, month in enumerate(months)
    ]
    frame = pd.DataFrame(rows, columns=["indicator", "org", "period", "value", "unit"])
    return frame.assign(kind="actual")


@contextmanager
def _calls() -> Iterator[set[CodeType]]:
    """The code of every Python function called inside the block (a real call, observed)."""
    seen: set[CodeType] = set()

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            seen.add(frame.f_code)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


def _pandas_front_end_code() -> set[CodeType]:
    """``prepare_observations`` and its steps (``intake/frame.py``; not ``require_frame``, the
    check that ``evaluate`` was given a table, which every input goes through)."""
    steps = {
        f.__code__
        for name, f in vars(pandas_front_end).items()
        if name.startswith("_") and hasattr(f, "__code__")
    }
    columns = vars(pandas_front_end)["_Columns"]
    return {prepare_observations.__code__, columns.__init__.__code__, *steps}


def test_the_engine_front_end_never_enters_the_pandas_intake() -> None:
    model = _model()
    native = pl.from_pandas(_observations()).lazy()
    codes = _pandas_front_end_code()
    assert prepare_observations.__code__ in codes
    with _calls() as seen:
        pushed = pushdown(model, native)
        assert pushed is not None
        result = pushed.prepare(model)
    assert pushdown.__code__ in seen  # the profile did see the engine's calls
    assert not seen & codes, sorted(c.co_name for c in seen & codes)
    assert result is pushed.observations
    assert result.grouped
    assert (result.frame["row"] == -1).all()
    # one row per (indicator, org, fiscal year): FY2024 (Apr-Mar) and FY2025 (Jan)... here only
    # FY2024, since January 2025 belongs to FY2024 as well
    assert len(result.frame) == 3 * 2


def test_the_result_belongs_to_the_model_it_was_pushed_down_for() -> None:
    model = _model()
    pushed = pushdown(model, pl.from_pandas(_observations()).lazy())
    assert pushed is not None
    assert pushed.prepare(model) is pushed.observations
    other = model.model_copy(update={"indicators": model.indicators[:2]})
    with pytest.raises(lm.ModelError, match="pushed down for"):
        pushed.prepare(other)


def _sorted_table(table: pd.DataFrame) -> pd.DataFrame:
    keys = ["indicator", "org", "period", "kind"]
    out = table.drop(columns="row").sort_values(keys, na_position="first").reset_index(drop=True)
    return out.astype({c: object for c in out.columns if out[c].dtype == "str"})


ENGINES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "polars-lazy": lambda df: pl.from_pandas(df).lazy(),
    "pyarrow": lambda df: pytest.importorskip("pyarrow").table(df),
    "duckdb": lambda df: (
        pytest.importorskip("duckdb")
        .connect()
        .from_arrow(pytest.importorskip("pyarrow").Table.from_pandas(df))
    ),
}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_the_engine_result_is_what_the_pandas_intake_makes_of_its_cube(engine: str) -> None:
    # built directly from the cube, the result equals the one a second pass used to give
    model = _model()
    obs = pd.concat(
        [
            _observations(),
            pd.DataFrame(
                {
                    "indicator": ["served", "staff", "staff"],
                    "org": [CHIYODA, None, CHUO],
                    "period": ["FY2025", "令和7年度", "2024-04-01/2025-03-31"],
                    "value": [3000.0, 40.0, 0.005],
                    "unit": ["件", "人", "千人"],
                    "kind": ["target", "目標", "actual"],
                }
            ),
        ],
        ignore_index=True,
    )
    pushed = pushdown(model, ENGINES[engine](obs))
    assert pushed is not None
    assert pushed.issues == ()
    got = pushed.observations
    again = prepare_observations(model, pushed.frame)
    pd.testing.assert_frame_equal(_sorted_table(got.table()), _sorted_table(again.table()))
    assert sorted(got.periods.label.tolist()) == sorted(again.periods.label.tolist())
    assert set(got.orgs.tolist()) == {CHIYODA, CHUO}


def test_two_spellings_of_one_org_code_are_one_organisation_in_both_front_ends() -> None:
    model = _model()
    obs = _observations()
    # full-width digits in some months: NFKC makes them the same code in the pandas intake
    wide = (obs["org"] == CHIYODA) & obs["period"].isin(["2024-05", "2024-08"])
    obs.loc[wide, "org"] = "１３１０１６"
    pushed = pushdown(model, pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert pushed.issues == ()
    assert sorted(pushed.observations.orgs.tolist()) == [CHIYODA, CHUO]
    assert len(pushed.frame) == 3 * 2
    reference = evaluate(model, obs, hierarchy=lm.Hierarchy.japan())
    assert_progress_close(
        reference,
        evaluate(model, pushed.frame, hierarchy=lm.Hierarchy.japan(), as_of=pushed.last_actual_end),
    )


def test_infinite_values_are_not_numbers_in_both_front_ends() -> None:
    model = _model()
    obs = _observations()
    obs.loc[[0, 1], "value"] = [np.inf, -np.inf]
    want = prepare_observations(model, obs)
    pushed = pushdown(model, pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert [i.code for i in want.issues] == ["LM303", "LM303"]
    assert [i.code for i in pushed.issues] == ["LM303", "LM303"]
    assert [i.message.split(":")[0] for i in pushed.issues] == [
        i.message.split(":")[0] for i in want.issues
    ]
    assert all(i.where == ENGINE_WHERE and i.row is None for i in pushed.issues)
    assert all("(1 row; engine frames have no row numbers)" in i.message for i in pushed.issues)


def test_kind_and_value_spellings_mean_the_same_in_both_front_ends() -> None:
    model = _model()
    obs = pd.DataFrame(
        {
            "indicator": ["net"] * 5,
            "org": [CHIYODA] * 5,
            "period": ["2024-04", "2024-05", "2024-06", "FY2025", "FY2026"],
            "value": ["▲5", "1_000", "−3", "１２３", "(12)"],
            "kind": ["実績 (actual)", "Actual", " actuals ", "目標値", "TARGET"],
        }
    )
    want = prepare_observations(model, obs)
    pushed = pushdown(model, pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert want.issues == ()
    assert pushed.issues == ()
    got = pushed.frame.set_index(["period", "kind"])["value"]
    assert got[("FY2024", "actual")] == -5 + 1000 - 3
    assert got[("FY2025", "target")] == 123
    assert got[("FY2026", "target")] == -12
    table = want.table()
    assert table["kind"].tolist() == ["actual"] * 3 + ["target"] * 2
    assert table["value"].tolist() == [-5.0, 1000.0, -3.0, 123.0, -12.0]


def test_problems_on_the_cube_say_they_are_not_at_input_rows() -> None:
    model = _model()
    obs = _observations()
    obs.loc[obs["indicator"] == "served", "value"] *= -1  # a count below zero: LM320
    obs.loc[obs["org"] == CHUO, "org"] = "131025"  # a wrong check digit: LM309
    pushed = pushdown(model, pl.from_pandas(obs).lazy())
    assert pushed is not None
    japan = lm.Hierarchy.japan()
    engine = [*pushed.issues, *org_code_issues(pushed.observations, japan)]
    assert [(i.code, i.where, i.row) for i in engine] == [
        ("LM320", GROUPED_WHERE, None),
        ("LM309", GROUPED_WHERE, None),
    ]
    # the pandas intake names the input rows of the same problems
    prepared = prepare_observations(model, obs)
    rows = [*prepared.issues, *org_code_issues(prepared, japan)]
    assert [(i.code, i.row) for i in rows] == [("LM320", 0), ("LM309", 10)]
    assert rows[1].where == "observations rows 10, 11, 12, 13, 14 and 25 more (0-based)"


def test_a_count_below_zero_is_found_in_the_input_values_by_both_front_ends() -> None:
    model = _model()
    obs = _observations()
    first = obs.index[obs["indicator"] == "served"][0]
    obs.loc[first, "value"] = -1.0  # the fiscal year's sum stays above zero
    want = [i.code for i in prepare_observations(model, obs).issues]
    pushed = pushdown(model, pl.from_pandas(obs).lazy())
    assert pushed is not None
    assert want == [i.code for i in pushed.issues] == ["LM320"]
    assert pushed.issues[0].where == GROUPED_WHERE
    assert pushed.frame["value"].min() > 0


def test_missing_columns_and_numeric_org_codes_are_the_pandas_intake_s_issues() -> None:
    model = _model()
    for frame in (
        pd.DataFrame({"indicator": ["served"], "when": ["2024-04"], "value": [1.0]}),
        pd.DataFrame({"indicator": ["served"], "period": ["2024-04"], "value": [1.0], "org": [1]}),
    ):
        pushed = pushdown(model, pl.from_pandas(frame).lazy())
        assert pushed is not None
        want = prepare_observations(model, frame)
        assert pushed.issues == want.issues


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_evaluation_takes_the_cube_as_the_intake_result(spark: Any) -> None:
    model = _model()
    obs = _observations()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        native = spark.createDataFrame(obs)
        bad = spark.createDataFrame(obs.assign(org=obs["org"].replace(CHUO, "131025")))
    japan = lm.Hierarchy.japan()
    with _calls() as seen:
        progress = evaluate(model, native, hierarchy=japan)
    assert pushdown.__code__ in seen  # Spark is pushed down
    assert not seen & _pandas_front_end_code()
    assert_progress_close(evaluate(model, obs, hierarchy=japan), progress)
    with pytest.raises(lm.CheckError) as caught:
        evaluate(model, bad, hierarchy=japan)
    lm309 = [i for i in caught.value.report if i.code == "LM309"]
    assert [(i.where, i.row) for i in lm309] == [(GROUPED_WHERE, None)]
