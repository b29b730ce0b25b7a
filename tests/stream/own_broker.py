"""A broker of the test's own (scripts/kafka.sh on its own ports and home), to stop and wipe.

Never the shared broker: every call passes ESCALERT_KAFKA_PORT / _CONTROLLER_PORT / _HOME.
Without Java or the broker's jars the tests that need one are skipped, unless
ESCALERT_REQUIRE_KAFKA=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "scripts" / "kafka.sh"


def _in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class OwnBroker:
    def __init__(self, home: Path, port: int, controller_port: int) -> None:
        if 19092 in (port, controller_port) or 19093 in (port, controller_port):
            raise ValueError("the shared broker's ports are not for tests to stop")
        self.home, self.port, self.controller_port = home, port, controller_port
        self.address = f"127.0.0.1:{port}"

    def run(self, command: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ESCALERT_KAFKA_PORT": str(self.port),
               "ESCALERT_KAFKA_CONTROLLER_PORT": str(self.controller_port),
               "ESCALERT_KAFKA_HOME": str(self.home)}
        env.pop("ESCALERT_KAFKA_TX_VERSION", None)
        return subprocess.run(["bash", str(KAFKA_SH), command], env=env, capture_output=True,
                              text=True, timeout=timeout)

    def start(self) -> str:
        r = self.run("start")
        assert r.returncode == 0, f"kafka.sh start failed ({r.returncode}):\n{r.stderr[-3000:]}"
        return r.stderr

    def stop(self) -> None:
        r = self.run("stop", timeout=60)
        assert r.returncode == 0, r.stderr


def own_broker(home: Path, port: int, controller_port: int) -> OwnBroker:
    """Check the prerequisites (skip or fail) and return an :class:`OwnBroker`, not started."""
    why = None
    if shutil.which("java") is None:
        why = "java not found (scripts/kafka.sh needs a JDK)"
    elif _in_use(port) or _in_use(controller_port):
        why = f"port {port} or {controller_port} is already in use"
    if why:
        if os.environ.get("ESCALERT_REQUIRE_KAFKA") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return OwnBroker(home, port, controller_port)
