"""Excel workbooks: lossless round trips, the template, robust reading, located errors."""

from __future__ import annotations

import datetime as dt
import string
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logicmodel.errors import FormatError
from logicmodel.io.data import ModelData
from logicmodel.io.excel import SHEETS, excel_template, read_excel, write_excel
from logicmodel.io.text import dump, load
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
        refs=("https://example.jp/rs",),
        tags=("DX", "窓口"),
        nodes=[
            Input(
                id="grant",
                label="補助金",
                controllable=True,
                assumptions=("予算が確保される", "複数行\nの前提"),
            ),
            Activity(id="support", label="導入支援"),
            Output(id="adopted", label="=導入団体の増加", controllable=False),
            Outcome(id="no_forms", label="書かずに手続できる", stage="short"),
            Outcome(id="wait", label="待ち時間の短縮", stage="intermediate"),
            Impact(id="ux", label="利用者体験の向上", description="+最終目標"),
        ],
        links=[
            Link(source="grant", target="support"),
            Link(source="support", target="adopted"),
            Link(source="adopted", target="no_forms", weight=2.5, rationale="@書かない"),
            Link(source="no_forms", target="wait", evidence="実証事業"),
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
                baseline={"period": "FY2023", "value": 40},
                targets={"FY2027": 15},
                aggregation="mean",
            ),
            Indicator(
                id="orgs_n",
                measures="adopted",
                unit="団体",
                direction=None,
                aggregation=Aggregation(time="sum", orgs="mean"),
                frequency="month",
            ),
            KPI(
                id="share",
                measures="adopted",
                unit="%",
                formula="adopted_n / orgs_n * 100",
                weight=0.25,
                measure="qualitative",
            ),
        ],
        milestones=[
            Milestone(
                id="spec",
                title="標準仕様の公開",
                due="2024-09-30",
                delivers=["support", "adopted"],
                service_level="60秒で完結",
            ),
            Milestone(id="release", title="全国展開", due="FY2026", start=dt.date(2025, 4, 1)),
        ],
    )


def sample_observations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": ["adopted_n", "adopted_n", "wait_min"],
            "org": ["011002", "131016", "011002"],
            "period": ["FY2024", "FY2024", "2024-06"],
            "value": [10.0, 2.5, 31.0],
            "unit": ["団体", "団体", "分"],
            "kind": ["actual", "target", "actual"],
        }
    )


_JA_WORDS = ["窓口", "待ち時間", "導入団体数", "書かない", "令和6年度", "デジタル庁", "１２３"]
_TRICKY = [
    "=SUM(A1:A3)",
    "=1+1",
    "-3",
    "+81",
    "@user",
    "'=x",
    "[x]",
    "1,234",
    "2024",
    "TRUE",
    "_x0041_",
]
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co")
) | st.sampled_from(["\n", "\t"])
_TEXT = st.one_of(
    st.sampled_from(_JA_WORDS), st.sampled_from(_TRICKY), st.text(_CHARS, min_size=1, max_size=10)
).filter(lambda s: bool(s.strip()))
_ID = st.one_of(
    st.text(string.ascii_lowercase, min_size=1, max_size=1).flatmap(
        lambda a: st.text(string.ascii_lowercase + string.digits + "_", max_size=5).map(
            lambda b: a + b
        )
    ),
    st.sampled_from(["指標", "待ち時間", "アウトカム"]).flatmap(
        lambda a: st.integers(0, 99).map(lambda n: f"{a}{n}")
    ),
)
_PERIODS = ["FY2023", "FY2025", "2024-06", "2024Q1", "FY2024Q2", "2025", "2024-06-30"]


