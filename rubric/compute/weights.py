"""Normalised weights derived from a profile's raw inputs. Pure functions over numpy arrays.

Only raw inputs are ever stored; every weight shown anywhere is derived here, once per loaded
study (`profile_weights`). Each block's local weights come from its profile's weighting method
(`compute.weighting`); a leaf's weight is the product of the local weights along its path.
"""

from __future__ import annotations

import attrs
import numpy as np

from ..model import Profile, Rubric, Study, WeightBlock
from .weighting import WEIGHTING_METHODS
from .weighting.ahp import CR_THRESHOLD, RANDOM_INDEX_NAME, AhpResult


@attrs.frozen
class BlockWeights:
    """One block's raw inputs next to the local weights derived from them."""

    node: str
    ids: tuple[str, ...]
    local: np.ndarray = attrs.field(eq=False)
    ahp: AhpResult | None = None


@attrs.frozen
class ProfileWeights:
    profile_id: str
    criteria: tuple[str, ...]  # leaf ids, rubric order
    leaf: np.ndarray = attrs.field(eq=False)  # sums to 1
    blocks: tuple[BlockWeights, ...]
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, float]:
        return {c: float(w) for c, w in zip(self.criteria, self.leaf)}

    def group_weight(self, rubric: Rubric, group_id: str) -> float:
        group = next(g for g in rubric.all_groups() if g.id == group_id)
        members = {c.id for c in group.leaves()}
        return float(sum(w for c, w in zip(self.criteria, self.leaf) if c in members))


def block_weights(profile: Profile, block: WeightBlock) -> BlockWeights:
    derived = WEIGHTING_METHODS[profile.method].derive(profile, block)
    return BlockWeights(block.node, tuple(item.id for item in block.items), derived.local, derived.ahp)


def derive_weights(profile: Profile, rubric: Rubric) -> ProfileWeights:
    """Leaf weights: the product of local weights along each leaf's path (group x local)."""
    blocks = tuple(block_weights(profile, block) for block in profile.blocks)
    local = {b.node: dict(zip(b.ids, b.local)) for b in blocks}
    criteria = tuple(c.id for c in rubric.criteria)
    if "leaves" in local:
        leaf = np.array([local["leaves"][c] for c in criteria])
    else:
        products: dict[str, float] = {}

        def walk(node_id: str, children, carried: float) -> None:
            for child in children:
                w = carried * local[node_id][child.id]
                if hasattr(child, "children"):
                    walk(child.id, child.children, w)
                else:
                    products[child.id] = w

        walk("rubric", rubric.groups, 1.0)
        leaf = np.array([products[c] for c in criteria])
    total = leaf.sum()
    if not total > 0:
        raise ValueError(f"profile {profile.id}: every criterion's weight is zero")
    warnings = tuple(
        f"profile {profile.id}, block {b.node}: AHP consistency ratio {b.ahp.consistency_ratio:.3f} "
        f"exceeds {CR_THRESHOLD:.2f} ({RANDOM_INDEX_NAME})"
        for b in blocks if b.ahp is not None and b.ahp.consistency_ratio > CR_THRESHOLD)
    return ProfileWeights(profile.id, criteria, leaf / total, blocks, warnings)


def profile_weights(study: Study, profile_id: str) -> ProfileWeights:
    """A profile's weights, derived once per loaded study (the loader derives them while checking
    the profiles) and shared by every command, report and import."""
    memo = study.derived_weights
    if profile_id not in memo:
        memo[profile_id] = derive_weights(study.profile(profile_id), study.rubric)
    return memo[profile_id]
