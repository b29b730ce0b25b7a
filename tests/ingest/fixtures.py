"""A real HTTP server on loopback that serves feeds and article pages written for these tests:
RSS 2.0, Atom, RDF, conditional GET, redirect chains, 404/410/429/500, slow and huge bodies,
invalid XML, wrong charset declarations, robots.txt. Runs in its own thread and event loop, so a
subprocess (the ingester under test) can fetch from it too."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

BOILER = """<html><head><meta charset="utf-8"><title>{title} | Example News</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a> Subscribe now!</nav>
<div class="share">Share on social media. Sign up for our newsletter.</div>
<article><h1>{title}</h1><p class="byline">By Staff Reporter</p>
{paras}
</article>
<aside><h3>Most read</h3><ul><li><a href="/x">Celebrity wedding photos</a></li><li><a href="/y">Ten tips</a></li></ul></aside>
<footer>Copyright Example News. All rights reserved. Cookie policy. Terms of use.</footer></body></html>"""

PARAGRAPHS = [
    "Russian troops massed near the border with Ukraine on Sunday, officials in Kyiv said, as "
    "diplomats prepared for talks in Geneva next week.",
    "The build-up includes tanks, artillery and several thousand soldiers, according to satellite "
    "images reviewed by independent analysts, who said the deployment had grown since Friday.",
    "Officials from the United States and Russia will meet in Geneva on January 10, followed by a "
    "NATO-Russia council meeting in Brussels on January 12, a senior official said.",
]


def page(title: str, paras: list[str] | None = None) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in (paras or PARAGRAPHS))
    return BOILER.format(title=title, paras=body)


# What surrounds the article on a news site: scripts, navigation, related links, widgets.
FURNITURE = (
    "<script>window.dataLayer=window.dataLayer||[];" + "var x=1;" * 2000 + "</script>"
    + "<nav><ul>" + "".join(f'<li><a href="/section/{k}">Section {k}</a></li>' for k in range(300)) + "</ul></nav>"
    + "<aside><h3>Related</h3><ul>" + "".join(f'<li><a href="/story/{k}">Related story number {k} with a long teaser headline</a></li>' for k in range(200)) + "</ul></aside>"
)
WIDGETS = (
    '<iframe src="/ad"><p>Advertisement</p></iframe><button>Listen to this article</button>'
    '<select><option>Edition: UK</option><option>Edition: US</option></select>'
    '<svg><path d="M0 0"/><text>Logo</text></svg><menu><li>Share</li><li>Print</li></menu>'
    "<style>.x{color:red}</style><footer><p>Copyright Example News. All rights reserved.</p></footer>"
)


def furnished_page(title: str, paras: list[str] | None = None, extra: str = FURNITURE) -> str:
    """:func:`page` inside the furniture of a real news site (about 48 KB of HTML)."""
    return page(title, paras).replace("</body>", extra + "</body>")


def rss(base: str, items: list[tuple[str, str, str]], title: str = "Example World News") -> str:
    """items: (guid, path, title)."""
    when = format_datetime(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    entries = "".join(
        f"<item><guid isPermaLink=\"false\">{g}</guid><link>{base}{p}</link><title>{t}</title>"
        f"<description>&lt;p&gt;Summary of {t}: troops massed near the border, officials said on Sunday in a statement.&lt;/p&gt;</description>"
        f"<pubDate>{when}</pubDate></item>"
        for g, p, t in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>World</description>{entries}</channel></rss>")


def atom(base: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f'<entry><id>{g}</id><link href="{base}{p}"/><title>{t}</title><updated>2026-12-06T09:00:00Z</updated>'
        f"<summary>Short summary of {t}.</summary></entry>"
        for g, p, t in items
    )
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Example Atom</title><id>urn:x</id><updated>2026-12-06T09:00:00Z</updated>{entries}</feed>")


def rdf(base: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f'<item rdf:about="{base}{p}"><title>{t}</title><link>{base}{p}</link><description>About {t}.</description></item>'
        for _g, p, t in items
    )
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>Example RDF</title>'
            f"<link>{base}</link><description>d</description></channel>{entries}</rdf:RDF>")


def gdelt_zip(name: str, rows: list[list[str]]) -> bytes:
    """A GDELT export as GDELT publishes it: one tab-separated file without a header in a zip."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, "".join("\t".join(r) + "\n" for r in rows))
    return buf.getvalue()


def gdelt_mention(event_id: str, source_name: str, url: str, confidence: int = 100, kind: int = 1,
                  when: str = "20261206091500") -> list[str]:
    """A row of a GDELT 2.0 mentions export (Event Mentions table, 16 columns), as recorded:
    GlobalEventID, EventTimeDate, MentionTimeDate, MentionType, MentionSourceName,
    MentionIdentifier, SentenceID, Actor1CharOffset, Actor2CharOffset, ActionCharOffset,
    InRawText, Confidence, MentionDocLen, MentionDocTone, MentionDocTranslationInfo, Extras."""
    return [event_id, when, when, str(kind), source_name, url, "2", "104", "-1", "131", "1",
            str(confidence), "3184", "-6.01567398119122", "", ""]


def gdelt_update_list(files: list[tuple[str, bytes]], *, wrong_md5_for: str = "") -> str:
    """``lastupdate.txt`` naming ``files`` (url, content): ``<bytes> <md5> <url>`` per line."""
    import hashlib

    lines = []
    for url, data in files:
        md5 = hashlib.md5(data).hexdigest() if url != wrong_md5_for else "0" * 32
        lines.append(f"{len(data)} {md5} {url}")
    return "\n".join(lines) + "\n"


class FixtureServer:
    """``routes``: path -> handler or (status, headers, body). Counts requests per path."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.routes: dict[str, object] = {}
        self.hits: dict[str, int] = {}
        self.request_headers: dict[str, list[dict[str, str]]] = {}
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FixtureServer:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        fut.result(timeout=10)
        return self

    async def _start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        self.request_headers.setdefault(path, []).append(dict(request.headers))
        route = self.routes.get(path)
        if route is None:
            return web.Response(status=404, text="not here")
        if callable(route):
            return await route(request)
        status, headers, body = route  # type: ignore[misc]
        return web.Response(status=status, headers=headers, body=body if isinstance(body, bytes) else body.encode())


def conditional(body: str, etag: str, content_type: str = "application/rss+xml; charset=utf-8"):  # type: ignore[no-untyped-def]
    """A handler that answers 304 when the client sends the current ETag."""
    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(status=200, headers={"ETag": etag, "Content-Type": content_type}, body=body.encode())
    return handler


def slow(seconds: float, body: bytes = b"<rss></rss>"):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        await resp.write(body[:10])
        await asyncio.sleep(seconds)
        await resp.write(body[10:])
        return resp
    return handler


def huge(n_bytes: int):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/html"})  # no Content-Length
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        sent = 0
        try:
            while sent < n_bytes:
                await resp.write(chunk)
                sent += len(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return resp
    return handler
