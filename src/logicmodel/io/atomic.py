"""Atomic, durable writes: the one way logicmodel writes a file or a folder.

Every writer of the package (``lm.dump``, ``lm.io.write_*``, ``lm.io.to_csv``, ``lm.dashboard``,
the command line) goes through this module, so they all keep the same promises:

- **atomic**: bytes go to a temporary file beside the target (``.<name>.<random>.tmp``), which is
  flushed, ``fsync``-ed and renamed over the target in one step; the folder is then ``fsync``-ed
  too, so a reader sees the old file or the new one, never a partial one, and a power cut after
  the call returns keeps the new file;
- **honest about the target**: a symbolic link is followed and its target replaced (the link
  stays a link); ``/dev/null``, ``/dev/stdout``, a FIFO or another non-regular file is written
  in place; a replaced file keeps its permission bits (and, when allowed, its owner); a read-only
  file is refused unless ``overwrite=True``;
- **clean**: the temporary file is removed on every error and on ``KeyboardInterrupt`` (and on
  ``SIGTERM`` in the command line, which turns it into an exception);
- **one error type**: every failure is a :class:`~logicmodel.WriteError` (a
  :class:`~logicmodel.LogicModelError` and an :class:`OSError` with ``errno``) naming the path
  the caller gave and the cause (disk full, read-only file system, permission, a parent that is
  a file, a target that is a folder).

The API, for writers inside and outside the package:

- :func:`atomic_write` ``(path, data)`` writes text, bytes or a callback's output;
- :func:`atomic_open` ``(path, mode)`` is a context manager giving a file object;
- :func:`atomic_path` ``(path)`` gives a temporary *path*, for libraries that open files
  themselves;
- :func:`staged_directory` ``(path)`` gives a temporary folder to fill; on success its files move
  into ``path`` (created, or merged into an existing folder without touching other files), on
  failure nothing is left behind;
- :func:`write_error` turns an :class:`OSError` into the :class:`~logicmodel.WriteError` for a
  target.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_open(folder / "a.txt", "w", encoding="utf-8") as fh:
...     _ = fh.write("ロジックモデル")
>>> (folder / "a.txt").read_text(encoding="utf-8")
'ロジックモデル'
>>> with staged_directory(folder / "out") as stage:
...     _ = atomic_write(stage / "one.csv", "a\\n1\\n")
>>> sorted(p.name for p in folder.iterdir())
['a.txt', 'out']
"""

from __future__ import annotations

import contextlib
import errno as E
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from logicmodel.errors import WriteError

__all__ = ["atomic_open", "atomic_path", "atomic_write", "staged_directory", "write_error"]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC | getattr(os, "O_BINARY", 0)
# non-regular targets (a device, a FIFO, the terminal, a redirected stdout) are written in place;
# O_APPEND keeps a redirected stdout (``> file`` or ``>> file``) from being overwritten at offset 0
_DIRECT_FLAGS = os.O_WRONLY | os.O_APPEND | _CLOEXEC | getattr(os, "O_BINARY", 0)
_MAX_LINKS = 40
_NOT_SYNCABLE = frozenset({E.EINVAL, E.ENOTSUP, E.EOPNOTSUPP, E.EBADF, E.EACCES, E.EPERM})

_REASONS: dict[int, str] = {
    E.ENOSPC: "the disk is full (no space left on device)",
    E.EDQUOT: "the disk quota is exceeded",
    E.EROFS: "the file system is read-only",
    E.EISDIR: "it is a folder, not a file",
    E.EFBIG: "the file is too large for the file system",
    E.ENAMETOOLONG: "the file name is too long",
    E.ELOOP: "too many levels of symbolic links (a link loop?)",
    E.EIO: "input/output error (is the disk failing or removed?)",
    E.EXDEV: "the temporary file and the target are on different file systems",
    E.EBUSY: "the target is busy (a mount point or a file in use)",
}
_READ_ONLY_HINT = "pass overwrite=True (on the command line: --force) to replace it"


