#!/usr/bin/env bash
# scripts/postgres.sh: a private PostgreSQL cluster on 127.0.0.1 for the desk store's tests.
#
#   scripts/postgres.sh start    initdb a cluster under the home (first time) and start it; wait until ready
#   scripts/postgres.sh stop     stop it (pg_ctl stop -m fast)
#   scripts/postgres.sh status   exit 0 if running and answering, 3 if not
#   scripts/postgres.sh url      print the SQLAlchemy URL of the cluster's `postgres` database
#
# Why a script: the desk's PostgreSQL store is tested against a real server, started and stopped
# like the Kafka broker. It uses Debian's packaged binaries (apt-get install postgresql) and
# never touches the system's own cluster: its own data directory, its own loopback port, its own
# socket directory, trust authentication on loopback only.
#
# Environment (defaults in brackets):
#   ESCALERT_PG_PORT   port [15432]
#   ESCALERT_PG_HOME   state: data directory, socket directory, log [<repo>/.local/postgres]
#   ESCALERT_PG_USER   the OS user that runs the server when this script runs as root [postgres]
#
# Exit codes: 0 ok, 1 failed, 2 usage or configuration error (no binaries), 3 not running (status).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PORT="${ESCALERT_PG_PORT:-15432}"
PGHOME="${ESCALERT_PG_HOME:-$REPO/.local/postgres}"
RUNAS="${ESCALERT_PG_USER:-postgres}"
DB_USER=escalert

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { local code="$1"; shift; say "$*"; exit "$code"; }

bindir() {
    # The newest Debian cluster binaries, else whatever is on PATH.
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$d" && -x "$d/pg_ctl" ]]; then echo "$d"; return; fi
    d="$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")"
    [[ -x "$d/pg_ctl" ]] || die 2 "no PostgreSQL binaries: apt-get install -y postgresql"
    echo "$d"
}

as_owner() {
    # The server refuses to run as root: run it as $RUNAS then.
    if [[ "$(id -u)" = 0 ]]; then
        runuser -u "$RUNAS" -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$PGHOME"
PGHOME="$(cd "$PGHOME" && pwd)"
DATA="$PGHOME/data"
SOCK="$PGHOME/run"
LOG="$PGHOME/server.log"

ready() {
    local bin; bin="$(bindir)"
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d postgres
}

running() {
    local bin; bin="$(bindir)"
    [[ -f "$DATA/postmaster.pid" ]] && as_owner "$bin/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

cmd_start() {
    local bin; bin="$(bindir)"
    if running; then say "already running on 127.0.0.1:$PORT ($DATA)"; return 0; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die 2 "port $PORT is in use by something else: set ESCALERT_PG_PORT"
    fi
    mkdir -p "$SOCK"
    if [[ "$(id -u)" = 0 ]]; then
        id "$RUNAS" >/dev/null 2>&1 || die 2 "no OS user $RUNAS to run the server as (ESCALERT_PG_USER)"
        chown "$RUNAS" "$PGHOME" "$SOCK"
    fi
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        say "initdb $DATA"
        as_owner "$bin/initdb" -D "$DATA" -U "$DB_USER" --auth=trust -E UTF8 --no-locale >"$PGHOME/initdb.log" 2>&1 \
            || { cat "$PGHOME/initdb.log" >&2; die 1 "initdb failed"; }
    fi
    as_owner touch "$LOG"
    say "starting on 127.0.0.1:$PORT"
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
        -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" >/dev/null \
        || { tail -n 20 "$LOG" >&2; die 1 "the server did not start (log: $LOG)"; }
    ready || die 1 "started but not answering (log: $LOG)"
    say "ready: $(cmd_url)"
}

cmd_stop() {
    local bin; bin="$(bindir)"
    if ! running; then say "not running"; return 0; fi
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    say "stopped"
}

cmd_status() {
    if running && ready; then say "running on 127.0.0.1:$PORT ($DATA)"; return 0; fi
    say "not running"; return 3
}

cmd_url() { echo "postgresql+psycopg://$DB_USER@127.0.0.1:$PORT/postgres"; }

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) cmd_url ;;
    *) die 2 "usage: $0 start|stop|status|url" ;;
esac
