"""Feed bytes -> items, with feedparser (RSS 0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0, broken XML).

feedparser is lenient: it reads a feed with a wrong charset declaration or unescaped ampersands
and reports the problem in ``bozo``. We take whatever items it recovers; a document with no
recognisable feed at all is an error with a reason.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser


class FeedError(ValueError):
    """The bytes are not a feed; ``reason`` is a short machine-readable word."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str
    url: str
    title: str
    summary: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    items: list[FeedItem]
    warning: str | None  # what feedparser tolerated (bozo), for the source's health


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _summary(entry: Any) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return str(content["value"])
    return str(entry.get("summary") or entry.get("description") or "")


def parse_feed(data: bytes, *, base_url: str, headers: dict[str, str] | None = None) -> Feed:
    """Parse one fetched feed. ``headers`` (Content-Type, Content-Location) help feedparser pick
    the encoding and resolve relative links. Items without a link are skipped (nothing to fetch
    and no stable id); an item without a GUID uses its link."""
    parsed = feedparser.parse(data, response_headers={"content-location": base_url, **(headers or {})})
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError("not_a_feed", f"{base_url}: not an RSS or Atom feed ({problem or 'no feed element'})")
    items = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "").strip()
        if not link:
            continue
        items.append(FeedItem(
            guid=str(entry.get("id") or link).strip(),
            url=link,
            title=" ".join(str(entry.get("title") or "").split()),
            summary=_summary(entry),
            published_at=_when(entry),
        ))
    warning = None
    if parsed.get("bozo"):
        warning = f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"[:300]
    return Feed(title=" ".join(str(parsed.feed.get("title") or "").split()), items=items, warning=warning)
