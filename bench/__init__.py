"""Benchmarks: run as scripts (`make bench`); a package so uvicorn can import the baselines."""
