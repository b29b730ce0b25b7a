"""Local targets (JSONL file, console) as real Apprise custom schemas."""

from __future__ import annotations

import json
import re

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


# -- what Apprise makes of the Markdown for each chat service ------------------------------------
#
# Slack, Telegram, Discord and Teams (Workflows) have fixed public API hosts, so these tests let
# the real Apprise plugins build their real requests and stop them in requests.Session.send: no
# connection is opened, and the test reads exactly what would have gone out.

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#alerts"
TELEGRAM = "tgram://123456789:abcdefg_hijklmnop/12345"
DISCORD = "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
TEAMS = "workflows://prod-01.westus.logic.azure.com:443/abc123/sig4567"
SENTENCE = "Rebels (RSF) said >= 50 tanks - about 3.5 km! #1 a_b x=y & AT&T <b> moved."


@pytest.fixture
def outbox(monkeypatch):
    import requests

    sent: list = []

    def fake_send(self, request, **kwargs):
        sent.append(request)
        response = requests.Response()
        response.status_code = 200
        slack = "hooks.slack.com" in request.url
        response._content = b"ok" if slack else b'{"ok": true, "result": {"message_id": 1}}'
        response.headers["Content-Type"] = "text/plain" if slack else "application/json"
        response.request = request
        return response

    monkeypatch.setattr(requests.sessions.Session, "send", fake_send)
    return sent


def _message(make_signal):
    from schemas.alert import Alert
    from service.alerts.render import render

    signals = [make_signal(1, sentence=SENTENCE, trigger="moved", source=["RSF", "REB"],
                           target=["SDN"], place="Khartoum", country="SDN"),
               make_signal(2, outlet="AP", title="Sudan: fighting near Khartoum")]
    alert = Alert(alert_id="a-1", subscription="ops", kind="alert", group_key="g", severity=4,
                  title="RSF attack near Khartoum", signals=signals, signal_count=2,
                  source_count=2, matched=["subscription ops"], status="deliver",
                  created_at=signals[0].article.published_at, target_ids=["json-0"])
    return render(alert, "markdown", signals[0].article.published_at)


async def _send(outbox, url, message) -> dict:
    res = await AppriseSender().send(url, message.title, message.body, "markdown")
    assert res.ok, res.error
    assert len(outbox) == 1
    return json.loads(outbox[0].body)


FIELD_LINES = ["Who:", "Did what:", "To whom:", "Where:", "When:", "Severity:"]


def _one_line_each(text: str, bold: str, bullet: str = "- ") -> None:
    lines = text.splitlines()
    for label in FIELD_LINES:
        assert sum(line.startswith(f"{bullet}{bold}{label}{bold} ") for line in lines) == 1, label


async def test_slack_gets_mrkdwn(outbox, make_signal) -> None:
    payload = await _send(outbox, SLACK, _message(make_signal))
    assert payload["mrkdwn"] is True
    text = payload["attachments"][0]["text"]
    _one_line_each(text, "*")  # Slack bold is *one star*
    assert "**" not in text
    assert "*<https://news.example/reuters/1|Russia masses troops>*" in text  # <url|label>
    assert "- <https://news.example/ap/2|Sudan: fighting near Khartoum> (AP, published" in text
    assert "Who:* RSF (Rapid Support Forces), REB (rebels)" in text
    # Slack has no backslash escapes: none may show; & and < become entities
    assert "\\" not in text
    assert "said >= 50 tanks - about 3.5 km! #1 a_b x=y &amp; AT&amp;T &lt;b" in text
    assert "*moved*" in text


async def test_telegram_gets_its_markdown(outbox, make_signal) -> None:
    payload = await _send(outbox, TELEGRAM, _message(make_signal))
    assert payload["parse_mode"] == "MARKDOWN"  # Apprise's default: Telegram's legacy Markdown
    text = payload["text"]
    _one_line_each(text, "*")
    assert "**" not in text
    assert "*[Russia masses troops](https://news.example/reuters/1)*" in text
    assert "[Sudan: fighting near Khartoum](https://news.example/ap/2)" in text
    # legacy Markdown escapes only _ * ` [ outside entities; any other backslash would show
    assert set(re.findall(r"\\(.)", text)) <= {"_", "*", "`", "["}
    assert "said >= 50 tanks - about 3.5 km! #1 a\\_b x=y & AT&T <b> *moved*." in text


async def test_telegram_markdown_v2_escapes_every_reserved_character(outbox, make_signal) -> None:
    payload = await _send(outbox, TELEGRAM + "?mdv=v2", _message(make_signal))
    assert payload["parse_mode"] == "MarkdownV2"
    text = payload["text"]
    _one_line_each(text, "*", bullet="\\- ")
    # outside markup, MarkdownV2 wants every one of _*[]()~`>#+-=|{}.! escaped
    bare = re.sub(r"\\.", "", text)
    bare = re.sub(r"\]\([^)]*\)", "]", bare)  # link destinations
    assert not re.search(r"[()~`>#+\-=|{}.!]", bare), bare


async def test_discord_gets_commonmark(outbox, make_signal) -> None:
    message = _message(make_signal)
    payload = await _send(outbox, DISCORD, message)
    content = payload["content"]
    assert content.endswith(message.body)  # as rendered, after the title
    _one_line_each(content, "**")
    assert "\\>" not in content and "\\=" not in content and "\\-" not in content


async def test_teams_gets_commonmark_in_an_adaptive_card(outbox, make_signal) -> None:
    message = _message(make_signal)
    payload = await _send(outbox, TEAMS, message)
    blocks = payload["attachments"][0]["content"]["body"]
    texts = {b.get("id"): b["text"] for b in blocks if b["type"] == "TextBlock"}
    assert texts["title"] == message.title and texts["body"] == message.body
    _one_line_each(texts["body"], "**")
    assert ">" not in texts["body"].split("“", 1)[0]  # no block quote: cards have none
