#!/usr/bin/env bash
# scripts/setup.sh: set up a fresh clone. Creates .venv with escalert and its dev tools, compiles
# the detector with mypyc, and fetches the Apache Kafka broker jars (from Maven Central, cached)
# that the tests and the demo use.
#
# Needs: python3 >= 3.11 with venv (PYTHON=/path/to/python picks one), a JDK (java) and Maven
# (mvn) for the broker jars.
# Idempotent: running it again only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# The interpreter: $PYTHON when set. Otherwise the distribution's /usr/bin/python3 when it is
# 3.11 or newer, then python3. Distributions build CPython with profile-guided optimisation and
# link-time optimisation into a static executable; pyenv's and a plain `./configure` build have
# neither, and run the detector ~15-20% slower (measured: docs/performance.md).
pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  local cand
  for cand in /usr/bin/python3 python3; do
    if "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$cand"; return
    fi
  done
  echo python3
}
if [ ! -x .venv/bin/python ]; then
  PY="$(pick_python)"
  # A distribution Python without its venv package (Debian's python3-venv) fails here: then
  # python3, unless PYTHON was given.
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    [ -z "${PYTHON:-}" ] || { echo "setup: $PYTHON -m venv failed" >&2; exit 1; }
    PY=python3
    "$PY" -m venv .venv
  fi
  echo "setup: .venv from $("$PY" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,rocksdb]'
# Compile the detector's hot modules with mypyc (optional: without a C compiler it stays pure
# Python, same output, slower; details in scripts/build_native.py).
.venv/bin/python scripts/build_native.py > .venv/build_native.log 2>&1 \
  || echo "setup: detector not compiled, pure Python (see .venv/build_native.log)"
scripts/kafka.sh fetch
echo "setup: ok (.venv ready, Kafka jars cached)"
