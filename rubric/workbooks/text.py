"""The cell-text codec shared by the workbook writers and readers."""

from __future__ import annotations

import re

# OOXML strings (ST_Xstring) cannot hold most control characters, and XML turns a carriage return
# into a line feed. The format's own escape, _xHHHH_, carries them; a literal "_xHHHH_" in the text
# is protected by escaping its underscore (_x005F_). Excel and LibreOffice use the same convention.
# Known limit: openpyxl's reader drops every "x005F_" from shared strings, so the literal text
# "_x000D_" cannot be told from an escaped carriage return on import, and comes back as one.
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def encode_text(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def decode_text(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def put_text(ws, row: int, column: int, text) -> object:
    """Write record text as text, never as a formula: `=1+1` stays the string `=1+1`."""
    cell = ws.cell(row=row, column=column)
    if text is None:
        return cell
    cell.value = encode_text(str(text))
    cell.data_type = "s"  # openpyxl would otherwise store a string starting with "=" as a formula
    return cell
