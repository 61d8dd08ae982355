"""Hostile and broken input: every case gets a one-line located error, a non-zero exit, no traceback,
and leaves the study tree and the output folder exactly as they were."""

import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import edit, run_cli
from rubric.workbooks.scoring import COLUMNS

# -------------------------------------------------------------------------------------------------
# cases that break a study record: (id, file, old, new, expected text in the error)
# `new` may be a callable taking the file's path and writing whatever it likes.

BIG = 21 * 1024 * 1024


def _write(text=None, data=None):
    def writer(path: Path):
        if data is not None:
            path.write_bytes(data)
        else:
            path.write_text(text)
    return writer


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))

RECORD_CASES = [
    # YAML
    ("yaml-unclosed-bracket", "options/beta.yaml", "family: fam-a", "family: [fam-a", "YAML syntax error"),
    ("yaml-bad-indent", "options/beta.yaml", "baseline: none", "  baseline: none\n bad: [", "YAML syntax error"),
    ("yaml-unclosed-quote", "study.yaml", 'title: "Mini study for tests"', 'title: "Mini study', "YAML syntax error"),
    ("yaml-tab", "options/beta.yaml", "  - source: src-two", "\t- source: src-two", "tab used for indentation"),
    ("yaml-duplicate-key", "options/beta.yaml", "baseline: none", "baseline: none\nbaseline: none",
     "duplicate key 'baseline'"),
    ("yaml-alias-bomb", "study.yaml", None, _write(ALIAS_BOMB), "anchors and aliases are not allowed"),
    ("yaml-merge-key", "study.yaml", "defaults: {", "base: {x: 1}\nmore:\n  <<: {y: 2}\ndefaults: {",
     "merge keys (<<) are not allowed"),
    ("yaml-huge-file", "options/beta.yaml", None, _write("# " + "x" * BIG + "\n"), "the limit is 20,971,520"),
    ("yaml-latin1", "options/beta.yaml", None, _write(data="title: caf\xe9\n".encode("latin-1")), "not valid UTF-8"),
    ("yaml-utf16", "study.yaml", None, _write(data="id: mini\n".encode("utf-16")), "not valid UTF-8"),
    ("yaml-binary", "rubric.yaml", None, _write(data=bytes(range(256)) * 4), "not valid UTF-8"),
    ("yaml-empty", "rubric.yaml", None, _write(""), "None is not of type 'object'"),
    ("yaml-list-not-mapping", "sources.yaml", None, _write("- a\n- b\n"), "is not of type 'object'"),
    ("yaml-two-documents", "study.yaml", None, _write("id: a\n---\nid: b\n"), "YAML"),
    # schema
    ("schema-missing-field", "options/gamma.yaml", 'summary: "Summary of gamma."\n', "",
     "'summary' is a required property"),
    ("schema-wrong-type", "options/gamma.yaml", 'title: "Option gamma"', "title: [1, 2]", "is not of type 'string'"),
    ("schema-extra-property", "options/gamma.yaml", "baseline: none", "baseline: none\ncolour: red",
     "'colour' is not allowed"),
    ("schema-bad-id", "options/gamma.yaml", "id: gamma", "id: Gamma Ray", "does not match"),
    ("schema-bad-date", "sources.yaml", 'date: "2021"', 'date: "21/03/2021"', "does not match"),
    ("schema-long-quote", "options/alpha.yaml", '"the alpha quote from source one"', '"' + " ".join(["w"] * 41) + '"',
     "at most 40 words"),
    ("schema-bad-enum", "options/gamma.yaml", "baseline: none", "baseline: maybe", "is not one of"),
    ("schema-bad-url", "sources.yaml", "kind: news", "kind: news\n    url: ftp://x", "does not match"),
    # references and ids
    ("ref-unknown-source", "options/beta.yaml", "  - source: src-two", "  - source: src-nine", "unknown source"),
    ("ref-unknown-family", "options/gamma.yaml", "family: fam-b", "family: fam-z", "unknown family"),
    ("ref-score-option", "sessions/round-1.yaml", "    option: alpha\n", "    option: omega\n", "unknown option"),
    ("ref-score-criterion", "sessions/round-1.yaml", "    criterion: risk\n", "    criterion: rsk\n",
     "unknown criterion"),
    ("ref-default-profile", "study.yaml", "profile: flat-direct", "profile: nobody", "unknown profile"),
    ("ref-profile-criterion", "profiles/flat-direct.yaml", "{id: cost, points: 20", "{id: costs, points: 20",
     "is not a child of 'leaves'"),
    ("dup-source-id", "sources.yaml", "id: src-two", "id: src-one", "duplicate source id"),
    ("dup-criterion-id", "rubric.yaml", "id: cost\n", "id: impact\n", "duplicate rubric id"),
    ("dup-id-vs-file", "options/gamma.yaml", "id: gamma", "id: beta", "must match the file name"),
    # weights
    ("weight-negative", "profiles/flat-direct.yaml", "points: 30", "points: -30", "minimum of 0"),
    ("weight-all-zero", "profiles/flat-direct.yaml", None,
     lambda p: p.write_text(re.sub(r"points: \d+", "points: 0", p.read_text())), "weights are all zero"),
    ("weight-nan", "profiles/flat-direct.yaml", "points: 30", "points: .nan", "must be finite"),
    ("weight-inf", "profiles/flat-direct.yaml", "points: 30", "points: .inf", "must be finite"),
    ("weight-string", "profiles/flat-direct.yaml", "points: 30", 'points: "thirty"', "is not of type 'number'"),
    ("weight-swing-over-100", "profiles/tree-swing.yaml", "{id: risk, rank: 1, points: 100",
     "{id: risk, rank: 1, points: 150", "swing points are at most 100"),
    ("weight-ahp-zero-ratio", "profiles/tree-ahp.yaml", "ratio: 3}", "ratio: 0}", "less than the minimum"),
    ("weight-rank-zero", "profiles/flat-rank.yaml", "{id: cost, rank: 1", "{id: cost, rank: 0", "minimum of 1"),
    # rubrics
    ("rubric-non-monotone", "rubric.yaml", "points: {1: 100, 2: 70, 3: 0}", "points: {1: 100, 2: 0, 3: 20}",
     "not monotone"),
    ("rubric-duplicate-level", "rubric.yaml", '{level: 2, label: Mid, descriptor: "Some."}',
     '{level: 1, label: Mid, descriptor: "Some."}', "duplicate level 1"),
    ("rubric-points-missing-level", "rubric.yaml", "points: {1: 100, 2: 70, 3: 0}", "points: {1: 100, 3: 0}",
     "missing levels [2]"),
    ("rubric-levels-unordered", "rubric.yaml", '{level: 3, label: High, descriptor: "Much."}',
     '{level: 0, label: High, descriptor: "Much."}', "ascending order"),
    # sessions
    ("session-rubric-version", "sessions/round-1.yaml", 'version: "2.1"', 'version: "9.9"', "rubric version"),
    ("session-unknown-analyst", "sessions/round-1.yaml", None,
     lambda p: p.write_text(p.read_text().replace("  - analyst: cat", "  - analyst: cathy")),
     "unknown analyst 'cathy'"),
    ("session-missing-cells", "sessions/round-1.yaml", None,
     lambda p: p.write_text("".join(p.read_text().splitlines(keepends=True)[:-30]) + "dissent: []\n"),
     "has no score or abstention"),
    ("session-bad-level", "sessions/round-1.yaml", "    level: 3", "    level: 8", "is not a level of"),
    ("session-bad-confidence", "sessions/round-1.yaml", "confidence: medium", "confidence: certain", "is not one of"),
]