@st.composite
def models(draw: st.DrawFn) -> LogicModel:
    """Random small models: Japanese labels, stages, indicators with targets, milestones."""
    ids = draw(st.lists(_ID, min_size=2, max_size=10, unique=True))
    n_nodes = draw(st.integers(1, len(ids) - 1))
    node_ids, rest = ids[:n_nodes], ids[n_nodes:]
    opt = st.none() | _TEXT
    items = st.lists(_TEXT, max_size=2).map(tuple)
    nodes = []
    for nid in node_ids:
        kind = draw(st.sampled_from(["input", "activity", "output", "outcome", "impact"]))
        node: dict[str, Any] = {
            "id": nid,
            "kind": kind,
            "label": draw(opt),
            "owner": draw(opt),
            "controllable": draw(st.none() | st.booleans()),
            "assumptions": draw(items),
            "tags": draw(items),
        }
        if kind == "outcome":
            node["stage"] = draw(st.sampled_from(["short", "intermediate", "long"]))
        nodes.append(node)
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(node_ids), st.sampled_from(node_ids)), max_size=4, unique=True
        )
    )
    links = [
        {"source": a, "target": b, "weight": draw(st.floats(0, 1e6)), "rationale": draw(opt)}
        for a, b in pairs
        if a != b
    ]
    n_ind = draw(st.integers(0, len(rest)))
    value = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
    point = st.fixed_dictionaries(
        {"period": st.sampled_from(_PERIODS), "value": value, "note": opt}
    )
    indicators = [
        {
            "id": iid,
            "measures": draw(st.sampled_from(node_ids)),
            "name": draw(opt),
            "unit": draw(st.sampled_from([None, "件", "団体", "%", "分", "件/人"])),
            "role": draw(st.sampled_from([None, "KGI", "KPI"])),
            "direction": draw(st.sampled_from([None, "increase", "decrease", "maintain"])),
            "baseline": draw(st.none() | point),
            "targets": draw(st.lists(point, max_size=3)),
            "aggregation": draw(
                st.sampled_from(["stock", "flow", "mean", Aggregation(time="max", orgs="none")])
            ),
            "weight": draw(st.floats(0, 10)),
            "refs": draw(items),
        }
        for iid in rest[:n_ind]
    ]
    day = st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31))
    milestones = [
        {
            "id": mid,
            "title": draw(_TEXT),
            "due": draw(day),
            "done": draw(st.none() | day),
            "delivers": draw(st.lists(st.sampled_from(node_ids), max_size=2)),
            "service_level": draw(opt),
        }
        for mid in rest[n_ind:]
    ]
    return LogicModel.model_validate(
        {
            "id": "m",
            "title": draw(_TEXT),
            "owner": draw(opt),
            "fiscal_year_start": draw(st.integers(1, 12)),
            "tags": draw(items),
            "nodes": nodes,
            "links": links,
            "indicators": indicators,
            "milestones": milestones,
        }
    )


def book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook with the given sheets and rows (row 1 is usually the header)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


MODEL = [["ID (id)", "名称 (title)"], ["m", "窓口"]]


def _raises_at(path: Path, sheet: str, cell: str, text: str) -> FormatError:
    with pytest.raises(FormatError) as info:
        read_excel(path)
    err = info.value
    column = "".join(ch for ch in cell if ch.isalpha())
    row = int("".join(ch for ch in cell if ch.isdigit()))
    assert (err.sheet, err.column, err.row) == (sheet, column, row), str(err)
    assert f"{sheet}!{cell}: " in str(err)
    assert str(path) in str(err)
    assert text in str(err)
    return err


# -- round trips -------------------------------------------------------------------------


def test_round_trip_without_observations(tmp_path: Path) -> None:
    m = sample_model()
    p = write_excel(m, tmp_path / "m.xlsx")
    data = read_excel(p)
    assert isinstance(data, ModelData)
    assert data.model == m
    assert data.observations is None


def test_round_trip_with_observations(tmp_path: Path) -> None:
    m, obs = sample_model(), sample_observations()
    data = read_excel(write_excel(m, tmp_path / "m.xlsx", observations=obs))
    assert data.model == m
    got = data.observations
    assert got is not None
    assert got["source_row"].tolist() == [2, 3, 4]
    pd.testing.assert_frame_equal(got.drop(columns="source_row"), obs, check_dtype=False)
    assert got["org"].tolist() == ["011002", "131016", "011002"]
    assert str(got["value"].dtype) == "float64"


