"""Which staggered difference-in-differences library ``lm.estimate_link`` uses, and why (figures).

One simulated national panel (1,741 units × 60 months; four adoption cohorts and 31 % never
treated; effects heterogeneous by cohort and growing with time, so the truth is known) is given to
each candidate's Callaway–Sant'Anna estimator (never-treated controls, no covariates, analytic
standard errors). For each: the overall ATT ("simple" aggregation), its SE, the error against the
truth in SEs, and the best of ``--repeat`` wall-clock times. Plain two-way fixed effects (numpy
least squares) is printed for contrast: it is what the library must never do.

Candidates that are not installed are skipped with a note (``pip install differences``).

    python benchmarks/did_libraries.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd

from logicmodel.testing import staggered_panel

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import best_of  # noqa: E402


def _panel() -> tuple[pd.DataFrame, float]:
    obs, truth = staggered_panel(
        n_orgs=1741,
        n_periods=60,
        cohorts=(13, 25, 37, 49),
        cohort_scale=(1.5, 1.0, 0.7, 0.5),
        never_share=0.31,
        effect=-4.0,
        growth=0.02,
        seed=0,
    )
    y = obs[obs["indicator"] == "wait_min"].reset_index(drop=True)
    panel = pd.DataFrame(
        {
            "unit": pd.factorize(y["org"])[0],
            "time": truth["time"].to_numpy(),
            "y": y["value"].to_numpy(dtype=float),
            "d": obs.loc[obs["indicator"] == "adopted_n", "value"].to_numpy(dtype=float),
        }
    )
    g = truth["time"] - truth["event_time"]
    panel["first_treat"] = g.fillna(0).astype(int).to_numpy()
    post = truth["event_time"].notna() & (truth["event_time"] >= 0)
    return panel, float(truth.loc[post, "effect"].mean())


def _diff_diff(panel: pd.DataFrame) -> tuple[float, float]:
    from diff_diff import CallawaySantAnna

    r = CallawaySantAnna().fit(panel, outcome="y", unit="unit", time="time", first_treat="first_treat")
    return float(r.overall_att), float(r.overall_se)


def _differences(panel: pd.DataFrame) -> tuple[float, float]:
    from differences import ATTgt

    data = panel.assign(cohort=panel["first_treat"].where(panel["first_treat"] > 0)).set_index(
        ["unit", "time"]
    )
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        att = ATTgt(data=data, cohort_column="cohort")
        att.fit(formula="y", control_group="never_treated", n_jobs=1)
        out = att.aggregate("simple")
    return float(out.iloc[0, 0]), float(out.iloc[0, 1])


def _twfe(panel: pd.DataFrame) -> tuple[float, float]:
    y = panel.pivot(index="unit", columns="time", values="y").to_numpy()
    d = panel.pivot(index="unit", columns="time", values="d").to_numpy()

    def within(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    beta, *_ = np.linalg.lstsq(within(d).reshape(-1, 1), within(y).ravel(), rcond=None)
    return float(beta[0]), float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    panel, truth = _panel()
    print(f"panel: {panel['unit'].nunique():,} units × {panel['time'].nunique()} periods; true ATT {truth:.4f}")
    print(f"{'estimator':34} {'ATT':>9} {'SE':>8} {'|err|/SE':>9} {'seconds':>8}")
    for name, dist, func in (
        ("diff-diff CallawaySantAnna", "diff-diff", _diff_diff),
        ("differences ATTgt", "differences", _differences),
        ("plain TWFE (numpy, never used)", None, _twfe),
    ):
        try:
            label = f"{name} {version(dist)}" if dist else name
        except Exception:  # noqa: BLE001 - a candidate that is not installed is skipped
            print(f"{name:34} not installed (pip install {dist})")
            continue
        t = best_of(lambda f=func: f(panel), repeat=args.repeat)
        att, se = t.result
        err = abs(att - truth) / se if np.isfinite(se) else float("nan")
        print(f"{label:34} {att:9.4f} {se:8.4f} {err:9.2f} {t.best:8.3f}")


if __name__ == "__main__":
    main()
