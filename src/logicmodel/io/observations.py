"""Read observation files (CSV, Parquet, Excel) with codes kept as text: ``lm.read_observations``.

Every column is read as text, so organisation codes keep their leading zeros (``01100`` stays
``01100``). The ``value`` column is left as the file has it — text in CSV, the cell's number in
Excel, the column's type in Parquet — because the intake (:func:`logicmodel.evaluation`,
:func:`logicmodel.check`) parses numbers once per distinct text and reports those that are not
numbers (LM303) with their line numbers; ``1,234`` and full-width digits are numbers there.

A ``source_row`` column holds the line (CSV) or worksheet row (Excel) of each record, the header
being line 1, so every LM3xx issue points at the line to fix. Parquet has no lines: its
``source_row`` is the record number plus 1 (as if the header were line 1).

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "obs.csv"
>>> _ = path.write_bytes("indicator,org,period,value\\nn,01100,令和6年度,12\\n".encode("cp932"))
>>> read_observations(path)
  indicator    org  period value  source_row
0         n  01100  令和6年度    12           2
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, short_repr
from logicmodel.intake.columns import standard_columns
from logicmodel.intake.messages import missing_required
from logicmodel.io.files import read_bytes, regular_file

__all__ = ["read_observations"]

_CSV = (".csv", ".txt", ".tsv")
_PARQUET = (".parquet", ".pq")
_EXCEL = (".xlsx", ".xlsm")
_REQUIRED = ("indicator", "period", "value")
_CODE_COLUMNS = ("org",)


def read_observations(
    path: str | os.PathLike[str], *, sheet: str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read observations from a CSV, Parquet or Excel file, every code as text.

    Parameters
    ----------
    path
        ``.csv``, ``.txt`` (comma) or ``.tsv`` (tab); ``.parquet``, ``.pq``; ``.xlsx``, ``.xlsm``.
    sheet
        Excel only: the worksheet name. Default: the sheet named ``observations`` (the library's
        own workbook; also ``実績値``), else the first sheet whose header names ``indicator``,
        ``period`` and ``value`` (Japanese headers such as 指標ID, 期間, 値 count), else the
        first sheet.
    encoding
        CSV only: the text encoding. Default: UTF-8 (with or without BOM), else cp932
        (Shift_JIS as Windows writes it) when the bytes are not UTF-8.

    Returns
    -------
    pandas.DataFrame
        The file's columns (names as in the file; the intake understands Japanese headers
        such as 指標, 期間, 値, 団体コード) and ``source_row``.

    Raises
    ------
    FormatError
        With the path and, where it applies, sheet, row and column: the file does not exist, is
        empty, is not text in the encoding, is not a table of its kind, lacks a required column
        (``indicator``, ``period``, ``value``; the message names the columns found), or holds an
        organisation code as a number (leading zeros lost).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "obs.csv"
    >>> _ = path.write_text("indicator,when,value\\nn,2024,1\\n", encoding="utf-8")
    >>> read_observations(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: ...: missing required column(s) period; columns found: ...
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if file.is_dir():
        raise FormatError("is a folder, not a file", path=file)
    if suffix not in (*_CSV, *_PARQUET, *_EXCEL):
        raise FormatError(
            f"unknown file type {suffix or '(no suffix)'!r}; use .csv, .tsv, .parquet or .xlsx",
            path=file,
        )
    regular_file(file)  # a FIFO, a device or a link loop is refused before it is opened
    try:
        if suffix in _CSV:
            frame = _read_csv(file, encoding, "\t" if suffix == ".tsv" else ",")
        elif suffix in _PARQUET:
            frame = _read_parquet(file)
        else:
            frame = _read_excel(file, sheet)
        _check_columns(frame, file, sheet)
    except FormatError as err:
        if err.path is not None:
            raise
        raise FormatError(
            err.message, path=file, sheet=err.sheet or sheet, row=err.row, column=err.column
        ) from None
    return frame


def _check_names(names: list[Any], file: Path, sheet: str | None = None) -> None:
    """Header names: none longer than ``header_chars``, none given twice (data would be lost)."""
    most = limits.current().header_chars
    seen: dict[str, int] = {}
    for k, name in enumerate(names):
        text = str(name)
        if len(text) > most:
            raise LimitError(
                f"column header {short_repr(text, 40)} is {len(text):,} characters long",
                limit="header_chars",
                value=most,
                path=file,
                sheet=sheet,
                row=1,
                column=_column_letter(k),
            )
        if text in seen:
            raise FormatError(
                f"column {short_repr(text, 40)} appears twice (columns {_column_letter(seen[text])} "
                f"and {_column_letter(k)}); keep one, or the other's values would be lost",
                path=file,
                sheet=sheet,
                row=1,
                column=_column_letter(k),
            )
        seen[text] = k


def _check_columns(frame: pd.DataFrame, file: Path, sheet: str | None) -> None:
    names = [c for c in frame.columns if c != "source_row"]
    _check_names(names, file, sheet)
    cols = standard_columns(names)
    missing = [c for c in _REQUIRED if c not in cols]
    if missing:
        shown = [short_repr(str(c), 40) for c in names[:20]]
        more = f" and {len(names) - 20:,} more" if len(names) > 20 else ""
        found = (", ".join(shown) + more) or "none"
        raise FormatError(
            f"{missing_required(missing)[0]}; columns found: {found}",
            path=file,
            sheet=sheet,
            row=1,
        )


# -- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes, file: Path, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return data.decode(encoding)
        except LookupError:
            raise FormatError(f"unknown encoding {encoding!r}", path=file) from None
        except UnicodeDecodeError as err:
            raise FormatError(
                f"bytes {data[err.start : err.start + 4]!r} are not {encoding} text",
                path=file,
                row=data.count(b"\n", 0, err.start) + 1,
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        first = err
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise FormatError(
            f"not UTF-8 or Shift_JIS (cp932) text: bytes {data[first.start : first.start + 4]!r}; "
            "save the file as UTF-8 CSV or pass encoding=",
            path=file,
            row=data.count(b"\n", 0, first.start) + 1,
        ) from None


def _read_csv(file: Path, encoding: str | None, sep: str, *, engine: str = "auto") -> pd.DataFrame:
    data = read_bytes(file)
    if b"\x00" in data[:8192] and encoding is None:
        raise FormatError("not a CSV file: it holds binary data", path=file)
    text = _decode(data, file, encoding)
    if not text.strip():
        raise FormatError("empty file: no header line", path=file)
    frame = _read_csv_arrow(text, sep, file) if engine == "auto" else None
    if frame is None:
        frame = _read_csv_pandas(text, sep, file)
    # line of each record: header is line 1; quoted cells may span lines
    n = len(frame)
    lines = np.arange(2, n + 2, dtype=np.int64)
    if n and text.rstrip("\r\n").count("\n") > n:
        extra = np.zeros(n, dtype=np.int64)
        for col in frame.columns:
            extra += frame[col].str.count("\n").fillna(0).to_numpy(dtype=np.int64)
        lines += np.concatenate([[0], np.cumsum(extra)[:-1]])
    frame = frame.assign(source_row=lines)
    blank = frame.drop(columns="source_row").isna().all(axis=1).to_numpy()
    return frame.loc[~blank].reset_index(drop=True)


def _read_csv_arrow(text: str, sep: str, file: Path) -> pd.DataFrame | None:
    """The table read by Arrow's multi-threaded CSV reader, every column as text and only empty
    cells missing; ``None`` (read it with pandas) when pyarrow is not installed or the text is
    not a plain rectangular table (ragged or blank lines, repeated header names), so that pandas
    gives the same table or its own error with the line."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow comes with the parquet extra
        return None
    data = text.encode("utf-8")
    parse = pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False)
    try:
        with pacsv.open_csv(io.BytesIO(data), parse_options=parse) as reader:
            names = reader.schema.names
        _check_names(list(names), file)
        if any(not name for name in names):
            return None
        table = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=parse,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        if "columns, got" in str(err):
            _ragged(text, sep, file)
        return None
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _ragged(text: str, sep: str, file: Path) -> None:
    """Raise for a repeated header or the first record whose number of fields differs from the
    header's. Called once Arrow has found such a record, or when pandas reads the file instead of
    Arrow (blank header names), so this per-line pass never runs on plain tables."""
    import csv

    reader = csv.reader(io.StringIO(text), delimiter=sep)
    width: int | None = None
    for record in reader:
        if width is None:
            width = len(record)
            _check_names([name for name in record if name], file)
            continue
        if record and len(record) != width:
            raise FormatError(
                f"not a CSV table: line {reader.line_num} has {len(record)} fields but the header "
                f"has {width}; "
                "a value would be lost or shifted into the wrong column",
                path=file,
                row=reader.line_num,
            )


