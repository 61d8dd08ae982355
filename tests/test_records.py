"""Each validation rule: break one record of a valid study, assert the exact file:line: pointer."""

import pytest

from conftest import SHIPPED, edit, run_cli
from rubric import RubricError, load_study


def problems(study_dir):
    with pytest.raises(RubricError) as caught:
        load_study(study_dir)
    return [str(p) for p in caught.value.problems]


def test_mini_study_is_valid(mini):
    study = load_study(mini)
    assert [o.id for o in study.options] == ["alpha", "beta", "gamma"]
    assert study.rubric.version == "2.1"
    assert [c.id for c in study.rubric.criteria] == ["impact", "risk", "cost"]
    assert study.session("round-1").illustrative is True
    assert len(study.session("round-1").scores) == 27
    assert study.sources[0].date == "2020-06-29"


def test_value_functions_linear_and_points(mini):
    rubric = load_study(mini).rubric
    assert rubric.criterion("impact").values() == {1: 0.0, 2: 50.0, 3: 100.0}
    assert rubric.criterion("cost").values() == {1: 100.0, 2: 50.0, 3: 0.0}   # cost: decreasing
    assert rubric.criterion("risk").values() == {1: 100.0, 2: 70.0, 3: 0.0}


def test_yaml_syntax_error_names_line(mini):
    line = edit(mini / "options" / "beta.yaml", "family: fam-a", "family: [fam-a")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/options/beta.yaml:")
    assert "YAML syntax error" in message
    assert int(message.split(":")[1]) >= line


def test_duplicate_key(mini):
    line = edit(mini / "options" / "beta.yaml", "baseline: none", "baseline: none\nbaseline: none")
    assert problems(mini) == [f"{mini}/options/beta.yaml:{line + 1}: /: duplicate key 'baseline'"]


def test_schema_violation_has_pointer_and_line(mini):
    line = edit(mini / "options" / "gamma.yaml", "baseline: none", "baseline: sometimes")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/options/gamma.yaml:{line}: /baseline: 'sometimes' is not one of")


def test_every_problem_is_listed_not_just_the_first(mini):
    a = edit(mini / "options" / "alpha.yaml", "baseline: business-as-usual", "baseline: 3")
    b = edit(mini / "sources.yaml", "kind: news", "kind: rumour")
    found = problems(mini)
    assert len(found) == 2
    assert any(m.startswith(f"{mini}/options/alpha.yaml:{a}: /baseline:") for m in found)
    assert any(m.startswith(f"{mini}/sources.yaml:{b}: /sources/1/kind:") for m in found)


def test_long_quote_rejected(mini):
    words = " ".join(["word"] * 41)
    line = edit(mini / "options" / "alpha.yaml", '"the alpha quote from source one"', f'"{words}"')
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/options/alpha.yaml:{line}: /evidence/0/quote:")
    assert "at most 40 words" in message


def test_duplicate_source_id(mini):
    line = edit(mini / "sources.yaml", "id: src-two", "id: src-one")
    assert f"{mini}/sources.yaml:{line}: /sources/1/id: duplicate source id 'src-one'" in problems(mini)


def test_unknown_evidence_source(mini):
    line = edit(mini / "options" / "beta.yaml", "  - source: src-two", "  - source: src-nine")
    assert problems(mini) == [f"{mini}/options/beta.yaml:{line}: /evidence/1/source: unknown source 'src-nine'"]


def test_unknown_family(mini):
    line = edit(mini / "options" / "gamma.yaml", "family: fam-b", "family: fam-z")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/options/gamma.yaml:{line}: /family: unknown family 'fam-z'")


def test_option_id_must_match_file_name(mini):
    line = edit(mini / "options" / "gamma.yaml", "id: gamma", "id: delta")
    assert f"{mini}/options/gamma.yaml:{line}: /id: id 'delta' must match the file name ('gamma')" in problems(mini)


def test_duplicate_level(mini):
    line = edit(mini / "rubric.yaml", "{level: 2, label: Mid, descriptor: \"Some.\"}",
                "{level: 1, label: Mid, descriptor: \"Some.\"}")
    found = problems(mini)
    assert f"{mini}/rubric.yaml:{line}: /groups/0/criteria/0/levels/1/level: duplicate level 1" in found


