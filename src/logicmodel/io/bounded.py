"""YAML and JSON parsed within the limits of :mod:`logicmodel.limits` (issue 12).

A model file from another agency may be hostile. This module turns text into plain data while
refusing, with the file and line, what would hang, exhaust memory or lose data without a word:

- **alias bombs** ("billion laughs"): nodes are counted *as if aliases were expanded*, while the
  document is read, so ``yaml_nodes`` stops a 1 KB bomb at once instead of after gigabytes;
- **nesting** deeper than ``depth`` (PyYAML's C composer recurses without a guard and a 50,000-deep
  flow list kills the interpreter; ``json`` raises ``RecursionError``);
- **integers** longer than ``int_digits`` (Python refuses to convert more than 4,300 digits);
- **duplicate keys** at any level (PyYAML and ``json`` keep the last silently);
- **tags** other than the core ones (``!!binary``, ``!!set``, ``!!python/...``).

YAML is read from the event stream of the (C, when available) parser, building the data with an
explicit stack, so no Python or C recursion depends on the input. Scalars follow the YAML 1.2 core
schema of the loader passed in.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from typing import Any

import yaml

from logicmodel import limits
from logicmodel.errors import FormatError, LimitError, short_repr

__all__ = ["json_data", "yaml_data"]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_SCALAR_TAGS = (_STR, _INT, _FLOAT, _BOOL, _NULL, "!")


class _Open:
    """A mapping or sequence being built: its value, where it started, keys seen so far."""

    __slots__ = ("anchor", "key", "keys", "line", "nodes_at_start", "value")

    def __init__(self, value: Any, line: int, anchor: str | None, nodes_at_start: int) -> None:
        self.value = value
        self.line = line
        self.anchor = anchor
        self.nodes_at_start = nodes_at_start
        self.keys: dict[str, int] | None = {} if isinstance(value, dict) else None
        self.key: Any = _NO_KEY


_NO_KEY = object()


def _scalar(loader: Any, event: Any, path: str, line: int) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _STR if tag == "!" else loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag not in _SCALAR_TAGS:
        raise FormatError(
            f"line {line}: the YAML tag {short_repr(tag)} is not allowed; use plain text, "
            "numbers, true/false, lists and mappings",
            path=path,
        )
    value: str = event.value
    if tag == _STR:
        return value
    if tag == _NULL:
        if value not in ("", "~", "null", "Null", "NULL"):
            raise FormatError(f"line {line}: {short_repr(value)} is not null", path=path)
        return None
    if tag == _BOOL:
        if value.lower() not in ("true", "false"):
            raise FormatError(f"line {line}: {short_repr(value)} is not true or false", path=path)
        return value.lower() == "true"
    digits = sum(ch.isdigit() for ch in value)
    most = limits.current().int_digits
    if tag == _INT:
        if digits > most:
            raise LimitError(
                f"line {line}: an integer of {digits:,} digits",
                limit="int_digits",
                value=most,
                path=path,
            )
        try:
            return int(value, 10)
        except ValueError:
            raise FormatError(
                f"line {line}: {short_repr(value)} is not an integer", path=path
            ) from None
    if digits > most * 4:
        raise LimitError(
            f"line {line}: a number of {digits:,} digits", limit="int_digits", value=most, path=path
        )
    try:
        return float(value)
    except ValueError:
        raise FormatError(f"line {line}: {short_repr(value)} is not a number", path=path) from None


def yaml_data(text: str, loader_class: Any, *, path: str) -> Any:
    """Plain data from YAML ``text``, read with ``loader_class``'s parser and scalar rules.

    Raises
    ------
    FormatError
        Not valid YAML, more than one document, a duplicate key, a tag that is not allowed, a
        key that is not text, an alias to the node that contains it; each with its line.
    LimitError
        Over ``yaml_nodes`` (counting alias expansion), ``depth`` or ``int_digits``.

    Examples
    --------
    >>> from logicmodel.io.text import _Loader
    >>> yaml_data("a: [1, x, 01100]", _Loader, path="m.yaml")
    {'a': [1, 'x', '01100']}
    >>> yaml_data("a: 1\\na: 2\\n", _Loader, path="m.yaml")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: m.yaml: line 2: duplicate key 'a' (first at line 1); the first value would be lost
    """
    lim = limits.current()
    loader = loader_class(text)
    build = _YamlBuilder(path, lim.depth)
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.DocumentStartEvent):
                build.document(line)
            elif isinstance(event, yaml.ScalarEvent):
                build.scalar(_scalar(loader, event, path, line), event.anchor, line)
            elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                build.open(event, line)
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                build.close()
            elif isinstance(event, yaml.AliasEvent):
                build.alias(event.anchor, line)
            if build.nodes > lim.yaml_nodes:
                raise LimitError(
                    f"line {line}: the document has more than {lim.yaml_nodes:,} values once "
                    "its aliases (*name) are expanded (an alias bomb?)",
                    limit="yaml_nodes",
                    value=lim.yaml_nodes,
                    path=path,
                )
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise FormatError(f"not valid YAML at {where}: {err.problem}", path=path) from None
    except yaml.YAMLError as err:
        raise FormatError(f"not valid YAML: {short_repr(str(err), 200)}", path=path) from None
    finally:
        loader.dispose()
    return build.root


class _YamlBuilder:
    """Plain data built from YAML events, counting values (aliases expanded) and depth."""

    def __init__(self, path: str, max_depth: int) -> None:
        self.path = path
        self.max_depth = max_depth
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # value, expanded nodes, depth below
        self.open_anchors: set[str] = set()
        self.depth_below: list[int] = []
        self.nodes = 0
        self.root: Any = None
        self.documents = 0

    def document(self, line: int) -> None:
        self.documents += 1
        if self.documents > 1:
            raise FormatError(
                f"line {line}: more than one YAML document (---); a model file holds one",
                path=self.path,
            )

    def scalar(self, value: Any, anchor: str | None, line: int) -> None:
        self.nodes += 1
        if anchor is not None:
            self.anchors[anchor] = (value, 1, 0)
        self.add(value, line, 0)

    def open(self, event: Any, line: int) -> None:
        """A sequence or mapping starts: only plain ones, and not deeper than the limit."""
        tag = event.tag
        is_map = isinstance(event, yaml.MappingStartEvent)
        if tag not in (None, "!", _MAP if is_map else _SEQ):
            raise FormatError(
                f"line {line}: the YAML tag {short_repr(tag)} is not allowed; use plain "
                "lists and mappings",
                path=self.path,
            )
        self.nodes += 1
        if len(self.stack) >= self.max_depth:
            raise LimitError(
                f"line {line}: nested more than {self.max_depth} levels deep",
                limit="depth",
                value=self.max_depth,
                path=self.path,
            )
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Open({} if is_map else [], line, event.anchor, self.nodes))
        self.depth_below.append(0)

    def close(self) -> None:
        top = self.stack.pop()
        below = self.depth_below.pop()
        if top.anchor is not None:
            self.open_anchors.discard(top.anchor)
            self.anchors[top.anchor] = (top.value, self.nodes - top.nodes_at_start + 1, below)
        self.add(top.value, top.line, below)

    def alias(self, anchor: Any, line: int) -> None:
        """``*name``: the anchored value again, counted as often as it is used."""
        if anchor in self.open_anchors:
            raise FormatError(
                f"line {line}: alias *{short_repr(anchor)} points into itself", path=self.path
            )
        if anchor not in self.anchors:
            raise FormatError(
                f"line {line}: alias *{short_repr(anchor)} has no anchor before it",
                path=self.path,
            )
        value, size, below = self.anchors[anchor]
        self.nodes += size
        if len(self.stack) + below > self.max_depth:
            raise LimitError(
                f"line {line}: alias *{anchor} nests more than {self.max_depth} levels",
                limit="depth",
                value=self.max_depth,
                path=self.path,
            )
        self.add(value, line, below)

    def add(self, value: Any, line: int, below: int) -> None:
        """A finished value goes into the open sequence or mapping (as a key or a value), or is
        the document."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        self.depth_below[-1] = max(self.depth_below[-1], below + 1)
        if top.keys is None:
            top.value.append(value)
        elif top.key is _NO_KEY:
            top.key = self.key(top.keys, value, line)
        else:
            top.value[top.key] = value
            top.key = _NO_KEY

    def key(self, keys: dict[str, int], value: Any, line: int) -> Any:
        """``value`` as the next key of a mapping that has ``keys``: text, not seen before."""
        if isinstance(value, list | dict):
            raise FormatError(
                f"line {line}: a mapping key must be text, not a list or mapping", path=self.path
            )
        if value in keys:
            raise FormatError(
                f"line {line}: duplicate key {short_repr(value)} (first at line "
                f"{keys[value]}); the first value would be lost",
                path=self.path,
            )
        try:
            keys[value] = line
        except TypeError:
            raise FormatError(f"line {line}: a key that is not text", path=self.path) from None
        return value


