"""Problem reports: :class:`Issue` and :class:`Report` (DESIGN §4.3; row 0 with ``errors``).

An issue has a stable code (LM1xx structure, LM2xx indicators, LM3xx observations, LM4xx roadmap),
a severity, a location (``where``) and a message in English and Japanese. A :class:`Report` collects
every issue found and never stops at the first.

Examples
--------
>>> r = Report([Issue("LM103", "error", "node 'adopted' (output)", "leads to no outcome; downstream nodes: none",
...                   message_ja="どのアウトカムにもつながっていません")])
>>> print(r)
LM103 error   node 'adopted' (output): leads to no outcome; downstream nodes: none
>>> r.ok
False
>>> print(r.in_language("ja"))
LM103 error   node 'adopted' (output): どのアウトカムにもつながっていません
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from logicmodel.errors import CheckError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SEVERITIES", "Issue", "Report", "Severity"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {s: k for k, s in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: ``code``, ``severity``, ``where`` (location text) and ``message``.

    ``message_ja`` holds the Japanese message; ``row``/``column`` locate observation problems
    (0-based row of the input frame); ``ids`` lists the model ids involved.
    """

    code: str
    severity: Severity
    where: str
    message: str
    message_ja: str | None = None
    row: int | None = None
    column: str | None = None
    ids: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return (
            f"{self.code} {self.severity:<7} {self.where}: {self.message}"
            if self.where
            else (f"{self.code} {self.severity:<7} {self.message}")
        )

    def in_language(self, lang: str) -> Issue:
        """This issue with its message in ``lang`` (``"en"`` or ``"ja"``)."""
        if lang == "ja" and self.message_ja:
            return replace(self, message=self.message_ja)
        return self


class Report:
    """Every issue found by :func:`logicmodel.check`, sorted by severity, code and location."""

    __slots__ = ("_issues",)

    def __init__(self, issues: Iterable[Issue] = ()) -> None:
        self._issues: tuple[Issue, ...] = tuple(
            sorted(
                issues,
                key=lambda i: (
                    _RANK[i.severity],
                    i.code,
                    i.row if i.row is not None else -1,
                    i.where,
                ),
            )
        )

    @property
    def issues(self) -> list[Issue]:
        """All issues (errors first)."""
        return list(self._issues)

    @property
    def errors(self) -> list[Issue]:
        """Issues with severity ``error``."""
        return [i for i in self._issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues with severity ``warning``."""
        return [i for i in self._issues if i.severity == "warning"]

    @property
    def infos(self) -> list[Issue]:
        """Issues with severity ``info``."""
        return [i for i in self._issues if i.severity == "info"]

    @property
    def ok(self) -> bool:
        """``True`` when there are no errors (warnings allowed)."""
        return not self.errors

    @property
    def codes(self) -> list[str]:
        """Distinct codes found, sorted."""
        return sorted({i.code for i in self._issues})

    def in_language(self, lang: str) -> Report:
        """The same report with messages in ``lang`` (``"en"`` or ``"ja"``)."""
        return Report(i.in_language(lang) for i in self._issues)

    def raise_for_errors(self) -> Report:
        """Raise :class:`~logicmodel.CheckError` carrying this report when it has errors."""
        if not self.ok:
            raise CheckError(self)
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per issue: ``code, severity, where, message, row, column``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "code": [i.code for i in self._issues],
                "severity": pd.Categorical(
                    [i.severity for i in self._issues], categories=list(SEVERITIES)
                ),
                "where": [i.where for i in self._issues],
                "message": [i.message for i in self._issues],
                "row": pd.array([i.row for i in self._issues], dtype="Int64"),
                "column": pd.array([i.column for i in self._issues], dtype="str"),
            }
        )

    def __iter__(self) -> Iterator[Issue]:
        return iter(self._issues)

    def __len__(self) -> int:
        return len(self._issues)

    def __bool__(self) -> bool:
        return True

    def __add__(self, other: Report) -> Report:
        return Report((*self._issues, *other._issues))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Report) and self._issues == other._issues

    def __hash__(self) -> int:
        return hash(self._issues)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Report, (self._issues,))

    def __str__(self) -> str:
        if not self._issues:
            return "no issues"
        return "\n".join(str(i) for i in self._issues)

    def __repr__(self) -> str:
        return f"<Report: {len(self.errors)} error(s), {len(self.warnings)} warning(s), {len(self.infos)} info>"

    def summary(self) -> str:
        """``"2 errors, 1 warning, 0 info"``."""
        return f"{len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.infos)} info"

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td><code>{esc(i.code)}</code></td><td>{esc(i.severity)}</td><td>{esc(i.where)}</td>"
            f"<td>{esc(i.message)}</td></tr>"
            for i in self._issues
        )
        return (
            f"<div class='logicmodel-report'><strong>{esc(self.summary())}</strong>"
            "<table><thead><tr><th>code</th><th>severity</th><th>where</th><th>message</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )
