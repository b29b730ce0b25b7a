"""What the worker's web server exposes, and where: only health and metrics, on loopback.

Faust's built-in pages are off: ``/table/<name>/<key>/`` would serve the dedupe table and the
delivery ledger without authentication, ``/router/`` the cluster's worker URLs. A web port that
is already taken is a configuration error (one line, exit 2), not a worker crash.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket in LISTEN state on ``port`` (Linux /proc/net/tcp{,6})."""
    found = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hexport = fields[1].rsplit(":", 1)
            if int(hexport, 16) == port and fields[3] == "0A":
                if name == "tcp":
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1]))
                else:
                    raw = b"".join(bytes.fromhex(addr[i:i + 8])[::-1] for i in range(0, 32, 8))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def test_only_health_and_metrics_are_served_and_only_on_loopback(make_stream, tmp_path):
    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: ops\n    urls: ['escalertconsole://']\n")
    # the shipped table store (rocksdb://), with the alert agents and so the delivery ledger
    stream = make_stream(partitions=1, ESCALERT_STORE="rocksdb://",
                         ESCALERT_DETECTOR="tests.stream.fakes:two_signals",
                         ESCALERT_ALERTS_SUBSCRIPTIONS=str(subs))
    stream.env["ESCALERT_TOPICS__ALERTS"] = f"{stream.app_id}-alerts"  # deleted with the stream's
    stream.env["ESCALERT_TOPICS__ALERTS_DLQ"] = f"{stream.app_id}-alerts-dlq"
    stream.env.pop("ESCALERT_WEB_HOST", None)  # the default bind address is under test
    w = stream.worker().start()
    w.wait_ready()
    assert w.get("/health/live")[0] == 200
    assert w.get("/metrics")[0] == 200
    for path in ("/table/", "/table/dedupe/", "/table/dedupe/x/",
                 "/table/alert-delivery-ledger/", "/table/alert-delivery-ledger/x/",
                 "/router/", "/router/dedupe/", "/graph/", "/assignment/", "/performance/"):
        code, body = w.get(path)
        assert code == 404, (path, code, body[:200])
    assert _listening_addresses(w.port) == {"127.0.0.1"}


def test_a_web_port_in_use_is_one_line_and_exit_2(make_stream):
    stream = make_stream(partitions=1, ESCALERT_DETECTOR="tests.stream.fakes:two_signals")
    w = stream.worker()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", w.port))
        taken.listen()
        done = subprocess.run(
            [sys.executable, "-c", "from service.cli import main; main()", "worker"],
            cwd=REPO, env=w.env, capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0] == (f"escalert: ESCALERT_WEB_PORT: cannot serve health and metrics on 127.0.0.1:{w.port}: "
                        "already in use (another worker? set ESCALERT_WEB_PORT, or ESCALERT_WEB_ENABLED=false)")
