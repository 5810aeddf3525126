"""File helpers shared by every writer: atomic writes and spreadsheet-safe cells."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from logicmodel.errors import FormatError

__all__ = ["FORMULA_PREFIXES", "atomic_path", "atomic_write", "neutralise"]

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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        raise FormatError(f"folder {str(directory)!r} does not exist", path=target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp_path, target.stat().st_mode & 0o777)
        else:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp_path, 0o666 & ~mask)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def atomic_write(
    path: str | os.PathLike[str],
    data: str | bytes | Callable[[IO[bytes]], None],
    *,
    encoding: str = "utf-8",
) -> Path:
    """Write text, bytes, or whatever ``data(fh)`` writes, to ``path`` atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, "ロジックモデル").read_text(encoding="utf-8")
    'ロジックモデル'
    """
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        if isinstance(data, str):
            fh.write(data.encode(encoding))
        elif isinstance(data, bytes):
            fh.write(data)
        else:
            data(fh)
        fh.flush()
        os.fsync(fh.fileno())
    return target
