"""``read_observations``: CSV (UTF-8, BOM, cp932), Parquet and Excel with codes kept as text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logicmodel.errors import FormatError
from logicmodel.io.observations import read_observations
from logicmodel.observations import prepare_observations
from logicmodel.testing import sample_model

CSV = '指標,団体コード,期間,値\ntrained_n,01100,令和6年度,12\ntrained_n,131016,2024-06,"1,200"\n'


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    frame = read_observations(_write(tmp_path / "obs.csv", CSV, encoding))
    assert list(frame.columns) == ["指標", "団体コード", "期間", "値", "source_row"]
    assert frame["団体コード"].tolist() == ["01100", "131016"]
    assert frame["期間"].tolist() == ["令和6年度", "2024-06"]
    assert frame["値"].tolist() == ["12", "1,200"]
    assert frame["source_row"].tolist() == [2, 3]


def test_explicit_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path / "obs.csv", CSV, "cp932")
    assert read_observations(path, encoding="cp932")["期間"].iloc[0] == "令和6年度"
    with pytest.raises(FormatError, match="not utf-8 text") as err:
        read_observations(path, encoding="utf-8")
    assert err.value.row == 1  # the Japanese header
    with pytest.raises(FormatError, match="unknown encoding"):
        read_observations(path, encoding="klingon")


def test_source_rows_skip_blank_lines_and_count_multiline_cells(tmp_path: Path) -> None:
    text = 'indicator,period,value,note\nn,2024-04,1,"two\nlines"\n\nn,2024-05,2,x\n'
    frame = read_observations(_write(tmp_path / "obs.csv", text, "utf-8"))
    assert frame["source_row"].tolist() == [2, 5]
    assert frame["value"].tolist() == ["1", "2"]


def test_tsv_and_missing_values(tmp_path: Path) -> None:
    frame = read_observations(
        _write(tmp_path / "obs.tsv", "indicator\tperiod\tvalue\nn\tFY2024\t\n", "utf-8")
    )
    assert frame["value"].isna().all()
    assert frame["period"].tolist() == ["FY2024"]


def test_line_numbers_reach_the_issues(tmp_path: Path) -> None:
    text = "indicator,org,period,value\ntrained_n,01100,FY2024,12\ntrained_n,01100,FY2025,abc\n"
    frame = read_observations(_write(tmp_path / "obs.csv", text, "utf-8"))
    issues = prepare_observations(sample_model(), frame).issues
    assert [(i.code, i.row) for i in issues] == [("LM303", 3)]
    assert "line 3" in issues[0].where


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "indicator": ["n", "n"],
            "org": ["01100", None],
            "period": pa.array([dt.date(2024, 6, 30), dt.date(2024, 7, 31)]),
            "value": [1.5, None],
            "year": [2024.0, 2025.0],
        }
    )
    path = tmp_path / "obs.parquet"
    pq.write_table(table, path)
    frame = read_observations(path)
    assert frame["org"].tolist()[0] == "01100"
    assert pd.isna(frame["org"].iloc[1])
    assert frame["period"].tolist() == ["2024-06-30", "2024-07-31"]
    assert frame["year"].tolist() == ["2024", "2025"]
    assert frame["value"].iloc[0] == 1.5
    assert frame["source_row"].tolist() == [2, 3]
    pq.write_table(
        pa.table({"indicator": ["n"], "org": [1100], "period": ["FY2024"], "value": [1]}), path
    )
    with pytest.raises(FormatError, match="leading zeros") as err:
        read_observations(path)
    assert err.value.column == "org"


def test_excel(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "first"
    ws.append(["indicator", "org", "period", "value"])
    ws.append(["n", "01100", dt.datetime(2024, 6, 30), 12])
    ws.append([None, None, None, None])
    ws.append(["n", "131016", "FY2024", "abc"])
    other = book.create_sheet("second")
    other.append(["指標", "期間", "値"])
    other.append(["n", 2024, 3.5])
    path = tmp_path / "obs.xlsx"
    book.save(path)
    frame = read_observations(path)
    assert frame["org"].tolist() == ["01100", "131016"]
    assert frame["period"].tolist() == ["2024-06-30", "FY2024"]
    assert frame["value"].tolist() == [12, "abc"]
    assert frame["source_row"].tolist() == [2, 4]
    second = read_observations(path, sheet="second")
    assert second["期間"].tolist() == ["2024"]
    assert second["値"].tolist() == [3.5]
    with pytest.raises(FormatError, match="no sheet 'third'; sheets: 'first', 'second'"):
        read_observations(path, sheet="third")
    ws.append(["n", 1100, "FY2024", 1])
    book.save(path)
    with pytest.raises(FormatError, match="leading zeros") as err:
        read_observations(path)
    assert (err.value.sheet, err.value.row, err.value.column) == ("first", 5, "B")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "obs.csv", "indicator,when,amount\nn,2024,1\n", "utf-8")
    with pytest.raises(
        FormatError, match=r"period, value; columns found: 'indicator', 'when', 'amount'"
    ) as err:
        read_observations(path)
    assert err.value.path == str(path)
    assert err.value.row == 1


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="file not found"):
        read_observations(tmp_path / "nope.csv")
    with pytest.raises(FormatError, match="empty file"):
        read_observations(_write(tmp_path / "empty.csv", "", "utf-8"))
    with pytest.raises(FormatError, match="empty file"):
        read_observations(_write(tmp_path / "bom.csv", "\ufeff\n", "utf-8"))
    (tmp_path / "bin.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(FormatError, match="binary"):
        read_observations(tmp_path / "bin.csv")
    (tmp_path / "bad.csv").write_bytes(b"indicator,period,value\nn,FY2024,1\n\xff\xfe\xfa,1,2\n")
    with pytest.raises(FormatError, match="not UTF-8 or Shift_JIS") as err:
        read_observations(tmp_path / "bad.csv")
    assert err.value.row == 3
    ragged = _write(
        tmp_path / "ragged.csv", "indicator,period,value\nn,FY2024,1\nn,FY2025,1,2,3\n", "utf-8"
    )
    with pytest.raises(FormatError, match="not a CSV table") as err:
        read_observations(ragged)
    assert err.value.row == 3
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not an Excel workbook"):
        read_observations(tmp_path / "fake.xlsx")
    (tmp_path / "fake.parquet").write_bytes(b"not parquet")
    with pytest.raises(FormatError, match="not a Parquet file"):
        read_observations(tmp_path / "fake.parquet")
    with pytest.raises(FormatError, match=r"unknown file type '\.json'"):
        read_observations(_write(tmp_path / "obs.json", "{}", "utf-8"))
    with pytest.raises(FormatError, match="folder"):
        read_observations(tmp_path)


@pytest.mark.parametrize("n_orgs", [3, 900])
def test_duplicates_found_in_dense_and_sparse_key_spaces(n_orgs: int) -> None:
    """Duplicated (indicator, org, period, kind) rows are reported and dropped alike whether the
    key space is small (counted with a bincount) or sparse (hashed): 900 orgs with one row each
    give far more possible keys than rows."""
    orgs = [f"{k:06d}" for k in range(n_orgs)]
    obs = pd.DataFrame(
        {
            "indicator": "wait_min",
            "org": [*orgs, orgs[1], orgs[1], orgs[2]],
            "period": ["FY2024"] * n_orgs + ["FY2024", "令和6年度", "FY2024"],
            "value": [1.0] * (n_orgs + 3),
            "kind": ["actual"] * (n_orgs + 2) + ["target"],
        }
    )
    prepared = prepare_observations(sample_model(), obs)
    dups = [i for i in prepared.issues if i.code == "LM304"]
    assert [(i.row, i.where) for i in dups] == [
        (1, f"observations rows 1, {n_orgs}, {n_orgs + 1} (0-based)")
    ]
    assert "3 rows" in dups[0].message
    kept = prepared.table()
    assert len(kept) == n_orgs + 3 - 3
    assert orgs[1] not in set(kept["org"])
    assert set(kept.loc[kept["org"] == orgs[2], "kind"]) == {"actual", "target"}


def _number_reference(text: object) -> tuple[float, bool]:
    """(value, not a number) of one cell by the one scalar rule every reader uses
    (:func:`logicmodel.intake.values.parse_number`: ``None`` blank, ``nan`` not a number)."""
    from logicmodel.intake.values import parse_number

    if text is None:
        return np.nan, False
    value = parse_number(text)
    if value is None:
        return np.nan, False
    return (value, False) if np.isfinite(value) else (np.nan, True)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False).map(repr),
            st.integers(-(10**12), 10**12).map(lambda n: f"{n:,}"),
            st.integers(-999, 999).map(
                lambda n: str(n).translate(str.maketrans("-0123456789", "－０１２３４５６７８９"))
            ),
            st.sampled_from(
                [
                    "",
                    " 12 ",
                    "-",
                    "N/A",
                    "nan",
                    "inf",
                    "1e400",
                    "0x1A",
                    "1_000",
                    "1.",
                    ".5",
                    "abc",
                    "5e",
                ]
            ),
            st.text(max_size=6),
            st.none(),
        ),
        max_size=30,
    )
)
def test_value_parsing_fast_path_equals_the_rule(cells: list[str | None]) -> None:
    """Plain numbers are parsed in one vectorised call and the rest cell by cell; together they
    give exactly the documented rule (full-width digits, thousands separators, blanks, words)."""
    from logicmodel.intake.columns import as_numbers as _as_numbers

    for series in (pd.Series(cells, dtype=object), pd.Series(cells, dtype="str")):
        values, bad = _as_numbers(series)
        want = [_number_reference(None if pd.isna(c) else c) for c in series]
        assert bad.tolist() == [b for _, b in want]
        np.testing.assert_array_equal(values, np.array([v for v, _ in want]))


_CELL = st.one_of(
    st.sampled_from(
        ["", " ", "NA", "null", "01100", "1,234", "令和6年度", 'say "hi"', "a\nb", "x,y"]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=5),
)


@settings(max_examples=120, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.text(alphabet="abcdef指標", min_size=1, max_size=4), min_size=n, max_size=n
            ),
            st.lists(st.lists(_CELL, min_size=n, max_size=n), max_size=6),
            st.sampled_from(["", "blank line", "ragged row", "long row"]),
        )
    )
)
def test_arrow_csv_reader_equals_pandas(case: tuple[list[str], list[list[str]], str]) -> None:
    """Arrow reads plain CSV tables (quotes, commas and newlines in cells, blanks, "NA" kept as
    text) exactly as pandas does; anything else falls back to pandas, errors included."""
    import csv
    import io as _io
    import tempfile
    from pathlib import Path as _Path

    from logicmodel.errors import FormatError as _FormatError
    from logicmodel.io.observations import _read_csv, _read_csv_arrow

    header, rows, oddity = case
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buf.getvalue()
    if oddity == "blank line":
        text += "\n" + ",".join(["z"] * len(header)) + "\n"
    elif oddity == "ragged row":
        text += "z\n"
    elif oddity == "long row":
        text += ",".join(["z"] * (len(header) + 1)) + "\n"
    path = _Path(tempfile.mkdtemp()) / "t.csv"
    path.write_text(text, encoding="utf-8")

    def read(engine: str) -> pd.DataFrame | str:
        try:
            return _read_csv(path, None, ",", engine=engine)
        except _FormatError as err:
            return str(err)

    fast, plain = read("auto"), read("pandas")
    if oddity in ("", "blank line") and len(set(header)) == len(header):
        assert _read_csv_arrow(text, ",", path) is not None  # a plain table: Arrow read it
    if isinstance(plain, str):
        assert fast == plain
    else:
        assert isinstance(fast, pd.DataFrame)
        pd.testing.assert_frame_equal(fast, plain)
