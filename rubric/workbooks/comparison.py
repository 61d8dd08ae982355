"""The comparison workbook's layout contract (`rubric report` writes it, `import-weights` reads its
Weights sheet back): sheet names, the Weights block, defined names and the `_meta` fields."""

from __future__ import annotations

from ..compute.consensus import DISAGREEMENT_LEVELS, DISAGREEMENT_VALUE

BANNER = "ILLUSTRATIVE DATA - example scores, not a real appraisal"  # row 1 of every sheet that shows scores

# the sheet names, each spelled once here
ABOUT_SHEET = "About"
SUMMARY_SHEET = "Summary"
SCREENING_SHEET = "Screening"     # only when the study has requirements
OPTIONS_SHEET = "Options"
EVIDENCE_SHEET = "Evidence"
RUBRIC_SHEET = "Rubric"
SCORES_SHEET = "Scores"
ANALYSTS_SHEET = "Analysts"
DISAGREEMENT_SHEET = "Disagreement"
WEIGHTS_SHEET = "Weights"
WEIGHT_INPUTS_SHEET = "Weight inputs"
RESULTS_SHEET = "Results"
COMPARE_SHEET = "Compare"
SCENARIOS_SHEET = "Scenarios"     # only when a scenario applies to the decision
SENSITIVITY_SHEET = "Sensitivity"
SMAA_SHEET = "SMAA"
VALUE_FOR_MONEY_SHEET = "Value for money"
PACKAGES_SHEET = "Packages"
SWAPS_SHEET = "Swaps"             # last: the long list of the sensitivity's swaps
META_SHEET = "_meta"

# every sheet in order, with what it holds (the About sheet lists them)
SHEETS = (
    (ABOUT_SHEET, "what this workbook is, where its numbers come from, and how to read it"),
    (SUMMARY_SHEET, "the answer first: the ranking, every profile's top 3, robustness, the closest call, "
                    "where the baselines land and how far the analysts agree, each line naming its detail sheet"),
    (SCREENING_SHEET, "the must-pass requirements: every option of the decision against each, pass, fail or "
                      "unclear, with the reasons; the options screened out, absent from every other sheet"),
    (OPTIONS_SHEET, "the policy options appraised: id, title, family, baseline marker, summary"),
    (EVIDENCE_SHEET, "the quotes each option's appraisal rests on, with their sources and locators, and the options' "
                     "documented measures on criteria measured in units"),
    (RUBRIC_SHEET, "every criterion with its question, direction and anchored levels, and each level's 0-100 value; "
                   "a criterion measured in a unit with its scale (unit, worst, best) and a chart of its value function"),
    (SCORES_SHEET, "consensus 0-100 value of every option on every criterion (the values behind the totals), as a heatmap; "
                   "beside it the pooled measures in their units and the analysts' ranges"),
    (ANALYSTS_SHEET, "every analyst's score: level or measure (or abstention and why), value, confidence, rationale, "
                     "range"),
    (DISAGREEMENT_SHEET, f"cells where analysts are {DISAGREEMENT_LEVELS} or more levels apart (or "
                         f"{DISAGREEMENT_VALUE:g} or more value points on a criterion measured in a unit), "
                         "Krippendorff's alpha, recorded dissent"),
    (WEIGHTS_SHEET, "each profile's weights as INPUTS (yellow, blue text) on its own scale (points, or percentages "
                    "for derived methods; group rows for hierarchical profiles), spare columns for a new profile, "
                    "the normalised weights by formula with a chart per profile, and how to import the edits"),
    (WEIGHT_INPUTS_SHEET, "each profile's raw weighting inputs (points, ranks, pairwise judgements) and local weights"),
    (RESULTS_SHEET, "live totals and ranks per profile (formulas over Scores and Weights), options best first by the "
                    "default profile; the live contribution of each criterion group to the default profile's totals, "
                    "and charts"),
    (COMPARE_SHEET, "ranks across profiles, Kendall's tau, robust and contested options, ranks by method and analyst"),
    (SCENARIOS_SHEET, "the scenarios (futures) with their drivers and probabilities (INPUTS), each option's score, "
                      "rank and regret in each, the minimax-regret choice, robust and fragile options, the expected "
                      "score by formula, and a chart of the scores across scenarios"),
    (SENSITIVITY_SHEET, "one-way weight sensitivity of the default profile: where the top option changes and to "
                        "which option, and a chart per criterion group of every option's total against its weight"),
    (SMAA_SHEET, "SMAA-2 rank acceptability, confidence factors and central weights (Monte Carlo), with a chart"),
    (VALUE_FOR_MONEY_SHEET, "where the study has a cost criterion: each profile's benefit (every other criterion) "
                            "against cost, benefit per unit cost and the efficient frontier, with a chart"),
    (PACKAGES_SHEET, "with `rubric report --budget B`: the best packages of compatible options within the budget"),
    (SWAPS_SHEET, "every pair of options whose order changes as one weight varies (the sensitivity's swaps), "
                  "at which weight"),
    (META_SHEET, "hidden: the workbook's identity (kind, study id, input hash, tool version), for tools"),
)

