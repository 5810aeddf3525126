"""Shared helpers of the benchmarks: timers, peak-memory probes, a 100-node model, observations.

Not part of the package (benchmarks are scripts, DESIGN §6). Every benchmark times its subject and
its reference in the same run — one warm-up, then the best of three — and prints the ratio.
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import logicmodel as lm

__all__ = [
    "FIRST_MONTH",
    "MONTHS",
    "Timing",
    "best_of",
    "build_model",
    "fmt_bytes",
    "malloc_env",
    "monthly_observations",
    "peak_rss",
    "peak_traced",
]

MONTHS = 120
"""Ten fiscal years of months: FY2015 (2015-04) … FY2024 (2025-03)."""
FIRST_MONTH = "2015-04"


# -- timing -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    """Best and all wall-clock times (seconds) of one subject; ``result`` of the last call."""

    best: float
    runs: tuple[float, ...]
    result: Any

    @property
    def ms(self) -> float:
        """Best time in milliseconds."""
        return self.best * 1000.0


def best_of(func: Callable[[], Any], *, repeat: int = 3, warmup: int = 1) -> Timing:
    """``warmup`` untimed calls, then the best of ``repeat`` timed calls (gc before each)."""
    result = None
    for _ in range(warmup):
        result = func()
    runs = []
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = func()
        runs.append(time.perf_counter() - t0)
    return Timing(min(runs), tuple(runs), result)


# -- memory -------------------------------------------------------------------------------------
def malloc_env() -> None:
    """Re-run this script with a fixed glibc mmap threshold so that RSS deltas are honest.

    glibc raises its mmap threshold after large frees, so big arrays of a second call may come from
    a heap that never shrinks and RSS stops reflecting what a call needs. With a fixed threshold
    every large array is mmap-ed and returned on free.
    """
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072", MALLOC_TRIM_THRESHOLD_="131072")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss(func: Callable[[], Any], *, interval: float = 0.002) -> tuple[int, Any]:
    """Peak resident-set growth (bytes) during ``func()``, sampled every ``interval`` seconds.

    Counts every allocator (numpy, pandas, Arrow, polars, duckdb), unlike tracemalloc.
    """
    gc.collect()
    base = _rss()
    peak = base
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss())
            time.sleep(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        result = func()
    finally:
        stop.set()
        thread.join()
    peak = max(peak, _rss())
    return peak - base, result


def peak_traced(func: Callable[[], Any]) -> tuple[int, Any]:
    """Peak of tracemalloc-traced allocations (Python, numpy, pandas) during ``func()``.

    Arrow, polars and duckdb buffers are not traced; use :func:`peak_rss` for those.
    """
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def fmt_bytes(n: float) -> str:
    """``123.4 MB``."""
    return f"{n / 1e6:,.1f} MB"


# -- the model ----------------------------------------------------------------------------------
_LAYERS = (
    ("input", 10),
    ("activity", 20),
    ("output", 30),
    ("short", 12),
    ("intermediate", 10),
    ("long", 8),
    ("impact", 10),
)


def build_model(seed: int = 0, n_indicators: int = 30) -> lm.LogicModel:
    """A 100-node layered model (inputs → activities → outputs → outcomes → impact), ~150 links,
    ``n_indicators`` indicators with a mix of aggregations, directions, baselines and FY targets.

    Indicator ``k`` (0-based) is deterministic in ``k``:

    - aggregation cycles stock, flow, mean, and every 6th is ``{"time": "mean", "orgs": "mean"}``;
    - every 4th decreases; every 5th has no baseline; every 3rd reports per fiscal year;
    - baseline FY2014, targets FY2026 and FY2030.
    """
    rng = np.random.default_rng(seed)
    nodes: list[Any] = []
    layer_ids: list[list[str]] = []
    for kind, count in _LAYERS:
        ids = [f"{kind[:3]}{j:02d}" for j in range(count)]
        layer_ids.append(ids)
        for nid in ids:
            if kind == "input":
                nodes.append(lm.Input(id=nid))
            elif kind == "activity":
                nodes.append(lm.Activity(id=nid))
            elif kind == "output":
                nodes.append(lm.Output(id=nid))
            elif kind == "impact":
                nodes.append(lm.Impact(id=nid))
            else:
                nodes.append(lm.Outcome(id=nid, stage=kind))
    links: set[tuple[str, str]] = set()
    for upper, lower in itertools.pairwise(layer_ids):
        for j, nid in enumerate(lower):  # every node gets one predecessor from the layer above
            links.add((upper[j % len(upper)], nid))
    while len(links) < 150:
        k = int(rng.integers(0, len(layer_ids) - 1))
        links.add((str(rng.choice(layer_ids[k])), str(rng.choice(layer_ids[k + 1]))))
    link_objs = [
        lm.Link(source=s, target=t, weight=float(rng.choice([1.0, 1.0, 2.0, 0.5])))
        for s, t in sorted(links)
    ]
    measured = layer_ids[2] + layer_ids[3] + layer_ids[4] + layer_ids[5] + layer_ids[6]
    indicators = []
    for k in range(n_indicators):
        aggregation: Any = ("stock", "flow", "mean")[k % 3]
        if k % 6 == 5:
            aggregation = {"time": "mean", "orgs": "mean"}
        decrease = k % 4 == 3
        base = 100.0 + 10 * k
        target_1, target_2 = (base * 0.8, base * 0.5) if decrease else (base * 1.3, base * 2.0)
        indicators.append(
            lm.Indicator(
                id=f"ind{k:02d}",
                measures=measured[(k * 7) % len(measured)],
                unit="件",
                role="KGI" if k % 10 == 0 else "KPI",
                direction="decrease" if decrease else "increase",
                baseline=None if k % 5 == 4 else {"period": "FY2014", "value": base},
                targets={"FY2026": target_1, "FY2030": target_2},
                aggregation=aggregation,
                frequency="fiscal_year" if k % 3 == 2 else None,
                weight=1.0 + (k % 2),
            )
        )
    return lm.LogicModel(
        id="bench", title="benchmark model", nodes=nodes, links=link_objs, indicators=indicators
    )


def monthly_observations(
    model: lm.LogicModel,
    orgs: list[str],
    *,
    months: int = MONTHS,
    drop: float = 0.02,
    seed: int = 1,
) -> pd.DataFrame:
    """Long observations ``indicator, org, period, value``: every indicator × org × month
    (from :data:`FIRST_MONTH`), with a share ``drop`` of rows removed at random (missing reports).

    Values follow a noisy trend from each indicator's baseline towards its first target, scaled per
    org; ``org`` and ``indicator`` are pandas ``str`` columns, ``period`` text like ``2024-06``.
    """
    rng = np.random.default_rng(seed)
    inds = list(model.indicators)
    n_i, n_o = len(inds), len(orgs)
    periods = (
        pd.period_range(FIRST_MONTH, periods=months, freq="M")
        .strftime("%Y-%m")
        .to_numpy(dtype=object)
    )
    base = (
        np.array([i.targets[0].value if i.baseline is None else i.baseline.value for i in inds])
        * 0.8
    )
    first = np.array([i.targets[0].value for i in inds])
    scale = rng.uniform(0.5, 1.5, n_o)
    step = np.linspace(0.0, 1.0, months)
    # (indicator, org, month)
    trend = base[:, None, None] + (first - base)[:, None, None] * step[None, None, :]
    values = trend * scale[None, :, None] * rng.normal(1.0, 0.05, (n_i, n_o, months))
    flows = np.array([i.time_rule == "sum" for i in inds])
    values[flows] /= 12.0  # flows report monthly amounts that sum to a yearly level
    keep = rng.random(values.size) >= drop
    ii, oo, mm = np.unravel_index(np.flatnonzero(keep), values.shape)
    ind_names = np.array([i.id for i in inds], dtype=object)
    return pd.DataFrame(
        {
            "indicator": pd.array(ind_names[ii], dtype="str"),
            "org": pd.array(np.asarray(orgs, dtype=object)[oo], dtype="str"),
            "period": pd.array(periods[mm], dtype="str"),
            "value": np.round(values.ravel()[keep], 3),
        }
    )
