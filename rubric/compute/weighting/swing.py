"""Swing weighting (von Winterfeldt & Edwards 1986): the best swing gets 100 points, every other
swing its points relative to it; weights are the points over their total."""

from __future__ import annotations

from .common import Derived, all_zero, normalise

NAME = "swing"
TOP_POINTS = 100


def validate(block, pointer: str) -> list[tuple[str, str]]:
    found = all_zero(block, pointer)
    items = sorted(block.items, key=lambda i: i.rank)
    for index, item in enumerate(block.items):
        if item.points > TOP_POINTS:
            found.append((f"{pointer}/items/{index}/points", "swing points are at most 100 (the best swing)"))
    if items and items[0].points != TOP_POINTS:
        found.append((f"{pointer}/items", "the top-ranked swing must get 100 points"))
    for higher, lower in zip(items, items[1:]):
        if lower.points > higher.points and lower.rank > higher.rank:
            at = block.items.index(lower)
            found.append((f"{pointer}/items/{at}/points",
                          f"{lower.id!r} is ranked below {higher.id!r} but has more points"))
    return found


def derive(profile, block) -> Derived:
    return Derived(normalise([item.points for item in block.items]))


def describe(profile) -> str:
    return NAME
