"""GDELT 2.0: the 15-minute update list and the events and mentions exports it points to (public
file formats).

``lastupdate.txt`` has one line per file of the latest update: ``<bytes> <md5> <url>``, for the
events export (``*.export.CSV.zip``), the mentions export (``*.mentions.CSV.zip``) and the GKG.
Each export is a zip holding one tab-separated file without a header:

- events (GDELT 2.0 Event Codebook): 61 columns per event, among them its CAMEO root code, the
  actors' countries, the place's country, the Goldstein scale, the number of articles and one
  source URL;
- mentions (GDELT 2.0 Event Mentions table): 16 columns per article that mentions an event, new or
  older (``GlobalEventID``, ``EventTimeDate``, ``MentionTimeDate``, ``MentionType``,
  ``MentionSourceName``, ``MentionIdentifier``, ``SentenceID``, three character offsets,
  ``InRawText``, ``Confidence``, ``MentionDocLen``, ``MentionDocTone``,
  ``MentionDocTranslationInfo``, ``Extras``). Type 1 is a web article whose identifier is its
  URL; so one event brings the URLs of every outlet that reported it.

We read the columns named below. A row that cannot be read is returned as a :class:`BadRow`
(line, reason, the row itself) for the dead letters; the rest of the file is still used.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from schemas.source import GdeltFilters
from service.ingest.canon import canonical_url, url_host

# Column indices in a GDELT 2.0 events export row (Event Codebook V2.0).
COL_ID, COL_DAY = 0, 1
COL_ACTOR1_COUNTRY, COL_ACTOR2_COUNTRY = 7, 17
COL_ROOT_CODE, COL_GOLDSTEIN, COL_NUM_ARTICLES = 28, 30, 33
COL_ACTION_COUNTRY, COL_DATE_ADDED, COL_SOURCE_URL = 53, 59, 60
N_COLUMNS = 61

# Column indices in a GDELT 2.0 mentions export row (Event Mentions table).
M_EVENT_ID, M_TYPE, M_SOURCE_NAME, M_IDENTIFIER, M_CONFIDENCE = 0, 3, 4, 5, 11
N_MENTION_COLUMNS = 16
MENTION_TYPE_WEB = "1"  # 2-6: citations, CORE, DTIC, JSTOR, non-textual: no URL

MAX_ROW_CHARS = 2000  # of a bad row kept for its dead letter
MAX_UNZIPPED_BYTES = 1_000_000_000  # a mentions file unzips to tens of MB; more is not GDELT's


class GdeltError(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class UpdateFile:
    size: int
    md5: str
    url: str


@dataclass(frozen=True, slots=True)
class EventRow:
    event_id: str
    day: str
    root_code: str
    actor1_country: str
    actor2_country: str
    action_country: str
    goldstein: float
    num_articles: int
    url: str


@dataclass(frozen=True, slots=True)
class MentionRow:
    event_id: str
    source_name: str  # MentionSourceName: the outlet's domain for web articles
    url: str
    confidence: int   # 10-100: GDELT's confidence in the event's extraction from this article


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str
    row: str


@dataclass(frozen=True, slots=True)
class Pick:
    """A URL to fetch and the outlet its article is credited to."""

    url: str
    outlet: str


def parse_update_list(text: str) -> list[UpdateFile]:
    files = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit():
            raise GdeltError("bad_update_list", f"update list line {n}: expected '<bytes> <md5> <url>', got {line[:120]!r}")
        files.append(UpdateFile(int(parts[0]), parts[1].lower(), parts[2]))
    return files


def _named(files: list[UpdateFile], suffix: str) -> UpdateFile | None:
    return next((f for f in files if f.url.lower().endswith(suffix)), None)


def events_export(files: list[UpdateFile]) -> UpdateFile:
    found = _named(files, ".export.csv.zip")
    if found is None:
        raise GdeltError("no_events_export", "the update list names no events export (*.export.CSV.zip)")
    return found


def mentions_export(files: list[UpdateFile]) -> UpdateFile:
    found = _named(files, ".mentions.csv.zip")
    if found is None:
        raise GdeltError("no_mentions_export", "the update list names no mentions export (*.mentions.CSV.zip)")
    return found


def _tsv_lines(data: bytes, expected: UpdateFile | None) -> Iterator[tuple[int, list[str]]]:
    """(line number, columns) of the one file in an export zip, decoded as it is read (a mentions
    file unzips to tens of MB); the MD5 is checked first when ``expected`` gives it."""
    if expected is not None and hashlib.md5(data, usedforsecurity=False).hexdigest() != expected.md5:
        raise GdeltError("checksum", f"{expected.url}: MD5 does not match the update list")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise GdeltError("bad_export", f"not a zip file: {exc}") from None
    with zf:
        names = zf.namelist()
        if not names:
            raise GdeltError("bad_export", "empty zip")
        if zf.getinfo(names[0]).file_size > MAX_UNZIPPED_BYTES:  # zipfile reads no more than this
            raise GdeltError("too_large", f"{names[0]!r} unzips to more than {MAX_UNZIPPED_BYTES} bytes")
        try:
            with zf.open(names[0]) as raw:
                # Tab-separated without quoting: a split, not the csv module (whose field size
                # limit would stop the whole file at one overlong field).
                for n, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="\n"), 1):
                    yield n, line.rstrip("\r\n").split("\t")
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError) as exc:
            # a truncated or corrupt member (CRC, deflate stream), an unknown compression, encryption
            raise GdeltError("bad_export", f"unreadable zip member {names[0]!r}: {exc}") from None


def _bad(line: int, reason: str, cols: list[str]) -> BadRow:
    return BadRow(line, reason, "\t".join(cols)[:MAX_ROW_CHARS])


def read_events_export(data: bytes, expected: UpdateFile | None = None) -> tuple[list[EventRow], list[BadRow]]:
    """The rows of one events export zip, and those that could not be read (wrong number of
    columns, a Goldstein scale or article count that is not a number). Blank lines are skipped."""
    rows: list[EventRow] = []
    bad: list[BadRow] = []
    for line, cols in _tsv_lines(data, expected):
        if cols in ([], [""]):
            continue
        if len(cols) != N_COLUMNS:
            bad.append(_bad(line, f"expected {N_COLUMNS} columns, got {len(cols)}", cols))
            continue
        try:
            goldstein = float(cols[COL_GOLDSTEIN] or 0)
            articles = int(cols[COL_NUM_ARTICLES] or 0)
        except ValueError:
            bad.append(_bad(line, "GoldsteinScale or NumArticles is not a number", cols))
            continue
        rows.append(EventRow(
            event_id=cols[COL_ID], day=cols[COL_DAY], root_code=cols[COL_ROOT_CODE][:2].zfill(2),
            actor1_country=cols[COL_ACTOR1_COUNTRY], actor2_country=cols[COL_ACTOR2_COUNTRY],
            action_country=cols[COL_ACTION_COUNTRY], goldstein=goldstein, num_articles=articles,
            url=cols[COL_SOURCE_URL].strip(),
        ))
    return rows, bad


def read_mentions_export(data: bytes, expected: UpdateFile | None = None,
                         keep: Callable[[MentionRow], bool] = lambda _m: True) -> tuple[list[MentionRow], list[BadRow]]:
    """The web-article mentions of one mentions export zip that ``keep`` accepts (decided while
    reading, so a large file is never held whole), and the rows that could not be read (wrong
    number of columns, an event id, type or confidence that is not a number). Mentions of other
    types (citations, non-textual) have no URL and are passed over."""
    rows: list[MentionRow] = []
    bad: list[BadRow] = []
    for line, cols in _tsv_lines(data, expected):
        if cols in ([], [""]):
            continue
        if len(cols) != N_MENTION_COLUMNS:
            bad.append(_bad(line, f"expected {N_MENTION_COLUMNS} columns, got {len(cols)}", cols))
            continue
        event_id, kind = cols[M_EVENT_ID].strip(), cols[M_TYPE].strip()
        if not (event_id.isdigit() and kind.isdigit() and cols[M_CONFIDENCE].strip().isdigit()):
            bad.append(_bad(line, "GlobalEventID, MentionType or Confidence is not a number", cols))
            continue
        if kind != MENTION_TYPE_WEB:
            continue
        mention = MentionRow(event_id, cols[M_SOURCE_NAME].strip().lower(), cols[M_IDENTIFIER].strip(),
                             int(cols[M_CONFIDENCE]))
        if keep(mention):
            rows.append(mention)
    return rows, bad


def _host_matches(host: str, outlets: list[str]) -> bool:
    host = host.lower().removeprefix("www.")
    return any(host == o or host.endswith("." + o) for o in outlets)


def has_event_filters(f: GdeltFilters) -> bool:
    """Filters that need the event's row (its countries, CAMEO root, Goldstein scale)."""
    return bool(f.countries or f.actor_countries or f.root_codes
                or f.min_goldstein is not None or f.max_goldstein is not None)


