"""Finding the 3-1/3-2 files (folder, zip or paths) and reading them as text tables."""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
import zipfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from logicmodel import limits
from logicmodel.errors import (
    FormatError,
    LimitError,
    nearest,
    short_repr,
)
from logicmodel.io.files import read_bytes
from logicmodel.io.rs.common import (
    _LEADING_QUOTE,
    _MAX_BYTES,
    C_IND,
    C_RATIONALE,
    C_ROW,
    PathLike,
    _header_key,
    _nfkc,
)


# ------------------------------------------------------------------------------------ sources
@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    raw: bytes


def _read_bytes(path: Path) -> bytes:
    # a regular file within the limits (a FIFO or /dev/zero is refused before it is opened)
    return read_bytes(path)


_MEMBER = {
    "3-1": re.compile(r"(?:^|/)3-1[_\-].*\.csv$", re.I),
    "3-2": re.compile(r"(?:^|/)3-2[_\-].*\.csv$", re.I),
}


def _pick(names: Iterable[str], which: str, where: str, year: int | None) -> str | None:
    found = [n for n in names if _MEMBER[which].search(_nfkc(n))]
    if year is not None and len(found) > 1:
        found = [n for n in found if str(year) in Path(n).name] or found
    if len(found) > 1:
        raise FormatError(
            f"{len(found)} {which} files found ({', '.join(sorted(found)[:4])}); "
            "pass year= to choose",
            path=where,
        )
    return found[0] if found else None


