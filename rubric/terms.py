"""Names shared by the model, the method registry and the CLI, in a module that imports nothing:
`rubric --help` lists the methods without paying for the model's classes."""

# Brans' six preference functions for PROMETHEE (Brans, Vincke & Mareschal 1986), with the
# thresholds each one reads
PREFERENCE_FUNCTIONS = {"usual": (), "u-shape": ("q",), "v-shape": ("p",), "level": ("q", "p"),
                        "linear": ("q", "p"), "gaussian": ("s",)}

# the aggregation methods' names, in the registry's order (rubric/compute/methods holds the methods
# themselves and checks that its table has exactly these names)
METHOD_NAMES = ("wsm", "wpm", "topsis", "promethee", "vikor")
