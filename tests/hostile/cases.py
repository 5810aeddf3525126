"""The bad-input corpus (issue 12): hostile and malformed inputs through every reader, the API and
the CLI. Each case builds its input in a fresh folder and calls the public API; ``harness.py``
runs them in a memory-limited worker with a timeout, and ``tests/test_hostile.py`` checks each
outcome: the error class, the location in the message, and (for checks) the issue codes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Case,
    Result,
    expect_error,
    expect_error_or_ok,
    raises,
    returns,
    start_clock,
)

NODES = [
    {"id": "a", "kind": "activity", "label": "支援"},
    {"id": "o", "kind": "output", "label": "導入"},
    {"id": "w", "kind": "outcome", "stage": "short", "label": "待ち時間の短縮"},
]
LINKS = [{"source": "a", "target": "o"}, {"source": "o", "target": "w"}]
INDICATORS = [
    {
        "id": "n",
        "measures": "o",
        "name": "導入団体数",
        "unit": "団体",
        "baseline": {"period": "FY2023", "value": 10},
        "targets": [{"period": "FY2025", "value": 100}],
    }
]

GOOD_YAML = """\
id: m
title: 窓口
nodes:
  - id: a
    kind: activity
    label: 支援
  - id: o
    kind: output
    label: 導入
  - id: w
    kind: outcome
    stage: short
links:
  - source: a
    target: o
  - source: o
    target: w
indicators:
  - id: n
    measures: o
    name: 導入団体数
    unit: 団体
    baseline: {period: FY2023, value: 10}
    targets:
      - period: FY2025
        value: 100