def test_non_monotone_value_function(mini):
    line = edit(mini / "rubric.yaml", "points: {1: 100, 2: 70, 3: 0}", "points: {1: 100, 2: 0, 3: 20}")
    assert problems(mini) == [
        f"{mini}/rubric.yaml:{line}: /groups/0/criteria/1/value_function/points: value function is not "
        "monotone: for a cost criterion values must fall with the level"]


def test_value_function_must_span_0_to_100(mini):
    line = edit(mini / "rubric.yaml", "points: {1: 100, 2: 70, 3: 0}", "points: {1: 90, 2: 70, 3: 0}")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/rubric.yaml:{line}: /groups/0/criteria/1/value_function/points: "
                              "value function must give 0 to the worst level and 100 to the best")


def test_value_function_must_cover_levels(mini):
    line = edit(mini / "rubric.yaml", "points: {1: 100, 2: 70, 3: 0}", "points: {1: 100, 3: 0}")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/rubric.yaml:{line}: /groups/0/criteria/1/value_function/points:")
    assert "missing levels [2]" in message


def test_duplicate_criterion_id(mini):
    line = edit(mini / "rubric.yaml", "id: cost\n", "id: impact\n")
    assert f"{mini}/rubric.yaml:{line}: /groups/1/criteria/0/id: duplicate rubric id 'impact'" in problems(mini)


def test_profile_unknown_criterion(mini):
    line = edit(mini / "profiles" / "flat-direct.yaml", "{id: cost, points: 20", "{id: costs, points: 20")
    found = problems(mini)
    assert any(m.startswith(f"{mini}/profiles/flat-direct.yaml:{line}: /blocks/0/items/2/id: 'costs' is not a "
                            "child of 'leaves'") for m in found)
    assert any("/blocks/0/items: no weight given for ['cost']" in m for m in found)


def test_negative_weight(mini):
    line = edit(mini / "profiles" / "flat-direct.yaml", "points: 30", "points: -30")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/profiles/flat-direct.yaml:{line}: /blocks/0/items/1/points:")
    assert "minimum" in message or "less than" in message


@pytest.mark.parametrize("bad", [".nan", ".inf"])
def test_non_finite_weight(mini, bad):
    line = edit(mini / "profiles" / "flat-direct.yaml", "points: 30", f"points: {bad}")
    assert f"{mini}/profiles/flat-direct.yaml:{line}: /blocks/0/items/1/points: number must be finite " \
           "(not NaN or infinity)" in problems(mini)


def test_string_weight(mini):
    line = edit(mini / "profiles" / "flat-direct.yaml", "points: 30", 'points: "30"')
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/profiles/flat-direct.yaml:{line}: /blocks/0/items/1/points: '30' is not")


def test_all_zero_weights(mini):
    path = mini / "profiles" / "flat-direct.yaml"
    for old in ("points: 50", "points: 30", "points: 20"):
        edit(path, old, "points: 0")
    text = path.read_text()
    line = text.splitlines().index("    items:") + 1
    assert problems(mini) == [f"{mini}/profiles/flat-direct.yaml:{line}: /blocks/0/items: weights are all zero"]


def test_hierarchical_profile_needs_every_group(mini):
    path = mini / "profiles" / "tree-swing.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  - node: delivery")])
    found = problems(mini)
    assert any(m.startswith(f"{mini}/profiles/tree-swing.yaml:5: /blocks: no block weighs the children of "
                            "'delivery'") for m in found)


def test_swing_top_rank_needs_100(mini):
    line = edit(mini / "profiles" / "tree-swing.yaml", "{id: risk, rank: 1, points: 100",
                "{id: risk, rank: 1, points: 90")
    found = problems(mini)
    assert f"{mini}/profiles/tree-swing.yaml:{line - 2}: /blocks/1/items: the top-ranked swing must get 100 points" \
        in found


