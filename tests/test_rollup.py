"""Pathway roll-up (DESIGN §5.5): properties against a plain reference loop, and invariances of
``evaluate`` under unit changes, id renaming and node reordering."""

from __future__ import annotations

import importlib
import math
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logicmodel as lm
from logicmodel.errors import ModelError
from logicmodel.evaluation import AGGREGATORS, evaluate, register_aggregator, rollup
from logicmodel.graph import compile_edges

# the package attribute `rollup` is the function; the module comes from the import system
rollup_module = importlib.import_module("logicmodel.evaluation.rollup")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# evaluate() takes ~0.2 s: fewer examples for properties that run it
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- random DAGs -----------------------------------------------------------------------------------


class Dag:
    """n nodes, edges from lower to higher index (so index order is topological), K columns."""

    def __init__(
        self, n: int, src: np.ndarray, tgt: np.ndarray, w: np.ndarray, score: np.ndarray
    ) -> None:
        self.n, self.src, self.tgt, self.w, self.score = n, src, tgt, w, score

    def compiled(self, scale: float = 1.0) -> Any:
        return compile_edges(self.n, self.src, self.tgt, self.w * scale)


@st.composite
def dags(draw: st.DrawFn, positive: bool = False) -> Dag:
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.05, 0.15, 0.4]))
    nan_share = draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(n, k=1)
    keep = rng.random(len(i)) < density
    src, tgt = i[keep].astype(np.int64), j[keep].astype(np.int64)
    w = rng.uniform(0.1, 5.0, size=len(src))
    low = 0.01 if positive else 0.0
    score = rng.uniform(low, 1.0, size=(n, k))
    score[rng.random((n, k)) < nan_share] = np.nan
    return Dag(n, src, tgt, w, score)


def reference(dag: Dag, how: str) -> tuple[np.ndarray, np.ndarray]:
    """Plain Python per node and column in index (= topological) order."""
    n, k = dag.score.shape
    preds: dict[int, list[tuple[int, float]]] = {v: [] for v in range(n)}
    for s, t, w in zip(dag.src.tolist(), dag.tgt.tolist(), dag.w.tolist(), strict=True):
        preds[t].append((s, w))
    rolled = [[math.nan] * k for _ in range(n)]
    upstream = [[math.nan] * k for _ in range(n)]
    for v in range(n):
        for c in range(k):
            vals = [(rolled[s][c], w) for s, w in preds[v] if not math.isnan(rolled[s][c])]
            up = math.nan
            if vals:
                total = sum(w for _, w in vals)
                if how in ("weighted_mean", "mean"):
                    up = sum(x * w for x, w in vals) / total
                elif how == "min":
                    up = min(x for x, _ in vals)
                elif how == "max":
                    up = max(x for x, _ in vals)
                elif how == "geometric_mean":
                    up = math.exp(sum(w * math.log(x) for x, w in vals) / total)
                elif how == "plain_mean":
                    up = sum(x for x, _ in vals) / len(vals)
            upstream[v][c] = up
            own = float(dag.score[v, c])
            rolled[v][c] = own if not math.isnan(own) else up
    return np.array(upstream, dtype=float).reshape(n, k), np.array(rolled, dtype=float).reshape(
        n, k
    )


def close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


# -- properties ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["weighted_mean", "mean", "min", "max"])
@SETTINGS
@given(dag=dags())
def test_rollup_equals_reference_loop(how: str, dag: Dag) -> None:
    upstream, rolled = rollup(dag.compiled(), dag.score, aggregator=how)
    ref_up, ref_rolled = reference(dag, how)
    assert close(rolled, ref_rolled)
    assert close(upstream, ref_up)


@SETTINGS
@given(dag=dags(positive=True))
def test_geometric_mean_equals_reference_loop(dag: Dag) -> None:
    upstream, rolled = rollup(dag.compiled(), dag.score, aggregator="geometric_mean")
    ref_up, ref_rolled = reference(dag, "geometric_mean")
    assert close(rolled, ref_rolled)
    assert close(upstream, ref_up)


