"""Allow-list expression language for derived indicators (DESIGN §5.2b, §7).

A formula combines indicator ids with numbers, ``+ - * /``, unary ``-``/``+``, parentheses and
the functions ``min``, ``max``, ``abs`` and ``round``. It is tokenised and parsed by our own
recursive-descent parser into small frozen dataclasses; nothing is ever handed to ``eval`` or
any other expression evaluator. Evaluation is vectorised over numpy arrays with broadcasting;
division by zero gives NaN (never ``inf``) without warnings.

Examples
--------
>>> import numpy as np
>>> f = parse_formula("holders / pop * 100")
>>> f.names
('holders', 'pop')
>>> f.evaluate({"holders": np.array([130.0, 0.0]), "pop": np.array([200.0, 0.0])})
array([65., nan])
>>> check_unit(f, {"holders": "人", "pop": "人"}, "%")
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from pint.util import UnitsContainer

from logicmodel import units as _units
from logicmodel.errors import FormulaError, nearest

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_FORMULA_LENGTH",
    "MAX_TOKENS",
    "Binary",
    "Call",
    "Formula",
    "Name",
    "Node",
    "Num",
    "Unary",
    "check_unit",
    "parse_formula",
]

MAX_FORMULA_LENGTH: Final = 500
"""Longest formula text accepted."""
MAX_DEPTH: Final = 32
"""Deepest nesting of parentheses, calls and unary operators."""
MAX_TOKENS: Final = 200
"""Most tokens (and so syntax-tree nodes) in one formula."""
MAX_NAME_LENGTH: Final = 64
FUNCTIONS: Final = frozenset({"min", "max", "abs", "round"})
"""The only functions a formula may call."""

Array: TypeAlias = npt.NDArray[np.float64]

# --------------------------------------------------------------------------------------- syntax


@dataclass(frozen=True, slots=True)
class Num:
    """A number literal."""

    value: float
    pos: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier (an indicator id)."""

    id: str
    pos: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    """Unary ``-`` or ``+``."""

    op: str
    operand: Node
    pos: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """Binary ``+``, ``-``, ``*`` or ``/``."""

    op: str
    left: Node
    right: Node
    pos: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A call of one of :data:`FUNCTIONS`."""

    func: str
    args: tuple[Node, ...]
    pos: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


Node: TypeAlias = Num | Name | Unary | Binary | Call


def _error(text: str, position: int, why: str) -> FormulaError:
    position = max(0, min(position, len(text)))
    shown = text if len(text) <= 120 else text[:120] + "…"
    caret = " " * position + "^" if position <= 120 else ""
    return FormulaError(
        f"invalid formula at position {position}: {why}\n  {shown}\n  {caret}".rstrip(),
        formula=text,
        position=position,
    )


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\W\d]\w*")
_FORBIDDEN: Final = {
    "%": "'%' is not an operator here; multiply by 100 (e.g. 'a / b * 100')",
    "[": "indexing with '[' is not allowed",
    "]": "']' is not allowed",
    "{": "'{' is not allowed",
    "}": "'}' is not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    ".": "attribute access with '.' is not allowed",
    "^": "'^' is not allowed; powers are not part of the formula language",
    "=": "'=' is not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    ":": "':' is not allowed",
    ";": "';' is not allowed",
    "@": "'@' is not allowed",
    "\\": "'\\' is not allowed",
}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num, name, op, lpar, rpar, comma, end
    text: str
    pos: int


_PUNCTUATION: Final = {
    "+": "op",
    "-": "op",
    "*": "op",
    "/": "op",
    "(": "lpar",
    ")": "rpar",
    ",": "comma",
}


def _number(text: str, i: int) -> _Tok:
    """The number starting at ``i``; refuses one run into letters, ``_`` or a second ``.``."""
    m = _NUMBER.match(text, i)
    if m is None:  # pragma: no cover - the first character always matches
        raise _error(text, i, "malformed number")
    j = m.end()
    if j < len(text) and (text[j].isalnum() or text[j] in "_."):
        raise _error(text, j, f"malformed number {text[i : j + 1]!r}")
    return _Tok("num", text[i:j], i)


def _name(text: str, i: int) -> _Tok:
    """The name starting at ``i``; refuses a non-identifier, a too long name, a keyword."""
    m = _WORD.match(text, i)
    j = m.end() if m is not None else i + 1
    word = text[i:j]
    if not word.isidentifier():
        raise _error(text, i, f"{word!r} is not a valid name")
    if len(word) > MAX_NAME_LENGTH:
        raise _error(text, i, f"name longer than {MAX_NAME_LENGTH} characters")
    if keyword.iskeyword(word) or keyword.issoftkeyword(word):
        raise _error(text, i, f"{word!r} is a reserved word, not an indicator id")
    return _Tok("name", word, i)


def _token(text: str, i: int) -> _Tok:
    """The token starting at ``i`` (not a space); raises on anything outside the language."""
    c = text[i]
    if c.isdigit() or (c == "." and i + 1 < len(text) and text[i + 1].isdigit()):
        return _number(text, i)
    if c == "_" or c.isalpha():
        return _name(text, i)
    if c == "*" and text.startswith("**", i):
        raise _error(text, i, "'**' (power) is not allowed")
    if c == "/" and text.startswith("//", i):
        raise _error(text, i, "'//' (floor division) is not allowed")
    if c in _PUNCTUATION:
        return _Tok(_PUNCTUATION[c], c, i)
    if c in _FORBIDDEN:
        raise _error(text, i, _FORBIDDEN[c])
    raise _error(text, i, f"character {c!r} is not allowed")


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if len(tokens) >= MAX_TOKENS:
            raise _error(text, i, f"more than {MAX_TOKENS} tokens")
        tok = _token(text, i)
        tokens.append(tok)
        i += len(tok.text)
    tokens.append(_Tok("end", "", n))
    return tokens


class _Parser:
    """Recursive descent: expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := ('+'|'-') unary | primary; primary := number | name | call | '(' expr ')'."""

    def __init__(self, text: str, tokens: list[_Tok]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(self.text, pos, f"nested deeper than {MAX_DEPTH} levels")

    def fail(self, tok: _Tok, expected: str) -> FormulaError:
        got = "the end of the formula" if tok.kind == "end" else repr(tok.text)
        return _error(self.text, tok.pos, f"expected {expected}, got {got}")

    def parse(self) -> Node:
        first = self.peek()
        if first.kind == "end":
            raise _error(self.text, 0, "the formula is empty")
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            if tok.kind == "rpar":
                raise _error(self.text, tok.pos, "unmatched ')'")
            if tok.kind in {"name", "num", "lpar"}:
                raise self.fail(tok, "an operator")
            raise self.fail(tok, "an operator or the end of the formula")
        return node

    def expr(self) -> Node:
        node = self.term()
        while (tok := self.peek()).kind == "op" and tok.text in "+-":
            self.take()
            right = self.term()
            node = Binary(tok.text, node, right, pos=_pos(node), end=_end(right))
        return node

    def term(self) -> Node:
        node = self.unary()
        while (tok := self.peek()).kind == "op" and tok.text in "*/":
            self.take()
            right = self.unary()
            node = Binary(tok.text, node, right, pos=_pos(node), end=_end(right))
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in "+-":
            self.take()
            self.enter(tok.pos)
            operand = self.unary()
            self.depth -= 1
            return Unary(tok.text, operand, pos=tok.pos, end=_end(operand))
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            if not np.isfinite(value):
                raise _error(self.text, tok.pos, f"number {tok.text!r} is too large")
            return Num(value, pos=tok.pos, end=tok.pos + len(tok.text))
        if tok.kind == "name":
            if self.peek().kind == "lpar":
                return self.call(tok)
            return Name(tok.text, pos=tok.pos, end=tok.pos + len(tok.text))
        if tok.kind == "lpar":
            self.enter(tok.pos)
            node = self.expr()
            close = self.take()
            if close.kind != "rpar":
                if close.kind == "end":
                    raise _error(self.text, tok.pos, "'(' is never closed")
                raise self.fail(close, "')'")
            self.depth -= 1
            return node
        raise self.fail(tok, "a number, a name or '('")

    def call(self, name: _Tok) -> Node:
        if name.text not in FUNCTIONS:
            near = nearest(name.text, FUNCTIONS)
            raise _error(
                self.text,
                name.pos,
                f"unknown function {name.text!r}; allowed: abs, max, min, round"
                + (f" (did you mean {near[0]!r}?)" if near else ""),
            )
        lpar = self.take()
        self.enter(lpar.pos)
        args: list[Node] = []
        if self.peek().kind == "rpar":
            raise _error(self.text, self.peek().pos, f"{name.text}() needs an argument")
        while True:
            args.append(self.expr())
            tok = self.take()
            if tok.kind == "comma":
                continue
            if tok.kind == "rpar":
                break
            if tok.kind == "end":
                raise _error(self.text, lpar.pos, "'(' is never closed")
            raise self.fail(tok, "',' or ')'")
        self.depth -= 1
        end = tok.pos + 1
        self._check_arity(name, args)
        return Call(name.text, tuple(args), pos=name.pos, end=end)

    def _check_arity(self, name: _Tok, args: list[Node]) -> None:
        n = len(args)
        if name.text in {"min", "max"} and n < 2:
            raise _error(
                self.text, name.pos, f"{name.text}() compares values elementwise: give 2 or more"
            )
        if name.text == "abs" and n != 1:
            raise _error(self.text, name.pos, f"abs() takes 1 argument, got {n}")
        if name.text == "round":
            if n not in {1, 2}:
                raise _error(self.text, name.pos, f"round() takes 1 or 2 arguments, got {n}")
            if n == 2 and _int_literal(args[1]) is None:
                raise _error(
                    self.text,
                    _pos(args[1]),
                    "round()'s number of digits must be a whole number such as 0, 1 or -2",
                )


def _pos(node: Node) -> int:
    return node.pos


def _end(node: Node) -> int:
    return node.end


def _int_literal(node: Node) -> int | None:
    if isinstance(node, Num) and node.value.is_integer() and abs(node.value) <= 15:
        return int(node.value)
    if isinstance(node, Unary) and node.op == "-":
        inner = _int_literal(node.operand)
        return None if inner is None else -inner
    if isinstance(node, Unary):
        return _int_literal(node.operand)
    return None


def _names(node: Node, out: dict[str, None]) -> None:
    if isinstance(node, Name):
        out.setdefault(node.id, None)
    elif isinstance(node, Unary):
        _names(node.operand, out)
    elif isinstance(node, Binary):
        _names(node.left, out)
        _names(node.right, out)
    elif isinstance(node, Call):
        for arg in node.args:
            _names(arg, out)


# ----------------------------------------------------------------------------------- evaluation


def _eval(node: Node, env: Mapping[str, Array]) -> Array:
    if isinstance(node, Num):
        return np.asarray(node.value, dtype=np.float64)
    if isinstance(node, Name):
        return env[node.id]
    if isinstance(node, Unary):
        value = _eval(node.operand, env)
        return np.negative(value) if node.op == "-" else value
    if isinstance(node, Binary):
        a, b = _eval(node.left, env), _eval(node.right, env)
        if node.op == "+":
            return np.add(a, b)
        if node.op == "-":
            return np.subtract(a, b)
        if node.op == "*":
            return np.multiply(a, b)
        quotient = np.divide(a, b)
        return np.where(b == 0, np.nan, quotient)
    args = [_eval(arg, env) for arg in node.args]
    if node.func == "min":
        result = args[0]
        for arg in args[1:]:
            result = np.minimum(result, arg)
        return result
    if node.func == "max":
        result = args[0]
        for arg in args[1:]:
            result = np.maximum(result, arg)
        return result
    if node.func == "abs":
        return np.abs(args[0])
    digits = _int_literal(node.args[1]) if len(node.args) == 2 else 0
    return np.round(args[0], digits or 0)


# ----------------------------------------------------------------------------------- dimensions


def _dim_text(dim: UnitsContainer) -> str:
    return str(dim) if dim else "dimensionless"


@dataclass(frozen=True)
class Formula:
    """A parsed formula; frozen, hashable and picklable.

    Build it with :func:`parse_formula`. ``text`` is the NFKC-normalised formula text; ``names``
    the distinct identifiers in order of first appearance; ``tree`` the syntax tree.

    Examples
    --------
    >>> f = parse_formula("max(a, b) - a")
    >>> str(f), f.names
    ('max(a, b) - a', ('a', 'b'))
    >>> f.evaluate({"a": 1.0, "b": 3.0})
    array(2.)
    """

    text: str
    tree: Node = field(repr=False)
    names: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return self.text

    def evaluate(self, env: Mapping[str, npt.ArrayLike]) -> Array:
        """Evaluate over numpy arrays (broadcast together); x/0 is NaN and NaN propagates.

        Parameters
        ----------
        env
            Value (array or number) for each name in :attr:`names`; extra keys are ignored.

        Raises
        ------
        FormulaError
            When a name has no value, or the arrays do not broadcast together.

        Examples
        --------
        >>> import numpy as np
        >>> parse_formula("round(a / b, 1)").evaluate({"a": np.array([1.0, 2.0]), "b": 3.0})
        array([0.3, 0.7])
        """
        missing = [name for name in self.names if name not in env]
        if missing:
            known = [str(k) for k in env]
            hint = nearest(missing[0], known)
            raise FormulaError(
                f"formula {self.text!r} needs values for {', '.join(map(repr, missing))}; "
                f"given: {', '.join(map(repr, known)) or 'nothing'}"
                + (f" (nearest: {', '.join(map(repr, hint))})" if hint else ""),
                formula=self.text,
            )
        arrays = {name: np.asarray(env[name], dtype=np.float64) for name in self.names}
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                result = _eval(self.tree, arrays)
        except ValueError as exc:  # shapes that do not broadcast
            shapes = ", ".join(f"{k}: {v.shape}" for k, v in arrays.items())
            raise FormulaError(
                f"formula {self.text!r}: values do not broadcast together ({shapes})",
                formula=self.text,
            ) from exc
        return np.asarray(result, dtype=np.float64)

    def dimension(self, units: Mapping[str, str]) -> UnitsContainer:
        """The pint dimensionality of the result, each name counting as 1 of its unit.

        Numbers are dimensionless, except that a constant added to (or compared with) a quantity
        takes that quantity's dimension (``visits - 100`` with visits in 人 is fine).

        Raises
        ------
        FormulaError
            When a name has no unit, or ``+``/``-``/``min``/``max`` combine different dimensions.
        UnitError
            When a unit text is not a unit.

        Examples
        --------
        >>> str(parse_formula("cost / users").dimension({"cost": "千円", "users": "人"}))
        '[currency] / [person]'
        """
        missing = [name for name in self.names if name not in units]
        if missing:
            raise FormulaError(
                f"formula {self.text!r}: no unit for {', '.join(map(repr, missing))}",
                formula=self.text,
            )
        dims = {name: _units.dimensionality(units[name]) for name in self.names}
        dim = self._dim(self.tree, dims, units)
        return dim if dim is not None else UnitsContainer({})

    def _dim(
        self, node: Node, dims: Mapping[str, UnitsContainer], units: Mapping[str, str]
    ) -> UnitsContainer | None:
        if isinstance(node, Num):
            return None
        if isinstance(node, Name):
            return dims[node.id]
        if isinstance(node, Unary):
            return self._dim(node.operand, dims, units)
        if isinstance(node, Binary):
            a = self._dim(node.left, dims, units)
            b = self._dim(node.right, dims, units)
            if node.op in "+-":
                return self._same(node, [node.left, node.right], [a, b])
            if a is None and b is None:
                return None
            da = a if a is not None else UnitsContainer({})
            db = b if b is not None else UnitsContainer({})
            product: UnitsContainer = da * db if node.op == "*" else da / db
            return product
        arg_dims = [self._dim(arg, dims, units) for arg in node.args]
        if node.func in {"min", "max"}:
            return self._same(node, list(node.args), arg_dims)
        return arg_dims[0]

    def _same(
        self, node: Node, operands: list[Node], dims: list[UnitsContainer | None]
    ) -> UnitsContainer | None:
        known = [(op, d) for op, d in zip(operands, dims, strict=True) if d is not None]
        for op, d in known[1:]:
            first_op, first = known[0]
            if d != first:
                left = self.text[first_op.pos : first_op.end]
                right = self.text[op.pos : op.end]
                raise _error(
                    self.text,
                    op.pos,
                    f"{left!r} is {_dim_text(first)} but {right!r} is {_dim_text(d)}; "
                    "only quantities of the same dimension can be added, subtracted or compared",
                )
        return known[0][1] if known else None


def parse_formula(text: str) -> Formula:
    """Parse a formula of the allow-listed language.

    Parameters
    ----------
    text
        Formula such as ``"holders / pop * 100"``. Full-width characters are NFKC-normalised.
        At most 500 characters, 200 tokens and 32 levels of nesting.

    Returns
    -------
    Formula

    Raises
    ------
    FormulaError
        For anything outside the grammar, with ``position`` (in the normalised text) and a caret.

    Examples
    --------
    >>> parse_formula("ａ＋ｂ").text
    'a+b'
    >>> parse_formula("a ** 2")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormulaError: invalid formula at position 2: '**' (power) is not allowed
      a ** 2
        ^
    """
    if not isinstance(text, str):
        raise FormulaError(
            f"a formula must be text, got {type(text).__name__} {text!r}", formula=None
        )
    if len(text) > MAX_FORMULA_LENGTH:
        raise _error(text, MAX_FORMULA_LENGTH, f"longer than {MAX_FORMULA_LENGTH} characters")
    norm = unicodedata.normalize("NFKC", text).strip()
    if len(norm) > MAX_FORMULA_LENGTH:
        raise _error(norm, MAX_FORMULA_LENGTH, f"longer than {MAX_FORMULA_LENGTH} characters")
    tree = _Parser(norm, _tokenize(norm)).parse()
    found: dict[str, None] = {}
    _names(tree, found)
    return Formula(norm, tree, tuple(found))


def check_unit(formula: Formula | str, units: Mapping[str, str], declared: str) -> None:
    """Check that a formula's result has the dimension of its indicator's declared unit.

    Only dimensions are compared; values are never rescaled (``holders / pop * 100`` with unit
    ``%`` passes because people/people is dimensionless like %).

    Raises
    ------
    FormulaError
        When the dimensions disagree, a component has no unit, or the formula is invalid.
    UnitError
        When a unit text is not a unit.

    Examples
    --------
    >>> check_unit("cost / users", {"cost": "円", "users": "人"}, "千円/人")
    >>> check_unit("cost / users", {"cost": "円", "users": "件"}, "円/人")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormulaError: formula 'cost / users' gives [currency] / [case] but ...
    """
    f = formula if isinstance(formula, Formula) else parse_formula(formula)
    got = f.dimension(units)
    want = _units.dimensionality(declared)
    if got != want:
        raise FormulaError(
            f"formula {f.text!r} gives {_dim_text(got)} but the declared unit {declared!r} is "
            f"{_dim_text(want)}",
            formula=f.text,
        )
