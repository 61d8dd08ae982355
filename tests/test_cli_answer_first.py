"""Command-line details a reviewer meets first: help and examples, closed pipes, report --session,
diff's notes, all-abstained cells and AHP consistency in the JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT, SHIPPED, run_cli


def test_every_option_has_help_and_every_command_an_example():
    from rubric.cli import EXAMPLES, build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(commands.choices) == set(EXAMPLES)
    for name, sub in commands.choices.items():
        missing = [a.dest for a in sub._actions if a.help is None and a.dest != "help"]
        assert not missing, f"{name}: no help for {missing}"
        code, out, _ = run_cli(name, "--help")
        assert code == 0 and f"example:\n  {EXAMPLES[name]}" in out


def test_a_closed_pipe_ends_quietly():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(f"{sys.executable} -m rubric compare {SHIPPED} --format csv | head -c 10",
                          shell=True, capture_output=True, text=True, env=env, timeout=120)
    assert len(proc.stdout) == 10
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_report_takes_a_session(mini, tmp_path):
    out = tmp_path / "r.xlsx"
    code, text, err = run_cli("report", mini, "--session", "round-1", "--samples", "200", "-o", out)
    assert code == 0, err and out.is_file()
    code, _, err = run_cli("report", mini, "--session", "round-9", "--samples", "200", "-o", tmp_path / "x.xlsx")
    assert code == 2 and "unknown session 'round-9' (sessions: round-1)" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_diff_notes_what_it_leaves_out_and_different_analysts(shipped):
    path = shipped / "sessions" / "illustrative-2026.yaml"
    data = yaml.safe_load(path.read_text())
    first = data["participants"][0]["id"]
    data["id"] = "round-2"
    data["participants"] = data["participants"][1:]
    data["scores"] = [s for s in data["scores"] if s["analyst"] != first]
    data["dissent"] = [d for d in data.get("dissent", []) if d["analyst"] != first]
    data["verdicts"] = [v for v in data.get("verdicts", []) if v["analyst"] != first]
    if not data["dissent"]:
        data.pop("dissent")
    changed = 0
    for score in data["scores"]:
        if "level" in score and score["level"] > 1 and changed < 120:
            score["level"] -= 1
            changed += 1
    (shipped / "sessions" / "round-2.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, err = run_cli("diff", shipped, "illustrative-2026", "round-2")
    assert code == 0, err
    differ = int(next(line for line in out.splitlines() if "value(s) differ" in line).split()[0])
    assert differ > 40
    assert f"... and {differ - 40} more (all of them: --format json or csv)" in out
    assert "note: the sessions' analysts differ: illustrative-2026 has 3" in out and "round-2 has 2" in out
    document = json.loads(run_cli("diff", shipped, "illustrative-2026", "round-2", "--format", "json")[1])
    assert len(document["values"]) == differ and document["notes"]


def test_validate_reports_a_cell_every_analyst_abstained_on(mini):
    path = mini / "sessions" / "round-1.yaml"
    data = yaml.safe_load(path.read_text())
    indices = [i for i, s in enumerate(data["scores"]) if (s["option"], s["criterion"]) == ("beta", "risk")]
    for i in indices:
        data["scores"][i].pop("level")
        data["scores"][i]["abstain"] = "No basis."
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = run_cli("validate", mini)
    assert code == 1
    assert f"/scores/{indices[0]}: every analyst abstained on beta / risk" in err


def test_rank_json_carries_the_ahp_consistency_ratio(mini):
    from rubric.compute.weights import profile_weights
    from rubric.records.load import load_study

    document = json.loads(run_cli("rank", mini, "--profile", "tree-ahp", "--format", "json")[1])
    weights = profile_weights(load_study(mini), "tree-ahp")
    expected = [(b.node, b.ahp.consistency_ratio) for b in weights.blocks if b.ahp]
    assert expected and [(c["node"], c["consistency_ratio"]) for c in document["consistency"]] == \
        [(node, pytest.approx(cr, abs=1e-15)) for node, cr in expected]
    direct = json.loads(run_cli("rank", mini, "--profile", "flat-direct", "--format", "json")[1])
    assert direct["consistency"] == []


def test_smaa_sheet_colours_ranks_1_to_3_and_explains_concentration(tmp_path):
    """The SMAA chart shows ranks 1, 2, 3 in distinct colours and the rest in grey, labelled in %;
    the concentration is explained by the 90% interval of the heaviest weight; confidence factors
    are explained away when the values are fixed."""
    import zipfile

    import numpy as np
    import openpyxl

    from rubric.compute.report import build_report
    from rubric.compute.smaa import weight_intervals
    from rubric.records.load import load_study
    from rubric.workbooks import comparison as layout
    from rubric.writers.xlsx import SMAA_RANK_COLOURS, SMAA_REST_COLOUR, write_workbook

    report = build_report(load_study(SHIPPED), samples=2000, seed=3)
    out = write_workbook(report, tmp_path / "r.xlsx")
    rows = list(openpyxl.load_workbook(out, read_only=True)[layout.SMAA_SHEET].iter_rows(values_only=True))
    settings = {row[0]: row[1] for row in rows if row and isinstance(row[0], str) and row[1] is not None}
    weights = np.asarray(report.evaluation(report.default_profile).weights.leaf)
    low, high = weight_intervals(weights, 100.0)[int(np.argmax(weights))]
    assert f"falls between {low:.3f} and {high:.3f} in 90% of draws" in settings["what the concentration means"]
    assert settings["confidence factors"].startswith("with the consensus values fixed")
    grouped = report.smaa.grouped(3)
    start = next(i for i, row in enumerate(rows) if row and row[0] == "option" and row[-1] == "rank 4 or lower"
                 or row and row[:5] == ("option", "rank 1", "rank 2", "rank 3", "rank 4 or lower"))
    block = {row[0]: row[1:5] for row in rows[start + 1:start + 1 + len(report.options)]}
    for i, option in enumerate(report.smaa.options):
        assert block[option] == pytest.approx(tuple(grouped[i]), abs=1e-12)
    shares = [block[o][0] for o in block]
    assert shares == sorted(shares, reverse=True)          # options by their share at rank 1
    with zipfile.ZipFile(out) as archive:
        chart = next(archive.read(n).decode() for n in archive.namelist()
                     if n.startswith("xl/charts/") and "rank 1, 2, 3 and lower" in archive.read(n).decode())
    for colour in (*SMAA_RANK_COLOURS, SMAA_REST_COLOUR):
        assert f'<a:srgbClr val="{colour}"/>' in chart
    assert "<c:dLbls>" in chart and 'formatCode="0%;;;"' in chart


@pytest.mark.slow
def test_every_example_runs_on_the_shipped_study(tmp_path):
    """The example under each command's --help works as printed (from a folder holding a copy of
    the shipped study), except those that need a file the user has made first."""
    import shlex
    import shutil

    from rubric.cli import EXAMPLES

    shutil.copytree(SHIPPED, tmp_path / "policies")
    (tmp_path / "reports").mkdir()
    needs_a_file = {"import-scores", "import-weights", "check-sources"}
    for name, example in EXAMPLES.items():
        if name in needs_a_file:
            continue
        args = shlex.split(example)[1:]
        if name == "smaa":
            args[args.index("20000")] = "2000"   # the same command, fewer draws
        code, out, err = run_cli(*args, cwd=tmp_path)
        assert code == 0, f"{example}: {err}"
        assert out.strip(), example


def test_summary_sheet_gives_the_answer_first(tmp_path):
    """The Summary sheet follows About: the default profile's ranking best first, every profile's
    top 3, and the closest call as the sensitivity analysis finds it."""
    import openpyxl

    from rubric.compute.compare import compare
    from rubric.compute.evaluate import evaluate, run_sensitivity
    from rubric.compute.report import build_report
    from rubric.compute.scope import scope
    from rubric.records.load import load_study
    from rubric.workbooks import comparison as layout
    from rubric.writers.xlsx import write_workbook

    scoped = scope(load_study(SHIPPED), "insurgent-demands")
    study = scoped.study
    out = write_workbook(build_report(study, samples=2000, seed=3, scope=scoped), tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames[:3] == ["About", layout.SUMMARY_SHEET, layout.SCREENING_SHEET]
    rows = list(book[layout.SUMMARY_SHEET].iter_rows(values_only=True))
    ranking = evaluate(study).ranking()
    start = next(i for i, row in enumerate(rows) if row and row[0] == "option")
    listed = [(row[0], row[1], row[3]) for row in rows[start + 1:start + 1 + len(ranking)]]
    assert listed == [(r.option, r.rank, pytest.approx(r.score, abs=1e-12)) for r in ranking]
    # each of the top 3 in cells merged across the ranking's columns (column B, the rank, stays narrow)
    header = next(row for row in rows if row and row[0] == "profile")
    places = [header.index(label) for label in ("1st", "2nd", "3rd")]
    tops = {row[0]: tuple(row[k] for k in places) for row in rows if row and row[0] in {p.id for p in study.profiles}}
    for evaluation in compare(study).evaluations:
        assert tops[evaluation.profile_id] == tuple(r.option for r in evaluation.ranking()[:3])
    _, sensitivity = run_sensitivity(study)
    closest = min((a for a in sensitivity.analyses if a.distance is not None), key=lambda a: (a.distance, a.kind, a.name))
    found = next(row[1] for row in rows if row and row[0] == "Closest call")
    assert found == (f"moving the weight of {closest.kind} {closest.name} from {closest.current:.3f} by "
                     f"{closest.distance:.3f} makes {closest.takes_over} the top option")


def test_help_imports_neither_the_model_nor_numpy_nor_attrs():
    """`rubric --help` lists the methods by name (rubric.terms) without building the model's or the
    method registry's attrs classes or loading numpy (the start-up target in the benchmark runner)."""
    probe = ("import sys, rubric.cli; rubric.cli.build_parser(); "
             "print(*(m in sys.modules for m in ('rubric.model', 'numpy', 'attrs', 'rubric.compute.methods')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.split() == ["False"] * 4, proc.stderr


def test_help_builds_only_the_named_commands_arguments():
    """Start-up: `rubric --help` adds no subcommand's arguments and does not import shutil (argparse
    would, for the terminal width); `rubric rank ...` adds only rank's."""
    from rubric.cli import build_parser

    bare = build_parser(None, every=False)
    subs = next(a for a in bare._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert all([a.dest for a in sub._actions] == ["help"] for sub in subs.values())
    ranked = next(a for a in build_parser("rank", every=False)._actions
                  if a.__class__.__name__ == "_SubParsersAction").choices
    assert "method" in [a.dest for a in ranked["rank"]._actions]
    assert [a.dest for a in ranked["compare"]._actions] == ["help"]
    probe = ("import sys, contextlib, io\nsys.argv = ['rubric', '--help']\nfrom rubric.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out:\n    try:\n        main()\n"
             "    except SystemExit:\n        pass\nprint('shutil' in sys.modules, 'validate' in out.getvalue())")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.split() == ["False", "True"], proc.stderr


def test_the_cli_lists_exactly_the_registry_methods():
    from rubric.compute.methods import AGGREGATION_METHODS
    from rubric.terms import METHOD_NAMES

    assert METHOD_NAMES == tuple(AGGREGATION_METHODS)
