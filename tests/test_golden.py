"""Golden results of ``evaluate``: what the code computed when they were recorded (issue 9).

Refactoring the intake and the evaluation stages must not move a number. Each case below is
evaluated and compared, table by table (history included), with the result stored under
``tests/data/golden/`` by :func:`logicmodel.testing.assert_progress_close`; findings are compared
the same way.

Cases: the bundled sample (``lm.testing.sample_model``), window-dx read from its files, the national
benchmark model on ~30 municipalities of ``Hierarchy.japan()`` (two years of months), and 50
generated models (``lm.testing.models_with_observations``, one per Hypothesis seed 0–49). The
generated models and their observations are stored with the results, so the cases do not depend on
the Hypothesis version that drew them.

Regenerate (only when a change of the numbers is intended, and say so in the commit)::

    PYTHONPATH=src python tests/test_golden.py regen
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.testing import assert_progress_close

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
TABLES = ("indicators", "nodes", "history", "milestones", "children", "findings")
GENERATED = 50
FINDING_KEYS = ["code", "node", "org"]


# -- the cases -----------------------------------------------------------------------------------
def _sample() -> lm.Progress:
    model, obs = lm.testing.sample_model(), lm.testing.sample_observations()
    return lm.evaluate(model, obs)


def _window_dx() -> lm.Progress:
    folder = ROOT / "src" / "logicmodel" / "examples" / "window-dx"
    model = lm.load(folder / "model.yaml")
    obs = lm.read_observations(folder / "observations.csv")
    return lm.evaluate(model, obs, as_of="FY2025")


def _national() -> lm.Progress:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _common import build_model, monthly_observations  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    japan = lm.Hierarchy.japan()
    codes = list(japan.codes(level="municipality"))
    codes = codes[:: len(codes) // 30][:30]
    model = build_model()
    obs = monthly_observations(model, codes, months=24)
    return lm.evaluate(model, obs, hierarchy=japan)


NAMED: dict[str, Callable[[], lm.Progress]] = {
    "sample": _sample,
    "window-dx": _window_dx,
    "national": _national,
}


def _draw_generated() -> Iterator[tuple[lm.LogicModel, pd.DataFrame]]:
    """One ``(model, observations)`` per Hypothesis seed 0 … GENERATED-1 (used by ``regen``)."""
    from hypothesis import Phase, given, seed, settings

    drawn: list[tuple[lm.LogicModel, pd.DataFrame]] = []
    for k in range(GENERATED):

        @seed(k)
        @settings(max_examples=3, database=None, phases=[Phase.generate], deadline=None)
        @given(lm.testing.models_with_observations())
        def keep(pair: tuple[lm.LogicModel, pd.DataFrame]) -> None:
            drawn.append(pair)

        keep()  # Hypothesis draws the simplest pair first, so keep the last of three draws
        yield drawn[-1]


def _stored_generated() -> dict[str, tuple[lm.LogicModel, pd.DataFrame]]:
    with gzip.open(GOLDEN / "generated_models.json.gz", "rt", encoding="utf-8") as fh:
        models = {k: lm.LogicModel.model_validate_json(v) for k, v in json.load(fh).items()}
    obs = pd.read_parquet(GOLDEN / "generated_observations.parquet")
    out = {}
    for case, model in models.items():
        frame = obs[obs["case"] == case].drop(columns="case").reset_index(drop=True)
        if frame["org"].isna().all():
            frame = frame.drop(columns="org")
        out[case] = (model, frame)
    return out


# -- storing and reading results -----------------------------------------------------------------
def _table(progress: Any, name: str) -> pd.DataFrame:
    return _normal(getattr(progress, name))


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as objects, datetimes in ns, mixed or other objects (evidence dicts) as their
    ``repr``: what survives the parquet round trip unchanged."""
    cats = {c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    times = {c: "datetime64[ns]" for c in frame.columns if frame[c].dtype.kind == "M"}
    frame = frame.astype({**cats, **times}).reset_index(drop=True)
    for col in frame.columns:
        if frame[col].dtype.kind in "OUT" or isinstance(frame[col].dtype, pd.StringDtype):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
            kinds = {type(v) for v in frame[col].dropna()}
            if len(kinds) > 1 or kinds - {str, dt.date, bool}:  # e.g. days_late: ints and text
                frame[col] = frame[col].map(repr, na_action="ignore")
    return frame


def _write(results: dict[str, Any], stem: str) -> None:
    meta: dict[str, Any] = {}
    for name in TABLES:
        parts = []
        for case, progress in results.items():
            frame = _table(progress, name)
            meta.setdefault(case, {"as_of": progress.as_of.isoformat(), "columns": {}})
            meta[case]["columns"][name] = [str(c) for c in frame.columns]
            parts.append(frame.assign(case=case))
        table = pd.concat(parts, ignore_index=True)
        table.to_parquet(GOLDEN / f"{stem}_{name}.parquet", index=False, compression="zstd")
    (GOLDEN / f"{stem}.json").write_text(
        json.dumps(meta, separators=(",", ":")) + "\n", encoding="utf-8"
    )


def _read(stem: str) -> dict[str, SimpleNamespace]:
    meta = json.loads((GOLDEN / f"{stem}.json").read_text(encoding="utf-8"))
    out = {
        case: SimpleNamespace(as_of=dt.date.fromisoformat(m["as_of"])) for case, m in meta.items()
    }
    for name in TABLES:
        table = pd.read_parquet(GOLDEN / f"{stem}_{name}.parquet")
        for case, m in meta.items():
            frame = table[table["case"] == case]
            setattr(out[case], name, _normal(frame[m["columns"][name]]))
    return out


def _comparable(progress: Any) -> SimpleNamespace:
    """``progress``'s tables as the golden files store them."""
    return SimpleNamespace(
        as_of=progress.as_of, **{name: _table(progress, name) for name in TABLES}
    )


def _assert_same(got: SimpleNamespace, want: SimpleNamespace) -> None:
    assert_progress_close(got, want)  # type: ignore[arg-type]
    a = got.findings.astype(object).where(got.findings.notna(), None)
    b = want.findings.astype(object).where(want.findings.notna(), None)
    keys = [k for k in FINDING_KEYS if k in a.columns]
    a = a.sort_values(keys, key=lambda s: s.astype(str), kind="stable").reset_index(drop=True)
    b = b.sort_values(keys, key=lambda s: s.astype(str), kind="stable").reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=1e-12)


