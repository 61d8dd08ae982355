"""Pure computations over numpy arrays: values, weights, consensus, methods, sensitivity, SMAA."""

# how SMAA draws the values: fixed consensus values; one analyst per option x criterion cell; or one
# analyst and then a value within that analyst's range (here, not in smaa.py: the CLI lists them
# without importing numpy)
SCORE_MODELS = ("consensus", "analysts", "ranges")

# the SMAA seed of `rubric report` and, by default, of `rubric smaa`, so the terminal and the
# workbook's SMAA sheet agree unless --seed says otherwise (here: the CLI's help names it without numpy)
DEFAULT_SEED = 20261121
