"""``lm.estimate_link`` on a national panel: 1,741 municipalities × 60 months, one link.

Subject: ``lm.estimate_link(model, obs, ("adopted", "wait"), hierarchy=lm.Hierarchy.japan())``
from the long observations (~209,000 rows: a 0/1 adoption indicator and the monthly waiting time),
i.e. intake, code checks against the hierarchy, panel, estimation, event study, pre-trend test.
Reference: the estimation library called directly on the already prepared panel
(``diff_diff.CallawaySantAnna().fit(...)`` + ``aggregate("event_study")``), timed in the same run;
the ratio is the wrapper's overhead. Both must give the same ATT (1e-9) before anything is timed.

    python benchmarks/evidence_link.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import logicmodel as lm
from logicmodel.evidence import build_panel
from logicmodel.testing import staggered_example

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import best_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from diff_diff import CallawaySantAnna

    japan = lm.Hierarchy.japan()
    codes = japan.codes("municipality")
    model, obs = staggered_example(
        orgs=codes,
        n_periods=60,
        start="2021-04",
        cohorts=(13, 25, 37, 49),
        cohort_scale=(1.5, 1.0, 0.7, 0.5),
        effect=-4.0,
        growth=0.02,
        seed=0,
    )
    link = ("adopted", "wait")
    print(f"{len(codes):,} municipalities × 60 months, {len(obs):,} observation rows")

    def subject() -> lm.Evidence:
        return lm.estimate_link(model, obs, link, hierarchy=japan)

    panel = build_panel(
        model, obs, treatment="adopted_n", outcome="wait_min", hierarchy=japan
    ).frame

    def reference() -> float:
        r = CallawaySantAnna().fit(
            panel, outcome="y", unit="org", time="time", first_treat="first_treat"
        )
        r.aggregate("event_study")
        return float(r.overall_att)

    ours = subject()
    ref = reference()
    assert np.isclose(ours.att, ref, rtol=0, atol=1e-9), (ours.att, ref)
    print(ours.summary())

    t_ref = best_of(reference, repeat=args.repeat)
    t_sub = best_of(subject, repeat=args.repeat)
    t_flat = best_of(lambda: lm.estimate_link(model, obs, link), repeat=args.repeat)
    print(f"reference (diff-diff on the prepared panel)   {t_ref.best:7.3f} s  ({t_ref.runs_text()})")
    print(f"lm.estimate_link(..., hierarchy=japan)         {t_sub.best:7.3f} s  ({t_sub.runs_text()})")
    print(f"lm.estimate_link(...) without a hierarchy      {t_flat.best:7.3f} s  ({t_flat.runs_text()})")
    print(f"ratio with hierarchy / reference: {t_sub.best / t_ref.best:.2f}×")
    print(f"ratio without hierarchy / reference: {t_flat.best / t_ref.best:.2f}×")


if __name__ == "__main__":
    main()
