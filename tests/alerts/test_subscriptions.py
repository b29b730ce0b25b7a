"""The subscriptions file: validation errors that name the subscription and field, targets, reload."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from service.alerts.subscriptions import (
    SubscriptionsError,
    SubscriptionsReloader,
    load_subscriptions,
    redact,
    target_id,
)

GOOD = """\
defaults:
  timezone: Europe/Paris
  group_wait: 1m
subscriptions:
  - name: ops
    urls: ["json://127.0.0.1:8080/hook"]
    filters:
      types: [mobilize, ASSAULT]
      min_severity: 3
      actors: [rus]
  - name: analysts
    urls:
      - "mailto://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:2525?to=a@example.org"
    repeat_interval: 2h
    quiet_hours: {start: "22:00", end: "07:00", breakthrough_severity: 5}
"""


def write(tmp_path: Path, text: str, name: str = "subs.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def errors_of(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(SubscriptionsError) as exc:
        load_subscriptions(write(tmp_path, text), environ=environ or {"SMTP_USER": "u", "SMTP_PASS": "p"})
    return str(exc.value)


def test_good_file_loads_with_defaults_and_env_expansion(tmp_path: Path) -> None:
    subs = load_subscriptions(write(tmp_path, GOOD), environ={"SMTP_USER": "bob", "SMTP_PASS": "s3cret"})
    ops = subs.get("ops")
    assert ops is not None
    assert [t.value for t in ops.filters.types] == ["MOBILIZE", "ASSAULT"]
    assert ops.filters.actors == ["RUS"]
    assert {m.value for m in ops.filters.modalities} == {"asserted", "scheduled"}
    assert subs.file.defaults.group_wait.total_seconds() == 60
    assert subs.get("analysts").repeat_interval.total_seconds() == 7200
    (tid, url), = subs.targets("analysts")
    assert url.startswith("mailto://bob:s3cret@127.0.0.1:2525")
    assert tid == target_id(url) and "s3cret" not in tid
    assert "s3cret" not in repr(subs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {types: [MOBILISE]}\n",
         "subscription 'ops' field filters.types[0]"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {min_severity: 9}\n",
         "subscription 'ops' field filters.min_severity"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {genres: [opnion]}\n",
         "subscription 'ops' field filters.genres[0]"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {modalities: []}\n",
         "subscription 'ops' field filters.modalities: at least one modality (default: asserted, scheduled)"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {genres: []}\n",
         "subscription 'ops' field filters.genres: at least one genre (default: news)"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {min_severty: 3}\n",
         "subscription 'ops' field filters.min_severty: unknown field"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    timezone: Mars/Olympus\n",
         "subscription 'ops' field timezone: unknown time zone 'Mars/Olympus'"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    group_wait: soon\n",
         "subscription 'ops' field group_wait: 'soon' is not a duration"),
        ("subscriptions:\n  - name: ops\n", "subscription 'ops': needs at least one target"),
        ("subscriptions:\n  - urls: [json://h/x]\n", "subscription #1 field name: Field required"),
        ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    quiet_hours: {start: '22:00', end: '22:00'}\n",
         "subscription 'ops' field quiet_hours: start and end are equal"),
        ("subscriptions:\n  - name: a\n    urls: [json://h/x]\n  - name: a\n    urls: [json://h/y]\n",
         "used twice"),
        ("subscriptions:\n  - name: ops\n    urls: [\"json://h/${NOPE}\"]\n",
         "subscription 'ops' field urls[0]: environment variable NOPE is not set"),
        ("subscriptions: [\n", "not valid YAML at line"),
        ("- just a list\n", "must be a mapping"),
    ],
)
def test_invalid_files_name_the_subscription_and_field(tmp_path: Path, text: str, expected: str) -> None:
    message = errors_of(tmp_path, text)
    assert expected in message
    assert str(tmp_path / "subs.yaml") in message


def test_bad_url_is_reported_without_echoing_it(tmp_path: Path) -> None:
    message = errors_of(tmp_path, "subscriptions:\n  - name: ops\n    urls: [xoxb-secret-token]\n")
    assert "subscription 'ops' field urls" in message
    assert "xoxb-secret-token" not in message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SubscriptionsError, match="no such file"):
        load_subscriptions(tmp_path / "absent.yaml")


def test_target_ids_are_stable_and_secret_free() -> None:
    url = "tgram://123456:ABCDEF-secret/9876"
    assert target_id(url) == target_id(url)
    assert target_id(url).startswith("tgram-")
    assert target_id(url) != target_id("tgram://123456:ABCDEF-secret/9877")
    assert "secret" not in redact(url) and "123456" not in redact(url)
    assert redact("json://127.0.0.1:8080/hook?token=abc") .startswith("json://127.0.0.1:8080")
    assert "abc" not in redact("json://127.0.0.1:8080/hook?token=abc")
    assert "pass" not in redact("mailto://user:pass@mail.example.org")


def test_tags_resolve_through_an_apprise_config(tmp_path: Path) -> None:
    write(tmp_path, "urls:\n  - json://127.0.0.1:8080/a:\n      tag: ops\n"
          "  - json://127.0.0.1:8080/b:\n      tag: other\n", name="apprise.yml")
    p = write(tmp_path, "apprise_config: apprise.yml\nsubscriptions:\n  - name: ops\n    tags: [ops]\n")
    subs = load_subscriptions(p)
    urls = [u for _, u in subs.targets("ops")]
    assert len(urls) == 1 and "/a" in urls[0]


def test_reloader_takes_a_good_change_and_keeps_the_last_good_on_error(tmp_path: Path) -> None:
    env = {"SMTP_USER": "u", "SMTP_PASS": "p"}
    p = write(tmp_path, GOOD)
    rl = SubscriptionsReloader(p, environ=env)
    assert rl.poll() is False  # unchanged
    first = rl.current
    assert [s.name for s in first.subscriptions] == ["ops", "analysts"]

    p.write_text(GOOD.replace("min_severity: 3", "min_severity: 7"), encoding="utf-8")
    os.utime(p, ns=(1, 10**18))  # make sure the mtime differs even on coarse file systems
    assert rl.poll() is False
    assert rl.current is first
    assert rl.last_error is not None and "subscription 'ops' field filters.min_severity" in str(rl.last_error)

    p.write_text(GOOD.replace("name: analysts", "name: analysts2"), encoding="utf-8")
    os.utime(p, ns=(1, 2 * 10**18))
    assert rl.poll() is True
    assert [s.name for s in rl.current.subscriptions] == ["ops", "analysts2"]
    assert rl.last_error is None


def test_reloader_survives_the_file_disappearing(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD)
    rl = SubscriptionsReloader(p, environ={"SMTP_USER": "u", "SMTP_PASS": "p"})
    good = rl.current
    p.unlink()
    assert rl.poll() is False
    assert rl.current is good and "no such file" in str(rl.last_error)


def test_disabled_subscription_is_not_routed(tmp_path: Path) -> None:
    p = write(tmp_path, "subscriptions:\n  - name: a\n    urls: [json://h/x]\n    enabled: false\n"
              "  - name: b\n    urls: [json://h/y]\n")
    assert [s.name for s in load_subscriptions(p).subscriptions] == ["b"]


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "subscriptions.yaml"


def test_example_file_loads_without_secrets_and_every_url_is_valid_for_apprise() -> None:
    import re

    import apprise
    import yaml

    from service.alerts.subscriptions import expand_env

    subs = load_subscriptions(EXAMPLE, environ={})
    assert [s.name for s in subs.subscriptions] == ["local"]  # the others wait for their secrets
    text = EXAMPLE.read_text(encoding="utf-8")
    env = {k: "Tok0abcDEF123" for k in re.findall(r"\$\{(\w+)\}", text)}
    env.update(TEAMS_WORKFLOW_HOST="prod-12.westus.logic.azure.com",
               TELEGRAM_BOT_TOKEN="123456789:AbCdEfGhIjKlMnOpQrStUvWxYz012345678",
               TELEGRAM_CHAT_ID="-1001234567890", DISCORD_WEBHOOK_ID="1234567890",
               DISCORD_WEBHOOK_TOKEN="abcdefghijklmnopqrstuvwxyz012345")
    doc = yaml.safe_load(text)
    schemes = set()
    for s in doc["subscriptions"]:
        for url in s["urls"]:
            real = expand_env(url, env)
            if real.startswith("escalert"):
                continue  # escalert's local schemas, registered by service.alerts.channels
            assert apprise.Apprise.instantiate(real) is not None, s["name"]
            schemes.add(real.split("://")[0])
    assert schemes == {"mailtos", "slack", "tgram", "discord", "workflow", "json"}


# -- values checked against what exists: detector codes, Apprise schemes, the file root ---------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("{countries: [Ukraine]}",
         "subscription 'ops' field filters.countries: unknown country 'Ukraine': did you mean UKR?"),
        ("{countries: [UKRR]}", "unknown country 'UKRR': did you mean UKR?"),
        ("{countries: [Kyiv]}", "unknown country 'Kyiv': did you mean UKR?"),
        ("{actors: [Kremlin]}",
         "subscription 'ops' field filters.actors: unknown actor 'Kremlin': did you mean RUS?"),
        ("{actors: [NATOO]}", "unknown actor 'NATOO': did you mean NATO?"),
        ("{actors: [QQQQQQQ]}", "unknown actor 'QQQQQQQ' (not an actor code the detector assigns)"),
    ],
)
def test_unknown_codes_are_refused_with_a_suggestion(tmp_path: Path, filters: str, expected: str) -> None:
    text = f"subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {filters}\n"
    assert expected in errors_of(tmp_path, text)


def test_known_codes_in_any_case_load_upper_cased(tmp_path: Path) -> None:
    p = write(tmp_path, "subscriptions:\n  - name: ops\n    urls: [json://h/x]\n"
              "    filters: {countries: [ukr, PSE], actors: [nato, Hamas, REB]}\n")
    f = load_subscriptions(p).get("ops").filters
    assert f.countries == ["UKR", "PSE"] and f.actors == ["NATO", "HAMAS", "REB"]


def test_unknown_codes_in_the_files_silences_are_refused(tmp_path: Path) -> None:
    text = ("subscriptions:\n  - name: ops\n    urls: [json://h/x]\nsilences:\n  - id: s1\n"
            "    matchers: {countries: [Poland]}\n    starts_at: 2025-01-01T00:00:00Z\n"
            "    ends_at: 2025-01-02T00:00:00Z\n    reason: test\n")
    assert ("silence 's1' field matchers.countries: unknown country 'Poland': did you mean POL?"
            in errors_of(tmp_path, text))


def test_unknown_target_scheme_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    message = errors_of(tmp_path, "subscriptions:\n  - name: ops\n"
                        "    urls: ['mailtoo://user:hunter2@mail.example.org']\n")
    assert ("subscription 'ops' field urls[0]: unknown target scheme 'mailtoo://': did you mean mailto://?"
            in message)
    assert "hunter2" not in message


def test_a_scheme_from_the_environment_is_checked_but_never_shown(tmp_path: Path) -> None:
    message = errors_of(tmp_path, "subscriptions:\n  - name: ops\n    urls: ['${SCHEME}://x']\n",
                        environ={"SCHEME": "sekrit"})
    assert "subscription 'ops' field urls[0]: unknown target scheme" in message
    assert "sekrit" not in message


def test_disabled_subscriptions_have_their_schemes_checked(tmp_path: Path) -> None:
    message = errors_of(tmp_path, "subscriptions:\n  - name: a\n    urls: [json://h/x]\n"
                        "  - name: later\n    enabled: false\n    urls: ['slak://${A}/${B}']\n")
    assert "subscription 'later' field urls[0]: unknown target scheme 'slak://': did you mean slack://?" in message


def test_every_apprise_plugin_scheme_and_ours_are_known() -> None:
    from apprise import NotificationManager

    from service.alerts.subscriptions import known_schemas

    schemas = known_schemas()
    assert set(NotificationManager().schemas()) <= schemas
    assert {"escalertfile", "escalertconsole", "mailto", "mailtos", "json", "tgram"} <= schemas


def test_file_targets_must_stay_inside_the_file_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for url in ("escalertfile://../x.jsonl", "escalertfile://a/../../x.jsonl",
                f"escalertfile://{tmp_path}/x.jsonl", "escalertfile://?path=/etc/x",
                # percent-encoded: Apprise decodes them before the file target sees the path
                "escalertfile://a/%2e%2e/%2e%2e/x.jsonl", "escalertfile://?path=%2Fetc%2Fx"):
        message = errors_of(tmp_path, f"subscriptions:\n  - name: ops\n    urls: ['{url}']\n")
        assert "subscription 'ops' field urls[0]: escalertfile path" in message, url
        assert f"outside the allowed directory {work}" in message, url
    ok = write(tmp_path, "subscriptions:\n  - name: ops\n    urls: ['escalertfile://alerts/a.jsonl',"
               f" 'escalertfile://{work}/b.jsonl']\n")
    assert len(load_subscriptions(ok).targets("ops")) == 2
    # a configured root moves the fence: absolute paths inside it pass, the working directory not
    root = tmp_path / "spool"
    outside = write(tmp_path, "subscriptions:\n  - name: ops\n    urls: ['escalertfile://alerts/a.jsonl']\n")
    with pytest.raises(SubscriptionsError, match=f"outside the allowed directory {root}"):
        load_subscriptions(outside, file_root=root)
    inside = write(tmp_path, f"subscriptions:\n  - name: ops\n    urls: ['escalertfile://{root}/a.jsonl']\n")
    assert load_subscriptions(inside, file_root=root).targets("ops")


def test_a_symlink_out_of_the_file_root_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "out").symlink_to(tmp_path)
    monkeypatch.chdir(work)
    message = errors_of(tmp_path, "subscriptions:\n  - name: ops\n    urls: ['escalertfile://out/x.jsonl']\n")
    assert "outside the allowed directory" in message


def test_reloader_keeps_the_last_good_set_on_a_code_typo(tmp_path: Path) -> None:
    p = write(tmp_path, "subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {countries: [UKR]}\n")
    rl = SubscriptionsReloader(p)
    good = rl.current
    p.write_text("subscriptions:\n  - name: ops\n    urls: [json://h/x]\n    filters: {countries: [Ukraine]}\n")
    os.utime(p, ns=(1, 10**18))
    assert rl.poll() is False and rl.current is good
    assert "did you mean UKR?" in str(rl.last_error)


def test_a_directory_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SubscriptionsError, match="is a directory") as exc:
        load_subscriptions(tmp_path)
    assert "\n" not in str(exc.value)


async def test_an_accepted_file_target_writes_where_the_check_looked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.alerts.delivery import AppriseSender

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    p = write(tmp_path, "subscriptions:\n  - name: ops\n    urls: ['escalertfile://a/b/%2e%2e/x.jsonl']\n")
    ((_, url),) = load_subscriptions(p).targets("ops")
    assert (await AppriseSender().send(url, "t", "b", "markdown")).ok
    assert [f.relative_to(tmp_path) for f in tmp_path.rglob("*.jsonl")] == [Path("work/a/x.jsonl")]
