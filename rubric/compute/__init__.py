"""Pure computations over numpy arrays: values, weights, consensus, methods, sensitivity, SMAA."""

# how SMAA draws the values: fixed consensus values; one analyst per option x criterion cell; or one
# analyst and then a value within that analyst's range (here, not in smaa.py: the CLI lists them
# without importing numpy)
SCORE_MODELS = ("consensus", "analysts", "ranges")
