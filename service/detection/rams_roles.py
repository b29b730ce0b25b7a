"""Actor roles against the RAMS argument annotations: a second, larger role measure.

RAMS 1.0 (the ``rams`` real-news set) annotates, in each 5-sentence window, one event trigger with
its arguments: token spans labelled with a role of the AIDA ontology (``attacker``, ``target``,
``victim``, ``communicator``, ``recipient``, ``jailer``, ``detainee``, ``participant``, ...). The
annotators were RAMS's, not this project's. For every dev window whose event maps to a PLOVER type
(``ROLE_MAP``) and in whose trigger sentence the detector finds an event of that type, the gold
source-side and target-side spans are coded with the detector's own name finding
(``detector.names_in``: the gazetteer and the sector nouns, "Pakistani police" fused into one
actor) and scored with the overlap rule of the hand-annotated set (``role_eval.actor_matches``).

What does not count: a role the mapping leaves out (a sanction's target, a retreat's target, a
protest's target), a span outside the trigger's sentence, a span naming nothing the gazetteer
codes (pronouns, persons, "the company"), and roles such as ``place`` and ``instrument``. A window
counts only its roles that do count; an event counts for "both" when both of its roles count.

Pure functions score; the edges read the pinned dev file (``git show`` from a local copy, sha256
checked) or the cache written from it, outside git.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from schemas.article import Article
from schemas.signal import Signal
from service.detection import role_eval, vocabulary
from service.detection.lexicon import GazEntry
from service.detection.role_eval import (
    PUBLISHED_AT,
    RoleDataError,
    actor_matches,
    codes_of,
    detokenize,
)

SET_NAME = "rams-args"
REPOSITORY = "LWL-cpu/SCPRG-master"
COMMIT = "c420d22df66df436227ea223b389533ea7df7fc7"
DEV_PATH = "data/rams/dev.jsonlines"
DEV_SHA256 = role_eval.SOURCE_FILES[(REPOSITORY, COMMIT, DEV_PATH)]


@dataclass(frozen=True)
class RoleMap:
    """How one RAMS event type reads as a PLOVER event: the types a detected event may have, the
    RAMS roles of its source and of its target (empty: that side does not count), and whether the
    parties act together (source and target scored as one set of parties, order not scored)."""

    types: tuple[str, ...]
    source: frozenset[str]
    target: frozenset[str] = frozenset()
    joint: bool = False


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


# RAMS event type prefix -> role mapping; the first prefix that matches decides, None: not scored.
# The types follow the ``rams`` set's label mapping (scripts/eval_data.py); robbery and hijacking
# and broken agreements have no single PLOVER type there, so no roles here.
ROLE_MAP: tuple[tuple[str, RoleMap | None], ...] = (
    ("conflict.attack.stealrobhijack", None),
    ("conflict.attack.", RoleMap(("ASSAULT",), _roles("attacker"), _roles("target"))),
    ("life.die.deathcausedbyviolentevents", RoleMap(("ASSAULT",), _roles("killer"), _roles("victim"))),
    ("life.injure.injurycausedbyviolentevents", RoleMap(("ASSAULT",), _roles("injurer"), _roles("victim"))),
    ("conflict.demonstrate.", RoleMap(("PROTEST",), _roles("demonstrator"))),
    ("conflict.yield.", RoleMap(("RETREAT",), _roles("yielder", "retreater", "surrenderer"))),
    ("contact.threatencoerce.", RoleMap(("THREATEN", "COERCE"), _roles("communicator"), _roles("recipient"))),
    ("contact.negotiate.", RoleMap(("CONSULT",), _roles("participant"), joint=True)),
    ("contact.discussion.", RoleMap(("CONSULT",), _roles("participant"), joint=True)),
    ("contact.requestadvise.", RoleMap(("REQUEST",), _roles("communicator"), _roles("recipient"))),
    ("government.agreements.violateagreement", None),
    ("government.agreements.", RoleMap(("AGREE",), _roles("participant", "otherparticipant"), joint=True)),
    ("justice.arrestjaildetain.", RoleMap(("COERCE",), _roles("jailer"), _roles("detainee"))),
    # preventer: who imposes it; the sanctioned party is spread over giver, recipient and artifact
    # in the annotations, so a sanction's target does not count
    ("transaction.transaction.embargosanction", RoleMap(("SANCTION",), _roles("preventer"))),
    ("transaction.transfermoney.embargosanction", RoleMap(("SANCTION",), _roles("preventer"))),
    ("transaction.transferownership.embargosanction", RoleMap(("SANCTION",), _roles("preventer"))),
    ("transaction.transaction.giftgrantprovideaid", RoleMap(("AID",), _roles("giver"), _roles("recipient", "beneficiary"))),
    ("transaction.transfermoney.giftgrantprovideaid", RoleMap(("AID",), _roles("giver"), _roles("recipient", "beneficiary"))),
    ("transaction.transferownership.giftgrantprovideaid",
     RoleMap(("AID",), _roles("giver"), _roles("recipient", "beneficiary"))),
    # Types the ``rams`` set does not score but the role model's event map reads as PLOVER
    # (scripts/roles/rams_event_map.tsv): a death or injury told without its cause, destruction,
    # court acts, investigations, orders, kept from leaving or entering. They count only where
    # the detector finds an event of the type in the trigger's sentence.
    ("life.die.n/a", RoleMap(("ASSAULT",), _roles("killer"), _roles("victim"))),
    ("life.injure.n/a", RoleMap(("ASSAULT",), _roles("injurer"), _roles("victim"))),
    ("artifactexistence.damagedestroy", RoleMap(("ASSAULT",), _roles("damagerdestroyer", "damager", "destroyer"))),
    ("justice.judicialconsequences", RoleMap(("COERCE",), _roles("judgecourt", "executioner", "extraditer"),
                                             _roles("defendant"))),
    ("justice.initiatejudicialprocess", RoleMap(("ACCUSE",), _roles("prosecutor", "judgecourt"), _roles("defendant"))),
    ("justice.investigate", RoleMap(("ACCUSE",), _roles("investigator"), _roles("defendant"))),
    ("contact.commandorder", RoleMap(("REQUEST",), _roles("communicator"), _roles("recipient"))),
    ("movement.transportperson.preventexit", RoleMap(("COERCE",), _roles("preventer"), _roles("passenger"))),
    ("movement.transportperson.prevententry", RoleMap(("COERCE",), _roles("preventer"), _roles("passenger"))),
    # WikiEvents (KAIROS ontology; roles lowercased), types as the ``wikievents`` set maps them; a
    # death or injury counts where the detector finds an attack, a meeting with a request is not scored.
    ("Conflict.Attack.", RoleMap(("ASSAULT",), _roles("attacker"), _roles("target"))),
    ("Conflict.Demonstrate.", RoleMap(("PROTEST",), _roles("demonstrator"), _roles("target"))),
    ("Contact.ThreatenCoerce.", RoleMap(("THREATEN", "COERCE"), _roles("communicator"), _roles("recipient"))),
    ("Justice.ArrestJailDetain.", RoleMap(("COERCE",), _roles("jailer"), _roles("detainee"))),
    ("Contact.Contact.Meet", RoleMap(("CONSULT",), _roles("participant"), joint=True)),
    ("Contact.RequestCommand.Meet", None),
    ("Contact.RequestCommand.", RoleMap(("REQUEST", "COERCE"), _roles("communicator"), _roles("recipient"))),
    ("Life.Die.", RoleMap(("ASSAULT",), _roles("killer"), _roles("victim"))),
    ("Life.Injure.", RoleMap(("ASSAULT",), _roles("injurer"), _roles("victim"))),
)

# The detector's sectors in the notation of the hand-annotated set (``STATE:SECTOR``): every
# non-state armed sector is REB, CAMEO's police COP is POL.
_GOLD_SECTOR = {"REB": "REB", "INS": "REB", "UAF": "REB", "COP": "POL", "MIL": "MIL", "GOV": "GOV",
                "CVL": "CVL", "OPP": "OPP"}
_TOWNS = frozenset({"city", "region"})


def role_map(label: str) -> RoleMap | None:
    return next((m for prefix, m in ROLE_MAP if label.startswith(prefix)), None)


def role_name(link_role: str) -> str:
    """``evt089arg01victim`` -> ``victim``."""
    return link_role[11:] if link_role.startswith("evt") and link_role[3:6].isdigit() else link_role


def half_of(doc_key: str, set_name: str = "rams") -> str:
    """The dev half of a document, as the real-news set's item id ``<set>:<doc_key>`` falls."""
    return "AB"[hashlib.sha1(f"{set_name}:{doc_key}".encode()).digest()[0] % 2]