"""


def model_data(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "m",
        "title": "窓口",
        "nodes": [dict(n) for n in NODES],
        "links": [dict(x) for x in LINKS],
        "indicators": [json.loads(json.dumps(i)) for i in INDICATORS],
    }
    data.update(fields)
    return data


def good_model() -> Any:
    import logicmodel as lm

    return lm.LogicModel.model_validate(model_data())


def good_obs(n: int = 3) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "indicator": ["n"] * n,
            "period": ["FY2024"] * n,
            "value": [float(k + 1) for k in range(n)],
            "org": [f"0{k + 1}1002" for k in range(n)],
        }
    )


def load(name: str, content: str | bytes | None = None) -> Callable[[Path], Any]:
    """A case that writes ``content`` to ``tmp/name`` and calls ``lm.load``."""

    def run(tmp: Path) -> Any:
        import logicmodel as lm

        path = tmp / name
        if content is not None:
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                path.write_bytes(content)
        start_clock()
        return lm.load(path).id

    return run


def special(name: str, make: Callable[[Path], None], call: str = "load") -> Callable[[Path], Any]:
    """A case whose input file ``tmp/name`` is made by ``make`` (a FIFO, a symlink …)."""

    def run(tmp: Path) -> Any:
        import logicmodel as lm

        path = tmp / name
        make(path)
        start_clock()
        if call == "load":
            return lm.load(path).id
        if call == "observations":
            return len(lm.read_observations(path))
        if call == "excel":
            return lm.io.read_excel(path).model.id
        if call == "iati":
            return len(lm.io.read_iati(path))
        if call == "rs":
            return len(lm.io.read_rs(path))
        if call == "csvs":
            return lm.io.read_csvs(path).id
        raise AssertionError(call)

    return run


def fifo(path: Path) -> None:
    os.mkfifo(path)


def link_to(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.symlink_to(target)

    return make


def loop(path: Path) -> None:
    other = path.with_name("loop-" + path.name)
    path.symlink_to(other.name)
    other.symlink_to(path.name)


def folder(path: Path) -> None:
    path.mkdir()


def sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "wb") as fh:
            fh.write(b"id: m\n")
            fh.truncate(size)

    return make


def bomb_yaml(levels: int, where: str) -> str:
    """A billion-laughs document (10**levels "lol"s) whose last alias is placed at ``where``."""
    lines = ["x-bombs:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels + 1):
        lines.append(f"  a{k}: &a{k} [{','.join([f'*a{k - 1}'] * 10)}]")
    lines.append(f"  top: &bomb [*a{levels}, *a{levels}]")
    body = {
        "kind": "nodes:\n  - id: a\n    kind: *bomb\n",
        "stage": "nodes:\n  - id: a\n    kind: outcome\n    stage: *bomb\n",
        "id": "nodes:\n  - id: *bomb\n    kind: output\n",
        "label": "nodes:\n  - id: a\n    kind: output\n    label: *bomb\n",
        "nodes": "nodes: *bomb\n",
        "indicators": "indicators: *bomb\n",
        "title": "",
        "unit": "nodes:\n  - {id: o, kind: output}\nindicators:\n  - {id: n, measures: o, unit: *bomb}\n",
        "tags": "nodes:\n  - id: a\n    kind: output\n    tags: *bomb\n",
        "targets": "nodes:\n  - {id: o, kind: output}\nindicators:\n  - {id: n, measures: o, targets: *bomb}\n",
    }[where]
    title = "*bomb" if where == "title" else "t"
    return "\n".join(lines) + f"\nid: m\ntitle: {title}\n" + body


def deep_list_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_dict_json(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def deep_value(depth: int, kind: str = "dict") -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value} if kind == "dict" else [value]
    return value


# -- YAML and JSON model files -------------------------------------------------------------------


def yaml_json_cases() -> Iterator[Case]:
    for levels in (7, 9):
        for where in (
            "kind",
            "stage",
            "id",
            "label",
            "nodes",
            "indicators",
            "title",
            "unit",
            "tags",
            "targets",
        ):
            text = bomb_yaml(levels, where)
            yield raises(
                f"yaml/alias-bomb-{levels}-levels-in-{where}",
                load("m.yaml", text),
                "LimitError",
                "m.yaml",
                "yaml_nodes",
            )
    # duplicate keys at every level: (label, YAML text, JSON text, key, line)
    dups = [
        ("top-indicators", GOOD_YAML + "indicators: []\n", "indicators", 27),
        ("top-id", "id: m\nid: other\ntitle: t\n", "id", 2),
        ("top-title", "id: m\ntitle: a\ntitle: b\n", "title", 3),
        ("top-nodes", "id: m\ntitle: t\nnodes: []\nnodes: []\n", "nodes", 4),
        ("node-id", "id: m\ntitle: t\nnodes:\n  - id: a\n    id: b\n    kind: output\n", "id", 5),
        (
            "node-kind",
            "id: m\ntitle: t\nnodes:\n  - id: a\n    kind: output\n    kind: input\n",
            "kind",
            6,
        ),
        (
            "node-label",
            "id: m\ntitle: t\nnodes:\n  - id: a\n    kind: output\n    label: x\n    label: y\n",
            "label",
            7,
        ),
        (
            "indicator-unit",
            GOOD_YAML.replace("    unit: 団体\n", "    unit: 団体\n    unit: 件\n"),
            "unit",
            23,
        ),
        (
            "point-value",
            GOOD_YAML.replace("        value: 100\n", "        value: 100\n        value: 200\n"),
            "value",
            27,
        ),
        (
            "flow-baseline",
            GOOD_YAML.replace(
                "{period: FY2023, value: 10}", "{period: FY2023, value: 10, value: 11}"
            ),
            "value",
            23,
        ),
        (
            "link-target",
            GOOD_YAML.replace("    target: o\n", "    target: o\n    target: a\n"),
            "target",
            16,
        ),
        ("aggregation", GOOD_YAML + "    aggregation: {time: sum, time: last}\n", "time", 27),
    ]
    for label, text, key, line in dups:
        yield raises(
            f"yaml/duplicate-key-{label}",
            load("m.yaml", text),
            "FormatError",
            "m.yaml",
            f"duplicate key {key!r}",
            f"line {line}",
        )
    json_dups = [
        (
            "top-indicators",
            '{"id": "m", "title": "t", "indicators": [],\n "indicators": []}',
            "indicators",
            2,
        ),
        ("top-id", '{"id": "m",\n"id": "x", "title": "t"}', "id", 2),
        (
            "node-id",
            '{"id": "m", "title": "t", "nodes": [\n{"id": "a", "kind": "output",\n "id": "b"}]}',
            "id",
            3,
        ),
        (
            "deep",
            '{"id": "m", "title": "t", "indicators": [{"id": "n", "measures": "o",\n "baseline": {"period": "FY2023", "value": 1, "value": 2}}]}',
            "value",
            2,
        ),
        (
            "aggregation",
            '{"id": "m", "title": "t", "indicators": [{"id": "n", "measures": "o", "aggregation": {"time": "sum",\n"time": "last"}}]}',
            "time",
            2,
        ),
    ]
    for label, text, key, line in json_dups:
        yield raises(
            f"json/duplicate-key-{label}",
            load("m.json", text),
            "FormatError",
            "m.json",
            f"duplicate key {key!r}",
            f"line {line}",
        )
    for depth in (65, 1_000, 50_000):
        yield raises(
            f"json/deep-list-{depth}",
            load("m.json", deep_list_json(depth)),
            "FormatError",
            "m.json",
        )
        yield raises(
            f"json/deep-dict-{depth}",
            load("m.json", deep_dict_json(depth)),
            "LimitError",
            "m.json",
            "depth",
        )
        yield raises(
            f"json/deep-in-title-{depth}",
            load("m.json", '{"id": "m", "title": ' + deep_list_json(depth) + "}"),
            "LimitError",
            "m.json",
            "depth",
        )
        yield raises(
            f"yaml/deep-flow-list-{depth}",
            load("m.yaml", deep_list_json(depth)),
            "FormatError",
            "m.yaml",
        )
        yield raises(
            f"yaml/deep-flow-in-title-{depth}",
            load("m.yaml", "id: m\ntitle: " + deep_list_json(depth) + "\n"),
            "LimitError",
            "m.yaml",
            "depth",
        )
    for depth in (65, 3_000):
        block = (
            "".join("  " * (k + 1) + f"k{k}:\n" for k in range(depth)) + "  " * (depth + 1) + "1\n"
        )
        yield raises(
            f"yaml/deep-block-{depth}",
            load("m.yaml", "id: m\ntitle: t\nx:\n" + block),
            "LimitError",
            "m.yaml",
            "depth",
        )
    big = "1" * 5_000
    for field, yaml_text, json_text in (
        ("value", GOOD_YAML.replace("value: 100", f"value: {big}"), None),
        (
            "weight",
            GOOD_YAML.replace("    unit: 団体\n", f"    unit: 団体\n    weight: {big}\n"),
            None,
        ),
        (
            "fiscal-year-start",
            f"id: m\ntitle: t\nfiscal_year_start: {big}\n",
            f'{{"id": "m", "title": "t", "fiscal_year_start": {big}}}',
        ),
        ("id", f"id: {big}\ntitle: t\n", f'{{"id": {big}, "title": "t"}}'),
        (
            "negative",
            f"id: m\ntitle: t\nfiscal_year_start: -{big}\n",
            f'{{"id": "m", "title": "t", "fiscal_year_start": -{big}}}',
        ),
        (
            "101-digits",
            f"id: m\ntitle: t\nfiscal_year_start: {'9' * 101}\n",
            f'{{"id": "m", "title": "t", "fiscal_year_start": {"9" * 101}}}',
        ),
    ):
        yield raises(
            f"yaml/int-digits-{field}",
            load("m.yaml", yaml_text),
            "LimitError",
            "m.yaml",
            "int_digits",
            "line",
        )
        if json_text is not None:
            yield raises(
                f"json/int-digits-{field}",
                load("m.json", json_text),
                "LimitError",
                "m.json",
                "int_digits",
            )
    for suffix in ("yaml", "json"):
        name = f"m.{suffix}"
        yield raises(
            f"{suffix}/fifo", special(name, fifo), "FormatError", name, "not a regular file"
        )
        yield raises(
            f"{suffix}/dev-zero",
            special(name, link_to("/dev/zero")),
            "FormatError",
            name,
            "not a regular file",
        )
        yield raises(
            f"{suffix}/dev-urandom",
            special(name, link_to("/dev/urandom")),
            "FormatError",
            name,
            "not a regular file",
        )
        yield raises(
            f"{suffix}/dev-null",
            special(name, link_to("/dev/null")),
            "FormatError",
            name,
            "not a regular file",
        )
        yield raises(
            f"{suffix}/symlink-loop", special(name, loop), "FormatError", name, "symbolic links"
        )
        yield raises(
            f"{suffix}/dangling-symlink",
            special(name, link_to("nowhere.yaml")),
            "FormatError",
            name,
            "not found",
        )
        yield raises(f"{suffix}/folder", special(name, folder), "FormatError", name, "folder")
        yield raises(f"{suffix}/missing", load(name), "FormatError", name, "not found")
        yield raises(
            f"{suffix}/sparse-60MB",
            special(name, sparse(60 * 1024**2)),
            "LimitError",
            name,
            "model_file_bytes",
        )
        yield raises(f"{suffix}/binary", load(name, bytes(range(256)) * 4), "FormatError", name)
        yield raises(
            f"{suffix}/not-utf8",
            load(name, "id: 窓口\n".encode("cp932")),
            "FormatError",
            name,
            "UTF-8",
        )
        yield raises(f"{suffix}/empty", load(name, ""), "FormatError", name)
        yield raises(
            f"{suffix}/nul-byte", load(name, b"id: m\x00\ntitle: t\n"), "FormatError", name
        )
        yield raises(
            f"{suffix}/top-level-list", load(name, "[1, 2]"), "FormatError", name, "mapping"
        )
        yield raises(f"{suffix}/top-level-number", load(name, "12"), "FormatError", name, "mapping")
        yield raises(
            f"{suffix}/megabyte-id",
            load(name, json.dumps({"id": "x" * 1_000_000, "title": "t"})),
            "ModelError",
            name,
            "id",
        )
        yield raises(
            f"{suffix}/megabyte-title",
            load(name, json.dumps({"id": "m", "title": "x" * 1_000_000})),
            "ModelError",
            name,
            "title",
        )
        yield raises(
            f"{suffix}/megabyte-kind",
            load(name, json.dumps(model_data(nodes=[{"id": "a", "kind": "k" * 1_000_000}]))),
            "ModelError",
            name,
            "nodes[0]",
        )
        yield raises(
            f"{suffix}/megabyte-unit",
            load(
                name,
                json.dumps(
                    model_data(indicators=[{"id": "n", "measures": "o", "unit": "件" * 1_000_000}])
                ),
            ),
            "ModelError",
            name,
            "unit",
        )
        yield raises(
            f"{suffix}/megabyte-stage",
            load(
                name,
                json.dumps(
                    model_data(nodes=[{"id": "a", "kind": "outcome", "stage": "s" * 1_000_000}])
                ),
            ),
            "ModelError",
            name,
            "stage",
        )
        yield raises(
            f"{suffix}/many-errors",
            load(
                name,
                json.dumps(
                    model_data(nodes=[{"id": f"{k}x", "kind": "output"} for k in range(5_000)])
                ),
            ),
            "ModelError",
            name,
            "5000 problems",
        )
        yield raises(
            f"{suffix}/nan-value",
            load(
                name,
                json.dumps(
                    model_data(
                        indicators=[
                            {
                                "id": "n",
                                "measures": "o",
                                "baseline": {"period": "FY2023", "value": float("nan")},
                            }
                        ]
                    )
                ),
            ),
            "LogicModelError",
            name,
        )
        yield raises(
            f"{suffix}/fiscal-year-start-true",
            load(name, json.dumps({"id": "m", "title": "t", "fiscal_year_start": True})),
            "ModelError",
            name,
            "fiscal_year_start",
        )
        yield raises(
            f"{suffix}/fiscal-year-start-13",
            load(name, json.dumps({"id": "m", "title": "t", "fiscal_year_start": 13})),
            "ModelError",
            name,
            "fiscal_year_start",
        )
        yield raises(
            f"{suffix}/nodes-not-list",
            load(name, json.dumps({"id": "m", "title": "t", "nodes": "abc"})),
            "ModelError",
            name,
            "nodes",
        )
        yield raises(
            f"{suffix}/node-is-number",
            load(name, json.dumps({"id": "m", "title": "t", "nodes": [5]})),
            "ModelError",
            name,
            "nodes[0]",
        )
        yield raises(
            f"{suffix}/targets-huge-map",
            load(
                name,
                json.dumps(
                    model_data(
                        indicators=[
                            {
                                "id": "n",
                                "measures": "o",
                                "targets": {f"FY{2000 + k}x": 1 for k in range(2000)},
                            }
                        ]
                    )
                ),
            ),
            "ModelError",
            name,
            "targets",
        )
    yaml_only = [
        ("python-object-tag", "id: !!python/object/apply:os.system ['true']\ntitle: t\n", "m.yaml"),
        ("binary-tag", "id: !!binary aGVsbG8=\ntitle: t\n", "m.yaml"),
        ("undefined-alias", "id: *nothing\ntitle: t\n", "m.yaml"),
        ("two-documents", "id: m\ntitle: t\n---\nid: n\n", "m.yaml"),
        ("tab-indent", "id: m\nnodes:\n\t- id: a\n", "m.yaml"),
        ("unclosed-quote", 'id: "m\ntitle: t\n', "m.yaml"),
        ("merge-bomb", bomb_yaml(8, "kind").replace("kind: *bomb", "<<: *bomb"), "m.yaml"),
        ("comment-only", "# nothing here\n", "m.yaml"),
        ("control-chars", "id: m\ntitle: \x07\x1b\n", "m.yaml"),
        ("escape-nul", 'id: m\ntitle: "\\0"\nnodes: 5\n', "m.yaml"),
        ("date-id", "id: 2024-01-01\ntitle: t\n", "m.yaml"),
        ("set-tag", "id: m\ntitle: t\ntags: !!set {a, b}\n", "m.yaml"),
    ]
    for label, text, name in yaml_only:
        yield raises(f"yaml/{label}", load(name, text), "LogicModelError", name)
    json_only = [
        ("trailing-comma", '{"id": "m", "title": "t",}'),
        ("nan-literal", '{"id": "m", "title": "t", "fiscal_year_start": NaN}'),
        ("infinity-literal", '{"id": "m", "title": "t", "fiscal_year_start": Infinity}'),
        ("lone-surrogate", '{"id": "\\ud800", "title": "t"}'),
        ("huge-float", '{"id": "m", "title": "t", "fiscal_year_start": 1e400}'),
        ("trailing-garbage", '{"id": "m", "title": "t"} x'),
        ("single-quotes", "{'id': 'm'}"),
        ("bom-then-array", "\ufeff[]"),
        ("deep-exponent", '{"id": "m", "title": "t", "fiscal_year_start": 1e999999999}'),
    ]
    for label, text in json_only:
        yield raises(f"json/{label}", load("m.json", text), "LogicModelError", "m.json")
    yield raises("load/unknown-suffix", load("m.txt", "id: m"), "FormatError", "m.txt", "suffix")
    yield raises("load/no-suffix", load("model", "id: m"), "FormatError", "model", "suffix")


# -- building a model through the API ------------------------------------------------------------


class _Hostile:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


API_VALUES: dict[str, Callable[[], Any]] = {
    "deep-dict-2000": lambda: deep_value(2_000),
    "deep-list-2000": lambda: deep_value(2_000, "list"),
    "megabyte-text": lambda: "x" * 1_000_000,
    "object": _Hostile,
    "complex": lambda: complex(1, 2),
}

API_FIELDS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "model.id": lambda v: model_data(id=v),
    "model.title": lambda v: model_data(title=v),
    "model.owner": lambda v: model_data(owner=v),
    "model.fiscal_year_start": lambda v: model_data(fiscal_year_start=v),
    "node.id": lambda v: model_data(nodes=[{"id": v, "kind": "output"}]),
    "node.kind": lambda v: model_data(nodes=[{"id": "a", "kind": v}]),
    "node.stage": lambda v: model_data(nodes=[{"id": "a", "kind": "outcome", "stage": v}]),
    "node.label": lambda v: model_data(nodes=[{"id": "a", "kind": "output", "label": v}]),
    "node.tags": lambda v: model_data(nodes=[{"id": "a", "kind": "output", "tags": v}]),
    "link.source": lambda v: model_data(links=[{"source": v, "target": "o"}]),
    "link.weight": lambda v: model_data(links=[{"source": "a", "target": "o", "weight": v}]),
    "indicator.unit": lambda v: model_data(indicators=[{"id": "n", "measures": "o", "unit": v}]),
    "indicator.direction": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "direction": v}]
    ),
    "indicator.baseline": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "baseline": v}]
    ),
    "indicator.targets": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "targets": v}]
    ),
    "indicator.aggregation": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "aggregation": v}]
    ),
    "indicator.formula": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "formula": v}]
    ),
    "indicator.weight": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "weight": v}]
    ),
    "point.value": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "baseline": {"period": "FY2023", "value": v}}]
    ),
    "point.period": lambda v: model_data(
        indicators=[{"id": "n", "measures": "o", "baseline": {"period": v, "value": 1}}]
    ),
    "milestone.due": lambda v: model_data(milestones=[{"id": "ms", "title": "t", "due": v}]),
}


def api_cases() -> Iterator[Case]:
    for field, build in API_FIELDS.items():
        for vname, make in API_VALUES.items():

            def run(tmp: Path, build: Any = build, make: Any = make) -> Any:
                import logicmodel as lm

                return lm.LogicModel.model_validate(build(make())).id

            last = field.split(".")[-1]
            yield raises(f"api/{field}={vname}", run, "ModelError", last)
    # the keyword constructor and the node classes too
    for vname, make in API_VALUES.items():

        def run_kw(tmp: Path, make: Any = make) -> Any:
            import logicmodel as lm

            return lm.Output(id="o", label=make()).id

        yield raises(f"api/Output(label={vname})", run_kw, "ModelError", "label")

        def run_ind(tmp: Path, make: Any = make) -> Any:
            import logicmodel as lm

            return lm.KPI(id="k", measures="o", unit=make()).id

        yield raises(f"api/KPI(unit={vname})", run_ind, "ModelError", "unit")
    yield raises(
        "api/fiscal_year_start=True",
        lambda tmp: (
            __import__("logicmodel").LogicModel(id="m", title="t", fiscal_year_start=True).id
        ),
        "ModelError",
        "fiscal_year_start",
        "bool",
    )


# -- evaluate and check ------------------------------------------------------------------------


def _evaluate(**kw: Any) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        import logicmodel as lm

        model = kw.pop("model", None) if "model" in kw else good_model()
        obs = kw.pop("observations") if "observations" in kw else good_obs()
        progress = lm.evaluate(model, obs, **kw)
        return len(progress.indicators)

    return run


def _check(**kw: Any) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        import logicmodel as lm

        model = kw.pop("model") if "model" in kw else good_model()
        report = lm.check(model, **kw)
        return [i.code for i in report.issues]

    return run


def _obs_frame(make: Callable[[], Any]) -> Any:
    return make


def evaluate_cases() -> Iterator[Case]:
    import numpy as np
    import pandas as pd

    yield raises("evaluate/model=None", _evaluate(model=None), "LogicModelError", "model")
    yield raises("evaluate/model=dict", _evaluate(model={"id": "m"}), "LogicModelError", "model")
    yield raises("evaluate/model=str", _evaluate(model="m.yaml"), "LogicModelError", "model")
    yield raises(
        "evaluate/hierarchy=japan", _evaluate(hierarchy="japan"), "LogicModelError", "hierarchy"
    )
    yield raises("evaluate/hierarchy=42", _evaluate(hierarchy=42), "LogicModelError", "hierarchy")
    yield raises(
        "evaluate/as_of=garbage", _evaluate(as_of="not a period"), "LogicModelError", "not a period"
    )
    yield raises("evaluate/as_of=object", _evaluate(as_of=object()), "LogicModelError", "period")
    yield raises("evaluate/as_of=megabyte", _evaluate(as_of="x" * 1_000_000), "LogicModelError")
    yield raises("evaluate/rollup=nope", _evaluate(rollup="nope"), "LogicModelError", "nope")
    yield raises("evaluate/rollup=42", _evaluate(rollup=42), "LogicModelError", "rollup")
    yield raises("evaluate/bands=x", _evaluate(bands="x"), "LogicModelError", "bands")
    yield raises("evaluate/lang=xx", _evaluate(lang="xx"), "LogicModelError", "lang")
    yield raises(
        "evaluate/observations=42", _evaluate(observations=42), "LogicModelError", "observations"
    )
    yield raises(
        "evaluate/observations=str",
        _evaluate(observations="obs.csv"),
        "LogicModelError",
        "observations",
    )
    yield raises(
        "evaluate/observations=list",
        _evaluate(observations=[1, 2, 3]),
        "LogicModelError",
        "observations",
    )
    yield raises("check/model=None", _check(model=None), "LogicModelError", "LogicModel")
    yield raises("check/select=5", _check(select=5), "LogicModelError", "select")
    yield raises("check/lang=xx", _check(lang="xx"), "LogicModelError", "lang")
    yield raises(
        "check/observations=42", _check(observations=42), "LogicModelError", "observations"
    )

    def frame(**cols: Any) -> Any:
        return pd.DataFrame(cols)

    bad_frames: dict[str, Callable[[], Any]] = {
        "duplicate-column-names": lambda: pd.DataFrame(
            [["n", "FY2024", 1.0, 2.0]], columns=["indicator", "period", "value", "value"]
        ),
        "duplicate-alias-columns": lambda: pd.DataFrame(
            [["n", "FY2024", 1.0, 2.0]], columns=["indicator", "period", "value", "値"]
        ),
        "list-values": lambda: frame(indicator=["n"], period=["FY2024"], value=[[1, 2]]),
        "dict-values": lambda: frame(indicator=["n"], period=["FY2024"], value=[{"a": 1}]),
        "list-indicator": lambda: frame(indicator=[["n"]], period=["FY2024"], value=[1.0]),
        "dict-period": lambda: frame(indicator=["n"], period=[{"y": 2024}], value=[1.0]),
        "bytes-values": lambda: frame(indicator=["n"], period=["FY2024"], value=[b"\x00\x01"]),
        "object-values": lambda: frame(indicator=["n"], period=["FY2024"], value=[_Hostile()]),
        "complex-values": lambda: frame(indicator=["n"], period=["FY2024"], value=[1 + 2j]),
        "int-period": lambda: frame(indicator=["n"], period=[2024], value=[1.0]),
        "megabyte-indicator": lambda: frame(
            indicator=["x" * 1_000_000], period=["FY2024"], value=[1.0]
        ),
        "megabyte-period": lambda: frame(indicator=["n"], period=["x" * 1_000_000], value=[1.0]),
        "megabyte-value": lambda: frame(
            indicator=["n"], period=["FY2024"], value=["9" * 1_000_000]
        ),
        "nul-org": lambda: frame(
            indicator=["n"], period=["FY2024"], value=[1.0], org=["01\x00100"]
        ),
        "multiindex-columns": lambda: pd.DataFrame(
            [["n", "FY2024", 1.0]],
            columns=pd.MultiIndex.from_tuples(
                [("a", "indicator"), ("a", "period"), ("a", "value")]
            ),
        ),
        "int-column-names": lambda: pd.DataFrame([["n", "FY2024", 1.0]], columns=[0, 1, 2]),
        "no-columns": pd.DataFrame,
        "inf-values": lambda: frame(
            indicator=["n", "n"], period=["FY2024", "FY2025"], value=[np.inf, -np.inf]
        ),
    }
    for label, make in bad_frames.items():

        def run(tmp: Path, make: Any = make) -> Any:
            import logicmodel as lm

            progress = lm.evaluate(good_model(), make())
            ach = progress.indicators["achievement"].to_numpy(dtype=float)
            assert not np.isinf(ach).any(), "achievement shown as inf"
            return len(progress.indicators)

        valid = label in ("int-period", "nul-org")
        yield Case(
            f"evaluate/frame-{label}",
            run,
            expect_error_or_ok(_has_rows if valid else _never),
            "evaluate",
        )

        def run_check(tmp: Path, make: Any = make) -> Any:
            import logicmodel as lm

            return sorted({i.code for i in lm.check(good_model(), make()).errors})

        yield Case(
            f"check/frame-{label}",
            run_check,
            expect_error_or_ok(_no_error_code if valid else _has_error_code),
            "check",
        )

    def unknown_ids(tmp: Path) -> Any:
        import logicmodel as lm

        n = 100_000
        obs = pd.DataFrame(
            {"indicator": [f"u{k}" for k in range(n)], "period": "FY2024", "value": 1.0}
        )
        report = lm.check(good_model(), obs)
        text = str(report)
        more = [i.message for i in report.issues if "more unknown" in i.message]
        return {"issues": len(report.issues), "chars": len(text), "text": " ".join(more)}

    def few_lines(value: Any) -> None:
        assert value["issues"] <= 25, value["issues"]
        assert value["chars"] < 20_000, value["chars"]
        assert "99,980 more unknown indicator ids" in value["text"], value["text"]

    yield returns("check/100000-unknown-indicator-ids", unknown_ids, few_lines, area="check")

    def unknown_ids_evaluate(tmp: Path) -> Any:
        import logicmodel as lm

        n = 100_000
        obs = pd.DataFrame(
            {"indicator": [f"u{k}" for k in range(n)], "period": "FY2024", "value": 1.0}
        )
        return len(lm.evaluate(good_model(), obs).indicators)

    yield raises(
        "evaluate/100000-unknown-indicator-ids",
        unknown_ids_evaluate,
        "CheckError",
        "99,980 more unknown indicator ids",
        area="evaluate",
    )


def _has_rows(n: Any) -> None:
    assert n >= 1, n


def _never(value: Any) -> None:
    raise AssertionError(f"a result for bad input: {value!r}")


def _no_error_code(codes: Any) -> None:
    assert codes == [], codes


def _has_error_code(codes: Any) -> None:
    assert codes, codes
    assert any(str(c).startswith("LM3") for c in codes), codes


# -- checks for what used to be accepted silently ----------------------------------------------


def _codes_of(data: dict[str, Any], obs: Any = None) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        import logicmodel as lm

        model = lm.LogicModel.model_validate(data)
        observations = obs() if callable(obs) else obs
        return sorted({f"{i.code}:{i.where}" for i in lm.check(model, observations).issues})

    return run


def has_code(code: str, where: str = "") -> Callable[[Any], None]:
    def check(codes: Any) -> None:
        assert any(c.startswith(code) and where in c for c in codes), (code, where, codes)

    return check


def check_cases() -> Iterator[Case]:
    import pandas as pd

    texts = {
        "empty": "",
        "blank": "   ",
        "ideographic-space": "\u3000",
        "nul": "a\x00b",
        "escape": "\x1b[31mred\x1b[0m",
        "bell": "x\x07",
        "zero-width": "\u200b",
        "bidi-override": "abc\u202edef",
    }
    for label, text in texts.items():
        yield returns(
            f"checks/title-{label}",
            _codes_of(model_data(title=text)),
            has_code("LM1"),
            area="checks",
        )
        yield returns(
            f"checks/label-{label}",
            _codes_of(
                model_data(nodes=[{"id": "a", "kind": "activity", "label": text}, *NODES[1:]])
            ),
            has_code("LM1", "a"),
            area="checks",
        )
        yield returns(
            f"checks/indicator-name-{label}",
            _codes_of(model_data(indicators=[{**INDICATORS[0], "name": text}])),
            has_code("LM2", "n"),
            area="checks",
        )
    confusables = {
        "cyrillic-a": ("a", "\u0430"),
        "fullwidth-a": ("a", "\uff41"),
        "greek-omicron": ("o", "\u03bf"),
        "fullwidth-digit": ("n1", "n\uff11"),
        "katakana-hyphen-like": ("x_y", "x\uff3fy"),
    }
    for label, (first, second) in confusables.items():
        data = model_data(
            nodes=[
                {"id": first, "kind": "activity"},
                {"id": second, "kind": "output"},
            ],
            links=[],
            indicators=[],
        )
        yield Case(
            f"checks/confusable-ids-{label}",
            _codes_of(data),
            expect_error_or_ok(has_code("LM1"), "id"),
            "checks",
        )
    yield returns(
        "checks/negative-count",
        _codes_of(
            model_data(),
            lambda: pd.DataFrame({"indicator": ["n"], "period": ["FY2024"], "value": [-5.0]}),
        ),
        has_code("LM3"),
        area="checks",
    )
    yield returns(
        "checks/negative-baseline-count",
        _codes_of(
            model_data(
                indicators=[{**INDICATORS[0], "baseline": {"period": "FY2023", "value": -3}}]
            )
        ),
        has_code("LM2", "n"),
        area="checks",
    )
    yield returns(
        "checks/future-period-observation",
        _codes_of(
            model_data(),
            lambda: pd.DataFrame({"indicator": ["n"], "period": ["FY2090"], "value": [5.0]}),
        ),
        has_code("LM3"),
        area="checks",
    )
    yield returns(
        "checks/future-target",
        _codes_of(
            model_data(
                indicators=[{**INDICATORS[0], "targets": [{"period": "FY2099", "value": 100}]}]
            )
        ),
        has_code("LM2", "n"),
        area="checks",
    )
    yield returns(
        "checks/overflow-sum",
        _codes_of(
            model_data(),
            lambda: pd.DataFrame(
                {
                    "indicator": ["n", "n"],
                    "period": ["FY2024", "FY2024"],
                    "value": [1e308, 1e308],
                    "org": ["011002", "012025"],
                }
            ),
        ),
        has_code("LM3"),
        area="checks",
    )

    def overflow_evaluate(tmp: Path) -> Any:
        import numpy as np

        import logicmodel as lm

        obs = pd.DataFrame(
            {
                "indicator": ["n", "n"],
                "period": ["FY2024", "FY2024"],
                "value": [1e308, 1e308],
                "org": ["011002", "012025"],
            }
        )
        progress = lm.evaluate(good_model(), obs)
        ach = progress.indicators["achievement"].to_numpy(dtype=float)
        return {"inf": bool(np.isinf(ach).any())}

    def no_inf(value: Any) -> None:
        assert not value["inf"], value

    yield raises(
        "evaluate/overflow-sum-not-inf", overflow_evaluate, "CheckError", "LM321", area="evaluate"
    )


# -- observation files ---------------------------------------------------------------------------


def read_obs(name: str, content: str | bytes, **kw: Any) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        import logicmodel as lm

        path = tmp / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        start_clock()
        return len(lm.read_observations(path, **kw))

    return run


def observation_cases() -> Iterator[Case]:
    header = "indicator,org,period,value\n"
    csvs = {
        "ragged-long": (header + "n,011002,FY2024,1\nn,011002,FY2024,1,extra\n", "line 3"),
        "ragged-short": (header + "n,011002,FY2024,1\nn,011002\n", "line 3"),
        "duplicate-header": ("indicator,org,period,value,value\nn,011002,FY2024,1,2\n", "value"),
        "duplicate-alias-header": ("indicator,org,period,value,値\nn,011002,FY2024,1,2\n", "値"),
        "duplicate-alias-indicator": ("indicator,指標,period,value\nn,n,FY2024,1\n", "指標"),
        "duplicate-header-case": ("indicator,period,value,Value\nn,FY2024,1,2\n", "Value"),
        "header-100k": ("x" * 100_000 + ",indicator,period,value\n1,n,FY2024,1\n", "header_chars"),
        "only-bom": ("\ufeff", ""),
        "no-header-columns": ("a,b,c\n1,2,3\n", "indicator"),
        "nul-in-cell": (header + "n,01\x001002,FY2024,1\n", ""),
        "unclosed-quote": (header + 'n,"011002,FY2024,1\n', ""),
    }
    for label, (text, where) in csvs.items():
        yield raises(f"obs-csv/{label}", read_obs("obs.csv", text), "FormatError", "obs.csv", where)
    yield raises(
        "obs-tsv/ragged",
        read_obs("obs.tsv", "indicator\tperiod\tvalue\nn\tFY2024\t1\t2\n"),
        "FormatError",
        "obs.tsv",
        "line 2",
    )
    yield raises(
        "obs-csv/binary", read_obs("obs.csv", bytes(range(256)) * 8), "FormatError", "obs.csv"
    )
    for name in ("obs.csv", "obs.parquet", "obs.xlsx", "obs.tsv"):
        yield raises(
            f"obs/{name}-fifo",
            special(name, fifo, "observations"),
            "FormatError",
            name,
            "not a regular file",
        )
        yield raises(
            f"obs/{name}-dev-urandom",
            special(name, link_to("/dev/urandom"), "observations"),
            "FormatError",
            name,
            "not a regular file",
        )
        yield raises(
            f"obs/{name}-dev-zero",
            special(name, link_to("/dev/zero"), "observations"),
            "FormatError",
            name,
            "not a regular file",
        )
        yield raises(
            f"obs/{name}-symlink-loop",
            special(name, loop, "observations"),
            "FormatError",
            name,
            "symbolic links",
        )
        yield raises(
            f"obs/{name}-folder",
            special(name, folder, "observations"),
            "FormatError",
            name,
            "folder",
        )
        yield raises(
            f"obs/{name}-empty",
            special(name, lambda p: p.write_bytes(b""), "observations"),
            "FormatError",
            name,
        )
    yield raises(
        "obs-csv/sparse-2GB",
        special("obs.csv", sparse(2 * 1024**3), "observations"),
        "LimitError",
        "obs.csv",
        "data_file_bytes",
    )
    yield raises("obs/unknown-suffix", read_obs("obs.json", "{}"), "FormatError", "obs.json")

    def parquet(table: Callable[[], Any]) -> Callable[[Path], Any]:
        def run(tmp: Path) -> Any:
            import pyarrow.parquet as pq

            import logicmodel as lm

            path = tmp / "obs.parquet"
            pq.write_table(table(), path)
            return len(lm.read_observations(path))

        return run

    def pa_table(**cols: Any) -> Callable[[], Any]:
        def make() -> Any:
            import pyarrow as pa

            base = {"indicator": pa.array(["n"]), "period": pa.array(["FY2024"])}
            base.update({k: v() for k, v in cols.items()})
            return pa.table(base)

        return make

    import pyarrow as pa

    parquets = {
        "list-int64-value": pa_table(value=lambda: pa.array([[1, 2]], type=pa.list_(pa.int64()))),
        "struct-value": pa_table(value=lambda: pa.array([{"a": 1}])),
        "map-value": pa_table(
            value=lambda: pa.array([[("a", 1)]], type=pa.map_(pa.string(), pa.int64()))
        ),
        "list-org": pa_table(value=lambda: pa.array([1.0]), org=lambda: pa.array([["011002"]])),
        "binary-indicator": pa_table(value=lambda: pa.array([1.0])),
        "duplicate-names": lambda: pa.Table.from_arrays(
            [pa.array(["n"]), pa.array(["FY2024"]), pa.array([1.0]), pa.array([2.0])],
            names=["indicator", "period", "value", "value"],
        ),
        "duplicate-alias-names": lambda: pa.Table.from_arrays(
            [pa.array(["n"]), pa.array(["FY2024"]), pa.array([1.0]), pa.array([2.0])],
            names=["indicator", "period", "value", "値"],
        ),
        "list-period": pa_table(value=lambda: pa.array([1.0])),
    }
    for label, table in parquets.items():
        if label == "binary-indicator":

            def table():
                return pa.table(
                    {
                        "indicator": pa.array([b"\xff"]),
                        "period": pa.array(["FY2024"]),
                        "value": pa.array([1.0]),
                    }
                )

        if label == "list-period":

            def table():
                return pa.table(
                    {
                        "indicator": pa.array(["n"]),
                        "period": pa.array([["FY2024"]]),
                        "value": pa.array([1.0]),
                    }
                )

        yield raises(f"obs-parquet/{label}", parquet(table), "FormatError", "obs.parquet")
    yield raises(
        "obs-parquet/truncated",
        read_obs("obs.parquet", b"PAR1" + b"\x00" * 100),
        "FormatError",
        "obs.parquet",
    )
    yield raises(
        "obs-parquet/text",
        read_obs("obs.parquet", "indicator,period\n"),
        "FormatError",
        "obs.parquet",
    )


# -- Excel workbooks -----------------------------------------------------------------------------

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def _rows(rows: list[list[Any]]) -> str:
    out = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def workbook(
    path: Path,
    sheet_xml: str | Callable[[Any], None],
    *,
    name: str = "observations",
) -> None:
    """A minimal .xlsx with one sheet whose XML is given (or streamed by a callable)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(name=name))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        if isinstance(sheet_xml, str):
            z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        else:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                sheet_xml(fh)