def event_passes(row: EventRow, f: GdeltFilters) -> bool:
    """The event's own attributes against the filters (the outlet is the URL's, checked apart)."""
    if f.countries and row.action_country not in f.countries:
        return False
    if f.actor_countries and not ({row.actor1_country, row.actor2_country} & set(f.actor_countries)):
        return False
    if f.root_codes and row.root_code not in f.root_codes:
        return False
    if f.min_goldstein is not None and row.goldstein < f.min_goldstein:
        return False
    return not (f.max_goldstein is not None and row.goldstein > f.max_goldstein)


def accepts(row: EventRow, f: GdeltFilters) -> bool:
    """An event row's own source URL: an http(s) URL, the event's filters, the outlet filter."""
    if not row.url.startswith(("http://", "https://")):
        return False
    return event_passes(row, f) and not (f.outlets and not _host_matches(url_host(row.url), f.outlets))


def mention_passes(m: MentionRow, f: GdeltFilters) -> bool:
    """A mention's own attributes: an http(s) URL, the outlet filter (on MentionSourceName, else
    the URL's host) and the least confidence."""
    if not m.url.startswith(("http://", "https://")) or m.confidence < f.min_confidence:
        return False
    return not (f.outlets and not _host_matches(m.source_name or url_host(m.url), f.outlets))


