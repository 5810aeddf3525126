"""The ``logicmodel`` command line (DESIGN §4.7): a thin layer over the library.

Exit codes: 0 ok, 1 ``check`` found errors, 2 bad input or usage, 130 interrupted (Ctrl-C), 143
terminated (SIGTERM, handled by the console script's entry module ``_logicmodel_entry``). A user
error (any :class:`~logicmodel.LogicModelError`, an unreadable file, a missing optional extra)
prints one line ``logicmodel: error: …`` to stderr and never a traceback; ``--debug`` shows the
traceback. Every output goes through :mod:`logicmodel.io.atomic`: files appear complete or not at
all, a read-only output is replaced only with ``--force``, and multi-file outputs (``demo``,
``convert … rs:DIR``) are staged in a temporary folder and moved into place.

Examples
--------
>>> main(["schema", "--help"])  # doctest: +ELLIPSIS
usage: logicmodel schema [-h] [--debug] [--force] [-o FILE]
...
0
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logicmodel.errors import FormatError, LogicModelError

if TYPE_CHECKING:
    import pandas as pd

    from logicmodel.evaluation import Progress
    from logicmodel.io import ModelData
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


def _read_observations(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Observations from CSV, Parquet or Excel, codes kept as text; ``sheet`` for workbooks
    (default: the observations sheet, found by :func:`logicmodel.read_observations`)."""
    from logicmodel.io import read_observations

    if sheet is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise _UsageError(f"--sheet applies to Excel workbooks, not {path.name!r}")
    return read_observations(path, sheet=sheet)


def _write_text(text: str, out: str | None, *, force: bool = False) -> None:
    """``text`` to the file ``out`` (atomically), or to stdout when ``out`` is None or ``-``."""
    if out is None or out == "-":
        sys.stdout.write(text)
        return
    from logicmodel.io.atomic import atomic_write

    atomic_write(Path(out), text, overwrite=force)
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
    observations = (
        None if args.observations is None else _read_observations(args.observations, args.sheet)
    )
    hierarchy = None
    if args.hierarchy == "japan":
        if observations is None:
            raise _UsageError("--hierarchy checks the org codes of --observations; give them too")
        from logicmodel.orgs import Hierarchy

        hierarchy = Hierarchy.japan()
    report = check(
        model,
        observations,
        hierarchy=hierarchy,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        lang=args.lang,
    )
    sys.stdout.write(_report_text(report, args.format))
    return 0 if report.ok else 1


def _cmd_schema(args: argparse.Namespace) -> int:
    from logicmodel.io import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    _write_text(text, args.output, force=args.force)
    return 0


def _read_any(spec: str, project: str | None) -> ModelData:
    """A model (with observations where the format has them) from ``spec``.

    ``rs:PATH`` is an RS System folder, ZIP or 3-1 CSV; ``.xml`` is IATI; ``.xlsx`` keeps the
    observations sheet; ``.yaml``/``.yml``/``.json`` hold a model only.
    """
    from logicmodel.io import ModelData, load

    if spec.startswith("rs:"):
        from logicmodel.io.rs import read_rs

        projects = read_rs(Path(spec[3:]))
        if project is not None:
            return read_rs(Path(spec[3:]), project=project)
        if len(projects) != 1:
            shown = ", ".join(list(projects)[:10])
            raise _UsageError(
                f"{spec} holds {len(projects)} projects; choose one with --project (e.g. {shown})"
            )
        return next(iter(projects.values()))
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix == ".xml":
        from logicmodel.io import read_iati

        activities = read_iati(path)
        if not activities:
            raise FormatError("no iati-activity with results", path=path)
        if project is None and len(activities) > 1:
            ids = ", ".join(a.model.id for a in activities[:10])
            raise _UsageError(
                f"{spec} holds {len(activities)} activities; choose one with --project ({ids})"
            )
        if project is None:
            return activities[0]
        for data in activities:
            if (
                project in (data.model.id, *data.model.refs)
                or f"iati-identifier:{project}" in data.model.refs
            ):
                return data
        raise _UsageError(f"no activity {project!r} in {spec}")
    if suffix == ".xlsx":
        from logicmodel.io.excel import read_excel

        return read_excel(path)
    return ModelData(load(path), None)


