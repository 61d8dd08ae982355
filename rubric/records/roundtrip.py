"""Round-trip YAML editing (ruamel.yaml) that keeps a file's comments, quoting and indentation."""

from __future__ import annotations

import io

# (mapping, sequence, offset): our own style ("key:\n  - a: 1"), then sequences flush with their key
_STYLES = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0))


def _yaml(style):
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100000          # never re-wrap a user's long strings
    yaml.indent(mapping=style[0], sequence=style[1], offset=style[2])
    return yaml


def dump(data, style=_STYLES[0]) -> str:
    buffer = io.StringIO()
    _yaml(style).dump(data, buffer)
    return buffer.getvalue()


def load(text: str):
    """The data and the indentation style that reproduces `text` unchanged (or our default)."""
    data = _yaml(_STYLES[0]).load(text)
    for style in _STYLES:
        if dump(data, style) == text:
            return data, style
    return data, _STYLES[0]
