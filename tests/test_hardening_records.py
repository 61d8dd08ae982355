"""Hostile YAML records (issue 17, record side): tracebacks from numbers, tags and nesting; a
million bad items; unreadable folders; one YAML dialect read and written; ids that end with a
newline; session edits that keep CRLF; symlinked records. Same style as test_hardening.py: one
located line per problem, the exit code, no traceback, the study tree unchanged."""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, edit, run_cli
from test_hardening import assert_clean_failure, break_record, tree_hash

from rubric.errors import MAX_PROBLEMS, RubricError
from rubric.model import ID_PATTERN, Score, is_valid_id
from rubric.records import roundtrip
from rubric.records.load import load_study
from rubric.records.profile_store import plan_profiles
from rubric.records.session_store import merged_session_text, validate_staged
from rubric.records.targets import resolve_record_target
from rubric.records.workbook_weights import ReviewedSheet, ReviewedWeights, RowComment
from rubric.records.yamlio import MAX_DEPTH, MAX_INT_DIGITS, parse_yaml

SESSION = "sessions/round-1.yaml"
PROFILE = "profiles/flat-direct.yaml"


def _points(value: str):
    """Every `points:` of the flat direct profile set to `value` (text as written in YAML)."""
    return lambda p: p.write_text(re.sub(r"points: \d+", f"points: {value}", p.read_text()))


RECORD_CASES = [
    # (id, file, old, new, expected text in the error)
    ("nesting-995-flow", "study.yaml", None,
     lambda p: p.write_text(p.read_text() + "extra: " + "[" * 995 + "]" * 995 + "\n"),
     f"nested more than {MAX_DEPTH} levels deep"),
    ("nesting-100000-flow", "sources.yaml", None,
     lambda p: p.write_text(p.read_text() + "extra: " + "[" * 100_000 + "]" * 100_000 + "\n"),
     f"nested more than {MAX_DEPTH} levels deep"),
    ("nesting-block-mappings", "options/gamma.yaml", None,
     lambda p: p.write_text(p.read_text() + "".join("  " * n + f"k{n}:\n" for n in range(200)) + "  " * 200 + "v\n"),
     f"nested more than {MAX_DEPTH} levels deep"),
    ("nesting-with-anchor", "study.yaml", None,
     lambda p: p.write_text(p.read_text() + "anchored: &a 1\nextra: " + "[" * 500 + "]" * 500 + "\n"),
     f"nested more than {MAX_DEPTH} levels deep"),
    ("int-5000-digits", "options/gamma.yaml", "baseline: none", "baseline: " + "7" * 5000,
     f"integer of 5,000 digits; records allow at most {MAX_INT_DIGITS}"),
    ("points-400-digits", PROFILE, None, _points("1" * 400), "integer of 400 digits"),
    ("points-tag-int-abc", PROFILE, "points: 30", "points: !!int abc", "'abc' is not an integer"),
    ("points-tag-float-abc", PROFILE, "points: 30", "points: !!float abc", "'abc' is not a number"),
    ("points-tag-int-1e3", PROFILE, "points: 30", "points: !!int 1e3", "'1e3' is not an integer"),
    ("points-tag-bool-maybe", PROFILE, "points: 30", "points: !!bool maybe", "'maybe' is not a boolean"),
    ("points-tag-null-text", PROFILE, "points: 30", "points: !!null zero", "'zero' is not null"),
    ("points-1e308-three", PROFILE, None, _points("1.0e+308"), "is greater than the maximum of 1000000000000000"),
    ("points-above-1e15", PROFILE, "points: 30", "points: 2e15", "is greater than the maximum of 1000000000000000"),
    ("tag-binary", "options/gamma.yaml", 'title: "Option gamma"', "title: !!binary aGk=",
     "YAML tag 'tag:yaml.org,2002:binary' is not allowed"),
    ("tag-python-object", "options/gamma.yaml", 'title: "Option gamma"', "title: !!python/object:os.system x",
     "is not allowed in records"),
    ("tag-int-bad-hex", "options/gamma.yaml", "baseline: none", "baseline: !!int 0xZZ",
     "'0xZZ' is not an integer"),
    ("id-family-newline", "options/gamma.yaml", "family: fam-b", 'family: "fam-b\\n"', "does not match"),
    ("id-source-newline", "sources.yaml", "id: src-two", 'id: "src-two\\n"', "does not match"),
    ("id-participant-newline", SESSION, "{id: ann,", '{id: "ann\\n",', "does not match"),
    ("id-score-analyst-newline", SESSION, "  - analyst: ann\n", '  - analyst: "ann\\n"\n', "does not match"),
    ("merge-key-still-refused", "study.yaml", "defaults: {", "more:\n  <<: {y: 2}\ndefaults: {",
     "merge keys (<<) are not allowed"),
]


