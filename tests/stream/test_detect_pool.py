"""Detection processes: same answers as in-process, in order, whatever happens to a child."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.stream.detect_pool import DetectPool
from service.stream.processing import analyse_payloads
from tests.stream.fakes import EXPLODE, HANG, KILL, two_signals

NOW = datetime(2024, 4, 15, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


def art(id_: str, body: str = "Russia massed troops near the border.") -> bytes:
    return json.dumps({"id": id_, "body": body}).encode()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def pool(size: int = 1, detector: str = "tests.stream.fakes:two_signals_or_die", **kw) -> DetectPool:
    return DetectPool(size, detector, max_article_bytes=10_000, with_keys=True, **kw)


async def test_same_analyses_as_in_process_and_in_order():
    values = [art(f"a{i}") for i in range(40)] + [b"{not json", None, art("boom", f"x {EXPLODE}")]
    p = pool(2)
    await p.start()
    try:
        batches = [values[i:i + 7] for i in range(0, len(values), 7)]
        got = await asyncio.gather(*(p.analyse(b, NOW) for b in batches))
    finally:
        await p.stop()
    flat = [a for batch in got for a in batch]
    assert flat == analyse_payloads(values, detect=two_signals, now=NOW, max_article_bytes=10_000,
                                    with_keys=True)
    assert p.restarts == 0


async def test_a_child_killed_mid_batch_loses_nothing_and_the_culprit_is_a_detection_error():
    values = [art(f"k{i}") for i in range(20)]
    values[13] = art("k13", f"Troops massed. {KILL}")
    p = pool(1)
    await p.start()
    first = p.pids
    try:
        got = await p.analyse(values, NOW)
        again = await p.analyse([art("after")], NOW)  # the pool works on afterwards
    finally:
        await p.stop()
    assert [a.status for a in got] == ["ok"] * 13 + ["error"] + ["ok"] * 6
    assert got[13].reason == "detection_error" and "died on this article" in (got[13].message or "")
    assert "SIGKILL" in (got[13].message or "")
    assert [a.article_id for a in got] == [f"k{i}" for i in range(20)]
    assert again[0].status == "ok"
    assert p.restarts == 2  # the batch, then the culprit retried alone once: no more
    assert not any(alive(pid) for pid in first)


async def test_poison_articles_are_retried_once_each_and_the_batch_goes_on():
    """Articles that kill, stall or break detection, anywhere in a batch: each dead-lettered after
    one retry on its own; every other article of the batch still gets its signals, in order."""
    values = [art(f"p{i}") for i in range(12)]
    values[0] = art("p0", f"x {KILL}")
    values[5] = art("p5", f"x {HANG}")
    values[7] = art("p7", f"x {EXPLODE}")
    values[11] = art("p11", f"x {KILL}")
    p = pool(1, detector="tests.stream.fakes:poison", timeout_seconds=1.0)
    await p.start()
    try:
        got = await asyncio.wait_for(p.analyse(values, NOW), 120)
    finally:
        await p.stop()
    assert [a.article_id for a in got] == [f"p{i}" for i in range(12)]
    assert [i for i, a in enumerate(got) if a.status != "ok"] == [0, 5, 7, 11]
    assert all(len(a.signals) == 2 for a in got if a.status == "ok")
    assert "SIGKILL" in (got[0].message or "") and "SIGKILL" in (got[11].message or "")
    assert "over 1 s on one article" in (got[5].message or "")
    assert "simulated detector bug" in (got[7].message or "")  # an exception: no process died
    assert p.restarts == 6  # three killers of a process, each in its batch and once alone


async def test_a_slow_batch_of_quick_articles_is_not_killed():
    """The time limit is per article: a batch longer than it, making progress, runs to its end."""
    values = [art(f"q{i}", "SLEEP-IN-DETECT") for i in range(3)]
    p = pool(1, detector="tests.stream.fakes:sleepy", timeout_seconds=6.0)
    await p.start()
    try:
        got = await asyncio.wait_for(p.analyse(values, NOW), 120)  # 15 s, over the 6 s limit
    finally:
        await p.stop()
    assert [a.status for a in got] == ["ok"] * 3
    assert p.restarts == 0


async def test_an_outside_kill_is_retried_without_dead_letters():
    p = pool(1, detector="tests.stream.fakes:sleepy")
    await p.start()
    try:
        [pid] = p.pids
        job = asyncio.ensure_future(p.analyse([art("s1", "SLEEP-IN-DETECT"), art("s2")], NOW))
        await asyncio.sleep(1.0)
        os.kill(pid, signal.SIGKILL)  # an operator, or the OOM killer
        got = await asyncio.wait_for(job, 60)
    finally:
        await p.stop()
    # s1 sleeps again on the retry, but finishes: nothing is dead-lettered for an outside kill.
    assert [a.status for a in got] == ["ok", "ok"]
    assert p.restarts == 1


async def test_a_batch_over_its_time_limit_is_killed_and_the_slow_article_dead_lettered():
    p = pool(1, detector="tests.stream.fakes:sleepy", timeout_seconds=1.5)
    await p.start()
    try:
        got = await asyncio.wait_for(p.analyse([art("f1"), art("slow", "SLEEP-IN-DETECT")], NOW), 60)
    finally:
        await p.stop()
    assert [a.status for a in got] == ["ok", "error"]
    assert "over 1.5 s on one article" in (got[1].message or "")


async def test_stop_leaves_no_process_behind():
    p = pool(2)
    await p.start()
    pids = p.pids
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    await p.stop()
    assert not any(alive(pid) for pid in pids)


async def test_a_wrong_detector_is_a_start_up_error_naming_the_setting():
    p = pool(1, detector="no.such.module:detect")
    with pytest.raises(RuntimeError, match="ESCALERT_DETECTOR='no.such.module:detect'"):
        await p.start()


def test_children_exit_when_the_worker_is_sigkilled(tmp_path):
    """No orphans: a child notices its parent's death (end of file on its stdin) by itself."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import asyncio, sys\n"
        "from service.stream.detect_pool import DetectPool\n"
        "async def main():\n"
        "    p = DetectPool(2, 'tests.stream.fakes:two_signals', max_article_bytes=10_000, with_keys=True)\n"
        "    await p.start()\n"
        "    print(*p.pids, flush=True)\n"
        "    await asyncio.sleep(120)\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env, cwd=REPO)
    try:
        assert parent.stdout is not None
        pids = [int(x) for x in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(pid) for pid in pids):
            time.sleep(0.1)
        assert not any(alive(pid) for pid in pids)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)