OBS_ROWS = [["indicator", "org", "period", "value"], ["n", "011002", "FY2024", 1]]


def sheet(body: str, dimension: str | None = None, extra: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{_SHEET_HEAD}{dim}<sheetData>{body}</sheetData>{extra}</worksheet>"


def excel_files(name: str = "observations") -> dict[str, tuple[Callable[[Path], None], str]]:
    """Hostile workbooks: label → (make, text the error must contain)."""

    def far_cell(path: Path) -> None:
        body = _rows(OBS_ROWS) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        workbook(path, sheet(body, "A1:XFD1048576"), name=name)

    def far_cell_no_dimension(path: Path) -> None:
        body = _rows(OBS_ROWS) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        workbook(path, sheet(body), name=name)

    def sparse_grid(dimension: bool) -> Callable[[Path], None]:
        def make(path: Path) -> None:
            body = (
                '<row r="1"><c r="A1" t="inlineStr"><is><t>indicator</t></is></c>'
                '<c r="ZZ1"><v>1</v></c></row>'
                '<row r="299999"><c r="A299999"><v>1</v></c></row>'
            )
            workbook(path, sheet(body, "A1:ZZ299999" if dimension else None), name=name)

        return make

    def far_row(path: Path) -> None:
        body = _rows(OBS_ROWS) + '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
        workbook(path, sheet(body), name=name)

    def merged(path: Path) -> None:
        workbook(
            path,
            sheet(
                _rows(OBS_ROWS),
                "A1:K1048576",
                '<mergeCells count="1"><mergeCell ref="K1:K1048576"/></mergeCells>',
            ),
            name=name,
        )

    def many_rows(n: int, dimension: bool) -> Callable[[Path], None]:
        def make(path: Path) -> None:
            def write(fh: Any) -> None:
                dim = f'<dimension ref="A1:D{n}"/>' if dimension else ""
                fh.write(f"{_SHEET_HEAD}{dim}<sheetData>".encode())
                fh.write(_rows(OBS_ROWS[:1]).encode())
                chunk = []
                for r in range(2, n + 1):
                    chunk.append(f'<row r="{r}"><c r="D{r}"><v>1</v></c></row>')
                    if len(chunk) == 50_000:
                        fh.write("".join(chunk).encode())
                        chunk = []
                fh.write("".join(chunk).encode())
                fh.write(b"</sheetData></worksheet>")

            workbook(path, write, name=name)

        return make

    def zip_bomb(path: Path) -> None:
        def write(fh: Any) -> None:
            fh.write(f"{_SHEET_HEAD}<sheetData>".encode())
            block = b" " * (1 << 20)
            for _ in range(300):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")

        workbook(path, write, name=name)

    def malformed(path: Path) -> None:
        workbook(path, _SHEET_HEAD + "<sheetData><row r='1'><c r='A1'><v>1</v></c>", name=name)

    def formula_no_value(path: Path) -> None:
        body = (
            _rows(OBS_ROWS[:1])
            + '<row r="2"><c r="A2" t="inlineStr"><is><t>n</t></is></c><c r="B2" t="inlineStr"><is><t>011002</t></is></c><c r="C2" t="inlineStr"><is><t>FY2024</t></is></c><c r="D2"><f>SUM(E1:E9)</f></c></row>'
        )
        workbook(path, sheet(body), name=name)

    def long_header(path: Path) -> None:
        workbook(
            path,
            sheet(_rows([["x" * 32_000, "indicator", "period", "value"], [1, "n", "FY2024", 1]])),
            name=name,
        )

    def wide_header(path: Path) -> None:
        head = "".join(_cell(f"{_col(c)}1", f"h{c}") for c in range(3_000))
        workbook(path, sheet(f'<row r="1">{head}</row>'), name=name)

    def not_zip(path: Path) -> None:
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)

    def xml_bomb(path: Path) -> None:
        ent = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>'
        xml = (
            _SHEET_HEAD.replace("<worksheet", ent + "<worksheet")
            + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&h;</t></is></c></row></sheetData></worksheet>'
        )
        workbook(path, xml, name=name)

    return {
        "value-in-XFD1048576": (far_cell, "observations"),
        "value-in-XFD1048576-no-dimension": (far_cell_no_dimension, "observations"),
        "value-in-A1048576": (far_row, "observations"),
        "sparse-grid-A299999-ZZ1": (sparse_grid(True), "excel_cells"),
        "sparse-grid-A299999-ZZ1-no-dimension": (sparse_grid(False), "excel_cells"),
        "merged-K1-K1048576": (merged, "observations"),
        "1200000-rows": (many_rows(1_200_000, True), "excel_rows"),
        "1200000-rows-no-dimension": (many_rows(1_200_000, False), "excel_rows"),
        "zip-bomb-300MB": (zip_bomb, "excel_unzipped_bytes"),
        "malformed-sheet-xml": (malformed, "xlsx"),
        "formula-without-cached-value": (formula_no_value, "D2"),
        "header-32000-chars": (long_header, "header_chars"),
        "3000-columns": (wide_header, "excel_columns"),
        "not-a-zip": (not_zip, ""),
        "xml-entity-bomb": (xml_bomb, ""),
    }


