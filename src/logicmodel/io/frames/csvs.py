"""A model as a folder of CSV files (``write_csvs``, ``read_csvs``); one table as CSV text."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pandas as pd

from logicmodel import limits
from logicmodel.errors import (
    FormatError,
    LimitError,
    WriteError,
    short_repr,
)
from logicmodel.io.files import (
    FORMULA_PREFIXES,
    atomic_write,
    read_bytes,
    staged_directory,
)
from logicmodel.io.frames.build import build_model
from logicmodel.io.frames.columns import TABLES
from logicmodel.io.frames.convert import TableError, _drop_empty, _frame_tables, to_frames
from logicmodel.model import LogicModel

# -- CSV ---------------------------------------------------------------------------------


def _neutralise_column(s: pd.Series) -> pd.Series:
    """Prefix ``'`` to text a spreadsheet would run as a formula (or already so prefixed)."""
    if (
        pd.api.types.is_numeric_dtype(s)
        or pd.api.types.is_bool_dtype(s)
        or pd.api.types.is_datetime64_any_dtype(s)
    ):
        return s
    is_text = s.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).astype(bool)
    if not is_text.any():
        return s
    text = s[is_text].astype(str)
    risky = text.str.lstrip("'").str.startswith(FORMULA_PREFIXES)
    if not risky.any():
        return s
    out = s.astype(object).copy()
    idx = text.index[risky.to_numpy()]
    out.loc[idx] = "'" + text.loc[idx]
    return out


def _restore_column(s: pd.Series) -> pd.Series:
    """Undo :func:`_neutralise_column` on text read back from CSV."""
    text = s.astype(str)
    mask = (
        s.notna() & text.str.startswith("'") & text.str.lstrip("'").str.startswith(FORMULA_PREFIXES)
    )
    if not mask.any():
        return s
    out = s.copy()
    out[mask] = text[mask].str.slice(1)
    return out


