"""The ``logicmodel`` console script: handle signals first, then import the package.

This module lives outside the ``logicmodel`` package on purpose. Importing ``logicmodel.cli``
imports the whole package first (pandas, pydantic, networkx …, about a second); a Ctrl-C in that
second would otherwise print a ``KeyboardInterrupt`` traceback. Here the signal handlers are in
place before anything heavy is imported:

- Ctrl-C (SIGINT) at any moment ends the command with one line and exit code 130;
- SIGTERM is raised as :class:`Terminated` where the program is, so every ``finally`` block and
  every temporary-file cleanup of the atomic writers runs, and the command exits with 143.

After the first of these signals, further SIGINT/SIGTERM are ignored so that the cleanup it
started is not cut short; once the command has finished, late signals are ignored too (the exit
code is then the command's own).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from types import FrameType

__all__ = ["Terminated", "main"]

_PROG = "logicmodel"
_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(BaseException):
    """SIGTERM arrived; a ``BaseException`` so that ``except Exception`` does not swallow it."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    for sig in _EXIT:
        signal.signal(sig, signal.SIG_IGN)  # let the cleanup of this one finish
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _stop(code: int, what: str) -> int:
    try:
        sys.stderr.write(f"{_PROG}: {what}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed or a broken pipe: the exit code still says it
        pass
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``logicmodel`` command line; 130 after Ctrl-C, 143 after SIGTERM."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # arrived while _main was already finishing
        return _stop(130, "interrupted")
    except Terminated:
        return _stop(143, "terminated")


def _main(argv: Sequence[str] | None) -> int:
    try:
        for sig in _EXIT:
            try:
                signal.signal(sig, _on_signal)
            except ValueError:  # not the main thread (an embedding program): leave signals alone
                break
        from logicmodel.cli import main as run

        return run(argv)
    except KeyboardInterrupt:
        return _stop(130, "interrupted")
    except Terminated:
        return _stop(143, "terminated")
    finally:
        _ignore_late_signals()


def _ignore_late_signals() -> None:
    # the work is done (or its cleanup is): a signal now must not turn into a traceback while
    # the interpreter shuts down; the exit code already says what happened
    for sig in _EXIT:
        try:
            signal.signal(sig, signal.SIG_IGN)
        except ValueError:  # not the main thread
            return


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
