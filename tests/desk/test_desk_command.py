"""`escalert desk`: configuration mistakes are one line (exit 2), an unreachable database exit 3
without its password, the token file is private, other Host names are refused."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]


def _desk(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")}
    return subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", "desk", *args],
        cwd=REPO, env={**base, "PYTHONPATH": str(REPO), "ESCALERT_DATA_DIR": str(tmp_path), **env},
        capture_output=True, text=True, timeout=120)


def test_a_wrong_setting_is_one_line_and_exit_2(tmp_path):
    r = _desk(tmp_path, "--no-consume", ESCALERT_DESK_PORT="eighty")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert "ESCALERT_DESK_PORT" in r.stderr and "Traceback" not in r.stderr
    r = _desk(tmp_path, "--no-consume", ESCALERT_DESK_URL="mysql://root:pw@127.0.0.1/x")
    assert r.returncode == 2 and "unsupported database 'mysql'" in r.stderr and "pw@" not in r.stderr


def test_an_unreachable_database_is_exit_3_without_its_password(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens once the socket is closed
    r = _desk(tmp_path, "--no-consume", "--port", str(_free_port()),
              ESCALERT_DESK_URL=f"postgresql+psycopg://desk:s3cretpw@127.0.0.1:{dead}/escalert")
    assert r.returncode == 3, r.stderr
    assert "cannot open the desk store" in r.stderr and "s3cretpw" not in r.stderr
    assert "Traceback" not in r.stderr


def test_a_port_in_use_is_exit_2(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = _desk(tmp_path, "--no-consume", "--port", str(s.getsockname()[1]))
    assert r.returncode == 2 and "ESCALERT_DESK_PORT" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_generated_token_is_private_and_other_hosts_are_refused(tmp_path):
    from service.config import load_settings
    from service.desk.commands import build, desk_token
    from service.desk.settings import DeskSettings

    desk = DeskSettings(url=f"sqlite:///{tmp_path / 'd.sqlite3'}")
    token, path = desk_token(desk, tmp_path)
    assert path is not None and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(data_dir=tmp_path)
    app, store, consumer = build(settings, desk, consume=False, token=token)
    assert consumer is None
    with TestClient(app, base_url="http://127.0.0.1:8088") as ok:
        assert ok.get("/api/health").status_code == 200
    with TestClient(app, base_url="http://desk.attacker.example") as rebound:
        assert rebound.get("/api/signals").status_code == 400  # a DNS name rebound to loopback
    store.close()


def test_desks_started_at_once_on_a_fresh_database_migrate_it_once(tmp_path, db_url):
    """Several `escalert desk` at the same moment on an empty database: one migrates, the others
    wait for it and find the schema current; every one serves."""
    import json
    import signal
    import time
    import urllib.request

    import sqlalchemy as sa

    base = {k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")}
    procs, ports = [], []
    for i in range(3):
        port = _free_port()
        ports.append(port)
        env = {**base, "PYTHONPATH": str(REPO), "ESCALERT_DATA_DIR": str(tmp_path / f"d{i}"),
               "ESCALERT_DESK_URL": db_url, "ESCALERT_DESK_TOKEN": "race-test-token"}
        procs.append(subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "desk", "--no-consume",
             "--port", str(port)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    served = set()
    deadline = time.monotonic() + 120
    try:
        while len(served) < len(procs) and time.monotonic() < deadline:
            for i, (p, port) in enumerate(zip(procs, ports, strict=True)):
                if i in served or p.poll() is not None:
                    continue
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                        if json.loads(r.read())["store"] in ("sqlite", "postgresql"):
                            served.add(i)
                except OSError:
                    pass
            if any(p.poll() is not None for p in procs):
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        errors = [p.communicate(timeout=60)[1] for p in procs]
    assert served == set(range(len(procs))), errors
    assert not any("Traceback" in e for e in errors), errors
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM desk_alembic_version")).all()
    engine.dispose()
    assert [v[0] for v in versions] == ["0004"]