@pytest.mark.parametrize("case", RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_broken_record(mini, tmp_path, case):
    path, out_dir, before, err = break_record(mini, tmp_path, case)
    expected = case[4]
    assert err.strip().splitlines()[0].startswith(str(path))
    assert re.match(r"^\S+:\d+: ", err.strip().splitlines()[0])  # the line is named
    code, out, err = run_cli("rank", mini)
    assert_clean_failure(code, out, err, expected)
    assert tree_hash(mini, out_dir) == before


# -- many problems -------------------------------------------------------------------------------

def _bad_sources(count: int):
    return lambda p: p.write_text(p.read_text().replace("sources:\n", "sources:\n" + "  - x\n" * count, 1))


def test_problems_are_capped_with_a_count(mini):
    _bad_sources(300)(mini / "sources.yaml")
    before = tree_hash(mini)
    code, out, err = run_cli("validate", mini)
    assert_clean_failure(code, out, err, "is not of type 'object'")
    lines = err.strip().splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[0] == f"{mini}/sources.yaml:2: /sources/0: 'x' is not of type 'object'"
    assert lines[MAX_PROBLEMS - 1].endswith(f"/sources/{MAX_PROBLEMS - 1}: 'x' is not of type 'object'")
    assert lines[-1] == f"{mini}/sources.yaml: ... and 200 more problems (only the first {MAX_PROBLEMS} are shown)"
    assert tree_hash(mini) == before


MILLION_RSS_MB = 300
MILLION_SECONDS = 120


@pytest.mark.slow
def test_million_item_record_is_bounded(mini, tmp_path):
    """A 6 MB sources.yaml of a million bad items: one screen of problems, bounded memory and time
    (measured: ~20 s and ~180 MB; was 2 min, 3.8 GB and a million lines)."""
    _bad_sources(1_000_000)(mini / "sources.yaml")
    probe = textwrap.dedent(f"""
        import resource, subprocess, sys, time
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "rubric", "validate", {str(mini)!r}],
                              capture_output=True, text=True)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(proc.returncode, len(proc.stderr.splitlines()), round(rss_mb), round(time.monotonic() - start, 1))
        sys.stderr.write(proc.stderr[-500:])
    """)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    code, lines, rss_mb, seconds = proc.stdout.split()
    assert int(code) == 1 and "Traceback" not in proc.stderr
    assert int(lines) == MAX_PROBLEMS + 1
    assert "... and 999,900 more problems" in proc.stderr
    assert int(rss_mb) < MILLION_RSS_MB, rss_mb
    assert float(seconds) < MILLION_SECONDS, seconds


# -- unreadable folders (root only: as root, only a dropped capability makes mode 000 bite) ------

SETPRIV = shutil.which("setpriv")
needs_root = pytest.mark.skipif(os.geteuid() != 0 or SETPRIV is None,
                                reason="needs root and setpriv to drop the permission-override capabilities")


def _run_without_override(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([SETPRIV, "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all",
                           sys.executable, "-m", "rubric", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


PERMISSION_CASES = [
    # (id, folder to lock, mode, command, expected place in the error)
    ("options-000", "options", 0o000, ["validate", "{mini}"], "{mini}/options: cannot read: Permission denied"),
    ("study-000", ".", 0o000, ["validate", "{mini}"], "{mini}/study.yaml: cannot read: Permission denied"),
    ("sessions-no-execute", "sessions", 0o644, ["rank", "{mini}"],
     "{mini}/sessions/round-1.yaml: cannot read: Permission denied"),
    ("corpus-000", "{corpus}", 0o000, ["check-sources", "{mini}", "--corpus", "{corpus}"],
     "{corpus}/one.txt: cannot read: Permission denied"),
]


@needs_root
@pytest.mark.parametrize("case", PERMISSION_CASES, ids=[c[0] for c in PERMISSION_CASES])
def test_unreadable_folder(mini, tmp_path, case):
    name, folder, mode, args, expected = case
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("text")
    fill = {"mini": str(mini), "corpus": str(corpus)}
    target = Path(folder.format(**fill)) if folder.startswith("{") else mini / folder
    before = tree_hash(mini)
    os.chmod(target, mode)
    try:
        code, out, err = _run_without_override(*(a.format(**fill) for a in args))
    finally:
        os.chmod(target, 0o755)
    assert_clean_failure(code, out, err, expected.format(**fill))
    assert tree_hash(mini) == before


# -- one YAML dialect ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["No", "yes", "Off", "on", "10:30", "y", "2026-01-15"])
def test_yaml_11_words_in_a_rationale_are_text(mini, text):
    edit(mini / SESSION, 'rationale: "ann on alpha/risk."', f"rationale: {text}")
    study = load_study(mini)
    session = study.sessions[0]
    score = next(s for s in session.scores if (s.analyst, s.option, s.criterion) == ("ann", "alpha", "risk"))
    assert score.rationale == text


def test_small_float_reads_as_a_number(mini):
    edit(mini / PROFILE, "points: 30", "points: 5e-05")
    profile = next(p for p in load_study(mini).profiles if p.id == "flat-direct")
    assert profile.blocks[0].items[1].points == 5e-05


# hypothesis: what rubric writes into a session or a profile reads back equal through the loader

USER_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60) | st.sampled_from(
    ["on", "no", "Off", "10:30", "1e3", "0x1F", "0o17", ".inf", "-.Inf", ".nan", "~", "null", "Null", "true",
     "FALSE", " lead", "trail ", "two\nlines", "cr\rlf\r\n", "\x85", "\u2028", "<<", "- item", "# hash",
     "key: value", "'quoted'", '"dq"', "1_000", "+.5", "12e", "%tag", "@at", "`tick"])
FINITE = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([5e-05, 1e308, -1e-308, 0.0, 1e15])


def _session_with_rationale(study, text: str) -> str:
    session = study.sessions[0]
    old = next(s for s in session.scores if s.analyst == "ann")
    new = Score(old.analyst, old.option, old.criterion, old.confidence, text, old.level, old.abstain, old.evidence)
    others = [s for s in session.scores if s.analyst == "ann" and s is not old]
    return merged_session_text(study, session, {"ann": [new, *others]})


@pytest.fixture(scope="module")
def mini_study(tmp_path_factory):
    from conftest import MINI

    target = tmp_path_factory.mktemp("dialect") / "mini"
    shutil.copytree(MINI, target)
    return load_study(target)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=USER_TEXT)
def test_session_text_round_trips(mini_study, text):
    written = _session_with_rationale(mini_study, text)
    data = parse_yaml(written, SESSION).data
    rationales = [s["rationale"] for s in data["scores"] if s["analyst"] == "ann"]
    assert text in rationales


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=USER_TEXT, number=FINITE)
def test_profile_text_and_points_round_trip(mini_study, text, number):
    criteria = [c.id for c in mini_study.rubric.criteria]
    column = ReviewedWeights("E", "new-view", {c: number for c in criteria}, text, "E20")
    sheet = ReviewedSheet((column,), (RowComment("Z13", criteria[0], text),))
    [planned], notes = plan_profiles(mini_study, sheet, None, "review.xlsx", date(2026, 5, 1))
    assert notes == []
    data = parse_yaml(planned.text, "profiles/new-view.yaml").data
    items = data["blocks"][0]["items"]
    assert [item["points"] for item in items] == [number] * len(criteria)
    assert data["description"].endswith(f"Reviewer comment: {text}")
    assert items[0]["rationale"] == f"Set by the reviewer in review.xlsx on 2026-05-01. Reviewer comment: {text}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=USER_TEXT, number=FINITE.filter(lambda x: x >= 0 and x != 50))
def test_in_place_edit_round_trips_any_comment_and_number(mini_study, text, number):
    """A direct profile edited in place: the changed item's points and rationale are replaced in the
    text itself, and read back exactly; every other line stays."""
    column = ReviewedWeights("D", "flat-direct", {"impact": number, "risk": 30, "cost": 20}, text, "D20",
                             written={"impact": 50, "risk": 30, "cost": 20})
    sheet = ReviewedSheet((column,), (RowComment("Z13", "impact", text),))
    [planned], notes = plan_profiles(mini_study, sheet, None, "review.xlsx", date(2026, 5, 1))
    assert notes == []
    data = parse_yaml(planned.text, "profiles/flat-direct.yaml").data
    impact, risk, cost = data["blocks"][0]["items"]
    assert impact["points"] == number and math.copysign(1, impact["points"]) == math.copysign(1, number)
    assert impact["rationale"] == (f"Main aim. Set to {number!r} by the reviewer in review.xlsx on 2026-05-01 "
                                   f"(was 50). Reviewer comment: {text}")
    assert data["description"].endswith(f"Reviewer comment: {text}")
    assert (risk["points"], risk["rationale"], cost["rationale"]) == (30, "Second.", "Third.")
    before = (Path(mini_study.root) / "profiles" / "flat-direct.yaml").read_text().splitlines()
    assert planned.text.splitlines()[-2:] == before[-2:]


@settings(max_examples=200, deadline=None)
@given(value=USER_TEXT | FINITE)
def test_any_scalar_round_trips_through_the_writer(value):
    from ruamel.yaml.comments import CommentedMap

    data = CommentedMap()
    data["value"] = value
    back = parse_yaml(roundtrip.dump(data), "x.yaml").data["value"]
    assert back == value and type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value)


