"""Hostile files, workbooks and signals (issue 17: 1, 2, 3, 5, 8, 9, 10, 11, 15): every case gets one
located line per problem, its exit code, no traceback, and leaves the study tree and the output
folder exactly as they were; multi-file imports are all or nothing, even under SIGKILL."""

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from conftest import ROOT, run_cli
from test_review_roundtrip import column_of, report, row_of  # noqa: F401  (report: the comparison workbook fixture)
from test_hardening import _template, assert_clean_failure, assert_import_refused, tree_hash
from rubric.workbooks.comparison import COMMENT_LABEL, FIRST_INPUT_COLUMN, HEADER_ROW, SPARE_HEADER
from rubric.workbooks.scoring import COLUMNS

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


# -------------------------------------------------------------------------------------------------
# -o: an output never destroys an input, a device, a link or a file that is not a workbook

def _symlink(mini, out):
    (out / "real.xlsx").write_bytes(b"")
    (out / "link.xlsx").symlink_to(out / "real.xlsx")
    return out / "link.xlsx"


def _fifo(mini, out):
    os.mkfifo(out / "pipe.xlsx")
    return out / "pipe.xlsx"


def _text_file(mini, out):
    (out / "notes.txt").write_text("my notes\n")
    return out / "notes.txt"


def _xlsx_named_text(mini, out):
    (out / "notes.xlsx").write_text("not a workbook\n")
    return out / "notes.xlsx"


def _hard_link(mini, out):
    os.link(mini / "study.yaml", out / "study-link.xlsx")
    return out / "study-link.xlsx"


OUTPUT_CASES = [
    ("study-manifest", lambda mini, out: mini / "study.yaml", "a record of the study"),
    ("session-record", lambda mini, out: mini / "sessions" / "round-1.yaml", "a record of the study"),
    ("option-record", lambda mini, out: mini / "options" / "alpha.yaml", "a record of the study"),
    ("new-record-path", lambda mini, out: mini / "profiles" / "new.yaml", "would become a record of the study"),
    ("study-folder", lambda mini, out: mini, "output is a folder"),
    ("existing-folder", lambda mini, out: out, "output is a folder; add a trailing slash"),
    ("symlink", _symlink, "output is a symbolic link"),
    ("fifo", _fifo, "not a regular file"),
    ("device", lambda mini, out: Path("/dev/null"), "not a regular file"),
    ("text-file", _text_file, "use --force to overwrite it"),
    ("xlsx-name-text-content", _xlsx_named_text, "use --force to overwrite it"),
    ("hard-link-to-record", _hard_link, "a record of the study"),
]


@pytest.mark.parametrize("command", ["report", "template"])
@pytest.mark.parametrize("case", OUTPUT_CASES, ids=[c[0] for c in OUTPUT_CASES])
def test_output_path_is_refused(mini, tmp_path, case, command):
    name, make, expected = case
    out = tmp_path / "out"
    out.mkdir()
    target = make(mini, out)
    before = tree_hash(mini, out)
    device = os.stat(target).st_mode if name == "device" else None
    args = ["--samples", "50"] if command == "report" else ["--session", "round-1", "--analyst", "ann"]
    code, stdout, err = run_cli(command, mini, *args, "-o", target)
    assert_clean_failure(code, stdout, err, expected)
    assert err.startswith(str(target))
    assert tree_hash(mini, out) == before
    if device is not None:
        assert stat.S_ISCHR(os.stat(target).st_mode) and os.stat(target).st_mode == device


@needs_root
def test_dev_null_as_root_stays_a_device(mini):
    code, out, err = run_cli("report", mini, "--samples", "50", "-o", "/dev/null", "--force")
    assert_clean_failure(code, out, err, "not a regular file")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_trailing_slash_writes_the_default_name_into_a_new_folder(mini, tmp_path):
    code, out, err = run_cli("template", mini, "--session", "round-1", "--analyst", "ann", "-o",
                             f"{tmp_path}/outs/newdir/")
    assert code == 0, err
    written = tmp_path / "outs" / "newdir" / "round-1-ann-scores.xlsx"
    assert out.strip() == str(written)
    assert openpyxl.load_workbook(written)["_meta"]["B4"].value == "ann"


