"""The terminal's width, for tables and for `--help`: imports nothing heavy (not even shutil, whose
archive modules `rubric --help` would otherwise pay for)."""

from __future__ import annotations

import os

WIDTH = 100   # the width when neither COLUMNS nor a terminal says


def terminal_width() -> int:
    """COLUMNS when set (tests, and the user's say), else the terminal's width, else WIDTH."""
    try:
        return max(40, int(os.environ["COLUMNS"]))
    except (KeyError, ValueError):
        pass
    try:
        return max(40, os.get_terminal_size(1).columns) if os.isatty(1) else WIDTH
    except OSError:
        return WIDTH
