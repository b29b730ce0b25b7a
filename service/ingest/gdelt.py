"""GDELT 2.0: the 15-minute update list and the events export it points to (public file formats).

``lastupdate.txt`` has one line per file of the latest update: ``<bytes> <md5> <url>``, for the
events export (``*.export.CSV.zip``), the mentions and the GKG. The events export is a zip with
one tab-separated file of 61 columns per event (GDELT 2.0 Event Codebook); we read the columns
named below and keep the source URL of each row that passes the source's filters.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from schemas.source import GdeltFilters

# Column indices in a GDELT 2.0 events export row (Event Codebook V2.0).
COL_ID, COL_DAY = 0, 1
COL_ACTOR1_COUNTRY, COL_ACTOR2_COUNTRY = 7, 17
COL_ROOT_CODE, COL_GOLDSTEIN, COL_NUM_ARTICLES = 28, 30, 33
COL_ACTION_COUNTRY, COL_DATE_ADDED, COL_SOURCE_URL = 53, 59, 60
N_COLUMNS = 61


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


def events_export(files: list[UpdateFile]) -> UpdateFile:
    for f in files:
        if f.url.lower().endswith(".export.csv.zip"):
            return f
    raise GdeltError("no_events_export", "the update list names no events export (*.export.CSV.zip)")


def read_events_export(data: bytes, expected: UpdateFile | None = None) -> list[EventRow]:
    """Rows of one events export zip; the MD5 is checked when ``expected`` gives it. Rows with the
    wrong number of columns are skipped (GDELT's files are machine-written; a short row is a
    truncated file, and the rest is still good)."""
    if expected is not None and hashlib.md5(data, usedforsecurity=False).hexdigest() != expected.md5:
        raise GdeltError("checksum", f"{expected.url}: MD5 does not match the update list")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if not names:
                raise GdeltError("bad_export", "empty zip")
            raw = zf.read(names[0])
    except zipfile.BadZipFile as exc:
        raise GdeltError("bad_export", f"not a zip file: {exc}") from None
    rows = []
    reader = csv.reader(io.StringIO(raw.decode("utf-8", errors="replace")), delimiter="\t", quoting=csv.QUOTE_NONE)
    for cols in reader:
        if len(cols) != N_COLUMNS:
            continue
        try:
            goldstein = float(cols[COL_GOLDSTEIN] or 0)
            articles = int(cols[COL_NUM_ARTICLES] or 0)
        except ValueError:
            continue
        rows.append(EventRow(
            event_id=cols[COL_ID], day=cols[COL_DAY], root_code=cols[COL_ROOT_CODE][:2].zfill(2),
            actor1_country=cols[COL_ACTOR1_COUNTRY], actor2_country=cols[COL_ACTOR2_COUNTRY],
            action_country=cols[COL_ACTION_COUNTRY], goldstein=goldstein, num_articles=articles,
            url=cols[COL_SOURCE_URL].strip(),
        ))
    return rows


def _host_matches(url: str, outlets: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == o or host.endswith("." + o) for o in outlets)


def accepts(row: EventRow, f: GdeltFilters) -> bool:
    if not row.url.startswith(("http://", "https://")):
        return False
    if f.countries and row.action_country not in f.countries:
        return False
    if f.actor_countries and not ({row.actor1_country, row.actor2_country} & set(f.actor_countries)):
        return False
    if f.root_codes and row.root_code not in f.root_codes:
        return False
    if f.outlets and not _host_matches(row.url, f.outlets):
        return False
    if f.min_goldstein is not None and row.goldstein < f.min_goldstein:
        return False
    return not (f.max_goldstein is not None and row.goldstein > f.max_goldstein)


def select_urls(rows: list[EventRow], f: GdeltFilters, limit: int) -> list[str]:
    """The distinct source URLs of the accepted rows, most-reported events first, at most ``limit``."""
    kept = sorted((r for r in rows if accepts(r, f)), key=lambda r: (-r.num_articles, r.event_id))
    urls: list[str] = []
    seen: set[str] = set()
    for row in kept:
        if row.url not in seen:
            seen.add(row.url)
            urls.append(row.url)
            if len(urls) >= limit:
                break
    return urls
