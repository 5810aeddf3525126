"""``lm.evaluate`` on wide data: 100-node model, 30 indicators, 1,000 orgs × 120 months (DESIGN §6).

About 3.6 M actual rows (pandas, ``org`` column with 1,000 codes and no hierarchy, so the orgs sit
under one synthetic ``total``), plus per-org baseline and target rows (``kind``) for the additive
indicators. Subject: ``lm.evaluate(model, obs)`` with the default ``as_of``. Reference: a
hand-written vectorised pandas/numpy computation of the same numbers at ``as_of`` per
(indicator, org) — time aggregation per rule to the fiscal year where the indicator reports per FY
(declared, or a flow whose final target is an FY), else the last month; orgs summed or averaged into
the total; baselines and targets from the model (non-additive indicators: every org) or from the
per-org rows (additive: the total's points are the sums); achievement ``(a − b) / (t − b)``, or
``a / t`` / ``t / a`` without a baseline. Actuals, targets and achievements are asserted equal (to
1e-9) before anything is timed. Goal: ≤ 1.5× the reference.

Run: ``python benchmarks/evaluate_wide.py [--orgs 1000] [--scale 1.0]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    best_of,
    build_model,
    compare,
    fmt_bytes,
    malloc_env,
    monthly_observations,
    peak_rss,
    peak_traced,
    reference_progress,
)

import logicmodel as lm
from logicmodel.evaluation import evaluate


def org_points(model: lm.LogicModel, orgs: list[str], seed: int = 2) -> pd.DataFrame:
    """Per-org ``kind`` rows (baseline, targets) of the additive indicators: the model's points
    scaled by a factor per (indicator, org) in [0.8, 1.2]."""
    rng = np.random.default_rng(seed)
    frames = []
    for ind in model.indicators:
        if ind.orgs_rule != "sum":
            continue
        factor = rng.uniform(0.8, 1.2, len(orgs))
        points = [("target", p) for p in ind.targets]
        if ind.baseline is not None:
            points.append(("baseline", ind.baseline))
        for kind, p in points:
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": ind.id,
                        "org": orgs,
                        "period": p.period,
                        "value": np.round(p.value * factor, 3),
                        "kind": kind,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    malloc_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the orgs to use (quick runs)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the tracemalloc peak (one more call)",
    )
    args = parser.parse_args()

    n_orgs = max(2, round(args.orgs * args.scale))
    model = build_model()
    orgs = [f"C{k:04d}" for k in range(n_orgs)]
    actual = monthly_observations(model, orgs).assign(kind="actual")
    obs = pd.concat([actual, org_points(model, orgs)], ignore_index=True)
    obs["kind"] = obs["kind"].astype("str")
    in_bytes = int(obs.memory_usage(deep=True).sum())
    print(
        f"evaluate_wide: {len(model.nodes)} nodes, {len(model.links)} links, "
        f"{len(model.indicators)} indicators, {n_orgs:,} orgs × 120 months: "
        f"{len(actual):,} actual rows + {len(obs) - len(actual):,} baseline/target rows "
        f"({fmt_bytes(in_bytes)} pandas)"
    )

    rss, progress = peak_rss(lambda: evaluate(model, obs))  # also the warm-up
    ref = reference_progress(model, obs)
    n_cmp = compare(progress.indicators, ref, what="pandas")
    print(f"  {n_cmp:,} (indicator, org) rows equal to the reference (as_of {progress.as_of})")

    del progress
    t_ours = best_of(lambda: evaluate(model, obs), warmup=0, repeat=args.repeat)
    t_ref = best_of(lambda: reference_progress(model, obs), repeat=args.repeat)
    traced = peak_traced(lambda: evaluate(model, obs))[0] if args.tracemalloc else 0
    ratio = t_ours.best / t_ref.best
    print(f"  lm.evaluate            {t_ours.ms:10.1f} ms   (runs {t_ours.runs_text()})")
    print(f"  pandas reference       {t_ref.ms:10.1f} ms")
    print(
        f"  ratio                  {ratio:10.2f}×   goal ≤ 1.5×  {'OK' if ratio <= 1.5 else 'MISS'}"
    )
    print(
        f"  peak memory            {fmt_bytes(rss)} RSS growth (sampled, all allocators) = "
        f"{rss / in_bytes:.2f}× the input frame ({fmt_bytes(in_bytes)})"
        + (f"; tracemalloc peak {fmt_bytes(traced)} = {traced / in_bytes:.2f}×" if traced else "")
    )


if __name__ == "__main__":
    main()
