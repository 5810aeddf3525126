"""Tests for logicmodel.formula: the allow-list expression language."""

from __future__ import annotations

import math
import pickle
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logicmodel.errors import FormulaError, ModelError, UnitError
from logicmodel.formula import (
    MAX_DEPTH,
    MAX_FORMULA_LENGTH,
    MAX_TOKENS,
    Binary,
    Call,
    Formula,
    Name,
    Num,
    Unary,
    check_unit,
    parse_formula,
)


def ev(text: str, **env: object) -> np.ndarray:
    return parse_formula(text).evaluate(env)  # type: ignore[arg-type]


# ------------------------------------------------------------------- parsing & precedence


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("a - b - c", {"a": 10.0, "b": 3.0, "c": 2.0}, 5.0),
        ("a / b / c", {"a": 24.0, "b": 4.0, "c": 2.0}, 3.0),
        ("a / b * c", {"a": 8.0, "b": 2.0, "c": 4.0}, 16.0),
        ("a + b * c", {"a": 1.0, "b": 2.0, "c": 3.0}, 7.0),
        ("(a + b) * c", {"a": 1.0, "b": 2.0, "c": 3.0}, 9.0),
        ("a - (b - c)", {"a": 10.0, "b": 3.0, "c": 2.0}, 9.0),
        ("-a + b", {"a": 2.0, "b": 5.0}, 3.0),
        ("-a * -b", {"a": 2.0, "b": 5.0}, 10.0),
        ("--a", {"a": 2.0}, 2.0),
        ("+a - -b", {"a": 2.0, "b": 5.0}, 7.0),
        ("a - -b * c", {"a": 1.0, "b": 2.0, "c": 3.0}, 7.0),
        ("2 * 3 + 4 / 8", {}, 6.5),
        ("1e3 + .5 + 2.", {}, 1002.5),
        ("1.5E-2 * 100", {}, 1.5),
    ],
)
def test_precedence_and_associativity(text: str, env: dict[str, float], expected: float) -> None:
    assert float(parse_formula(text).evaluate(env)) == pytest.approx(expected)


def test_tree_shape_is_left_associative() -> None:
    tree = parse_formula("a - b - c").tree
    assert tree == Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))
    tree = parse_formula("-a * b").tree
    assert tree == Binary("*", Unary("-", Name("a")), Name("b"))
    tree = parse_formula("round(x, -1)").tree
    assert tree == Call("round", (Name("x"), Unary("-", Num(1.0))))


def test_functions() -> None:
    a = np.array([1.0, 5.0, -3.0])
    b = np.array([2.0, 4.0, -4.0])
    np.testing.assert_array_equal(ev("min(a, b)", a=a, b=b), [1.0, 4.0, -4.0])
    np.testing.assert_array_equal(ev("max(a, b)", a=a, b=b), [2.0, 5.0, -3.0])
    np.testing.assert_array_equal(ev("min(a, b, 0)", a=a, b=b), [0.0, 0.0, -4.0])
    np.testing.assert_array_equal(ev("max(a, b, 3)", a=a, b=b), [3.0, 5.0, 3.0])
    np.testing.assert_array_equal(ev("abs(a)", a=a), [1.0, 5.0, 3.0])
    np.testing.assert_array_equal(ev("round(a / 3)", a=a), [0.0, 2.0, -1.0])
    np.testing.assert_allclose(ev("round(a / 3, 2)", a=a), [0.33, 1.67, -1.0])
    np.testing.assert_array_equal(ev("round(a * 100, -2)", a=a), [100.0, 500.0, -300.0])


def test_nan_propagates_through_min_max() -> None:
    out = ev("max(a, 0)", a=np.array([np.nan, 1.0]))
    assert math.isnan(out[0])
    assert out[1] == 1.0


def test_broadcasting() -> None:
    orgs = np.array([[1.0], [2.0], [3.0]])  # orgs x 1
    periods = np.array([10.0, 20.0])  # periods
    out = ev("a * b + 1", a=orgs, b=periods)
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out, orgs * periods + 1)
    np.testing.assert_array_equal(ev("a * 2", a=np.array([1.0, 2.0])), [2.0, 4.0])
    assert ev("a + 1", a=1.0).shape == ()


def test_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(FormulaError, match="broadcast"):
        ev("a + b", a=np.zeros(3), b=np.zeros(2))


