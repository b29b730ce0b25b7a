"""`escalert publish` progress: total and ETA for files, a count for stdin, quiet off a terminal."""

from __future__ import annotations

import io
import json
import os
import re
import sys

import pytest

from service.config import load_settings
from service.stream.publish import input_size, publish_paths


class _Sent:
    def get(self, timeout: float | None = None) -> None:
        return None


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> _Sent:
        self.sent.append((topic, key))
        return _Sent()

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


@pytest.fixture
def settings(monkeypatch):
    for k in list(os.environ):
        if k.startswith("ESCALERT_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("ESCALERT_STORE", "memory://")  # no table is opened here
    return load_settings()


@pytest.fixture
def producer(monkeypatch):
    fake = FakeProducer()
    monkeypatch.setattr("service.stream.clients.producer", lambda settings, **kw: fake)
    return fake


def _jsonl(path, n: int) -> None:
    path.write_text("".join(json.dumps({"id": f"a{i}", "body": f"Body {i}."}) + "\n" for i in range(n)))


def test_files_show_a_total_and_an_eta(tmp_path, settings, producer, capsys):
    f = tmp_path / "a.jsonl"
    _jsonl(f, 50)
    summary = publish_paths(settings, [str(f)], progress=True)
    assert summary.sent == 50 and len(producer.sent) == 50
    err = capsys.readouterr().err
    size = f.stat().st_size
    assert input_size([str(f)]) == size
    total = f"{size / 1024:.2f}k"
    # "publish: 100%|...| 1.64k/1.64k [00:00<00:00, 2.79MB/s, 50 articles]": read/total, elapsed<ETA
    assert re.search(rf"{re.escape(total)}/{re.escape(total)} \[\d\d:\d\d<\d\d:\d\d, .*50 articles\]", err), err


def test_stdin_shows_a_count_without_a_total(tmp_path, settings, producer, capsys, monkeypatch):
    lines = "".join(json.dumps({"id": f"s{i}", "body": "B."}) + "\n" for i in range(7))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    assert input_size(["-"]) is None
    publish_paths(settings, ["-"], progress=True)
    err = capsys.readouterr().err
    assert "7 articles" in err and "/" not in err.split("7 articles")[0].rsplit("\r", 1)[-1]


def test_off_when_stderr_is_not_a_terminal_unless_asked(tmp_path, settings, producer, capsys):
    f = tmp_path / "a.jsonl"
    _jsonl(f, 5)
    publish_paths(settings, [str(f)])  # capsys' stderr is not a terminal
    assert capsys.readouterr().err == ""
