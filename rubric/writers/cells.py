"""Cell helpers shared by the workbook writers."""

from __future__ import annotations

import re

# XML 1.0 forbids most control characters; openpyxl refuses them. Tabs and line breaks stay.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def put_text(ws, row: int, column: int, text) -> object:
    """Write record text as text, never as a formula: `=1+1` stays the string `=1+1`."""
    cell = ws.cell(row=row, column=column)
    if text is None:
        return cell
    cell.value = _ILLEGAL.sub("\ufffd", str(text))
    cell.data_type = "s"  # openpyxl would otherwise store a string starting with "=" as a formula
    return cell