def tree_hash(*roots: Path) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            digest.update(str(path.relative_to(root)).encode())
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def assert_clean_failure(code, out, err, expected, status=1):
    assert code == status, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert lines, "no error printed"
    assert any(expected in line for line in lines), err
    for line in lines:  # every problem is one line that names a place
        assert re.match(r"^\S[^:]*(:\d+)?: ", line), line


@pytest.mark.parametrize("case", RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_broken_record(mini, tmp_path, case):
    path, out_dir, before, err = break_record(mini, tmp_path, case)
    expected = case[4]
    assert err.strip().splitlines()[0].startswith(str(mini))
    code, out, err = run_cli("template", mini, "--session", "round-1", "--analyst", "ann", "-o",
                             out_dir / "t.xlsx")
    assert_clean_failure(code, out, err, expected)
    assert tree_hash(mini, out_dir) == before


# -------------------------------------------------------------------------------------------------
# usage errors: exit 2

USAGE_CASES = [
    ("no-command", []),
    ("unknown-command", ["frobnicate"]),
    ("rank-bad-method", ["rank", "{mini}", "--method", "electre"]),
    ("rank-unknown-profile", ["rank", "{mini}", "--profile", "nobody"]),
    ("rank-unknown-session", ["rank", "{mini}", "--session", "nowhen"]),
    ("rank-unknown-analyst", ["rank", "{mini}", "--analyst", "zed"]),
    ("smaa-zero-samples", ["smaa", "{mini}", "--samples", "0"]),
    ("smaa-samples-not-a-number", ["smaa", "{mini}", "--samples", "many"]),
    ("template-no-session", ["template", "{mini}", "--analyst", "ann"]),
    ("template-unknown-session", ["template", "{mini}", "--session", "nope", "--analyst", "ann", "-o", "{out}/t.xlsx"]),
    ("diff-mixed", ["diff", "{mini}", "round-1", "flat-direct"]),
]


@pytest.mark.parametrize("case", USAGE_CASES, ids=[c[0] for c in USAGE_CASES])
def test_usage_error(mini, tmp_path, case):
    name, args = case
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = tree_hash(mini, out_dir)
    code, out, err = run_cli(*[a.format(mini=mini, out=out_dir) for a in args])
    assert code == 2, (code, err)
    assert "Traceback" not in err and err.strip()
    assert tree_hash(mini, out_dir) == before


# -------------------------------------------------------------------------------------------------
# broken and hostile workbooks given to import-scores

def _template(mini, tmp_path) -> Path:
    (mini / "sessions" / "round-2.yaml").write_text(
        'id: round-2\ndate: "2026-02-01"\nrubric: {id: mini-rubric, version: "2.1"}\nparticipants: []\nscores: []\n')
    path = tmp_path / "in" / "dan.xlsx"
    code, out, err = run_cli("template", mini, "--session", "round-2", "--analyst", "dan", "-o", path)
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    for r in range(6, ws.max_row + 1):
        ws.cell(row=r, column=7).value = 2
        for c, v in ((COLUMNS.index("Confidence") + 1, "medium"), (COLUMNS.index("Rationale") + 1, "A reason.")):
            ws.cell(row=r, column=c).value = v
    book.save(path)
    return path


def _rewrite_zip(path: Path, member: str, transform):
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == member:
                content = transform(content)
            dst.writestr(info.filename, content)
    path.write_bytes(out.getvalue())


def _sheet_xml(book_path: Path, title: str) -> str:
    with zipfile.ZipFile(book_path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    index = re.findall(r'<sheet [^>]*name="([^"]+)"', workbook).index(title) + 1
    return f"xl/worksheets/sheet{index}.xml"


def _entity_bomb(path: Path):
    member = _sheet_xml(path, "Scores")
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 9))
            + "]>")
    _rewrite_zip(path, member, lambda xml: xml.replace(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
                                                       bomb.encode()).replace(b"<v>2</v>", b"<v>&lol8;</v>", 1))


