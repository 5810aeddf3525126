"""Tests for logicmodel.units: the Japanese unit registry and the safe unit parser."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logicmodel import units
from logicmodel.errors import ModelError, UnitError

JAPANESE_UNITS = [
    "件",
    "人",
    "団体",
    "箇所",
    "回",
    "台",
    "円",
    "千円",
    "万円",
    "百万円",
    "億円",
    "兆円",
    "千人",
    "万人",
    "秒",
    "分",
    "時間",
    "日",
    "週",
    "月",
    "年",
    "%",
    "ポイント",
    "pt",
    "割",
    "件数",
    "人数",
    "団体数",
    "か所",
    "ヶ所",
    "カ所",
]


def test_registry_is_one_cached_object() -> None:
    assert units.registry() is units.registry()


@pytest.mark.parametrize("text", JAPANESE_UNITS)
def test_every_japanese_unit_parses(text: str) -> None:
    unit = units.parse_unit(text)
    assert unit.dimensionality == units.dimensionality(text)
    assert units.parse_unit(text) is unit  # cached


@pytest.mark.parametrize(
    ("text", "dimension"),
    [
        ("件", "[case]"),
        ("人", "[person]"),
        ("団体", "[organisation]"),
        ("箇所", "[site]"),
        ("回", "[times]"),
        ("台", "[device]"),
        ("億円", "[currency]"),
        ("万人", "[person]"),
        ("時間", "[time]"),
        ("円/人", "[currency] / [person]"),
        ("円/(人*年)", "[currency] / [person] / [time]"),
        ("km^2", "[length] ** 2"),
        ("m²", "[length] ** 2"),
    ],
)
def test_dimensions(text: str, dimension: str) -> None:
    assert str(units.dimensionality(text)) == dimension


def test_counting_units_are_separate_dimensions() -> None:
    counting = ["件", "人", "団体", "箇所", "回", "台", "円"]
    dims = {units.dimensionality(u) for u in counting}
    assert len(dims) == len(counting)


@pytest.mark.parametrize(
    ("src", "dst", "factor"),
    [
        ("万人", "人", 10_000.0),
        ("千人", "人", 1_000.0),
        ("億円", "百万円", 100.0),
        ("兆円", "億円", 10_000.0),
        ("万円", "千円", 10.0),
        ("百万円", "円", 1e6),
        ("分", "時間", 1 / 60),
        ("時間", "分", 60.0),
        ("日", "時間", 24.0),
        ("月", "年", 1 / 12),
        ("%", "1", 0.01),
        ("ポイント", "%", 1.0),
        ("割", "%", 10.0),
        ("件数", "件", 1.0),
        ("か所", "箇所", 1.0),
        ("千円/人", "円/人", 1000.0),
    ],
)
def test_conversion_factor(src: str, dst: str, factor: float) -> None:
    assert units.conversion_factor(src, dst) == pytest.approx(factor, rel=1e-12)


def test_case_and_person_do_not_convert() -> None:
    with pytest.raises(UnitError) as info:
        units.conversion_factor("件", "人")
    message = str(info.value)
    assert "'件'" in message
    assert "'人'" in message
    assert "[case]" in message
    assert "[person]" in message
    assert not units.same_dimension("件", "人")
    with pytest.raises(UnitError):
        units.convert(np.array([1.0]), "件", "人")


def test_full_width_slash_is_the_same_unit() -> None:
    assert units.normalize_unit_text("件／人") == "件/人"
    assert units.parse_unit("件／人") == units.parse_unit("件/人")
    assert units.normalize_unit_text("％") == "%"
    assert units.normalize_unit_text("  円 /  ( 人 * 年 ) ") == "円/(人*年)"
    assert units.normalize_unit_text("人   日") == "人 日"


def test_separators_and_implicit_multiplication() -> None:
    expected = units.parse_unit("人*日")
    for text in ["人・日", "人·日", "人×日", "人 日"]:
        assert units.parse_unit(text) == expected, text


def test_one_is_dimensionless_and_pint_names_are_accepted() -> None:
    assert not units.dimensionality("1")
    assert units.same_dimension("1/人", "円/(円*人)")
    assert units.conversion_factor("km", "m") == 1000.0


def test_percent_helpers() -> None:
    for text in ["%", "％", "ポイント", "pt", "割"]:
        assert units.is_percent(text), text
    for text in ["件", "1", "%/人", "円", "人/人"]:
        assert not units.is_percent(text), text
    assert units.same_dimension("%", "1")
    assert units.same_dimension("%", "人/人")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "9**9**9",
        "件**2",
        "__import__",
        "__import__('os').system('ls')",
        "1e999",
        "2件",
        "1.5",
        "(件",
        "件)",
        "()",
        "件//人",
        "件^10",
        "件^0",
        "^2",
        "件人",
        "a.b",
        "x" * 65,
        "件/人;",
        "lm_case",
        "import os",
    ],
)
def test_malformed_units_raise_unit_error(text: str) -> None:
    with pytest.raises(UnitError) as info:
        units.parse_unit(text)
    assert isinstance(info.value, ModelError)
    assert isinstance(info.value, ValueError)
    assert info.value.text == text
    assert repr(text[: units.MAX_UNIT_LENGTH])[:-1] in str(info.value)


def test_power_operator_rejected_quickly_without_evaluating() -> None:
    with pytest.raises(UnitError, match=r"\*\*"):
        units.parse_unit("9**9**9**9**9")


def test_unknown_unit_names_nearest_known_units() -> None:
    with pytest.raises(UnitError) as info:
        units.parse_unit("件s")
    assert "'件s'" in str(info.value)
    assert "nearest known units" in str(info.value)
    assert "'件'" in str(info.value)


def test_non_text_is_a_unit_error() -> None:
    with pytest.raises(UnitError):
        units.parse_unit(3)


def test_unit_error_pickles() -> None:
    with pytest.raises(UnitError) as info:
        units.parse_unit("件人")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.text == "件人"
    assert str(again) == str(info.value)


def test_convert_array_matches_scalar_factor_and_keeps_input() -> None:
    values = np.array([0.0, 1.5, -2.0, np.nan, 1e12])
    before = values.copy()
    out = units.convert(values, "億円", "百万円")
    np.testing.assert_array_equal(out, values * units.conversion_factor("億円", "百万円"))
    np.testing.assert_array_equal(values, before)
    assert out.dtype == np.float64
    assert out is not values


def test_convert_accepts_lists_and_offset_units() -> None:
    np.testing.assert_allclose(units.convert([1, 2], "時間", "分"), [60.0, 120.0])
    np.testing.assert_allclose(units.convert([0.0, 100.0], "degC", "degF"), [32.0, 212.0])
    with pytest.raises(UnitError, match="offset"):
        units.conversion_factor("degC", "degF")


CONVERTIBLE = [
    ["人", "千人", "万人"],
    ["円", "千円", "万円", "百万円", "億円", "兆円"],
    ["分", "時間", "日", "年", "月", "秒"],
    ["%", "ポイント", "割", "1"],
]


@st.composite
def unit_pairs(draw: st.DrawFn) -> tuple[str, str]:
    group = draw(st.sampled_from(CONVERTIBLE))
    return draw(st.sampled_from(group)), draw(st.sampled_from(group))


@settings(deadline=None)  # the first example builds the unit registry (~0.5 s)
@given(
    pair=unit_pairs(),
    values=st.lists(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=20
    ),
)
def test_convert_round_trip(pair: tuple[str, str], values: list[float]) -> None:
    a, b = pair
    arr = np.array(values)
    back = units.convert(units.convert(arr, a, b), b, a)
    np.testing.assert_allclose(back, arr, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("万人", ("人", 10_000.0)),
        ("千人", ("人", 1_000.0)),
        ("百万円", ("円", 1e6)),
        ("千円", ("円", 1e3)),
        ("億円", ("円", 1e8)),
        ("％", ("%", 1.0)),
        ("件数", ("件", 1.0)),
        ("箇所", ("箇所", 1.0)),
        ("か所", ("箇所", 1.0)),
        ("団体", ("団体", 1.0)),
        ("団体数", ("団体", 1.0)),
        ("回", ("回", 1.0)),
        ("人", ("人", 1.0)),
        ("時間", ("時間", 1.0)),
        ("日", ("日", 1.0)),
        ("（件）", ("件", 1.0)),
        ("【人】", ("人", 1.0)),
        ("円/人", ("円/人", 1.0)),
        ("千円／人", ("円/人", 1000.0)),
        ("単位：千件", ("件", 1000.0)),
        ("件（延べ）", ("件", 1.0)),
        ("延べ人数", ("人", 1.0)),
        ("台数", ("台", 1.0)),
    ],
)
def test_normalize_rs_unit(text: str, expected: tuple[str, float]) -> None:
    canonical, factor = units.normalize_rs_unit(text)
    assert canonical == expected[0]
    assert factor == pytest.approx(expected[1], rel=1e-12)
    units.parse_unit(canonical)  # the canonical text is a valid unit


@pytest.mark.parametrize("text", ["", " ", "-", "－", "―", "なし", "割合", "件**2", "??"])
def test_normalize_rs_unit_rejects_junk(text: str) -> None:
    with pytest.raises(UnitError) as info:
        units.normalize_rs_unit(text)
    assert info.value.text == text
