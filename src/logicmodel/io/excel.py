"""Excel workbooks (.xlsx) that civil servants can fill in: model, tables and observations.

The workbook has one sheet per table of :func:`logicmodel.io.frames.to_frames` — ``model``,
``nodes``, ``links``, ``indicators``, ``targets``, ``milestones`` — plus ``observations`` (long
format data) and ``readme`` (instructions in Japanese and English). Headers read ``種別 (kind)``;
the reader also accepts the Japanese name or the English key alone. Sheets may also be named in
Japanese (``要素``, ``指標`` …). Drop-down lists offer the allowed values (node kind, stage,
direction, role, aggregation, measure, frequency, observation kind, node and indicator ids).

Text is always written as text: a label such as ``=1+1`` is stored as a string cell (never a
formula), with Excel's quote prefix so that editing it keeps it text.

openpyxl is an optional dependency (the ``excel`` extra), imported only when a function runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, PeriodError, UnitError, short_repr
from logicmodel.intake.values import canonical_kind, parse_numbers
from logicmodel.io.data import OBSERVATION_COLUMNS, ModelData
from logicmodel.io.files import FORMULA_PREFIXES, atomic_write
from logicmodel.io.frames import (
    CHOICES,
    OBSERVATION_TABLE,
    TABLE_JA,
    TABLES,
    Column,
    RawTable,
    _blank,
    _is_number,
    _num_text,
    build_model,
    choice_entry,
    header_lookup,
    match_header,
    normalise_header,
    serial_to_date,
    to_frames,
)
from logicmodel.io.workbook_guard import check_grid, check_workbook
from logicmodel.model import LogicModel

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["SHEETS", "excel_template", "read_excel", "write_excel"]

SHEETS = (
    "readme",
    "model",
    "nodes",
    "links",
    "indicators",
    "targets",
    "milestones",
    "observations",
)
"""Sheets of a logicmodel workbook, in order (a hidden ``lists`` sheet holds drop-down values)."""

_LISTS = "lists"
_LAST_ROW = 10_000  # drop-down lists and text formats reach this row
_MAX_CELL = 32_767  # Excel's limit on characters in one cell
_MAX_ROWS = 1_048_576
_SHEET_NOTES = {
    "readme": ("この説明", "These instructions"),
    "model": (
        "モデル全体 (1行): ID、名称、所管、年度開始月",
        "The model itself (one row): id, title, owner",
    ),
    "nodes": (
        "要素: インプット、アクティビティ、アウトプット、アウトカム (段階つき)、インパクト",
        "Nodes of the effect pathway: input, activity, output, outcome (with stage), impact",
    ),
    "links": (
        "つながり: 派生元 → 派生先 (「これが起きれば、あれが起きる」)",
        'Links: source → target ("if this, then that"), with weight and rationale',
    ),
    "indicators": (
        "指標 (KGI/KPI): 測る要素、単位、方向、基準値、集計方法",
        "Indicators (KGI/KPI): node measured, unit, direction, baseline, aggregation",
    ),
    "targets": ("目標値: 指標ごと・年度ごとに1行", "Targets: one row per indicator and period"),
    "milestones": ("サービスロードマップ: 期限つきの提供物", "Service roadmap: dated releases"),
    "observations": (
        "実績値 (縦持ち): 指標ID、団体コード (文字列)、期間、値、単位、種類",
        "Observations (long format): indicator, org code (as text), period, value, unit, kind",
    ),
}


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - CI installs every extra
        raise ImportError(
            "reading and writing Excel workbooks needs openpyxl: pip install 'logicmodel[excel]'"
        ) from None
    return openpyxl


# -- writing -----------------------------------------------------------------------------


def _cell_value(value: Any, sheet: str, row: int, column: str) -> Any:
    """A value openpyxl can store; text is checked for characters Excel cannot hold."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if _is_number(value):
        f = float(value)
        return None if np.isnan(f) else value
    if isinstance(value, dt.datetime | dt.date):
        return value
    text = value if isinstance(value, str) else str(value)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    bad = ILLEGAL_CHARACTERS_RE.search(text)
    if bad:
        raise FormatError(
            f"text contains the control character U+{ord(bad.group()):04X}, which Excel "
            "cannot store",
            sheet=sheet,
            row=row,
            column=column,
        )
    if len(text) > _MAX_CELL:
        raise FormatError(
            f"text is {len(text):,} characters long; an Excel cell holds at most {_MAX_CELL:,}",
            sheet=sheet,
            row=row,
            column=column,
        )
    return text


