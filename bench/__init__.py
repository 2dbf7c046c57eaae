"""The echoless benchmark harness: `python -m bench [--quick] [--only N,...] [--out BENCHMARKS.md]`."""
