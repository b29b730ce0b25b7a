"""Messages: content, escaping per format, digests, and safe splitting to channel limits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.alert import Alert
from service.alerts.render import channel_profile, escape_md, fit, relative_day, render

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
    return make_signal(
        n, type="CONSULT", mode="talks", modality="scheduled", severity=2, source=["USA"],
        target=["RUS"], place="Geneva", country="CHE", event_date=date(2025, 1, 10),
        sentence="U.S. and Russian officials will hold talks in Geneva on Jan. 10.",
        trigger="hold talks", **kw)


def test_markdown_message_says_everything(make_signal) -> None:
    a = alert_of([scheduled(make_signal, 1, outlet="Reuters"), scheduled(make_signal, 2, outlet="AP")])
    r = render(a, "markdown", NOW)
    assert r.title == "[S2] Russia and the USA meet"
    body = r.body
    assert "CONSULT (talks), scheduled" in body
    assert "USA → RUS" in body
    assert "Geneva (CHE)" in body
    assert "2025-01-10 (in 3 days)" in body
    assert "**Severity:** 2/5" in body
    assert "will **hold talks** in Geneva" in body
    assert "Reported by 2 sources" in body
    assert "[Reuters](https://news.example/reuters/1)" in body
    assert "[AP](https://news.example/ap/2)" in body
    assert "Why: subscription ops; type CONSULT" in body


def test_markdown_escapes_article_text(make_signal) -> None:
    s = make_signal(sentence="Officials *denied* [it] _all_ massed troops `now`", trigger="massed troops",
                    outlet="A*B")
    body = render(alert_of([s], title="Title with *stars*"), "markdown", NOW).body
    assert r"\*denied\*" in body and r"\[it\]" in body and r"\_all\_" in body and r"\`now\`" in body
    assert r"**Title with \*stars\***" in body
    assert "**massed troops**" in body
    assert r"[A\*B](" in body


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_and_marks_the_trigger(make_signal) -> None:
    s = make_signal(sentence='Troops <script>alert("x")</script> massed troops & tanks.',
                    trigger="massed troops", url='https://e.example/a?"b"&c=<d>')
    body = render(alert_of([s], title="<b>bold</b> claim"), "html", NOW).body
    p = _Collect()
    p.feed(body)
    assert "script" not in p.tags and "b" not in p.tags
    assert '<script>alert("x")</script>' in "".join(p.text)
    assert "<mark><strong>massed troops</strong></mark>" in body
    assert 'href="https://e.example/a?&quot;b&quot;&amp;c=&lt;d&gt;"' in body
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in body


def test_text_format_has_no_markup(make_signal) -> None:
    body = render(alert_of([scheduled(make_signal)]), "text", NOW).body
    assert "**" not in body and "<" not in body.replace("<https://", "")
    assert "*hold talks*" in body and "Reuters <https://news.example/reuters/1>" in body


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


def test_relative_days() -> None:
    d = date(2025, 1, 7)
    assert [relative_day(d + timedelta(days=k), d) for k in (0, 1, 3, -1, -5)] == [
        "today", "tomorrow", "in 3 days", "yesterday", "5 days ago"]


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
    assert "[AP](https://news.example/ap/2)" in md
    assert "2025-01-07 08:00 to 2025-01-07 09:00 UTC" in md
    html = render(d, "html", NOW).body
    assert "<h3>MOBILIZE in UKR: 4</h3>" in html


def test_channel_profiles() -> None:
    assert channel_profile("mailtos://u:p@smtp.example.org") == ("html", None)
    assert channel_profile("tgram://tok/123") == ("markdown", 4096)
    assert channel_profile("discord://id/tok") == ("markdown", 2000)
    assert channel_profile("sns://a/b/c") == ("text", 160)
    assert channel_profile("json://127.0.0.1/x") == ("markdown", None)


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
