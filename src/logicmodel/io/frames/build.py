"""The builder shared by frames, CSV and Excel: raw tables → a ``LogicModel``, problems located."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from logicmodel.errors import (
    FormatError,
    FormatWarning,
    ModelError,
    did_you_mean,
)
from logicmodel.io.frames.cells import (
    _blank,
    _is_number,
    _num_text,
    parse_number_text,
    serial_to_date,
    split_items,
)
from logicmodel.io.frames.columns import (
    _AGG_ALIASES,
    _ALIASES,
    _BOOL,
    _GROUPS,
    _MODEL_TAGS,
    CHOICE_LABELS_JA,
    CHOICES,
    TABLES,
    Column,
    _entry_key,
)
from logicmodel.model import LogicModel

# -- the builder shared by frames, CSV and Excel -----------------------------------------

Locate = Callable[[str, int, str | None, str], FormatError]
"""``(table, position, column key, message) -> FormatError`` naming the cell as seen at source."""


@dataclass
class RawTable:
    """The cells of one table as read: one dict (column key → raw value) per non-empty row."""

    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)


class _Problems:
    """Cell problems collected while reading, raised together with the first one's location."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.items: list[FormatError] = []

    def add(self, table: str, pos: int, key: str | None, message: str) -> None:
        self.items.append(self.locate(table, pos, key, message))

    def raise_if_any(self, cause: BaseException | None = None) -> None:
        if not self.items:
            return
        first = self.items[0]
        if len(self.items) > 1:
            more = "\n  ".join(str(e) for e in self.items[1:21])
            extra = f" (and {len(self.items) - 21} more)" if len(self.items) > 21 else ""
            first.message = (
                f"{first.message}\n  {len(self.items) - 1} more problem(s):\n  {more}{extra}"
            )
            first.args = (first.message,)
        raise first from cause


