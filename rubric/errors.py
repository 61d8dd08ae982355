"""The tool's own error type: every user error becomes one of these, with a place to look."""

from __future__ import annotations

import attrs


@attrs.frozen
class Problem:
    """One thing wrong with the user's input, located as precisely as we can: in a YAML or JSON
    document by `line` and JSON `pointer`, in a workbook by `sheet` and `cell` (never both)."""

    file: str
    message: str
    line: int | None = None
    pointer: str | None = None  # JSON pointer into the document; "" is the whole document
    sheet: str | None = attrs.field(default=None, kw_only=True)
    cell: str | None = attrs.field(default=None, kw_only=True)  # a cell, or a whole column or row
    code: str | None = attrs.field(default=None, kw_only=True)  # what went wrong, for callers that count

    def __attrs_post_init__(self):
        if self.sheet is None and self.cell is not None:
            raise ValueError("a workbook cell needs its sheet")
        if self.sheet is not None and (self.pointer is not None or self.line is not None):
            raise ValueError("a problem is in a document or in a workbook, not both")

    @classmethod
    def at_cell(cls, file: str, sheet: str, cell: str | int | None, message: str,
                code: str | None = None) -> Problem:
        """A problem in a workbook: `cell` names a cell ("B4"), a column ("C") or a row (7)."""
        return cls(file, message, sheet=sheet, cell=None if cell is None else str(cell), code=code)

    @property
    def in_workbook(self) -> bool:
        return self.sheet is not None

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.sheet is not None:
            place = f"{place}: {self.sheet}" if self.cell is None else f"{place}: {self.sheet}!{self.cell}"
        elif self.pointer is not None:
            place = f"{place}: {self.pointer or '/'}"
        return f"{place}: {self.message}"


MAX_PROBLEMS = 100  # problems printed per run; a broken file can hold a million


def capped(problems: list[Problem], hidden: int = 0) -> list[Problem]:
    """At most MAX_PROBLEMS problems, then one line counting the rest (`hidden` are ones already
    dropped before the list was built)."""
    more = hidden + max(0, len(problems) - MAX_PROBLEMS)
    if not more:
        return problems
    shown = problems[:MAX_PROBLEMS]
    place = shown[-1].file if shown else "rubric"
    return [*shown, Problem(place, f"... and {more:,} more problems (only the first {MAX_PROBLEMS:,} are shown)")]


class RubricError(Exception):
    """A user error: bad input, a failed check. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem("rubric", p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(RubricError):
    """The command line names something that does not exist (exit status 2)."""


def json_pointer(path) -> str:
    """RFC 6901 pointer for a sequence of keys and indices."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
