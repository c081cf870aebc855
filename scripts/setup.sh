#!/usr/bin/env bash
# Installs what the portal needs into .venv and node_modules. Sourced by demo.sh and test.sh.
# Usage: scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-dev}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "The portal needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
req=requirements.txt
[ "$kind" = dev ] && req=requirements-dev.txt
stamp=.venv/.installed-$(sha1sum "$req" requirements.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "==> Installing Python packages ($req)"
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$req"
  touch "$stamp"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed once to install the front-end packages (Bootstrap) from the npm registry." >&2
    exit 1
  fi
  echo "==> Installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

mkdir -p var
if command -v msgfmt >/dev/null 2>&1; then
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
fi