def _read_csv_pandas(text: str, sep: str, file: Path) -> pd.DataFrame:
    _ragged(text, sep, file)  # pandas would fill short records and rename repeated headers
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as err:
        match = re.search(r"line (\d+)", str(err))
        raise FormatError(
            f"not a CSV table: {err}", path=file, row=int(match.group(1)) if match else None
        ) from None
    except pd.errors.EmptyDataError:
        raise FormatError("empty file: no header line", path=file) from None
    return frame


# -- Parquet ------------------------------------------------------------------------------------


def _read_parquet(file: Path) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - pyarrow is installed with the parquet extra
        raise ImportError(
            "reading Parquet needs pyarrow: pip install 'logicmodel[parquet]'"
        ) from err
    import pyarrow as pa

    try:
        table = pq.read_table(file)
    except (pa.ArrowException, OSError) as err:
        raise FormatError(f"not a Parquet file: {short_repr(str(err), 200)}", path=file) from None
    if table.num_columns == 0:
        raise FormatError("empty file: no columns", path=file)
    _check_names(list(table.column_names), file)
    for name in table.column_names:
        kind = table.column(name).type
        if pa.types.is_nested(kind) or (
            pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type)
        ):
            raise FormatError(
                f"column holds {kind} values; each cell must be one number, text or date",
                path=file,
                column=str(name),
            )
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            try:
                table = table.set_column(
                    table.column_names.index(name), name, table.column(name).cast(pa.string())
                )
            except pa.ArrowInvalid:
                raise FormatError(
                    "column holds bytes that are not UTF-8 text", path=file, column=str(name)
                ) from None
    cols = standard_columns(table.column_names)
    out: dict[str, Any] = {}
    for name in table.column_names:
        column = table.column(name)
        kind = column.type
        if name == cols.get("value"):
            out[name] = column.to_pandas()
        elif name in (cols.get(c) for c in _CODE_COLUMNS) and (
            pa.types.is_integer(kind) or pa.types.is_floating(kind)
        ):
            raise FormatError(
                "organisation codes are stored as numbers, so leading zeros are lost (01100 became "
                "1100); write the column as text (string)",
                path=file,
                column=str(name),
            )
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            days = column.to_pandas().to_numpy(dtype="datetime64[D]")
            text = np.datetime_as_string(days, unit="D").astype(object)
            text[np.isnat(days)] = None
            out[name] = pd.Series(text, dtype="str")
        else:
            series = column.to_pandas()
            if pa.types.is_floating(kind):
                # 2024.0 → "2024"
                values = series.to_numpy(dtype="float64")
                whole = np.isfinite(values) & (values == np.round(values))
                series = pd.Series(
                    np.where(
                        whole, values.astype("int64", copy=False).astype(str), values.astype(str)
                    ),
                    dtype="str",
                ).where(~np.isnan(values))
            out[name] = series.astype("str").where(series.notna())
    frame = pd.DataFrame(out)
    return frame.assign(source_row=np.arange(2, len(frame) + 2, dtype=np.int64))


