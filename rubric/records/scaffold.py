"""`rubric init`: a new minimal valid study, or a copy of the shipped example."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import Problem, RubricError
from ..resources import example_study_dir

MINIMAL = {
    "study.yaml": """\
id: my-study
title: "My appraisal"
question: "Which option should we recommend?"
context: >-
  Describe the decision, who takes it, and what is in scope. Replace every text in this study.
decision_makers: ["The decision maker"]
families:
  - {id: family-a, name: "Family A", description: "A kind of option."}
consensus: median
defaults: {profile: even-weights, method: wsm}
""",
    "sources.yaml": """\
sources:
  - id: source-1
    title: "A source document"
    publisher: "Its publisher"
    authors: ["Its author"]
    date: "2026"
    kind: report
    file: source-1.txt
""",
    "rubric.yaml": """\
id: my-rubric
version: "1.0"
title: "My rubric"
groups:
  - id: effects
    name: Effects
    criteria:
      - id: effectiveness
        name: Effectiveness
        question: "How well does the option achieve the aim?"
        direction: benefit
        levels:
          - {level: 1, label: Poor, descriptor: "Little or no effect."}
          - {level: 2, label: Fair, descriptor: "Some effect."}
          - {level: 3, label: Good, descriptor: "Clear effect on most of the aim."}
  - id: delivery
    name: Delivery
    criteria:
      - id: cost
        name: Cost
        question: "How much does the option cost?"
        direction: cost
        levels:
          - {level: 1, label: Low, descriptor: "Within existing budgets."}
          - {level: 2, label: Medium, descriptor: "Needs new money."}
          - {level: 3, label: High, descriptor: "Needs major new money."}
        value_function: {kind: points, points: {1: 100, 2: 40, 3: 0}}
""",
    "options/option-a.yaml": """\
id: option-a
title: "Option A"
family: family-a
baseline: business-as-usual
summary: "What the option is, in a sentence or two."
mechanism: "How it works."
context: {countries: [], actors: []}
evidence:
  - {source: source-1, locator: "p. 1", quote: "a short verbatim quote"}
""",
    "options/option-b.yaml": """\
id: option-b
title: "Option B"
family: family-a
baseline: none
summary: "What the option is, in a sentence or two."
mechanism: "How it works."
context: {countries: [], actors: []}
evidence:
  - {source: source-1, locator: "p. 2", quote: "another short verbatim quote"}
""",
    "profiles/even-weights.yaml": """\
id: even-weights
name: "Even weights"
represents: "A neutral starting point"
method: direct
blocks:
  - node: leaves
    items:
      - {id: effectiveness, points: 50, rationale: "Replace with why this weight."}
      - {id: cost, points: 50, rationale: "Replace with why this weight."}
""",
}


def init_study(target: str | os.PathLike, example: bool = False) -> Path:
    """Write a new study into `target` (which must not exist or be empty), atomically."""
    shown = os.fspath(target)
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise RubricError(Problem(shown, "already exists and is not empty; nothing written"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise RubricError(Problem(shown, f"cannot create the study here: {exc.strerror or exc}")) from None
    try:
        if example:
            shutil.copytree(example_study_dir(), staging, dirs_exist_ok=True)
        else:
            for name, text in MINIMAL.items():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / name).write_text(text, encoding="utf-8")
        mask = os.umask(0)
        os.umask(mask)
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o777 & ~mask)  # mkdtemp makes 0700; give the study the usual mode
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise RubricError(Problem(shown, f"cannot create the study here: {exc.strerror or exc}")) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Path(shown)