@pytest.mark.parametrize("analyst", ["on", "no", "off", "yes", "null", "true"])
def test_analyst_named_like_a_yaml_word_survives_an_import(mini_study, analyst):
    session = mini_study.sessions[0]
    scores = [Score(analyst, s.option, s.criterion, s.confidence, s.rationale, s.level, s.abstain, s.evidence)
              for s in session.scores if s.analyst == "ann"]
    text = merged_session_text(mini_study, session, {analyst: scores})
    staged = validate_staged(mini_study, {SESSION: text})
    assert analyst in [p.id for p in staged.sessions[0].participants]
    assert sum(s.analyst == analyst for s in staged.sessions[0].scores) == len(scores)


# -- ids ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, valid", [
    ("fam-b", True), ("a", True), ("a1-b2-c3", True), ("x" * 48, True), ("x" * 49, False),
    ("fam-b\n", False), ("ann\n", False), ("\nann", False), ("fam--b", False), ("-fam", False),
    ("fam-", False), ("Fam", False), ("", False), ("fam b", False), ("fam\r", False), (None, False),
])
def test_id_rule_is_a_full_match(text, valid):
    assert is_valid_id(text) is valid


def test_schemas_use_the_one_id_rule():
    import jsonschema

    for schema_file in sorted((ROOT / "schemas").glob("*.schema.json")):
        schema = json.loads(schema_file.read_text())
        pattern = schema["$defs"]["id"]["pattern"]
        assert pattern == ID_PATTERN, schema_file.name
        checker = jsonschema.Draft202012Validator(schema["$defs"]["id"])
        assert checker.is_valid("fam-b") and not checker.is_valid("fam-b\n"), schema_file.name


