"""Safety limits for reading files from other agencies: ``lm.limits``.

A library embedded in agency systems reads files it did not write. Every reader refuses, quickly
and with a :class:`~logicmodel.LimitError` naming the file and the limit, an input that would take
unbounded time or memory: a YAML "billion laughs" alias bomb, a document nested thousands of levels
deep, a 5,000-digit integer, a sheet whose used range reaches XFD1048576, a zip bomb, a header of
100,000 characters.

The defaults are far above what real logic models and observation files need. Raise (or lower) a
limit for a block of code with :func:`override`; it is a context manager scoped to the current
thread or task (a :mod:`contextvars` variable), so it never changes the limits of other code
running in the same process, and nothing is read from the environment.

Examples
--------
>>> import logicmodel as lm
>>> lm.limits.current().depth
64
>>> with lm.limits.override(depth=200):
...     lm.limits.current().depth
200
>>> lm.limits.current().depth
64
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator

__all__ = ["Limits", "current", "override"]


@dataclasses.dataclass(frozen=True)
class Limits:
    """The limits in force; every field is a count (characters, bytes, nodes, rows …).

    Attributes
    ----------
    model_file_bytes
        Size of a YAML/JSON model file (50 MB).
    data_file_bytes
        Size of an observations CSV, an RS CSV or an IATI XML file (1 GB).
    yaml_nodes
        Nodes of a YAML/JSON document *after* alias expansion (1,000,000): a 10,000-node model
        has about 100,000, an alias bomb billions.
    depth
        Nesting depth of a YAML/JSON document or of a value given to a model field (64).
    int_digits
        Digits of an integer in a model file (100).
    excel_unzipped_bytes
        Uncompressed size of all the parts of an .xlsx workbook (256 MB; refuses zip bombs).
    excel_rows
        Rows of one worksheet (300,000).
    excel_columns
        Columns of one worksheet (1,000).
    excel_cells
        Cells of one worksheet's grid, last row × last column (5,000,000).
    header_chars
        Characters of one column header (1,000).
    unknown_ids_listed
        Distinct unknown ids named in one message; the rest are counted (20).
    iati_activities
        ``iati-activity`` elements in one IATI file (1,000; each becomes a model, about 2-4 ms
        apiece, so 5,000 would take 10-20 s).
    """

    model_file_bytes: int = 50 * 1024 * 1024
    data_file_bytes: int = 1024 * 1024 * 1024
    yaml_nodes: int = 1_000_000
    depth: int = 64
    int_digits: int = 100
    excel_unzipped_bytes: int = 256 * 1024 * 1024
    excel_rows: int = 300_000
    excel_columns: int = 1_000
    excel_cells: int = 5_000_000
    header_chars: int = 1_000
    unknown_ids_listed: int = 20
    iati_activities: int = 1_000


_DEFAULT = Limits()
_CURRENT: contextvars.ContextVar[Limits | None] = contextvars.ContextVar(
    "logicmodel_limits", default=None
)


def current() -> Limits:
    """The limits in force in this thread or task.

    Examples
    --------
    >>> current().yaml_nodes
    1000000
    """
    return _CURRENT.get() or _DEFAULT


@contextlib.contextmanager
def override(**changes: int) -> Iterator[Limits]:
    """Change some limits inside a ``with`` block (this thread or task only).

    Parameters
    ----------
    **changes
        Field names of :class:`Limits` and their new values (positive integers).

    Raises
    ------
    TypeError
        An unknown limit name, or a value that is not a positive integer.

    Examples
    --------
    >>> with override(excel_rows=2_000_000) as limits:
    ...     limits.excel_rows
    2000000
    """
    known = {f.name for f in dataclasses.fields(Limits)}
    for name, value in changes.items():
        if name not in known:
            raise TypeError(f"unknown limit {name!r}; the limits are {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TypeError(f"limit {name} must be a positive integer, got {value!r}")
    limits = dataclasses.replace(current(), **changes)
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)