def _col(k: int) -> str:
    letters = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def excel_cases() -> Iterator[Case]:
    model_books = excel_files("model")
    for label, (make, where) in excel_files().items():
        yield raises(
            f"obs-xlsx/{label}",
            special("obs.xlsx", make, "observations"),
            "FormatError",
            "obs.xlsx",
            where,
        )
        yield raises(
            f"excel/{label}",
            special("m.xlsx", model_books[label][0], "excel"),
            "FormatError",
            "m.xlsx",
            where.replace("observations", "model"),
        )
    for name, make in (
        ("fifo", fifo),
        ("dev-zero", link_to("/dev/zero")),
        ("symlink-loop", loop),
        ("dev-urandom", link_to("/dev/urandom")),
    ):
        yield raises(f"excel/{name}", special("m.xlsx", make, "excel"), "FormatError", "m.xlsx")
    yield raises("excel/load-fifo", special("m.xlsx", fifo), "FormatError", "m.xlsx")


# -- CSV folders, RS System, IATI ----------------------------------------------------------------


def csv_folder_cases() -> Iterator[Case]:
    def folder_with(files: dict[str, str]) -> Callable[[Path], Any]:
        def run(tmp: Path) -> Any:
            import logicmodel as lm

            d = tmp / "csvs"
            d.mkdir()
            for name, text in files.items():
                (d / name).write_text(text, encoding="utf-8")
            return lm.io.read_csvs(d).id

        return run

    def base(tmp_files: dict[str, str]) -> dict[str, str]:
        import logicmodel as lm

        out: dict[str, str] = {}
        with contextlib.redirect_stdout(io.StringIO()):
            pass
        frames = lm.io.to_frames(good_model())
        for name, frame in frames.items():
            out[f"{name}.csv"] = frame.to_csv(index=False)
        out.update(tmp_files)
        return out

    cases = {
        "header-100k": (
            {"nodes.csv": "id,kind," + "x" * 100_000 + "\na,output,1\n"},
            "header_chars",
        ),
        "ragged-long": ({"nodes.csv": "id,kind\na,output,extra\n"}, "nodes"),
        "ragged-short": ({"nodes.csv": "id,kind,label\na\n"}, "nodes"),
        "duplicate-header": ({"nodes.csv": "id,kind,id\na,output,b\n"}, "nodes"),
        "duplicate-alias-header": ({"nodes.csv": "id,kind,label,ラベル\na,output,x,y\n"}, "nodes"),
        "binary": ({"nodes.csv": "\x00\x01\x02"}, "nodes"),
    }
    for label, (files, where) in cases.items():

        def run(tmp: Path, files: Any = files) -> Any:
            return folder_with(base(files))(tmp)

        yield raises(f"csvs/{label}", run, "FormatError", where)
    yield raises(
        "csvs/missing-folder",
        lambda tmp: __import__("logicmodel").io.read_csvs(tmp / "none").id,
        "FormatError",
        "none",
    )
    yield raises(
        "csvs/fifo-member",
        special("csvs", lambda p: (p.mkdir(), os.mkfifo(p / "nodes.csv")), "csvs"),
        "FormatError",
        "nodes.csv",
        "not a regular file",
    )
    yield raises(
        "csvs/dev-zero-member",
        special("csvs", lambda p: (p.mkdir(), (p / "nodes.csv").symlink_to("/dev/zero")), "csvs"),
        "FormatError",
        "nodes.csv",
        "not a regular file",
    )


