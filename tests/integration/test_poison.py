"""Poison messages on the real broker: dead-lettered after one retry, never blocking a partition,
and SIGTERM stops the worker within its deadline whatever it is doing.

The stand-in detector ``tests.stream.fakes:poison`` gives two signals per article, SIGKILLs its
detection process on the KILL marker, stalls for an hour on the HANG marker and raises on the
EXPLODE marker. One partition, so every poison message sits in the way of the good ones after it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from schemas.deadletter import DeadLetter
from schemas.signal import Signal
from service.stream.stopping import STOP_DEADLINE_SECONDS
from tests.stream.fakes import EXPLODE, HANG, KILL

REPO = Path(__file__).resolve().parents[2]


def article(id_: str, body: str) -> tuple[bytes, bytes]:
    return id_.encode(), json.dumps({"id": id_, "body": body}).encode()


def committed_offset(stream, partition: int = 0) -> int:
    from kafka import KafkaAdminClient, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=stream.brokers)
    try:
        offsets = admin.list_group_offsets({stream.app_id: None}).get(stream.app_id, {})
    finally:
        admin.close()
    meta = offsets.get(TopicPartition(stream.articles, partition))
    return -1 if meta is None else meta.offset


def wait_for(predicate, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def stop_within_deadline(worker) -> float:
    started = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    worker.proc.wait(timeout=STOP_DEADLINE_SECONDS + 15)  # fails the test (TimeoutExpired) if longer
    return time.monotonic() - started


def test_poison_messages_are_dead_lettered_and_the_partition_moves_on(make_stream):
    # A 3 s limit per article keeps the stalled article's two tries short (the default is 120 s).
    stream = make_stream(partitions=1, ESCALERT_DETECTOR="tests.stream.fakes:poison",
                         ESCALERT_DETECT_PROCESSES="1", ESCALERT_DETECT_TIMEOUT_SECONDS="3")
    w = stream.worker().start()
    w.wait_ready()
    deep = b"[" * 1000 + b"]" * 1000  # once a RecursionError that killed the agent
    items = [
        article("good-0", "Troops massed near the border."),
        article("killer", f"Troops massed. {KILL}"),
        article("good-1", "Warships sailed into the strait."),
        article("hang", f"Troops massed. {HANG}"),
        (b"deep", deep),
        article("good-2", "Artillery shelled the town."),
        article("explode", f"Troops massed. {EXPLODE}"),
        article("good-3", "Jets flew over the capital."),
    ]
    poison = {"killer": "detection_error", "hang": "detection_error", "deep": "too_deep", "explode": "detection_error"}
    meta = stream.produce(items)
    good = {k.decode() for k, _ in items if k.startswith(b"good")}

    sig = stream.consume(stream.signals, until=lambda m: len(m) >= 2 * len(good), timeout=120)
    assert {Signal.model_validate_json(m.value).article_id for m in sig} == good, w.tail()
    assert len(sig) == 2 * len(good)
    dead = stream.consume(stream.dlq, until=lambda m: len(m) >= len(poison), timeout=60)
    assert len(dead) == len(poison), w.tail()
    for msg in dead:
        dl = DeadLetter.model_validate_json(msg.value)
        key = msg.key.decode()
        index = next(i for i, (k, _) in enumerate(items) if k == msg.key)
        assert dl.reason == poison[key], (key, dl)
        assert dl.payload.encode() == items[index][1]  # the original bytes, whole
        assert dl.offset == meta[index].offset and dl.partition == 0
        if key == "killer":
            assert "SIGKILL" in dl.error and "twice" in dl.error
        if key == "hang":
            assert "over 3 s on one article" in dl.error
    # The consumer group's committed offset passes every message: nothing holds the partition.
    end = meta[-1].offset + 1
    assert wait_for(lambda: committed_offset(stream) == end, timeout=60), (committed_offset(stream), end)
    assert w.proc.poll() is None

    assert stop_within_deadline(w) <= STOP_DEADLINE_SECONDS + 5
    assert w.proc.returncode == 0, w.tail()  # a clean stop: nothing was left hanging


def test_sigterm_stops_a_worker_whose_detection_is_stalled(make_stream):
    # Detection in the worker's own process (0 processes) and a stalled article: the event loop
    # is blocked, Faust cannot stop by itself, the deadline must end the process.
    stream = make_stream(partitions=1, ESCALERT_DETECTOR="tests.stream.fakes:stall_anywhere",
                         ESCALERT_DETECT_PROCESSES="0")
    w = stream.worker().start()
    w.wait_ready()
    stream.produce([article("good-0", "Troops massed near the border.")])
    stream.consume(stream.signals, until=lambda m: len(m) >= 2, timeout=60)
    stream.produce([article("hang", f"x {HANG}")])  # two minutes asleep in the event loop
    time.sleep(3)
    elapsed = stop_within_deadline(w)
    assert elapsed <= STOP_DEADLINE_SECONDS + 5
    assert w.proc.returncode == 1  # stopped by the deadline
    assert "did not stop within" in w.tail()


def test_publish_reports_an_adversarial_line_and_sends_the_rest(make_stream):
    stream = make_stream(partitions=1)
    bad = Path(__file__).resolve().parents[1] / "data" / "bad"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")}, **stream.env,
           "PYTHONPATH": str(REPO)}
    for name, reason in (("too_deep.jsonl", "too_deep"), ("huge_number.jsonl", "not_json"),
                         ("lone_surrogate.jsonl", "undecodable")):
        run = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "publish",
                              "--no-progress", str(bad / name)],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, run.stderr
        assert f"invalid: {bad / name}:2: {reason}:" in run.stderr
        assert "Traceback" not in run.stderr
        assert "sent 2 article(s)" in run.stderr
    sent = stream.consume(stream.articles, until=lambda m: len(m) >= 6, timeout=60)
    assert len(sent) == 6  # lines 1 and 3 of each file
