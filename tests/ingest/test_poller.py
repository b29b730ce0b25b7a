"""Polling against a real HTTP server on loopback (tests/ingest/fixtures.py), with the Kafka
writer replaced by a list: what each poll would commit, and the health it records."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.ingest.runner import Ingester, SourcesReloader
from service.ingest.state import StateView
from tests.ingest.fixtures import FixtureServer, atom, conditional, huge, page, rss, slow


class ListWriter:
    def __init__(self) -> None:
        self.transactions: list[list[tuple[str, bytes, bytes]]] = []

    def commit(self, messages: list[tuple[str, bytes, bytes]]) -> None:
        self.transactions.append(list(messages))

    def on(self, topic: str) -> list[dict]:
        return [json.loads(v) for tx in self.transactions for t, _k, v in tx if t == topic]


@pytest.fixture()
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer().start()
    srv.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /private/\n")
    yield srv
    srv.stop()


def _ingester(tmp_path: Path, sources_yaml: str) -> tuple[Ingester, ListWriter]:
    path = tmp_path / "sources.yaml"
    path.write_text(sources_yaml)
    writer = ListWriter()
    ing = Ingester(reloader=SourcesReloader(path), view=StateView(), writer=writer, owns=lambda _p: True,
                   partitions=4, articles_topic="articles", state_topic="ingest-state")
    return ing, writer


LIMITS = "limits: {per_host_interval_seconds: 0, timeout_seconds: 2, max_page_bytes: 200000, backoff_base_seconds: 60}\n"


def _source(ing: Ingester, name: str):  # type: ignore[no-untyped-def]
    return next(s for s in ing.reloader.current.sources if s.name == name)


async def test_feed_items_become_articles_once_with_page_text_and_conditional_get(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/feed.rss"] = conditional(rss(b, [("g1", "/a/1", "Troops mass"), ("g2", "/a/2", "Talks set")]), '"v1"')
    for n in (1, 2):
        server.routes[f"/a/{n}"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page(f"Story {n}"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: world\n    url: {b}/feed.rss\n    outlet: Example\n")
    await ing.poll_once(_source(ing, "world"))
    arts = writer.on("articles")
    assert [a["title"] for a in arts] == ["Troops mass", "Talks set"]
    assert all(a["text_source"] == "page" and "Russian troops massed" in a["body"] for a in arts)
    assert all(a["source"] == "Example" and a["language"] == "en" and a["revision"] == 0 for a in arts)
    assert arts[0]["published_at"] == "2026-12-06T09:00:00+00:00"
    health = ing.view.sources["world"]
    assert health.etag == '"v1"' and health.items_seen == 2 and health.articles_published == 2
    # Second poll: the server answers 304 to the ETag; nothing is fetched or published again.
    await ing.poll_once(_source(ing, "world"))
    assert server.request_headers["/feed.rss"][-1].get("If-None-Match") == '"v1"'
    assert len(writer.on("articles")) == 2 and server.hits["/a/1"] == 1
    assert ing.view.sources["world"].consecutive_failures == 0


async def test_duplicate_guid_across_feeds_and_an_updated_article(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/one.rss"] = (200, {}, rss(b, [("same", "/a/9?utm_source=one", "Talks set")]))
    server.routes["/two.atom"] = (200, {}, atom(b, [("other-guid", "/a/9?utm_source=two", "Talks set")]))
    server.routes["/a/9"] = (200, {"Content-Type": "text/html"}, page("Talks"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: one\n    url: {b}/one.rss\n  - name: two\n    url: {b}/two.atom\n")
    await ing.poll_once(_source(ing, "one"))
    await ing.poll_once(_source(ing, "two"))
    arts = writer.on("articles")
    assert len(arts) == 1, "the same page from two feeds is one article"
    # The story changes: its feed entry changes, the page is fetched again, a revision goes out.
    server.routes["/one.rss"] = (200, {}, rss(b, [("same", "/a/9", "Talks postponed")]))
    server.routes["/a/9"] = (200, {"Content-Type": "text/html"}, page("Talks", ["The talks in Geneva were postponed to January 17, officials said on Monday, after a dispute over the agenda that neither side would describe in detail."]))
    await ing.poll_once(_source(ing, "one"))
    arts = writer.on("articles")
    assert len(arts) == 2 and arts[1]["id"] == arts[0]["id"] and arts[1]["revision"] == 1
    assert "postponed" in arts[1]["body"] and ing.view.sources["one"].updates_published == 1
    # Unchanged entry again: no page fetch, nothing published.
    hits = server.hits["/a/9"]
    await ing.poll_once(_source(ing, "one"))
    assert server.hits["/a/9"] == hits and len(writer.on("articles")) == 2


async def test_redirect_chain_is_followed_and_recorded(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/old"] = (301, {"Location": "/older"}, "")
    server.routes["/older"] = (302, {"Location": "/feed.rss"}, "")
    server.routes["/feed.rss"] = (200, {}, rss(b, [("g", "/a/1", "T")]))
    server.routes["/a/1"] = (200, {"Content-Type": "text/html"}, page("T"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: moved\n    url: {b}/old\n")
    await ing.poll_once(_source(ing, "moved"))
    assert ing.view.sources["moved"].redirected_to == f"{b}/feed.rss"
    assert len(writer.on("articles")) == 1


@pytest.mark.parametrize(("status", "headers", "reason"), [
    (404, {}, "not_found"), (410, {}, "gone"), (500, {}, "server_error"),
    (429, {"Retry-After": "7200"}, "rate_limited"),
])
async def test_feed_errors_are_recorded_with_backoff(tmp_path, server, status, headers, reason) -> None:  # type: ignore[no-untyped-def]
    server.routes["/feed"] = (status, headers, "no")
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: bad\n    url: {server.base}/feed\n    interval_seconds: 60\n")
    await ing.poll_once(_source(ing, "bad"))
    await ing.poll_once(_source(ing, "bad"))
    h = ing.view.sources["bad"]
    assert h.last_error_reason == reason and h.consecutive_failures == 2 and h.last_success is None
    wait = h.next_due - h.last_poll
    if reason == "rate_limited":
        assert wait >= 7200
    else:
        assert 60 <= wait <= 120  # base 60 s doubled once, with jitter, never below the interval
    assert writer.on("articles") == []


async def test_timeouts_invalid_xml_and_huge_pages(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/slow.rss"] = slow(5.0)
    server.routes["/bad.rss"] = (200, {}, "<html><p>not a feed")
    server.routes["/feed.rss"] = (200, {}, rss(b, [("h", "/huge", "Huge page"), ("p", "/private/x", "Robots say no"), ("s", "/slowpage", "Slow page")]))
    server.routes["/huge"] = huge(20_000_000)
    server.routes["/slowpage"] = slow(5.0, page("Slow").encode())
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: slow\n    url: {b}/slow.rss\n  - name: bad\n    url: {b}/bad.rss\n  - name: pages\n    url: {b}/feed.rss\n")
    await asyncio.gather(*(ing.poll_once(_source(ing, n)) for n in ("slow", "bad", "pages")))
    assert ing.view.sources["slow"].last_error_reason == "timeout"
    assert ing.view.sources["bad"].last_error_reason == "not_a_feed"
    arts = {a["title"]: a for a in writer.on("articles")}
    # Each page failed differently; each item still goes out, with its summary, and says so.
    assert set(arts) == {"Huge page", "Robots say no", "Slow page"}
    assert all(a["text_source"] == "summary" and "troops massed" in a["body"] for a in arts.values())
    assert "/private/x" not in server.hits, "robots.txt disallowed the page: never fetched"


async def test_item_without_text_is_dead_lettered_with_url_and_reason(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><guid>n</guid><link>{b}/gone</link><title>Gone</title></item></channel></rss>'
    server.routes["/feed.rss"] = (200, {}, feed)
    server.routes["/gone"] = (410, {}, "")
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: x\n    url: {b}/feed.rss\n")
    await ing.poll_once(_source(ing, "x"))
    dead = writer.on("ingest-dlq")
    assert len(dead) == 1 and dead[0]["url"] == f"{b}/gone" and dead[0]["reason"] == "no_text" and "gone" in dead[0]["message"]
    assert ing.view.sources["x"].dead_letters == 1



async def test_an_item_whose_link_cannot_be_read_uses_its_summary_and_the_poll_goes_on(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
            '<item><guid>bad</guid><link>http://127.0.0.1:port/story</link><title>Troops mass</title>'
            '<description>Russian troops massed near the border with Ukraine, officials said.</description></item>'
            f'<item><guid>good</guid><link>{b}/a/1</link><title>Talks set</title></item></channel></rss>')
    server.routes["/feed.rss"] = (200, {}, feed)
    server.routes["/a/1"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page("Story 1"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: x\n    url: {b}/feed.rss\n")
    await ing.poll_once(_source(ing, "x"))
    arts = {a["title"]: a for a in writer.on("articles")}
    assert arts["Troops mass"]["text_source"] == "summary" and "massed" in arts["Troops mass"]["body"]
    assert arts["Talks set"]["text_source"] == "page"
    assert ing.view.sources["x"].consecutive_failures == 0


@pytest.mark.parametrize("url", ["http://[::1/story", "http://example.com:port/story"])
async def test_an_address_urlsplit_cannot_read_is_a_fetch_error_not_a_crash(url: str) -> None:
    from schemas.source import Limits
    from service.ingest.fetch import Fetcher, FetchError

    fetcher = Fetcher(Limits())
    try:
        for call in (fetcher.allowed(url), fetcher.get(url, max_bytes=1000)):
            with pytest.raises(FetchError) as exc:
                await call
            assert exc.value.reason == "bad_url" and "story" in str(exc.value)
    finally:
        await fetcher.close()


async def test_dead_letters_go_to_the_configured_topic(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/feed.rss"] = (200, {}, f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><guid>n</guid><link>{b}/gone</link><title>Gone</title></item></channel></rss>')
    server.routes["/gone"] = (410, {}, "")
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: x\n    url: {b}/feed.rss\n")
    ing.dlq_topic = "site-a.ingest-dlq"  # topics.ingest_dlq set to another name
    await ing.poll_once(_source(ing, "x"))
    assert [d["url"] for d in writer.on("site-a.ingest-dlq")] == [f"{b}/gone"] and writer.on("ingest-dlq") == []


async def test_other_languages_go_to_their_own_topic(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/feed.rss"] = (200, {}, rss(b, [("fr", "/fr", "Les troupes")]))
    server.routes["/fr"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page("Les troupes", [
        "Les troupes russes se sont massées dimanche près de la frontière ukrainienne, ont indiqué des responsables à Kiev, alors que des diplomates préparaient des pourparlers à Genève la semaine prochaine."]))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: fr\n    url: {b}/feed.rss\n")
    await ing.poll_once(_source(ing, "fr"))
    assert writer.on("articles") == []
    assert [a["language"] for a in writer.on("articles.fr")] == ["fr"]


async def test_a_poll_is_one_transaction_and_state_follows_it(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    server.routes["/feed.rss"] = (200, {}, rss(b, [("g1", "/a/1", "One")]))
    server.routes["/a/1"] = (200, {"Content-Type": "text/html"}, page("One"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: w\n    url: {b}/feed.rss\n")
    await ing.poll_once(_source(ing, "w"))
    (tx,) = writer.transactions
    topics = [t for t, _k, _v in tx]
    assert topics.count("articles") == 1 and topics.count("ingest-state") == 3  # seen, guid, source
    keys = {k.decode() for t, k, _v in tx if t == "ingest-state"}
    assert "source/w" in keys and any(k.startswith("seen/url-") for k in keys) and any(k.startswith("guid/") for k in keys)


async def test_gzip_feed(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    import gzip

    b = server.base
    body = gzip.compress(rss(b, [("z", "/a/z", "Zipped")]).encode())
    server.routes["/feed.rss"] = (200, {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}, body)
    server.routes["/a/z"] = (200, {"Content-Type": "text/html"}, page("Zipped"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: z\n    url: {b}/feed.rss\n")
    await ing.poll_once(_source(ing, "z"))
    assert [a["title"] for a in writer.on("articles")] == ["Zipped"]
    assert "gzip" in server.request_headers["/feed.rss"][0].get("Accept-Encoding", "")


async def test_gdelt_update_list_export_and_pages(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    from tests.ingest.test_parsing import _export, _row

    b = server.base
    data = _export([
        _row("1", "19", "RUS", "UKR", "UP", f"{b}/g/1", articles=5),
        _row("2", "04", "USA", "RUS", "SZ", f"{b}/g/2"),
        _row("3", "18", "RUS", "UKR", "UP", f"{b}/g/3", articles=2),
    ])
    listing = f"{len(data)} {hashlib.md5(data).hexdigest()} {b}/20261206091500.export.CSV.zip\n"
    server.routes["/lastupdate.txt"] = (200, {"Content-Type": "text/plain"}, listing)
    server.routes["/20261206091500.export.CSV.zip"] = (200, {"Content-Type": "application/zip"}, data)
    for n in (1, 2, 3):
        server.routes[f"/g/{n}"] = (200, {"Content-Type": "text/html"}, page(f"GDELT story {n}"))
    ing, writer = _ingester(tmp_path, LIMITS + f"sources:\n  - name: gd\n    kind: gdelt\n    update_url: {b}/lastupdate.txt\n"
                                               "    filters: {countries: [UP], root_codes: ['18', '19']}\n")
    await ing.poll_once(_source(ing, "gd"))
    arts = writer.on("articles")
    assert [a["url"] for a in arts] == [f"{b}/g/1", f"{b}/g/3"]  # most-reported first, filtered
    # Each article is credited to its outlet (the URL's host), not to the GDELT source: several
    # outlets reporting one event are several sources to the event's corroboration.
    assert all(a["text_source"] == "page" and a["source"] == "127.0.0.1" for a in arts)
    # The same update again: the export is not downloaded twice.
    await ing.poll_once(_source(ing, "gd"))
    assert server.hits["/20261206091500.export.CSV.zip"] == 1 and len(writer.on("articles")) == 2


async def test_the_sample_article_through_feed_and_page_gives_the_signals_of_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The seed site serves seeds/ as a feed and article pages (what `escalert demo --ingest`
    uses); the article the ingester builds from the page yields the same signals as the file."""
    from schemas.article import Article
    from service.detection import detect
    from service.ingest.seedfeed import SeedSite
    from service.inputs import read_articles

    seed = "seeds/000_7c94694e4128f0a7.txt"
    site = SeedSite([seed]).start()
    try:
        ing, writer = _ingester(tmp_path, site.sources_yaml(tmp_path / "s.yaml").read_text())
        await ing.poll_once(_source(ing, "seed-news"))
    finally:
        site.stop()
    (art,) = writer.on("articles")
    assert art["text_source"] == "page" and not art["body"].startswith(art["title"])
    ingested = Article.model_validate(art)
    (original,) = [i.article for i in read_articles([seed])]

    def key(s):  # type: ignore[no-untyped-def]
        return (s.type.value, s.modality.value, s.mode, tuple(a.code for a in s.actors.source),
                tuple(a.code for a in s.actors.target), s.location.name if s.location else None,
                str(s.event_date), str(s.event_date_end), s.evidence.trigger)

    assert sorted(map(key, detect(ingested))) == sorted(map(key, detect(original)))


