"""Every error path of model construction and parsing: the exact error class, and a message that
names the location (field path and id) — DESIGN §4.1, §7; issue 2 "Done when"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import logicmodel as lm
from logicmodel.formula import parse_formula

NODES = [{"id": "a", "kind": "activity"}, {"id": "o", "kind": "output"}]


def model(**fields: Any) -> dict[str, Any]:
    return {"id": "m", "title": "t", "nodes": NODES, **fields}


def ind(**fields: Any) -> dict[str, Any]:
    return model(indicators=[{"id": "i", "measures": "o", **fields}])


# (case id, model data, exact error class, texts the message must contain)
MODEL_CASES: list[tuple[str, dict[str, Any], type[Exception], tuple[str, ...]]] = [
    (
        "duplicate node id",
        model(nodes=[*NODES, {"id": "a", "kind": "output"}]),
        lm.ModelError,
        ("nodes[2] (id 'a').id", "duplicate id 'a'"),
    ),
    (
        "indicator id = node id",
        ind(id="o"),
        lm.ModelError,
        ("indicators[0] (id 'o').id", "duplicate"),
    ),
    (
        "milestone id = indicator id",
        model(
            indicators=[{"id": "i", "measures": "o"}],
            milestones=[{"id": "i", "title": "x", "due": "FY2025"}],
        ),
        lm.ModelError,
        ("milestones[0] (id 'i').id", "duplicate id 'i'"),
    ),
    (
        "unknown kind",
        model(nodes=[{"id": "a", "kind": "widget"}]),
        lm.ModelError,
        ("nodes[0] (id 'a')", "'widget'", "input, activity, output, outcome, impact"),
    ),
    (
        "missing kind",
        model(nodes=[{"id": "a"}]),
        lm.ModelError,
        ("nodes[0] (id 'a')", "kind is missing"),
    ),
    (
        "bad stage",
        model(nodes=[{"id": "a", "kind": "outcome", "stage": "soon"}]),
        lm.ModelError,
        ("nodes[0] (id 'a').stage", "'short', 'intermediate' or 'long'"),
    ),
    (
        "id starts with digit",
        model(nodes=[{"id": "1a", "kind": "input"}]),
        lm.ModelError,
        ("nodes[0] (id '1a').id", "not an identifier"),
    ),
    (
        "id with hyphen",
        model(nodes=[{"id": "a-b", "kind": "input"}]),
        lm.ModelError,
        ("nodes[0] (id 'a-b').id", "not an identifier"),
    ),
    (
        "id too long",
        model(nodes=[{"id": "a" * 65, "kind": "input"}]),
        lm.ModelError,
        ("nodes[0]", ".id", "65 characters", "64"),
    ),
    (
        "empty id",
        model(nodes=[{"id": "", "kind": "input"}]),
        lm.ModelError,
        ("nodes[0]", ".id", "empty"),
    ),
    (
        "model id not identifier",
        {"id": "my model", "title": "t"},
        lm.ModelError,
        ("LogicModel 'my model'", "id", "not an identifier"),
    ),
    (
        "unknown node field",
        model(nodes=[{"id": "a", "kind": "input", "colour": "red"}]),
        lm.ModelError,
        ("nodes[0] (id 'a').colour", "unknown field"),
    ),
    ("unknown model field", model(indicator=[]), lm.ModelError, ("indicator", "unknown field")),
    ("missing title", {"id": "m"}, lm.ModelError, ("LogicModel 'm'", "title", "required")),
    ("nodes not a list", model(nodes="abc"), lm.ModelError, ("LogicModel 'm'", "nodes")),
    (
        "fiscal year start 13",
        model(fiscal_year_start=13),
        lm.ModelError,
        ("fiscal_year_start", "12"),
    ),
    (
        "link to unknown node",
        model(links=[{"source": "a", "target": "oo"}]),
        lm.ModelError,
        ("links[0].target", "unknown node 'oo'", "nearest known ids: 'o'"),
    ),
    (
        "link from unknown node",
        model(links=[{"source": "aa", "target": "o"}]),
        lm.ModelError,
        ("links[0].source", "unknown node 'aa'", "'a'"),
    ),
    (
        "self link",
        model(links=[{"source": "a", "target": "a"}]),
        lm.ModelError,
        ("links[0]", "itself"),
    ),
    (
        "duplicate link",
        model(links=[{"source": "a", "target": "o"}, {"source": "a", "target": "o"}]),
        lm.ModelError,
        ("links[1]", "'a' → 'o'", "twice"),
    ),
    (
        "negative link weight",
        model(links=[{"source": "a", "target": "o", "weight": -1}]),
        lm.ModelError,
        ("links[0].weight", "-1.0 is negative", "≥ 0"),
    ),
    (
        "NaN link weight",
        model(links=[{"source": "a", "target": "o", "weight": float("nan")}]),
        lm.ModelError,
        ("links[0].weight", "not a finite number"),
    ),
    (
        "infinite link weight",
        model(links=[{"source": "a", "target": "o", "weight": float("inf")}]),
        lm.ModelError,
        ("links[0].weight", "finite"),
    ),
    (
        "measures unknown node",
        ind(measures="oo"),
        lm.ModelError,
        ("indicators[0] (id 'i').measures", "unknown node 'oo'", "'o'"),
    ),
    (
        "unknown unit",
        ind(unit="件／人人"),
        lm.UnitError,
        ("indicators[0] (id 'i').unit", "'件/人人'", "nearest known units"),
    ),
    ("empty unit", ind(unit=""), lm.UnitError, ("indicators[0] (id 'i').unit", "empty")),
    ("power in unit", ind(unit="9**9**9"), lm.UnitError, ("indicators[0] (id 'i').unit", "'**'")),
    (
        "bad baseline period",
        ind(baseline={"period": "FY20x", "value": 1}),
        lm.PeriodError,
        ("indicators[0] (id 'i').baseline.period", "'FY20x'", "accepted"),
    ),
    (
        "bad target period (mapping)",
        ind(targets={"令和x年度": 1}),
        lm.PeriodError,
        ("indicators[0] (id 'i').targets[0].period", "'令和x年度'"),
    ),
    (
        "month 13 in target",
        ind(targets=[{"period": "2024-13", "value": 1}]),
        lm.PeriodError,
        ("indicators[0] (id 'i').targets[0].period", "month 13"),
    ),
    (
        "NaN target value",
        ind(targets={"FY2025": float("nan")}),
        lm.ModelError,
        ("indicators[0] (id 'i').targets[0].value", "finite"),
    ),
    (
        "infinite baseline value",
        ind(baseline={"period": "FY2023", "value": float("inf")}),
        lm.ModelError,
        ("indicators[0] (id 'i').baseline.value", "finite"),
    ),
    (
        "text target value",
        ind(targets={"FY2025": "many"}),
        lm.ModelError,
        ("indicators[0] (id 'i').targets[0].value",),
    ),
    (
        "formula syntax",
        ind(formula="a +* b"),
        lm.FormulaError,
        ("indicators[0] (id 'i').formula", "position 3"),
    ),
    (
        "formula function call",
        ind(formula="__import__('os')"),
        lm.FormulaError,
        ("indicators[0] (id 'i').formula", "not allowed"),
    ),
    (
        "formula power",
        ind(formula="i2 ** 2"),
        lm.FormulaError,
        ("indicators[0] (id 'i').formula", "'**'"),
    ),
    (
        "formula unknown name",
        ind(formula="j * 2"),
        lm.ModelError,
        ("indicators[0] (id 'i').formula", "'j' is not an indicator id"),
    ),
    (
        "formula names itself",
        ind(formula="i * 2"),
        lm.ModelError,
        ("indicators[0] (id 'i')", "itself"),
    ),
    (
        "formula cycle",
        model(
            indicators=[
                {"id": "i", "measures": "o", "formula": "j * 2"},
                {"id": "j", "measures": "o", "formula": "i + 1"},
            ]
        ),
        lm.ModelError,
        ("indicators[0] (id 'i').formula", "cycle", "i → j → i"),
    ),
    (
        "bad direction",
        ind(direction="sideways"),
        lm.ModelError,
        ("indicators[0] (id 'i').direction", "'increase', 'decrease' or 'maintain'"),
    ),
    ("bad role", ind(role="KRI"), lm.ModelError, ("indicators[0] (id 'i').role", "'KGI' or 'KPI'")),
    (
        "bad aggregation name",
        ind(aggregation="median"),
        lm.ModelError,
        ("indicators[0] (id 'i').aggregation", "'stock', 'flow' or 'mean'"),
    ),
    (
        "bad aggregation time rule",
        ind(aggregation={"time": "first"}),
        lm.ModelError,
        ("indicators[0] (id 'i').aggregation", "time", "'sum', 'last', 'mean', 'min' or 'max'"),
    ),
    (
        "bad frequency",
        ind(frequency="weekly"),
        lm.ModelError,
        ("indicators[0] (id 'i').frequency",),
    ),
    (
        "negative indicator weight",
        ind(weight=-2),
        lm.ModelError,
        ("indicators[0] (id 'i').weight",),
    ),
    (
        "weight_by unknown",
        ind(weight_by="k"),
        lm.ModelError,
        ("indicators[0] (id 'i').weight_by", "unknown indicator 'k'"),
    ),
    ("bad measure", ind(measure="numbers"), lm.ModelError, ("indicators[0] (id 'i').measure",)),
    (
        "milestone due not a date",
        model(milestones=[{"id": "s", "title": "x", "due": "someday"}]),
        lm.PeriodError,
        ("milestones[0] (id 's').due", "'someday'"),
    ),
    (
        "milestone without due",
        model(milestones=[{"id": "s", "title": "x"}]),
        lm.ModelError,
        ("milestones[0] (id 's').due", "required"),
    ),
    (
        "milestone delivers non-id",
        model(milestones=[{"id": "s", "title": "x", "due": "2024-01-01", "delivers": ["1x"]}]),
        lm.ModelError,
        ("milestones[0] (id 's').delivers[0]", "not an identifier"),
    ),
]


@pytest.mark.parametrize(
    ("data", "cls", "texts"), [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES]
)
def test_bad_model(data: dict[str, Any], cls: type[Exception], texts: tuple[str, ...]) -> None:
    with pytest.raises(lm.ModelError) as info:
        lm.LogicModel.model_validate(data)
    err = info.value
    assert type(err) is cls, f"{type(err).__name__}: {err}"
    for text in texts:
        assert text in str(err), (text, str(err))
    assert err.errors()  # the list of problems is kept
    assert all("loc" in e and "msg" in e for e in err.errors())


def test_several_problems_are_all_reported() -> None:
    data = model(
        links=[{"source": "a", "target": "x1"}], indicators=[{"id": "i", "measures": "x2"}]
    )
    with pytest.raises(lm.ModelError) as info:
        lm.LogicModel(**data)
    assert len(info.value.errors()) == 2
    assert "links[0].target" in str(info.value)
    assert "indicators[0] (id 'i').measures" in str(info.value)


PARSE_CASES: list[tuple[str, Any, Any, type[Exception], tuple[str, ...]]] = [
    ("period month 13", lm.parse_period, "2024-13", lm.PeriodError, ("'2024-13'", "month 13")),
    ("period FY alone", lm.parse_period, "FY", lm.PeriodError, ("'FY'", "accepted")),
    ("period era year 0", lm.parse_period, "令和0年度", lm.PeriodError, ("'令和0年度'", "元年")),
    ("period empty", lm.parse_period, "", lm.PeriodError, ("''", "empty")),
    ("period None", lm.parse_period, None, lm.PeriodError, ("None", "missing")),
    ("period fraction", lm.parse_period, 3.5, lm.PeriodError, ("3.5", "fractional")),
    ("unit empty", lm.parse_unit, "", lm.UnitError, ("''", "empty")),
    ("unit power bomb", lm.parse_unit, "9**9**9", lm.UnitError, ("'9**9**9'", "'**'")),
    ("unit too long", lm.parse_unit, "x" * 300, lm.UnitError, ("longer than",)),
    ("unit dunder", lm.parse_unit, "__class__", lm.UnitError, ("'__class__'",)),
    ("unit plus", lm.parse_unit, "件+人", lm.UnitError, ("'件+人'", "'+'")),
    ("formula empty", parse_formula, "", lm.FormulaError, ("position 0", "empty")),
    ("formula attribute", parse_formula, "a.b", lm.FormulaError, ("position 1", "'.'")),
    ("formula unknown function", parse_formula, "open(x)", lm.FormulaError, ("'open'", "abs, max")),
    (
        "formula too deep",
        parse_formula,
        "(" * 100 + "a" + ")" * 100,
        lm.FormulaError,
        ("position",),
    ),
    ("formula dangling operator", parse_formula, "1 +", lm.FormulaError, ("position 3", "end")),
    ("formula too long", parse_formula, "a" * 600, lm.FormulaError, ("longer than 500",)),
    ("formula keyword", parse_formula, "lambda: 1", lm.FormulaError, ("'lambda'", "reserved")),
]


@pytest.mark.parametrize(
    ("func", "arg", "cls", "texts"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES]
)
def test_bad_text(func: Any, arg: Any, cls: type[Exception], texts: tuple[str, ...]) -> None:
    with pytest.raises(lm.ModelError) as info:
        func(arg)
    assert type(info.value) is cls
    for text in texts:
        assert text in str(info.value), (text, str(info.value))


FILE_CASES: list[tuple[str, str, str, type[Exception], tuple[str, ...]]] = [
    ("yaml syntax", "m.yaml", "id: m\ntitle: [unclosed\n", lm.FormatError, ("m.yaml", "line")),
    ("yaml list at top", "m.yaml", "- a\n- b\n", lm.FormatError, ("m.yaml", "expected a mapping")),
    ("yaml empty", "m.yaml", "", lm.FormatError, ("m.yaml", "empty document")),
    ("json syntax", "m.json", '{"id": "m",', lm.FormatError, ("m.json", "line 1")),
    ("bad suffix", "m.txt", "id: m\n", lm.FormatError, ("m.txt", "'.txt'")),
    (
        "model error has file and line",
        "m.yaml",
        "id: m\ntitle: t\nnodes:\n  - {id: a, kind: activity}\n"
        "links:\n  - {source: a, target: b}\n",
        lm.ModelError,
        ("m.yaml:6", "links[0].target", "unknown node 'b'"),
    ),
    (
        "unit error keeps its class",
        "m.yaml",
        "id: m\ntitle: t\nnodes: [{id: o, kind: output}]\n"
        "indicators:\n  - {id: i, measures: o, unit: 件／人人}\n",
        lm.UnitError,
        ("m.yaml:5", "indicators[0] (id 'i').unit"),
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "cls", "texts"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_bad_file(
    tmp_path: Path, name: str, content: str, cls: type[Exception], texts: tuple[str, ...]
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(lm.LogicModelError) as info:
        lm.load(path)
    assert type(info.value) is cls, f"{type(info.value).__name__}: {info.value}"
    for text in texts:
        assert text in str(info.value), (text, str(info.value))


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(lm.FormatError, match="file not found"):
        lm.load(tmp_path / "nope.yaml")
    path = tmp_path / "sjis.yaml"
    path.write_bytes("title: 窓口\n".encode("shift_jis"))
    with pytest.raises(lm.FormatError, match="not UTF-8"):
        lm.load(path)


def test_errors_pickle_with_their_problems() -> None:
    import pickle

    with pytest.raises(lm.ModelError) as info:
        lm.LogicModel.model_validate(ind(unit="件／人人"))
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is lm.UnitError
    assert str(again) == str(info.value)
    assert again.errors() == info.value.errors()
