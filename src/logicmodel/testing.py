"""Helpers for unit-testing analyses built on logicmodel (STYLE 15).

- :func:`sample_model` returns a bundled, realistic example model (書かないワンストップ窓口);
- :func:`sample_observations` returns the example's synthetic observations (36 months);
- :func:`assert_progress_close` compares two :class:`~logicmodel.Progress` results with a
  tolerance and says which table, row and column differ;
- :func:`staggered_panel` simulates staggered adoption across organisations with a known effect
  (by cohort, growing with time, or none), and :func:`staggered_example` wraps it with a two-node
  model, for testing :func:`logicmodel.estimate_link`;
- :func:`models` is a Hypothesis strategy for random *valid* logic models, and
  :func:`models_with_observations` one for (model, observations) pairs that pass every check, so
  properties of :func:`logicmodel.evaluation` can be tested (Hypothesis is an optional dependency,
  imported only when a strategy is built: ``pip install hypothesis``).

Examples
--------
>>> m = sample_model()
>>> m.id, len(m.nodes) >= 15
('window_dx', True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from logicmodel.model.vocabulary import KINDS, STAGES

if TYPE_CHECKING:
    import pandas as pd
    from hypothesis.strategies import DrawFn, SearchStrategy

    from logicmodel.evaluation import Progress
    from logicmodel.model import LogicModel

__all__ = [
    "assert_progress_close",
    "models",
    "models_with_observations",
    "sample_model",
    "sample_observations",
    "staggered_example",
    "staggered_panel",
]


def sample_model(name: str = "window-dx") -> LogicModel:
    """A bundled example model, read from the installed package.

    Parameters
    ----------
    name
        The example's folder name; ``"window-dx"`` (書かないワンストップ窓口) is bundled.

    Raises
    ------
    ModelError
        When no example of that name is bundled (the message lists the ones that are).

    Examples
    --------
    >>> sample_model().node("wait").label
    '窓口での待ち時間の短縮'
    """
    from importlib import resources

    from logicmodel.errors import ModelError, did_you_mean
    from logicmodel.io.text import from_yaml

    root = resources.files("logicmodel").joinpath("examples")
    known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    if not isinstance(name, str):
        raise ModelError(
            f"expected the name of a bundled example ({', '.join(known)}); "
            f"got a {type(name).__name__}"
        )
    if name not in known:
        raise ModelError(f"no bundled example {name!r}{did_you_mean(name, known)}")
    text = root.joinpath(name, "model.yaml").read_text(encoding="utf-8")
    return from_yaml(text, path=f"<bundled example {name}>")


def sample_observations(name: str = "window-dx") -> pd.DataFrame:
    """The bundled example's synthetic observations (text columns, as read from CSV).

    Examples
    --------
    >>> obs = sample_observations()
    >>> sorted(obs.columns), len(obs) > 300
    (['indicator', 'period', 'unit', 'value'], True)
    """
    import io
    from importlib import resources

    import pandas as pd

    sample_model(name)  # the same "unknown example" error
    ref = resources.files("logicmodel").joinpath("examples", name, "observations.csv")
    return pd.read_csv(io.StringIO(ref.read_text(encoding="utf-8")), dtype=str)


def staggered_panel(
    *,
    n_orgs: int = 300,
    n_periods: int = 36,
    start: str = "2023-04",
    cohorts: tuple[int, ...] = (13, 19, 25),
    never_share: float = 0.3,
    effect: float = -3.0,
    growth: float = 0.0,
    cohort_scale: tuple[float, ...] | None = None,
    trend: float = -0.05,
    noise: float = 1.0,
    orgs: Any = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated monthly panel of staggered adoption with a known effect.

    Organisations adopt in one of ``cohorts`` (1-based month index; a ``never_share`` never
    adopt) and stay adopted. The outcome ``wait_min`` (minutes) is
    ``40 + org effect + trend·t + noise`` plus, from adoption on,
    ``effect · cohort_scale[c] · (1 + growth · months since adoption)``; ``adopted_n`` is 1 from
    adoption on, else 0 (an organisation counts itself, so sums give the national count).

    Parameters
    ----------
    cohort_scale
        One multiplier per cohort (effects heterogeneous by cohort); default all 1.
    orgs
        Organisation codes (default ``org0001`` …); ``n_orgs`` is then their number.

    Returns
    -------
    (observations, truth)
        ``observations``: long ``indicator, org, period, value``. ``truth``: one row per
        (org, period) with ``cohort`` (adoption period label or ``None``), ``time``,
        ``event_time`` and the true ``effect``.

    Examples
    --------
    >>> obs, truth = staggered_panel(n_orgs=20, n_periods=6, cohorts=(3,), seed=1)
    >>> sorted(obs["indicator"].unique()), len(truth)
    (['adopted_n', 'wait_min'], 120)
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    codes = (
        np.asarray([f"org{k + 1:04d}" for k in range(n_orgs)], dtype=object)
        if orgs is None
        else np.asarray(list(orgs), dtype=object)
    )
    n = len(codes)
    scale = np.ones(len(cohorts)) if cohort_scale is None else np.asarray(cohort_scale, float)
    which = rng.integers(0, len(cohorts), size=n)
    cohort = np.where(rng.random(n) < never_share, 0, np.asarray(cohorts)[which])
    unit_scale = np.where(cohort > 0, scale[which], 0.0)
    t = np.tile(np.arange(1, n_periods + 1), n)
    g = np.repeat(cohort, n_periods)
    e = t - g
    treated = (g > 0) & (e >= 0)
    true_effect = np.where(treated, effect * np.repeat(unit_scale, n_periods) * (1 + growth * e), 0)
    y = (
        40.0
        + np.repeat(rng.normal(0, 3, n), n_periods)
        + trend * t
        + rng.normal(0, noise, n * n_periods)
        + true_effect
    )
    months = pd.period_range(start, periods=n_periods, freq="M").strftime("%Y-%m").to_numpy()
    period = months[t - 1]
    org = np.repeat(codes, n_periods)
    obs = pd.DataFrame(
        {
            "indicator": np.repeat(["adopted_n", "wait_min"], n * n_periods),
            "org": np.concatenate([org, org]),
            "period": np.concatenate([period, period]),
            "value": np.concatenate([treated.astype(float), y]),
        }
    )
    truth = pd.DataFrame(
        {
            "org": org,
            "period": period,
            "time": t,
            "cohort": np.where(g > 0, months[np.maximum(g, 1) - 1], None),
            "event_time": np.where(g > 0, e, np.iinfo(np.int64).min),
            "effect": true_effect,
        }
    )
    truth["event_time"] = truth["event_time"].where(g > 0)
    return obs, truth


def staggered_example(**options: Any) -> tuple[LogicModel, pd.DataFrame]:
    """A two-node model (書かない窓口の導入 → 待ち時間) and :func:`staggered_panel` observations.

    ``options`` go to :func:`staggered_panel`.

    Examples
    --------
    >>> model, obs = staggered_example(n_orgs=10, n_periods=4, cohorts=(3,))
    >>> [lk.source + "→" + lk.target for lk in model.links], len(obs)
    (['adopted→wait'], 80)
    """
    from logicmodel.model import KGI, KPI, Link, LogicModel, Outcome, Output

    obs, _ = staggered_panel(**options)
    model = LogicModel(
        id="window_dx_evidence",
        title="書かない窓口の導入と待ち時間",
        nodes=[
            Output(id="adopted", label="書かない窓口を導入した団体"),
            Outcome(id="wait", label="窓口での待ち時間の短縮", stage="intermediate"),
        ],
        links=[Link(source="adopted", target="wait", rationale="記入と確認の時間がなくなる")],
        indicators=[
            KPI(id="adopted_n", measures="adopted", name="導入団体数", unit="団体"),
            KGI(
                id="wait_min",
                measures="wait",
                name="平均待ち時間",
                unit="分",
                direction="decrease",
                aggregation="mean",
            ),
        ],
    )
    return model, obs


_PROGRESS_KEYS = {
    "indicators": ["indicator", "org"],
    "nodes": ["node", "org"],
    "history": ["indicator", "org", "end"],
    "milestones": ["milestone"],
    "children": ["indicator", "org"],
}


def assert_progress_close(
    left: Progress, right: Progress, *, rtol: float = 1e-9, atol: float = 1e-12
) -> None:
    """Assert two progress results are equal up to a tolerance on the numbers.

    Tables are compared after sorting by their keys (so row order does not matter); text,
    status and dates must match exactly. The assertion message names the table and column.

    Raises
    ------
    AssertionError
        When ``as_of`` or any table differs.

    Examples
    --------
    >>> import logicmodel as lm
    >>> m, obs = sample_model(), sample_observations()
    >>> assert_progress_close(lm.evaluate(m, obs), lm.evaluate(m, obs.iloc[::-1]))
    """
    import pandas as pd

    if left.as_of != right.as_of:
        raise AssertionError(f"as_of differs: {left.as_of} != {right.as_of}")
    for table, keys in _PROGRESS_KEYS.items():
        a, b = getattr(left, table), getattr(right, table)
        if list(a.columns) != list(b.columns):
            raise AssertionError(
                f"progress.{table}: columns differ: {list(a.columns)} != {list(b.columns)}"
            )
        a = _sorted(a, keys)
        b = _sorted(b, keys)
        try:
            pd.testing.assert_frame_equal(
                a, b, check_exact=False, rtol=rtol, atol=atol, check_dtype=False
            )
        except AssertionError as err:
            raise AssertionError(f"progress.{table} differs: {err}") from None


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    by = [k for k in keys if k in frame.columns]
    key = frame[by].astype(str) if by else frame
    order = key.sort_values(by, kind="stable").index if by else frame.index
    return frame.loc[order].reset_index(drop=True)


# ------------------------------------------------------------------------------- Hypothesis

_UNITS = ("件", "人", "団体", "%", "分", "時間", "円", "千円", "件/人", "回", None)
_PERIODS = (
    "FY2022",
    "FY2023",
    "FY2024",
    "FY2025",
    "FY2027",
    "FY2030",
    "2024",
    "2024-06",
    "2025Q1",
    "FY2025Q2",
    "令和6年度",
)
# Text that YAML 1.1 or a careless reader would turn into something else.
_TRICKY_TEXT = (
    "1e3",
    "1.5e3",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "null",
    "~",
    "true",
    "01100",
    "0x1F",
    "1_000",
    "2024-04-01",
    "12:30",
    ".5",
    "- item",
    "key: value",
    "# not a comment",
    "'quoted'",
    '"double"',
    "&anchor",
    "*alias",
    "!tag",
    "@mention",
    "=SUM(A1)",
    "書かない窓口",
    "行1\n行2",
    "タブ\tあり",
)


def _hypothesis() -> Any:
    try:
        from hypothesis import strategies as st
    except ImportError as err:  # pragma: no cover - dev extra installs it
        raise ImportError(
            "logicmodel.testing.models() needs Hypothesis: pip install 'logicmodel[dev]' "
            "(or pip install hypothesis)"
        ) from err
    return st


@dataclass(frozen=True)
class _Pieces:
    """The Hypothesis strategies :func:`models` draws its fields from."""

    st: Any  # hypothesis.strategies
    text: Any
    maybe_text: Any
    texts: Any
    points: Any
    aggregations: Any


def _pieces(st: Any) -> _Pieces:
    import logicmodel as lm

    text = st.one_of(
        st.sampled_from(_TRICKY_TEXT),
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")),
            max_size=20,
        ),
    )
    # finite values that survive YAML and JSON; includes negative zero, tiny and huge numbers
    values = st.floats(allow_nan=False, allow_infinity=False, width=64)
    points = st.builds(
        lambda p, v, note: {"period": p, "value": v, "note": note},
        st.sampled_from(_PERIODS),
        values,
        st.none() | text,
    )
    aggregations = st.one_of(
        st.sampled_from(("stock", "flow", "mean")),
        st.builds(
            lm.Aggregation,
            time=st.sampled_from(("sum", "last", "mean", "min", "max")),
            orgs=st.sampled_from(("sum", "mean", "min", "max", "none")),
        ),
    )
    return _Pieces(
        st=st,
        text=text,
        maybe_text=st.none() | text,
        texts=st.lists(text, max_size=2).map(tuple),
        points=points,
        aggregations=aggregations,
    )


def _draw_nodes(draw: DrawFn, p: _Pieces, max_nodes: int) -> list[Any]:
    """1 to ``max_nodes`` nodes of random kinds, ids sharing one drawn prefix."""
    import logicmodel as lm

    st = p.st
    n_nodes = draw(st.integers(1, max_nodes))
    prefix = draw(st.sampled_from(("n", "node_", "ノード", "窓口_", "x")))
    nodes: list[Any] = []
    for k in range(n_nodes):
        kind = draw(st.sampled_from(KINDS))
        fields: dict[str, Any] = {
            "id": f"{prefix}{k}",
            "label": draw(p.maybe_text),
            "description": draw(p.maybe_text),
            "owner": draw(p.maybe_text),
            "controllable": draw(st.none() | st.booleans()),
            "assumptions": draw(p.texts),
            "refs": draw(p.texts),
            "tags": draw(p.texts),
        }
        if kind == "outcome":
            fields["stage"] = draw(st.sampled_from(STAGES))
        cls = {
            "input": lm.Input,
            "activity": lm.Activity,
            "output": lm.Output,
            "outcome": lm.Outcome,
            "impact": lm.Impact,
        }[kind]
        nodes.append(cls(**fields))
    return nodes


def _draw_links(draw: DrawFn, p: _Pieces, ids: list[str]) -> list[Any]:
    """Forward links (from an earlier node to a later one), each pair at most once."""
    import logicmodel as lm

    st = p.st
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    chosen = (
        draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2 * len(ids))) if pairs else []
    )
    return [
        lm.Link(
            source=a,
            target=b,
            weight=draw(st.floats(0, 100, allow_nan=False)),
            rationale=draw(p.maybe_text),
            assumptions=draw(p.texts),
            evidence=draw(p.maybe_text),
        )
        for a, b in chosen
    ]


def _draw_indicators(draw: DrawFn, p: _Pieces, ids: list[str], max_indicators: int) -> list[Any]:
    """Up to ``max_indicators`` indicators; some are formulas over earlier ones."""
    import logicmodel as lm

    st = p.st
    indicators: list[Any] = []
    for k in range(draw(st.integers(0, max_indicators))):
        ind_id = f"ind_{k}" if draw(st.booleans()) else f"指標{k}"
        earlier = [i.id for i in indicators]
        formula = None
        if earlier and draw(st.booleans()):
            a, b = draw(st.sampled_from(earlier)), draw(st.sampled_from(earlier))
            op = draw(st.sampled_from(("+", "-", "*", "/")))
            formula = f"({a} {op} {b}) * 100" if draw(st.booleans()) else f"max({a}, {b})"
        targets = draw(st.lists(p.points, max_size=3, unique_by=lambda q: q["period"]))
        indicators.append(
            lm.Indicator(
                id=ind_id,
                measures=draw(st.sampled_from(ids)),
                name=draw(p.maybe_text),
                unit=draw(st.sampled_from(_UNITS)),
                role=draw(st.sampled_from((None, "KGI", "KPI"))),
                direction=draw(st.sampled_from(("increase", "decrease", "maintain"))),
                baseline=draw(st.none() | p.points),
                targets=targets,
                aggregation=draw(p.aggregations),
                formula=formula,
                weight=draw(st.floats(0, 10, allow_nan=False)),
                frequency=draw(st.sampled_from((None, "month", "quarter", "fiscal_year"))),
                source=draw(p.maybe_text),
                measure=draw(st.sampled_from(("quantitative", "qualitative"))),
                refs=draw(p.texts),
            )
        )
    return indicators


def _draw_milestones(draw: DrawFn, p: _Pieces, ids: list[str]) -> list[Any]:
    """Up to three milestones delivering some of the nodes."""
    import logicmodel as lm

    st = p.st
    dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))
    return [
        lm.Milestone(
            id=f"ms{k}",
            title=draw(p.text),
            due=draw(dates),
            start=draw(st.none() | dates),
            done=draw(st.none() | dates),
            delivers=tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))),
            service_level=draw(p.maybe_text),
            owner=draw(p.maybe_text),
            tags=draw(p.texts),
        )
        for k in range(draw(st.integers(0, 3)))
    ]


def models(*, max_nodes: int = 12, max_indicators: int = 8) -> SearchStrategy[LogicModel]:
    """A Hypothesis strategy for random valid :class:`~logicmodel.LogicModel` objects.

    Models have every node kind and stage, forward links with weights, indicators with units,
    roles, directions, baselines, targets (as lists), aggregation presets and rules, formulas over
    earlier indicators, milestones, and text that YAML would misread (``yes``, ``01100``,
    ``2024-04-01`` …) and Japanese.

    Parameters
    ----------
    max_nodes, max_indicators
        Upper bounds on the size of the generated models.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None)
    ... @given(models())
    ... def test_ids_unique(model):
    ...     ids = [x.id for x in (*model.nodes, *model.indicators, *model.milestones)]
    ...     assert len(ids) == len(set(ids))
    >>> test_ids_unique()
    """
    st = _hypothesis()
    import logicmodel as lm

    pieces = _pieces(st)

    @st.composite  # type: ignore[untyped-decorator, unused-ignore]
    def build(draw: DrawFn) -> LogicModel:
        nodes = _draw_nodes(draw, pieces, max_nodes)
        ids = [n.id for n in nodes]
        links = _draw_links(draw, pieces, ids)
        indicators = _draw_indicators(draw, pieces, ids, max_indicators)
        milestones = _draw_milestones(draw, pieces, ids)
        text, maybe_text, texts = pieces.text, pieces.maybe_text, pieces.texts
        return lm.LogicModel(
            id=draw(st.sampled_from(("m", "window_dx", "モデル"))),
            title=draw(text),
            owner=draw(maybe_text),
            description=draw(maybe_text),
            fiscal_year_start=draw(st.integers(1, 12)),
            nodes=nodes,
            links=links,
            indicators=indicators,
            milestones=milestones,
            refs=draw(texts),
            tags=draw(texts),
        )

    strategy: SearchStrategy[LogicModel] = build()
    return strategy


def models_with_observations(
    *, max_orgs: int = 3, max_outputs: int = 3, years: tuple[int, int] = (2023, 2027)
) -> SearchStrategy[tuple[LogicModel, pd.DataFrame]]:
    """A Hypothesis strategy for ``(model, observations)`` that pass :func:`logicmodel.check`.

    The model is a small pathway (activities → outputs → outcomes → impact) whose outputs and
    outcomes carry quantitative indicators (counts summed across orgs, percentages averaged),
    baselines before targets on the improving side, and a ratio formula; observations are yearly
    actuals for up to ``max_orgs`` organisations (or none) with missing values.

    Examples
    --------
    >>> import logicmodel as lm
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(models_with_observations())
    ... def test_bounded(pair):
    ...     progress = lm.evaluate(*pair)
    ...     rolled = progress.nodes["rolled"].dropna()
    ...     assert ((rolled >= 0) & (rolled <= 1)).all()
    >>> test_bounded()
    """
    st = _hypothesis()
    import pandas as pd

    import logicmodel as lm

    first, last = years

    @st.composite  # type: ignore[untyped-decorator, unused-ignore]
    def build(draw: DrawFn) -> tuple[LogicModel, pd.DataFrame]:
        n_out = draw(st.integers(1, max_outputs))
        nodes: list[Any] = [lm.Activity(id="act")]
        links = []
        indicators = []
        for k in range(n_out):
            nodes.append(lm.Output(id=f"out{k}"))
            links.append(lm.Link(source="act", target=f"out{k}"))
            base = draw(st.integers(0, 50))
            indicators.append(
                lm.KPI(
                    id=f"n{k}",
                    measures=f"out{k}",
                    unit="件",
                    baseline={"period": f"FY{first}", "value": base},
                    targets={f"FY{last}": base + draw(st.integers(1, 500))},
                )
            )
        nodes += [lm.Outcome(id="short", stage="short"), lm.Impact(id="goal")]
        for k in range(n_out):
            links.append(
                lm.Link(
                    source=f"out{k}",
                    target="short",
                    weight=draw(st.floats(0.1, 5, allow_nan=False)),
                )
            )
        links.append(lm.Link(source="short", target="goal"))
        decrease = draw(st.booleans())
        b, t = (60.0, 20.0) if decrease else (20.0, 60.0)
        indicators.append(
            lm.KGI(
                id="rate",
                measures="short",
                unit="%",
                aggregation="mean",
                direction="decrease" if decrease else "increase",
                baseline={"period": f"FY{first}", "value": b},
                targets={f"FY{last}": t},
            )
        )
        indicators.append(lm.KPI(id="den", measures="goal", unit="件"))
        indicators.append(
            lm.KGI(
                id="ratio",
                measures="goal",
                unit="%",
                formula="n0 / den * 100",
                baseline={"period": f"FY{first}", "value": 10},
                targets={f"FY{last}": 50},
            )
        )
        model = lm.LogicModel(
            id="generated", title="generated", nodes=nodes, links=links, indicators=indicators
        )
        n_orgs = draw(st.integers(0, max_orgs))
        orgs: list[str | None] = [f"org{k}" for k in range(n_orgs)] or [None]
        rows = []
        for ind in ("rate", "den", *(f"n{k}" for k in range(n_out))):
            for org in orgs:
                for year in range(first + 1, last + 1):
                    if draw(st.integers(0, 4)) == 0:
                        continue  # missing data
                    if ind == "rate":
                        value: float = draw(st.floats(0, 100, allow_nan=False))
                    else:
                        value = float(draw(st.integers(1, 1000)))
                    rows.append(
                        {"indicator": ind, "org": org, "period": f"FY{year}", "value": value}
                    )
        frame = pd.DataFrame(rows, columns=["indicator", "org", "period", "value"])
        if n_orgs == 0:
            frame = frame.drop(columns=["org"])
        return model, frame

    strategy: SearchStrategy[tuple[LogicModel, pd.DataFrame]] = build()
    return strategy
