#!/usr/bin/env bash
# scripts/kafka.sh: a real single-node Apache Kafka (KRaft) broker on 127.0.0.1, no Docker.
#
#   scripts/kafka.sh fetch    download the broker's jars from Maven Central into the cache (once)
#   scripts/kafka.sh start    start the broker (formatting the log dir on first use); wait until ready
#   scripts/kafka.sh stop     SIGTERM the broker by its PID, SIGKILL after 30 s
#   scripts/kafka.sh reset    delete the log dir (every topic and offset); refused while running
#   scripts/kafka.sh status   exit 0 if running and answering, 3 if not
#   scripts/kafka.sh logs [-f] [N]   the last N lines of the broker log (follow with -f)
#
# Why a script and jars: no Debian or PyPI package ships a Kafka broker, this machine runs no
# Docker engine, and Maven Central has the broker's jars. Everything is started and stopped by
# PID (never by process name: that would hit every other broker on the machine).
#
# Environment (defaults in brackets):
#   ESCALERT_KAFKA_VERSION          [4.1.2]
#   ESCALERT_KAFKA_PORT             client port [19092]
#   ESCALERT_KAFKA_CONTROLLER_PORT  KRaft controller port [19093]
#   ESCALERT_KAFKA_HOME             state: config, log dir, PID file, broker.log [<repo>/.local/kafka]
#   ESCALERT_CACHE                  jar cache [$HOME/.cache/escalert]
#   ESCALERT_KAFKA_HEAP             JVM heap [512m]
#   ESCALERT_KAFKA_START_TIMEOUT    seconds to wait for readiness [90]
#   ESCALERT_KAFKA_TX_VERSION       if set, format with --feature transaction.version=N
#
# Data: `start` keeps the log dir ($ESCALERT_KAFKA_HOME/data) from one run to the next, so topics,
# messages and consumer offsets survive a restart; it formats the dir only when it holds no
# meta.properties yet (first start, or after `reset`). ESCALERT_KAFKA_TX_VERSION applies at that
# format only.
#
# Exit codes: 0 ok, 1 failed (start failed, fetch failed), 2 usage or config error (e.g. a port
# in use by something else, reset while running), 3 broker not running (status).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VERSION="${ESCALERT_KAFKA_VERSION:-4.1.2}"
PORT="${ESCALERT_KAFKA_PORT:-19092}"
CPORT="${ESCALERT_KAFKA_CONTROLLER_PORT:-19093}"
KHOME="${ESCALERT_KAFKA_HOME:-$REPO/.local/kafka}"
CACHE="${ESCALERT_CACHE:-$HOME/.cache/escalert}"
JARS="$CACHE/kafka-$VERSION"
HEAP="${ESCALERT_KAFKA_HEAP:-512m}"
TIMEOUT="${ESCALERT_KAFKA_START_TIMEOUT:-90}"
PIDFILE="$KHOME/broker.pid"
LOG="$KHOME/broker.log"
PY="$(command -v python3 || command -v python || true)"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { local code="$1"; shift; say "$*"; exit "$code"; }

mkdir -p "$KHOME"
KHOME="$(cd "$KHOME" && pwd)"
PIDFILE="$KHOME/broker.pid"
LOG="$KHOME/broker.log"

# --- helpers --------------------------------------------------------------------------------------

running_pid() {
    # Print the broker PID if the PID file names a live java process running kafka.Kafka with OUR
    # config (PIDs get reused; a stale file must not make us signal a stranger).
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/cmdline" ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $KHOME/server.properties" || return 1
    fi
    printf '%s\n' "$pid"
}

