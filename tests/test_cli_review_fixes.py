"""What a cold reader of every terminal command found: diff and import-weights rank within the
decision, no id cut silently, thresholds not rounded into contradictions, scenarios with no
scenario, check-sources' count, compare's labels, smaa's seed, screening wording."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
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


def _dry_run_import(shipped, tmp_path, decision: str, profile: str) -> str:
    """Write the decision's workbook, set the profile's feasibility to 40, and dry-run the import."""
    report = tmp_path / f"{decision}.xlsx"
    code, _, err = run_cli("report", shipped, "--decision", decision, "--samples", "200", "-o", report)
    assert code == 0, err
    edited = tmp_path / "edited.xlsx"
    set_weight(report, profile, "feasibility", 40, edited)
    code, out, err = run_cli("import-weights", shipped, edited, "--dry-run")
    assert code == 0, err
    return out


def test_import_weights_prints_ranks_within_the_workbooks_decision(shipped, tmp_path):
    out = _dry_run_import(shipped, tmp_path, "turkey-returnees", "justice-ministry")
    assert "ranks within decision turkey-returnees (10 options)" in out
    ranks = re.findall(r"^  rank\s+(\d+) ->\s+(\d+)  (\S+)", out, re.M)
    assert sorted(o for _, _, o in ranks) == sorted(TURKEY)
    # before: justice-ministry's ranks within the decision (`rubric rank --profile justice-ministry`)
    before = {o: int(b) for b, _, o in ranks}
    assert before["gender-aware-prosecution"] == 1 and before["policing-short-detention"] == 6
    assert ("6", "2", "policing-short-detention") in ranks


def test_import_weights_leaves_out_what_the_workbook_screened_out(shipped, tmp_path):
    out = _dry_run_import(shipped, tmp_path, "foreign-detainees", "france-eu")
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


def run_at(columns: int, *args):
    """run_cli with the terminal COLUMNS wide."""
    import os
    import subprocess

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns)}
    proc = subprocess.run([sys.executable, "-m", "rubric", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


LONG = ("hostages-children-welfare", "protect-judicial-and-prison-staff", "nes-withdrawal-offensive")


def _table_lines(out: str) -> list[str]:
    """Lines of the tables: those under a dashes rule, to the next blank or prose line."""
    lines = out.splitlines()
    rules = [k for k, line in enumerate(lines) if line and set(line) <= {"-", " "}]
    return [line for k in rules for line in lines[k - 1:k + 12]]


def test_wide_terminal_shows_every_id_whole():
    for command in ("sensitivity", "scenarios", "compare", "smaa"):
        extra = ("--samples", "300") if command == "smaa" else ()
        out = run_at(200, command, SHIPPED, "--decision", "foreign-detainees", *extra)
        assert "…" not in out and "cut to fit" not in out, command
        assert "protect-judicial-and-prison-staff  " in out, command
    out = run_at(200, "sensitivity", SHIPPED, "--decision", "foreign-detainees")
    assert re.search(r"^criterion\s+hostages-children-welfare\s+0\.\d{3}\s", out, re.M)
    out = run_at(200, "scenarios", SHIPPED, "--decision", "foreign-detainees")
    assert re.search(r"^option\s+baseline\s+is-prison-offensive\s+nes-withdrawal-offensive\s+max regret$", out, re.M)


def test_narrow_terminal_cuts_ids_with_an_ellipsis_and_lists_them():
    for command in ("sensitivity", "scenarios"):
        out = run_at(80, command, SHIPPED, "--decision", "foreign-detainees")
        assert all(len(line) <= 80 for line in out.splitlines()), command
        legend = " ".join(out[out.index("cut to fit 80 columns: "):].split())
        cut = dict(pair.split(" = ") for pair in legend.split(": ", 1)[1].split("; ") if " = " in pair)
        cut = {short: full.split()[0] for short, full in cut.items()}
        assert "protect-judicial-and-prison-staff" in cut.values(), command
        for short, full in cut.items():
            assert short.endswith("…") and full.startswith(short[:-1]) and short in out
        # no id in a table is cut without its ellipsis
        ids = {"protect-judicial-and-prison-staff", "nes-withdrawal-offensive", "is-prison-offensive",
               "hostages-children-welfare", "sustain-custodian-support", "trial-where-crimes-committed"}
        for word in " ".join(_table_lines(out)).split():
            if word not in ids and not word.endswith("…"):
                assert not any(i.startswith(word) and len(word) > 8 for i in ids), (command, word)


def test_a_threshold_near_zero_is_not_rounded_to_zero():
    from rubric.writers.terminal import weight_text

    assert weight_text(0.00043605) == "0.0004" and weight_text(0.0) == "0.000"
    assert weight_text(0.99996) == "0.99996" and weight_text(1.0) == "1.000" and weight_text(0.1297) == "0.130"
    out = run_at(120, "sensitivity", SHIPPED, "--decision", "turkey-returnees")
    # interior-security's top option holds from a rights-rule-of-law weight of 0.00044 (JSON: top_interval)
    assert re.search(r"^criterion\s+rights-rule-of-law\s+0\.017\s+0\.0004-1\.000\s+0\.017\s+policing-short-detention",
                     out, re.M)
    document = json.loads(run_at(120, "sensitivity", SHIPPED, "--decision", "turkey-returnees", "--format", "json"))
    [rights] = [a for a in document["analyses"] if a["name"] == "rights-rule-of-law"]
    assert 0.0004 <= rights["top_interval"][0] < 0.00045


def test_scenarios_with_none_applying_claim_no_regret():
    out = run_at(100, "scenarios", SHIPPED, "--decision", "turkey-returnees")
    assert "no scenario applies here, so there is no regret or robustness to report; the baseline ranking" in out
    for claim in ("regret", "robust", "fragile"):
        assert claim not in out.replace("no regret or robustness to report", "")
    assert re.search(r"^\s+1\s+prosecution-risk-assessment\s+71\.52$", out, re.M)
    document = json.loads(run_at(100, "scenarios", SHIPPED, "--decision", "turkey-returnees", "--format", "json"))
    assert document["scenarios"] == [] and "regret" not in document and "robust" not in document
    assert document["ranks"]["baseline"]["prosecution-risk-assessment"] == 1
    header = run_at(100, "scenarios", SHIPPED, "--decision", "turkey-returnees", "--format", "csv").splitlines()[0]
    assert header == "option,score:baseline,rank:baseline"
    # with scenarios, regret is still there
    out = run_at(100, "scenarios", SHIPPED, "--decision", "foreign-detainees")
    assert "minimax regret: repatriate-children-first" in out


def test_compare_marks_the_default_profile_and_says_its_order_and_tau():
    out = run_at(100, "compare", SHIPPED)
    assert "P3*=interior-security" in out and re.search(r"^option\s+P1\s+P2\s+P3\*\s+P4\s+P5\s+best\s+worst$", out, re.M)
    prose = " ".join(out.split())
    assert "* the default profile (interior-security); options in order of their mean rank over the profiles" in prose
    assert ("agreement of the other methods with wsm (profile interior-security), Kendall's tau between their "
            "rankings (1 the same order, -1 reversed): wpm 0.87, topsis 0.73") in prose
    methods = out[out.index("ranks by method, profile interior-security (same option order as above)"):]
    assert re.search(r"^option\s+wsm\s+wpm\s+topsis\s+promethee\s+vikor$", methods, re.M)
    assert re.search(r"^prosecution-risk-assessment\s+1\s+1\s+3\s+1\s+1$", methods, re.M)
    assert re.search(r"^policing-short-detention\s+2\s+2\s+1\s+5\s+3$", methods, re.M)
    first = re.search(r"^(\S+)\s+1\s+3\s+1\s+2\s+1\s+1\s+3$", out, re.M)
    assert first and first.group(1) == "prosecution-risk-assessment"   # mean rank 1.6, the lowest


def test_smaa_by_default_draws_what_the_workbook_draws(shipped, tmp_path):
    import openpyxl

    from rubric.compute import DEFAULT_SEED
    from rubric.compute.report import DEFAULT_SEED as REPORT_SEED

    assert DEFAULT_SEED == REPORT_SEED == 20261121
    assert "default 20261121, the workbook's" in " ".join(run_at(100, "smaa", "--help").split())
    document = json.loads(run_at(100, "smaa", shipped, "--samples", "3000", "--format", "json"))
    assert document["seed"] == DEFAULT_SEED
    path = tmp_path / "t.xlsx"
    code, _, err = run_cli("report", shipped, "--decision", "turkey-returnees", "--samples", "3000", "-o", path)
    assert code == 0, err
    sheet = openpyxl.load_workbook(path, read_only=True)["SMAA"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(k for k, row in enumerate(rows) if row[:2] == ("option", "rank 1")) + 1
    shares = {row[0]: row[1] for row in rows[start:start + 10]}
    assert set(shares) == set(TURKEY)
    assert shares == {o: document["acceptability"][o][0] for o in TURKEY}
    assert shares["prosecution-risk-assessment"] > 0.5
    other = json.loads(run_at(100, "smaa", shipped, "--samples", "3000", "--seed", "7", "--format", "json"))
    assert other["seed"] == 7 and other["acceptability"] != document["acceptability"]


@pytest.mark.slow
def test_import_weights_rank_changes_are_the_recalculated_results_sheet(shipped, tmp_path):
    """The ranks import-weights prints after an edit are those the workbook's Results sheet computes
    (recalculated in LibreOffice) for the edited profile, and before it, those of the unedited one."""
    from libreoffice import recalculated, require_soffice
    from test_review_roundtrip import block

    require_soffice()
    report = tmp_path / "detainees.xlsx"
    code, _, err = run_cli("report", shipped, "--decision", "foreign-detainees", "--samples", "200", "-o", report)
    assert code == 0, err
    edited = tmp_path / "edited.xlsx"
    set_weight(report, "france-eu", "domestic-legitimacy", 200, edited)
    code, out, err = run_cli("import-weights", shipped, edited, "--dry-run")
    assert code == 0, err
    printed = {o: (int(b), int(a)) for b, a, o in re.findall(r"^  rank\s+(\d+) ->\s+(\d+)  (\S+)", out, re.M)}
    from rubric import load_study
    from rubric.compute.scope import scope

    profiles = [p.id for p in scope(load_study(shipped), "foreign-detainees").study.profiles]
    k = profiles.index("france-eu")
    for path, which in ((report, 0), (edited, 1)):
        book = recalculated(path, tmp_path / f"lo-{which}")
        options = [row[0].value for row in block(book, "Results_options")]
        ranks = {o: int(row[k].value) for o, row in zip(options, block(book, "Results_ranks"))}
        assert ranks == {o: r[which] for o, r in printed.items()}
    assert printed["repatriate-children-first"][0] == 1 and len(printed) == 6
    assert printed["protect-judicial-and-prison-staff"] == (2, 1)  # the edit moved options
