"""Strict YAML reading for regime files: duplicate keys are errors, and errors name the file.

PyYAML silently keeps the last of two equal keys, which would let a second `2025-04-09:` entry hide
the first; in law-as-data that is a wrong answer, so the loader refuses it with the key path.

The same reader parses text that callers upload (reforms posted to the service), so it also refuses
documents nested deeper than `MAX_DEPTH` (PyYAML's composer recurses once per level and a document
nested 1,000 deep ended in a RecursionError) and documents whose aliases expand to more than
`MAX_EXPANDED_NODES` nodes (a "billion laughs" would otherwise be walked by validation): both are
one-line `InputError`s, never a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from visalever.errors import InputError

MAX_DEPTH = 64
MAX_EXPANDED_NODES = 1_000_000


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys, deep nesting and alias bombs."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels (line {mark.line + 1})", mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if id(node) not in self._sizes:  # an alias returns its anchor's node, already counted
            if isinstance(node, yaml.MappingNode):
                size = 1 + sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._sizes.get(id(item), 1) for item in node.value)
            else:
                size = 1
            if size > MAX_EXPANDED_NODES:
                mark = node.start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"expands to more than {MAX_EXPANDED_NODES:,} nodes (aliases?) "
                    f"(line {mark.line + 1})", mark)
            self._sizes[id(node)] = size
        return node


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


def _construct_str(loader: _StrictLoader, node: yaml.ScalarNode) -> str:
    # Block scalars (`|`, `>`) keep a final newline that would otherwise end up inside every reason
    # text and policy note shown to caseworkers and API clients.
    return str(loader.construct_scalar(node)).rstrip("\n")


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
# Keep dates as text: pydantic then parses them and an impossible date (2026-02-30) is reported with its
# key path instead of crashing the YAML parser.
_StrictLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Parse one YAML file strictly; any problem is an `InputError` located at the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", location=str(path)) from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, origin: str) -> Any:
    """Parse YAML text strictly (text a caller uploaded, or a file's); problems are `InputError`s
    located at `origin`, including nesting deeper than `MAX_DEPTH` and alias bombs."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None and "line" not in str(problem) else ""
        raise InputError(f"invalid YAML: {problem}{where}", location=origin) from None
    except RecursionError:  # belt and braces: MAX_DEPTH stops nesting long before Python's limit
        raise InputError(f"invalid YAML: nested too deeply (more than {MAX_DEPTH} levels)",
                         location=origin) from None


def pydantic_error(path: Path | str, err: Any, prefix: str = "") -> InputError:
    """Turn the first error of a pydantic ValidationError into `file:key.path: reason`."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if not str(p).startswith("function-after"))
    if prefix:
        loc = f"{prefix}.{loc}" if loc else prefix
    msg = first.get("msg", "invalid")
    value = first.get("input")
    if first.get("type") in ("date_from_datetime_parsing", "date_parsing", "date_type") or "date" in msg:
        msg = f"{msg} (got {value!r})"
    return InputError(msg, location=f"{path}:{loc}" if loc else str(path))
