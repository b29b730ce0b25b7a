"""Local targets (JSONL file, console) as real Apprise custom schemas."""

from __future__ import annotations

import json

import pytest

from service.alerts import channels
from service.alerts.delivery import AppriseSender


def test_normalize_url_keeps_absolute_paths() -> None:
    assert channels.normalize_url("escalertfile:///var/x/a b.jsonl") == (
        "escalertfile://?path=/var/x/a%20b.jsonl"
    )
    assert channels.normalize_url("escalertfile:///var/a.jsonl?x=1") == (
        "escalertfile://?path=/var/a.jsonl&x=1"
    )
    for unchanged in ("escalertfile://alerts/a.jsonl", "json://127.0.0.1/x", "escalertconsole://"):
        assert channels.normalize_url(unchanged) == unchanged


def test_file_path_of() -> None:
    assert str(channels.file_path_of("escalertfile:///tmp/a/b.jsonl")) == "/tmp/a/b.jsonl"
    assert str(channels.file_path_of("escalertfile://alerts/b.jsonl")) == "alerts/b.jsonl"
    with pytest.raises(ValueError, match="no file path"):
        channels.file_path_of("escalertfile://")


async def test_file_target_appends_json_lines_with_the_alert(tmp_path) -> None:
    sender = AppriseSender()
    target = tmp_path / "deep" / "alerts.jsonl"
    url = f"escalertfile://{target}"  # absolute: escalertfile:///tmp/...
    assert url.startswith("escalertfile:///")
    token = channels.current_alert.set({"alert_id": "a-1", "subscription": "ops", "severity": 4})
    try:
        first = await sender.send(url, "[S4] Troops", "**MOBILIZE** by RUS", "markdown")
        second = await sender.send(url, "[S4] Troops (2)", "part two", "markdown")
    finally:
        channels.current_alert.reset(token)
    assert first.ok and second.ok
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    rec = json.loads(lines[0])
    assert rec["title"] == "[S4] Troops"
    assert rec["body"] == "**MOBILIZE** by RUS"
    assert rec["format"] == "markdown"
    assert rec["alert_id"] == "a-1" and rec["subscription"] == "ops" and rec["severity"] == 4
    assert json.loads(lines[1])["body"] == "part two"


async def test_relative_file_target_is_relative_to_cwd(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    sender = AppriseSender()
    res = await sender.send("escalertfile://out/alerts.jsonl", "t", "b", "markdown")
    assert res.ok
    assert (tmp_path / "out" / "alerts.jsonl").exists()


async def test_unwritable_file_is_a_failed_send_not_a_crash(tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    sender = AppriseSender()
    res = await sender.send(f"escalertfile://{blocker}/alerts.jsonl", "t", "b", "markdown")
    assert not res.ok and res.status is None and not res.permanent  # retried like any I/O error


async def test_console_target_prints(capsys) -> None:
    sender = AppriseSender()
    res = await sender.send("escalertconsole://", "[S4] Troops massing", "evidence here", "markdown")
    assert res.ok
    out = capsys.readouterr().out
    assert "[S4] Troops massing" in out and "evidence here" in out
    res = await sender.send("escalertconsole://?stream=stderr", "to stderr", "body", "markdown")
    assert res.ok
    assert "to stderr" in capsys.readouterr().err


def test_local_plugins_do_not_throttle() -> None:
    sender = AppriseSender()
    for url in channels.DEFAULT_LOCAL_TARGETS:
        _, plugin = sender._get(url)
        assert plugin.request_rate_per_sec == 0
        assert plugin.retry == 0
