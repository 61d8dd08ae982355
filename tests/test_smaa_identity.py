"""SMAA output for a seed is byte-identical to what the code gave before the speed-ups (issue 19).

The digests were captured from the code at commit 99f8482, before any change to smaa.py, with the
commands below; a few values are asserted too so a failure says what moved.
"""

import hashlib
import json

import numpy as np
import pytest

from pathlib import Path

from conftest import MINI, run_cli
from rubric.compute.smaa import smaa

# the digests were captured on the first edition of the shipped study, kept as tests/data/policies-v1
SHIPPED = Path(__file__).parent / "data" / "policies-v1"

CAPTURED = [  # (study, extra arguments, sha256 of stdout)
    (SHIPPED, ("--samples", "20000", "--seed", "7", "--scores", "consensus"),
     "d45ff7df0de7b332a22320a6322345ad47b27a08ecf87dc63fd46d789d3e2828"),
    (SHIPPED, ("--samples", "20000", "--seed", "7", "--scores", "analysts"),
     "9c863f806b69a9689d9a67dcdb2e8fb58d7afca12e19ff1e186d12fb46eee8ca"),
    (SHIPPED, ("--uniform", "--samples", "9000", "--seed", "3", "--scores", "consensus"),
     "e3d896170777370051daa00119052bc10d74d98b91e98cce35a4169bf0720284"),
    (SHIPPED, ("--uniform", "--samples", "9000", "--seed", "3", "--scores", "analysts"),
     "0c97cfa4e0f6cb211a8efa6c97798c41deeb60c5c05506bb0d21566e4b9a9b5c"),
    (MINI, ("--samples", "20000", "--seed", "7", "--scores", "consensus"),
     "1457b3f68040fc4fdebe5f7bcfa6b836c295870548fc0128519273e69fd488b2"),
    (MINI, ("--samples", "20000", "--seed", "7", "--scores", "analysts"),
     "c7c0d5dec3b645c65261158944d579d41269d42d94ba0d73de9399976afd81db"),
    (MINI, ("--uniform", "--samples", "9000", "--seed", "3", "--scores", "consensus"),
     "9453710fff200610ca3dc4249c6fb9bfd2a12b08150a9f6a1df24138f0fdb093"),
    (MINI, ("--uniform", "--samples", "9000", "--seed", "3", "--scores", "analysts"),
     "a89802d6c769457727054ddbad1e234a681a003961d9b082d47c9ebcdb3c34f2"),
]


