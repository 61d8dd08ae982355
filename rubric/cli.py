"""Command line: parse, call, print. Heavy modules are imported inside the commands."""

from __future__ import annotations

import argparse
import sys

from .compute import DEFAULT_SEED, SCORE_MODELS
from .terms import METHOD_NAMES

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = ("table", "json", "csv")
FORMAT_HELP = "output: a table for people (default), JSON or CSV"
# one example per command, shown under its --help
EXAMPLES = {
    "validate": "rubric validate policies",
    "check-sources": "rubric check-sources policies --corpus ../shared/seeds",
    "init": "rubric init my-study --example",
    "rank": "rubric rank policies --decision foreign-detainees --profile human-rights-ngo --method topsis",
    "compare": "rubric compare policies --decision insurgent-demands --top 3 --format json",
    "sensitivity": "rubric sensitivity policies --decision turkey-returnees --profile justice-ministry",
    "smaa": "rubric smaa policies --decision foreign-detainees --scores ranges --samples 20000 --seed 7",
    "scenarios": "rubric scenarios policies --decision insurgent-demands --method wsm",
    "report": "rubric report policies --decision turkey-returnees --session illustrative-2026 -o reports/review.xlsx",
    "template": "rubric template policies --session illustrative-2026 --analyst analyst-rights --prefill",
    "import-scores": "rubric import-scores policies reports/illustrative-2026-analyst-rights-scores.xlsx --dry-run",
    "import-weights": "rubric import-weights policies reviewed.xlsx --as panel",
    "diff": "rubric diff policies justice-ministry interior-security",
    "value-for-money": "rubric value-for-money policies --decision turkey-returnees --format json",
    "packages": "rubric packages policies --decision turkey-returnees --budget 6 --top 3",
}


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _study_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", nargs="?", default="policies", metavar="STUDY",
                        help="study folder (default: policies)")


def _scope_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--decision", metavar="ID", help="rank this decision's options (default: the study's "
                        "default decision, where the study defines decisions)")
    parser.add_argument("--no-screening", dest="screening", action="store_false",
                        help="rank every option, including those that fail a screening requirement")


def _scoped(study, args, session: str | None = None):
    """The study narrowed to the chosen decision and screened (rubric.compute.scope)."""
    from .compute.scope import scope

    return scope(study, args.decision, args.screening, session)


def _force_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="overwrite an existing output file that is not an .xlsx workbook")


def _evaluation_options(p: argparse.ArgumentParser, profile: bool = True, analyst: bool = True) -> None:
    _study_arg(p)
    _scope_args(p)
    if profile:
        p.add_argument("--profile", metavar="ID", help="stakeholder profile (default: the study's)")
    p.add_argument("--session", metavar="ID", help="scoring session (default: the study's)")
    if profile and analyst:
        p.add_argument("--analyst", metavar="ID", help="use one analyst's scores instead of the consensus")
    p.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)


def _args_validate(p: argparse.ArgumentParser) -> None:
    _study_arg(p)


def _args_check_sources(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    p.add_argument("--corpus", required=True, metavar="DIR", help="folder holding the sources' text files")


def _args_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="folder to create (it must not hold anything yet)")
    p.add_argument("--example", action="store_true", help="copy the shipped study instead")


def _args_rank(p: argparse.ArgumentParser) -> None:
    _evaluation_options(p)
    p.add_argument("--method", choices=METHOD_NAMES, help="aggregation method (default: the study's)")


def _args_compare(p: argparse.ArgumentParser) -> None:
    _evaluation_options(p, profile=False)
    p.add_argument("--method", choices=METHOD_NAMES, help="aggregation method (default: the study's)")
    p.add_argument("--top", type=int, default=3, metavar="K", help="top-k used for robust options (default 3)")


def _args_sensitivity(p: argparse.ArgumentParser) -> None:
    _evaluation_options(p)


