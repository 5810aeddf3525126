"""National ↔ local: 1,741 municipalities × 120 months × 30 indicators (~6.3 M rows) (DESIGN §6).

Subject: ``lm.evaluate(model, obs, hierarchy=lm.Hierarchy.japan())`` on pandas, polars and duckdb
input (and PySpark when it imports and a JVM is present). Reference: a hand-written vectorised
pandas/numpy pipeline computing the municipality, prefecture and nation values at ``as_of``
(time rule per indicator to its reporting period; sum over orgs for stock/flow, mean for mean
indicators) with baselines, targets and achievements; every engine's result is asserted equal to
it (1e-9) before anything is timed. Goals: ≤ 1.5× the reference on pandas input, faster on
polars/duckdb, peak memory ≤ 3× the input frame.

Memory: RSS growth during the first call (which checks the results and warms up), sampled every 2 ms (counts Arrow/polars/duckdb
buffers too), with glibc's mmap threshold fixed so that freed arrays leave RSS.

Run: ``python benchmarks/national.py [--scale 0.25] [--engines pandas,polars,duckdb,pyspark]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    MONTHS,
    best_of,
    build_model,
    compare,
    fmt_bytes,
    malloc_env,
    monthly_observations,
    peak_rss,
    reference_progress,
)

import logicmodel as lm
from logicmodel.evaluation import evaluate


def japan_tree(hierarchy: lm.Hierarchy, codes: list[str]) -> pd.DataFrame:
    """``org`` → ``nation``, ``prefecture`` columns (once per municipality, outside any timing)."""
    prefecture = [hierarchy.parent(c) for c in codes]
    return pd.DataFrame({"org": codes, "nation": hierarchy.root, "prefecture": prefecture})


def engine_inputs(obs: pd.DataFrame, engines: list[str]) -> dict[str, tuple[Any, int, str]]:
    """Per engine: (native frame, its size in bytes, how the size was measured)."""
    out: dict[str, tuple[Any, int, str]] = {}
    for name in engines:
        if name == "pandas":
            out[name] = (obs, int(obs.memory_usage(deep=True).sum()), "pandas deep memory_usage")
        elif name == "polars":
            import polars as pl

            frame = pl.from_pandas(obs)
            # estimated_size() counts the bytes of short strings but not their 16-byte views;
            # the Arrow export of the same buffers (string views, zero-copy) counts both
            exported = frame.to_arrow(compat_level=pl.CompatLevel.newest())
            out[name] = (
                frame,
                int(exported.nbytes),
                f"its Arrow buffers; polars estimated_size says {fmt_bytes(frame.estimated_size())}",
            )
            del exported
        elif name == "duckdb":
            import duckdb
            import pyarrow as pa

            table = pa.Table.from_pandas(obs, preserve_index=False)
            con = duckdb.connect()
            con.register("obs_arrow", table)
            con.execute("CREATE TABLE obs AS SELECT * FROM obs_arrow")
            con.unregister("obs_arrow")
            out[name] = (con.table("obs"), int(table.nbytes), "Arrow nbytes of the same table")
        elif name == "pyspark":
            spark = _spark()
            if spark is None:
                print("  pyspark: skipped (not importable or no JVM)")
                continue
            spark.sparkContext.setLogLevel("ERROR")
            frame = spark.createDataFrame(obs)
            frame = frame.cache()
            frame.count()
            out[name] = (
                frame,
                int(obs.memory_usage(deep=True).sum()),
                "pandas frame it came from; JVM memory not counted",
            )
        else:
            raise SystemExit(f"unknown engine {name!r}; known: pandas, polars, duckdb, pyspark")
    return out


def _spark() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return None
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def main() -> None:
    malloc_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the municipalities to use"
    )
    parser.add_argument("--engines", default="pandas,polars,duckdb,pyspark")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    japan = lm.Hierarchy.japan()
    codes = list(japan.codes(level="municipality"))
    if args.scale < 1:
        codes = codes[:: max(1, round(1 / args.scale))]
    model = build_model()
    obs = monthly_observations(model, codes)
    tree = japan_tree(japan, codes)
    print(
        f"national: {len(model.nodes)} nodes, {len(model.indicators)} indicators, "
        f"{len(codes):,} municipalities in {tree['prefecture'].nunique()} prefectures × {MONTHS} "
        f"months: {len(obs):,} rows"
    )

    def run(frame: Any) -> Callable[[], Any]:
        return lambda: evaluate(model, frame, hierarchy=japan)

    ref = reference_progress(model, obs, tree)
    t_ref = best_of(lambda: reference_progress(model, obs, tree), repeat=args.repeat)
    print(f"  pandas reference   {t_ref.ms:10.1f} ms   ({len(ref):,} (indicator, org) rows)")

    inputs = engine_inputs(obs, args.engines.split(","))
    # first call per engine: results checked against the reference, peak memory sampled
    peaks: dict[str, int] = {}
    checked: dict[str, int] = {}
    for name, (frame, _size, _how) in inputs.items():
        rss, progress = peak_rss(run(frame))  # also the warm-up
        checked[name] = compare(progress.indicators, ref, what=name)
        peaks[name] = rss
        del progress
    # timed calls interleaved round-robin, so that no engine always runs first (the first of a
    # block measured up to 6 % faster than the same call later on this machine)
    runs: dict[str, list[float]] = {name: [] for name in inputs}
    for _ in range(args.repeat):
        for name, (frame, _size, _how) in inputs.items():
            runs[name].append(best_of(run(frame), repeat=1, warmup=0).best)
    results = {name: min(times) for name, times in runs.items()}
    for name, (_frame, size, how) in inputs.items():
        best = results[name]
        goal = 1.5 if name == "pandas" else results.get("pandas", t_ref.best * 1.5) / t_ref.best
        ratio = best / t_ref.best
        shown = ", ".join(f"{t:.2f}" for t in runs[name])
        print(
            f"  {name:<8} {best * 1000:10.1f} ms  ×{ratio:5.2f} of reference (goal ≤ {goal:.2f}"
            f"{'' if name == 'pandas' else ', i.e. no slower than pandas input'}) "
            f"{'OK' if ratio <= goal + 1e-9 else 'MISS'};  runs {shown} s;  "
            f"{checked[name]:,} rows equal"
        )
        rss = peaks[name]
        print(
            f"           peak RSS growth {fmt_bytes(rss)} = {rss / size:.2f}× "
            f"the input "
            f"({fmt_bytes(size)}, {how}); goal ≤ 3×  {'OK' if rss <= 3 * size else 'MISS'}"
        )
    if "pandas" in inputs:
        # the same evaluation with progress.history built as well (a cached table made on first
        # use; the reference computes no history, so this ratio is an upper bound of the cost)
        frame = inputs["pandas"][0]
        t_hist = best_of(lambda: len(run(frame)().history), repeat=args.repeat)
        print(
            f"  pandas + history {t_hist.ms:8.1f} ms  ×{t_hist.best / t_ref.best:5.2f} of reference "
            "(evaluate, then build progress.history)"
        )


if __name__ == "__main__":
    main()
