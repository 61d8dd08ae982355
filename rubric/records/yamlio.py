"""Read YAML safely while remembering the line of every value.

PyYAML's safe loader silently keeps the last of duplicate keys and expands aliases (the root of
"billion laughs" bombs). Records need neither, so we compose the node graph ourselves, reject
both, and record a JSON pointer -> line map so later checks can say where a problem is.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re

import attrs
import yaml

from ..errors import Problem, RubricError

try:  # the C parser is several times faster; the pure-Python one gives identical nodes
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader

MAX_YAML_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64          # nesting of mappings and sequences; records need fewer than 10
MAX_INT_DIGITS = 30     # an integer longer than this is refused where it is read
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

# One dialect, read and written: plain scalars resolve by the YAML 1.2 core schema (the rule set
# ruamel.yaml writes by), not PyYAML's YAML 1.1 one, so `on`, `no`, `10:30` and `0o17`-less octals
# stay strings and `5e-05` is a float. The writer (roundtrip.py) quotes any string this resolves
# to something else. Records hold no dates: `2021-03-04` is a string, as the schemas expect.
_CORE_RESOLVERS = (
    ("tag:yaml.org,2002:null", r"(?:~|null|Null|NULL|)\Z", "~nN"),
    ("tag:yaml.org,2002:bool", r"(?:true|True|TRUE|false|False|FALSE)\Z", "tTfF"),
    ("tag:yaml.org,2002:int", r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z",
     "-+.0123456789"),
)


class _CoreResolver(yaml.resolver.BaseResolver):
    """Plain-scalar resolution by the YAML 1.2 core schema (shared by the reader and the writer)."""

    yaml_implicit_resolvers: dict = {}


for _tag, _pattern, _first in _CORE_RESOLVERS:
    _CoreResolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first) + ([""] if "~" in _first else []))


# `<<` is no merge key in YAML 1.2, but a user who writes one means a merge: it stays refused
_CoreResolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"<<\Z"), ["<"])


class _Loader(_SafeLoader):
    """The fast safe loader, resolving plain scalars as _CoreResolver does."""

    yaml_implicit_resolvers = _CoreResolver.yaml_implicit_resolvers


_RESOLVER = _CoreResolver()


def resolves_to_string(text: str) -> bool:
    """Whether `text`, written as a plain scalar, reads back as that string (the writer's test)."""
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR


@attrs.frozen
class Document:
    """A parsed YAML file: its data and the line (1-based) of each JSON pointer in it.

    The line map is made when a line is first asked for (a problem to report), by parsing `text`
    again: for a session of 80,000 scores it is 720,000 pointers, about twice the memory of the
    data, and almost every load reports nothing."""

    path: str
    data: object
    _lines: dict | None = attrs.field(eq=False, repr=False, alias="lines")   # None: not mapped yet
    _text: str | None = attrs.field(default=None, eq=False, repr=False, alias="text")  # to map lines later

    @property
    def lines(self) -> dict:
        if self._lines is None:
            lines: dict[str, int] = {}
            with _gc_paused():
                _from_events(self._text, lines)
            object.__setattr__(self, "_lines", lines)   # a cache: the document itself does not change
            object.__setattr__(self, "_text", None)     # needed no more
        return self._lines

    def line_of(self, pointer: str) -> int | None:
        """Line of the value at `pointer`, or of its nearest ancestor that has one."""
        lines = self.lines
        while True:
            if pointer in lines:
                return lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]

    def problem(self, pointer: str, message: str, code: str | None = None) -> Problem:
        return Problem(self.path, message, self.line_of(pointer), pointer, code=code)


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
    with _gc_paused():
        data = _from_events(text, None)
        if data is not _COMPOSE:
            return Document(display, data, None, text)  # lines mapped when first asked for
        lines: dict[str, int] = {}  # something a record rarely holds: let the composer and _NodeValues judge it
        data = _from_nodes(text, display, lines)
    return Document(display, data, lines)