@dataclass(frozen=True)
class _Target:
    """Where a write goes: ``user`` as given (for messages), ``real`` after symlinks."""

    user: Path
    real: Path
    stat: os.stat_result | None  # of ``real``; None when it does not exist yet
    direct: bool  # not a regular file: written in place through ``user``


# ------------------------------------------------------------------------------------- errors


def _first_problem_parent(path: Path) -> tuple[int, str] | None:
    """Why the folder of ``path`` cannot hold a file: a parent that is a file, or is missing."""
    missing: Path | None = None
    for parent in path.parents:
        try:
            st = os.stat(parent)
        except FileNotFoundError:
            missing = missing or parent  # name the nearest missing folder, the one meant
            continue
        except NotADirectoryError:
            continue  # an ancestor further up is a file; found on a later step
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return E.ENOTDIR, f"{str(parent)!r} is a file, not a folder"
        if missing is not None:
            return E.ENOENT, f"folder {str(missing)!r} does not exist"
        return None
    return None


def write_error(err: OSError, path: str | os.PathLike[str]) -> WriteError:
    """The :class:`~logicmodel.WriteError` for ``err`` raised while writing ``path``.

    The message names ``path`` (never a temporary file) and says the cause in words.

    Examples
    --------
    >>> import errno
    >>> print(write_error(OSError(errno.ENOSPC, "No space left on device"), "out.csv"))
    cannot write 'out.csv': the disk is full (no space left on device)
    >>> print(write_error(OSError(errno.ENOENT, "No such file"), "/no/such/dir/x.csv"))
    cannot write '/no/such/dir/x.csv': folder '/no/such/dir' does not exist
    """
    if isinstance(err, WriteError):
        return err
    target = Path(path)
    code = err.errno
    if code in (E.ENOENT, E.ENOTDIR, E.EACCES, E.EPERM):
        found = _first_problem_parent(target)
        if found is not None:
            return WriteError(path, found[1], errno=found[0])
    if code in (E.EACCES, E.EPERM):
        folder = target.parent
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            reason = f"permission denied: folder {str(folder)!r} is not writable"
            if code == E.EPERM:
                reason += " (is it immutable?)"
        elif code == E.EPERM:
            reason = "operation not permitted (is the file or its folder immutable?)"
        else:
            reason = "permission denied"
        return WriteError(path, reason, errno=code)
    if code is not None and code in _REASONS:
        return WriteError(path, _REASONS[code], errno=code)
    text = err.strerror or str(err) or type(err).__name__
    return WriteError(path, text[0].lower() + text[1:], errno=code)


def _about(err: BaseException, *paths: Path | None) -> bool:
    """Whether ``err`` is an OSError about writing one of ``paths`` (or about no file at all)."""
    if not isinstance(err, OSError) or isinstance(err, WriteError):
        return False
    names = {err.filename, getattr(err, "filename2", None)} - {None}
    if not names:
        return True
    known = {os.fspath(p) for p in paths if p is not None}
    return any(os.fspath(n) in known for n in names if isinstance(n, str | os.PathLike))


# ----------------------------------------------------------------------------- the target


def _names_a_descriptor(path: Path) -> bool:
    """``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``: the file an open descriptor is on.

    Following these (Linux: magic links under /proc; BSD and macOS: /dev/fd) would give a pipe's
    pseudo-name or the redirected file's path, so they are written in place instead.
    """
    if str(path) in ("/dev/stdout", "/dev/stderr"):
        return True
    parent = os.path.realpath(path.parent)
    return parent in ("/proc", "/dev/fd") or parent.startswith("/proc/")


