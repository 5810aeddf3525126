"""The same observations give the same progress however their rows are laid out (issue 9 review).

Issue 9 added fast paths for input that is already sorted (text factorised by runs, sums over keys
that never decrease, the duplicate check stopping at increasing keys). Each is taken only when the
rows allow it, so the order of the rows, the text dtype and the frame library must not change any
table — not even the order of its rows. Per-org plan points (a city, one of its wards and the
nation) are in the input so that the plan points and their sums to parents go through it too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm

TABLES = ("indicators", "nodes", "history", "children", "findings", "orgs", "milestones")
ORGS = ["011002", "011011", "011029", "131016", "271004", "472018"]  # Sapporo and two of its wards


def _case() -> tuple[lm.LogicModel, pd.DataFrame]:
    """Three indicators (summed, averaged, last of the year) over six orgs and 14 months, with
    per-org targets and baselines for the city of Sapporo, one of its wards and the nation."""
    model = lm.LogicModel(
        id="layout",
        title="layout",
        nodes=[lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="res", stage="short")],
        links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="res")],
        indicators=[
            lm.KPI(
                id="made", measures="out", unit="件", aggregation="flow", targets={"FY2026": 900}
            ),
            lm.KPI(id="rate", measures="out", unit="%", aggregation="mean", targets={"FY2026": 80}),
            lm.KGI(
                id="users",
                measures="res",
                unit="人",
                aggregation="stock",
                baseline={"period": "FY2023", "value": 10},
                targets={"FY2026": 500},
            ),
        ],
    )
    rng = np.random.default_rng(5)
    months = pd.period_range("2024-04", periods=14, freq="M").strftime("%Y-%m")
    rows = [
        (ind, org, month, round(float(rng.uniform(1, 60)), 3), "actual")
        for ind in ("made", "rate", "users")
        for org in ORGS
        for month in months
        if rng.random() > 0.05
    ]
    rows += [
        ("made", "011002", "FY2026", 300.0, "target"),
        ("made", "011011", "FY2026", 120.0, "target"),
        ("made", None, "FY2026", 1000.0, "target"),
        ("users", "011011", "FY2023", 4.0, "baseline"),
        ("rate", "131016", "FY2026", 70.0, "target"),
    ]
    frame = pd.DataFrame(rows, columns=["indicator", "org", "period", "value", "kind"])
    return model, frame.astype(dict.fromkeys(("indicator", "period", "kind"), "str"))


def _sorted(frame: pd.DataFrame, *, ascending: bool = True) -> pd.DataFrame:
    keys = ["indicator", "org", "period"]
    text = frame[keys].astype(object).fillna("")
    order = text.sort_values(keys, ascending=ascending, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def _adjacent_total_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted, the total (no org) target right after the rows of its indicator."""
    return _sorted(frame.fillna({"org": ""})).replace({"org": {"": None}})


LAYOUTS: dict[str, Callable[[pd.DataFrame], object]] = {
    "shuffled": lambda f: f.sample(frac=1.0, random_state=7).reset_index(drop=True),
    "sorted": _sorted,
    "sorted descending": lambda f: _sorted(f, ascending=False),
    "sorted, total rows among them": _adjacent_total_rows,
    "object text": lambda f: _sorted(f).astype(dict.fromkeys(("indicator", "period"), object)),
    "pyarrow strings": lambda f: _sorted(f).astype(
        dict.fromkeys(("indicator", "org", "period", "kind"), "string[pyarrow]")
    ),
    "categorical": lambda f: _sorted(f).astype(dict.fromkeys(("indicator", "org"), "category")),
    "five-digit and full-width org codes": lambda f: _sorted(f).assign(
        org=[
            None if o is None else (o[:5] if k % 2 else o.translate(str.maketrans("01", "０１")))
            for k, o in enumerate(_sorted(f)["org"].astype(object).where(lambda s: s.notna(), None))
        ]
    ),
    "polars, sorted": lambda f: pytest.importorskip("polars").from_pandas(
        _sorted(f).astype(object)
    ),
    "pyarrow table, sorted": lambda f: pytest.importorskip("pyarrow").Table.from_pandas(
        _sorted(f).astype(dict.fromkeys(("indicator", "org", "period", "kind"), object)),
        preserve_index=False,
    ),
}


@pytest.fixture(scope="module")
def reference() -> tuple[lm.LogicModel, pd.DataFrame, lm.Hierarchy, lm.Progress]:
    model, frame = _case()
    japan = lm.Hierarchy.japan()
    return model, frame, japan, lm.evaluate(model, frame, hierarchy=japan)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        if out[col].dtype.kind not in "fiubM":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_of_the_rows_gives_the_same_tables(
    reference: tuple[lm.LogicModel, pd.DataFrame, lm.Hierarchy, lm.Progress], layout: str
) -> None:
    model, frame, japan, want = reference
    got = lm.evaluate(model, LAYOUTS[layout](frame), hierarchy=japan)
    assert got.as_of == want.as_of
    for name in TABLES:
        pd.testing.assert_frame_equal(
            _plain(getattr(got, name)),
            _plain(getattr(want, name)),
            check_dtype=False,
            rtol=1e-12,
            atol=1e-12,
            obj=f"{layout}: {name}",
        )
    pd.testing.assert_frame_equal(_plain(got.points), _plain(want.points), check_dtype=False)


def test_the_reference_has_what_the_layouts_are_meant_to_exercise(
    reference: tuple[lm.LogicModel, pd.DataFrame, lm.Hierarchy, lm.Progress],
) -> None:
    # the per-org plan points reached the table; Hokkaido's target is summed like its actual is
    # (aggregate_orgs: where Sapporo's wards have rows, they count, not the city's row beside them)
    _, _, _, want = reference
    made = want.indicators.set_index(["indicator", "org"]).loc["made"]
    assert made.loc["011002", "target"] == pytest.approx(300.0)
    assert made.loc["011011", "target"] == pytest.approx(120.0)
    assert made.loc["010006", "target"] == pytest.approx(120.0)
    assert len(want.history) > 100
