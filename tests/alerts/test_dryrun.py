"""``escalert alerts test`` and ``escalert silence``: the dry run end to end through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from schemas.alert import Alert
from service.alerts.commands import alerts_group, silence_group
from service.alerts.dryrun import collect, dry_run, is_signals_file
from service.alerts.silences import SilenceStore
from service.alerts.subscriptions import build_set
from service.events.replay import EventReplay

T0 = datetime(2024, 4, 14, 12, 0, tzinfo=UTC)

SUBS = """\
subscriptions:
  - name: ops
    urls: ["json://127.0.0.1:9/ops"]
    filters: {types: [MOBILIZE]}
    group_wait: 5m
  - name: summits
    urls: ["json://127.0.0.1:9/summits"]
    filters: {types: [CONSULT], modalities: [scheduled]}
    group_wait: 0s
  - name: daily
    urls: ["json://127.0.0.1:9/daily"]
    digest: {every: daily, at: "08:00"}
"""


@pytest.fixture
def files(tmp_path: Path, make_signal):
    subs = tmp_path / "subs.yaml"
    subs.write_text(SUBS, encoding="utf-8")
    sigs = [
        make_signal(1, outlet="Reuters", published_at=T0),
        make_signal(2, outlet="AP", published_at=T0 + timedelta(minutes=2)),
        make_signal(3, outlet="AFP", published_at=T0 + timedelta(hours=1)),  # throttled (4h)
        make_signal(4, type="CONSULT", modality="scheduled", severity=2, published_at=T0),
        make_signal(5, type="ASSAULT", modality="denied", published_at=T0),  # matches nobody
    ]
    path = tmp_path / "signals.jsonl"
    path.write_text("".join(s.model_dump_json() + "\n" for s in sigs), encoding="utf-8")
    return subs, path


def run(group, args: list[str]):
    return CliRunner().invoke(group, args, catch_exceptions=False)


def test_summary_per_subscription(files) -> None:
    subs, sigs = files
    r = run(alerts_group, ["test", "--subscriptions", str(subs), str(sigs)])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "0 articles, 5 signals, 0 invalid inputs" in out
    ops = out.split("ops:")[1].split("summits:")[0]
    assert "matched 3, alerts 1, grouped 1, throttled 1" in ops
    assert ops.count("SEND") == 1 and "(2 signals, 2 sources)" in ops
    summits = out.split("summits:")[1].split("daily:")[0]
    assert "alerts 1" in summits and "CONSULT" in summits
    daily = out.split("daily:")[1]
    assert "digests 1" in daily and "digested 4" in daily and "SEND" in daily


def test_json_output_is_alerts(files) -> None:
    subs, sigs = files
    r = run(alerts_group, ["test", "-s", str(subs), "--format", "json", str(sigs)])
    alerts = [Alert.model_validate_json(line) for line in r.stdout.splitlines()]
    assert sorted((a.subscription, a.kind) for a in alerts) == [
        ("daily", "digest"), ("ops", "alert"), ("summits", "alert")]
    # deterministic: a second run gives the same ids
    again = run(alerts_group, ["test", "-s", str(subs), "--format", "json", str(sigs)])
    assert again.stdout == r.stdout


def test_messages_output(files) -> None:
    subs, sigs = files
    r = run(alerts_group, ["test", "-s", str(subs), "--format", "markdown", "--now",
                           "2024-04-14T12:00:00Z", str(sigs)])
    assert "=== ops · deliver · [S4] MOBILIZE (troops)" in r.stdout
    assert "Reported by 2 sources" in r.stdout


def test_invalid_signal_lines_are_reported_and_exit_1(files) -> None:
    subs, sigs = files
    with sigs.open("a") as fh:
        fh.write('{"signal_id": "x", "type": "NOPE"}\n')
    r = run(alerts_group, ["test", "-s", str(subs), str(sigs)])
    assert r.exit_code == 1
    assert f"invalid input: {sigs}:6: schema:" in r.stderr
    assert "5 signals, 1 invalid inputs" in r.stdout  # the good ones still count


def test_invalid_subscriptions_exit_2_naming_the_field(files, tmp_path: Path) -> None:
    _, sigs = files
    bad = tmp_path / "bad.yaml"
    bad.write_text("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {min_severity: 0}\n")
    r = run(alerts_group, ["test", "-s", str(bad), str(sigs)])
    assert r.exit_code == 2
    assert "subscription 'ops' field filters.min_severity" in r.stderr


def test_articles_go_through_the_detector(tmp_path: Path, make_signal, monkeypatch) -> None:
    import service.detection

    def fake_detect(article):
        return [make_signal(1, published_at=article.published_at).model_copy(
            update={"article_id": article.id})]

    monkeypatch.setattr(service.detection, "detect", fake_detect)
    subs = tmp_path / "subs.yaml"
    subs.write_text(SUBS, encoding="utf-8")
    arts = tmp_path / "articles.jsonl"
    arts.write_text(json.dumps({"id": "a1", "body": "Troops massed.", "published_at": "2024-04-14T12:00:00Z"})
                    + "\nnot json\n", encoding="utf-8")
    assert not is_signals_file(arts)
    r = run(alerts_group, ["test", "-s", str(subs), str(arts)])
    assert r.exit_code == 1  # the bad line
    assert "1 articles, 1 signals, 1 invalid inputs" in r.stdout
    assert f"{arts}:2: not_json" in r.stderr


def test_detector_exception_is_an_input_error_not_a_crash(tmp_path: Path, make_subs, sub) -> None:
    arts = tmp_path / "a.jsonl"
    arts.write_text(json.dumps({"id": "a1", "body": "x"}) + "\n")

    def boom(article):
        raise RuntimeError("bug")

    rep = dry_run(make_subs({"subscriptions": [sub("a")]}), [str(arts)], detect=boom)
    assert [e.reason for e in rep.errors] == ["detection_error"]


def test_silence_add_list_expire_and_the_dry_run_honours_it(files) -> None:
    subs, sigs = files
    r = run(silence_group, ["add", "-s", str(subs), "-m", "type=MOBILIZE", "-m", "actor=RUS,CHN",
                            "--start", "2024-04-14T00:00:00Z", "--duration", "1d",
                            "--reason", "known exercise", "--id", "mute-1"])
    assert r.exit_code == 0, r.output + r.stderr
    assert r.stdout.strip() == "mute-1"
    store = SilenceStore(subs.with_name("subs.silences.json"))
    (s,) = store.load()
    assert s.matchers.types == ["MOBILIZE"] and s.matchers.actors == ["RUS", "CHN"]

    listed = run(silence_group, ["list", "-s", str(subs), "--all"])
    assert "mute-1\texpired" in listed.stdout or "mute-1\tactive" in listed.stdout

    dry = run(alerts_group, ["test", "-s", str(subs), str(sigs)])
    ops = dry.stdout.split("ops:")[1].split("summits:")[0]
    # a silenced alert does not count as sent, so the later report is silenced again, not throttled
    assert ops.count("MUTE by mute-1") == 2 and "silenced 2" in ops and "SEND" not in ops
    assert "MUTE by mute-1 2024-04-14 12:05" in ops  # decided when its window closed

    # a duplicate id is refused, a bad matcher is a usage error
    assert run(silence_group, ["add", "-s", str(subs), "-m", "type=MOBILIZE", "-d", "1h",
                               "-r", "x", "--id", "mute-1"]).exit_code == 2
    bad = CliRunner().invoke(silence_group, ["add", "-s", str(subs), "-m", "colour=red", "-d", "1h",
                                             "-r", "x"])
    assert bad.exit_code == 2 and "colour=red" in bad.output

    exp = run(silence_group, ["expire", "-s", str(subs), "mute-1"])
    assert exp.exit_code == 0 and "mute-1 expired" in exp.stdout
    assert store.load()[0].ends_at <= datetime.now(UTC)
    assert run(silence_group, ["list", "-s", str(subs)]).stdout == ""  # only active by default
    assert run(silence_group, ["expire", "-s", str(subs), "nope"]).exit_code == 1


def test_silence_needs_a_matcher_and_an_end(files) -> None:
    subs, _ = files
    r = CliRunner().invoke(silence_group, ["add", "-s", str(subs), "-m", "type=MOBILIZE", "-r", "x"])
    assert r.exit_code == 2 and "--duration" in r.output
    r = CliRunner().invoke(silence_group, ["add", "-s", str(subs), "-m", "type=MOBILISE", "-d", "1h",
                                           "-r", "x"])
    assert r.exit_code == 2 and "matchers.types" in r.stderr


@pytest.mark.parametrize(("name", "reason"), [("too_deep.jsonl", "too_deep"), ("huge_number.jsonl", "not_json"),
                                              ("lone_surrogate.jsonl", "undecodable")])
def test_adversarial_article_lines_are_reported_and_the_rest_goes_on(files, name: str, reason: str) -> None:
    subs, _sigs = files
    bad = Path(__file__).resolve().parents[1] / "data" / "bad" / name
    r = run(alerts_group, ["test", "-s", str(subs), str(bad)])
    assert r.exit_code == 1
    assert f"invalid input: {bad}:2: {reason}:" in r.stderr
    assert "2 articles" in r.stdout  # lines 1 and 3 were detected


def test_a_too_deep_first_line_does_not_break_telling_signals_from_articles(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("[" * 5000 + "]" * 5000 + "\n")
    assert is_signals_file(path) is False


EVENT_SUBS = """\
subscriptions:
  - name: per-signal
    urls: ["json://127.0.0.1:9/a"]
    filters: {min_severity: 4}
  - name: per-event
    urls: ["json://127.0.0.1:9/b"]
    filters: {min_severity: 4}
    events: {}