@pytest.mark.parametrize("how", ["weighted_mean", "geometric_mean", "min", "max"])
@SETTINGS
@given(dag=dags(positive=True))
def test_rolled_values_within_inputs(how: str, dag: Dag) -> None:
    upstream, rolled = rollup(dag.compiled(), dag.score, aggregator=how)
    # every upstream value lies within [min, max] of its predecessors' rolled values
    for v in range(dag.n):
        preds = dag.src[dag.tgt == v]
        for c in range(dag.score.shape[1]):
            vals = rolled[preds, c]
            vals = vals[~np.isnan(vals)]
            if len(vals) == 0:
                assert np.isnan(upstream[v, c])
            else:
                assert vals.min() - 1e-12 <= upstream[v, c] <= vals.max() + 1e-12
    # and globally within the range of the node scores
    for c in range(dag.score.shape[1]):
        s = dag.score[:, c]
        r = rolled[:, c]
        if np.isnan(s).all():
            assert np.isnan(r).all()
        else:
            r = r[~np.isnan(r)]
            assert np.nanmin(s) - 1e-12 <= r.min()
            assert r.max() <= np.nanmax(s) + 1e-12
    # a node with its own score keeps it
    has = ~np.isnan(dag.score)
    assert np.array_equal(rolled[has], dag.score[has])


@pytest.mark.parametrize("how", ["weighted_mean", "geometric_mean", "min", "max", "share_on_track"])
@SETTINGS
@given(dag=dags(positive=True), scale=st.floats(1e-3, 1e3))
def test_scaling_all_link_weights_changes_nothing(how: str, dag: Dag, scale: float) -> None:
    up1, r1 = rollup(dag.compiled(), dag.score, aggregator=how)
    up2, r2 = rollup(dag.compiled(scale), dag.score, aggregator=how)
    assert close(r1, r2)
    assert close(up1, up2)


@SETTINGS
@given(dag=dags(), seed=st.integers(0, 2**32 - 1))
def test_relabelling_nodes_changes_nothing(dag: Dag, seed: int) -> None:
    perm = np.random.default_rng(seed).permutation(dag.n)  # old index i → new index perm[i]
    score2 = np.empty_like(dag.score)
    score2[perm] = dag.score
    edge_order = np.random.default_rng(seed + 1).permutation(len(dag.src))
    g2 = compile_edges(
        dag.n, perm[dag.src][edge_order], perm[dag.tgt][edge_order], dag.w[edge_order]
    )
    for how in ("weighted_mean", "min", "geometric_mean"):
        up1, r1 = rollup(dag.compiled(), dag.score, aggregator=how)
        up2, r2 = rollup(g2, score2, aggregator=how)
        assert close(r2[perm], r1)
        assert close(up2[perm], up1)


def _plain_mean(
    values: np.ndarray,
    weights: np.ndarray,
    valid: np.ndarray,
    starts: np.ndarray,
    *,
    planned: np.ndarray,
) -> np.ndarray:
    """Unweighted mean of the valid predecessors (ignores link weights)."""
    num = np.add.reduceat(np.where(valid, values, 0.0), starts, axis=0)
    den = np.add.reduceat(valid.astype(float), starts, axis=0)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


@SETTINGS
@given(dag=dags())
def test_custom_callable_aggregator(dag: Dag) -> None:
    upstream, rolled = rollup(dag.compiled(), dag.score, aggregator=_plain_mean)
    ref_up, ref_rolled = reference(dag, "plain_mean")
    assert close(rolled, ref_rolled)
    assert close(upstream, ref_up)


def test_small_worked_rollup() -> None:
    # 0 → 2 (w 1), 1 → 2 (w 3); scores 1.0 and 0.0, node 2 without data:
    # weighted mean (1·1 + 3·0)/4 = 0.25; min 0; max 1; node 3 ← 2 inherits
    g = compile_edges(4, np.array([0, 1, 2]), np.array([2, 2, 3]), np.array([1.0, 3.0, 1.0]))
    score = np.array([[1.0], [0.0], [np.nan], [np.nan]])
    assert rollup(g, score)[1][:, 0].tolist() == pytest.approx([1.0, 0.0, 0.25, 0.25])
    assert rollup(g, score, aggregator="min")[1][:, 0].tolist() == pytest.approx(
        [1.0, 0.0, 0.0, 0.0]
    )
    assert rollup(g, score, aggregator="max")[1][:, 0].tolist() == pytest.approx(
        [1.0, 0.0, 1.0, 1.0]
    )
    # missing predecessor drops out and weights renormalise: only node 1 (0.0) counts
    score2 = np.array([[np.nan], [0.5], [np.nan], [np.nan]])
    assert rollup(g, score2)[1][:, 0].tolist() == pytest.approx(
        [np.nan, 0.5, 0.5, 0.5], nan_ok=True
    )
    # the input array is not modified
    assert np.isnan(score[2, 0])