RS_DIR = Path(__file__).resolve().parents[1] / "data" / "rs"


def rs_cases() -> Iterator[Case]:
    import shutil

    def read_rs(*args: Any, **kw: Any) -> Callable[[Path], Any]:
        def run(tmp: Path) -> Any:
            import logicmodel as lm

            return len(lm.io.read_rs(*args, **kw))

        return run

    yield raises("rs/None", read_rs(None), "FormatError", "sheet_3_1")
    yield raises("rs/int", read_rs(42), "FormatError", "sheet_3_1")
    yield raises("rs/list", read_rs([1, 2]), "FormatError", "sheet_3_1")
    yield raises("rs/missing", read_rs("/nonexistent/3-1.csv"), "FormatError", "3-1.csv")
    for name, make in (
        ("fifo", fifo),
        ("dev-zero", link_to("/dev/zero")),
        ("dev-urandom", link_to("/dev/urandom")),
        ("symlink-loop", loop),
    ):
        yield raises(f"rs/{name}", special("3-1.csv", make, "rs"), "FormatError", "3-1.csv")
    src = next(RS_DIR.glob("3-1_*.csv"))

    def edited(fn: Callable[[str], str], errors: str = "raise") -> Callable[[Path], Any]:
        def run(tmp: Path) -> Any:
            import logicmodel as lm

            text = src.read_text(encoding="utf-8-sig")
            path = tmp / src.name
            path.write_text(fn(text), encoding="utf-8-sig")
            shutil.copy(next(RS_DIR.glob("3-2_*.csv")), tmp)
            return len(lm.io.read_rs(path, errors=errors))

        return run

    def star_actual(mark: str) -> Callable[[str], str]:
        def fn(text: str) -> str:
            lines = text.splitlines()
            out = [lines[0]]
            done = False
            for line in lines[1:]:
                if not done and "3.実績値" in line:
                    cells = line.split(",")
                    for k in range(len(cells) - 1, -1, -1):
                        if cells[k].strip() and cells[k].strip().replace(".", "").isdigit():
                            cells[k] = mark
                            done = True
                            break
                    line = ",".join(cells)  # noqa: PLW2901
                out.append(line)
            return "\n".join(out) + "\n"

        return fn

    for mark in ("＊", "*"):

        def findings(tmp: Path, mark: str = mark) -> Any:
            import logicmodel as lm

            text = star_actual(mark)(src.read_text(encoding="utf-8-sig"))
            path = tmp / src.name
            path.write_text(text, encoding="utf-8-sig")
            return [str(f) for f in lm.io.read_rs_report(path).findings if repr(mark) in str(f)]

        def reported(lines: Any) -> None:
            assert any("LM319" in line and "3.実績値" in line for line in lines), lines

        yield returns(f"rs/actual-{mark}", findings, reported, area="rs")
    yield raises(
        "rs/header-100k", edited(lambda t: "x" * 100_000 + "," + t), "FormatError", src.name
    )
    yield raises("rs/binary", edited(lambda t: "\x00" * 100), "FormatError", src.name)
    yield raises(
        "rs/ragged",
        edited(
            lambda t: (
                t
                + "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
            )
        ),
        "FormatError",
        src.name,
    )


