"""Read YAML safely while remembering the line of every value.

PyYAML's safe loader silently keeps the last of duplicate keys and expands aliases (the root of
"billion laughs" bombs). Records need neither, so we compose the node graph ourselves, reject
both, and record a JSON pointer -> line map so later checks can say where a problem is.
"""

from __future__ import annotations

import os

import attrs
import yaml

from ..errors import Problem, RubricError, json_pointer

try:  # the C parser is several times faster; the pure-Python one gives identical nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_YAML_BYTES = 20 * 1024 * 1024
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@attrs.frozen
class Document:
    """A parsed YAML file: its data and the line (1-based) of each JSON pointer in it."""

    path: str
    data: object
    lines: dict = attrs.field(eq=False, repr=False)

    def line_of(self, pointer: str) -> int | None:
        """Line of the value at `pointer`, or of its nearest ancestor that has one."""
        while True:
            if pointer in self.lines:
                return self.lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]

    def problem(self, pointer: str, message: str) -> Problem:
        return Problem(self.path, message, self.line_of(pointer), pointer)


def read_text(path: str | os.PathLike, display: str | None = None, limit: int = MAX_YAML_BYTES) -> str:
    """File text as UTF-8, with size and encoding problems turned into RubricError."""
    display = display or str(path)
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise RubricError(Problem(display, f"file is {size:,} bytes; the limit is {limit:,}"))
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise RubricError(Problem(display, f"cannot read file: {exc.strerror or exc}")) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RubricError(Problem(display, f"not valid UTF-8 (byte {exc.start})", line)) from None


def load_yaml(path: str | os.PathLike, display: str | None = None) -> Document:
    display = display or str(path)
    return parse_yaml(read_text(path, display), display)


def parse_yaml(text: str, display: str) -> Document:
    if "\t" in text:
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                raise RubricError(Problem(display, "tab used for indentation; YAML needs spaces", number))
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise RubricError(Problem(display, f"YAML syntax error: {what}", line)) from None
    except yaml.YAMLError as exc:
        raise RubricError(Problem(display, f"YAML error: {' '.join(str(exc).split())}")) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if root is None:
        return Document(display, None, lines)
    builder = _Builder(display, lines)
    return Document(display, builder.build(root, ()), lines)


class _Builder:
    def __init__(self, display: str, lines: dict):
        self.display = display
        self.lines = lines
        self.seen: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def fail(self, node, message: str, path) -> RubricError:
        return RubricError(Problem(self.display, message, node.start_mark.line + 1, json_pointer(path)))

    def build(self, node, path):
        if id(node) in self.seen:  # the composer shares nodes only through aliases
            raise self.fail(node, "YAML anchors and aliases are not allowed in records", path)
        self.seen.add(id(node))
        self.lines[json_pointer(path)] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, "mapping keys must be plain scalars", path)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, "YAML merge keys (<<) are not allowed in records", path)
                key = self.scalar(key_node, path)
                if isinstance(key, (int, float, bool)) or key is None:
                    key = key_node.value  # keys are names: `1:` means the string "1"
                if key in result:
                    raise self.fail(key_node, f"duplicate key {key!r}", path)
                if id(value_node) in self.seen:
                    raise self.fail(key_node, "YAML anchors and aliases are not allowed in records", (*path, key))
                result[key] = self.build(value_node, (*path, key))
                # point at the key's line: that is where a reader looks for "/a/b"
                self.lines[json_pointer((*path, key))] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, index)) for index, child in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node, path):
        if node.tag == _TIMESTAMP:  # keep dates as the text written; schemas check their form
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"cannot read value: {' '.join(str(exc).split())}", path) from None