port_free() {
    # True when nothing listens on 127.0.0.1:$1 (bash's /dev/tcp connect fails).
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

api_versions_ok() {
    # An ApiVersions round trip on the client port: proves the broker is serving requests, not
    # just that a socket is open. Pure stdlib Python so it needs no venv.
    [[ -n "$PY" ]] || { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; return; }
    "$PY" - "$PORT" <<'PYEOF'
import socket, struct, sys
port = int(sys.argv[1])
client = b"escalert-ready"
# Request header v1: api_key=18 (ApiVersions), api_version=0, correlation_id, client_id.
body = struct.pack(">hhih", 18, 0, 4242, len(client)) + client
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        head = b""
        while len(head) < 8:
            chunk = s.recv(8 - len(head))
            if not chunk:
                sys.exit(1)
            head += chunk
        size, corr = struct.unpack(">ii", head)
        sys.exit(0 if corr == 4242 and size > 4 else 1)
except OSError:
    sys.exit(1)
PYEOF
}

formatted() {
    # A KRaft log dir is formatted once StorageTool has written its meta.properties.
    [[ -f "$KHOME/data/meta.properties" ]]
}

format_log_dir() {
    # A new cluster id each time: a format never collides with an earlier cluster's metadata.
    local cluster_id feature=()
    cluster_id="$(java -cp "$JARS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    if [[ -n "${ESCALERT_KAFKA_TX_VERSION:-}" ]]; then
        feature=(--feature "transaction.version=$ESCALERT_KAFKA_TX_VERSION")
    fi
    rm -rf "$KHOME/data"
    mkdir -p "$KHOME/data"
    java -Dlog4j2.configurationFile="$HERE/kafka/log4j2.xml" -cp "$JARS/*" kafka.tools.StorageTool \
        format -t "$cluster_id" -c "$KHOME/server.properties" "${feature[@]}" >"$KHOME/format.log" 2>&1 \
        || { cat "$KHOME/format.log" >&2; die 1 "formatting the log dir failed"; }
    say "formatted a new log dir $KHOME/data (cluster id $cluster_id)"
}

need_java() {
    command -v java >/dev/null || die 2 "java not found: install a JDK 17 (e.g. apt-get install -y openjdk-17-jre-headless)"
}

# --- commands -------------------------------------------------------------------------------------

cmd_fetch() {
    need_java
    if [[ -f "$JARS/.complete" ]]; then
        say "Apache Kafka $VERSION jars already in $JARS"
        return 0
    fi
    command -v mvn >/dev/null || die 2 "mvn not found: install Maven (e.g. apt-get install -y maven)"
    case "$VERSION" in
        4.*) ;;
        *) die 2 "ESCALERT_KAFKA_VERSION=$VERSION: only 4.x is wired in scripts/kafka/pom.xml" ;;
    esac
    say "fetching Apache Kafka $VERSION from Maven Central into $JARS"
    rm -rf "$JARS.tmp"
    mkdir -p "$JARS.tmp"
    mvn -B -ntp -q -f "$HERE/kafka/pom.xml" -Dkafka.version="$VERSION" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$JARS.tmp" \
        || die 1 "maven could not fetch the Kafka $VERSION jars (network to Maven Central?)"
    local got
    got="$(java -cp "$JARS.tmp/*" kafka.Kafka --version 2>/dev/null | tail -1 || true)"
    [[ "$got" == "$VERSION"* ]] || die 1 "sanity check failed: 'kafka.Kafka --version' printed '$got', expected $VERSION"
    rm -rf "$JARS"
    mv "$JARS.tmp" "$JARS"
    touch "$JARS/.complete"
    say "ok: $(ls "$JARS"/*.jar | wc -l) jars, $(du -sh "$JARS" | cut -f1)"
}

cmd_start() {
    local pid
    if pid="$(running_pid)"; then
        say "already running (pid $pid) on 127.0.0.1:$PORT"
        return 0
    fi
    need_java
    [[ "$PORT" =~ ^[0-9]+$ && "$CPORT" =~ ^[0-9]+$ && "$PORT" != "$CPORT" ]] \
        || die 2 "ESCALERT_KAFKA_PORT=$PORT / ESCALERT_KAFKA_CONTROLLER_PORT=$CPORT: need two different port numbers"
    port_free "$PORT" || die 2 "port 127.0.0.1:$PORT (ESCALERT_KAFKA_PORT) is already in use by another process"
    port_free "$CPORT" || die 2 "port 127.0.0.1:$CPORT (ESCALERT_KAFKA_CONTROLLER_PORT) is already in use by another process"
    cmd_fetch

    mkdir -p "$KHOME/data"
    sed -e "s|@PORT@|$PORT|g" -e "s|@CPORT@|$CPORT|g" -e "s|@LOGDIR@|$KHOME/data|g" \
        "$HERE/kafka/server.properties.in" >"$KHOME/server.properties"
    if formatted; then
        say "keeping the existing log dir $KHOME/data (scripts/kafka.sh reset wipes it)"
        [[ -z "${ESCALERT_KAFKA_TX_VERSION:-}" ]] \
            || say "ESCALERT_KAFKA_TX_VERSION applies when the log dir is formatted; ignored (reset first)"
    else
        format_log_dir
    fi

    : >"$LOG"
    # setsid: the broker gets its own session, so a Ctrl-C in the terminal that started it (or the
    # end of a CI step) does not kill it behind our back; it is stopped by PID only.
    setsid java -Xms256m "-Xmx$HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
        -Djava.net.preferIPv4Stack=true -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$HERE/kafka/log4j2.xml" \
        -cp "$JARS/*" kafka.Kafka "$KHOME/server.properties" >>"$LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    say "started Apache Kafka $VERSION (pid $pid), waiting for 127.0.0.1:$PORT ..."

    local start=$SECONDS
    while ((SECONDS - start < TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$LOG" >&2
            rm -f "$PIDFILE"
            die 1 "the broker exited during start-up (log: $LOG)"
        fi
        if api_versions_ok; then
            say "ready on 127.0.0.1:$PORT after $((SECONDS - start)) s (log: $LOG)"
            return 0
        fi
        sleep 0.5
    done
    tail -n 40 "$LOG" >&2
    say "not ready after $TIMEOUT s; stopping it"
    cmd_stop || true
    exit 1
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PIDFILE"
        say "not running"
        return 0
    fi
    say "stopping pid $pid (SIGTERM, SIGKILL after 30 s)"
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "still alive after 30 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$PIDFILE"
    say "stopped"
}

cmd_reset() {
    # Refuses rather than stopping first: a reset is destructive, and stopping a broker other
    # programs use should be its own explicit step.
    local pid
    if pid="$(running_pid)"; then
        die 2 "the broker is running (pid $pid) on 127.0.0.1:$PORT: scripts/kafka.sh stop first"
    fi
    if [[ -d "$KHOME/data" ]]; then
        rm -rf "$KHOME/data"
        say "deleted $KHOME/data: the next start formats a new, empty cluster"
    else
        say "nothing to reset in $KHOME"
    fi
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        if api_versions_ok; then
            echo "running (pid $pid) on 127.0.0.1:$PORT, Apache Kafka $VERSION"
            return 0
        fi
        echo "process alive (pid $pid) but 127.0.0.1:$PORT does not answer"
        return 3
    fi
    echo "not running"
    return 3
}

cmd_logs() {
    [[ -f "$LOG" ]] || die 1 "no log yet at $LOG"
    local follow=0 n=50
    for a in "$@"; do
        case "$a" in
            -f | --follow) follow=1 ;;
            *[!0-9]*) die 2 "logs: expected -f or a line count, got '$a'" ;;
            *) n="$a" ;;
        esac
    done
    if ((follow)); then tail -n "$n" -f "$LOG"; else tail -n "$n" "$LOG"; fi
}

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    logs) shift; cmd_logs "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
