"""The exception family of logicmodel (DESIGN §3 row 0).

Every error the library raises for bad input is a :class:`LogicModelError`. Subclasses mix in the
builtin they resemble, so ``except ValueError`` keeps working for callers that do not know us.
Messages are built from attributes, and every exception pickles (for multiprocessing and Spark).

Examples
--------
>>> from logicmodel.errors import UnitError, ModelError
>>> err = UnitError("unit '件／人人' is not a known unit", text="件／人人")
>>> isinstance(err, ModelError), isinstance(err, ValueError)
(True, True)
>>> import pickle
>>> pickle.loads(pickle.dumps(err)).text
'件／人人'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "CheckError",
    "ConversionWarning",
    "EvidenceError",
    "FormatError",
    "FormatWarning",
    "FormulaError",
    "LimitError",
    "LogicModelError",
    "ModelError",
    "PeriodError",
    "UnitError",
    "WriteError",
    "nearest",
    "short_repr",
]


def _rebuild(cls: type[LogicModelError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    obj = cls.__new__(cls)
    Exception.__init__(obj, *args)
    obj.__dict__.update(state)
    return obj


class LogicModelError(Exception):
    """Root of every error logicmodel raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ModelError(LogicModelError, ValueError):
    """A logic model (or one of its parts) cannot mean anything as given.

    Parameters
    ----------
    message
        The whole human-readable message.
    errors
        pydantic-style error dicts (``loc``, ``msg``, ``type``), one per problem found.
    """

    def __init__(self, message: str, *, errors: Sequence[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self._errors: list[dict[str, Any]] = list(errors or [])

    def errors(self) -> list[dict[str, Any]]:
        """Every problem found, as dicts with ``loc``, ``msg`` and ``type`` (like pydantic)."""
        if self._errors:
            return [dict(e) for e in self._errors]
        return [{"loc": (), "msg": self.message, "type": type(self).__name__}]

    def __str__(self) -> str:
        return self.message


class UnitError(ModelError):
    """A unit text that is not an allowed unit, or values that cannot be converted."""

    def __init__(self, message: str, *, text: str | None = None) -> None:
        super().__init__(message)
        self.text = text


class PeriodError(ModelError):
    """A period text that is not one of the accepted forms."""

    def __init__(self, message: str, *, text: object = None) -> None:
        super().__init__(message)
        self.text = text


class FormulaError(ModelError):
    """A formula outside the allow-listed grammar, with the position of the problem."""

    def __init__(
        self, message: str, *, formula: str | None = None, position: int | None = None
    ) -> None:
        super().__init__(message)
        self.formula = formula
        self.position = position


class FormatError(LogicModelError, ValueError):
    """A file (or frame) that cannot be read, located by file, sheet, row and column.

    Examples
    --------
    >>> str(FormatError("unit '件／人人' is not a known unit", path="m.xlsx", sheet="indicators",
    ...                 row=7, column="D"))
    "m.xlsx: indicators!D7: unit '件／人人' is not a known unit"
    """

    def __init__(
        self,
        message: str,
        *,
        path: object = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.sheet = sheet
        self.row = row
        self.column = column

    @property
    def location(self) -> str:
        """``file: sheet!C7`` style location; empty parts are left out.

        Examples
        --------
        >>> FormatError("x", path="m.xlsx", sheet="nodes", row=3).location
        'm.xlsx: nodes row 3'
        >>> FormatError("x", path="obs.csv", row=12, column="value").location
        'obs.csv: row 12, column value'
        """
        parts: list[str] = []
        if self.path:
            parts.append(self.path)
        if self.sheet is not None and self.column is not None and self.row is not None:
            parts.append(f"{self.sheet}!{self.column}{self.row}")
        else:
            where = [] if self.sheet is None else [self.sheet]
            detail = []
            if self.row is not None:
                detail.append(f"row {self.row}")
            if self.column is not None:
                detail.append(f"column {self.column}")
            text = " ".join([*where, ", ".join(detail)]).strip()
            if text:
                parts.append(text)
        return ": ".join(parts)

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message


class WriteError(LogicModelError, OSError):
    """A file or folder could not be written; names the user's target and the cause.

    Also an :class:`OSError` whose ``errno`` is the operating system's reason (``errno.ENOSPC``
    for a full disk, ``errno.EROFS``, ``errno.EACCES`` …), ``filename`` the target as the caller
    gave it and ``strerror`` the cause in words, so ``except OSError`` keeps working.

    Examples
    --------
    >>> import errno, pickle
    >>> err = WriteError("out/progress.csv", "the disk is full", errno=errno.ENOSPC)
    >>> print(err)
    cannot write 'out/progress.csv': the disk is full
    >>> isinstance(err, OSError), err.errno == errno.ENOSPC, err.filename
    (True, True, 'out/progress.csv')
    >>> pickle.loads(pickle.dumps(err)).reason
    'the disk is full'
    """

    def __init__(self, path: object, reason: str, *, errno: int | None = None) -> None:
        OSError.__init__(self, errno, reason, str(path))
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path!r}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_write_error, (self.path, self.reason, self.errno))


def _rebuild_write_error(path: str, reason: str, errno: int | None) -> WriteError:
    return WriteError(path, reason, errno=errno)


class CheckError(LogicModelError, ValueError):
    """Checks found errors; ``report`` holds every issue."""

    def __init__(self, report: Any) -> None:
        n = len(getattr(report, "errors", []))
        super().__init__(f"{n} error(s) found:\n{report}")
        self.report = report

    def __str__(self) -> str:
        return str(self.args[0])


class EvidenceError(LogicModelError, ValueError):
    """The data cannot answer an evidence request (``lm.estimate_link``): no treated or no control
    organisations, a treatment that never varies, too few periods before adoption. The message
    says what is missing and which option would help."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option

    def __str__(self) -> str:
        return self.message


def nearest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names closest to ``name`` (for "did you mean" hints).

    Examples
    --------
    >>> nearest("adoptd", ["adopted", "wait", "adopted_n"])
    ['adopted', 'adopted_n']
    """
    pool = sorted(set(known))
    close = difflib.get_close_matches(name, pool, n=n, cutoff=0.5)
    return close if close else pool[:n]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; nearest known ids: 'a', 'b'"`` or ``"; no ids are defined"``."""
    near = nearest(name, known)
    if not near:
        return "; no ids are defined"
    return "; nearest known ids: " + ", ".join(repr(x) for x in near)


class ConversionWarning(UserWarning):
    """A writer could not keep everything of a model in the target format (RS, IATI) and says
    what was changed or left out; the message lists each item. ``warnings.simplefilter("error",
    lm.ConversionWarning)`` turns it into an error."""


class FormatWarning(UserWarning):
    """A reader read around something it could not take (a target row with a year but no value
    yet) and says where."""


class LimitError(FormatError):
    """An input larger or deeper than a safety limit of :mod:`logicmodel.limits`.

    ``limit`` is the limit's name (``yaml_nodes`` …) and ``value`` its value when the input was
    refused; the message says how to raise it (``with lm.limits.override(yaml_nodes=...)``).

    Examples
    --------
    >>> err = LimitError("too deep", limit="depth", value=64, path="m.json")
    >>> isinstance(err, FormatError), err.limit
    (True, 'depth')
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        value: int,
        path: object = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        hint = f" (limit {limit}={value:,}; raise it with lm.limits.override({limit}=...))"
        super().__init__(message + hint, path=path, sheet=sheet, row=row, column=column)
        self.limit = limit
        self.value = value


def short_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, saying how long the whole was.

    Messages never repeat a huge input (a 1 MB id gives a short message). Containers are not
    ``repr``-ed when large or too deep: only their type and size are named.

    Examples
    --------
    >>> short_repr("x" * 1000, 10)
    "'xxxxxxxxxx'… (1,000 characters)"
    >>> short_repr([1, 2, 3]), short_repr(list(range(1000))), short_repr(3.5)
    ('[1, 2, 3]', 'a list of 1,000 items', '3.5')
    """
    if isinstance(value, str | bytes):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, list | tuple | set | frozenset | dict) and len(value) > limit:
        return f"a {type(value).__name__} of {len(value):,} items"
    try:
        text = repr(value)
    except (Exception, RecursionError):  # a deep container or a hostile __repr__
        size = f" of {len(value):,} items" if isinstance(value, list | tuple | dict) else ""
        return f"a {type(value).__name__}{size}"
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