def _from_nodes(text: str, display: str, lines: dict):
    """Compose the whole node graph (the C composer), then build values from it with _NodeValues."""
    loader = _Loader(text)
    try:
        _check_depth(text, display)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        if "maximum nesting depth" in what:  # PyYAML >= 6.0.4's scanner may see deep nesting before we do
            raise RubricError(Problem(display, _TOO_DEEP, line)) from None
        raise RubricError(Problem(display, f"YAML syntax error: {what}", line)) from None
    except yaml.YAMLError as exc:
        raise RubricError(Problem(display, f"YAML error: {' '.join(str(exc).split())}")) from None
    finally:
        loader.dispose()
    if root is None:
        return None
    # Nodes are shared only through aliases, and an alias needs an anchor (`&name`): text with
    # no "&" has neither (an alias to an undefined anchor is a syntax error above).
    return _NodeValues(display, lines, track_nodes="&" in text).build(root, "")


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
def _check_depth(text: str, display: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH from the parser's events, before the composer (which
    recurses once per level) sees it; syntax errors are left for the composer to report."""
    loader = _Loader(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            cls = event.__class__
            if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                depth += 1
                if depth > MAX_DEPTH + 1:  # the root collection is depth 0 for the builder
                    raise RubricError(Problem(display, _TOO_DEEP, event.start_mark.line + 1))
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                depth -= 1
            elif cls is yaml.StreamEndEvent:
                return
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


_COMPOSE = object()  # _from_events' answer when a document needs the composer path


_UNUSUAL = object()


def _plain_scalar(tag: str, text: str):
    """The value of a scalar with one of the plain tags, built directly; _UNUSUAL for anything
    _core_scalar must judge (other spellings, special numbers, long integers, other tags). Dates
    stay the text written; schemas check their form."""
    if tag == _STR or tag == _TIMESTAMP:
        return text
    if tag == _INT:
        if len(text) <= MAX_INT_DIGITS and _DECIMAL_INT.match(text):
            return int(text)
    elif tag == _FLOAT:
        if len(text) <= 40 and _DECIMAL_FLOAT.match(text):
            return float(text)
    elif tag == _BOOL:
        known = _BOOLS.get(text)
        if known is not None:
            return known
    elif tag == _NULL:
        if text in _NULLS:
            return None
    return _UNUSUAL


def _core_scalar(tag: str, text: str):
    """A scalar's value under the YAML 1.2 core schema, for any tag a record may carry (implicit or
    written as `!!int`, `!!float`...). Raises ValueError with a message for the user."""
    value = _plain_scalar(tag, text)
    if value is not _UNUSUAL:
        return value
    if tag == _INT:
        digits = text.lstrip("+-")
        if _CORE_INT.match(text) and len(digits) > MAX_INT_DIGITS:
            raise ValueError(f"integer of {len(digits):,} digits; records allow at most {MAX_INT_DIGITS}")
        if _DECIMAL_INT_ANY.match(text):
            return int(text)
        if text.startswith("0o") and _CORE_INT.match(text):
            return int(text[2:], 8)
        if text.startswith("0x") and _CORE_INT.match(text):
            return int(text[2:], 16)
        raise ValueError(f"{_short(text)} is not an integer")
    if tag == _FLOAT:
        special = _SPECIAL_FLOATS.get(text.lstrip("+-").lower())
        if special is not None and _CORE_FLOAT.match(text):
            return -special if text.startswith("-") else special
        if _CORE_FLOAT.match(text):
            if len(text) > 400:
                raise ValueError(f"number of {len(text):,} characters is too long")
            return float(text)
        raise ValueError(f"{_short(text)} is not a number")
    if tag == _BOOL:
        raise ValueError(f"{_short(text)} is not a boolean (true or false)")
    if tag == _NULL:
        raise ValueError(f"{_short(text)} is not null")
    raise ValueError(f"YAML tag {_short(tag)} is not allowed in records")


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


class _Unusual(Exception):
    """Raised inside _from_events: the document holds something only the composer path handles."""


def _from_events(text: str, lines: dict | None):
    """Build the values straight from the parser's events, without composing a node graph; with
    `lines`, also fill it with the line of each pointer (None: no pointers are built at all).

    This is the same document the composer and _NodeValues would build (the same values, the same
    pointer -> line map in the same order) for the documents records are made of: one document of
    mappings with plain string keys, sequences and untagged scalars that construct without
    PyYAML's constructor. Anything else (anchors, aliases, tags, merge keys, duplicate or non-scalar
    keys, several documents, special numbers, syntax errors) returns _COMPOSE, and the caller
    parses the text again the old way, which reports problems exactly as before. For a 17 MB
    session this is twice as fast and needs a third of the memory: no node or mark outlives its
    event."""
    loader = _Loader(text)
    if loader.yaml_path_resolvers:  # tags would depend on the path: only the composer tracks it
        loader.dispose()
        return _COMPOSE
    get = loader.get_event
    resolve = loader.resolve
    plain_values: dict[str, object] = {}  # a plain scalar's value depends on its text alone
    strings: dict[str, str] = {}
    string_keys: set[str] = set()  # plain keys known to resolve to strings
    track = lines is not None

    def plain(text_value: str, implicit):
        value = _plain_scalar(resolve(yaml.ScalarNode, text_value, implicit), text_value)
        if value is _UNUSUAL:
            raise _Unusual
        return value

    def value(event, pointer: str, depth: int = 0):
        cls = event.__class__
        if cls is yaml.ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            if track:
                lines[pointer] = event.start_mark.line + 1
            text_value = event.value
            if event.implicit[0]:
                try:
                    return plain_values[text_value]
                except KeyError:
                    result = plain(text_value, event.implicit)
                    if len(text_value) <= 64:
                        plain_values[text_value] = result
                    return result
            if len(text_value) <= 64:
                return strings.setdefault(text_value, text_value)
            return text_value
        if cls is yaml.MappingStartEvent:
            if event.anchor is not None or depth >= MAX_DEPTH:
                raise _Unusual
            if track:
                lines[pointer] = event.start_mark.line + 1
            result = {}
            while True:
                key_event = get()
                if key_event.__class__ is yaml.MappingEndEvent:
                    return result
                if (key_event.__class__ is not yaml.ScalarEvent or key_event.anchor is not None
                        or key_event.tag is not None):
                    raise _Unusual
                key = key_event.value
                if key_event.implicit[0] and key not in string_keys:
                    if resolve(yaml.ScalarNode, key, key_event.implicit) != _STR:
                        raise _Unusual  # a key such as `1:`, `true:`, `~:` or `<<:`
                    string_keys.add(key)
                if key in result:
                    raise _Unusual  # a duplicate
                if track:
                    child = pointer + "/" + _escape(key)
                    result[key] = value(get(), child, depth + 1)
                    lines[child] = key_event.start_mark.line + 1  # a reader looks for "/a/b" on the key's line
                else:
                    result[key] = value(get(), None, depth + 1)
        if cls is yaml.SequenceStartEvent:
            if event.anchor is not None or depth >= MAX_DEPTH:
                raise _Unusual
            if track:
                lines[pointer] = event.start_mark.line + 1
            result = []
            append = result.append
            index = 0
            while True:
                item = get()
                if item.__class__ is yaml.SequenceEndEvent:
                    return result
                append(value(item, f"{pointer}/{index}" if track else None, depth + 1))
                index += 1
        raise _Unusual  # an alias

    try:
        get()  # stream start
        event = get()
        if event.__class__ is yaml.StreamEndEvent:
            return None
        if event.__class__ is not yaml.DocumentStartEvent:
            return _COMPOSE
        data = value(get(), "")
        if get().__class__ is not yaml.DocumentEndEvent or get().__class__ is not yaml.StreamEndEvent:
            return _COMPOSE
        return data
    except (_Unusual, yaml.YAMLError, RecursionError):
        return _COMPOSE
    finally:
        loader.dispose()


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a document's nodes and values are built.

    Composing and building allocate millions of small acyclic objects (nodes, marks, dicts,
    strings); every few hundred allocations trigger a collection that walks the ever-growing set
    of live objects, which made parsing a 17 MB session several times slower than the parse itself.
    Nothing built here forms a reference cycle, so pausing frees nothing late."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _escape(part: str) -> str:
    """One JSON pointer token (RFC 6901), as `json_pointer` writes it."""
    if "~" in part or "/" in part:
        return part.replace("~", "~0").replace("/", "~1")
    return part


# Plain scalars with these tags are constructed here, exactly as PyYAML's SafeConstructor would,
# without its per-node bookkeeping; anything unusual (underscores, octal, sexagesimal, special
# floats, explicit tags of other kinds) still goes through the SafeConstructor.
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_DECIMAL_INT_ANY = re.compile(r"[-+]?[0-9]+\Z")  # the core schema reads 010 as ten
_CORE_INT = re.compile(_CORE_RESOLVERS[2][1])
_CORE_FLOAT = re.compile(_CORE_RESOLVERS[3][1])
_SPECIAL_FLOATS = {".inf": float("inf"), ".nan": float("nan")}
_NULLS = frozenset(("~", "null", "Null", "NULL", ""))
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class _NodeValues:
    """Python values from a composed YAML node tree, recording the line of each JSON pointer."""

    def __init__(self, display: str, lines: dict, track_nodes: bool = True):
        self.display = display
        self.lines = lines
        self.track = track_nodes
        self.seen: set[int] = set()
        self.strings: dict[str, str] = {}  # one object per distinct short string (ids repeat a lot)

    def fail(self, node, message: str, pointer: str) -> RubricError:
        return RubricError(Problem(self.display, message, node.start_mark.line + 1, pointer))

    def build(self, node, pointer: str, depth: int = 0):
        """The value of `node`, at JSON pointer `pointer`; records the line of every value in it."""
        if depth > MAX_DEPTH:
            raise self.fail(node, _TOO_DEEP, pointer)
        if self.track:
            if id(node) in self.seen:  # the composer shares nodes only through aliases
                raise self.fail(node, "YAML anchors and aliases are not allowed in records", pointer)
            self.seen.add(id(node))
        lines = self.lines
        lines[pointer] = node.start_mark.line + 1
        cls = node.__class__
        if cls is yaml.ScalarNode:
            return self.scalar(node, pointer)
        if cls is yaml.MappingNode or isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, "mapping keys must be plain scalars", pointer)
                tag = key_node.tag
                if tag == _STR:
                    key = key_node.value
                else:
                    if tag == _MERGE:
                        raise self.fail(key_node, "YAML merge keys (<<) are not allowed in records", pointer)
                    key = self.scalar(key_node, pointer)
                    if isinstance(key, (int, float, bool)) or key is None:
                        key = key_node.value  # keys are names: `1:` means the string "1"
                if key in result:
                    raise self.fail(key_node, f"duplicate key {key!r}", pointer)
                child = pointer + "/" + (_escape(key) if key.__class__ is str else _escape(str(key)))
                if self.track and id(value_node) in self.seen:
                    raise self.fail(key_node, "YAML anchors and aliases are not allowed in records", child)
                if value_node.__class__ is yaml.ScalarNode and not self.track:
                    lines[child] = value_node.start_mark.line + 1  # inlined build() of a scalar
                    result[key] = self.scalar(value_node, child)
                else:
                    result[key] = self.build(value_node, child, depth + 1)
                # point at the key's line: that is where a reader looks for "/a/b"
                lines[child] = key_node.start_mark.line + 1
            return result
        if cls is yaml.SequenceNode or isinstance(node, yaml.SequenceNode):
            build = self.build
            return [build(child, f"{pointer}/{index}", depth + 1) for index, child in enumerate(node.value)]
        return self.scalar(node, pointer)

    def scalar(self, node, pointer: str):
        tag = node.tag
        value = node.value
        if tag == _STR:
            if len(value) <= 64:
                return self.strings.setdefault(value, value)
            return value
        try:
            return _core_scalar(tag, value)
        except ValueError as exc:
            raise self.fail(node, f"cannot read value: {exc}", pointer) from None
