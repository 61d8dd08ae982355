"""Aggregation methods, one module each: a pure function over (values, weights) returning scores
and the intermediate tables. `values` is [option, criterion] on the 0-100 value scale (already
oriented: higher is always better), `weights` sums to 1 over the criteria."""

from __future__ import annotations

from .promethee import promethee_ii
from .topsis import topsis
from .wpm import wpm
from .wsm import wsm

METHODS = {"wsm": wsm, "wpm": wpm, "topsis": topsis, "promethee": promethee_ii}
METHOD_NAMES = {"wsm": "weighted sum (MAVT)", "wpm": "weighted product", "topsis": "TOPSIS",
                "promethee": "PROMETHEE II"}