def test_extra_observation_columns_are_kept(tmp_path: Path) -> None:
    obs = sample_observations().assign(地域=["北", "東", "北"])
    got = read_excel(write_excel(sample_model(), tmp_path / "m.xlsx", obs)).observations
    assert got is not None
    assert got["地域"].tolist() == ["北", "東", "北"]


def test_dump_and_load_by_suffix(tmp_path: Path) -> None:
    m = sample_model()
    p = dump(m, tmp_path / "m.xlsx")
    assert load(p) == m


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(models())
def test_dump_load_round_trip_property(tmp_path: Path, model: LogicModel) -> None:
    p = tmp_path / "m.xlsx"
    dump(model, p)
    assert load(p) == model


def test_write_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"old")
    bad = LogicModel(id="m", title="t", nodes=[Activity(id="a", label="bell\x07")])
    with pytest.raises(FormatError, match="U\\+0007") as info:
        write_excel(bad, target)
    assert (info.value.sheet, info.value.row, info.value.column) == ("nodes", 2, "D")
    assert target.read_bytes() == b"old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["m.xlsx"]


def test_numeric_org_codes_are_refused_on_write(tmp_path: Path) -> None:
    obs = sample_observations().assign(org=[1100, 131016, 1100])
    with pytest.raises(FormatError, match="zfill"):
        write_excel(sample_model(), tmp_path / "m.xlsx", obs)


# -- text never becomes a formula --------------------------------------------------------


def test_text_is_never_a_live_formula(tmp_path: Path) -> None:
    m = LogicModel(
        id="m",
        title='=HYPERLINK("http://evil","x")',
        nodes=[
            Activity(id="a", label="=1+1", description="@SUM(A1)", tags=("=cmd|' /C calc'!A0",))
        ],
    )
    obs = pd.DataFrame({"indicator": ["i"], "org": ["=2+3"], "period": ["FY2024"], "value": [1.0]})
    p = write_excel(m, tmp_path / "m.xlsx", obs)
    wb = openpyxl.load_workbook(p)  # formulas kept as formulas, if there were any
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    label = wb["nodes"]["D2"]
    assert (label.value, label.data_type, label.quotePrefix) == ("=1+1", "s", True)
    assert wb["model"]["B2"].data_type == "s"
    with zipfile.ZipFile(p) as z:
        assert not [
            n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)
        ]
    back = read_excel(p)
    assert back.model == m
    assert back.observations is not None
    assert back.observations["org"].tolist() == ["=2+3"]


# -- template ----------------------------------------------------------------------------


def _validations(ws: Any) -> dict[str, str]:
    return {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
        for dv in ws.data_validations.dataValidation
    }