"""


def test_event_subscriptions_get_what_the_event_stage_would_send(tmp_path: Path) -> None:
    """A subscription with ``events`` is dry-run through consolidation, event alerting and
    grouping (it used to show "nothing matched"); every event a per-signal subscription is told
    of reaches it too, in fewer messages."""
    subs = tmp_path / "subs.yaml"
    subs.write_text(EVENT_SUBS, encoding="utf-8")
    seeds = str(Path(__file__).resolve().parents[2] / "seeds")
    r = run(alerts_group, ["test", "--subscriptions", str(subs), "--format", "json", seeds])
    assert r.exit_code == 0, r.output
    alerts = [Alert.model_validate_json(line) for line in r.stdout.splitlines()]
    per_signal = [a for a in alerts if a.subscription == "per-signal" and a.status == "deliver"]
    per_event = [a for a in alerts if a.subscription == "per-event" and a.status == "deliver"]
    assert per_event and 0 < len(per_event) < len(per_signal)
    told = [n.event_id for a in per_event for n in a.events] + [
        a.event_id for a in per_event if not a.events]
    assert len(told) == len(set(told))  # each event's first report once
    # no event lost: the event of every signal alerted per signal is among those told
    signals, _, _ = collect([seeds])
    replay = EventReplay(build_set(yaml.safe_load(EVENT_SUBS), environ={}))
    for sig in sorted(signals, key=lambda x: x.article.published_at):
        replay.arrive(sig, sig.article.published_at)
    event_of = replay.event_of()
    alerted = {event_of[s.signal_id] for a in per_signal for s in a.signals}
    assert alerted and alerted <= set(told)
    summary = run(alerts_group, ["test", "--subscriptions", str(subs), seeds]).stdout
    assert f"per-event: events {len(told)}, alerts {len(per_event)}" in summary
