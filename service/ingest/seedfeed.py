"""A news site on loopback made of local article files: an RSS feed and one HTML page per article.

``escalert demo --ingest`` points the ingester at it, so the whole path (feed, conditional GET,
page fetch, extraction, language, state) runs offline on the bundled ``seeds/``. Pages carry the
navigation, share buttons and footers of a real site, so extraction has something to remove.
"""

from __future__ import annotations

import html
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from schemas.article import Article
from service.inputs import InputError, read_articles

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Seed News</title></head>
<body><nav><a href="/">Home</a> · <a href="/world">World</a> · <a href="/sport">Sport</a> · Subscribe</nav>
<div class="share">Share this story · Sign up for our newsletter</div>
<article><h1>{title}</h1>
{paras}
</article>
<footer>© Seed News · Cookie policy · Terms of use</footer></body></html>"""


def _page(article: Article) -> bytes:
    paras = "\n".join(f"<p>{html.escape(p.strip())}</p>" for p in article.body.split("\n") if p.strip())
    return _PAGE.format(title=html.escape(article.title), paras=paras).encode("utf-8")


def _feed(base: str, articles: list[Article]) -> bytes:
    items = "".join(
        f"<item><guid isPermaLink=\"false\">{html.escape(a.id)}</guid><link>{base}/articles/{html.escape(a.id)}.html</link>"
        f"<title>{html.escape(a.title)}</title><description>{html.escape(a.body[:300])}</description>"
        + (f"<pubDate>{format_datetime(a.published_at)}</pubDate>" if a.published_at and not a.published_at_assumed else "")
        + "</item>"
        for a in articles
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Seed News</title>'
            f"<link>{base}/</link><description>Local articles</description>{items}</channel></rss>").encode()


class SeedSite:
    """Serves ``/feed.rss``, ``/articles/<id>.html`` and ``/robots.txt`` on 127.0.0.1 (a free port)."""

    def __init__(self, paths: list[str]) -> None:
        self.articles = [item.article for item in read_articles(paths) if not isinstance(item, InputError)]
        self._pages = {f"/articles/{a.id}.html": _page(a) for a in self.articles}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body, ctype = site._route(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *_args: object) -> None:  # quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._feed = _feed(self.base, self.articles)
        self._thread = threading.Thread(target=self._server.serve_forever, name="seed-site", daemon=True)

    def _route(self, path: str) -> tuple[bytes | None, str]:
        if path == "/feed.rss":
            return self._feed, "application/rss+xml; charset=utf-8"
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain"
        return self._pages.get(path), "text/html; charset=utf-8"

    def start(self) -> SeedSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sources_yaml(self, path: Path) -> Path:
        path.write_text(
            "limits: {per_host_interval_seconds: 0}\n"
            f"sources:\n  - name: seed-news\n    url: {self.base}/feed.rss\n    outlet: Seed News\n"
            "    interval_seconds: 30\n",
            encoding="utf-8",
        )
        return path


def main(paths: list[str]) -> None:  # pragma: no cover - a manual aid: python -m service.ingest.seedfeed seeds
    site = SeedSite(paths).start()
    print(f"{len(site.articles)} articles: {site.base}/feed.rss (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:] or ["seeds"])
