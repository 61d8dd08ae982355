"""Direct points: each item's points over the block's total."""

from __future__ import annotations

from .common import Derived, all_zero, normalise

NAME = "direct"


def validate(block, pointer: str) -> list[tuple[str, str]]:
    return all_zero(block, pointer)


def derive(profile, block) -> Derived:
    return Derived(normalise([item.points for item in block.items]))


def describe(profile) -> str:
    return NAME