def test_ahp_missing_judgement(mini):
    line = edit(mini / "profiles" / "tree-ahp.yaml", "judgements:\n      - {a: impact, b: risk, ratio: 0.5}",
                "judgements: []")
    assert problems(mini) == [f"{mini}/profiles/tree-ahp.yaml:{line}: /blocks/1/judgements: missing pairwise "
                              "judgements: impact/risk"]


def test_strict_ahp_inconsistency_is_an_error(mini):
    path = mini / "profiles" / "tree-ahp.yaml"
    path.write_text("""id: tree-ahp
name: "Tree AHP"
represents: "Tests"
method: ahp
strict: true
blocks:
  - node: leaves
    items:
      - {id: impact, rationale: "x"}
      - {id: risk, rationale: "x"}
      - {id: cost, rationale: "x"}
    judgements:
      - {a: impact, b: risk, ratio: 9}
      - {a: risk, b: cost, ratio: 9}
      - {a: cost, b: impact, ratio: 9}
""")
    (message,) = problems(mini)
    assert message.startswith(f"{mini}/profiles/tree-ahp.yaml:12: /blocks/0/judgements: AHP consistency ratio ")
    assert "exceeds 0.10 and the profile is strict" in message


def test_session_wrong_rubric_version(mini):
    line = edit(mini / "sessions" / "round-1.yaml", 'version: "2.1"', 'version: "2.0"')
    assert problems(mini) == [f"{mini}/sessions/round-1.yaml:{line}: /rubric/version: session is for rubric version "
                              "'2.0', the study's rubric is version '2.1'"]


def test_session_unknown_analyst(mini):
    line = edit(mini / "sessions" / "round-1.yaml", "  - analyst: bob", "  - analyst: bobby")
    found = problems(mini)
    assert f"{mini}/sessions/round-1.yaml:{line}: /scores/9/analyst: unknown analyst 'bobby' (not a participant)" \
        in found
    assert any(m.endswith("/scores: bob has no score or abstention for alpha on impact") for m in found)


def test_session_level_not_in_rubric(mini):
    path = mini / "sessions" / "round-1.yaml"
    line = edit(path, "    level: 3", "    level: 7")
    assert problems(mini) == [f"{mini}/sessions/round-1.yaml:{line}: /scores/0/level: level 7 is not a level of "
                              "'impact' (levels [1, 2, 3])"]


def test_session_missing_cells(mini):
    path = mini / "sessions" / "round-1.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index("  - analyst: cat\n")  # drop cat's first score (alpha/impact)
    path.write_text("".join(lines[:start] + lines[start + 7:]))
    text = path.read_text().splitlines()
    assert problems(mini) == [f"{mini}/sessions/round-1.yaml:{text.index('scores:') + 1}: /scores: cat has no score "
                              "or abstention for alpha on impact"]


def test_session_duplicate_score(mini):
    path = mini / "sessions" / "round-1.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index("scores:\n") + 1
    path.write_text("".join(lines[:start] + lines[start:start + 7] + lines[start:]))
    assert problems(mini) == [f"{mini}/sessions/round-1.yaml:{start + 8}: /scores/1: ann scored alpha on impact "
                              "twice (first at /scores/0)"]


def test_level_and_abstain_together(mini):
    line = edit(mini / "sessions" / "round-1.yaml", "    level: 3", '    level: 3\n    abstain: "why"')
    (message,) = problems(mini)
    assert message == f"{mini}/sessions/round-1.yaml:{line - 3}: /scores/0: give either a level or an abstention " \
                      "reason, not both"


def test_dangling_default_profile(mini):
    line = edit(mini / "study.yaml", "profile: flat-direct", "profile: nobody")
    assert problems(mini) == [f"{mini}/study.yaml:{line}: /defaults/profile: unknown profile 'nobody'"]


def test_aliases_rejected(mini):
    path = mini / "study.yaml"
    path.write_text(path.read_text().replace('decision_makers: ["Test board"]',
                                             'decision_makers: &dm ["Test board"]\nextra: *dm'))
    (message,) = problems(mini)
    assert message == f"{mini}/study.yaml:6: /extra: YAML anchors and aliases are not allowed in records"


