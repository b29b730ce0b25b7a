"""Messages: content, safe links, dates, escaping per format, digests, and safe splitting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from schemas.alert import Alert
from service.alerts.names import label, name_of
from service.alerts.render import (
    date_phrase,
    escape_md,
    fit,
    html_to_text,
    relative_day,
    render,
    safe_url,
)

NOW = datetime(2025, 1, 7, 9, 0, tzinfo=UTC)


def alert_of(signals, **kw) -> Alert:
    base = dict(alert_id="al-1", subscription="ops", kind="alert", group_key="g", severity=max(
        s.severity for s in signals), title="Russia and the USA meet", signals=signals,
        signal_count=len(signals), source_count=len({s.article.source for s in signals}),
        matched=["subscription ops", "type CONSULT"], status="deliver", created_at=NOW,
        target_ids=["json-0123456789ab"])
    base.update(kw)
    return Alert(**base)


def scheduled(make_signal, n=1, **kw):
    kw.setdefault("event_date", date(2025, 1, 10))
    kw.setdefault("published_at", datetime(2025, 1, 6, 15, 30, tzinfo=UTC))
    return make_signal(
        n, type="CONSULT", mode="talks", modality="scheduled", severity=2, source=["USA"],
        target=["RUS"], place="Geneva", country="CHE",
        sentence="U.S. and Russian officials will hold talks in Geneva on Jan. 10.",
        trigger="hold talks", title="U.S., Russia set for Jan. 10 security talks", **kw)


def commonmark() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.validateLink = lambda url: True  # show every link the message makes, safe or not
    return md


def md_links(body: str) -> list[str]:
    hrefs = []
    for tok in commonmark().parse(body):
        for child in tok.children or []:
            if child.type == "link_open":
                hrefs.append(child.attrGet("href"))
    return hrefs


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k in ("href", "src")]

    def handle_data(self, data):
        self.text.append(data)


def parse_html(body: str) -> _Collect:
    p = _Collect()
    p.feed(body)
    return p


# --- what a message says -------------------------------------------------------------------------

def test_markdown_message_says_everything(make_signal) -> None:
    a = alert_of([scheduled(make_signal, 1, outlet="Reuters"), scheduled(make_signal, 2, outlet="AP")])
    r = render(a, "markdown", NOW)
    assert r.title == "[S2] Russia and the USA meet"
    body = r.body
    assert "**[U.S., Russia set for Jan. 10 security talks](https://news.example/reuters/1)**" in body
    assert "Reuters, published 2025-01-06 15:30 UTC" in body
    assert "- **Who:** USA (United States)" in body
    assert "- **Did what:** CONSULT (talks), scheduled" in body
    assert "- **To whom:** RUS (Russian Federation)" in body
    assert "- **Where:** Geneva, Switzerland (CHE)" in body
    assert "- **When:** 2025-01-10 (in 3 days)" in body
    assert "- **Severity:** 2/5" in body
    assert "“U.S. and Russian officials will **hold talks** in Geneva on Jan. 10.”" in body
    assert "Reported by 2 sources" in body
    assert "(https://news.example/ap/2) (AP, published 2025-01-06 15:30 UTC)" in body
    assert "Why: subscription ops; type CONSULT" in body


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_each_article_is_linked_exactly_once(make_signal, fmt) -> None:
    a = alert_of([make_signal(1), make_signal(2, outlet="AP")])
    body = render(a, fmt, NOW).body
    assert body.count("https://news.example/reuters/1") == 1
    assert body.count("https://news.example/ap/2") == 1
    assert "Russia masses troops" in body and "published 2024-04-14 12:00 UTC" in body


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_article_without_url_still_shows_headline_and_outlet(make_signal, fmt) -> None:
    s = make_signal(url="")
    body = render(alert_of([s]), fmt, NOW).body
    assert "Russia masses troops" in body and "Reuters, published 2024-04-14 12:00 UTC" in body
    assert "http" not in body and "None" not in body
    assert "<a " not in body and "](" not in body


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_a_report_from_an_opinion_page_says_so(make_signal, fmt) -> None:
    s = make_signal()
    s = s.model_copy(update={"article": s.article.model_copy(update={"genre": "opinion"})})
    body = render(alert_of([s]), fmt, NOW).body
    assert "Reuters, opinion page, published 2024-04-14 12:00 UTC" in body
    assert "opinion page" not in render(alert_of([make_signal()]), fmt, NOW).body


def test_assumed_publication_time_says_so(make_signal) -> None:
    s = make_signal()
    s = s.model_copy(update={"article": s.article.model_copy(update={"published_at_assumed": True})})
    body = render(alert_of([s]), "text", NOW).body
    assert "received 2024-04-14 12:00 UTC (no publication time given)" in body


def test_actor_names_beside_codes(make_signal) -> None:
    s = make_signal(source=["MIL", "REB"], target=["XKX", "NATO", "RSF"], country="SDN",
                    place="Khartoum")
    body = render(alert_of([s]), "text", NOW).body
    assert "Who: MIL (army), REB (rebels)" in body
    assert "To whom: XKX (Kosovo), NATO, RSF (Rapid Support Forces)" in body
    assert "Where: Khartoum, Sudan (SDN)" in body


def test_names_come_from_pycountry_and_the_gazetteer() -> None:
    assert name_of("IRN") == "Iran"  # pycountry's common name, not "Iran, Islamic Republic of"
    assert name_of("COD") == "The Democratic Republic of the Congo"
    assert name_of("XKX") == "Kosovo"  # not ISO: from the gazetteer
    assert label("NATO") == "NATO" and label("ALQAEDA") == "ALQAEDA (al-Qaeda)"
    assert label("ZZZ") == "ZZZ"  # unknown: the code alone


def test_html_escapes_and_marks_the_trigger(make_signal) -> None:
    s = make_signal(sentence='Troops <script>alert("x")</script> massed troops & tanks.',
                    trigger="massed troops", url='https://e.example/a?"b"&c=<d>')
    body = render(alert_of([s], title="<b>bold</b> claim"), "html", NOW).body
    p = parse_html(body)
    assert "script" not in p.tags and "b" not in p.tags
    assert '<script>alert("x")</script>' in "".join(p.text)
    assert '<mark style="background:#fff3b0"><strong>massed troops</strong></mark>' in body
    assert 'href="https://e.example/a?&quot;b&quot;&amp;c=&lt;d&gt;"' in body
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in body


def test_text_format_has_no_markup(make_signal) -> None:
    body = render(alert_of([scheduled(make_signal)]), "text", NOW).body
    assert "**" not in body and "<" not in body
    assert "*hold talks*" in body and "\nhttps://news.example/reuters/1\n" in body
    assert html_to_text(alert_of([scheduled(make_signal)]), NOW) == body


def test_trigger_falls_back_to_search_when_offsets_are_off(make_signal) -> None:
    s = make_signal(sentence="Russia massed troops.", trigger="massed troops")
    s = s.model_copy(update={"evidence": s.evidence.model_copy(update={"trigger_start": 900,
                                                                        "trigger_end": 913})})
    assert "Russia **massed troops**." in render(alert_of([s]), "markdown", NOW).body


def test_silenced_and_held_alerts_say_so(make_signal) -> None:
    s = make_signal()
    assert "Silenced by mute-1" in render(alert_of([s], status="silenced", silenced_by="mute-1"),
                                          "text", NOW).body
    assert "quiet hours" in render(alert_of([s], status="held"), "text", NOW).body


# --- links: only http(s) -------------------------------------------------------------------------

UNSAFE = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
          "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
          "file:///etc/passwd", "//evil.example/x", "http:/no-host", "https://ex ample.com/a",
          "https://e.example/\njavascript:alert(1)", "ftp://files.example/a"]


@pytest.mark.parametrize("url", UNSAFE)
def test_safe_url_drops_everything_but_http_and_https(url) -> None:
    assert safe_url(url) is None


def test_safe_url_keeps_ordinary_links() -> None:
    for url in ("https://news.example/a?b=1&c=(2)#x", "http://127.0.0.1:8080/a"):
        assert safe_url(url) == url


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_article_url_reaches_no_html_href(make_signal, url) -> None:
    a = alert_of([make_signal(1, url=url), make_signal(2, outlet="AP", url=url)])
    for d in (a, a.model_copy(update={"kind": "digest", "reason": "digest"})):
        body = render(d, "html", NOW).body
        p = parse_html(body)
        assert p.hrefs == []
        assert "javascript" not in body.lower() and "data:" not in body
        assert "Russia masses troops" in "".join(p.text)


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_article_url_reaches_no_markdown_link(make_signal, url) -> None:
    a = alert_of([make_signal(1, url=url), make_signal(2, outlet="AP", url=url)])
    for d in (a, a.model_copy(update={"kind": "digest", "reason": "digest"})):
        for fmt in ("markdown", "text"):
            body = render(d, fmt, NOW).body
            assert "javascript" not in body.lower() and "data:" not in body
        assert md_links(render(d, "markdown", NOW).body) == []


def test_markdown_link_destinations_survive_parentheses_and_brackets(make_signal) -> None:
    url = "https://news.example/a_(b)?q=<1>"
    body = render(alert_of([make_signal(url=url)]), "markdown", NOW).body
    assert md_links(body) == ["https://news.example/a_%28b%29?q=%3C1%3E"]


# --- dates ------------------------------------------------------------------------------------

def test_relative_days() -> None:
    d = date(2025, 1, 7)
    assert [relative_day(d + timedelta(days=k), d) for k in (0, 1, 3, -1, -5)] == [
        "today", "tomorrow", "in 3 days", "yesterday", "5 days ago"]


@pytest.mark.parametrize("modality, event, end, expected", [
    ("scheduled", date(2025, 1, 10), None, "2025-01-10 (in 3 days)"),
    ("scheduled", date(2025, 1, 7), None, "2025-01-07 (today)"),
    ("scheduled", date(2025, 1, 6), None, "2025-01-06 (was due yesterday)"),
    ("asserted", date(2025, 1, 4), None, "2025-01-04 (3 days ago)"),
    ("asserted", date(2025, 1, 5), date(2025, 1, 9), "2025-01-05 to 2025-01-09 (under way)"),
    # an article from 2023, read now: placed relative to the article, never "695 days ago"
    ("scheduled", date(2023, 2, 10), None, "2023-02-10 (date passed; 3 days after publication)"),
    ("asserted", date(2023, 2, 6), None, "2023-02-06 (the day before publication)"),
    ("asserted", date(2023, 2, 7), None, "2023-02-07 (the day of publication)"),
])
def test_date_phrases(make_signal, modality, event, end, expected) -> None:
    published = datetime(2025, 1, 6, 8, tzinfo=UTC) if event.year == 2025 else datetime(
        2023, 2, 7, 8, tzinfo=UTC)
    s = make_signal(modality=modality, event_date=event, published_at=published)
    if end:
        s = s.model_copy(update={"event_date_end": end})
    phrase = date_phrase(s, NOW)
    assert phrase == expected
    assert not re.search(r"\d{2,} days ago", phrase)


# --- Markdown as CommonMark renders it ------------------------------------------------------------

def test_markdown_fields_are_separate_lines_in_commonmark(make_signal) -> None:
    body = render(alert_of([scheduled(make_signal)]), "markdown", NOW).body
    tokens = commonmark().parse(body)
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) == 6  # Who, Did what, To whom, Where, When, Severity: one line each
    assert not any(t.type == "blockquote_open" for t in tokens)  # Telegram and Teams have none
    html = commonmark().render(body)
    assert "<li><strong>When:</strong> 2025-01-10 (in 3 days)</li>" in html
    assert "<strong>hold talks</strong>" in html


def test_markdown_shows_article_text_literally_without_stray_escapes(make_signal) -> None:
    sentence = "Officials *denied* [it] _all_ >= 5 `now` a|b ~x~ #1 - done & AT&amp;T <b>."
    s = make_signal(sentence=sentence, trigger="denied", title="Title with *stars* >= 2",
                    outlet="A*B")
    body = render(alert_of([s]), "markdown", NOW).body
    assert r"\>" not in body and r"\=" not in body and r"\#" not in body and r"\-" not in body
    text = "".join(parse_html(commonmark().render(body)).text)
    assert "Officials *denied* [it] _all_ >= 5 `now` a|b ~x~ #1 - done & AT&amp;T <b>." in text
    assert "Title with *stars* >= 2" in text and "A*B, published" in text
    assert "\\" not in text  # every escape was consumed by the renderer


def test_escape_md_touches_only_markup_characters() -> None:
    assert escape_md("x >= 5 - a.b (c) = d!") == "x >= 5 - a.b (c) = d!"
    assert escape_md("a*b_c _d_ [e] `f` <g> \\ ~~h~~ ||i||") == (
        r"a\*b_c \_d\_ \[e\] \`f\` \<g> \\ \~\~h\~\~ \|\|i\|\|")
    assert escape_md("> quoted") == r"\> quoted" and escape_md("# one") == r"\# one"


# --- digests -------------------------------------------------------------------------------------

def test_digest_lists_groups_with_counts_and_links(make_signal) -> None:
    sigs = [make_signal(1), make_signal(2, outlet="AP"),
            make_signal(3, type="ASSAULT", country="POL", place="Rzeszow")]
    d = alert_of(sigs, kind="digest", reason="digest", title="Digest for ops: 5 signals",
                 counts={"MOBILIZE in UKR": 4, "ASSAULT in POL": 1}, signal_count=5,
                 period_start=NOW - timedelta(hours=1), period_end=NOW)
    md = render(d, "markdown", NOW).body
    assert "**MOBILIZE in UKR: 4**" in md and "**ASSAULT in POL: 1**" in md
    assert md.index("MOBILIZE in UKR") < md.index("ASSAULT in POL")  # biggest first
    assert "- and 2 more" in md
    assert "[Russia masses troops](https://news.example/ap/2) (AP, published" in md
    assert "2025-01-07 08:00 to 2025-01-07 09:00 UTC" in md
    assert len([t for t in commonmark().parse(md) if t.type == "list_item_open"]) == 4  # 2 + "and 2 more" + 1
    html = render(d, "html", NOW).body
    assert "MOBILIZE in UKR: 4</h3>" in html


# --- fit ----------------------------------------------------------------------------------------

def test_fit_leaves_short_text_alone() -> None:
    assert fit("hello", 10) == ["hello"]
    assert fit("x" * 10_000, None) == ["x" * 10_000]


def test_fit_splits_at_paragraphs_and_numbers_parts(make_signal) -> None:
    body = render(alert_of([make_signal(i, outlet=f"Outlet{i}") for i in range(40)]),
                  "markdown", NOW).body
    parts = fit(body, 2000)
    assert len(parts) > 1
    assert all(len(p) <= 2000 for p in parts)
    assert parts[0].endswith(f"(1/{len(parts)})")
    kept = "".join(re.sub(r" \(\d+/\d+\)$", "", p) for p in parts)
    assert re.sub(r"\s|\*", "", kept) == re.sub(r"\s|\*", "", body)


def test_fit_truncates_with_an_ellipsis() -> None:
    (one,) = fit("word " * 100, 50, mode="truncate")
    assert len(one) <= 50 and one.endswith("…")
    assert fit("a " * 400, 160, max_parts=2)[-1].endswith("…")


def test_fit_keeps_bold_balanced_and_escapes_whole() -> None:
    text = "**" + "very long bold words " * 30 + "** then " + escape_md("a*b_c ") * 40
    for part in fit(text, 100):
        assert len(part) <= 100
        assert len(re.findall(r"(?<!\\)\*\*", part)) % 2 == 0
        core = re.sub(r" \(\d+/\d+\)$", "", part)
        assert not re.search(r"(?<!\\)(\\\\)*\\$", core)  # never ends on a lone escape


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=0, max_size=3000), limit=st.integers(min_value=20, max_value=500))
def test_fit_property_every_part_within_limit(text: str, limit: int) -> None:
    parts = fit(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert parts
    # nothing is lost: every non-space character survives, in order
    kept = "".join(re.sub(r" \(\d+/\d+\)$", "", p) for p in parts) if len(parts) > 1 else parts[0]
    strip = lambda t: re.sub(r"\s|\*", "", t)  # noqa: E731
    assert strip(kept) == strip(text)


# --- the webhook document --------------------------------------------------------------------------

def test_webhook_document_follows_the_alert_schema_and_drops_unsafe_urls(make_signal) -> None:
    import json
    from pathlib import Path

    import jsonschema

    from service.alerts.render import webhook_document

    schema = json.loads((Path(__file__).parents[2] / "schemas/json/Alert.schema.json").read_text())
    sigs = [make_signal(1, source=["REB"], target=["XKX"]),
            make_signal(2, outlet="AP", url="javascript:alert(1)")]
    for a in (alert_of(sigs), alert_of(sigs, kind="digest", reason="digest", title="Digest")):
        doc = webhook_document(a, NOW)
        jsonschema.validate(doc, schema)
        assert doc["message"]["names"] == {
            "REB": "rebels", "RUS": "Russian Federation", "UKR": "Ukraine", "XKX": "Kosovo"}
        assert doc["message"]["title"] == f"[S4] {a.title}"
        assert [s["article"]["url"] for s in doc["signals"]] == ["https://news.example/reuters/1", None]
        assert "javascript" not in json.dumps(doc)


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_a_line_break_in_a_place_name_does_not_break_the_field_lines(make_signal, fmt) -> None:
    body = render(alert_of([make_signal(place="Ukraine\n- border")]), fmt, NOW).body
    assert "Ukraine - border" in body and "\n- border" not in body
