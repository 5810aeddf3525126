"""Reading a filled-in workbook back: sheets found by English or Japanese name, headers matched,
cells checked, the model built and the observations parsed (``read_excel``)."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, PeriodError, UnitError, short_repr
from logicmodel.intake.values import canonical_kind, parse_numbers
from logicmodel.io.data import ModelData
from logicmodel.io.excel.common import _LISTS, _openpyxl
from logicmodel.io.frames import (
    OBSERVATION_TABLE,
    TABLE_JA,
    TABLES,
    Column,
    RawTable,
    _blank,
    _is_number,
    _num_text,
    build_model,
    header_lookup,
    match_header,
    normalise_header,
    serial_to_date,
)
from logicmodel.io.workbook_guard import check_grid, check_workbook

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def _sheet_key(title: str) -> str:
    return unicodedata.normalize("NFKC", title).strip().casefold().replace(" ", "")


def _sheet_map(wb: Workbook, path: Path) -> dict[str, Worksheet]:
    """Our table name → worksheet; sheets may be named in English, Japanese or both."""
    known: dict[str, str] = {}
    for name in (*TABLES, "observations"):
        for form in (name, TABLE_JA[name], f"{TABLE_JA[name]}({name})"):
            known[_sheet_key(form)] = name
    ignored = {_sheet_key(x) for x in ("readme", TABLE_JA["readme"], _LISTS)}
    out: dict[str, Worksheet] = {}
    for ws in wb.worksheets:
        key = _sheet_key(ws.title)
        if key in ignored:
            continue
        table = known.get(key)
        if table is None:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.8)
            if close:
                raise FormatError(
                    f"sheet {ws.title!r} is not a known sheet; did you mean {known[close[0]]!r}?",
                    path=path,
                    sheet=ws.title,
                )
            continue
        if table in out:
            raise FormatError(
                f"sheets {out[table].title!r} and {ws.title!r} are both the {table} sheet",
                path=path,
                sheet=ws.title,
            )
        out[table] = ws
    return out


def _merged_grid(
    ws: Worksheet, path: Path, merges: Iterable[tuple[int, int, int, int]]
) -> list[list[Any]]:
    """The sheet's values as rows, each merged range's top-left value copied down its first
    column (the sheet is streamed in read-only mode; merged ranges come from check_workbook)."""
    check_grid(ws.max_row, ws.max_column, path=path, sheet=ws.title)
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    for min_row, min_col, max_row, _ in sorted(merges):
        if min_row - 1 >= len(grid) or min_col - 1 >= len(grid[min_row - 1]):
            continue
        top_left = grid[min_row - 1][min_col - 1]
        for r in range(min_row + 1, min(max_row, len(grid)) + 1):
            if min_col - 1 < len(grid[r - 1]):
                grid[r - 1][min_col - 1] = top_left
    return grid


class _Sheet:
    """The cells of one sheet under its header row, merged cells filled in."""

    def __init__(
        self,
        ws: Worksheet,
        columns: Sequence[Column],
        path: Path,
        *,
        extra_ok: bool = False,
        merges: Iterable[tuple[int, int, int, int]] = (),
    ) -> None:
        self.ws = ws
        self.path = path
        self.letters: dict[str, str] = {}
        self.rows: list[dict[str, Any]] = []
        self.row_numbers: list[int] = []
        grid = _merged_grid(ws, path, merges)
        header_at = next((k for k, row in enumerate(grid) if any(not _blank(v) for v in row)), None)
        self.header_row = 1 if header_at is None else header_at + 1
        headers = [] if header_at is None else grid[header_at]
        keys = self._header_keys(headers, columns, extra_ok=extra_ok)
        self._check_required(headers, columns)
        for k in range((header_at or 0) + 1, len(grid) if header_at is not None else 0):
            self._add_record(grid[k], k + 1, keys)

    def _header_keys(
        self, headers: Sequence[Any], columns: Sequence[Column], *, extra_ok: bool
    ) -> list[str | None]:
        """The column key of each header cell (``None`` for a blank one); ``self.letters`` maps
        each key to its column letter."""
        from openpyxl.utils import get_column_letter

        lookup = header_lookup(columns)
        keys: list[str | None] = []
        for c, text in enumerate(headers):
            letter = get_column_letter(c + 1)
            if _blank(text):
                keys.append(None)
                continue
            if len(str(text)) > limits.current().header_chars:
                raise LimitError(
                    f"column header {short_repr(str(text), 40)} is {len(str(text)):,} characters",
                    limit="header_chars",
                    value=limits.current().header_chars,
                    path=self.path,
                    sheet=self.ws.title,
                    row=self.header_row,
                    column=letter,
                )
            key = match_header(text, lookup)
            if key is None:
                if not extra_ok:
                    raise self._unknown_header(text, columns, letter)
                key = str(text).strip()
            if key in self.letters:
                raise self.error(
                    f"column {key!r} appears twice (also in column {self.letters[key]})",
                    self.header_row,
                    letter,
                )
            self.letters[key] = letter
            keys.append(key)
        return keys

    def _unknown_header(self, text: Any, columns: Sequence[Column], letter: str) -> FormatError:
        names = [col.key for col in columns]
        close = difflib.get_close_matches(normalise_header(text), names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return self.error(
            f"unknown column header {short_repr(str(text).strip(), 60)}{hint}; the columns of "
            f"this sheet are {', '.join(col.header for col in columns)}",
            self.header_row,
            letter,
        )

    def _check_required(self, headers: Sequence[Any], columns: Sequence[Column]) -> None:
        from openpyxl.utils import get_column_letter

        missing = [col for col in columns if col.required and col.key not in self.letters]
        if missing:
            named = [short_repr(str(h).strip(), 40) for h in headers if not _blank(h)]
            more = f" and {len(named) - 20:,} more" if len(named) > 20 else ""
            found = (", ".join(named[:20]) + more) or "none"
            raise self.error(
                f"required column {missing[0].header!r} is missing (columns found: {found}); "
                "add it to the header row",
                self.header_row,
                get_column_letter(len(headers) + 1),
            )

    def _add_record(self, row: Sequence[Any], number: int, keys: list[str | None]) -> None:
        """The non-blank (stripped) cells of sheet row ``number`` by key, when there are any."""
        record: dict[str, Any] = {}
        for c, v in enumerate(row):
            key = keys[c] if c < len(keys) else None
            if isinstance(v, str):
                v = v.strip()  # noqa: PLW2901 - the stripped cell replaces the raw one
            if _blank(v):
                continue
            if key is None:
                from openpyxl.utils import get_column_letter

                raise self.error(
                    f"cell has a value ({v!r}) but its column has no header",
                    number,
                    get_column_letter(c + 1),
                )
            record[key] = v
        if record:
            self.rows.append(record)
            self.row_numbers.append(number)

    def error(self, message: str, row: int | None, column: str | None) -> FormatError:
        return FormatError(message, path=self.path, sheet=self.ws.title, row=row, column=column)

    def locate(self, pos: int, key: str | None, message: str) -> FormatError:
        row = self.row_numbers[pos] if pos < len(self.row_numbers) else self.header_row + 1
        column = self.letters.get(key or "") or "A"
        return self.error(message, row, column)


def read_excel(path: str | os.PathLike[str]) -> ModelData:
    """Read a model (and its observations) from an Excel workbook.

    Needs a ``model`` sheet; the other sheets are optional. Headers may be Japanese, English or
    both; merged cells take their top-left value (down the first column of the merge); empty rows
    are skipped; text is stripped; numbers typed as text (``"１，２３４"``) and Excel serial dates
    are understood.

    Returns
    -------
    ModelData
        The model, and the ``observations`` sheet as a DataFrame (``None`` when it has no rows) with
        columns ``indicator, org, period, value, unit, kind`` (those present), any extra columns,
        and
        ``source_row`` (the Excel row number). Codes are strings.

    Raises
    ------
    FormatError
        The file is not an .xlsx workbook, a sheet or column is missing, or a cell cannot be read;
        the message names the sheet, the row and the column letter (``indicators!E7: …``),
        including problems the model itself finds (unknown unit, duplicate id, unknown node …).
    """
    openpyxl = _openpyxl()
    p = Path(path)
    merges = check_workbook(p)  # regular file, zip, used range, formulas without values (issue 12)
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(p, data_only=True, read_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        SyntaxError,  # xml.etree.ElementTree.ParseError: a sheet XML that is not well-formed
        IndexError,
        AttributeError,
        EOFError,
    ) as err:
        hint = (
            " (old .xls files must be saved as .xlsx first)" if p.suffix.lower() == ".xls" else ""
        )
        raise FormatError(
            f"not an Excel .xlsx workbook{hint}: {type(err).__name__}", path=p
        ) from None
    try:
        sheets = _sheet_map(wb, p)
        if "model" not in sheets:
            found = ", ".join(repr(ws.title) for ws in wb.worksheets) or "none"
            raise FormatError(
                f"no 'model' sheet (モデル); sheets found: {found}. Start from "
                "`logicmodel template`",
                path=p,
            )
        read = {
            name: _Sheet(ws, TABLES[name], p, merges=merges.get(ws.title, ()))
            for name, ws in sheets.items()
            if name in TABLES
        }
        tables = {name: RawTable(name, s.rows) for name, s in read.items()}

        def locate(table: str, pos: int, key: str | None, message: str) -> FormatError:
            return read[table].locate(pos, key, message)

        model = build_model(tables, locate)
        observations = None
        if "observations" in sheets:
            observations = _observations(
                _Sheet(
                    sheets["observations"],
                    OBSERVATION_TABLE,
                    p,
                    extra_ok=True,
                    merges=merges.get(sheets["observations"].title, ()),
                )
            )
        return ModelData(model, observations)
    except (SyntaxError, zipfile.BadZipFile, EOFError) as err:
        # a sheet streamed in read-only mode that is not well-formed XML (ElementTree ParseError)
        raise FormatError(
            f"a sheet is damaged ({type(err).__name__}: {str(err)[:120]})", path=p
        ) from None
    finally:
        wb.close()


# -- observations ------------------------------------------------------------------------


def _obs_text(
    sheet: _Sheet, key: str, values: pd.Series, *, required: bool, nfkc: bool
) -> pd.Series:
    """A text column: stripped, NFKC-normalised when asked; numbers are not accepted."""
    kinds = values.map(type)
    blank = values.isna()
    if required and blank.any():
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        raise sheet.locate(pos, key, f"{key} is required but the cell is empty")
    numeric = ~blank & kinds.map(lambda t: t is not str)
    if numeric.any():
        pos = int(np.flatnonzero(numeric.to_numpy())[0])
        raise sheet.locate(pos, key, f"{key} {values.iloc[pos]!r} is not text: enter it as text")
    out = values.astype("str")
    if nfkc:
        out = out.str.normalize("NFKC")
    return out.str.strip()


def _obs_org(sheet: _Sheet, values: pd.Series) -> pd.Series:
    """Org codes as text; a number is accepted only under a zero-padded format like ``000000``."""
    text = values.copy()
    numeric = values.map(_is_number).astype(bool)
    for pos in np.flatnonzero(numeric.to_numpy()):
        v = values.iloc[pos]
        cell = sheet.ws[f"{sheet.letters['org']}{sheet.row_numbers[pos]}"]
        fmt = str(cell.number_format)
        if float(v).is_integer() and re.fullmatch(r"0+", fmt) and len(str(int(v))) <= len(fmt):
            text.iloc[int(pos)] = str(int(v)).zfill(len(fmt))
            continue
        raise sheet.locate(
            int(pos),
            "org",
            f"org code {_num_text(v)} is stored as a number, so leading zeros may be lost "
            "(01100 → 1100): "
            "format the column as text (文字列) and enter the codes again",
        )
    return _obs_text(sheet, "org", text, required=False, nfkc=True)


def _obs_period(sheet: _Sheet, values: pd.Series) -> pd.Series:
    from logicmodel.periods import parse_period

    def one(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date().isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        if _is_number(v) and float(v).is_integer():
            f = float(v)
            return serial_to_date(f).isoformat() if 10_000 <= f <= 2_958_465 else str(int(f))
        return v

    text = _obs_text(sheet, "period", values.map(one), required=True, nfkc=True)
    for value in text.unique():
        try:
            parse_period(value)
        except PeriodError as err:
            pos = int(np.flatnonzero((text == value).to_numpy())[0])
            raise sheet.locate(pos, "period", str(err)) from None
    return text


def _obs_value(sheet: _Sheet, values: pd.Series) -> pd.Series:
    """Numbers by the one rule of :mod:`logicmodel.intake.values` (``85％``, ``▲5``, ``1,234``)."""
    numbers, _missing, bad = parse_numbers(values.to_numpy(dtype=object))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise sheet.locate(pos, "value", f"{values.iloc[pos]!r} is not a number")
    return pd.Series(numbers, index=values.index, dtype="float64")


def _obs_unit(sheet: _Sheet, values: pd.Series) -> pd.Series:
    from logicmodel.units import normalize_unit_text, parse_unit

    text = _obs_text(sheet, "unit", values, required=False, nfkc=False)
    for value in text.dropna().unique():
        try:
            parse_unit(normalize_unit_text(value))
        except UnitError as err:
            pos = int(np.flatnonzero((text == value).to_numpy())[0])
            raise sheet.locate(pos, "unit", str(err)) from None
    return text.map(normalize_unit_text, na_action="ignore").astype("str")


def _obs_kind(sheet: _Sheet, values: pd.Series) -> pd.Series:
    text = _obs_text(sheet, "kind", values, required=False, nfkc=True)
    mapped = text.map(canonical_kind, na_action="ignore")
    bad = text.notna() & mapped.isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise sheet.locate(
            pos, "kind", f"kind {text.iloc[pos]!r} is not one of actual, target, baseline"
        )
    return mapped.astype("str")


def _observations(sheet: _Sheet) -> pd.DataFrame | None:
    if not sheet.rows:
        return None
    keys = list(sheet.letters)
    raw = pd.DataFrame.from_records(sheet.rows, columns=keys).astype(object)
    raw = raw.where(raw.notna(), None)
    out: dict[str, pd.Series] = {}
    for key in keys:
        col = raw[key]
        if key == "indicator":
            out[key] = _obs_text(sheet, key, col, required=True, nfkc=False)
        elif key == "org":
            out[key] = _obs_org(sheet, col)
        elif key == "period":
            out[key] = _obs_period(sheet, col)
        elif key == "value":
            out[key] = _obs_value(sheet, col)
        elif key == "unit":
            out[key] = _obs_unit(sheet, col)
        elif key == "kind":
            out[key] = _obs_kind(sheet, col)
        else:
            out[key] = col
    standard = [c.key for c in OBSERVATION_TABLE if c.key in out]
    frame = pd.DataFrame({k: out[k] for k in standard + [k for k in keys if k not in standard]})
    frame["source_row"] = np.asarray(sheet.row_numbers, dtype="int64")
    return frame.reset_index(drop=True)
