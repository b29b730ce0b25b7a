"""The ingester's pure parts: canonical ids, feed parsing, GDELT files, backoff, the sources file."""

from __future__ import annotations

import io
import random
import time
import zipfile

import pytest

from schemas.source import GdeltFilters, Limits
from service.ingest import canon, gdelt
from service.ingest.extract import extract_page, html_fragment_text
from service.ingest.feeds import FeedError, parse_feed
from service.ingest.runner import SourcesError, load_sources
from service.ingest.schedule import next_due, parse_retry_after
from tests.ingest.fixtures import (
    FURNITURE,
    WIDGETS,
    atom,
    furnished_page,
    gdelt_mention,
    gdelt_update_list,
    gdelt_zip,
    page,
    rdf,
    rss,
)

BASE = "http://news.example"
ITEMS = [("g1", "/a/1", "Troops mass"), ("g2", "/a/2", "Talks set")]


def test_canonical_url_drops_tracking_fragment_www_and_default_port() -> None:
    a = canon.canonical_url("https://www.Example.com:443/world/story/?utm_source=rss&id=7&fbclid=x#top")
    b = canon.canonical_url("http://example.com/world/story?id=7")
    assert a == b == "https://example.com/world/story?id=7"
    assert canon.article_id("http://example.com/world/story?id=7") == canon.article_id(
        "https://www.example.com/world/story/?utm_medium=x&id=7")
    assert canon.canonical_url("https://example.com/a?id=8") != a  # a real parameter still counts


@pytest.mark.parametrize("url", ["http://[::1/world/a", "http://example.com:abc/world/a"])
def test_an_address_the_standard_library_cannot_read_is_its_own_page(url: str) -> None:
    assert canon.canonical_url(url) == url
    assert canon.article_id(url) != canon.article_id("http://example.com/world/a")


def test_gdelt_rows_with_unreadable_addresses_are_selected_without_an_outlet() -> None:
    data = _export([
        _row("1", "19", "RUS", "UKR", "UP", "http://[::1/world/a"),
        _row("2", "19", "RUS", "UKR", "UP", "https://www.reuters.com/world/b"),
    ])
    import hashlib

    listing = f"{len(data)} {hashlib.md5(data).hexdigest()} http://gd.example/20261206090000.export.CSV.zip\n"
    rows, _ = gdelt.read_events_export(data, gdelt.events_export(gdelt.parse_update_list(listing)))
    assert sorted(_urls(gdelt.select_urls(rows, GdeltFilters(), 10))) == [
        "http://[::1/world/a", "https://www.reuters.com/world/b"]
    assert _urls(gdelt.select_urls(rows, GdeltFilters(outlets=["reuters.com"]), 10)) == [
        "https://www.reuters.com/world/b"]


@pytest.mark.parametrize("render", [rss, atom, rdf], ids=["rss2", "atom", "rdf"])
def test_every_feed_format_gives_items_with_links(render) -> None:  # type: ignore[no-untyped-def]
    feed = parse_feed(render(BASE, ITEMS).encode(), base_url=BASE + "/feed")
    assert [i.url for i in feed.items] == [BASE + "/a/1", BASE + "/a/2"]
    assert [i.title for i in feed.items] == ["Troops mass", "Talks set"]
    assert all(i.guid for i in feed.items)


def test_rss_item_fields() -> None:
    item = parse_feed(rss(BASE, ITEMS).encode(), base_url=BASE).items[0]
    assert item.guid == "g1"
    assert item.published_at is not None and item.published_at.isoformat() == "2026-12-06T09:00:00+00:00"
    assert "troops massed" in html_fragment_text(item.summary)


def test_broken_xml_is_recovered_with_a_warning() -> None:
    data = rss(BASE, ITEMS).replace("Troops mass", "Troops & tanks mass").encode()  # bare ampersand
    feed = parse_feed(data, base_url=BASE)
    assert len(feed.items) == 2 and feed.warning


def test_wrong_charset_declaration_still_reads() -> None:
    data = rss(BASE, [("g", "/a/3", "Kiew Truppenaufmarsch für Gespräche")]).encode("latin-1")
    feed = parse_feed(data, base_url=BASE)  # declared utf-8, sent latin-1
    assert feed.items and "Gespr" in feed.items[0].title