def _gdelt_site(server: FixtureServer, events: list[list[str]], mentions: list[list[str]], *,
                wrong_md5_for: str = "", mentions_body: bytes | None = None) -> tuple[str, str]:
    """An update (events and mentions exports) on the fixture server, and a page for every URL.
    Returns the two files' URLs."""
    from tests.ingest.fixtures import gdelt_update_list, gdelt_zip

    b = server.base
    ev_url, me_url = f"{b}/20261206091500.export.CSV.zip", f"{b}/20261206091500.mentions.CSV.zip"
    ev = gdelt_zip("20261206091500.export.CSV", events)
    me = gdelt_zip("20261206091500.mentions.CSV", mentions)
    server.routes["/lastupdate.txt"] = (200, {"Content-Type": "text/plain"},
                                        gdelt_update_list([(ev_url, ev), (me_url, me)], wrong_md5_for=wrong_md5_for))
    server.routes["/20261206091500.export.CSV.zip"] = (200, {"Content-Type": "application/zip"}, ev)
    server.routes["/20261206091500.mentions.CSV.zip"] = (200, {"Content-Type": "application/zip"}, mentions_body or me)
    for path in ("/g/1", "/bbc/1", "/aj/1", "/low/1", "/g/2", "/ap/2", "/old/1"):
        server.routes[path] = (200, {"Content-Type": "text/html"}, page(f"Story at {path}"))
    return ev_url, me_url


