"""A model as six DataFrames (``to_frames``) and back (``from_frames``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from logicmodel.errors import (
    FormatError,
    short_repr,
)
from logicmodel.io.frames.build import RawTable, _hint, build_model
from logicmodel.io.frames.cells import (
    _blank,
    aggregation_text,
    header_lookup,
    join_items,
    match_header,
    normalise_header,
)
from logicmodel.io.frames.columns import TABLES
from logicmodel.model import LogicModel

# -- to / from frames --------------------------------------------------------------------


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    keys = [c.key for c in TABLES[name]]
    if not rows:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in keys})
    return pd.DataFrame(rows, columns=keys)


def to_frames(model: LogicModel) -> dict[str, pd.DataFrame]:
    """The model as six tables: ``model``, ``nodes``, ``links``, ``indicators``, ``targets``,
    ``milestones`` (pandas DataFrames with the English keys of :data:`TABLES` as columns).

    Multi-valued fields are joined one item per line; ``aggregation`` is text (``stock`` or
    ``time:sum,orgs:mean``); missing values are ``None``/NaN. :func:`from_frames` is the inverse.

    Examples
    --------
    >>> from logicmodel.model import LogicModel, Outcome, KPI
    >>> m = LogicModel(id="m", title="窓口", nodes=[Outcome(id="wait", stage="中期")],
    ...                indicators=[KPI(id="w", measures="wait", unit="分", targets={"FY2027": 15})])
    >>> frames = to_frames(m)
    >>> frames["nodes"][["id", "kind", "stage"]].to_dict("records")
    [{'id': 'wait', 'kind': 'outcome', 'stage': 'intermediate'}]
    >>> frames["targets"].to_dict("records")
    [{'indicator': 'w', 'period': 'FY2027', 'value': 15.0, 'note': None}]
    >>> from_frames(frames) == m
    True
    """
    model_row = {
        "id": model.id,
        "title": model.title,
        "owner": model.owner,
        "description": model.description,
        "fiscal_year_start": model.fiscal_year_start,
        "refs": join_items(model.refs),
        "tags": join_items(model.tags),
    }
    nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "stage": getattr(n, "stage", None),
            "label": n.label,
            "description": n.description,
            "owner": n.owner,
            "controllable": n.controllable,
            "assumptions": join_items(n.assumptions),
            "refs": join_items(n.refs),
            "tags": join_items(n.tags),
        }
        for n in model.nodes
    ]
    links = [
        {
            "source": link.source,
            "target": link.target,
            "weight": link.weight,
            "rationale": link.rationale,
            "assumptions": join_items(link.assumptions),
            # structured evidence (issue 13) is written as its one-line summary
            "evidence": None if link.evidence is None else str(link.evidence),
        }
        for link in model.links
    ]
    indicators: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for i in model.indicators:
        b = i.baseline
        indicators.append(
            {
                "id": i.id,
                "measures": i.measures,
                "name": i.name,
                "role": i.role,
                "unit": i.unit,
                "direction": i.direction,
                "baseline_period": b.period if b else None,
                "baseline_value": b.value if b else None,
                "baseline_note": b.note if b else None,
                "aggregation": aggregation_text(i.aggregation),
                "formula": i.formula,
                "weight": i.weight,
                "weight_by": i.weight_by,
                "frequency": i.frequency,
                "source": i.source,
                "measure": i.measure,
                "description": i.description,
                "refs": join_items(i.refs),
            }
        )
        targets.extend(
            {"indicator": i.id, "period": t.period, "value": t.value, "note": t.note}
            for t in i.targets
        )
    milestones = [
        {
            "id": m.id,
            "title": m.title,
            "due": m.due,
            "start": m.start,
            "done": m.done,
            "delivers": join_items(m.delivers),
            "service_level": m.service_level,
            "description": m.description,
            "owner": m.owner,
            "tags": join_items(m.tags),
        }
        for m in model.milestones
    ]
    return {
        "model": _frame("model", [model_row]),
        "nodes": _frame("nodes", nodes),
        "links": _frame("links", links),
        "indicators": _frame("indicators", indicators),
        "targets": _frame("targets", targets),
        "milestones": _frame("milestones", milestones),
    }


class TableError(FormatError):
    """A :class:`FormatError` located by table (or file), row and column *name*.

    Examples
    --------
    >>> str(TableError("kind 'x' is not …", sheet="nodes", row=3, column="kind"))
    "nodes: row 3, column 'kind': kind 'x' is not …"
    """

    @property
    def location(self) -> str:
        """``nodes.csv: row 3, column 'kind'``."""
        parts = [p for p in (self.path, self.sheet) if p]
        cell = ", ".join(
            x
            for x in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column!r}" if self.column is not None else "",
            )
            if x
        )
        if cell:
            parts.append(cell)
        return ": ".join(parts)


def _frame_tables(
    frames: Mapping[str, pd.DataFrame],
    make_error: Callable[[str, str, int | None, str | None], FormatError],
) -> dict[str, RawTable]:
    """Raw tables from DataFrames; ``make_error(message, table, row_pos, column)``."""
    out: dict[str, RawTable] = {}
    unknown = [name for name in frames if name not in TABLES]
    for name in unknown:
        close = difflib.get_close_matches(name, list(TABLES), n=1, cutoff=0.6)
        raise make_error(
            f"unknown table {name!r}; tables are {', '.join(TABLES)}"
            + (f"; did you mean {close[0]!r}?" if close else ""),
            name,
            None,
            None,
        )
    if "model" not in frames:
        raise make_error(
            "the 'model' table is missing (one row with id and title)", "model", None, None
        )
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise make_error(
                f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame",
                name,
                None,
                None,
            )
        lookup = header_lookup(TABLES[name])
        keys: list[str] = []
        for col in frame.columns:
            key = match_header(col, lookup)
            if key is None:
                known = [c.key for c in TABLES[name]]
                raise make_error(
                    f"unknown column {short_repr(str(col), 60)}; columns are {', '.join(known)}"
                    + (_hint(normalise_header(col), known) if len(str(col)) < 200 else ""),
                    name,
                    None,
                    str(col),
                )
            if key in keys:
                raise make_error(f"column {key!r} is given twice", name, None, str(col))
            keys.append(key)
        missing = [c.key for c in TABLES[name] if c.required and c.key not in keys]
        if missing:
            raise make_error(
                f"required column(s) missing: {', '.join(missing)}; found: "
                f"{', '.join(map(str, frame.columns)) or 'none'}",
                name,
                None,
                None,
            )
        table = RawTable(name)
        values = frame.astype(object).to_numpy().tolist()
        for row in values:
            record = dict(zip(keys, row, strict=True))
            if all(_blank(v) for v in record.values()):
                record = {}
            table.rows.append(record)
        out[name] = table
    return out


def _drop_empty(tables: dict[str, RawTable]) -> tuple[dict[str, RawTable], dict[str, list[int]]]:
    """Tables without their empty rows, and each kept row's original position."""
    kept: dict[str, list[int]] = {}
    out: dict[str, RawTable] = {}
    for name, t in tables.items():
        idx = [k for k, r in enumerate(t.rows) if r]
        kept[name] = idx
        out[name] = RawTable(name, [t.rows[k] for k in idx])
    return out, kept


