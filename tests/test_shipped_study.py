"""The shipped study in policies/: valid, complete, evidence verbatim, usable from an installed wheel."""

import os
import shutil
import subprocess
import sys
import venv
from collections import Counter

import numpy as np
import pytest

from conftest import ROOT, SEEDS, SHIPPED, run_cli
from rubric import load_study
from rubric.compute.evaluate import analyse_session
from rubric.compute.weights import derive_weights

FAMILIES = {"detention", "reintegration", "repatriation", "exchange", "dialogue"}


@pytest.fixture(scope="module")
def study():
    return load_study(SHIPPED)


def test_validate_passes():
    code, out, err = run_cli("validate", SHIPPED)
    assert code == 0, err
    assert "27 options in 5 families" in out and "ILLUSTRATIVE DATA" in out
    assert "rubric detainee-policy-rubric v2.0: 18 criteria in 4 groups (1 on natural scales)" in out
    assert "3 decisions: turkey-returnees (10 options), foreign-detainees (8 options), insurgent-demands (9" in out


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed corpus ../shared/seeds is not beside the checkout")
def test_every_quote_is_verbatim_in_the_seeds():
    code, out, err = run_cli("check-sources", SHIPPED, "--corpus", SEEDS)
    assert code == 0, err
    assert out == (f"all 133 quotes found verbatim in {SEEDS} (108 option evidence, 2 in measures, 16 in scenarios, "
                   "7 in requirements)\n")


def test_check_sources_reports_an_altered_quote(shipped):
    if not SEEDS.is_dir():
        pytest.skip("the seed corpus ../shared/seeds is not beside the checkout")
    import yaml

    path = shipped / "options" / "prisoner-hostage-exchange.yaml"
    record = yaml.safe_load(path.read_text())
    record["evidence"][0]["quote"] = record["evidence"][0]["quote"].replace(" ", "  X ", 1)
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False))
    code, out, err = run_cli("check-sources", shipped, "--corpus", SEEDS)
    assert code == 1
    assert f"{shipped}/options/prisoner-hostage-exchange.yaml:" in err
    assert "/evidence/0/quote: quote not found verbatim in" in err
    assert "1 of 133 quotes not found" in err


def test_options_cover_the_families_with_baselines(study):
    assert len(study.options) >= 14
    assert {o.family for o in study.options} == FAMILIES
    baselines = Counter(o.baseline for o in study.options)
    assert baselines["business-as-usual"] >= 2 and baselines["do-minimum"] >= 1
    for option in study.options:
        assert len(option.evidence) >= 2, option.id
        assert all(len(e.quote.split()) <= 40 for e in option.evidence)
        assert option.benefits and option.risks and option.preconditions and option.precedents, option.id
    # the two Crisis Group reports in one seed file are two sources
    files = Counter(s.file for s in study.sources)
    assert files["002_3d77ad3519bbbb9f.txt"] == 2


def test_rubric_shape(study):
    rubric = study.rubric
    assert rubric.version == "2.0"
    assert len(rubric.criteria) == 18 and len(rubric.groups) == 4
    # the second edition's additions (issue 18), and the one natural scale, in prisoners
    ids = {c.id for c in rubric.criteria}
    assert {"long-run-threat", "prisoners-released", "precedent-incentives", "hostages-children-welfare",
            "freedoms-conceded", "bargaining-leverage", "reversibility", "time-to-effect"} <= ids
    natural = [c for c in rubric.criteria if c.natural]
    assert [c.id for c in natural] == ["prisoners-released"]
    released = natural[0]
    assert (released.scale.worst, released.scale.best, released.unit) == (5000, 0, "prisoners freed")
    assert released.value_of([0, 200, 5000]).tolist() == [100.0, 60.0, 0.0]
    # escapes are counted once: only control-retained's question mentions escape as its own
    assert "only criterion on which escape" in rubric.criterion("control-retained").question
    assert "Escapes are scored under control-retained only" in rubric.criterion("recidivism").question
    assert "escapes (control-retained)" in rubric.criterion("group-strengthening").question
    level_criteria = [c for c in rubric.criteria if not c.natural]
    assert all(len(c.levels) == 5 for c in level_criteria)
    assert {c.direction for c in rubric.criteria} == {"benefit", "cost"}
    for criterion in level_criteria:
        values = criterion.values()
        best = max(values, key=values.get)
        assert values[best] == 100 and min(values.values()) == 0
        assert best == (max(values) if criterion.direction == "benefit" else min(values))


