"""The hand-worked study of the value-for-money and packages tests, written to disk as records.

Criteria: annual-cost (EUR million per year, cost, worst 100, best 0), lives (0-100, benefit) and
speed (0-10, benefit), equal points. Benefit = the mean of the lives and speed values (the cost's
third of the weight is spread back over the two), so each option's benefit is a round number."""

from __future__ import annotations

from pathlib import Path

import yaml

from natural_study import natural, write_study

CRITERIA = [natural("annual-cost", "cost", 100, 0, unit="EUR million per year"),
            natural("lives", "benefit", 0, 100), natural("speed", "benefit", 0, 10)]
# option: (annual cost, lives, speed) -> benefit
ROWS = {"bau": (0, 20, 2),       # 20, the reference (business as usual)
        "opt-a": (30, 60, 6),    # 60
        "opt-b": (20, 50, 5),    # 50
        "opt-c": (10, 40, 4),    # 40, conflicts with opt-b
        "opt-d": (5, 30, 1),     # 20 (gain 0), required by opt-e
        "opt-e": (40, 70, 8),    # 75, requires opt-d
        "opt-f": (1, 10, 0)}     # 5 (gain -15)


def set_option(root: Path, option: str, **fields) -> None:
    path = root / "options" / f"{option}.yaml"
    record = yaml.safe_load(path.read_text())
    record.update(fields)
    path.write_text(yaml.safe_dump(record, sort_keys=False))


def set_study(root: Path, **fields) -> None:
    path = root / "study.yaml"
    record = yaml.safe_load(path.read_text())
    record.update(fields)
    path.write_text(yaml.safe_dump(record, sort_keys=False))


def hand_study(root: Path, links: bool = True) -> Path:
    write_study(root, list(ROWS.values()), CRITERIA, [1, 1, 1], options=list(ROWS))
    set_option(root, "bau", baseline="business-as-usual")
    if links:
        set_option(root, "opt-c", conflicts_with=["opt-b"])
        set_option(root, "opt-e", requires=["opt-d"])
    return root