# -- JSON ---------------------------------------------------------------------------------------


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _TooLong(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, max(pos, 0)) + 1


def json_data(text: str, *, path: str) -> Any:
    """Plain data from JSON ``text`` within the limits; duplicate keys are errors.

    Examples
    --------
    >>> json_data('{"a": [1, "x"]}', path="m.json")
    {'a': [1, 'x']}
    >>> json_data('{"a": 1,\\n "a": 2}', path="m.json")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: m.json: line 2: duplicate key 'a'; the first value would be lost
    """
    lim = limits.current()

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > lim.int_digits:
            raise _TooLong(digits)
        return int(digits)

    def parse_constant(name: str) -> Any:
        raise FormatError(
            f"{name} is not a JSON number; leave the value out or use null", path=path
        )

    try:
        data = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=parse_int,
            parse_constant=parse_constant,
        )
    except json.JSONDecodeError as err:
        raise FormatError(
            f"not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}", path=path
        ) from None
    except RecursionError:
        raise LimitError(
            f"nested more than {lim.depth} levels deep", limit="depth", value=lim.depth, path=path
        ) from None
    except _TooLong as err:
        match = re.search(r"\d{%d,}" % (lim.int_digits + 1), text)  # noqa: UP031 - a regex
        line = _line(text, match.start()) if match else None
        where = f"line {line}: " if line else ""
        raise LimitError(
            f"{where}an integer of {len(str(err.args[0])):,} digits",
            limit="int_digits",
            value=lim.int_digits,
            path=path,
        ) from None
    except _Duplicate as err:
        line = _duplicate_line(text, err.key)
        where = f"line {line}: " if line else ""
        raise FormatError(
            f"{where}duplicate key {short_repr(err.key)}; the first value would be lost",
            path=path,
        ) from None
    _check_shape(data, path)
    return data


