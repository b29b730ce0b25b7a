#!/usr/bin/env bash
# scripts/setup.sh: set up a fresh clone. Creates .venv with escalert and its dev tools, compiles
# the detector with mypyc, and fetches the Apache Kafka broker jars (from Maven Central, cached)
# that the tests and the demo use.
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
# Compile the detector's hot modules with mypyc (optional: without a C compiler it stays pure
# Python, same output, slower; details in scripts/build_native.py).
.venv/bin/python scripts/build_native.py > .venv/build_native.log 2>&1 \
  || echo "setup: detector not compiled, pure Python (see .venv/build_native.log)"
scripts/kafka.sh fetch
echo "setup: ok (.venv ready, Kafka jars cached)"