# ------------------------------------------------------------------------------------ the windows

@dataclass(frozen=True)
class Argument:
    role: str
    start: int  # character offsets in the window text
    end: int
    text: str


@dataclass(frozen=True)
class Window:
    """One RAMS window as text: its sentences joined by one space, the trigger sentence's span,
    the trigger's offsets and label, and the arguments."""

    doc_key: str
    text: str
    sentence: tuple[int, int]
    trigger: tuple[int, int]
    label: str
    arguments: tuple[Argument, ...]
    sentence_sha256: tuple[str, ...] = ()  # of each sentence's text, as the hand-annotated set hashes it
    set_name: str = "rams"  # the real-news set whose document it is ("rams", "wikievents")


def _token_offsets(sentences: Sequence[Sequence[str]]) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """The window text (``detokenize`` per sentence, joined by a space), each sentence's span and
    each token's span (its end is where the text of the sentence up to it ends)."""
    parts: list[str] = []
    sent_spans: list[tuple[int, int]] = []
    tokens: list[tuple[int, int]] = []
    pos = 0
    for sentence in sentences:
        text = detokenize(sentence)
        for i, tok in enumerate(sentence):
            end = pos + len(detokenize(sentence[: i + 1]))
            tokens.append((max(pos, end - len(tok)), end))
        sent_spans.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text) + 1
    return " ".join(parts), sent_spans, tokens