def _args_smaa(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    _scope_args(p)
    who = p.add_mutually_exclusive_group()
    who.add_argument("--profile", metavar="ID", help="weights drawn around this profile (default: the study's)")
    who.add_argument("--uniform", action="store_true", help="weights uniform on the simplex")
    p.add_argument("--concentration", type=float, default=None, metavar="K",
                   help="Dirichlet concentration around the profile (default 100)")
    p.add_argument("--samples", type=int, default=10000, metavar="N", help="Monte Carlo samples (default 10000)")
    p.add_argument("--seed", type=_count, default=DEFAULT_SEED, metavar="S",
                   help=f"random seed (default {DEFAULT_SEED}, the workbook's: with the default samples the "
                        "results match its SMAA sheet)")
    p.add_argument("--scores", choices=SCORE_MODELS, default="consensus",
                   help="values: the consensus (fixed), one analyst per cell, or one analyst and a value in "
                        "their range (default consensus)")
    p.add_argument("--session", metavar="ID", help="scoring session (default: the study's)")
    p.add_argument("--scenarios", action="store_true",
                   help="draw a scenario per sample (by the scenarios' probabilities, else uniformly) with the "
                        "weights; acceptabilities overall and per scenario")
    p.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)


def _args_scenarios(p: argparse.ArgumentParser) -> None:
    _evaluation_options(p, analyst=False)
    p.add_argument("--method", choices=METHOD_NAMES, help="aggregation method (default: the study's)")
    p.add_argument("--top", type=int, default=3, metavar="K", help="top-k for robust and fragile options (default 3)")


