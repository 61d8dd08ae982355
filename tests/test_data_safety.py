"""Data safety: concurrent imports lose nothing, a killed import leaves the old files, and random or
mutated input never escapes as anything but the tool's own error."""

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openpyxl.utils.exceptions import IllegalCharacterError

from conftest import MINI, ROOT, run_cli
from rubric import RubricError, load_study
from rubric.records.workbook_scores import read_scores_workbook
from rubric.workbooks.scoring import COLUMNS


def new_session(study_dir: Path, session_id="round-2"):
    (study_dir / "sessions" / f"{session_id}.yaml").write_text(
        f'id: {session_id}\ndate: "2026-02-01"\nrubric: {{id: mini-rubric, version: "2.1"}}\n'
        "participants: []\nscores: []\n")


def filled_template(study_dir: Path, analyst: str, path: Path, level: int = 2, session="round-2") -> Path:
    code, out, err = run_cli("template", study_dir, "--session", session, "--analyst", analyst, "-o", path)
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    for r in range(6, ws.max_row + 1):
        ws.cell(row=r, column=7).value = level
        ws.cell(row=r, column=COLUMNS.index("Confidence") + 1).value = "medium"
        ws.cell(row=r, column=COLUMNS.index("Rationale") + 1).value = f"{analyst} says so, row {r}."
    book.save(path)
    return path


def _popen(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "rubric", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_concurrent_imports_into_one_session_lose_nothing(mini, tmp_path):
    new_session(mini)
    analysts = ["dan", "eve", "fay", "gus"]
    files = [filled_template(mini, a, tmp_path / f"{a}.xlsx", level=1 + i % 3) for i, a in enumerate(analysts)]
    processes = [_popen("import-scores", mini, f) for f in files]  # all at once
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    session = load_study(mini).session("round-2")
    assert sorted(session.analysts) == sorted(analysts)
    assert len(session.scores) == 4 * 9
    for i, analyst in enumerate(analysts):
        assert {s.level for s in session.scores if s.analyst == analyst} == {1 + i % 3}


def _bigger_study(tmp_path: Path, options: int = 150) -> Path:
    """The mini study with many options, so an import takes long enough to be killed mid-way."""
    study = tmp_path / "big"
    shutil.copytree(MINI, study)
    template = (study / "options" / "alpha.yaml").read_text()
    for n in range(options):
        (study / "options" / f"opt-{n:03d}.yaml").write_text(template.replace("id: alpha", f"id: opt-{n:03d}"))
    session = study / "sessions" / "round-1.yaml"
    lines = session.read_text().split("scores:\n")[0].splitlines(keepends=True)
    ids = ["alpha", "beta", "gamma"] + [f"opt-{n:03d}" for n in range(options)]
    body = ["scores:\n"]
    for analyst in ("ann", "bob", "cat"):
        for option in ids:
            for criterion in ("impact", "risk", "cost"):
                body.append(f"  - {{analyst: {analyst}, option: {option}, criterion: {criterion}, level: 2, "
                            f"confidence: low, rationale: \"{analyst} {option} {criterion}\", evidence: []}}\n")
    session.write_text("".join(lines) + "".join(body))
    load_study(study)
    return study


def test_sigkill_during_import_leaves_old_or_new_file_never_partial(tmp_path):
    study = _bigger_study(tmp_path, options=100)
    session_path = study / "sessions" / "round-1.yaml"
    workbook = tmp_path / "bob.xlsx"
    code, out, err = run_cli("template", study, "--session", "round-1", "--analyst", "bob", "-o", workbook,
                             "--prefill")
    assert code == 0, err
    book = openpyxl.load_workbook(workbook)
    for r in range(6, book["Scores"].max_row + 1):
        book["Scores"].cell(row=r, column=7).value = 3
    book.save(workbook)
    old = session_path.read_bytes()
    started = time.perf_counter()
    probe = _popen("import-scores", study, workbook, "--replace", "--dry-run")
    probe.communicate(timeout=300)
    duration = time.perf_counter() - started
    outcomes = set()
    kills = 8
    for k in range(kills):
        session_path.write_bytes(old)
        process = _popen("import-scores", study, workbook, "--replace")
        time.sleep(duration * (0.3 + 0.8 * k / (kills - 1)))  # spread over the run, the last after it
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        current = session_path.read_bytes()
        if current == old:
            outcomes.add("old")
        else:
            outcomes.add("new")
            levels = {s.level for s in load_study(study).session("round-1").scores if s.analyst == "bob"}
            assert levels == {3}
        load_study(study)  # whatever happened, the study still loads
    assert "old" in outcomes


# -- fuzzing ----------------------------------------------------------------------------------------

RECORD_FILES = ["study.yaml", "sources.yaml", "rubric.yaml", "options/beta.yaml", "profiles/tree-ahp.yaml",
                "sessions/round-1.yaml"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(RECORD_FILES), st.data())
def test_mutated_records_raise_only_rubric_errors(tmp_path_factory, name, data):
    study = tmp_path_factory.mktemp("fuzz") / "mini"
    shutil.copytree(MINI, study)
    path = study / name
    text = path.read_text()
    operation = data.draw(st.sampled_from(["delete", "insert", "replace", "duplicate-line", "swap-lines"]))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, min(len(text), a + 40)))
    junk = data.draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12))
    lines = text.splitlines(keepends=True)
    i = data.draw(st.integers(0, len(lines) - 1))
    j = data.draw(st.integers(0, len(lines) - 1))
    if operation == "delete":
        text = text[:a] + text[b:]
    elif operation == "insert":
        text = text[:a] + junk + text[a:]
    elif operation == "replace":
        text = text[:a] + junk + text[b:]
    elif operation == "duplicate-line":
        text = "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])
    else:
        lines[i], lines[j] = lines[j], lines[i]
        text = "".join(lines)
    path.write_text(text)
    try:
        load_study(study)
    except RubricError as error:
        assert error.problems and all(str(p) for p in error.problems)


