"""RS System 3-1 / 3-2 CSVs: mapping, values, findings, selection, ZIP, round trip, bad input."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logicmodel as lm
from logicmodel.checks.registry import OBSERVATION_CODES, rules
from logicmodel.errors import FormatError, ModelError
from logicmodel.io.data import ModelData
from logicmodel.io.rs import (
    RS_3_1_COLUMNS,
    RS_3_2_COLUMNS,
    RS_FINDING_CODES,
    read_rs,
    read_rs_report,
    write_rs,
)
from logicmodel.model import Activity, Indicator, Link, LogicModel, Outcome, Output

DATA = Path(__file__).parent / "data" / "rs"
F31 = DATA / "3-1_RS_2024_効果発現経路_目標・実績.csv"
F32 = DATA / "3-2_RS_2024_効果発現経路_目標のつながり.csv"


@pytest.fixture(scope="module")
def report():
    return read_rs_report(F31, F32)


@pytest.fixture(scope="module")
def p123(report):
    return report.projects["000123"]


@pytest.fixture(scope="module")
def p4(report):
    return report.projects["4"]


# ------------------------------------------------------------------------------------ headers
def test_published_headers():
    assert len(RS_3_1_COLUMNS) == 82
    assert RS_3_1_COLUMNS[-54] == "2007"
    assert RS_3_1_COLUMNS[-1] == "2060"
    assert "派生先ー 活動目標／成果目標" in RS_3_2_COLUMNS
    assert "派生元ーアクティビティの内容/ 活動目標／成果目標" in RS_3_2_COLUMNS
    assert set(RS_FINDING_CODES) >= {"LM303", "LM311", "LM312"}


def test_finding_codes_do_not_clash_with_other_checks():
    # LM301-LM310 are the observation checks: only LM303 (same meaning) is shared with them;
    # LM311-LM316 are reserved for this reader in the same registry
    # issue 12 adds LM319 (＊/* in 実績値 read as no value, reported)
    assert sorted(RS_FINDING_CODES) == [f"LM3{k:02d}" for k in (3, 11, 12, 13, 14, 15, 16, 19)]
    observation_only = {c for c in OBSERVATION_CODES if c <= "LM310"}
    assert set(RS_FINDING_CODES) & observation_only == {"LM303"}
    assert set(RS_FINDING_CODES) <= set(OBSERVATION_CODES)
    severities = {c: s for c, (s, _, _) in RS_FINDING_CODES.items()}
    assert severities == {
        "LM303": "error",
        "LM311": "warning",
        "LM312": "error",
        "LM313": "warning",
        "LM314": "warning",
        "LM315": "warning",
        "LM316": "warning",
        "LM319": "warning",
    }
    # a code registered elsewhere means the same thing here (same severity and titles)
    registered = rules().set_index("code")
    for code, (severity, title, title_ja) in RS_FINDING_CODES.items():
        if code in registered.index:
            row = registered.loc[code]
            assert (row["severity"], row["title"], row["title_ja"]) == (severity, title, title_ja)


# ------------------------------------------------------------------------------------ mapping
def test_projects_keyed_as_written(report):
    assert list(report.projects) == ["000123", "4"]
    assert report.projects["000123"].model.id == "rs_000123"
    assert isinstance(report.projects["4"], ModelData)


def test_nodes_kinds_labels(p123):
    m = p123.model
    assert m.node_ids == (
        "activity_1",
        "activity_2",
        "output_1",
        "outcome_1",
        "outcome_2",
        "outcome_3",
    )
    assert m.node("activity_1").kind == "activity"
    assert m.node("activity_1").label == "自治体への導入支援"
    assert m.node("output_1").label == "窓口システムの導入"
    assert m.title == "地域デジタル窓口推進事業"
    assert m.owner == "デジタル庁"


def test_activities_without_indicator_rows(p123):
    assert p123.model.indicators_of("activity_1") == ()
    assert p123.model.indicators_of("activity_2") == ()


@pytest.mark.parametrize(
    ("project", "node", "stage"),
    [
        ("000123", "outcome_1", "short"),  # 1.短期
        ("000123", "outcome_2", "intermediate"),  # 中期 without number
        ("000123", "outcome_3", "long"),  # ３．長 期: full width and a space
        ("4", "outcome_1", "short"),  # 短期
        ("4", "outcome_2", "long"),  # 最終
        ("4", "outcome_3", "intermediate"),  # 中 間
    ],
)
def test_stage_spellings(report, project, node, stage):
    assert report.projects[project].model.node(node).stage == stage


def test_multiple_indicators_per_node(p123, p4):
    assert [i.id for i in p123.model.indicators_of("output_1")] == ["output_1_i1", "output_1_i2"]
    assert [i.name for i in p4.model.indicators_of("outcome_1")] == ["交通事故死者数", "重傷者数"]


def test_indicator_fields(p123):
    ind = p123.model.indicator("output_1_i1")
    assert (ind.name, ind.unit, ind.direction, ind.source) == (
        "導入団体数",
        "団体",
        "increase",
        "デジタル庁調べ",
    )
    assert ind.baseline is None
    assert ind.measure == "quantitative"


def test_direction_down_and_spaced(p123, p4):
    assert p123.model.indicator("outcome_2_i1").direction == "decrease"
    assert p4.model.indicator("outcome_1_i2").direction == "decrease"  # "下 向き"


def test_units_scaled(p123, p4):
    people = p123.model.indicator("output_1_i2")  # 万人
    assert people.unit == "人"
    assert people.targets[0].value == 15_000
    yen = p4.model.indicator("output_1_i1")  # 百万円
    assert yen.unit == "円"
    assert yen.targets[0].value == 250_000_000
    obs = p4.observations.set_index(["indicator", "period"])["value"]
    assert obs[("output_1_i1", "FY2023")] == 1_234_000_000  # "1,234" 百万円
    assert obs[("output_1_i1", "FY2024")] == 250_000_000  # full-width "２５０"
    assert (
        p123.observations.set_index(["indicator", "period"])["value"][("output_1_i2", "FY2024")]
        == 12_000
    )


def test_unit_with_remark(p4):
    assert p4.model.indicator("output_1_i2").unit == "箇所"  # 箇所(延べ)


def test_unknown_unit_is_a_finding(report, p4):
    assert p4.model.indicator("outcome_2_i1").unit is None
    f = [i for i in report.findings if i.code == "LM311"]
    assert len(f) == 1
    assert f[0].row == 38
    assert f[0].ids == ("4", "outcome_2_i1")
    assert "段階" in f[0].message


def test_targets_and_target_year(p123):
    ind = p123.model.indicator("output_1_i1")
    assert [(p.period, p.value, p.note) for p in ind.targets] == [
        ("FY2023", 300, None),
        ("FY2024", 600, None),
        ("FY2025", 900, "目標年度"),
    ]
    assert ind.final_target.period == "FY2025"
    wait = p123.model.indicator("outcome_2_i1")
    assert [(p.period, p.value) for p in wait.targets] == [("FY2025", 30), ("FY2027", 15)]


def test_thousands_separator_in_target(p4):
    assert p4.model.indicator("outcome_1_i1").targets[0].value == 2000


def test_qualitative_outcomes(p123, p4):
    q = p123.model.indicator("outcome_3_i1")  # node row only, no indicator rows
    assert q.measure == "qualitative"
    assert q.unit is None
    assert q.targets == ()
    assert q.description == "満足度は定量化が難しいため"
    assert p123.model.node("outcome_3").description == "利用者アンケートで肯定的な回答が多数"
    q4 = p4.model.indicator("outcome_3_i1")  # with indicator rows
    assert (q4.measure, q4.name, q4.description) == (
        "qualitative",
        "住民の理解度",
        "理解度は数値で測れないため",
    )


def test_links_with_rationale(p123):
    links = {(lk.source, lk.target): lk.rationale for lk in p123.model.links}
    assert links[("output_1", "outcome_1")] == "導入が進めば書かない窓口が使える"
    assert links[("outcome_2", "outcome_3")] is None
    assert len(p123.model.links) == 5  # broken and duplicate edges dropped


def test_metadata_kept(p123, p4):
    assert "rs:事業年度=2024" in p123.model.tags
    assert "閣議決定等のURL: https://www.digital.go.jp/" in p123.model.refs
    assert p4.model.description == "長期の効果は測定できないため"


# ------------------------------------------------------------------------------------ observations
def test_actuals_periods_and_source_rows(p123):
    obs = p123.observations
    sel = obs[obs["indicator"] == "output_1_i1"]
    assert sel["period"].tolist() == ["FY2022", "FY2023", "FY2024"]
    assert sel["value"].tolist() == [120, 310, 580]
    assert set(sel["source_row"]) == {6}
    assert set(obs["kind"]) == {"actual"}
    assert set(obs["project"]) == {"000123"}
    lines = F31.read_text(encoding="utf-8-sig").splitlines()
    assert lines[6 - 1].split(",")[2] == "000123"
    assert "3.実績値" in lines[6 - 1]


def test_reported_achievement(p123):
    obs = p123.observations.set_index(["indicator", "period"])["reported_achievement"]
    assert obs[("output_1_i1", "FY2023")] == pytest.approx(1.03)
    assert obs[("output_1_i1", "FY2024")] == pytest.approx(0.967)  # "96.7%"
    assert obs[("output_1_i2", "FY2024")] == pytest.approx(0.80)  # "８０％"
    assert math.isnan(obs[("output_1_i1", "FY2022")])


def test_blank_and_dash_are_not_zero(p123, p4):
    obs = p4.observations
    zero = obs[(obs["indicator"] == "outcome_1_i2")]
    assert zero["period"].tolist() == ["FY2023"]
    assert zero["value"].tolist() == [0.0]
    rate = p123.observations
    assert rate[rate["indicator"] == "outcome_1_i1"]["period"].tolist() == ["FY2023"]  # 2024 "-"


def test_unknown_columns_ride_along(p123):
    assert "備考" in p123.observations.columns
    assert set(p123.observations["備考"]) >= {"メモ:導入団体数"}


def test_observations_are_standard_columns(p123):
    assert {"indicator", "period", "value", "unit", "kind"} <= set(p123.observations.columns)
    assert p123.observations["indicator"].isin([i.id for i in p123.model.indicators]).all()


# ------------------------------------------------------------------------------------ findings
def test_findings_with_rows(report):
    by = {(i.code, i.row, i.column) for i in report.findings}
    assert ("LM303", 32, "2024") in by  # 集計中
    assert ("LM303", 28, "2023") in by  # =1+1
    assert ("LM316", 34, "2030") in by  # target year without target
    assert ("LM316", 37, "2022") in by  # 達成率 without 実績値
    assert ("LM312", 7, None) in by  # output_9 does not exist
    assert ("LM313", 8, None) in by  # duplicate edge
    assert ("LM312", 13, "予算事業ID") in by  # project only in 3-2
    text = str(report.findings)
    assert "3-1_RS_2024_効果発現経路_目標・実績.csv row 32, 2024" in text
    assert "'output_9'" in text


def test_findings_for_project(report):
    codes = report.findings_for("000004").codes
    assert "LM303" in codes
    assert "LM312" not in codes
    assert report.findings_for(123).codes == ["LM312", "LM313"]


def test_errors_raise():
    with pytest.raises(FormatError, match=r"row \d+") as info:
        read_rs(F31, F32, errors="raise")
    assert info.value.row is not None


# ------------------------------------------------------------------------------------ selection
@pytest.mark.parametrize("key", ["4", "000004", 4])
def test_project_selection(key):
    data = read_rs(F31, F32, project=key)
    assert isinstance(data, ModelData)
    assert data.model.id == "rs_4"
    assert len(data.model.links) == 4


def test_project_selection_leading_zeros():
    data = read_rs(F31, F32, project="123")
    assert data.model.id == "rs_000123"
    assert set(data.observations["project"]) == {"000123"}


def test_unknown_project_names_nearest():
    with pytest.raises(FormatError, match=r"'12'.*nearest ids: .*'000123'") as info:
        read_rs(F31, F32, project="12")
    assert info.value.column == "予算事業ID"


def test_without_3_2():
    data = read_rs(F31)
    assert data["4"].model.links == ()


def test_year_filter():
    assert list(read_rs(F31, F32, year=2024)) == ["000123", "4"]
    with pytest.raises(FormatError, match="years present: 2024"):
        read_rs(F31, F32, year=2019)


# ------------------------------------------------------------------------ ZIP, folder, cp932
def test_zip_input(tmp_path):
    z = tmp_path / "RS_2024.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(F31, "RS_2024/" + F31.name)
        zf.write(F32, "RS_2024/" + F32.name)
        zf.writestr("RS_2024/1-1_RS_2024_基本情報.csv", "x\n")
    data = read_rs(z)
    assert list(data) == ["000123", "4"]
    assert len(data["000123"].model.links) == 5


def test_folder_input(tmp_path):
    (tmp_path / F31.name).write_bytes(F31.read_bytes())
    (tmp_path / F32.name).write_bytes(F32.read_bytes())
    assert len(read_rs(tmp_path)["4"].model.links) == 4


def test_cp932_tolerated(tmp_path):
    p = tmp_path / "3-1.csv"
    p.write_bytes(F31.read_text(encoding="utf-8-sig").encode("cp932", errors="replace"))
    data = read_rs(p, project="4")
    assert data.model.node("outcome_1").label == "交通事故の減少"


# ------------------------------------------------------------------------------------ writing
def _sample() -> LogicModel:
    return LogicModel(
        id="rs_000321",
        title="=危険な事業名",
        owner="デジタル庁",
        nodes=[
            Activity(id="activity_1", label="支援"),
            Output(id="output_1", label="導入"),
            Outcome(id="outcome_1", label="短縮", stage="intermediate", description="+成果"),
        ],
        links=[
            Link(source="activity_1", target="output_1", rationale="-理由"),
            Link(source="output_1", target="outcome_1"),
        ],
        indicators=[
            Indicator(
                id="output_1_i1",
                measures="output_1",
                name="導入数",
                unit="団体",
                targets=[
                    {"period": "FY2024", "value": 10},
                    {"period": "FY2026", "value": 30, "note": "目標年度"},
                ],
            ),
            Indicator(
                id="outcome_1_i1",
                measures="outcome_1",
                name="待ち時間",
                unit="分",
                direction="decrease",
                targets={"FY2027": 15.5},
                source="調査",
            ),
            Indicator(
                id="outcome_1_i2",
                measures="outcome_1",
                name="満足",
                measure="qualitative",
                description="測れない",
                direction=None,
            ),
        ],
    )


def _obs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": ["output_1_i1", "output_1_i1", "outcome_1_i1"],
            "period": ["FY2023", "FY2024", "FY2024"],
            "value": [4.0, -2.5, 20.0],
            "kind": ["actual"] * 3,
            "reported_achievement": [None, 0.25, None],
        }
    )


def test_write_layout(tmp_path):
    p1, p2 = write_rs(
        _sample(),
        tmp_path / "a.csv",
        tmp_path / "b.csv",
        project_id="000321",
        year=2024,
        observations=_obs(),
    )
    raw = p1.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(p1, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert tuple(df.columns) == RS_3_1_COLUMNS
    assert len(df) == 1 + 4 * 3  # activity row + four rows per indicator
    assert df["事業名"].iloc[0] == "'=危険な事業名"  # neutralised
    assert set(df["予算事業ID"]) == {"000321"}
    assert set(df["事業年度"]) == {"2024"}
    flags = df[df["目標年度／目標値／実績値／達成率"] == "1.目標年度"]
    assert flags["2026"].iloc[0] == "1"
    assert flags["2024"].iloc[0] == ""
    assert flags["2027"].iloc[1] == "1"  # final target marked when none is noted
    acts = df[df["目標年度／目標値／実績値／達成率"] == "3.実績値"]
    assert acts["2024"].iloc[0] == "-2.5"  # a number, not neutralised
    edges = pd.read_csv(p2, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert tuple(edges.columns) == RS_3_2_COLUMNS
    assert edges["後続アウトカムへのつながり"].iloc[0] == "'-理由"


def test_round_trip(tmp_path):
    m = _sample()
    paths = write_rs(
        ModelData(m, _obs()), tmp_path / "a.csv", tmp_path / "b.csv", project_id="000321"
    )
    report = read_rs_report(*paths)
    assert list(report.findings) == []
    back = report.projects["000321"]
    assert back.model.nodes == m.nodes
    assert back.model.links == m.links
    assert back.model.title == m.title
    exp = {i.id: i for i in m.indicators}
    for ind in back.model.indicators:
        e = exp[ind.id]
        assert (ind.name, ind.unit, ind.direction, ind.measure, ind.source, ind.description) == (
            e.name,
            e.unit,
            e.direction,
            e.measure,
            e.source,
            e.description,
        )
        assert [(p.period, p.value) for p in ind.targets] == [
            (p.period, p.value) for p in e.targets
        ]
    obs = back.observations
    assert obs[["indicator", "period", "value"]].values.tolist() == [
        ["outcome_1_i1", "FY2024", 20.0],
        ["output_1_i1", "FY2023", 4.0],
        ["output_1_i1", "FY2024", -2.5],
    ]
    assert obs["reported_achievement"].iloc[2] == pytest.approx(0.25)


def test_fixture_round_trip(tmp_path, p123):
    paths = write_rs(p123, tmp_path / "a.csv", tmp_path / "b.csv", project_id="000123")
    back = read_rs(*paths, project="000123")
    assert back.model.nodes == p123.model.nodes
    assert back.model.links == p123.model.links
    assert back.model.indicators == p123.model.indicators
    assert back.model.tags == p123.model.tags
    assert back.model.refs == p123.model.refs
    cols = ["indicator", "period", "value", "reported_achievement"]
    pd.testing.assert_frame_equal(back.observations[cols], p123.observations[cols])


def test_write_is_atomic_on_bad_model(tmp_path):
    # issue 12 changed the contract: an input is written as an activity with a warning, so the
    # model that cannot be written is now one with a target at a month
    target = tmp_path / "a.csv"
    target.write_text("old", encoding="utf-8")
    m = LogicModel(
        id="m",
        title="t",
        nodes=[Output(id="o")],
        indicators=[Indicator(id="i", measures="o", unit="件", targets={"2024-06": 3})],
    )
    with pytest.raises(ModelError, match="'2024-06'"):
        write_rs(m, target, tmp_path / "b.csv", project_id="1")
    assert target.read_text(encoding="utf-8") == "old"


def test_write_rejects_non_fiscal_periods(tmp_path):
    m = LogicModel(
        id="m",
        title="t",
        nodes=[Output(id="o")],
        indicators=[Indicator(id="i", measures="o", unit="件", targets={"2024-06": 3})],
    )
    with pytest.raises(ModelError, match=r"'2024-06'.*fiscal years"):
        write_rs(m, tmp_path / "a.csv", tmp_path / "b.csv", project_id="1")


def test_write_renumbers_free_ids(tmp_path):
    m = LogicModel(
        id="m",
        title="t",
        nodes=[Output(id="output_2"), Output(id="made"), Activity(id="act")],
        links=[Link(source="act", target="made")],
    )
    back = read_rs(
        *write_rs(m, tmp_path / "a.csv", tmp_path / "b.csv", project_id="9"), project="9"
    )
    assert back.model.node_ids == ("output_2", "output_1", "activity_1")
    assert back.model.links == (Link(source="activity_1", target="output_1"),)


_UNITS = st.sampled_from(["件", "人", "団体", "%", "円", "分"])
_VALUES = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda v: round(v, 3))
_YEARS = st.integers(min_value=2007, max_value=2060)


@st.composite
def rs_models(draw):
    kinds = draw(
        st.lists(st.sampled_from(["activity", "output", "outcome"]), min_size=1, max_size=6)
    )
    nodes, counts = [], {"activity": 0, "output": 0, "outcome": 0}
    for k in kinds:
        counts[k] += 1
        nid = f"{k}_{counts[k]}"
        label = draw(
            st.text(alphabet="あいう窓口=-+@ 1", min_size=1, max_size=6).filter(
                lambda s: s.strip() == s
            )
        )
        if k == "outcome":
            nodes.append(
                Outcome(
                    id=nid,
                    label=label,
                    stage=draw(st.sampled_from(["short", "intermediate", "long"])),
                )
            )
        elif k == "output":
            nodes.append(Output(id=nid, label=label))
        else:
            nodes.append(Activity(id=nid, label=label))
    indicators, obs = [], []
    for n in nodes:
        if n.kind == "activity":
            continue
        for j in range(draw(st.integers(0, 2))):
            years = draw(st.lists(_YEARS, min_size=1, max_size=3, unique=True))
            iid = f"{n.id}_i{j + 1}"
            unit = draw(_UNITS)
            indicators.append(
                Indicator(
                    id=iid,
                    measures=n.id,
                    name=f"指標{j}",
                    unit=unit,
                    # a rate is averaged across organisations (a summed % fails LM216)
                    aggregation="mean" if unit == "%" else "stock",
                    direction=draw(st.sampled_from(["increase", "decrease", None])),
                    targets=[
                        {
                            "period": f"FY{y}",
                            "value": draw(_VALUES),
                            "note": "目標年度" if y == max(years) else None,
                        }
                        for y in sorted(years)
                    ],
                )
            )
            for y in draw(st.lists(_YEARS, max_size=3, unique=True)):
                obs.append({"indicator": iid, "period": f"FY{y}", "value": draw(_VALUES)})
    ids = [n.id for n in nodes]
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=5, unique=True)
    )
    links = [Link(source=a, target=b) for a, b in pairs if a != b]
    model = LogicModel(id="rs_1", title="事業", nodes=nodes, links=links, indicators=indicators)
    return model, pd.DataFrame(obs, columns=["indicator", "period", "value"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rs_models())
def test_round_trip_property(tmp_path, case):
    model, obs = case
    paths = write_rs(
        model, tmp_path / "a.csv", tmp_path / "b.csv", project_id="0001", observations=obs
    )
    result = read_rs_report(*paths)
    assert list(result.findings) == []
    back = result.projects["0001"]
    assert back.model.nodes == model.nodes
    assert back.model.links == model.links
    assert back.model.indicators == model.indicators
    got = sorted(map(tuple, back.observations[["indicator", "period", "value"]].values.tolist()))
    assert got == sorted(map(tuple, obs.values.tolist()))


# ------------------------------------------------------------------------------------ bad input
def _write(tmp_path: Path, text: str, name: str = "3-1.csv", enc: str = "utf-8-sig") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(enc))
    return p


def _header(drop: str | None = None, rename: tuple[str, str] | None = None) -> str:
    cols = [c for c in RS_3_1_COLUMNS if c != drop]
    if rename:
        cols = [rename[1] if c == rename[0] else c for c in cols]
    return ",".join(cols)


def test_bad_missing_file(tmp_path):
    with pytest.raises(FormatError, match="file not found") as info:
        read_rs(tmp_path / "nope.csv")
    assert "nope.csv" in str(info.value)


def test_bad_missing_required_column(tmp_path):
    p = _write(
        tmp_path,
        _header(rename=("種別（アクティビティ・アウトプット・アウトカム）", "種別(アクティビティ)"))
        + "\n",
    )
    with pytest.raises(FormatError) as info:
        read_rs(p)
    msg = str(info.value)
    assert "3-1.csv" in msg
    assert "'種別（アクティビティ・アウトプット・アウトカム）' is missing" in msg
    assert "nearest header present: '種別(アクティビティ)'" in msg
    assert info.value.row == 1


def test_bad_missing_row_type_column(tmp_path):
    p = _write(tmp_path, _header(drop="目標年度／目標値／実績値／達成率") + "\n")
    with pytest.raises(FormatError, match="'目標年度／目標値／実績値／達成率' is missing"):
        read_rs(p)


def test_bad_missing_column_in_3_2(tmp_path):
    cols = [
        c for c in RS_3_2_COLUMNS if c != "派生先ー種別（アクティビティ・アウトプット・アウトカム）"
    ]
    p2 = _write(tmp_path, ",".join(cols) + "\n", "3-2.csv")
    with pytest.raises(
        FormatError,
        match=r"3-2\.csv.*派生先ー種別.*is missing.*nearest header present: '派生元ー種別",
    ):
        read_rs(F31, p2)


def test_bad_binary_file(tmp_path):
    p = tmp_path / "3-1.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(FormatError, match=r"3-1\.csv: not a CSV file \(binary"):
        read_rs(p)


def test_bad_encoding(tmp_path):
    p = tmp_path / "3-1.csv"
    p.write_bytes(b"\xff\xfe\x80\x81\xfc\xfc\xfc,abc\n")
    with pytest.raises(FormatError, match=r"3-1\.csv: not UTF-8 or cp932"):
        read_rs(p)


def test_bad_bom_but_not_utf8(tmp_path):
    p = tmp_path / "3-1.csv"
    p.write_bytes(b"\xef\xbb\xbf" + "予算事業ID".encode("cp932") + b"\n")
    with pytest.raises(FormatError, match=r"3-1\.csv: not UTF-8 text .*BOM"):
        read_rs(p)


def test_bad_empty_file(tmp_path):
    p = _write(tmp_path, "", enc="utf-8")
    with pytest.raises(FormatError, match=r"3-1\.csv: file is empty"):
        read_rs(p)


def test_bad_not_a_csv(tmp_path):
    p = _write(tmp_path, '{"id": "m", "title": "json"}\n', enc="utf-8")
    with pytest.raises(FormatError, match=r"3-1\.csv: row 1: not an RS System 3-1 .*予算事業ID"):
        read_rs(p)


def test_bad_ragged_rows(tmp_path):
    row = ",".join(["x"] * 90)
    p = _write(tmp_path, _header() + "\n" + row + "\n")
    with pytest.raises(FormatError, match=r"3-1\.csv: row 2: not a well-formed CSV") as info:
        read_rs(p)
    assert info.value.row == 2


def test_bad_duplicate_header(tmp_path):
    p = _write(tmp_path, _header() + ",2024\n")
    with pytest.raises(FormatError, match=r"row 1, column 2024: header '2024' appears twice"):
        read_rs(p)


def test_bad_zip_without_3_1(tmp_path):
    z = tmp_path / "RS.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("1-1_RS_2024_基本情報.csv", "x\n")
    with pytest.raises(FormatError, match=r"RS\.zip: the ZIP holds no 3-1"):
        read_rs(z)


def test_bad_corrupt_zip(tmp_path):
    z = tmp_path / "RS.zip"
    z.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(FormatError, match=r"RS\.zip: not a readable ZIP"):
        read_rs(z)


def test_bad_folder_without_files(tmp_path):
    with pytest.raises(FormatError, match="no 3-1_RS_"):
        read_rs(tmp_path)


def test_bad_errors_option():
    with pytest.raises(FormatError, match="errors='strict'"):
        read_rs(F31, errors="strict")  # type: ignore[call-overload]


def test_bad_rows_are_findings_not_crashes(tmp_path):
    base = dict.fromkeys(RS_3_1_COLUMNS, "")
    rows = [
        {
            **base,
            "予算事業ID": "5",
            "アクティビティ・アウトプット・アウトカムの番号": "1",
            "種別（アクティビティ・アウトプット・アウトカム）": "インパクト",
        },
        {
            **base,
            "予算事業ID": "5",
            "アクティビティ・アウトプット・アウトカムの番号": "1",
            "種別（アクティビティ・アウトプット・アウトカム）": "アウトプット",
            "目標年度／目標値／実績値／達成率": "5.その他",
        },
        {
            **base,
            "予算事業ID": "5",
            "アクティビティ・アウトプット・アウトカムの番号": "2",
            "種別（アクティビティ・アウトプット・アウトカム）": "アウトカム",
            "アウトカムの期間": "来年",
            "活動指標／成果指標": "x",
            "改善の上向き／下向き": "横ばい",
            "目標年度／目標値／実績値／達成率": "1.目標年度",
            "2025": "はい",
        },
    ]
    text = _header() + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n"
    result = read_rs_report(_write(tmp_path, text))
    by = sorted((i.code, i.row, i.column) for i in result.findings)
    assert by == [
        ("LM303", 4, "2025"),
        ("LM314", 2, "種別（アクティビティ・アウトプット・アウトカム）"),
        ("LM314", 3, "目標年度／目標値／実績値／達成率"),
        ("LM315", 4, "アウトカムの期間"),
        ("LM315", 4, "改善の上向き／下向き"),
    ]
    assert result.projects["5"].model.node("outcome_2").stage == "short"


# ------------------------------------------------------------------------------------ bulk build
def _same_as_validated(data: ModelData) -> None:
    """The bulk-built model equals its validated twin, item by item."""
    m = data.model
    again = LogicModel.model_validate(m.model_dump())
    assert again == m
    assert repr(again) == repr(m)
    for built, valid in zip(
        (*m.nodes, *m.links, *m.indicators),
        (*again.nodes, *again.links, *again.indicators),
        strict=False,
    ):
        assert type(built) is type(valid)
        assert built == valid


def test_models_equal_validated_ones(report):
    assert report.projects
    for data in report.projects.values():
        _same_as_validated(data)


def _benchmark_module():
    import importlib.util

    path = Path(__file__).parents[1] / "benchmarks" / "rs_read.py"
    spec = importlib.util.spec_from_file_location("rs_read_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_sample_equals_validated(tmp_path):
    p1, p2 = _benchmark_module().synthetic(26 * 40, tmp_path)
    result = read_rs_report(p1, p2)
    assert len(result.projects) == 40
    assert list(result.findings) == []
    for data in result.projects.values():
        _same_as_validated(data)
        obs = data.observations
        assert list(obs.index) == list(range(len(obs)))
        assert set(obs["project"]) == {data.model.id.removeprefix("rs_")}
        assert set(obs["indicator"]) <= {i.id for i in data.model.indicators}
    first = result.projects["1"].model
    assert (len(first.nodes), len(first.links), len(first.indicators)) == (8, 7, 6)
    assert all(len(i.targets) == 8 for i in first.indicators)


def test_build_is_what_validation_makes():
    from logicmodel.io.rs import _build

    point = {"period": "FY2025", "value": 3.0, "note": None}
    fields = {"id": "output_1_i1", "measures": "output_1", "name": "件数", "unit": "件"}
    cases = [
        (lm.Point, point),
        (Indicator, {**fields, "targets": (lm.Point(**point),)}),
        (Outcome, {"id": "outcome_1", "label": "x", "stage": "long"}),
        (Link, {"source": "a", "target": "b", "rationale": None}),
    ]
    for cls, values in cases:
        built, valid = _build(cls, dict(values)), cls(**values)
        assert built == valid
        assert built.model_fields_set == valid.model_fields_set
        assert repr(built) == repr(valid)
    assert _build(Indicator, fields) != Indicator(**{**fields, "unit": "人"})


def test_reference_check_finds_what_the_validator_finds():
    import numpy as np

    from logicmodel.io.rs import _check_references

    def arr(*items):
        return np.array(items, dtype=object)

    nodes = (np.array([0, 0, 1]), arr("activity_1", "output_1", "activity_1"), np.array([2, 3, 9]))
    inds = (np.array([0]), arr("output_1_i1"), np.array([3]))
    ok_links = (np.array([0]), arr("activity_1"), arr("output_1"))
    _check_references(
        "f.csv", nodes=nodes, indicators=inds, measures=arr("output_1"), links=ok_links
    )
    clash = (np.array([0]), arr("activity_1"), np.array([4]))
    with pytest.raises(FormatError, match="'activity_1' twice") as err:
        _check_references(
            "f.csv", nodes=nodes, indicators=clash, measures=arr("output_1"), links=ok_links
        )
    assert err.value.row == 2
    bad = [
        (arr("output_9"), ok_links, "measures an unknown node"),
        (
            arr("output_1"),
            (np.array([1]), arr("activity_1"), arr("output_1")),
            "ends at an unknown",
        ),
        (arr("output_1"), (np.array([0]), arr("output_1"), arr("output_1")), "self link"),
        (
            arr("output_1"),
            (np.array([0, 0]), arr("activity_1", "activity_1"), arr("output_1", "output_1")),
            "given twice",
        ),
    ]
    for measures, links, text in bad:
        with pytest.raises(ModelError, match=text):
            _check_references("f.csv", nodes=nodes, indicators=inds, measures=measures, links=links)


def _rows_file(tmp_path, rows):
    base = dict.fromkeys(RS_3_1_COLUMNS, "")
    lines = [",".join(f'"{v}"' for v in {**base, **r}.values()) for r in rows]
    return _write(tmp_path, _header() + "\n" + "\n".join(lines) + "\n")


def test_long_number_is_a_finding_not_a_crash(tmp_path):
    no = "アクティビティ・アウトプット・アウトカムの番号"
    kind = "種別（アクティビティ・アウトプット・アウトカム）"
    path = _rows_file(
        tmp_path,
        [
            {"予算事業ID": "5", no: "x" * 70, kind: "アウトプット"},
            {"予算事業ID": "5", no: "2", kind: "アウトプット"},
        ],
    )
    result = read_rs_report(path)
    assert [(i.code, i.row, i.column) for i in result.findings] == [("LM314", 2, no)]
    assert [n.id for n in result.projects["5"].model.nodes] == ["output_2"]


def test_number_clashing_with_an_indicator_id_names_the_row(tmp_path):
    no = "アクティビティ・アウトプット・アウトカムの番号"
    kind = "種別（アクティビティ・アウトプット・アウトカム）"
    ind = {
        "活動指標／成果指標": "件数",
        "単位": "件",
        "目標年度／目標値／実績値／達成率": "2.目標値",
    }
    path = _rows_file(
        tmp_path,
        [
            {"予算事業ID": "5", no: "1", kind: "アウトプット", **ind, "2025": "3"},
            {"予算事業ID": "5", no: "1_i1", kind: "アウトプット"},
        ],
    )
    with pytest.raises(FormatError, match="output_1_i1") as err:
        read_rs_report(path)
    assert err.value.column == no


def test_overlong_text_names_row_and_column(tmp_path):
    label = "アクティビティ／活動目標／成果目標"
    path = _rows_file(
        tmp_path,
        [
            {
                "予算事業ID": "5",
                "アクティビティ・アウトプット・アウトカムの番号": "1",
                "種別（アクティビティ・アウトプット・アウトカム）": "アウトプット",
                label: "長" * 10_001,
            }
        ],
    )
    with pytest.raises(FormatError, match="10,001 characters") as err:
        read_rs_report(path)
    assert (err.value.row, err.value.column) == (2, label)


def test_value_overflowing_its_unit_is_a_finding(tmp_path):
    path = _rows_file(
        tmp_path,
        [
            {
                "予算事業ID": "5",
                "アクティビティ・アウトプット・アウトカムの番号": "1",
                "種別（アクティビティ・アウトプット・アウトカム）": "アウトプット",
                "活動指標／成果指標": "人数",
                "単位": "万人",
                "目標年度／目標値／実績値／達成率": "2.目標値",
                "2025": "1e305",
                "2026": "7",
            }
        ],
    )
    result = read_rs_report(path)
    assert [(i.code, i.column) for i in result.findings] == [("LM303", "2025")]
    targets = result.projects["5"].model.indicators[0].targets
    assert [(p.period, p.value) for p in targets] == [("FY2026", 70_000.0)]
