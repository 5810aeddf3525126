"""Benchmark: read a synthetic 130,000-row RS System 3-1 file (and its 3-2) with ``read_rs``.

Prints the times of ``read_rs`` (all projects) and of a plain ``pd.read_csv(path, dtype=str)`` of
the same 3-1 file, interleaved in the same run, and their ratio (best, first run, median).

Run: ``python benchmarks/rs_read.py [rows] [repeat]``.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from logicmodel.io.rs import RS_3_1_COLUMNS, RS_3_2_COLUMNS, read_rs

ROW = "目標年度／目標値／実績値／達成率"
NO = "アクティビティ・アウトプット・アウトカムの番号"
KIND = "種別（アクティビティ・アウトプット・アウトカム）"


def synthetic(rows: int, folder: Path) -> tuple[Path, Path]:
    """Projects of 2 activities, 3 outputs and 3 outcomes with one indicator each (26 rows)."""
    rng = np.random.default_rng(0)
    per = 26
    n_projects = max(1, rows // per)
    # one project's template
    kinds, numbers, types, stages = [], [], [], []
    for a in (1, 2):
        kinds.append("アクティビティ")
        numbers.append(str(a))
        types.append("")
        stages.append("")
    for kind, stage_list in (
        ("アウトプット", ["", "", ""]),
        ("アウトカム", ["1.短期", "中期", "3.長期"]),
    ):
        for k, stage in enumerate(stage_list, start=1):
            for t in ("1.目標年度", "2.目標値", "3.実績値", "4.達成率"):
                kinds.append(kind)
                numbers.append(str(k))
                types.append(t)
                stages.append(stage)
    n = n_projects * per
    frame = pd.DataFrame({c: np.full(n, "", dtype=object) for c in RS_3_1_COLUMNS})
    frame["予算事業ID"] = np.repeat([str(p + 1) for p in range(n_projects)], per)
    frame["事業名"] = np.repeat([f"事業{p + 1}" for p in range(n_projects)], per)
    frame["事業年度"] = "2024"
    frame["府省庁"] = "デジタル庁"
    frame[KIND] = np.tile(kinds, n_projects)
    frame[NO] = np.tile(numbers, n_projects)
    frame[ROW] = np.tile(types, n_projects)
    frame["アウトカムの期間"] = np.tile(stages, n_projects)
    frame["アクティビティ／活動目標／成果目標"] = "目標"
    is_ind = frame[ROW] != ""
    frame.loc[is_ind, "活動指標／成果指標"] = "指標"
    frame.loc[is_ind, "単位"] = rng.choice(
        ["件", "万人", "百万円", "%", "団体"], size=int(is_ind.sum())
    )
    frame.loc[is_ind, "改善の上向き／下向き"] = "上向き"
    t = frame[ROW].to_numpy()
    frame.loc[t == "1.目標年度", "2025"] = "1"
    for y in range(2018, 2026):
        col = str(y)
        values = rng.integers(1, 10_000, size=n).astype(str)
        frame.loc[t == "2.目標値", col] = values[t == "2.目標値"]
        if y <= 2024:
            frame.loc[t == "3.実績値", col] = values[t == "3.実績値"]
            frame.loc[t == "4.達成率", col] = "95.5"
    frame.loc[t == "3.実績値", "2026"] = "-"
    p1 = folder / "3-1_RS_2024_効果発現経路_目標・実績.csv"
    frame.to_csv(p1, index=False, encoding="utf-8-sig")

    pairs = [
        (("1", "アクティビティ"), ("1", "アウトプット")),
        (("2", "アクティビティ"), ("2", "アウトプット")),
        (("1", "アウトプット"), ("1", "アウトカム")),
        (("2", "アウトプット"), ("1", "アウトカム")),
        (("3", "アウトプット"), ("2", "アウトカム")),
        (("1", "アウトカム"), ("2", "アウトカム")),
        (("2", "アウトカム"), ("3", "アウトカム")),
    ]
    m = n_projects * len(pairs)
    edges = pd.DataFrame({c: np.full(m, "", dtype=object) for c in RS_3_2_COLUMNS})
    edges["予算事業ID"] = np.repeat([str(p + 1) for p in range(n_projects)], len(pairs))
    edges[RS_3_2_COLUMNS[13]] = np.tile([a[0] for a, _ in pairs], n_projects)
    edges[RS_3_2_COLUMNS[14]] = np.tile([a[1] for a, _ in pairs], n_projects)
    edges[RS_3_2_COLUMNS[18]] = np.tile([b[0] for _, b in pairs], n_projects)
    edges[RS_3_2_COLUMNS[19]] = np.tile([b[1] for _, b in pairs], n_projects)
    edges["後続アウトカムへのつながり"] = "理由"
    p2 = folder / "3-2_RS_2024_効果発現経路_目標のつながり.csv"
    edges.to_csv(p2, index=False, encoding="utf-8-sig")
    return p1, p2


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 130_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    t_ref: list[float] = []
    t_rs: list[float] = []
    cpu_ref: list[float] = []
    cpu_rs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        p1, p2 = synthetic(rows, Path(tmp))
        for _ in range(repeat):  # interleaved, so both see the same machine load
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            ref = pd.read_csv(p1, dtype=str)
            t_ref.append(time.perf_counter() - t0)
            cpu_ref.append(time.process_time() - c0)
            del ref
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            data = read_rs(p1, p2)
            t_rs.append(time.perf_counter() - t0)
            cpu_rs.append(time.process_time() - c0)
        n_rows = sum(1 for _ in p1.open(encoding="utf-8-sig")) - 1
    n_obs = sum(len(d.observations) for d in data.values() if d.observations is not None)
    print(f"3-1 rows: {n_rows:,}; projects: {len(data):,}; observations: {n_obs:,}")
    print("pd.read_csv(dtype=str): " + ", ".join(f"{t:.2f}" for t in t_ref) + " s")
    print(
        "read_rs (all projects):  "
        + ", ".join(f"{t:.2f}" for t in t_rs)
        + " s  (the first run also builds the pint registry once)"
    )
    print(
        f"ratio: best {min(t_rs) / min(t_ref):.2f}x, "
        f"first run {t_rs[0] / t_ref[0]:.2f}x, "
        f"median of runs {np.median(np.array(t_rs) / np.array(t_ref)):.2f}x"
    )
    # CPU time is steadier than wall time when other processes share the cores
    print(
        f"CPU-time ratio: best {min(cpu_rs) / min(cpu_ref):.2f}x "
        f"(read_csv {min(cpu_ref):.2f} s, read_rs {min(cpu_rs):.2f} s)"
    )


if __name__ == "__main__":
    main()
