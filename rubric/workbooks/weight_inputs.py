"""What the Weights sheet shows as a profile's inputs, and the profile its typed values make.

One place for the mapping both ways (the writer shows it, `import-weights` reads it back):

- Points methods (direct, swing) show the points as recorded, on the profile's own scale.
- Derived methods (rank, AHP) show the local percentages their method derives: a reviewer who edits
  them gets a direct-points profile with those percentages as points.
- A flat profile (one block over the leaves) has one value per criterion. A hierarchical one has a
  value per criterion (its share within its group) and one per group (its share within its parent);
  a leaf's weight is the product of the shares along its path.
"""

from __future__ import annotations

import attrs

POINTS_METHODS = ("direct", "swing")  # methods whose items carry the points the sheet shows
LEAVES = "leaves"                     # the node of a flat profile's only block
TYPED_DIGITS = 10                     # significant digits a typed number is written back with


@attrs.frozen
class SheetInputs:
    profile_id: str
    method: str
    hierarchical: bool
    points: bool                 # True: points as recorded; False: percentages derived by the method
    values: dict                 # item id (criterion or group) -> the value shown
    blocks: tuple                # (node, (item id, ...)) in the profile's order

    @property
    def scale(self) -> str:
        """The words over the profile's input column."""
        if self.points:
            kind = "swing points (best = 100)" if self.method == "swing" else "points"
        else:
            kind = f"% derived ({self.method})"
        return f"{kind}, within each group" if self.hierarchical else kind


def is_hierarchical(profile) -> bool:
    return [block.node for block in profile.blocks] != [LEAVES]


def sheet_inputs(profile, weights) -> SheetInputs:
    """`weights`: the profile's compute.weights.ProfileWeights (its local shares, for derived methods)."""
    points = profile.method in POINTS_METHODS
    values = {}
    if points:
        for block in profile.blocks:
            values.update({item.id: item.points for item in block.items})
    else:
        for block in weights.blocks:
            values.update({item: float(share) * 100 for item, share in zip(block.ids, block.local)})
    blocks = tuple((block.node, tuple(item.id for item in block.items)) for block in profile.blocks)
    return SheetInputs(profile.id, profile.method, is_hierarchical(profile), points, values, blocks)


def as_typed(value: float):
    """A number read from a cell, as the reviewer typed it: binary noise beyond TYPED_DIGITS
    significant digits dropped (17.16, not 17.160000000000000142), whole numbers as integers."""
    number = float(f"{float(value):.{TYPED_DIGITS}g}")
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def same_value(typed: float, shown: float) -> bool:
    """The reviewer left the value as written (a spreadsheet may save it with fewer digits)."""
    return abs(typed - shown) <= 1e-9 * max(1.0, abs(shown))
