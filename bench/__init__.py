"""Benchmarks with targets: `python -m bench` runs every scenario and prints one table.

Targets are ratios to a peer measured in the same run (absolute times drift between machines).
"""
