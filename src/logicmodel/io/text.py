"""YAML and JSON for logic models, the JSON Schema, and the suffix-dispatching ``load``/``dump``.

YAML is read with a safe loader that follows YAML 1.2's core schema for scalars: only
``true``/``false`` are booleans (``yes``/``no``/``on``/``off`` stay text), integers have no
leading zeros (``01100`` stays the string ``"01100"``, never octal 576), and dates stay text for our
own period parser. Errors point at the file and line.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any, ClassVar

import yaml

from logicmodel.errors import FormatError, ModelError
from logicmodel.io.bounded import json_data, yaml_data
from logicmodel.io.files import atomic_write, read_bytes
from logicmodel.model import LogicModel

__all__ = [
    "dump",
    "from_json",
    "from_yaml",
    "json_schema",
    "load",
    "model_to_data",
    "to_json",
    "to_yaml",
]

# YAML 1.2 core-schema scalars: only true/false are booleans, no octal, no sexagesimal, no dates
_CORE_SCALARS = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9]*))$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+)$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
)
# libyaml's parser when PyYAML was built with it (10× faster), else the pure-Python one
_SafeLoaderBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumperBase: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_SafeLoaderBase):  # type: ignore[misc]
    """Safe loader with YAML 1.2 core-schema scalars (no ``yes`` booleans, no octal, no dates)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[Any]]] = {}