def _write_any(
    data: ModelData, spec: str, project: str | None, *, force: bool = False
) -> list[Path]:
    """Write ``data`` to ``spec`` (same forms as :func:`_read_any`); returns the files written."""
    from logicmodel.io import dump

    if spec.startswith("rs:"):
        from logicmodel.io.atomic import staged_directory
        from logicmodel.io.rs import write_rs

        folder = Path(spec[3:])
        names = ("3-1_RS_効果発現経路_目標・実績.csv", "3-2_RS_効果発現経路_目標のつながり.csv")
        # staged: a failure leaves no folder and no half of the pair behind
        with staged_directory(folder, overwrite=force) as stage:
            write_rs(data, *(stage / n for n in names), project_id=project or data.model.id)
        return [folder / n for n in names]
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix == ".xml":
        from logicmodel.io import write_iati

        return [write_iati(data.model, data.observations, path, overwrite=force)]
    if suffix == ".xlsx":
        from logicmodel.io.excel import write_excel

        return [write_excel(data.model, path, observations=data.observations, overwrite=force)]
    return [dump(data.model, path, overwrite=force)]


def _cmd_convert(args: argparse.Namespace) -> int:
    src, dst = str(args.input), str(args.output)
    if (
        not src.startswith("rs:")
        and not dst.startswith("rs:")
        and os.path.realpath(src) == os.path.realpath(dst)  # no RuntimeError on a link loop
    ):
        raise _UsageError(f"input and output are the same file: {src}")
    steps = _steps(args, 2)
    with steps.step(f"reading {src}"):
        data = _read_any(src, args.project)
    with steps.step(f"writing {dst}"):
        written = _write_any(data, dst, args.project, force=args.force)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    kept = Path(dst).suffix.lower() not in (".yaml", ".yml", ".json")
    if data.observations is not None and len(data.observations) and not kept:
        print(
            f"note: {len(data.observations)} observation rows are not part of a {Path(dst).suffix} "
            "model file; convert to .xlsx to keep them",
            file=sys.stderr,
        )
    return 0


