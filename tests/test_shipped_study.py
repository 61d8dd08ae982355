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
    assert "17 options in 5 families" in out and "ILLUSTRATIVE DATA" in out


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed corpus ../shared/seeds is not beside the checkout")
def test_every_quote_is_verbatim_in_the_seeds():
    code, out, err = run_cli("check-sources", SHIPPED, "--corpus", SEEDS)
    assert code == 0, err
    assert out.startswith("all 68 quotes of 17 options found verbatim")


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
    assert "1 of 68 quotes not found" in err


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
    assert len(rubric.criteria) >= 10 and len(rubric.groups) >= 4
    assert all(len(c.levels) == 5 for c in rubric.criteria)
    assert {c.direction for c in rubric.criteria} == {"benefit", "cost"}
    for criterion in rubric.criteria:
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
    assert "17 options" in done.stdout
    done = subprocess.run([rubric, "init", "example", "--example"], cwd=work, capture_output=True, text=True,
                          env=clean_env)
    assert done.returncode == 0, done.stderr
    assert (work / "example" / "sessions" / "illustrative-2026.yaml").is_file()
    done = subprocess.run([rubric, "validate", "example"], cwd=work, capture_output=True, text=True, env=clean_env)
    assert done.returncode == 0, done.stderr
    located = subprocess.run([python, "-c", "import rubric.resources as r; print(r.schema_dir())"], cwd=work,
                             capture_output=True, text=True, env=clean_env)
    assert "site-packages" in located.stdout