def regen() -> None:
    """Record the golden files from what the code computes now."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    _write({case: make() for case, make in NAMED.items()}, "named")
    pairs = {f"gen{k:02d}": pair for k, pair in enumerate(_draw_generated())}
    models = json.dumps({k: m.model_dump_json() for k, (m, _) in pairs.items()})
    (GOLDEN / "generated_models.json.gz").write_bytes(gzip.compress(models.encode(), mtime=0))
    frames = []
    for case, (_, obs) in pairs.items():
        frame = obs if "org" in obs.columns else obs.assign(org=None)
        frames.append(frame[["indicator", "org", "period", "value"]].assign(case=case))
    pd.concat(frames, ignore_index=True).astype({"org": object}).to_parquet(
        GOLDEN / "generated_observations.parquet", index=False, compression="zstd"
    )
    stored = _stored_generated()
    _write({case: lm.evaluate(*pair) for case, pair in stored.items()}, "generated")


# -- the tests -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def named() -> dict[str, SimpleNamespace]:
    return _read("named")


@pytest.fixture(scope="module")
def generated() -> dict[str, SimpleNamespace]:
    return _read("generated")


@pytest.mark.parametrize("case", list(NAMED))
def test_named_case_equals_golden(case: str, named: dict[str, SimpleNamespace]) -> None:
    _assert_same(_comparable(NAMED[case]()), named[case])


def test_generated_models_equal_golden(generated: dict[str, SimpleNamespace]) -> None:
    stored = _stored_generated()
    assert len(stored) == GENERATED
    for case, pair in stored.items():
        try:
            _assert_same(_comparable(lm.evaluate(*pair)), generated[case])
        except AssertionError as err:
            raise AssertionError(f"{case}: {err}") from None


def test_golden_comparison_can_fail(named: dict[str, SimpleNamespace]) -> None:
    got = _comparable(_sample())
    got.indicators = got.indicators.assign(actual=got.indicators["actual"] * 1.001)
    with pytest.raises(AssertionError, match="indicators"):
        _assert_same(got, named["sample"])


if __name__ == "__main__":
    if sys.argv[1:] != ["regen"]:
        sys.exit("usage: PYTHONPATH=src python tests/test_golden.py regen")
    regen()