# -- session edits keep line endings; symlinked records ------------------------------------------

def test_crlf_session_keeps_crlf_and_unchanged_lines(mini):
    path = mini / SESSION
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    study = load_study(mini)
    written = _session_with_rationale(study, "changed rationale")
    old_lines = path.read_bytes().decode().split("\r\n")
    new_lines = written.split("\r\n")
    assert "\n" not in "".join(new_lines)  # every line break is CRLF
    assert len(new_lines) == len(old_lines)
    differing = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert len(differing) == 1 and "changed rationale" in new_lines[differing[0]]


def test_lf_session_stays_lf(mini):
    written = _session_with_rationale(load_study(mini), "changed rationale")
    assert "\r" not in written


def test_symlinked_record_is_written_through_the_link(tmp_path):
    real = tmp_path / "shared" / "round-1.yaml"
    real.parent.mkdir()
    real.write_text("id: round-1\n")
    link = tmp_path / "study" / "round-1.yaml"
    link.parent.mkdir()
    link.symlink_to(real)
    chained = tmp_path / "study" / "again.yaml"
    chained.symlink_to(link)
    assert resolve_record_target(link) == real.resolve()
    assert resolve_record_target(chained) == real.resolve()
    plain = tmp_path / "plain.yaml"
    plain.write_text("x: 1\n")
    assert resolve_record_target(plain) == plain