# -- Excel --------------------------------------------------------------------------------------


def _column_letter(k: int) -> str:
    letters = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _cell_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


_SHEET_NAMES = ("observations", "実績値", "実績", "観測値")
"""Sheet names that hold observations (the library's own workbook calls it ``observations``)."""


def _observation_sheet(book: Any) -> Any:
    """The sheet of a workbook that holds observations: one named so (:data:`_SHEET_NAMES`), else
    the first whose header row names ``indicator``, ``period`` and ``value``, else the first."""
    by_name = {str(n).strip().casefold(): n for n in book.sheetnames}
    for name in _SHEET_NAMES:
        if name in by_name:
            return book[by_name[name]]
    for ws in book.worksheets:
        header = next(ws.iter_rows(max_row=1, values_only=True), ())
        cols = standard_columns([v for v in header if v is not None])
        if all(c in cols for c in _REQUIRED):
            return ws
    return book.worksheets[0]


def _read_excel(file: Path, sheet: str | None) -> pd.DataFrame:
    try:
        import openpyxl
    except ImportError as err:  # pragma: no cover - openpyxl is installed with the excel extra
        raise ImportError("reading Excel needs openpyxl: pip install 'logicmodel[excel]'") from err
    import zipfile

    from logicmodel.io.workbook_guard import check_grid, check_workbook

    check_workbook(
        file, not_a_workbook="not an Excel workbook (.xlsx)"
    )  # used range, zip bomb, formulas without values, before openpyxl
    damaged = (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        SyntaxError,
        IndexError,
        TypeError,
    )
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except damaged as err:
        raise FormatError(
            f"not an Excel workbook (.xlsx): {short_repr(str(err), 200)}", path=file
        ) from None
    try:
        if sheet is None:
            ws = _observation_sheet(book)
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            names = ", ".join(repr(s) for s in book.sheetnames)
            raise FormatError(f"no sheet {sheet!r}; sheets: {names}", path=file)
        title = ws.title
        check_grid(ws.max_row, ws.max_column, path=file, sheet=title)
        try:
            rows = list(ws.iter_rows(values_only=True))
        except damaged as err:
            raise FormatError(
                f"damaged sheet: {short_repr(str(err), 200)}", path=file, sheet=title
            ) from None
    finally:
        book.close()
    if not rows or all(v is None for v in rows[0]):
        raise FormatError("empty sheet: no header row", path=file, sheet=title, row=1)
    header = [
        str(v).strip() if v is not None else f"column_{_column_letter(k)}"
        for k, v in enumerate(rows[0])
    ]
    cols = standard_columns(header)
    value_k = header.index(cols["value"]) if "value" in cols else -1
    code_k = {header.index(cols[c]) for c in _CODE_COLUMNS if c in cols}
    body = rows[1:]
    width = len(header)
    out: list[list[Any]] = []
    lines: list[int] = []
    for r, raw in enumerate(body, start=2):
        cells = list(raw[:width]) + [None] * (width - len(raw))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        row: list[Any] = []
        for k, cell in enumerate(cells):
            if k == value_k:
                row.append(
                    cell
                    if isinstance(cell, int | float) and not isinstance(cell, bool)
                    else _cell_text(cell)
                )
            elif k in code_k and isinstance(cell, int | float) and not isinstance(cell, bool):
                raise FormatError(
                    f"organisation code {cell!r} is a number, so leading zeros are lost; "
                    "format the column as text (文字列) and type the code again",
                    path=file,
                    sheet=title,
                    row=r,
                    column=_column_letter(k),
                )
            else:
                row.append(_cell_text(cell))
        out.append(row)
        lines.append(r)
    frame = pd.DataFrame(out, columns=header, dtype=object)
    for k, name in enumerate(header):
        if k != value_k:
            frame[name] = frame[name].astype("str").where(frame[name].notna())
    return frame.assign(source_row=np.array(lines, dtype=np.int64))
