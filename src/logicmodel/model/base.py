"""Shared pieces of the model layer: the frozen base class, constrained types, error translation.

pydantic's ``ValidationError`` never escapes this package: :class:`Frozen` turns it into
:class:`~logicmodel.errors.ModelError` (or re-raises the inner ``UnitError``/``PeriodError``/
``FormulaError`` itself when it is the only problem), with a message naming the field path and the
id of the offending item.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from logicmodel.errors import ModelError, short_repr

__all__ = [
    "Fraction",
    "Frozen",
    "Id",
    "NonNegative",
    "Text",
    "check_id",
    "translate_validation_error",
]

MAX_ID_LENGTH = 64


def check_id(value: str) -> str:
    """Validate an identifier: letters (kana/kanji too), digits, ``_``; no leading digit; ≤ 64.

    Examples
    --------
    >>> check_id("待ち時間_2")
    '待ち時間_2'
    >>> check_id("2nd")
    Traceback (most recent call last):
    ...
    logicmodel.errors.ModelError: id '2nd' is not an identifier: use letters (kana and kanji too), digits and '_', not starting with a digit
    """
    if not isinstance(value, str) or not value:
        raise ModelError(
            f"id {short_repr(value)} is empty: ids are identifiers such as 'adopted_n'"
        )
    if len(value) > MAX_ID_LENGTH:
        raise ModelError(
            f"id {value[:20]!r}… is {len(value)} characters long; the limit is {MAX_ID_LENGTH}"
        )
    if not value.isidentifier() or value.startswith("__"):
        raise ModelError(
            f"id {short_repr(value)} is not an identifier: use letters (kana and kanji too), digits and '_', "
            "not starting with a digit"
        )
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ModelError(f"value {value!r} is not a finite number")
    return value


Id = Annotated[str, AfterValidator(check_id)]
"""An identifier shared by nodes, indicators and milestones."""

Text = Annotated[str, Field(max_length=10_000)]
"""Free text (labels, rationales); bounded so a pasted file cannot become a label."""

FiniteFloat = Annotated[float, AfterValidator(_finite)]


def _non_negative(value: float) -> float:
    _finite(value)
    if value < 0:
        raise ModelError(f"value {value!r} is negative; give a number ≥ 0")
    return value


NonNegative = Annotated[float, AfterValidator(_non_negative)]
Fraction = Annotated[float, Field(ge=0, le=1)]


def _describe_loc(loc: Sequence[int | str], data: Any, tags: frozenset[str]) -> str:
    """``indicators[2] (id 'wait_min').unit`` from a pydantic ``loc`` and the raw input."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            try:
                node = node[item]
            except (TypeError, IndexError, KeyError):
                node = None
            ident = node.get("id") if isinstance(node, Mapping) else getattr(node, "id", None)
            if isinstance(ident, str):
                parts.append(f" (id {short_repr(ident, 40)})")
        else:
            if item in tags and not isinstance(node, Mapping | Sequence):
                continue
            if item in tags and isinstance(node, Mapping) and item not in node:
                continue
            parts.append(f".{item}" if parts else str(item))
            node = node.get(item) if isinstance(node, Mapping) else getattr(node, str(item), None)
    return "".join(parts)


_LISTED = 20
"""Problems spelled out in one message; the rest are counted (``errors()`` keeps them all)."""

_LISTED_CHARS = 3_000
"""Characters of problems spelled out in one message (long lines: fewer than ``_LISTED``)."""

_KIND_TAGS = frozenset(
    {"input", "activity", "output", "outcome", "impact", "function-after", "function-before"}
)


def _add_inner(
    cause: ModelError,
    at: tuple[Any, ...],
    data: Any,
    problems: list[dict[str, Any]],
    lines: list[str],
) -> None:
    """The problems of a ``ModelError`` raised inside a validator at ``at``, located."""
    sub = (
        cause.errors()
        if cause._errors
        else [{"loc": (), "msg": cause.message, "type": type(cause).__name__}]
    )
    for s in sub:
        loc = at + tuple(s.get("loc", ()))
        text = _describe_loc(loc, data, _KIND_TAGS)
        problems.append({"loc": loc, "msg": s["msg"], "type": s.get("type", type(cause).__name__)})
        lines.append(f"{text}: {s['msg']}" if text else str(s["msg"]))


