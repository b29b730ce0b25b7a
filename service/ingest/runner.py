"""The ingest loop: poll the due sources this instance owns, turn their items into articles,
and send each poll's messages in one transaction (see :mod:`.kafka_state`).

Objects with declared state:

- :class:`SourcesReloader`: the sources file, reloaded when it changes (the last good version
  stays in force when the new one is invalid, as for subscriptions);
- :class:`Poller`: one poll of one source (feed or GDELT) -> a :class:`~.items.Poll`;
- :class:`Ingester`: the schedule, ownership, the writer and the metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from schemas.source import FeedSource, GdeltSource, Limits, SourcesFile
from service.ingest import gdelt
from service.ingest.extract import extract_page, html_fragment_text, without_leading_title
from service.ingest.feeds import FeedError, parse_feed
from service.ingest.fetch import Fetcher, FetchError, Response
from service.ingest.items import DLQ_TOPIC, Candidate, Poll, needs_fetch, resolve_id
from service.ingest.schedule import next_due
from service.ingest.state import SourceHealth, StateView
from service.reloading import FileReloader

log = logging.getLogger(__name__)

MAX_ITEMS_PER_POLL = 500
MAX_GDELT_EXPORT_BYTES = 60_000_000
MAX_BAD_ROW_LETTERS = 20  # per file; then one letter with the count


class SourcesError(ValueError):
    """The sources file cannot be used; one line naming the file and the problem."""


def load_sources(path: str | Path) -> SourcesFile:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SourcesError(f"{path}:{where} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return SourcesFile.model_validate(raw or {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"] if p not in ("feed", "gdelt"))
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{loc}: {msg}" if loc else msg)
        raise SourcesError(f"{path}: " + "; ".join(problems)) from None


class SourcesReloader(FileReloader[SourcesFile]):
    """The sources file, reloaded when it changes; an invalid edit is logged and the last good
    version stays in force (:class:`~service.reloading.FileReloader`)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, load=load_sources, errors=SourcesError, what="sources", logger=log,
                         summary=lambda new: f"{len(new.sources)} sources")


