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
import numpy.typing as npt
import pandas as pd

import logicmodel as lm

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

__all__ = [
    "FIRST_MONTH",
    "MONTHS",
    "Timing",
    "best_of",
    "build_model",
    "compare",
    "fmt_bytes",
    "malloc_env",
    "monthly_observations",
    "peak_rss",
    "peak_traced",
    "reference_progress",
]

MONTHS = 120
"""Ten fiscal years of months: FY2015 (2015-04) … FY2024 (2025-03)."""
FIRST_MONTH = "2015-04"


# -- timing -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    """Best and all wall-clock times (seconds) of one subject; ``result`` of the last call;
    ``peak_rss``: RSS growth (bytes) during the warm-up call when it was measured, else 0."""

    best: float
    runs: tuple[float, ...]
    result: Any
    peak_rss: int = 0

    @property
    def ms(self) -> float:
        """Best time in milliseconds."""
        return self.best * 1000.0

    def runs_text(self) -> str:
        """``1.23, 1.25, 1.31 s``."""
        return ", ".join(f"{r:.2f}" for r in self.runs) + " s"


def best_of(
    func: Callable[[], Any], *, repeat: int = 3, warmup: int = 1, memory: bool = False
) -> Timing:
    """``warmup`` untimed calls, then the best of ``repeat`` timed calls (gc before each).

    With ``memory=True`` the first warm-up call runs under :func:`peak_rss`.
    """
    result = None
    peak = 0
    for k in range(warmup):
        if memory and k == 0:
            peak, result = peak_rss(func)
        else:
            result = func()
    runs = []
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = func()
        runs.append(time.perf_counter() - t0)
    return Timing(min(runs), tuple(runs), result, peak)


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
        for j, nid in enumerate(upper):  # … and one successor in the layer below
            links.add((nid, lower[j % len(lower)]))
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
                measures=measured[(k * 23) % len(measured)],
                unit="件",
                role="KPI" if measured[(k * 23) % len(measured)].startswith("out") else "KGI",
                source="synthetic",
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

    Values follow a noisy trend from each indicator's baseline past its first target, scaled per
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
    t1 = np.array([i.targets[0].value for i in inds])
    t2 = np.array([i.targets[1].value for i in inds])
    start = np.array(
        [t * 0.8 if i.baseline is None else i.baseline.value for i, t in zip(inds, t1, strict=True)]
    )
    end = t1 + 0.25 * (t2 - t1)  # moving towards the targets, a little past the first one
    scale = rng.uniform(0.5, 1.5, n_o)
    step = np.linspace(0.0, 1.0, months)
    # (indicator, org, month)
    trend = start[:, None, None] + (end - start)[:, None, None] * step[None, None, :]
    values = trend * scale[None, :, None] * rng.normal(1.0, 0.02, (n_i, n_o, months))
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


# -- the hand-written reference -------------------------------------------------------------------
_TIME = {"sum": 0, "last": 1, "mean": 2}


def _month_index(labels: npt.NDArray[Any]) -> IntArray:
    """``YYYY-MM`` → year·12 + month − 1; ``FYyyyy`` → the index of its last month (March)."""
    out = np.empty(len(labels), dtype=np.int64)
    for k, text in enumerate(labels):  # once per distinct label
        s = str(text)
        out[k] = int(s[2:]) * 12 + 14 if s.startswith("FY") else int(s[:4]) * 12 + int(s[5:7]) - 1
    return out


def _latest(key: IntArray, n_e: int, values: FloatArray, present: npt.NDArray[np.bool_]) -> tuple:
    """Per group ``key`` (rows are (group, end) cells of width ``n_e``): the value at the latest end
    that is ``present``; returns (groups, values)."""
    cells = present.reshape(-1, n_e)
    has = cells.any(axis=1)
    last = n_e - 1 - np.argmax(cells[:, ::-1], axis=1)
    groups = np.flatnonzero(has)
    return groups, values.reshape(-1, n_e)[groups, last[groups]]


def reference_progress(
    model: lm.LogicModel, obs: pd.DataFrame, tree: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Actual, baseline, final target and achievement at ``as_of`` (the latest observed month) per
    (indicator, org) for every org and every ancestor — hand-written with numpy/pandas.

    ``obs``: ``indicator, org, period (YYYY-MM or FYyyyy), value`` and optional ``kind``.
    ``tree``: column ``org`` (the observed codes) and one column per ancestor level, top first;
    ``None``: one synthetic total (code ``None``) above all orgs.

    Rules (DESIGN §4.1, §5.3, §5.7): the reporting period is the fiscal year for indicators that
    report per FY (declared, or flows whose final target is an FY), else the month; the ``time``
    rule (sum|last|mean) combines months; the ``orgs`` rule (sum|mean) combines the orgs' reporting
    values into each ancestor per period; the current value is the one of the latest period with
    data. Points: model baseline/targets at the top org, and at every org for non-additive
    indicators; per-org ``kind`` rows win for their org and, for additive indicators, their sums
    become the ancestors' points. Achievement ``(a − b) / (t − b)``, without a baseline ``a / t``
    (increase) or ``t / a`` (decrease).
    """
    inds = list(model.indicators)
    n_i = len(inds)
    ind_pos = {i.id: k for k, i in enumerate(inds)}
    is_act = (obs["kind"] == "actual").to_numpy() if "kind" in obs else np.ones(len(obs), bool)
    act = obs[is_act]
    ii = act["indicator"].map(ind_pos).to_numpy(dtype=np.int64)
    org_codes, org_uniq = pd.factorize(act["org"])
    n_org = len(org_uniq)
    pcodes, puniq = pd.factorize(act["period"])
    month = _month_index(puniq.to_numpy())[pcodes]
    value = act["value"].to_numpy(dtype=np.float64)
    as_of = int(month.max())

    fy = np.array(
        [
            i.frequency == "fiscal_year"
            or (
                i.frequency is None
                and i.time_rule == "sum"
                and i.final_target is not None
                and i.final_target.period.startswith("FY")
            )
            for i in inds
        ]
    )
    time_rule = np.array([_TIME[i.time_rule] for i in inds])
    orgs_mean = np.array([i.orgs_rule == "mean" for i in inds])
    decrease = np.array([i.effective_direction == "decrease" for i in inds])

    # time aggregation per (ind, org, reporting period end) -----------------------------------
    end = np.where(fy[ii], (month - 3) // 12 * 12 + 14, month)
    e0 = int(end.min())
    n_e = int(end.max()) - e0 + 1
    key = (ii * n_org + org_codes) * n_e + (end - e0)
    order = np.lexsort((month, key))
    key_s, val_s = key[order], value[order]
    starts = np.flatnonzero(np.r_[True, key_s[1:] != key_s[:-1]])
    stops = np.r_[starts[1:], len(key_s)]
    g_key = key_s[starts]
    rule = time_rule[g_key // (n_org * n_e)]
    sums = np.add.reduceat(val_s, starts)
    g_val = np.where(
        rule == 0, sums, np.where(rule == 1, val_s[stops - 1], sums / (stops - starts))
    )
    g_ok = g_key % n_e + e0 <= as_of
    g_key, g_val = g_key[g_ok], g_val[g_ok]

    # orgs: leaves, then every ancestor level ----------------------------------------------------
    if tree is None:
        anc_codes = [np.array([None], dtype=object)]
        anc_of_leaf = [np.zeros(n_org, dtype=np.int64)]
    else:
        t = tree.set_index("org").reindex(pd.Index(org_uniq))
        anc_codes, anc_of_leaf = [], []
        for col in t.columns:
            c, u = pd.factorize(t[col])
            anc_codes.append(np.asarray(u, dtype=object))
            anc_of_leaf.append(c.astype(np.int64))
    all_codes = np.concatenate([np.asarray(org_uniq, dtype=object), *anc_codes])
    offsets = np.cumsum([n_org, *[len(c) for c in anc_codes]])  # start of each ancestor level
    top = np.arange(offsets[0], offsets[1])

    cell = np.zeros(n_i * n_org * n_e, dtype=bool)
    cell[g_key] = True
    vals = np.zeros(n_i * n_org * n_e)
    vals[g_key] = g_val
    groups, cur = _latest(np.arange(n_i * n_org), n_e, vals, cell)
    out_ind, out_org, out_val = [groups // n_org], [groups % n_org], [cur]
    g_ind, g_org, g_e = g_key // (n_org * n_e), g_key // n_e % n_org, g_key % n_e
    for lvl, (codes, anc) in enumerate(zip(anc_codes, anc_of_leaf, strict=True)):
        n_a = len(codes)
        k2 = (g_ind * n_a + anc[g_org]) * n_e + g_e
        s = np.bincount(k2, g_val, minlength=n_i * n_a * n_e)
        c = np.bincount(k2, minlength=n_i * n_a * n_e)
        mean = orgs_mean[np.arange(len(s)) // (n_a * n_e)]
        v = np.where(mean, s / np.maximum(c, 1), s)
        groups, cur = _latest(np.arange(n_i * n_a), n_e, v, c > 0)
        out_ind.append(groups // n_a)
        out_org.append(groups % n_a + offsets[lvl])
        out_val.append(cur)
    ri, oi, a = np.concatenate(out_ind), np.concatenate(out_org), np.concatenate(out_val)

    # points ---------------------------------------------------------------------------------------
    n_all = len(all_codes)
    base = np.full((n_i, n_all), np.nan)
    target = np.full((n_i, n_all), np.nan)
    for k, ind in enumerate(inds):
        where = slice(None) if orgs_mean[k] else top
        if ind.baseline is not None:
            base[k, where] = ind.baseline.value
        if ind.final_target is not None:
            target[k, where] = ind.final_target.value
    pts = obs[~is_act]
    if len(pts):
        p_ind = pts["indicator"].map(ind_pos).to_numpy(dtype=np.int64)
        p_org = pd.Index(org_uniq).get_indexer(pts["org"])
        pc, pu = pd.factorize(pts["period"])
        p_end = _month_index(pu.to_numpy())[pc]
        p_val = pts["value"].to_numpy(dtype=np.float64)
        p_kind = pts["kind"].to_numpy()
        for kind, table in (("baseline", base), ("target", target)):
            sel = p_kind == kind
            frame = pd.DataFrame(
                {"i": p_ind[sel], "o": p_org[sel], "e": p_end[sel], "v": p_val[sel]}
            )
            latest = frame.sort_values("e", kind="stable").drop_duplicates(["i", "o"], keep="last")
            table[latest["i"].to_numpy(), latest["o"].to_numpy()] = latest["v"].to_numpy()
            additive = frame[~orgs_mean[frame["i"].to_numpy()]]
            for lvl, anc in enumerate(anc_of_leaf):
                sums_e = (
                    additive.assign(o=anc[additive["o"].to_numpy()] + offsets[lvl])
                    .groupby(["i", "o", "e"], sort=True)["v"]
                    .sum()
                    .reset_index()
                )
                tot = sums_e.drop_duplicates(["i", "o"], keep="last")
                table[tot["i"].to_numpy(), tot["o"].to_numpy()] = tot["v"].to_numpy()

    b, t_ = base[ri, oi], target[ri, oi]
    with np.errstate(divide="ignore", invalid="ignore"):
        no_base = np.where(decrease[ri], t_ / a, a / t_)
        ach = np.where(np.isnan(b), no_base, (a - b) / (t_ - b))
    return pd.DataFrame(
        {
            "indicator": np.array([i.id for i in inds], dtype=object)[ri],
            "org": all_codes[oi],
            "actual": a,
            "baseline": b,
            "target": t_,
            "achievement": ach,
        }
    )


def compare(table: pd.DataFrame, ref: pd.DataFrame, *, what: str) -> int:
    """Exit with a message unless ``table`` (``progress.indicators``) has every reference
    (indicator, org) row with equal actual, baseline, target and achievement (1e-9); rows we have
    beyond the reference must be without an actual. Returns the number of rows compared."""
    cols = ["indicator", "org", "actual", "baseline", "target", "achievement"]
    ours = table[cols].copy()
    ref = ref[cols].copy()
    for frame in (ours, ref):
        frame["org"] = frame["org"].astype(object).where(frame["org"].notna(), "<total>")
        frame["indicator"] = frame["indicator"].astype(object)
    merged = ref.merge(
        ours, on=["indicator", "org"], how="outer", suffixes=("_ref", ""), indicator=True
    )
    extra = merged[(merged["_merge"] == "right_only") & merged["actual"].notna()]
    lost = merged[merged["_merge"] == "left_only"]
    if len(extra) or len(lost):
        sample = pd.concat([lost, extra]).head(3).to_dict("records")
        raise SystemExit(
            f"MISMATCH ({what}): {len(lost)} reference rows missing, "
            f"{len(extra)} extra rows with data; e.g. {sample}"
        )
    both = merged[merged["_merge"] == "both"]
    for c in cols[2:]:
        x, y = both[c].to_numpy(dtype=np.float64), both[f"{c}_ref"].to_numpy(dtype=np.float64)
        bad = ~np.isclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True)
        if bad.any():
            sample = both.loc[bad, ["indicator", "org", c, f"{c}_ref"]].head(5)
            raise SystemExit(f"MISMATCH ({what}): {c} differs in {int(bad.sum())} rows:\n{sample}")
    return len(both)
