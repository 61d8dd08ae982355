"""Benchmarks of rubric: a synthetic study generator (generate.py) and the runner (run.py)."""
