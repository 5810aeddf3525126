"""RS System (行政事業レビュー見える化サイト) 3-1 / 3-2 logic-model CSVs.

The RS System publishes each review year's 行政事業レビューシート as CSVs. Two of them hold
the effect pathway (効果発現経路): ``3-1_RS_{year}_効果発現経路_目標・実績.csv`` (nodes,
indicators, targets, actuals; one column per fiscal year 2007…2060) and
``3-2_RS_{year}_効果発現経路_目標のつながり.csv`` (the links). :func:`read_rs` turns them
into one :class:`~logicmodel.io.ModelData` per 予算事業ID; :func:`write_rs` writes the same
two files for a model.

Mapping (see ``docs/formats/rs.md`` for the whole table):

- a node is (予算事業ID, 番号, 種別); its id is ``activity_{n}``, ``output_{n}`` or ``outcome_{n}``;
  its label is アクティビティ／活動目標／成果目標; an outcome's stage comes from アウトカムの期間;
  定性的なアウトカムに関する成果実績 becomes the node's ``description``;
- each indicator spans the row types ``1.目標年度 / 2.目標値 / 3.実績値 / 4.達成率``; the k-th
  indicator of a node is ``{node_id}_i{k}``; its unit is normalised with
  :func:`~logicmodel.units.normalize_rs_unit` and every value is scaled to that unit (万人 → 人
  ×10,000); 改善の上向き／下向き gives the direction; 出典 the source; a percentage (``%``,
  ``ポイント``, ``割``) is averaged across organisations (``aggregation="mean"``), never summed;
- every numeric 目標値 is a target point ``FY{year}``; the years marked ``1`` on the 目標年度 row
  carry ``note="目標年度"``; there is no baseline (the sheet has none, and without one the
  achievement is ``a/t`` or ``t/a`` — the RS 達成率 convention);
- 実績値 become observations (``kind="actual"``, ``period="FY{year}"``) with ``source_row`` (the
  CSV line, header = 1), ``project`` and ``reported_achievement`` (the published 達成率 as a
  fraction: ``95%`` → 0.95); unknown columns of the 3-1 file ride along as extra columns;
- 定性的 indicators get ``measure="qualitative"``, no unit, no targets, and the
  定性的なアウトカム目標を設定している理由 as ``description``;
- 3-2 rows become links with 後続アウトカムへのつながり as ``rationale``.

Data-quality problems (text in a number cell, unknown units, links to unknown nodes …) never stop
the reader: they become :class:`~logicmodel.issues.Issue` findings (codes in
:data:`RS_FINDING_CODES`), returned by :func:`read_rs_report`, or raised with ``errors="raise"``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

import numpy as np
import pandas as pd
from pydantic import BaseModel

from logicmodel import limits
from logicmodel.errors import (
    ConversionWarning,
    FormatError,
    LimitError,
    ModelError,
    PeriodError,
    UnitError,
    nearest,
    short_repr,
)
from logicmodel.intake.values import parse_numbers
from logicmodel.io.atomic import write_error
from logicmodel.io.data import ModelData
from logicmodel.io.files import atomic_open, neutralise, read_bytes
from logicmodel.issues import Issue, Report
from logicmodel.model import (
    Activity,
    Indicator,
    Link,
    LogicModel,
    Outcome,
    Output,
    Point,
)
from logicmodel.model.base import MAX_ID_LENGTH, check_id
from logicmodel.model.vocabulary import KIND_JA, STAGE_JA, STAGES
from logicmodel.periods import parse_period
from logicmodel.units import (
    convert,
    is_percent,
    normalize_rs_unit,
    normalize_unit_text,
    parse_unit,
)

if TYPE_CHECKING:
    from logicmodel.issues import Severity

__all__ = [
    "RS_3_1_COLUMNS",
    "RS_3_2_COLUMNS",
    "RS_FINDING_CODES",
    "RSRead",
    "read_rs",
    "read_rs_report",
    "rs_losses",
    "write_rs",
]

PathLike = str | os.PathLike[str]

# ------------------------------------------------------------------------------------ headers
COMMON_COLUMNS: tuple[str, ...] = (
    "シート種別",
    "事業年度",
    "予算事業ID",
    "事業名",
    "府省庁の建制順",
    "政策所管府省庁",
    "府省庁",
    "局・庁",
    "部",
    "課",
    "室",
    "班",
    "係",
)
C_PROJECT = "予算事業ID"
C_YEAR = "事業年度"
C_NAME = "事業名"
C_MINISTRY = "府省庁"
C_KPI = (
    "事業に関連するKPIが定められている閣議決定等の名称",
    "事業に関連するKPIが定められている閣議決定等の該当箇所",
    "事業に関連するKPIが定められている閣議決定等のURL",
)
C_NO = "アクティビティ・アウトプット・アウトカムの番号"
C_KIND = "種別（アクティビティ・アウトプット・アウトカム）"
C_STAGE = "アウトカムの期間"
C_MEASURE = "成果目標の種類"
C_LABEL = "アクティビティ／活動目標／成果目標"
C_IND = "活動指標／成果指標"
C_UNIT = "単位"
C_DIR = "改善の上向き／下向き"
C_SOURCE = "成果実績及び目標値の根拠として用いた統計・データ名（出典）"
C_REASON = "定性的なアウトカム目標を設定している理由"
C_QUAL = "定性的なアウトカムに関する成果実績"
C_ROW = "目標年度／目標値／実績値／達成率"
YEARS: tuple[int, ...] = tuple(range(2007, 2061))

RS_3_1_COLUMNS: tuple[str, ...] = (
    *COMMON_COLUMNS,
    *C_KPI,
    C_NO,
    C_KIND,
    C_STAGE,
    C_MEASURE,
    C_LABEL,
    C_IND,
    C_UNIT,
    C_DIR,
    C_SOURCE,
    C_REASON,
    C_QUAL,
    C_ROW,
    *(str(y) for y in YEARS),
)
"""The 82 headers of the 3-1 file (効果発現経路_目標・実績) in published order."""

E_SRC = "派生元ー"
E_DST = "派生先ー"
E2_NO = (
    "派生元ーアクティビティ・アウトプット・アウトカムの番号",
    "派生先ーアクティビティ・アウトプット・アウトカムの番号",
)
E2_KIND = (
    "派生元ー種別（アクティビティ・アウトプット・アウトカム）",
    "派生先ー種別（アクティビティ・アウトプット・アウトカム）",
)
E2_STAGE = ("派生元ーアウトカムの期間", "派生先ーアウトカムの期間")
E2_LABEL = ("派生元ーアクティビティの内容/ 活動目標／成果目標", "派生先ー 活動目標／成果目標")
E2_IND = ("派生元ー活動指標／成果指標", "派生先ー活動指標／成果指標")
C_RATIONALE = "後続アウトカムへのつながり"
C_NOSTAGES = "アウトカムを複数段階で設定できない理由"

RS_3_2_COLUMNS: tuple[str, ...] = (
    *COMMON_COLUMNS,
    E2_NO[0],
    E2_KIND[0],
    E2_STAGE[0],
    E2_LABEL[0],
    E2_IND[0],
    E2_NO[1],
    E2_KIND[1],
    E2_STAGE[1],
    E2_LABEL[1],
    E2_IND[1],
    C_RATIONALE,
    C_NOSTAGES,
)
"""The headers of the 3-2 file (効果発現経路_目標のつながり) in published order."""

_REQUIRED_3_1 = (C_PROJECT, C_NO, C_KIND, C_ROW, C_LABEL, C_IND)
_REQUIRED_3_2 = (C_PROJECT, E2_NO[0], E2_KIND[0], E2_NO[1], E2_KIND[1])

RS_FINDING_CODES: dict[str, tuple[Severity, str, str]] = {
    "LM303": ("error", "non-numeric value", "数値でない値"),
    "LM311": ("warning", "unit not recognised (indicator kept without unit)", "解釈できない単位"),
    "LM312": (
        "error",
        "link to a node that the 3-1 sheet does not define",
        "未定義のノードへのつながり",
    ),
    "LM313": ("warning", "duplicate or self link dropped", "重複または自己参照のつながり"),
    "LM314": ("warning", "row not understood (skipped)", "解釈できない行"),
    "LM315": (
        "warning",
        "stage or direction not recognised (default used)",
        "解釈できない期間・向き",
    ),
    "LM319": ("warning", "placeholder mark read as no value", "記号を値なしとして読み込み"),
    "LM316": (
        "warning",
        "target year without target value, or 達成率 without 実績値",
        "対応する値のない目標年度・達成率",
    ),
}
"""Codes of the findings :func:`read_rs_report` returns: ``code → (severity, title, title_ja)``."""

_RS_KINDS = ("activity", "output", "outcome")  # RS has no inputs or impacts
_KIND_JA = {k: KIND_JA[k] for k in _RS_KINDS}
_KIND_OF = {v: k for k, v in _KIND_JA.items()}
_STAGE_JA = {s: f"{k}.{STAGE_JA[s]}" for k, s in enumerate(STAGES, start=1)}  # 1.短期
_ROW_JA = {1: "1.目標年度", 2: "2.目標値", 3: "3.実績値", 4: "4.達成率"}
_FLAG_VALUES = frozenset({"1", "1.0", "○", "〇", "◯", "●"})
_TARGET_NOTE = "目標年度"
_TAG_PREFIX = "rs:"
_REF_PREFIX = {c: c.removeprefix("事業に関連するKPIが定められている") + ": " for c in C_KPI}
_MAX_BYTES = 2 * 1024 * 1024 * 1024
_LEADING_QUOTE = re.compile(r"^'(?=[=+\-@\t\r])")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _header_key(text: str) -> str:
    """Header spelling tolerant of width and spaces: ``派生先ー 活動目標／成果目標`` ≈ ``…/…``."""
    return re.sub(r"\s+", "", _nfkc(str(text))).lstrip("\ufeff")


def _project_key(text: str) -> str:
    """Ids match across files and selections with leading zeros ignored (``"000004"`` ≈ ``"4"``)."""
    s = _nfkc(str(text)).strip()
    if s.isdigit():
        return s.lstrip("0") or "0"
    return s


# ------------------------------------------------------------------------------------ results
@dataclass(frozen=True, slots=True)
class RSRead:
    """What :func:`read_rs_report` found: one ``ModelData`` per 予算事業ID and every finding.

    ``projects`` is keyed by the id exactly as in the 3-1 file (leading zeros kept);
    ``findings`` is a :class:`~logicmodel.Report` whose issues carry ``row`` = the CSV line
    (header = 1), ``column`` = the header (or the year), and ``ids`` = (project id, model id …).
    """

    projects: dict[str, ModelData]
    findings: Report

    def findings_for(self, project: str | int) -> Report:
        """The findings about one project (leading zeros ignored)."""
        key = _project_key(str(project))
        return Report(i for i in self.findings if i.ids and _project_key(i.ids[0]) == key)


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(
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
        line = _first_long_row(src.raw.decode(enc), len(header))
        raise FormatError(
            f"not a well-formed CSV: a row has more fields than the {len(header)} headers",
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
    by_key = {_header_key(c): c for c in df.columns}
    rename: dict[Hashable, str] = {}
    for name in known:
        actual = by_key.get(_header_key(name))
        if actual is not None:
            rename[actual] = name
    missing = [name for name in required if name not in rename.values()]
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
            path=src.name,
            row=1,
        )
    df = df.rename(columns=rename)
    for name in rename.values():
        if not name.isdigit():
            col = df[name].astype(str)
            quoted = col.str.startswith("'").to_numpy(dtype=bool)
            if quoted.any():  # undo neutralise() only where needed: regex per cell is slow
                fixed = col[quoted].str.replace(_LEADING_QUOTE.pattern, "", regex=True)
                df[name] = col.mask(quoted, fixed)
    for name in known:
        if name not in df.columns and not name.isdigit():
            df[name] = ""
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


# ------------------------------------------------------------------------------------ values
def _clean(series: pd.Series) -> pd.Series:
    """Stripped, NFKC-normalised text; computed once per distinct value (columns repeat a lot)."""
    s = series.astype(str)
    return s.map({u: _nfkc(u).strip() for u in s.unique()}).astype(str)


def _parse_numbers(
    text: pd.Series,
) -> tuple[
    np.ndarray[Any, np.dtype[np.float64]],
    np.ndarray[Any, np.dtype[np.bool_]],
    np.ndarray[Any, np.dtype[np.bool_]],
]:
    """(values, missing, bad) for raw cell texts by the one rule of :mod:`logicmodel.intake.values`
    (blank/dash → missing; text → bad; each distinct text parsed once)."""
    return parse_numbers(text.to_numpy(dtype=object))


def _stage_of(text: str) -> str | None:
    s = re.sub(r"\s+", "", _nfkc(text))
    s = re.sub(r"^[0-9]+[.)]?", "", s)
    for words, stage in (
        (("短期", "初期"), "short"),
        (("中期", "中間"), "intermediate"),
        (("長期", "最終"), "long"),
    ):
        if any(w in s for w in words):
            return stage
    return None


def _direction_of(text: str) -> str | None:
    s = re.sub(r"\s+", "", _nfkc(text))
    if "上向" in s or s in {"↑", "増加"}:
        return "increase"
    if "下向" in s or s in {"↓", "減少"}:
        return "decrease"
    return None


def _row_type(text: str) -> int:
    s = re.sub(r"\s+", "", _nfkc(text))
    if not s:
        return 0
    for word, code in (("目標年度", 1), ("目標値", 2), ("実績値", 3), ("達成率", 4)):
        if word in s:
            return code
    m = re.match(r"^([1-4])\.?$", s)
    return int(m.group(1)) if m else -1


def _number_id(text: str) -> str:
    s = _nfkc(text).strip()
    if s.isdigit():
        return str(int(s))
    return re.sub(r"\W+", "_", s).strip("_")


def _fmt(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


# ------------------------------------------------------------------------------------ reading
class _Findings:
    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(
        self,
        code: str,
        source: str,
        row: int | None,
        message: str,
        message_ja: str,
        *,
        column: str | None = None,
        ids: tuple[str, ...] = (),
    ) -> None:
        severity = RS_FINDING_CODES[code][0]
        where = Path(source.rsplit("!", maxsplit=1)[-1]).name + (
            f" row {row}" if row is not None else ""
        )
        if column is not None:
            where += f", {column}"
        self.items.append(
            Issue(code, severity, where, message, message_ja, row=row, column=column, ids=ids)
        )


def _first_non_blank(df: pd.DataFrame, by: str, cols: list[str]) -> dict[str, np.ndarray[Any, Any]]:
    """First non-blank (stripped) text of each column per value of ``by``, or ``None``.

    ``by`` holds ``0 … n-1`` in ascending order (every value present). Only the first non-empty
    cell of each group is converted and stripped; groups whose pick is whitespace only (rare)
    go through a full ``strip``.
    """
    keys = df[by].to_numpy()
    n = int(keys[-1]) + 1 if len(keys) else 0
    out: dict[str, np.ndarray[Any, Any]] = {}
    for c in cols:
        col = df[c].astype(str)
        filled = np.flatnonzero((col != "").to_numpy(dtype=bool))
        k = keys[filled]
        first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else filled
        rows = filled[first]
        picked = [v.strip() for v in col.iloc[rows].tolist()]
        if not all(picked):  # a whitespace-only cell came first: strip the whole column
            stripped = col.str.strip()
            filled = np.flatnonzero((stripped != "").to_numpy(dtype=bool))
            k = keys[filled]
            first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else filled
            rows = filled[first]
            picked = stripped.iloc[rows].tolist()
        values = np.full(n, None, dtype=object)
        values[keys[rows]] = picked
        out[c] = values
    return out


def _take_text(values: np.ndarray[Any, Any], index: np.ndarray[Any, Any]) -> Any:
    """``values[index]`` as a ``str`` array, converting each of the (few) values once."""
    return pd.array(values, dtype="str").take(index)


def _fy_labels(years: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``FY{year}`` for an array of years, formatted once per distinct year."""
    uniq, inverse = np.unique(years, return_inverse=True)
    return np.array([f"FY{y}" for y in uniq.tolist()], dtype=object)[inverse]


