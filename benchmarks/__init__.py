"""Performance benchmarks (issue 8). Run ``python benchmarks/run.py``; see docs/performance.md."""