def window_of(doc: dict) -> Window:
    """The ``Window`` of one RAMS dev line."""
    text, sent_spans, tokens = _token_offsets(doc["sentences"])
    t0, t1, types = doc["evt_triggers"][0]
    start, end = tokens[t0][0], tokens[t1][1]
    sentence = next(s for s in sent_spans if s[0] <= start < s[1] + 1)
    args = tuple(
        Argument(role_name(role), tokens[a0][0], tokens[a1][1], text[tokens[a0][0]:tokens[a1][1]])
        for _trig, (a0, a1), role in doc["gold_evt_links"]
    )
    hashes = tuple(role_eval.sha256_text(detokenize(s)) for s in doc["sentences"])
    return Window(doc["doc_key"], text, sentence, (start, end), types[0][0], args, hashes)


def wikievents_windows(doc: dict) -> list[Window]:
    """One ``Window`` per event mention of a WikiEvents document: the text is its sentences
    joined by a space, as the ``wikievents`` set builds it; arguments are entity mentions."""
    parts: list[str] = []
    tokens: list[tuple[int, int]] = []
    sent_spans: list[tuple[int, int]] = []
    pos = 0
    for sent_tokens, sent_text in doc["sentences"]:
        text = sent_text.strip()
        base = sent_tokens[0][1] if sent_tokens else 0
        tokens += [(pos + a - base, pos + b - base) for _tok, a, b in sent_tokens]
        sent_spans.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text) + 1
    text = " ".join(parts)
    entities = {e["id"]: e for e in doc["entity_mentions"]}
    out = []
    for ev in doc["event_mentions"]:
        trig = ev["trigger"]
        args = tuple(
            Argument(a["role"].lower(), tokens[e["start"]][0], tokens[e["end"] - 1][1], text[tokens[e["start"]][0]:tokens[e["end"] - 1][1]])
            for a in ev["arguments"] if (e := entities.get(a["entity_id"])) is not None
        )
        out.append(Window(doc["doc_id"], text, sent_spans[trig["sent_idx"]],
                          (tokens[trig["start"]][0], tokens[trig["end"] - 1][1]), ev["event_type"], args,
                          set_name="wikievents"))
    return out


def load_wikievents(raw: bytes) -> list[Window]:
    return [w for line in raw.decode("utf-8").splitlines() if line.strip() for w in wikievents_windows(json.loads(line))]


