"""The ``logicmodel`` command line (DESIGN §4.7): a thin layer over the library.

Exit codes: 0 ok, 1 ``check`` found errors, 2 bad input or usage. A user error (any
:class:`~logicmodel.LogicModelError`, an unreadable file, a missing optional extra) prints one line
``logicmodel: error: …`` to stderr and never a traceback; ``--debug`` shows the traceback.

Examples
--------
>>> main(["schema", "--help"])  # doctest: +ELLIPSIS
usage: logicmodel schema [-h] [--debug] [-o FILE]
...
0
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from logicmodel.errors import FormatError, LogicModelError

if TYPE_CHECKING:
    import pandas as pd

    from logicmodel.issues import Report
    from logicmodel.model import LogicModel

__all__ = ["EXAMPLE", "example_model_text", "main"]

EXAMPLE = "window-dx"
"""The bundled example used by ``logicmodel demo``."""

_PROG = "logicmodel"


class _UsageError(Exception):
    """Bad usage found after argparse (exit 2, one line)."""


def example_model_text(name: str = EXAMPLE) -> str:
    """The YAML text of a bundled example model (read from the installed package).

    Examples
    --------
    >>> example_model_text().startswith("# 書かないワンストップ窓口")
    True
    """
    ref = resources.files("logicmodel").joinpath("examples", name, "model.yaml")
    return ref.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------- helpers


def _codes(values: list[str] | None) -> list[str] | None:
    """``--select LM1,LM2 --select LM4`` → ``["LM1", "LM2", "LM4"]``."""
    if not values:
        return None
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _read_observations(path: Path) -> pd.DataFrame:
    """Observations from CSV, Parquet or Excel, codes kept as text."""
    import logicmodel.io

    # lm.io.read_observations (io engineers) when it exists; until then CSV/Parquet here
    reader = getattr(logicmodel.io, "read_observations", None)
    if reader is not None:
        frame: pd.DataFrame = reader(path)
        return frame
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise FormatError(
        f"unknown observations file suffix {suffix!r}; use .csv or .parquet", path=path
    )


def _write_text(text: str, out: str | None) -> None:
    """``text`` to the file ``out`` (atomically), or to stdout when ``out`` is None or ``-``."""
    if out is None or out == "-":
        sys.stdout.write(text)
        return
    from logicmodel.io.files import atomic_write

    atomic_write(Path(out), text)
    print(f"wrote {out}", file=sys.stderr)


def _report_text(report: Report, fmt: str) -> str:
    if fmt == "json":
        issues = [
            {
                "code": i.code,
                "severity": i.severity,
                "where": i.where,
                "message": i.message,
                "row": i.row,
                "column": i.column,
                "ids": list(i.ids),
            }
            for i in report.issues
        ]
        payload = {"ok": report.ok, "summary": report.summary(), "issues": issues}
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        from logicmodel.io.files import neutralise

        frame = report.to_frame()
        for column in ("where", "message"):
            frame[column] = [neutralise(v) for v in frame[column].tolist()]
        text: str = frame.to_csv(index=False, lineterminator="\n")
        return text
    body = "" if not report.issues else str(report) + "\n"
    return body + report.summary() + "\n"


# ------------------------------------------------------------------------------------ commands


def _cmd_check(args: argparse.Namespace) -> int:
    from logicmodel.checks import check
    from logicmodel.io import load

    model = load(args.model)
    observations = None if args.observations is None else _read_observations(args.observations)
    report = check(
        model,
        observations,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        lang=args.lang,
    )
    sys.stdout.write(_report_text(report, args.format))
    return 0 if report.ok else 1


def _cmd_schema(args: argparse.Namespace) -> int:
    from logicmodel.io import json_schema

    _write_text(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n", args.output)
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from logicmodel.io import dump, load

    src, dst = Path(args.input), Path(args.output)
    if src.resolve() == dst.resolve():
        raise _UsageError(f"input and output are the same file: {src}")
    dump(load(src), dst)
    print(f"wrote {dst}", file=sys.stderr)
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise _UsageError(f"the template is an Excel workbook: give a .xlsx path, not {out.name!r}")
    from logicmodel.io.excel import (  # type: ignore[import-not-found, unused-ignore]
        excel_template,
    )

    excel_template(out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _demo_model() -> LogicModel:
    from logicmodel.io.text import from_yaml

    return from_yaml(example_model_text(), path=f"<bundled example {EXAMPLE}>")


def _cmd_demo(args: argparse.Namespace) -> int:
    from logicmodel.checks import check
    from logicmodel.io.files import atomic_write
    from logicmodel.io.text import to_yaml
    from logicmodel.report.mermaid import to_dot, to_mermaid

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    model = _demo_model()
    report = check(model, lang=args.lang)
    written = [
        atomic_write(out / "model.yaml", to_yaml(model)),
        atomic_write(out / "check.txt", _report_text(report, "text")),
        atomic_write(out / "pathway.mmd", to_mermaid(model)),
        atomic_write(out / "pathway.dot", to_dot(model)),
    ]
    print(
        f"{model.title} ({model.id}): {len(model.nodes)} nodes, {len(model.links)} links, "
        f"{len(model.indicators)} indicators, {len(model.milestones)} milestones"
    )
    print(f"check: {report.summary()}")
    for path in written:
        print(f"wrote {path}")
    return 0 if report.ok else 1


# -------------------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Typed KGI/KPI logic models (ロジックモデル): check, convert, demo.",
        epilog="exit codes: 0 ok, 1 check found errors, 2 bad input or usage",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", parents=[common], help="check a model (and its observations)")
    p.add_argument("model", type=Path, help="model file (.yaml, .yml, .json, .xlsx)")
    p.add_argument("--observations", type=Path, metavar="OBS", help="observations (.csv, .parquet)")
    p.add_argument("--select", action="append", metavar="CODES", help="only these codes/prefixes")
    p.add_argument("--ignore", action="append", metavar="CODES", help="leave these codes out")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="message language")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("schema", parents=[common], help="print the JSON Schema of a model file")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("convert", parents=[common], help="convert a model between formats")
    p.add_argument("input", help="model file to read (.yaml, .yml, .json, .xlsx)")
    p.add_argument("output", help="model file to write (format by suffix)")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser(
        "template", parents=[common], help="write an empty Excel workbook to fill in"
    )
    p.add_argument("output", help="workbook to write (.xlsx)")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("demo", parents=[common], help="run the bundled example (書かない窓口)")
    p.add_argument(
        "-o",
        "--output",
        default="logicmodel-demo",
        metavar="DIR",
        help="folder to write into (default: ./logicmodel-demo)",
    )
    p.add_argument("--lang", choices=("en", "ja"), default="ja", help="message language")
    p.set_defaults(func=_cmd_demo)
    return parser


def _version() -> str:
    from logicmodel import __version__

    return __version__


def _one_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return "; ".join(lines) if lines else "unknown error"


def _fail(message: str, err: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exception(err, file=sys.stderr)
    print(f"{_PROG}: error: {_one_line(message)}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name, e.g. ``["check", "model.yaml"]``.

    Returns
    -------
    int
        0 ok, 1 ``check`` found errors, 2 bad input or usage.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    debug = bool(getattr(args, "debug", False))
    try:
        code: int = args.func(args)
    except LogicModelError as err:
        return _fail(str(err), err, debug)
    except _UsageError as err:
        return _fail(str(err), err, debug)
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}", err, debug)
    except ImportError as err:
        if (err.name or "").startswith("logicmodel"):
            return _fail(f"not available in this version of logicmodel ({err})", err, debug)
        extra = "pip install 'logicmodel[all]'"
        return _fail(
            f"a needed package is missing ({err}); install the extras: {extra}", err, debug
        )
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