def test_division_by_zero_is_nan_without_warnings() -> None:
    a = np.array([1.0, 0.0, -1.0, np.nan, 6.0])
    b = np.array([0.0, 0.0, -0.0, 0.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ev("a / b", a=a, b=b)
    assert np.isnan(out[:4]).all()
    assert out[4] == 2.0
    assert not np.isinf(out).any()
    assert math.isnan(float(ev("1 / (a - a)", a=3.0)))


def test_evaluate_does_not_modify_inputs_and_accepts_ints() -> None:
    a = np.array([1, 2, 3])
    out = ev("a / 2", a=a)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(a, [1, 2, 3])
    np.testing.assert_array_equal(out, [0.5, 1.0, 1.5])


def test_missing_names_are_reported() -> None:
    f = parse_formula("holders / pop * 100")
    with pytest.raises(FormulaError) as info:
        f.evaluate({"holders": 1.0, "popu": 2.0})
    assert "'pop'" in str(info.value)
    assert "'popu'" in str(info.value)


def test_names_in_order_of_first_appearance() -> None:
    f = parse_formula("b + a * b - max(c, a) / 導入団体数")
    assert f.names == ("b", "a", "c", "導入団体数")
    assert parse_formula("1 + 2").names == ()


def test_full_width_text_is_normalised() -> None:
    f = parse_formula("（ａ＋ｂ）／２")
    assert f.text == "(a+b)/2"
    assert str(f) == "(a+b)/2"
    assert float(f.evaluate({"a": 1.0, "b": 3.0})) == 2.0


def test_japanese_identifiers() -> None:
    f = parse_formula("保有者数 / 人口 * 100")
    assert f.names == ("保有者数", "人口")
    assert float(f.evaluate({"保有者数": 130.0, "人口": 200.0})) == pytest.approx(65.0)


def test_formula_is_frozen_hashable_and_pickles() -> None:
    f = parse_formula("min(a, b, 3) + abs(-c) / round(d, -1)")
    g = pickle.loads(pickle.dumps(f))
    assert g == f
    assert hash(g) == hash(f)
    assert g.names == f.names
    assert {f: 1}[g] == 1
    env = {"a": 1.0, "b": 2.0, "c": -3.0, "d": 14.0}
    assert float(g.evaluate(env)) == float(f.evaluate(env)) == pytest.approx(1.3)
    with pytest.raises(AttributeError):
        f.text = "x"  # type: ignore[misc]
    assert isinstance(f, Formula)
    assert parse_formula("a+b") != parse_formula("a-b")


# ------------------------------------------------------------------------------ malformed formulas


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("a.b", 1, "attribute"),
        ("a ** 2", 2, "**"),
        ("eval(a)", 0, "unknown function 'eval'"),
        ("__import__('os')", 11, "strings"),
        ("__import__(os)", 0, "unknown function '__import__'"),
        ("a.__class__", 1, "attribute"),
        ("a % b", 2, "%"),
        ("a[0]", 1, "["),
        ("'text'", 0, "strings"),
        ("lambda", 0, "reserved"),
        ("lambda x: x", 0, "reserved"),
        ("a +", 3, "end of the formula"),
        ("(a + b", 0, "never closed"),
        ("a + b)", 5, "unmatched"),
        ("a b", 2, "operator"),
        ("1e999", 0, "too large"),
        ("min(a)", 0, "2 or more"),
        ("abs(a, b)", 0, "1 argument"),
        ("abs()", 4, "argument"),
        ("round(a, b)", 9, "whole number"),
        ("round(a, 1, 2)", 0, "1 or 2"),
        ("a, b", 1, "','"),
        ("a // b", 2, "//"),
        ("a = 1", 2, "="),
        ("a < b", 2, "comparisons"),
        ("2a", 1, "malformed number"),
        ("1.2.3", 3, "malformed number"),
        ("a * / b", 4, "expected"),
        ("a $ b", 2, "'$'"),
        ("x" * 65, 0, "64"),
        ("a" + " " * 600, 500, "500"),
        ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), MAX_DEPTH, "nested"),
        ("-" * (MAX_DEPTH + 5) + "a", MAX_DEPTH, "nested"),
        ("+".join(["a"] * 150), MAX_TOKENS, "tokens"),
    ],
)
def test_malformed_formulas(text: str, position: int, fragment: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    err = info.value
    assert isinstance(err, ModelError)
    assert err.position == position
    assert fragment in str(err)
    assert f"position {position}" in str(err)
    if err.formula and len(err.formula) <= 120:
        # the message shows the formula with a caret under the position
        lines = str(err).splitlines()
        assert lines[1].strip() == err.formula.strip()
        assert lines[2].index("^") - 2 == position


def test_formula_length_limit_boundary() -> None:
    text = "a" + "+a" * ((MAX_FORMULA_LENGTH - 1) // 2)
    assert len(text) <= MAX_FORMULA_LENGTH
    with pytest.raises(FormulaError, match="tokens"):  # within length, but too many tokens
        parse_formula(text)
    ok = "a+" * 99 + "a"  # 199 tokens
    assert len(parse_formula(ok).names) == 1


def test_non_text_formula() -> None:
    with pytest.raises(FormulaError):
        parse_formula(42)  # type: ignore[arg-type]


def test_formula_error_pickles() -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula("a ** b")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.position == 2
    assert again.formula == "a ** b"


# ------------------------------------------------------------------------------ dimensions


def test_ratio_to_percent_is_dimensionless() -> None:
    f = parse_formula("holders / pop * 100")
    assert not f.dimension({"holders": "人", "pop": "人"})
    check_unit(f, {"holders": "人", "pop": "万人"}, "%")  # dimensions only, never rescaled
    check_unit("holders / pop", {"holders": "人", "pop": "人"}, "1")


def test_dimension_of_compound_results() -> None:
    f = parse_formula("cost / (users * years)")
    dim = f.dimension({"cost": "百万円", "users": "人", "years": "年"})
    assert str(dim) == "[currency] / [person] / [time]"
    check_unit(f, {"cost": "百万円", "users": "人", "years": "年"}, "円/(人*年)")


def test_sum_of_different_dimensions_rejected() -> None:
    f = parse_formula("visits + cases")
    with pytest.raises(FormulaError) as info:
        f.dimension({"visits": "人", "cases": "件"})
    message = str(info.value)
    assert "'visits'" in message
    assert "'cases'" in message
    assert "[person]" in message
    assert "[case]" in message
    assert info.value.position == 9
    with pytest.raises(FormulaError):
        parse_formula("max(a, b)").dimension({"a": "人", "b": "円"})


def test_sum_of_same_dimension_in_different_units_is_fine() -> None:
    f = parse_formula("a + b - abs(c)")
    assert str(f.dimension({"a": "人", "b": "万人", "c": "千人"})) == "[person]"


def test_constants_take_their_partners_dimension() -> None:
    assert str(parse_formula("a - 100").dimension({"a": "人"})) == "[person]"
    assert str(parse_formula("max(a, 0)").dimension({"a": "件"})) == "[case]"
    assert not parse_formula("(1 + 2) * 3").dimension({})
    assert str(parse_formula("2 * a").dimension({"a": "円"})) == "[currency]"


def test_check_unit_mismatch() -> None:
    with pytest.raises(FormulaError) as info:
        check_unit("cost / users", {"cost": "円", "users": "件"}, "円/人")
    assert "[currency] / [case]" in str(info.value)
    assert "'円/人'" in str(info.value)
    with pytest.raises(FormulaError):
        check_unit("a", {"a": "人"}, "%")


def test_check_unit_missing_or_bad_units() -> None:
    with pytest.raises(FormulaError, match="'b'"):
        check_unit("a / b", {"a": "人"}, "1")
    with pytest.raises(UnitError):
        check_unit("a / b", {"a": "人", "b": "件人"}, "1")
    with pytest.raises(UnitError):
        check_unit("a", {"a": "人"}, "9**9**9")


# ------------------------------------------------------------------------------ property test


@dataclass(frozen=True)
class _Leaf:
    text: str
    value: float


@dataclass(frozen=True)
class _Op:
    op: str
    left: _Tree
    right: _Tree


@dataclass(frozen=True)
class _Neg:
    operand: _Tree


_Tree = _Leaf | _Op | _Neg
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
_ENV = {"a": 3.5, "b": -2.0, "c": 0.0, "d": 1e-3}


def _reference(tree: _Tree) -> float:
    """Plain Python float arithmetic (x/0 is NaN, as the formula language defines it)."""
    if isinstance(tree, _Leaf):
        return tree.value
    if isinstance(tree, _Neg):
        return -_reference(tree.operand)
    a, b = _reference(tree.left), _reference(tree.right)
    if tree.op == "+":
        return a + b
    if tree.op == "-":
        return a - b
    if tree.op == "*":
        return a * b
    return math.nan if b == 0 else a / b


def _prec(tree: _Tree) -> int:
    if isinstance(tree, _Op):
        return _PREC[tree.op]
    return 3


def _text(tree: _Tree) -> str:
    """Text with the fewest parentheses Python's (and our) precedence rules need."""
    if isinstance(tree, _Leaf):
        return tree.text
    if isinstance(tree, _Neg):
        inner = _text(tree.operand)
        return f"-{inner}" if isinstance(tree.operand, _Leaf) else f"-({inner})"
    left, right = _text(tree.left), _text(tree.right)
    if _prec(tree.left) < _PREC[tree.op]:
        left = f"({left})"
    if _prec(tree.right) <= _PREC[tree.op]:
        right = f"({right})"
    return f"{left} {tree.op} {right}"


_numbers = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False).map(
    lambda x: _Leaf(repr(x), x)
)
_names = st.sampled_from(sorted(_ENV)).map(lambda n: _Leaf(n, _ENV[n]))
_trees: st.SearchStrategy[_Tree] = st.recursive(
    _numbers | _names,
    lambda sub: st.builds(_Op, st.sampled_from("+-*/"), sub, sub) | st.builds(_Neg, sub),
    max_leaves=12,
)


@settings(deadline=None)  # the first example builds the unit registry (~0.5 s)
@given(tree=_trees)
def test_matches_python_arithmetic(tree: _Tree) -> None:
    text = _text(tree)
    expected = _reference(tree)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = parse_formula(text).evaluate(_ENV)
    if math.isnan(expected) or math.isinf(expected):
        assert math.isnan(float(got)) or float(got) == expected, text
    else:
        assert float(got) == expected, text
    # the same expression over an array broadcasts elementwise
    arrays = {k: np.full(3, v) for k, v in _ENV.items()}
    np.testing.assert_array_equal(parse_formula(text).evaluate(arrays), np.full(3, got))
