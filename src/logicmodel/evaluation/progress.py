"""``Progress``: the result of :func:`logicmodel.evaluation` — tables and the views a reader needs."""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import ModelError, nearest
from logicmodel.evaluation.bands import STATUS_LABELS, Bands
from logicmodel.evaluation.history import POINT_COLUMNS, HistorySource, points_table
from logicmodel.issues import Report
from logicmodel.orgs import check_digit

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["Finding", "Progress", "coverage_text"]


def _no_orgs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org": pd.Series([None], dtype=object),
            "org_name": pd.Series([None], dtype=object),
            "org_kana": pd.Series([None], dtype=object),
            "level": ["total"],
            "parent": pd.Series([None], dtype=object),
            "expected": [1],
        }
    )


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


class _StatusLabelled:
    """A table field of :class:`Progress` kept with status codes only: reading it gives the table
    with ``status_label`` in the progress' language, made on first read and kept; a table given
    with a ``status_label`` is stored without it (so labels always follow ``lang``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @staticmethod
    def stored(progress: Progress, name: str) -> pd.DataFrame:
        table: pd.DataFrame = progress.__dict__[f"_{name}_codes"]
        return table

    def __get__(self, progress: Progress | None, owner: type | None = None) -> pd.DataFrame:
        if progress is None:  # no class-level value: the field has no default
            raise AttributeError(self.name)
        kept = progress.__dict__
        labelled = f"_{self.name}_labelled"
        if labelled not in kept:
            kept[labelled] = with_status_label(self.stored(progress, self.name), progress.lang)
        table: pd.DataFrame = kept[labelled]
        return table

    def __set__(self, progress: Progress, table: pd.DataFrame) -> None:
        if "status_label" in table:
            table = table.drop(columns=["status_label"])
        progress.__dict__[f"_{self.name}_codes"] = table
        progress.__dict__.pop(f"_{self.name}_labelled", None)


@dataclass(frozen=True, eq=False, kw_only=True)
class Progress:
    """Progress of one model as of a date (DESIGN §4.4). Tables are pandas DataFrames:

    - ``indicators``: one row per (indicator, org) at ``as_of``, with ``org_name``,
      ``reporting``/``expected``/``coverage`` and ``period_complete``;
    - ``nodes``: one row per (node, org) with ``score``, ``measured``, ``upstream``, ``rolled``,
      ``status``;
    - ``indicators`` and ``nodes`` carry ``status_label``, the status in :attr:`lang`, made when
      the table is first read (the evaluated tables, ``indicator_table`` and ``node_table``, hold
      the status codes only); :meth:`in_language` gives the same progress in another language;
    - ``history``: one row per (indicator, org, period), built on first use;
    - ``milestones``: ``milestone, due, done, status``;
    - ``findings``: pathway diagnostics (also :meth:`diagnose`);
    - ``children``: per org above the counted level and indicator, the organisations at the
      counted level below it by status (``no_data`` for those without a row);
    - ``orgs``: one row per organisation: ``org, org_name, org_kana, level, parent, expected``.

    Fields are keyword-only; a Progress pickles (before and after :attr:`history` is read).
    :meth:`org`, :meth:`at` and :meth:`select` give views about one organisation or level.
    """

    model: LogicModel
    as_of: dt.date
    indicators: _StatusLabelled = _StatusLabelled()
    nodes: _StatusLabelled = _StatusLabelled()
    milestones: pd.DataFrame
    findings: pd.DataFrame
    children: pd.DataFrame
    report: Report
    bands: Bands
    lang: str = "en"
    levels: tuple[str, ...] = ("total",)
    orgs: pd.DataFrame = field(default_factory=_no_orgs)
    history_source: HistorySource | None = field(default=None, repr=False)
    min_coverage: float = 1.0
    focus: str | None = None
    view_orgs: tuple[object, ...] | None = field(default=None, repr=False)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def indicator_table(self) -> pd.DataFrame:
        """:attr:`indicators` as evaluated: statuses as codes (the ``status`` categorical), no
        ``status_label``."""
        return _StatusLabelled.stored(self, "indicators")

    @property
    def node_table(self) -> pd.DataFrame:
        """:attr:`nodes` as evaluated: statuses as codes, no ``status_label``."""
        return _StatusLabelled.stored(self, "nodes")

    def in_language(self, lang: str) -> Progress:
        """The same progress with its labels (``status_label``, :meth:`summary`, charts and the
        dashboard's defaults) in ``lang`` (``"en"`` or ``"ja"``); nothing is evaluated again.

        Examples
        --------
        >>> import logicmodel as lm
        >>> from logicmodel.testing import sample_model, sample_observations
        >>> p = lm.evaluate(sample_model(), sample_observations())
        >>> ja = p.in_language("ja")
        >>> p.lang, ja.lang
        ('en', 'ja')
        >>> ja.indicators[["indicator", "status", "status_label"]].iloc[1].tolist()
        ['adopted_n', 'at_risk', '要注意']
        """
        language = _check_lang(lang)
        if language == self.lang:
            return self
        return replace(
            self,
            indicators=self.indicator_table,
            nodes=self.node_table,
            lang=language,
            _cache=dict(self._cache),  # the history has no labels: shared
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the labelled copies of the tables (they are made again when read)."""
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_labelled")}

    @property
    def history(self) -> pd.DataFrame:
        """One row per (indicator, org, period) up to ``as_of``: actual (year-to-date for a
        period still running, ``period_complete`` false), planned, achievement, planned
        achievement, status and coverage. Built on first use and kept."""
        if "history" not in self._cache:
            self._cache["history"] = self._build_history()
        return self._cache["history"]

    @property
    def points(self) -> pd.DataFrame:
        """The baselines and targets the evaluation used for each (indicator, org), after the
        precedence of DESIGN §5.7 (observations' own rows, then per-org targets summed to
        parents, then the model's): ``indicator, org, org_name, kind, period, end, value``, in the
        model's order of indicators, then by organisation and period end. Charts can draw the plan from these rather than guess
        it; built on first use and kept."""
        if "points" not in self._cache:
            src = self.history_source
            if src is None:
                table = pd.DataFrame(columns=list(POINT_COLUMNS))
            else:
                table = _own_rows_first(points_table(src, self._kept_orgs(src)), self.focus)
            self._cache["points"] = table
        return self._cache["points"]

    def _kept_orgs(self, src: HistorySource) -> npt.NDArray[np.bool_] | None:
        """Per org position of ``src``, whether this view keeps it (``None``: every org)."""
        if self.view_orgs is None:
            return None
        kept: npt.NDArray[np.bool_] = (
            pd.Series(src.orgs, dtype=object).isin(list(self.view_orgs)).to_numpy()
        )
        return kept

    def _build_history(self) -> pd.DataFrame:
        src = self.history_source
        if src is None:
            return pd.DataFrame(columns=list(HISTORY_COLUMNS))
        table = src.table(self._kept_orgs(src))
        return _own_rows_first(table, self.focus)

    # -- views -----------------------------------------------------------------------------------
    @property
    def kgi(self) -> pd.DataFrame:
        """The KGI rows of :attr:`indicators`."""
        return self.indicators[self.indicators["role"] == "KGI"].reset_index(drop=True)

    @property
    def top_level(self) -> str:
        """The name of the top level (``total`` or e.g. ``nation``; a view's own level)."""
        return self.levels[0]

    def _view(self, kept: set[object], *, focus: str | None, levels: tuple[str, ...]) -> Progress:
        """The same progress with every org-level table kept to the organisations ``kept``."""

        def keep(frame: pd.DataFrame, *, unowned: bool = False) -> pd.DataFrame:
            if "org" not in frame:
                return frame
            mask = frame["org"].astype(object).isin(list(kept))
            if unowned:  # findings about the whole model (a milestone overdue) concern every org
                mask |= frame["org"].isna()
            return _own_rows_first(frame[mask.to_numpy()].reset_index(drop=True), focus)

        return replace(
            self,
            indicators=keep(self.indicator_table),
            nodes=keep(self.node_table),
            findings=keep(self.findings, unowned=True),
            children=keep(self.children),
            orgs=keep(self.orgs),
            levels=levels,
            focus=focus,
            view_orgs=tuple(kept),
            _cache={},
        )

    def resolve_org(self, org: str) -> str:
        """The code of ``org``, given as a code, a name (``釧路町``) or a reading in kana
        (``くしろちょう``) of an organisation in this progress.

        Raises
        ------
        ModelError
            No organisation has that code or name (the message lists the nearest), or the name
            is shared (the message lists the codes).
        """
        codes = self.orgs["org"].astype(object)
        if org in set(codes.dropna().tolist()):
            return org
        names = self.orgs["org_name"].astype(object)
        hit = self.orgs[(names == org).to_numpy()]
        if not len(hit) and "org_kana" in self.orgs:  # a reading: くしろちょう, ｸｼﾛﾁｮｳ
            kana = self.orgs["org_kana"].astype(object).map(_fold, na_action="ignore")
            hit = self.orgs[(kana == _fold(org)).to_numpy()]
        if not len(hit):  # a 5-digit JIS code, or a name with its parents: 札幌市中央区
            hit = self.orgs[_codes_or_full_names(self.orgs, org)]
        if len(hit) == 1:
            return str(hit["org"].iloc[0])
        if len(hit) > 1:
            listed = ", ".join(
                f"{c} ({lv})" for c, lv in zip(hit["org"], hit["level"], strict=True)
            )
            raise ModelError(f"{len(hit)} organisations are named {org!r}: {listed}; pass the code")
        known = [str(o) for o in codes.dropna()] + [str(n) for n in names.dropna()]
        hint = ", ".join(repr(x) for x in nearest(str(org), known))
        raise ModelError(f"no org {org!r} in this progress; nearest: {hint or 'none'}")

    def at(self, level: str) -> Progress:
        """The same progress restricted to one level (e.g. ``"prefecture"``)."""
        if level not in self.levels:
            raise ModelError(f"unknown level {level!r}; levels are {', '.join(self.levels)}")
        at_level = self.orgs["level"].astype(object) == level
        kept = set(self.orgs["org"][at_level.to_numpy()].astype(object).tolist())
        return self._view(kept, focus=None, levels=(level,))

    def org(self, code: str) -> Progress:
        """The same progress about one organisation, given by code or name: its own rows first,
        then the organisations below it; ``summary()``, charts and the dashboard are about it.

        Examples
        --------
        >>> import pandas as pd, logicmodel as lm
        >>> m = lm.LogicModel(id="m", title="t", nodes=[lm.Output(id="o"), lm.Outcome(id="c")],
        ...     links=[lm.Link(source="o", target="c")],
        ...     indicators=[lm.KPI(id="n", measures="o", unit="件", targets={"FY2025": 10})])
        >>> obs = pd.DataFrame({"indicator": "n", "org": ["011011", "016616"],
        ...                     "period": "FY2024", "value": [3, 4]})
        >>> p = lm.evaluate(m, obs, hierarchy=lm.Hierarchy.japan())
        >>> hokkaido = p.org("北海道")
        >>> hokkaido.top_level, hokkaido.indicators[["org_name", "actual", "reporting", "expected"]]
        ('prefecture',       org_name  actual  reporting  expected
        0        北海道     7.0          2       179
        1        札幌市     3.0          1         1
        2        釧路町     4.0          1         1
        3        中央区     3.0          1         1)
        """
        chosen = self.resolve_org(code)
        parent = dict(
            zip(self.orgs["org"].astype(object), self.orgs["parent"].astype(object), strict=True)
        )
        kept = {o for o in parent if _under(o, chosen, parent)}
        level = str(self.orgs.loc[(self.orgs["org"] == chosen).to_numpy(), "level"].iloc[0])
        below = self.levels[self.levels.index(level) :] if level in self.levels else (level,)
        return self._view(kept, focus=chosen, levels=below)

    def select(self, *, level: str | None = None, org: str | None = None) -> Progress:
        """A view: ``org`` (code or name) and its organisations below, then only ``level``."""
        out = self.org(org) if org is not None else self
        return out.at(level) if level is not None else out

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

    def summary(self, lang: str | None = None) -> pd.DataFrame:
        """One short table a director reads: each KGI/KPI of the top level (a view's own
        organisation), numbers formatted for people (thousands separators, %), and the
        organisations behind an aggregated total (``200/1,741団体``) where not all reported.

        ``lang``: ``"en"`` or ``"ja"`` (headers and status labels); default :attr:`lang`.
        """
        language = _check_lang(self.lang if lang is None else lang)
        ja = language == "ja"
        t = self.indicator_table
        t = t[(t["level"] == self.top_level).to_numpy()]
        if self.focus is not None:
            t = t[(t["org"] == self.focus).to_numpy()]
        labels = STATUS_LABELS[language]
        heads = _SUMMARY_JA if ja else _SUMMARY_EN
        out = pd.DataFrame(
            {
                heads["indicator"]: t["indicator"].to_numpy(dtype=object),
                heads["name"]: t["name"].to_numpy(dtype=object),
                heads["role"]: t["role"].fillna("").to_numpy(dtype=object),
                heads["period"]: [_text(v) for v in t["period"].tolist()],
                heads["actual"]: [_number(v) for v in t["actual"].tolist()],
                heads["target"]: [_number(v) for v in t["target"].tolist()],
                heads["target_period"]: [_text(v) for v in t["target_period"].tolist()],
                heads["achievement"]: [_percent(v) for v in t["achievement"].tolist()],
                heads["status"]: t["status"].astype(object).map(labels).to_numpy(dtype=object),
                heads["coverage"]: _coverage_texts(t, ja),
            }
        )
        if len(self.orgs) <= 1 and self.focus is None:
            # no organisations: nothing is aggregated over anyone, so no coverage column
            return out.drop(columns=[heads["coverage"]]).reset_index(drop=True)
        name = self.orgs.set_index(self.orgs["org"].astype(object))["org_name"]
        codes = t["org"].astype(object).tolist()
        # the code when the tree has no names
        who = [n if isinstance(n := name.get(o), str) and n else o for o in codes]
        out.insert(0, heads["org"], [("" if w is None else str(w)) for w in who])
        return out.reset_index(drop=True)

    def __repr__(self) -> str:
        top = self.indicator_table
        top = top[(top["level"] == self.top_level).to_numpy()]
        if self.focus is not None:
            top = top[(top["org"] == self.focus).to_numpy()]
        counts = top["status"].value_counts()
        shown = ", ".join(f"{k} {int(v)}" for k, v in counts.items() if v)
        about = ""
        if self.focus is not None:
            row = self.orgs[(self.orgs["org"] == self.focus).to_numpy()]
            name = row["org_name"].iloc[0] if len(row) else None
            about = f" for {self.focus}" + (f" {name}" if name else "")
        cover = _coverage_texts(top, False)
        partial = sorted({c for c in cover if c})
        note = f"; reporting {', '.join(partial[:3])}" if partial else ""
        return (
            f"<Progress {self.model.id!r}{about} as of {self.as_of}: {len(top)} "
            f"{self.top_level} indicator rows ({shown}){note}; {len(self.indicator_table)} rows in all>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        table = self.summary().to_html(index=False, escape=True, na_rep="–")
        n_find = len(self.findings)
        about = ""
        if self.focus is not None:
            row = self.orgs[(self.orgs["org"] == self.focus).to_numpy()]
            about = f" — {esc(str(row['org_name'].iloc[0] if len(row) else self.focus))}"
        return (
            f"<div class='logicmodel-progress'><strong>{esc(self.model.title)}</strong>{about} "
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


def with_status_label(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with a ``status_label`` column (the ``status`` codes in ``lang``) after
    ``status``: one label per status code, taken by the categorical's codes."""
    if "status" not in table or "status_label" in table:
        return table
    labels = STATUS_LABELS[_check_lang(lang)]
    status = table["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):
        names = np.asarray([labels.get(str(c)) for c in status.cat.categories] + [None], object)
        codes = status.cat.codes.to_numpy()
        label = names[np.where(codes < 0, len(names) - 1, codes)]
    else:
        label = status.astype(object).map(labels).to_numpy(dtype=object)
    out = table.copy(deep=False)
    out.insert(list(table.columns).index("status") + 1, "status_label", label)
    return out


HISTORY_COLUMNS = (
    "indicator",
    "org",
    "org_name",
    "level",
    "period",
    "start",
    "end",
    "period_complete",
    "actual",
    "planned",
    "achievement",
    "planned_achievement",
    "status",
    "reporting",
    "expected",
    "coverage",
)

_SUMMARY_EN = {
    "org": "org",
    "indicator": "indicator",
    "name": "name",
    "role": "role",
    "period": "period",
    "actual": "actual",
    "target": "target",
    "target_period": "target period",
    "achievement": "achievement",
    "status": "status",
    "coverage": "reporting",
}
_SUMMARY_JA = {
    "org": "団体",
    "indicator": "指標",
    "name": "名称",
    "role": "区分",
    "period": "時点",
    "actual": "実績値",
    "target": "目標値",
    "target_period": "目標年度",
    "achievement": "達成率",
    "status": "状況",
    "coverage": "報告団体",
}


def _check_lang(lang: str) -> str:
    if lang not in STATUS_LABELS:
        raise ModelError(f"lang {lang!r} is not one of {', '.join(STATUS_LABELS)}")
    return lang


def _number(value: object) -> str:
    """A number for people: thousands separators, a few decimals, never ``e+06`` or ``e-07``.

    Examples
    --------
    >>> [_number(v) for v in (1234567.0, 2500.25, 61.98, 0.55, 0.00001, float("nan"))]
    ['1,234,567', '2,500.2', '61.98', '0.55', '0', '–']
    """
    if value is None or not isinstance(value, int | float) or math.isnan(value):
        return "–"
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == round(v):
        return f"{v:,.0f}"
    if abs(v) >= 1000:
        return f"{v:,.1f}"
    digits = 4 if abs(v) < 1 else 2
    return f"{v:,.{digits}f}".rstrip("0").rstrip(".")


def _codes_or_full_names(orgs: pd.DataFrame, text: str) -> npt.NDArray[np.bool_]:
    """Rows of the ``orgs`` table that ``text`` names as a 5-digit JIS code (``01100`` →
    ``011002``, full-width digits too) or as its name after its parents' names (``東京都千代田区``,
    ``札幌市中央区``, ``北海道札幌市中央区``); one pass over the organisations, not the data."""
    codes = orgs["org"].astype(object).tolist()
    key = _fold(text)
    if len(key) == 5 and key.isdigit() and key.isascii():
        return np.asarray([c == key + check_digit(key) for c in codes], dtype=bool)
    name_of = dict(zip(codes, orgs["org_name"].astype(object).tolist(), strict=True))
    parent_of = dict(zip(codes, orgs["parent"].astype(object).tolist(), strict=True))
    hits = np.zeros(len(codes), dtype=bool)
    for k, code in enumerate(codes):
        chain, at, depth = _fold(name_of.get(code) or ""), parent_of.get(code), 0
        while chain and isinstance(at, str) and name_of.get(at) and depth < 8 and not hits[k]:
            chain = _fold(name_of[at]) + chain
            hits[k] = chain == key
            at, depth = parent_of.get(at), depth + 1
    return hits


def _fold(text: object) -> str:
    """Kana folded for search: NFKC (half-width → full-width), hiragana → katakana."""
    folded = unicodedata.normalize("NFKC", str(text)).replace(" ", "").replace("\u3000", "")
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in folded)


def _text(value: object) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _percent(value: object) -> str:
    if value is None or not isinstance(value, int | float) or math.isnan(value):
        return "–"
    return f"{float(value) * 100:,.1f}%"


def coverage_text(reporting: int, expected: int, ja: bool = True) -> str:
    """``200/1,741団体`` (``200/1,741 orgs`` in English)."""
    return f"{reporting:,}/{expected:,}{'団体' if ja else ' orgs'}"


def _coverage_texts(rows: pd.DataFrame, ja: bool) -> list[str]:
    """``200/1,741団体`` for aggregated rows that not every organisation below reported, else ``""``."""
    if "coverage" not in rows:
        return [""] * len(rows)
    out = []
    for rep, exp in zip(rows["reporting"].tolist(), rows["expected"].tolist(), strict=True):
        partial = exp is not None and exp > 1 and rep < exp
        out.append(coverage_text(int(rep), int(exp), ja) if partial else "")
    return out


def _under(org: object, ancestor: object, parent: dict[object, object]) -> bool:
    """Whether ``org`` is ``ancestor`` or below it (org-sized walk up the parent chain)."""
    seen = 0
    while org is not None and seen < 64:
        if org == ancestor:
            return True
        org = parent.get(org)
        seen += 1
    return False


def _own_rows_first(frame: pd.DataFrame, focus: str | None) -> pd.DataFrame:
    """A view's own organisation's rows on top, the rest after (stable)."""
    if focus is None or "org" not in frame or not len(frame):
        return frame
    own = (frame["org"] == focus).to_numpy()
    if own.all() or not own.any():
        return frame
    order = np.concatenate([np.flatnonzero(own), np.flatnonzero(~own)])
    return frame.iloc[order].reset_index(drop=True)