def _recorded_update(b: str) -> tuple[list[list[str]], list[list[str]]]:
    from tests.ingest.fixtures import gdelt_mention
    from tests.ingest.test_parsing import _row

    events = [_row("1187531201", "19", "RUS", "UKR", "UP", f"{b}/g/1?utm_source=gdelt", articles=4),
              _row("1187531202", "04", "USA", "RUS", "SZ", f"{b}/g/2", gold=4.0)]
    mentions = [
        gdelt_mention("1187531201", "reuters.com", f"{b}/g/1", confidence=100),  # the event's own page
        gdelt_mention("1187531201", "bbc.co.uk", f"{b}/bbc/1", confidence=60),
        gdelt_mention("1187531201", "aljazeera.com", f"{b}/aj/1", confidence=90),
        gdelt_mention("1187531201", "lowconfidence.example", f"{b}/low/1", confidence=20),
        gdelt_mention("1187531202", "apnews.com", f"{b}/ap/2", confidence=80),
        gdelt_mention("1187520000", "dawn.com", f"{b}/old/1", confidence=70),  # an older event
    ]
    return events, mentions


GDELT_MENTIONS = ("sources:\n  - name: gd\n    kind: gdelt\n    update_url: {b}/lastupdate.txt\n    mentions: true\n"
                  "    filters: {{countries: [UP], min_confidence: 50}}\n")