@dataclass(slots=True)
class Poller:
    """One poll of one source. Fetch errors of the source itself raise :class:`FetchError`
    (the caller records them in the source's health); an item's errors become dead letters or a
    summary fallback inside the poll."""

    fetcher: Fetcher
    view: StateView
    limits: Limits
    articles_topic: str

    async def poll_feed(self, source: FeedSource, health: SourceHealth) -> Poll:
        poll = Poll(self.articles_topic, source.name)
        resp = await self.fetcher.get(source.url, max_bytes=self.limits.max_feed_bytes,
                                      etag=health.etag, last_modified=health.last_modified,
                                      accept="application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5")
        self._note_response(health, resp, source.url)
        if resp.status == 304:
            return poll
        try:
            feed = parse_feed(resp.body, base_url=resp.url, headers={"content-type": resp.headers.get("content-type", "")})
        except FeedError as exc:
            raise FetchError(exc.reason, str(exc)) from None
        health.warning = feed.warning
        outlet = source.outlet or feed.title or source.name
        for item in feed.items[:MAX_ITEMS_PER_POLL]:
            health.items_seen += 1
            cand = Candidate(source.name, item.url, item.guid, item.title, item.summary, item.published_at, outlet)
            await self._consider(poll, cand, full_text=source.full_text)
        return poll

    async def poll_gdelt(self, source: GdeltSource, health: SourceHealth) -> Poll:
        poll = Poll(self.articles_topic, source.name)
        resp = await self.fetcher.get(source.update_url, max_bytes=100_000,
                                      etag=health.etag, last_modified=health.last_modified)
        self._note_response(health, resp, source.update_url)
        if resp.status == 304:
            return poll
        try:
            files = gdelt.parse_update_list(resp.body.decode("utf-8", errors="replace"))
            export = gdelt.events_export(files)
        except gdelt.GdeltError as exc:
            raise FetchError(exc.reason, str(exc)) from None
        if export.url == health.cursor:  # this update was read already
            return poll
        health.warning = None
        events: list[gdelt.EventRow] = await self._gdelt_file(poll, health, export, gdelt.read_events_export)
        mentions: list[gdelt.MentionRow] = []
        if source.mentions:
            try:
                mentions_file = gdelt.mentions_export(files)
            except gdelt.GdeltError as exc:
                self._gdelt_problem(poll, health, source.update_url, exc.reason, str(exc))
            else:
                keep = gdelt.mention_keeper(events, source.filters)
                mentions = await self._gdelt_file(poll, health, mentions_file,
                                                  functools.partial(gdelt.read_mentions_export, keep=keep))
        health.cursor = export.url
        for pick in gdelt.select_urls(events, source.filters, source.max_urls_per_update, mentions):
            health.items_seen += 1
            cand = Candidate(source.name, pick.url, outlet=source.outlet or pick.outlet)
            await self._consider(poll, cand, full_text=True)
        return poll

    async def _gdelt_file(self, poll: Poll, health: SourceHealth, file: gdelt.UpdateFile,
                          parse: Callable[[bytes, gdelt.UpdateFile], tuple[list[Any], list[gdelt.BadRow]]]) -> list[Any]:
        """One export file of an update: downloaded, checked against the update list's MD5 and
        read. A file that cannot be used, and each row that cannot be read, go to the dead
        letters with the file's URL and the reason, and into the source's health; the poll goes on
        with the rest (the update's other file, the file's other rows)."""
        try:
            data = await self.fetcher.get(file.url, max_bytes=MAX_GDELT_EXPORT_BYTES)
            rows, bad = await asyncio.to_thread(parse, data.body, file)
        except (FetchError, gdelt.GdeltError) as exc:
            self._gdelt_problem(poll, health, file.url, exc.reason, str(exc))
            return []
        for row in bad[:MAX_BAD_ROW_LETTERS]:
            poll.dead_letter_input(file.url, "bad_row", f"{file.url} line {row.line}: {row.reason}",
                                   line=row.line, row=row.row)
        if len(bad) > MAX_BAD_ROW_LETTERS:
            poll.dead_letter_input(file.url, "bad_row", f"{file.url}: {len(bad) - MAX_BAD_ROW_LETTERS} more "
                                   f"unreadable rows after line {bad[MAX_BAD_ROW_LETTERS - 1].line}")
        if bad:
            note = f"{file.url}: {len(bad)} unreadable rows (first at line {bad[0].line}: {bad[0].reason})"
            _add_warning(health, note)
            log.warning("ingest: %s: %s", poll.source, note)
        return rows

    def _gdelt_problem(self, poll: Poll, health: SourceHealth, url: str, reason: str, message: str) -> None:
        poll.dead_letter_input(url, reason, message)
        health.last_error, health.last_error_reason, health.last_error_at = message[:500], reason, now_s()
        _add_warning(health, f"{reason}: {message}")
        log.warning("ingest: %s: %s (%s); sent to the dead letters", poll.source, message, reason)

    def _note_response(self, health: SourceHealth, resp: Response, url: str) -> None:
        if resp.etag or resp.last_modified:
            health.etag, health.last_modified = resp.etag, resp.last_modified
        if resp.redirects:
            if health.redirected_to != resp.url:
                log.info("ingest: %s redirects to %s (via %d hops)", url, resp.url, len(resp.redirects))
            health.redirected_to = resp.url
        else:
            health.redirected_to = None

    async def _consider(self, poll: Poll, cand: Candidate, *, full_text: bool) -> None:
        aid = resolve_id(self.view, cand)
        if not needs_fetch(self.view, aid, cand):
            poll.note_seen(self.view, aid, cand)
            return
        summary = html_fragment_text(cand.summary) if cand.summary else ""
        title = cand.title
        text, text_source, why = "", "summary", ""
        if full_text:
            try:
                page = await self._page(cand.url, metadata=not (cand.title and cand.published_at))
                if page is not None:
                    title = title or (page.title or "")
                    text, text_source = without_leading_title(page.text, title), "page"
                else:
                    why = "no main text found on the page"
            except FetchError as exc:
                why = f"{exc.reason}: {exc}"
        if not text:
            text = summary
        if not text:
            poll.dead_letter(cand, "no_text", why or "the item has neither a page text nor a summary")
            return
        if why:
            log.info("ingest: %s: summary used (%s)", cand.url, why)
        poll.add_article(self.view, aid, cand, title=title, text=text, text_source=text_source)

    async def _page(self, url: str, *, metadata: bool):  # type: ignore[no-untyped-def]
        if not await self.fetcher.allowed(url):
            raise FetchError("robots", f"{url}: disallowed by robots.txt")
        resp = await self.fetcher.get(url, max_bytes=self.limits.max_page_bytes,
                                      accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
        # trafilatura is CPU-bound: off the event loop, so other fetches go on meanwhile.
        return await asyncio.to_thread(extract_page, resp.body, url=resp.url, metadata=metadata)


def _add_warning(health: SourceHealth, text: str) -> None:
    """A poll can have several things to say (both GDELT files): kept together, bounded."""
    health.warning = (f"{health.warning}; {text}" if health.warning else text)[:1000]


def record_success(health: SourceHealth, now: float, interval: float, limits: Limits) -> None:
    health.last_poll = health.last_success = now
    health.consecutive_failures = 0
    health.next_due = next_due(now, interval, 0, limits)


def record_failure(health: SourceHealth, exc: FetchError, now: float, interval: float, limits: Limits) -> None:
    health.last_poll = health.last_error_at = now
    health.consecutive_failures += 1
    health.last_error, health.last_error_reason = str(exc)[:500], exc.reason
    health.next_due = next_due(now, interval, health.consecutive_failures, limits, retry_after=exc.retry_after)


def now_s() -> float:
    return time.time()


class Ingester:
    """Polls the due sources this instance owns, forever (or once, for ``--once`` and tests)."""

    def __init__(self, *, reloader: SourcesReloader, view: StateView, writer: object,
                 owns: object, partitions: int, articles_topic: str, state_topic: str,
                 dlq_topic: str = DLQ_TOPIC, metrics: object | None = None) -> None:
        self.reloader = reloader
        self.view = view
        self.writer = writer          # .commit(messages) (kafka_state.Writer)
        self.owns = owns              # callable(partition) -> bool
        self.partitions = partitions
        self.articles_topic = articles_topic
        self.state_topic = state_topic
        self.dlq_topic = dlq_topic
        self.metrics = metrics
        self.fetcher = Fetcher(reloader.current.limits)
        self._running: set[str] = set()
        # A poll whose transaction failed (broker away) is retried no sooner than this.
        self._retry_at: dict[str, float] = {}

    def due(self, now: float) -> list[FeedSource | GdeltSource]:
        from service.ingest.state import partition_of

        out = []
        for source in self.reloader.current.sources:
            if not source.enabled or source.name in self._running:
                continue
            if not self.owns(partition_of(f"source/{source.name}", self.partitions)):
                continue
            health = self.view.sources.get(source.name)
            if self._retry_at.get(source.name, 0.0) > now:
                continue
            if health is None or health.next_due <= now:
                out.append(source)
        return out

    async def poll_once(self, source: FeedSource | GdeltSource) -> Poll:
        """Poll one source and commit what it produced, health included, in one transaction."""
        limits = self.reloader.current.limits
        health = SourceHealth.from_json(_as_dict(self.view.sources.get(source.name)))
        poller = Poller(self.fetcher, self.view, limits, self.articles_topic)
        poll = Poll(self.articles_topic, source.name)
        try:
            if isinstance(source, FeedSource):
                poll = await poller.poll_feed(source, health)
            else:
                poll = await poller.poll_gdelt(source, health)
            record_success(health, now_s(), source.interval_seconds, limits)
        except FetchError as exc:
            record_failure(health, exc, now_s(), source.interval_seconds, limits)
            log.warning("ingest: source %s: %s (failure %d in a row)", source.name, exc, health.consecutive_failures)
        health.articles_published += poll.published
        health.updates_published += poll.updated
        health.dead_letters += poll.dead
        poll.set_health(health)
        await asyncio.to_thread(self.writer.commit, poll.resolved(self.state_topic, self.dlq_topic))  # type: ignore[attr-defined]
        for key, value in poll.state:
            self.view.apply(key, value)
        if self.metrics is not None:
            self.metrics.observe(source.name, health, poll)  # type: ignore[attr-defined]
        return poll

    async def run(self, stop: asyncio.Event, *, once: bool = False, tick: float = 1.0) -> None:
        """Poll due sources concurrently (each source at most once at a time) until ``stop``."""
        tasks: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                self.reloader.poll()
                for source in self.due(now_s()):
                    self._running.add(source.name)
                    task = asyncio.create_task(self._guarded(source))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if once:
                    if tasks:
                        await asyncio.gather(*tasks)
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=tick)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.fetcher.close()

    async def _guarded(self, source: FeedSource | GdeltSource) -> None:
        try:
            await self.poll_once(source)
        except Exception as exc:  # noqa: BLE001 - one source's bug or a failed commit must not stop the rest
            limits = self.reloader.current.limits
            self._retry_at[source.name] = now_s() + min(limits.backoff_base_seconds, source.interval_seconds)
            log.error("ingest: poll of %s not recorded (%s: %s); retried later", source.name, type(exc).__name__, exc)
        finally:
            self._running.discard(source.name)


def _as_dict(health: SourceHealth | None) -> dict[str, object]:
    if health is None:
        return {}
    return {name: getattr(health, name) for name in SourceHealth.__dataclass_fields__}