def _resolve(path: str | os.PathLike[str], *, overwrite: bool) -> _Target:
    """Follow symlinks of ``path`` (not the magic links of /proc) and check it can be written."""
    user = Path(path)
    real = user
    direct = False
    try:
        for _ in range(_MAX_LINKS):
            if _names_a_descriptor(real):
                direct = True  # /dev/stdout → /proc/self/fd/1 → a pipe, a terminal or a file
                break
            try:
                link = os.readlink(real)
            except OSError as err:
                if err.errno in (E.EINVAL, E.ENOENT):
                    break  # not a link, or nothing there yet
                raise
            target = Path(link)
            real = target if target.is_absolute() else real.parent / target
        else:
            raise OSError(E.ELOOP, os.strerror(E.ELOOP), str(user))
        try:
            st: os.stat_result | None = os.stat(user if direct else real)
        except FileNotFoundError:
            st = None
            if direct:
                raise
    except OSError as err:
        raise write_error(err, user) from err
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise WriteError(user, _REASONS[E.EISDIR], errno=E.EISDIR)
    if st is not None and not stat.S_ISREG(st.st_mode):
        direct = True
    if st is not None and not direct and not os.access(real, os.W_OK):
        if _read_only_fs(real.parent):
            raise WriteError(user, _REASONS[E.EROFS], errno=E.EROFS)
        if not overwrite:
            raise WriteError(user, f"the file is read-only; {_READ_ONLY_HINT}", errno=E.EACCES)
    elif st is not None and not direct and not overwrite and not st.st_mode & 0o222:
        raise WriteError(user, f"the file is read-only; {_READ_ONLY_HINT}", errno=E.EACCES)
    return _Target(user, real, st, direct)


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return False


def _temp_name(real: Path) -> Path:
    # the name is chosen before the file exists, so an interrupt at any moment after os.open
    # still finds it to remove; 48 random bits make a clash with another writer negligible.
    # The target's name is cut to 100 bytes so the temporary name stays within the 255-byte
    # limit of most file systems (a Japanese character takes 3 bytes).
    stem = os.fsdecode(os.fsencode(real.name)[:100])
    return real.parent / f".{stem}.{secrets.token_hex(6)}.tmp"


# ---------------------------------------------------------------------------- durability


def _fsync_fd(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in _NOT_SYNCABLE:  # /dev/null, a FIFO, a terminal cannot be synced
            raise


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | _CLOEXEC)
    try:
        _fsync_fd(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the platform can open a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
    except OSError:
        return  # Windows, or no read permission on the folder: nothing more can be done
    try:
        _fsync_fd(fd)
    finally:
        os.close(fd)


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _publish(tmp: Path, target: _Target) -> None:
    """Give ``tmp`` the target's owner and mode, make it durable and rename it over the target."""
    st = target.stat
    if st is not None:
        if hasattr(os, "geteuid") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):  # only root (or the owner, for the group) may
                os.chown(tmp, st.st_uid, st.st_gid)
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
    os.replace(tmp, target.real)
    _fsync_dir(target.real.parent)


# ------------------------------------------------------------------------------- the API


