"""Does adopting 書かない窓口 shorten the waiting time? A worked example of ``lm.estimate_link``.

Synthetic data with a known effect (nothing here is an official statistic): all 1,741
municipalities, 48 months FY2023–FY2026. Municipalities adopt the 書かない窓口 in four waves
(April 2024, October 2024, April 2025, October 2025); 30 % have not adopted by March 2027.
The monthly average waiting time (分) falls by 6 minutes when a municipality adopts, the effect
grows by 0.1 minute a month after adoption, and it is larger for early adopters (×1.3, ×1.0,
×0.8, ×0.6 by wave). Plain two-way fixed effects would be biased on such data; ``estimate_link``
uses Callaway–Sant'Anna group-time effects.

    python examples/window-dx/evidence.py [--out DIR]

writes ``event_study.png`` (the chart in docs/evidence.md) and ``window_dx_evidence.yaml`` (the
model with the evidence on its link) into DIR (default: this folder), and prints the summary,
the true effect and the Mermaid diagram.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import logicmodel as lm
from logicmodel.testing import staggered_panel


def build_model() -> lm.LogicModel:
    """Two nodes of the window-dx pathway and the link whose assumption we test."""
    return lm.LogicModel(
        id="window_dx_evidence",
        title="書かない窓口の導入と待ち時間",
        nodes=[
            lm.Output(id="adopted", label="書かない窓口を導入した団体"),
            lm.Outcome(id="wait", label="窓口での待ち時間の短縮", stage="中期"),
        ],
        links=[lm.Link(source="adopted", target="wait", rationale="記入と確認の時間がなくなる")],
        indicators=[
            lm.KPI(id="adopted_n", measures="adopted", name="導入団体数", unit="団体"),
            lm.KGI(
                id="wait_min",
                measures="wait",
                name="平均待ち時間",
                unit="分",
                direction="decrease",
                aggregation="mean",
            ),
        ],
    )


def run(out: Path, *, show: bool = True) -> tuple[lm.Evidence, float]:
    """Simulate, estimate, draw and save; returns the evidence and the true ATT."""
    japan = lm.Hierarchy.japan()
    obs, truth = staggered_panel(
        orgs=japan.codes("municipality"),
        n_periods=48,
        start="2023-04",
        cohorts=(13, 19, 25, 31),  # 2024-04, 2024-10, 2025-04, 2025-10
        cohort_scale=(1.3, 1.0, 0.8, 0.6),
        never_share=0.3,
        effect=-6.0,
        growth=0.1 / 6.0,  # +0.1 minute a month on a 6-minute effect
        seed=2024,
    )
    post = truth["event_time"].notna() & (truth["event_time"] >= 0)
    true_att = float(truth.loc[post, "effect"].mean())

    model = build_model()
    ev = lm.estimate_link(model, obs, ("adopted", "wait"), hierarchy=japan)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    lm.plot.event_study(ev, ax=ax, lang="ja")
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "event_study.png", dpi=110)
    plt.close(fig)
    with_evidence = model.with_evidence(ev)
    lm.dump(with_evidence, out / "window_dx_evidence.yaml")
    if show:
        print(ev.summary("ja"))
        print()
        print(ev.summary())
        print(f"true ATT {true_att:.3g} 分 (known because the data are simulated)")
        print(lm.to_mermaid(with_evidence))
    return ev, true_att


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    run(parser.parse_args().out)


if __name__ == "__main__":
    main()
