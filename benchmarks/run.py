"""rubric's benchmark runner: medians over repeated runs, each comparison measured in the same runs.

    python -m benchmarks [--quick] [--runs N] [--study DIR] [--only smaa,validate,help,report]

Generates a synthetic study (size L: 200 options x 40 criteria in 8 groups x 12 analysts x 10
profiles, 96,000 scores; `--quick`: size M, 50 x 16 x 4 x 6 x 6, fewer runs and samples) and times:

- smaa: rubric's SMAA-2 (100,000 samples around a profile, consensus values) against a bare-numpy
  reference doing the minimum work, and per sample against a loop over pymcdm's WSM;
- validate: `load_study` in process and `rubric validate` as a subprocess, against bare YAML loading
  of the same files (yaml.load with CSafeLoader where PyYAML has libyaml, else SafeLoader);
- help: `rubric --help` against `python -c pass` (subprocess wall time);
- report: `rubric report` with its phases and peak RSS, against a bare openpyxl write_only dump of
  the same number of cells;
- packages: `rubric packages` (200 options, 30 conflicting pairs, a budget for about 20 options,
  K = 10) and `rubric value-for-money` (the study of the size), each against `rubric rank`.

Within each run the timed things of a section run one after the other (interleaved), so slow
phases of the machine hit every side of a comparison alike. The table shows the median, and the
fastest and slowest run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import children
from .generate import SIZES, generate

ROOT = Path(__file__).resolve().parent.parent
# Child processes find rubric and benchmarks in this checkout, and keep compiled bytecode in a
# temporary cache (main() sets PYTHONPYCACHEPREFIX), as an installed package has it: the checkout
# gets no __pycache__ folders, and a machine that sets PYTHONDONTWRITEBYTECODE (this one does)
# would otherwise compile every module on every start.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
NO_BYTECODE_ENV = {**ENV, "PYTHONDONTWRITEBYTECODE": "1"}
WARM_UP = ("import rubric.cli, rubric.records.load, rubric.records.schema, rubric.compute.evaluate, "
           "rubric.compute.report, rubric.writers.xlsx, rubric.writers.terminal, benchmarks.children, "
           "jsonschema, yaml, numpy, openpyxl; rubric.records.schema.validator('session')")
KAPPA = 100.0  # rubric's default Dirichlet concentration around a profile


# -- measuring -------------------------------------------------------------------------------------

class Results:
    """Rows of the timing table, ratios and targets, printed at the end."""

    def __init__(self, runs: int):
        self.runs = runs
        self.rows: list[tuple[str, str, str, str]] = []   # section, what, median, min-max
        self.notes: list[str] = []
        self.ratios: list[tuple[str, float, str]] = []      # what, ratio, how it reads
        self.targets: list[tuple[str, float, str, float, bool]] = []  # what, measured, op, limit, ok

    def time_row(self, section: str, what: str, samples: list[float], unit: str = "s") -> float:
        median = statistics.median(samples)
        self.rows.append((section, what, _fmt(median, unit), f"{_fmt(min(samples), unit)} - {_fmt(max(samples), unit)}"))
        return median

    def value_row(self, section: str, what: str, value: str) -> None:
        self.rows.append((section, what, value, ""))

    def ratio(self, what: str, value: float, reads: str = "") -> None:
        self.ratios.append((what, value, reads))

    def target(self, what: str, value: float, op: str, limit: float) -> None:
        ok = value <= limit if op == "<=" else value >= limit
        self.targets.append((what, value, op, limit, ok))


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value >= 1:
            return f"{value:.2f} s"
        if value >= 1e-3:
            return f"{value * 1e3:.1f} ms"
        return f"{value * 1e6:.1f} us"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:g} {unit}"


def interleaved(runs: int, named: dict) -> dict[str, list[float]]:
    """Call every function once per run, in turn; each returns seconds or None to time it here."""
    times: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(runs):
        for name, fn in named.items():
            gc.collect()
            start = time.perf_counter()
            reported = fn()
            elapsed = time.perf_counter() - start
            times[name].append(reported if isinstance(reported, float) else elapsed)
    return times


def child(args: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run a command: its wall time (s), its own peak RSS (KiB) and its stdout.

    The command is started by a small `benchmarks.children measure` process, which reaps it with
    os.wait4 and times it from spawn to exit (see children.py for why not from here)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as result:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.children", "measure", result.name, "--", *args],
                              stdout=out, stderr=err, env=env or ENV, cwd=str(ROOT))
        out.seek(0)
        err.seek(0)
        measured = json.loads(Path(result.name).read_text() or "{}")
        if proc.returncode or measured.get("returncode"):
            raise RuntimeError(f"{' '.join(args)} failed: {err.read().decode(errors='replace')[-2000:]}")
        return measured["wall"], measured["maxrss_kib"], out.read().decode()


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


# -- the machine -----------------------------------------------------------------------------------

def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def version(name: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as v

        try:
            return v(name)
        except PackageNotFoundError:
            return "not installed"

    import yaml

    libyaml = "with libyaml" if getattr(yaml, "__with_libyaml__", False) else "pure Python"
    return [f"machine: {cpu}, {cores} cores ({os.cpu_count()} CPUs online), {platform.system()} {platform.machine()}",
            f"Python {platform.python_version()} ({platform.python_implementation()}), numpy {np.__version__}, "
            f"PyYAML {version('PyYAML')} ({libyaml}), jsonschema {version('jsonschema')}, "
            f"openpyxl {version('openpyxl')}, XlsxWriter {version('XlsxWriter')}, pymcdm {version('pymcdm')}"]


# -- sections --------------------------------------------------------------------------------------

def bare_smaa(values: np.ndarray, centre: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """The minimum work of SMAA-2 acceptability: draw every weight vector at once, one matmul, one
    argsort, one bincount of (option, rank) pairs. Returns acceptability [option, rank]."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(KAPPA * centre, size=samples)
    scores = weights @ values.T
    order = np.argsort(-scores, axis=1)
    m = values.shape[0]
    counts = np.bincount((order * m + np.arange(m)).ravel(), minlength=m * m).reshape(m, m)
    return counts / samples


