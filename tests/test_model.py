"""The typed model (DESIGN §4.1), JSON Schema, YAML pitfalls and lossless round trips (§4.2, §7)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import logicmodel as lm
from logicmodel.io.text import from_json, from_yaml, to_json, to_yaml
from logicmodel.testing import models, sample_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "window-dx" / "model.yaml"
BUNDLED = ROOT / "src" / "logicmodel" / "examples" / "window-dx" / "model.yaml"


def small() -> lm.LogicModel:
    return lm.LogicModel(
        id="window",
        title="書かないワンストップ窓口",
        owner="デジタル庁",
        nodes=[
            lm.Input(id="grant", label="補助金"),
            lm.Activity(id="support", label="導入支援"),
            lm.Output(id="adopted", label="導入団体の増加"),
            lm.Outcome(id="no_forms", label="書かずに手続できる", stage="short"),
            lm.Outcome(id="wait", label="待ち時間の短縮", stage="intermediate"),
            lm.Impact(id="ux", label="利用者体験の向上"),
        ],
        links=[
            lm.Link(source="grant", target="support"),
            lm.Link(source="support", target="adopted"),
            lm.Link(source="adopted", target="no_forms", weight=2.0, rationale="記入が不要"),
            lm.Link(source="no_forms", target="wait"),
            lm.Link(source="wait", target="ux"),
        ],
        indicators=[
            lm.KPI(
                id="adopted_n",
                measures="adopted",
                name="導入団体数",
                unit="団体",
                baseline={"period": "FY2023", "value": 120},
                targets=[{"period": "FY2025", "value": 900}, {"period": "FY2027", "value": 1741}],
            ),
            lm.Indicator(
                id="orgs_n",
                measures="adopted",
                unit="団体",
                direction="maintain",
                targets={"FY2027": 1741},
            ),
            lm.KPI(
                id="share",
                measures="adopted",
                unit="%",
                formula="adopted_n / orgs_n * 100",
                targets={"FY2027": 100},
            ),
            lm.KGI(
                id="wait_min",
                measures="wait",
                name="平均待ち時間",
                unit="分",
                direction="decrease",
                baseline={"period": "FY2023", "value": 40},
                targets={"FY2027": 15},
                aggregation="mean",
            ),
        ],
        milestones=[
            lm.Milestone(id="spec", title="標準仕様の公開", due="2024-09-30", delivers=["support"])
        ],
    )


# ----------------------------------------------------------------------------------- fields


def test_node_fields_and_kinds() -> None:
    node = lm.Outcome(
        id="wait",
        label="待ち時間",
        description="d",
        owner="市民課",
        controllable=False,
        assumptions=["a"],
        refs=["r"],
        tags=["t"],
        stage="long",
    )
    assert (node.kind, node.stage, node.label, node.description, node.owner) == (
        "outcome",
        "long",
        "待ち時間",
        "d",
        "市民課",
    )
    assert (node.controllable, node.assumptions, node.refs, node.tags) == (
        False,
        ("a",),
        ("r",),
        ("t",),
    )
    assert [c(id="x").kind for c in (lm.Input, lm.Activity, lm.Output, lm.Outcome, lm.Impact)] == [
        "input",
        "activity",
        "output",
        "outcome",
        "impact",
    ]
    assert lm.Outcome(id="x").stage == "short"
    assert lm.Input(id="x").title == "x"


@pytest.mark.parametrize(
    ("alias", "stage"),
    [
        ("短期", "short"),
        ("初期", "short"),
        ("中期", "intermediate"),
        ("中間", "intermediate"),
        ("長期", "long"),
        ("最終", "long"),
        ("Short", "short"),
        (" long ", "long"),
    ],
)
def test_stage_aliases(alias: str, stage: str) -> None:
    assert lm.Outcome(id="o", stage=alias).stage == stage


@pytest.mark.parametrize(
    ("alias", "direction"),
    [
        ("上向き", "increase"),
        ("下向き", "decrease"),
        ("増加", "increase"),
        ("減少", "decrease"),
        ("維持", "maintain"),
        ("DECREASE", "decrease"),
        ("up", "increase"),
    ],
)
def test_direction_aliases(alias: str, direction: str) -> None:
    assert lm.Indicator(id="i", measures="n", direction=alias).direction == direction


def test_indicator_fields() -> None:
    ind = lm.Indicator(
        id="i",
        measures="n",
        name="名前",
        unit="件／人",
        role="重要目標達成指標",
        baseline={"period": "令和5年度", "value": 1},
        targets={"FY2025": 3, "FY2027": 5},
        aggregation={"time": "sum", "orgs": "mean"},
        weight=2,
        frequency="month",
        source="調査",
        measure="qualitative",
        refs=["https://example.org"],
    )
    assert ind.unit == "件/人"
    assert ind.role == "KGI"
    assert ind.baseline == lm.Point(period="FY2023", value=1)
    assert ind.targets == (lm.Point(period="FY2025", value=3), lm.Point(period="FY2027", value=5))
    assert ind.final_target == lm.Point(period="FY2027", value=5)
    assert (ind.time_rule, ind.orgs_rule) == ("sum", "mean")
    assert (ind.weight, ind.frequency, ind.source, ind.measure) == (
        2.0,
        "month",
        "調査",
        "qualitative",
    )
    assert lm.KGI(id="k", measures="n").role == "KGI"
    assert lm.KPI(id="k", measures="n", role="KGI").role == "KPI"  # the constructor's role wins
    assert lm.Indicator(id="k", measures="n").rules == lm.Aggregation(time="last", orgs="sum")
    assert lm.Indicator(id="k", measures="n", aggregation="flow").time_rule == "sum"
    assert lm.Indicator(id="k", measures="n", aggregation="mean").orgs_rule == "mean"


def test_targets_mapping_equals_list() -> None:
    as_map = lm.Indicator(id="i", measures="n", targets={"FY2025": 900, "FY2027": 1741})
    as_list = lm.Indicator(
        id="i",
        measures="n",
        targets=[{"period": "FY2025", "value": 900}, lm.Point(period="FY2027", value=1741)],
    )
    assert as_map == as_list
    assert lm.Indicator(id="i", measures="n", targets={"period": "FY2025", "value": 1}).targets == (
        lm.Point(period="FY2025", value=1),
    )


def test_milestone_fields() -> None:
    m = lm.Milestone(
        id="s60",
        title="スマートフォンで60秒で手続が完結",
        due="FY2026",
        start=dt.date(2025, 4, 1),
        done=dt.datetime(2026, 1, 5, 12),
        service_level="60秒",
        delivers=["a", "b"],
    )
    assert (m.due, m.start, m.done) == (
        dt.date(2027, 3, 31),
        dt.date(2025, 4, 1),
        dt.date(2026, 1, 5),
    )
    assert m.delivers == ("a", "b")


# ------------------------------------------------------------------ container, immutability


def test_container_methods() -> None:
    m = small()
    assert m.node("wait").label == "待ち時間の短縮"
    assert m.upstream("wait") == ("no_forms",)
    assert m.downstream("adopted") == ("no_forms",)
    assert [i.id for i in m.indicators_of("adopted")] == ["adopted_n", "orgs_n", "share"]
    assert m.indicator("share").components == ("adopted_n", "orgs_n")
    assert m.milestone("spec").due == dt.date(2024, 9, 30)
    assert [i.id for i in m.kgis] == ["wait_min"]
    assert [i.id for i in m.kpis] == ["adopted_n", "share"]
    assert m.node_ids == ("grant", "support", "adopted", "no_forms", "wait", "ux")
    with pytest.raises(lm.UnknownIdError, match="nearest known ids: 'wait'") as info:
        m.node("wiat")
    assert isinstance(info.value, KeyError)
    assert info.value.id == "wiat"
    with pytest.raises(lm.UnknownIdError):
        m.indicator("wait")  # a node, not an indicator
    with pytest.raises(lm.UnknownIdError):
        m.upstream("nope")


def test_models_are_immutable() -> None:
    m = small()
    with pytest.raises(ValueError, match="frozen"):
        m.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        m.nodes[0].label = "x"  # type: ignore[misc]
    assert isinstance(m.nodes, tuple)
    assert hash(m.nodes[0]) == hash(lm.Input(id="grant", label="補助金"))


def test_model_copy_revalidates_and_keeps_original() -> None:
    m = small()
    renamed = m.model_copy(update={"title": "新しい題名"})
    assert renamed.title == "新しい題名"
    assert m.title == "書かないワンストップ窓口"
    with pytest.raises(lm.ModelError, match=r"links\[0\]\.target: unknown node 'zz'"):
        m.model_copy(update={"links": [lm.Link(source="grant", target="zz")]})
    with pytest.raises(lm.ModelError, match="duplicate id 'wait'"):
        m.model_copy(update={"nodes": [*m.nodes, lm.Output(id="wait")]})


def test_to_networkx_is_a_copy() -> None:
    m = small()
    g = m.to_networkx()
    assert g.nodes["wait"]["kind"] == "outcome"
    assert g.nodes["wait"]["stage"] == "intermediate"
    assert g.nodes["wait_min"]["kind"] == "indicator"
    assert g.edges["adopted", "no_forms"]["weight"] == 2.0
    assert g.edges["share", "adopted"]["relation"] == "measures"
    g.remove_node("wait")
    g.add_edge("ux", "grant")
    assert "wait" in m.to_networkx()
    assert not m.to_networkx().has_edge("ux", "grant")
    assert m.downstream("no_forms") == ("wait",)


# ------------------------------------------------------------------------------ JSON Schema


def test_json_schema_describes_the_model() -> None:
    schema = lm.json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"id", "title", "nodes", "links", "indicators", "milestones"} <= set(
        schema["properties"]
    )
    json.dumps(schema)  # plain JSON


def test_json_schema_validates_the_example() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(to_json(lm.load(EXAMPLE)))
    jsonschema.validate(data, lm.json_schema())
    bad = {**data, "nodes": [{"id": "x", "kind": "widget"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, lm.json_schema())


# ---------------------------------------------------------------------------- the example


def test_example_copies_are_identical() -> None:
    assert EXAMPLE.read_bytes() == BUNDLED.read_bytes()
    # the observations the demo evaluates are the repository's too
    assert (EXAMPLE.parent / "observations.csv").read_bytes() == (
        BUNDLED.parent / "observations.csv"
    ).read_bytes()


def test_example_is_realistic_and_checks_clean() -> None:
    m = lm.load(EXAMPLE)
    assert m == sample_model()
    assert 15 <= len(m.nodes) <= 30
    assert {n.kind for n in m.nodes} == {"input", "activity", "output", "outcome", "impact"}
    assert {getattr(n, "stage", None) for n in m.nodes if n.kind == "outcome"} == {
        "short",
        "intermediate",
        "long",
    }
    assert m.kgis
    assert m.kpis
    assert {i.unit for i in m.indicators} >= {"団体", "%", "分", "件", "人"}
    assert m.indicator("wait_min").direction == "decrease"
    assert m.indicator("adoption_share").formula == "adopted_n / orgs_n * 100"
    assert any(i.aggregation == "mean" for i in m.indicators)
    assert any(ms.service_level == "スマートフォンで60秒で手続が完結" for ms in m.milestones)
    report = lm.check(m)
    assert report.ok, str(report)


# ------------------------------------------------------------------------------ YAML pitfalls


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "Yes", "NO", "y", "n"])
def test_yaml_booleans_of_yaml11_stay_text(text: str) -> None:
    m = from_yaml(f"id: m\ntitle: {text}\nnodes:\n  - {{id: a, kind: input, label: {text}}}\n")
    assert m.title == text
    assert m.nodes[0].label == text


def test_yaml_codes_keep_leading_zeros() -> None:
    m = from_yaml("id: m\ntitle: 01100\ntags: [01100, 0x1F, 1_000]\n")
    assert m.title == "01100"
    assert m.tags == ("01100", "0x1F", "1_000")


def test_yaml_dates_stay_text() -> None:
    m = from_yaml(
        "id: m\ntitle: 2024-04-01\nnodes: [{id: a, kind: output}]\n"
        "indicators: [{id: i, measures: a, baseline: {period: 2024-04-01, value: 1}}]\n"
        "milestones: [{id: s, title: 2024-09-30, due: 2024-09-30}]\n"
    )
    assert m.title == "2024-04-01"
    assert m.milestones[0].title == "2024-09-30"
    assert m.milestones[0].due == dt.date(2024, 9, 30)
    assert m.indicators[0].baseline is not None
    assert m.indicators[0].baseline.period == "2024-04-01"


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "01100",
        "2024-04-01",
        "null",
        "~",
        "true",
        "12:30",
        "- a",
        "a: b",
        "#x",
        "'q'",
        "&a",
        "*a",
        "!t",
        "=SUM(A1)",
        "行1\n行2",
    ],
)
def test_yaml_round_trip_of_tricky_text(text: str) -> None:
    m = lm.LogicModel(id="m", title=text, nodes=[lm.Output(id="o", label=text)])
    assert from_yaml(to_yaml(m)) == m
    assert from_json(to_json(m)) == m


@pytest.mark.parametrize("text", ["1e3", "1.5e3", "-2E5", ".5", "0x1F", "1_000"])
def test_yaml_round_trip_of_exponent_like_text(text: str) -> None:
    m = lm.LogicModel(id="m", title=text)
    assert from_yaml(to_yaml(m)) == m


# ------------------------------------------------------------------------------ round trips


def test_dump_load_round_trip_files(tmp_path: Path) -> None:
    m = small()
    for name in ("m.yaml", "m.yml", "m.json"):
        path = lm.dump(m, tmp_path / name)
        assert lm.load(path) == m
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.yaml", "m.yml"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_round_trip_yaml_and_json(model: lm.LogicModel) -> None:
    assert from_yaml(to_yaml(model)) == model
    assert from_json(to_json(model)) == model


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(max_nodes=6, max_indicators=4))
def test_generated_models_are_valid_and_copy_equal(model: lm.LogicModel) -> None:
    again = lm.LogicModel.model_validate(model.model_dump())
    assert again == model
    assert model.model_copy(update={"title": model.title}) == model
    assert model.to_networkx().number_of_nodes() == len(model.nodes) + len(model.indicators)


def test_builder_add_and_remove_return_new_validated_models() -> None:
    m = lm.LogicModel(id="m", title="t")
    built = m.add(lm.Activity(id="a"), lm.Output(id="o"), lm.Link(source="a", target="o"))
    assert m.nodes == ()  # the original is unchanged
    assert built.downstream("a") == ("o",)
    with pytest.raises(lm.ModelError, match="cannot add a str"):
        built.add("o2")
    with pytest.raises(lm.ModelError, match="unknown node 'x'"):
        built.add(lm.Link(source="a", target="x"))
    with pytest.raises(lm.ModelError, match="duplicate id 'o'"):
        built.add(lm.Outcome(id="o"))
    with_ind = built.add(lm.KPI(id="o_n", measures="o", unit="件"))
    smaller = with_ind.remove("o")
    assert smaller.node_ids == ("a",)
    assert smaller.links == ()
    assert smaller.indicators == ()
    with pytest.raises(lm.UnknownIdError, match="nearest known ids: 'o'"):
        with_ind.remove("oo")
