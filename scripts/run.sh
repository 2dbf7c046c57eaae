#!/usr/bin/env bash
# Set everything up, make a data home with the demo household and its history, and serve it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export ECHOLESS_HOME="${ECHOLESS_HOME:-$PWD/echoless-data}"
echoless=.venv/bin/echoless
if [ ! -f "$ECHOLESS_HOME/signing.key" ]; then
  $echoless init
  password="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')"
  printf '%s\n' "$password" | $echoless members password owner >/dev/null
  echo "Privacy Hub sign-in: owner / $password (shown once; change it: echoless members password owner)"
fi
$echoless demo
echo
echo "A fresh member token for the owner (the API's Authorization: Bearer ...):"
$echoless members token owner
echo
echo "Open http://${ECHOLESS_HOST:-127.0.0.1}:${ECHOLESS_PORT:-8000}/ (API docs at /docs)"
exec $echoless serve