def test_registry_refuses_silent_override_and_accepts_replace() -> None:
    original = AGGREGATORS["max"]
    with pytest.raises(ModelError, match="replace=True"):
        register_aggregator("max", _plain_mean)
    assert AGGREGATORS["max"] is original
    g = compile_edges(3, np.array([0, 1]), np.array([2, 2]), np.array([1.0, 3.0]))
    score = np.array([[1.0], [0.0], [np.nan]])
    try:
        register_aggregator("max", _plain_mean, replace=True)
        assert rollup(g, score, aggregator="max")[1][2, 0] == pytest.approx(0.5)
    finally:
        register_aggregator("max", original, replace=True)
    assert AGGREGATORS["max"] is original
    assert rollup(g, score, aggregator="max")[1][2, 0] == pytest.approx(1.0)
    with pytest.raises(TypeError):
        AGGREGATORS["x"] = _plain_mean  # type: ignore[index]
    with pytest.raises(ModelError):
        register_aggregator("not_callable", 3)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="weighted_mean"):
        rollup(g, score, aggregator="no_such_aggregator")


def test_registered_name_is_usable_everywhere() -> None:
    name = f"plain_mean_{uuid.uuid4().hex[:8]}"
    try:
        register_aggregator(name, _plain_mean)
        g = compile_edges(3, np.array([0, 1]), np.array([2, 2]), np.array([1.0, 3.0]))
        assert rollup(g, np.array([[1.0], [0.0], [np.nan]]), aggregator=name)[1][
            2, 0
        ] == pytest.approx(0.5)
        m, frame = _model_and_obs()
        p = evaluate(m, frame, rollup=name)
        by = p.nodes.set_index("node")
        # short ← out (0.5) and act (1.0) with weights 3 and 1: plain mean 0.75, weighted 0.625
        assert by.loc["short", "rolled"] == pytest.approx(0.75)
        assert evaluate(m, frame).nodes.set_index("node").loc["short", "rolled"] == pytest.approx(
            0.625
        )
        assert evaluate(m, frame, rollup=_plain_mean).nodes.set_index("node").loc[
            "short", "rolled"
        ] == pytest.approx(0.75)
    finally:
        rollup_module._REGISTRY.pop(name, None)


# -- invariances through evaluate ------------------------------------------------------------------


def _model_and_obs(
    prefix: str = "", order: list[int] | None = None
) -> tuple[lm.LogicModel, pd.DataFrame]:
    def i(x: str) -> str:
        return prefix + x

    nodes = [
        lm.Input(id=i("inp")),
        lm.Activity(id=i("act")),
        lm.Output(id=i("out")),
        lm.Outcome(id=i("short"), stage="short"),
        lm.Outcome(id=i("mid"), stage="intermediate"),
        lm.Impact(id=i("imp")),
    ]
    if order is not None:
        nodes = [nodes[k] for k in order]
    m = lm.LogicModel(
        id="inv",
        title="不変性",
        nodes=nodes,
        links=[
            lm.Link(source=i("inp"), target=i("act")),
            lm.Link(source=i("act"), target=i("out")),
            lm.Link(source=i("out"), target=i("short"), weight=3.0),
            lm.Link(source=i("act"), target=i("short")),
            lm.Link(source=i("short"), target=i("mid")),
            lm.Link(source=i("mid"), target=i("imp")),
        ],
        indicators=[
            lm.KPI(id=i("a"), measures=i("act"), unit="回", targets={"FY2025": 10}, source="s"),
            lm.KPI(
                id=i("n"),
                measures=i("out"),
                unit="団体",
                baseline={"period": "FY2023", "value": 0},
                targets={"FY2025": 100},
                source="s",
            ),
            lm.KGI(
                id=i("w"),
                measures=i("mid"),
                unit="分",
                direction="decrease",
                aggregation="mean",
                baseline={"period": "FY2023", "value": 40},
                targets={"FY2027": 15},
                source="s",
            ),
        ],
    )
    # a: 12/10 → 1.2 (clipped to 1 in the node score); n: 0.5; w: (35 − 40)/(15 − 40) = 0.2
    frame = pd.DataFrame(
        {"indicator": [i("a"), i("n"), i("w")], "period": ["FY2024"] * 3, "value": [12, 50, 35]}
    )
    return m, frame