def _wrap(fd: int, mode: str, encoding: str | None, newline: str | None) -> IO[Any]:
    if mode == "w":
        return open(fd, "w", encoding=encoding or "utf-8", newline=newline)
    return open(fd, "wb")


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: Literal["w", "wb"] = "wb",
    *,
    overwrite: bool = False,
    encoding: str | None = None,
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing; the file appears complete, in one rename, when the block ends.

    Parameters
    ----------
    path
        The file to write. A symbolic link is followed (the link stays a link); a non-regular
        file such as ``/dev/null``, ``/dev/stdout`` or a FIFO is written in place.
    mode
        ``"wb"`` (bytes) or ``"w"`` (text).
    overwrite
        Replace a read-only file (its mode is kept). Without it, a read-only file is refused.
    encoding, newline
        For text mode, as in :func:`open` (``encoding`` defaults to UTF-8).

    Raises
    ------
    WriteError
        The target cannot be written (the message names ``path`` and the cause). An error raised
        by the block itself propagates unchanged; either way ``path`` is left as it was and the
        temporary file is removed.
    """
    if mode not in ("w", "wb"):
        raise WriteError(path, f"mode must be 'w' or 'wb', not {mode!r}", errno=E.EINVAL)
    target = _resolve(path, overwrite=overwrite)
    if target.direct:
        try:
            with _wrap(os.open(target.user, _DIRECT_FLAGS), mode, encoding, newline) as out:
                yield out
                out.flush()
                _fsync_fd(out.fileno())
        except OSError as err:
            if not _about(err, target.user, target.real):
                raise
            raise write_error(err, target.user) from err
        return
    tmp = _temp_name(target.real)
    fh: IO[Any] | None = None
    try:
        fh = _wrap(os.open(tmp, _TEMP_FLAGS, 0o666), mode, encoding, newline)  # umask applies
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        _publish(tmp, target)
    except BaseException as err:
        if fh is not None:
            with contextlib.suppress(OSError, ValueError):
                fh.close()
        _discard(tmp)
        if isinstance(err, OSError) and _about(err, tmp, target.user, target.real):
            raise write_error(err, target.user) from err
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success it replaces ``path``.

    For libraries that open the file themselves (``frame.to_parquet(tmp)``). The temporary file
    exists (empty) when the block starts; when the block ends it is ``fsync``-ed and renamed over
    the target. A non-regular target (``/dev/null``, a FIFO) is yielded itself, to be written in
    place. Everything else is as for :func:`atomic_open`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
    >>> with atomic_path(p) as tmp:
    ...     _ = tmp.write_bytes(b"\\x00\\x01")
    >>> p.read_bytes(), [x.name for x in p.parent.iterdir()]
    (b'\\x00\\x01', ['a.bin'])
    """
    target = _resolve(path, overwrite=overwrite)
    if target.direct:
        try:
            yield target.user
        except OSError as err:
            if not _about(err, target.user, target.real):
                raise
            raise write_error(err, target.user) from err
        return
    tmp = _temp_name(target.real)
    try:
        os.close(os.open(tmp, _TEMP_FLAGS, 0o666))
        yield tmp
        _fsync_file(tmp)
        _publish(tmp, target)
    except BaseException as err:
        _discard(tmp)
        if isinstance(err, OSError) and _about(err, tmp, target.user, target.real):
            raise write_error(err, target.user) from err
        raise


def atomic_write(
    path: str | os.PathLike[str],
    data: str | bytes | Callable[[IO[bytes]], object],
    *,
    encoding: str = "utf-8",
    overwrite: bool = False,
) -> Path:
    """Write text, bytes, or whatever ``data(fh)`` writes, to ``path`` atomically.

    See :func:`atomic_open` for what happens to links, devices, read-only files and errors.

    Returns
    -------
    Path
        ``path`` as given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, "ロジックモデル").read_text(encoding="utf-8")
    'ロジックモデル'
    >>> p.chmod(0o444)
    >>> atomic_write(p, "again")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    logicmodel.errors.WriteError: cannot write '.../a.txt': the file is read-only; pass overwrite=True ...
    >>> atomic_write(p, "again", overwrite=True).read_text(encoding="utf-8")
    'again'
    """
    with atomic_open(path, "wb", overwrite=overwrite) as fh:
        if isinstance(data, str):
            fh.write(data.encode(encoding))
        elif isinstance(data, bytes | bytearray | memoryview):
            fh.write(data)
        else:
            data(fh)
    return Path(path)


# -------------------------------------------------------------------------------- folders


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    for p in (folder, *folder.parents):
        if os.path.lexists(p):
            break
        missing.append(p)
    created: list[Path] = []
    try:
        for p in reversed(missing):
            os.mkdir(p)
            created.append(p)
    except BaseException:
        _remove_created(created)
        raise
    return created


def _remove_created(created: list[Path]) -> None:
    for p in reversed(created):
        with contextlib.suppress(OSError):
            os.rmdir(p)  # only if still empty


def _sync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            _fsync_file(Path(root, name))
        _fsync_dir(Path(root))