def test_template_sheets_dropdowns_and_layout(tmp_path: Path) -> None:
    p = excel_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == [*SHEETS, "lists"]
    assert wb["lists"].sheet_state == "hidden"
    lists = wb["lists"]
    values = {
        lists.cell(1, c).value: [
            lists.cell(r, c).value
            for r in range(2, lists.max_row + 1)
            if lists.cell(r, c).value is not None
        ]
        for c in range(1, lists.max_column + 1)
    }

    def listed(ws: Any, header_key: str) -> list[str]:
        col = next(c.column_letter for c in ws[1] if f"({header_key})" in str(c.value))
        ref = _validations(ws)[col]
        letter = ref.split("!$")[1][0]
        return list(values[lists[f"{letter}1"].value])

    # issue 12: the drop-downs are in Japanese, with the key the reader also takes
    assert listed(wb["nodes"], "kind") == [
        "インプット (input)",
        "アクティビティ (activity)",
        "アウトプット (output)",
        "アウトカム (outcome)",
        "インパクト (impact)",
    ]
    assert listed(wb["nodes"], "stage") == ["短期 (short)", "中期 (intermediate)", "長期 (long)"]
    assert listed(wb["indicators"], "direction") == [
        "上向き (increase)",
        "下向き (decrease)",
        "維持 (maintain)",
    ]
    assert listed(wb["indicators"], "role") == ["KGI", "KPI"]
    assert listed(wb["indicators"], "measure") == ["定量 (quantitative)", "定性 (qualitative)"]
    assert {"ストック (stock)", "フロー (flow)", "平均 (mean)", "time:sum,orgs:mean"} <= set(
        listed(wb["indicators"], "aggregation")
    )
    assert listed(wb["observations"], "kind") == [
        "実績 (actual)",
        "目標 (target)",
        "基準 (baseline)",
    ]
    assert _validations(wb["indicators"])["B"] == "=nodes!$A$2:$A$10000"
    for name in SHEETS[1:]:
        ws = wb[name]
        assert ws.freeze_panes in ("A2", "B2")
        assert ws.max_row == 1 or name == "observations"
        assert ws.column_dimensions["A"].width >= 10
    headers = [c.value for c in wb["indicators"][1]]
    assert headers[:6] == [
        "ID (id)",
        "対象要素 (measures)",
        "指標名 (name)",
        "区分 (role)",
        "単位 (unit)",
        "方向 (direction)",
    ]
    assert "基準値 (baseline_value)" in headers
    readme = " ".join(str(c.value) for row in wb["readme"].iter_rows() for c in row if c.value)
    for text in ("使い方", "How to use", "outcome アウトカム"):
        assert text in readme
    assert wb["observations"]["B2"].number_format == "@"  # org codes are typed as text


def test_filled_template_reads(tmp_path: Path) -> None:
    p = excel_template(tmp_path / "t.xlsx")
    with pytest.raises(FormatError, match="no row") as info:
        read_excel(p)
    assert info.value.sheet == "model"
    wb = openpyxl.load_workbook(p)
    wb["model"].append(["m", "窓口"])
    wb["nodes"].append(["a", "activity"])
    wb["nodes"].append(["o", "outcome", "長期", "成果"])
    wb["links"].append(["a", "o"])
    wb.save(p)
    m = read_excel(p).model
    assert [n.kind for n in m.nodes] == ["activity", "outcome"]
    assert m.nodes[1].stage == "long"  # type: ignore[union-attr]


# -- robust reading ----------------------------------------------------------------------


def test_japanese_only_headers_sheet_names_and_messy_cells(tmp_path: Path) -> None:
    p = tmp_path / "ja.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "モデル"
    wb["モデル"].append(["ID", "名称", "年度開始月"])
    wb["モデル"].append(["m ", " 窓口 ", "４"])
    nodes = wb.create_sheet("要素")
    nodes.append(["ID", "種別", "段階", "名称", "制御可能"])
    nodes.append(["a", "アクティビティ", None, "支援", "はい"])
    nodes.append([None, None, None, None, None])  # empty row
    nodes.append([])
    nodes.append(["o", "アウトカム", "中期", "成果", False])
    nodes.append(["o2", "outcome", None, "成果2", None])
    nodes.merge_cells("B5:B6")  # 'アウトカム' merged down over o (row 5) and o2 (row 6)
    ind = wb.create_sheet("指標")
    ind.append(["ID", "対象要素", "単位", "方向", "基準年度", "基準値", "重み"])
    ind.append(["n", "o", "件／人", "下向き", 2023, "１，２３４", " 0.5 "])
    targets = wb.create_sheet("目標値")
    targets.append(["指標ID", "目標年度", "目標値"])
    targets.append(["n", "令和７年度", "▲1,000"])
    targets.append([None, "FY2027", 900])
    targets.merge_cells("A2:A3")
    ms = wb.create_sheet("ロードマップ")
    ms.append(["ID", "名称", "期限", "完了日", "提供する要素"])
    ms.append(["spec", "仕様", 45565, dt.datetime(2024, 10, 1), "a、o"])
    ms.append(["go", "展開", "2025/3/31", None, "a\no2"])
    wb.save(p)
    m = read_excel(p).model
    assert (m.id, m.title, m.fiscal_year_start) == ("m", "窓口", 4)
    assert [(n.id, n.kind, getattr(n, "stage", None)) for n in m.nodes] == [
        ("a", "activity", None),
        ("o", "outcome", "intermediate"),
        ("o2", "outcome", "short"),
    ]
    assert (m.nodes[0].controllable, m.nodes[1].controllable) == (True, False)
    i = m.indicators[0]
    assert (i.unit, i.direction, i.weight) == ("件/人", "decrease", 0.5)
    assert i.baseline is not None
    assert (i.baseline.period, i.baseline.value) == ("2023", 1234.0)
    assert [(t.period, t.value) for t in i.targets] == [("FY2025", -1000.0), ("FY2027", 900.0)]
    assert m.milestones[0].due == dt.date(2024, 9, 30)  # Excel serial 45565
    assert m.milestones[0].done == dt.date(2024, 10, 1)
    assert m.milestones[0].delivers == ("a", "o")
    assert m.milestones[1].due == dt.date(2025, 3, 31)
    assert m.milestones[1].delivers == ("a", "o2")


