"""Write the tables of a :class:`~logicmodel.Progress`: Excel (every table, one sheet each), CSV and
Parquet (one table). ``Progress.to_excel``/``to_csv``/``to_parquet`` and ``logicmodel evaluate -o``
call these.

Excel files are written column by column by :func:`logicmodel.io.xlsx.write_tables` (no cell
object per value: ~1.3 s for 70,000 history rows where openpyxl took 17 s, see
``benchmarks/progress_xlsx.py``). Text that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@`` …) is stored as text with Excel's quote-prefix style (shown without an apostrophe,
never run), as :func:`logicmodel.io.write_excel` does. Every file is written atomically.

Examples
--------
>>> import pathlib, tempfile, pandas as pd, logicmodel as lm
>>> from logicmodel.testing import sample_model
>>> obs = pd.DataFrame({"indicator": ["adopted_n"], "period": ["FY2024"], "value": [300]})
>>> progress = lm.evaluate(sample_model(), obs)
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> progress_to_excel(progress, out / "progress.xlsx").name
'progress.xlsx'
>>> pd.read_csv(progress_to_csv(progress, out / "p.csv"))["indicator"].tolist()[:2]
['orgs_n', 'adopted_n']
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from logicmodel.errors import FormatError
from logicmodel.io.files import atomic_path
from logicmodel.io.xlsx import write_tables

if TYPE_CHECKING:
    from logicmodel.evaluation import Progress

__all__ = [
    "PROGRESS_TABLES",
    "progress_tables",
    "progress_to_csv",
    "progress_to_excel",
    "progress_to_parquet",
    "write_progress",
]

PROGRESS_TABLES = ("indicators", "nodes", "history", "children", "milestones", "findings")
"""The tables of a Progress, in the order of the workbook's sheets."""


def progress_tables(progress: Progress) -> dict[str, pd.DataFrame]:
    """The tables of ``progress`` by name (:data:`PROGRESS_TABLES`); findings' ``evidence``
    (a dict per row) as JSON text."""
    tables = {name: getattr(progress, name) for name in PROGRESS_TABLES}
    findings = tables["findings"]
    if "evidence" in findings.columns:
        text = [json.dumps(e, ensure_ascii=False, default=str) for e in findings["evidence"]]
        tables["findings"] = findings.assign(evidence=text)
    return tables


def _table(progress: Progress, table: str) -> pd.DataFrame:
    if table not in PROGRESS_TABLES:
        raise FormatError(f"no table {table!r}; tables: {', '.join(PROGRESS_TABLES)}")
    return progress_tables(progress)[table]


def progress_to_excel(
    progress: Progress,
    path: str | os.PathLike[str],
    *,
    tables: Sequence[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the tables of ``progress`` as one workbook, a sheet per table, atomically.

    Parameters
    ----------
    progress
        The result of :func:`logicmodel.evaluate`.
    path
        The ``.xlsx`` file.
    tables
        Which tables (default all of :data:`PROGRESS_TABLES`).
    overwrite
        Replace a read-only file at ``path`` (a :class:`~logicmodel.WriteError` otherwise).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FormatError
        An unknown table, or a table longer than an Excel sheet (1,048,575 rows).
    """
    chosen = list(PROGRESS_TABLES if tables is None else tables)
    unknown = [name for name in chosen if name not in PROGRESS_TABLES]
    if unknown:
        raise FormatError(f"no table {unknown[0]!r}; tables: {', '.join(PROGRESS_TABLES)}")
    every = progress_tables(progress)
    return write_tables(path, {name: every[name] for name in chosen}, overwrite=overwrite)


def progress_to_csv(
    progress: Progress,
    path: str | os.PathLike[str],
    *,
    table: str = "indicators",
    overwrite: bool = False,
) -> Path:
    """Write one table of ``progress`` (default ``indicators``) as UTF-8 CSV with a BOM (Excel
    opens it with the right encoding); text that looks like a formula is neutralised."""
    from logicmodel.io.frames import to_csv

    frame = _table(progress, table)
    to_csv(frame, path, bom=True, overwrite=overwrite)
    return Path(path)


def progress_to_parquet(
    progress: Progress,
    path: str | os.PathLike[str],
    *,
    table: str = "indicators",
    overwrite: bool = False,
) -> Path:
    """Write one table of ``progress`` (default ``indicators``) as Parquet, atomically."""
    frame = _table(progress, table)
    categories = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    target = Path(path)
    with atomic_path(target, overwrite=overwrite) as tmp:
        frame.astype(categories).to_parquet(tmp, index=False)
    return target


def write_progress(
    progress: Progress, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write ``progress`` by the file's suffix: ``.xlsx`` (every table), ``.csv`` or ``.parquet``
    (the indicators table)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return progress_to_excel(progress, path, overwrite=overwrite)
    if suffix == ".csv":
        return progress_to_csv(progress, path, overwrite=overwrite)
    if suffix in (".parquet", ".pq"):
        return progress_to_parquet(progress, path, overwrite=overwrite)
    raise FormatError(f"write progress to .xlsx, .csv or .parquet, not {Path(path).name!r}")
