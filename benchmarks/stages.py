"""Milliseconds per stage of ``evaluate`` on the full-scale national benchmark (issue 9).

Each stage function that ``evaluation/core.py::evaluate`` calls (and the three parts of the series
stage) is wrapped with a timer; the figure is the best of ``--repeat`` runs after one warm-up.
``(read labelled tables)`` is reading ``progress.indicators`` and ``progress.nodes`` the first time
(their ``status_label`` is made then). Stage names of the code before the stages moved into their
modules (``_series_rows`` …) are timed as well, so the same script measures an older checkout::

    PYTHONPATH=src python benchmarks/stages.py [--scale 0.25] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable
from typing import Any

from _common import build_model, malloc_env, monthly_observations

STAGES = {
    "core": [
        # the stages of evaluate (this code)
        "_intake", "_as_of", "org_rows", "expected_counts", "series_rows", "plan_points",
        "series_state", "history_source", "current_rows", "indicator_table", "children_table",
        "node_table", "milestone_table", "periods_seen", "findings_table", "org_table",
        # their names before they moved out of core.py
        "_org_rows", "_series_rows", "_points", "_series_state", "_history_source",
        "_indicator_table", "_children_table", "_node_table", "_periods_seen", "_findings",
        "_org_table", "_time_stage", "_org_stage", "_formula_stage",
    ],
    "series": ["time_stage", "org_stage", "formula_stage"],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    malloc_env()
    import logicmodel as lm
    from logicmodel.evaluation import evaluate

    japan = lm.Hierarchy.japan()
    codes = list(japan.codes(level="municipality"))
    codes = codes[: max(1, int(len(codes) * args.scale))]
    model = build_model()
    obs = monthly_observations(model, codes)
    evaluate(model, obs, hierarchy=japan)  # warm-up
    spent: dict[str, float] = {}

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return func(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t

        return run

    for module, names in STAGES.items():
        try:
            mod = importlib.import_module(f"logicmodel.evaluation.{module}")
        except ImportError:
            continue
        for name in names:
            if hasattr(mod, name):
                setattr(mod, name, timed(name.lstrip("_"), getattr(mod, name)))
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        spent.clear()
        t = time.perf_counter()
        progress = evaluate(model, obs, hierarchy=japan)
        spent["evaluate (total)"] = time.perf_counter() - t
        t = time.perf_counter()
        _ = progress.indicators, progress.nodes
        spent["(read labelled tables)"] = time.perf_counter() - t
        for k, v in spent.items():
            best[k] = min(best.get(k, float("inf")), v)
    print(f"{lm.__file__}: {len(obs):,} rows, best of {args.repeat}")
    for k, v in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {k:24s} {v * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
