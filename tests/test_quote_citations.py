"""Scores that cite evidence by quote: `evidence: [{source: <id>, quote: "<verbatim>"}]`.

The quote must be one of the option's recorded quotes from that source (typography forgiven); the
analyst template shows and reads back quote citations; the comparison workbook shows which scores
cite each quote; the shipped illustrative session cites hundreds of quotes, all resolving.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from rubric.errors import RubricError
from rubric.model import Citation
from rubric.records.evidence import normalise_text, recorded_quotes
from rubric.records.load import load_study
from rubric.workbooks.scoring import parse_sources_cited, sources_cited_text
from tests.conftest import SHIPPED, edit, run_cli

# the shipped session's quote citations: 532 (in 495 scores) when this was written; the floor keeps a real share
SHIPPED_CITATIONS_FLOOR = 450
SHIPPED_CITING_SCORES_FLOOR = 450


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _cite(mini: Path, score_rationale: str, entries: str) -> int:
    """Replace the evidence of the mini session's score with `score_rationale`; returns the edit's line."""
    return edit(mini / "sessions" / "round-1.yaml", f'rationale: "{score_rationale}"\n    evidence: [src-one]',
                f'rationale: "{score_rationale}"\n    evidence:\n{entries}')


# -- the loader ----------------------------------------------------------------------------------------

def test_loader_accepts_a_quote_with_other_whitespace_and_quote_marks(mini):
    recorded = "the alpha\u2019s \u201cquote\u201d from source one"
    edit(mini / "options" / "alpha.yaml", 'quote: "the alpha quote from source one"', f'quote: "{recorded}"')
    # straight quote marks for curly ones, a line break and a tab between words
    retyped = r"the alpha's \"quote\"\n from\tsource  one"  # YAML escapes, in a double-quoted scalar
    _cite(mini, "ann on alpha/impact.", f'      - {{source: src-one, quote: "{retyped}"}}\n')
    score = load_study(mini).sessions[0].scores[0]
    (citation,) = score.evidence
    assert citation == Citation("src-one", "the alpha's \"quote\"\n from\tsource  one")  # as the session wrote it
    assert citation.quote != recorded and normalise_text(citation.quote) == normalise_text(recorded)
    assert score.sources == ("src-one",)


def test_loader_accepts_ids_and_quotes_mixed_in_order(mini):
    _cite(mini, "ann on alpha/impact.", '      - src-one\n      - {source: src-two, quote: "a  second\\tquote about\\n'
                                        ' alpha"}\n')
    score = load_study(mini).sessions[0].scores[0]
    assert score.evidence == ("src-one", Citation("src-two", "a  second\tquote about\n alpha"))
    assert score.sources == ("src-one", "src-two")
    assert score.citations == (Citation("src-two", "a  second\tquote about\n alpha"),)


def test_loader_refuses_an_unknown_quote_with_file_line_and_pointer(mini):
    line = _cite(mini, "ann on alpha/impact.", '      - {source: src-one, quote: "a quote nobody recorded"}\n')
    with pytest.raises(RubricError) as caught:
        load_study(mini)
    (problem,) = caught.value.problems
    assert (problem.line, problem.pointer) == (line + 2, "/scores/0/evidence/0/quote")  # the quote's own line
    assert "option alpha" in problem.message and "src-one" in problem.message
    assert "a quote nobody recorded" in problem.message
    assert "\n" not in str(problem)


def test_loader_refuses_a_recorded_quote_cited_from_the_wrong_source_or_option(mini):
    # alpha's second quote is from src-two; beta does not record it at all
    _cite(mini, "ann on alpha/impact.", '      - {source: src-one, quote: "a second quote about alpha"}\n')
    _cite(mini, "ann on beta/impact.", '      - {source: src-two, quote: "a second quote about alpha"}\n')
    with pytest.raises(RubricError) as caught:
        load_study(mini)
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2
    assert "option alpha's 1 recorded quotes from src-one" in messages[0]
    assert "option beta's" in messages[1]


def test_a_malformed_citation_is_a_located_schema_error(mini):
    _cite(mini, "ann on alpha/impact.", '      - {source: src-one, quote: "the alpha quote from source one", '
                                        'page: 4}\n')
    with pytest.raises(RubricError) as caught:
        load_study(mini)
    (problem,) = caught.value.problems
    assert problem.pointer == "/scores/0/evidence/0"
    assert problem.message.startswith("not a source id, or {source: <source id>, quote: ")


def test_cli_refuses_an_unknown_quote_in_one_line_and_writes_nothing(mini, tmp_path):
    line = _cite(mini, "ann on alpha/impact.", '      - {source: src-one, quote: "invented"}\n')
    before = _tree_digest(mini)
    out = tmp_path / "report.xlsx"
    for args in (("validate", mini), ("report", mini, "--out", out)):
        code, stdout, err = run_cli(*args)
        assert code == 1, (args, err)
        assert "Traceback" not in err
        assert err.strip() == (f"{mini / 'sessions' / 'round-1.yaml'}:{line + 2}: /scores/0/evidence/0/quote: "
                               "quote not among option alpha's 1 recorded quotes from src-one (cite one "
                               'verbatim): "invented"')
    assert not out.exists()
    assert _tree_digest(mini) == before


# -- the analyst template ------------------------------------------------------------------------------

def test_sources_cited_text_round_trips():
    evidence = ("src-one", Citation("src-two", 'He said "no": a, b; c.'), Citation("src-one", "x \u201cy\u201d"))
    text = sources_cited_text(evidence)
    assert text == 'src-one\nsrc-two: \u201cHe said "no": a, b; c.\u201d\nsrc-one: \u201cx \u201cy\u201d\u201d'
    assert parse_sources_cited(text) == evidence
    assert sources_cited_text(("a", "b")) == "a, b" and parse_sources_cited("a, b;c") == ("a", "b", "c")
    # as an analyst may type it: ids and a quote on one line, straight quote marks
    assert parse_sources_cited('a, b: "q: r"') == ("a", Citation("b", "q: r"))
    assert sources_cited_text(()) is None


def test_a_quote_over_several_lines_is_written_on_one_and_read_back_whole():
    # written: whitespace runs collapsed, so the cell keeps one item a line
    assert sources_cited_text((Citation("src-one", "spare the country\nfrom  ISIS"), "src-two")) == \
        "src-one: \u201cspare the country from ISIS\u201d\nsrc-two"
    # read: a quote an analyst broke with Alt+Enter, ids before and after it, a quote mark inside one
    typed = "a, src-one: \u201cspare the country\r\nfrom ISIS\u201d\nb\nsrc-two: \u201cHe said \u201dno\u201d\n there\u201d"
    assert parse_sources_cited(typed) == ("a", Citation("src-one", "spare the country from ISIS"), "b",
                                          Citation("src-two", "He said \u201dno\u201d there"))


@pytest.mark.parametrize("typed, message", [
    ("src-one, \u201cspare the country from ISIS\u201d",
     "a quote without its source id before it ('\u201cspare the country from ISIS\u201d'): write it as "
     "source-id: \u201cquote\u201d"),
    ("src-one: \u201cspare the country\nfrom ISIS", "the quote from src-one is not closed: end it with \u201d"),
])
def test_a_quote_without_its_source_or_its_end_is_one_message(typed, message):
    from rubric.workbooks.scoring import CitedTextError

    with pytest.raises(CitedTextError) as error:
        parse_sources_cited(typed)
    assert str(error.value) == message


def test_prefilled_template_with_a_multi_line_recorded_quote_imports_unchanged(mini, tmp_path):
    # the session records the quote as a literal block (a line break inside); the option on one line
    _cite(mini, "ann on alpha/impact.", "      - source: src-two\n        quote: |-\n          a second quote\n"
                                        "          about alpha\n")
    session = mini / "sessions" / "round-1.yaml"
    before = session.read_bytes()
    path = _template(mini, tmp_path / "ann.xlsx")
    _, cell = _sources_cell(path, "alpha/impact")
    assert cell.value == "src-two: \u201ca second quote about alpha\u201d"
    # an analyst breaks it over two lines (Alt+Enter) with extra spaces: the session stays as it was
    book, cell = _sources_cell(path, "alpha/impact")
    cell.value = "src-two: \u201ca second quote\nabout   alpha\u201d"
    book.save(path)
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 0, err
    assert "0 change(s)" in out and session.read_bytes() == before


def test_a_quote_without_a_source_id_is_refused_at_its_cell(mini, tmp_path):
    path = _template(mini, tmp_path / "ann.xlsx")
    book, cell = _sources_cell(path, "alpha/cost")
    cell.value = "\u201ca second quote about alpha\u201d"
    coordinate = cell.coordinate
    book.save(path)
    before = _tree_digest(mini)
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 1 and err.strip() == (
        f"{path}: Scores!{coordinate}: alpha/cost: a quote without its source id before it "
        "('\u201ca second quote about alpha\u201d'): write it as source-id: \u201cquote\u201d")
    assert _tree_digest(mini) == before


def test_a_retyped_quote_keeps_the_recorded_typography(mini, tmp_path):
    recorded = "the alpha\u2019s quote from source one"
    edit(mini / "options" / "alpha.yaml", 'quote: "the alpha quote from source one"', f'quote: "{recorded}"')
    _cite(mini, "ann on alpha/impact.", f'      - {{source: src-one, quote: "{recorded}"}}\n')
    session = mini / "sessions" / "round-1.yaml"
    before = session.read_bytes()
    path = _template(mini, tmp_path / "ann.xlsx")
    book, cell = _sources_cell(path, "alpha/impact")
    cell.value = "src-one: \"the alpha's quote from source one\""   # straight apostrophe and quote marks
    book.save(path)
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 0, err
    assert "0 change(s)" in out and session.read_bytes() == before


def _template(mini: Path, out: Path, analyst: str = "ann") -> Path:
    code, stdout, err = run_cli("template", mini, "--session", "round-1", "--analyst", analyst, "-o", out,
                                "--prefill")
    assert code == 0, err
    return out


def _sources_cell(path: Path, key: str):
    book = openpyxl.load_workbook(path)
    ws = book["Scores"]
    header = next(r for r in ws.iter_rows(min_row=1, max_row=10) if any(c.value == "Key" for c in r))
    cols = {c.value: c.column for c in header if c.value}
    row = next(r for r in range(header[0].row + 1, ws.max_row + 1) if ws.cell(r, cols["Key"]).value == key)
    return book, ws.cell(row, cols["Sources cited"])


def test_template_shows_quote_citations_and_imports_them_back_unchanged(mini, tmp_path):
    _cite(mini, "ann on alpha/impact.", '      - src-one\n      - {source: src-two, quote: "a second quote about '
                                        'alpha"}\n')
    _cite(mini, "ann on alpha/risk.", '      - {source: src-one, quote: "the alpha quote from source one"}\n'
                                      '      - {source: src-two, quote: "a second quote about alpha"}\n')
    session = mini / "sessions" / "round-1.yaml"
    before = session.read_bytes()
    path = _template(mini, tmp_path / "ann.xlsx")
    _, cell = _sources_cell(path, "alpha/impact")
    assert cell.value == "src-one\nsrc-two: \u201ca second quote about alpha\u201d"
    _, cell = _sources_cell(path, "alpha/risk")
    assert cell.value == ("src-one: \u201cthe alpha quote from source one\u201d\n"
                          "src-two: \u201ca second quote about alpha\u201d")
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 0, err
    assert "0 change(s)" in out
    assert session.read_bytes() == before


def test_a_quote_typed_into_the_template_is_imported_as_a_citation(mini, tmp_path):
    path = _template(mini, tmp_path / "ann.xlsx")
    book, cell = _sources_cell(path, "alpha/cost")
    cell.value = 'src-two: "a second   quote about alpha"'   # straight quote marks, spaces as typed
    book.save(path)
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 0, err
    assert "1 change(s)" in out and "evidence changed" in out
    score = next(s for s in load_study(mini).sessions[0].scores
                 if (s.analyst, s.option, s.criterion) == ("ann", "alpha", "cost"))
    # written as the option records it (the loader compares quotes whitespace-normalised)
    assert score.evidence == (Citation("src-two", "a second quote about alpha"),)
    written = (mini / "sessions" / "round-1.yaml").read_text(encoding="utf-8")
    assert "    evidence:\n      - source: src-two\n        quote: a second quote about alpha\n" in written


def test_template_import_refuses_an_unknown_quote_at_its_cell(mini, tmp_path):
    path = _template(mini, tmp_path / "ann.xlsx")
    book, cell = _sources_cell(path, "alpha/cost")
    cell.value = "src-one, src-two: \u201cnot what the option records\u201d"
    coordinate = cell.coordinate
    book.save(path)
    before = _tree_digest(mini)
    code, out, err = run_cli("import-scores", mini, path, "--replace")
    assert code == 1 and "Traceback" not in err
    assert err.strip() == (f"{path}: Scores!{coordinate}: alpha/cost: quote not among option alpha's recorded "
                           "quotes from src-two (cite one verbatim, as the Evidence hint shows it): "
                           "\u201cnot what the option records\u201d")
    assert _tree_digest(mini) == before


# -- the shipped session and its workbook ---------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped_study():
    return load_study(SHIPPED)


def test_shipped_session_cites_hundreds_of_quotes_and_every_one_resolves(shipped_study):
    session = shipped_study.sessions[0]
    assert session.illustrative
    options = {o.id: o for o in shipped_study.options}
    citations = [(score, c) for score in session.scores for c in score.citations]
    citing_scores = {id(score) for score, _ in citations}
    assert len(citations) >= SHIPPED_CITATIONS_FLOOR
    assert len(citing_scores) >= SHIPPED_CITING_SCORES_FLOOR
    unresolved = [(s.analyst, s.option, s.criterion, c.quote[:40]) for s, c in citations
                  if normalise_text(c.quote) not in recorded_quotes(options[s.option]).get(c.source, set())]
    assert unresolved == []
    # the quotes are cited verbatim as recorded, not retyped
    exact = {(o.id, e.source, e.quote) for o in shipped_study.options for e in (*o.evidence, *o.measures) if e.quote}
    assert all((s.option, c.source, c.quote) in exact for s, c in citations)
    # every analyst cites quotes, and most options have a quote cited
    assert {s.analyst for s, _ in citations} == set(session.analysts)
    assert len({s.option for s, _ in citations}) >= 0.9 * len(shipped_study.options)
    # and `rubric validate` counts the citing scores
    code, out, _ = run_cli("validate", SHIPPED)
    assert code == 0 and f"{len(citing_scores)} citing quotes)" in " ".join(out.split())


@pytest.fixture(scope="module")
def turkey_workbook(tmp_path_factory):
    out = tmp_path_factory.mktemp("quotes") / "turkey.xlsx"
    code, stdout, err = run_cli("report", SHIPPED, "--decision", "turkey-returnees", "--out", out)
    assert code == 0, err
    return openpyxl.load_workbook(out)


def test_evidence_sheet_cited_by_equals_the_scores_citing_each_quote(shipped_study, turkey_workbook):
    decision = next(d for d in shipped_study.decisions if d.id == "turkey-returnees")
    session = shipped_study.sessions[0]
    ws = turkey_workbook["Evidence"]
    header = [c.value for c in ws[4]]
    assert header == ["option", "source", "source title", "locator", "quote", "note (ours)", "source reliability",
                      "cited by"]
    shown = {}
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[0] is None:
            break
        shown[(row[0], row[1], normalise_text(row[4]))] = row[7]
    counted = 0
    for option in (o for o in shipped_study.options if o.id in decision.options):
        for item in option.evidence:
            expected: dict[str, list[str]] = {}
            for score in session.scores:
                if score.option == option.id and any(
                        c.source == item.source and normalise_text(c.quote) == normalise_text(item.quote)
                        for c in score.citations):
                    expected.setdefault(score.analyst, []).append(score.criterion)
            cell = shown[(option.id, item.source, normalise_text(item.quote))]
            got = {} if cell is None else {line.split(": ")[0]: line.split(": ")[1].split(", ")
                                           for line in cell.split("\n")}
            assert got == expected, (option.id, item.quote[:40])
            counted += sum(len(v) for v in expected.values())
    assert counted >= 100   # the Turkish decision's quotes back well over a hundred scores
    # the most-cited quote of the decision, worked through by hand from the records
    busiest = max(shown.items(), key=lambda kv: 0 if kv[1] is None else kv[1].count(",") + kv[1].count("\n"))
    option, source, quote = busiest[0]
    citing = [s for s in session.scores if s.option == option and any(
        c.source == source and normalise_text(c.quote) == quote for c in s.citations)]
    assert sum(len(line.split(": ")[1].split(", ")) for line in busiest[1].split("\n")) == len(citing) > 3


def test_analysts_sheet_lists_the_quotes_each_score_cites(shipped_study, turkey_workbook):
    ws = turkey_workbook["Analysts"]
    header = {c.value: c.column for c in ws[4] if c.value}
    assert list(header)[7:9] == ["evidence", "quotes cited"]
    rows = {(r[0], r[1], r[2]): r for r in ws.iter_rows(min_row=5, values_only=True)}
    scores = [s for s in shipped_study.sessions[0].scores if (s.analyst, s.option, s.criterion) in rows]
    with_quotes = [s for s in scores if s.citations]
    assert len(with_quotes) >= 100
    for score in scores:
        row = rows[(score.analyst, score.option, score.criterion)]
        assert row[header["evidence"] - 1] == (", ".join(score.sources) or None)
        expected = "\n".join(f"{c.source}: \u201c{c.quote}\u201d" for c in score.citations) or None
        assert row[header["quotes cited"] - 1] == expected


def test_schema_fast_path_accepts_quote_citations_and_only_well_formed_ones():
    """The session schema's fast score check mirrors $defs/citation: the shipped scores take the fast
    path, and a citation the schema refuses makes it defer to jsonschema."""
    from rubric.records.schema import _fast_scores, _scores_certainly_valid
    from rubric.records.yamlio import load_yaml

    scores = load_yaml(SHIPPED / "sessions" / "illustrative-2026.yaml").data["scores"]
    assert _fast_scores("session") and _scores_certainly_valid(scores)
    good = {"analyst": "a", "option": "o", "criterion": "c", "level": 1, "confidence": "low", "rationale": "r"}
    for evidence, fast in ((["src", {"source": "src", "quote": "q"}], True),
                           ([{"source": "src", "quote": "q", "page": 4}], False),
                           ([{"source": "Src", "quote": "q"}], False),
                           ([{"source": "src", "quote": ""}], False),
                           ([{"source": "src"}], False)):
        assert _scores_certainly_valid([{**good, "evidence": evidence}]) is fast, evidence


def test_options_sheet_shows_precedents_benefits_and_risks_with_our_inferences_marked(shipped_study, turkey_workbook):
    """The records' '(our inference)' marks reach the reader: the Options sheet shows each option's
    precedents, benefits and risks as recorded; the Evidence sheet's note column is labelled as ours."""
    sheet = turkey_workbook["Options"]
    header = [c.value for c in sheet[4]]
    assert header == ["option", "title", "family", "baseline", "summary", "precedents", "benefits", "risks"]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    options = {o.id: o for o in shipped_study.options}
    decision = next(d for d in shipped_study.decisions if d.id == "turkey-returnees")
    assert set(rows) <= set(decision.options)
    marked = 0
    for option_id, row in rows.items():
        option = options[option_id]
        assert (row["risks"] or "") == "\n".join(f"- {r}" for r in option.risks)
        assert (row["benefits"] or "") == "\n".join(f"- {b}" for b in option.benefits)
        assert len((row["precedents"] or "").splitlines()) == len(option.precedents)
        marked += "(our inference" in (row["risks"] or "") + (row["benefits"] or "")
    assert marked >= 1   # risk-tiered case management's risks are marked as ours
    assert [c.value for c in turkey_workbook["Evidence"][4]][5] == "note (ours)"