# the pure-Python scanner and object parser of the standard library (not in its type stubs)
_DECODER_MODULE: Any = json.decoder
_SCANNER_MODULE: Any = json.scanner


def _duplicate_line(text: str, key: str) -> int | None:
    """Line of the second occurrence of ``key`` inside the object that repeats it."""
    found: list[int] = []

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        s, end = s_and_end
        pairs, after = _DECODER_MODULE.JSONObject(s_and_end, args[0], args[1], None, list, args[4])
        keys = [k for k, _ in pairs]
        if not found and len(keys) != len(set(keys)):
            pattern = re.compile(re.escape(json.dumps(key)[1:-1]).join(['"', r'"\s*:']))
            hits = [m.start() for m in pattern.finditer(s, end - 1, after)]
            if len(hits) > 1:
                found.append(_line(s, hits[1]))
        return dict(pairs), after

    decoder: Any = json.JSONDecoder()
    decoder.parse_object = parse_object
    decoder.scan_once = _SCANNER_MODULE.py_make_scanner(decoder)
    try:
        decoder.decode(text)
    except (ValueError, RecursionError):
        return None
    return found[0] if found else None


def _check_shape(data: Any, path: str) -> None:
    """Depth and node count of parsed data (JSON, or values given to the API)."""
    lim = limits.current()
    todo: list[tuple[Any, int]] = [(data, 1)]
    nodes = 0
    while todo:
        value, depth = todo.pop()
        nodes += 1
        if nodes > lim.yaml_nodes:
            raise LimitError(
                f"more than {lim.yaml_nodes:,} values",
                limit="yaml_nodes",
                value=lim.yaml_nodes,
                path=path,
            )
        if isinstance(value, dict | list):
            if depth > lim.depth:
                raise LimitError(
                    f"nested more than {lim.depth} levels deep",
                    limit="depth",
                    value=lim.depth,
                    path=path,
                )
            children = value.values() if isinstance(value, dict) else value
            todo.extend((child, depth + 1) for child in children)
