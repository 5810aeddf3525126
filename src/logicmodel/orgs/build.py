"""How a :class:`~logicmodel.orgs.Hierarchy` is built: input columns read, edges checked, arrays made.

Every way to make a hierarchy (``from_frame``, ``with_grouping``, ``japan``) ends in
:func:`hierarchy_state`, which checks the edges and returns the arrays of the new instance as the
state ``Hierarchy.__setstate__`` takes; the class lives in :mod:`logicmodel.orgs.hierarchy`, which
imports this module (never the other way round). The steps, in order: unknown parents and self
loops, cycles (a topological order), the level order, per-code attributes, the epochs with the
parent of every code in each, and the ancestors per epoch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import FormatError, ModelError, nearest
from logicmodel.orgs.index import _readonly
from logicmodel.orgs.jis import _STRING_HINT, DateLike, IntArray, ObjArray, _normalize_uniques

Days = npt.NDArray[np.datetime64]


def _to_day(value: object, *, what: str) -> np.datetime64:
    """A date-like scalar as ``datetime64[D]``."""
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError) as exc:
        raise ModelError(f"{what} {value!r} is not a date (use e.g. '2025-01-01')") from exc
    if pd.isna(stamp):
        raise ModelError(f"{what} is missing; give a date such as '2025-01-01'")
    return np.datetime64(stamp.date(), "D")


def _fmt_day(day: np.datetime64) -> str:
    return "…" if np.isnat(day) else str(day)


# --------------------------------------------------------------------------------------------
# input columns
# --------------------------------------------------------------------------------------------


def _text_column(series: pd.Series, *, column: str, allow_empty: bool) -> ObjArray:
    """A column of code text as an object array of stripped str; ``None`` for empty."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        raise FormatError(
            f"column {column!r} holds numbers ({dtype}), not text; "
            + _STRING_HINT.format(col=column),
            column=column,
        )
    values = np.asarray(series.astype(object).where(series.notna(), None), dtype=object)
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # hierarchy-sized, not data-sized
        if value is None or (isinstance(value, float) and np.isnan(value)):
            text = ""
        elif isinstance(value, str):
            text = value.strip()
        else:
            raise FormatError(
                f"value {value!r} in column {column!r} is a {type(value).__name__}, not text; "
                + _STRING_HINT.format(col=column),
                column=column,
                row=i,
            )
        if not text and not allow_empty:
            raise FormatError(f"empty code in column {column!r} at row {i}", column=column, row=i)
        out[i] = text or None
    return out


def _date_column(frame: pd.DataFrame, column: str | None, n: int) -> Days:
    if column is None:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    raw = frame[column]
    if raw.dtype.kind == "M":
        return np.asarray(raw.to_numpy(), dtype="datetime64[D]")
    values = np.asarray(raw.astype(object).where(raw.notna(), None), dtype=object)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    for i, value in enumerate(values):  # hierarchy-sized, not data-sized
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            days[i] = _to_day(value.strip() if isinstance(value, str) else value, what=column)
        except ModelError as exc:
            raise FormatError(
                f"{value!r} in column {column!r} is not a date (use e.g. '2025-01-01')",
                row=i,
                column=column,
            ) from exc
    return days


# --------------------------------------------------------------------------------------------
# edges, cycles and levels
# --------------------------------------------------------------------------------------------


def _check_parents(codes: ObjArray, parents: ObjArray, universe: list[str]) -> None:
    """Every parent is a code of the hierarchy and no code is its own parent."""
    known = set(universe)
    for i, (c, p) in enumerate(zip(codes.tolist(), parents.tolist(), strict=True)):
        if p is None:
            continue
        if p == c:
            raise ModelError(f"cycle: code {c!r} is its own parent (row {i})")
        if p not in known:
            raise ModelError(
                f"parent {p!r} of code {c!r} (row {i}) is not a code of the hierarchy (every "
                "parent needs its own row); nearest known codes: "
                + ", ".join(repr(x) for x in nearest(p, universe))
            )


