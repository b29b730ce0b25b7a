"""Logging: repeats collapsed, JSON lines, secrets never written (no broker needed)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from service.logs import Redactor, RepeatFilter, settings_secrets, setup_logging


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_repeats_of_a_kind_are_held_back_and_counted_in_the_next_one_let_through():
    clock = Clock()
    f = RepeatFilter(window=30, clock=clock)
    passed = []
    for i in range(1600):  # a second of aiokafka's reconnect errors, per node
        clock.now = i / 1600
        r = _record("aiokafka", "Unable connect to node with id %s: %s", i % 3, "refused")
        if f.filter(r):
            passed.append(r)
    assert len(passed) == 1
    clock.now = 31.0
    r = _record("aiokafka", "Unable connect to node with id %s: %s", 1, "refused")
    assert f.filter(r)
    assert r.getMessage() == "Unable connect to node with id 1: refused (1599 more like this in 31 s)"


def test_other_kinds_levels_and_our_own_loggers_are_not_held_back():
    f = RepeatFilter(window=30, clock=Clock())
    assert f.filter(_record("aiokafka", "a %s", 1))
    assert f.filter(_record("aiokafka", "b %s", 1))
    assert f.filter(_record("aiokafka", "a %s", 1, level=logging.WARNING))
    assert all(f.filter(_record("escalert.broker", "waiting")) for _ in range(5))
    assert not f.filter(_record("aiokafka", "a %s", 2))


def test_the_table_of_kinds_is_bounded():
    f = RepeatFilter(window=30, clock=Clock(), max_kinds=10)
    for i in range(100):
        f.filter(_record("kafka", f"distinct {i}"))
    assert len(f._kinds) <= 10


def test_json_lines_carry_time_level_logger_message_extras_and_exception():
    out = io.StringIO()
    setup_logging("info", "json", stream=out)
    log = logging.getLogger("escalert.test")
    log.info("sent %d article(s)", 3, extra={"topic": "articles", "count": 3})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "escalert.test"
    assert first["message"] == "sent 3 article(s)"
    assert first["topic"] == "articles" and first["count"] == 3
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_never_reach_a_log_line(fmt, monkeypatch):
    monkeypatch.setenv("ESCALERT_SECURITY__PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("ESCALERT_SECURITY__SASL_USERNAME", "escalert")
    monkeypatch.setenv("ESCALERT_SECURITY__SASL_PASSWORD", "hunter2-very-secret")
    monkeypatch.setenv("ESCALERT_STORE", "memory://")
    from service.config import load_settings

    settings = load_settings()
    out = io.StringIO()
    setup_logging("info", fmt, stream=out, secrets=settings_secrets(settings))
    log = logging.getLogger("escalert.test")
    log.warning("connecting with %s", settings.security.sasl_password.get_secret_value())
    log.warning("target %s failed", "mailtos://bob:p4ssw0rd@smtp.example.net:465")
    log.warning("settings", extra={"password": settings.security.sasl_password,
                                   "raw": "hunter2-very-secret", "url": "https://u:tok3n@h.example/x"})
    try:
        raise RuntimeError("auth failed for hunter2-very-secret")
    except RuntimeError:
        log.exception("boom")
    text = out.getvalue()
    for secret in ("hunter2-very-secret", "p4ssw0rd", "tok3n"):
        assert secret not in text
    assert "mailtos://bob:***@smtp.example.net" in text


def test_redactor_ignores_very_short_values():
    r = Redactor(["ab", "longer-secret"])
    assert r("about a longer-secret") == "about a ***"


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="log format"):
        setup_logging("info", "xml", stream=io.StringIO())


@pytest.fixture(autouse=True)
def _restore_root_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_printed_output_is_never_collapsed():
    """The worker's stdout goes to the logger mode.redirect: two equal console alerts are two."""
    f = RepeatFilter(window=30, clock=Clock())
    assert f.filter(_record("mode.redirect", "ALERT x", level=logging.INFO))
    assert f.filter(_record("mode.redirect", "ALERT x", level=logging.INFO))


def test_cli_commands_log_in_the_format_of_the_environment(tmp_path):
    """A one-shot command's warnings (here: no broker) come out as JSON lines on stderr."""
    import subprocess
    import sys

    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "1", "body": "x"}\n')
    code = ("import logging, sys; from service.cli import main; sys.argv=['escalert','publish',sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            "logging.getLogger('kafka.conn').warning('password in url mailto://u:s3cr3t@h', extra={'node': 1})\n"
            "sys.exit(code)")
    env = {"PATH": "/usr/bin:/bin", "ESCALERT_LOG_FORMAT": "json", "ESCALERT_BROKERS": "127.0.0.1:1",
           "ESCALERT_STORE": "memory://"}
    out = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True,
                         env=env, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert out.returncode == 3, out.stderr
    first = json.loads(out.stderr.splitlines()[-1])
    assert first["logger"] == "kafka.conn" and first["level"] == "WARNING" and first["node"] == 1
    assert "s3cr3t" not in out.stderr


def test_alert_target_secrets_from_the_environment_are_redacted(tmp_path, monkeypatch):
    subs = tmp_path / "subscriptions.yaml"
    subs.write_text('subscriptions:\n  - name: chat\n    urls: ["slack://${SLACK_A}/${SLACK_B}/#ops"]\n')
    monkeypatch.setenv("ESCALERT_ALERTS_SUBSCRIPTIONS", str(subs))
    monkeypatch.setenv("ESCALERT_STORE", "memory://")
    monkeypatch.setenv("SLACK_A", "T0KENAAAA1")
    monkeypatch.setenv("SLACK_B", "B0KENBBBB2")
    from service.config import load_settings

    secrets = settings_secrets(load_settings())
    assert {"T0KENAAAA1", "B0KENBBBB2"} <= set(secrets)
    out = io.StringIO()
    setup_logging("info", "json", stream=out, secrets=secrets)
    logging.getLogger("apprise").warning("POST https://hooks.slack.com/services/T0KENAAAA1/B0KENBBBB2 failed")
    assert "T0KENAAAA1" not in out.getvalue() and "B0KENBBBB2" not in out.getvalue()