def _zip_bomb(path: Path):
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))


def _million_rows(path: Path):
    book = openpyxl.load_workbook(path)
    book["Scores"].cell(row=1_000_000, column=1).value = "x"
    book.save(path)


def _rename_sheet(path: Path):
    book = openpyxl.load_workbook(path)
    book["Scores"].title = "My scores"
    book.save(path)


def _drop_meta(path: Path):
    book = openpyxl.load_workbook(path)
    del book["_meta"]
    book.save(path)


def _tamper_meta(path: Path):
    book = openpyxl.load_workbook(path)
    book["_meta"]["B2"].value = "another-study"
    book.save(path)


def _formula(text):
    def change(path: Path):
        book = openpyxl.load_workbook(path)
        book["Scores"]["O6"].value = text  # a string starting with "=" becomes a formula cell
        book.save(path)
    return change


WORKBOOK_CASES = [
    ("not-a-zip", lambda p: p.write_bytes(b"hello, not a workbook"), "not an .xlsx workbook"),
    ("csv-renamed", lambda p: p.write_text("Key,Level\nalpha/impact,2\n"), "not an .xlsx workbook"),
    ("truncated", lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "workbook"),
    ("empty-file", lambda p: p.write_bytes(b""), "not an .xlsx workbook"),
    ("password-protected", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000),
     "password-protected"),
    ("zip-without-workbook", lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "hi"), "cannot read workbook"),
    ("xml-entity-expansion", _entity_bomb, "cannot read workbook"),
    ("zip-bomb", _zip_bomb, "refused as a zip bomb"),
    ("million-rows", _million_rows, "has 1,000,000 rows; the limit is 200,000"),
    ("sheet-renamed", _rename_sheet, "sheet 'Scores' is missing"),
    ("meta-removed", _drop_meta, "sheet '_meta' is missing"),
    ("meta-tampered", _tamper_meta, "_meta!A1: the hidden _meta sheet was altered"),
    ("formula-equals", _formula("=1+1"), "Scores!O6: alpha/impact: rationale: a formula was typed into an input cell"),
    ("formula-dde", _formula("=cmd|' /C calc'!A0"), "Scores!O6: alpha/impact: rationale: a formula was typed"),
    ("formula-hyperlink", _formula('=HYPERLINK("http://example.invalid","x")'), "Scores!O6: alpha/impact: rationale: a formula"),
    ("formula-plus-as-formula", _formula("=+1+1"), "Scores!O6: alpha/impact: rationale: a formula"),
    ("formula-at-as-formula", _formula("=@SUM(1)"), "Scores!O6: alpha/impact: rationale: a formula"),
    ("missing-file", lambda p: p.unlink(), "cannot read file"),
]