def test_force_overwrites_a_file_that_is_not_a_workbook(mini, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("old\n")
    code, out, err = run_cli("template", mini, "--session", "round-1", "--analyst", "ann", "-o", target, "--force")
    assert code == 0, err
    assert target.read_bytes()[:4] == b"PK\x03\x04"


# -------------------------------------------------------------------------------------------------
# workbooks given to import-scores / import-weights

def _fill(path: Path, level=2):
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    for r in range(6, ws.max_row + 1):
        ws.cell(row=r, column=7).value = level
        ws.cell(row=r, column=COLUMNS.index("Confidence") + 1).value = "medium"
        ws.cell(row=r, column=COLUMNS.index("Rationale") + 1).value = "A reason."
    book.save(path)


def _swap_keys(path: Path):
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    ws["A6"].value, ws["A7"].value = ws["A7"].value, ws["A6"].value
    book.save(path)


def _set(cell: str, value):
    def change(path: Path):
        book = openpyxl.load_workbook(path)
        book["Scores"][cell].value = value
        book.save(path)
    return change


def _huge_level(path: Path):
    _set("G6", 7.123456)(path)
    from test_hardening import _rewrite_zip, _sheet_xml
    _rewrite_zip(path, _sheet_xml(path, "Scores"),
                 lambda xml: xml.replace(b"<v>7.123456</v>", b"<v>1" + b"0" * 400 + b"</v>", 1))


def _forge_analyst(analyst: str):
    def change(path: Path):
        from rubric.workbooks.scoring import checksum
        book = openpyxl.load_workbook(path)
        ws = book["_meta"]
        rows = {ws.cell(row=r, column=1).value: r for r in range(1, 14)}
        ws.cell(row=rows["analyst"], column=2).value = analyst
        fields = {k: str(ws.cell(row=rows[k], column=2).value) for k in
                  ("kind", "study", "session", "analyst", "rubric_id", "rubric_version", "rubric_hash", "format")}
        keys = [ws.cell(row=r, column=1).value for r in range(rows["keys"] + 1, ws.max_row + 1)]
        ws.cell(row=rows["checksum"], column=2).value = checksum(fields, keys)
        book.save(path)
    return change


SCORE_CASES = [
    ("level-400-digits", _huge_level, "Scores!G6: alpha/impact: a number of 401 digits is not a level of impact"),
    ("swapped-keys", _swap_keys, "Scores!A6: key 'alpha/risk' does not match the row's criterion 'impact'"),
    ("second-level-column", _set("S5", "Level"), "Scores!S5: a second column headed 'Level'"),
    ("long-rationale", _set("O6", "x" * 5000), "Scores!O6: alpha/impact: rationale of 5,000 characters; the limit is 4,000"),
    ("long-abstention", _set("M6", "y" * 4001), "Scores!M6: alpha/impact: abstain of 4,001 characters"),
    ("forged-analyst-newline", _forge_analyst("ann\n"), "_meta!B4: analyst 'ann\\n' is not a valid id"),
    ("forged-analyst-spaces", _forge_analyst("Ann Smith"), "_meta!B4: analyst 'Ann Smith' is not a valid id"),
]


@pytest.mark.parametrize("case", SCORE_CASES, ids=[c[0] for c in SCORE_CASES])
def test_scoring_workbook_problem_names_its_cell(mini, tmp_path, case):
    name, damage, expected = case
    assert_import_refused(mini, tmp_path, damage, expected)


def _dev_zero(tmp_path):
    (tmp_path / "z.xlsx").symlink_to("/dev/zero")
    return tmp_path / "z.xlsx"


def _fifo_input(tmp_path):
    os.mkfifo(tmp_path / "f.xlsx")
    return tmp_path / "f.xlsx"


def _folder_input(tmp_path):
    (tmp_path / "d.xlsx").mkdir()
    return tmp_path / "d.xlsx"


SPECIAL_INPUTS = [("dev-zero-link", _dev_zero), ("fifo", _fifo_input), ("folder", _folder_input)]


@pytest.mark.parametrize("command", ["import-scores", "import-weights"])
@pytest.mark.parametrize("case", SPECIAL_INPUTS, ids=[c[0] for c in SPECIAL_INPUTS])
def test_special_file_is_refused_before_the_lock(mini, tmp_path, case, command):
    name, make = case
    path = make(tmp_path)
    before = tree_hash(mini)
    proc = subprocess.run([sys.executable, "-m", "rubric", command, str(mini), str(path)], capture_output=True,
                          text=True, env=ENV, timeout=60)
    assert_clean_failure(proc.returncode, proc.stdout, proc.stderr, "not a regular file")
    assert proc.stderr.strip() == f"{path}: not a regular file (a folder, device, FIFO or socket); refused"
    assert tree_hash(mini) == before


def test_fifo_does_not_hold_the_lock(mini, tmp_path):
    """A FIFO import is refused at once, and a valid import right after it is not kept waiting."""
    fifo = _fifo_input(tmp_path)
    good = _template(mini, tmp_path)
    started = time.monotonic()
    stuck = subprocess.Popen([sys.executable, "-m", "rubric", "import-scores", str(mini), str(fifo)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    code, out, err = run_cli("import-scores", mini, good)
    assert code == 0, err
    assert stuck.wait(timeout=30) == 1
    stuck.stdout.close(), stuck.stderr.close()
    assert time.monotonic() - started < 30


def test_dev_zero_import_stays_within_memory(tmp_path, mini):
    """Peak RSS of the whole command, measured in a child process, stays under 300 MB."""
    path = _dev_zero(tmp_path)
    probe = ("import resource, subprocess, sys\n"
             f"p = subprocess.run([sys.executable, '-m', 'rubric', 'import-scores', {str(mini)!r}, {str(path)!r}],"
             " capture_output=True, text=True)\n"
             "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stderr.strip())\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, timeout=120).stdout
    code, peak_kib, message = out.split(" ", 2)
    assert code == "1" and "not a regular file" in message
    assert int(peak_kib) < 300 * 1024, f"peak RSS {int(peak_kib) / 1024:.0f} MiB"


def _weights_edit(change):
    def edit(path: Path):
        book = openpyxl.load_workbook(path)
        change(book["Weights"])
        book.save(path)
    return edit


def _new_columns(*columns):
    """New profiles typed into the spare columns: (id, points of impact, risk and cost)."""
    def change(ws):
        first = column_of(ws, SPARE_HEADER)
        for k, (header, values) in enumerate(columns):
            ws.cell(row=HEADER_ROW, column=first + k).value = header
            for criterion, v in zip(("impact", "risk", "cost"), values):
                ws.cell(row=row_of(ws, criterion), column=first + k).value = v
    return change


FIRST_WEIGHT = f"{get_column_letter(FIRST_INPUT_COLUMN)}{HEADER_ROW + 1}"  # the first profile's weight of the first criterion


def _huge_weight(ws):
    ws[FIRST_WEIGHT].value = 7.123456


def _comment(ws):
    ws.cell(row=row_of(ws, COMMENT_LABEL), column=FIRST_INPUT_COLUMN).value = "z" * 5000


WEIGHT_CASES = [
    ("weights-sum-overflows", _weights_edit(_new_columns(("big", (1e308, 1e308, 1e308)))),
     "the weights in column 'big' add up to more than the largest number"),
    ("duplicate-new-column", _weights_edit(_new_columns(("panel", (1, 2, 3)), ("panel", (3, 2, 1)))),
     "a second input column headed 'panel'"),
    ("long-reviewer-comment", _weights_edit(_comment), "reviewer comment of 5,000 characters; the limit is 4,000"),
]


@pytest.mark.parametrize("case", WEIGHT_CASES, ids=[c[0] for c in WEIGHT_CASES])
def test_weights_workbook_problem_names_its_cell(mini, report, case):
    name, damage, expected = case
    damage(report)
    before = tree_hash(mini)
    code, out, err = run_cli("import-weights", mini, report)
    assert_clean_failure(code, out, err, expected)
    assert err.startswith(f"{report}: Weights!")
    assert tree_hash(mini) == before


def test_weight_of_400_digits_names_its_cell(mini, report):
    from test_hardening import _rewrite_zip, _sheet_xml

    _weights_edit(_huge_weight)(report)
    _rewrite_zip(report, _sheet_xml(report, "Weights"),
                 lambda xml: xml.replace(b"<v>7.123456</v>", b"<v>1" + b"0" * 400 + b"</v>", 1))
    before = tree_hash(mini)
    code, out, err = run_cli("import-weights", mini, report)
    assert_clean_failure(code, out, err, f"Weights!{FIRST_WEIGHT}: weight 100000000000...(401 digits) must be a finite number")
    assert tree_hash(mini) == before


# -------------------------------------------------------------------------------------------------
# multi-file imports: all or nothing under SIGKILL at every step of the journal

def _study_files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _two_session_import(mini, tmp_path):
    dan = _template(mini, tmp_path)  # round-2, a new session
    eve = tmp_path / "in" / "eve.xlsx"
    code, out, err = run_cli("template", mini, "--session", "round-1", "--analyst", "eve", "-o", eve)
    assert code == 0, err
    _fill(eve, level=1)
    return ["import-scores", str(mini), str(dan), str(eve)], ["sessions/round-1.yaml", "sessions/round-2.yaml"]


def _profile_update_and_new(mini, tmp_path):
    path = tmp_path / "reports" / "mini.xlsx"
    code, out, err = run_cli("report", mini, "-o", path, "--samples", "200")
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    ws = book["Weights"]
    ws.cell(row=row_of(ws, "impact"), column=column_of(ws, "flat-direct")).value = 90
    _new_columns(("panel", (1, 3, 1)))(ws)
    book.save(path)
    return ["import-weights", str(mini), str(path)], ["profiles/flat-direct.yaml", "profiles/panel.yaml"]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [_two_session_import, _profile_update_and_new])
def test_sigkill_at_every_journal_step_leaves_all_old_or_all_new(mini, tmp_path, scenario):
    args, touched = scenario(mini, tmp_path)
    pristine = tmp_path / "pristine"
    shutil.copytree(mini, pristine)
    old = _study_files(mini)
    code, out, err = run_cli(*args)
    assert code == 0, err
    new = _study_files(mini)
    assert all(old.get(f) != new.get(f) for f in touched)  # both files really change
    outcomes = []
    step = 1
    while True:
        shutil.rmtree(mini)
        shutil.copytree(pristine, mini)
        proc = subprocess.run([sys.executable, "-m", "rubric", *args], capture_output=True, text=True,
                              env={**ENV, "RUBRIC_TEST_KILL_AT_STEP": str(step)}, timeout=120)
        if proc.returncode == 0:
            break  # past the last step
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        for f in touched:  # right after the kill: each file old or new
            assert ((mini / f).read_bytes() if (mini / f).exists() else None) in (old.get(f), new.get(f))
        code, out, err = run_cli("validate", mini)  # the next command repairs
        assert code == 0, err
        after = _study_files(mini)
        assert after in (old, new), f"step {step}: a mix of old and new files: {sorted(set(after) ^ set(new))}"
        assert not [p for p in mini.rglob("*") if p.name.startswith(".")], "temp files or journal left"
        assert not err.strip() or (len(err.strip().splitlines()) == 1 and "rolled" in err), err
        outcomes.append(("new" if after == new else "old", bool(err.strip())))
        step += 1
    assert len(outcomes) >= 10, outcomes
    assert {o for o, _ in outcomes} == {"old", "new"}
    assert sum(reported for _, reported in outcomes) >= 10  # each repair said what it did, in one line


def test_journal_left_by_a_kill_is_rolled_forward_by_the_next_import(mini, tmp_path):
    args, touched = _two_session_import(mini, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rubric", *args], capture_output=True, text=True,
                          env={**ENV, "RUBRIC_TEST_KILL_AT_STEP": "10"}, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert (mini / ".rubric-journal.json").exists()
    code, out, err = run_cli("rank", mini)
    assert code == 0, err
    assert err.strip().endswith("(journal rolled forward)") and len(err.strip().splitlines()) == 1
    assert not (mini / ".rubric-journal.json").exists()
    assert "eve" in (mini / "sessions" / "round-1.yaml").read_text()


# -------------------------------------------------------------------------------------------------
# signals and write failures: one clean line, no traceback, no `Exception ignored`

def _wait_until_sigint_is_caught(pid: int, timeout: float = 30.0) -> None:
    """Wait until the process has a SIGINT handler (Linux: bit 2 of SigCgt in /proc/PID/status), so
    a loaded machine's slow interpreter start-up does not decide the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
        if int(caught, 16) & (1 << (signal.SIGINT - 1)):
            return
        time.sleep(0.001)


@pytest.mark.parametrize("delay", [0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.1])
def test_ctrl_c_at_any_moment_exits_130_quietly(mini, tmp_path, delay):
    """From the first line of rubric on. Ctrl-C while the interpreter itself still starts (its
    `site` imports, before rubric's first line) is Python's own business, as the README says; on a
    loaded machine a fixed delay can land there, so such an attempt (a traceback through
    `<frozen site>`, or death by SIGINT with nothing printed) is tried again, at most 4 times."""
    out = tmp_path / "out"
    out.mkdir()
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-m", "rubric", "report", str(mini), "-o", str(out / "r.xlsx"),
                                 "--samples", "20000000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=ENV)
        started = time.monotonic()
        _wait_until_sigint_is_caught(proc.pid)
        time.sleep(max(0.0, delay - (time.monotonic() - started)))
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
        silent_death = proc.returncode == -signal.SIGINT and not stderr.strip()
        if silent_death and (out / "r.xlsx").is_file():
            # the work was done and the interpreter was shutting down (it restores the default
            # SIGINT action then): the written workbook is whole, which is what matters
            pytest.skip("finished before the signal (interrupted during interpreter shutdown)")
        if not (silent_death or "<frozen site>" in stderr):
            break
    if proc.returncode == 0:
        pytest.skip("finished before the signal")
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert stderr.strip() == "rubric: interrupted"
    assert [p.name for p in out.iterdir()] == []


def _limited_file_size(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("command", ["report", "template"])
def test_write_failure_is_one_line_without_exception_ignored(mini, tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    args = ["--samples", "50"] if command == "report" else ["--session", "round-1", "--analyst", "ann"]
    before = tree_hash(mini, out)
    proc = subprocess.run([sys.executable, "-m", "rubric", command, str(mini), *args, "-o", str(out / "w.xlsx")],
                          capture_output=True, text=True, env=ENV, preexec_fn=_limited_file_size(4096), timeout=120)
    assert_clean_failure(proc.returncode, proc.stdout, proc.stderr, "cannot write the workbook")
    assert "Exception ignored" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert tree_hash(mini, out) == before


# -------------------------------------------------------------------------------------------------
# the Python API: plan writes nothing, commit writes every file

def test_plan_then_commit(mini, tmp_path):
    from rubric.records.imports import commit, plan_score_import

    args, touched = _two_session_import(mini, tmp_path)
    before = _study_files(mini)
    plan = plan_score_import(mini, args[2:])
    assert plan.problems == ()
    assert [s.session_id for s in plan.sessions] == ["round-2", "round-1"]
    assert [len(s.changes) for s in plan.sessions] == [9, 9]
    assert _study_files(mini) == before  # planning wrote nothing
    written = commit(plan)
    assert sorted(Path(p).relative_to(mini).as_posix() for p in written.files) == touched
    assert "analyst: eve" in (mini / "sessions" / "round-1.yaml").read_text()
    again = plan_score_import(mini, args[2:])
    assert "already have scores" in str(again.problems[0])


# -------------------------------------------------------------------------------------------------
# very large studies: a chart over 255 series is split, and no library warning reaches the user

def _chart_series(path):
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
    return [(c.count("<c:ser>"), re.findall(r"series (\d+-\d+) of 303", c)) for c in charts]


def test_rank_chart_of_303_options_is_split_not_cut(tmp_path, monkeypatch):
    """A 303-option study: by default the SMAA block is cut to ranks 1-10 and "11 or lower" (no chart
    near the limit, no warning); with the full 303-rank block forced, the table has every rank and
    its chart (ranks 1, 2, 3 and lower) stays far below the 255-series limit."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import generate
    from rubric.compute.report import build_report
    from rubric.records.load import load_study
    from rubric.writers import xlsx

    study = generate(tmp_path / "big", seed=1, options=303, criteria=3, groups=1, analysts=1, profiles=1)
    out = tmp_path / "big.xlsx"
    code, stdout, err = run_cli("report", study, "-o", out, "--samples", "200")
    assert code == 0, err
    assert err.strip() == ""  # no raw UserWarning from XlsxWriter
    assert max(n for n, _ in _chart_series(out)) <= 255
    assert not [n for n, labels in _chart_series(out) if labels]

    monkeypatch.setattr(xlsx, "SMAA_ALL_RANKS_UP_TO", 1000)
    full = tmp_path / "full.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a raw XlsxWriter warning would fail here
        xlsx.write_workbook(build_report(load_study(study), samples=200, seed=1), full)
    # the full 303-rank table is written, and its chart groups ranks 4 and lower: 4 series, no split
    assert max(n for n, _ in _chart_series(full)) <= 255
    assert not [n for n, labels in _chart_series(full) if labels]
    book = openpyxl.load_workbook(full, read_only=True)
    header = next(row for row in book["SMAA"].iter_rows(values_only=True) if row and row[0] == "option")
    assert header[1:4] == ("rank 1", "rank 2", "rank 3") and "rank 303" in header


def test_import_into_a_symlinked_session_writes_through_the_link(mini, tmp_path):
    """A session shared by a symlink: the import updates the link's target and keeps the link."""
    workbook = _template(mini, tmp_path)
    session = mini / "sessions" / "round-2.yaml"
    shared = tmp_path / "shared" / "round-2.yaml"
    shared.parent.mkdir()
    shutil.move(session, shared)
    session.symlink_to(shared)
    code, out, err = run_cli("import-scores", mini, workbook)
    assert code == 0, err
    assert session.is_symlink() and session.resolve() == shared.resolve()
    assert "analyst: dan" in shared.read_text(encoding="utf-8")
    assert not [p for p in shared.parent.iterdir() if p.name != "round-2.yaml"]  # no temp file left
    code, out, err = run_cli("validate", mini)
    assert code == 0, err


@pytest.mark.parametrize("analyst", ["on", "no"])
def test_analyst_named_like_a_yaml_11_boolean_round_trips_through_the_cli(mini, tmp_path, analyst):
    """Issue 17 #7 end to end: `template --analyst on`, fill in, import, and every later command reads
    the analyst back as the text "on" (it used to become True and break every later import)."""
    (mini / "sessions" / "round-2.yaml").write_text(
        'id: round-2\ndate: "2026-02-01"\nrubric: {id: mini-rubric, version: "2.1"}\nparticipants: []\nscores: []\n')
    path = tmp_path / "in" / f"{analyst}.xlsx"
    code, out, err = run_cli("template", mini, "--session", "round-2", "--analyst", analyst, "-o", path)
    assert code == 0, err
    _fill(path, level=3)
    code, out, err = run_cli("import-scores", mini, path)
    assert code == 0, err
    code, out, err = run_cli("rank", mini, "--session", "round-2", "--analyst", analyst, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["analyst"] == analyst
    code, out, err = run_cli("template", mini, "--session", "round-2", "--analyst", analyst, "-o",
                             tmp_path / "again.xlsx", "--prefill")
    assert code == 0, err
    assert openpyxl.load_workbook(tmp_path / "again.xlsx")["Scores"].cell(row=6, column=7).value == 3
