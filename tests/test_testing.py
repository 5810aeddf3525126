"""logicmodel.testing: the helpers users test their analyses with, and properties through them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import logicmodel as lm
from logicmodel.testing import (
    assert_progress_close,
    models_with_observations,
    sample_model,
    sample_observations,
)


@settings(max_examples=25, deadline=None, database=None)
@given(models_with_observations())
def test_generated_pairs_evaluate_and_are_order_independent(
    pair: tuple[lm.LogicModel, pd.DataFrame],
) -> None:
    model, obs = pair
    assert lm.check(model, obs).ok
    progress = lm.evaluate(model, obs)
    rolled = progress.nodes["rolled"].dropna()
    assert ((rolled >= 0) & (rolled <= 1)).all()
    shuffled = obs.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert_progress_close(progress, lm.evaluate(model, shuffled))


@settings(max_examples=15, deadline=None, database=None)
@given(models_with_observations(max_orgs=4))
def test_total_of_an_additive_indicator_is_the_sum_of_orgs(
    pair: tuple[lm.LogicModel, pd.DataFrame],
) -> None:
    model, obs = pair
    progress = lm.evaluate(model, obs)
    hist = progress.history[progress.history["indicator"] == "n0"]
    if "org" not in obs.columns or hist.empty:
        return
    totals = hist[hist["level"] == "total"].set_index("period")["actual"]
    by_org = hist[hist["level"] == "org"].groupby("period")["actual"].sum()
    pd.testing.assert_series_equal(
        totals.sort_index(), by_org.sort_index(), check_names=False, check_exact=False
    )


def test_assert_progress_close_names_the_difference() -> None:
    model, obs = sample_model(), sample_observations()
    base = lm.evaluate(model, obs)
    changed = obs.copy()
    row = changed.index[(changed["indicator"] == "wait_min") & (changed["period"] == "2027-03")][0]
    changed.loc[row, "value"] = "30"
    with pytest.raises(AssertionError, match=r"progress\.indicators differs"):
        assert_progress_close(base, lm.evaluate(model, changed))
    with pytest.raises(AssertionError, match="as_of differs"):
        assert_progress_close(base, lm.evaluate(model, obs, as_of="FY2025"))
    # within tolerance: a relative change of 1e-12 passes
    nudged = obs.copy()
    nudged.loc[row, "value"] = str(float(obs.loc[row, "value"]) * (1 + 1e-12))
    assert_progress_close(base, lm.evaluate(model, nudged), rtol=1e-9)


def test_sample_observations_unknown_example() -> None:
    with pytest.raises(lm.ModelError, match="window-dx"):
        sample_observations("window")
    # a model where the name belongs (an easy slip) is a clear error, not a TypeError
    with pytest.raises(lm.ModelError, match=r"expected the name of a bundled example.*LogicModel"):
        sample_observations(sample_model())  # type: ignore[arg-type]
    assert np.isfinite(pd.to_numeric(sample_observations()["value"])).all()
