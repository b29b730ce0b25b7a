"""The sources file (``sources.yaml``): where ``escalert ingest`` takes its news from.

Two kinds of source:

- ``feed``: an RSS 2.0, RSS 1.0 (RDF) or Atom feed, polled every ``interval_seconds`` with a
  conditional GET; each new item's page is fetched and its main text extracted (``full_text``).
- ``gdelt``: GDELT 2.0's 15-minute update list; the events export it points to (and, with
  ``mentions``, the mentions export: every outlet's article about an event) is read and the URLs
  of the rows that pass ``filters`` are fetched and extracted like feed items.

Validation is strict (unknown keys, bad URLs, duplicate names and impossible limits fail at load
with a message naming the source and the field), so a typo never silently drops a source.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
DEFAULT_USER_AGENT = "escalert-ingest/0.1 (+https://github.com/escalert/escalert)"
GDELT_LAST_UPDATE = "http://data.gdeltproject.org/gdeltv2/lastupdate.txt"


def _http_url(value: str, field_name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field_name} must be an http:// or https:// URL with a host, got {value!r}")
    return value


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique id of the source: lower-case letters, digits, '-', '_', '.'.")
    outlet: str | None = Field(default=None, description="The outlet's name put in each article's `source` (default: a feed's title; for GDELT, each article's own outlet: MentionSourceName or the URL's host).")
    interval_seconds: float = Field(default=300.0, ge=10, le=7 * 24 * 3600, description="Time between two polls.")
    full_text: bool = Field(default=True, description="Fetch each item's page and extract its main text; false keeps the feed's summary.")
    enabled: bool = Field(default=True, description="false: not polled.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value or len(value) > 100 or not set(value) <= _NAME_CHARS:
            raise ValueError(f"{value!r}: use 1-100 lower-case letters, digits, '-', '_' or '.'")
        return value


class FeedSource(_Source):
    """An RSS or Atom feed."""

    kind: Literal["feed"] = Field(default="feed", description="RSS 2.0, RSS 1.0/RDF or Atom.")
    url: str = Field(description="The feed's URL (http or https).")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value, "url")


class GdeltFilters(BaseModel):
    """Which rows of the GDELT exports to take. Empty lists take everything. A mention is judged by
    its event's row (countries, root code, Goldstein) when the event is in the same update, and by
    its own outlet and confidence."""

    model_config = ConfigDict(extra="forbid")

    countries: list[str] = Field(default_factory=list, description="FIPS 10-4 country codes of the action's place (ActionGeo_CountryCode), e.g. UP for Ukraine, RS for Russia.")
    actor_countries: list[str] = Field(default_factory=list, description="CAMEO country codes of either actor (Actor1/2CountryCode), e.g. UKR, RUS.")
    root_codes: list[str] = Field(default_factory=list, description="CAMEO root codes (EventRootCode), e.g. '14' protest, '18' assault, '19' fight.")
    outlets: list[str] = Field(default_factory=list, description="Host names of the source URL, or a mention's MentionSourceName (a suffix matches: reuters.com matches www.reuters.com).")
    min_goldstein: float | None = Field(default=None, ge=-10, le=10, description="Keep rows whose GoldsteinScale is at least this (cooperative events).")
    max_goldstein: float | None = Field(default=None, ge=-10, le=10, description="Keep rows whose GoldsteinScale is at most this (e.g. -5 for serious conflict).")
    min_confidence: int = Field(default=0, ge=0, le=100, description="Mentions only: keep mentions whose Confidence (GDELT's 10-100 %, how sure it is of the event in that article) is at least this.")

    @field_validator("countries")
    @classmethod
    def _fips(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if len(c) != 2 or not c.isalpha()]
        if bad:
            raise ValueError(f"FIPS country codes are two letters, got {bad}")
        return [c.upper() for c in value]

    @field_validator("actor_countries")
    @classmethod
    def _cameo(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if len(c) != 3 or not c.isalpha()]
        if bad:
            raise ValueError(f"CAMEO country codes are three letters, got {bad}")
        return [c.upper() for c in value]

    @field_validator("root_codes")
    @classmethod
    def _roots(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not (c.isdigit() and 1 <= int(c) <= 20)]
        if bad:
            raise ValueError(f"CAMEO root codes are 01-20, got {bad}")
        return [f"{int(c):02d}" for c in value]

    @field_validator("outlets")
    @classmethod
    def _outlets(cls, value: list[str]) -> list[str]:
        return [v.lower().strip(".") for v in value]


class GdeltSource(_Source):
    """GDELT 2.0's events export (and mentions export), followed through its update list. The
    articles are credited to their outlet (the URL's host, or MentionSourceName) unless
    ``outlet`` names one."""

    kind: Literal["gdelt"] = Field(default="gdelt", description="GDELT 2.0 event files: the URLs of the events (and, with `mentions`, of their mentions) that pass `filters`.")
    update_url: str = Field(default=GDELT_LAST_UPDATE, description="GDELT 2.0's lastupdate.txt (or a mirror).")
    interval_seconds: float = Field(default=900.0, ge=10, le=7 * 24 * 3600, description="GDELT publishes every 15 minutes.")
    mentions: bool = Field(default=False, description="Also read the update's mentions export: the URLs of the other outlets' articles about each event (its corroboration), filtered like the events.")
    filters: GdeltFilters = Field(default_factory=GdeltFilters, description="Which events' URLs to fetch; default: all.")
    max_urls_per_update: int = Field(default=200, ge=1, le=100_000, description="At most this many pages fetched per update (events with the most articles first, each with its mentions).")

    @field_validator("update_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value, "update_url")


Source = Annotated[FeedSource | GdeltSource, Field(discriminator="kind")]


class Limits(BaseModel):
    """Politeness and safety limits shared by every source."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str = Field(default=DEFAULT_USER_AGENT, description="Sent with every request; say who you are and how to reach you.")
    per_host_concurrency: int = Field(default=2, ge=1, le=64, description="Requests in flight to one host at once.")
    per_host_interval_seconds: float = Field(default=1.0, ge=0, le=600, description="Least time between two requests to one host.")
    timeout_seconds: float = Field(default=20.0, gt=0, le=600, description="Whole-request time limit (connect, headers and body).")
    max_feed_bytes: int = Field(default=5_000_000, ge=1024, le=100_000_000, description="Larger feed bodies are cut off as too_large.")
    max_page_bytes: int = Field(default=3_000_000, ge=1024, le=100_000_000, description="Larger pages are not extracted; the item falls back to its summary.")
    max_redirects: int = Field(default=5, ge=0, le=20, description="Longer redirect chains fail as too_many_redirects.")
    respect_robots: bool = Field(default=True, description="Obey robots.txt for article pages (feeds are meant to be fetched).")
    backoff_base_seconds: float = Field(default=60.0, gt=0, le=86400, description="First retry delay after an error; doubles per consecutive failure, with jitter.")
    backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0, le=7 * 86400, description="Cap of the retry delay after errors.")


class SourcesFile(BaseModel):
    """The whole sources file."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = Field(default=1, description="Format version of the file.")
    limits: Limits = Field(default_factory=Limits, description="Politeness and size limits for every request.")
    sources: list[Source] = Field(default_factory=list, description="The feeds and GDELT slices to poll.")

    @model_validator(mode="before")
    @classmethod
    def _default_kind(cls, data: object) -> object:
        # ``kind: feed`` may be left out: most sources are feeds.
        if isinstance(data, dict) and isinstance(data.get("sources"), list):
            data = {**data, "sources": [
                {**s, "kind": s.get("kind", "feed")} if isinstance(s, dict) else s for s in data["sources"]
            ]}
        return data

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} is used twice")
            seen.add(source.name)
        return self
