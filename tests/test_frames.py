"""Frames and CSV folders: lossless round trips, formula neutralisation, located errors."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logicmodel.errors import FormatError, WriteError
from logicmodel.io.frames import (
    TABLES,
    TableError,
    from_frames,
    join_items,
    read_csvs,
    split_items,
    to_csv,
    to_frames,
    write_csvs,
)
from logicmodel.model import (
    KGI,
    KPI,
    Activity,
    Aggregation,
    Impact,
    Indicator,
    Input,
    Link,
    LogicModel,
    Milestone,
    Outcome,
    Output,
)

# -- a sample model and a strategy for random small models -------------------------------


def sample_model() -> LogicModel:
    return LogicModel(
        id="window_dx",
        title="書かないワンストップ窓口",
        owner="デジタル庁",
        fiscal_year_start=4,
        refs=("https://example.jp/rs", "白書 2024"),
        tags=("DX",),
        nodes=[
            Input(
                id="grant",
                label="補助金",
                controllable=True,
                assumptions=("予算が確保される", "複数行\nの前提"),
            ),
            Activity(id="support", label="導入支援", owner="自治体DX室"),
            Output(id="adopted", label="=導入団体の増加", controllable=False),
            Outcome(id="no_forms", label="書かずに手続できる", stage="short"),
            Outcome(id="wait", label="待ち時間の短縮", stage="intermediate", tags=("利用者視点",)),
            Impact(id="ux", label="利用者体験の向上", description="-最終的な目標"),
        ],
        links=[
            Link(source="grant", target="support"),
            Link(source="support", target="adopted"),
            Link(source="adopted", target="no_forms", weight=2.0, rationale="@窓口で書かない"),
            Link(
                source="no_forms",
                target="wait",
                assumptions=("来庁者数が一定",),
                evidence="実証事業",
            ),
        ],
        indicators=[
            KPI(
                id="adopted_n",
                measures="adopted",
                name="導入団体数",
                unit="団体",
                baseline={"period": "FY2023", "value": 120},
                targets=[
                    {"period": "FY2025", "value": 900},
                    {"period": "FY2027", "value": 1741, "note": "全団体"},
                ],
            ),
            KGI(
                id="wait_min",
                measures="wait",
                name="平均待ち時間",
                unit="分",
                direction="decrease",
                baseline={"period": "FY2023", "value": 40, "note": "調査"},
                targets={"FY2027": 15},
                aggregation="mean",
            ),
            Indicator(
                id="orgs_n",
                measures="adopted",
                unit="団体",
                direction=None,
                aggregation=Aggregation(time="sum", orgs="mean"),
                frequency="fiscal_year",
            ),
            KPI(
                id="share",
                measures="adopted",
                unit="%",
                formula="adopted_n / orgs_n * 100",
                weight=0.5,
                weight_by="orgs_n",
                measure="qualitative",
                source="RS",
                refs=("a", "b"),
            ),
        ],
        milestones=[
            Milestone(
                id="spec",
                title="標準仕様の公開",
                due="2024-09-30",
                start="2024-04-01",
                delivers=["support", "adopted"],
                service_level="60秒で完結",
            ),
            Milestone(
                id="release", title="全国展開", due="FY2026", done=dt.date(2026, 3, 1), owner="国"
            ),
        ],
    )


_JA_WORDS = [
    "窓口",
    "待ち時間",
    "導入団体数",
    "書かない",
    "令和6年度",
    "デジタル庁",
    "ｶﾅ",
    "１２３",
]
_TRICKY = [
    "=SUM(A1:A3)",
    "-3",
    "+81",
    "@user",
    "'=x",
    "''-y",
    "[x]",
    "1,234",
    "2024",
    "TRUE",
    "a; b",
]
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co")
) | st.sampled_from(["\n", "\t"])


def _text() -> st.SearchStrategy[str]:
    free = st.text(_CHARS, min_size=1, max_size=12)
    return st.one_of(st.sampled_from(_JA_WORDS), st.sampled_from(_TRICKY), free).filter(
        lambda s: bool(s.strip())
    )


_ID = st.one_of(
    st.text(string.ascii_lowercase, min_size=1, max_size=1).flatmap(
        lambda a: st.text(string.ascii_lowercase + string.digits + "_", max_size=6).map(
            lambda b: a + b
        )
    ),
    st.sampled_from(["指標", "待ち時間", "窓口_2", "アウトカム", "kgi"]).flatmap(
        lambda a: st.integers(0, 99).map(lambda n: f"{a}{n}")
    ),
)
_PERIODS = ["FY2023", "FY2025", "FY2027", "2024-06", "2024Q1", "FY2024Q2", "2025", "2024-06-30"]
_VALUE = st.floats(
    allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12
) | st.integers(-(10**6), 10**6).map(float)


@st.composite
def models(draw: st.DrawFn) -> LogicModel:
    """Random small valid models: Japanese text, tricky strings, every optional field."""
    ids = draw(
        st.lists(_ID, min_size=2, max_size=14, unique=True).filter(
            lambda xs: all(x.isidentifier() for x in xs)
        )
    )
    n_nodes = draw(st.integers(1, max(1, len(ids) - 1)))
    node_ids, rest = ids[:n_nodes], ids[n_nodes:]
    opt = st.none() | _text()
    items = st.lists(_text(), max_size=3).map(tuple)
    nodes: list[Any] = []
    for nid in node_ids:
        kind = draw(st.sampled_from(["input", "activity", "output", "outcome", "impact"]))
        fields: dict[str, Any] = {
            "id": nid,
            "kind": kind,
            "label": draw(opt),
            "description": draw(opt),
            "owner": draw(opt),
            "controllable": draw(st.none() | st.booleans()),
            "assumptions": draw(items),
            "refs": draw(items),
            "tags": draw(items),
        }
        if kind == "outcome":
            fields["stage"] = draw(st.sampled_from(["short", "intermediate", "long"]))
        nodes.append(fields)
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(node_ids), st.sampled_from(node_ids)), max_size=6, unique=True
        )
    )
    links = [
        {
            "source": a,
            "target": b,
            "weight": draw(st.floats(0, 1e6)),
            "rationale": draw(opt),
            "assumptions": draw(items),
            "evidence": draw(opt),
        }
        for a, b in pairs
        if a != b
    ]
    n_ind = draw(st.integers(0, len(rest)))
    ind_ids, ms_ids = rest[:n_ind], rest[n_ind:]
    point = st.fixed_dictionaries(
        {"period": st.sampled_from(_PERIODS), "value": _VALUE, "note": opt}
    )
    indicators = []
    for k, iid in enumerate(ind_ids):
        agg = draw(
            st.sampled_from(["stock", "flow", "mean"])
            | st.builds(
                Aggregation,
                time=st.sampled_from(["sum", "last", "mean", "min", "max"]),
                orgs=st.sampled_from(["sum", "mean", "min", "max", "none"]),
            )
        )
        indicators.append(
            {
                "id": iid,
                "measures": draw(st.sampled_from(node_ids)),
                "name": draw(opt),
                "unit": draw(
                    st.sampled_from([None, "件", "人", "団体", "%", "分", "千円", "件/人"])
                ),
                "role": draw(st.sampled_from([None, "KGI", "KPI"])),
                "direction": draw(st.sampled_from([None, "increase", "decrease", "maintain"])),
                "baseline": draw(st.none() | point),
                "targets": draw(st.lists(point, max_size=3)),
                "aggregation": agg,
                "formula": f"{ind_ids[k - 1]} * 2" if k and draw(st.booleans()) else None,
                "weight": draw(st.floats(0, 100)),
                "frequency": draw(st.sampled_from([None, "month", "fiscal_year"])),
                "source": draw(opt),
                "measure": draw(st.sampled_from(["quantitative", "qualitative"])),
                "description": draw(opt),
                "refs": draw(items),
            }
        )
    day = st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31))
    milestones = [
        {
            "id": mid,
            "title": draw(_text()),
            "due": draw(day),
            "start": draw(st.none() | day),
            "done": draw(st.none() | day),
            "delivers": draw(st.lists(st.sampled_from(node_ids), max_size=2)),
            "service_level": draw(opt),
            "description": draw(opt),
            "owner": draw(opt),
            "tags": draw(items),
        }
        for mid in ms_ids
    ]
    return LogicModel.model_validate(
        {
            "id": draw(_ID.filter(str.isidentifier)),
            "title": draw(_text()),
            "owner": draw(opt),
            "description": draw(opt),
            "fiscal_year_start": draw(st.integers(1, 12)),
            "refs": draw(items),
            "tags": draw(items),
            "nodes": nodes,
            "links": links,
            "indicators": indicators,
            "milestones": milestones,
        }
    )


def _base(**tables: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {"model": pd.DataFrame({"id": ["m"], "title": ["窓口"]}), **tables}


# -- round trips -------------------------------------------------------------------------


def test_to_frames_tables_and_columns() -> None:
    frames = to_frames(sample_model())
    assert list(frames) == ["model", "nodes", "links", "indicators", "targets", "milestones"]
    for name, frame in frames.items():
        assert list(frame.columns) == [c.key for c in TABLES[name]]
    assert len(frames["model"]) == 1
    assert frames["nodes"]["kind"].tolist() == [
        "input",
        "activity",
        "output",
        "outcome",
        "outcome",
        "impact",
    ]
    assert frames["nodes"]["stage"].isna().tolist() == [True, True, True, False, False, True]
    ind = frames["indicators"].set_index("id")
    assert ind.loc["wait_min", "aggregation"] == "mean"
    assert ind.loc["orgs_n", "aggregation"] == "time:sum,orgs:mean"
    assert ind.loc["adopted_n", "baseline_value"] == 120.0
    assert pd.isna(ind.loc["orgs_n", "direction"])
    assert frames["targets"]["indicator"].tolist() == ["adopted_n", "adopted_n", "wait_min"]
    assert frames["milestones"]["delivers"][0] == "support\nadopted"
    assert pd.isna(frames["milestones"]["delivers"][1])
    # a multi-line item makes the cell a JSON list
    assert frames["nodes"]["assumptions"][0] == '["予算が確保される", "複数行\\nの前提"]'


def test_from_frames_is_exact_inverse() -> None:
    m = sample_model()
    assert from_frames(to_frames(m)) == m


def test_empty_model_round_trips() -> None:
    m = LogicModel(id="m", title="")
    frames = to_frames(m)
    assert all(len(f) == 0 for name, f in frames.items() if name != "model")
    assert from_frames(frames) == m


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_frames_round_trip_property(model: LogicModel) -> None:
    assert from_frames(to_frames(model)) == model


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(models())
def test_csv_folder_round_trip_property(tmp_path: Path, model: LogicModel) -> None:
    folder = write_csvs(model, tmp_path / "m")
    assert read_csvs(folder) == model


def test_csv_folder_round_trip_with_bom(tmp_path: Path) -> None:
    m = sample_model()
    folder = write_csvs(m, tmp_path / "bom", bom=True)
    assert (folder / "nodes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csvs(folder) == m
    plain = write_csvs(m, tmp_path / "plain")
    assert not (plain / "nodes.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_items_join_and_split() -> None:
    for items in [("a", "b"), ("[x]",), ("a\nb", "c"), ("x", "[y]"), ("1",)]:
        text = join_items(items)
        assert text is not None
        assert split_items(text) == items
    assert join_items(()) is None
    assert split_items("a\r\n\n b \n") == ("a", "b")
    assert split_items("[not json") == ("[not json",)


# -- to_csv ------------------------------------------------------------------------------


def test_to_csv_neutralises_formulas_but_not_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+81", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "窓口", "'=x"],
            "n": [-3, 1, 2, 3, 4, 5, 6, 7],
            "f": [-1.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    before = frame.copy()
    p = to_csv(frame, tmp_path / "x.csv")
    back = pd.read_csv(p, dtype=str, keep_default_na=False)
    assert back["text"].tolist() == [
        "'=1+1",
        "'+81",
        "'-x",
        "'@SUM(A1)",
        "'\tcmd",
        "'\rcmd",
        "窓口",
        "''=x",
    ]
    assert back["n"].tolist()[0] == "-3"
    assert back["f"].tolist()[0] == "-1.5"
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is untouched


def test_to_csv_bom_and_utf8(tmp_path: Path) -> None:
    frame = pd.DataFrame({"団体": ["札幌市"], "code": ["011002"]})
    raw = to_csv(frame, tmp_path / "a.csv", bom=True).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "札幌市,011002".encode() in raw
    assert not to_csv(frame, tmp_path / "b.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_to_csv_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(WriteError, match=r"folder .*missing.* does not exist"):
        to_csv(pd.DataFrame({"a": [1]}), tmp_path / "missing" / "a.csv")
    with pytest.raises(FormatError, match="DataFrame"):
        to_csv([1, 2], target)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_formula_text_round_trips_through_csv(tmp_path: Path) -> None:
    m = LogicModel(
        id="m",
        title='=HYPERLINK("http://x")',
        nodes=[Activity(id="a", label="'=x", tags=("-1", "@x"))],
    )
    folder = write_csvs(m, tmp_path / "m")
    assert "'=HYPERLINK" in (folder / "model.csv").read_text(encoding="utf-8")
    assert read_csvs(folder) == m


# -- reading frames written by people ----------------------------------------------------


def test_japanese_and_combined_headers_and_text_values() -> None:
    frames = _base(
        nodes=pd.DataFrame(
            {
                "ID": ["a", "b"],
                "種別": ["アクティビティ", "outcome"],
                "段階 (stage)": [None, "中期"],
                "制御可能": ["はい", "×"],
            }
        ),
        indicators=pd.DataFrame(
            {
                "id": ["n"],
                "対象要素": ["b"],
                "単位": ["件／人"],
                "基準値": ["１，２３４"],
                "基準年度": ["令和5年度"],
                "方向": ["下向き"],
                "集計方法": ["time: sum, orgs: mean"],
            }
        ),
        targets=pd.DataFrame({"指標ID": ["n"], "目標年度": ["2027年度"], "目標値": ["▲5"]}),
    )
    m = from_frames(frames)
    assert m.nodes[1].stage == "intermediate"  # type: ignore[union-attr]
    assert (m.nodes[0].controllable, m.nodes[1].controllable) == (True, False)
    ind = m.indicators[0]
    assert ind.unit == "件/人"
    assert ind.baseline is not None
    assert (ind.baseline.period, ind.baseline.value) == ("FY2023", 1234.0)
    assert ind.direction == "decrease"
    assert ind.aggregation == Aggregation(time="sum", orgs="mean")
    assert ind.targets[0].period == "FY2027"
    assert ind.targets[0].value == -5.0


def test_empty_rows_are_skipped_and_rows_counted_as_seen() -> None:
    nodes = pd.DataFrame({"id": ["a", None, "b"], "kind": ["output", None, "outcom"]})
    with pytest.raises(TableError) as info:
        from_frames(_base(nodes=nodes))
    assert (info.value.sheet, info.value.row, info.value.column) == ("nodes", 3, "kind")
    assert "did you mean 'outcome'" in str(info.value)
    assert str(info.value).startswith("nodes: row 3, column 'kind': ")


@pytest.mark.parametrize(
    ("tables", "where", "text"),
    [
        (
            {"nodes": pd.DataFrame({"id": [2024], "kind": ["output"]})},
            ("nodes", 1, "id"),
            "is a number",
        ),
        ({"nodes": pd.DataFrame({"id": ["a"], "kind": [None]})}, ("nodes", 1, "kind"), "required"),
        (
            {"nodes": pd.DataFrame({"id": ["a"], "kind": ["output"], "stage": ["short"]})},
            ("nodes", 1, "stage"),
            "only for outcomes",
        ),
        (
            {"nodes": pd.DataFrame({"id": ["a"], "kind": ["output"], "controllable": ["maybe"]})},
            ("nodes", 1, "controllable"),
            "TRUE or FALSE",
        ),
        (
            {"nodes": pd.DataFrame({"id": ["a", "a"], "kind": ["output", "impact"]})},
            ("nodes", 2, "id"),
            "duplicate id 'a'",
        ),
        (
            {
                "nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]}),
                "indicators": pd.DataFrame({"id": ["n"], "measures": ["a"], "unit": ["件／人人"]}),
            },
            ("indicators", 1, "unit"),
            "人人",
        ),
        (
            {
                "nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]}),
                "indicators": pd.DataFrame({"id": ["n"], "measures": ["x"]}),
            },
            ("indicators", 1, "measures"),
            "unknown node 'x'",
        ),
        (
            {
                "nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]}),
                "indicators": pd.DataFrame(
                    {"id": ["n"], "measures": ["a"], "aggregation": ["average"]}
                ),
            },
            ("indicators", 1, "aggregation"),
            "not stock, flow, mean",
        ),
        (
            {
                "nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]}),
                "indicators": pd.DataFrame({"id": ["n"], "measures": ["a"], "baseline_value": [3]}),
            },
            ("indicators", 1, "baseline_period"),
            "no period",
        ),
        (
            {
                "nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]}),
                "indicators": pd.DataFrame({"id": ["n"], "measures": ["a"]}),
                "targets": pd.DataFrame(
                    {"indicator": ["n", "n"], "period": ["FY2025", "FY20X5"], "value": [1, 2]}
                ),
            },
            ("targets", 2, "period"),
            "FY20X5",
        ),
        (
            {
                "indicators": pd.DataFrame({"id": [], "measures": []}),
                "targets": pd.DataFrame({"indicator": ["nn"], "period": ["FY2025"], "value": [1]}),
            },
            ("targets", 1, "indicator"),
            "unknown indicator 'nn'",
        ),
        (
            {
                "nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]}),
                "links": pd.DataFrame({"source": ["a"], "target": ["b"]}),
            },
            ("links", 1, "target"),
            "unknown node 'b'",
        ),
        (
            {"milestones": pd.DataFrame({"id": ["s"], "title": ["t"], "due": ["いつか"]})},
            ("milestones", 1, "due"),
            "いつか",
        ),
    ],
)
def test_bad_frames_name_table_row_and_column(
    tables: dict[str, pd.DataFrame], where: tuple[str, int, str], text: str
) -> None:
    with pytest.raises(FormatError) as info:
        from_frames(_base(**tables))
    err = info.value
    assert (err.sheet, err.row, err.column) == where
    assert text in str(err)
    assert f"{where[0]}: row {where[1]}, column '{where[2]}'" in str(err)


def test_all_cell_problems_are_reported_together() -> None:
    nodes = pd.DataFrame({"id": ["a", "b"], "kind": ["bad", "worse"]})
    with pytest.raises(TableError) as info:
        from_frames(_base(nodes=nodes))
    assert info.value.row == 1
    assert "1 more problem" in str(info.value)
    assert "'worse'" in str(info.value)


def test_model_table_problems() -> None:
    with pytest.raises(TableError, match="'model' table is missing"):
        from_frames({"nodes": pd.DataFrame({"id": ["a"], "kind": ["output"]})})
    with pytest.raises(TableError, match="more than one row") as info:
        from_frames({"model": pd.DataFrame({"id": ["m", "n"], "title": ["a", "b"]})})
    assert info.value.row == 2
    with pytest.raises(TableError, match="has no row"):
        from_frames({"model": pd.DataFrame({"id": [], "title": []})})
    with pytest.raises(TableError, match="fiscal_year_start") as info:
        from_frames(
            {"model": pd.DataFrame({"id": ["m"], "title": ["t"], "fiscal_year_start": [13]})}
        )
    assert info.value.column == "fiscal_year_start"


def test_unknown_table_column_and_missing_column() -> None:
    with pytest.raises(TableError, match="did you mean 'nodes'"):
        from_frames(_base(node=pd.DataFrame({"id": ["a"]})))
    with pytest.raises(TableError, match=r"unknown column 'knd'.*did you mean 'kind'") as info:
        from_frames(_base(nodes=pd.DataFrame({"id": ["a"], "knd": ["output"]})))
    assert info.value.column == "knd"
    with pytest.raises(TableError, match=r"required column.*kind"):
        from_frames(_base(nodes=pd.DataFrame({"id": ["a"]})))
    with pytest.raises(TableError, match="twice"):
        from_frames(
            _base(nodes=pd.DataFrame([["a", "output", "b"]], columns=["id", "kind", "ID (id)"]))
        )


def test_read_csvs_errors_name_file_row_and_column(tmp_path: Path) -> None:
    folder = write_csvs(sample_model(), tmp_path / "m")
    text = (
        (folder / "nodes.csv")
        .read_text(encoding="utf-8")
        .replace("wait,outcome,intermediate", "wait,outcome,someday")
    )
    (folder / "nodes.csv").write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        read_csvs(folder)
    err = info.value
    assert err.path == str(folder / "nodes.csv")
    assert (err.row, err.column) == (6, "stage")  # header is row 1; 'wait' is the fifth node
    assert "someday" in str(err)


def test_read_csvs_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="folder not found"):
        read_csvs(tmp_path / "nope")
    (tmp_path / "a").mkdir()
    with pytest.raises(FormatError, match=r"model\.csv is missing"):
        read_csvs(tmp_path / "a")
    (tmp_path / "a" / "model.csv").write_bytes("id,title\nm,窓口\n".encode("cp932"))
    with pytest.raises(FormatError, match="not UTF-8"):
        read_csvs(tmp_path / "a")
    (tmp_path / "a" / "model.csv").write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match="empty"):
        read_csvs(tmp_path / "a")


def test_read_csvs_keeps_text_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.csv").write_text("ID (id),名称 (title)\nm,007\n", encoding="utf-8")
    (folder / "nodes.csv").write_text("id,kind,label\na,output,0011\n", encoding="utf-8")
    m = read_csvs(folder)
    assert m.title == "007"
    assert m.nodes[0].label == "0011"
