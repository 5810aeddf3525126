"""Writers you can trust (issue 14): atomic, durable, honest about their targets, clean when
interrupted.

Real files throughout; a real small tmpfs for a full disk and a read-only file system (mounted
when the tests run as root where mounting is allowed, skipped with the reason otherwise); a
fault-injecting layer (``os.fsync`` / ``os.replace`` raising) that runs everywhere; real signals
sent to real subprocesses of the command line.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.cli import main
from logicmodel.errors import LogicModelError, WriteError
from logicmodel.io.atomic import atomic_open, atomic_path, atomic_write, staged_directory

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
EXAMPLE = ROOT / "examples" / "window-dx" / "model.yaml"
DEMO_FILES = {
    "check.txt",
    "dashboard.html",
    "model.yaml",
    "observations.csv",
    "pathway.dot",
    "pathway.mmd",
    "progress.csv",
}


def _model() -> lm.LogicModel:
    return lm.load(EXAMPLE)


def _leftovers(folder: Path) -> list[str]:
    """Temporary files or folders of the atomic writers anywhere under ``folder``."""
    return sorted(str(p) for p in folder.rglob("*") if p.name.endswith(".tmp"))


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logicmodel: error: ")
    return lines[0]


# ------------------------------------------------------------------------- honest targets


def test_symlink_target_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "data" / "model.yaml"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "model.yaml"
    link.symlink_to(Path("data") / "model.yaml")  # relative, as users make them
    lm.dump(_model(), link)
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("data") / "model.yaml")
    assert lm.load(real) == _model()
    assert _leftovers(tmp_path) == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "new.json")
    lm.dump(_model(), link)
    assert link.is_symlink()
    assert lm.load(tmp_path / "new.json") == _model()


def test_dev_null_stays_a_character_device(capsys: pytest.CaptureFixture[str]) -> None:
    before = os.stat("/dev/null")
    atomic_write("/dev/null", lm.io.to_yaml(_model()))
    lm.io.write_excel(_model(), "/dev/null")
    lm.io.to_csv(pd.DataFrame({"a": [1]}), "/dev/null")
    with atomic_path("/dev/null") as p:
        p.write_bytes(b"x")
    assert main(["schema", "-o", "/dev/null"]) == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert "wrote /dev/null" in capsys.readouterr().err


def test_dev_stdout_is_written_not_replaced(tmp_path: Path) -> None:
    # a subprocess, so that its stdout is a pipe (and then a regular file) of its own
    code = "import sys, logicmodel.io.atomic as a; a.atomic_write('/dev/stdout', 'hello\\n')"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout == "hello\n"
    redirected = tmp_path / "out.txt"
    with redirected.open("w") as fh:  # `> out.txt`: /dev/stdout leads to a regular file
        fh.write("first\n")
        fh.flush()
        subprocess.run([sys.executable, "-c", code], stdout=fh, env=env, check=True)
    assert redirected.read_text() == "first\nhello\n"  # appended where the shell's fd is
    assert os.path.islink("/dev/stdout")
    assert _leftovers(tmp_path) == []


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, "through the pipe")
    reader.join(timeout=30)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert _leftovers(tmp_path) == []


def test_read_only_target_is_refused_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o444)
    with pytest.raises(WriteError, match=r"m\.yaml.*read-only.*overwrite=True") as info:
        lm.dump(_model(), target)
    assert info.value.errno == errno.EACCES
    assert info.value.filename == str(target)
    assert target.read_text(encoding="utf-8") == "old"
    for write in (
        lambda: lm.io.write_excel(_model(), tmp_path / "ro.xlsx"),
        lambda: lm.io.to_csv(pd.DataFrame({"a": [1]}), tmp_path / "ro.xlsx"),
    ):
        (tmp_path / "ro.xlsx").write_bytes(b"old")
        (tmp_path / "ro.xlsx").chmod(0o444)
        with pytest.raises(WriteError, match="read-only"):
            write()
        assert (tmp_path / "ro.xlsx").read_bytes() == b"old"
        (tmp_path / "ro.xlsx").unlink()
    lm.dump(_model(), target, overwrite=True)
    assert lm.load(target) == _model()
    assert stat.S_IMODE(target.stat().st_mode) == 0o444  # the mode is kept
    assert _leftovers(tmp_path) == []


def test_cli_refuses_read_only_output_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o444)
    assert main(["convert", str(EXAMPLE), str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(out) in line
    assert "--force" in line
    assert out.read_text(encoding="utf-8") == "old"
    assert main(["convert", str(EXAMPLE), str(out), "--force"]) == 0
    assert lm.load(out) == _model()


def test_permissions_of_the_replaced_file_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    target.write_text("{}", encoding="utf-8")
    target.chmod(0o640)
    lm.dump(_model(), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = lm.dump(_model(), tmp_path / "new.json")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away"
)
def test_owner_of_the_replaced_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    target.write_text("{}", encoding="utf-8")
    os.chown(target, 1234, 5678)
    lm.dump(_model(), target)
    assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)


def test_long_japanese_name(tmp_path: Path) -> None:
    name = ("書かないワンストップ窓口" * 7)[:83] + ".yaml"  # 254 bytes: allowed, only just
    assert len(name.encode()) == 254
    lm.dump(_model(), tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_target_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "out.json").mkdir()
    with pytest.raises(WriteError, match=r"'.*out\.json': it is a folder") as info:
        lm.dump(_model(), tmp_path / "out.json")
    assert info.value.errno == errno.EISDIR


def test_parent_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    target = tmp_path / "afile" / "sub" / "m.yaml"
    with pytest.raises(WriteError) as info:
        lm.dump(_model(), target)
    assert info.value.errno == errno.ENOTDIR
    assert str(info.value) == (
        f"cannot write {str(target)!r}: {str(tmp_path / 'afile')!r} is a file, not a folder"
    )
    assert main(["demo", "-o", str(tmp_path / "afile" / "demo")]) == 2
    assert "is a file, not a folder" in _one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_write_error_is_an_oserror_and_pickles() -> None:
    import pickle

    err = WriteError("a/b.csv", "the disk is full", errno=errno.ENOSPC)
    assert isinstance(err, OSError)
    assert isinstance(err, LogicModelError)
    back = pickle.loads(pickle.dumps(err))
    assert (back.errno, back.filename, str(back)) == (errno.ENOSPC, "a/b.csv", str(err))


# --------------------------------------------------------------------- injected faults


class _Fault:
    """Make ``os.<name>`` fail with ``code`` from its ``at``-th call on (1-based)."""

    def __init__(self, mp: pytest.MonkeyPatch, name: str, code: int, at: int = 1) -> None:
        self.calls = 0
        real = getattr(os, name)

        def fake(*args: object, **kwargs: object) -> object:
            if name == "open" and not str(args[0]).endswith(".tmp"):
                return real(*args, **kwargs)  # only the writers' temporary files
            self.calls += 1
            if self.calls >= at:
                raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)

        mp.setattr(os, name, fake)


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("fsync", errno.ENOSPC, "the disk is full"),
        ("fsync", errno.EIO, "input/output error"),
        ("replace", errno.EROFS, "the file system is read-only"),
        ("open", errno.EACCES, "permission denied"),
        ("open", errno.EPERM, "operation not permitted (is the file or its folder immutable?)"),
        ("open", errno.EDQUOT, "the disk quota is exceeded"),
        ("replace", errno.EXDEV, "the temporary file and the target are on different file systems"),
    ],
)
def test_injected_failure_names_the_target_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, code: int, words: str
) -> None:
    target = tmp_path / "m.yaml"
    target.write_text("old", encoding="utf-8")
    _Fault(monkeypatch, name, code)
    for write in (
        lambda: lm.dump(_model(), target),
        lambda: lm.io.write_excel(_model(), target),
        lambda: lm.io.to_csv(pd.DataFrame({"a": [1]}), target),
        lambda: lm.io.write_iati(_model(), None, target),
    ):
        with pytest.raises(WriteError) as info:
            write()
        assert info.value.errno == code
        assert str(info.value) == f"cannot write {str(target)!r}: {words}" + (
            " (no space left on device)" if code == errno.ENOSPC else ""
        ) + (" (is the disk failing or removed?)" if code == errno.EIO else "")
        assert target.read_text(encoding="utf-8") == "old"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


def test_file_then_folder_are_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def record(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append("folder" if stat.S_ISDIR(mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    for write in (
        lambda p: lm.dump(_model(), p.with_suffix(".yaml")),
        lambda p: lm.io.write_excel(_model(), p.with_suffix(".xlsx")),
        lambda p: lm.io.to_csv(pd.DataFrame({"a": [1]}), p.with_suffix(".csv")),
        lambda p: lm.io.excel_template(p.with_suffix(".xlsx")),
    ):
        synced.clear()
        write(tmp_path / "out")
        assert synced == ["file", "folder"]  # the data before the rename, the rename after
    synced.clear()
    lm.io.write_csvs(_model(), tmp_path / "csvs")
    assert synced.count("file") >= 6
    assert synced[-1] == "folder"  # the parent, after the staged folder was renamed into it


def test_an_error_of_the_writer_itself_passes_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"

    def half_then_fail() -> None:
        with atomic_open(target, "w") as fh:
            fh.write("half")
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        half_then_fail()
    with pytest.raises(FileNotFoundError), atomic_open(target) as fh:
        fh.write((tmp_path / "missing-input").read_bytes())  # about another file
    assert list(tmp_path.iterdir()) == []


def test_demo_that_fails_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "demo"
    fault = _Fault(monkeypatch, "fsync", errno.ENOSPC, at=6)  # the 6th file's sync fails
    assert main(["demo", "-o", str(out)]) == 2
    assert fault.calls >= 6
    line = _one_error_line(capsys.readouterr().err)
    assert f"cannot write '{out}{os.sep}" in line
    assert "disk is full" in line
    assert ".tmp" not in line
    assert list(tmp_path.iterdir()) == []  # neither the folder, nor its parent, nor a temp


def test_demo_into_an_existing_folder_keeps_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "model.yaml").write_text("old", encoding="utf-8")
    with monkeypatch.context() as mp:
        _Fault(mp, "fsync", errno.ENOSPC, at=4)
        assert main(["demo", "-o", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["model.yaml", "notes.txt"]
    assert (out / "model.yaml").read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []
    capsys.readouterr()
    (out / "model.yaml").chmod(0o444)
    assert main(["demo", "-o", str(out)]) == 2  # refused before anything moves
    assert "read-only" in _one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in out.iterdir()) == ["model.yaml", "notes.txt"]
    assert main(["demo", "-o", str(out), "--force"]) in (0, 1)
    names = {p.name for p in out.iterdir()}
    assert DEMO_FILES | {"notes.txt"} <= names
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert stat.S_IMODE((out / "model.yaml").stat().st_mode) == 0o444
    assert _leftovers(tmp_path) == []


def test_write_csvs_and_rs_change_everything_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model()
    with monkeypatch.context() as mp:
        _Fault(mp, "fsync", errno.ENOSPC, at=3)
        with pytest.raises(WriteError, match=r"csvs.*disk is full"):
            lm.io.write_csvs(model, tmp_path / "csvs")
    assert list(tmp_path.iterdir()) == []
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")
    rs_model = lm.LogicModel(
        id="rs",
        title="RS",
        nodes=[lm.Activity(id="support"), lm.Output(id="adopted")],
        links=[lm.Link(source="support", target="adopted")],
    )
    with monkeypatch.context() as mp:
        _Fault(mp, "fsync", errno.ENOSPC, at=2)  # the second file of the pair
        with pytest.raises(WriteError, match=r"b\.csv.*disk is full"):
            lm.io.write_rs(rs_model, a, b, project_id="1")
    assert (a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]
    # convert to an RS folder: a write that fails (disk full at the second file) leaves no
    # folder behind
    lm.dump(rs_model, tmp_path / "rs.yaml")
    with monkeypatch.context() as mp:
        _Fault(mp, "fsync", errno.ENOSPC, at=2)
        assert main(["convert", str(tmp_path / "rs.yaml"), f"rs:{tmp_path / 'rs' / 'out'}"]) == 2
    _one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "rs").exists()
    assert main(["convert", str(tmp_path / "rs.yaml"), f"rs:{tmp_path / 'rs' / 'out'}"]) == 0
    assert len(list((tmp_path / "rs" / "out").iterdir())) == 2
    assert _leftovers(tmp_path) == []


# --------------------------------------------------------------- a real, small file system


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (needs root and a kernel that lets this process mount)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the fault-injection tests cover this")
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.strip()}); faults are injected instead"
        )
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_names_the_target(small_fs: Path) -> None:
    target = small_fs / "big.yaml"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(WriteError) as info:
        atomic_write(target, "x" * 200_000)
    assert info.value.errno == errno.ENOSPC
    assert str(info.value) == (
        f"cannot write {str(target)!r}: the disk is full (no space left on device)"
    )
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in small_fs.iterdir()) == ["big.yaml"]


def test_full_disk_from_the_command_line(small_fs: Path, tmp_path: Path) -> None:
    (small_fs / "filler").write_bytes(b"\0" * 52 * 1024)  # leaves ~12 KiB
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for out in ("m.xlsx", "m.json", "demo"):
        args = ["demo", "-o", str(small_fs / out)] if out == "demo" else ["convert", str(EXAMPLE)]
        if out != "demo":
            args.append(str(small_fs / out))
        done = subprocess.run(
            [sys.executable, "-m", "_logicmodel_entry", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode == 2, done.stderr
        line = _one_error_line(done.stderr)  # no "Exception ignored in ZipFile.__del__"
        assert str(small_fs / out) in line
        assert "disk is full" in line
        assert sorted(p.name for p in small_fs.iterdir()) == ["filler"]


def test_immutable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "frozen"
    folder.mkdir()
    (folder / "m.yaml").write_text("old", encoding="utf-8")
    try:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    except FileNotFoundError:
        pytest.skip("no chattr here; the EPERM case is covered by fault injection")
    if done.returncode != 0:
        pytest.skip(f"cannot make a folder immutable here ({done.stderr.decode().strip()})")
    try:
        for target in (folder / "m.yaml", folder / "new.yaml"):
            with pytest.raises(WriteError) as info:
                lm.dump(_model(), target)
            assert info.value.errno == errno.EPERM
            assert str(info.value) == (
                f"cannot write {str(target)!r}: permission denied: folder {str(folder)!r} "
                "is not writable (is it immutable?)"
            )
        assert sorted(p.name for p in folder.iterdir()) == ["m.yaml"]
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False)


def test_read_only_file_system(small_fs: Path) -> None:
    (small_fs / "old.yaml").write_text("old", encoding="utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    for target in (small_fs / "old.yaml", small_fs / "new.yaml"):
        with pytest.raises(WriteError) as info:
            lm.dump(_model(), target)
        assert info.value.errno == errno.EROFS
        assert str(info.value) == f"cannot write {str(target)!r}: the file system is read-only"
    with pytest.raises(WriteError, match=r"'.*out'.*read-only"):
        lm.io.write_csvs(_model(), small_fs / "out")


# ------------------------------------------------------------------------------ concurrency


def test_two_writers_and_a_reader_never_see_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    size = 1 << 20
    payloads = {c: (c * size).encode() for c in "ABC"}
    target.write_bytes(payloads["C"])
    code = (
        "import sys\n"
        "from logicmodel.io.atomic import atomic_write\n"
        "data = (sys.argv[2] * (1 << 20)).encode()\n"
        "for _ in range(150):\n"
        "    atomic_write(sys.argv[1], data)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    writers = [
        subprocess.Popen([sys.executable, "-c", code, str(target), c], env=env) for c in "AB"
    ]
    reads, seen = 0, set()
    while any(w.poll() is None for w in writers):
        data = target.read_bytes()
        assert data in payloads.values(), f"a partial file of {len(data)} bytes"
        seen.add(data[:1])
        reads += 1
    assert [w.wait() for w in writers] == [0, 0]
    assert reads > 0
    assert target.read_bytes() in (payloads["A"], payloads["B"])
    assert _leftovers(tmp_path) == []


def test_staged_directory_api(tmp_path: Path) -> None:
    with staged_directory(tmp_path / "out") as stage:
        atomic_write(stage / "a.txt", "1")
        (stage / "sub").mkdir()
        atomic_write(stage / "sub" / "b.txt", "2")
    assert (tmp_path / "out" / "sub" / "b.txt").read_text(encoding="utf-8") == "2"
    with staged_directory(tmp_path / "out") as stage:  # merged into the existing folder
        atomic_write(stage / "a.txt", "one")
        (stage / "sub").mkdir()
        atomic_write(stage / "sub" / "c.txt", "3")
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "out").rglob("*.txt")) == [
        "out/a.txt",
        "out/sub/b.txt",
        "out/sub/c.txt",
    ]
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8") == "one"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with (
        pytest.raises(WriteError, match="is a file, not a folder"),
        staged_directory(tmp_path / "file"),
    ):
        pass
    assert _leftovers(tmp_path) == []


# --------------------------------------------------------------------------------- signals

# The child runs the real console-script entry on real files. It says when it reaches a step of
# a write (``open``: the temporary file was created; ``fsync``: a file or folder was synced;
# ``replace``: a rename was done; ``import``: the heavy imports began) and, with ``pause``, waits
# there for the signal, so that the signal is raised exactly at that step. Without ``pause`` the
# write runs on and the signal lands wherever the child is when it arrives.
_CHILD = """
import os, signal, sys
what, nth, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "pause"
seen = 0