def to_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    bom: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write ``frame`` as UTF-8 CSV atomically, with spreadsheet formulas neutralised.

    Text cells starting with ``= + - @``, tab or CR get a leading ``'`` so that Excel or
    LibreOffice shows them as text instead of running them (OWASP CSV injection); numbers are left
    as numbers. Text that already starts with ``'`` followed by such a character gets one more
    ``'``, so :func:`read_csvs` can undo the prefix exactly. Lines end with CRLF (RFC 4180), and
    every field holding a line break is quoted. ``bom=True`` writes a UTF-8 byte-order
    mark, which Excel on Windows needs to open Japanese text correctly. The index is not written.
    The file is written as :func:`logicmodel.io.atomic.atomic_write` does (``overwrite=True``
    replaces a read-only file; a failure raises :class:`~logicmodel.WriteError`).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = to_csv(pd.DataFrame({"a": ["=1+1", "窓口"], "b": [-3, 4]}), p)
    >>> print(p.read_text(encoding="utf-8"), end="")  # lines end in CRLF (RFC 4180)
    a,b
    '=1+1,-3
    窓口,4
    """
    if not isinstance(frame, pd.DataFrame):
        raise FormatError(f"to_csv needs a pandas DataFrame, got {type(frame).__name__}", path=path)
    safe = pd.DataFrame(
        {k: _neutralise_column(frame.iloc[:, k]) for k in range(frame.shape[1])}, index=frame.index
    )
    safe.columns = [_neutralise_text(str(c)) for c in frame.columns]
    # CRLF line ends (RFC 4180): Python's csv module then quotes every field holding CR or LF
    text = safe.to_csv(index=False, lineterminator="\r\n")
    atomic_write(path, text.encode("utf-8-sig" if bom else "utf-8"), overwrite=overwrite)
    return Path(path)


def _neutralise_text(text: str) -> str:
    return "'" + text if text.lstrip("'").startswith(FORMULA_PREFIXES) else text


def write_csvs(
    model: LogicModel, folder: str | os.PathLike[str], *, bom: bool = False, overwrite: bool = False
) -> Path:
    """Write the tables of :func:`to_frames` as ``<table>.csv`` files into ``folder``.

    The folder is created when missing (its parent must exist). The files are written into a
    temporary folder first and moved into ``folder`` only when all are written
    (:func:`logicmodel.io.atomic.staged_directory`): a failure leaves nothing behind, and other
    files already in ``folder`` are left alone.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from logicmodel.model import LogicModel, Activity
    >>> m = LogicModel(id="m", title="=危険な名前", nodes=[Activity(id="a", label="-3")])
    >>> folder = write_csvs(m, pathlib.Path(tempfile.mkdtemp()) / "m")
    >>> sorted(p.name for p in folder.iterdir())
    ['indicators.csv', 'links.csv', 'milestones.csv', 'model.csv', 'nodes.csv', 'targets.csv']
    >>> read_csvs(folder) == m
    True
    """
    target = Path(folder)
    if not target.parent.is_dir():
        raise WriteError(
            target, f"folder {str(target.parent)!r} does not exist", errno=errno.ENOENT
        )
    frames = to_frames(model)
    with staged_directory(target, overwrite=overwrite) as stage:
        for name, frame in frames.items():
            to_csv(frame, stage / f"{name}.csv", bom=bom)
    return target


def _table_text(p: Path) -> str:
    """The text of one model table CSV: a regular file within the limits, every record as wide
    as the header, no header repeated or longer than ``header_chars``."""
    import csv

    text = read_bytes(p).decode("utf-8-sig")
    most = limits.current().header_chars
    reader = csv.reader(io.StringIO(text))
    width: int | None = None
    for record in reader:
        if width is None:
            width = len(record)
            seen: set[str] = set()
            for k, head in enumerate(record):
                if len(head) > most:
                    raise LimitError(
                        f"column header {short_repr(head, 40)} is {len(head):,} characters long",
                        limit="header_chars",
                        value=most,
                        path=p,
                        row=1,
                        column=str(k + 1),
                    )
                if head in seen:
                    raise FormatError(
                        f"column {short_repr(head, 40)} appears twice; keep one", path=p, row=1
                    )
                seen.add(head)
            continue
        if record and len(record) != width:
            raise FormatError(
                f"line {reader.line_num} has {len(record)} fields but the header has {width}",
                path=p,
                row=reader.line_num,
            )
    return text


def read_csvs(folder: str | os.PathLike[str]) -> LogicModel:
    """Read a model from a folder of ``<table>.csv`` files (as written by :func:`write_csvs`).

    ``model.csv`` is required; the other tables are optional. Files are UTF-8 with or without a
    byte-order mark; every cell is read as text (codes keep their leading zeros), and the ``'``
    that :func:`to_csv` puts before formula-like text is removed again.

    Raises
    ------
    FormatError
        The folder or ``model.csv`` is missing, a file is not UTF-8 CSV, or a cell cannot be read;
        the error names the file, the row as a spreadsheet shows it (the header is row 1) and the
        column.
    """
    base = Path(folder)
    if not base.is_dir():
        raise FormatError("folder not found", path=base)
    frames: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        p = base / f"{name}.csv"
        if not p.exists() and not p.is_symlink():
            continue
        try:
            text = _table_text(p)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
        except UnicodeDecodeError as err:
            raise FormatError(
                f"not UTF-8 text (byte {err.start}): save the file as UTF-8 CSV", path=p
            ) from None
        except pd.errors.EmptyDataError:
            raise FormatError("the file is empty: it needs at least a header row", path=p) from None
        except (pd.errors.ParserError, ValueError) as err:
            raise FormatError(
                f"not a readable CSV file: {short_repr(str(err), 200)}", path=p
            ) from None
        restored = pd.DataFrame(
            {k: _restore_column(frame.iloc[:, k]) for k in range(frame.shape[1])}
        )
        restored.columns = [_restore_header(str(c)) for c in frame.columns]
        frames[name] = restored
    if "model" not in frames:
        raise FormatError("model.csv is missing (one row with id and title)", path=base)

    def make_error(message: str, table: str, row: int | None, column: str | None) -> FormatError:
        return TableError(
            message, path=base / f"{table}.csv", row=None if row is None else row + 2, column=column
        )

    raw, kept = _drop_empty(_frame_tables(frames, make_error))

    def locate(table: str, pos: int, key: str | None, message: str) -> FormatError:
        rows = kept.get(table, [])
        return make_error(message, table, rows[pos] if pos < len(rows) else pos, key)

    return build_model(raw, locate)


def _restore_header(text: str) -> str:
    return (
        text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES) else text
    )
