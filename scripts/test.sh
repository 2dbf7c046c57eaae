#!/usr/bin/env bash
# Set everything up for the tests and run them all (PostgreSQL too when ECHOLESS_TEST_POSTGRES_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