def _find_cycle(parents_of: Mapping[str, set[str]], remaining: set[str]) -> list[str]:
    """A cycle among ``remaining`` codes (each has a parent in ``remaining``)."""
    start = min(remaining)
    path: list[str] = []
    seen: dict[str, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(p for p in parents_of[node] if p in remaining)
    cycle = path[seen[node] :]
    return [*cycle, node]


@dataclass(frozen=True)
class _Order:
    """The union of all edges in topological order (roots first)."""

    parents_of: dict[str, set[str]]
    order: list[str]  # every code, each after all its parents
    depth: dict[str, int]  # longest path from a root


def _topological_order(codes: ObjArray, parents: ObjArray, universe: list[str]) -> _Order:
    """Codes ordered over the union of all edges; raises on a cycle.

    Levels are fixed per code, so a cycle at any date is a cycle here, and one here is always an
    error.
    """
    parents_of: dict[str, set[str]] = {c: set() for c in universe}
    children_of: dict[str, set[str]] = {c: set() for c in universe}
    for c, p in zip(codes.tolist(), parents.tolist(), strict=True):
        if p is not None:
            parents_of[c].add(p)
            children_of[p].add(c)
    pending = {c: len(ps) for c, ps in parents_of.items()}
    queue = deque(sorted(c for c, k in pending.items() if k == 0))
    depth = dict.fromkeys(queue, 0)
    order: list[str] = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for ch in sorted(children_of[node]):
            depth[ch] = max(depth.get(ch, 0), depth[node] + 1)
            pending[ch] -= 1
            if pending[ch] == 0:
                queue.append(ch)
    if len(order) < len(universe):
        cycle = _find_cycle(parents_of, set(universe) - set(order))
        raise ModelError("cycle in the hierarchy: " + " → ".join(repr(c) for c in cycle))
    return _Order(parents_of=parents_of, order=order, depth=depth)


def _given_levels(codes: ObjArray, levels: ObjArray) -> dict[str, str]:
    """The level of each code from the level column; raises when a code has two."""
    level_of: dict[str, str] = {}
    for i, (c, lv) in enumerate(zip(codes.tolist(), levels.tolist(), strict=True)):
        prev = level_of.setdefault(c, lv)
        if prev != lv:
            raise ModelError(f"code {c!r} has two levels, {prev!r} and {lv!r} (row {i})")
    return level_of


def _level_edges(
    universe: list[str], level_of: Mapping[str, str], parents_of: Mapping[str, set[str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(parent level, child level) → one example (parent, child) edge; raises on a same-level edge."""
    level_edges: dict[tuple[str, str], tuple[str, str]] = {}
    for c in universe:
        for p in parents_of[c]:
            if level_of[p] == level_of[c]:
                raise ModelError(
                    f"code {c!r} and its parent {p!r} are both at level {level_of[c]!r}; "
                    "a parent must be at a higher level"
                )
            level_edges.setdefault((level_of[p], level_of[c]), (p, c))
    return level_edges


def _order_levels(universe: list[str], level_of: Mapping[str, str], tree: _Order) -> list[str]:
    """The given levels top first: each after the levels of its parents, ties by first seen."""
    level_edges = _level_edges(universe, level_of, tree.parents_of)
    first_seen: dict[str, int] = {}
    for c in tree.order:
        first_seen.setdefault(level_of[c], tree.depth[c] * len(universe) + len(first_seen))
    above: dict[str, set[str]] = {lv: set() for lv in first_seen}
    for lp, lc in level_edges:
        above[lc].add(lp)
    level_order: list[str] = []
    placed: set[str] = set()
    while len(level_order) < len(above):
        ready = [lv for lv in above if lv not in placed and above[lv] <= placed]
        if not ready:
            stuck = sorted(lv for lv in above if lv not in placed)
            examples = [
                f"{p!r} ({lp}) → {c!r} ({lc})"
                for (lp, lc), (p, c) in level_edges.items()
                if lp in stuck and lc in stuck
            ]
            raise ModelError(
                f"levels {stuck} have no consistent top-down order; parent → child edges: "
                + "; ".join(examples[:4])
            )
        nxt = min(ready, key=lambda lv: first_seen[lv])
        level_order.append(nxt)
        placed.add(nxt)
    return level_order


def _levels(
    codes: ObjArray, levels: ObjArray | None, universe: list[str], tree: _Order
) -> tuple[dict[str, str], list[str]]:
    """The level of each code and the level order (top first); by depth without a level column."""
    if levels is None:
        level_of = {c: f"level{tree.depth[c]}" for c in universe}
        return level_of, sorted(set(level_of.values()), key=lambda s: int(s[5:]))
    level_of = _given_levels(codes, levels)
    return level_of, _order_levels(universe, level_of, tree)


# --------------------------------------------------------------------------------------------
# arrays of the instance
# --------------------------------------------------------------------------------------------


def _attributes(
    codes: ObjArray, columns: tuple[ObjArray, ...], start: Days, pos: Mapping[str, int]
) -> tuple[ObjArray, ...]:
    """Per-code names, kana and prefixes: the latest row (by valid_from) wins."""
    order_rows = np.lexsort((np.where(np.isnat(start), np.datetime64("0001-01-01"), start),))
    out = tuple(np.full(len(pos), None, dtype=object) for _ in columns)
    for i in order_rows.tolist():
        j = pos[codes[i]]
        for column, arr in zip(columns, out, strict=True):
            if column[i] is not None:
                arr[j] = column[i]
    return out


@dataclass(frozen=True)
class _Cells:
    """One cell per (edge row, epoch it is valid in)."""

    breaks: Days  # the dates where the tree changes, sorted
    row: npt.NDArray[np.intp]  # edge row of each cell
    epoch: npt.NDArray[np.intp]
    child: npt.NDArray[np.intp]  # position of the row's code


def _cells(codes: ObjArray, start: Days, end: Days, pos: Mapping[str, int]) -> _Cells:
    bounds = np.concatenate([start[~np.isnat(start)], end[~np.isnat(end)]])
    breaks = np.unique(bounds).astype("datetime64[D]")
    n_epochs = len(breaks) + 1
    first_epoch = np.where(np.isnat(start), 0, np.searchsorted(breaks, start, side="right")).astype(
        np.intp
    )
    stop_epoch = np.where(
        np.isnat(end), n_epochs, np.searchsorted(breaks, end, side="right")
    ).astype(np.intp)
    child_pos = np.asarray([pos[c] for c in codes.tolist()], dtype=np.intp)
    lengths = stop_epoch - first_epoch
    row_of = np.repeat(np.arange(len(codes)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    cell_epoch = first_epoch[row_of] + offsets
    return _Cells(breaks=breaks, row=row_of, epoch=cell_epoch, child=child_pos[row_of])


def _check_one_parent(
    cells: _Cells, all_codes: ObjArray, parents: ObjArray, start: Days, end: Days
) -> None:
    """No code has two parent rows valid in one epoch."""
    coverage = np.zeros((len(cells.breaks) + 1, len(all_codes)), dtype=np.int32)
    np.add.at(coverage, (cells.epoch, cells.child), 1)
    if (coverage > 1).any():
        e, j = (int(x) for x in np.argwhere(coverage > 1)[0])
        rows = cells.row[(cells.epoch == e) & (cells.child == j)]
        clash = [int(r) for r in np.unique(rows).tolist()]
        desc = "; ".join(
            f"row {r}: parent {parents[r]!r}, valid [{_fmt_day(start[r])}, {_fmt_day(end[r])})"
            for r in clash
        )
        raise ModelError(
            f"code {all_codes[j]!r} has two parents valid at the same date ({desc}); "
            "make its validity intervals not overlap (valid_to is exclusive)"
        )


def _parent_by_epoch(
    cells: _Cells, all_codes: ObjArray, parents: ObjArray, pos: Mapping[str, int]
) -> npt.NDArray[np.int32]:
    """(n_epochs, n_codes) parent position, -1 for a root, -2 where the code does not exist."""
    parent_pos = np.asarray([-1 if p is None else pos[p] for p in parents.tolist()], np.int32)
    n_epochs = len(cells.breaks) + 1
    pbe = np.full((n_epochs, len(all_codes)), -2, dtype=np.int32)
    pbe[cells.epoch, cells.child] = parent_pos[cells.row]
    dangling = (pbe >= 0) & (pbe[np.arange(n_epochs)[:, None], np.maximum(pbe, 0)] == -2)
    if dangling.any():
        e, j = (int(x) for x in np.argwhere(dangling)[0])
        p = int(pbe[e, j])
        when = f"from {cells.breaks[e - 1]}" if e > 0 else f"before {cells.breaks[e]}"
        raise ModelError(
            f"code {all_codes[j]!r} points at parent {all_codes[p]!r} {when}, but "
            f"{all_codes[p]!r} does not exist then; align their valid_from/valid_to"
        )
    return pbe


def _ancestors(
    pbe: npt.NDArray[np.int32], level_idx: IntArray, n_levels: int
) -> npt.NDArray[np.int32]:
    """(n_epochs, n_codes, n_levels) ancestor position at each level, -1 for none.

    Filled one level at a time: parents are always at earlier levels.
    """
    n_epochs, n_codes = pbe.shape
    anc = np.full((n_epochs, n_codes, n_levels), -1, dtype=np.int32)
    epoch_col = np.arange(n_epochs)[:, None]
    for lv in range(n_levels):
        lo, hi = np.searchsorted(level_idx, [lv, lv + 1])
        members = np.arange(lo, hi)
        par = pbe[:, lo:hi]
        got = anc[epoch_col, np.maximum(par, 0)]  # (n_epochs, k, n_levels)
        got[par < 0] = -1
        got[..., lv] = np.where(par != -2, members[None, :], -1)
        anc[:, lo:hi] = got
    return anc


def _edges_frame(
    codes: ObjArray, parents: ObjArray, start: Days, end: Days, pos: Mapping[str, int]
) -> pd.DataFrame:
    """The edge rows in code order, then by valid_from (what ``to_frame`` shows)."""
    edges = pd.DataFrame(
        {
            "code": pd.Series(codes, dtype=object),
            "parent": pd.Series(parents, dtype=object),
            "valid_from": pd.Series(start, dtype="datetime64[s]"),
            "valid_to": pd.Series(end, dtype="datetime64[s]"),
            "_rank": np.asarray([pos[c] for c in codes.tolist()]),
        }
    )
    edges = edges.sort_values(["_rank", "valid_from"], kind="stable", na_position="first")
    return edges.drop(columns="_rank").reset_index(drop=True)


def hierarchy_state(
    *,
    codes: ObjArray,
    parents: ObjArray,
    levels: ObjArray | None,
    names: ObjArray,
    kanas: ObjArray,
    prefixes: ObjArray,
    start: Days,
    end: Days,
    as_of: np.datetime64 | None,
    jis: bool,
    counted_level: str | None = None,
) -> dict[str, Any]:
    """The state of a new ``Hierarchy`` (what ``__setstate__`` takes) from its edge rows.

    Raises :class:`~logicmodel.errors.ModelError` naming the codes and rows when the edges do
    not make a tree at every date.
    """
    if len(codes) == 0:
        raise ModelError("a hierarchy needs at least one code; the frame has no rows")
    universe = sorted(set(codes.tolist()))
    _check_parents(codes, parents, universe)
    tree = _topological_order(codes, parents, universe)
    level_of, level_order = _levels(codes, levels, universe, tree)
    rank = {lv: i for i, lv in enumerate(level_order)}
    if counted_level is not None and counted_level not in rank:
        raise ModelError(
            f"counted_level {counted_level!r} is not a level; levels are {level_order}"
        )
    counted = rank[counted_level] if counted_level is not None else len(level_order) - 1
    sorted_codes = sorted(universe, key=lambda c: (rank[level_of[c]], c))
    all_codes = np.asarray(sorted_codes, dtype=object)
    pos = {c: i for i, c in enumerate(sorted_codes)}
    level_idx = np.asarray([rank[level_of[c]] for c in sorted_codes], dtype=np.int32)
    name_arr, kana_arr, prefix_arr = _attributes(codes, (names, kanas, prefixes), start, pos)
    cells = _cells(codes, start, end, pos)
    _check_one_parent(cells, all_codes, parents, start, end)
    pbe = _parent_by_epoch(cells, all_codes, parents, pos)
    return {
        "_anc": _readonly(_ancestors(pbe, level_idx, len(level_order))),
        "_as_of": as_of,
        "_breaks": _readonly(cells.breaks),
        "_codes": _readonly(all_codes),
        "_counted": counted,
        "_edges": _edges_frame(codes, parents, start, end, pos),
        "_groupings": MappingProxyType({}),
        "_index": pd.Index(all_codes, dtype=object),
        "_jis": jis,
        "_kana": _readonly(kana_arr),
        "_level_idx": _readonly(level_idx),
        "_levels": tuple(level_order),
        "_names": _readonly(name_arr),
        "_pbe": _readonly(pbe),
        "_pos": MappingProxyType(pos),
        "_prefix": _readonly(prefix_arr),
    }


def frame_state(
    df: Any,
    *,
    child: str,
    parent: str,
    level: str | None,
    name: str | None,
    kana: str | None,
    valid_from: str | None,
    valid_to: str | None,
    as_of: DateLike | None,
    counted_level: str | None,
) -> dict[str, Any]:
    """The state of ``Hierarchy.from_frame(df, ...)``: the columns read and checked, then built."""
    if not isinstance(df, pd.DataFrame):
        to_pandas = getattr(df, "to_pandas", None)
        if to_pandas is None:
            raise FormatError(f"from_frame needs a DataFrame, got {type(df).__name__}")
        df = to_pandas()
    frame = df.reset_index(drop=True)
    wanted = {"child": child, "parent": parent, "level": level, "name": name, "kana": kana}
    wanted |= {"valid_from": valid_from, "valid_to": valid_to}
    for role, col in wanted.items():
        if col is not None and col not in frame.columns:
            raise FormatError(
                f"no {role} column {col!r}; columns are {[str(c) for c in frame.columns]}",
                column=str(col),
            )
    n = len(frame)
    codes = _text_column(frame[child], column=child, allow_empty=False)
    parents = _text_column(frame[parent], column=parent, allow_empty=True)
    levels = (
        _text_column(frame[level], column=level, allow_empty=False) if level is not None else None
    )
    names = (
        _text_column(frame[name], column=name, allow_empty=True)
        if name is not None
        else np.full(n, None, dtype=object)
    )
    kanas = (
        _text_column(frame[kana], column=kana, allow_empty=True)
        if kana is not None
        else np.full(n, None, dtype=object)
    )
    start = _date_column(frame, valid_from, n)
    end = _date_column(frame, valid_to, n)
    bad = ~np.isnat(start) & ~np.isnat(end) & (start >= end)
    if bad.any():
        row = int(np.argmax(bad))
        raise FormatError(
            f"code {codes[row]!r}: valid_from {start[row]} is not before valid_to {end[row]} "
            "(valid_to is exclusive: the first date the row no longer applies)",
            row=row,
            column=valid_from,
        )
    return hierarchy_state(
        codes=codes,
        parents=parents,
        levels=levels,
        names=names,
        kanas=kanas,
        prefixes=np.full(n, None, dtype=object),
        start=start,
        end=end,
        as_of=None if as_of is None else _to_day(as_of, what="as_of"),
        jis=False,
        counted_level=counted_level,
    )


# --------------------------------------------------------------------------------------------
# groupings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Grouping:
    level: int
    labels: ObjArray  # sorted group labels
    member: IntArray  # per hierarchy code: index into labels, -1 if none


def _grouping_pairs(
    name: str, mapping: Mapping[str, str] | pd.DataFrame, *, code: str, group: str
) -> tuple[ObjArray, ObjArray]:
    """The codes and group labels of a grouping's mapping, as text."""
    if isinstance(mapping, pd.DataFrame):
        for col in (code, group):
            if col not in mapping.columns:
                raise FormatError(
                    f"grouping frame has no column {col!r}; columns are "
                    f"{[str(c) for c in mapping.columns]}",
                    column=col,
                )
        keys = _text_column(mapping[code], column=code, allow_empty=False)
        labels = _text_column(mapping[group], column=group, allow_empty=False)
    else:
        keys = np.asarray([str(k) if isinstance(k, str) else k for k in mapping], dtype=object)
        labels = np.asarray([mapping[k] for k in mapping], dtype=object)
        for k, lab in zip(keys, labels, strict=True):
            if not isinstance(k, str) or not isinstance(lab, str) or not lab:
                raise ModelError(
                    f"grouping {name!r}: codes and labels must be non-empty text, "
                    f"got {k!r}: {lab!r}"
                )
    return keys, labels


def _grouping_level(
    name: str, keys: ObjArray, lvl: IntArray, level: str | None, levels: tuple[str, ...]
) -> int:
    """The level of a grouping's codes: ``level``, else the one they share."""
    if level is None:
        if len(np.unique(lvl)) > 1:
            found = sorted({levels[i] for i in lvl.tolist()})
            raise ModelError(
                f"grouping {name!r} mixes codes of levels {found}; group one level and pass "
                "level=..."
            )
        target = int(lvl[0]) if len(lvl) else len(levels) - 1
    else:
        if level not in levels:
            raise ModelError(f"unknown level {level!r}; levels are {list(levels)}")
        target = levels.index(level)
        off = lvl != target
        if off.any():
            k = int(np.argmax(off))
            raise ModelError(
                f"grouping {name!r}: code {keys[k]!r} is at level "
                f"{levels[int(lvl[k])]!r}, not {level!r}"
            )
    return target


def make_grouping(
    name: str,
    mapping: Mapping[str, str] | pd.DataFrame,
    *,
    level: str | None,
    code: str,
    group: str,
    existing: Mapping[str, _Grouping],
    index: pd.Index,
    levels: tuple[str, ...],
    level_idx: IntArray,
    jis: bool,
) -> _Grouping:
    """The grouping ``Hierarchy.with_grouping`` adds, checked against the hierarchy's codes.

    ``existing`` are the hierarchy's groupings, ``index`` its codes (in position order),
    ``levels`` and ``level_idx`` its levels and the level of each code.
    """
    if not isinstance(name, str) or not name:
        raise ModelError(f"grouping name must be non-empty text, got {name!r}")
    if name in existing:
        raise ModelError(f"grouping {name!r} already exists; groupings: {list(existing)}")
    keys, labels = _grouping_pairs(name, mapping, code=code, group=group)
    if jis:
        keys = _normalize_uniques(keys, np.arange(len(keys), dtype=np.intp), column=code)
    dup = pd.Series(keys).duplicated()
    if dup.any():
        raise ModelError(f"grouping {name!r}: code {keys[int(np.argmax(dup))]!r} appears twice")
    pos = index.get_indexer(pd.Index(keys))
    if (pos < 0).any():
        bad = str(keys[int(np.argmax(pos < 0))])
        raise ModelError(
            f"grouping {name!r}: unknown code {bad!r}; nearest known codes: "
            + ", ".join(repr(c) for c in nearest(bad, index.tolist()))
        )
    target = _grouping_level(name, keys, level_idx[pos], level, levels)
    uniq, inv = np.unique(labels.astype(str), return_inverse=True)
    member = np.full(len(index), -1, dtype=np.int32)
    member[pos] = inv.astype(np.int32)
    return _Grouping(
        level=target,
        labels=_readonly(np.asarray(uniq.tolist(), dtype=object)),
        member=_readonly(member),
    )