def _pydantic_message(e: Any) -> str:
    """Our message for one pydantic error (its own message where we have no better one)."""
    msg = str(e["msg"])
    if e["type"] == "literal_error":
        msg = f"{msg}; got {short_repr(e.get('input'))}"
        if e["loc"] and e["loc"][-1] == "stage":
            msg += " (短期/中期/長期 and 初期/中間/最終 are accepted too)"
        elif e["loc"] and e["loc"][-1] == "direction":
            msg += " (上向き/下向き/維持 are accepted too)"
    elif e["type"] in ("tuple_type", "list_type"):
        msg = f"expected a list, got {type(e.get('input')).__name__}"
    elif e["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling; extra fields are not allowed)"
    elif e["type"] == "missing":
        msg = "required field is missing"
    elif e["type"] == "union_tag_invalid":
        tag = (e.get("ctx") or {}).get("tag")
        msg = f"kind {short_repr(tag)} is not one of input, activity, output, outcome, impact"
    elif e["type"] == "union_tag_not_found":
        msg = "kind is missing: give one of input, activity, output, outcome, impact"
    return msg


def _listed(where: str, lines: list[str]) -> str:
    """One line for one problem; else a count and the first lines (up to a length)."""
    shown: list[str] = []
    used = 0
    for line in lines[:_LISTED]:
        if shown and used + len(line) > _LISTED_CHARS:
            break
        shown.append(line)
        used += len(line)
    if len(shown) < len(lines):
        shown.append(f"… and {len(lines) - len(shown):,} more")
    body = "; ".join(shown) if len(lines) == 1 else "\n  " + "\n  ".join(shown)
    return f"{where}: {body}" if len(lines) == 1 else f"{where}: {len(lines)} problems:{body}"


def translate_validation_error(err: ValidationError, data: Any, where: str) -> ModelError:
    """Turn a pydantic ``ValidationError`` into our error, keeping every problem.

    A single inner ``ModelError`` subclass (``UnitError`` …) comes back as its own class, with the
    location put in front of its message; several problems become one ``ModelError`` whose
    ``errors()`` lists them all.
    """
    problems: list[dict[str, Any]] = []
    lines: list[str] = []
    inner: list[ModelError] = []
    for e in err.errors(include_url=False):
        loc_text = _describe_loc(e["loc"], data, _KIND_TAGS)
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, ModelError):
            _add_inner(cause, tuple(e["loc"]), data, problems, lines)
            inner.append(cause)
            continue
        msg = _pydantic_message(e)
        problems.append({"loc": tuple(e["loc"]), "msg": msg, "type": e["type"]})
        lines.append(f"{loc_text}: {msg}" if loc_text else msg)
    message = _listed(where, lines)
    if len(inner) == 1 and len(problems) == 1 and not inner[0]._errors:
        out = copy.copy(inner[0])
        out.message = message
        out.args = (message,)
        out._errors = problems
        return out
    return ModelError(message, errors=problems)


class Frozen(BaseModel):
    """Base of every definition: immutable, no extra fields, errors as ``ModelError``."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, validate_default=False
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise translate_validation_error(err, data, _where(type(self), data)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise ModelError(
            f"{type(self).__name__} objects are immutable (frozen): build a new one with "
            f".model_copy(update={{{name!r}: ...}})"
        )

    def __delattr__(self, name: str) -> None:
        raise ModelError(f"{type(self).__name__} objects are immutable (frozen)")

    # Nested models are validated by pydantic-core directly, not through this __init__.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: Any = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate ``obj`` (a mapping); raises ``ModelError`` instead of ``ValidationError``."""
        try:
            return super().model_validate(
                obj,
                strict=strict,
                extra=extra,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as err:
            raise translate_validation_error(err, obj, _where(cls, obj)) from None

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: Any = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate JSON text; raises ``ModelError`` instead of ``ValidationError``."""
        import json

        try:
            data = json.loads(json_data)
        except ValueError as err:
            raise ModelError(f"{cls.__name__}: not valid JSON: {err}") from None
        return cls.model_validate(
            data, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A new, re-validated object with ``update`` applied (the original is unchanged)."""
        if not update:
            return super().model_copy(deep=deep)
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(update)
        return type(self)(**data)


def _where(cls: type, data: Any) -> str:
    ident = data.get("id") if isinstance(data, Mapping) else None
    return f"{cls.__name__} {short_repr(ident, 40)}" if isinstance(ident, str) else cls.__name__
