"""Fuzzing every text parser (issue 12): a ``LogicModelError`` or a valid result, never anything
else — periods, units, formulas, values, and YAML/JSON model files (random text, random data,
and mutations of a valid file)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logicmodel as lm
from logicmodel.io.frames import parse_number_text

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text that looks like the inputs: digits, period and unit words, operators, odd characters
_CHARS = "0123456789０１２３４５６７８９-/._ :QqFfYyHhRr年度月令和平成元上下半期件人団体円万千億%％*+()[]{}"
_ALPHABET = st.sampled_from(
    [*_CHARS, "\x00", "\x1b", "\u3000", "\ufeff", "\u202e", "ー", "－", "＊", "e", "∞"]
)
LIKE_INPUT = st.text(_ALPHABET, max_size=40)
ANY_TEXT = st.text(max_size=60)
TEXT = st.one_of(LIKE_INPUT, ANY_TEXT)

GOOD_YAML = """\
id: m
title: 窓口
nodes:
  - {id: a, kind: activity, label: 支援}
  - {id: o, kind: output}
  - {id: w, kind: outcome, stage: short}
links:
  - {source: a, target: o}
  - {source: o, target: w}
indicators:
  - id: n
    measures: o
    unit: 団体
    baseline: {period: FY2023, value: 10}
    targets: {FY2025: 100}
"""


def _valid_or_ours(call: Any) -> Any:
    """The result, or None when ``call`` raised a LogicModelError whose message can be built;
    any other exception fails the test."""
    try:
        return call()
    except lm.LogicModelError as err:
        message = str(err)
    assert message
    return None


@FUZZ
@given(text=TEXT, start=st.integers(1, 12))
def test_parse_period(text: str, start: int) -> None:
    period = _valid_or_ours(lambda: lm.parse_period(text, fiscal_year_start=start))
    if period is not None:
        assert period.start <= period.end


@FUZZ
@given(text=TEXT)
def test_parse_unit(text: str) -> None:
    _valid_or_ours(lambda: lm.parse_unit(text))


@FUZZ
@given(
    text=st.one_of(TEXT, st.text(st.sampled_from(list("ab1.0+-*/() minaxbsroud,")), max_size=80))
)
def test_parse_formula(text: str) -> None:
    formula = _valid_or_ours(lambda: lm.parse_formula(text))
    if formula is not None:
        assert isinstance(formula, lm.Formula)


@FUZZ
@given(text=TEXT)
def test_parse_number_text(text: str) -> None:
    value = _valid_or_ours(lambda: parse_number_text(text))
    assert value is None or isinstance(value, float)


@FUZZ
@given(values=st.lists(st.one_of(TEXT, st.floats(), st.integers(-(10**30), 10**30)), max_size=8))
def test_observation_values(values: list[Any]) -> None:
    model = lm.io.from_yaml(GOOD_YAML)
    frame = pd.DataFrame(
        {"indicator": ["n"] * len(values), "period": ["FY2024"] * len(values), "value": values}
    )
    report = _valid_or_ours(lambda: lm.check(model, frame))
    if report is not None:
        assert isinstance(report, lm.Report)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=30,
)
MODEL_KEYS = st.sampled_from(
    ["id", "title", "nodes", "links", "indicators", "milestones", "kind", "stage", "label",
     "source", "target", "measures", "unit", "baseline", "targets", "period", "value",
     "aggregation", "formula", "weight", "direction", "fiscal_year_start", "due"]
)  # fmt: skip
MODEL_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(MODEL_KEYS, inner, max_size=6),
    max_leaves=40,
)


@FUZZ
@given(data=st.one_of(JSON_VALUES, MODEL_LIKE))
def test_model_files_from_data(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False)
    for parse in (lm.io.from_json, lm.io.from_yaml):
        model = _valid_or_ours(lambda parse=parse: parse(text))
        assert model is None or isinstance(model, lm.LogicModel)


@FUZZ
@given(text=ANY_TEXT)
def test_model_files_from_text(text: str) -> None:
    for parse in (lm.io.from_json, lm.io.from_yaml):
        model = _valid_or_ours(lambda parse=parse: parse(text))
        assert model is None or isinstance(model, lm.LogicModel)


@FUZZ
@given(
    position=st.integers(0, len(GOOD_YAML)),
    cut=st.integers(0, 8),
    insert=st.one_of(
        LIKE_INPUT, st.sampled_from(["&a ", "*a", "!!binary ", "{", "[", "\t", ": ", "- ", "<<: "])
    ),
)
def test_mutated_yaml_model(position: int, cut: int, insert: str) -> None:
    text = GOOD_YAML[:position] + insert + GOOD_YAML[position + cut :]
    model = _valid_or_ours(lambda: lm.io.from_yaml(text))
    assert model is None or isinstance(model, lm.LogicModel)


@pytest.mark.parametrize("good", [GOOD_YAML])
def test_the_unmutated_model_is_valid(good: str) -> None:
    assert lm.io.from_yaml(good).id == "m"