def _isin(values: pd.Series, known: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """``values.isin(known)`` through a hash table (the ``str`` dtype's ``isin`` boxes every
    value of ``known`` as an Arrow scalar: seconds for 100,000 keys)."""
    index = pd.Index(pd.unique(np.asarray(known, dtype=object)), dtype=object)
    return np.asarray(index.get_indexer(values.to_numpy(dtype=object)) >= 0, dtype=bool)


def _texts(series: pd.Series) -> list[Any]:
    """The values as a list with ``None`` for missing (pandas 3 keeps text columns as ``str``)."""
    values: list[Any] = cast("Any", series).to_numpy(dtype=object, na_value=None).tolist()
    return values


def _blank_to_nan(series: pd.Series) -> pd.Series:
    s = series.astype(str).str.strip()
    return s.where(s != "")


# -- bulk checks: every field the models would validate, checked once on whole columns --------
_MAX_TEXT = 10_000  # the ``Text`` limit of the model layer
_MAX_NODE_ID = MAX_ID_LENGTH - 4  # room for the indicator suffix ``_i99``


def _is_id(text: str, limit: int = MAX_ID_LENGTH) -> bool:
    return len(text) <= limit and text.isidentifier() and not text.startswith("__")


def _text_limits(columns: Iterable[str]) -> dict[str, int]:
    """Column → longest stripped text it may hold once it becomes a label, tag or reference."""
    out: dict[str, int] = {}
    for c in columns:
        if c in C_KPI:
            out[c] = _MAX_TEXT - len(_REF_PREFIX[c])
        elif c in COMMON_COLUMNS and c not in (C_NAME, C_MINISTRY):
            out[c] = _MAX_TEXT - len(f"{_TAG_PREFIX}{c}=")
        else:
            out[c] = _MAX_TEXT
    return out


def _check_text(df: pd.DataFrame, name: str, limits: dict[str, int]) -> None:
    """Raise :class:`FormatError` at the first cell whose text is longer than its field allows."""
    for c, limit in limits.items():
        if c not in df.columns:
            continue
        col = df[c].astype(str)
        lengths = np.asarray(col.str.len().fillna(0), dtype=np.int64)
        for k in np.flatnonzero(lengths > limit).tolist():
            n = len(str(col.iat[k]).strip())
            if n > limit:
                raise FormatError(
                    f"text of {n:,} characters; the limit is {limit:,}",
                    path=name,
                    row=int(df["_row"].to_numpy()[k]),
                    column=c,
                )


def _rs_unit(text: str) -> tuple[str | None, float, str | None]:
    """(canonical unit, scale, None) for a unit cell, or (None, 1.0, why) when it is no unit.

    The canonical text is checked as ``Indicator.unit`` would check it (NFKC form, parses).
    """
    try:
        canon, scale = normalize_rs_unit(text)
        if normalize_unit_text(canon) != canon:
            raise UnitError(f"unit {text!r} has no canonical form", text=text)
        parse_unit(canon)
    except UnitError as err:
        return None, 1.0, str(err)
    if not (math.isfinite(scale) and scale > 0):
        return None, 1.0, f"unit {text!r} has scale {scale!r}"
    return canon, scale, None


def _check_years(years: Iterable[int], name: str) -> None:
    """Target periods are written ``FY{year}``: each must be its own canonical period label."""
    for y in years:
        label = f"FY{y}"
        try:
            ok = parse_period(label).label == label
        except PeriodError:
            ok = False
        if not ok:
            raise FormatError(
                f"year column {y} is not a fiscal year a target can have", path=name, column=str(y)
            )


def _check_references(
    name: str,
    *,
    nodes: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]],
    indicators: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]],
    measures: np.ndarray[Any, Any],
    links: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]],
) -> None:
    """What ``LogicModel``'s reference validator checks, for every project at once.

    ``nodes`` and ``indicators`` are (project, id, CSV row) arrays, ``measures`` the node each
    indicator measures, ``links`` (project, source, target). Ids must be identifiers, unique per
    project across nodes and indicators; measures and link ends name nodes of the same project;
    no link is a self link or given twice.

    Raises
    ------
    FormatError
        An id the sheet's numbers make twice (``番号 1_i1`` of an activity is also the id of the
        first indicator of activity 1) or an id that is no identifier (names the row).
    ModelError
        A broken reference (a reader bug: the reader only makes references it has checked).
    """
    pc = np.concatenate([nodes[0], indicators[0]]).astype(np.int64)
    ids = np.concatenate([nodes[1], indicators[1]]).astype(object)
    rows = np.concatenate([nodes[2], indicators[2]]).astype(np.int64)
    for u in pd.unique(ids):
        if not _is_id(str(u)):
            k = int(np.flatnonzero(ids == u)[0])
            raise FormatError(
                f"the node number makes the id {u!r}, which is not an identifier of at most "
                f"{MAX_ID_LENGTH} characters",
                path=name,
                row=int(rows[k]),
                column=C_NO,
            )
    keys = pd.Series(pc).astype(str) + "\x1f" + pd.Series(ids, dtype=object).astype(str)
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise FormatError(
            f"the node numbers make the id {ids[k]!r} twice in one project (a node and an "
            "indicator, ids are unique); renumber the node",
            path=name,
            row=int(rows[k]),
            column=C_NO,
        )
    node_keys = keys.iloc[: len(nodes[0])]

    def known(project: np.ndarray[Any, Any], ref: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        k = pd.Series(project).astype(str) + "\x1f" + pd.Series(ref, dtype=object).astype(str)
        return _isin(k, node_keys)

    l_pc, l_src, l_dst = links
    pairs = pd.DataFrame({"p": l_pc, "s": l_src, "t": l_dst})
    broken = [
        (indicators[1], ~known(indicators[0], measures), "measures an unknown node"),
        (l_src, ~known(l_pc, l_src), "starts at an unknown node"),
        (l_src, ~known(l_pc, l_dst), "ends at an unknown node"),
        (l_src, np.asarray(l_src == l_dst, dtype=bool), "is a self link"),
        (l_src, pairs.duplicated().to_numpy(), "is given twice"),
    ]
    for what, bad, text in broken:
        if bad.any():
            raise ModelError(f"{name}: {what[bad][0]!r} {text} (RS reader reference check)")


_M = TypeVar("_M", bound=BaseModel)


@functools.cache
def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Every field of ``cls`` in definition order with its default (``None`` when required)."""
    return {
        name: None if field.is_required() else field.get_default(call_default_factory=True)
        for name, field in cls.model_fields.items()
    }


def _build(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of ``cls`` from values already checked in bulk (what ``model_construct`` does).

    The reader checks every field on whole columns first (:func:`_check_text`,
    :func:`_check_references`, :func:`_rs_unit`, :func:`_check_years`, ids). pydantic's
    ``model_construct`` resolves aliases and copies defaults on every call, which makes it slower
    than validation for classes with many defaulted fields (``Indicator``: 36 µs against 13 µs);
    this sets the same four attributes from a per-class template (~2 µs). The objects equal
    validated ones, ``model_fields_set`` included: tests check
    ``LogicModel.model_validate(m.model_dump()) == m`` for every project read.
    """
    data = _defaults(cls) | values
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


@overload
def read_rs(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    project: None = None,
    *,
    year: int | None = None,
    errors: Literal["collect", "raise"] = "collect",
) -> dict[str, ModelData]: ...
@overload
def read_rs(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    project: str | int = ...,
    *,
    year: int | None = None,
    errors: Literal["collect", "raise"] = "collect",
) -> ModelData: ...
def read_rs(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    project: str | int | None = None,
    *,
    year: int | None = None,
    errors: Literal["collect", "raise"] = "collect",
) -> dict[str, ModelData] | ModelData:
    """Read RS System 3-1 (and 3-2) CSVs into one :class:`ModelData` per 予算事業ID.

    Parameters
    ----------
    sheet_3_1
        The ``3-1_RS_…_効果発現経路_目標・実績.csv`` file (UTF-8 with BOM, or cp932), the ZIP as
        downloaded (members found by name), or a folder holding the files.
    sheet_3_2
        The ``3-2_RS_…_効果発現経路_目標のつながり.csv`` file (or ZIP). Taken from the ZIP/folder of
        ``sheet_3_1`` when not given; without it the models have no links.
    project
        One 予算事業ID (``"4"``, ``"000004"`` or ``4``: leading zeros are ignored for matching);
        then the single :class:`ModelData` is returned.
    year
        Keep only rows whose 事業年度 is this review year (and pick this year's ZIP members).
    errors
        ``"collect"`` (default): data-quality problems are findings, returned by
        :func:`read_rs_report`, and reading carries on; ``"raise"``: the first error-severity
        finding raises :class:`~logicmodel.FormatError` with its location.

    Returns
    -------
    dict of str to ModelData, or ModelData
        Keyed by the id exactly as written in the 3-1 file (``"000123"`` stays ``"000123"``).

    Raises
    ------
    FormatError
        The file is missing, not a CSV, not UTF-8/cp932, lacks a required column (the message names
        the file, the missing header and the nearest header present), or ``project`` is not in it
        (the message names the nearest ids).

    Examples
    --------
    >>> import logicmodel as lm, pathlib, tempfile
    >>> from logicmodel.io.rs import read_rs, write_rs
    >>> m = lm.LogicModel(id="rs_4", title="窓口DX", nodes=[
    ...     lm.Activity(id="activity_1", label="導入支援"),
    ...     lm.Output(id="output_1", label="導入団体の増加")],
    ...     links=[lm.Link(source="activity_1", target="output_1")],
    ...     indicators=[lm.Indicator(id="output_1_i1", measures="output_1", name="導入団体数",
    ...                              unit="団体", targets={"FY2025": 900})])
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p1, p2 = write_rs(m, d / "3-1.csv", d / "3-2.csv", project_id="4")
    >>> data = read_rs(p1, p2, project="000004")
    >>> [n.id for n in data.model.nodes], data.model.indicators[0].final_target
    (['activity_1', 'output_1'], Point(period='FY2025', value=900.0, note='目標年度'))
    """
    result = read_rs_report(sheet_3_1, sheet_3_2, project=project, year=year)
    if errors == "raise":
        for issue in result.findings.errors:
            raise FormatError(
                f"{issue.code} {issue.message}",
                path=issue.where.split(" row ")[0],
                row=issue.row,
                column=issue.column,
            )
    elif errors != "collect":
        raise FormatError(f"errors={errors!r}: use 'collect' or 'raise'")
    if project is not None:
        return next(iter(result.projects.values()))
    return result.projects


def read_rs_report(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None = None,
    *,
    project: str | int | None = None,
    year: int | None = None,
) -> RSRead:
    """Like :func:`read_rs`, returning every project and every data-quality finding.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> header = ",".join(RS_3_1_COLUMNS)
    >>> row = {c: "" for c in RS_3_1_COLUMNS}
    >>> row.update({"予算事業ID": "7", C_NO: "1", C_KIND: "アウトプット", C_IND: "件数",
    ...             C_UNIT: "件", C_ROW: "3.実績値", "2023": "十二"})
    >>> text = header + "\\n" + ",".join(row.values()) + "\\n"
    >>> _ = (d / "3-1.csv").write_text(text, encoding="utf-8-sig")
    >>> result = read_rs_report(d / "3-1.csv")
    >>> print(result.findings)
    LM303 error   3-1.csv row 2, 2023: non-numeric value '十二' in 3.実績値 of indicator
    'output_1_i1'
    """
    return _read_report(sheet_3_1, sheet_3_2, project=project, year=year)


def _read_report(
    sheet_3_1: PathLike,
    sheet_3_2: PathLike | None,
    *,
    project: str | int | None,
    year: int | None,
) -> RSRead:
    s1, s2 = _resolve(sheet_3_1, sheet_3_2, year)
    found = _Findings()
    known_1 = tuple(c for c in RS_3_1_COLUMNS if not c.isdigit())
    df, unknown = _read_table(s1, "3-1 (効果発現経路_目標・実績)", _REQUIRED_3_1, known_1)
    df["_row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    year_cols = [str(c) for c in df.columns if _is_year(str(c))]
    years = [int(_nfkc(c).strip().removesuffix("年度")) for c in year_cols]
    if year is not None:
        df = _filter_year(df, year, s1.name)
    if project is not None:
        df = _select_project(df, project, s1.name)

    # -- node keys (vectorised; mappings built over the few distinct values) ------------------
    pid = df[C_PROJECT].astype(str).str.strip()
    kind_raw = _clean(df[C_KIND])
    kind = kind_raw.map({u: _KIND_OF.get(re.sub(r"\s+", "", u)) for u in kind_raw.unique()})
    num_raw = df[C_NO].astype(str)
    num = num_raw.map({u: _number_id(u) for u in num_raw.unique()}).astype(str)
    rtype = (
        df[C_ROW]
        .astype(str)
        .map({u: _row_type(u) for u in df[C_ROW].astype(str).unique()})
        .astype(np.int64)
    )
    node_id = kind.fillna("x").astype(str) + "_" + num
    id_ok = node_id.map({u: _is_id(u, _MAX_NODE_ID) for u in node_id.unique()}).astype(bool)
    bad_row = (pid == "") | kind.isna() | (num == "") | ~id_ok | (rtype < 0)
    if bad_row.any():
        for k in np.flatnonzero(bad_row.to_numpy())[:1000]:
            r = int(df["_row"].to_numpy()[k])
            if pid.iat[k] == "":
                what, col = "予算事業ID is blank", C_PROJECT
            elif kind.isna().iat[k]:
                what, col = (
                    f"種別 {df[C_KIND].iat[k]!r} is not アクティビティ, アウトプット or アウトカム",
                    C_KIND,
                )
            elif num.iat[k] == "":
                what, col = "the node number is blank", C_NO
            elif not id_ok.iat[k]:
                what, col = (
                    f"the node number {df[C_NO].iat[k]!r} gives the id {node_id.iat[k]!r}, "
                    f"which is not an identifier of at most {_MAX_NODE_ID} characters",
                    C_NO,
                )
            else:
                what, col = (
                    f"row type {df[C_ROW].iat[k]!r} is not "
                    "1.目標年度, 2.目標値, 3.実績値 or 4.達成率",
                    C_ROW,
                )
            found.add(
                "LM314",
                s1.name,
                r,
                f"{what}; row skipped",
                "解釈できない行のため読み飛ばしました",
                column=col,
                ids=(str(pid.iat[k]),) if pid.iat[k] else (),
            )
        keep = ~bad_row.to_numpy()
        df, pid, kind, node_id, rtype = df[keep], pid[keep], kind[keep], node_id[keep], rtype[keep]
    df = df.assign(
        _pid=pid.to_numpy(),
        _kind=kind.to_numpy(),
        _node=node_id.to_numpy(),
        _rtype=rtype.to_numpy(),
    )
    _check_text(
        df,
        s1.name,
        _text_limits([C_LABEL, C_QUAL, C_IND, C_SOURCE, C_REASON, *COMMON_COLUMNS, *C_KPI]),
    )
    # projects in order of appearance, each one contiguous; its nodes in order of appearance
    pcode0 = pd.factorize(df["_pid"])[0]
    ncode0 = pd.factorize(df["_pid"] + "\x1f" + df["_node"])[0]
    order = np.lexsort((ncode0, pcode0))
    if (order != np.arange(len(order))).any():  # usually each project's rows are together
        df = df.iloc[order]
    df["_nc"] = pd.factorize(ncode0[order])[0]
    df["_pc"] = pcode0[order]

    # -- nodes: one per _nc (0 … n_nodes-1, ascending through the frame) ----------------------
    nc_all = df["_nc"].to_numpy()
    n_nodes = int(nc_all[-1]) + 1 if len(nc_all) else 0
    n_first = np.searchsorted(nc_all, np.arange(n_nodes))
    n_pc = df["_pc"].to_numpy()[n_first]
    n_id = df["_node"].to_numpy(dtype=object)[n_first]
    n_kind = df["_kind"].to_numpy(dtype=object)[n_first]
    n_row = df["_row"].to_numpy()[n_first]
    n_attrs = _first_non_blank(df, "_nc", [C_LABEL, C_STAGE, C_QUAL, C_MEASURE, C_REASON])

    # -- indicator groups: a new one when the node changes, the row type does not increase, or
    #    the indicator name changes -----------------------------------------------------------
    ind_cols = [
        *("_nc", "_rtype", "_row", "_pid", "_node"),
        *(C_IND, C_UNIT, C_DIR, C_SOURCE, C_MEASURE, C_REASON),
        *year_cols,
        *unknown,
    ]
    ind = df.loc[(df["_rtype"] > 0).to_numpy(), list(dict.fromkeys(ind_cols))]
    nc = ind["_nc"].to_numpy()
    rt = ind["_rtype"].to_numpy()
    names = _clean(ind[C_IND]).to_numpy(dtype=object)
    new = np.ones(len(ind), dtype=bool)
    if len(ind) > 1:
        prev_named = names[:-1] != ""
        this_named = names[1:] != ""
        new[1:] = (
            (nc[1:] != nc[:-1])
            | (rt[1:] <= rt[:-1])
            | (prev_named & this_named & (names[1:] != names[:-1]))
        )
    gid = np.cumsum(new) - 1
    ind = ind.assign(_gid=gid)
    first = ind.loc[new, ["_nc", "_row", "_pid", "_node"]]
    n_groups = len(first)
    k_in_node = first.groupby("_nc", sort=False).cumcount().to_numpy() + 1
    g_nc = first["_nc"].to_numpy()
    g_ind_id = (
        first["_node"].astype(str) + "_i" + pd.Series(k_in_node, index=first.index).astype(str)
    ).to_numpy(dtype=object)
    g_attrs = _first_non_blank(ind, "_gid", [C_IND, C_UNIT, C_DIR, C_SOURCE, C_MEASURE, C_REASON])
    g_row = first["_row"].to_numpy()
    g_pid = first["_pid"].to_numpy(dtype=object)
    g_qual = np.array(
        ["定性" in _nfkc(m) if m is not None else False for m in g_attrs[C_MEASURE]], dtype=bool
    )

    # units and directions: parsed once per distinct text; findings only for the failures
    unit_map: dict[str, tuple[str | None, float, str | None]] = {}
    for u in pd.unique(g_attrs[C_UNIT][pd.notna(g_attrs[C_UNIT])]):
        unit_map[str(u)] = _rs_unit(str(u))
    g_unit = np.full(n_groups, None, dtype=object)
    g_scale = np.ones(n_groups)
    for g in np.flatnonzero(pd.notna(g_attrs[C_UNIT]) & ~g_qual).tolist():
        u = str(g_attrs[C_UNIT][g])
        g_unit[g], g_scale[g], why = unit_map[u]
        if why is not None:
            found.add(
                "LM311",
                s1.name,
                int(g_row[g]),
                f"indicator {g_ind_id[g]!r}: {why}; kept without unit",
                f"指標 {g_ind_id[g]!r} の単位 {u!r} を解釈できないため単位なしとしました",
                column=C_UNIT,
                ids=(str(g_pid[g]), str(g_ind_id[g])),
            )
    dir_raw = g_attrs[C_DIR]
    dir_map = {str(u): _direction_of(str(u)) for u in pd.unique(dir_raw[pd.notna(dir_raw)])}
    g_dir = np.array([None if d is None else dir_map[str(d)] for d in dir_raw], dtype=object)
    for g in np.flatnonzero(pd.notna(dir_raw) & pd.isna(g_dir)).tolist():
        d = dir_raw[g]
        found.add(
            "LM315",
            s1.name,
            int(g_row[g]),
            f"indicator {g_ind_id[g]!r}: direction {d!r} is not 上向き or 下向き; left unset",
            f"改善の向き {d!r} を解釈できません",
            column=C_DIR,
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )

    # -- values: only the non-blank cells of the year block ----------------------------------
    pieces_r: list[np.ndarray[Any, Any]] = []
    pieces_y: list[np.ndarray[Any, Any]] = []
    pieces_t: list[np.ndarray[Any, Any]] = []
    quant_rows = ~g_qual[ind["_gid"].to_numpy()] if len(ind) else np.zeros(0, dtype=bool)
    for col, yr in zip(year_cols, years, strict=True):
        s = ind[col]
        mask = (s != "").to_numpy() & quant_rows
        if mask.any():
            idx = np.flatnonzero(mask)
            pieces_r.append(idx)
            pieces_y.append(np.full(len(idx), yr, dtype=np.int64))
            pieces_t.append(s.iloc[idx].to_numpy(dtype=object))
    if pieces_r:
        cell_r = np.concatenate(pieces_r)
        cell_y = np.concatenate(pieces_y)
        cell_t = np.concatenate(pieces_t)
    else:
        cell_r = np.zeros(0, dtype=np.int64)
        cell_y = np.zeros(0, dtype=np.int64)
        cell_t = np.zeros(0, dtype=object)
    # cells in (group, year) order: targets come out sorted, observations nearly so
    by_cell = np.lexsort((cell_y, cell_r))
    cell_r, cell_y, cell_t = cell_r[by_cell], cell_y[by_cell], cell_t[by_cell]
    cell_type = ind["_rtype"].to_numpy()[cell_r]
    cell_g = ind["_gid"].to_numpy()[cell_r]
    cell_line = ind["_row"].to_numpy()[cell_r]
    text_s = pd.Series(cell_t, dtype=object)
    values, missing, bad = _parse_numbers(text_s)
    is_flag_row = cell_type == 1
    flag = np.zeros(len(text_s), dtype=bool)
    flag_rows = np.flatnonzero(is_flag_row)
    flag[flag_rows] = _clean(text_s.iloc[flag_rows]).isin(_FLAG_VALUES).to_numpy()
    # on 目標年度 rows, "0" and dashes mean "not a target year"; other text is a finding
    bad = np.where(is_flag_row, ~flag & ~missing & ~(values == 0), bad)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values * g_scale[cell_g]
    overflow = ~is_flag_row & ~missing & ~bad & ~np.isfinite(scaled)
    for k in np.flatnonzero(bad | overflow)[:10_000]:
        g = int(cell_g[k])
        rname = _ROW_JA[int(cell_type[k])]
        what = "non-numeric value" if bad[k] else "value too large (not finite once scaled)"
        found.add(
            "LM303",
            s1.name,
            int(cell_line[k]),
            f"{what} {cell_t[k]!r} in {rname} of indicator {g_ind_id[g]!r}",
            f"指標 {g_ind_id[g]!r} の{rname}に数値でない値 {cell_t[k]!r} があります",
            column=str(cell_y[k]),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    # ＊ / * in 実績値 is read as no value, but said (issue 12: never "read as nothing" silently)
    star = missing & (cell_type == 3) & _clean(text_s).isin(("*", "＊")).to_numpy()
    for k in np.flatnonzero(star)[:1000]:
        g = int(cell_g[k])
        found.add(
            "LM319",
            s1.name,
            int(cell_line[k]),
            f"{cell_t[k]!r} in 3.実績値 of indicator {g_ind_id[g]!r} is read as no value (not 0)",
            f"指標 {g_ind_id[g]!r} の3.実績値の {cell_t[k]!r} を値なしとして読みました（0ではありません）",
            column=str(cell_y[k]),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    ok = ~missing & ~bad & ~overflow
    key = cell_g.astype(np.int64) * 100_000 + cell_y
    is_target = ok & (cell_type == 2)
    t_key = key[is_target]
    flag_key = key[flag]
    t_flag = np.isin(t_key, flag_key)
    for k in np.flatnonzero(~np.isin(flag_key, t_key)).tolist():
        g, yr, line = int(cell_g[flag][k]), int(cell_y[flag][k]), int(cell_line[flag][k])
        found.add(
            "LM316",
            s1.name,
            line,
            f"indicator {g_ind_id[g]!r}: {yr} is marked as the target year but has no 目標値",
            f"{yr}年度は目標年度ですが目標値がありません",
            column=str(yr),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )

    # target points: one frozen Point per distinct (year, value, note), shared by indicators
    t_g = cell_g[is_target]
    t_year = cell_y[is_target]
    t_value = scaled[is_target]
    _check_years(np.unique(t_year), s1.name)
    codes = (
        pd.DataFrame({"y": t_year, "v": t_value.view(np.int64), "f": t_flag})
        .groupby(["y", "v", "f"], sort=False)
        .ngroup()
        .to_numpy()
    )
    _, u_first = np.unique(codes, return_index=True)
    u_points = [
        _build(Point, {"period": f"FY{y}", "value": v, "note": _TARGET_NOTE if f else None})
        for y, v, f in zip(
            t_year[u_first].tolist(),
            t_value[u_first].tolist(),
            t_flag[u_first].tolist(),
            strict=True,
        )
    ]
    points = [u_points[c] for c in codes.tolist()]
    t_bounds = np.searchsorted(t_g, np.arange(n_groups + 1))

    # observations: actuals with the published 達成率 beside them
    actuals = pd.DataFrame(
        {
            "key": key,
            "g": cell_g,
            "year": cell_y,
            "value": scaled,
            "line": cell_line,
            "r": cell_r,
        }
    )[ok & (cell_type == 3)]
    is_rate = ok & (cell_type == 4)
    rates = pd.DataFrame(
        {"key": key[is_rate], "reported_achievement": values[is_rate] / 100.0}
    ).drop_duplicates("key")
    orphan = ~np.isin(key[is_rate], actuals["key"].to_numpy())
    for k in np.flatnonzero(orphan).tolist():
        g, yr, line = int(cell_g[is_rate][k]), int(cell_y[is_rate][k]), int(cell_line[is_rate][k])
        found.add(
            "LM316",
            s1.name,
            line,
            f"indicator {g_ind_id[g]!r}: 達成率 for {yr} without a 実績値; not kept",
            f"{yr}年度の達成率に対応する実績値がありません",
            column=str(yr),
            ids=(str(g_pid[g]), str(g_ind_id[g])),
        )
    obs = actuals.merge(rates, on="key", how="left", sort=False)
    og = obs["g"].to_numpy(dtype=np.int64)
    oyear = obs["year"].to_numpy(dtype=np.int64)
    # within a project: by indicator id, then year (the order of read_rs since its first version)
    id_rank = np.unique(g_ind_id.astype(str), return_inverse=True)[1]
    o_pc = n_pc[g_nc[og]]
    o_order = np.lexsort((oyear, id_rank[og], o_pc))
    og, oyear, o_pc = og[o_order], oyear[o_order], o_pc[o_order]
    obs = obs.iloc[o_order]
    observations = pd.DataFrame(
        {
            "indicator": _take_text(g_ind_id, og),
            "period": pd.array(_fy_labels(oyear), dtype="str"),
            "value": obs["value"].to_numpy(dtype=float),
            "unit": _take_text(g_unit, og),
            "kind": _take_text(np.array(["actual"], dtype=object), np.zeros(len(og), np.int64)),
            "source_row": obs["line"].to_numpy(dtype=np.int64),
            "project": _take_text(g_pid, og),
            "reported_achievement": obs["reported_achievement"].to_numpy(dtype=float),
        }
    )
    if unknown:
        rows = obs["r"].to_numpy(dtype=np.int64)
        for c in unknown:
            observations[c] = ind[c].array.take(rows)

    # -- projects ------------------------------------------------------------------------------
    pc_all = df["_pc"].to_numpy()
    n_projects = int(pc_all[-1]) + 1 if len(pc_all) else 0
    p_pid = df["_pid"].to_numpy(dtype=object)[np.searchsorted(pc_all, np.arange(n_projects))]

    # -- node objects (fields checked in bulk above: ids, texts, stages) ----------------------
    stage_raw = n_attrs[C_STAGE]
    stage_map = {str(u): _stage_of(str(u)) for u in pd.unique(stage_raw[pd.notna(stage_raw)])}
    n_stage = [None if s is None else stage_map[str(s)] for s in stage_raw]
    node_objs: list[Any] = []
    for k, (nid, nkind, label, desc, raw_stage, stage) in enumerate(
        zip(
            n_id.tolist(),
            n_kind.tolist(),
            n_attrs[C_LABEL].tolist(),
            n_attrs[C_QUAL].tolist(),
            stage_raw.tolist(),
            n_stage,
            strict=True,
        )
    ):
        fields: dict[str, Any] = {"id": nid, "label": label, "description": desc}
        if nkind == "outcome":
            if raw_stage is not None and stage is None:
                found.add(
                    "LM315",
                    s1.name,
                    int(n_row[k]),
                    f"node {nid!r}: stage {raw_stage!r} is not 短期, 中期 or 長期; taken as short",
                    f"アウトカムの期間 {raw_stage!r} を解釈できないため短期としました",
                    column=C_STAGE,
                    ids=(str(p_pid[n_pc[k]]), nid),
                )
            fields["stage"] = stage or "short"
            node_objs.append(_build(Outcome, fields))
        elif nkind == "output":
            node_objs.append(_build(Output, fields))
        else:
            node_objs.append(_build(Activity, fields))

    # -- indicator objects, in node order (then group order) --------------------------------
    ind_objs: list[Any] = []
    ind_nc: list[int] = []
    percent_units = {u for u in set(g_unit.tolist()) if u is not None and is_percent(u)}
    for g, (gid_, ncode, name, unit, direction, source, reason) in enumerate(
        zip(
            g_ind_id.tolist(),
            g_nc.tolist(),
            g_attrs[C_IND].tolist(),
            g_unit.tolist(),
            g_dir.tolist(),
            g_attrs[C_SOURCE].tolist(),
            g_attrs[C_REASON].tolist(),
            strict=True,
        )
    ):
        fields = {"id": gid_, "measures": n_id[ncode], "name": name}
        if g_qual[g]:
            fields.update(
                direction=direction, source=source, measure="qualitative", description=reason
            )
        else:
            fields.update(
                unit=unit,
                direction=direction,
                targets=tuple(points[t_bounds[g] : t_bounds[g + 1]]),
                source=source,
            )
            if unit is not None and unit in percent_units:
                # a rate is averaged across organisations, never summed (LM216)
                fields["aggregation"] = "mean"
        ind_objs.append(_build(Indicator, fields))
        ind_nc.append(ncode)
    # a 定性的 outcome without indicator rows still gets its qualitative indicator
    has_group = np.zeros(n_nodes, dtype=bool)
    has_group[g_nc] = True
    n_measure = n_attrs[C_MEASURE]
    for ncode in np.flatnonzero(~has_group & pd.notna(n_measure)).tolist():
        if "定性" in _nfkc(str(n_measure[ncode])):
            nid = n_id[ncode]
            fields = {
                "id": f"{nid}_i1",
                "measures": nid,
                "direction": None,
                "measure": "qualitative",
                "description": n_attrs[C_REASON][ncode],
            }
            ind_objs.append(_build(Indicator, fields))
            ind_nc.append(ncode)
    i_nc = np.asarray(ind_nc, dtype=np.int64)
    i_order = np.argsort(i_nc, kind="stable")
    i_nc = i_nc[i_order]
    i_objs = [ind_objs[k] for k in i_order.tolist()]

    # -- links (3-2), checked against the nodes of each project -----------------------------
    p_pkey = np.array([_project_key(p) for p in p_pid.tolist()], dtype=object)
    links_of: dict[int, list[Link]] = {}
    reason_by_project: dict[str, str] = {}
    if s2 is not None:
        cand, reason_by_project = _read_links(s2, set(p_pkey.tolist()), found, year, project)
        links_of = _place_links(
            cand, p_pid=p_pid, p_pkey=p_pkey, n_pc=n_pc, n_id=n_id, found=found, name=s2.name
        )
    l_pc = np.array([pc for pc, ls in links_of.items() for _ in ls], dtype=np.int64)
    l_ends = np.array([(k.source, k.target) for ls in links_of.values() for k in ls], dtype=object)
    l_ends = l_ends.reshape(-1, 2)
    _check_references(
        s1.name,
        nodes=(n_pc, n_id, n_row),
        indicators=(n_pc[i_nc], np.array([i.id for i in i_objs], dtype=object), n_row[i_nc]),
        measures=np.array([i.measures for i in i_objs], dtype=object),
        links=(l_pc, l_ends[:, 0], l_ends[:, 1]),
    )

    # -- project metadata --------------------------------------------------------------------------
    meta_cols = [c for c in (*COMMON_COLUMNS, *C_KPI) if c != C_PROJECT]
    p_meta = _first_non_blank(df, "_pc", meta_cols)
    tag_cols = [c for c in meta_cols if c not in (C_NAME, C_MINISTRY, *C_KPI)]

    # -- one model per project: slices of the node, indicator and observation arrays ---------
    n_bounds = np.searchsorted(n_pc, np.arange(n_projects + 1))
    i_bounds = np.searchsorted(i_nc, n_bounds)
    o_bounds = np.searchsorted(o_pc, np.arange(n_projects + 1))
    m_ids, m_titles, m_owners, m_descs, m_refs, m_tags = [], [], [], [], [], []
    for j, p in enumerate(p_pid.tolist()):
        m_ids.append(_model_id(p))
        m_titles.append(p_meta[C_NAME][j] or p)
        m_owners.append(p_meta[C_MINISTRY][j])
        m_descs.append(reason_by_project.get(p_pkey[j]))
        m_refs.append(
            tuple(_REF_PREFIX[c] + str(p_meta[c][j]) for c in C_KPI if p_meta[c][j] is not None)
        )
        m_tags.append(
            tuple(f"{_TAG_PREFIX}{c}={p_meta[c][j]}" for c in tag_cols if p_meta[c][j] is not None)
        )
    for mid in set(m_ids):
        check_id(mid)
    projects: dict[str, ModelData] = {}
    for j, p in enumerate(p_pid.tolist()):
        model = _build(
            LogicModel,
            {
                "id": m_ids[j],
                "title": m_titles[j],
                "owner": m_owners[j],
                "description": m_descs[j],
                "nodes": tuple(node_objs[n_bounds[j] : n_bounds[j + 1]]),
                "links": tuple(links_of.get(j, ())),
                "indicators": tuple(i_objs[i_bounds[j] : i_bounds[j + 1]]),
                "refs": m_refs[j],
                "tags": m_tags[j],
            },
        )
        ob = observations.iloc[o_bounds[j] : o_bounds[j + 1]]
        ob.index = pd.RangeIndex(len(ob))
        projects[p] = ModelData(model, ob)
    return RSRead(projects, Report(found.items))


def _near(name: str, known: Iterable[str]) -> str:
    near = nearest(name, known)
    return (
        "; nodes defined: " + ", ".join(repr(n) for n in near)
        if near
        else "; the project has no nodes"
    )


def _model_id(project: str) -> str:
    s = re.sub(r"\W+", "_", _nfkc(project)).strip("_") or "project"
    return ("rs_" + s)[:64]


def _filter_year(df: pd.DataFrame, year: int, name: str) -> pd.DataFrame:
    col = df[C_YEAR].astype(str)
    key = {u: re.sub(r"\D", "", _nfkc(u)) for u in col.unique()}
    keep = col.map(key) == str(year)
    if not keep.any():
        present = sorted({v for v in key.values() if v})
        raise FormatError(
            f"no rows with 事業年度 {year}; years present: {', '.join(present) or 'none'}",
            path=name,
            column=C_YEAR,
        )
    return df[keep.to_numpy()]


def _select_project(df: pd.DataFrame, project: str | int, name: str) -> pd.DataFrame:
    col = df[C_PROJECT].astype(str)
    keys = col.map({u: _project_key(u) for u in col.unique()})
    keep = keys == _project_key(str(project))
    if not keep.any():
        ids = [str(u).strip() for u in col.unique() if str(u).strip()]
        near = nearest(str(project), ids)
        raise FormatError(
            f"予算事業ID {str(project)!r} is not in this file; nearest ids: "
            + (", ".join(repr(n) for n in near) if near else "none (the file has no projects)"),
            path=name,
            column=C_PROJECT,
        )
    return df[keep.to_numpy()]


def _read_links(
    src: _Source,
    pkeys_3_1: set[str],
    found: _Findings,
    year: int | None,
    project: str | int | None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The 3-2 links that name two nodes of a project in the 3-1 file, once each, in file order.

    Returns the candidates (``pkey, source, target, rationale, line, pid``) and the
    アウトカムを複数段階で設定できない理由 of each project (by project key).
    """
    known = tuple(RS_3_2_COLUMNS)
    df, _ = _read_table(src, "3-2 (効果発現経路_目標のつながり)", _REQUIRED_3_2, known)
    df["_row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    _check_text(df, src.name, {C_RATIONALE: _MAX_TEXT, C_NOSTAGES: _MAX_TEXT})
    if year is not None and (df[C_YEAR] != "").any():
        col = df[C_YEAR].astype(str)
        df = df[
            (
                col.map({u: re.sub(r"\D", "", _nfkc(u)) for u in col.unique()}) == str(year)
            ).to_numpy()
        ]
    pkey = (
        df[C_PROJECT]
        .astype(str)
        .map({u: _project_key(u) for u in df[C_PROJECT].astype(str).unique()})
    )
    if project is not None:
        keep = (pkey == _project_key(str(project))).to_numpy()
        df, pkey = df[keep], pkey[keep]
    ends: list[pd.Series] = []
    for side in (0, 1):
        k_raw = _clean(df[E2_KIND[side]])
        kind = k_raw.map({u: _KIND_OF.get(re.sub(r"\s+", "", u)) for u in k_raw.unique()})
        num = (
            df[E2_NO[side]]
            .astype(str)
            .map({u: _number_id(u) for u in df[E2_NO[side]].astype(str).unique()})
        )
        end = (kind.fillna("x").astype(str) + "_" + num.astype(str)).astype(object)
        ends.append(end.where(kind.notna().to_numpy() & (num != "").to_numpy(), None))
    links = pd.DataFrame(
        {
            "pkey": pkey.to_numpy(dtype=object),
            "source": ends[0].to_numpy(dtype=object),
            "target": ends[1].to_numpy(dtype=object),
            "rationale": _texts(_blank_to_nan(df[C_RATIONALE])),
            "line": df["_row"].to_numpy(dtype=np.int64),
            "pid": df[C_PROJECT].to_numpy(dtype=object),
        }
    )
    no_stage = _blank_to_nan(df[C_NOSTAGES])
    has = no_stage.notna().to_numpy()
    reasons_by_key = (
        pd.DataFrame({"p": links["pkey"].to_numpy()[has], "r": no_stage.to_numpy()[has]})
        .drop_duplicates("p")
        .set_index("p")["r"]
        .astype(str)
        .to_dict()
    )
    reasons = {str(k): str(v) for k, v in reasons_by_key.items()}
    parsed = links["source"].notna().to_numpy() & links["target"].notna().to_numpy()
    in_3_1 = _isin(links["pkey"], list(pkeys_3_1))
    is_self = parsed & (links["source"] == links["target"]).to_numpy()
    cand = parsed & in_3_1 & ~is_self
    twice = np.zeros(len(links), dtype=bool)
    twice[cand] = links[cand].duplicated(["pkey", "source", "target"]).to_numpy()
    src_l, dst_l = _texts(links["source"]), _texts(links["target"])
    for k in np.flatnonzero(~parsed | ~in_3_1 | is_self | twice).tolist():
        s, t = src_l[k], dst_l[k]
        line, raw_pid = int(links["line"].to_numpy()[k]), str(links["pid"].to_numpy()[k])
        if not parsed[k]:
            end_name = "派生元" if s is None else "派生先"
            found.add(
                "LM314",
                src.name,
                line,
                f"{end_name} number or 種別 not understood; link skipped",
                f"{end_name}の番号または種別を解釈できないため読み飛ばしました",
                ids=(raw_pid,),
            )
        elif not in_3_1[k]:
            found.add(
                "LM312",
                src.name,
                line,
                f"project {raw_pid!r} has no rows in the 3-1 sheet; link {s} → {t} dropped",
                f"予算事業ID {raw_pid!r} は3-1にありません",
                column=C_PROJECT,
                ids=(raw_pid,),
            )
        else:
            what = "links a node to itself" if is_self[k] else "is given twice"
            found.add(
                "LM313",
                src.name,
                line,
                f"link {s} → {t} {what}; dropped",
                f"つながり {s} → {t} は重複または自己参照のため除きました",
                ids=(raw_pid, str(s)),
            )
    return links[cand & ~twice].reset_index(drop=True), reasons


def _place_links(
    cand: pd.DataFrame,
    *,
    p_pid: np.ndarray[Any, Any],
    p_pkey: np.ndarray[Any, Any],
    n_pc: np.ndarray[Any, Any],
    n_id: np.ndarray[Any, Any],
    found: _Findings,
    name: str,
) -> dict[int, list[Link]]:
    """Links per project index: each candidate goes to every project with its key whose nodes
    hold both ends (a finding otherwise)."""
    projects = pd.DataFrame({"pc": np.arange(len(p_pkey)), "pkey": p_pkey})
    x = cand.assign(_li=np.arange(len(cand))).merge(projects, on="pkey", how="inner")
    x = x.iloc[np.lexsort((x["_li"].to_numpy(), x["pc"].to_numpy()))]
    node_keys = pd.Series(n_pc).astype(str) + "\x1f" + pd.Series(n_id, dtype=object)
    pc_text = x["pc"].astype(str) + "\x1f"
    src_ok = _isin(pc_text + x["source"].astype(str), node_keys)
    dst_ok = _isin(pc_text + x["target"].astype(str), node_keys)
    n_bounds = np.searchsorted(n_pc, np.arange(len(p_pkey) + 1))
    out: dict[int, list[Link]] = {}
    for pc, s, t, why, line, s_ok, t_ok in zip(
        x["pc"].tolist(),
        _texts(x["source"]),
        _texts(x["target"]),
        _texts(x["rationale"]),
        x["line"].tolist(),
        src_ok.tolist(),
        dst_ok.tolist(),
        strict=True,
    ):
        if s_ok and t_ok:
            out.setdefault(pc, []).append(
                _build(Link, {"source": s, "target": t, "rationale": why})
            )
            continue
        p = str(p_pid[pc])
        gone = s if not s_ok else t
        node_ids = n_id[n_bounds[pc] : n_bounds[pc + 1]].tolist()
        found.add(
            "LM312",
            name,
            int(line),
            f"link {s} → {t}: node {gone!r} is not in the 3-1 sheet "
            f"of project {p!r}; link dropped" + _near(gone, node_ids),
            f"つながり {s} → {t} のノード {gone!r} が3-1にありません",
            ids=(p, gone),
        )
    return out


# ------------------------------------------------------------------------------------ writing
def _fy(period: str, where: str, fiscal_year_start: int = 4) -> int:
    """The fiscal year a period spells (``FY2025``, ``2025年度``, ``令和7年度``, ``R7年度`` …)."""
    try:
        p = parse_period(period, fiscal_year_start)
    except PeriodError:
        p = None
    year = None
    if p is not None and p.start.month == fiscal_year_start and p.start.day == 1:
        nxt = p.start.replace(year=p.start.year + 1)
        if (nxt - p.end).days == 1:
            year = p.start.year
    if year is None or not YEARS[0] <= year <= YEARS[-1]:
        raise ModelError(
            f"{where}: period {period!r} cannot be written to an RS sheet: it needs fiscal years "
            f"FY{YEARS[0]}…FY{YEARS[-1]} (FY2025, 2025年度 and 令和7年度 are the same)"
        )
    return year


def _rs_kind(kind: str) -> str:
    """The RS 種別 a node kind is written as: inputs as activities, impacts as outcomes."""
    return {"input": "activity", "impact": "outcome"}.get(kind, kind)


def _numbering(model: LogicModel) -> dict[str, tuple[str, str]]:
    """node id → (番号, 種別 kind); ``activity_3`` keeps 3, other ids get the next free number."""
    taken: dict[str, set[int]] = {"activity": set(), "output": set(), "outcome": set()}
    out: dict[str, tuple[str, str]] = {}
    for n in model.nodes:
        kind = _rs_kind(n.kind)
        m = re.fullmatch(rf"{kind}_(\d+)", n.id)
        if m is not None and int(m.group(1)) not in taken[kind]:
            taken[kind].add(int(m.group(1)))
            out[n.id] = (str(int(m.group(1))), kind)
    for n in model.nodes:
        if n.id not in out:
            kind = _rs_kind(n.kind)
            k = 1
            while k in taken[kind]:
                k += 1
            taken[kind].add(k)
            out[n.id] = (str(k), kind)
    return out


def rs_losses(model: LogicModel) -> list[str]:
    """What an RS sheet cannot hold of ``model``, one sentence per item (empty: nothing is lost).

    RS 3-1/3-2 sheets hold activities, outputs and outcomes, each indicator's name, unit,
    direction, source, fiscal-year targets and actuals, and links with their rationale. They have
    no inputs, impacts, baselines, formulas, aggregation rules, weights, roles (KGI/KPI),
    milestones, link weights or assumptions.

    Examples
    --------
    >>> from logicmodel.testing import sample_model
    >>> rs_losses(sample_model())[:1]  # doctest: +ELLIPSIS
    ["input 'grant' is written as an activity (RS has no inputs)"...]
    """
    out: list[str] = []
    for n in model.nodes:
        if n.kind == "input":
            out.append(f"input {n.id!r} is written as an activity (RS has no inputs)")
        elif n.kind == "impact":
            out.append(f"impact {n.id!r} is written as a long-term outcome (RS has no impacts)")
    for ind in model.indicators:
        if ind.formula is not None:
            out.append(
                f"indicator {ind.id!r}: formula {ind.formula!r} is not kept (RS holds values); "
                "its targets are written, its actuals only where observations give them"
            )
        if ind.baseline is not None:
            out.append(f"indicator {ind.id!r}: baseline {ind.baseline.period} is not kept")
        if ind.role is not None:
            out.append(f"indicator {ind.id!r}: role {ind.role} is not kept")
    if model.milestones:
        out.append(f"{len(model.milestones)} milestone(s) are not kept (RS has no roadmap)")
    return out


def _actual_table(
    model: LogicModel, observations: Any
) -> dict[tuple[str, int], tuple[float, float | None]]:
    """(indicator, fiscal year) → (value in the indicator's unit, reported achievement)."""
    if observations is None:
        return {}
    obs = observations if isinstance(observations, pd.DataFrame) else pd.DataFrame(observations)
    for col in ("indicator", "period", "value"):
        if col not in obs.columns:
            raise FormatError(f"observations lack the column {col!r}", column=col)
    obs = obs[obs["indicator"].isin([i.id for i in model.indicators])]
    if "kind" in obs.columns:
        obs = obs[obs["kind"].isna() | (obs["kind"].astype(str) == "actual")]
    if obs.empty:
        return {}
    periods = obs["period"].astype(str)
    fy = periods.map(
        {u: _fy(u, "observations", model.fiscal_year_start) for u in periods.unique()}
    ).to_numpy(dtype=np.int64)
    values = pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float)
    ind_ids = obs["indicator"].astype(str).to_numpy(dtype=object)
    if "unit" in obs.columns:
        units = obs["unit"].to_numpy(dtype=object)
        for ind in model.indicators:
            for u in pd.unique(units[ind_ids == ind.id]):
                if isinstance(u, str) and u and ind.unit and u != ind.unit:
                    sel = (ind_ids == ind.id) & (units == u)
                    values[sel] = convert(values[sel], u, ind.unit)
    rate = (
        pd.to_numeric(obs["reported_achievement"], errors="coerce").to_numpy(dtype=float)
        if "reported_achievement" in obs.columns
        else np.full(len(obs), np.nan)
    )
    out: dict[tuple[str, int], tuple[float, float | None]] = {}
    for i, y, v, r in zip(
        ind_ids.tolist(), fy.tolist(), values.tolist(), rate.tolist(), strict=True
    ):
        if (i, y) in out:
            raise ModelError(
                f"observations: indicator {i!r} has two actuals for FY{y}; an RS sheet holds one"
            )
        out[(i, y)] = (v, None if math.isnan(r) else r)
    return out


def write_rs(
    data: ModelData | LogicModel,
    path_3_1: PathLike,
    path_3_2: PathLike,
    *,
    project_id: str,
    observations: Any = None,
    year: int | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write a model as RS System 3-1 and 3-2 CSVs (UTF-8 with BOM, published headers and order).

    Parameters
    ----------
    data
        A :class:`LogicModel`, or a :class:`ModelData` whose observations are written as 実績値.
    path_3_1, path_3_2
        Where to write ``効果発現経路_目標・実績`` and ``効果発現経路_目標のつながり``. Both are
        written to temporary files and synced first, then renamed: when either cannot be
        written, neither file is changed.
    project_id
        The 予算事業ID to write (kept as given, e.g. ``"000123"``).
    observations
        Actuals (columns ``indicator, period, value``, optional ``kind``, ``unit``,
        ``reported_achievement``); overrides those of ``data``. Periods must be fiscal years
        (any spelling).
    year
        The 事業年度 (review year); default: the model's ``rs:事業年度`` tag, else blank.
    overwrite
        Replace read-only files too.

    Returns
    -------
    tuple of Path
        ``(path_3_1, path_3_2)``, so ``read_rs(*write_rs(...))`` reads them back.

    Raises
    ------
    ModelError
        The model has inputs or impacts, or targets/actuals at periods that are not fiscal years
        2007…2060, or two actuals for one indicator and year.
    WriteError
        A file cannot be written (the message names it and the cause).

    Notes
    -----
    Each indicator takes four rows (1.目標年度 / 2.目標値 / 3.実績値 / 4.達成率); a node without
    indicators takes one row with a blank row type. Target years are the targets noted
    ``"目標年度"``, or the final target when none is. Text that a spreadsheet would run as a formula
    is prefixed with ``'`` (:func:`~logicmodel.io.files.neutralise`); the reader removes it again.
    """
    if isinstance(data, ModelData):
        model, obs = data.model, data.observations
    else:
        model, obs = data, None
    if observations is not None:
        obs = observations
    fys = model.fiscal_year_start
    numbers = _numbering(model)
    actual = _actual_table(model, obs)
    losses = rs_losses(model)
    if losses:
        warnings.warn(
            "RS sheets cannot hold all of model "
            f"{model.id!r}:\n" + "\n".join(f"- {x}" for x in losses),
            ConversionWarning,
            stacklevel=2,
        )
    meta: dict[str, str] = dict.fromkeys(RS_3_1_COLUMNS, "")
    for tag in model.tags:
        if tag.startswith(_TAG_PREFIX) and "=" in tag:
            key, text = tag[len(_TAG_PREFIX) :].split("=", 1)
            if key in meta:
                meta[key] = text
    for ref in model.refs:
        for c, prefix in _REF_PREFIX.items():
            if ref.startswith(prefix):
                meta[c] = ref[len(prefix) :]
    meta[C_PROJECT] = str(project_id)
    meta[C_NAME] = model.title
    meta[C_MINISTRY] = model.owner or ""
    if year is not None:
        meta[C_YEAR] = str(year)
    head = {c: meta[c] for c in (*COMMON_COLUMNS, *C_KPI)}

    rows: list[dict[str, str]] = []
    for node in model.nodes:
        number, kind = numbers[node.id]
        base = {**head, C_NO: number, C_KIND: _KIND_JA[kind], C_LABEL: node.label or ""}
        if isinstance(node, Outcome):
            base[C_STAGE] = _STAGE_JA[node.stage]
        elif node.kind == "impact":
            base[C_STAGE] = _STAGE_JA["long"]
        base[C_QUAL] = node.description or ""
        inds = model.indicators_of(node.id)
        if not inds:
            rows.append(base)
            continue
        for ind in inds:
            qual = ind.measure == "qualitative"
            common = {
                **base,
                C_IND: ind.name or "",
                C_UNIT: "" if qual else (ind.unit or ""),
                C_DIR: {"increase": "上向き", "decrease": "下向き"}.get(ind.direction or "", ""),
                C_SOURCE: ind.source or "",
                C_MEASURE: "定性的" if qual else ("定量的" if kind == "outcome" else ""),
                C_REASON: (ind.description or "") if qual else "",
            }
            r1, r2, r3, r4 = ({**common, C_ROW: _ROW_JA[t]} for t in (1, 2, 3, 4))
            if not qual:
                noted = [p for p in ind.targets if p.note == _TARGET_NOTE]
                final = ind.final_target
                marks = noted or ([final] if final is not None else [])
                for p in ind.targets:
                    r2[str(_fy(p.period, f"indicator {ind.id!r} target", fys))] = _fmt(p.value)
                for p in marks:
                    r1[str(_fy(p.period, f"indicator {ind.id!r} target", fys))] = "1"
                for (iid, y), (v, rate) in actual.items():
                    if iid == ind.id and math.isfinite(v):
                        r3[str(y)] = _fmt(v)
                        if rate is not None:
                            r4[str(y)] = _fmt(round(rate * 100, 10))
            rows.extend((r1, r2, r3, r4))
    frame = pd.DataFrame(rows, columns=list(RS_3_1_COLUMNS), dtype=object).fillna("")
    text_cols = [c for c in RS_3_1_COLUMNS if not c.isdigit()]
    frame[text_cols] = frame[text_cols].map(neutralise)

    edge_rows: list[dict[str, str]] = []
    for link in model.links:
        row = {**{c: meta[c] for c in COMMON_COLUMNS}}
        for side, nid in enumerate((link.source, link.target)):
            node = model.node(nid)
            number, kind = numbers[nid]
            row[E2_NO[side]] = number
            row[E2_KIND[side]] = _KIND_JA[kind]
            row[E2_STAGE[side]] = (
                _STAGE_JA[node.stage]
                if isinstance(node, Outcome)
                else (_STAGE_JA["long"] if node.kind == "impact" else "")
            )
            row[E2_LABEL[side]] = node.label or ""
            first = model.indicators_of(nid)
            row[E2_IND[side]] = (first[0].name or "") if first else ""
        row[C_RATIONALE] = link.rationale or ""
        row[C_NOSTAGES] = model.description or ""
        edge_rows.append(row)
    edges = pd.DataFrame(edge_rows, columns=list(RS_3_2_COLUMNS), dtype=object).fillna("")
    edges = edges.map(neutralise)

    for folder in {Path(path_3_1).parent, Path(path_3_2).parent}:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise write_error(
                err, path_3_1 if folder == Path(path_3_1).parent else path_3_2
            ) from err
    text_3_1 = frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    text_3_2 = edges.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    # both written and synced before either is renamed: a full disk changes neither file
    with (
        atomic_open(path_3_1, "wb", overwrite=overwrite) as f1,
        atomic_open(path_3_2, "wb", overwrite=overwrite) as f2,
    ):
        for fh, payload in ((f1, text_3_1), (f2, text_3_2)):
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path_3_1), Path(path_3_2)