@SLOW
@given(
    minutes=st.lists(st.floats(1.0, 120.0, allow_nan=False), min_size=1, max_size=6),
    target_unit=st.sampled_from(["時間", "日", "分"]),
)
def test_converting_values_to_another_unit_changes_no_achievement(
    minutes: list[float], target_unit: str
) -> None:
    m, _ = _model_and_obs()
    periods = [f"FY{2024 + k}" for k in range(len(minutes))]
    in_min = pd.DataFrame({"indicator": "w", "period": periods, "value": minutes, "unit": "分"})
    factor = {"分": 1.0, "時間": 1 / 60, "日": 1 / 1440}[target_unit]
    converted = in_min.assign(value=in_min["value"] * factor, unit=target_unit)
    p1, p2 = evaluate(m, in_min), evaluate(m, converted)
    for col in ("actual", "achievement", "planned_achievement"):
        assert p2.indicators[col].to_numpy() == pytest.approx(
            p1.indicators[col].to_numpy(), nan_ok=True, rel=1e-9
        )
    assert p2.history["achievement"].to_numpy() == pytest.approx(
        p1.history["achievement"].to_numpy(), rel=1e-9
    )
    assert p2.indicators["status"].tolist() == p1.indicators["status"].tolist()
    assert p2.nodes["rolled"].to_numpy() == pytest.approx(
        p1.nodes["rolled"].to_numpy(), nan_ok=True, rel=1e-9
    )


def test_money_units_convert() -> None:
    m = lm.LogicModel(
        id="money",
        title="予算",
        nodes=[lm.Activity(id="act"), lm.Outcome(id="oc", stage="short")],
        links=[lm.Link(source="act", target="oc")],
        indicators=[
            lm.KPI(id="cost", measures="oc", unit="千円", targets={"FY2025": 5000}, source="s")
        ],
    )
    a = evaluate(
        m,
        pd.DataFrame(
            {"indicator": ["cost"], "period": ["FY2024"], "value": [2_500_000], "unit": ["円"]}
        ),
    )
    b = evaluate(
        m,
        pd.DataFrame(
            {"indicator": ["cost"], "period": ["FY2024"], "value": [0.025], "unit": ["億円"]}
        ),
    )
    assert a.indicators["actual"].iloc[0] == pytest.approx(2500.0)
    assert b.indicators["actual"].iloc[0] == pytest.approx(2500.0)
    assert a.indicators["achievement"].iloc[0] == pytest.approx(0.5)
    assert b.indicators["achievement"].iloc[0] == pytest.approx(0.5)


def test_worked_numbers_of_the_invariance_model() -> None:
    m, frame = _model_and_obs()
    by = evaluate(m, frame).nodes.set_index("node")
    # act 1.0 (1.2 clipped), out 0.5; short ← (out 0.5 ·3 + act 1.0 ·1)/4 = 0.625;
    # mid own 0.2; imp ← 0.2
    assert by.loc["act", "score"] == pytest.approx(1.0)
    assert by.loc["out", "score"] == pytest.approx(0.5)
    assert by.loc["short", "upstream"] == pytest.approx(0.625)
    assert by.loc["short", "rolled"] == pytest.approx(0.625)
    assert by.loc["mid", "score"] == pytest.approx(0.2)
    assert by.loc["mid", "upstream"] == pytest.approx(0.625)
    assert by.loc["imp", "rolled"] == pytest.approx(0.2)
    assert np.isnan(by.loc["inp", "rolled"])
    # min aggregator: short ← min(0.5, 1.0) = 0.5
    assert evaluate(m, frame, rollup="min").nodes.set_index("node").loc[
        "short", "rolled"
    ] == pytest.approx(0.5)


@SETTINGS
@given(
    order=st.permutations(list(range(6))),
    prefix=st.sampled_from(["", "x_", "指標_", "z"]),
    values=st.tuples(st.integers(0, 20), st.integers(0, 150), st.integers(5, 60)),
)
def test_renaming_ids_and_reordering_nodes_changes_no_numbers(
    order: list[int], prefix: str, values: tuple[int, int, int]
) -> None:
    m1, f1 = _model_and_obs()
    m2, f2 = _model_and_obs(prefix, order)
    f1 = f1.assign(value=list(values))
    f2 = f2.assign(value=list(values)).iloc[::-1].reset_index(drop=True)
    p1, p2 = evaluate(m1, f1), evaluate(m2, f2)
    n1 = p1.nodes.set_index("node").sort_index()
    n2 = (
        p2.nodes.assign(node=p2.nodes["node"].str.removeprefix(prefix))
        .set_index("node")
        .sort_index()
    )
    for col in ("score", "upstream", "rolled"):
        assert n2[col].to_numpy() == pytest.approx(n1[col].to_numpy(), nan_ok=True)
    assert n2["status"].tolist() == n1["status"].tolist()
    i1 = p1.indicators.set_index("indicator").sort_index()
    i2 = (
        p2.indicators.assign(indicator=p2.indicators["indicator"].str.removeprefix(prefix))
        .set_index("indicator")
        .sort_index()
    )
    for col in ("actual", "achievement", "planned_achievement"):
        assert i2[col].to_numpy() == pytest.approx(i1[col].to_numpy(), nan_ok=True)
    assert i2["status"].tolist() == i1["status"].tolist()
