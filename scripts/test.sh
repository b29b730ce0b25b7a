#!/usr/bin/env bash
# scripts/test.sh: every check the project has, the one command CI runs (.ci/run).
#
#   ruff, the compiled detector (rebuilt when a source changed), the docs site (mkdocs build --strict:
#   a broken link or anchor, or a page missing from the navigation, fails), then pytest: unit tests, the detector's quality floor, the JSON Schema drift check,
#   delivery tests against real SMTP and HTTP servers on loopback, and integration tests against
#   a real Apache Kafka broker, which this script starts (and stops again) when none is running,
#   and the desk store's tests against a private PostgreSQL cluster (scripts/postgres.sh), likewise;
#   the desk's browser tests need Debian's chromium.
#
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/detection -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

started=0
if ! scripts/kafka.sh status >/dev/null 2>&1; then
  scripts/kafka.sh start
  started=1
fi
pg_started=0
cleanup() {
  if [ "$started" = 1 ]; then scripts/kafka.sh stop || true; fi
  if [ "$pg_started" = 1 ]; then scripts/postgres.sh stop || true; fi
}
trap cleanup EXIT
if ! scripts/postgres.sh status >/dev/null 2>&1; then
  scripts/postgres.sh start
  pg_started=1
fi
ESCALERT_TEST_PG_URL="${ESCALERT_TEST_PG_URL:-$(scripts/postgres.sh url)}"
export ESCALERT_TEST_PG_URL

.venv/bin/ruff check .
# The detector is tested as it runs in production: compiled (rebuilt here if a source changed).
.venv/bin/python scripts/build_native.py --if-stale
# The manual as a static site, into site/ (git-ignored): broken links and references fail the run.
.venv/bin/mkdocs build --strict
ESCALERT_REQUIRE_KAFKA=1 ESCALERT_REQUIRE_POSTGRES=1 ESCALERT_REQUIRE_BROWSER=1 ESCALERT_REQUIRE_NATIVE=1 .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