CELL_VALUES = st.one_of(
    st.none(), st.integers(-10, 10), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.text(max_size=30), st.sampled_from(["=1+1", "=A1", "3", " 2 ", "low", "HIGH", "src-one"]),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory):
    study = tmp_path_factory.mktemp("fuzzbook") / "mini"
    shutil.copytree(MINI, study)
    new_session(study)
    return study, filled_template(study, "dan", study.parent / "dan.xlsx")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(6, 14), st.sampled_from([1, 7, 9, 10, 11, 12]), CELL_VALUES), max_size=6),
       st.lists(st.tuples(st.integers(0, 20000), st.integers(0, 255)), max_size=3))
def test_mutated_workbooks_raise_only_rubric_errors(fuzz_base, tmp_path_factory, cells, byte_flips):
    study_dir, original = fuzz_base
    study = load_study(study_dir)
    book = openpyxl.load_workbook(original)
    ws = book["Scores"]
    for row, column, value in cells:
        try:
            ws.cell(row=row, column=column).value = value
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses some values itself
            continue
    buffer = io.BytesIO()
    try:
        book.save(buffer)
    except Exception:  # openpyxl cannot save some fuzzed values itself: not an input we can get
        assume(False)
    data = bytearray(buffer.getvalue())
    for position, byte in byte_flips:
        if position < len(data):
            data[position] = byte
    path = tmp_path_factory.mktemp("book") / "dan.xlsx"
    path.write_bytes(bytes(data))
    try:
        imported = read_scores_workbook(path, study)
    except RubricError as error:
        assert all(str(p).startswith(str(path)) for p in error.problems)
    else:
        assert len(imported.scores) == 9


def test_sigkill_during_report_leaves_the_previous_workbook(tmp_path):
    from conftest import SHIPPED

    target = tmp_path / "reports" / "comparison.xlsx"
    code, out, err = run_cli("report", SHIPPED, "--decision", "turkey-returnees", "-o", target, "--seed", "1")
    assert code == 0, err
    old = target.read_bytes()
    started = time.perf_counter()
    probe = _popen("report", SHIPPED, "--decision", "turkey-returnees", "-o", tmp_path / "probe.xlsx", "--seed", "2")
    probe.communicate(timeout=300)
    duration = time.perf_counter() - started
    outcomes = []
    kills = 8
    for k in range(kills):
        target.write_bytes(old)
        process = _popen("report", SHIPPED, "--decision", "turkey-returnees", "-o", target, "--seed", "2")
        time.sleep(duration * (0.2 + 0.9 * k / (kills - 1)))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        current = target.read_bytes()
        if current == old:
            outcomes.append("old")
        else:  # the rename happened: a complete new workbook
            book = openpyxl.load_workbook(target)
            assert {r[0].value: r[1].value for r in book["_meta"].iter_rows(max_row=14)}["smaa_seed"] == "2"
            outcomes.append("new")
        for leftover in target.parent.iterdir():
            if leftover.name != target.name:  # a temp file may survive SIGKILL; it is hidden, never the target
                assert leftover.name.startswith(".comparison.xlsx.") and leftover.suffix == ".tmp"
    assert "old" in outcomes