@pytest.mark.parametrize("study, arguments, digest", CAPTURED, ids=lambda x: x if isinstance(x, str) else None)
def test_smaa_json_is_byte_identical_to_the_captured_output(study, arguments, digest):
    code, out, err = run_cli("smaa", study, *arguments, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    if study == MINI and "analysts" in arguments and "--uniform" not in arguments:
        assert doc["acceptability"]["alpha"] == [0.8351, 0.1409, 0.024]
        assert doc["central_weights"]["alpha"]["impact"] == 0.5008194040228802
    if study == SHIPPED and "consensus" in arguments and "--uniform" not in arguments:
        assert doc["acceptability"]["prosecution-risk-assessment"][:2] == [0.9956, 0.00405]
        assert doc["confidence"]["prosecution-risk-assessment"] == 1.0
    if study == SHIPPED and "analysts" in arguments and "--uniform" in arguments:
        assert doc["acceptability"]["prosecution-risk-assessment"][:2] == [0.4657777777777778, 0.25177777777777777]
        assert doc["confidence"]["prosecution-risk-assessment"] == 0.9776666666666667
    assert hashlib.sha256(out.encode()).hexdigest() == digest


def _digest(result) -> str:
    parts = (result.acceptability, np.nan_to_num(result.central_weights, nan=-1), np.nan_to_num(result.confidence, nan=-1))
    return hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest()


@pytest.mark.parametrize("centre, first_two, digest", [
    (None, [[0.0, 0.4961, 0.5039, 0.0, 0.0], [0.0, 0.5039, 0.4961, 0.0, 0.0]],
     "e8316bdd41325ceab532cfaf655ff38c7e958740e0c8f66c4bf462f01071604f"),
    ([0.5, 0.3, 0.2], [[0.0, 0.4948, 0.5052, 0.0, 0.0], [0.0, 0.5052, 0.4948, 0.0, 0.0]],
     "14221dfb4a1b7da921ddd902888b7e9946bff60ee392b636d7fad172da55819e"),
])
def test_ties_are_broken_with_the_same_draws_as_before(centre, first_two, digest):
    # options a and b are equal everywhere: every sample is a tie, broken at random
    values = np.array([[50.0, 50.0, 50.0], [50.0, 50.0, 50.0], [100.0, 0.0, 50.0], [0.0, 100.0, 50.0], [10, 20, 30]])
    result = smaa(values, None, tuple("abcde"), tuple("xyz"), 10000, seed=9,
                  centre=None if centre is None else np.array(centre))
    assert result.acceptability[:2].tolist() == first_two
    assert _digest(result) == digest


@pytest.mark.parametrize("arguments", [("--samples", "1000000001"), ("--samples", "100000000000000000000"),
                                       ("--samples", "0"), ("--concentration", "inf", "--format", "json"),
                                       ("--concentration", "nan"), ("--concentration", "0"),
                                       ("--concentration", "-2")])
def test_out_of_range_samples_and_concentration_are_usage_errors(arguments):
    code, out, err = run_cli("smaa", MINI, *arguments)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("rubric: error: --")


MEMORY_CHILD = """
import resource, sys
import numpy as np
from rubric.compute.smaa import MAX_SAMPLES, smaa

class FirstChunkDone(Exception):
    pass

def stop(done, total):
    raise FirstChunkDone(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

rng = np.random.default_rng(1)
values = rng.uniform(0, 100, size=(40, 10))
analysts = rng.uniform(0, 100, size=(3, 40, 10))
samples = MAX_SAMPLES if sys.argv[1] == "max" else 4096
smaa(values, None, (), (), 4096, seed=1)   # warm up: numpy's own allocations happen before the baseline
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    smaa(values, analysts if sys.argv[2] == "analysts" else None, (), (), samples, seed=1, progress=stop)
except FirstChunkDone as done:
    print((done.args[0] - before) / 1024)   # ru_maxrss is in KiB on Linux: growth in MiB
"""


@pytest.mark.parametrize("scores", ["consensus", "analysts"])
def test_memory_before_the_first_chunk_does_not_grow_with_samples(scores):
    # Running the maximum to the end would take hours; what grew with --samples before issue 17 was
    # what is built before the first chunk (the chunk list and every child stream), so measure the
    # peak RSS growth up to the end of the first chunk at the maximum and at one chunk's worth.
    import subprocess
    import sys

    from conftest import ROOT

    def growth(samples):
        proc = subprocess.run([sys.executable, "-c", MEMORY_CHILD, samples, scores], capture_output=True,
                              text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr
        return float(proc.stdout)

    small, largest = growth("small"), growth("max")
    assert largest < small + 8, (small, largest)   # MiB; the up-front list was 1.3 GB at 1e10 samples


def test_ordering_in_blocks_of_rows_is_the_whole_chunk_at_once():
    """_ascending_order works through a chunk in cache-sized blocks of rows; with exact ties, near
    ties and NaN rows spread over the blocks it gives the order, and leaves the random stream, exactly
    as ordering the whole chunk at once."""
    from rubric.compute import smaa as module

    rng = np.random.default_rng(11)
    scores = rng.integers(0, 6, size=(4096, 50)).astype(float)      # many exact ties per row
    scores[::7, 3] = scores[::7, 4] + 1e-12                          # near ties inside the tolerance
    scores[5::97, 0] = np.nan                                        # a few rows on the stable path
    assert module.TIE_BLOCK // 50 < 4096                             # several blocks
    whole_rng, blocked_rng = np.random.default_rng(3), np.random.default_rng(3)
    whole = module._ascending_block(scores, whole_rng)
    blocked = module._ascending_order(scores, blocked_rng)
    assert np.array_equal(whole, blocked)
    assert whole_rng.random() == blocked_rng.random()                # the same numbers were drawn
