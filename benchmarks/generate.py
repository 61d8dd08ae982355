"""Synthetic studies of any size, valid against the schemas and `rubric validate`.

    python -m benchmarks.generate DIR [--options N] [--criteria M] [--groups G] [--analysts A]
                                      [--profiles P] [--seed S] [--abstain F] [--natural] [--ranges F]
                                      [--conflicts N]

The default size is L: 200 options x 40 criteria in 8 groups x 12 analysts x 10 profiles, i.e. one
session of 96,000 scores. The YAML text is written directly (no YAML library), in the same record
layout as `policies/` and `tests/data/mini`: study.yaml, sources.yaml, rubric.yaml, options/,
profiles/ and sessions/. The output depends only on the arguments: the same seed gives the same
bytes (Python's `random.Random`, whose sequence is stable across platforms and versions).

What is generated:
- sources (one per 10 options, at least 3) and five option families;
- options, each with 1-3 evidence quotes (at most 40 words), precedents, benefits and risks; one
  business-as-usual and one do-minimum baseline;
- a rubric of G top-level groups holding the M criteria, five anchored levels each, benefit and
  cost directions, and an explicit points value function on every fourth criterion;
- P profiles cycling through the four weighting methods, flat (`leaves`) and hierarchical (a
  `rubric` block and one per group): direct/flat, swing/hierarchical, rank/flat, ahp/hierarchical,
  direct/hierarchical, swing/flat, rank/hierarchical (rank-sum), ahp/flat. AHP judgements are
  ratios of hidden weights, so they are consistent (CR ~ 0) and no warning is printed;
- one session in which every analyst scores every option x criterion with a short rationale;
  levels follow a hidden option quality plus noise, so analysts mostly agree. A small share of
  scores (`--abstain`, default 0.005) are abstentions, never by the first analyst, so every cell
  keeps at least one level;
- with `--natural`, the same study on natural scales: each criterion measured in "points" from 10
  to 50 (worst 10 and best 50 for a benefit, the reverse for a cost), every score `value: 10 x level`
  and the points value functions as the same piecewise functions, so every value, and so every
  ranking, equals the level study's;
- with `--ranges F`, a share F of the scores carries a range (`low`/`high`: a level either side,
  or 10 points either side, within the scale), drawn from a stream of its own so the scores stay
  the same.
- with `--conflicts N`, option packages: study.yaml names the first cost criterion as the value-for-
  money cost (`value_for_money: {cost_criterion: ...}`) and N disjoint pairs of options (never the
  business-as-usual one) conflict (`conflicts_with`), drawn from a stream of their own. Without it
  the bytes are those of earlier versions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

SIZES = {  # name: (options, criteria, groups, analysts, profiles)
    "S": (12, 6, 3, 3, 4),
    "M": (50, 16, 4, 6, 6),
    "L": (200, 40, 8, 12, 10),
}
MAX_FILE_BYTES = 20 * 1024 * 1024  # rubric.records.yamlio.MAX_YAML_BYTES
LEVELS = (1, 2, 3, 4, 5)
LEVEL_LABELS = ("Very low", "Low", "Moderate", "High", "Very high")
CONFIDENCES = ("low", "medium", "high")
COMBOS = (("direct", False), ("swing", True), ("rank", False), ("ahp", True),
          ("direct", True), ("swing", False), ("rank", True), ("ahp", False))
FAMILIES = (("prevention", "Prevention"), ("justice", "Justice and prosecution"),
            ("detention", "Detention regimes"), ("reintegration", "Reintegration"),
            ("negotiation", "Negotiation and dialogue"))
WORDS = ("authorities", "detainees", "programme", "courts", "partners", "regional", "security", "families",
         "evidence", "prosecution", "release", "monitoring", "community", "funding", "risk", "return",
         "camps", "dialogue", "capacity", "oversight", "local", "international", "trial", "support",
         "network", "recruitment", "agreement", "services", "reform", "pressure", "violence", "rights")
RATIONALES = ("Consistent with the cited evidence.", "The anchor fits the precedent best.",
              "Partial evidence; judged from comparable cases.", "Sources agree on the direction.",
              "Limited data; the middle anchor is safest.", "Strong precedent in the region.",
              "Depends on partner cooperation.", "Costs dominate the record.")


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return (" ".join(chosen)).capitalize() + "."


def _split(total: int, parts: int) -> list[int]:
    """`total` items into `parts` contiguous chunks as equal as possible (first chunks larger)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class Spec:
    def __init__(self, options: int, criteria: int, groups: int, analysts: int, profiles: int, seed: int,
                 abstain: float = 0.005, natural: bool = False, ranges: float = 0.0):
        if options < 1 or criteria < 1 or groups < 1 or analysts < 1 or profiles < 1:
            raise ValueError("every count must be at least 1")
        if groups > criteria:
            raise ValueError("each group needs at least one criterion: --groups must be <= --criteria")
        if not 0 <= abstain < 1:
            raise ValueError("--abstain must be in [0, 1)")
        if not 0 <= ranges <= 1:
            raise ValueError("--ranges must be in [0, 1]")
        self.natural, self.ranges = natural, ranges
        self.n_options, self.n_criteria, self.n_groups = options, criteria, groups
        self.n_analysts, self.n_profiles, self.seed, self.abstain = analysts, profiles, seed, abstain
        width = max(2, len(str(options)))
        self.options = [f"opt-{i + 1:0{width}d}" for i in range(options)]
        self.groups = [f"grp-{g + 1:02d}" for g in range(groups)]
        self.members = [[f"c{g + 1:02d}-{j + 1:02d}" for j in range(size)]
                        for g, size in enumerate(_split(criteria, groups))]
        self.criteria = [c for group in self.members for c in group]
        self.analysts = [f"analyst-{a + 1:02d}" for a in range(analysts)]
        self.sources = [f"src-{s + 1:03d}" for s in range(max(3, options // 10))]
        self.profiles = [f"profile-{p + 1:02d}" for p in range(profiles)]
        self.session = "round-1"


def _study(spec: Spec) -> str:
    families = "".join(f"  - {{id: {fid}, name: {q(name)}}}\n" for fid, name in FAMILIES)
    return (
        f"# Synthetic study generated by benchmarks/generate.py (seed {spec.seed}); not a real appraisal.\n"
        f"id: synthetic-{spec.n_options}x{spec.n_criteria}\n"
        f"title: {q(f'Synthetic benchmark study ({spec.n_options} options x {spec.n_criteria} criteria)')}\n"
        f"question: {q('Which synthetic option performs best across the rubric?')}\n"
        f"context: {q('Generated data for performance benchmarks; the content is meaningless.')}\n"
        f"decision_makers: [{q('Benchmark board')}]\n"
        f"families:\n{families}"
        f"consensus: median\n"
        f"defaults: {{profile: {spec.profiles[0]}, method: wsm, session: {spec.session}}}\n"
        f"methods:\n  promethee: {{function: linear, q: 5, p: 25}}\n")


def _sources(spec: Spec, rng: random.Random) -> str:
    kinds = ("report", "article", "news", "book", "dataset")
    out = ["sources:\n"]
    for i, sid in enumerate(spec.sources):
        year = 2000 + rng.randrange(26)
        out.append(
            f"  - id: {sid}\n"
            f"    title: {q(f'Synthetic source {i + 1}: ' + _sentence(rng, 5))}\n"
            f"    publisher: {q('Publisher ' + str(1 + i % 7))}\n"
            f"    authors: [{q(f'Author {i + 1}')}]\n"
            f"    date: \"{year}-{1 + rng.randrange(12):02d}\"\n"
            f"    kind: {kinds[i % len(kinds)]}\n"
            f"    file: {sid}.txt\n")
    return "".join(out)


def _rubric(spec: Spec, rng: random.Random) -> str:
    out = ["id: synthetic-rubric\n", 'version: "1.0"\n', f"title: {q('Synthetic rubric')}\n", "groups:\n"]
    k = 0
    for g, (gid, members) in enumerate(zip(spec.groups, spec.members)):
        out.append(f"  - id: {gid}\n    name: {q(f'Group {g + 1}')}\n"
                   f"    description: {q(_sentence(rng, 8))}\n    criteria:\n")
        for cid in members:
            direction = "cost" if k % 3 == 2 else "benefit"
            out.append(f"      - id: {cid}\n        name: {q(f'Criterion {cid}')}\n"
                       f"        question: {q('How does the option fare on ' + cid + '?')}\n"
                       f"        direction: {direction}\n")
            if spec.natural:
                worst, best = (10, 50) if direction == "benefit" else (50, 10)
                out.append(f"        scale: {{kind: natural, unit: points, worst: {worst}, best: {best}}}\n")
                if k % 4 == 3:
                    values = [0, 40, 65, 85, 100] if direction == "benefit" else [100, 85, 65, 40, 0]
                    points = ", ".join(f"[{10 * level}, {v}]" for level, v in zip(LEVELS, values))
                    out.append(f"        value_function: {{kind: piecewise, points: [{points}]}}\n")
                k += 1
                continue
            out.append("        levels:\n")
            for level, label in zip(LEVELS, LEVEL_LABELS):
                out.append(f"          - {{level: {level}, label: {q(label)}, "
                           f"descriptor: {q(f'{label} {cid}: ' + _sentence(rng, 6))}}}\n")
            if k % 4 == 3:
                values = [0, 40, 65, 85, 100] if direction == "benefit" else [100, 85, 65, 40, 0]
                points = ", ".join(f"{level}: {v}" for level, v in zip(LEVELS, values))
                out.append(f"        value_function:\n          kind: points\n          points: {{{points}}}\n")
            k += 1
    return "".join(out)


def _option(spec: Spec, rng: random.Random, index: int) -> str:
    oid = spec.options[index]
    family = FAMILIES[index % len(FAMILIES)][0]
    baseline = {0: "business-as-usual", 1: "do-minimum"}.get(index, "none")
    out = [f"id: {oid}\n", f"title: {q(f'Option {index + 1}: ' + _sentence(rng, 4))}\n", f"family: {family}\n",
           f"baseline: {baseline}\n", f"summary: {q(_sentence(rng, 25))}\n", f"mechanism: {q(_sentence(rng, 30))}\n",
           f"context: {{countries: [{q('Country ' + str(1 + index % 9))}], actors: [{q('Ministry')}, {q('Courts')}]}}\n",
           "precedents:\n",
           f"  - {{date: \"{2001 + rng.randrange(25)}\", event: {q(_sentence(rng, 12))}, "
           f"source: {rng.choice(spec.sources)}}}\n",
           "benefits:\n", f"  - {q(_sentence(rng, 10))}\n", f"  - {q(_sentence(rng, 10))}\n",
           "risks:\n", f"  - {q(_sentence(rng, 10))}\n",
           "preconditions:\n", f"  - {q(_sentence(rng, 8))}\n",
           "evidence:\n"]
    for _ in range(1 + rng.randrange(3)):
        out.append(f"  - source: {rng.choice(spec.sources)}\n"
                   f"    locator: {q(f'para. {1 + rng.randrange(200)}')}\n"
                   f"    quote: {q(_sentence(rng, 8 + rng.randrange(20)))}\n"
                   f"    note: {q(_sentence(rng, 6))}\n")
    return "".join(out)


def _items(method: str, ids: list[str], rng: random.Random, indent: str) -> tuple[str, list[str]]:
    """A block's items (and AHP judgements) for one method."""
    hidden = [1 + rng.randrange(9) for _ in ids]  # hidden importance 1..9 (ratios stay within 1/9..9)
    order = sorted(range(len(ids)), key=lambda i: (-hidden[i], i))
    rank = {i: r + 1 for r, i in enumerate(order)}
    lines = []
    for i, item in enumerate(ids):
        why = q(f"Weight of {item} for this stakeholder.")
        if method == "direct":
            lines.append(f"{indent}- {{id: {item}, points: {hidden[i] * 10}, rationale: {why}}}\n")
        elif method == "swing":
            # points fall with the rank; the top swing gets 100
            points = round(100 * hidden[i] / hidden[order[0]])
            lines.append(f"{indent}- {{id: {item}, rank: {rank[i]}, points: {points}, rationale: {why}}}\n")
        elif method == "rank":
            lines.append(f"{indent}- {{id: {item}, rank: {rank[i]}, rationale: {why}}}\n")
        else:
            lines.append(f"{indent}- {{id: {item}, rationale: {why}}}\n")
    judgements = []
    if method == "ahp":
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                ratio = round(hidden[i] / hidden[j], 3)
                judgements.append(f"{indent}- {{a: {ids[i]}, b: {ids[j]}, ratio: {ratio}}}\n")
    return "".join(lines), judgements


def _block(method: str, node: str, ids: list[str], rng: random.Random) -> str:
    items, judgements = _items(method, ids, rng, "      ")
    text = f"  - node: {node}\n    items:\n{items}"
    if method == "ahp":
        text += "    judgements:\n" + "".join(judgements) if judgements else "    judgements: []\n"
    return text


def _profile(spec: Spec, rng: random.Random, index: int) -> str:
    pid = spec.profiles[index]
    method, tree = COMBOS[index % len(COMBOS)]
    scheme = "rank-sum" if method == "rank" and tree else "roc"
    shape = "hierarchical" if tree else "flat"
    out = [f"id: {pid}\n", f"name: {q(f'Stakeholder {index + 1}')}\n",
           f"represents: {q(f'Synthetic stakeholder {index + 1} ({method}, {shape}).')}\n",
           f"method: {method}\n"]
    if method == "rank":
        out.append(f"rank_scheme: {scheme}\n")
    out.append("blocks:\n")
    if tree:
        out.append(_block(method, "rubric", spec.groups, rng))
        for gid, members in zip(spec.groups, spec.members):
            out.append(_block(method, gid, members, rng))
    else:
        out.append(_block(method, "leaves", spec.criteria, rng))
    return "".join(out)


def _session(spec: Spec, rng: random.Random) -> str:
    out = [f"# Synthetic scores generated by benchmarks/generate.py (seed {spec.seed}); not a real appraisal.\n",
           f"id: {spec.session}\n", f"title: {q('Synthetic scoring round')}\n", 'date: "2026-01-15"\n',
           "illustrative: true\n", 'rubric: {id: synthetic-rubric, version: "1.0"}\n',
           f"facilitator: {q('Synthetic facilitator')}\n", "participants:\n"]
    out.extend(f"  - {{id: {a}, name: {q(f'Analyst {i + 1}')}, role: \"analyst\"}}\n"
               for i, a in enumerate(spec.analysts))
    out.append("scores:\n")
    quality = [[rng.gauss(3.0, 1.0) for _ in spec.criteria] for _ in spec.options]
    bias = [rng.gauss(0.0, 0.3) for _ in spec.analysts]
    evidence = [f"[{s}]" for s in spec.sources]
    rationales = [q(r) for r in RATIONALES]
    append = out.append
    random_ = rng.random
    ranged = random.Random(f"{spec.seed}/ranges").random   # its own stream: the scores stay the same
    natural = spec.natural
    for a, analyst in enumerate(spec.analysts):
        head = f"  - analyst: {analyst}\n    option: "
        for o, option in enumerate(spec.options):
            row = quality[o]
            for c, criterion in enumerate(spec.criteria):
                confidence = CONFIDENCES[int(random_() * 3)]
                rationale = rationales[int(random_() * len(rationales))]
                source = evidence[int(random_() * len(evidence))]
                if a and random_() < spec.abstain:
                    score = 'abstain: "No basis to judge this cell."\n'
                else:
                    level = min(5, max(1, round(row[c] + bias[a] + (random_() - 0.5) * 1.6)))
                    score = f"value: {10.0 * level}\n" if natural else f"level: {level}\n"
                    if spec.ranges and ranged() < spec.ranges:
                        low, high = max(1, level - 1), min(5, level + 1)
                        score += (f"    low: {10.0 * low}\n    high: {10.0 * high}\n" if natural
                                  else f"    low: {low}\n    high: {high}\n")
                append(f"{head}{option}\n    criterion: {criterion}\n    {score}"
                       f"    confidence: {confidence}\n    rationale: {rationale}\n"
                       f"    evidence: {source}\n")
    out.append("dissent:\n")
    out.append(f"  - {{analyst: {spec.analysts[-1]}, option: {spec.options[-1]}, criterion: {spec.criteria[0]}, "
               f"note: {q('Disagrees with the group on this cell.')}}}\n")
    return "".join(out)


def _conflict_pairs(spec: Spec, count: int) -> dict[str, list[str]]:
    """option id -> the options it conflicts with: `count` disjoint pairs, option 1 (business as
    usual) never in one."""
    if count < 0 or 2 * count > spec.n_options - 1:
        raise ValueError("--conflicts must be between 0 and (options - 1) / 2")
    chosen = random.Random(f"{spec.seed}/conflicts").sample(spec.options[1:], 2 * count)
    return {a: [b] for a, b in zip(chosen[::2], chosen[1::2])}


def generate(directory: str | os.PathLike, options: int = 200, criteria: int = 40, groups: int = 8,
             analysts: int = 12, profiles: int = 10, seed: int = 1, abstain: float = 0.005,
             natural: bool = False, ranges: float = 0.0, conflicts: int | None = None) -> Path:
    """Write a synthetic study into `directory` (created; it must not hold a study already).
    `conflicts`: None for no packages settings; a number for the value-for-money cost criterion
    and that many conflicting pairs of options."""
    spec = Spec(options, criteria, groups, analysts, profiles, seed, abstain, natural, ranges)
    pairs = _conflict_pairs(spec, conflicts) if conflicts is not None else {}
    root = Path(directory)
    if (root / "study.yaml").exists():
        raise FileExistsError(f"{root} already holds a study")
    for sub in ("options", "profiles", "sessions"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    # one stream per record kind, so changing one count does not reshuffle every other record
    files = {"study.yaml": _study(spec),
             "sources.yaml": _sources(spec, random.Random(f"{seed}/sources")),
             "rubric.yaml": _rubric(spec, random.Random(f"{seed}/rubric"))}
    rng = random.Random(f"{seed}/options")
    for i, oid in enumerate(spec.options):
        files[f"options/{oid}.yaml"] = _option(spec, rng, i)
        if oid in pairs:
            files[f"options/{oid}.yaml"] += f"conflicts_with: [{', '.join(pairs[oid])}]\n"
    if conflicts is not None:
        costs = [c for k, c in enumerate(spec.criteria) if k % 3 == 2]
        if not costs:
            raise ValueError("--conflicts needs a cost criterion: at least 3 criteria")
        files["study.yaml"] += f"value_for_money: {{cost_criterion: {costs[0]}}}\n"
    rng = random.Random(f"{seed}/profiles")
    for i, pid in enumerate(spec.profiles):
        files[f"profiles/{pid}.yaml"] = _profile(spec, rng, i)
    files[f"sessions/{spec.session}.yaml"] = _session(spec, random.Random(f"{seed}/session"))
    for name, text in files.items():
        data = text.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{name} would be {len(data):,} bytes, over rubric's {MAX_FILE_BYTES:,}-byte file "
                             "limit: use fewer options, criteria or analysts")
        (root / name).write_bytes(data)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", metavar="DIR", help="folder to write the study into")
    parser.add_argument("--size", choices=sorted(SIZES), default="L",
                        help="preset for the counts not given (default L: 200x40x8x12x10)")
    parser.add_argument("--options", type=int)
    parser.add_argument("--criteria", type=int)
    parser.add_argument("--groups", type=int)
    parser.add_argument("--analysts", type=int)
    parser.add_argument("--profiles", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--abstain", type=float, default=0.005, help="share of abstentions (default 0.005)")
    parser.add_argument("--natural", action="store_true", help="the same study with criteria on natural scales")
    parser.add_argument("--ranges", type=float, default=0.0, help="share of scores with a low/high range")
    parser.add_argument("--conflicts", type=int, default=None, metavar="N",
                        help="option packages: a value-for-money cost criterion and N conflicting pairs")
    args = parser.parse_args(argv)
    preset = dict(zip(("options", "criteria", "groups", "analysts", "profiles"), SIZES[args.size]))
    counts = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in preset.items()}
    try:
        root = generate(args.dir, seed=args.seed, abstain=args.abstain, natural=args.natural, ranges=args.ranges,
                        conflicts=args.conflicts, **counts)
    except (ValueError, FileExistsError) as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    scores = counts["options"] * counts["criteria"] * counts["analysts"]
    print(f"wrote {root}: {counts['options']} options x {counts['criteria']} criteria in {counts['groups']} groups, "
          f"{counts['analysts']} analysts ({scores:,} scores), {counts['profiles']} profiles, seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
