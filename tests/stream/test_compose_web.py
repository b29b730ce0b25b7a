"""docker-compose.yml publishes the worker's web port on the host's loopback only."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_every_published_port_is_bound_to_loopback() -> None:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    published = [(name, str(p)) for name, svc in doc["services"].items() for p in svc.get("ports") or []]
    assert ("worker", "127.0.0.1:6066:6066") in published
    for name, port in published:
        # "HOST:PORT" or "PORT:PORT" alone would listen on every interface of the host
        assert port.startswith("127.0.0.1:") and port.count(":") == 2, (name, port)
    worker_env = doc["services"]["worker"]["environment"]
    assert str(worker_env["ESCALERT_WEB_PORT"]) == "6066"