def _from_zip(path: Path, raw: bytes, year: int | None) -> tuple[_Source | None, _Source | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
            out: list[_Source | None] = []
            for which in ("3-1", "3-2"):
                member = _pick(names, which, str(path), year)
                if member is None:
                    out.append(None)
                    continue
                info = zf.getinfo(member)
                if info.file_size > _MAX_BYTES:
                    raise FormatError(
                        f"member {member!r} is {info.file_size:,} bytes uncompressed", path=path
                    )
                out.append(_Source(f"{path}!{member}", zf.read(member)))
    except zipfile.BadZipFile as err:
        raise FormatError(f"not a readable ZIP file: {err}", path=path) from None
    return out[0], out[1]


def _sniff(path: Path) -> str | None:
    """``"3-1"``/``"3-2"`` when the header line of a CSV file has that sheet's columns."""
    try:
        with path.open("rb") as f:
            head = f.read(16_384)
    except OSError:
        return None
    first = head.split(b"\n", 1)[0]  # the header line (RS headers are ~4 KB)
    for enc in ("utf-8-sig", "cp932"):
        try:
            line = _header_key(first.decode(enc))
        except UnicodeDecodeError:
            continue
        if _header_key(C_ROW) in line and _header_key(C_IND) in line:
            return "3-1"
        if _header_key(C_RATIONALE) in line:
            return "3-2"
        return None
    return None


def _from_dir(path: Path, year: int | None) -> tuple[_Source | None, _Source | None]:
    names = [p.name for p in sorted(path.iterdir()) if p.is_file()]
    out: list[_Source | None] = []
    for which in ("3-1", "3-2"):
        member = _pick(names, which, str(path), year)
        if member is None:
            # files renamed by people: recognise the sheet by its header line
            sniffed = [n for n in names if n.lower().endswith(".csv") and _sniff(path / n) == which]
            member = _pick([f"{which}_{n}" for n in sniffed], which, str(path), year)
            member = member[len(which) + 1 :] if member is not None else None
        out.append(
            None if member is None else _Source(str(path / member), _read_bytes(path / member))
        )
    if out[0] is None:
        zips = [n for n in names if n.lower().endswith(".zip")]
        if len(zips) == 1:
            return _from_zip(path / zips[0], _read_bytes(path / zips[0]), year)
    return out[0], out[1]


def _resolve(
    sheet_3_1: PathLike, sheet_3_2: PathLike | None, year: int | None
) -> tuple[_Source, _Source | None]:
    for name, given in (("sheet_3_1", sheet_3_1), ("sheet_3_2", sheet_3_2)):
        if given is not None and not isinstance(given, str | os.PathLike):
            raise FormatError(
                f"{name} must be the path of a CSV, ZIP or folder, got {type(given).__name__}"
            )
    if sheet_3_1 is None:
        raise FormatError("sheet_3_1 must be the path of a CSV, ZIP or folder, got None")
    p1 = Path(sheet_3_1)
    s2: _Source | None = None
    if p1.is_dir():
        s1, s2 = _from_dir(p1, year)
        if s1 is None:
            raise FormatError(
                "no RS 3-1 sheet in this folder: no 3-1_RS_…_効果発現経路_目標・実績.csv and no CSV "
                "file whose header has the 3-1 columns",
                path=p1,
            )
    else:
        raw = _read_bytes(p1)
        if raw[:4] == b"PK\x03\x04":
            s1, s2 = _from_zip(p1, raw, year)
            if s1 is None:
                raise FormatError(
                    "the ZIP holds no 3-1_RS_…_効果発現経路_目標・実績.csv member", path=p1
                )
        else:
            s1 = _Source(str(p1), raw)
    if sheet_3_2 is not None:
        p2 = Path(sheet_3_2)
        raw2 = _read_bytes(p2)
        if raw2[:4] == b"PK\x03\x04":
            s2 = _from_zip(p2, raw2, year)[1]
            if s2 is None:
                raise FormatError(
                    "the ZIP holds no 3-2_RS_…_効果発現経路_目標のつながり.csv member", path=p2
                )
        else:
            s2 = _Source(str(p2), raw2)
    return s1, s2


def _encoding(src: _Source) -> str:
    raw = src.raw
    if not raw.strip():
        raise FormatError(
            "file is empty: expected an RS System CSV with a header row", path=src.name
        )
    if b"\x00" in raw[:4096]:
        raise FormatError(
            "not a CSV file (binary content); expected an RS System CSV", path=src.name
        )
    enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        raw.decode(enc)
    except UnicodeDecodeError as err:
        if enc == "utf-8-sig":
            raise FormatError(
                f"not UTF-8 text (byte {err.start}) although it starts with a BOM", path=src.name
            ) from None
        try:
            raw.decode("cp932")
        except UnicodeDecodeError:
            raise FormatError(
                f"not UTF-8 or cp932 (Shift_JIS) text (byte {err.start}); save the file as UTF-8",
                path=src.name,
            ) from None
        return "cp932"
    return enc


def _read_table(
    src: _Source, which: str, required: tuple[str, ...], known: tuple[str, ...]
) -> tuple[pd.DataFrame, list[str]]:
    """The file as strings with canonical headers, plus the unknown columns (kept as named)."""
    enc = _encoding(src)
    header = _check_header(src, enc)
    df = _parse_csv(src, enc, len(header))
    return _canonical_columns(df, src.name, which, required, known)


def _check_header(src: _Source, enc: str) -> list[str]:
    """The header row, refused when a header is too long or given twice."""
    text_head = src.raw[:65536].decode(enc, errors="replace")
    try:
        header = next(csv.reader(io.StringIO(text_head)))
    except (StopIteration, csv.Error) as err:
        raise FormatError(f"not a CSV file: {err}", path=src.name, row=1) from None
    seen: dict[str, int] = {}
    most = limits.current().header_chars
    for k, h in enumerate(header):
        if len(h) > most:
            raise LimitError(
                f"header {short_repr(h, 40)} is {len(h):,} characters long",
                limit="header_chars",
                value=most,
                path=src.name,
                row=1,
                column=str(k + 1),
            )
        key = _header_key(h)
        if key and key in seen:
            raise FormatError(
                f"header {h.strip()!r} appears twice (columns {seen[key] + 1} and {k + 1})",
                path=src.name,
                row=1,
                column=h.strip(),
            )
        seen[key] = k
    return header


def _parse_csv(src: _Source, enc: str, width: int) -> pd.DataFrame:
    """Every cell as a string (blank, not NaN); ``FormatError`` naming the line when the CSV is
    not well formed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.BytesIO(src.raw),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=enc,
                index_col=False,
            )
    except pd.errors.EmptyDataError:
        raise FormatError(
            "file is empty: expected an RS System CSV with a header row", path=src.name
        ) from None
    except pd.errors.ParserWarning:
        line = _first_long_row(src.raw.decode(enc), width)
        raise FormatError(
            f"not a well-formed CSV: a row has more fields than the {width} headers",
            path=src.name,
            row=line,
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        m = re.search(r"line (\d+)", str(err))
        raise FormatError(
            f"not a well-formed CSV: {str(err).strip().splitlines()[-1]}",
            path=src.name,
            row=int(m.group(1)) if m else None,
        ) from None


def _canonical_columns(
    df: pd.DataFrame, name: str, which: str, required: tuple[str, ...], known: tuple[str, ...]
) -> tuple[pd.DataFrame, list[str]]:
    """Headers as published (matched by :func:`_header_key`), the spreadsheet quote of
    :func:`~logicmodel.io.files.neutralise` undone, absent known columns blank; the unknown
    columns as named."""
    by_key = {_header_key(c): c for c in df.columns}
    rename: dict[Hashable, str] = {}
    for column in known:
        actual = by_key.get(_header_key(column))
        if actual is not None:
            rename[actual] = column
    missing = [column for column in required if column not in rename.values()]
    if missing:
        mapped = set(rename)
        present = [str(c) for c in df.columns if c not in mapped] or [str(c) for c in df.columns]
        near = nearest(missing[0], present, n=1)
        hint = f"; nearest header present: {near[0]!r}" if near else ""
        raise FormatError(
            f"not an RS System {which} file: required column {missing[0]!r} is missing{hint}"
            + (
                f" (also missing: {', '.join(repr(m) for m in missing[1:])})" if missing[1:] else ""
            ),
            path=name,
            row=1,
        )
    df = df.rename(columns=rename)
    for column in rename.values():
        if not column.isdigit():
            col = df[column].astype(str)
            quoted = col.str.startswith("'").to_numpy(dtype=bool)
            if quoted.any():  # undo neutralise() only where needed: regex per cell is slow
                fixed = col[quoted].str.replace(_LEADING_QUOTE.pattern, "", regex=True)
                df[column] = col.mask(quoted, fixed)
    for column in known:
        if column not in df.columns and not column.isdigit():
            df[column] = ""
    unknown = [
        str(c)
        for c in df.columns
        if c not in rename.values() and c not in known and not _is_year(str(c))
    ]
    return df, unknown


def _first_long_row(text: str, width: int) -> int | None:
    """1-based number of the first record with more fields than the header (error path only)."""
    for k, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(record) > width:
            return k
    return None


def _is_year(header: str) -> bool:
    s = _nfkc(header).strip().removesuffix("年度")
    return len(s) == 4 and s.isdigit()
