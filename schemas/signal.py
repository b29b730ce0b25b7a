"""The output contract: one detected escalation signal (an event mention) with its evidence.

This is the payload of the ``signals`` topic and of ``escalert detect``. It is deliberately
self-contained (article title, outlet and link included) so that a consumer never needs the
article to explain or route a signal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import EventType, Genre, Modality

SIGNAL_SCHEMA_VERSION: Literal[1] = 1


class Actor(BaseModel):
    """Who acts or is acted upon, resolved to a code.

    States use ISO 3166-1 alpha-3 (USA, RUS, UKR); alliances and international bodies use short
    codes (NATO, EU, UN, OSCE); armed and political groups use their common short name (HAMAS).
    ``text`` is the surface form found in the sentence ("the Kremlin", "Russian").

    Unnamed and generic actors ("gunmen", "security forces", "Pakistani police") are coded as
    CAMEO agent codes are: the state plus a ``sector``. ``code`` is the state the text ties them
    to ("Pakistani police": PAK), else the country of the place where the event happens
    ("armed men attacked ... in Karachi": PAK), else the sector code alone (REB), as CAMEO
    codes an actor of unknown country.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    text: str
    kind: Literal["state", "igo", "group"] = "state"
    sector: str | None = Field(
        default=None,
        description=(
            "CAMEO sector (role) of a generic actor: MIL military, REB rebels, INS insurgents, "
            "UAF unidentified armed men, COP police and security forces, GOV government, "
            "OPP protesters and opposition, CVL civilians; None for a named state, body or group."
        ),
    )


class Actors(BaseModel):
    source: list[Actor] = Field(default_factory=list, description="Who does it.")
    target: list[Actor] = Field(default_factory=list, description="To or with whom.")


class Location(BaseModel):
    """Where the event happens, when the text says so."""

    name: str
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-3 of the place.")
    lat: float | None = None
    lon: float | None = None


class Evidence(BaseModel):
    """Why the detector believes this: the sentence, where it is, and the words that decided it.

    Offsets are character offsets into the article field named by ``field`` (``title`` or
    ``body``), half-open ``[start, end)``, so ``article.body[start:end] == sentence``.
    """

    field: Literal["title", "body"] = "body"
    sentence: str
    start: int
    end: int
    trigger: str = Field(description="The words that typed the event, as they appear.")
    trigger_start: int = Field(description="Offset of the trigger in the article field.")
    trigger_end: int
    cues: list[str] = Field(
        default_factory=list, description="Words that set the modality (e.g. 'denied', 'will')."
    )
    date_text: str | None = Field(default=None, description="The date expression used, if any.")


class ArticleRef(BaseModel):
    """Enough of the article to link to it and to show where the signal came from."""

    id: str
    title: str = ""
    source: str | None = None
    url: str | None = None
    published_at: datetime
    published_at_assumed: bool = Field(
        default=False, description="True when the read time stood in for a missing published_at."
    )
    revision: int = Field(
        default=0, ge=0, description="The article's revision (0: first publication) the signal was found in."
    )
    genre: Genre = Field(
        default=Genre.NEWS,
        description="news, or opinion when the article's address or headline marks it as a column, "
        "editorial, blog post or letter; subscriptions alert on news only unless they ask for opinion.",
    )


class Signal(BaseModel):
    """One detected event mention, typed with PLOVER, with actors, place, date and evidence."""

    schema_version: Literal[1] = SIGNAL_SCHEMA_VERSION
    signal_id: str = Field(description="Deterministic: the same article always yields the same ids.")
    article_id: str
    type: EventType
    mode: str | None = Field(default=None, description="The finer kind, where the text says it.")
    modality: Modality
    actors: Actors = Field(default_factory=Actors)
    location: Location | None = None
    event_date: date | None = Field(default=None, description="When it happens or happened.")
    event_date_end: date | None = Field(default=None, description="End of a date range.")
    intensity: float = Field(ge=-10, le=10, description="-10 most conflictual .. +10 most cooperative.")
    severity: int = Field(ge=1, le=5, description="1..5, derived from intensity (see docs/taxonomy.md).")
    confidence: float = Field(ge=0, le=1)
    evidence: Evidence
    related_evidence: list[Evidence] = Field(
        default_factory=list,
        description=(
            "Other mentions of the same event in the article: other sentences, or another trigger "
            "of the evidence sentence (a second report run into it, as a photo caption without a "
            "final period is)."
        ),
    )
    article: ArticleRef
    detector_version: str
    detector: str = Field(
        default="rules",
        description=(
            "Which component decided the signal: 'rules:<trigger id>' for the rule detector "
            "(the entry of triggers.yaml whose head matched, e.g. 'rules:assault.air'), with "
            "'+roles-model' appended when the learned role ranking cast its source or target "
            "(e.g. 'rules:assault.shelling+roles-model'); 'model:<name>@<version>' for a signal the "
            "learned sense model added."
        ),
    )
