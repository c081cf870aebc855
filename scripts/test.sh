#!/usr/bin/env bash
# Runs the whole test suite. Extra arguments go to pytest.
# DATABASE_URL / CELERY_BROKER_URL choose PostgreSQL and Redis; without them
# the suite runs on SQLite. Browser journeys need /usr/bin/chromium: as root the
# script installs it (Debian's chromium and a CJK font) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Chromium and a CJK font for the browser journeys"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei gettext >/dev/null
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
fi
set +e
.venv/bin/pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "ERROR: pytest collected no test. A run that tests nothing is a failure." >&2
  exit 1
fi
exit "$status"