class _Cells:
    """Converters from raw cell values to field values, recording problems."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems

    def text(self, v: Any) -> str | None:
        if _blank(v):
            return None
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if _is_number(v):
            return _num_text(v)
        if isinstance(v, dt.datetime):
            return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v).strip()

    def ident(self, v: Any, where: tuple[str, int, str]) -> str | None:
        if _blank(v):
            return None
        if isinstance(v, bool) or _is_number(v):
            shown = _num_text(v) if not isinstance(v, bool) else str(v).upper()
            self.problems.add(
                *where,
                f"id {shown} is a number; ids start with a letter, kana or kanji "
                f"(for example 'n{shown}'): enter the id as text",
            )
            return None
        return self.text(v)

    def number(self, v: Any, where: tuple[str, int, str]) -> float | None:
        if _blank(v):
            return None
        if _is_number(v):
            return float(v)
        if isinstance(v, str):
            got = parse_number_text(v)
            if got is not None:
                return got
        self.problems.add(*where, f"{self.text(v)!r} is not a number")
        return None

    def integer(self, v: Any, where: tuple[str, int, str]) -> int | None:
        f = self.number(v, where)
        if f is None:
            return None
        if not f.is_integer():
            self.problems.add(*where, f"{_num_text(f)} is not a whole number")
            return None
        return int(f)

    def boolean(self, v: Any, where: tuple[str, int, str]) -> bool | None:
        if _blank(v):
            return None
        if isinstance(v, bool):
            return v
        if _is_number(v) and float(v) in (0.0, 1.0):
            return bool(v)
        key = unicodedata.normalize("NFKC", str(v)).strip().casefold()
        if key in _BOOL:
            return _BOOL[key]
        self.problems.add(*where, f"{self.text(v)!r} is not TRUE or FALSE")
        return None

    def choice(self, v: Any, name: str, where: tuple[str, int, str], label: str) -> str | None:
        text = self.text(v)
        if text is None:
            return None
        key = _entry_key(unicodedata.normalize("NFKC", text).strip())
        allowed = CHOICES[name]
        if key.casefold() in allowed:
            return key.casefold()
        if key in _ALIASES.get(name, {}):
            return _ALIASES[name][key]
        self.problems.add(
            *where,
            f"{label} {text!r} is not one of {', '.join(allowed)}" + _hint(key.casefold(), allowed),
        )
        return None

    def aggregation(self, v: Any, where: tuple[str, int, str]) -> str | dict[str, str] | None:
        text = self.text(v)
        if text is None:
            return None
        t = _entry_key(unicodedata.normalize("NFKC", text).strip())
        if t.casefold() in ("stock", "flow", "mean") or t in _AGG_ALIASES:
            return _AGG_ALIASES.get(t, t.casefold())
        parts = [p for p in re.split(r"[,;、]+", re.sub(r"\s+", "", t.casefold())) if p]
        out: dict[str, str] = {}
        for p in parts:
            k, sep, val = p.replace("=", ":").partition(":")
            if not sep or k not in ("time", "orgs") or k in out:
                out = {}
                break
            out[k] = val
        times, orgs = ("sum", "last", "mean", "min", "max"), ("sum", "mean", "min", "max", "none")
        if out and out.get("time", "last") in times and out.get("orgs", "sum") in orgs:
            return out
        self.problems.add(
            *where,
            f"aggregation {text!r} is not stock, flow, mean or "
            "'time:<sum|last|mean|min|max>,orgs:<sum|mean|min|max|none>'",
        )
        return None

    def period(self, v: Any, where: tuple[str, int, str]) -> Any:
        if _blank(v):
            return None
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date | str):
            return v.strip() if isinstance(v, str) else v
        if _is_number(v):
            f = float(v)
            if f.is_integer() and 10_000 <= f <= 2_958_465:
                return serial_to_date(f)
            if f.is_integer():
                return str(int(f))
            self.problems.add(
                *where, f"{_num_text(f)} is not a period (FY2024, 2024-06, 令和6年度 …)"
            )
            return None
        return self.text(v)

    def items(self, v: Any) -> tuple[str, ...]:
        if isinstance(v, list | tuple):
            return tuple(str(x).strip() for x in v if not _blank(x))
        text = self.text(v)
        return () if text is None else split_items(text)

    def ids(self, v: Any, where: tuple[str, int, str]) -> tuple[str, ...]:
        if isinstance(v, list | tuple):
            return tuple(str(x).strip() for x in v if not _blank(x))
        if _blank(v):
            return ()
        if _is_number(v):
            self.ident(v, where)
            return ()
        text = self.text(v) or ""
        return tuple(s for s in re.split(r"[\s,、，;；]+", text) if s)


def _hint(word: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def build_model(tables: Mapping[str, RawTable], locate: Locate) -> LogicModel:
    """Build a model from raw tables; every problem is a ``FormatError`` naming its cell.

    ``tables`` must hold ``model``; the others are optional (absent means empty). Errors raised by
    the model itself (bad unit, unknown id, duplicate id …) are mapped back to the table row and
    column the value came from.
    """
    build = _Build(tables, locate)
    data = build.model_row()
    nodes = build.nodes()
    links = build.links()
    indicators, by_id = build.indicators()
    build.targets(indicators, by_id)
    milestones = build.milestones()
    problems = build.problems
    if problems.items:  # report unknown ids with the cell errors, in one pass
        _reference_problems(problems, nodes, links, indicators, build.origin)
    problems.raise_if_any()
    data.update(nodes=nodes, links=links, indicators=indicators, milestones=milestones)
    try:
        return LogicModel.model_validate(data)
    except ModelError as err:
        build.map_errors(err)
        problems.raise_if_any(err)
        raise  # pragma: no cover - raise_if_any always raises here


class _Build:
    """The rows of each table converted cell by cell, with the row each item came from
    (``origin``: (group, item) → row; ``target_origin``: (indicator, target) → row)."""

    def __init__(self, tables: Mapping[str, RawTable], locate: Locate) -> None:
        self.tables = tables
        self.locate = locate
        self.problems = _Problems(locate)
        self.cells = _Cells(self.problems)
        self.columns = {name: {c.key: c for c in cols} for name, cols in TABLES.items()}
        self.origin: dict[tuple[str, int], int] = {}
        self.target_origin: dict[tuple[int, int], int] = {}

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.tables[table].rows if table in self.tables else []

    def convert(self, table: str, pos: int, row: Mapping[str, Any]) -> dict[str, Any]:
        """The non-empty cells of a row as model fields; a required empty cell is a problem."""
        out: dict[str, Any] = {}
        for key, col in self.columns[table].items():
            if key not in row and not col.required:
                continue
            raw = row.get(key)
            value = self.value(col, raw, (table, pos, key))
            if value is not None:
                out[key] = value
            elif key == "title" and _blank(raw):
                out[key] = ""  # a title may be empty text; the column itself is required
            elif col.required and _blank(raw):
                self.problems.add(
                    table, pos, key, f"{key} is required ({col.ja}) but the cell is empty"
                )
        return out

    def value(self, col: Column, raw: Any, where: tuple[str, int, str]) -> Any:
        """One cell read by the kind of its column."""
        cells, kind = self.cells, col.kind
        if kind == "id":
            return cells.ident(raw, where)
        if kind in ("text", "kind"):
            value = cells.text(raw)
            if value is not None and col.choices in CHOICE_LABELS_JA:
                value = _entry_key(value)  # 中期 (intermediate) from the drop-down
            return value
        if kind == "number":
            return cells.number(raw, where)
        if kind == "int":
            return cells.integer(raw, where)
        if kind == "bool":
            return cells.boolean(raw, where)
        if kind == "choice":
            return cells.choice(raw, col.choices or where[2], where, where[2])
        if kind == "aggregation":
            return cells.aggregation(raw, where)
        if kind in ("period", "date"):
            return cells.period(raw, where)
        if kind == "list":
            return cells.items(raw) or None
        if kind == "ids":
            return cells.ids(raw, where) or None
        return cells.text(raw)  # pragma: no cover - every kind is listed above

    def model_row(self) -> dict[str, Any]:
        """The model table's one row."""
        model_rows = self.rows("model")
        if not model_rows:
            self.problems.add(
                "model", 0, "id", "the model table has no row: give at least id and title"
            )
            self.problems.raise_if_any()
        for pos in range(1, len(model_rows)):
            self.problems.add(
                "model", pos, "id", "the model table has more than one row; a file holds one model"
            )
        return self.convert("model", 0, model_rows[0])

    def nodes(self) -> list[dict[str, Any]]:
        """The nodes with their kind; a stage on a node that is no outcome is a problem."""
        nodes: list[dict[str, Any]] = []
        for pos, row in enumerate(self.rows("nodes")):
            item = self.convert("nodes", pos, row)
            kind = self.cells.choice(row.get("kind"), "kind", ("nodes", pos, "kind"), "kind")
            if kind is None:
                continue
            item["kind"] = kind
            if kind != "outcome" and "stage" in item:
                self.problems.add(
                    "nodes",
                    pos,
                    "stage",
                    f"stage {item['stage']!r} is only for outcomes; "
                    f"node {item.get('id')!r} is an {kind}: leave the cell empty",
                )
            self.origin[("nodes", len(nodes))] = pos
            nodes.append(item)
        return nodes

    def links(self) -> list[dict[str, Any]]:
        links: list[dict[str, Any]] = []
        for pos, row in enumerate(self.rows("links")):
            self.origin[("links", len(links))] = pos
            links.append(self.convert("links", pos, row))
        return links

    def indicators(self) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """The indicators with their baseline (a value needs a period and the other way round),
        and the position of each id."""
        indicators: list[dict[str, Any]] = []
        by_id: dict[str, int] = {}
        for pos, row in enumerate(self.rows("indicators")):
            item = self.convert("indicators", pos, row)
            if "direction" not in item:
                item["direction"] = None
            period = item.pop("baseline_period", None)
            value = item.pop("baseline_value", None)
            note = item.pop("baseline_note", None)
            if period is not None or value is not None or note is not None:
                if period is None and _blank(row.get("baseline_period")):
                    self.problems.add(
                        "indicators",
                        pos,
                        "baseline_period",
                        "the baseline has a value but no period",
                    )
                elif value is None and _blank(row.get("baseline_value")):
                    self.problems.add(
                        "indicators",
                        pos,
                        "baseline_value",
                        "the baseline has a period but no value",
                    )
                item["baseline"] = {"period": period, "value": value, "note": note}
            item["targets"] = []
            self.origin[("indicators", len(indicators))] = pos
            if "id" in item:
                by_id.setdefault(item["id"], len(indicators))
            indicators.append(item)
        return indicators, by_id

    def targets(self, indicators: list[dict[str, Any]], by_id: Mapping[str, int]) -> None:
        """Each target row added to its indicator; a row with a period and no value yet is left
        out with a ``FormatWarning`` (people enter the year first and the value when decided)."""
        for pos, row in enumerate(self.rows("targets")):
            if _blank(row.get("value")) and not _blank(row.get("period")):
                warnings.warn(
                    str(
                        self.locate(
                            "targets",
                            pos,
                            "value",
                            "the target has a period but no value yet; "
                            "the row is left out until a value is entered",
                        )
                    ),
                    FormatWarning,
                    stacklevel=4,  # the caller of the reader that called build_model
                )
                continue
            item = self.convert("targets", pos, row)
            ind = item.pop("indicator", None)
            if ind is None:
                continue
            if ind not in by_id:
                self.problems.add(
                    "targets",
                    pos,
                    "indicator",
                    f"unknown indicator {ind!r}{did_you_mean(ind, by_id)}",
                )
                continue
            k = by_id[ind]
            self.target_origin[(k, len(indicators[k]["targets"]))] = pos
            indicators[k]["targets"].append(item)

    def milestones(self) -> list[dict[str, Any]]:
        milestones: list[dict[str, Any]] = []
        for pos, row in enumerate(self.rows("milestones")):
            item = self.convert("milestones", pos, row)
            self.origin[("milestones", len(milestones))] = pos
            milestones.append(item)
        return milestones

    def map_errors(self, err: ModelError) -> None:
        """The model's validation errors as problems of the cells their values came from."""
        for e in err.errors():
            table, pos, key = _cell_of(tuple(e.get("loc", ())), self.origin, self.target_origin)
            msg = str(e["msg"])
            rows = self.rows(table)
            raw = rows[pos].get(key or "") if pos < len(rows) else None
            shown = self.cells.text(raw)
            if shown is not None and shown not in msg:
                msg = f"{msg} (got {shown!r})"
            self.problems.add(table, pos, key, msg)


