"""IATI 2.03 results: reader, writer, schema validity, round trip and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import xmlschema
from lxml import etree

from logicmodel.errors import FormatError, ModelError, WriteError
from logicmodel.io.data import ModelData
from logicmodel.io.iati import LM_NAMESPACE, read_iati, write_iati
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
    Outcome,
    Output,
)
from logicmodel.periods import parse_period

SHARED = Path(__file__).resolve().parents[2] / "shared" / "iati"
if not SHARED.is_dir():  # the shared folder sits beside the repository
    SHARED = Path("/work/shared/iati")
PASS = SHARED / "should-pass"
FAIL = SHARED / "should-fail"
DATA = Path(__file__).parent / "data" / "iati"
XSD = SHARED / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    # "sandbox": only files under the schema's own folder may be loaded; no network, no /etc.
    return xmlschema.XMLSchema(str(XSD), allow="sandbox")


def _write(tmp_path: Path, body: str, name: str = "a.xml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


def _activity(results: str, attrs: str = "") -> str:
    return (
        '<?xml version="1.0"?>\n<iati-activities version="2.03">\n'
        f"<iati-activity{attrs}>\n<iati-identifier>XM-1</iati-identifier>\n"
        f"{results}\n</iati-activity>\n</iati-activities>\n"
    )


# --------------------------------------------------------------------------- reference files


PASS_FILES = sorted(PASS.glob("*.xml"))
FAIL_FILES = sorted(FAIL.glob("*.xml"))


def test_reference_folders_are_there() -> None:
    assert len(PASS_FILES) == 26
    assert len(FAIL_FILES) == 43


@pytest.mark.parametrize("path", PASS_FILES, ids=lambda p: p.name)
def test_should_pass_imports(path: Path) -> None:
    out = read_iati(path)
    assert len(out) == 1
    model, obs = out[0]
    results = len(etree.parse(str(path)).findall(".//result"))
    indicators = len(etree.parse(str(path)).findall(".//result/indicator"))
    assert [n.kind for n in model.nodes].count("activity") == 1
    assert len(model.nodes) == results + 1
    assert len(model.indicators) == indicators
    assert isinstance(obs, pd.DataFrame)
    assert set(obs["indicator"]) <= {i.id for i in model.indicators}
    # every node is reachable from the activity
    activity = model.nodes[0].id
    assert model.nodes[0].kind == "activity"
    assert all(model.upstream(n.id) for n in model.nodes if n.id != activity)


def test_should_pass_details_legacy_24() -> None:
    model, obs = read_iati(PASS / "legacy-24-results.xml")[0]
    assert [n.kind for n in model.nodes] == ["activity"] + ["output"] * 13
    assert len(model.indicators) == 14
    assert model.id == "iati_activity_1"  # empty iati-identifier → position
    # "N=35;P=55" is not a number: kept verbatim as text, value NaN, never a model baseline
    r3 = model.indicator("r3_i1")
    assert r3.baseline is None
    assert r3.refs == ("iati-measure:NDP",)
    assert r3.orgs_rule == "none"  # aggregation-status="false"
    rows = obs[obs["indicator"] == "r3_i1"].sort_values(["kind", "period"])
    assert list(rows["kind"]) == ["actual", "actual", "baseline", "target", "target"]
    assert rows["value"].isna().all()
    assert list(rows["text"]) == ["N=41;P=56", "N=43;P=58", "N=35;P=55", "N=42;P=57", "N=44;P=60"]
    assert rows["comment"].iloc[0] == "Actual Comment Period 2009"
    # the last result has dimensioned, located target and actual values
    last = obs[obs["indicator"] == "r13_i1"].set_index("kind")
    assert last.loc["target", "value"] == 110.0
    assert last.loc["actual", "value"] == 111.0
    assert last.loc["actual", "location"] == "AF-KAN;KH-ABC"
    assert last.loc["target", "dimension_xxx"] == "yyyy"
    assert last.loc["actual", "dimension_xxx"] == "yyy"
    assert model.indicator("r13_i1").refs == ("99:B1 <http://example.com/indicators.html>",)
    assert int(last.loc["actual", "source_row"]) == 347
    assert len(obs) == 20


def test_should_pass_details_small_files() -> None:
    model, obs = read_iati(
        PASS / "indicator__baseline__multiple-occurance-of-element-in-context.xml"
    )[0]
    assert model.nodes[1].kind == "output"
    assert model.nodes[1].tags == ("iati-result-type:xx",)
    assert model.indicator("r1_i1").refs == ("iati-measure:xx",)
    assert list(obs["kind"]) == ["baseline", "baseline"]
    assert list(obs["text"]) == ["xx", "xx"]
    _, obs = read_iati(PASS / "indicator__period__actual__multiple-occurences-of-element.xml")[0]
    assert len(obs) == 0  # three empty <actual/> carry nothing
    model, _ = read_iati(PASS / "indicator__baseline___value__attribute-does-not-exist.xml")[0]
    ind = model.indicator("r1_i1")
    assert ind.direction == "decrease"  # ascending="0"
    assert ind.orgs_rule == "none"  # result aggregation-status="0"
    model, _ = read_iati(
        PASS / "indicator___aggregation-status__attribute-exists-integer-boolean.xml"
    )[0]
    assert model.indicator("r1_i1").aggregation == "stock"
    model, _ = read_iati(
        PASS / "reference__multiple-reference-elements-present-with-required-attributes.xml"
    )[0]
    assert model.node("result_1").refs == ("xx:xx", "xx:xx")
    model, _ = read_iati(
        PASS / "reference___vocabulary-uri__reference-element-optional-vocabulary-uri-present.xml"
    )[0]
    assert model.node("result_1").refs == ("xx:xx <xx>",)


# file → (element, phrase in the message, line) for errors; None for files that import.
FAIL_EXPECTED: dict[str, tuple[str, str, int] | None] = {
    "indicator___aggregation-status__err-not-iati-xml-incorrect-datatype.xml": (
        "indicator",
        "@aggregation-status='xx'",
        23,
    ),
    "indicator__baseline__dimension__err-not-iati-xml-incorrect-datatype.xml": (
        "baseline",
        "@iso-date='123456'",
        27,
    ),
    "legacy-01-missing-title.xml": None,
    "legacy-02-missing-title-narrative.xml": None,
    "legacy-03-missing-indicator-title.xml": None,
    "legacy-04-missing-indicator-title-narrative.xml": None,
    "legacy-05-missing-attribute-indicator-measure.xml": ("indicator", "no @measure", 23),
    "legacy-06-missing-indicator.xml": None,
    "legacy-07-missing-attribute-result-type.xml": ("result", "no @type", 19),
    "legacy-08-non-boolean-attribute-aggregation-status.xml": (
        "result",
        "@aggregation-status='x'",
        19,
    ),
    "legacy-09-non-boolean-attribute-ascending.xml": ("indicator", "@ascending='x'", 23),
    "legacy-10-two-title.xml": None,
    "legacy-11-two-indicator-title.xml": None,
    "legacy-12-two-description.xml": None,
    "legacy-13-missing-indicator-description-narrative.xml": None,
    "legacy-14-missing-description-narrative.xml": None,
    "legacy-15-missing-indicator-baseline-comment-narrative.xml": None,
    "legacy-16-missing-indicator-period-period-start.xml": ("period", "no <period-start>", 29),
    "legacy-17-missing-indicator-period-period-end.xml": ("period", "no <period-end>", 29),
    "legacy-18-non-iso-date-period-period-start.xml": ("period-start", "'2009-01-'", 30),
    "legacy-19-non-iso-date-period-period-end.xml": ("period-end", "'2009-12-'", 31),
    "legacy-20-missing-indicator-period-target-comment-narrative.xml": None,
    "legacy-21-missing-indicator-period-actual-comment-narrative.xml": None,
    "legacy-22-two-indicator-description.xml": None,
    "legacy-24-two-indicator-baseline-comment.xml": None,
    "legacy-25-two-indicator-period-period-end.xml": ("period-end", "2 times", 31),
    "legacy-25-two-indicator-period-period-start.xml": ("period-start", "2 times", 30),
    "legacy-28-two-indicator-period-target-comment.xml": None,
    "legacy-30-two-indicator-period-actual-comment.xml": None,
    "legacy-33-missing-attribute-period-start-iso-date.xml": ("period-start", "no @iso-date", 29),
    "legacy-34-missing-attribute-period-end-iso-date.xml": ("period-start", "no @iso-date", 29),
    "legacy-36-missing-attribute-baseline-year.xml": ("baseline", "no @year", 29),
    "legacy-37-non-positiveInteger-baseline-year.xml": ("baseline", "@year='-2008'", 29),
    "legacy-38-non-positiveInteger-baseline-year.xml": ("baseline", "@year='x'", 29),
    "legacy-39-indicator-reference-vocabulary-missing.xml": None,
    "legacy-41-indicator-reference-code-missing.xml": None,
    "legacy-47-two-indicator-period-target-comment.xml": None,
    "legacy-48-two-indicator-period-actual-comment.xml": None,
    "legacy-49-no-narrative-indicator-period-target-comment.xml": None,
    "legacy-50-no-narrative-indicator-period-actual-comment.xml": None,
    "reference___code__err-not-iati-xml-missing-attribute_missing-required-code-attribute.xml": None,
    "reference___vocabulary__err-not-iati-xml-missing-attribute_missing-required-vocabulary-attribute.xml": None,
    "reference__err-not-iati-xml-missing-required-element_reference-element-present-with-non-allowed-child-element.xml": None,
}


def test_should_fail_table_covers_the_folder() -> None:
    assert {p.name for p in FAIL_FILES} == set(FAIL_EXPECTED)


@pytest.mark.parametrize("path", FAIL_FILES, ids=lambda p: p.name)
def test_should_fail_behaves_as_the_readme_says(path: Path, schema: xmlschema.XMLSchema) -> None:
    expected = FAIL_EXPECTED[path.name]
    if expected is None:
        out = read_iati(path)  # defects only in narratives, comments or references
        assert len(out) == 1
        assert out[0].model.nodes[0].kind == "activity"
        return
    element, phrase, line = expected
    with pytest.raises(FormatError) as info:
        read_iati(path)
    err = info.value
    assert err.row == line
    assert err.path == str(path)
    assert err.message.startswith(f"<{element}> ")
    assert phrase in err.message
    # the line really holds the element named
    assert f"<{element}" in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_should_fail_narrative_defects_keep_what_there_is() -> None:
    model, _ = read_iati(FAIL / "legacy-01-missing-title.xml")[0]
    assert model.node("result_1").label is None
    assert model.indicator("r1_i1").name is not None
    model, _ = read_iati(FAIL / "legacy-03-missing-indicator-title.xml")[0]
    assert model.indicator("r1_i1").name is None
    model, _ = read_iati(FAIL / "legacy-06-missing-indicator.xml")[0]
    assert model.indicators == ()
    assert model.downstream(model.nodes[0].id) == ("result_1",)
    model, _ = read_iati(FAIL / "legacy-39-indicator-reference-vocabulary-missing.xml")[0]
    assert model.indicator("r1_i1").refs == (":B1 <http://example.com/indicators.html>",)
    model, _ = read_iati(FAIL / "legacy-41-indicator-reference-code-missing.xml")[0]
    assert model.indicator("r1_i1").refs == ("1: <http://example.com/indicators.html>",)
    _, obs = read_iati(FAIL / "legacy-49-no-narrative-indicator-period-target-comment.xml")[0]
    assert obs["comment"].isna().all()


# ------------------------------------------------------------------------------- XML attacks


def test_billion_laughs_is_refused_without_expanding() -> None:
    path = DATA / "billion-laughs.xml"
    with pytest.raises(FormatError) as info:
        read_iati(path)
    msg = str(info.value)
    assert "lollol" not in msg
    assert len(msg) < 400
    assert info.value.path == str(path)
    assert info.value.row in (1, 2)


def test_external_entity_is_refused_and_never_read() -> None:
    path = DATA / "xxe.xml"
    with pytest.raises(FormatError) as info:
        read_iati(path)
    assert "DOCTYPE" in info.value.message
    assert info.value.row == 2
    assert "root:" not in str(info.value)


def test_doctype_without_entities_is_refused(tmp_path: Path) -> None:
    body = '<?xml version="1.0"?>\n<!DOCTYPE iati-activities>\n<iati-activities/>'
    with pytest.raises(FormatError, match="DOCTYPE") as info:
        read_iati(_write(tmp_path, body))
    assert info.value.row == 2


# ----------------------------------------------------------------------------- mapping details


@pytest.fixture(scope="module")
def mapped() -> list[ModelData]:
    return read_iati(DATA / "mapping.xml")


def test_mapping_activities_and_nodes(mapped: list[ModelData]) -> None:
    assert len(mapped) == 2  # the activity without results is skipped
    model, _ = mapped[0]
    assert model.id == "JP_MIC_2024_001"
    assert model.title == "One-stop counter"  # xml:lang="en" is the default language
    assert model.owner == "Ministry"
    assert model.description == "Digital counters in municipalities"
    assert model.refs == ("iati-identifier:JP-MIC-2024-001", "iati-reporting-org:JP-MIC")
    kinds = [(n.id, n.kind) for n in model.nodes]
    assert kinds == [
        ("JP_MIC_2024_001", "activity"),
        ("result_1", "output"),
        ("result_2", "outcome"),
        ("result_3", "impact"),
        ("result_4", "output"),
    ]
    assert model.node("result_2").stage == "intermediate"  # type: ignore[union-attr]
    assert model.node("result_4").tags == ("iati-result-type:9",)
    assert model.node("result_1").refs == ("99:OUT-1 <https://example.org/rf>",)
    assert model.node("result_1").description == "Adoption of the standard system"
    links = {(link.source, link.target) for link in model.links}
    assert links == {
        ("JP_MIC_2024_001", "result_1"),
        ("JP_MIC_2024_001", "result_4"),
        ("result_1", "result_2"),
        ("result_4", "result_2"),
        ("result_2", "result_3"),
    }
    japanese, _ = mapped[1]
    assert japanese.id == "iati_2024_003"  # leading digit → prefixed
    assert japanese.title == "影響のみ"
    # no outputs or outcomes: the activity links straight to the impact
    assert [(lk.source, lk.target) for lk in japanese.links] == [("iati_2024_003", "result_1")]


def test_mapping_language_preference() -> None:
    model, _ = read_iati(DATA / "mapping.xml", lang="ja")[0]
    assert model.title == "書かないワンストップ窓口"
    assert model.owner == "総務省"
    assert model.node("result_1").label == "導入団体の増加"
    assert model.node("result_2").label == "Residents need not write forms"  # only English there


def test_mapping_indicators(mapped: list[ModelData]) -> None:
    model, _ = mapped[0]
    ids = [i.id for i in model.indicators]
    assert ids == ["r1_i1", "r1_i2", "r2_i1", "r2_i2", "r2_i3", "r3_i1", "r4_i1"]
    unit = model.indicator("r1_i1")
    assert (unit.unit, unit.measure, unit.direction, unit.aggregation) == (
        "1",
        "quantitative",
        "increase",
        "stock",
    )
    assert unit.refs == ("1:A1",)
    pct = model.indicator("r1_i2")
    assert pct.unit == "%"
    assert pct.aggregation == Aggregation(time="last", orgs="none")  # indicator-level false
    wait = model.indicator("r2_i1")
    assert wait.direction == "decrease"
    assert wait.orgs_rule == "none"  # result-level aggregation-status="false"
    nominal = model.indicator("r2_i2")
    assert (nominal.measure, nominal.unit, nominal.refs) == (
        "qualitative",
        None,
        ("iati-measure:3",),
    )
    ordinal = model.indicator("r2_i3")
    assert (ordinal.measure, ordinal.unit, ordinal.refs) == (
        "quantitative",
        "1",
        ("iati-measure:4",),
    )
    assert ordinal.aggregation == "stock"  # indicator true overrides result false
    qual = model.indicator("r3_i1")
    assert (qual.measure, qual.unit, qual.refs) == ("qualitative", None, ())


def test_mapping_baselines_targets_and_observations(mapped: list[ModelData]) -> None:
    model, obs = mapped[0]
    ind = model.indicator("r1_i1")
    # three baselines: the latest undimensioned one is the model's; the others are rows
    assert ind.baseline is not None
    assert (ind.baseline.period, ind.baseline.value, ind.baseline.note) == (
        "2023-06-30",
        120.0,
        "admin records",
    )
    # one plain target in the first period → model target; dimensioned ones → rows
    assert [(t.period, t.value) for t in ind.targets] == [("2024-04-01/2025-03-31", 900.0)]
    rows = obs[obs["indicator"] == "r1_i1"]
    base = rows[rows["kind"] == "baseline"].sort_values("period")
    assert list(base["period"]) == ["2022", "2023"]
    assert list(base["value"]) == [80.0, 60.0]
    assert base["location"].isna().tolist() == [True, False]
    targets = rows[rows["kind"] == "target"].sort_values("value")
    assert list(targets["dimension_size"]) == ["large", "small"]
    assert list(targets["period"]) == ["2025-04-01/2026-03-31"] * 2
    actual = rows[rows["kind"] == "actual"].sort_values("value")
    assert list(actual["value"]) == [250.0, 300.0, 640.0]
    assert list(actual["location"].fillna("")) == ["", "JP-13;JP-27", ""]
    assert list(actual["comment"].fillna("")) == ["", "", "on track"]
    assert set(obs["unit"].dropna()) == {"1"}
    assert obs["value"].dtype == "float64"
    assert obs["source_row"].dtype == "int64"
    # dates with a time zone keep their day
    wait = model.indicator("r2_i1")
    assert wait.targets[0].period == "2027-04-01/2028-03-31"
    assert wait.baseline is not None
    assert wait.baseline.period == "2023"
    # qualitative actual: no value, its comment kept
    qual = obs[obs["indicator"] == "r3_i1"].iloc[0]
    assert math.isnan(qual["value"])
    assert qual["comment"] == "Users report fewer visits"
    assert parse_period(qual["period"]).end.isoformat() == "2028-03-31"


def test_outcome_stage_option() -> None:
    model, _ = read_iati(DATA / "mapping.xml", outcome_stage="short")[0]
    assert model.node("result_2").stage == "short"  # type: ignore[union-attr]
    with pytest.raises(ModelError, match="outcome_stage"):
        read_iati(DATA / "mapping.xml", outcome_stage="medium")


# ------------------------------------------------------------------------------------ writing


def _sample() -> tuple[LogicModel, pd.DataFrame]:
    model = LogicModel(
        id="window_dx",
        title="書かないワンストップ窓口",
        owner="デジタル庁",
        description="窓口のデジタル化",
        nodes=[
            Input(id="grant", label="補助金"),
            Activity(id="support", label="導入支援"),
            Output(id="adopted", label="導入団体の増加", refs=("99:OUT-1",)),
            Outcome(id="no_forms", label="書かずに手続できる", stage="short"),
            Outcome(id="wait", label="待ち時間の短縮", stage="intermediate", description="窓口"),
            Impact(id="ux", label="利用者体験の向上"),
        ],
        links=[
            Link(source="grant", target="support"),
            Link(source="support", target="adopted"),
            Link(source="adopted", target="no_forms"),
            Link(source="adopted", target="wait"),
            Link(source="no_forms", target="ux"),
            Link(source="wait", target="ux"),
        ],
        indicators=[
            KPI(
                id="adopted_n",
                measures="adopted",
                name="導入団体数",
                unit="団体",
                baseline={"period": "FY2023", "value": 120, "note": "総務省調べ"},
                targets=[{"period": "FY2025", "value": 900}, {"period": "FY2027", "value": 1741}],
                refs=("1:A1 <https://example.org/ind>",),
                aggregation="flow",
            ),
            KPI(
                id="share",
                measures="no_forms",
                name="書かない窓口の割合",
                unit="%",
                baseline={"period": "2023", "value": 10},
                targets={"FY2027": 80.5},
            ),
            KGI(
                id="wait_min",
                measures="wait",
                name="平均待ち時間",
                unit="分",
                direction="decrease",
                baseline={"period": "2023-06-30", "value": 40},
                targets=[{"period": "FY2027", "value": 15}],
                aggregation={"time": "last", "orgs": "none"},
            ),
            Indicator(
                id="voice",
                measures="ux",
                name="利用者の声",
                measure="qualitative",
                direction="maintain",
            ),
        ],
    )
    obs = pd.DataFrame(
        {
            "indicator": ["adopted_n", "adopted_n", "adopted_n", "wait_min", "share", "voice"],
            "period": ["FY2024", "FY2024", "FY2025", "FY2024", "FY2024", "FY2024"],
            "value": [640, 20, 500, 0.5, 35.5, None],
            "unit": ["団体", "団体", "団体", "時間", "%", None],
            "kind": ["actual", "actual", "target", "actual", "actual", "actual"],
            "location": [None, "JP-13;JP-27", "JP-13", None, None, None],
            "dimension_size": [None, "small", "small", None, None, None],
            "comment": [None, None, None, "順調", None, "手続が楽になった"],
        }
    )
    return model, obs


def test_write_is_valid_iati(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    model, obs = _sample()
    path = write_iati(model, obs, tmp_path / "out.xml", reporting_org="JP-DA")
    assert path == tmp_path / "out.xml"
    errors = [str(e)[:300] for e in schema.iter_errors(str(path))]
    assert errors == []
    root = etree.parse(str(path)).getroot()
    assert root.get("version") == "2.03"
    act = root.find("iati-activity")
    assert act is not None
    assert act.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    assert act.findtext("iati-identifier") == "window_dx"
    assert act.find("reporting-org").get("ref") == "JP-DA"  # type: ignore[union-attr]
    assert [r.get("type") for r in act.findall("result")] == ["1", "2", "2", "3"]
    measures = [i.get("measure") for i in act.iter("indicator")]
    assert measures == ["1", "2", "1", "5"]
    wait = act.find(f"result/indicator[@{{{LM_NAMESPACE}}}id='wait_min']")
    assert wait is not None
    assert (wait.get("ascending"), wait.get("aggregation-status")) == ("0", "0")
    period = act.find("result/indicator/period")
    assert period is not None
    assert period.find("period-start").get("iso-date") == "2024-04-01"  # type: ignore[union-attr]
    assert period.find("period-end").get("iso-date") == "2025-03-31"  # type: ignore[union-attr]
    # 0.5 時間 converted to 30 分
    assert [a.get("value") for a in wait.iter("actual")] == ["30"]
    assert act.find("activity-date").get("iso-date") == "2023-01-01"  # type: ignore[union-attr]


def test_write_without_observations_is_valid(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    model, _ = _sample()
    path = write_iati(model, None, tmp_path / "bare.xml")
    assert schema.is_valid(str(path))
    root = etree.parse(str(path)).getroot()
    assert root.find("iati-activity/reporting-org").get("ref") == ""  # type: ignore[union-attr]
    # nodes without indicators (activity, input) never become results
    assert len(root.findall("iati-activity/result")) == 4


def test_write_does_not_touch_the_frame(tmp_path: Path) -> None:
    model, obs = _sample()
    before = obs.copy()
    write_iati(model, obs, tmp_path / "x.xml")
    pd.testing.assert_frame_equal(obs, before)


def test_reference_files_survive_read_write_read(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    model, obs = read_iati(PASS / "legacy-24-results.xml")[0]
    path = write_iati(model, obs, tmp_path / "again.xml")
    assert schema.is_valid(str(path))
    again, obs2 = read_iati(path)[0]
    assert [n.id for n in again.nodes] == [n.id for n in model.nodes]
    # the unknown measure code "NDP" is written as 1 (unit); everything else comes back
    assert model.indicator("r3_i1").refs == ("iati-measure:NDP",)
    assert again.indicator("r3_i1").refs == ()
    assert [i.model_copy(update={"refs": ()}) for i in again.indicators] == [
        i.model_copy(update={"refs": ()}) for i in model.indicators
    ]
    cols = ["indicator", "period", "kind", "text", "location", "dimension_xxx"]
    key = ["indicator", "kind", "period", "text"]
    left = obs[cols].sort_values(key).reset_index(drop=True).astype(str)
    right = obs2[cols].sort_values(key).reset_index(drop=True).astype(str)
    pd.testing.assert_frame_equal(left, right)


# ---------------------------------------------------------------------------------- round trip


def _span(label: str) -> tuple[str, str]:
    p = parse_period(label)
    return p.start.isoformat(), p.end.isoformat()


def test_round_trip(tmp_path: Path) -> None:
    model, obs = _sample()
    path = write_iati(model, obs, tmp_path / "rt.xml", reporting_org="JP-DA")
    ((back, back_obs),) = read_iati(path)
    assert back.id == model.id
    assert back.title == model.title
    assert back.owner == model.owner
    assert "iati-reporting-org:JP-DA" in back.refs
    # results: same ids, kinds, stages, labels; the activity node keeps its id
    for node in model.nodes:
        if node.kind == "input":
            continue
        got = back.node(node.id)
        assert (got.kind, got.label) == (node.kind, node.label)
        assert getattr(got, "stage", None) == getattr(node, "stage", None)
    assert back.node("adopted").refs == ("99:OUT-1",)
    assert back.node("wait").description == "窓口"
    # the model's own links (lm:link; issue 12), here the same as a rebuild by level
    assert set(back.links) == set(model.links)
    assert set(back.downstream("support")) == {"adopted"}
    assert set(back.downstream("adopted")) == {"no_forms", "wait"}
    assert set(back.upstream("ux")) == {"no_forms", "wait"}
    for ind in model.indicators:
        got = back.indicator(ind.id)
        assert (got.measures, got.name, got.unit, got.role, got.direction, got.measure) == (
            ind.measures,
            ind.name,
            ind.unit,
            ind.role,
            ind.direction,
            ind.measure,
        )
        assert got.rules == ind.rules
        assert got.refs == ind.refs
        assert [(_span(t.period)[1], t.value) for t in got.targets] == [
            (parse_period(t.period).end.isoformat(), t.value) for t in ind.targets
        ]
        if ind.baseline is None:
            assert got.baseline is None
        else:
            assert got.baseline is not None
            assert parse_period(got.baseline.period).end == parse_period(ind.baseline.period).end
            assert (got.baseline.value, got.baseline.note) == (
                ind.baseline.value,
                ind.baseline.note,
            )
    # observations: same values per (indicator, period end, kind, location, dimension)
    # issue 12: periods written by write_iati come back in the model's own spelling (lm:period)
    actual = back_obs[back_obs["kind"] == "actual"].set_index(["indicator", "location"], drop=False)
    assert set(back_obs["period"]) <= {"FY2024", "FY2025"}
    a = back_obs[(back_obs["indicator"] == "adopted_n") & (back_obs["kind"] == "actual")]
    assert sorted(a["value"]) == [20.0, 640.0]
    loc = a[a["location"].notna()].iloc[0]
    assert (loc["location"], loc["dimension_size"], loc["value"]) == ("JP-13;JP-27", "small", 20.0)
    t = back_obs[back_obs["kind"] == "target"].iloc[0]
    assert (t["indicator"], t["value"], t["location"], t["dimension_size"]) == (
        "adopted_n",
        500.0,
        "JP-13",
        "small",
    )
    assert actual.loc[("wait_min", slice(None)), "comment"].tolist() == ["順調"]
    voice = back_obs[back_obs["indicator"] == "voice"].iloc[0]
    assert math.isnan(voice["value"])
    assert voice["comment"] == "手続が楽になった"
    assert len(back_obs) == len(obs)


def test_round_trip_twice_is_stable(tmp_path: Path) -> None:
    model, obs = _sample()
    first = read_iati(write_iati(model, obs, tmp_path / "1.xml"))[0]
    second = read_iati(write_iati(first.model, first.observations, tmp_path / "2.xml"))[0]
    assert second.model == first.model
    cols = [c for c in first.observations.columns if c != "source_row"]  # type: ignore[union-attr]
    pd.testing.assert_frame_equal(
        first.observations[cols].astype(str),  # type: ignore[index]
        second.observations[cols].astype(str),  # type: ignore[index]
    )


def test_other_result_type_and_measure_codes_survive(tmp_path: Path) -> None:
    model, obs = read_iati(DATA / "mapping.xml")[0]
    path = write_iati(model, obs, tmp_path / "m.xml")
    root = etree.parse(str(path)).getroot()
    assert [r.get("type") for r in root.iter("result")] == ["1", "2", "3", "9"]
    assert [i.get("measure") for i in root.iter("indicator")] == ["1", "2", "1", "3", "4", "5", "1"]
    back, _ = read_iati(path)[0]
    assert back.indicators == model.indicators
    assert [n.tags for n in back.nodes] == [n.tags for n in model.nodes]


# --------------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not found") as info:
        read_iati(tmp_path / "nope.xml")
    assert info.value.path == str(tmp_path / "nope.xml")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="folder") as info:
        read_iati(tmp_path)
    assert info.value.path == str(tmp_path)


@pytest.mark.parametrize("body", ["", "   \n\n  "])
def test_empty_file(tmp_path: Path, body: str) -> None:
    with pytest.raises(FormatError, match="empty") as info:
        read_iati(_write(tmp_path, body))
    assert info.value.row == 1


def test_not_xml(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not well-formed XML") as info:
        read_iati(_write(tmp_path, "indicator,period,value\nx,2024,1\n"))
    assert info.value.row == 1


def test_truncated_xml_names_the_line(tmp_path: Path) -> None:
    body = _activity('<result type="1"><title><narrative>x</narrative></title>')
    body = body.replace("</iati-activity>", "")
    with pytest.raises(FormatError, match="not well-formed XML") as info:
        read_iati(_write(tmp_path, body))
    assert info.value.row is not None
    assert info.value.row >= 5


def test_wrong_root(tmp_path: Path) -> None:
    body = '<?xml version="1.0"?>\n\n<iati-organisations version="2.03"/>'
    with pytest.raises(
        FormatError, match=r"<iati-organisations>; expected <iati-activities>"
    ) as info:
        read_iati(_write(tmp_path, body))
    assert info.value.row == 3


def test_namespaced_root_is_the_wrong_root(tmp_path: Path) -> None:
    body = '<iati-activities xmlns="http://example.org/x" version="2.03"/>'
    with pytest.raises(FormatError, match="expected <iati-activities>") as info:
        read_iati(_write(tmp_path, body))
    assert info.value.row == 1


def test_no_results_gives_an_empty_list(tmp_path: Path) -> None:
    assert read_iati(_write(tmp_path, _activity("<title><narrative>t</narrative></title>"))) == []


def _indicator_file(tmp_path: Path, indicator: str, result_attrs: str = 'type="1"') -> Path:
    return _write(
        tmp_path,
        _activity(
            f"<result {result_attrs}>\n<title><narrative>r</narrative></title>\n"
            f"{indicator}\n</result>"
        ),
    )


def test_period_end_before_start(tmp_path: Path) -> None:
    path = _indicator_file(
        tmp_path,
        (
            '<indicator measure="1"><title><narrative>i</narrative></title>\n'
            '<period>\n<period-start iso-date="2025-01-01"/>\n'
            '<period-end iso-date="2024-12-31"/>\n'
            "</period></indicator>"
        ),
    )
    with pytest.raises(FormatError, match="before the period start") as info:
        read_iati(path)
    assert info.value.row == 10
    assert info.value.message.startswith("<period-end>")


def test_impossible_date(tmp_path: Path) -> None:
    path = _indicator_file(
        tmp_path,
        (
            '<indicator measure="1"><title><narrative>i</narrative></title>\n'
            '<period>\n<period-start iso-date="2025-02-30"/>\n'
            '<period-end iso-date="2025-12-31"/>\n'
            "</period></indicator>"
        ),
    )
    with pytest.raises(FormatError, match="'2025-02-30'") as info:
        read_iati(path)
    assert info.value.row == 9


def test_yes_is_not_a_boolean(tmp_path: Path) -> None:
    path = _indicator_file(
        tmp_path,
        '<indicator measure="1" ascending="yes"><title><narrative>i</narrative></title>'
        "</indicator>",
    )
    with pytest.raises(FormatError, match="@ascending='yes'") as info:
        read_iati(path)
    assert info.value.row == 7


def test_bad_extension_id(tmp_path: Path) -> None:
    path = _indicator_file(
        tmp_path,
        f'<indicator xmlns:lm="{LM_NAMESPACE}" lm:id="2nd" measure="1">'
        "<title><narrative>i</narrative></title></indicator>",
    )
    with pytest.raises(FormatError, match="lm:id='2nd'") as info:
        read_iati(path)
    assert info.value.row == 7


def test_bad_extension_unit(tmp_path: Path) -> None:
    path = _indicator_file(
        tmp_path,
        f'<indicator xmlns:lm="{LM_NAMESPACE}" lm:unit="9**9**9" measure="1">'
        "<title><narrative>i</narrative></title></indicator>",
    )
    with pytest.raises(FormatError, match="cannot become an indicator") as info:
        read_iati(path)
    assert info.value.row == 7


def test_duplicate_extension_ids(tmp_path: Path) -> None:
    ind = (
        f'<indicator xmlns:lm="{LM_NAMESPACE}" lm:id="same" measure="1">'
        "<title><narrative>i</narrative></title></indicator>"
    )
    path = _indicator_file(tmp_path, ind + "\n" + ind)
    with pytest.raises(FormatError, match="duplicate id 'same'") as info:
        read_iati(path)
    assert info.value.row == 3  # the activity


def test_write_unknown_indicator(tmp_path: Path) -> None:
    model, _ = _sample()
    obs = pd.DataFrame(
        {"indicator": ["adopted_n", "adopted"], "period": ["FY2024"] * 2, "value": [1, 2]}
    )
    with pytest.raises(FormatError, match=r"unknown indicator 'adopted'.*'adopted_n'") as info:
        write_iati(model, obs, tmp_path / "w.xml")
    assert (info.value.row, info.value.column) == (1, "indicator")
    assert not (tmp_path / "w.xml").exists()


def test_write_bad_kind_period_unit_and_columns(tmp_path: Path) -> None:
    model, _ = _sample()
    target = tmp_path / "w.xml"
    base = {"indicator": ["adopted_n"], "period": ["FY2024"], "value": [1.0]}
    with pytest.raises(FormatError, match="kind 'plan'") as info:
        write_iati(model, pd.DataFrame({**base, "kind": ["plan"]}), target)
    assert info.value.column == "kind"
    with pytest.raises(FormatError, match="2024年13月") as info:
        write_iati(model, pd.DataFrame({**base, "period": ["2024年13月"]}), target)
    assert (info.value.row, info.value.column) == (0, "period")
    with pytest.raises(FormatError, match="cannot convert") as info:
        write_iati(model, pd.DataFrame({**base, "unit": ["円"]}), target)
    assert info.value.column == "unit"
    with pytest.raises(FormatError, match=r"lack column.*value"):
        write_iati(model, pd.DataFrame({"indicator": ["adopted_n"], "period": ["FY2024"]}), target)
    with pytest.raises(FormatError, match="not a data frame"):
        write_iati(model, [1, 2, 3], target)
    assert not target.exists()


def test_write_to_missing_folder(tmp_path: Path) -> None:
    model, _ = _sample()
    with pytest.raises(WriteError, match=r"folder .*no.* does not exist"):
        write_iati(model, None, tmp_path / "no" / "w.xml")


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    model, _ = _sample()
    target = tmp_path / "keep.xml"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(FormatError):
        write_iati(
            model, pd.DataFrame({"indicator": ["x"], "period": ["2024"], "value": [1]}), target
        )
    assert target.read_text(encoding="utf-8") == "old"
