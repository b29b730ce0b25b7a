"""Routing: which subscriptions does a signal match, and why. Pure, no I/O, no clock.

``Router(subscriptions).match(signal) -> list[Match]``.

Why an index: with a thousand subscriptions, testing every filter of every subscription for
every signal is a thousand Python calls per signal. Instead each filter dimension (type,
modality, severity, actor, country, keyword) keeps, per value, a bit mask of the subscriptions
that accept it (subscriptions without that filter are in every value's mask). A signal's
candidates are the AND of one mask per dimension: a handful of big-integer operations whatever
the number of subscriptions. Keywords use one Aho-Corasick automaton over all subscriptions'
keywords (whole words, case-insensitive, in the evidence sentence and the article title).

Only the survivors get a :class:`Match` with the human reasons ("type MOBILIZE", "actor RUS").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import ahocorasick

from schemas.common import ALERT_WORTHY_GENRES, ALERT_WORTHY_MODALITIES, EventType, Genre, Modality
from schemas.signal import Signal
from schemas.subscription import Subscription
from service.alerts.subscriptions import SubscriptionSet


class Match:
    """A signal matched ``subscription``; ``matched`` says why, for the message and the dry run.

    The reasons are computed on first access: most matches join an existing group and never need
    them, and building strings for ~50 matches per signal would cost more than the routing.
    """

    __slots__ = ("_matched", "_router", "signal", "subscription")

    def __init__(self, subscription: Subscription, signal: Signal, router: Router) -> None:
        self.subscription = subscription
        self.signal = signal
        self._router = router
        self._matched: list[str] | None = None

    @property
    def matched(self) -> list[str]:
        if self._matched is None:
            self._matched = self._router.explain(self.subscription, self.signal)
        return self._matched

    def __repr__(self) -> str:
        return f"Match({self.subscription.name!r}, {self.matched!r})"


def signal_actor_codes(signal: Signal) -> set[str]:
    return {a.code.upper() for a in signal.actors.source} | {a.code.upper() for a in signal.actors.target}


def signal_country(signal: Signal) -> str | None:
    loc = signal.location
    return loc.country.upper() if loc is not None and loc.country else None


def keyword_text(signal: Signal) -> str:
    """The text keywords are searched in: evidence sentence and article title, lowercased."""
    return f"{signal.evidence.sentence}\n{signal.article.title}".lower()


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def find_keywords(automaton: ahocorasick.Automaton, text: str) -> set[str]:
    """Whole-word occurrences of the automaton's keywords in ``text`` (already lowercased)."""
    found: set[str] = set()
    n = len(text)
    for end, kw in automaton.iter(text):
        start = end - len(kw) + 1
        if start > 0 and _is_word_char(text[start - 1]) and _is_word_char(kw[0]):
            continue
        if end + 1 < n and _is_word_char(text[end + 1]) and _is_word_char(kw[-1]):
            continue
        found.add(kw)
    return found


def build_automaton(keywords: Iterable[str]) -> ahocorasick.Automaton | None:
    kws = sorted(set(keywords))
    if not kws:
        return None
    auto = ahocorasick.Automaton()
    for kw in kws:
        auto.add_word(kw, kw)
    auto.make_automaton()
    return auto


_BIT_POSITIONS: tuple[tuple[int, ...], ...] = tuple(
    tuple(b for b in range(8) if byte >> b & 1) for byte in range(256)
)