def mark(kind):
    global seen
    if kind != what:
        return
    seen += 1
    if seen == nth:
        print("@@", kind, flush=True)
        if pause:
            signal.pause()  # returns only by the signal's exception

real_open, real_fsync, real_replace = os.open, os.fsync, os.replace

def noisy_open(path, flags, *args, **kwargs):
    fd = real_open(path, flags, *args, **kwargs)
    if flags & os.O_CREAT and str(path).endswith(".tmp"):
        mark("open")
    return fd

def noisy_fsync(fd):
    real_fsync(fd)
    mark("fsync")

def noisy_replace(*args, **kwargs):
    real_replace(*args, **kwargs)
    mark("replace")

os.open, os.fsync, os.replace = noisy_open, noisy_fsync, noisy_replace

class Marker:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            mark("import")
        return None

sys.meta_path.insert(0, Marker())
from _logicmodel_entry import main
sys.exit(main(sys.argv[4:]))
"""

_EXIT = {
    signal.SIGINT: (130, "logicmodel: interrupted"),
    signal.SIGTERM: (143, "logicmodel: terminated"),
}
needs_posix_signals = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals (SIGTERM, signal.pause) are not on Windows"
)


def _big_model_yaml(path: Path, n: int = 6000) -> Path:
    lines = ["id: big", "title: 大きなモデル", "nodes:"]
    lines += [f"  - {{id: a{i}, kind: activity, label: 活動{i} {'x' * 200}}}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _interrupt(
    tmp_path: Path, args: list[str], step: str, nth: int, sig: signal.Signals, *, pause: bool
) -> subprocess.CompletedProcess[str]:
    child = tmp_path / "child.py"
    child.write_text(_CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    flag = "pause" if pause else "run"
    proc = subprocess.Popen(
        [sys.executable, str(child), step, str(nth), flag, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    reached = False
    for line in proc.stdout:  # wait until the child is at the step, then signal it
        if line.startswith("@@"):
            reached = True
            proc.send_signal(sig)
            break
    out, err = proc.communicate(timeout=300)
    assert reached, f"the child never reached {step} #{nth}: {err}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@needs_posix_signals
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    ("step", "nth", "pause", "renamed"),
    [
        ("open", 1, True, False),
        ("fsync", 1, True, False),
        ("replace", 1, True, True),
        ("open", 1, False, None),
    ],
    ids=["temp-created", "temp-synced", "renamed", "free-running"],
)
def test_signal_during_a_large_write_leaves_no_temp_file(
    tmp_path: Path, step: str, nth: int, pause: bool, renamed: bool | None, sig: signal.Signals
) -> None:
    src = _big_model_yaml(tmp_path / "big.yaml")
    out = tmp_path / "out" / "big.json"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    done = _interrupt(tmp_path, ["convert", str(src), str(out)], step, nth, sig, pause=pause)
    code, line = _EXIT[sig]
    assert "Traceback" not in done.stderr
    if pause:
        assert done.returncode == code, done.stderr
    if done.returncode == code:
        assert done.stderr.strip().splitlines()[-1] == line
    else:  # free-running: the signal came after the command had finished its work
        assert done.returncode == 0, done.stderr
    assert _leftovers(tmp_path) == []
    text = out.read_text(encoding="utf-8")
    if renamed is not None:
        assert (text != "old") is renamed
    assert text == "old" or lm.load(out).id == "big"  # old or complete, never partial


@needs_posix_signals
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_demo_leaves_nothing_behind(tmp_path: Path, sig: signal.Signals) -> None:
    args = ["demo", "-o", str(tmp_path / "demo")]
    done = _interrupt(tmp_path, args, "replace", 3, sig, pause=True)  # 3 of 11 files written
    code, line = _EXIT[sig]
    assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (code, line), done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "child.py"]


@needs_posix_signals
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_while_the_package_is_importing(tmp_path: Path, sig: signal.Signals) -> None:
    args = ["schema", "-o", str(tmp_path / "s.json")]
    done = _interrupt(tmp_path, args, "import", 1, sig, pause=True)
    code, line = _EXIT[sig]
    assert (done.returncode, done.stderr) == (code, line + "\n")
    assert not (tmp_path / "s.json").exists()


# ------------------------------------------------------------------- per-call registries


def test_per_call_rules_leave_the_registry_alone() -> None:
    from logicmodel.checks.registry import Rule, register_rule, registered, unregister_rule

    model = lm.LogicModel(id="m", title="t", nodes=[lm.Activity(id="a")])

    def no_owner(m: lm.LogicModel) -> Iterator[lm.Issue]:
        if m.owner is None:
            yield mine.issue(f"model {m.id!r}", "has no owner", "所管がありません")

    mine = Rule("X901", "warning", "no owner", "所管なし", no_owner)
    before = dict(registered())
    report = lm.check(model, rules=[mine])
    assert [i.code for i in report.issues] == ["X901"]
    assert dict(registered()) == before
    with pytest.raises(LogicModelError, match="expected Rule objects"):
        lm.check(model, rules=[no_owner])  # type: ignore[list-item]
    with pytest.raises(LogicModelError, match="given twice"):
        lm.check(model, rules=[mine, mine])
    # a thread registering a rule does not change the rule set another call was given
    results: list[list[str]] = []
    started = threading.Event()

    def checker() -> None:
        started.set()
        for _ in range(200):
            results.append([i.code for i in lm.check(model, rules={"X901": mine}).issues])

    t = threading.Thread(target=checker)
    t.start()
    started.wait(timeout=30)

    def always(m: lm.LogicModel) -> Iterator[lm.Issue]:
        yield glob.issue(f"model {m.id!r}", "always", "常に")

    glob = register_rule("X902", severity="error", title="always", title_ja="常に", rule=always)
    try:
        t.join(timeout=120)
        assert all(codes == ["X901"] for codes in results)
        assert "X902" in [i.code for i in lm.check(model).issues]  # the global one sees it
    finally:
        unregister_rule("X902")


def test_per_call_aggregators() -> None:
    import numpy as np

    from logicmodel.evaluation import AGGREGATORS

    def pessimist(
        values: Any, weights: Any, valid: Any, starts: Any, *, planned: Any
    ) -> Any:  # this call's own name for the registry's "min"
        return AGGREGATORS["min"](values, weights, valid, starts, planned=planned)

    model = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Output(id="a"), lm.Output(id="b"), lm.Outcome(id="c")],
        links=[lm.Link(source="a", target="c"), lm.Link(source="b", target="c")],
        indicators=[
            lm.KPI(
                id=f"n{x}",
                measures=x,
                unit="件",
                baseline={"period": "FY2023", "value": 0},
                targets={"FY2025": 10},
            )
            for x in "ab"
        ],
    )
    obs = pd.DataFrame({"indicator": ["na", "nb"], "period": ["FY2024"] * 2, "value": [2, 8]})
    rolled = lm.evaluate(model, obs, rollup="pessimist", aggregators={"pessimist": pessimist})
    row = rolled.nodes.set_index("node").loc["c"]
    assert float(row["rolled"]) == pytest.approx(0.2)
    assert "pessimist" not in AGGREGATORS
    with pytest.raises(LogicModelError, match="unknown roll-up aggregator 'pessimist'"):
        lm.evaluate(model, obs, rollup="pessimist")
    assert np.isclose(
        float(lm.evaluate(model, obs).nodes.set_index("node").loc["c", "rolled"]), 0.5
    )