def test_profiles_differ_and_use_three_methods(study):
    assert len(study.profiles) >= 5
    assert len({p.method for p in study.profiles}) >= 3
    tops = set()
    for profile in study.profiles:
        w = derive_weights(profile, study.rubric)
        assert w.leaf.sum() == pytest.approx(1.0) and (w.leaf >= 0).all()
        tops.add(w.criteria[int(np.argmax(w.leaf))])
        assert all(item.rationale.strip() for block in profile.blocks for item in block.items)
        assert not w.warnings
    assert len(tops) >= 4


def test_illustrative_session_is_complete_and_varied(study):
    session = study.session("illustrative-2026")
    assert session.illustrative
    assert len(session.analysts) == 3
    assert len(session.scores) == 3 * len(study.options) * len(study.rubric.criteria)
    rationales = [s.rationale for s in session.scores]
    assert len(set(rationales)) == len(rationales)
    analysis = analyse_session(study)
    c = analysis.consensus
    assert (c.count >= 1).all()
    # the analysts genuinely differ: some cells are flagged, and agreement is real but imperfect
    assert c.disagreement.sum() >= 10
    assert 0.3 < c.overall_alpha_interval < 0.95


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT], check=True,
                   timeout=600)
    (wheel,) = dist.glob("rubric-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", wheel], check=True, timeout=900)
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copytree(SHIPPED, work / "copy")
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    rubric = env_dir / "bin" / "rubric"
    done = subprocess.run([rubric, "validate", "copy"], cwd=work, capture_output=True, text=True, env=clean_env)
    assert done.returncode == 0, done.stderr
    assert "27 options" in done.stdout and "3 decisions" in done.stdout
    done = subprocess.run([rubric, "init", "example", "--example"], cwd=work, capture_output=True, text=True,
                          env=clean_env)
    assert done.returncode == 0, done.stderr
    assert (work / "example" / "sessions" / "illustrative-2026.yaml").is_file()
    done = subprocess.run([rubric, "validate", "example"], cwd=work, capture_output=True, text=True, env=clean_env)
    assert done.returncode == 0, done.stderr
    located = subprocess.run([python, "-c", "import rubric.resources as r; print(r.schema_dir())"], cwd=work,
                             capture_output=True, text=True, env=clean_env)
    assert "site-packages" in located.stdout


def test_decisions_requirements_and_scenarios_of_the_second_edition(study):
    decisions = {d.id: d for d in study.decisions}
    assert list(decisions) == ["turkey-returnees", "foreign-detainees", "insurgent-demands"]
    assert study.defaults.decision == "turkey-returnees"
    assert {d.id: d.baseline for d in study.decisions} == {
        "turkey-returnees": "policing-short-detention", "foreign-detainees": "hold-in-region",
        "insurgent-demands": "military-pressure"}
    assert {d.id: d.default_profile for d in study.decisions} == {
        "turkey-returnees": "interior-security", "foreign-detainees": "france-eu",
        "insurgent-demands": "mali-transitional-government"}
    # US and France/EU are separate profiles; the merged foreign-partner profile is gone
    profiles = {p.id for p in study.profiles}
    assert {"us-government", "france-eu", "custodians", "mali-transitional-government",
            "victims-and-hostage-families"} <= profiles and "foreign-partner" not in profiles
    assert [r.id for r in study.requirements] == ["ihl-and-human-rights-law", "sanctions-and-designation-law",
                                                  "mali-secular-red-line", "no-transfer-without-reception"]
    assert all(r.evidence for r in study.requirements)
    assert {s.id: tuple(s.decisions) for s in study.scenarios} == {
        "france-drawdown-sahel": ("insurgent-demands",), "is-prison-offensive": ("foreign-detainees",),
        "nes-withdrawal-offensive": ("foreign-detainees",), "releases-rebuild": ("insurgent-demands",)}
    assert all(s.evidence and s.adjustments and all(a.rationale for a in s.adjustments) for s in study.scenarios)


def test_foreign_detainees_screening_under_the_illustrative_session():
    import json

    code, out, err = run_cli("rank", SHIPPED, "--decision", "foreign-detainees", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    screened = {s["option"] for s in data["screening"]["screened_out"]}
    assert screened == {"hold-in-region", "strip-citizenship"}
    assert data["ranking"][0]["option"] == "repatriate-children-first"
