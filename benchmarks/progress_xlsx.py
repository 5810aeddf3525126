"""Writing a Progress to Excel (issue 12): ``logicmodel evaluate -o progress.xlsx``.

The window-dx model with every observation repeated for N organisations (default 253, which gives
3,302 indicator rows and ~71,000 history rows, more than the 45,000 of the issue), evaluated once;
then the six tables written

- the way the CLI wrote them before issue 12 (pandas ``DataFrame.to_excel`` through openpyxl's
  normal mode, a visible ``'`` before formula-like text), as the reference;
- with openpyxl's write-only mode (a cell per value, streamed);
- with XlsxWriter's ``constant_memory`` mode, when it is installed (not a dependency);
- by :func:`logicmodel.io.progress.progress_to_excel`, which writes the sheet XML column by column
  (:mod:`logicmodel.io.xlsx`).

Each is timed (best of ``--repeat``, the reference once); the ratios are against the reference of
the same run. Peak traced memory is measured in a separate run of each (tracemalloc slows Python
code several times). Run: ``python benchmarks/progress_xlsx.py [--orgs 253] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import logicmodel as lm
from logicmodel.io.files import FORMULA_PREFIXES, neutralise
from logicmodel.io.progress import progress_tables, progress_to_excel

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "logicmodel" / "examples" / "window-dx"


def observations(n_orgs: int) -> pd.DataFrame:
    base = pd.read_csv(EXAMPLE / "observations.csv", dtype=str)
    rng = np.random.default_rng(0)
    parts = []
    for k in range(n_orgs):
        part = base.assign(org=f"{k:05d}")
        noise = rng.uniform(0.8, 1.2, len(part))
        parts.append(part.assign(value=(part["value"].astype(float) * noise).round(1)))
    return pd.concat(parts, ignore_index=True)


def before(progress: lm.Progress, path: Path) -> None:
    """The CLI's writer before issue 12 (pandas + openpyxl normal mode)."""
    tables = progress_tables(progress)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            safe = frame.copy()
            for col in safe.columns:
                if safe[col].dtype == object or str(safe[col].dtype) in (
                    "str",
                    "string",
                    "category",
                ):
                    safe[col] = [neutralise(v) for v in safe[col].astype(object).tolist()]
            safe.to_excel(writer, sheet_name=name, index=False)


def write_only_openpyxl(progress: lm.Progress, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, frame in progress_tables(progress).items():
        ws = book.create_sheet(name)
        ws.append([str(c) for c in frame.columns])
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            cells: list[object] = list(row)
            for k, v in enumerate(cells):
                if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.quotePrefix = True
                    cells[k] = cell
            ws.append(cells)
    book.save(path)


def constant_memory_xlsxwriter(progress: lm.Progress, path: Path) -> None:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "nan_inf_to_errors": True}
    book = xlsxwriter.Workbook(str(path), options)
    quoted = book.add_format({"quote_prefix": True})
    for name, frame in progress_tables(progress).items():
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, [str(c) for c in frame.columns])
        rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False)
        for r, row in enumerate(rows, start=1):
            for k, v in enumerate(row):
                if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                    ws.write_string(r, k, v, quoted)
                elif isinstance(v, pd.Timestamp):
                    ws.write_datetime(r, k, v.to_pydatetime())
                elif v is not None:
                    ws.write(r, k, v)
    book.close()


def timed(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=253)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="also trace peak memory (slow)")
    args = parser.parse_args()
    model = lm.load(EXAMPLE / "model.yaml")
    progress = lm.evaluate(model, observations(args.orgs))
    _ = progress.history
    print(
        f"{len(progress.indicators):,} indicator rows, {len(progress.history):,} history rows, "
        f"{len(progress.nodes):,} node rows"
    )
    out = Path(tempfile.mkdtemp())
    writers: dict[str, Callable[[lm.Progress, Path], object]] = {
        "before: pandas + openpyxl": before,
        "openpyxl write-only": write_only_openpyxl,
    }
    try:
        import xlsxwriter  # noqa: F401

        writers["xlsxwriter constant_memory"] = constant_memory_xlsxwriter
    except ImportError:
        print("(xlsxwriter is not installed: not measured)")
    writers["progress_to_excel (column-wise)"] = progress_to_excel
    ref = None
    for label, writer in writers.items():
        path = out / "p.xlsx"
        repeat = 1 if ref is None else args.repeat
        secs = timed(lambda w=writer, p=path: w(progress, p), repeat)
        back = pd.read_excel(path, sheet_name="indicators", engine="openpyxl")
        assert len(back) == len(progress.indicators)
        ref = secs if ref is None else ref
        print(f"{label:34s} {secs:7.2f} s  {secs / ref:5.2f}x", end="", flush=True)
        if args.memory:
            print(f"  peak {peak_mib(lambda w=writer, p=path: w(progress, p)):6.0f} MiB", end="")
        print()


if __name__ == "__main__":
    main()
