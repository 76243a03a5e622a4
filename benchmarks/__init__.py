"""Benchmarks: each compares a candidate with a baseline measured in the same run."""