IATI_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'


def iati_activity(k: int) -> str:
    return (
        f"<iati-activity><iati-identifier>XM-1-{k}</iati-identifier>"
        f"<title><narrative>t{k}</narrative></title>"
        '<result type="1"><title><narrative>r</narrative></title>'
        '<indicator measure="1"><title><narrative>i</narrative></title>'
        '<baseline year="2020" value="1"/>'
        '<period><period-start iso-date="2021-01-01"/><period-end iso-date="2021-12-31"/>'
        '<target value="2"/><actual value="1"/></period></indicator></result></iati-activity>'
    )


def iati_cases() -> Iterator[Case]:
    def read(text: str | bytes) -> Callable[[Path], Any]:
        def run(tmp: Path) -> Any:
            import logicmodel as lm

            path = tmp / "a.xml"
            path.write_bytes(text.encode() if isinstance(text, str) else text)
            return len(lm.io.read_iati(path))

        return run

    yield raises(
        "iati/None", lambda tmp: __import__("logicmodel").io.read_iati(None), "FormatError", "path"
    )
    yield raises(
        "iati/5000-activities",
        read(IATI_HEAD + "".join(iati_activity(k) for k in range(5_000)) + "</iati-activities>"),
        "LimitError",
        "a.xml",
        "iati_activities",
    )
    yield raises("iati/malformed", read(IATI_HEAD + "<iati-activity>"), "FormatError", "a.xml")
    yield raises(
        "iati/deep-50000",
        read(IATI_HEAD + "<a>" * 50_000 + "</a>" * 50_000 + "</iati-activities>"),
        "FormatError",
        "a.xml",
    )
    yield raises("iati/binary", read(bytes(range(256))), "FormatError", "a.xml")
    yield raises("iati/empty", read(b""), "FormatError", "a.xml")
    data = Path(__file__).resolve().parents[1] / "data" / "iati"
    yield raises(
        "iati/billion-laughs",
        read((data / "billion-laughs.xml").read_bytes()),
        "FormatError",
        "a.xml",
    )
    yield raises("iati/xxe", read((data / "xxe.xml").read_bytes()), "FormatError", "a.xml")
    for name, make in (
        ("fifo", fifo),
        ("dev-zero", link_to("/dev/zero")),
        ("dev-urandom", link_to("/dev/urandom")),
        ("symlink-loop", loop),
    ):
        yield raises(f"iati/{name}", special("a.xml", make, "iati"), "FormatError", "a.xml")
    for label, title in (
        ("nul", "a\x00b"),
        ("esc", "a\x1b[31m"),
        ("vertical-tab", "a\x0bb"),
        ("lone-surrogate", "a\ud800"),
    ):

        def write(tmp: Path, title: str = title) -> Any:
            import logicmodel as lm

            m = good_model().model_copy(update={"title": title})
            lm.io.write_iati(m, good_obs(), tmp / "out.xml")
            return (tmp / "out.xml").exists()

        cls = "LogicModelError" if label == "lone-surrogate" else "FormatError"
        yield raises(f"iati-write/title-{label}", write, cls, "title")

        def write_label(tmp: Path, title: str = title) -> Any:
            import logicmodel as lm

            nodes = [{"id": "a", "kind": "activity", "label": title}, *NODES[1:]]
            m = lm.LogicModel.model_validate(model_data(nodes=nodes))
            lm.io.write_iati(m, good_obs(), tmp / "out.xml")
            return (tmp / "out.xml").exists()

        yield raises(f"iati-write/label-{label}", write_label, cls, "label")