async def test_gdelt_mentions_bring_every_outlet_of_an_event(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    _gdelt_site(server, *_recorded_update(b))
    ing, writer = _ingester(tmp_path, LIMITS + GDELT_MENTIONS.format(b=b))
    await ing.poll_once(_source(ing, "gd"))
    arts = writer.on("articles")
    # Event 1 passes the country filter: its own page (given by GDELT with and without a tracking
    # parameter: fetched once), then the other outlets' articles, most confident first; the one
    # below min_confidence, event 2 (another country) and the older event (its row is not in
    # this update, so its country is unknown) are left out.
    assert [a["url"] for a in arts] == [f"{b}/g/1?utm_source=gdelt", f"{b}/aj/1", f"{b}/bbc/1"]
    assert [a["source"] for a in arts] == ["127.0.0.1", "aljazeera.com", "bbc.co.uk"]
    assert server.hits.get("/g/1") == 1 and "/low/1" not in server.hits and "/old/1" not in server.hits
    assert writer.on("ingest-dlq") == []
    # The same update again: neither file is downloaded twice, nothing is published twice.
    await ing.poll_once(_source(ing, "gd"))
    assert server.hits["/20261206091500.mentions.CSV.zip"] == 1 and len(writer.on("articles")) == 3


async def test_gdelt_mentions_file_with_a_wrong_md5_is_a_dead_letter_and_the_events_still_go(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    _ev_url, me_url = _gdelt_site(server, *_recorded_update(b), wrong_md5_for=f"{b}/20261206091500.mentions.CSV.zip")
    ing, writer = _ingester(tmp_path, LIMITS + GDELT_MENTIONS.format(b=b))
    await ing.poll_once(_source(ing, "gd"))
    assert [a["url"] for a in writer.on("articles")] == [f"{b}/g/1?utm_source=gdelt"]
    (dead,) = writer.on("ingest-dlq")
    assert dead["url"] == me_url and dead["reason"] == "checksum" and "MD5" in dead["message"] and dead["source"] == "gd"
    h = ing.view.sources["gd"]
    assert h.last_error_reason == "checksum" and me_url in h.last_error and h.dead_letters == 1
    assert h.consecutive_failures == 0, "the update list and the events file were read"
    # `escalert ingest status` says it although the source is not failing.
    from service.ingest.commands import status_row

    line = status_row("gd", h)
    assert "warning: checksum:" in line and "MD5" in line


async def test_gdelt_malformed_rows_are_dead_letters_with_line_and_row(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    b = server.base
    events, mentions = _recorded_update(b)
    truncated = mentions[1][:7]  # a row cut short (a torn write)
    ev_url, me_url = _gdelt_site(server, [*events, ["1187531203", "20261206"]], [mentions[0], truncated, *mentions[2:]])
    ing, writer = _ingester(tmp_path, LIMITS + GDELT_MENTIONS.format(b=b))
    await ing.poll_once(_source(ing, "gd"))
    # The rest of both files is used: the BBC row was the torn one.
    assert [a["url"] for a in writer.on("articles")] == [f"{b}/g/1?utm_source=gdelt", f"{b}/aj/1"]
    dead = sorted(writer.on("ingest-dlq"), key=lambda d: d["url"])
    assert [(d["url"], d["reason"], d["line"]) for d in dead] == [(ev_url, "bad_row", 3), (me_url, "bad_row", 2)]
    assert dead[1]["row"] == "\t".join(truncated) and "expected 16 columns, got 7" in dead[1]["message"]
    assert dead[0]["row"] == "1187531203\t20261206"
    h = ing.view.sources["gd"]
    assert h.dead_letters == 2 and "unreadable rows" in (h.warning or "")


async def test_a_file_of_many_bad_rows_gives_a_bounded_number_of_dead_letters(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    from service.ingest.runner import MAX_BAD_ROW_LETTERS

    b = server.base
    events, mentions = _recorded_update(b)
    torn = [[str(n), "20261206"] for n in range(MAX_BAD_ROW_LETTERS + 5)]
    ev_url, _me_url = _gdelt_site(server, [*torn, *events], mentions)
    ing, writer = _ingester(tmp_path, LIMITS + GDELT_MENTIONS.format(b=b))
    await ing.poll_once(_source(ing, "gd"))
    dead = writer.on("ingest-dlq")
    assert len(dead) == MAX_BAD_ROW_LETTERS + 1 and all(d["url"] == ev_url for d in dead)
    assert [d["line"] for d in dead[:-1]] == list(range(1, MAX_BAD_ROW_LETTERS + 1))
    assert "5 more unreadable rows" in dead[-1]["message"] and "line" not in dead[-1]
    assert len(writer.on("articles")) == 3, "the good rows after the bad ones are still used"
