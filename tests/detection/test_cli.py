"""`escalert detect` and `escalert evaluate` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemas.signal import Signal
from service.cli import main

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"


def run(*args: str, stdin: bytes | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_detect_seeds_prints_valid_signals() -> None:
    result = run("detect", str(ROOT / "seeds"))
    assert result.exit_code == 0, result.stderr
    signals = [Signal.model_validate_json(line) for line in result.stdout.splitlines()]
    sample = [s for s in signals if s.article_id == "000_7c94694e4128f0a7"]
    assert {s.type.value for s in sample} >= {"CONSULT", "MOBILIZE", "THREATEN", "AID", "COERCE", "AGREE", "ASSAULT"}
    assert "invalid inputs" in result.stderr


def test_detect_table_format() -> None:
    result = run("detect", "--format", "table", str(ROOT / "seeds" / "000_7c94694e4128f0a7.txt"))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ARTICLE")
    assert any("CONSULT" in line and "2025-01-10" in line and "Geneva" in line for line in lines)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not_json.jsonl", "not_json"),
        ("empty_body.jsonl", "empty_body"),
        ("wrong_types.jsonl", "schema"),
        ("undecodable.jsonl", "undecodable"),
        ("oversize.jsonl", "oversize"),
        ("unsupported_language.jsonl", "unsupported_language"),
        ("too_deep.jsonl", "too_deep"),
        ("huge_number.jsonl", "not_json"),
        ("lone_surrogate.jsonl", "undecodable"),
    ],
)
def test_bad_input_is_reported_with_file_line_and_reason_and_the_rest_goes_on(name: str, reason: str) -> None:
    result = run("detect", str(BAD / name))
    assert result.exit_code == 1
    assert f"{BAD / name}:2: {reason}:" in result.stderr
    # Lines 1 and 3 are good articles and were processed.
    assert "2 articles" in result.stderr


def test_max_bytes_is_configurable() -> None:
    result = run("detect", "--max-bytes", "100", str(ROOT / "seeds" / "more_articles.jsonl"))
    assert result.exit_code == 1
    assert "oversize" in result.stderr and "100-byte limit" in result.stderr


def test_detect_reads_jsonl_from_stdin() -> None:
    line = json.dumps({"id": "s1", "body": "Russian troops massed near the border with Ukraine on Monday.",
                       "published_at": "2024-04-14T00:00:00Z"})
    result = run("detect", "-", stdin=(line + "\n{not json\n").encode())
    assert result.exit_code == 1
    assert "-:2: not_json" in result.stderr
    (sig,) = [Signal.model_validate_json(x) for x in result.stdout.splitlines()]
    assert sig.type.value == "MOBILIZE" and sig.article_id == "s1"


def test_missing_path_is_an_input_error() -> None:
    result = run("detect", str(ROOT / "no-such-file.jsonl"))
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_evaluate_prints_the_quality_report() -> None:
    result = run("evaluate", "--set", "labeled", "--split", "holdout")
    assert result.exit_code == 0
    assert "micro*" in result.stdout and "scheduled meetings with the right date" in result.stdout


def test_help_lists_every_command() -> None:
    result = run("--help")
    for cmd in ("detect", "evaluate"):
        assert cmd in result.stdout