# -- the command line ----------------------------------------------------------------------------


def cli(
    argv_of: Callable[[Path], list[str]], prepare: Callable[[Path], None] | None = None
) -> Callable[[Path], Any]:
    def run(tmp: Path) -> Any:
        from logicmodel.cli import main

        if prepare is not None:
            prepare(tmp)
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(argv_of(tmp))
        return {"code": code, "stderr": err.getvalue()[:5000], "stderr_length": len(err.getvalue())}

    return run


def expect_cli(code: int, *where: str, lines: int | None = None) -> Callable[[Result], None]:
    def check(result: Result) -> None:
        assert result["outcome"] == "ok", result
        value = result["value"]
        assert value["code"] == code, value
        stderr = value["stderr"]
        assert "Traceback" not in stderr, stderr
        assert value["stderr_length"] < 5000, value["stderr_length"]
        for text in where:
            assert text in stderr, (text, stderr)
        if lines is not None:
            problem_lines = [x for x in stderr.splitlines() if x.strip()]
            assert len(problem_lines) == lines, stderr

    return check


def write(name: str, content: str | bytes | Callable[[Path], None]) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        path = tmp / name
        if callable(content):
            content(path)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)

    return make


def both(*makers: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        for m in makers:
            m(tmp)

    return make


def cli_cases() -> Iterator[Case]:
    model_inputs: dict[str, tuple[str, str | bytes | Callable[[Path], None], str]] = {
        "alias-bomb": ("m.yaml", bomb_yaml(9, "kind"), "yaml_nodes"),
        "alias-bomb-stage": ("m.yaml", bomb_yaml(9, "stage"), "yaml_nodes"),
        "duplicate-key": ("m.yaml", GOOD_YAML + "indicators: []\n", "duplicate key"),
        "deep-json": ("m.json", deep_list_json(50_000), "m.json"),
        "deep-json-dict": ("m.json", deep_dict_json(50_000), "depth"),
        "int-5000-digits": (
            "m.json",
            '{"id": "m", "title": "t", "fiscal_year_start": ' + "1" * 5000 + "}",
            "int_digits",
        ),
        "fifo": ("m.yaml", fifo, "not a regular file"),
        "dev-zero": ("m.yaml", link_to("/dev/zero"), "not a regular file"),
        "symlink-loop": ("m.yaml", loop, "symbolic links"),
        "missing": ("none.yaml", lambda p: None, "not found"),
        "megabyte-id": ("m.json", json.dumps({"id": "x" * 1_000_000, "title": "t"}), "id"),
        "deep-field": ("m.json", '{"id": "m", "title": ' + deep_list_json(2000) + "}", "m.json"),
        "sparse-60MB": ("m.yaml", sparse(60 * 1024**2), "model_file_bytes"),
        "unknown-suffix": ("m.toml", "id = 1", "suffix"),
    }
    for label, (name, content, where) in model_inputs.items():
        for command in ("check", "convert"):

            def argv(tmp: Path, name: str = name, command: str = command) -> list[str]:
                extra = [str(tmp / "out.yaml")] if command == "convert" else []
                return [command, str(tmp / name), *extra]

            yield Case(
                f"cli/{command}-{label}",
                cli(argv, write(name, content)),
                expect_cli(2, name, where, lines=1),
                "cli",
            )
    obs_inputs: dict[str, tuple[str, str | bytes | Callable[[Path], None], str]] = {
        "ragged": ("o.csv", "indicator,period,value\nn,FY2024,1,2\n", "line 2"),
        "duplicate-header": ("o.csv", "indicator,period,value,値\nn,FY2024,1,2\n", "値"),
        "fifo": ("o.csv", fifo, "not a regular file"),
        "dev-urandom": ("o.csv", link_to("/dev/urandom"), "not a regular file"),
        "parquet-list": ("o.parquet", _parquet_list, "value"),
        "xlsx-far-cell": ("o.xlsx", excel_files()["value-in-XFD1048576"][0], "o.xlsx"),
        "xlsx-malformed": ("o.xlsx", excel_files()["malformed-sheet-xml"][0], "o.xlsx"),
        "header-100k": (
            "o.csv",
            "x" * 100_000 + ",indicator,period,value\n1,n,FY2024,1\n",
            "header_chars",
        ),
    }
    for label, (name, content, where) in obs_inputs.items():
        for command in ("evaluate", "check"):

            def argv_obs(tmp: Path, name: str = name, command: str = command) -> list[str]:
                if command == "evaluate":
                    return ["evaluate", str(tmp / "m.yaml"), str(tmp / name)]
                return ["check", str(tmp / "m.yaml"), "--observations", str(tmp / name)]

            yield Case(
                f"cli/{command}-observations-{label}",
                cli(argv_obs, both(write("m.yaml", GOOD_YAML), write(name, content))),
                expect_cli(2, name, where, lines=1),
                "cli",
            )
    many = json.dumps(
        model_data(
            nodes=[
                {"id": "1a", "kind": "output"},
                {"id": "2b", "kind": "widget"},
                {"id": "c", "kind": "outcome", "stage": "soon"},
            ]
        )
    )
    yield Case(
        "cli/check-several-problems-one-per-line",
        cli(lambda tmp: ["check", str(tmp / "m.json")], write("m.json", many)),
        expect_cli(2, "nodes[0]", "nodes[1]", "nodes[2]", lines=4),
        "cli",
    )
    yield Case(
        "cli/convert-several-problems-one-per-line",
        cli(
            lambda tmp: ["convert", str(tmp / "m.json"), str(tmp / "o.yaml")], write("m.json", many)
        ),
        expect_cli(2, "nodes[0]", "nodes[2]", lines=4),
        "cli",
    )
    yield Case(
        "cli/evaluate-as-of-garbage",
        cli(
            lambda tmp: [
                "evaluate",
                str(tmp / "m.yaml"),
                str(tmp / "o.csv"),
                "--as-of",
                "x" * 100_000,
            ],
            both(
                write("m.yaml", GOOD_YAML), write("o.csv", "indicator,period,value\nn,FY2024,1\n")
            ),
        ),
        expect_cli(2, "period", lines=1),
        "cli",
    )


def process(
    argv_of: Callable[[Path], list[str]], prepare: Callable[[Path], None]
) -> Callable[[Path], Any]:
    """The command line as a real process (``python -c 'from logicmodel.cli import main' …``):
    its exit status and stderr as a user sees them."""

    def run(tmp: Path) -> Any:
        import subprocess

        prepare(tmp)
        code = "import sys; from logicmodel.cli import main; sys.exit(main(sys.argv[1:]))"
        done = subprocess.run(
            [sys.executable, "-c", code, *argv_of(tmp)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return {
            "code": done.returncode,
            "stderr": done.stderr[:5000],
            "stderr_length": len(done.stderr),
        }

    return run


def process_cases() -> Iterator[Case]:
    # two real processes only (each pays the import of pandas): the in-process cases above
    # cover the rest of the command line
    inputs: dict[str, tuple[str, str | bytes | Callable[[Path], None], str]] = {
        "alias-bomb": ("m.yaml", bomb_yaml(9, "kind"), "yaml_nodes"),
        "fifo": ("m.yaml", fifo, "not a regular file"),
    }
    for label, (name, content, where) in inputs.items():
        yield Case(
            f"process/check-{label}",
            process(lambda tmp, name=name: ["check", str(tmp / name)], write(name, content)),
            expect_cli(2, name, where, lines=1),
            "cli",
        )


def _parquet_list(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table(
            {
                "indicator": ["n"],
                "period": ["FY2024"],
                "value": pa.array([[1, 2]], type=pa.list_(pa.int64())),
            }
        ),
        path,
    )


def all_cases() -> list[Case]:
    """Every case, ids unique."""
    out: list[Case] = []
    for make in (
        yaml_json_cases,
        api_cases,
        evaluate_cases,
        check_cases,
        observation_cases,
        excel_cases,
        csv_folder_cases,
        rs_cases,
        iati_cases,
        cli_cases,
        process_cases,
    ):
        area = make.__name__.removesuffix("_cases")
        for case in make():
            out.append(case if case.area else Case(case.id, case.run, case.expect, area, case.tags))
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    return out


__all__ = ["all_cases", "expect_error"]