class _Dumper(_SafeDumperBase):  # type: ignore[misc]
    """Safe dumper that quotes every text either YAML 1.1 or 1.2 would read as a non-string."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[Any]]] = {
        key: list(value) for key, value in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }


for _tag, _regex, _first in _CORE_SCALARS:
    _Loader.add_implicit_resolver(
        _tag, re.compile(_regex), [*_first, *([""] if "~" in _first else [])]
    )
    _Dumper.add_implicit_resolver(
        _tag, re.compile(_regex), [*_first, *([""] if "~" in _first else [])]
    )


def _str_representer(dumper: Any, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    node: yaml.ScalarNode = dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
    return node


_Dumper.add_representer(str, _str_representer)

_FIELD_ORDER = (
    "id",
    "kind",
    "stage",
    "role",
    "title",
    "label",
    "name",
    "measures",
    "source",
    "target",
)


def model_to_data(model: LogicModel) -> dict[str, Any]:
    """The model as plain JSON-compatible data, defaults left out, ``kind`` always kept.

    Examples
    --------
    >>> import logicmodel as lm
    >>> m = lm.LogicModel(id="m", title="t", nodes=[lm.Output(id="o")])
    >>> model_to_data(m)
    {'id': 'm', 'title': 't', 'nodes': [{'id': 'o', 'kind': 'output'}]}
    """
    data = model.model_dump(mode="json", exclude_defaults=True)
    nodes = data.get("nodes", [])
    for raw, node in zip(nodes, model.nodes, strict=True):
        raw["kind"] = node.kind
    for key in ("nodes", "links", "indicators", "milestones"):
        if key in data:
            data[key] = [_ordered(item) for item in data[key]]
    return data


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    first = {k: item[k] for k in _FIELD_ORDER if k in item}
    return {**first, **{k: v for k, v in item.items() if k not in first}}


def to_yaml(model: LogicModel) -> str:
    """The model as YAML text (Japanese kept readable, defaults left out)."""
    return yaml.dump(
        model_to_data(model), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


def to_json(model: LogicModel, *, indent: int | None = 2) -> str:
    """The model as JSON text (UTF-8, not ASCII-escaped)."""
    return json.dumps(model_to_data(model), ensure_ascii=False, indent=indent) + "\n"


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at a pydantic ``loc`` (deepest node found)."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key),
                None,
            )
            if nxt is None:
                if key in {"input", "activity", "output", "outcome", "impact"}:
                    continue
                break
            node = nxt
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(node.value)
        ):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _located(err: ModelError, path: str, root: yaml.Node | None) -> ModelError:
    """``err`` with the file (and line of the first problem) in front of its message."""
    errors = err.errors()
    line = _line_of(root, tuple(errors[0].get("loc", ()))) if errors and root is not None else None
    prefix = f"{path}:{line}" if line else path
    if root is not None:
        for e in errors:
            e["line"] = _line_of(root, tuple(e.get("loc", ())))
    out = copy.copy(err)
    out.message = f"{prefix}: {err.message}"
    out.args = (out.message,)
    out._errors = errors
    return out


def from_yaml(text: str, *, path: str = "<yaml>") -> LogicModel:
    """Build a model from YAML text; errors name ``path`` and the line.

    The text is read within :mod:`logicmodel.limits` (alias expansion, nesting, integer digits)
    and a key given twice in one mapping is an error, never a silently dropped value.
    """
    return _from_data(yaml_data(text, _Loader, path=path), path, text)


def from_json(text: str, *, path: str = "<json>") -> LogicModel:
    """Build a model from JSON text; errors name ``path`` (and the line where known)."""
    return _from_data(json_data(text, path=path), path, None)


def _from_data(data: Any, path: str, yaml_text: str | None) -> LogicModel:
    if not isinstance(data, dict):
        got = type(data).__name__ if data is not None else "an empty document"
        raise FormatError(
            f"expected a mapping with id, title, nodes, links, indicators; got {got}", path=path
        )
    try:
        return LogicModel.model_validate(data)
    except ModelError as err:
        # only now compose the YAML node tree, for the line numbers of the problems
        root = yaml.compose(yaml_text, Loader=_Loader) if yaml_text is not None else None
        raise _located(err, path, root) from None


def _read_text(path: Path) -> str:
    data = read_bytes(path, limit="model_file_bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormatError(
            f"not UTF-8 text (byte {err.start}): save the file as UTF-8", path=path
        ) from None


_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


def load(path: str | os.PathLike[str]) -> LogicModel:
    """Read a logic model from ``.yaml``/``.yml``/``.json``/``.xlsx`` (chosen by suffix).

    Raises
    ------
    FormatError
        The file is missing, not UTF-8, not valid YAML/JSON, or has an unknown suffix.
    ModelError
        The content is not a valid model; the message names the file, line and field.

    Examples
    --------
    >>> import logicmodel as lm, tempfile, pathlib
    >>> m = lm.LogicModel(id="m", title="窓口", nodes=[lm.Outcome(id="wait", stage="中期")])
    >>> p = lm.dump(m, pathlib.Path(tempfile.mkdtemp()) / "m.yaml")
    >>> lm.load(p) == m
    True
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return from_yaml(_read_text(p), path=str(p))
    if suffix == ".json":
        return from_json(_read_text(p), path=str(p))
    if suffix == ".xlsx":
        from logicmodel.io.excel import read_excel

        return read_excel(p).model
    if p.is_dir():
        raise FormatError(f"is a folder; expected a model file ({', '.join(_SUFFIXES)})", path=p)
    raise FormatError(
        f"unknown model file suffix {suffix!r}; use one of {', '.join(_SUFFIXES)}", path=p
    )


def dump(model: LogicModel, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write ``model`` to ``path`` (format by suffix) atomically and return the path.

    The file is written to a temporary file beside ``path``, synced to disk and renamed over it, so
    a failure never leaves a half-written file (see :mod:`logicmodel.io.atomic`: symbolic links are
    written through, ``/dev/null`` and FIFOs in place, a read-only file is replaced only with
    ``overwrite=True``). ``load(dump(m, p)) == m`` for every format.

    Raises
    ------
    WriteError
        The file cannot be written; the message names ``path`` and the cause (disk full,
        read-only, permission, a parent that is a file, ``path`` is a folder).
    FormatError
        The suffix is not one of ``.yaml``, ``.yml``, ``.json``, ``.xlsx``.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return atomic_write(p, to_yaml(model), overwrite=overwrite)
    if suffix == ".json":
        return atomic_write(p, to_json(model), overwrite=overwrite)
    if suffix == ".xlsx":
        from logicmodel.io.excel import write_excel

        write_excel(model, p, overwrite=overwrite)
        return p
    raise FormatError(
        f"unknown model file suffix {suffix!r}; use one of {', '.join(_SUFFIXES)}", path=p
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a logic model file (same as ``LogicModel.model_json_schema()``)."""
    schema = LogicModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
