"""Check that every evidence quote appears verbatim in its source's text."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import Problem, RubricError
from ..model import Study
from .load import unreadable_as_problem
from .yamlio import load_yaml, read_text

# Only typography is forgiven: curly quotes, dashes, non-breaking spaces and runs of whitespace.
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                             "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
                             "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                             "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "})
_SPACE = re.compile(r"\s+")
MAX_CORPUS_FILE = 50 * 1024 * 1024
QUOTE_NOT_FOUND = "quote-not-found"  # Problem.code of a quote missing from its source's text


def normalise_text(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_TYPOGRAPHY)).strip()


def recorded_quotes(option) -> dict[str, set[str]]:
    """An option's recorded quotes (its evidence and documented measures), normalised, by source id:
    what a score may cite by quote."""
    by_source: dict[str, set[str]] = {}
    for item in (*option.evidence, *option.measures):
        if item.quote:
            by_source.setdefault(item.source, set()).add(normalise_text(item.quote))
    return by_source


def missing_quotes(study: Study, corpus: str | os.PathLike) -> tuple[list[Problem], int]:
    """Problems for quotes not found verbatim, and the number of quotes checked."""
    corpus = Path(corpus)
    texts: dict[str, str | Problem] = {}
    with unreadable_as_problem(os.fspath(corpus)):
        if not corpus.is_dir():
            raise RubricError(Problem(os.fspath(corpus), "corpus is not a folder"))
        for index, source in enumerate(study.sources):
            if source.file is None:
                texts[source.id] = Problem("sources.yaml", f"source {source.id!r} names no `file` to check against")
                continue
            path = corpus / source.file
            if not path.is_file():
                texts[source.id] = Problem(os.fspath(path), f"text of source {source.id!r} not found in the corpus")
                continue
            text = normalise_text(read_text(path, os.fspath(path), MAX_CORPUS_FILE))
            texts[source.id] = text if source.part is None else _part(study, source, index, text, os.fspath(path))
    problems: list[Problem] = []
    checked = 0
    # every record that carries quotes: options, scenarios and study.yaml's requirements
    holders = [(f"option {o.id}", Path("options") / f"{o.id}.yaml", "/evidence", o.evidence) for o in study.options]
    holders += [(f"scenario {s.id}", Path("scenarios") / f"{s.id}.yaml", "/evidence", s.evidence)
                for s in study.scenarios]
    holders += [(f"requirement {r.id}", Path("study.yaml"), f"/requirements/{i}/evidence", r.evidence)
                for i, r in enumerate(study.requirements)]
    # documented measures quote their source too (a measure's quote is optional)
    holders += [(f"option {o.id}", Path("options") / f"{o.id}.yaml", "/measures", o.measures)
                for o in study.options if o.measures]
    for holder, relative, pointer, evidence_list in holders:
        document = None
        for index, evidence in enumerate(evidence_list):
            if not evidence.quote:
                continue
            checked += 1
            text = texts[evidence.source]
            if isinstance(text, Problem):
                if text not in problems:
                    problems.append(text)
                continue
            if normalise_text(evidence.quote) in text:
                continue
            if document is None:  # only re-read a file that has a problem, to give its line
                document = load_yaml(Path(study.root) / relative, os.path.join(study.root, relative))
            problems.append(document.problem(
                f"{pointer}/{index}/quote",
                f"quote not found verbatim in {evidence.source} ({holder}, locator "
                f"{evidence.locator!r}): \"{clip_quote(evidence.quote)}\"", code=QUOTE_NOT_FOUND))
    return problems, checked


def _part(study: Study, source, index: int, text: str, path: str) -> str | Problem:
    """The normalised text between the source's start marker and the next end marker after it, or a
    located problem (in sources.yaml) naming the marker that is not found."""
    document = None

    def problem(key: str, message: str) -> Problem:
        nonlocal document
        document = document or load_yaml(Path(study.root) / "sources.yaml", os.path.join(study.root, "sources.yaml"))
        return document.problem(f"/sources/{index}/part/{key}", message)

    start = normalise_text(source.part.start)
    at = text.find(start)
    if at < 0:
        return problem("start", f"start marker of source {source.id!r} not found in {path}: \"{clip_quote(start)}\"")
    if source.part.end is None:
        return text[at:]
    end = normalise_text(source.part.end)
    stop = text.find(end, at + len(start))
    if stop < 0:
        return problem("end", f"end marker of source {source.id!r} not found after its start marker in {path}: "
                              f"\"{clip_quote(end)}\"")
    return text[at:stop]


def clip_quote(text: str, width: int = 60) -> str:
    """A quote shortened for a one-line message."""
    text = normalise_text(text)
    return text if len(text) <= width else text[: width - 3] + "..."