@pytest.mark.parametrize("target", ["missing", "folder", "fifo"])
def test_symlink_to_a_non_file_is_refused(tmp_path, target):
    pointee = tmp_path / target
    if target == "folder":
        pointee.mkdir()
    elif target == "fifo":
        os.mkfifo(pointee)
    link = tmp_path / "round-1.yaml"
    link.symlink_to(pointee)
    with pytest.raises(RubricError) as caught:
        resolve_record_target(link)
    (problem,) = caught.value.problems
    assert problem.file == str(link)
    assert ("not a regular file" if target != "missing" else "cannot be followed") in problem.message


def test_problem_locations_are_fields_printed_as_before():
    from rubric.errors import Problem

    in_yaml = Problem("options/a.yaml", "bad", 7, "/evidence/0/quote", code="quote-not-found")
    assert str(in_yaml) == "options/a.yaml:7: /evidence/0/quote: bad"
    assert str(Problem("study.yaml", "bad", 1, "")) == "study.yaml:1: /: bad"
    in_book = Problem.at_cell("w.xlsx", "Weights", "D5", "bad")
    assert (in_book.sheet, in_book.cell, in_book.pointer, in_book.in_workbook) == ("Weights", "D5", None, True)
    assert str(in_book) == "w.xlsx: Weights!D5: bad"
    assert str(Problem.at_cell("w.xlsx", "Scores", 7, "bad")) == "w.xlsx: Scores!7: bad"
    assert str(Problem.at_cell("w.xlsx", "Scores", None, "bad")) == "w.xlsx: Scores: bad"
    with pytest.raises(ValueError):
        Problem("w.xlsx", "bad", None, "/x", sheet="Scores")


SOURCE_IDS = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
QUOTES = st.text(min_size=1, max_size=80).filter(lambda q: q.split())


@settings(max_examples=300, deadline=None)
@given(evidence=st.lists(SOURCE_IDS | st.tuples(SOURCE_IDS, QUOTES), min_size=1, max_size=5))
def test_sources_cited_cell_round_trips_any_quote(evidence):
    """Any quote (line breaks, quote marks, colons, ids inside it) is written on one line, its
    whitespace runs collapsed, and read back as written."""
    from rubric.model import Citation
    from rubric.workbooks.scoring import parse_sources_cited, sources_cited_text

    given_evidence = tuple(Citation(*item) if isinstance(item, tuple) else item for item in evidence)
    expected = tuple(Citation(item.source, " ".join(item.quote.split())) if isinstance(item, Citation) else item
                     for item in given_evidence)
    assert parse_sources_cited(sources_cited_text(given_evidence)) == expected