def _append(ws: Worksheet, rows: Sequence[Sequence[Any]], *, start: int = 2) -> None:
    """Append rows; text that looks like a formula is kept as a string cell with a quote prefix.

    openpyxl has no bulk writer, so this is one call per row (its own cost is per cell anyway).
    """
    from openpyxl.utils import get_column_letter

    for offset, row in enumerate(rows):
        r = start + offset
        values = [_cell_value(v, ws.title, r, get_column_letter(c + 1)) for c, v in enumerate(row)]
        ws.append(values)
        for c, v in enumerate(values):
            if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                cell = ws.cell(row=r, column=c + 1)
                cell.data_type = "s"
                cell.quotePrefix = True
            elif isinstance(v, float) and float("%.16g" % v) != v:  # noqa: UP031 - openpyxl's format
                # openpyxl writes numbers with 16 significant digits, which loses the last bit of
                # some doubles; give it the shortest exact text (Excel itself writes 17 digits).
                ws.cell(row=r, column=c + 1)._value = repr(v)


def _header(ws: Worksheet, columns: Sequence[Column], extra: Sequence[str] = ()) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    plain = PatternFill("solid", fgColor="DDEBF7")
    required = PatternFill("solid", fgColor="FCE4D6")
    bold = Font(bold=True)
    headers = [c.header for c in columns] + list(extra)
    for k, text in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=k, value=text)
        cell.data_type = "s"
        cell.font = bold
        cell.fill = required if k <= len(columns) and columns[k - 1].required else plain
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        width = columns[k - 1].width if k <= len(columns) else 14
        ws.column_dimensions[get_column_letter(k)].width = max(width, len(text) * 1.2 + 2)
    ws.freeze_panes = "B2" if columns and columns[0].key == "id" else "A2"


def _validations(ws: Worksheet, columns: Sequence[Column], list_ranges: Mapping[str, str]) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    refs = {
        **list_ranges,
        "node_ids": f"nodes!$A$2:$A${_LAST_ROW}",
        "indicator_ids": f"indicators!$A$2:$A${_LAST_ROW}",
    }
    for k, col in enumerate(columns, start=1):
        if col.choices is None or col.choices not in refs:
            continue
        letter = get_column_letter(k)
        dv = DataValidation(
            type="list",
            formula1=f"={refs[col.choices]}",
            allow_blank=True,
            showDropDown=False,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=f"{col.ja} ({col.key})",
            error=f"一覧の値を選んでください / choose a listed value: {col.note}"[:255],
            promptTitle=f"{col.ja} ({col.key})"[:32],
            prompt=col.note[:255],
            showInputMessage=bool(col.note),
        )
        dv.add(f"{letter}2:{letter}{_LAST_ROW}")
        ws.add_data_validation(dv)


def _lists_sheet(wb: Workbook) -> dict[str, str]:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_LISTS)
    ranges: dict[str, str] = {}
    for k, (name, values) in enumerate(CHOICES.items(), start=1):
        letter = get_column_letter(k)
        ws.cell(row=1, column=k, value=name)
        for r, v in enumerate(values, start=2):  # アウトプット (output): either part is read
            ws.cell(row=r, column=k, value=choice_entry(name, v))
        ranges[name] = f"{_LISTS}!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _readme(ws: Worksheet) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    lines: list[list[Any]] = [
        ["ロジックモデル入力ブック / Logic model workbook (logicmodel)"],
        [],
        [
            "使い方",
            "各シートの1行目は見出しです。2行目から1行に1件ずつ入力してください。見出しは日本語名・"
            "英語キー・両方のどれでも読み込めます。空行は無視されます。",
        ],
        [
            "How to use",
            "Row 1 of each sheet is the header; enter one item per row from row 2. Headers may "
            "be the Japanese name, the English key or both. Empty rows are ignored.",
        ],
        [
            "",
            "複数の値 (前提条件・参照・タグ) はセル内で改行 (Alt+Enter) して1行に1件。"
            "団体コードは文字列で入力 "
            "(先頭の0を保つため)。期間は FY2024、令和6年度、2024-06 などで書けます。",
        ],
        [
            "",
            "Several values (assumptions, refs, tags) go one per line in the cell (Alt+Enter). "
            "Enter org codes as text so leading zeros stay. "
            "Periods: FY2024, 令和6年度, 2024-06, 2024Q1 …",
        ],
        [],
        ["シート / sheet", "内容", "Contents"],
    ]
    lines += [[name, *_SHEET_NOTES[name]] for name in SHEETS]
    lines += [
        [],
        [
            "シート / sheet",
            "列 / column",
            "必須 / required",
            "説明・使える値 / notes and allowed values",
        ],
    ]
    tables: list[tuple[str, Sequence[Column]]] = [
        *TABLES.items(),
        ("observations", OBSERVATION_TABLE),
    ]
    for name, cols in tables:
        lines += [[name, c.header, "○" if c.required else "", c.note] for c in cols]
    for r, row in enumerate(lines, start=1):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r == 1 or (row and row[0] == "シート / sheet") or c == 1:
                cell.font = bold
    for letter, width in zip("ABCD", (16, 28, 60, 70), strict=True):
        ws.column_dimensions[letter].width = width