KIND = "comparison"          # `_meta` kind
FORMAT = "2"                 # `_meta` format: bumped when a reader must tell layouts apart (2: the Weights
                             # sheet on each profile's own scale, with group rows and spare columns)
# `_meta`: one field per row, name in column A and value in column B, in this order
META_FIELDS = ("kind", "format", "study_id", "input_hash", "tool_version", "rubric_id", "rubric_version",
               "session", "illustrative", "default_profile", "profiles", "smaa_seed", "smaa_samples",
               "written_at", "decision", "screened_out")   # decision: empty when the study has none


def meta_cell(field: str) -> str:
    """The cell holding `field`'s value on the `_meta` sheet."""
    return f"B{META_FIELDS.index(field) + 1}"


# The Weights sheet (format 2): a header row of profile ids, then a SCALE_LABEL row saying what each
# column holds, one row per criterion (id in CRITERION_COLUMN), a SUM_LABEL row, then (when a profile
# is hierarchical) one row per group, then a COMMENT_LABEL row. Input columns start at
# FIRST_INPUT_COLUMN, one per profile, then SPARE_COLUMNS headed SPARE_HEADER for new profiles; the
# normalised block (formulas) and a COMMENT_LABEL column of row comments follow.
HEADER_ROW = 11
CRITERION_COLUMN = 1
FIRST_INPUT_COLUMN = 4
SPARE_COLUMNS = 3
SPARE_HEADER = "new profile id"
SCALE_LABEL = "scale"
SUM_LABEL = "sum"
COMMENT_LABEL = "reviewer comment"

# defined names (for reviewers' own formulas and for tests)
SCORES_VALUES = "Scores_values"
RESULTS_OPTIONS = "Results_options"   # the option ids of the Results rows, default profile best first
RESULTS_TOTALS = "Results_totals"
RESULTS_RANKS = "Results_ranks"
SUMMARY_TOTALS = "Summary_totals"   # the default profile's live totals, options best first (as written)
SUMMARY_RANKS = "Summary_ranks"
RESULTS_GROUP_CONTRIBUTIONS = "Results_group_contributions"   # [option, top group], default profile, live
RESULTS_CONTRIBUTION_SUMS = "Results_contribution_sums"       # [option] their sum: the live total again
SUMMARY_GROUP_CONTRIBUTIONS = "Summary_group_contributions"   # the Summary's rows of the same, live
COMPARE_PROFILE_RANKS = "Compare_profile_ranks"
SMAA_ACCEPTABILITY = "Smaa_acceptability"
WEIGHTS_INPUT = "Weights_input"
WEIGHTS_NORMALISED = "Weights_normalised"
WEIGHTS_GROUP_INPUT = "Weights_group_input"   # [group, profile] group rows (hierarchical profiles)
WEIGHTS_GROUP_NORMALISED = "Weights_group_normalised"  # [group, profile] the sum of its criteria's weights
WEIGHTS_SPARE = "Weights_spare"               # the spare columns for new profiles, header row included
WEIGHTS_NORMALISED_SUM = "Weights_normalised_sum"
WEIGHTS_ROWS = "Weights_rows"
WEIGHTS_COMMENTS = "Weights_comments"
SCREENING_VERDICTS = "Screening_verdicts"               # [option, requirement] pass / fail / unclear
SCENARIOS_PROBABILITIES = "Scenarios_probabilities"     # one row: the probability inputs, baseline first
SCENARIOS_PROBABILITY_SUM = "Scenarios_probability_sum"  # their sum, by formula
SCENARIOS_SCORES = "Scenarios_scores"                   # [option, scenario] weighted-sum scores
SCENARIOS_EXPECTED = "Scenarios_expected"               # [option] SUMPRODUCT of probabilities and scores
SCENARIOS_RANKS = "Scenarios_ranks"                     # [option, scenario]
SCENARIOS_REGRET = "Scenarios_regret"                   # [option, scenario], then a max-regret column