def test_english_only_headers_and_header_below_blank_rows(tmp_path: Path) -> None:
    p = book(
        tmp_path / "en.xlsx",
        {
            "model": [[], ["id", "title"], ["m", "t"]],
            "nodes": [["ID", "Kind", "Label"], ["a", "OUTPUT", 2024], ["b", "impact", "  "]],
            "indicators": [
                ["id", "measures", "Baseline Value", "baseline period", "aggregation"],
                ["n", "a", "12", "FY2023", "time:sum, orgs:none"],
            ],
        },
    )
    m = read_excel(p).model
    assert [(n.id, n.kind, n.label) for n in m.nodes] == [
        ("a", "output", "2024"),
        ("b", "impact", None),
    ]
    assert m.indicators[0].aggregation == Aggregation(time="sum", orgs="none")
    assert m.indicators[0].baseline is not None
    assert m.indicators[0].baseline.value == 12.0


def test_observations_sheet_robustness(tmp_path: Path) -> None:
    p = tmp_path / "obs.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "model"
    for row in MODEL:
        wb["model"].append(row)
    ws = wb.create_sheet("実績値")
    ws.append(["指標ID", "団体コード", "期間", "値", "単位", "種類"])
    ws.append(["n", "０１１００２", "２０２４年度", "１，２３４", "件", "実績"])
    ws.append([None] * 6)
    ws.append(["n", 11002, 2024, 5, "件／人", None])
    ws["B4"].number_format = "000000"  # shown as 011002: padded as shown
    ws.append(["n ", "131016", dt.datetime(2024, 6, 30), None, None, "target"])
    wb.save(p)
    obs = read_excel(p).observations
    assert obs is not None
    assert obs["source_row"].tolist() == [2, 4, 5]
    assert obs["indicator"].tolist() == ["n", "n", "n"]
    assert obs["org"].tolist() == ["011002", "011002", "131016"]
    assert obs["period"].tolist() == ["2024年度", "2024", "2024-06-30"]
    assert obs["value"].tolist()[:2] == [1234.0, 5.0]
    assert pd.isna(obs["value"].iloc[2])
    assert obs["unit"].tolist()[:2] == ["件", "件/人"]
    assert obs["kind"].tolist()[0] == "actual"
    assert obs["kind"].tolist()[2] == "target"


# -- bad input: every error names the sheet, row and column ------------------------------