def from_frames(frames: Mapping[str, pd.DataFrame]) -> LogicModel:
    """Build a model from the tables of :func:`to_frames` (the exact inverse).

    ``frames`` must hold ``model``; the other tables are optional. Columns may be named by the
    English key, the Japanese header or both; values may be typed or text.

    Raises
    ------
    FormatError
        A missing table or column, an unknown column, or a cell that cannot be read; the error
        (a :class:`TableError`) names the table, the 1-based data row and the column.

    Examples
    --------
    >>> import pandas as pd
    >>> m = from_frames({"model": pd.DataFrame({"ID": ["m"], "名称": ["窓口"]}),
    ...                  "nodes": pd.DataFrame({"id": ["a"], "種別": ["アクティビティ"]})})
    >>> m.nodes[0].kind
    'activity'
    >>> from_frames({"model": pd.DataFrame({"id": ["m"], "title": ["t"]}),
    ...              "nodes": pd.DataFrame({"id": ["a"], "kind": ["outcom"]})})
    Traceback (most recent call last):
    ...
    logicmodel.io.frames.convert.TableError: nodes: row 1, column 'kind': kind 'outcom' is not one of ...;
    did you mean 'outcome'?
    """

    def make_error(message: str, table: str, row: int | None, column: str | None) -> FormatError:
        return TableError(message, sheet=table, row=None if row is None else row + 1, column=column)

    raw, kept = _drop_empty(_frame_tables(frames, make_error))

    def locate(table: str, pos: int, key: str | None, message: str) -> FormatError:
        rows = kept.get(table, [])
        return TableError(
            message, sheet=table, row=(rows[pos] if pos < len(rows) else pos) + 1, column=key
        )

    return build_model(raw, locate)