def test_not_a_feed_is_a_named_error() -> None:
    with pytest.raises(FeedError) as exc:
        parse_feed(b"<html><body>Sorry, moved</body></html>", base_url=BASE)
    assert exc.value.reason == "not_a_feed"


def test_page_extraction_drops_boilerplate() -> None:
    got = extract_page(page("Troops mass near border").encode(), url=BASE + "/a/1")
    assert got is not None
    assert "Russian troops massed near the border" in got.text
    assert "Subscribe" not in got.text and "Cookie policy" not in got.text and "Celebrity" not in got.text


def test_page_without_an_article_gives_none() -> None:
    assert extract_page(b"<html><body><nav>Home</nav></body></html>", url=BASE) is None


def _export(rows: list[list[str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("20261206090000.export.CSV", "\n".join("\t".join(r) for r in rows))
    return buf.getvalue()


def _row(eid: str, root: str, a1: str, a2: str, geo: str, url: str, articles: int = 1, gold: float = -5.0) -> list[str]:
    cols = [""] * gdelt.N_COLUMNS
    cols[gdelt.COL_ID], cols[gdelt.COL_DAY] = eid, "20261206"
    cols[gdelt.COL_ROOT_CODE], cols[gdelt.COL_ACTOR1_COUNTRY], cols[gdelt.COL_ACTOR2_COUNTRY] = root, a1, a2
    cols[gdelt.COL_ACTION_COUNTRY], cols[gdelt.COL_SOURCE_URL] = geo, url
    cols[gdelt.COL_GOLDSTEIN], cols[gdelt.COL_NUM_ARTICLES] = str(gold), str(articles)
    return cols


def _urls(picks: list[gdelt.Pick]) -> list[str]:
    return [p.url for p in picks]


def test_gdelt_update_list_and_export_filters() -> None:
    import hashlib

    data = _export([
        _row("1", "19", "RUS", "UKR", "UP", "https://www.reuters.com/world/a", articles=3),
        _row("2", "04", "USA", "RUS", "SZ", "https://apnews.com/b", gold=4.0),
        _row("3", "18", "PAK", "", "PK", "https://dawn.com/c", articles=9),
        _row("4", "19", "RUS", "UKR", "UP", "https://www.reuters.com/world/a"),  # same URL again
        ["short", "row"],
    ])
    md5 = hashlib.md5(data).hexdigest()
    listing = f"{len(data)} {md5} http://gd.example/20261206090000.export.CSV.zip\n1 abc http://gd.example/x.mentions.CSV.zip\n"
    export = gdelt.events_export(gdelt.parse_update_list(listing))
    rows, bad = gdelt.read_events_export(data, export)
    assert len(rows) == 4
    assert bad == [gdelt.BadRow(5, "expected 61 columns, got 2", "short\trow")]
    assert _urls(gdelt.select_urls(rows, GdeltFilters(), 10)) == ["https://dawn.com/c", "https://www.reuters.com/world/a", "https://apnews.com/b"]
    assert _urls(gdelt.select_urls(rows, GdeltFilters(countries=["UP"]), 10)) == ["https://www.reuters.com/world/a"]
    assert _urls(gdelt.select_urls(rows, GdeltFilters(root_codes=["4"]), 10)) == ["https://apnews.com/b"]
    assert _urls(gdelt.select_urls(rows, GdeltFilters(actor_countries=["rus"], outlets=["reuters.com"]), 10)) == ["https://www.reuters.com/world/a"]
    assert _urls(gdelt.select_urls(rows, GdeltFilters(max_goldstein=0), 1)) == ["https://dawn.com/c"]
    assert [p.outlet for p in gdelt.select_urls(rows, GdeltFilters(), 10)] == ["dawn.com", "reuters.com", "apnews.com"]
    with pytest.raises(gdelt.GdeltError) as exc:
        gdelt.read_events_export(data + b"x", export)
    assert exc.value.reason == "checksum"


# Event 1 (Russia/Ukraine, root 19) with four outlets' articles, event 2 (USA, root 04), and
# mentions of an older event 999 that is not in this update.
MENTION_EVENTS = [
    _row("1", "19", "RUS", "UKR", "UP", "https://www.reuters.com/world/a?utm_source=gdelt", articles=4),
    _row("2", "04", "USA", "RUS", "SZ", "https://apnews.com/b", gold=4.0),
]
MENTIONS = [
    gdelt_mention("1", "reuters.com", "https://reuters.com/world/a", confidence=100),  # the event's own URL
    gdelt_mention("1", "bbc.co.uk", "https://www.bbc.co.uk/news/x", confidence=60),
    gdelt_mention("1", "aljazeera.com", "https://www.aljazeera.com/news/y", confidence=90),
    gdelt_mention("1", "lowconfidence.example", "https://lowconfidence.example/z", confidence=20),
    gdelt_mention("1", "JSTOR", "jstor citation 12345", kind=5),  # not a web article: passed over
    gdelt_mention("2", "apnews.com", "https://apnews.com/b2", confidence=80),
    gdelt_mention("999", "dawn.com", "https://dawn.com/old", confidence=70),
]


def test_gdelt_mentions_file_joins_its_events_filters_and_outlets() -> None:
    events = gdelt.read_events_export(_export(MENTION_EVENTS))[0]
    data = gdelt_zip("20261206091500.mentions.CSV", [
        *MENTIONS, ["1", "only", "three"], gdelt_mention("1", "x.example", "https://x.example/1", confidence=100)[:11] + ["high", "1", "0", "", ""],
        ["1", "x" * 200_000],  # one overlong field: that row is bad, not the whole file
        gdelt_mention("1", "after.example", "https://after.example/1", confidence=10),
    ])
    f = GdeltFilters(countries=["UP"], min_confidence=50)
    mentions, bad = gdelt.read_mentions_export(data, keep=gdelt.mention_keeper(events, f))
    assert [b.line for b in bad] == [8, 9, 10] and bad[0].reason == "expected 16 columns, got 3" and "not a number" in bad[1].reason
    assert bad[0].row == "1\tonly\tthree" and len(bad[2].row) == gdelt.MAX_ROW_CHARS
    # Event filters through the event's row; the confidence floor; event 999's row is not here, so
    # a country filter cannot be judged for it and it is left out.
    assert _urls(gdelt.select_urls(events, f, 10, mentions)) == [
        "https://www.reuters.com/world/a?utm_source=gdelt",  # the event's URL; the same page as a mention: once
        "https://www.aljazeera.com/news/y", "https://www.bbc.co.uk/news/x"]
    picks = gdelt.select_urls(events, f, 10, mentions)
    assert [p.outlet for p in picks] == ["reuters.com", "aljazeera.com", "bbc.co.uk"]
    # No event filter: every event, and the mentions of events of earlier updates after them.
    everything = GdeltFilters()
    mentions, _ = gdelt.read_mentions_export(data, keep=gdelt.mention_keeper(events, everything))
    assert _urls(gdelt.select_urls(events, everything, 10, mentions)) == [
        "https://www.reuters.com/world/a?utm_source=gdelt", "https://www.aljazeera.com/news/y",
        "https://www.bbc.co.uk/news/x", "https://lowconfidence.example/z", "https://after.example/1",
        "https://apnews.com/b", "https://apnews.com/b2", "https://dawn.com/old"]
    assert len(gdelt.select_urls(events, everything, 3, mentions)) == 3
    # The outlet filter reads MentionSourceName.
    only_bbc = GdeltFilters(outlets=["bbc.co.uk"])
    mentions, _ = gdelt.read_mentions_export(data, keep=gdelt.mention_keeper(events, only_bbc))
    assert _urls(gdelt.select_urls(events, only_bbc, 10, mentions)) == ["https://www.bbc.co.uk/news/x"]


def test_gdelt_mentions_file_with_the_wrong_md5_or_no_mentions_file() -> None:
    data = gdelt_zip("m.CSV", MENTIONS)
    listing = gdelt.parse_update_list(gdelt_update_list([("http://gd.example/1.export.CSV.zip", b"x"),
                                                         ("http://gd.example/1.mentions.CSV.zip", data)]))
    good = gdelt.mentions_export(listing)
    assert len(gdelt.read_mentions_export(data, good)[0]) == 6
    with pytest.raises(gdelt.GdeltError) as exc:
        gdelt.read_mentions_export(data[:-1] + b"!", good)
    assert exc.value.reason == "checksum" and good.url in str(exc.value)
    with pytest.raises(gdelt.GdeltError) as exc:
        gdelt.mentions_export(listing[:1])
    assert exc.value.reason == "no_mentions_export"
    with pytest.raises(gdelt.GdeltError) as exc:
        gdelt.read_mentions_export(b"not a zip")
    assert exc.value.reason == "bad_export"
    # A corrupt deflate stream, with no MD5 to catch it first: a named error, not a crash.
    corrupt = bytearray(gdelt_zip("m.CSV", [gdelt_mention(str(i), "a.example", f"https://a.example/{i}") for i in range(500)]))
    corrupt[60] ^= 0xFF
    with pytest.raises(gdelt.GdeltError) as exc:
        gdelt.read_mentions_export(bytes(corrupt))
    assert exc.value.reason == "bad_export" and "m.CSV" in str(exc.value)


def test_backoff_doubles_with_jitter_and_honours_retry_after() -> None:
    limits = Limits(backoff_base_seconds=60, backoff_max_seconds=3600)
    rng = random.Random(1)
    delays = [next_due(0, 300, n, limits, rng=rng) for n in range(1, 9)]
    assert delays[0] == 300  # never sooner than the interval
    assert 60 * 2**5 * 0.5 <= delays[5] <= 60 * 2**5
    assert delays[-1] <= 3600
    assert next_due(0, 300, 1, limits, retry_after=7200) == 7200
    assert parse_retry_after("120", 0) == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480) == 0
    assert parse_retry_after("soon", 0) is None


def test_sources_file_errors_are_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - name: Reuters World\n    url: htps://x.example/feed\n  - kind: gdelt\n    name: g\n    filters: {countries: [Ukraine]}\n")
    with pytest.raises(SourcesError) as exc:
        load_sources(bad)
    msg = str(exc.value)
    assert "\n" not in msg and "sources.0.name" in msg and "http:// or https://" in msg and "FIPS" in msg
    good = tmp_path / "ok.yaml"
    good.write_text("sources:\n  - name: world\n    url: https://x.example/feed\n  - kind: gdelt\n    name: g\n")
    assert [s.kind for s in load_sources(good).sources] == ["feed", "gdelt"]


def test_example_sources_file_is_valid() -> None:
    assert len(load_sources("examples/sources.yaml").sources) >= 10


def _trafilatura_plain(html: bytes, url: str) -> str:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, include_comments=False, include_tables=False, fast=True)
    return doc.text.strip()


def _seed_page() -> bytes:
    from service.ingest.seedfeed import _page
    from service.inputs import read_articles

    (item,) = read_articles(["seeds/000_7c94694e4128f0a7.txt"])
    return _page(item.article)


@pytest.mark.parametrize("html", [
    page("Troops mass near border").encode(),
    furnished_page("Troops mass near border").encode(),
    furnished_page("Troops mass near border", extra=FURNITURE + WIDGETS).encode(),
    # the widgets before the article as well as after it
    furnished_page("Troops mass", extra=WIDGETS).replace("<article>", WIDGETS + "<article>").encode(),
    _seed_page(),
], ids=["fixture", "furnished", "widgets", "widgets-first", "seed"])
def test_pruning_first_keeps_trafilaturas_own_text(html: bytes) -> None:
    """extract_page removes some elements before trafilatura sees the page (speed); the text must
    be what trafilatura gives for the whole page."""
    got = extract_page(html, url=BASE + "/a/1")
    assert got is not None and got.text == _trafilatura_plain(html, BASE + "/a/1")
    assert "Advertisement" not in got.text and "Edition: UK" not in got.text and "Copyright" not in got.text


def test_pruned_elements_are_ones_trafilatura_deletes_itself() -> None:
    """If a trafilatura upgrade starts keeping one of these elements, pruning it first would
    change the text: this names the element."""
    import re

    from trafilatura.settings import MANUALLY_CLEANED

    from service.ingest.extract import PRUNE_XPATH

    tags = re.findall(r"\.//(\w+)", PRUNE_XPATH)
    assert tags and [t for t in tags if t not in MANUALLY_CLEANED] == []


def test_extraction_options_are_per_page_and_the_shared_ones_stay_untouched() -> None:
    from service.ingest.extract import _options_of_the_day, extraction_options

    one, two = extraction_options("https://a.example/1"), extraction_options("https://b.example/2", metadata=True)
    assert (one.url, one.with_metadata, two.url, two.with_metadata) == ("https://a.example/1", False, "https://b.example/2", True)
    assert one.fast and not one.comments and not one.tables
    assert _options_of_the_day(False, time.strftime("%Y-%m-%d")).url is None
