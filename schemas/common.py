"""Vocabulary shared by every message: the PLOVER event types and the modalities.

PLOVER (the successor of CAMEO, used by the POLECAT dataset) defines 16 event types. Keeping
them as enums in one place means a typo in a lexicon, a subscription or a test is a validation
error, not a silently empty alert channel.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """The 16 PLOVER event types, from most cooperative to most conflictual."""

    AGREE = "AGREE"
    CONSULT = "CONSULT"
    SUPPORT = "SUPPORT"
    CONCEDE = "CONCEDE"
    COOPERATE = "COOPERATE"
    AID = "AID"
    RETREAT = "RETREAT"
    REQUEST = "REQUEST"
    ACCUSE = "ACCUSE"
    REJECT = "REJECT"
    THREATEN = "THREATEN"
    PROTEST = "PROTEST"
    SANCTION = "SANCTION"
    MOBILIZE = "MOBILIZE"
    COERCE = "COERCE"
    ASSAULT = "ASSAULT"


class Modality(StrEnum):
    """How the text presents the event.

    Only ``asserted`` and ``scheduled`` are alert-worthy by default: the others are kept in the
    signal stream because analysts and downstream models want them, but they describe events
    that did not (or not yet, or not recently) happen.
    """

    ASSERTED = "asserted"
    SCHEDULED = "scheduled"
    SPECULATIVE = "speculative"
    DENIED = "denied"
    HISTORICAL = "historical"


ALERT_WORTHY_MODALITIES: frozenset[Modality] = frozenset({Modality.ASSERTED, Modality.SCHEDULED})


class Genre(StrEnum):
    """What kind of page the article is: a ``news`` report, or ``opinion`` (a column,
    editorial, blog post or letter, told by its address or a headline label). Only news is
    alert-worthy by default: commentary recalls and argues over events more than it reports them.
    """

    NEWS = "news"
    OPINION = "opinion"


ALERT_WORTHY_GENRES: frozenset[Genre] = frozenset({Genre.NEWS})
