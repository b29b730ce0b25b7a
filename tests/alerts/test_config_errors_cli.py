"""Configuration mistakes on the alert commands: one line on stderr naming the file or setting and
the field, exit status 2, never a traceback (``alerts test``, ``alerts ping``, ``silence add``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for k in list(os.environ):
        if k.startswith("ESCALERT_"):
            monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)  # the default file root of escalertfile:// targets


def cli(*args: str, **env: str):
    from service.cli import main

    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_line_exit_2(result, *expected: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def subs_file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "subs.yaml"
    p.write_text(body, encoding="utf-8")
    return p


BAD = {
    "country": ("    urls: [escalertconsole://]\n    filters: {countries: [Ukraine]}\n",
                "subscription 'ops' field filters.countries: unknown country 'Ukraine': did you mean UKR?"),
    "scheme": ("    urls: ['mailtoo://u:hunter2@mail.example.org']\n",
               "subscription 'ops' field urls[0]: unknown target scheme 'mailtoo://': did you mean mailto://?"),
    "file": ("    urls: ['escalertfile://../../x']\n",
             "subscription 'ops' field urls[0]: escalertfile path '../../x' is outside the allowed directory"),
    "yaml": ("    urls: [\n", "not valid YAML at line"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["test", "ping"])
def test_alerts_commands_refuse_a_bad_file_in_one_line(tmp_path: Path, case: str, command: str) -> None:
    body, expected = BAD[case]
    p = subs_file(tmp_path, "subscriptions:\n  - name: ops\n" + body)
    args = ["alerts", command, "-s", str(p)] + ([str(SEEDS)] if command == "test" else [])
    line = one_line_exit_2(cli(*args), str(p), expected)
    assert "hunter2" not in line


def test_subscriptions_from_the_environment_are_checked_the_same(tmp_path: Path) -> None:
    p = subs_file(tmp_path, "subscriptions:\n  - name: ops\n" + BAD["country"][0])
    one_line_exit_2(cli("alerts", "test", str(SEEDS), ESCALERT_ALERTS_SUBSCRIPTIONS=str(p)),
                    "did you mean UKR?")


@pytest.mark.parametrize("command", [["alerts", "test", str(SEEDS)], ["alerts", "ping"],
                                     ["silence", "list"]])
def test_an_empty_subscriptions_variable_is_a_one_line_error(command: list[str]) -> None:
    one_line_exit_2(cli(*command, ESCALERT_ALERTS_SUBSCRIPTIONS=""),
                    "ESCALERT_ALERTS_SUBSCRIPTIONS: is set but empty")


def test_the_file_root_setting_moves_the_fence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    spool = tmp_path / "spool"
    p = subs_file(tmp_path, f"subscriptions:\n  - name: ops\n    urls: ['escalertfile://{spool}/a.jsonl']\n")
    assert cli("alerts", "test", "-s", str(p), str(SEEDS)).exit_code == 2
    ok = cli("alerts", "test", "-s", str(p), str(SEEDS), ESCALERT_ALERTS_FILE_ROOT=str(spool))
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    ("matchers", "expected"),
    [
        (["-m", "country=Ukraine"], "silence field matchers.countries: unknown country 'Ukraine': did you mean UKR?"),
        (["-m", "actor=Kremlin,NATO"], "silence field matchers.actors: unknown actor 'Kremlin': did you mean RUS?"),
        (["-m", "type=MOBILISE"], "silence field matchers.types"),
    ],
)
def test_silence_add_refuses_unknown_values_and_writes_nothing(tmp_path: Path, matchers: list[str],
                                                               expected: str) -> None:
    store = tmp_path / "s.json"
    r = cli("silence", "add", *matchers, "-d", "2h", "-r", "checking", "--store", str(store))
    one_line_exit_2(r, expected)
    assert not store.exists()


def test_silence_add_accepts_known_codes(tmp_path: Path) -> None:
    store = tmp_path / "s.json"
    r = cli("silence", "add", "-m", "country=ukr", "-m", "actor=RUS,nato", "-d", "2h", "-r", "x",
            "--store", str(store))
    assert r.exit_code == 0, r.output
    listed = cli("silence", "list", "--store", str(store))
    assert "countries=UKR" in listed.output and "actors=RUS,NATO" in listed.output


def test_a_bad_silences_store_is_one_line_and_the_worker_keeps_the_last_good_list(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from service.alerts.silences import SilenceStore

    store = tmp_path / "s.json"
    assert cli("silence", "add", "-m", "country=UKR", "-d", "2h", "-r", "x", "--store", str(store)).exit_code == 0
    st = SilenceStore(store)
    good = st.poll()
    store.write_text(store.read_text().replace('"UKR"', '"Ukraine"'))
    os.utime(store, ns=(1, 10**18))
    with caplog.at_level("ERROR"):
        assert st.poll() == good
    (record,) = [r for r in caplog.records if "silences not reloaded" in r.getMessage()]
    assert record.exc_info is None and "did you mean UKR?" in record.getMessage()
    one_line_exit_2(cli("silence", "list", "--store", str(store)),
                    "silence #1 field matchers.countries: unknown country 'Ukraine'")
