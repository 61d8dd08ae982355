"""Recalculate workbooks in real LibreOffice (headless), so tests see what a spreadsheet computes.

Every run uses a private, throw-away user profile whose settings force LibreOffice to recalculate
every formula on load (files written by openpyxl carry no cached values), then converts with
`soffice --headless --convert-to`. Nothing of the user's own LibreOffice profile is used or changed.

    require_soffice()                  # skip (or fail under CI=true) when LibreOffice is missing
    [out] = convert([path], "xlsx", outdir)
    book = recalculated(path)          # openpyxl workbook, data_only=True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 180  # seconds for one soffice run

# 0 = always recalculate on load (1 = never, 2 = ask): for OOXML (xlsx) and ODF files alike.
RECALC_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

ERROR_PREFIXES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The soffice executable; skips the calling test when absent, but fails when CI=true."""
    import pytest

    found = soffice()
    if found is None:
        reason = "LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to run the recalculation tests"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def _profile(base: Path) -> Path:
    profile = base / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_SETTINGS, encoding="utf-8")
    return profile


def convert(paths, fmt: str, outdir, timeout: int = TIMEOUT) -> list[Path]:
    """Convert files with LibreOffice (recalculating on load); returns the output paths in order.

    fmt is what `--convert-to` takes: "xlsx", "pdf", ... The output folder must not be the input's
    folder when converting xlsx to xlsx (LibreOffice would overwrite the input).
    """
    executable = soffice()
    if executable is None:
        raise RuntimeError("soffice not found")
    paths = [Path(p).resolve() for p in paths]
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if any(p.parent == outdir for p in paths) and fmt == "xlsx":
        raise ValueError("convert xlsx into another folder, not the input's")
    with tempfile.TemporaryDirectory(prefix="rubric-lo-") as scratch:
        profile = _profile(Path(scratch))
        command = [executable, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--nolockcheck", "--convert-to", fmt, "--outdir", str(outdir),
                   *map(str, paths)]
        env = {**os.environ, "HOME": scratch}
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
    extension = fmt.split(":")[0]
    outputs = [outdir / f"{p.stem}.{extension}" for p in paths]
    missing = [o for o in outputs if not o.is_file()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"soffice failed (exit {proc.returncode}), missing {missing}:\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return outputs


def recalculated(path, outdir=None):
    """`path` recalculated by LibreOffice, read back with openpyxl (cached values, data_only=True)."""
    import openpyxl

    outdir = Path(outdir) if outdir is not None else Path(tempfile.mkdtemp(prefix="rubric-recalc-"))
    [out] = convert([path], "xlsx", outdir)
    return openpyxl.load_workbook(out, data_only=True)


def error_cells(book) -> list[str]:
    """Every cell of every sheet that holds a spreadsheet error value (#VALUE!, Err:502, ...)."""
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "e" or (isinstance(value, str) and value.startswith(ERROR_PREFIXES)):
                    found.append(f"{sheet.title}!{cell.coordinate}={value!r}")
    return found


def one_sheet_copies(path, outdir) -> list[tuple[str, Path]]:
    """For each sheet of the xlsx file `path`, a copy in which every other sheet is hidden (and that
    one active), so that LibreOffice prints that sheet alone: (sheet name, copy) in sheet order.
    Only xl/workbook.xml changes; sheets, charts and print settings are copied byte for byte."""
    import re
    import zipfile

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    book = parts["xl/workbook.xml"].decode("utf-8")
    tags = re.findall(r"<sheet [^>]*/>", book)
    names = [re.search(r'name="([^"]*)"', tag).group(1) for tag in tags]
    copies = []
    for k, name in enumerate(names):
        edited = book
        for j, tag in enumerate(tags):
            plain = re.sub(r' state="\w+"', "", tag)
            edited = edited.replace(tag, plain if j == k else plain.replace("<sheet ", '<sheet state="hidden" ', 1))
        edited = re.sub(r'activeTab="\d+"', f'activeTab="{k}"', edited)
        edited = re.sub(r'firstSheet="\d+"', f'firstSheet="{k}"', edited)
        if "activeTab=" not in edited:
            edited = edited.replace("<workbookView ", f'<workbookView activeTab="{k}" ', 1)
        copy = outdir / f"{Path(path).stem}-sheet{k:02d}.xlsx"
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
            for filename, data in parts.items():
                target.writestr(filename, edited.encode("utf-8") if filename == "xl/workbook.xml" else data)
        copies.append((name, copy))
    return copies


def pdf_pages(path) -> int:
    """Pages of a PDF written by LibreOffice (its page objects, uncompressed in its output)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", Path(path).read_bytes()))


def printed_pages(paths, outdir) -> dict[str, dict[str, int]]:
    """Printed pages per sheet of each xlsx file, from one LibreOffice run over every one-sheet copy
    and the whole files: {file stem: {sheet: pages, "(whole)": pages of the file printed whole}}.
    Hidden sheets print nothing, so a sheet hidden in the file counts 0 in "(whole)" only."""
    outdir = Path(outdir)
    jobs = []
    for path in paths:
        for name, copy in one_sheet_copies(path, outdir / "copies"):
            jobs.append((Path(path).stem, name, copy))
    pdfs = convert([copy for _, _, copy in jobs] + [Path(p) for p in paths], "pdf", outdir / "pdf")
    result: dict[str, dict[str, int]] = {}
    for (stem, name, _), pdf in zip(jobs, pdfs):
        result.setdefault(stem, {})[name] = pdf_pages(pdf)
    for path, pdf in zip(paths, pdfs[len(jobs):]):
        result[Path(path).stem]["(whole)"] = pdf_pages(pdf)
    return result
