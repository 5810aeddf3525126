"""Run hostile inputs in a separate process with a memory limit and a per-case timeout.

A hostile case may hang (a FIFO, ``/dev/zero``), allocate gigabytes (an alias bomb) or abort the
interpreter. So the cases run in a worker process started with ``RLIMIT_AS`` (address space) set,
and the parent kills the worker when one case runs longer than :data:`CASE_TIMEOUT`; that case is
recorded as ``hang`` (or ``crash`` when the worker died) and a new worker carries on with the next
case. No test compares a measured time with a bound: a case either finishes inside the limits or
fails as ``hang``/``crash``/``memory``.

The worker records, per case, what the public API did: ``error`` (the exception's class, its
bases and message) or ``ok`` (what the case's function returned, JSON-able), and the seconds it
took (only reported, see ``python tests/hostile/harness.py --report``).
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASE_TIMEOUT = 10.0
"""Seconds one case may run before it counts as a hang (the worker is killed)."""
MEMORY_LIMIT = 2 * 1024**3
"""Address space of the worker (bytes): about 1.5 GB above what the imports take."""
MAX_MESSAGE = 5_000
"""An error message longer than this repeats the input: a failure in itself."""

Result = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One hostile input: ``run(tmp)`` builds it in ``tmp`` and calls the public API."""

    id: str
    run: Callable[[Path], Any]
    expect: Callable[[Result], None]
    area: str = ""
    tags: tuple[str, ...] = field(default=())


def _names(result: Result) -> list[str]:
    return list(result.get("mro", []))


def expect_error(cls: str, *where: str) -> Callable[[Result], None]:
    """The case must raise ``cls`` (or a subclass) whose message contains every ``where``."""

    def check(result: Result) -> None:
        assert result["outcome"] == "error", f"expected {cls}, got {result}"
        assert cls in _names(result), f"expected {cls}, got {result['cls']}: {result['message']}"
        assert "LogicModelError" in _names(result), result
        assert result["length"] <= MAX_MESSAGE, f"message is {result['length']:,} characters"
        for text in where:
            assert text in result["message"], f"{text!r} not in {result['message']!r}"

    return check


def expect_ok(check: Callable[[Any], None]) -> Callable[[Result], None]:
    """The case must return; ``check`` verifies what it returned."""

    def run(result: Result) -> None:
        assert result["outcome"] == "ok", f"expected a result, got {result}"
        check(result["value"])

    return run


def expect_error_or_ok(check: Callable[[Any], None], *where: str) -> Callable[[Result], None]:
    """A ``LogicModelError`` naming ``where``, or a result that passes ``check``."""

    def run(result: Result) -> None:
        if result["outcome"] == "ok":
            check(result["value"])
        else:
            expect_error("LogicModelError", *where)(result)

    return run


def raises(
    id: str,
    run: Callable[[Path], Any],
    cls: str,
    *where: str,
    area: str = "",
    tags: Sequence[str] = (),
) -> Case:
    return Case(id, run, expect_error(cls, *where), area, tuple(tags))


def returns(
    id: str, run: Callable[[Path], Any], check: Callable[[Any], None], *, area: str = ""
) -> Case:
    return Case(id, run, expect_ok(check), area)


# -- the worker ---------------------------------------------------------------------------------


def _summary(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)[:500]
    return value


_CLOCK = [0.0]


def start_clock() -> None:
    """Called by a case once its input is built: only the API call is timed (for the report)."""
    _CLOCK[0] = time.perf_counter()


def _run_one(case: Case, root: Path) -> Result:
    tmp = Path(tempfile.mkdtemp(dir=root))
    start_clock()
    start = _CLOCK
    try:
        value = case.run(tmp)
    except BaseException as err:
        message = str(err)
        return {
            "outcome": "error",
            "cls": f"{type(err).__module__}.{type(err).__qualname__}",
            "mro": [c.__name__ for c in type(err).__mro__],
            "message": message[: MAX_MESSAGE * 2],
            "length": len(message),
            "trace": "".join(traceback.format_exception(err))[-3000:]
            if not any(c.__name__ == "LogicModelError" for c in type(err).__mro__)
            else "",
            "seconds": time.perf_counter() - start[0],
        }
    return {"outcome": "ok", "value": _summary(value), "seconds": time.perf_counter() - start[0]}


def _worker(ids: Sequence[str]) -> None:
    sys.path.insert(0, str(HERE))
    sys.modules.setdefault("harness", sys.modules[__name__])  # one clock for cases and worker
    import cases  # the case list, loaded in the worker by path

    by_id = {c.id: c for c in cases.all_cases()}
    out = sys.stdout
    with tempfile.TemporaryDirectory() as root:
        for case_id in ids:
            out.write("S " + json.dumps(case_id) + "\n")
            out.flush()
            result = _run_one(by_id[case_id], Path(root))
            out.write("R " + json.dumps({"id": case_id, **result}) + "\n")
            out.flush()


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_cases(ids: Iterable[str]) -> dict[str, Result]:
    """Run the cases in worker processes; a hang or a dead worker is recorded and skipped."""
    todo = list(ids)
    results: dict[str, Result] = {}
    env = {**os.environ, "PYTHONFAULTHANDLER": "0"}
    while todo:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--worker", *todo],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_limit_memory,  # noqa: PLW1509 - only sets rlimits
            env=env,
            text=True,
        )
        assert proc.stdout is not None
        current: str | None = None
        started = time.monotonic()
        alive = True
        while alive:
            budget = CASE_TIMEOUT
            left = budget - (time.monotonic() - started) if current else 60.0
            ready, _, _ = select.select([proc.stdout], [], [], max(left, 0.0))
            if not ready:
                proc.kill()
                proc.wait()
                if current is not None:
                    results[current] = {"outcome": "hang", "seconds": budget}
                alive = False
                break
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                if current is not None:
                    stderr = proc.stderr.read() if proc.stderr else ""
                    results[current] = {
                        "outcome": "memory" if "MemoryError" in stderr else "crash",
                        "returncode": proc.returncode,
                        "stderr": stderr[-2000:],
                    }
                alive = False
                break
            tag, payload = line[0], json.loads(line[2:])
            if tag == "S":
                current, started = payload, time.monotonic()
            else:
                results[payload.pop("id")] = payload
                current = None
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
        proc.stdout.close()
        todo = [i for i in todo if i not in results]
    return results


def _report() -> None:
    """Print the corpus size by outcome and the slowest rejections (for the issue's note)."""
    sys.path.insert(0, str(HERE))
    import cases

    all_cases = cases.all_cases()
    results = run_cases([c.id for c in all_cases])
    counts: dict[str, int] = {}
    for case in all_cases:
        r = results[case.id]
        key = r["outcome"] if r["outcome"] != "error" else r["cls"].rsplit(".", 1)[-1]
        counts[key] = counts.get(key, 0) + 1
    print(f"{len(all_cases)} cases")
    for key, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {key:24} {n}")
    slow = sorted(all_cases, key=lambda c: -results[c.id].get("seconds", 0.0))[:10]
    for case in slow:
        r = results[case.id]
        print(f"  {r.get('seconds', 0.0):7.3f} s  {r['outcome']:6} {case.id}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2:])
    elif sys.argv[1:2] == ["--report"]:
        _report()
