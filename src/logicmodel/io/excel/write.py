"""Writing the workbook: sheets with bilingual headers, drop-down lists, text formats and the
readme (``write_excel``, ``excel_template``)."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import FormatError
from logicmodel.io.data import OBSERVATION_COLUMNS
from logicmodel.io.excel.common import _LISTS, SHEETS, _openpyxl
from logicmodel.io.files import FORMULA_PREFIXES, atomic_write
from logicmodel.io.frames import (
    CHOICES,
    OBSERVATION_TABLE,
    TABLES,
    Column,
    _is_number,
    choice_entry,
    to_frames,
)
from logicmodel.model import LogicModel

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


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
    >>> from logicmodel.io.excel import read_excel
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
