#!/usr/bin/env bash
# Set everything up, make a data home with the demo household and its history, and serve it.
# Credentials are printed once, at the first set-up; later runs mint nothing and say how to reset them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export ECHOLESS_HOME="${ECHOLESS_HOME:-$PWD/echoless-data}"
echoless=.venv/bin/echoless
# `init` changes nothing in a home that is already set up; the first time it makes the owner and their token.
init="$($echoless init --json)"
owner_token="$(printf '%s' "$init" | .venv/bin/python -c '
import json, sys
init = json.load(sys.stdin)
print(init["member"]["token"] if init.get("created") else "")')"
if [ -n "$owner_token" ]; then
  password="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')"
  printf '%s\n' "$password" | $echoless members password owner >/dev/null
  echo "Set up $ECHOLESS_HOME. Shown once, keep them:"
  echo "  Privacy Hub sign-in: owner / $password"
  echo "  owner API token (Authorization: Bearer ...): $owner_token"
else
  echo "$ECHOLESS_HOME is already set up. To reset the owner's credentials:"
  echo "  Privacy Hub password: $echoless members password owner"
  echo "  a new API token:      $echoless members token owner   (list or revoke: $echoless tokens list|revoke)"
fi
$echoless demo
echo
echo "Open http://${ECHOLESS_HOST:-127.0.0.1}:${ECHOLESS_PORT:-8000}/ (API docs at /docs)"
exec $echoless serve
