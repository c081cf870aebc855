#!/usr/bin/env bash
# One command for a first run: install, migrate, load the demo data, and run the
# web server plus a Celery worker and beat on the embedded default (SQLite and a
# filesystem broker under var/; no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
export DJANGO_SETTINGS_MODULE=liaison.settings.local
py=.venv/bin/python
echo "==> Preparing the database (var/portal.sqlite3)"
$py manage.py migrate --noinput -v0
$py manage.py createcachetable
echo "==> Loading the demo data"
$py manage.py seed_demo
host=${HOST:-127.0.0.1}
port=${PORT:-8000}
cat <<MSG

==> The portal is starting: http://$host:$port/
    Demo logins are listed above (password: Liaison@2026). Stop with Ctrl-C.

MSG
export PATH="$PWD/.venv/bin:$PATH" HOST="$host" PORT="$port"
exec .venv/bin/honcho -f Procfile.dev start