def test_not_a_study_folder(tmp_path):
    with pytest.raises(RubricError) as caught:
        load_study(tmp_path)
    assert str(caught.value) == f"{tmp_path}: not a study folder: it has no study.yaml (see `rubric init`)"


def test_cli_validate_exit_codes_and_no_traceback(mini):
    code, out, err = run_cli("validate", mini)
    assert code == 0 and out.strip().endswith("valid")
    line = edit(mini / "options" / "beta.yaml", "  - source: src-two", "  - source: src-nine")
    code, out, err = run_cli("validate", mini)
    assert code == 1
    assert err == f"{mini}/options/beta.yaml:{line}: /evidence/1/source: unknown source 'src-nine'\n"
    assert "Traceback" not in err
    code, out, err = run_cli("validate", mini, "--bogus")
    assert code == 2 and "Traceback" not in err


def test_init_minimal_is_valid_and_refuses_to_overwrite(tmp_path):
    code, out, err = run_cli("init", tmp_path / "new")
    assert code == 0, err
    study = load_study(tmp_path / "new")
    assert [c.id for c in study.rubric.criteria] == ["effectiveness", "cost"]
    before = (tmp_path / "new" / "study.yaml").read_bytes()
    code, out, err = run_cli("init", tmp_path / "new")
    assert code == 1 and "already exists and is not empty; nothing written" in err
    assert (tmp_path / "new" / "study.yaml").read_bytes() == before


RULES = [
    # (file, old text, new text, expected pointer, expected message start)
    ("sessions/round-1.yaml", "    option: alpha\n", "    option: omega\n", "/scores/0/option", "unknown option 'omega'"),
    ("sessions/round-1.yaml", "    criterion: impact\n", "    criterion: impakt\n", "/scores/0/criterion",
     "unknown criterion 'impakt'"),
    ("sessions/round-1.yaml", "    evidence: [src-one]\n", "    evidence: [src-zzz]\n", "/scores/0/evidence/0",
     "unknown source 'src-zzz'"),
    ("sessions/round-1.yaml", "id: bob, name", "id: ann, name", "/participants/1/id", "duplicate analyst id 'ann'"),
    ("sessions/round-1.yaml", 'rubric: {id: mini-rubric', 'rubric: {id: other-rubric', "/rubric/id",
     "session is for rubric 'other-rubric', the study's rubric is 'mini-rubric'"),
    ("sessions/round-1.yaml", "{analyst: cat, option: beta", "{analyst: cat, option: zeta", "/dissent/0/option",
     "unknown option 'zeta'"),
    ("options/alpha.yaml", '{date: "2020-10", event: "Something happened.", source: src-one}',
     '{date: "2020-10", event: "Something happened.", source: src-x}', "/precedents/0/source", "unknown source 'src-x'"),
    ("options/alpha.yaml", 'date: "2020-10"', 'date: "2020-13"', "/precedents/0/date", "'2020-13' does not match"),
    ("profiles/flat-direct.yaml", "  - node: leaves", "  - node: everything", "/blocks/0/node",
     "unknown node 'everything'"),
    ("profiles/tree-swing.yaml", "{id: impact, rank: 2, points: 60", "{id: impact, points: 60",
     "/blocks/1/items/0", "'rank' is a required property"),
    ("profiles/flat-rank.yaml", "{id: cost, rank: 1", "{id: cost, rank: 2", "/blocks/0/items", "ranks must start at 1"),
    ("profiles/tree-ahp.yaml", "{a: impact, b: risk, ratio: 0.5}", "{a: impact, b: impact, ratio: 0.5}",
     "/blocks/1/judgements/0", "an item cannot be compared with itself"),
    ("profiles/tree-ahp.yaml", "{a: impact, b: risk, ratio: 0.5}", "{a: impact, b: risk, ratio: 12}",
     "/blocks/1/judgements/0/ratio", "12 is greater than the maximum of 9"),
    ("rubric.yaml", "- {level: 3, label: High, descriptor: \"Much.\"}", "- {level: 0, label: High, descriptor: \"Much.\"}",
     "/groups/0/criteria/0/levels", "levels must be listed in ascending order"),
    ("rubric.yaml", "direction: benefit", "direction: upward", "/groups/0/criteria/0/direction",
     "'upward' is not one of ['benefit', 'cost']"),
    ("rubric.yaml", "  - id: delivery", "  - id: leaves", "/groups/1/id", "'leaves' is reserved"),
    ("study.yaml", "consensus: median", "consensus: mode", "/consensus", "'mode' is not one of ['median', 'mean']"),
    ("study.yaml", "method: wsm", "method: electre", "/defaults/method", "'electre' is not one of"),
]


