"""Benchmarks: each ``bench_*.py`` module's ``run(quick)`` returns rows measured against an anchor."""
