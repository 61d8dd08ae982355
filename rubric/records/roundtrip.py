"""Round-trip YAML editing (ruamel.yaml) that keeps a file's comments, quoting and indentation."""

from __future__ import annotations

import io
from pathlib import Path

# (mapping, sequence, offset): our own style ("key:\n  - a: 1"), then sequences flush with their key
_STYLES = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0))


def _quote_unless_string(representer, data: str):
    """A string is written plain only if rubric's reader reads that plain text back as the same
    string (yamlio's YAML 1.2 core rules): `1e3`, `~` or `0x1F` are quoted; `on` and `10:30` need not
    be. Text with line breaks or control characters is double-quoted, with escapes."""
    from .yamlio import resolves_to_string

    if not data.isprintable():  # line breaks (incl. NEL, U+2028) and controls: escaped, never folded
        style = '"'
    else:
        style = None if resolves_to_string(data) else "'"
    return representer.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _yaml(style):
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import RoundTripRepresenter

    class Representer(RoundTripRepresenter):
        pass

    Representer.add_representer(str, _quote_unless_string)
    yaml = YAML()
    yaml.Representer = Representer
    yaml.preserve_quotes = True
    yaml.width = 100000          # never re-wrap a user's long strings
    yaml.indent(mapping=style[0], sequence=style[1], offset=style[2])
    return yaml


def dump(data, style=_STYLES[0], newline: str = "\n") -> str:
    """The YAML text of `data`, its lines ended by `newline` (a file's own, see read_file)."""
    buffer = io.StringIO()
    _yaml(style).dump(data, buffer)
    text = buffer.getvalue()
    return text if newline == "\n" else text.replace("\n", newline)


def read_file(path) -> tuple[str, str]:
    """A record's text with its line ends as "\n", and the line end the file uses ("\r\n" if its
    first line ends so), so that an edited file keeps its own line endings."""
    raw = Path(path).read_bytes().decode("utf-8")
    first_break = raw.find("\n")
    newline = "\r\n" if first_break > 0 and raw[first_break - 1] == "\r" else "\n"
    return raw.replace("\r\n", "\n"), newline


def load(text: str):
    """The data and the indentation style that reproduces `text` unchanged (or our default)."""
    data = _yaml(_STYLES[0]).load(text)
    for style in _STYLES:
        if dump(data, style) == text:
            return data, style
    return data, _STYLES[0]