def load_windows(raw: bytes) -> list[Window]:
    return [window_of(json.loads(line)) for line in raw.decode("utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class Source:
    """A pinned dev file of argument annotations and how to read it into windows."""

    repository: str
    commit: str
    path: str
    sha256: str
    windows: Callable[[bytes], list[Window]]

    @property
    def cache_name(self) -> str:
        return f"{self.repository.replace('/', '+')}-{Path(self.path).name}"


SOURCES: dict[str, Source] = {
    "rams-args": Source(REPOSITORY, COMMIT, DEV_PATH, DEV_SHA256, load_windows),
    # the same pin as the ``wikievents`` set of the real-news data (tests/data/realnews/sources.yaml)
    "wikievents-args": Source("raspberryice/gen-arg", "16d8f908ecf6a9ff5d50042597ac6139157c3edb",
                              "data/wikievents/dev.jsonl",
                              "74a6cbef44c44f1add6882e54f0a966f0f1a35cc260f3079de1fe4312eabe285", load_wikievents),
}


def cache_dir() -> Path:
    return role_eval.cache_file().parent


def read_dev(source: Source, git_dir: Path | None, cache: Path | None = None) -> bytes:
    """A pinned dev file: from ``git_dir`` (then cached), else from the cache; checked by sha256."""
    cache = cache or cache_dir() / source.cache_name
    if git_dir is not None:
        raw = role_eval.pinned_git_file(git_dir, source.commit, source.path, source.sha256)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(raw)
        return raw
    if not cache.exists():
        raise RoleDataError(f"no copy of {source.path} at {cache}: build it with --git-dir <copy of {source.repository}>")
    raw = cache.read_bytes()
    if hashlib.sha256(raw).hexdigest() != source.sha256:
        raise RoleDataError(f"{cache}: not the pinned {source.path} (sha256 differs); rebuild it with --git-dir")
    return raw


# ---------------------------------------------------------------------------------- gold actors

Names = list[tuple[int, int, GazEntry]]


# Kinds of names that stand for one state ("Turkish Prime Minister said that 2,839 soldiers ...").
_STATE_NAME_KINDS = frozenset({"demonym", "leader", "metonym", "state", "capital"})


def sentence_country(names: Names) -> str:
    """The state of a generic actor the text ties to none, as the detector places it: the country
    of the sentence's first town, else its first state, else the one state its names stand for
    ("" when none or several)."""
    state = ""
    for _s, _e, g in names:
        if g.is_place:
            if g.kind in _TOWNS and g.country:
                return g.country
            state = state or (g.code if g.kind == "state" else "")
    if state:
        return state
    states = {g.country or g.code for _s, _e, g in names if g.sector is None and g.kind in _STATE_NAME_KINDS}
    return states.pop() if len(states) == 1 else ""


def gold_actor(g: GazEntry, country: str) -> str:
    """A gazetteer name as a gold actor of the hand-annotated set's notation: a code (a town is
    its country, as the detector codes it), or ``STATE:SECTOR`` for a generic actor."""
    if g.sector is None:
        return (g.country or g.code) if g.kind in _TOWNS else g.code
    owner = g.code if g.code != g.sector else country
    return f"{owner}:{_GOLD_SECTOR.get(g.sector, g.sector)}"


# Nouns for the people an attack or an arrest takes, coded as the detector codes victims and
# detainees ("killed 49 people": civilians of the place's state); "those" is left out (mostly
# "those responsible").
PEOPLE_SECTORS: dict[str, str] = {
    k: v for k, v in (*vocabulary.labels("victim_sectors").items(), *vocabulary.labels("detainee_sectors").items())
    if k != "those"
}


def code_span(start: int, end: int, names: Names, country: str, text: str = "") -> str | None:
    """The gold actor of one argument span: its actor names (``A/B`` when it names several), else
    the places in it, else (with ``text``) a noun for people as its last word; None when it
    names nothing the detector codes."""
    inside = [g for s, e, g in names if s < end and start < e]
    actors = [g for g in inside if g.is_actor and not g.is_place]
    chosen = actors or [g for g in inside if g.is_place or g.kind == "capital"]
    # "the U.S. 9th Army": a state named inside the span owns its generic actor, as the detector
    # fuses "Pakistani police"; the sentence's state only when the span names none
    owner = next((g.code for g in inside if g.is_place and g.kind == "state"), country) if actors else country
    alts = list(dict.fromkeys(gold_actor(g, owner) for g in chosen))
    if not alts and text:
        words = text[start:end].lower().split()
        sector = PEOPLE_SECTORS.get(words[-1]) if words else None
        if sector:
            alts = [f"{country}:{_GOLD_SECTOR.get(sector, sector)}"]
    return "/".join(alts) if alts else None


# -------------------------------------------------------------------------------------- scoring

@dataclass(frozen=True)
class GoldRoles:
    source: tuple[str, ...]
    target: tuple[str, ...]
    joint: bool


def gold_roles(window: Window, mapping: RoleMap, names: Names) -> GoldRoles:
    """The coded gold actors of the mapped roles whose spans lie in the trigger's sentence."""
    country = sentence_country(names)
    lo, hi = window.sentence

    def side(roles: frozenset[str]) -> tuple[str, ...]:
        coded = (code_span(a.start, a.end, names, country, window.text) for a in window.arguments
                 if a.role in roles and lo <= a.start and a.end <= hi)
        return tuple(dict.fromkeys(c for c in coded if c))

    return GoldRoles(side(mapping.source), side(mapping.target), mapping.joint)


def pick_signal(window: Window, mapping: RoleMap, signals: Sequence[Signal]) -> Signal | None:
    """The detected event of a mapped type with a mention (its evidence or a related one: one
    event told twice in an article is one signal) in the trigger's sentence: the one whose mention
    overlaps RAMS's trigger, else the nearest."""
    lo, hi = window.sentence
    t0, t1 = window.trigger
    best: tuple[int, Signal] | None = None
    for s in signals:
        if s.type.value not in mapping.types:
            continue
        for ev in (s.evidence, *s.related_evidence):
            if ev.field == "body" and lo <= ev.trigger_start < hi:
                gap = max(0, ev.trigger_start - t1, t0 - ev.trigger_end)
                if best is None or gap < best[0]:
                    best = (gap, s)
    return best[1] if best is not None else None


@dataclass(frozen=True)
class Outcome:
    """One scored window: None for a role that does not count."""

    source: bool | None
    target: bool | None


def score(gold: GoldRoles, signal: Signal) -> Outcome:
    src, tgt = codes_of(signal.actors.source), codes_of(signal.actors.target)
    if gold.joint:
        parties = (*gold.source, *gold.target)
        if len(parties) < 2:  # one party named in the sentence: whether it is named at all
            right = bool(parties) and actor_matches(parties[0], src | tgt)
            return Outcome(right if parties else None, None)
        right = all(actor_matches(p, src | tgt) for p in parties)
        return Outcome(right, right)
    return Outcome(
        any(actor_matches(a, src) for a in gold.source) if gold.source else None,
        any(actor_matches(a, tgt) for a in gold.target) if gold.target else None,
    )


# ------------------------------------------------------------------------------------ reporting

@dataclass
class Tally:
    windows: int = 0  # windows of a mapped type
    found: int = 0  # ... where the detector finds an event of that type in the trigger's sentence
    scored: int = 0  # ... with at least one role that counts
    source: int = 0
    source_right: int = 0
    target: int = 0
    target_right: int = 0
    both: int = 0
    both_right: int = 0

    def add(self, outcome: Outcome | None, found: bool) -> None:
        self.windows += 1
        self.found += found
        if outcome is None or (outcome.source is None and outcome.target is None):
            return
        self.scored += 1
        if outcome.source is not None:
            self.source += 1
            self.source_right += outcome.source
        if outcome.target is not None:
            self.target += 1
            self.target_right += outcome.target
        if outcome.source is not None and outcome.target is not None:
            self.both += 1
            self.both_right += outcome.source and outcome.target


@dataclass
class Report:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    error_counts: Counter = field(default_factory=Counter)
    left_out: int = 0  # windows holding a test sentence of the hand-annotated set
    overlap: int = 0  # windows holding a dev sentence of it
    repeated: int = 0  # windows whose trigger, in the same sentence, another window has


def _record_errors(report: Report, window: Window, half: str, gold: GoldRoles, sig: Signal,
                   outcome: Outcome, places: role_eval.Places) -> None:
    wrong: list[tuple[str, tuple[str, ...], list, tuple[str, ...]]] = []
    if gold.joint and outcome.source is False:
        wrong.append(("parties", (*gold.source, *gold.target), [*sig.actors.source, *sig.actors.target], ()))
    elif not gold.joint:
        if outcome.source is False:
            wrong.append(("source", gold.source, list(sig.actors.source), gold.target))
        if outcome.target is False:
            wrong.append(("target", gold.target, list(sig.actors.target), gold.source))
    lo, hi = window.sentence
    got = f"{','.join(sorted(codes_of(sig.actors.source))) or '-'}>{','.join(sorted(codes_of(sig.actors.target))) or '-'}"
    named = "; ".join(f"{a.code}={a.text!r}" for a in (*sig.actors.source, *sig.actors.target))
    for role, gold_role, actors, other in wrong:
        kind = role_eval.classify(gold_role, actors, other, places, parties=role == "parties")
        report.error_counts[(half, kind)] += 1
        report.error_counts[(role, kind)] += 1
        report.errors[kind].append(
            f"[{half}] {window.doc_key[:24]} {sig.type.value} {role} ({window.label}, trigger "
            f"{window.text[window.trigger[0]:window.trigger[1]]!r}): gold "
            f"{','.join(gold.source) or '-'}>{','.join(gold.target) or '-'}, detector {got} ({named})\n"
            f"      {window.text[lo:hi]}"
        )


Detect = Callable[[Article], list[Signal]]
NamesIn = Callable[[str, int, int], Names]


def held_out(items: Iterable[role_eval.RoleItem]) -> tuple[frozenset[str], frozenset[str]]:
    """The sha256 of the hand-annotated set's test sentences and of its dev sentences: windows
    holding a test sentence are left out (that set's test is read once, not studied), windows
    holding a dev sentence are counted as overlapping it."""
    items = list(items)
    return (frozenset(i.sha256 for i in items if i.split == "test"),
            frozenset(i.sha256 for i in items if i.split == "dev"))


def evaluate(windows: Iterable[Window], detect: Detect, names_in: NamesIn,
             held: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())) -> Report:
    """Score the roles of every mapped window, per half (``A``, ``B``) and in all (``dev``),
    leaving out the windows that hold a test sentence of the hand-annotated set (``held_out``) and
    counting a trigger that several windows repeat (same sentence) once."""
    report = Report()
    places = role_eval.load_places()
    test_hashes, dev_hashes = held
    detected: dict[str, list[Signal]] = {}
    seen: set[tuple[str, int]] = set()
    for window in windows:
        mapping = role_map(window.label)
        if mapping is None:
            continue
        if test_hashes.intersection(window.sentence_sha256):
            report.left_out += 1
            continue
        lo, hi = window.sentence
        key = (window.text[lo:hi], window.trigger[0] - lo)
        if key in seen:  # RAMS cuts several windows from one article: one event on one trigger counts once
            report.repeated += 1
            continue
        seen.add(key)
        report.overlap += bool(dev_hashes.intersection(window.sentence_sha256))
        half = half_of(window.doc_key, window.set_name)
        if window.text not in detected:  # a WikiEvents document holds many events
            detected.clear()
            detected[window.text] = detect(Article(id=f"{window.set_name}:{window.doc_key}", body=window.text,
                                                   published_at=PUBLISHED_AT))
        signals = detected[window.text]
        sig = pick_signal(window, mapping, signals)
        outcome = None
        if sig is not None:
            gold = gold_roles(window, mapping, names_in(window.text, *window.sentence))
            outcome = score(gold, sig)
            if outcome.source is False or outcome.target is False:
                _record_errors(report, window, half, gold, sig, outcome, places)
        for key in (half, "dev"):
            report.tallies[key].add(outcome, sig is not None)
        report.by_type[mapping.types[0]].add(outcome, sig is not None)
    return report


def _share(n: int, d: int) -> str:
    return f"{n:4}/{d:<4} {n / d if d else 0.0:.3f}"


def format_report(report: Report, *, examples: int = 3, half: str | None = None) -> str:
    lines = [f"left out: {report.left_out} windows holding a test sentence of the hand-annotated set; "
             f"{report.overlap} scored windows hold one of its dev sentences; {report.repeated} repeated "
             "triggers (same sentence, another window) counted once",
             "half  windows  found  scored   source right      target right      both right"]
    for key in ("A", "B", "dev"):
        t = report.tallies[key]
        lines.append(f"{key:4} {t.windows:8} {t.found:6} {t.scored:7}   {_share(t.source_right, t.source)}   "
                     f"{_share(t.target_right, t.target)}   {_share(t.both_right, t.both)}")
    lines += ["", "per type (dev): found/windows, source right, target right, both right"]
    for typ, t in sorted(report.by_type.items(), key=lambda kv: -kv[1].found):
        lines.append(f"  {typ:9} {t.found:4}/{t.windows:<4} {_share(t.source_right, t.source)}   "
                     f"{_share(t.target_right, t.target)}   {_share(t.both_right, t.both)}")
    lines += ["", "wrong roles by class (A / B; source / target / parties):"]
    c = report.error_counts
    for kind, rows in sorted(report.errors.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {kind}: {len(rows)} ({c[('A', kind)]} / {c[('B', kind)]}; "
                     f"{c[('source', kind)]} / {c[('target', kind)]} / {c[('parties', kind)]})")
        shown = [r for r in rows if half is None or r.startswith(f"[{half}]")]
        lines += [f"    {row}" for row in shown[:examples]]
    return "\n".join(lines)
