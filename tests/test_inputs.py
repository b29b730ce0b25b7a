"""Input parsing shared by the CLI and the stream: reasons are precise, nothing is dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.article import Article
from service.inputs import ArticleRejected, article_from_obj, article_from_text, parse_article

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
