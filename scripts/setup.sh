#!/usr/bin/env bash
# Set up everything echoless needs on a Debian machine: system packages, the virtual environment,
# the package. `scripts/setup.sh test` adds what the tests need (Chromium, piper, Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

packages=(espeak-ng)                       # spoken answers (optional at run time, used when present)
[ "$mode" = test ] && packages+=(chromium)  # browser tests
python_bin="$(command -v python3.11 || command -v python3)"
"$python_bin" -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test,bench]"
else
  .venv/bin/python -m pip install -q -e .
fi
