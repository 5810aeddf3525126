"""``Progress``: the result of :func:`logicmodel.evaluation` — tables and the views a reader needs."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from logicmodel.errors import ModelError, nearest
from logicmodel.evaluation.bands import STATUS_LABELS, Bands
from logicmodel.issues import Report

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["Finding", "Progress"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A pathway diagnostic (DESIGN §5.6): ``code`` ∈ broken_link | bottleneck | stale | unmeasured |
    milestone_overdue, the ``node`` (or milestone/indicator id) it concerns, a message and evidence."""

    code: str
    node: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    org: str | None = None
    message_ja: str | None = None


@dataclass(frozen=True, eq=False)
class Progress:
    """Progress of one model as of a date (DESIGN §4.4). Tables are pandas DataFrames:

    - ``indicators``: one row per (indicator, org) at ``as_of``;
    - ``nodes``: one row per (node, org) with ``score``, ``upstream``, ``rolled``, ``status``;
    - ``history``: one row per (indicator, org, period);
    - ``milestones``: ``milestone, due, done, status``;
    - ``findings``: pathway diagnostics (also :meth:`diagnose`);
    - ``children``: per parent org and indicator, counts and shares of children by status.
    """

    model: LogicModel
    as_of: dt.date
    indicators: pd.DataFrame
    nodes: pd.DataFrame
    _history: pd.DataFrame | Callable[[], pd.DataFrame]
    milestones: pd.DataFrame
    findings: pd.DataFrame
    children: pd.DataFrame
    report: Report
    bands: Bands
    lang: str = "en"
    levels: tuple[str, ...] = ("total",)

    @property
    def history(self) -> pd.DataFrame:
        """One row per (indicator, org, period) up to ``as_of``: actual, planned, achievement,
        planned achievement and status. Built on first use (it has a row for every period of every
        series, so evaluations that only need the current rows do not pay for it)."""
        if callable(self._history):
            object.__setattr__(self, "_history", self._history())
        frame: pd.DataFrame = self._history  # type: ignore[assignment]
        return frame

    # -- views -----------------------------------------------------------------------------------
    @property
    def kgi(self) -> pd.DataFrame:
        """The KGI rows of :attr:`indicators`."""
        return self.indicators[self.indicators["role"] == "KGI"].reset_index(drop=True)

    @property
    def top_level(self) -> str:
        """The name of the top level (``total`` or e.g. ``nation``)."""
        return self.levels[0]

    def _where(self, column: str, value: object) -> Progress:
        """The same progress with every org-level table kept to rows where ``column == value``."""

        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            if column not in frame:
                return frame
            return frame[frame[column] == value].reset_index(drop=True)

        return Progress(
            self.model,
            self.as_of,
            keep(self.indicators),
            keep(self.nodes),
            lambda: keep(self.history),
            self.milestones,
            keep(self.findings),
            keep(self.children),
            self.report,
            self.bands,
            self.lang,
            self.levels,
        )

    def at(self, level: str) -> Progress:
        """The same progress restricted to one level (e.g. ``"prefecture"``)."""
        if level not in self.levels:
            raise ModelError(f"unknown level {level!r}; levels are {', '.join(self.levels)}")
        return self._where("level", level)

    def org(self, code: str) -> Progress:
        """The same progress restricted to one organisation (code as in the tables)."""
        orgs = [str(o) for o in self.indicators["org"].dropna().unique()]
        if code not in orgs:
            hint = ", ".join(repr(x) for x in nearest(code, orgs))
            raise ModelError(f"no org {code!r} in this progress; nearest: {hint or 'none'}")
        return self._where("org", code)

    def behind_plan(
        self, *, level: str | None = None, indicator: str | None = None, n: int = 20
    ) -> pd.DataFrame:
        """Orgs furthest behind plan: rows sorted by ``achievement − planned_achievement``."""
        t = self.indicators
        if level is not None:
            t = t[t["level"] == level]
        if indicator is not None:
            t = t[t["indicator"] == indicator]
        gap = t["achievement"] - t["planned_achievement"].fillna(1.0).clip(upper=1.0)
        out = t.assign(gap=gap).dropna(subset=["gap"]).sort_values(["gap", "org"], kind="stable")
        return out.head(n).reset_index(drop=True)

    def diagnose(self) -> list[Finding]:
        """The pathway diagnostics as :class:`Finding` objects (the rows of :attr:`findings`).

        Examples
        --------
        >>> import logicmodel as lm
        >>> from logicmodel.testing import sample_model, sample_observations
        >>> findings = lm.evaluate(sample_model(), sample_observations()).diagnose()
        >>> sorted({f.code for f in findings})
        ['bottleneck', 'broken_link', 'milestone_overdue']
        """
        f = self.findings
        return [
            Finding(
                code=str(code),
                node=str(node),
                message=str(message),
                evidence=dict(evidence) if isinstance(evidence, dict) else {},
                org=None if pd.isna(org) else str(org),
                message_ja=None if message_ja is None else str(message_ja),
            )
            for code, node, message, evidence, org, message_ja in zip(
                f["code"],
                f["node"],
                f["message"],
                f["evidence"],
                f["org"],
                f["message_ja"],
                strict=True,
            )
        ]

    def summary(self) -> pd.DataFrame:
        """One short table a director reads: each KGI/KPI at the top level with status label."""
        t = self.indicators[self.indicators["level"] == self.top_level]
        labels = STATUS_LABELS["ja" if self.lang == "ja" else "en"]
        cols = {
            "indicator": "指標" if self.lang == "ja" else "indicator",
            "name": "名称" if self.lang == "ja" else "name",
            "role": "区分" if self.lang == "ja" else "role",
            "period": "時点" if self.lang == "ja" else "period",
            "actual": "実績値" if self.lang == "ja" else "actual",
            "target": "目標値" if self.lang == "ja" else "target",
            "target_period": "目標年度" if self.lang == "ja" else "target period",
            "achievement": "達成率" if self.lang == "ja" else "achievement",
            "status": "状況" if self.lang == "ja" else "status",
        }
        out = t[list(cols)].copy()
        out["achievement"] = out["achievement"].round(3)
        out["status"] = out["status"].astype(object).map(labels)
        out["role"] = out["role"].fillna("")
        return out.rename(columns=cols).reset_index(drop=True)

    def __repr__(self) -> str:
        counts = self.indicators["status"].value_counts()
        shown = ", ".join(f"{k} {int(v)}" for k, v in counts.items() if v)
        return f"<Progress {self.model.id!r} as of {self.as_of}: {len(self.indicators)} indicator rows ({shown})>"

    def _repr_html_(self) -> str:
        esc = html.escape
        table = self.summary().to_html(index=False, escape=True, na_rep="–")
        n_find = len(self.findings)
        return (
            f"<div class='logicmodel-progress'><strong>{esc(self.model.title)}</strong> "
            f"— as of {esc(str(self.as_of))}, {n_find} finding(s){table}</div>"
        )

    # -- export (issue 12): thin methods over logicmodel.io.progress, imported when called ------
    def to_excel(
        self,
        path: str | os.PathLike[str],
        *,
        tables: Sequence[str] | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Write every table (or ``tables``) to one ``.xlsx`` workbook, a sheet each, atomically
        (:func:`logicmodel.io.progress.progress_to_excel`)."""
        from logicmodel.io.progress import progress_to_excel

        return progress_to_excel(self, path, tables=tables, overwrite=overwrite)

    def to_csv(
        self, path: str | os.PathLike[str], *, table: str = "indicators", overwrite: bool = False
    ) -> Path:
        """Write one table (default ``indicators``) as UTF-8 CSV with a BOM, formulas neutralised
        (:func:`logicmodel.io.progress.progress_to_csv`)."""
        from logicmodel.io.progress import progress_to_csv

        return progress_to_csv(self, path, table=table, overwrite=overwrite)

    def to_parquet(
        self, path: str | os.PathLike[str], *, table: str = "indicators", overwrite: bool = False
    ) -> Path:
        """Write one table (default ``indicators``) as Parquet
        (:func:`logicmodel.io.progress.progress_to_parquet`)."""
        from logicmodel.io.progress import progress_to_parquet

        return progress_to_parquet(self, path, table=table, overwrite=overwrite)