def _args_report(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    _scope_args(p)
    p.add_argument("-o", "--output", metavar="PATH",
                   help="workbook to write (default: reports/<study-id>-comparison.xlsx)")
    _force_arg(p)
    p.add_argument("--samples", type=int, default=10000, metavar="N", help="SMAA samples (default 10000)")
    p.add_argument("--seed", type=_count, default=None, metavar="S", help=f"SMAA seed (default {DEFAULT_SEED})")
    p.add_argument("--scores", choices=SCORE_MODELS, default="consensus",
                   help="SMAA's score model: consensus, analysts or ranges (default consensus)")
    p.add_argument("--session", metavar="ID", help="scoring session to report (default: the study's)")
    p.add_argument("--budget", type=float, metavar="B",
                   help="add a Packages sheet: the best packages of options within this budget (cost criterion's unit)")


def _args_template(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    p.add_argument("--session", required=True, metavar="ID", help="the session the analyst scores for")
    p.add_argument("--analyst", required=True, metavar="ID", help="the analyst's id (a new id joins the session "
                                                                  "on import)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="workbook to write (default: reports/<session>-<analyst>-scores.xlsx)")
    _force_arg(p)
    p.add_argument("--prefill", action="store_true", help="fill in the analyst's existing scores")
    p.add_argument("--prefill-from", metavar="SESSION",
                   help="start from the analyst's scores in this session (for example today's, when scoring a "
                        "scenario) wherever the session being scored has none of theirs yet")


def _args_import_scores(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    p.add_argument("files", nargs="+", metavar="FILE.xlsx", help="filled-in scoring workbooks")
    p.add_argument("--replace", action="store_true", help="replace an analyst's earlier scores")
    p.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")


def _args_import_weights(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    p.add_argument("workbook", metavar="REVIEWED.xlsx", help="a comparison workbook whose weights a reviewer edited")
    p.add_argument("--as", dest="as_id", metavar="PROFILE_ID", help="id for the profile (one changed column)")
    p.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")


def _args_diff(p: argparse.ArgumentParser) -> None:
    _study_arg(p)
    p.add_argument("a", metavar="A", help="a profile id or a session id")
    p.add_argument("b", metavar="B", help="another of the same kind")
    _scope_args(p)
    p.add_argument("--method", choices=METHOD_NAMES, help="aggregation method (default: the study's)")
    p.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)


def _args_value_for_money(p: argparse.ArgumentParser) -> None:
    _evaluation_options(p, profile=False)
    p.add_argument("--profile", metavar="ID", help="stakeholder profile (default: the study's)")


def _args_packages(p: argparse.ArgumentParser) -> None:
    _evaluation_options(p, profile=False)
    p.add_argument("--profile", metavar="ID", help="stakeholder profile (default: the study's)")
    p.add_argument("--budget", type=float, required=True, metavar="B", help="in the cost criterion's unit")
    p.add_argument("--top", type=int, default=1, metavar="K", help="how many packages (default 1)")


# every command: its one-line help and what adds its arguments
COMMAND_ARGUMENTS = {
    "validate": ("check every record of a study and print a summary", _args_validate),
    "check-sources": ("check every evidence quote verbatim against its source text", _args_check_sources),
    "init": ("create a new minimal study, or a copy of the shipped example", _args_init),
    "rank": ("rank the options for one profile and method", _args_rank),
    "compare": ("rankings under every profile side by side", _args_compare),
    "sensitivity": ("exact one-way weight thresholds (weighted sum)", _args_sensitivity),
    "smaa": ("SMAA-2 rank acceptability by Monte Carlo", _args_smaa),
    "scenarios": ("ranks, regret and robustness across the study's scenarios", _args_scenarios),
    "report": ("write the comparison workbook (.xlsx) of a study", _args_report),
    "template": ("write the scoring workbook one analyst fills in", _args_template),
    "import-scores": ("merge filled-in scoring workbooks into their session", _args_import_scores),
    "import-weights": ("turn weights edited in a comparison workbook into profiles", _args_import_weights),
    "diff": ("compare two profiles or two sessions: weights, scores, ranks", _args_diff),
    "value-for-money": ("benefit against cost, per unit cost, efficient frontier", _args_value_for_money),
    "packages": ("the best sets of compatible options within a budget", _args_packages),
}


def build_parser(command: str | None = None, every: bool = True) -> argparse.ArgumentParser:
    """The parser. With every=False only `command`'s own arguments are added (none for `rubric
    --help`): the others are never needed and building them is most of the start-up time."""
    parser = argparse.ArgumentParser(prog="rubric", description="Appraise policy options with a scoring rubric.",
                                     formatter_class=_HelpFormatter)
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (text, add_arguments) in COMMAND_ARGUMENTS.items():
        sub = commands.add_parser(name, help=text, epilog=f"example:\n  {EXAMPLES[name]}",
                                  formatter_class=_RawHelpFormatter)
        if every or name == command:
            add_arguments(sub)
    return parser


def _command_named(argv: list[str]) -> str | None:
    """The subcommand in argv: the first word that is not an option (rubric's own options take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, its width found without importing shutil (see writers/width.py)."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        from .writers.width import terminal_width

        super().__init__(prog, indent_increment, max_help_position, terminal_width() - 2 if width is None else width)


class _RawHelpFormatter(argparse.RawDescriptionHelpFormatter, _HelpFormatter):
    """Keeps the example's line break in the epilog."""


class _VersionAction(argparse.Action):
    """Looks the version up only when asked: `rubric --help` must not import the heavy modules."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"rubric {_version()}")
        parser.exit()


def _version() -> str:
    from .compute.report import tool_version

    return tool_version()


def main(argv: list[str] | None = None) -> int:
    """The console entry point. Ctrl-C at any moment ends with `rubric: interrupted` and exit 130."""
    try:
        _show_warnings_as_lines()
        words = sys.argv[1:] if argv is None else argv
        parser = build_parser(_command_named(words), every=False)
        args = parser.parse_args(words)
        from .errors import RubricError, UsageError

        try:
            return COMMANDS[args.command](args, parser)
        except BrokenPipeError:
            return _closed_pipe()
        except RubricError as error:
            _quiet_abandoned_writers()
            for problem in error.problems:
                print(problem, file=sys.stderr)
            return EXIT_USAGE if isinstance(error, UsageError) else EXIT_PROBLEMS
    except KeyboardInterrupt:
        return interrupted()


def _closed_pipe() -> int:
    """The reader went away (`rubric smaa | head`): stop quietly. stdout is pointed at /dev/null so
    that flushing it at exit raises nothing; exit 1, as Python does on EPIPE."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    return EXIT_PROBLEMS


def interrupted() -> int:
    """After Ctrl-C (the command's cleanup has run: temp files removed, lock released): say so and
    exit with the shell's code for SIGINT. os._exit, because CPython turns the exit status into a
    death by SIGINT (-2) when the interrupt landed inside an extension module's import, even though
    it was handled here."""
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("rubric: interrupted", file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(EXIT_INTERRUPTED)


def _quiet_abandoned_writers() -> None:
    """A write that failed (a full disk, say) leaves a zip writer (openpyxl, XlsxWriter)
    whose file is already closed and removed; when it is collected, its __del__ tries to finish the
    archive and Python would print `Exception ignored in ZipFile.__del__` after our one clean line.
    Once the command has failed, such cleanup errors are dropped; anything else is shown as usual."""
    import struct

    default = sys.unraisablehook

    def hook(unraisable) -> None:
        if not issubclass(unraisable.exc_type, (OSError, ValueError, struct.error)):
            default(unraisable)

    sys.unraisablehook = hook


def _show_warnings_as_lines() -> None:
    """A library's warning (XlsxWriter, numpy) reaches the user as one `warning:` line, not raw."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        print(f"warning: {text}", file=sys.stderr)

    warnings.showwarning = show


def _recover(path) -> str | None:
    from .atomic import recover_journal

    return recover_journal(path)


def _report_recovery(account: str | None) -> None:
    if account:
        print(account, file=sys.stderr)


def _load(path):
    """Load and validate a study; print the profiles' weighting warnings (AHP consistency) once."""
    from .compute.weights import profile_weights
    from .records.load import load_study

    _report_recovery(_recover(path))
    study = load_study(path)
    for profile in study.profiles:
        for warning in profile_weights(study, profile.id).warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return study


def cmd_validate(args, parser) -> int:
    from .writers.terminal import study_summary

    study = _load(args.study)
    print(study_summary(study))
    return EXIT_OK


def cmd_check_sources(args, parser) -> int:
    from .records.evidence import QUOTE_NOT_FOUND, missing_quotes

    study = _load(args.study)
    problems, checked = missing_quotes(study, args.corpus)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        missing = sum(1 for p in problems if p.code == QUOTE_NOT_FOUND)
        unreadable = len(problems) - missing
        print(f"{missing} of {checked} quotes not found" + (f"; {unreadable} source text(s) unavailable"
                                                              if unreadable else ""), file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"all {checked} quotes found verbatim in {args.corpus} ({_quote_counts(study)})")
    return EXIT_OK


def _quote_counts(study) -> str:
    """Where the quotes checked are: option evidence (what `validate` counts), measures, scenarios,
    requirements; the kinds with none are left out."""
    def quoted(items) -> int:
        return sum(1 for item in items if item.quote)

    counts = [("option evidence", quoted(e for o in study.options for e in o.evidence)),
              ("in measures", quoted(m for o in study.options for m in (o.measures or ()))),
              ("in scenarios", quoted(e for s in study.scenarios for e in s.evidence)),
              ("in requirements", quoted(e for r in study.requirements for e in r.evidence))]
    return ", ".join(f"{n} {kind}" for kind, n in counts if n)


def cmd_init(args, parser) -> int:
    from .records.scaffold import init_study

    target = init_study(args.dir, example=args.example)
    kind = "copy of the shipped example study" if args.example else "minimal study"
    print(f"wrote a {kind} to {target}; check it with: rubric validate {target}")
    return EXIT_OK


def _emit_scoped(fmt: str, scoped, document, table, rows) -> None:
    """_emit for a result of a scoped study: the decision and the screening added to the JSON and
    under the table."""
    from .writers.documents import scope_fields
    from .writers.terminal import scope_lines

    _emit(fmt, lambda: {**document(), **scope_fields(scoped)}, lambda: table() + scope_lines(scoped), rows)


def _emit(fmt: str, document, table, rows) -> None:
    """Print a result in the chosen format; each argument builds one format, and only the chosen
    one is built."""
    from .writers.documents import to_csv, to_json

    if fmt == "json":
        sys.stdout.write(to_json(document()))
    elif fmt == "csv":
        sys.stdout.write(to_csv(*rows()))
    else:
        print(table())


def cmd_rank(args, parser) -> int:
    from .compute.evaluate import evaluate
    from .writers import documents, terminal

    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    result = evaluate(study, args.profile, args.method, args.session, args.analyst)
    _emit_scoped(args.format, scoped, lambda: documents.rank_document(result),
                 lambda: terminal.rank_table(result, study),
                 lambda: documents.rank_rows(result))
    return EXIT_OK


def cmd_compare(args, parser) -> int:
    from .compute.compare import compare
    from .writers import documents, terminal

    if args.top < 1:
        parser.error("--top must be at least 1")
    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    result = compare(study, args.method, args.session, args.top)
    _emit_scoped(args.format, scoped, lambda: documents.compare_document(result),
                 lambda: terminal.compare_table(result, study),
                 lambda: documents.compare_rows(result))
    return EXIT_OK


def cmd_sensitivity(args, parser) -> int:
    from .compute.evaluate import run_sensitivity
    from .writers import documents, terminal

    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    evaluation, result = run_sensitivity(study, args.profile, args.session, args.analyst)
    _emit_scoped(args.format, scoped, lambda: documents.sensitivity_document(evaluation, result),
                 lambda: terminal.sensitivity_table(evaluation, result, study),
                 lambda: documents.sensitivity_rows(result))
    return EXIT_OK


def _progress_bar(label: str):
    """A progress callback drawing on stderr when it is a terminal; None otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = int(30 * done / total)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_smaa(args, parser) -> int:
    from .compute.evaluate import run_smaa
    from .writers import documents, terminal

    import math

    from .compute.smaa import MAX_SAMPLES

    if not 1 <= args.samples <= MAX_SAMPLES:
        parser.error(f"--samples must be between 1 and {MAX_SAMPLES:,}")
    if args.concentration is not None and not (math.isfinite(args.concentration) and args.concentration > 0):
        parser.error("--concentration must be a positive finite number")
    if args.uniform and args.concentration is not None:
        parser.error("--concentration applies to weights around a profile, not --uniform")
    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    analysis, result = run_smaa(study, args.profile, args.uniform, args.samples, args.seed, args.scores,
                                args.session, args.concentration, _progress_bar("smaa"), scenarios=args.scenarios)
    session_id = analysis.session.id
    _emit_scoped(args.format, scoped, lambda: documents.smaa_document(study.id, session_id, result),
                 lambda: terminal.smaa_table(study, session_id, result),
                 lambda: documents.smaa_rows(result))
    return EXIT_OK


def cmd_scenarios(args, parser) -> int:
    from .compute.scenarios import analyse_scenarios
    from .writers import documents, terminal

    if args.top < 1:
        parser.error("--top must be at least 1")
    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    result = analyse_scenarios(study, args.profile, args.method, args.session, args.top)
    _emit_scoped(args.format, scoped, lambda: documents.scenarios_document(result),
                 lambda: terminal.scenarios_table(result, study),
                 lambda: documents.scenarios_rows(result))
    return EXIT_OK


def _output_path(given: str | None, default_name: str, study, force: bool) -> str:
    """Where a writer may write: `-o`, checked (see rubric.atomic.check_output_path), or the default."""
    from .atomic import check_output_path

    return check_output_path(given if given is not None else f"reports/{default_name}", default_name,
                             study.root, force)


def cmd_report(args, parser) -> int:
    import math

    from .compute.report import build_report
    from .writers.xlsx import write_workbook

    from .compute.smaa import MAX_SAMPLES

    if not 1 <= args.samples <= MAX_SAMPLES:
        parser.error(f"--samples must be between 1 and {MAX_SAMPLES:,}")
    if args.budget is not None and not (math.isfinite(args.budget) and args.budget >= 0):
        parser.error("--budget must be a number, 0 or more")
    loaded = _load(args.study)
    if loaded.decisions and args.decision is None:
        return _report_every_decision(args, loaded)
    scoped = _scoped(loaded, args, args.session)
    study = scoped.study
    name = f"{study.id}-{scoped.decision.id}" if scoped.decision else study.id
    path = _output_path(args.output, f"{name}-comparison.xlsx", loaded, args.force)
    report = build_report(study, session=args.session, samples=args.samples, seed=args.seed, scores=args.scores,
                          progress=_progress_bar("smaa"), budget=args.budget, scope=scoped)
    print(write_workbook(report, path))
    return EXIT_OK


def _report_every_decision(args, loaded) -> int:
    """One workbook per decision, written all or nothing: each is built into a temporary folder,
    then every file lands through the study's journal."""
    import os
    import tempfile

    from .atomic import study_lock, write_files_atomically
    from .compute.report import build_report
    from .compute.scope import scope
    from .errors import Problem, UsageError
    from .writers.xlsx import write_workbook

    if args.output is not None:
        raise UsageError(Problem(loaded.root, "-o names one workbook, and the study has "
                                 f"{len(loaded.decisions)} decisions: give --decision, or leave out -o to write "
                                 "one workbook per decision into reports/"))
    targets = [(d, _output_path(None, f"{loaded.id}-{d.id}-comparison.xlsx", loaded, args.force))
               for d in loaded.decisions]
    contents = {}
    with tempfile.TemporaryDirectory(prefix="rubric-report-") as folder:
        for decision, target in targets:
            scoped = scope(loaded, decision.id, args.screening, args.session)
            report = build_report(scoped.study, session=args.session, samples=args.samples, seed=args.seed,
                                  scores=args.scores, progress=_progress_bar(f"smaa {decision.id}"), budget=args.budget,
                                  scope=scoped)
            staged = write_workbook(report, os.path.join(folder, os.path.basename(target)))
            with open(staged, "rb") as handle:
                contents[target] = handle.read()
    with study_lock(loaded.root):
        write_files_atomically(contents, loaded.root)
    for _, target in targets:
        print(target)
    return EXIT_OK


def cmd_template(args, parser) -> int:
    from .compute.evaluate import pick_session
    from .errors import Problem, UsageError
    from .model import is_valid_id
    from .writers.template import write_template

    study = _load(args.study)
    session = pick_session(study, args.session, scenario_ok=True)
    base = None
    if args.prefill_from is not None:
        base = pick_session(study, args.prefill_from, scenario_ok=True)
        if base.id == session.id:
            raise UsageError(Problem(study.root, "--prefill-from names the session being scored; use --prefill"))
    if not is_valid_id(args.analyst):
        raise UsageError(Problem(study.root, f"--analyst {args.analyst!r} is not a valid id (lowercase letters, "
                                 "digits and dashes); a new id joins the session when its workbook is imported"))
    path = _output_path(args.output, f"{session.id}-{args.analyst}-scores.xlsx", study, args.force)
    print(write_template(study, session, args.analyst, path, args.prefill, base))
    return EXIT_OK


def cmd_import_scores(args, parser) -> int:
    from .errors import RubricError
    from .records.imports import plan_score_import

    _report_recovery(_recover(args.study))  # plan against whole files, not a write cut short
    plan = plan_score_import(args.study, args.files, replace=args.replace)
    if plan.problems:
        raise RubricError(list(plan.problems))
    _print_score_plan(plan)
    if args.dry_run:
        print("dry run: nothing written")
        return EXIT_OK
    return _commit(plan, lambda p: p.sessions, _print_score_plan)


def _commit(plan, content, print_plan) -> int:
    """Write a plan under the lock; if the study moved meanwhile, say so and print what was written."""
    from .records.imports import commit

    written = commit(plan)
    _report_recovery(written.recovered)
    if content(written) != content(plan):
        print("note: the study changed while planning; the import was checked again and is now:")
        print_plan(written)
    for path in written.files:
        print(f"wrote {path}")
    return EXIT_OK


def _print_score_plan(plan) -> None:
    """Changed scores and verdicts one per line; first scores (nothing there before) counted per analyst."""
    for session in plan.sessions:
        first: dict[str, int] = {}
        for change in session.changes:
            if getattr(change, "criterion", None) and change.before is None:
                first[change.analyst] = first.get(change.analyst, 0) + 1
            else:
                print(change.describe())
        for analyst, count in first.items():
            print(f"{analyst}: {count} new score(s)")
        print(f"session {session.session_id}: {len(session.changes)} change(s) for {', '.join(session.analysts)}")


def cmd_import_weights(args, parser) -> int:
    from .errors import RubricError
    from .records.imports import plan_weight_import

    _report_recovery(_recover(args.study))
    plan = plan_weight_import(args.study, args.workbook, args.as_id)
    if plan.problems:
        raise RubricError(list(plan.problems))
    _print_weight_plan(plan)
    if not plan.profiles:
        print("no weights changed: nothing to write")
        return EXIT_OK
    if args.dry_run:
        print("dry run: nothing written")
        return EXIT_OK
    return _commit(plan, lambda p: [profile.text for profile in p.profiles], _print_weight_plan)


def _print_weight_plan(plan) -> None:
    import numpy as np

    from .compute.evaluate import evaluate

    for note in plan.notes:
        print(note)
    if not plan.profiles:
        return
    before, after, session, where = _as_the_workbook_ranked(plan)
    print(f"ranks {where}, as on the workbook's Results sheet")
    for profile in plan.profiles:
        new = evaluate(after, profile.profile_id, session=session)
        action = f"update {profile.profile_id}" if profile.replaces else f"new profile {profile.profile_id}"
        print(f"{action} (column {profile.source_column.column} '{profile.source_column.header}', {profile.says})")
        old = evaluate(before, profile.based_on, session=session) if profile.based_on else None
        for i, criterion in enumerate(new.criteria):
            was = f"{old.weights.leaf[i]:.3f}" if old else "  -  "
            print(f"  weight {criterion:<28} {was} -> {new.weights.leaf[i]:.3f}")
        for i in np.argsort(new.ranks, kind="stable"):
            was = f"{old.ranks[i]:>3}" if old else "  -"
            moved = "" if old is None or old.ranks[i] == new.ranks[i] else f"  ({old.ranks[i] - new.ranks[i]:+d})"
            print(f"  rank {was} -> {new.ranks[i]:>3}  {new.options[i]}{moved}")


def _as_the_workbook_ranked(plan):
    """The study before and after the import, narrowed to the options the workbook ranked (its
    decision's, less those it screened out, as its `_meta` records), the session it used, and a
    phrase saying which: so the rank changes printed match the workbook's Results sheet."""
    from .compute.scope import narrow

    recorded = plan.scope
    decision = next((d for d in plan.study.decisions if recorded and d.id == recorded.decision), None)
    session = recorded.session if recorded and recorded.session in {s.id for s in plan.study.sessions} else None
    if decision is None:
        return plan.study, plan.staged, session, f"among all {len(plan.study.options)} options"
    kept = [o for o in decision.options if o not in set(recorded.screened_out)]
    where = f"within decision {decision.id} ({len(kept)} options" + (
        f"; screened out: {', '.join(recorded.screened_out)})" if recorded.screened_out else ")")
    return narrow(plan.study, kept), narrow(plan.staged, kept), session, where


def cmd_diff(args, parser) -> int:
    from .compute.diff import diff
    from .writers import documents, terminal

    loaded = _load(args.study)
    scoped = _scoped(loaded, args)
    study = scoped.study
    _check_in_scope(loaded, scoped, (args.a, args.b))
    result = diff(study, args.a, args.b, args.method)
    _emit_scoped(args.format, scoped, lambda: documents.diff_document(result),
                 lambda: terminal.diff_table(result, study),
                 lambda: documents.diff_rows(result))
    return EXIT_OK


def _check_in_scope(loaded, scoped, ids) -> None:
    """A profile of the study that the chosen decision does not weigh: say so, not just 'unknown'."""
    from .errors import Problem, UsageError

    relevant = {p.id for p in scoped.study.profiles}
    for given in ids:
        if scoped.decision is not None and given in {p.id for p in loaded.profiles} and given not in relevant:
            raise UsageError(Problem(loaded.root, f"profile {given} is not one of decision {scoped.decision.id}'s "
                                     f"profiles ({', '.join(sorted(relevant))}); name another --decision"))


def cmd_value_for_money(args, parser) -> int:
    from .compute.value_for_money import value_for_money

    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    _emit_result(args.format, "value_for_money", value_for_money(study, args.profile, args.session), study)
    return EXIT_OK


def _emit_result(fmt: str, name: str, result, study) -> None:
    """_emit with the writers named after the result: documents.<name>_document and _rows,
    terminal.<name>_table(result, study)."""
    from .writers import documents, terminal

    _emit(fmt, lambda: getattr(documents, f"{name}_document")(result),
          lambda: getattr(terminal, f"{name}_table")(result, study),
          lambda: getattr(documents, f"{name}_rows")(result))


def cmd_packages(args, parser) -> int:
    import math

    from .compute.packages import option_packages
    from .errors import Problem, UsageError

    if args.top < 1:
        parser.error("--top must be at least 1")
    if not math.isfinite(args.budget):
        parser.error("--budget must be a finite number")
    if args.budget < 0:
        raise UsageError(Problem(args.study, f"--budget {args.budget:g} is negative: a budget is 0 or more"))
    scoped = _scoped(_load(args.study), args, args.session)
    study = scoped.study
    _emit_result(args.format, "packages", option_packages(study, args.budget, args.top, args.profile, args.session),
                 study)
    return EXIT_OK


COMMANDS = {"value-for-money": cmd_value_for_money, "packages": cmd_packages, "scenarios": cmd_scenarios,
            "template": cmd_template, "import-scores": cmd_import_scores, "diff": cmd_diff,
            "import-weights": cmd_import_weights,
            "validate": cmd_validate, "check-sources": cmd_check_sources, "init": cmd_init,
            "rank": cmd_rank, "compare": cmd_compare, "sensitivity": cmd_sensitivity, "smaa": cmd_smaa,
            "report": cmd_report}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
