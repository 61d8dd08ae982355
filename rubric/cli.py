"""Command line: parse, call, print. Heavy modules are imported inside the commands."""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
FORMATS = ("table", "json", "csv")


def _study_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", nargs="?", default="policies", metavar="STUDY",
                        help="study folder (default: policies)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rubric", description="Appraise policy options with a scoring rubric.")
    parser.add_argument("--version", action="version", version=f"rubric {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("validate", help="check every record of a study and print a summary")
    _study_arg(p)

    p = commands.add_parser("check-sources", help="check every evidence quote verbatim against its source text")
    _study_arg(p)
    p.add_argument("--corpus", required=True, metavar="DIR", help="folder holding the sources' text files")

    p = commands.add_parser("init", help="create a new minimal study, or a copy of the shipped example")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--example", action="store_true", help="copy the shipped study instead")

    def evaluation_options(p, profile=True):
        _study_arg(p)
        if profile:
            p.add_argument("--profile", metavar="ID", help="stakeholder profile (default: the study's)")
        p.add_argument("--session", metavar="ID", help="scoring session (default: the study's)")
        p.add_argument("--analyst", metavar="ID", help="use one analyst's scores instead of the consensus")
        p.add_argument("--format", choices=FORMATS, default="table")

    p = commands.add_parser("rank", help="rank the options for one profile and method")
    evaluation_options(p)
    p.add_argument("--method", choices=("wsm", "wpm", "topsis", "promethee"))

    p = commands.add_parser("compare", help="rankings under every profile side by side")
    evaluation_options(p, profile=False)
    p.add_argument("--method", choices=("wsm", "wpm", "topsis", "promethee"))
    p.add_argument("--top", type=int, default=3, metavar="K", help="top-k used for robust options (default 3)")

    p = commands.add_parser("sensitivity", help="exact one-way weight thresholds (weighted sum)")
    evaluation_options(p)

    p = commands.add_parser("smaa", help="SMAA-2 rank acceptability by Monte Carlo")
    _study_arg(p)
    who = p.add_mutually_exclusive_group()
    who.add_argument("--profile", metavar="ID", help="weights drawn around this profile (default: the study's)")
    who.add_argument("--uniform", action="store_true", help="weights uniform on the simplex")
    p.add_argument("--concentration", type=float, default=None, metavar="K",
                   help="Dirichlet concentration around the profile (default 100)")
    p.add_argument("--samples", type=int, default=10000, metavar="N")
    p.add_argument("--seed", type=int, default=None, metavar="S")
    p.add_argument("--scores", choices=("consensus", "analysts"), default="consensus")
    p.add_argument("--session", metavar="ID")
    p.add_argument("--format", choices=FORMATS, default="table")

    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rubric")
    except PackageNotFoundError:  # running from a checkout without installing
        return "0+unknown"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .errors import RubricError

    try:
        return COMMANDS[args.command](args, parser)
    except RubricError as error:
        from .errors import UsageError

        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_USAGE if isinstance(error, UsageError) else EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("rubric: interrupted", file=sys.stderr)
        return 130


def cmd_validate(args, parser) -> int:
    from .records.load import load_study
    from .writers.terminal import study_summary

    study = load_study(args.study)
    print(study_summary(study))
    return EXIT_OK


def cmd_check_sources(args, parser) -> int:
    from .records.evidence import missing_quotes
    from .records.load import load_study

    study = load_study(args.study)
    problems, checked = missing_quotes(study, args.corpus)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} of {checked} quotes not found", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"all {checked} quotes of {len(study.options)} options found verbatim in {args.corpus}")
    return EXIT_OK


def cmd_init(args, parser) -> int:
    from .records.scaffold import init_study

    target = init_study(args.dir, example=args.example)
    kind = "copy of the shipped example study" if args.example else "minimal study"
    print(f"wrote a {kind} to {target}; check it with: rubric validate {target}")
    return EXIT_OK


def _emit(fmt: str, document, table: str, csv_table) -> None:
    from .writers.documents import to_csv, to_json

    if fmt == "json":
        sys.stdout.write(to_json(document))
    elif fmt == "csv":
        sys.stdout.write(to_csv(*csv_table))
    else:
        print(table)


def cmd_rank(args, parser) -> int:
    from .compute.evaluate import evaluate
    from .records.load import load_study
    from .writers import documents, terminal

    study = load_study(args.study)
    result = evaluate(study, args.profile, args.method, args.session, args.analyst)
    for warning in result.weights.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _emit(args.format, documents.rank_document(result) if args.format == "json" else None,
          terminal.rank_table(result, study) if args.format == "table" else "",
          documents.rank_rows(result) if args.format == "csv" else None)
    return EXIT_OK


def cmd_compare(args, parser) -> int:
    from .compute.compare import compare
    from .records.load import load_study
    from .writers import documents, terminal

    if args.top < 1:
        parser.error("--top must be at least 1")
    study = load_study(args.study)
    result = compare(study, args.method, args.session, args.top)
    _emit(args.format, documents.compare_document(result) if args.format == "json" else None,
          terminal.compare_table(result, study) if args.format == "table" else "",
          documents.compare_rows(result) if args.format == "csv" else None)
    return EXIT_OK


def cmd_sensitivity(args, parser) -> int:
    from .compute.evaluate import run_sensitivity
    from .records.load import load_study
    from .writers import documents, terminal

    study = load_study(args.study)
    evaluation, result = run_sensitivity(study, args.profile, args.session, args.analyst)
    _emit(args.format, documents.sensitivity_document(evaluation, result) if args.format == "json" else None,
          terminal.sensitivity_table(evaluation, result, study) if args.format == "table" else "",
          documents.sensitivity_rows(result) if args.format == "csv" else None)
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
    from .records.load import load_study
    from .writers import documents, terminal

    if args.samples < 1:
        parser.error("--samples must be at least 1")
    if args.uniform and args.concentration is not None:
        parser.error("--concentration applies to weights around a profile, not --uniform")
    study = load_study(args.study)
    analysis, result = run_smaa(study, args.profile, args.uniform, args.samples, args.seed, args.scores,
                                args.session, args.concentration, _progress_bar("smaa"))
    session_id = analysis.session.id
    _emit(args.format, documents.smaa_document(study.id, session_id, result) if args.format == "json" else None,
          terminal.smaa_table(study, session_id, result) if args.format == "table" else "",
          documents.smaa_rows(result) if args.format == "csv" else None)
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "check-sources": cmd_check_sources, "init": cmd_init,
            "rank": cmd_rank, "compare": cmd_compare, "sensitivity": cmd_sensitivity, "smaa": cmd_smaa}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
