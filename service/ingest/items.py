"""From a fetched feed entry or page to the messages of one poll: what is new, what changed,
what becomes an article, what goes to the dead letters. No I/O here: the runner fetches, this
decides, the writer sends."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.ingest import canon
from service.ingest.language import SAMPLE_CHARS, detect_language
from service.ingest.state import Seen, SourceHealth, StateView, encode

DLQ_TOPIC = "ingest-dlq"  # the default of ``topics.ingest_dlq``


def fingerprint(*parts: str) -> str:
    """What a feed entry looked like last time: an unchanged entry needs no page fetch."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:24]


@dataclass(slots=True)
class Candidate:
    """One item to consider: from a feed entry (guid, summary) or a GDELT row (url only)."""

    source: str
    url: str
    guid: str = ""
    title: str = ""
    summary: str = ""
    published_at: datetime | None = None
    outlet: str | None = None

    @property
    def fingerprint(self) -> str:
        stamp = self.published_at.isoformat() if self.published_at else ""
        return fingerprint(self.title, self.summary, stamp)


def resolve_id(view: StateView, cand: Candidate) -> str:
    """The article id: the one its GUID was published under before, else its canonical URL's."""
    if cand.guid:
        known = view.guids.get(canon.guid_key(cand.source, cand.guid))
        if known:
            return known
    return canon.article_id(cand.url)


def needs_fetch(view: StateView, aid: str, cand: Candidate) -> bool:
    """A new article, or a known one whose feed entry changed (it may have been updated)."""
    seen = view.seen.get(aid)
    return seen is None or (bool(cand.fingerprint) and seen.fingerprint != cand.fingerprint
                            and cand.source in seen.sources)


@dataclass(slots=True)
class Poll:
    """The messages of one poll of one source, sent in one transaction, and the state they set."""

    articles_topic: str
    source: str
    messages: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    state: list[tuple[str, bytes]] = field(default_factory=list)
    published: int = 0
    updated: int = 0
    dead: int = 0
    by_language: dict[str, int] = field(default_factory=dict)

    def _put_state(self, key: str, value: object) -> None:
        data = encode(value)
        self.messages.append(("__state__", key.encode(), data))
        self.state.append((key, data))

    def note_seen(self, view: StateView, aid: str, cand: Candidate) -> None:
        """A known article met again (here or in another feed): remember the entry, publish nothing."""
        seen = view.seen.get(aid)
        if seen is None:
            return
        if seen.fingerprint == cand.fingerprint and cand.source in seen.sources:
            return
        sources = sorted({*seen.sources, cand.source})
        self._put_state(f"seen/{aid}", Seen(seen.content_hash, seen.revision, cand.fingerprint,
                                            seen.url, seen.first_seen, sources))
        if cand.guid:
            self._put_state(f"guid/{canon.guid_key(cand.source, cand.guid)}", aid)

    def add_article(self, view: StateView, aid: str, cand: Candidate, *, title: str, text: str,
                    text_source: str, declared_language: str | None = None) -> str:
        """Publish (or republish as a new revision) unless the text is what was published before.
        Returns ``new``, ``updated`` or ``unchanged``."""
        chash = canon.content_hash(title, text)
        prior = view.seen.get(aid)
        if prior is not None and prior.content_hash == chash:
            self.note_seen(view, aid, cand)
            return "unchanged"
        revision = 0 if prior is None else prior.revision + 1
        lang = detect_language(f"{title}\n{text[:SAMPLE_CHARS]}", declared_language)
        article = {
            "id": aid, "title": title, "body": text, "source": cand.outlet or cand.source,
            "url": cand.url, "language": lang.code, "text_source": text_source, "revision": revision,
        }
        if cand.published_at is not None:
            article["published_at"] = cand.published_at.astimezone(UTC).isoformat()
        topic = self.articles_topic if lang.code == "en" else f"{self.articles_topic}.{lang.code}"
        self.messages.append((topic, aid.encode(), json.dumps(article, ensure_ascii=False).encode("utf-8")))
        sources = sorted({*(prior.sources if prior else []), cand.source})
        first = prior.first_seen if prior else time.time()
        self._put_state(f"seen/{aid}", Seen(chash, revision, cand.fingerprint, cand.url, first, sources))
        if cand.guid:
            self._put_state(f"guid/{canon.guid_key(cand.source, cand.guid)}", aid)
        self.by_language[lang.code] = self.by_language.get(lang.code, 0) + 1
        if prior is None:
            self.published += 1
            return "new"
        self.updated += 1
        return "updated"

    def dead_letter(self, cand: Candidate, reason: str, message: str) -> None:
        letter = {"source": cand.source, "url": cand.url, "guid": cand.guid or None, "reason": reason,
                  "message": message[:1000], "at": datetime.now(UTC).isoformat()}
        self.messages.append(("__dlq__", canon.article_id(cand.url).encode(),
                              json.dumps(letter, ensure_ascii=False).encode("utf-8")))
        self.dead += 1

    def dead_letter_input(self, url: str, reason: str, message: str, *, line: int | None = None,
                          row: str | None = None) -> None:
        """A source file (or one of its rows) that could not be used: its URL, the reason and,
        for a row, its line and the row itself, so it can be read again or mended."""
        letter = {"source": self.source, "url": url, "guid": None, "reason": reason, "message": message[:1000],
                  "at": datetime.now(UTC).isoformat()}
        if line is not None:
            letter |= {"line": line, "row": row}
        self.messages.append(("__dlq__", canon.article_id(url).encode(),
                              json.dumps(letter, ensure_ascii=False).encode("utf-8")))
        self.dead += 1

    def set_health(self, health: SourceHealth) -> None:
        self._put_state(f"source/{self.source}", health)

    def resolved(self, state_topic: str, dlq_topic: str = DLQ_TOPIC) -> list[tuple[str, bytes, bytes]]:
        """The messages with the state and dead-letter placeholder topics filled in."""
        names = {"__state__": state_topic, "__dlq__": dlq_topic}
        return [(names.get(t, t), k, v) for t, k, v in self.messages]