class _Steps:
    """Progress of a long command on stderr: ``[2/4] reading obs.csv … 3.1 s`` updated while a
    step runs, then ``done``. Off unless asked (``--progress``) or stderr is a terminal. When
    stderr is not a terminal (a log file), one line per finished step and no ``\\r`` updates."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.live = enabled and sys.stderr.isatty()
        self.total = total
        self.k = 0

    @contextlib.contextmanager
    def step(self, text: str) -> Iterator[None]:
        self.k += 1
        if not self.enabled:
            yield
            return
        head = f"[{self.k}/{self.total}] {text}"
        start = time.monotonic()
        outcome = "failed after"  # an error passing through is not "done"

        def end() -> str:
            return f"{head} … {outcome} {time.monotonic() - start:.1f} s\n"

        if not self.live:
            try:
                yield
                outcome = "done in"
            finally:
                sys.stderr.write(end())
            return
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.25):
                sys.stderr.write(f"\r{head} … {time.monotonic() - start:.1f} s")
                sys.stderr.flush()

        sys.stderr.write(f"{head} …")
        sys.stderr.flush()
        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        try:
            yield
            outcome = "done in"
        finally:
            stop.set()
            thread.join()
            sys.stderr.write("\r" + end())
            sys.stderr.flush()


def _steps(args: argparse.Namespace, total: int) -> _Steps:
    enabled = args.progress if args.progress is not None else sys.stderr.isatty()
    return _Steps(bool(enabled), total)


def _evaluate(args: argparse.Namespace, steps: _Steps) -> tuple[LogicModel, Progress]:
    from logicmodel.evaluation import evaluate
    from logicmodel.io import load

    with steps.step(f"reading {Path(args.model).name}"):
        model = load(args.model)
    with steps.step(f"reading {Path(args.observations).name}"):
        observations = _read_observations(args.observations, args.sheet)
    hierarchy = None
    if args.hierarchy == "japan":
        from logicmodel.orgs import Hierarchy

        hierarchy = Hierarchy.japan()
    with steps.step(f"evaluating {len(observations):,} observation rows"):
        progress = evaluate(
            model,
            observations,
            as_of=args.as_of,
            hierarchy=hierarchy,
            bands=args.bands,
            min_coverage=args.min_coverage,
            lang=args.lang,
            errors="drop" if args.skip_bad_rows else "raise",
        )
    left_out = [i for i in progress.report.warnings if i.message.endswith("; left out")]
    for issue in left_out:  # file lines (header = line 1), as read_observations numbers them
        print(f"logicmodel: skipped: {issue}", file=sys.stderr)
    if left_out:
        print(
            f"logicmodel: {len(left_out)} problem(s) in {args.observations}: those lines were left "
            "out and the rest evaluated",
            file=sys.stderr,
        )
    return model, progress


def _write_tables(progress: Progress, out: Path, *, force: bool = False) -> None:
    """Progress tables to Excel (every table), CSV or Parquet (indicators)."""
    if out.suffix.lower() not in (".xlsx", ".csv", ".parquet"):
        raise _UsageError(f"write progress to .csv, .parquet or .xlsx, not {out.name!r}")
    from logicmodel.io.progress import write_progress

    write_progress(progress, out, overwrite=force)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    steps = _steps(args, 4 if args.output else 3)
    _, progress = _evaluate(args, steps)
    if args.output:
        with steps.step(f"writing {Path(args.output).name}"):
            _write_tables(progress, Path(args.output), force=args.force)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(progress.summary().to_string(index=False) + "\n")
    n = len(progress.findings)
    line = (
        f"基準日 {progress.as_of}: 所見 {n} 件"
        if args.lang == "ja"
        else f"as of {progress.as_of}: {n} finding(s)"
    )
    print(line, file=sys.stderr)
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from logicmodel.report.dashboard import dashboard

    out = Path(args.output)
    if out.suffix.lower() not in (".html", ".htm"):
        raise _UsageError(f"the dashboard is an HTML file: give a .html path, not {out.name!r}")
    steps = _steps(args, 4)
    model, progress = _evaluate(args, steps)
    with steps.step(f"writing {out.name}"):
        dashboard(model, progress, out, org=args.org, overwrite=args.force)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise _UsageError(f"the template is an Excel workbook: give a .xlsx path, not {out.name!r}")
    from logicmodel.io.excel import (  # type: ignore[import-not-found, unused-ignore]
        excel_template,
    )

    excel_template(out, overwrite=args.force)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _demo_model() -> LogicModel:
    from logicmodel.io.text import from_yaml

    return from_yaml(example_model_text(), path=f"<bundled example {EXAMPLE}>")


def _cmd_demo(args: argparse.Namespace) -> int:
    import io as _io

    import pandas as pd

    from logicmodel.checks import check
    from logicmodel.evaluation import evaluate
    from logicmodel.io.atomic import atomic_write, staged_directory
    from logicmodel.io.frames import to_csv
    from logicmodel.io.text import to_yaml
    from logicmodel.report.dashboard import dashboard
    from logicmodel.report.mermaid import to_dot, to_mermaid

    out = Path(args.output)
    model = _demo_model()
    report = check(model, lang=args.lang)
    obs_text = resources.files("logicmodel").joinpath("examples", EXAMPLE, "observations.csv")
    observations = pd.read_csv(_io.StringIO(obs_text.read_text(encoding="utf-8")), dtype=str)
    progress = evaluate(model, observations, lang=args.lang)
    # every file goes into a temporary folder first and moves into ``out`` only when all are
    # written: a full disk or an interrupt leaves no half-written demo folder behind
    with staged_directory(out, overwrite=args.force) as stage:
        files = [
            atomic_write(stage / "model.yaml", to_yaml(model)),
            atomic_write(stage / "observations.csv", obs_text.read_text(encoding="utf-8")),
            atomic_write(stage / "check.txt", _report_text(report, "text")),
            to_csv(progress.indicators, stage / "progress.csv", bom=True),
            atomic_write(stage / "pathway.mmd", to_mermaid(model, progress)),
            atomic_write(stage / "pathway.dot", to_dot(model, progress)),
            atomic_write(stage / "dashboard.html", dashboard(model, progress)),
        ]
        charts = _demo_charts(model, progress, stage)
    written = [out / p.name for p in files]
    print(
        f"{model.title} ({model.id}): {len(model.nodes)} nodes, {len(model.links)} links, "
        f"{len(model.indicators)} indicators, {len(model.milestones)} milestones"
    )
    print(f"check: {report.summary()}")
    print(f"progress as of {progress.as_of}:")
    print(progress.summary().to_string(index=False))
    for path in written + [out / p.name for p in charts]:
        print(f"wrote {path}")
    if not charts:
        print("charts skipped: matplotlib is not installed (pip install 'logicmodel[viz]')")
    return 0 if report.ok else 1


def _demo_charts(model: LogicModel, progress: Any, out: Path) -> list[Path]:
    """``pathway.png`` and one ``kgi_<id>.png`` per KGI (needs the ``viz`` extra)."""
    try:
        import matplotlib
    except ImportError:
        return []
    import io as _io

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    from logicmodel.io.atomic import atomic_write
    from logicmodel.report import plot

    def save(name: str, ax: Any) -> Path:
        buf = _io.BytesIO()
        ax.figure.savefig(buf, format="png", dpi=110)
        plt.close(ax.figure)
        return atomic_write(out / name, buf.getvalue())

    written = [save("pathway.png", plot.pathway(model, progress))]
    for ind in model.indicators:
        if ind.role == "KGI":
            written.append(save(f"kgi_{ind.id}.png", plot.indicator(progress, ind.id)))
    return written


# -------------------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    writes = argparse.ArgumentParser(add_help=False)
    writes.add_argument(
        "--force",
        action="store_true",
        help="replace output files even when they are read-only",
    )
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Typed KGI/KPI logic models (ロジックモデル): check, evaluate, dashboard, convert.",
        epilog="exit codes: 0 ok, 1 check found errors, 2 bad input or usage, 130 Ctrl-C, "
        "143 SIGTERM",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_check(sub, common)
    _add_schema(sub, common, writes)
    _add_convert(sub, common, writes)
    _add_evaluate_and_dashboard(sub, common, writes)
    _add_template(sub, common, writes)
    _add_demo(sub, common, writes)
    return parser


def _add_check(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """``check``: a model and, optionally, its observations."""
    p = sub.add_parser("check", parents=[common], help="check a model (and its observations)")
    p.add_argument("model", type=Path, help="model file (.yaml, .yml, .json, .xlsx)")
    p.add_argument(
        "--observations", type=Path, metavar="OBS", help="observations (.csv, .parquet, .xlsx)"
    )
    p.add_argument("--sheet", metavar="NAME", help="the workbook sheet of the observations")
    p.add_argument(
        "--hierarchy",
        choices=("none", "japan"),
        default="none",
        help="japan: check the org codes of the observations (JIS X 0402, check digits, wards)",
    )
    p.add_argument("--select", action="append", metavar="CODES", help="only these codes/prefixes")
    p.add_argument("--ignore", action="append", metavar="CODES", help="leave these codes out")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="message language")
    p.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        default="text",
        help="text: one line per issue (default); json: an object; csv: a table",
    )
    p.set_defaults(func=_cmd_check)


def _add_schema(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    writes: argparse.ArgumentParser,
) -> None:
    """``schema``: the JSON Schema of a model file."""
    p = sub.add_parser(
        "schema", parents=[common, writes], help="print the JSON Schema of a model file"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=_cmd_schema)


def _add_convert(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    writes: argparse.ArgumentParser,
) -> None:
    """``convert``: a model from one format to another."""
    p = sub.add_parser("convert", parents=[common, writes], help="convert a model between formats")
    p.add_argument("input", help="what to read: .yaml .yml .json .xlsx, .xml (IATI) or rs:PATH")
    p.add_argument("output", help="what to write (format by suffix, or rs:DIR)")
    p.add_argument("--project", metavar="ID", help="予算事業ID (RS) or iati-identifier to pick")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show each step and its time on stderr (default: when stderr is a terminal)",
    )
    p.set_defaults(func=_cmd_convert)


def _add_evaluate_and_dashboard(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    writes: argparse.ArgumentParser,
) -> None:
    """``evaluate`` and ``dashboard``: a model with its observations, as a table or a page."""
    for name, helptext in (
        ("evaluate", "evaluate progress of a model from observations"),
        ("dashboard", "write the offline HTML policy dashboard"),
    ):
        p = sub.add_parser(name, parents=[common, writes], help=helptext)
        p.add_argument("model", type=Path, help="model file (.yaml, .yml, .json, .xlsx)")
        p.add_argument("observations", type=Path, help="observations (.csv, .parquet, .xlsx)")
        p.add_argument(
            "--sheet",
            metavar="NAME",
            help="the workbook sheet of the observations (default: found by its name or header)",
        )
        p.add_argument(
            "--as-of", dest="as_of", metavar="DATE", help="date or period (default: latest)"
        )
        p.add_argument(
            "--hierarchy",
            choices=("none", "japan"),
            default="none",
            help="japan: roll municipalities up to prefectures and the nation",
        )
        p.add_argument(
            "--bands",
            choices=("default", "sabcd", "sabc"),
            default="default",
            help="status bands: default (against the plan) or grades S-D (adds a grade column)",
        )
        p.add_argument(
            "--min-coverage",
            dest="min_coverage",
            type=float,
            default=1.0,
            metavar="SHARE",
            help="judge a total once this share of its organisations reported (default 1.0; "
            "below it the status is incomplete / 集計中)",
        )
        p.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show each step and its time on stderr (default: when stderr is a terminal)",
        )
        p.add_argument(
            "--skip-bad-rows",
            dest="skip_bad_rows",
            action="store_true",
            help="leave out observation lines with errors, evaluate the rest, list what was left out",
        )
        p.add_argument("--lang", choices=("en", "ja"), default="en", help="label language")
        if name == "evaluate":
            p.add_argument("-o", "--output", metavar="FILE", help="write .csv, .parquet or .xlsx")
            p.set_defaults(func=_cmd_evaluate)
        else:
            p.add_argument(
                "-o", "--output", metavar="FILE", required=True, help="the .html to write"
            )
            p.add_argument(
                "--org",
                metavar="CODE",
                help="one organisation's own dashboard (e.g. 131016; needs --hierarchy)",
            )
            p.set_defaults(func=_cmd_dashboard)


def _add_template(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    writes: argparse.ArgumentParser,
) -> None:
    """``template``: an empty Excel workbook."""
    p = sub.add_parser(
        "template", parents=[common, writes], help="write an empty Excel workbook to fill in"
    )
    p.add_argument("output", help="workbook to write (.xlsx)")
    p.set_defaults(func=_cmd_template)


def _add_demo(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    writes: argparse.ArgumentParser,
) -> None:
    """``demo``: the bundled example."""
    p = sub.add_parser(
        "demo", parents=[common, writes], help="run the bundled example (書かない窓口)"
    )
    p.add_argument(
        "-o",
        "--output",
        default="logicmodel-demo",
        metavar="DIR",
        help="folder to write into (default: ./logicmodel-demo)",
    )
    p.add_argument("--lang", choices=("en", "ja"), default="ja", help="message language")
    p.set_defaults(func=_cmd_demo)


def _version() -> str:
    from logicmodel import __version__

    return __version__


def _problem_lines(text: str) -> list[str]:
    """One line per problem: ``header:`` then each problem indented (issue 12: never joined by
    "; "); a header with a single problem stays one line."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return ["unknown error"]
    if len(lines) == 2 and lines[0].endswith(":"):
        return [f"{lines[0]} {lines[1]}"]
    return [lines[0], *(f"  {line}" for line in lines[1:])]


