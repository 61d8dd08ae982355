"""The benchmark suite's study generator writes studies the loader accepts, deterministically."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks` lives at the top of the checkout, beside `rubric`
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, main
from rubric.compute.weights import derive_weights
from rubric.errors import RubricError
from rubric.records.load import load_study

COUNTS = dict(options=12, criteria=6, groups=3, analysts=3, profiles=4)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_study_loads_with_the_requested_counts(tmp_path):
    study = load_study(generate(tmp_path / "s", seed=3, **COUNTS))
    assert len(study.options) == 12
    assert len(study.rubric.criteria) == 6
    assert len(study.rubric.groups) == 3
    assert len(study.profiles) == 4
    assert len(study.sessions) == 1
    session = study.sessions[0]
    assert len(session.participants) == 3
    # every analyst scores (or abstains on) every option x criterion exactly once
    assert len(session.scores) == 12 * 6 * 3
    assert {(s.analyst, s.option, s.criterion) for s in session.scores} == {
        (a.id, o.id, c.id) for a in session.participants for o in study.options for c in study.rubric.criteria}
    assert all(s.rationale for s in session.scores)
    assert all(len(o.evidence) >= 1 for o in study.options)
    # the four weighting methods, flat and hierarchical
    assert {p.method for p in study.profiles} == {"direct", "swing", "rank", "ahp"}
    shapes = {p.blocks[0].node == "leaves" for p in study.profiles}
    assert shapes == {True, False}
    for profile in study.profiles:
        weights = derive_weights(profile, study.rubric)
        assert weights.leaf.sum() == pytest.approx(1.0)
        assert not weights.warnings  # AHP judgements are consistent


def test_generator_is_deterministic_for_a_seed(tmp_path):
    first = _tree(generate(tmp_path / "a", seed=11, **COUNTS))
    second = _tree(generate(tmp_path / "b", seed=11, **COUNTS))
    other = _tree(generate(tmp_path / "c", seed=12, **COUNTS))
    assert first == second
    assert first.keys() == other.keys() and first != other


def test_generator_command_line(tmp_path, capsys):
    target = tmp_path / "cli"
    args = [str(target), "--options", "5", "--criteria", "4", "--groups", "2", "--analysts", "2",
            "--profiles", "8", "--seed", "5"]
    assert main(args) == 0
    assert "5 options x 4 criteria in 2 groups" in capsys.readouterr().out
    study = load_study(target)
    assert (len(study.options), len(study.rubric.criteria), len(study.profiles)) == (5, 4, 8)
    assert main(args) == 2  # refuses to write over a study


def test_generator_rejects_impossible_sizes(tmp_path):
    with pytest.raises(ValueError, match="groups"):
        generate(tmp_path / "x", options=3, criteria=2, groups=3, analysts=1, profiles=1)


def test_a_broken_generated_study_is_reported(tmp_path):
    root = generate(tmp_path / "s", seed=1, **COUNTS)
    session = root / "sessions" / "round-1.yaml"
    session.write_text(session.read_text().replace("confidence: high", "confidence: certain", 1))
    with pytest.raises(RubricError, match="'certain' is not one of"):
        load_study(root)


def test_generator_packages_settings(tmp_path):
    study = load_study(generate(tmp_path / "s", seed=3, natural=True, conflicts=3, **COUNTS))
    assert study.cost_criterion == study.rubric.criteria[2].id and study.rubric.criteria[2].direction == "cost"
    pairs = [(o.id, other) for o in study.options for other in o.conflicts_with]
    assert len(pairs) == 3 and len({x for pair in pairs for x in pair}) == 6
    assert study.options[0].id not in {x for pair in pairs for x in pair}
    with pytest.raises(ValueError, match="--conflicts"):
        generate(tmp_path / "t", seed=3, conflicts=6, **COUNTS)