@pytest.mark.parametrize("file, old, new, pointer, message", RULES, ids=[r[3] + ":" + r[4][:20] for r in RULES])
def test_validation_rule(mini, file, old, new, pointer, message):
    line = edit(mini / file, old, new)
    found = problems(mini)
    prefix = f"{mini}/{file}:"
    matching = [m for m in found if m.startswith(prefix) and f": {pointer}: {message}" in m]
    assert matching, found
    reported_line = int(matching[0][len(prefix):].split(":")[0])
    assert abs(reported_line - line) <= 3  # the value's line, or its enclosing entry's first line


def test_missing_required_file(mini):
    (mini / "sources.yaml").unlink()
    assert problems(mini) == [f"{mini}/sources.yaml: missing: every study needs this file"]


def test_wrong_encoding(mini):
    (mini / "options" / "beta.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    (message,) = problems(mini)
    assert message == f"{mini}/options/beta.yaml:1: not valid UTF-8 (byte 10)"


def test_tab_indentation(mini):
    line = edit(mini / "options" / "beta.yaml", "  - source: src-two", "\t- source: src-two")
    assert problems(mini) == [f"{mini}/options/beta.yaml:{line}: tab used for indentation; YAML needs spaces"]


def test_swing_points_must_not_rise_as_rank_falls(mini):
    path = mini / "profiles" / "flat-swing.yaml"
    path.write_text("""id: flat-swing
name: "Flat swing"
represents: "Tests"
method: swing
blocks:
  - node: leaves
    items:
      - {id: impact, rank: 1, points: 100, rationale: "x"}
      - {id: risk, rank: 2, points: 40, rationale: "x"}
      - {id: cost, rank: 3, points: 60, rationale: "x"}
""")
    assert problems(mini) == [f"{path}:10: /blocks/0/items/2/points: 'cost' is ranked below 'risk' but has more points"]


@pytest.mark.parametrize("kind", __import__("rubric.records.schema", fromlist=["KINDS"]).KINDS)
def test_every_shipped_schema_is_valid_against_its_metaschema(kind):
    # rubric no longer checks its schemas on every run (issue 19: 75 ms of start-up); this does
    import json

    import jsonschema

    from rubric.resources import schema_dir

    schema = json.loads((schema_dir() / f"{kind}.schema.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_line_map_is_made_only_when_a_line_is_asked_for_and_is_the_eager_map(tmp_path):
    """Parsing builds no pointer -> line map (for a large session it is twice the memory of the data);
    the first line asked for maps the whole document, exactly as the eager parse did."""
    from rubric.records import yamlio

    session = next((SHIPPED / "sessions").glob("*.yaml"))
    text = session.read_text(encoding="utf-8")
    document = yamlio.parse_yaml(text, str(session))
    assert document._lines is None
    eager: dict = {}
    assert yamlio._from_events(text, eager) == document.data
    pointer = "/scores/3/level"
    line = document.line_of(pointer)
    assert line == eager[pointer]
    level_line = text.splitlines()[line - 1]
    assert level_line.strip().startswith("level:") and str(document.data["scores"][3]["level"]) in level_line
    assert document.lines == eager and list(document.lines) == list(eager)
    assert document.problem("/scores/3/level/x", "bad").line == line   # the nearest ancestor's line
    empty = yamlio.parse_yaml("# only a comment\n", "empty.yaml")
    assert empty.data is None and empty.line_of("/x") is None and empty._lines == {}   # mapped once, empty
