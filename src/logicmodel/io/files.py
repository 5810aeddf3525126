"""File helpers shared by every writer: spreadsheet-safe cells, and the atomic writers.

The atomic writers live in :mod:`logicmodel.io.atomic`; they are re-exported here for the
writers that import them from this module.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, short_repr
from logicmodel.io.atomic import atomic_open, atomic_path, atomic_write, staged_directory

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_open",
    "atomic_path",
    "atomic_write",
    "neutralise",
    "read_bytes",
    "regular_file",
    "staged_directory",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection)."""


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, prefixed with ``'`` so it stays text.

    Numbers are returned unchanged (``-3`` is a number, not a formula).

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-"), neutralise(-3), neutralise("導入団体数")
    ("'-", -3, '導入団体数')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def regular_file(path: str | os.PathLike[str], *, limit: str = "data_file_bytes") -> int:
    """The size of ``path`` after checking it is a regular file within the ``limit`` (bytes).

    Called by every reader before it opens a file, so that a FIFO (which blocks ``open``),
    ``/dev/zero`` or ``/dev/urandom`` (endless), a symbolic-link loop, a folder or an oversized
    file is a :class:`~logicmodel.FormatError` naming the file, at once.

    Raises
    ------
    FormatError
        Missing, a folder, not a regular file, a symbolic-link loop, unreadable.
    LimitError
        Larger than the limit of :mod:`logicmodel.limits` named ``limit``.

    Examples
    --------
    >>> regular_file("/dev/zero")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: /dev/zero: not a regular file (a device, FIFO or socket); give the path of a file
    """
    p = Path(path)
    try:
        info = os.stat(p)
    except FileNotFoundError:
        raise FormatError("file not found", path=p) from None
    except PermissionError:
        raise FormatError("permission denied", path=p) from None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise FormatError("too many levels of symbolic links (a link loop?)", path=p) from None
        raise FormatError(f"cannot read the file: {err.strerror or err}", path=p) from None
    except ValueError as err:  # an embedded NUL in the path
        raise FormatError(f"not a usable file name: {err}", path=short_repr(str(p))) from None
    if stat.S_ISDIR(info.st_mode):
        raise FormatError("is a folder, not a file", path=p)
    if not stat.S_ISREG(info.st_mode):
        raise FormatError(
            "not a regular file (a device, FIFO or socket); give the path of a file", path=p
        )
    most = getattr(limits.current(), limit)
    if info.st_size > most:
        raise LimitError(
            f"file is {info.st_size:,} bytes, more than the limit", limit=limit, value=most, path=p
        )
    return info.st_size


def read_bytes(path: str | os.PathLike[str], *, limit: str = "data_file_bytes") -> bytes:
    """The bytes of the regular file ``path``, never more than the ``limit`` allows.

    The read itself is bounded too, so a file that grows while it is read cannot exhaust memory.
    """
    p = Path(path)
    regular_file(p, limit=limit)
    most = getattr(limits.current(), limit)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise FormatError("not a regular file (a device, FIFO or socket)", path=p)
            chunks: list[bytes] = []
            total = 0
            while total <= most:  # bounded even if the file grows while it is read
                chunk = fh.read(min(most + 1 - total, 1 << 24))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            data = b"".join(chunks)
    except PermissionError:
        raise FormatError("permission denied", path=p) from None
    except IsADirectoryError:
        raise FormatError("is a folder, not a file", path=p) from None
    except OSError as err:
        raise FormatError(f"cannot read the file: {err.strerror or err}", path=p) from None
    if len(data) > most:
        raise LimitError("file is larger than the limit", limit=limit, value=most, path=p)
    return data
