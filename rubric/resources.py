"""Where the schemas and the shipped example study are, from a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _find(packaged: str, top_level: str) -> Path:
    # A wheel carries copies under rubric/_data (see pyproject.toml); a checkout or an editable
    # install uses the top-level folders themselves.
    for candidate in (_PACKAGE / "_data" / packaged, _CHECKOUT / top_level):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"rubric is installed without its {top_level}/ data")


def schema_dir() -> Path:
    return _find("schemas", "schemas")


def example_study_dir() -> Path:
    return _find("example", "policies")