class Router:
    """Indexed subscription filters; :meth:`match` returns the matching subscriptions in file order."""

    def __init__(self, subscriptions: SubscriptionSet | Iterable[Subscription],
                 only: Callable[[Subscription], bool] | None = None) -> None:
        subs = subscriptions.subscriptions if isinstance(subscriptions, SubscriptionSet) else list(subscriptions)
        # By default the signal subscriptions: those with ``events`` get event alerts instead
        # (service.events.alerting routes events with ``only`` set).
        subs = [s for s in subs if (only(s) if only is not None else s.events is None)]
        self.subs: list[Subscription] = subs
        everyone = (1 << len(subs)) - 1
        self._everyone = everyone
        self._type: dict[str, int] = {t.value: 0 for t in EventType}
        self._modality: dict[str, int] = {m.value: 0 for m in Modality}
        self._genre: dict[str, int] = {g.value: 0 for g in Genre}
        self._severity: dict[int, int] = {s: 0 for s in range(1, 6)}
        self._actor: dict[str, int] = {}
        self._actor_any = 0  # subscriptions without an actor filter
        self._country: dict[str, int] = {}
        self._country_any = 0
        self._kw: dict[str, int] = {}
        self._kw_any = 0
        for i, sub in enumerate(subs):
            bit = 1 << i
            f = sub.filters
            for t in f.types or list(EventType):
                self._type[t.value] |= bit
            for m in f.modalities:
                self._modality[m.value] |= bit
            for g in f.genres:
                self._genre[g.value] |= bit
            for s in range(f.min_severity, 6):
                self._severity[s] |= bit
            if f.actors:
                for a in f.actors:
                    self._actor[a] = self._actor.get(a, 0) | bit
            else:
                self._actor_any |= bit
            if f.countries:
                for c in f.countries:
                    self._country[c] = self._country.get(c, 0) | bit
            else:
                self._country_any |= bit
            if f.keywords:
                for k in f.keywords:
                    self._kw[k] = self._kw.get(k, 0) | bit
            else:
                self._kw_any |= bit
        self._automaton = build_automaton(self._kw)
        self._nbytes = max(1, (len(subs) + 7) // 8)

    def __len__(self) -> int:
        return len(self.subs)

    def candidates(self, signal: Signal) -> int:
        """The bit mask of subscriptions whose filters all accept ``signal``."""
        mask = (
            self._type.get(signal.type.value, 0)
            & self._modality.get(signal.modality.value, 0)
            & self._severity.get(signal.severity, 0)
            & self._genre.get(signal.article.genre.value, 0)
        )
        if not mask:
            return 0
        if self._actor:
            am = self._actor_any
            for code in signal_actor_codes(signal):
                am |= self._actor.get(code, 0)
            mask &= am
            if not mask:
                return 0
        if self._country:
            country = signal_country(signal)
            mask &= self._country_any | (self._country.get(country, 0) if country else 0)
            if not mask:
                return 0
        if self._automaton is not None and mask & ~self._kw_any:
            km = self._kw_any
            for kw in find_keywords(self._automaton, keyword_text(signal)):
                km |= self._kw[kw]
            mask &= km
        return mask

    def match(self, signal: Signal) -> list[Match]:
        """Every subscription that wants ``signal``, in file order (reasons on demand)."""
        mask = self.candidates(signal)
        if not mask:
            return []
        # Walk the mask a byte at a time (small-int work) instead of peeling bits off a
        # 1,000-bit integer, which allocates a new big integer per step.
        subs = self.subs
        out: list[Match] = []
        for i, byte in enumerate(mask.to_bytes(self._nbytes, "little")):
            if byte:
                base = i << 3
                for off in _BIT_POSITIONS[byte]:
                    out.append(Match(subs[base + off], signal, self))
        return out

    def explain(self, sub: Subscription, signal: Signal) -> list[str]:
        """Why ``sub`` matched ``signal``: "subscription ops", "type MOBILIZE", "actor RUS"..."""
        f = sub.filters
        why = [f"subscription {sub.name}"]
        if f.types:
            why.append(f"type {signal.type.value}")
        if f.min_severity > 1:
            why.append(f"severity {signal.severity} >= {f.min_severity}")
        if f.actors:
            why.append("actor " + ", ".join(sorted(signal_actor_codes(signal) & set(f.actors))))
        if f.countries:
            why.append(f"country {signal_country(signal)}")
        if f.keywords:
            kws = find_keywords(self._automaton, keyword_text(signal)) if self._automaton else set()
            why.append("keyword " + ", ".join(repr(k) for k in sorted(kws & set(f.keywords))))
        if set(f.modalities) != ALERT_WORTHY_MODALITIES:
            why.append(f"modality {signal.modality.value}")
        if set(f.genres) != ALERT_WORTHY_GENRES:
            why.append(f"genre {signal.article.genre.value}")
        return why


def alert_id(*parts: str) -> str:
    """Deterministic alert id from its identifying parts (subscription, group, trigger...)."""
    return "al-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
