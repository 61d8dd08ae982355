"""Open a user's workbook defensively: size and zip-bomb limits, clear errors, XML via defusedxml.

openpyxl parses its XML through defusedxml whenever that package is installed (it is a dependency),
which blocks entity-expansion ("billion laughs") and external-entity attacks.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib

from ..errors import Problem, RubricError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ROWS = 200_000
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_bounded(path: str | os.PathLike, limit: int) -> bytes:
    """A file's bytes, read by streaming with a cap (a size from stat proves nothing: /dev/zero
    says 0). Folders, devices, FIFOs and sockets are refused before opening, and the file is opened
    non-blocking and checked again, so a FIFO swapped in meanwhile cannot hang the caller."""
    shown = os.fspath(path)

    def fail(message: str):
        return RubricError(Problem(shown, message))

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise fail("not a regular file (a folder, device, FIFO or socket); refused")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise fail("not a regular file (a folder, device, FIFO or socket); refused")
            data = handle.read(limit + 1)
        except OSError as exc:
            raise fail(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise fail(f"file is larger than {limit:,} bytes, the limit")
    return data


def open_workbook(path: str | os.PathLike, data: bytes | None = None):
    """An openpyxl workbook from `path` (or from its bytes `data`, already read with read_bounded)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    shown = os.fspath(path)

    def fail(message: str):
        return RubricError(Problem(shown, message))

    if data is None:
        data = read_bounded(path, MAX_FILE_BYTES)
    head = data[:8]
    if head == _OLE_SIGNATURE:
        raise fail("password-protected (encrypted) or old .xls workbook; save it unprotected as .xlsx")
    source = io.BytesIO(data)
    if not zipfile.is_zipfile(source):
        raise fail("not an .xlsx workbook (not a zip archive: perhaps a CSV or a damaged file)")
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            total = sum(e.file_size for e in entries)
            packed = sum(e.compress_size for e in entries) or 1
            # the declared sizes first: nothing is decompressed from a zip bomb
            if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                raise fail(f"workbook expands to {total:,} bytes ({total / packed:.0f}x its size): "
                           "refused as a zip bomb")
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError) as exc:
        raise fail(f"damaged .xlsx workbook: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    if bad is not None:
        raise fail(f"damaged .xlsx workbook: {bad} fails its checksum")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise fail(f"cannot read workbook: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    except Exception as exc:  # defusedxml and XML parser errors have several types
        raise fail(f"cannot read workbook ({type(exc).__name__}): {' '.join(str(exc).split())[:200]}") from None
    for ws in book.worksheets:
        if ws.max_row > MAX_ROWS:
            raise fail(f"sheet {ws.title!r} has {ws.max_row:,} rows; the limit is {MAX_ROWS:,}")
    return book