def _reference_problems(
    problems: _Problems,
    nodes: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    indicators: Sequence[Mapping[str, Any]],
    origin: Mapping[tuple[str, int], int],
) -> None:
    """Links and ``measures`` naming unknown node ids, as cell problems (the model would find
    them only once every cell reads)."""
    known = {str(n["id"]) for n in nodes if "id" in n}
    for k, link in enumerate(links):
        for key in ("source", "target"):
            name = link.get(key)
            if name is not None and str(name) not in known:
                problems.add(
                    "links",
                    origin.get(("links", k), k),
                    key,
                    f"unknown node {name!r}{did_you_mean(str(name), known)}",
                )
    for k, ind in enumerate(indicators):
        name = ind.get("measures")
        if name is not None and str(name) not in known:
            problems.add(
                "indicators",
                origin.get(("indicators", k), k),
                "measures",
                f"unknown node {name!r}{did_you_mean(str(name), known)}",
            )


def _cell_of(
    loc: tuple[Any, ...],
    origin: Mapping[tuple[str, int], int],
    target_origin: Mapping[tuple[int, int], int],
) -> tuple[str, int, str | None]:
    """The (table, row position, column key) a pydantic ``loc`` came from."""
    if len(loc) >= 2 and loc[0] in _GROUPS and isinstance(loc[1], int):
        group, k = str(loc[0]), loc[1]
        rest = [x for x in loc[2:] if x not in _MODEL_TAGS]
        pos = origin.get((group, k), 0)
        if (
            group == "indicators"
            and rest[:1] == ["targets"]
            and len(rest) >= 2
            and isinstance(rest[1], int)
        ):
            key = rest[2] if len(rest) > 2 and isinstance(rest[2], str) else "period"
            return "targets", target_origin.get((k, rest[1]), 0), key
        if group == "indicators" and rest[:1] == ["baseline"]:
            sub = rest[1] if len(rest) > 1 and isinstance(rest[1], str) else "period"
            return "indicators", pos, f"baseline_{sub}"
        field = rest[0] if rest and isinstance(rest[0], str) else None
        return group, pos, field or ("source" if group == "links" else "id")
    key = loc[0] if loc and isinstance(loc[0], str) else "id"
    return "model", 0, key