def _format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    """A warning as the command's own lines (``logicmodel: warning: …``), not Python's
    ``file.py:220: ConversionWarning:`` followed by a line of the library's source."""
    first, *rest = _problem_lines(str(message))
    return "\n".join([f"{_PROG}: warning: {first}", *rest]) + "\n"


def _fail(message: str, err: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exception(err, file=sys.stderr)
    first, *rest = _problem_lines(message)
    print("\n".join([f"{_PROG}: error: {first}", *rest]), file=sys.stderr)
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
        0 ok, 1 ``check`` found errors, 2 bad input or usage, 130 interrupted by Ctrl-C.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    debug = bool(getattr(args, "debug", False))
    shown = warnings.formatwarning
    warnings.formatwarning = _format_warning  # restored below: only while the command runs
    try:
        code: int = args.func(args)
    except LogicModelError as err:
        return _fail(str(err), err, debug)
    except _UsageError as err:
        return _fail(str(err), err, debug)
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}", err, debug)
    except RecursionError as err:  # a reader missed a nesting limit: still bad input, not a crash
        return _fail("the input is nested too deeply to read", err, debug)
    except MemoryError as err:
        return _fail("the input is too large to read in the memory available", err, debug)
    except ImportError as err:
        if (err.name or "").startswith("logicmodel"):
            return _fail(f"not available in this version of logicmodel ({err})", err, debug)
        extra = "pip install 'logicmodel[all]'"
        return _fail(
            f"a needed package is missing ({err}); install the extras: {extra}", err, debug
        )
    except KeyboardInterrupt:
        print(f"{_PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = shown
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
