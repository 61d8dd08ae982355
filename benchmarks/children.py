"""Work the runner measures in child processes, so that each child's peak RSS is its own.

    python -m benchmarks.children bare-yaml STUDY
    python -m benchmarks.children report-phases STUDY OUT.xlsx [--cells CELLS.json] [--samples N]
    python -m benchmarks.children dump CELLS.json OUT.xlsx
    python -m benchmarks.children dump-xlsxwriter CELLS.json OUT.xlsx
    python -m benchmarks.children measure RESULT.json -- COMMAND...

Each prints one JSON object on its last line of stdout, except `measure`, which runs COMMAND (its
output passes through), reaps it with os.wait4 and writes its wall time, exit code and peak RSS to
RESULT.json. The runner starts every measured command through `measure`, a small process: a child
started by vfork/fork inherits its parent's peak RSS (Linux keeps the larger of the RSS before
and after exec), so a command started straight from the runner, which holds a loaded study, would
report the runner's RSS as its own.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        return int(re.search(r"VmRSS:\s+(\d+)", handle.read()).group(1))


class RssSampler:
    """Peak RSS over a phase, sampled from a thread every `interval` seconds.

    Resetting VmHWM (clear_refs) before a phase would measure it exactly, but it also lowers the
    whole-process peak that getrusage reports afterwards; sampling leaves that intact. A spike shorter
    than the interval can be missed, so the phase figure is a lower bound."""

    def __init__(self, interval: float = 0.002):
        import threading

        self.interval, self.peak = interval, _rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, _rss_kib())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_kib())


def yaml_loader():
    """The loader `bare-yaml` uses: PyYAML's libyaml-based CSafeLoader when built, else SafeLoader."""
    import yaml

    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def study_paths(root: str) -> list[str]:
    """Every record file of a study, in the loader's order (the same files load_study reads)."""
    from pathlib import Path

    from rubric.records.load import study_files

    return [str(path) for _, path in study_files(Path(root))]


def bare_yaml(paths: list[str]) -> list:
    """Bare YAML loading: read each file and yaml.load it; no line numbers, checks or schema."""
    import yaml

    loader = yaml_loader()
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            out.append(yaml.load(handle.read(), Loader=loader))
    return out


def _cmd_bare_yaml(root: str) -> dict:
    paths = study_paths(root)
    start = time.perf_counter()
    bare_yaml(paths)
    return {"seconds": time.perf_counter() - start}


