"""Sources' parts of a shared corpus file (check-sources looks for a quote only within its own
source's part) and evidence grading (every source's reliability, shown in the Evidence sheet)."""

import re

import pytest
import yaml

from conftest import SEEDS, SHIPPED, run_cli
from rubric import load_study
from rubric.records.evidence import missing_quotes

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed corpus ../shared/seeds is not beside the checkout")

SHARED = "002_3d77ad3519bbbb9f.txt"


def _sources(study_dir):
    path = study_dir / "sources.yaml"
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _index(data, source_id):
    return next(i for i, s in enumerate(data["sources"]) if s["id"] == source_id)


def test_the_two_crisis_group_reports_have_disjoint_parts_of_one_file():
    study = load_study(SHIPPED)
    reports = [s for s in study.sources if s.file == SHARED]
    assert {s.id for s in reports} == {"icg-258-turkey-returnees", "icg-306-mali-jnim"}
    assert all(s.part is not None for s in reports)
    text = (SEEDS / SHARED).read_text(encoding="utf-8")
    t258 = next(s for s in reports if s.id == "icg-258-turkey-returnees").part
    t306 = next(s for s in reports if s.id == "icg-306-mali-jnim").part
    # Report 258's part ends where Report 306's begins, and 306 runs to the end of the file
    assert t258.end == t306.start and t306.end is None
    assert text.index(t258.start) < text.index(t306.start)


def _cite_from(shipped, quote_start: str, source: str) -> None:
    """The session's scores cite the quote by text from the source the option records: follow the record."""
    session = shipped / "sessions" / "illustrative-2026.yaml"
    text = session.read_text(encoding="utf-8")
    cited = re.compile(r"(- source: )[a-z0-9-]+(\n +quote: " + re.escape(quote_start) + ")")
    assert cited.search(text)
    session.write_text(cited.sub(lambda m: m.group(1) + source + m.group(2), text), encoding="utf-8")


def test_a_quote_from_the_other_report_is_not_found(shipped):
    """A quote of Report 306 attributed to Report 258 was found before parts existed (one file);
    now it is reported, with its record and pointer."""
    path = shipped / "options" / "local-ceasefires.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record["evidence"][0]["source"] == "icg-306-mali-jnim"
    record["evidence"][0]["source"] = "icg-258-turkey-returnees"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _cite_from(shipped, "Previous talks among communal leaders", "icg-258-turkey-returnees")
    code, out, err = run_cli("check-sources", shipped, "--corpus", SEEDS)
    assert code == 1
    assert f"{shipped}/options/local-ceasefires.yaml:" in err
    assert "/evidence/0/quote: quote not found verbatim in icg-258-turkey-returnees" in err
    problems, _ = missing_quotes(load_study(shipped), SEEDS)
    assert len(problems) == 1


def test_without_parts_the_misattributed_quote_would_pass(shipped):
    """The reason parts exist: remove them and the same misattribution goes unnoticed."""
    path = shipped / "options" / "local-ceasefires.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["evidence"][0]["source"] = "icg-258-turkey-returnees"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _cite_from(shipped, "Previous talks among communal leaders", "icg-258-turkey-returnees")
    sources_path, data = _sources(shipped)
    for source in data["sources"]:
        source.pop("part", None)
    sources_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems, _ = missing_quotes(load_study(shipped), SEEDS)
    assert problems == []


@pytest.mark.parametrize("key, marker, message", [
    ("start", "Report 999 / Nowhere", "start marker of source 'icg-258-turkey-returnees' not found in"),
    ("end", "No such closing heading", "end marker of source 'icg-258-turkey-returnees' not found after its start marker"),
])
def test_a_marker_not_found_is_a_located_error(shipped, key, marker, message):
    sources_path, data = _sources(shipped)
    index = _index(data, "icg-258-turkey-returnees")
    data["sources"][index]["part"][key] = marker
    sources_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, err = run_cli("check-sources", shipped, "--corpus", SEEDS)
    assert code == 1
    assert f"{shipped}/sources.yaml:" in err and f"/sources/{index}/part/{key}: {message}" in err
    assert marker in err


def test_an_end_marker_before_the_start_is_not_used(shipped):
    """The end marker is looked for after the start marker: Report 306's heading as the start and
    Report 258's heading as the end leaves no end, which is an error, not an empty part."""
    sources_path, data = _sources(shipped)
    index = _index(data, "icg-306-mali-jnim")
    data["sources"][index]["part"]["end"] = "Report 258 / Europe & Central Asia"
    sources_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, err = run_cli("check-sources", shipped, "--corpus", SEEDS)
    assert code == 1 and f"/sources/{index}/part/end: end marker of source 'icg-306-mali-jnim'" in err


def test_part_schema_requires_a_start(shipped):
    sources_path, data = _sources(shipped)
    index = _index(data, "icg-306-mali-jnim")
    data["sources"][index]["part"] = {"end": "x"}
    sources_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, err = run_cli("validate", shipped)
    assert code == 1 and f"/sources/{index}/part" in err and "start" in err


def test_every_source_is_graded_with_a_reason():
    study = load_study(SHIPPED)
    grades = {s.id: s.reliability.grade for s in study.sources}
    assert grades == {"isw-prisoner-releases-2021": "moderate", "naba-prisons-2020": "low",
                      "icg-258-turkey-returnees": "high", "icg-306-mali-jnim": "high",
                      "leiden-bakker-2019": "moderate", "coalition-conference-2019": "moderate"}
    assert all(s.reliability.reason.strip() for s in study.sources)
    # the armed group's own media is graded as such
    assert "IS's own media" in next(s for s in study.sources if s.id == "naba-prisons-2020").reliability.reason


def test_a_grade_outside_the_scale_is_a_located_error(shipped):
    sources_path, data = _sources(shipped)
    data["sources"][0]["reliability"]["grade"] = "excellent"
    sources_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out, err = run_cli("validate", shipped)
    assert code == 1 and "/sources/0/reliability/grade" in err


def test_the_evidence_sheet_shows_each_quote_s_source_reliability(shipped, tmp_path):
    import openpyxl

    out_path = tmp_path / "book.xlsx"
    code, out, err = run_cli("report", shipped, "--decision", "insurgent-demands", "--out", out_path)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out_path)["Evidence"]
    header = [c.value for c in sheet[4]]
    assert header[:7] == ["option", "source", "source title", "locator", "quote", "note (ours)", "source reliability"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    naba = [r for r in rows if r[1] == "naba-prisons-2020"]
    assert naba and all(r[6].startswith("low: ") for r in naba)
