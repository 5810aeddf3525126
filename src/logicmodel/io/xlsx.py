"""A small column-wise XLSX writer for plain tables (result tables, not fill-in workbooks).

Python spreadsheet writers build a cell at a time; for the tables of a large evaluation that is
most of the time (issue 12 measured 13 s with XlsxWriter and 17 s with openpyxl's write-only mode
for ~920,000 cells, see ``benchmarks/progress_xlsx.py``). Here each column becomes its cells' XML
in whole-array operations (numbers formatted once per value in C, text escaped once per distinct
value), rows are concatenated column by column, and the sheet is one string in a ZIP member.

What it writes (Office Open XML, SpreadsheetML): one sheet per table, a bold frozen header row,
numbers, booleans, dates and datetimes (``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm:ss``), inline strings.
Missing values are empty cells. Text that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``, tab, CR) gets Excel's quote-prefix style (shown as typed, never run); characters XML
1.0 cannot hold (control characters other than tab, LF, CR) are replaced by U+FFFD. Nothing else:
no shared strings, no column widths, no validation (``write_excel`` does fill-in workbooks).

Examples
--------
>>> import pathlib, tempfile, pandas as pd, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
>>> frame = pd.DataFrame({"name": ["=1+1", "窓口 & <x>"], "value": [1.5, None],
...                       "day": pd.to_datetime(["2024-06-30", None])})
>>> _ = write_tables(path, {"t": frame})
>>> ws = openpyxl.load_workbook(path)["t"]
>>> [[c.value for c in row] for row in ws.iter_rows()]  # doctest: +NORMALIZE_WHITESPACE
[['name', 'value', 'day'], ['=1+1', 1.5, datetime.datetime(2024, 6, 30, 0, 0)],
 ['窓口 & <x>', None, None]]
>>> ws["A2"].quotePrefix, ws["A2"].data_type
(True, 's')
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import FormatError
from logicmodel.io.files import FORMULA_PREFIXES, atomic_path

__all__ = ["MAX_ROWS", "write_tables"]

MAX_ROWS = 1_048_575
"""Data rows an Excel sheet holds (1,048,576 rows, one of them the header)."""

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

# cell styles (cellXfs): 0 plain, 1 bold header, 2 date, 3 quote prefix, 4 date and time
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_NS}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def _text_cell(text: str) -> str:
    clean = _BAD_XML.sub("\ufffd", text)
    style = ' s="3"' if clean.startswith(FORMULA_PREFIXES) else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{escape(clean)}</t></is></c>'


Parts = list[npt.NDArray[np.object_]]
"""A column's cells as object arrays of equal length whose row-wise concatenation is the XML."""


