"""scripts/kafka.sh keeps the broker's data across stop/start; `reset` wipes it.

Runs a broker of its own (ports 29192/29193, a temporary home): never the shared one.
"""

from __future__ import annotations

import pytest

from tests.stream.own_broker import own_broker

pytestmark = pytest.mark.kafka  # a real broker (its own / the shared one)


@pytest.fixture
def broker(tmp_path):
    b = own_broker(tmp_path / "kafka", 29192, 29193)
    yield b
    b.run("stop", timeout=60)


def _topics(address: str) -> set[str]:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=address, request_timeout_ms=15000)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def test_start_keeps_topics_and_reset_wipes_them(broker):
    from kafka.admin import KafkaAdminClient, NewTopic

    broker.start()
    admin = KafkaAdminClient(bootstrap_servers=broker.address, request_timeout_ms=15000)
    try:
        admin.create_topics([NewTopic("kept-topic", 2, 1)])
    finally:
        admin.close()
    assert "kept-topic" in _topics(broker.address)

    broker.stop()
    said = broker.start()
    assert "kept-topic" in _topics(broker.address)
    assert "keeping the existing log dir" in said and "formatted" not in said

    refused = broker.run("reset")
    assert refused.returncode == 2 and "stop first" in refused.stderr
    assert "kept-topic" in _topics(broker.address)

    broker.stop()
    assert broker.run("reset").returncode == 0
    said = broker.start()
    assert "kept-topic" not in _topics(broker.address)
    assert "formatted a new log dir" in said