def count_cells(path: str) -> list[dict]:
    """Per sheet of a saved workbook: its name, width, and how many cells hold text, numbers and formulas."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheets = []
    for ws in book.worksheets:
        text = number = formula = width = 0
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                width = max(width, cell.column)
                if cell.data_type == "f":
                    formula += 1
                elif isinstance(value, str):
                    text += 1
                else:
                    number += 1
        sheets.append({"name": ws.title, "width": max(width, 1), "text": text, "number": number,
                       "formula": formula})
    book.close()
    return sheets


def _cmd_report_phases(root: str, out: str, cells: str | None, samples: int) -> dict:
    start = time.perf_counter()
    from rubric.compute.report import build_report
    from rubric.records.load import load_study
    from rubric.writers.xlsx import write_workbook

    imported = time.perf_counter()
    study = load_study(root)
    loaded = time.perf_counter()
    rss_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = build_report(study, samples=samples, seed=1)
    computed = time.perf_counter()
    rss_compute = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before_write = _rss_kib()
    with RssSampler() as sampler:
        write_workbook(report, out)
    written = time.perf_counter()
    result = {
        "import": imported - start, "load": loaded - imported, "compute": computed - loaded,
        "write": written - computed,
        "maxrss_after_load_kib": rss_load, "maxrss_after_compute_kib": rss_compute,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_before_write_kib": before_write,
        "write_peak_kib": sampler.peak,
    }
    if cells:  # once: the shape of the workbook, for the bare dump to match
        sheets = count_cells(out)
        with open(cells, "w", encoding="utf-8") as handle:
            json.dump(sheets, handle)
        result["cells"] = sum(s["text"] + s["number"] + s["formula"] for s in sheets)
    return result


def _cmd_dump(cells: str, out: str) -> dict:
    """A bare openpyxl write_only dump of as many cells as the report wrote, sheet by sheet, with the
    same number of text, number and formula cells in rows of the same width."""
    start = time.perf_counter()
    from openpyxl import Workbook

    imported = time.perf_counter()
    with open(cells, encoding="utf-8") as handle:
        sheets = json.load(handle)
    rss_before = _rss_kib()
    sampler = RssSampler().__enter__()
    began = time.perf_counter()
    book = Workbook(write_only=True)
    total = 0
    for spec in sheets:
        ws = book.create_sheet(spec["name"])
        width = spec["width"]
        kinds = ["t"] * spec["text"] + ["n"] * spec["number"] + ["f"] * spec["formula"]
        total += len(kinds)
        for row_start in range(0, len(kinds), width):
            row = []
            for offset, kind in enumerate(kinds[row_start:row_start + width]):
                i = row_start + offset
                if kind == "t":
                    row.append(f"text {i % 997} of the dump")
                elif kind == "n":
                    row.append(i * 0.5)
                else:
                    row.append(f"=A{1 + i // width}")
            ws.append(row)
    with open(out, "wb") as handle:
        book.save(handle)
        handle.flush()
        os.fsync(handle.fileno())
    done = time.perf_counter()
    sampler.__exit__()
    return {"import": imported - start, "write": done - began, "cells": total, "rss_before_write_kib": rss_before,
            "write_peak_kib": sampler.peak, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def _cmd_dump_xlsxwriter(cells: str, out: str) -> dict:
    """The same cells written with XlsxWriter in constant-memory mode (the library and mode rubric
    writes with), each cell with a format, as rubric's cells all have one: the floor for the report's
    write phase."""
    start = time.perf_counter()
    import xlsxwriter

    imported = time.perf_counter()
    with open(cells, encoding="utf-8") as handle:
        sheets = json.load(handle)
    rss_before = _rss_kib()
    with RssSampler() as sampler:
        began = time.perf_counter()
        with open(out, "wb") as handle:
            book = xlsxwriter.Workbook(handle, {"constant_memory": True, "in_memory": False})
            text_format = book.add_format({"valign": "top"})
            number_format = book.add_format({"valign": "top", "num_format": "0.00"})
            total = 0
            for spec in sheets:
                ws = book.add_worksheet(spec["name"])
                width = spec["width"]
                kinds = ["t"] * spec["text"] + ["n"] * spec["number"] + ["f"] * spec["formula"]
                total += len(kinds)
                for i, kind in enumerate(kinds):
                    r, c = divmod(i, width)
                    if kind == "t":
                        ws.write_string(r, c, f"text {i % 997} of the dump", text_format)
                    elif kind == "n":
                        ws.write_number(r, c, i * 0.5, number_format)
                    else:
                        ws.write_formula(r, c, f"=A{1 + r}", number_format, 0)
            book.close()
            handle.flush()
            os.fsync(handle.fileno())
        done = time.perf_counter()
    return {"import": imported - start, "write": done - began, "cells": total, "rss_before_write_kib": rss_before,
            "write_peak_kib": sampler.peak, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def _cmd_measure(result: str, command: list[str]) -> int:
    import subprocess

    start = time.perf_counter()
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    with open(result, "w", encoding="utf-8") as handle:
        json.dump({"wall": wall, "returncode": code, "maxrss_kib": usage.ru_maxrss}, handle)
    return 0


def main(argv: list[str]) -> int:
    command, *rest = argv
    if command == "measure":
        return _cmd_measure(rest[0], rest[rest.index("--") + 1:])
    if command == "bare-yaml":
        result = _cmd_bare_yaml(rest[0])
    elif command == "report-phases":
        cells = rest[rest.index("--cells") + 1] if "--cells" in rest else None
        samples = int(rest[rest.index("--samples") + 1]) if "--samples" in rest else 10000
        result = _cmd_report_phases(rest[0], rest[1], cells, samples)
    elif command == "dump":
        result = _cmd_dump(rest[0], rest[1])
    elif command == "dump-xlsxwriter":
        result = _cmd_dump_xlsxwriter(rest[0], rest[1])
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
