"""One input column at a time: names, codes of distinct values, text and numbers (DESIGN §3 row 3).

The pandas intake, the engine front end and the file readers share these helpers, so a column
means the same thing whichever way the observations came in. Everything works per distinct value:
a column is factorised once (by Arrow for Arrow-backed text; one value per run when equal values
come in runs, as in a table sorted by indicator and org) and the rule of
:mod:`logicmodel.intake.values` runs over the distinct spellings only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.errors import FormatError, short_repr
from logicmodel.intake.values import parse_numbers, standard_column

__all__ = [
    "arrow_floats",
    "arrow_text",
    "as_numbers",
    "as_text",
    "factorize",
    "is_number_column",
    "standard_columns",
    "text_codes",
    "undictionary",
]


def undictionary(column: Any) -> Any:
    """An Arrow column with dictionary encoding (polars Categorical/Enum, ``pa.dictionary``)
    decoded to its values (string views as large strings); other columns as they are."""
    import pyarrow as pa

    kind = column.type
    if not pa.types.is_dictionary(kind):
        return column
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([undictionary(c) for c in column.chunks], type=_decoded(kind))
    dictionary = column.dictionary
    if pa.types.is_string_view(dictionary.type):  # no take kernel for string views
        dictionary = dictionary.cast(pa.large_string())
    return dictionary.take(column.indices)


def _decoded(kind: Any) -> Any:
    import pyarrow as pa

    values = kind.value_type
    return pa.large_string() if pa.types.is_string_view(values) else values


def standard_columns(names: Sequence[Any]) -> dict[str, Any]:
    """Map of standard name → actual column name among ``names``."""
    out: dict[str, Any] = {}
    for col in names:
        std = standard_column(col)
        if std is not None and std in out:
            # two columns for one meaning (value and 値, or value twice): one would be dropped
            raise FormatError(
                f"columns {short_repr(str(out[std]), 40)} and {short_repr(str(col), 40)} are both "
                f"the {std} column; keep one",
                column=str(col)[:40],
            )
        if std is not None:
            out[std] = col
    return out


def factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct values, in order of first appearance.

    Arrow-backed text (pandas ``str``, polars, duckdb, pyarrow input) is dictionary-encoded by
    Arrow itself: int32 codes, no Python object per row.
    """
    chunked = arrow_text(series)
    if chunked is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        runs = _factorize_runs(chunked)
        if runs is not None:
            return runs
        encoded = pc.dictionary_encode(chunked)
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=object)
        if encoded.num_chunks > 1:
            encoded = encoded.unify_dictionaries()
        indices = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
        codes: np.ndarray = pc.fill_null(indices, -1).to_numpy()
        distinct = encoded.chunk(0).dictionary.to_numpy(zero_copy_only=False)
        return codes, np.asarray(distinct, dtype=object)
    raw_codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return raw_codes.astype(np.int32), np.asarray(uniques, dtype=object)


_RUN_SAMPLE = 1 << 16
"""Rows looked at to decide whether a text column comes in runs of equal values."""


def _factorize_runs(chunked: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`factorize` of an Arrow text column whose equal values mostly come in runs (a long
    table sorted by indicator, then org): one comparison of neighbours finds the runs, only the
    first value of each run is dictionary-encoded and the codes are repeated over the runs.
    String views (polars) qualify when every value is inlined in its view (12 bytes or less):
    neighbours are compared as two integers per view. ``None`` (use plain dictionary encoding)
    for longer views, a column with nulls or several chunks, or runs shorter than four rows on
    average in its first rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = chunked.type
    plain = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if not (plain or pa.types.is_string_view(kind)):
        return None
    if chunked.num_chunks != 1 or chunked.null_count or len(chunked) < 2:
        return None
    column = chunked.chunk(0)
    n = len(column)
    head = min(n, _RUN_SAMPLE)
    views = None if plain else _inline_views(column, head)
    if not plain and views is None:
        return None
    if _run_starts(column, views, head).size * 4 > head:
        return None
    if not plain and _inline_views(column, n) is None:
        return None
    starts = _run_starts(column, views, n)
    if starts.size * 4 > n:
        return None
    firsts = column.take(starts) if views is None else _inline_strings(views[starts])
    encoded = pc.dictionary_encode(firsts)
    run_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    codes: np.ndarray = np.repeat(run_codes, np.diff(np.append(starts, n)))
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    return codes, np.asarray(distinct, dtype=object)


def _run_starts(column: Any, views: np.ndarray | None, rows: int) -> np.ndarray:
    """Positions among the first ``rows`` where a run of equal values begins (the first row, and
    every row that differs from the one before)."""
    if views is None:
        import pyarrow.compute as pc

        head = column.slice(0, rows)
        differs = pc.not_equal(head.slice(1), head.slice(0, rows - 1))
        changed = np.flatnonzero(differs.to_numpy(zero_copy_only=False))
    else:
        v = views[:rows]
        apart = v[1:, 0] != v[:-1, 0]
        apart |= v[1:, 1] != v[:-1, 1]
        changed = np.flatnonzero(apart)
    return np.concatenate(([0], changed + 1))


def _inline_views(column: Any, rows: int) -> np.ndarray | None:
    """A string-view array's 16-byte views as (n, 2) uint64 when each of the first ``rows``
    values is inlined in its view (length, then up to 12 bytes: equal views are equal strings),
    else ``None``."""
    import sys

    if sys.byteorder != "little":
        return None
    start, n = column.offset, len(column)
    raw = np.frombuffer(column.buffers()[1], dtype=np.uint64)[2 * start : 2 * (start + n)]
    views = raw.reshape(n, 2)
    if int(views[:rows].view(np.int32)[:, 0].max()) > 12:  # the length: the view's first int32
        return None
    return views


def _inline_strings(views: np.ndarray) -> Any:
    """The strings inlined in these views, as an Arrow large-string array."""
    import pyarrow as pa

    lengths = views.view(np.int32)[:, 0].astype(np.int64)
    inline = views.view(np.uint8)[:, 4:16]
    data = inline[np.arange(12) < lengths[:, None]]  # each string's bytes, in order
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    return pa.Array.from_buffers(pa.large_string(), len(views), buffers)


def is_number_column(series: pd.Series) -> bool:
    """Whether a column holds integers or floats, also as the categories of a categorical (for
    Arrow string views and dictionaries without pandas' help)."""
    array = series.array
    if isinstance(array, pd.arrays.ArrowExtensionArray):
        import pyarrow as pa

        kind = array.__arrow_array__().type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return bool(pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype))