def mention_keeper(events: list[EventRow], f: GdeltFilters) -> Callable[[MentionRow], bool]:
    """Which mentions to keep while reading the mentions file: those that pass on their own and
    whose event passes. An event not in this update (a later article about an older event) can
    only be judged when no filter needs its row."""
    passing = {e.event_id for e in events if event_passes(e, f)}
    known = {e.event_id for e in events}
    judge_unknown = not has_event_filters(f)

    def keep(m: MentionRow) -> bool:
        if not mention_passes(m, f):
            return False
        return m.event_id in passing or (judge_unknown and m.event_id not in known)

    return keep


def select_urls(rows: list[EventRow], f: GdeltFilters, limit: int,
                mentions: list[MentionRow] | None = None) -> list[Pick]:
    """The distinct pages to fetch, at most ``limit``: the events that pass, most-reported first,
    each with its own source URL and then the URLs of its mentions (most confident first), so
    one event brings several outlets; then the mentions of events that are not in this update.
    Distinct means distinct canonical URLs (tracking parameters, ``www.``, http/https aside)."""
    by_event: dict[str, list[MentionRow]] = {}
    for m in mentions or []:
        by_event.setdefault(m.event_id, []).append(m)
    ordered: list[Pick] = []
    for row in sorted((r for r in rows if event_passes(r, f)), key=lambda r: (-r.num_articles, r.event_id)):
        if accepts(row, f):
            ordered.append(Pick(row.url, url_host(row.url)))
        for m in sorted(by_event.pop(row.event_id, []), key=lambda m: (-m.confidence, m.url)):
            ordered.append(Pick(m.url, m.source_name or url_host(m.url)))
    in_batch = {r.event_id for r in rows}
    rest = [m for eid, ms in by_event.items() if eid not in in_batch for m in ms]
    for m in sorted(rest, key=lambda m: (-m.confidence, m.event_id, m.url)):
        ordered.append(Pick(m.url, m.source_name or url_host(m.url)))
    picks: list[Pick] = []
    seen: set[str] = set()
    for pick in ordered:
        key = canonical_url(pick.url)
        if key not in seen:
            seen.add(key)
            picks.append(pick)
            if len(picks) >= limit:
                break
    return picks