@pytest.mark.parametrize("case", WORKBOOK_CASES, ids=[c[0] for c in WORKBOOK_CASES])
def test_hostile_workbook(mini, tmp_path, case):
    name, damage, expected = case
    assert_import_refused(mini, tmp_path, damage, expected)


def break_record(mini, tmp_path, case):
    """Apply a record case to the study; `validate` fails cleanly. Returns the record's path, an empty
    output folder, the hash of both, and validate's stderr."""
    name, file, old, new, expected = case
    path = mini / file
    if callable(new):
        new(path)
    else:
        edit(path, old, new)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = tree_hash(mini, out_dir)
    code, out, err = run_cli("validate", mini)
    assert_clean_failure(code, out, err, expected)
    return path, out_dir, before, err


def assert_import_refused(mini, tmp_path, damage, expected):
    """Damage a filled scoring workbook; its import fails cleanly, naming the workbook, writing nothing."""
    path = _template(mini, tmp_path)
    damage(path)
    before = tree_hash(mini)
    code, out, err = run_cli("import-scores", mini, path)
    assert_clean_failure(code, out, err, expected)
    assert err.startswith(str(path))
    assert tree_hash(mini) == before


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"])
def test_record_text_that_looks_like_a_formula_stays_text(mini, tmp_path, text):
    path = mini / "options" / "alpha.yaml"
    import json
    edit(path, 'title: "Option alpha"', f"title: {json.dumps(text)}")
    edit(mini / "sessions" / "round-1.yaml", 'rationale: "ann on alpha/impact."', f"rationale: {json.dumps(text)}")
    out = tmp_path / "t.xlsx"
    code, stdout, err = run_cli("template", mini, "--session", "round-1", "--analyst", "ann", "-o", out, "--prefill")
    assert code == 0, err
    from rubric.workbooks.text import decode_text

    ws = openpyxl.load_workbook(out)["Scores"]
    title, rationale = ws["C6"], ws["O6"]
    assert (decode_text(title.value), title.data_type) == (text, "s")
    assert (decode_text(rationale.value), rationale.data_type) == (text, "s")
    # and it imports back unchanged
    code, stdout, err = run_cli("import-scores", mini, out, "--replace")
    assert code == 0, err
    assert "0 change(s)" in stdout
