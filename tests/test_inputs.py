"""Input parsing shared by the CLI and the stream: reasons are precise, nothing is dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.article import Article
from schemas.deadletter import DeadLetterReason
from service.inputs import (
    MAX_JSON_DEPTH,
    ArticleRejected,
    InputError,
    ParsedArticle,
    article_from_obj,
    article_from_text,
    json_depth,
    parse_article,
    read_articles,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_missing_id_gets_a_stable_content_hash() -> None:
    a = parse_article(json.dumps({"title": "T", "body": "B"}), now=NOW)
    b = parse_article(json.dumps({"title": "T", "body": "B", "source": "X"}), now=NOW)
    assert a.id == b.id and a.id.startswith("sha256-")
    assert parse_article(json.dumps({"title": "T", "body": "C"}), now=NOW).id != a.id


def test_missing_published_at_is_read_time_and_flagged() -> None:
    a = parse_article(json.dumps({"body": "B"}), now=NOW)
    assert a.published_at == NOW and a.published_at_assumed is True
    b = parse_article(json.dumps({"body": "B", "published_at": "2024-04-14T10:00:00"}), now=NOW)
    assert b.published_at_assumed is False and b.published_at.tzinfo is not None


@pytest.mark.parametrize(
    ("raw", "reason", "fragment"),
    [
        (b"{", "not_json", "not JSON"),
        (b"[1, 2]", "schema", "expected a JSON object"),
        (b'{"body": ""}', "empty_body", "body"),
        (b'{"body": "   "}', "empty_body", "body is empty"),
        (b'{"title": "x"}', "schema", "body"),
        (b'{"body": 42}', "schema", "body: must be a string"),
        (b'{"body": "x", "language": "fr"}', "unsupported_language", "unsupported language 'fr'"),
        (b'{"body": "x", "published_at": "yesterday"}', "schema", "published_at"),
        (b'{"body": "caf\xe9"}', "undecodable", "not UTF-8"),
    ],
)
def test_rejections_name_the_reason(raw: bytes, reason: str, fragment: str) -> None:
    with pytest.raises(ArticleRejected) as exc:
        parse_article(raw, now=NOW)
    assert exc.value.reason == reason
    assert fragment in exc.value.message


def test_oversize_is_checked_before_parsing() -> None:
    with pytest.raises(ArticleRejected) as exc:
        parse_article(b'{"body": "' + b"x" * 2000 + b'"}', max_bytes=1000, now=NOW)
    assert exc.value.reason == "oversize"


def test_plain_text_form() -> None:
    text = "| 14 April 2024, Sunday |\n\nHeadline here\n\nFirst paragraph.\n\nSecond one.\n\n  • Reuters\n"
    a = article_from_text(text, name="007_x.txt", now=NOW)
    assert a.id == "007_x"
    assert a.title == "Headline here"
    assert a.body == "First paragraph.\n\nSecond one."
    assert a.source == "Reuters"
    assert a.published_at == datetime(2024, 4, 14, tzinfo=UTC)


def test_plain_text_with_a_bad_header_date_is_rejected() -> None:
    with pytest.raises(ArticleRejected) as exc:
        article_from_text("| someday |\n\nTitle\n\nBody.", name="x.txt", now=NOW)
    assert "header date" in exc.value.message


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
_field_values = st.one_of(
    st.text(max_size=30), _json_values,
    st.sampled_from(["2024-04-14", "2024-04-14T10:00:00", "2024-04-14T10:00:00+02:00", "en", "en-GB",
                     "fr", " ", "\\ud800", "yesterday"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(
    st.sampled_from(["id", "title", "body", "published_at", "source", "url", "language", "x"]),
    _field_values, max_size=6,
))
def test_fast_path_accepts_exactly_what_the_checked_path_accepts_identically(obj) -> None:
    """parse_article first lets pydantic parse the JSON; whatever that accepts must be the very
    article that json.loads plus validation gives (the checked path names rejections)."""
    raw = json.dumps(obj).encode()
    try:
        fast = Article.model_validate_json(raw, context={"now": NOW})
    except ValidationError:
        fast = None
    try:
        checked = article_from_obj(json.loads(raw), now=NOW)
    except ArticleRejected:
        checked = None
    if fast is not None:
        assert checked == fast
    if checked is not None:
        assert parse_article(raw, now=NOW) == checked


# --- adversarial payloads: parsing never raises anything but ArticleRejected -------------------

_ADVERSARIAL = st.one_of(
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 5000).map(lambda n: b'{"body": "x", "e": ' + b"[" * n + b"]" * n + b"}"),
    st.integers(1, 3000).map(lambda n: b'{"a": ' * n + b"1" + b"}" * n),
    st.integers(1, 20000).map(lambda n: b'{"body": "x", "n": ' + b"9" * n + b"}"),
    st.integers(1, 20000).map(lambda n: b'{"body": "x", "n": -' + b"9" * n + b".5e99999}"),
    st.sampled_from([b'{"body": "\\ud800"}', b'{"body": "x", "k": "\\udfff\\ud800"}', b'{"\\ud800": 1}',
                     b'{"body": "\\ud83d\\ude00"}', b'{"body": "x", "n": NaN}', b'{"body": "[[[["}']),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=400, deadline=None)
@given(_ADVERSARIAL)
def test_parse_article_never_raises_anything_but_a_rejection(raw: bytes) -> None:
    try:
        parse_article(raw, now=NOW)
    except ArticleRejected as exc:
        assert exc.reason in get_args(DeadLetterReason)
        assert exc.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_article_on_any_str_never_raises_anything_but_a_rejection(raw: str) -> None:
    try:
        parse_article(raw, now=NOW)
    except ArticleRejected as exc:
        assert exc.reason in get_args(DeadLetterReason)


@settings(max_examples=100, deadline=None)
@given(st.lists(_ADVERSARIAL, max_size=5))
def test_read_articles_reports_every_line_and_goes_on(tmp_path_factory, lines: list[bytes]) -> None:
    """Any bytes in a JSONL file: one item per non-blank line, in order, none raised."""
    path = tmp_path_factory.mktemp("jsonl") / "x.jsonl"
    good = json.dumps({"id": "g", "body": "Talks began."}).encode()
    payload = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    path.write_bytes(b"\n".join([*payload, good]) + b"\n")
    items = list(read_articles([str(path)], now=NOW))
    assert isinstance(items[-1], ParsedArticle) and items[-1].article.id == "g"
    assert items[-1].origin == f"{path}:{len(payload) + 1}"


def test_depth_limit_is_that_of_the_fast_path() -> None:
    """At MAX_JSON_DEPTH both paths read the JSON (then reject the shape); one level more, both
    reject it as JSON, so the checked path never accepts what the fast path refused."""
    ok = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    deep = b"[" + ok + b"]"
    with pytest.raises(ValidationError) as fast:
        Article.model_validate_json(ok)
    assert fast.value.errors()[0]["type"] != "json_invalid"
    with pytest.raises(ValidationError) as fast:
        Article.model_validate_json(deep)
    assert fast.value.errors()[0]["type"] == "json_invalid"
    with pytest.raises(ArticleRejected) as exc:
        parse_article(ok, now=NOW)
    assert exc.value.reason == "schema"
    with pytest.raises(ArticleRejected) as exc:
        parse_article(deep, now=NOW)
    assert exc.value.reason == "too_deep"


@pytest.mark.parametrize(
    ("text", "depth"),
    [("{}", 1), ('{"a": [1, {"b": []}]}', 4), ('"[[[["', 0), ('["]]]", [["\\"["]]]', 3), ("]]][[", 2)],
)
def test_json_depth_skips_strings(text: str, depth: int) -> None:
    assert json_depth(text) == depth


def test_an_oversize_jsonl_line_is_never_held_whole(tmp_path) -> None:
    path = tmp_path / "big.jsonl"
    good = json.dumps({"id": "g", "body": "Talks began."}).encode()
    path.write_bytes(b'{"body": "' + b"x" * 50_000 + b'"}\n' + good + b"\n")
    first, second = read_articles([str(path)], max_bytes=1000, now=NOW)
    assert isinstance(first, InputError) and first.reason == "oversize"
    assert "50012 bytes" in first.message and len(first.payload) <= 1001
    assert isinstance(second, ParsedArticle) and second.origin == f"{path}:2"


def test_a_too_deep_json_file_is_rejected(tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000)
    [item] = read_articles([str(path)], now=NOW)
    assert isinstance(item, InputError) and item.reason == "too_deep"
