"""Settings, topic specs, rendering and the CLI's exit codes (no broker needed)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from service.config import ConfigError, load_settings
from service.stream.publish import wire_json
from service.stream.render import render_message
from service.stream.topics import changelog_name, topic_specs
from tests.stream.fakes import make_signal

UNREACHABLE = "127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for k in list(os.environ):
        if k.startswith("ESCALERT_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("ESCALERT_STORE", "memory://")


def test_defaults_target_the_local_broker():
    s = load_settings()
    assert s.brokers == ["127.0.0.1:19092"]
    assert s.broker_urls == "kafka://127.0.0.1:19092"
    assert (s.topics.articles, s.topics.signals, s.topics.articles_dlq) == ("articles", "signals", "articles-dlq")
    assert (s.topics.alerts, s.topics.alerts_dlq) == ("alerts", "alerts-dlq")


def test_env_nested_and_comma_separated(monkeypatch):
    monkeypatch.setenv("ESCALERT_BROKERS", "k1:9092, kafka://k2:9093")
    monkeypatch.setenv("ESCALERT_TOPICS__SIGNALS", "sig-v2")
    monkeypatch.setenv("ESCALERT_RETENTION__DLQ_HOURS", "-1")
    s = load_settings()
    assert s.brokers == ["k1:9092", "k2:9093"] and s.topics.signals == "sig-v2"
    assert s.retention_ms(s.retention.dlq_hours) == -1


def test_wrong_settings_are_named_as_environment_variables(monkeypatch):
    monkeypatch.setenv("ESCALERT_WEB_PORT", "eighty")
    monkeypatch.setenv("ESCALERT_BROKERS", "no-port")
    monkeypatch.setenv("ESCALERT_TOPICS__ARTICLES", "has space")
    monkeypatch.setenv("ESCALERT_STORE", "redis://x")
    with pytest.raises(ConfigError) as err:
        load_settings()
    text = str(err.value)
    for name in ("ESCALERT_WEB_PORT", "ESCALERT_BROKERS", "ESCALERT_TOPICS__ARTICLES", "ESCALERT_STORE"):
        assert name in text


def test_detect_processes_auto_number_or_a_clear_error(monkeypatch):
    s = load_settings()
    assert s.detect_processes == "auto" and 1 <= s.detect_process_count <= 4
    monkeypatch.setenv("ESCALERT_DETECT_PROCESSES", "0")
    assert load_settings().detect_process_count == 0
    monkeypatch.setenv("ESCALERT_DETECT_PROCESSES", "3")
    assert load_settings().detect_process_count == 3
    for bad in ("-1", "65", "many", "1.5"):
        monkeypatch.setenv("ESCALERT_DETECT_PROCESSES", bad)
        with pytest.raises(ConfigError) as exc:
            load_settings()
        assert str(exc.value).count("ESCALERT_DETECT_PROCESSES:") == 1, str(exc.value)
        assert "0-64) or auto" in str(exc.value)


def test_sasl_needs_credentials_and_never_prints_the_password(monkeypatch):
    monkeypatch.setenv("ESCALERT_SECURITY__PROTOCOL", "SASL_SSL")
    with pytest.raises(ConfigError, match="sasl_username"):
        load_settings()
    monkeypatch.setenv("ESCALERT_SECURITY__SASL_USERNAME", "svc")
    monkeypatch.setenv("ESCALERT_SECURITY__SASL_PASSWORD", "hunter2")
    s = load_settings()
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())
    from service.stream.clients import client_kwargs

    kw = client_kwargs(s)
    assert kw["security_protocol"] == "SASL_SSL" and kw["sasl_plain_password"] == "hunter2"


def test_yaml_toml_and_env_files_with_env_winning(tmp_path, monkeypatch):
    y = tmp_path / "c.yaml"
    y.write_text("topics:\n  articles: from-yaml\nweb_port: 7000\npartitions: 8\n")
    t = tmp_path / "c.toml"
    t.write_text('app_id = "from-toml"\n[topics]\nsignals = "sig-toml"\n')
    e = tmp_path / "c.env"
    e.write_text("ESCALERT_APP_ID=from-env-file\n")
    monkeypatch.setenv("ESCALERT_WEB_PORT", "7001")
    s = load_settings(y)
    assert (s.topics.articles, s.web_port, s.partitions) == ("from-yaml", 7001, 8)
    s = load_settings(t)
    assert (s.app_id, s.topics.signals) == ("from-toml", "sig-toml")
    assert load_settings(e).app_id == "from-env-file"
    monkeypatch.setenv("ESCALERT_CONFIG", str(y))
    assert load_settings().topics.articles == "from-yaml"


def test_bad_config_files(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "missing.yaml")
    bad = tmp_path / "c.yaml"
    bad.write_text("nonsense_key: 1\n")
    with pytest.raises(ConfigError, match="ESCALERT_NONSENSE_KEY: unknown setting"):
        load_settings(bad)
    ini = tmp_path / "c.ini"
    ini.write_text("x=1")
    with pytest.raises(ConfigError, match="expected a .yaml"):
        load_settings(ini)


def test_topic_specs_sizes_and_compaction():
    s = load_settings(partitions=6, max_article_bytes=1_000_000)
    specs = {sp.name: sp for sp in topic_specs(s)}
    events = {"events", f"{s.app_id}-event-keys", changelog_name(s, "events"), changelog_name(s, "calendar"),
              f"{s.app_id}-trajectory-keys", changelog_name(s, "trajectories")}
    assert set(specs) == {"articles", "signals", "articles-dlq", changelog_name(s)} | events
    assert all(sp.partitions == 6 for sp in specs.values())
    # An oversize article must still fit on the articles topic, or it could not be dead-lettered.
    assert int(specs["articles"].config["max.message.bytes"]) > 1_000_000
    assert int(specs["articles-dlq"].config["max.message.bytes"]) > int(specs["articles"].config["max.message.bytes"])
    assert specs[changelog_name(s)].config["cleanup.policy"] == "compact"
    assert specs["signals"].config["cleanup.policy"] == "delete"
    assert specs["signals"].config["retention.ms"] == str(30 * 24 * 3600 * 1000)


def test_render_signal_dead_letter_article_and_junk():
    from schemas.article import Article

    a = Article(id="a9", title="T", body="Russia massed troops near Ukraine on Monday.",
                published_at=datetime(2024, 4, 14, tzinfo=UTC))
    line = render_message(make_signal(a).model_dump_json().encode(), b"a9")
    assert "MOBILIZE/troops [asserted] sev 4" in line and "RUS -> UKR" in line and "(a9)" in line
    dl = {"reason": "not_json", "error": "articles[0]@5: not JSON", "payload": "{x",
          "failed_at": "2024-04-14T00:00:00Z", "source_topic": "articles", "partition": 0, "offset": 5}
    assert render_message(json.dumps(dl).encode()).startswith("DEAD LETTER not_json  articles[0]@5")
    assert render_message(wire_json(a)).startswith("ARTICLE a9")
    assert render_message(b"\xff").startswith("(not JSON)")
    assert render_message(None).startswith("(null value)")


def test_wire_json_leaves_out_an_assumed_publication_time():
    from service.inputs import parse_article

    a = parse_article(b'{"id": "x", "body": "b"}')
    assert a.published_at_assumed
    assert json.loads(wire_json(a)) == {"id": "x", "title": "", "body": "b", "language": "en"}
    b = parse_article(b'{"id": "y", "body": "b", "published_at": "2024-04-14T10:00:00Z"}')
    assert json.loads(wire_json(b))["published_at"] == "2024-04-14T10:00:00Z"


def test_app_factory_builds_topics_table_agent_and_options():
    from service.stream.app import create_app, faust_options

    s = load_settings(app_id="unit-app", brokers=UNREACHABLE, processing_guarantee="exactly_once")
    opts = faust_options(s)
    assert opts["broker"] == f"kafka://{UNREACHABLE}" and opts["processing_guarantee"] == "exactly_once"
    assert opts["producer_max_request_size"] > s.max_article_bytes
    app = create_app(s, detect=lambda a: [])
    parts = app.escalert
    assert parts.articles.get_topic_name() == "articles"
    assert parts.dedupe.name == "dedupe"
    assert "escalert.detect" in {a.name for a in app.agents.values()}
    assert set(parts.pages) == {"/health/live", "/health/ready", "/metrics"}
    from service.stream.web import readiness

    assert readiness(app, parts)[0] is False  # not ready before partitions are assigned
    parts.state["recovered"] = True
    assert readiness(app, parts)[0] is True


# -- CLI exit codes ----------------------------------------------------------------------------


def cli(*args, **env):
    from service.cli import main

    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_cli_config_error_exits_2():
    r = cli("topics", ESCALERT_PARTITIONS="zero")
    assert r.exit_code == 2 and "ESCALERT_PARTITIONS" in r.output


def test_cli_unreachable_broker_exits_3(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "1", "body": "x"}\n')
    for args in (("publish", str(f)), ("topics",), ("tail", "signals", "--timeout", "1"), ("worker",)):
        r = cli(*args, ESCALERT_BROKERS=UNREACHABLE)
        assert r.exit_code == 3, (args, r.output)
        assert "no Kafka broker reachable" in r.output


def test_cli_topics_dry_run_lists_specs():
    r = cli("topics", "--dry-run", ESCALERT_PARTITIONS="3")
    assert r.exit_code == 0
    assert "articles-dlq  partitions=3" in r.output and "cleanup.policy=compact" in r.output


def test_help_does_not_import_faust():
    import subprocess
    import sys

    code = "import sys; from service.cli import main; sys.argv=['escalert','--help']\n" \
           "try:\n    main()\nexcept SystemExit:\n    pass\nprint('faust' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")


# -- configuration mistakes: one line, exit 2, never a traceback ---------------------------------


def _one_line_exit_2(r, *expected):
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    for text in expected:
        assert text in lines[0], lines[0]


def test_settings_errors_are_one_line(monkeypatch):
    monkeypatch.setenv("ESCALERT_WEB_PORT", "eighty")
    monkeypatch.setenv("ESCALERT_PARTITIONS", "0")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "\n" not in str(err.value)
    assert "ESCALERT_WEB_PORT" in str(err.value) and "ESCALERT_PARTITIONS" in str(err.value)


def test_worker_refuses_a_bad_subscriptions_file_before_contacting_kafka(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: ops\n    urls: ['mailtoo://x@y']\n"
                    "    filters: {countries: [Ukraine]}\n")
    # the broker is unreachable on purpose: a configuration mistake is reported first (exit 2)
    r = cli("worker", ESCALERT_BROKERS=UNREACHABLE, ESCALERT_ALERTS_SUBSCRIPTIONS=str(subs))
    _one_line_exit_2(r, f"invalid subscriptions file {subs}",
                     "field filters.countries: unknown country 'Ukraine': did you mean UKR?")
    subs.write_text("subscriptions:\n  - name: ops\n    urls: ['mailtoo://x@y']\n")
    r = cli("worker", ESCALERT_BROKERS=UNREACHABLE, ESCALERT_ALERTS_SUBSCRIPTIONS=str(subs))
    _one_line_exit_2(r, "unknown target scheme 'mailtoo://': did you mean mailto://?")


def test_worker_refuses_an_empty_subscriptions_variable():
    r = cli("worker", ESCALERT_BROKERS=UNREACHABLE, ESCALERT_ALERTS_SUBSCRIPTIONS="")
    _one_line_exit_2(r, "ESCALERT_ALERTS_SUBSCRIPTIONS: is set but empty")


def test_web_defaults_bind_loopback_and_faust_pages_are_off():
    from service.stream.app import create_app, faust_options

    s = load_settings(app_id="unit-web", brokers=UNREACHABLE)
    assert s.web_host == "127.0.0.1"
    opts = faust_options(s)
    assert opts["web_bind"] == "127.0.0.1"
    app = create_app(s, detect=lambda a: [])
    assert app.conf.web_bind == "127.0.0.1"
    served = [prefix for prefix, _ in app.web.blueprints._enabled]
    # Faust's own blueprints: /table and /router (table data, cluster URLs), stats, graph
    assert served == [""], served  # only the production index ({"status": "OK"}) is left
    assert "/table" not in served and "/router" not in served


def test_web_bind_problem_names_a_port_in_use():
    import socket

    from service.stream.app import web_bind_problem

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        s = load_settings(web_port=port)
        problem = web_bind_problem(s)
        assert problem is not None
        assert problem.startswith("ESCALERT_WEB_PORT:") and f"127.0.0.1:{port}" in problem
        assert "already in use" in problem
        assert web_bind_problem(load_settings(web_port=port, web_enabled=False)) is None
    assert web_bind_problem(load_settings(web_port=port)) is None  # free again
