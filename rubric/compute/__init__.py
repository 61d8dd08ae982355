"""Pure computations over numpy arrays: values, weights, consensus, methods, sensitivity, SMAA."""