def _text_cells(column: pd.Series) -> Parts:
    """Cells of a text (or mixed) column: each distinct value made into XML once."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    table = np.empty(len(distinct) + 1, dtype=object)
    for k, value in enumerate(distinct.tolist()):  # distinct values only
        if isinstance(value, bool | np.bool_):
            table[k] = f'<c t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, int | float | np.integer | np.floating):
            table[k] = f"<c><v>{value!r}</v></c>" if np.isfinite(value) else "<c/>"
        elif isinstance(value, dt.datetime | dt.date):
            day = pd.Timestamp(value).to_datetime64().astype("datetime64[us]")
            micros = int((day - _EPOCH).astype(np.int64))
            whole = micros % 86_400_000_000 == 0
            number = micros // 86_400_000_000 if whole else micros / 86_400_000_000
            table[k] = f'<c s="{2 if whole else 4}"><v>{number!r}</v></c>'
        else:
            table[k] = _text_cell(str(value))
    table[-1] = "<c/>"
    return [table[codes]]


def _wrapped(valid: npt.NDArray[np.bool_], shown: list[str], open_tag: str) -> Parts:
    n = len(valid)
    opening = np.where(valid, open_tag, "<c/>").astype(object)
    value = np.full(n, "", dtype=object)
    value[valid] = shown
    closing = np.where(valid, "</v></c>", "").astype(object)
    return [opening, value, closing]


def _number_cells(values: npt.NDArray[np.float64], integer: bool) -> Parts:
    finite = np.isfinite(values)
    kept = values[finite]
    shown = (
        list(map(str, kept.astype(np.int64).tolist()))
        if integer
        else list(map(repr, kept.tolist()))
    )
    return _wrapped(finite, shown, "<c><v>")


def _date_cells(column: pd.Series) -> Parts:
    stamps = column.to_numpy(dtype="datetime64[us]")
    valid = ~np.isnat(stamps)
    micros = (stamps[valid] - _EPOCH).astype(np.int64)
    whole = bool((micros % 86_400_000_000 == 0).all())
    if whole:
        shown = list(map(str, (micros // 86_400_000_000).tolist()))
    else:
        shown = list(map(repr, (micros / 86_400_000_000).tolist()))
    return _wrapped(valid, shown, f'<c s="{2 if whole else 4}"><v>')


def _cells(column: pd.Series) -> Parts:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) and not column.isna().any():
        flags = column.to_numpy(dtype=bool)
        return [np.where(flags, '<c t="b"><v>1</v></c>', '<c t="b"><v>0</v></c>').astype(object)]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _date_cells(column)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        integer = pd.api.types.is_integer_dtype(dtype)
        return _number_cells(column.to_numpy(dtype=np.float64, na_value=np.nan), integer)
    return _text_cells(column.astype(object))


def _sheet_xml(frame: pd.DataFrame) -> bytes:
    n = len(frame)
    header = "".join(
        '<c t="inlineStr" s="1"><is><t xml:space="preserve">'
        f"{escape(_BAD_XML.sub(chr(0xFFFD), str(c)))}</t></is></c>"
        for c in frame.columns
    )
    parts = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
        f'<row r="1">{header}</row>'
    ]
    if n:
        numbers = np.array(list(map(str, range(2, n + 2))), dtype=object)
        pieces: Parts = [
            np.full(n, '<row r="', dtype=object),
            numbers,
            np.full(n, '">', dtype=object),
        ]
        for k in range(frame.shape[1]):
            pieces.extend(_cells(frame.iloc[:, k]))
        pieces.append(np.full(n, "</row>", dtype=object))
        grid = np.empty((n, len(pieces)), dtype=object)
        for k, piece in enumerate(pieces):
            grid[:, k] = piece
        parts.append("".join(grid.ravel().tolist()))  # row by row: one join, no copies per cell
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode("utf-8")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("_", name)[:31] or "sheet"
    out, k = base, 2
    while out.casefold() in taken:
        out = f"{base[: 31 - len(str(k)) - 1]}_{k}"
        k += 1
    taken.add(out.casefold())
    return out


def write_tables(
    path: str | os.PathLike[str],
    tables: Mapping[str, pd.DataFrame],
    *,
    compresslevel: int = 1,
    overwrite: bool = False,
) -> Path:
    """Write each DataFrame of ``tables`` as a sheet of one ``.xlsx`` file, atomically.

    Raises
    ------
    FormatError
        A table has more rows than an Excel sheet holds (:data:`MAX_ROWS`).
    """
    for name, frame in tables.items():
        if len(frame) > MAX_ROWS:
            raise FormatError(
                f"table {name!r} has {len(frame):,} rows; an Excel sheet holds {MAX_ROWS:,}: write "
                "it as CSV or Parquet",
                path=path,
            )
    taken: set[str] = set()
    names = [_sheet_name(str(n), taken) for n in tables]
    sheets = "".join(
        f'<sheet name={quoteattr(n)} sheetId="{k}" r:id="rId{k}"/>' for k, n in enumerate(names, 1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_NS}" '
        f'xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
        for k in range(1, len(names) + 1)
    )
    styles_id = len(names) + 1
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
        f'<Relationship Id="rId{styles_id}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for k in range(1, len(names) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.styles+xml"/>{sheet_types}</Types>'
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    target = Path(path)
    with (
        atomic_path(target, overwrite=overwrite) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf,
    ):
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        zf.writestr("xl/styles.xml", _STYLES)
        for k, frame in enumerate(tables.values(), 1):
            zf.writestr(f"xl/worksheets/sheet{k}.xml", _sheet_xml(frame))
    return target