def test_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "m.xlsx"
    p.write_text("id,title\nm,t\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"not an Excel \.xlsx workbook") as info:
        read_excel(p)
    assert info.value.path == str(p)
    with pytest.raises(FormatError, match="file not found"):
        read_excel(tmp_path / "missing.xlsx")


def test_empty_workbook_and_missing_model_sheet(tmp_path: Path) -> None:
    p = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(p)
    with pytest.raises(FormatError, match=r"no 'model' sheet.*'Sheet'"):
        read_excel(p)
    q = book(tmp_path / "q.xlsx", {"nodes": [["id", "kind"], ["a", "output"]]})
    with pytest.raises(FormatError, match="no 'model' sheet"):
        read_excel(q)


def test_empty_model_sheet(tmp_path: Path) -> None:
    p = book(tmp_path / "m.xlsx", {"model": []})
    with pytest.raises(FormatError, match="required column 'ID \\(id\\)' is missing") as info:
        read_excel(p)
    assert (info.value.sheet, info.value.row, info.value.column) == ("model", 1, "A")


def test_misspelt_sheet_name(tmp_path: Path) -> None:
    p = book(tmp_path / "m.xlsx", {"model": MODEL, "indicator": [["id", "measures"]]})
    with pytest.raises(FormatError, match="did you mean 'indicators'") as info:
        read_excel(p)
    assert info.value.sheet == "indicator"


@pytest.mark.parametrize(
    ("sheets", "sheet", "cell", "text"),
    [
        # missing required column: points at the header row, where to add it
        (
            {"nodes": [["id", "label"], ["a", "x"]]},
            "nodes",
            "C1",
            "required column '種別 (kind)' is missing",
        ),
        # unknown header, with a suggestion
        (
            {"nodes": [["id", "kind", "lable"], ["a", "output", "x"]]},
            "nodes",
            "C1",
            "did you mean 'label'",
        ),
        # duplicate header
        (
            {"nodes": [["id", "kind", "ID (id)"], ["a", "output", "b"]]},
            "nodes",
            "C1",
            "appears twice",
        ),
        # unknown kind, in nodes!C5 (columns in any order, an empty row before it)
        (
            {
                "nodes": [
                    ["id", "label", "kind"],
                    ["a", "x", "output"],
                    ["b", "y", "impact"],
                    [],
                    ["c", "z", "outcom"],
                ]
            },
            "nodes",
            "C5",
            "did you mean 'outcome'",
        ),
        # a number where an id belongs
        ({"nodes": [["id", "kind"], [2024, "output"]]}, "nodes", "A2", "id 2024 is a number"),
        # duplicate id (found by the model, mapped back to the cell)
        (
            {"nodes": [["id", "kind"], ["a", "output"], ["a", "impact"]]},
            "nodes",
            "A3",
            "duplicate id 'a'",
        ),
        # stage on a node that is not an outcome
        (
            {"nodes": [["id", "kind", "stage"], ["a", "output", "short"]]},
            "nodes",
            "C2",
            "only for outcomes",
        ),
        # bad unit (the brief's example: indicators!D7)
        (
            {
                "nodes": [["id", "kind"], ["a", "output"]],
                "indicators": [
                    ["id", "measures", "name", "unit"],
                    *[[f"i{k}", "a", "x", "件"] for k in range(5)],
                    ["i9", "a", "x", "件／人人"],
                ],
            },
            "indicators",
            "D7",
            "unit '件/人人' is not an allowed unit",
        ),
        # measures names an unknown node
        (
            {
                "nodes": [["id", "kind"], ["adopted", "output"]],
                "indicators": [["id", "measures"], ["n", "adoptd"]],
            },
            "indicators",
            "B2",
            "nearest known ids: 'adopted'",
        ),
        # bad aggregation
        (
            {
                "nodes": [["id", "kind"], ["a", "output"]],
                "indicators": [["id", "measures", "集計方法"], ["n", "a", "average"]],
            },
            "indicators",
            "C2",
            "average",
        ),
        # bad period in targets (model error mapped to the targets sheet)
        (
            {
                "nodes": [["id", "kind"], ["a", "output"]],
                "indicators": [["id", "measures"], ["n", "a"]],
                "targets": [["indicator", "period", "value"], ["n", "FY2025", 1], ["n", "来年", 2]],
            },
            "targets",
            "B3",
            "来年",
        ),
        # target value that is not a number
        (
            {
                "nodes": [["id", "kind"], ["a", "output"]],
                "indicators": [["id", "measures"], ["n", "a"]],
                "targets": [["indicator", "period", "value"], ["n", "FY2025", "多数"]],
            },
            "targets",
            "C2",
            "not a number",
        ),
        # targets for an unknown indicator
        (
            {"targets": [["indicator", "period", "value"], ["nn", "FY2025", 1]]},
            "targets",
            "A2",
            "unknown indicator 'nn'",
        ),
        # link to an unknown node
        (
            {
                "nodes": [["id", "kind"], ["a", "output"]],
                "links": [["派生元", "派生先"], ["a", "b"]],
            },
            "links",
            "B2",
            "unknown node 'b'",
        ),
        # bad boolean
        (
            {"nodes": [["id", "kind", "controllable"], ["a", "output", "たぶん"]]},
            "nodes",
            "C2",
            "TRUE or FALSE",
        ),
        # bad fiscal year start
        (
            {"model": [["id", "title", "fiscal_year_start"], ["m", "t", 4.5]]},
            "model",
            "C2",
            "not a whole number",
        ),
        # two model rows
        ({"model": [["id", "title"], ["m", "t"], ["n", "u"]]}, "model", "A3", "more than one row"),
        # a value under a column without a header
        ({"nodes": [["id", "kind"], ["a", "output", "stray"]]}, "nodes", "C2", "no header"),
        # bad milestone date
        (
            {"milestones": [["id", "title", "due"], ["s", "t", "いつか"]]},
            "milestones",
            "C2",
            "いつか",
        ),
        # observations: org code stored as a number
        (
            {"observations": [["indicator", "org", "period", "value"], ["n", 1100, "FY2024", 1]]},
            "observations",
            "B2",
            "format the column as text",
        ),
        # observations: bad value, bad period, bad kind, bad unit, missing indicator
        (
            {
                "observations": [
                    ["indicator", "period", "value"],
                    ["n", "FY2024", "1"],
                    ["n", "FY2024", "abc"],
                ]
            },
            "observations",
            "C3",
            "'abc' is not a number",
        ),
        (
            {"observations": [["indicator", "period", "value"], ["n", "FY20２4X", 1]]},
            "observations",
            "B2",
            "not a recognised period",
        ),
        (
            {
                "observations": [
                    ["indicator", "period", "value", "kind"],
                    ["n", "FY2024", 1, "forecast"],
                ]
            },
            "observations",
            "D2",
            "not one of actual, target, baseline",
        ),
        (
            {
                "observations": [
                    ["indicator", "period", "value", "unit"],
                    ["n", "FY2024", 1, "件件"],
                ]
            },
            "observations",
            "D2",
            "件件",
        ),
        (
            {"observations": [["indicator", "period", "value"], [None, "FY2024", 1]]},
            "observations",
            "A2",
            "indicator is required",
        ),
        (
            {"observations": [["indicator", "period"], [7, "FY2024"]]},
            "observations",
            "A2",
            "not text",
        ),
    ],
)
def test_bad_workbooks_name_sheet_row_and_column(
    tmp_path: Path, sheets: dict[str, list[list[Any]]], sheet: str, cell: str, text: str
) -> None:
    p = book(tmp_path / "bad.xlsx", {"model": MODEL, **sheets})
    _raises_at(p, sheet, cell, text)


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    p = book(
        tmp_path / "m.xlsx",
        {"model": MODEL, "nodes": [["id", "kind"], ["a", "x"], ["b", "y"], [3, "output"]]},
    )
    err = _raises_at(p, "nodes", "B2", "kind 'x'")
    assert "2 more problem(s)" in str(err)
    assert "nodes!B3" in str(err)
    assert "nodes!A4" in str(err)