def _observation_rows(observations: Any) -> tuple[list[Column], list[str], list[list[Any]]]:
    """Standard columns present, extra column names, and rows of an observations frame."""
    frame = observations
    if not isinstance(frame, pd.DataFrame):
        to_pandas = getattr(frame, "to_pandas", None)
        if to_pandas is None:
            raise FormatError(
                f"observations must be a pandas DataFrame, got {type(frame).__name__}",
                sheet="observations",
            )
        frame = to_pandas()
    missing = [c for c in ("indicator", "period") if c not in frame.columns]
    if missing:
        raise FormatError(
            f"observations need the columns indicator, period and value; missing: "
            f"{', '.join(missing)}",
            sheet="observations",
        )
    if "org" in frame.columns and pd.api.types.is_numeric_dtype(frame["org"]):
        raise FormatError(
            "org codes are numbers, so leading zeros may already be lost: "
            "convert them to text first, "
            "e.g. df['org'] = df['org'].astype(int).astype(str).str.zfill(6)",
            sheet="observations",
            row=1,
            column="B",
        )
    standard = [c for c in OBSERVATION_TABLE if c.key in frame.columns]
    extra = [str(c) for c in frame.columns if c not in OBSERVATION_COLUMNS and c != "source_row"]
    ordered = frame[[c.key for c in standard] + extra]
    values = ordered.astype(object).where(ordered.notna(), None).to_numpy().tolist()
    if len(values) >= _MAX_ROWS:
        raise FormatError(
            f"{len(values):,} observations do not fit on one Excel sheet "
            f"(at most {_MAX_ROWS - 1:,} rows): use CSV or Parquet",
            sheet="observations",
        )
    return standard, extra, values


def _build_workbook(frames: Mapping[str, pd.DataFrame] | None, observations: Any) -> Workbook:
    openpyxl = _openpyxl()
    wb = openpyxl.Workbook()
    readme = wb.active
    readme.title = "readme"
    _readme(readme)
    list_ranges = _lists_sheet(wb)
    wb.move_sheet(_LISTS, offset=len(SHEETS))
    for name, columns in TABLES.items():
        ws = wb.create_sheet(name, index=SHEETS.index(name))
        _header(ws, columns)
        if frames is not None:
            frame = frames[name]
            rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
            _append(ws, rows)
            _formats(ws, columns, len(rows))
        _validations(ws, columns, list_ranges)
    ws = wb.create_sheet("observations", index=SHEETS.index("observations"))
    if observations is None:
        _header(ws, OBSERVATION_TABLE)
        _validations(ws, OBSERVATION_TABLE, list_ranges)
        obs_columns: Sequence[Column] = OBSERVATION_TABLE
    else:
        obs_columns, extra, rows = _observation_rows(observations)
        _header(ws, obs_columns, extra)
        _append(ws, rows)
        _validations(ws, obs_columns, list_ranges)
    from openpyxl.utils import get_column_letter

    keys = [c.key for c in obs_columns]
    for key in ("indicator", "org", "period", "unit", "kind"):
        if key in keys:
            # text columns to the last row: a column style reaches every row Excel ever adds, so
            # 011002 typed in row 5,000 stays 011002 and 2024-04 stays a period, not a date
            ws.column_dimensions[get_column_letter(keys.index(key) + 1)].number_format = "@"
    if "org" in keys:
        letter = get_column_letter(keys.index("org") + 1)
        for r in range(2, max(ws.max_row, 200) + 1):
            ws[f"{letter}{r}"].number_format = "@"
    return wb


def _formats(ws: Worksheet, columns: Sequence[Column], n: int) -> None:
    """Dates as ``yyyy-mm-dd`` and multi-line cells wrapped."""
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    for k, col in enumerate(columns, start=1):
        if col.kind not in ("date", "list", "ids"):
            continue
        for r in range(2, n + 2):
            cell = ws.cell(row=r, column=k)
            if col.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = wrap


