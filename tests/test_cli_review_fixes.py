"""What a cold reader of every terminal command found: diff and import-weights rank within the
decision, no id cut silently, thresholds not rounded into contradictions, scenarios with no
scenario, check-sources' count, compare's labels, smaa's seed, screening wording."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from conftest import SHIPPED, run_cli

sys.path.insert(0, str(Path(__file__).parent))
from test_review_roundtrip import set_weight  # noqa: E402

TURKEY = ["policing-short-detention", "prosecution-risk-assessment", "isolate-isis-inmates", "disperse-isis-inmates",
          "in-prison-disengagement", "post-release-reintegration", "family-support", "risk-tiered-case-management",
          "leniency-for-cooperation", "gender-aware-prosecution"]


def _ranked_options(out: str) -> list[str]:
    """The option column of the `ranks` table of `rubric diff`: rows of an id and two ranks."""
    table = out[out.index("\nranks\n"):]
    return re.findall(r"^(\S+)\s+\d+\s+\d+\s", table, re.M)


def test_diff_of_profiles_ranks_within_the_default_decision_at_two_decimals():
    code, out, err = run_cli("diff", SHIPPED, "justice-ministry", "interior-security")
    assert code == 0, err
    assert sorted(_ranked_options(out)) == sorted(TURKEY)
    # justice-ministry's and interior-security's totals, as `rubric rank` prints them
    assert re.search(r"gender-aware-prosecution\s+1\s+5\s+-4\s+72\.56\s+67\.70$", out, re.M)
    assert "decision turkey-returnees:" in out
    document = json.loads(run_cli("diff", SHIPPED, "justice-ministry", "interior-security", "--format", "json")[1])
    assert document["decision"] == "turkey-returnees"


def test_diff_takes_decision_and_screening():
    code, out, err = run_cli("diff", SHIPPED, "france-eu", "us-government", "--decision", "foreign-detainees")
    assert code == 0, err
    ranked = _ranked_options(out)
    assert len(ranked) == 6 and "hold-in-region" not in ranked and "strip-citizenship" not in ranked
    assert "screened out: hold-in-region" in out
    code, out, err = run_cli("diff", SHIPPED, "france-eu", "us-government", "--decision", "foreign-detainees",
                             "--no-screening")
    assert code == 0, err
    assert len(_ranked_options(out)) == 8 and "strip-citizenship" in _ranked_options(out)
    code, _, err = run_cli("diff", SHIPPED, "justice-ministry", "custodians")
    assert code == 2 and "profile custodians is not one of decision turkey-returnees's profiles" in err


def test_diff_of_two_sessions_is_scoped_too(shipped):
    data = yaml.safe_load((shipped / "sessions" / "illustrative-2026.yaml").read_text())
    data["id"] = "round-2"
    (shipped / "sessions" / "round-2.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, err = run_cli("diff", shipped, "illustrative-2026", "round-2", "--decision", "insurgent-demands")
    assert code == 0, err
    ranked = _ranked_options(out)
    assert "no-concessions" in ranked and "family-support" not in ranked and len(ranked) <= 9
    assert "0 option x criterion value(s) differ" in out


def test_import_weights_prints_ranks_within_the_workbooks_decision(shipped, tmp_path):
    report = tmp_path / "turkey.xlsx"
    code, _, err = run_cli("report", shipped, "--decision", "turkey-returnees", "--samples", "200", "-o", report)
    assert code == 0, err
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "justice-ministry", "feasibility", 40, edited)
    code, out, err = run_cli("import-weights", shipped, edited, "--dry-run")
    assert code == 0, err
    assert "ranks within decision turkey-returnees (10 options)" in out
    ranks = re.findall(r"^  rank\s+(\d+) ->\s+(\d+)  (\S+)", out, re.M)
    assert sorted(o for _, _, o in ranks) == sorted(TURKEY)
    # before: justice-ministry's ranks within the decision (`rubric rank --profile justice-ministry`)
    before = {o: int(b) for b, _, o in ranks}
    assert before["gender-aware-prosecution"] == 1 and before["policing-short-detention"] == 6
    assert ("6", "2", "policing-short-detention") in ranks


def test_import_weights_leaves_out_what_the_workbook_screened_out(shipped, tmp_path):
    report = tmp_path / "detainees.xlsx"
    code, _, err = run_cli("report", shipped, "--decision", "foreign-detainees", "--samples", "200", "-o", report)
    assert code == 0, err
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "france-eu", "feasibility", 40, edited)
    code, out, err = run_cli("import-weights", shipped, edited, "--dry-run")
    assert code == 0, err
    assert "within decision foreign-detainees (6 options; screened out: hold-in-region, strip-citizenship)" in out
    ranked = re.findall(r"^  rank\s+\d+ ->\s+(\d+)  (\S+)", out, re.M)
    assert sorted(int(r) for r, _ in ranked) == [1, 2, 3, 4, 5, 6]
    assert "hold-in-region" not in {o for _, o in ranked}


def test_screening_reasons_name_the_count_once():
    code, out, err = run_cli("rank", SHIPPED, "--decision", "foreign-detainees")
    assert code == 0, err
    text = " ".join(out.split())
    assert "screened out: hold-in-region (ihl-and-human-rights-law: 2 fail, 1 unclear (3 analysts); analyst-rights:" \
        in text
    assert "analyst(s)" not in text
