"""The subscriptions file: who wants which alerts, where, and how much noise they tolerate.

The YAML root is :class:`SubscriptionsFile`. Every mistake is a pydantic validation error that
``service.alerts.subscriptions.load_subscriptions`` turns into one readable line naming the
subscription and the field ("subscription 'ops' field filters.types: 'MOBILISE' is not a PLOVER
type"), because a typo in a filter otherwise means a channel that silently never alerts.
For the same reason actor and country codes must be codes the detector assigns (its gazetteer,
:mod:`service.detection.codes`); a wrong one is refused with a suggestion ("unknown country
'Ukraine': did you mean UKR?").

Durations are written as ``30s``, ``5m``, ``4h``, ``1d`` (or a number of seconds); times of day
as ``HH:MM``; time zones as IANA names (``Europe/Paris``), checked with :mod:`zoneinfo`.

For the modules that use these models: ``Subscription.urls`` may contain ``${ENV}``
references, expanded at load time by the loader; never log a URL, use
``service.alerts.subscriptions.redact`` or the target id.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schemas.common import ALERT_WORTHY_GENRES, ALERT_WORTHY_MODALITIES, EventType, Genre, Modality

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> Any:
    """``"90s"``, ``"5m"``, ``"4h"``, ``"1d"``, ``"2w"`` or seconds -> timedelta (others pass on)."""
    if isinstance(value, bool):
        raise ValueError("a duration like '30s', '5m', '4h' or '1d', not a boolean")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    if isinstance(value, str):
        m = _DURATION_RE.match(value.lower())
        if not m:
            raise ValueError(f"{value!r} is not a duration like '30s', '5m', '4h' or '1d'")
        return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'Europe/Paris')") from None
    return value


TimeZoneName = Annotated[str, BeforeValidator(lambda v: _check_timezone(str(v)))]


def _upper_codes(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [str(v).strip().upper() for v in value]
    return value


def _known_codes(kind: Literal["actor", "country"]) -> Any:
    """Upper-case a code list and refuse codes the detector never assigns, with a suggestion.

    A filter on a code that no signal carries (``countries: [Ukraine]``) never matches: an alert
    channel that looks configured and stays silent. The known codes are the detector's gazetteer
    (:mod:`service.detection.codes`).
    """

    def check(value: Any) -> Any:
        written = [value] if isinstance(value, str) else value
        if not isinstance(written, list):
            return value  # pydantic reports the wrong type
        from service.detection.codes import unknown_code_message

        problems = [m for v in written if (m := unknown_code_message(kind, str(v))) is not None]
        if problems:
            raise ValueError("; ".join(problems))
        return _upper_codes(written)

    return check


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    # Unknown keys are errors: "min_severty: 4" must not be ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


_EMPTY = {"modalities": "at least one modality (default: asserted, scheduled)",
          "genres": "at least one genre (default: news)"}


class Filters(_Strict):
    """What a subscription wants. Every given filter must match (AND); within a list, any (OR).

    An absent or empty list means "any". ``modalities`` defaults to asserted and scheduled, the
    alert-worthy ones; add ``speculative`` to hear about "could", "fears", "analysts say".
    """

    types: Annotated[list[EventType], BeforeValidator(_upper_codes)] = Field(
        default_factory=list, description="PLOVER event types; empty: every type."
    )
    modalities: Annotated[list[Modality], BeforeValidator(_as_list)] = Field(
        default_factory=lambda: sorted(ALERT_WORTHY_MODALITIES),
        description="Modalities wanted; default: asserted and scheduled.",
    )
    genres: Annotated[list[Genre], BeforeValidator(_as_list)] = Field(
        default_factory=lambda: sorted(ALERT_WORTHY_GENRES),
        description="Genres of article wanted: news (the default) and opinion (columns, editorials, "
        "blog posts, letters).",
    )
    min_severity: int = Field(default=1, ge=1, le=5, description="Lowest severity wanted (1..5).")
    actors: Annotated[list[str], BeforeValidator(_known_codes("actor"))] = Field(
        default_factory=list, description="Actor codes (RUS, NATO), source or target; codes the detector assigns.",
    )
    countries: Annotated[list[str], BeforeValidator(_known_codes("country"))] = Field(
        default_factory=list, description="ISO 3166-1 alpha-3 of the signal's location; codes the detector assigns.",
    )
    keywords: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="Whole words or phrases, case-insensitive, in the evidence sentence or title.",
    )

    @field_validator("modalities", "genres")
    @classmethod
    def _nonempty(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        if not value:
            raise ValueError(_EMPTY[info.field_name or ""])
        return value

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, value: list[str]) -> list[str]:
        out = [" ".join(str(k).split()).lower() for k in value]
        if any(not k for k in out):
            raise ValueError("a keyword is empty")
        return out


class QuietHours(_Strict):
    """Hours (in the subscription's time zone) when alerts are held, then sent as one digest.

    ``start`` > ``end`` spans midnight (22:00-07:00). Alerts at or above ``breakthrough_severity``
    are delivered anyway.
    """

    start: time = Field(description="When the quiet hours begin (HH:MM).")
    end: time = Field(description="When they end (HH:MM); earlier than start spans midnight.")
    breakthrough_severity: int = Field(
        default=5, ge=1, le=5, description="Alerts at or above this severity are sent at once."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are equal: quiet hours would be empty")
        return self


class Digest(_Strict):
    """Instead of one message per alert, one message per period, grouped by type and region.

    ``every: hourly`` sends at the top of each hour; ``every: daily`` at ``at`` (HH:MM) in the
    subscription's time zone.
    """

    every: Literal["hourly", "daily"] = Field(description="hourly: at the top of each hour; daily: at `at`.")
    at: time = Field(default=time(8, 0), description="Time of day of a daily digest (HH:MM), in the subscription's time zone.")


class SilenceMatchers(_Strict):
    """What a silence mutes. Every given matcher must match (AND); within a list, any (OR)."""

    subscriptions: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="Names of the subscriptions whose alerts are muted."
    )
    types: Annotated[list[EventType], BeforeValidator(_upper_codes)] = Field(
        default_factory=list, description="PLOVER event types."
    )
    actors: Annotated[list[str], BeforeValidator(_known_codes("actor"))] = Field(
        default_factory=list, description="Actor codes, source or target."
    )
    countries: Annotated[list[str], BeforeValidator(_known_codes("country"))] = Field(
        default_factory=list, description="ISO 3166-1 alpha-3 of the signal's location."
    )
    keywords: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="Whole words or phrases in the evidence sentence or title."
    )
    group_key: str | None = Field(default=None, description="One event's group key, as alerts carry it.")
    max_severity: int | None = Field(
        default=None, ge=1, le=5, description="Mute only alerts at or below this severity."
    )

    @model_validator(mode="after")
    def _something(self) -> SilenceMatchers:
        if not any(
            (self.subscriptions, self.types, self.actors, self.countries, self.keywords,
             self.group_key, self.max_severity)
        ):
            raise ValueError("a silence needs at least one matcher (it would mute everything)")
        return self


class Silence(_Strict):
    """A mute with a reason and an end: matching alerts are recorded as ``silenced``, not sent."""

    id: str = Field(min_length=1, description="Unique id of the silence.")
    matchers: SilenceMatchers = Field(description="What it mutes; at least one matcher.")
    starts_at: datetime = Field(description="Start, with a time zone offset (2025-06-01T00:00:00Z).")
    ends_at: datetime = Field(description="End, after the start, with a time zone offset.")
    reason: str = Field(min_length=1, description="Why: shown wherever the silence is listed.")
    created_by: str | None = Field(default=None, description="Who set it.")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone offset (e.g. 2025-01-10T08:00:00Z)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Silence:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


EventGroupField = Literal["type", "dyad", "country"]
EventUpdate = Literal["corroboration", "severity", "date", "place", "schedule", "status"]


class EventAlerts(_Strict):
    """Alert on consolidated events (``events`` topic) instead of on every signal.

    ``mode: updates``: the first report, then one update per material change only (the
    kinds listed in ``updates``; corroboration counts when it reaches one of
    ``corroboration_steps``). ``mode: corroborated``: nothing until ``min_sources``
    independent outlets reported the event, then the same material updates.

    Grouping, as Alertmanager's: the event alerts of a subscription that agree on ``group_by``
    wait ``group_wait``, then go out as one message listing every event; later ones of the same
    group go out together at most every ``group_interval``; routine ones (events at or below
    ``routine_severity``) every ``routine_interval``, unless an alert that is not routine joins
    them. Quiet hours and digests of the subscription apply to these messages.
    """

    mode: Literal["updates", "corroborated"] = "updates"
    min_sources: int = Field(default=2, ge=1, le=1000,
                             description="corroborated: independent outlets needed before the first alert.")
    corroboration_steps: list[int] = Field(
        default_factory=lambda: [3, 10],
        description="An update when the independent sources reach each of these counts.",
    )
    updates: list[EventUpdate] = Field(
        default_factory=lambda: ["corroboration", "severity", "date", "place", "schedule", "status"],
        description="Which changes are material enough for an update.",
    )

    group_by: list[EventGroupField] = Field(
        default_factory=list,
        description="Event alerts that agree on these are sent together as one message; empty "
        "(the default): all of the subscription's event alerts due at the same time, one message.",
    )
    group_wait: Duration = Field(
        default=timedelta(minutes=1),
        description="How long the first event alert of a group waits for others before the one "
        "message goes out (0s: at once, one message per event alert).",
    )
    group_interval: Duration = Field(
        default=timedelta(hours=1),
        description="After a group's message, the next one (the event alerts that came since) "
        "waits until this long after it.",
    )
    urgent_severity: int | None = Field(
        default=None, ge=1, le=5,
        description="An event alert at or above this severity does not wait for group_interval "
        "(only group_wait); none by default.",
    )
    routine_severity: int | None = Field(
        default=2, ge=1, le=5,
        description="A first report or update of an event at or below this severity is routine: "
        "while a group holds only routine alerts, its next message waits routine_interval after the "
        "last one instead of group_interval. Corrections, reminders, no-report alerts and updates of "
        "a scheduled event are never routine. null: every alert waits group_interval.",
    )
    routine_interval: Duration = Field(
        default=timedelta(hours=4),
        description="How long routine alerts wait after a group's message (see routine_severity); "
        "never less than group_interval.",
    )
    max_events_per_message: int = Field(
        default=50, ge=1, le=200,
        description="Events listed in one message; the rest are counted in it and follow in the next.",
    )

    @field_validator("corroboration_steps")
    @classmethod
    def _positive_steps(cls, value: list[int]) -> list[int]:
        if any(v < 2 for v in value):
            raise ValueError("corroboration steps are source counts of at least 2")
        return sorted(set(value))


class CalendarOptions(_Strict):
    """Diplomatic calendar alerts: a reminder ``remind_before`` the date of a scheduled event the
    subscription's filters accept, and a "no report" alert ``no_report_after`` the day ended
    when no report said it was held, postponed or cancelled."""

    remind_before: Duration = Field(default=timedelta(hours=24))
    no_report_after: Duration = Field(default=timedelta(hours=24))


class TrajectoryAlerts(_Strict):
    """Escalation trajectory alerts for the directed dyads and countries the subscription's
    ``actors`` and ``countries`` filters name (all when neither is set): a ``spike`` of the daily
    conflict index against its baseline, a ``ladder`` step (first MOBILIZE after THREATEN...)."""

    kinds: list[Literal["spike", "ladder"]] = Field(default_factory=lambda: ["spike", "ladder"], min_length=1)


class InhibitRule(_Strict):
    """As in Alertmanager: while a subscription has an active alert of a ``source_types`` event
    for a directed dyad (source actor > target actor), its event alerts of ``target_types`` for
    the same dyad are recorded as silenced, for ``duration`` after the inhibiting alert."""

    source_types: Annotated[list[EventType], BeforeValidator(_upper_codes)] = Field(min_length=1)
    target_types: Annotated[list[EventType], BeforeValidator(_upper_codes)] = Field(min_length=1)
    duration: Duration = Field(default=timedelta(hours=24))

    @model_validator(mode="after")
    def _disjoint(self) -> InhibitRule:
        if set(self.source_types) & set(self.target_types):
            raise ValueError("a type cannot inhibit itself (source_types and target_types overlap)")
        return self


GroupField = Literal["type", "actors", "place", "event_date", "modality", "article"]
Format = Literal["markdown", "html", "text"]


class Defaults(_Strict):
    """Values every subscription inherits unless it sets its own."""

    timezone: TimeZoneName = Field(
        default="UTC", description="IANA time zone name, for quiet hours and daily digests."
    )
    group_by: list[GroupField] = Field(
        default_factory=lambda: ["type", "actors", "place", "event_date"],
        description="Signals that agree on these fields are one event, alerted once; default: type, actors, place, event_date.",
    )
    group_wait: Duration = Field(
        default=timedelta(seconds=30),
        description="How long a new group collects signals before its one alert goes out (0: at once).",
    )
    repeat_interval: Duration = Field(
        default=timedelta(hours=4),
        description="After an alert, further signals of its group are counted, not sent, for this long (unless severity rises).",
    )
    max_signals_per_alert: int = Field(
        default=10, ge=1, le=100,
        description="Signals listed in one alert (all are counted); bounded to keep messages small.",
    )


class Subscription(_Strict):
    """One recipient (or channel) with its targets, filters and noise controls.

    Targets are Apprise URLs in ``urls`` and/or ``tags`` resolved in the file's
    ``apprise_config``. Unset noise settings come from the file's ``defaults``.
    """

    name: str = Field(
        min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Unique name: letters, digits, '.', '_', '-'; the key of its alerts on the alerts topic.",
    )
    urls: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="Apprise URLs of the targets; write tokens as ${ENV_VAR}. At least one of urls and tags.",
    )
    tags: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="Apprise tags resolved in the file's apprise_config."
    )
    filters: Filters = Field(default_factory=Filters, description="Which signals it wants; default: all alert-worthy ones.")
    timezone: TimeZoneName | None = Field(default=None, description="Overrides defaults.timezone.")
    group_by: list[GroupField] | None = Field(default=None, description="Overrides defaults.group_by.")
    group_wait: Duration | None = Field(default=None, description="Overrides defaults.group_wait.")
    repeat_interval: Duration | None = Field(default=None, description="Overrides defaults.repeat_interval.")
    max_signals_per_alert: int | None = Field(
        default=None, ge=1, le=100, description="Overrides defaults.max_signals_per_alert."
    )
    quiet_hours: QuietHours | None = Field(default=None, description="Hours when alerts are held for a digest.")
    digest: Digest | None = Field(default=None, description="One message per period instead of single alerts.")
    format: Format | None = Field(
        default=None, description="Force a message format; by default chosen per target."
    )
    enabled: bool = Field(default=True, description="false: ignored, and its ${VARS} need not be set.")
    events: EventAlerts | None = Field(
        default=None, description="Alert on consolidated events (first report, then material updates).",
    )
    calendar: CalendarOptions | None = Field(
        default=None, description="Reminders and no-report alerts for scheduled events.",
    )
    trajectories: TrajectoryAlerts | None = Field(
        default=None, description="Spike and ladder-step alerts on escalation trajectories.",
    )

    @field_validator("urls")
    @classmethod
    def _urls_look_like_urls(cls, value: list[str]) -> list[str]:
        for i, url in enumerate(value):
            if not isinstance(url, str) or "://" not in url:
                # Never echo the value: it may be a token pasted in the wrong place.
                raise ValueError(f"item {i} is not an Apprise URL (expected 'scheme://...')")
        return value

    @model_validator(mode="after")
    def _has_targets(self) -> Subscription:
        if not self.urls and not self.tags:
            raise ValueError("needs at least one target in 'urls' or 'tags'")
        return self


class SubscriptionsFile(_Strict):
    """The YAML root: ``subscriptions``, optional ``silences``, ``defaults`` and ``apprise_config``."""

    subscriptions: list[Subscription] = Field(description="Who gets which alerts, through which targets.")
    silences: list[Silence] = Field(
        default_factory=list, description="Standing mutes; temporary ones are set with `escalert silence add`."
    )
    defaults: Defaults = Field(default_factory=Defaults, description="Inherited by every subscription.")
    apprise_config: str | None = Field(
        default=None, description="Apprise config file (relative to this file) for 'tags'."
    )
    inhibit_rules: list[InhibitRule] = Field(
        default_factory=list, description="Event alerts that mute others for the same dyad.",
    )

    @model_validator(mode="after")
    def _unique(self) -> SubscriptionsFile:
        seen: set[str] = set()
        for sub in self.subscriptions:
            if sub.name in seen:
                raise ValueError(f"subscription name {sub.name!r} is used twice")
            seen.add(sub.name)
        ids: set[str] = set()
        for s in self.silences:
            if s.id in ids:
                raise ValueError(f"silence id {s.id!r} is used twice")
            ids.add(s.id)
        if any(s.tags for s in self.subscriptions) and not self.apprise_config:
            raise ValueError("'tags' are used but no 'apprise_config' file is given")
        return self