def text_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct strings (NFKC, stripped) they point to."""
    codes, uniques = factorize(series)
    cleaned = [unicodedata.normalize("NFKC", str(u)).strip() or None for u in uniques]
    merged, distinct = pd.factorize(pd.Series(cleaned, dtype=object), use_na_sentinel=True)
    if np.array_equal(merged, np.arange(len(uniques))):  # nothing merged: the codes as they are
        own = codes.astype(np.int32, copy=not codes.flags.writeable)  # writable, as a take gives
        return own, np.asarray(distinct, dtype=object)
    # spellings that normalise alike share a code; int32 halves the per-row memory of int64 codes
    table = np.append(merged, -1).astype(np.int32)
    return table[codes], np.asarray(distinct, dtype=object)


def as_text(series: pd.Series) -> np.ndarray:
    """Strings (NFKC, stripped) with ``None`` for missing, per distinct value."""
    codes, distinct = text_codes(series)
    table = np.empty(len(distinct) + 1, dtype=object)
    table[:-1] = distinct
    table[-1] = None
    out: np.ndarray = table[codes]
    return out


def arrow_text(series: pd.Series) -> Any:
    """The column as an Arrow text ``ChunkedArray`` (dictionaries decoded) when it is Arrow-backed
    text (pandas ``str``, polars, duckdb, pyarrow input), else ``None``."""
    array = series.array
    if not isinstance(array, pd.arrays.ArrowExtensionArray):
        return None
    import pyarrow as pa

    chunked = undictionary(array.__arrow_array__())
    kind = chunked.type
    text = (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )
    return chunked if text else None


def arrow_floats(series: pd.Series) -> np.ndarray | None:
    """An Arrow text column cast to float64 in one pass when every cell is a plain finite number
    or blank (the usual CSV); ``None`` when any cell needs the rule cell by cell."""
    chunked = arrow_text(series)
    if chunked is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string_view(chunked.type):
        chunked = chunked.cast(pa.large_string())
    try:
        cast = pc.cast(chunked, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values: np.ndarray = np.array(cast.to_numpy(), dtype=np.float64)  # writable (units scale it)
    # NaN from a non-blank cell ("NAN", "nan") or an infinity: leave those to the rule
    if not np.isfinite(values[~np.asarray(cast.is_null())]).all():
        return None
    return values


def as_numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """float64 values and a mask of non-blank values that are not numbers."""
    if pd.api.types.is_bool_dtype(series):
        values = np.full(len(series), np.nan)
        return values, np.ones(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan).copy()
        bad = ~np.isfinite(values) & ~np.isnan(values)
        values[bad] = np.nan
        return values, bad
    whole = arrow_floats(series)
    if whole is not None:
        return whole, np.zeros(len(whole), dtype=bool)
    codes, uniques = factorize(series)
    parsed = np.full(len(uniques) + 1, np.nan)
    bad_u = np.zeros(len(uniques) + 1, dtype=bool)
    # plain numbers in text ("12.5", "-3", "1e4") are parsed by pandas' C parser in one call;
    # the rest (blank, "1,234", full-width digits, words) by intake.values below
    slow = np.ones(len(uniques), dtype=bool)
    if arrow_text(series) is not None:
        texts = np.ones(len(uniques), dtype=bool)  # the distinct values of Arrow text are str
    else:
        texts = np.fromiter((type(u) is str for u in uniques), dtype=bool, count=len(uniques))
    if texts.any():
        where = np.flatnonzero(texts)
        fast = pd.to_numeric(pd.Series(uniques[where], dtype=object), errors="coerce")
        fast_values = fast.to_numpy(dtype=np.float64, na_value=np.nan)
        done = np.isfinite(fast_values)
        parsed[where[done]] = fast_values[done]
        slow[where[done]] = False
    rest = np.flatnonzero(slow)
    if len(rest):  # blanks, "1,234", "▲5", full-width digits, words: the one rule of intake.values
        parsed[rest], _, bad_u[rest] = parse_numbers(uniques[rest])
    parsed[-1] = np.nan
    bad_u[-1] = False
    return parsed[codes], bad_u[codes]
