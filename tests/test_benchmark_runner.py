"""The benchmark runner's scaling mode and its bare XlsxWriter reference run end to end on a tiny grid."""

import json
import math

from benchmarks import children, run


def test_scaling_table_and_growth_exponents(tmp_path):
    axes = {"options": ((4, 8), dict(options=0, criteria=3, groups=1, analysts=2, profiles=1))}
    commands = {"validate": ("validate",), "sensitivity": ("sensitivity",)}
    run.ENV["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    lines = run.scaling(str(tmp_path), 1, 1, axes, commands)
    assert lines[0] == "| axis | size | validate | sensitivity |"
    rows = [line for line in lines if line.startswith("| options |")]
    assert [row.split("|")[2].strip() for row in rows] == ["4", "8"]
    assert all(cell.strip().endswith("MiB") for row in rows for cell in row.split("|")[3:-1])
    [exponents] = [line for line in lines if line.startswith("| options 4 -> 8 |")]
    values = [float(cell.split()[0]) for cell in exponents.split("|")[2:-1]]
    assert len(values) == 2 and all(math.isfinite(v) for v in values)
    assert not list(tmp_path.glob("scaling-*"))      # each generated study is removed after its row
    # the targets, computed from the table's own figures
    table = {row.split("|")[2].strip(): [cell.split() for cell in row.split("|")[3:-1]] for row in rows}
    targets = {line.split("|")[1].strip(): line.split("|")[2:5] for line in lines[lines.index("| target | measured | limit | result |") + 2:]}
    for k, name in enumerate(("validate", "sensitivity")):
        time_growth = math.log(float(table["8"][k][0]) / float(table["4"][k][0])) / math.log(2)
        rss_growth = math.log(float(table["8"][k][2]) / float(table["4"][k][2])) / math.log(2)
        measured, limit, result = (cell.strip() for cell in targets[f"`{name}` growth in options (time or peak RSS, "
                                                                   "the larger), 4 -> 8"])
        assert abs(float(measured.removeprefix("n^")) - max(time_growth, rss_growth)) < 0.06   # the table's rounding (2 decimals, whole MiB)
        assert limit == "<= n^1.3" and result == ("PASS" if float(measured[2:]) <= 1.3 else "MISS")
    [(what, (measured, limit, result))] = [(w, t) for w, t in targets.items() if w.startswith("largest peak RSS")]
    largest = max(float(cell[2]) for cells in table.values() for cell in cells)
    assert float(measured.split()[0]) == largest and result.strip() == "PASS"
    assert not any(w.startswith("`report`") for w in targets)   # report and compare were not run: no ratio


def test_bare_xlsxwriter_dump_writes_the_cells_it_is_given(tmp_path):
    cells = tmp_path / "cells.json"
    cells.write_text(json.dumps([{"name": "A", "width": 3, "text": 5, "number": 4, "formula": 2}]))
    result = children._cmd_dump_xlsxwriter(str(cells), str(tmp_path / "dump.xlsx"))
    assert result["cells"] == 11 and result["write_peak_kib"] >= result["rss_before_write_kib"] > 0
    [sheet] = children.count_cells(str(tmp_path / "dump.xlsx"))
    assert (sheet["text"], sheet["number"], sheet["formula"], sheet["width"]) == (5, 4, 2, 3)
