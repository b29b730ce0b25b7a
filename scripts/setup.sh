#!/usr/bin/env bash
# scripts/setup.sh: set up a fresh clone. Creates .venv with escalert and its dev tools, and
# fetches the Apache Kafka broker jars (from Maven Central, cached) that the tests and the demo use.
#
# Needs: python3 >= 3.11 with venv, a JDK (java) and Maven (mvn) for the broker jars.
# Idempotent: running it again only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,rocksdb]'
scripts/kafka.sh fetch
echo "setup: ok (.venv ready, Kafka jars cached)"
