"""Checks on an .xlsx file *before* openpyxl opens it (issue 12).

openpyxl walks a sheet's whole used range: a single value in XFD1048576, a merged range
K1:K1048576, a million-row sheet or a zip bomb cost minutes and gigabytes before the first cell
is seen. :func:`check_workbook` looks at the zip archive and at the raw sheet XML with a few
linear byte searches and refuses, with a :class:`~logicmodel.LimitError` naming the sheet, what is
over the :mod:`logicmodel.limits`: the unzipped size, the last row, the widest column, a merged
range. It also refuses XML with a document type declaration (entity expansion) and names a
formula cell that has no saved value (openpyxl would read it as empty and its row would vanish).
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError
from logicmodel.io.files import regular_file

__all__ = ["check_grid", "check_workbook", "column_number"]

_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"')
_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,})[0-9]')  # a cell in column AA or beyond
_LETTER_CELL = re.compile(rb' r="([A-Z])[0-9]')  # a cell in columns A-Z
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_FORMULA_ONLY = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)'
    rb"\s*</(?:\w+:)?c>"
)


def column_number(letters: str) -> int:
    """``"A"`` → 1, ``"XFD"`` → 16384.

    Examples
    --------
    >>> column_number("A"), column_number("AA"), column_number("XFD")
    (1, 27, 16384)
    """
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _attrs(tag: bytes) -> dict[str, str]:
    return {
        k.decode().split(":")[-1]: html.unescape(v.decode("utf-8", "replace"))
        for k, v in _ATTR.findall(tag)
    }


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name (``xl/worksheets/sheet1.xml``) → sheet title."""
    try:
        book = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in _REL.findall(rels):
        a = _attrs(tag)
        target = a.get("Target", "")
        targets[a.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    out = {}
    for tag in _SHEET.findall(book):
        a = _attrs(tag)
        part = targets.get(a.get("id", ""))
        if part:
            out[part] = a.get("name", part)
    return out


Merges = dict[str, set[tuple[int, int, int, int]]]
"""Sheet title → merged ranges ``(min_row, min_col, max_row, max_col)`` read from the sheet XML."""


def check_workbook(
    path: str | Path, *, not_a_workbook: str = "not an Excel .xlsx workbook"
) -> Merges:
    """Refuse an .xlsx that is not a regular file, not a zip, or over the limits.

    Returns
    -------
    dict
        The merged ranges of each sheet (openpyxl's read-only mode does not read them).

    Raises
    ------
    FormatError
        Not a regular file, not a zip archive, a damaged member, a DOCTYPE in its XML, or a
        formula cell without a saved value (``sheet!D7``).
    LimitError
        Unzipped size over ``excel_unzipped_bytes``; a sheet reaching past ``excel_rows`` or
        ``excel_columns`` (by its cells, its declared dimension or a merged range).
    """
    p = Path(path)
    regular_file(p)
    lim = limits.current()
    try:
        z = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        hint = (
            " (old .xls files must be saved as .xlsx first)" if p.suffix.lower() == ".xls" else ""
        )
        raise FormatError(f"{not_a_workbook} (not a zip archive){hint}", path=p) from None
    with z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        if total > lim.excel_unzipped_bytes:
            raise LimitError(
                f"the workbook unzips to {total:,} bytes (a zip bomb?)",
                limit="excel_unzipped_bytes",
                value=lim.excel_unzipped_bytes,
                path=p,
            )
        merges: Merges = {}
        try:
            names = _sheet_names(z)
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                is_sheet = info.filename in names or info.filename.startswith("xl/worksheets/")
                title = names.get(info.filename, info.filename)
                _scan_part(
                    z,
                    info,
                    title,
                    p,
                    lim,
                    is_sheet=is_sheet,
                    merges=merges.setdefault(title, set()),
                )
        except FormatError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
            raise FormatError(f"damaged workbook: {type(err).__name__}", path=p) from None
    return merges


def check_grid(rows: int | None, columns: int | None, *, path: Path, sheet: str) -> None:
    """Refuse a sheet whose grid (last row × last column, as openpyxl will walk it) is over
    ``excel_cells``: a value in A300000 and one in ZZ1 make a 210-million-cell grid."""
    most = limits.current().excel_cells
    cells = (rows or 0) * (columns or 0)
    if cells > most:
        raise LimitError(
            f"the sheet's grid is {rows:,} rows × {columns:,} columns = {cells:,} cells",
            limit="excel_cells",
            value=most,
            path=path,
            sheet=sheet,
        )


def _over(
    p: Path, sheet: str, lim: limits.Limits, row: int, col: int, what: str
) -> LimitError | None:
    if row > lim.excel_rows:
        return LimitError(
            f"{what} reaches row {row:,}",
            limit="excel_rows",
            value=lim.excel_rows,
            path=p,
            sheet=sheet,
        )
    if col > lim.excel_columns:
        return LimitError(
            f"{what} reaches column {col:,}",
            limit="excel_columns",
            value=lim.excel_columns,
            path=p,
            sheet=sheet,
        )
    return None


_CHUNK = 1 << 22
_OVERLAP = 1 << 12


def _scan_part(
    z: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    sheet: str,
    p: Path,
    lim: limits.Limits,
    *,
    is_sheet: bool,
    merges: set[tuple[int, int, int, int]],
) -> None:
    """Stream one XML part in chunks (overlapping, so no tag is cut): a DOCTYPE is refused, and a
    worksheet is checked for its extent and its formulas without saved values."""
    tail = b""
    rows = 0
    last_row = 0
    last_column = 0
    first = True
    with z.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                raise FormatError(
                    f"{info.filename} declares a document type (DOCTYPE); workbooks never "
                    "need one and it can expand entities",
                    path=p,
                )
            if is_sheet:
                if first:
                    _check_dimension(data, sheet, p, lim)
                rows += chunk.count(b"<row") + chunk.count(b":row ")
                ends = [
                    int(m.group(1)) for m in _LAST_ROW.finditer(data, max(0, data.rfind(b"<row")))
                ]
                last_row = max(last_row, rows, *ends) if ends else max(last_row, rows)
                err = _over(p, sheet, lim, last_row, 0, "the sheet")
                if err:
                    raise err
                last_column = max(
                    last_column, _check_cells(data, sheet, p, lim, last_column, merges)
                )
                check_grid(last_row, last_column, path=p, sheet=sheet)
            first = False
            tail = data[-_OVERLAP:]


def _check_dimension(data: bytes, sheet: str, p: Path, lim: limits.Limits) -> None:
    dim = _DIMENSION.search(data, 0, 8192)
    if dim and dim.group(4):
        err = _over(
            p, sheet, lim, int(dim.group(4)), column_number(dim.group(3).decode()), "the used range"
        )
        if err:
            raise err
        # openpyxl's read-only mode pads every row to the declared width
        check_grid(int(dim.group(4)), column_number(dim.group(3).decode()), path=p, sheet=sheet)


def _check_cells(
    data: bytes,
    sheet: str,
    p: Path,
    lim: limits.Limits,
    known: int,
    merges: set[tuple[int, int, int, int]],
) -> int:
    """Check cells and merged ranges of one chunk; return the last column used (at least
    ``known``)."""
    last = known
    for m in _WIDE_CELL.finditer(data):
        column = column_number(m.group(1).decode())
        last = max(last, column)
        err = _over(p, sheet, lim, 0, column, "a cell")
        if err:
            raise err
    if last < 26 and (known_rows := data.count(b"<row")) and known_rows * 26 > lim.excel_cells // 4:
        # only a tall sheet can exceed excel_cells with columns A-Z: find its last letter
        seen = set(_LETTER_CELL.findall(data))
        if seen:
            last = max(last, max(seen)[0] - 64)
    for m in _MERGE.finditer(data) if b"mergeCell" in data else ():
        end_col, end_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
        err = _over(p, sheet, lim, int(end_row), column_number(end_col.decode()), "a merged range")
        if err:
            raise err
        merges.add(
            (
                int(m.group(2)),
                column_number(m.group(1).decode()),
                int(end_row),
                column_number(end_col.decode()),
            )
        )
    if b"<f" in data:
        bad = _FORMULA_ONLY.search(data)
        if bad:
            cell = bad.group(1).decode()
            letters = cell.rstrip("0123456789")
            raise FormatError(
                "formula cell has no saved value (the workbook was written by a program that "
                "does not calculate); open and save it in Excel, or type the value",
                path=p,
                sheet=sheet,
                row=int(cell[len(letters) :]),
                column=letters,
            )
    return last