def bare_smaa_chunked(values: np.ndarray, centre: np.ndarray, samples: int, seed: int,
                      chunk: int = 4096) -> np.ndarray:
    """The same minimum work in chunks of 4,096 samples (as rubric's smaa() runs): the one-shot
    version's [samples, options] arrays (160 MB each at 100,000 x 200) make it slower and noisier."""
    rng = np.random.default_rng(seed)
    m = values.shape[0]
    counts = np.zeros(m * m, dtype=np.int64)
    for start in range(0, samples, chunk):
        weights = rng.dirichlet(KAPPA * centre, size=min(chunk, samples - start))
        order = np.argsort(-(weights @ values.T), axis=1)
        counts += np.bincount((order * m + np.arange(m)).ravel(), minlength=m * m)
    return counts.reshape(m, m) / samples


def bare_smaa_same_outputs(values: np.ndarray, centre: np.ndarray, samples: int, seed: int,
                           chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Bare numpy computing what rubric's smaa() returns (acceptability and central weights), in
    chunks of 4,096: the fair reference. No tie handling, no confidence factors, no progress."""
    rng = np.random.default_rng(seed)
    m, n = values.shape
    counts = np.zeros(m * m, dtype=np.int64)
    first_sums = np.zeros((m, n))
    for start in range(0, samples, chunk):
        weights = rng.dirichlet(KAPPA * centre, size=min(chunk, samples - start))
        order = np.argsort(-(weights @ values.T), axis=1)
        counts += np.bincount((order * m + np.arange(m)).ravel(), minlength=m * m)
        np.add.at(first_sums, order[:, 0], weights)
    counts = counts.reshape(m, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / samples, first_sums / counts[:, :1]


def peer_loop(values: np.ndarray, centre: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """SMAA-2 acceptability as a per-sample loop over pymcdm's weighted sum (values are already
    0-100 and oriented, so pymcdm's normalisation is the identity and its input checks are off)."""
    import pymcdm

    wsm = pymcdm.methods.WSM(normalization_function=lambda x, cost=False: x)
    types = np.ones(values.shape[1])
    rng = np.random.default_rng(seed)
    m = values.shape[0]
    counts = np.zeros((m, m), dtype=np.int64)
    ranks = np.arange(m)
    for _ in range(samples):
        w = rng.dirichlet(KAPPA * centre)
        scores = wsm(values, w, types, validation=False)
        counts[np.argsort(-scores), ranks] += 1
    return counts / samples


def peers_as_users_call_them(values: np.ndarray, centre: np.ndarray, samples: int, seed: int) -> dict:
    """Per-sample SMAA loops over peer libraries called as their documentation shows (defaults,
    input validation on, their own ranking), where installed: pymcdm's WSM (min-max normalisation)
    with WSM.rank; scikit-criteria's WeightedSumModel on a DecisionMatrix built per sample;
    pyrepo-mcda's VIKOR_SMAA given all the weight vectors at once. name -> seconds per sample.
    The values go in plus 1: pymcdm's default sum normalisation refuses a 0 (the worst level)."""
    import warnings

    values = values + 1.0
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(KAPPA * centre, size=samples)
    n_criteria = values.shape[1]
    types = np.ones(n_criteria)
    timed: dict[str, float] = {}
    import pymcdm

    wsm = pymcdm.methods.WSM()
    start = time.perf_counter()
    for w in weights:
        wsm.rank(wsm(values, w, types))
    timed["pymcdm WSM, defaults, with its ranking"] = (time.perf_counter() - start) / samples
    try:
        import skcriteria
        try:
            from skcriteria.agg.simple import WeightedSumModel   # scikit-criteria >= 0.8
        except ImportError:
            from skcriteria.madm.simple import WeightedSumModel
    except ImportError:
        pass
    else:
        model = WeightedSumModel()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            for w in weights:
                model.evaluate(skcriteria.mkdm(values, [max] * n_criteria, weights=w)).rank_
            timed["scikit-criteria WeightedSumModel on a DecisionMatrix per sample"] = (
                (time.perf_counter() - start) / samples)
    try:
        from pyrepo_mcda.mcda_methods.vikor_smaa import VIKOR_SMAA
    except ImportError:
        pass
    else:
        start = time.perf_counter()
        VIKOR_SMAA()(values, weights, types)
        timed["pyrepo-mcda VIKOR_SMAA (its own SMAA loop)"] = (time.perf_counter() - start) / samples
    return timed


def section_smaa(res: Results, study_dir: str, runs: int, samples: int, peer_samples: int) -> None:
    from rubric.compute.evaluate import analyse_session, pick_profile, run_smaa
    from rubric.compute.smaa import smaa
    from rubric.compute.weights import derive_weights
    from rubric.records.load import load_study

    study = load_study(study_dir)
    analysis = analyse_session(study)
    profile = pick_profile(study, None)
    centre = derive_weights(study.profile(profile), study.rubric).leaf
    values = analysis.consensus.value
    opts, crits = analysis.tensor.options, analysis.tensor.criteria
    out: dict = {}

    def call_smaa():
        out["rubric"] = smaa(values, None, opts, crits, samples, 7, centre, None, profile).acceptability

    def end_to_end():
        run_smaa(study, profile, samples=samples, seed=7)

    def bare():
        out["bare"] = bare_smaa(values, centre, samples, 8)

    def bare_chunked():
        out["bare_chunked"] = bare_smaa_chunked(values, centre, samples, 8)

    def bare_same():
        out["bare_same"], out["bare_central"] = bare_smaa_same_outputs(values, centre, samples, 8)

    def peer():
        out["peer"] = peer_loop(values, centre, peer_samples, 9)

    import pymcdm  # noqa: F401 - imported here, not inside the first timed peer run

    times = interleaved(runs, {"smaa": call_smaa, "e2e": end_to_end, "bare": bare, "bare_chunked": bare_chunked,
                               "bare_same": bare_same, "peer": peer})
    n = f"{samples:,} samples"
    t_smaa = res.time_row("smaa", f"rubric smaa() call, {n}", times["smaa"])
    t_e2e = res.time_row("smaa", f"rubric run_smaa() end to end (session analysis, weights, smaa), {n}", times["e2e"])
    t_one = res.time_row("smaa", f"bare numpy, one shot (dirichlet, matmul, argsort, bincount), {n}", times["bare"])
    t_chunked = res.time_row("smaa", f"bare numpy, the same in chunks of 4,096, {n}", times["bare_chunked"])
    t_same = res.time_row("smaa", f"bare numpy, the same outputs (acceptability and central weights), chunks "
                                  f"of 4,096, {n}", times["bare_same"])
    t_peer = res.time_row("smaa", f"pymcdm WSM per-sample loop, {peer_samples:,} samples", times["peer"])
    t_bare = min(t_one, t_chunked)
    per_rubric, per_peer, per_bare = t_smaa / samples, t_peer / peer_samples, t_bare / samples
    res.value_row("smaa", "per sample: rubric smaa() / bare numpy (faster) / pymcdm loop",
                  f"{per_rubric * 1e6:.2f} / {per_bare * 1e6:.2f} / {per_peer * 1e6:.1f} us")
    for name in ("bare", "bare_chunked", "bare_same"):
        a, b = out["rubric"], out[name]
        diff = np.abs(a - b)
        band = 1.96 * np.sqrt((a * (1 - a) + b * (1 - b)) / samples)  # 95% band of a difference
        outside = float((diff > band)[band > 0].mean()) if (band > 0).any() else 0.0
        res.notes.append(f"smaa check against {name}: max |difference of acceptability| = {diff.max():.4f}; "
                         f"{outside:.1%} of the option x rank indices differ by more than the 95% band of two "
                         f"independent estimates (expected: about 5% or fewer)")
    res.ratio("smaa() / bare numpy (the faster of one shot and chunked)", t_smaa / t_bare, "x the time")
    res.ratio("run_smaa() end to end / bare numpy", t_e2e / t_bare, "x the time")
    res.ratio("pymcdm loop / smaa(), per sample", per_peer / per_rubric, "x faster")
    res.ratio("pymcdm loop / bare numpy, per sample (the ceiling for any vectorised SMAA)", per_peer / per_bare,
              "x faster")
    res.ratio("smaa() / bare numpy computing the same outputs", t_smaa / t_same, "x the time")
    res.target("SMAA smaa() vs bare numpy computing the same outputs", t_smaa / t_same, "<=", 1.15)
    res.target("SMAA smaa() speed-up over the pymcdm loop", per_peer / per_rubric, ">=", 100)
    # the peers as their users call them (one timed pass each: a few seconds per peer)
    users = peers_as_users_call_them(values, centre, max(200, peer_samples // 4), 10)
    for name, per_sample in users.items():
        res.value_row("smaa", f"per sample, {name}", f"{per_sample * 1e3:.2f} ms")
        res.ratio(f"{name} / smaa(), per sample", per_sample / per_rubric, "x faster")
    if users:
        fastest = min(users, key=users.get)
        res.target(f"SMAA smaa() speed-up over the fastest peer as users call it ({fastest})",
                   users[fastest] / per_rubric, ">=", 100)


def section_natural(res: Results, runs: int, work: str, size: str, seed: int, samples: int) -> None:
    """Natural scales: the same generated study on levels and on natural scales (every value, so
    every ranking, the same), half the scores with a range. Times load + rank in process for both,
    and SMAA with --scores ranges against --scores analysts on the natural one."""
    from rubric.compute.evaluate import evaluate, run_smaa
    from rubric.records.load import load_study

    o, c, g, a, p = SIZES[size]
    levels_dir, natural_dir = os.path.join(work, "levels-ranged"), os.path.join(work, "natural-ranged")
    generate(levels_dir, o, c, g, a, p, seed=seed, ranges=0.5)
    generate(natural_dir, o, c, g, a, p, seed=seed, natural=True, ranges=0.5)
    out: dict = {}

    def rank(directory, key):
        def run():
            study = load_study(directory)
            out[key] = (study, evaluate(study, method="wsm").scores)
        return run

    times = interleaved(runs, {"levels": rank(levels_dir, "levels"), "natural": rank(natural_dir, "natural")})
    t_levels = res.time_row("natural", f"load + rank (wsm), {size} on levels, half the scores ranged", times["levels"])
    t_natural = res.time_row("natural", f"load + rank (wsm), the same on natural scales", times["natural"])
    same = np.allclose(out["levels"][1], out["natural"][1], rtol=0, atol=1e-9)
    res.notes.append(f"natural check: the level and natural studies' weighted sums {'agree' if same else 'DIFFER'} "
                     "to 1e-9")
    study = out["natural"][0]

    def smaa_with(scores):
        return lambda: run_smaa(study, samples=samples, seed=3, scores=scores)

    times = interleaved(runs, {"analysts": smaa_with("analysts"), "ranges": smaa_with("ranges")})
    n = f"{samples:,} samples"
    t_analysts = res.time_row("natural", f"run_smaa --scores analysts, natural {size}, {n}", times["analysts"])
    t_ranges = res.time_row("natural", f"run_smaa --scores ranges, natural {size} (half ranged), {n}", times["ranges"])
    res.ratio("load + rank: natural / levels", t_natural / t_levels, "x the time")
    res.ratio("smaa: ranges / analysts", t_ranges / t_analysts, "x the time")
    res.target("load + rank, natural scales vs levels", t_natural / t_levels, "<=", 1.2)
    res.target("smaa --scores ranges vs --scores analysts", t_ranges / t_analysts, "<=", 1.5)


def section_validate(res: Results, study_dir: str, runs: int) -> None:
    from rubric.records.load import load_study

    paths = children.study_paths(study_dir)
    loader = children.yaml_loader().__name__
    py = sys.executable

    def in_process():
        load_study(study_dir)

    def bare():
        children.bare_yaml(paths)

    def bare_nogc():
        gc.disable()
        try:
            children.bare_yaml(paths)
        finally:
            gc.enable()

    def cli():
        return child([py, "-m", "rubric", "validate", study_dir])[0]

    def cli_bare():
        return child([py, "-m", "benchmarks.children", "bare-yaml", study_dir])[0]

    times = interleaved(runs, {"load": in_process, "bare": bare, "bare_nogc": bare_nogc, "cli": cli,
                               "cli_bare": cli_bare})
    t_load = res.time_row("validate", "load_study() in process", times["load"])
    t_bare = res.time_row("validate", f"bare yaml.load ({loader}) of the same files, in process", times["bare"])
    res.time_row("validate", "  the same with the garbage collector off (for reference)", times["bare_nogc"])
    t_cli = res.time_row("validate", "`rubric validate` subprocess", times["cli"])
    t_cli_bare = res.time_row("validate", f"bare yaml.load ({loader}) subprocess (imports included)", times["cli_bare"])
    res.ratio("load_study() / bare yaml.load", t_load / t_bare, "x the time")
    res.ratio("load_study() / bare yaml.load with gc off", t_load / statistics.median(times["bare_nogc"]), "x the time")
    res.ratio("`rubric validate` / bare YAML subprocess", t_cli / t_cli_bare, "x the time")
    res.target("validate in process vs bare YAML", t_load / t_bare, "<=", 3)
    res.target("`rubric validate` subprocess vs bare YAML subprocess", t_cli / t_cli_bare, "<=", 3)


BARE_YAML_FILES = ("import sys, yaml\nfor name in sys.argv[1:]:\n"
                   "    yaml.load(open(name, encoding='utf-8').read(), Loader=yaml.CSafeLoader)")
VALIDATE_IMPORTS = "import numpy, jsonschema, rubric.records.load, rubric.compute.weights"


def section_help(res: Results, runs: int) -> None:
    py = sys.executable
    policy_files = sorted(str(p) for p in (ROOT / "policies").rglob("*.yaml"))
    runs = max(runs, 5) * 4  # each is short: take more runs

    times = interleaved(runs, {
        "help": lambda: child([py, "-m", "rubric", "--help"])[0],
        "pass": lambda: child([py, "-c", "pass"])[0],
        "validate_policies": lambda: child([py, "-m", "rubric", "validate", str(ROOT / "policies")])[0],
        # the floor under that target: libyaml alone on the same files, and rubric's imports alone
        "bare_yaml_policies": lambda: child([py, "-c", BARE_YAML_FILES, *policy_files])[0],
        "imports": lambda: child([py, "-c", VALIDATE_IMPORTS])[0],
        "help_nocache": lambda: child([py, "-m", "rubric", "--help"], NO_BYTECODE_ENV)[0],
        "pass_nocache": lambda: child([py, "-c", "pass"], NO_BYTECODE_ENV)[0]})
    t_help = res.time_row("help", "`rubric --help` (python -m rubric --help)", times["help"])
    t_pass = res.time_row("help", "`python -c pass`", times["pass"])
    res.time_row("help", "  `rubric --help` with no bytecode cache (PYTHONDONTWRITEBYTECODE=1)", times["help_nocache"])
    res.time_row("help", "  `python -c pass` with no bytecode cache", times["pass_nocache"])
    t_policies = res.time_row("help", "`rubric validate policies` (the shipped study)", times["validate_policies"])
    t_yaml = res.time_row("help", "  floor: libyaml (CSafeLoader) on the same files, subprocess", times["bare_yaml_policies"])
    t_imports = res.time_row("help", "  floor: rubric's imports for validate (numpy, jsonschema, loader)", times["imports"])
    res.ratio("`rubric validate policies` / `python -c pass`", t_policies / t_pass, "x the time")
    res.ratio("  libyaml alone on those files / `python -c pass`", t_yaml / t_pass, "x the time")
    res.ratio("  rubric's imports alone / `python -c pass`", t_imports / t_pass, "x the time")
    res.ratio("`rubric --help` / `python -c pass`", t_help / t_pass, "x the time")
    res.target("`rubric --help` vs bare Python start", t_help / t_pass, "<=", 2.5)
    res.target("`rubric validate policies` vs bare Python start", t_policies / t_pass, "<=", 8)


def report_available() -> bool:
    try:
        child([sys.executable, "-m", "rubric", "report", "--help"])
        return True
    except RuntimeError:
        return False


def section_report(res: Results, study_dir: str, runs: int, work: str) -> None:
    if not report_available():
        print("report: not available yet")
        res.notes.append("report: not available yet (`rubric report --help` failed)")
        return
    py = sys.executable
    cells = os.path.join(work, "cells.json")
    out = os.path.join(work, "report.xlsx")
    first = last_json(child([py, "-m", "benchmarks.children", "report-phases", study_dir, out, "--cells", cells])[2])
    phases: dict[str, list] = {}
    dumps: dict[str, dict[str, list]] = {"openpyxl": {}, "xlsxwriter": {}}

    def run_phases():
        _, rss, text = child([py, "-m", "benchmarks.children", "report-phases", study_dir, out])
        for key, value in last_json(text).items():
            phases.setdefault(key, []).append(value)
        phases.setdefault("rss", []).append(rss)

    def run_cli():
        elapsed, rss, _ = child([py, "-m", "rubric", "report", study_dir, "-o", out, "--seed", "1"])
        phases.setdefault("cli_rss", []).append(rss)
        return elapsed

    def run_dump(kind: str):
        command = "dump" if kind == "openpyxl" else "dump-xlsxwriter"
        elapsed, rss, text = child([py, "-m", "benchmarks.children", command, cells,
                                    os.path.join(work, f"dump-{kind}.xlsx")])
        for key, value in last_json(text).items():
            dumps[kind].setdefault(key, []).append(value)
        dumps[kind].setdefault("rss", []).append(rss)
        dumps[kind].setdefault("wall", []).append(elapsed)

    times = interleaved(runs, {"phases": run_phases, "cli": run_cli,
                               "dump_xlsxwriter": lambda: run_dump("xlsxwriter"),
                               "dump_openpyxl": lambda: run_dump("openpyxl")})
    med = statistics.median
    mib = 1024.0
    res.value_row("report", "cells written by `rubric report` (and by each bare dump)", f"{first['cells']:,}")
    t_cli = res.time_row("report", "`rubric report` subprocess, end to end", times["cli"])
    res.time_row("report", "  phase: imports", phases["import"])
    res.time_row("report", "  phase: load and validate (load_study)", phases["load"])
    res.time_row("report", "  phase: compute (build_report, SMAA 10,000 samples)", phases["compute"])
    t_write = res.time_row("report", "  phase: write (write_workbook)", phases["write"])
    xw, op = dumps["xlsxwriter"], dumps["openpyxl"]
    t_xw = res.time_row("report", "bare XlsxWriter constant-memory dump, same cells, a format on each (write only)",
                        xw["write"])
    t_op = res.time_row("report", "bare openpyxl write_only dump, same cells, unstyled (write only)", op["write"])
    res.time_row("report", "bare XlsxWriter dump subprocess, end to end", xw["wall"])
    rss_cli = med(phases["cli_rss"]) / mib
    res.value_row("report", "peak RSS `rubric report` (whole process)", _fmt(rss_cli, "MiB"))
    res.value_row("report", "  peak RSS after load / after compute / whole (getrusage, never reset)",
                  f"{med(phases['maxrss_after_load_kib']) / mib:.0f} / {med(phases['maxrss_after_compute_kib']) / mib:.0f}"
                  f" / {med(phases['maxrss_kib']) / mib:.0f} MiB")

    def growth(measured):
        return med([p - b for p, b in zip(measured["write_peak_kib"], measured["rss_before_write_kib"])]) / mib

    grew, xw_grew, op_grew = growth(phases), growth(xw), growth(op)
    res.value_row("report", "  write phase: peak RSS (sampled every 2 ms), growth over its start",
                  f"{med(phases['write_peak_kib']) / mib:.0f} MiB, +{grew:.1f} MiB")
    res.value_row("report", "peak RSS bare XlsxWriter dump / bare openpyxl dump (whole processes)",
                  f"{med(xw['rss']) / mib:.0f} / {med(op['rss']) / mib:.0f} MiB")
    res.value_row("report", "  bare dumps: growth of peak RSS while writing (XlsxWriter / openpyxl)",
                  f"+{xw_grew:.1f} / +{op_grew:.1f} MiB")
    res.ratio("report write phase / bare XlsxWriter dump write", t_write / t_xw, "x the time")
    res.ratio("report write phase / bare openpyxl dump write", t_write / t_op, "x the time")
    res.ratio("`rubric report` end to end / bare XlsxWriter dump end to end", t_cli / med(xw["wall"]), "x the time")
    res.target("report write phase vs bare XlsxWriter dump (a format on each cell)", t_write / t_xw, "<=", 1.3)
    # memory: the growth of peak RSS while writing, on both sides (the whole-process peaks compare a
    # process holding a loaded study with one that holds none)
    res.ratio("report write phase / bare XlsxWriter dump, growth of peak RSS while writing",
              grew / max(xw_grew, 1.0), "x the memory (dump growth floored at 1 MiB)")
    res.target("report write-phase memory vs bare XlsxWriter dump", grew / max(xw_grew, 1.0), "<=", 2)


def add_scenarios(study_dir: str, count: int, cells: int, seed: int) -> None:
    """Scenario records for a generated study: each replaces the level of `cells` random option x
    criterion cells (levels 1-5 are always inside the generated scales)."""
    import random

    from rubric.records.load import load_study

    study = load_study(study_dir)
    rng = random.Random(f"{seed}/scenarios")
    options, criteria = [o.id for o in study.options], [c.id for c in study.rubric.criteria]
    folder = Path(study_dir) / "scenarios"
    folder.mkdir(exist_ok=True)
    for k in range(count):
        picked = rng.sample([(o, c) for o in options for c in criteria], cells)
        lines = [f"id: future-{k + 1}", f"name: \"Synthetic future {k + 1}\"",
                 "narrative: \"Generated for the benchmarks; the content is meaningless.\"", "adjustments:"]
        lines += [f"  - {{option: {o}, criterion: {c}, level: {rng.randint(1, 5)}, rationale: \"Generated.\"}}"
                  for o, c in picked]
        (folder / f"future-{k + 1}.yaml").write_text("\n".join(lines) + "\n")


def section_scenarios(res: Results, runs: int, study_dir: str, work: str, seed: int, samples: int) -> None:
    """`rubric scenarios` with 5 scenarios against `rubric rank` (subprocesses), and SMAA across the
    scenarios against plain SMAA at the same sample count (in process), on a copy of the study."""
    from rubric.compute.evaluate import run_smaa
    from rubric.records.load import load_study

    copy = os.path.join(work, "study-with-scenarios")
    if not os.path.exists(copy):
        shutil.copytree(study_dir, copy)
        add_scenarios(copy, 5, 400, seed)
    py = sys.executable

    def command(*args):
        return lambda: child([py, "-m", "rubric", *args, copy])[0]

    times = interleaved(runs, {"rank": command("rank"), "scenarios": command("scenarios")})
    t_rank = res.time_row("scenarios", "`rubric rank`", times["rank"])
    t_scen = res.time_row("scenarios", "`rubric scenarios`, 5 scenarios of 400 adjusted cells", times["scenarios"])
    study = load_study(copy)
    smaa_times = interleaved(runs, {
        "plain": lambda: run_smaa(study, samples=samples, seed=5),
        "scenarios": lambda: run_smaa(study, samples=samples, seed=5, scenarios=True)})
    t_plain = res.time_row("scenarios", f"run_smaa, {samples:,} samples", smaa_times["plain"])
    t_across = res.time_row("scenarios", f"run_smaa --scenarios (6 with the baseline), {samples:,} samples",
                            smaa_times["scenarios"])
    res.target("`rubric scenarios` (5 scenarios) vs `rubric rank`", t_scen / t_rank, "<=", 6)
    res.target("smaa --scenarios vs plain smaa", t_across / t_plain, "<=", 1.5)


def section_sensitivity(res: Results, runs: int, work: str, seed: int) -> None:
    """`rubric sensitivity` against `rubric rank` on a generated 800 x 40 study (3 analysts: 12 would
    put the session file over rubric's 20 MiB limit)."""
    study_dir = os.path.join(work, "study-800x40")
    if not os.path.exists(study_dir):
        generate(study_dir, 800, 40, 8, 3, 10, seed=seed)
    py = sys.executable
    rss: dict[str, list[int]] = {"rank": [], "sensitivity": []}

    def command(name):
        def run():
            elapsed, peak, _ = child([py, "-m", "rubric", name, study_dir])
            rss[name].append(peak)
            return elapsed
        return run

    times = interleaved(runs, {"rank": command("rank"), "sensitivity": command("sensitivity")})
    t_rank = res.time_row("sensitivity", "`rubric rank`, 800 x 40 x 3 analysts", times["rank"])
    t_sens = res.time_row("sensitivity", "`rubric sensitivity`, 800 x 40 x 3 analysts", times["sensitivity"])
    res.value_row("sensitivity", "peak RSS rank / sensitivity",
                  f"{statistics.median(rss['rank']) / 1024:.0f} / {statistics.median(rss['sensitivity']) / 1024:.0f} MiB")
    res.target("`rubric sensitivity` vs `rubric rank` on 800 x 40", t_sens / t_rank, "<=", 2)


def section_packages(res: Results, runs: int, work: str, size: str, seed: int) -> None:
    """Option packages and value for money, each against `rubric rank` on the same study, as
    subprocesses measured in the same runs.

    packages: a generated study of 200 options (the other counts of the size) on natural scales,
    the first cost criterion (points 10..50) the value-for-money cost and 30 conflicting pairs;
    the budget is the total cost of the 20 cheapest options that gain over business as usual, so
    no package holds more than 20 options; K = 10.
    value-for-money: the size's study on levels (the first cost criterion named in study.yaml,
    as a level cost), against `rubric rank` on it."""
    from rubric.compute.value_for_money import benefit_and_cost
    from rubric.records.load import load_study

    _, c, g, a, p = SIZES[size]
    natural_dir, levels_dir = os.path.join(work, "packages-natural"), os.path.join(work, "packages-levels")
    generate(natural_dir, 200, c, g, a, p, seed=seed, natural=True, conflicts=30)
    generate(levels_dir, *SIZES[size], seed=seed, conflicts=0)
    study = load_study(natural_dir)
    _, _, _, benefit, cost = benefit_and_cost(study)
    reference = max(benefit[i] for i, o in enumerate(study.options) if o.baseline == "business-as-usual")
    budget = float(np.sort(cost[benefit > reference])[:20].sum())
    py = sys.executable
    out: dict = {}

    def command(name, directory, *extra):
        def run():
            elapsed, _, printed = child([py, "-m", "rubric", name, directory, "--format", "json", *extra])
            out[name] = printed
            return elapsed
        return run

    times = interleaved(runs, {"rank": command("rank", natural_dir),
                               "packages": command("packages", natural_dir, "--budget", repr(budget), "--top", "10")})
    top = json.loads(out["packages"])["packages"]
    t_rank = res.time_row("packages", f"`rubric rank`, 200 x {c} x {a} analysts, natural", times["rank"])
    t_packages = res.time_row("packages", f"`rubric packages --top 10`, the same, budget {budget:g} points",
                              times["packages"])
    res.value_row("packages", "packages found / options in the top one",
                  f"{len(top)} / {len(top[0]['options']) if top else 0}")
    times = interleaved(runs, {"rank": command("rank", levels_dir), "vfm": command("value-for-money", levels_dir)})
    t_rank_l = res.time_row("packages", f"`rubric rank`, study {size}", times["rank"])
    t_vfm = res.time_row("packages", f"`rubric value-for-money`, study {size}", times["vfm"])
    res.target("`rubric packages` (200 options, K = 10) vs `rubric rank`", t_packages / t_rank, "<=", 2)
    res.target(f"`rubric value-for-money` vs `rubric rank` on study {size}", t_vfm / t_rank_l, "<=", 1.2)


# -- scaling ---------------------------------------------------------------------------------------

SCALING_COMMANDS = {  # name: arguments after the study folder
    "validate": ("validate",), "rank": ("rank",), "compare wsm": ("compare", "--method", "wsm"),
    "compare promethee": ("compare", "--method", "promethee"), "sensitivity": ("sensitivity",),
    "smaa": ("smaa", "--seed", "1"), "report": ("report", "--seed", "1"),
}
# Each axis varies one count from a base. The options axis uses one analyst: 2,000 x 40 x 3 analysts
# would put the session file over rubric's 20 MiB file limit (about 180 bytes a score).
SCALING_AXES = {  # axis: (sizes, base counts: options, criteria, groups, analysts, profiles)
    "options": ((50, 200, 800, 2000), dict(options=0, criteria=40, groups=8, analysts=1, profiles=10)),
    "criteria": ((10, 40, 100), dict(options=200, criteria=0, groups=8, analysts=3, profiles=10)),
    "analysts": ((3, 12, 30), dict(options=200, criteria=10, groups=8, analysts=0, profiles=10)),
}


def scaling(work: str, runs: int, seed: int, axes: dict, commands: dict) -> list[str]:
    """Time and peak RSS of every command at every size of every axis; the growth exponent between
    the two largest sizes, log(t2 / t1) / log(n2 / n1). Returns the markdown lines."""
    py = sys.executable
    lines = ["| axis | size | " + " | ".join(commands) + " |", "|---|---:|" + "---:|" * len(commands)]
    exponents = []
    measured: dict[tuple[str, int], dict[str, tuple[float, float]]] = {}
    for axis, (sizes, base) in axes.items():
        for size in sizes:
            counts = {**base, axis: size}
            study_dir = os.path.join(work, f"scaling-{axis}-{size}")
            generate(study_dir, counts["options"], counts["criteria"], counts["groups"], counts["analysts"],
                     counts["profiles"], seed=seed)
            row = {}
            for name, arguments in commands.items():
                extra = ["-o", os.path.join(work, "scaling.xlsx")] if arguments[0] == "report" else []
                samples = [child([py, "-m", "rubric", arguments[0], study_dir, *arguments[1:], *extra])
                           for _ in range(runs)]
                row[name] = (statistics.median(s[0] for s in samples), max(s[1] for s in samples) / 1024)
                print(f"  {axis}={size} {name}: {row[name][0]:.2f} s, {row[name][1]:.0f} MiB", file=sys.stderr)
            measured[axis, size] = row
            shutil.rmtree(study_dir)
            lines.append(f"| {axis} | {size:,} | " + " | ".join(f"{t:.2f} s, {m:.0f} MiB" for t, m in row.values())
                         + " |")
        small, large = sizes[-2], sizes[-1]
        exponent = {name: (math.log(measured[axis, large][name][0] / measured[axis, small][name][0]) /
                           math.log(large / small),
                           math.log(measured[axis, large][name][1] / measured[axis, small][name][1]) /
                           math.log(large / small)) for name in commands}
        exponents.append(f"| {axis} {small:,} -> {large:,} | " +
                         " | ".join(f"{t:.2f} (RSS {m:.2f})" for t, m in exponent.values()) + " |")
    lines += ["", "Growth exponent between the two largest sizes of each axis, time (and peak RSS):", "",
              "| axis | " + " | ".join(commands) + " |", "|---|" + "---:|" * len(commands), *exponents]
    return lines + scaling_targets(measured, axes)


MAX_GROWTH = 1.3     # no command's time or peak RSS grows faster than n^1.3 in options
MAX_RSS_MIB = 1024   # every command's peak RSS under 1 GB


def scaling_targets(measured: dict, axes: dict) -> list[str]:
    """Issue 19's scaling targets, read from the table: at the largest options size, `compare --method
    promethee` within 2x of `compare` (weighted sum) and `report` within 4x of `validate`; every
    command's peak RSS at every size under 1 GB; over options, no growth faster than n^1.3 between
    the two largest sizes. A target whose commands were not run is left out."""
    targets = []   # (what, measured, shown, limit, ok)
    if "options" in axes:
        sizes = axes["options"][0]
        large = measured["options", sizes[-1]]
        for top, bottom, limit in (("compare promethee", "compare wsm", 2.0), ("report", "validate", 4.0)):
            if top in large and bottom in large:
                ratio = large[top][0] / large[bottom][0]
                targets.append((f"`{top}` vs `{bottom}` at {sizes[-1]:,} options", f"{ratio:.2f}x", f"<= {limit:g}x",
                                ratio <= limit))
        if len(sizes) > 1:
            small = measured["options", sizes[-2]]
            for name in large:
                growth = max(math.log(large[name][k] / small[name][k]) / math.log(sizes[-1] / sizes[-2])
                             for k in (0, 1))
                targets.append((f"`{name}` growth in options (time or peak RSS, the larger), "
                                f"{sizes[-2]:,} -> {sizes[-1]:,}", f"n^{growth:.2f}", f"<= n^{MAX_GROWTH:g}",
                                growth <= MAX_GROWTH))
    largest = max((row[name][1], f"{name}, {axis} = {size:,}") for (axis, size), row in measured.items()
                  for name in row)
    targets.append(("largest peak RSS of any command at any size (" + largest[1] + ")", f"{largest[0]:.0f} MiB",
                    f"< {MAX_RSS_MIB:,} MiB", largest[0] < MAX_RSS_MIB))
    return ["", "| target | measured | limit | result |", "|---|---:|---:|---|",
            *(f"| {what} | {value} | {limit} | {'PASS' if ok else 'MISS'} |" for what, value, limit, ok in targets)]


# -- main ------------------------------------------------------------------------------------------

def print_table(res: Results, header: list[str]) -> None:
    for line in header:
        print(line)
    print()
    w = max(len(r[1]) for r in res.rows) if res.rows else 10
    print(f"| {'section':8} | {'benchmark':{w}} | {'median':>10} | {'fastest - slowest':>21} |")
    print(f"|{'-' * 10}|{'-' * (w + 2)}|{'-' * 11}:|{'-' * 22}:|")
    for section, what, median, spread in res.rows:
        print(f"| {section:8} | {what:{w}} | {median:>10} | {spread:>21} |")
    if res.ratios:
        print()
        print("| ratio | value |")
        print("|---|---:|")
        for what, value, reads in res.ratios:
            print(f"| {what} | {value:.2f} {reads} |")
    if res.targets:
        print()
        print("| target | measured | limit | result |")
        print("|---|---:|---:|---|")
        for what, value, op, limit, ok in res.targets:
            print(f"| {what} | {value:.2f}x | {op} {limit:g}x | {'PASS' if ok else 'MISS'} |")
    for note in res.notes:
        print(f"\n{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: study M, 3 runs, 10,000 SMAA samples")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 5; --quick: 3)")
    parser.add_argument("--study", metavar="DIR", help="use this study instead of generating one")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--only", default="smaa,validate,help,report,sensitivity,natural,scenarios,packages",
                        help="comma-separated sections to run (default: all)")
    parser.add_argument("--scaling", action="store_true",
                        help="instead: time and peak RSS of every command over options 50-2,000, criteria 10-100 "
                             "and analysts 3-30 (one run per size unless --runs)")
    parser.add_argument("--axes", default="options,criteria,analysts", help="with --scaling: the axes to run")
    parser.add_argument("--commands", default=",".join(SCALING_COMMANDS),
                        help="with --scaling: the commands to run (default: all)")
    args = parser.parse_args(argv)
    if args.scaling:
        axes = {a: SCALING_AXES[a] for a in args.axes.split(",")}
        commands = {c: SCALING_COMMANDS[c] for c in args.commands.split(",")}
        with tempfile.TemporaryDirectory(prefix="rubric-scaling-") as work:
            ENV["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
            child([sys.executable, "-c", WARM_UP])
            lines = scaling(work, args.runs or 1, args.seed, axes, commands)
        for line in machine() + [""] + lines:
            print(line)
        return 0
    runs = args.runs or (3 if args.quick else 5)
    size = "M" if args.quick else "L"
    samples, peer_samples = (10_000, 500) if args.quick else (100_000, 2_000)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - {"smaa", "validate", "help", "report", "sensitivity", "natural", "scenarios", "packages"}
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="rubric-bench-") as work:
        ENV["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
        child([sys.executable, "-c", WARM_UP])  # compile once, untimed
        if args.study:
            study_dir = args.study
            described = f"study {study_dir}"
        else:
            study_dir = os.path.join(work, f"study-{size}")
            o, c, g, a, p = SIZES[size]
            generate(study_dir, o, c, g, a, p, seed=args.seed)
            described = (f"study {size} (generated, seed {args.seed}): {o} options x {c} criteria in {g} groups x "
                         f"{a} analysts x {p} profiles, {o * c * a:,} scores")
        res = Results(runs)
        header = machine() + [described,
                              f"medians of {runs} runs (help: {max(runs, 5) * 4} runs); within a run every "
                              "side of a comparison is measured in turn",
                              "child processes: bytecode cached in a temporary folder (compiled by an untimed "
                              "warm-up run), wall time from spawn to exit, peak RSS from wait4"]
        for line in header:
            print(line, file=sys.stderr)
        for section in sections:
            print(f"running {section} ...", file=sys.stderr)
            if section == "smaa":
                section_smaa(res, study_dir, runs, samples, peer_samples)
            elif section == "validate":
                section_validate(res, study_dir, runs)
            elif section == "help":
                section_help(res, runs)
            elif section == "report":
                section_report(res, study_dir, runs, work)
            elif section == "sensitivity":
                section_sensitivity(res, runs, work, args.seed)
            elif section == "scenarios":
                section_scenarios(res, runs, study_dir, work, args.seed, samples)
            elif section == "natural":
                section_natural(res, runs, work, size, args.seed, samples // 50)
            elif section == "packages":
                section_packages(res, runs, work, size, args.seed)
        print_table(res, header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
