# One command per task; each creates the virtual environment it needs.
.PHONY: run test lint bench bench-quick

run:          ## set up, load the demo household, serve on 127.0.0.1:8000
	bash scripts/run.sh

test:         ## set up and run the whole test suite
	bash scripts/test.sh

lint:
	bash scripts/setup.sh test && .venv/bin/python -m pip install -q ruff && .venv/bin/ruff check src tests bench

bench:        ## every figure, full scale; appends a dated section to BENCHMARKS.md
	bash scripts/setup.sh test && .venv/bin/python -m bench --out BENCHMARKS.md

bench-quick:  ## the same in under 3 minutes, at reduced scale
	bash scripts/setup.sh test && .venv/bin/python -m bench --quick --out BENCHMARKS.md