def _check_merge(stage: Path, dest: Path, user: Path, overwrite: bool) -> None:
    """Refuse, before moving anything, what a merge of ``stage`` into ``dest`` cannot do."""
    with os.scandir(stage) as listing:
        entries = list(listing)
    for entry in entries:
        there = dest / entry.name
        shown = user / entry.name
        if entry.is_dir(follow_symlinks=False):
            if there.exists() and not there.is_dir():
                raise WriteError(shown, "it is a file, not a folder", errno=E.ENOTDIR)
            if there.is_dir():
                _check_merge(Path(entry.path), there, shown, overwrite)
        elif os.path.lexists(there):
            try:
                _resolve(there, overwrite=overwrite)
            except WriteError as err:
                raise WriteError(shown, err.reason, errno=err.errno) from None


def _merge(stage: Path, dest: Path, user: Path, overwrite: bool) -> None:
    """Move each file of ``stage`` into the existing folder ``dest`` (each in one rename)."""
    with os.scandir(stage) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        there = dest / entry.name
        if entry.is_dir(follow_symlinks=False):
            if there.is_dir():
                _merge(Path(entry.path), there, user / entry.name, overwrite)
                os.rmdir(entry.path)
            else:
                os.rename(entry.path, there)
            continue
        target = _resolve(there, overwrite=overwrite)
        if target.direct or target.real.parent != dest:
            # a link or a device among the old files: written through, like any single file
            atomic_write(there, Path(entry.path).read_bytes(), overwrite=overwrite)
            os.unlink(entry.path)
        else:
            _publish(Path(entry.path), target)
    _fsync_dir(dest)


def _relocated(err: WriteError, user: Path, *places: Path) -> WriteError:
    """``err`` naming the file under ``user`` instead of under the stage or the real folder."""
    for place in places:
        try:
            rel = Path(err.path).relative_to(place)
        except ValueError:
            continue
        return WriteError(user / rel, err.reason, errno=err.errno)
    return err


@contextlib.contextmanager
def staged_directory(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success its contents land in ``path``.

    Write every file of a multi-file output into the yielded folder. When the block ends without
    error, the files are ``fsync``-ed and the folder is renamed to ``path`` in one step, or, when
    ``path`` already exists, each file is moved into it in one rename (files already there that
    the output does not contain are left alone; a read-only one it does contain is refused before
    anything moves, unless ``overwrite=True``). On any error or interrupt the temporary folder,
    and any parent folders created for ``path``, are removed: nothing is left behind.

    Raises
    ------
    WriteError
        ``path`` is a file, its folder cannot be created, or a file cannot be written; the message
        names the file under ``path`` (not under the temporary folder).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_directory(base / "out") as stage:
    ...     _ = atomic_write(stage / "a.txt", "1")
    ...     raise RuntimeError("the second file failed")
    Traceback (most recent call last):
    ...
    RuntimeError: the second file failed
    >>> list(base.iterdir())
    []
    """
    user = Path(path)
    real = Path(os.path.realpath(user))
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise write_error(err, user) from err
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise WriteError(user, "it is a file, not a folder", errno=E.ENOTDIR)
    try:
        created = _make_parents(real.parent)
    except OSError as err:
        raise write_error(err, user) from err
    stage = _temp_name(real)
    try:
        os.mkdir(stage)
        yield stage
        _sync_tree(stage)
        if st is None:
            try:
                os.rename(stage, real)
            except OSError as err:  # made by someone else meanwhile: merge into it
                if err.errno not in (E.EEXIST, E.ENOTEMPTY, E.EISDIR):
                    raise
            else:
                _fsync_dir(real.parent)
                return
        _check_merge(stage, real, user, overwrite)
        _merge(stage, real, user, overwrite)
        os.rmdir(stage)
    except BaseException as err:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_created(created)
        if isinstance(err, WriteError):
            raise _relocated(err, user, stage, real) from err.__cause__
        if isinstance(err, OSError) and _about(err, stage, real, user):
            raise write_error(err, user) from err
        if isinstance(err, OSError) and isinstance(err.filename, str):
            moved = _relocated(write_error(err, err.filename), user, stage, real)
            if moved.path != err.filename:
                raise moved from err
        raise