def _save(wb: Workbook, path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    # zipped in memory (an .xlsx is compressed, so the buffer is small), then written atomically:
    # a full disk then fails in one place with a WriteError, and no half-closed ZipFile is left
    # to complain from its __del__
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write(path, buf.getvalue(), overwrite=overwrite)


def write_excel(
    model: LogicModel,
    path: str | os.PathLike[str],
    observations: Any = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write ``model`` (and optionally its observations) as an Excel workbook, atomically.

    Parameters
    ----------
    model
        The logic model.
    path
        The ``.xlsx`` file to write; it is replaced in one rename, never left half-written.
    observations
        A long DataFrame (``indicator, org, period, value, unit, kind`` and any extra columns) for
        the ``observations`` sheet; ``org`` must be text. ``None`` leaves the sheet with headers
        only.
    overwrite
        Replace ``path`` even when it is a read-only file.

    Raises
    ------
    FormatError
        Text that Excel cannot store (control characters, more than 32,767 characters), numeric
        org codes, or too many observation rows.
    WriteError
        The file cannot be written (a folder that does not exist, a full disk, …).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from logicmodel.model import LogicModel, Output, KPI
    >>> m = LogicModel(id="m", title="窓口", nodes=[Output(id="adopted", label="=導入")],
    ...                indicators=[KPI(id="n", measures="adopted", unit="団体",
    ...                                targets={"FY2025": 900})])
    >>> p = write_excel(m, pathlib.Path(tempfile.mkdtemp()) / "m.xlsx")
    >>> read_excel(p).model == m
    True
    """
    if model.units:
        import warnings

        from logicmodel.errors import ConversionWarning

        names = ", ".join(repr(u.name) for u in model.units)
        warnings.warn(
            f"workbooks have no place for unit definitions: {names} are not written; define "
            "them with lm.units.define before reading the workbook",
            ConversionWarning,
            stacklevel=2,
        )
    return _save(_build_workbook(to_frames(model), observations), path, overwrite=overwrite)


def excel_template(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write an empty workbook to fill in: every sheet with its headers, drop-down lists, frozen
    header rows, column widths and a ``readme`` sheet with instructions (Japanese and English).

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> p = excel_template(pathlib.Path(tempfile.mkdtemp()) / "template.xlsx")
    >>> openpyxl.load_workbook(p).sheetnames[:4]
    ['readme', 'model', 'nodes', 'links']
    """
    return _save(_build_workbook(None, None), path, overwrite=overwrite)


# -- reading -----------------------------------------------------------------------------


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
        from openpyxl.utils import get_column_letter

        self.ws = ws
        self.path = path
        self.letters: dict[str, str] = {}
        self.rows: list[dict[str, Any]] = []
        self.row_numbers: list[int] = []
        # the sheet is streamed (read-only mode); merged ranges come from check_workbook
        check_grid(ws.max_row, ws.max_column, path=path, sheet=ws.title)
        grid = [list(row) for row in ws.iter_rows(values_only=True)]
        for min_row, min_col, max_row, _ in sorted(merges):
            if min_row - 1 >= len(grid) or min_col - 1 >= len(grid[min_row - 1]):
                continue
            top_left = grid[min_row - 1][min_col - 1]
            for r in range(min_row + 1, min(max_row, len(grid)) + 1):
                if min_col - 1 < len(grid[r - 1]):
                    grid[r - 1][min_col - 1] = top_left
        header_at = next((k for k, row in enumerate(grid) if any(not _blank(v) for v in row)), None)
        self.header_row = 1 if header_at is None else header_at + 1
        lookup = header_lookup(columns)
        keys: list[str | None] = []
        headers = [] if header_at is None else grid[header_at]
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
                    path=path,
                    sheet=ws.title,
                    row=self.header_row,
                    column=letter,
                )
            key = match_header(text, lookup)
            if key is None:
                if not extra_ok:
                    names = [col.key for col in columns]
                    close = difflib.get_close_matches(
                        normalise_header(text), names, n=1, cutoff=0.6
                    )
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise self.error(
                        f"unknown column header {short_repr(str(text).strip(), 60)}{hint}; the columns of "
                        f"this sheet are {', '.join(col.header for col in columns)}",
                        self.header_row,
                        letter,
                    )
                key = str(text).strip()
            if key in self.letters:
                raise self.error(
                    f"column {key!r} appears twice (also in column {self.letters[key]})",
                    self.header_row,
                    letter,
                )
            self.letters[key] = letter
            keys.append(key)
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
        for k in range((header_at or 0) + 1, len(grid) if header_at is not None else 0):
            row = grid[k]
            record: dict[str, Any] = {}
            for c, v in enumerate(row):
                key = keys[c] if c < len(keys) else None
                if isinstance(v, str):
                    v = v.strip()  # noqa: PLW2901 - the stripped cell replaces the raw one
                if _blank(v):
                    continue
                if key is None:
                    raise self.error(
                        f"cell has a value ({v!r}) but its column has no header",
                        k + 1,
                        get_column_letter(c + 1),
                    )
                record[key] = v
            if record:
                self.rows.append(record)
                self.row_numbers.append(k + 1)

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
