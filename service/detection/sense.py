"""The learned sense model: a small linear classifier over a sentence's words that second-guesses
the rules (pure Python, deterministic, no download; the weights ship in ``data/``).

It does two things to the rule detector's output (``refine``):

- **veto**: an alert-worthy escalation signal (MOBILIZE, THREATEN, SANCTION, ASSAULT, COERCE,
  asserted or scheduled) whose evidence sentence the model reads as not a political event at all
  (a sport, business, tech or culture sense, or no event) is dropped;
- **recall**: a sentence where the rules found no signal of a type, but the model is confident of
  that PLOVER type, gets an asserted signal with ``detector="model:<name>@<version>"``. Its
  evidence is the sentence and the model's strongest cue word in it (so it always names a
  trigger); actors and place come from the rules' own scan of that sentence (the gazetteer);
  a sentence holding any of the rules' negation, denial, speculation or future cue words gets
  none (the model does not judge modality); a question gets a speculative signal, a sentence
  with a historical cue, dated by another year than the publication's or about a trial (for an
  attack or a deployment) a historical one (counted as found, raising no alert).

The model is trained by ``scripts/train_sense.py`` (see ``data/sense_model.md``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from schemas.article import Article
from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from schemas.signal import Actor, Actors, Evidence, Location, Signal
from service.detection import vocabulary
from service.detection.lexicon import load_lexicon, lower_forms
from service.detection.model import Context, article_ref
from service.detection.roles import speaker_not_doer, to_actor
from service.detection.scoring import severity_for
from service.detection.temporal import (
    JUDGED_TYPES,
    REQUESTED_TYPES,
    asked_to,
    clause_year_cue,
    court_story,
    habitual,
    history_cues_in,
    is_question,
    prescribed,
    remembered,
    requested,
    standing_or_stance,
)
from service.detection.text import SentenceIndex, Span, is_abbreviation

Scan = Callable[[str, str, Span], Context]  # the rules' context scan of one sentence
Probs = Callable[[str], list[float]]  # a sentence's class probabilities
# Whether the rules read a head word in another sense there (word, type, context, start, end).
Blocked = Callable[[str, EventType, Context, int, int], bool]

MODEL_FILE = Path(__file__).resolve().parent / "data" / "sense_model.json.gz"
ESCALATION = frozenset({EventType.MOBILIZE, EventType.THREATEN, EventType.SANCTION, EventType.ASSAULT,
                        EventType.COERCE})
OFF_CLASSES = ("NONE", "DESK")  # no event in news; a non-political desk's sentence
LEAD_CHARS = 300  # the article's cue words: its title and the first characters of its body
# A "sentence" longer than this is a splitting failure (lower-case text, lists): the model reads
# the stretch between the full stops around the cue instead.
LONG_SENTENCE = 400
OPENER_MARGIN = 0.2  # a cue word's lead over the other classes for it to open a sentence (every cue)
MIN_WORDS = 6  # a shorter "sentence" (a heading, a caption) gets no model signal
_STOP = re.compile(r"[.!?]\s+|\n")
_HEADING = re.compile(r"\s*=+[^=\n]{0,80}=+\s*")  # a wiki section heading opening a sentence
_HEADING_ANY = re.compile(r"==[^=\n]{0,80}==")  # ... anywhere: its words are no trigger
# The rules' cue classes (data/cues.yaml) that make a sentence not a plain assertion of fact.
_MODAL_CUES = ("denial", "negation", "denial_after", "speculative", "speculative_weak", "future",
               "speculative_after", "commitment")
_NONSTATE_MEASURE_CLASSES = vocabulary.words("nonstate_measure_classes")
_WAR_CLASSES = ("military_units", "projectiles", "strikers")  # data/classes.yaml
# Armed actors named by a sector noun (data/sectors.tsv) count as war words too ("unknown men
# abducted eight of their members"), save the nouns that name whoever attacked, in a brawl or a
# match as much as in a war.
_ARMED_SECTORS = frozenset({"REB", "INS", "UAF", "MIL"})
_DOER_NOUNS = frozenset({"attacker", "attackers", "assailant", "assailants"})
# Types by which the rules read a word as a step back or a deal ("the lifting of sanctions" is
# CONCEDE): the model adds no escalation signal on a word the rules read so.
_STEP_BACK = frozenset({EventType.CONCEDE, EventType.RETREAT, EventType.AGREE, EventType.AID,
                        EventType.COOPERATE, EventType.SUPPORT})
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:'[a-z]+)?|[0-9]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def sentence_features(sentence: str) -> list[str]:
    """The sentence's word unigrams and bigrams, each once."""
    toks = tokens(sentence)
    feats = {"u:" + t for t in toks}
    feats.update("b:" + a + "_" + b for a, b in zip(toks, toks[1:], strict=False))
    return sorted(feats)


def lead_features(title: str, body: str) -> list[str]:
    """The article's cue words (its title and lead), each once: what desk it reads as."""
    return sorted({"d:" + t for t in tokens(f"{title} {body[:LEAD_CHARS]}")})


class SenseModel:
    """The shipped weights: a multinomial logistic regression over hashed-free named features."""

    def __init__(self, raw: dict) -> None:
        self.name: str = raw["name"]
        self.version: str = raw["version"]
        self.classes: list[str] = raw["classes"]
        self.bias: list[float] = raw["bias"]
        self.weights: dict[str, Sequence[float]] = {f: tuple(row) for f, row in raw["weights"].items()}
        self.veto_threshold: float = raw["veto_threshold"]
        self.war_veto_threshold: float = raw.get("war_veto_threshold", 1.01)
        self.recall_thresholds: dict[str, float] = raw["recall_thresholds"]
        self.cues: dict[str, dict[str, float]] = raw["cues"]  # type -> cue word -> weight
        self.intensity: dict[str, float] = raw["intensity"]
        self.provenance: dict = raw.get("provenance", {})
        self.metrics: dict = raw.get("metrics", {})
        # The classes whose probability, summed, is the veto score.
        self.veto_classes: list[str] = raw.get("veto_classes", list(OFF_CLASSES))
        self.off = [self.classes.index(c) for c in self.veto_classes if c in self.classes]
        # The cue words that open a sentence for scoring (every stored cue: the training command
        # keeps only those leading the other classes by more than OPENER_MARGIN).
        self.cue_words = frozenset(w for ws in self.cues.values() for w, m in ws.items() if m >= OPENER_MARGIN)
        self.cue_types: dict[str, set[str]] = {}  # cue word -> the types it is a cue of
        for typ, ws in sorted(self.cues.items()):
            for w in ws:
                self.cue_types.setdefault(w, set()).add(typ)

    @property
    def detector(self) -> str:
        return f"model:{self.name}@{self.version}"

    def scores(self, feats: Iterable[str], base: list[float] | None = None) -> list[float]:
        """Class probabilities (softmax) of a feature set, ``base`` being bias plus article cues."""
        z = self.logits(feats, base if base is not None else self.bias)
        top = max(z)
        e = [math.exp(v - top) for v in z]
        s = sum(e)
        return [v / s for v in e]

    def logits(self, feats: Iterable[str], start: list[float]) -> list[float]:
        """``start`` plus the weight rows of the features present (column sums, in C)."""
        rows = [r for r in map(self.weights.get, feats) if r is not None]
        return list(map(sum, zip(start, *rows, strict=True))) if rows else list(start)

    def base(self, title: str, body: str) -> list[float]:
        """The bias plus the article's lead words: what every sentence of it starts from."""
        return self.logits(lead_features(title, body), self.bias)

    def off_score(self, probs: list[float]) -> float:
        return sum(probs[i] for i in self.off)


def read_model(path: Path = MODEL_FILE) -> SenseModel:
    # The weights are rounded to four decimals: a few thousand distinct values in some 300,000
    # cells. One float object per distinct value (and tuples for the rows) keeps the model at a
    # third of the memory a list of fresh floats per row takes, in every detection process.
    floats: dict[str, float] = {}

    def shared(text: str) -> float:
        value = floats.get(text)
        if value is None:
            value = floats[text] = float(text)
        return value

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return SenseModel(json.load(fh, parse_float=shared))


@lru_cache(maxsize=1)
def load_model() -> SenseModel | None:
    """The shipped model, or None when the file is absent (the rules then run alone)."""
    return read_model() if MODEL_FILE.is_file() else None


def refine(article: Article, signals: list[Signal], *, scan: Scan, version: str, model: SenseModel | None = None,
           veto: bool = True, recall: bool = True, blocked: Blocked | None = None) -> list[Signal]:
    """The rule detector's ``signals`` for ``article`` with the model's vetoes and additions.
    ``scan(text, boundary_lower, sentence)`` is the rules' context scan of a sentence (names and
    cue words); ``version`` the detector version the added signals carry; ``blocked`` whether the
    rules read a head word in another sense there (``detector.head_blocked``): the model adds no
    escalation signal on such a word."""
    model = model or load_model()
    if model is None:
        return signals
    cache: dict[str, list[float]] = {}
    base: list[float] | None = None

    def probs(sentence: str) -> list[float]:
        nonlocal base
        if base is None:
            base = model.base(article.title, article.body)
        got = cache.get(sentence)
        if got is None:
            got = cache[sentence] = model.scores(sentence_features(sentence), base)
        return got

    out = signals
    if veto:
        kept = [_vetted(model, article, s, probs, scan) for s in signals]
        story = _attack_story([k for k in kept if k is not None])
        out = [k if k is not None else s for s, k in zip(signals, kept, strict=True)
               if k is not None or (story and _held_over_attack(s))]
    if recall and model.cue_words:
        out = out + _recalled(model, article, out, probs, scan, version, blocked)
    return out


def _attack_story(signals: list[Signal]) -> bool:
    """Whether the article reports an attack the model lets stand (an asserted ASSAULT)."""
    return any(s.type == EventType.ASSAULT and s.modality == Modality.ASSERTED for s in signals)


def _held_over_attack(sig: Signal) -> bool:
    """A detention in an attack story ("a police spokesman said a number of people had been
    detained" after a bombing): an arrest over the attack, political whatever the model reads
    in its sentence alone."""
    return sig.type == EventType.COERCE and sig.mode == "detention"


def _vetted(model: SenseModel, article: Article, sig: Signal, probs: Probs, scan: Scan) -> Signal | None:
    """``sig`` as the model lets it stand: None when it vetoes (``_vetoed``) the sentence of an
    alert-worthy escalation signal and of every later mention merged into it; when it vetoes only
    the first, the first mention it does not veto becomes the evidence and the vetoed one is
    dropped ("were given an ultimatum by their bosses", then "the government is pressuring public
    employees to vote": the signal stands on the second)."""
    if sig.type not in ESCALATION or sig.modality not in ALERT_WORTHY_MODALITIES:
        return sig
    if not _vetoed(model, article, sig.evidence, probs, scan):
        return sig
    related = sig.related_evidence
    for i in range(len(related)):
        if not _vetoed(model, article, related[i], probs, scan):
            return sig.model_copy(update={"evidence": related[i], "related_evidence": related[:i] + related[i + 1:]})
    return None


def _vetoed(model: SenseModel, article: Article, ev: Evidence, probs: Probs, scan: Scan) -> bool:
    """Whether the model reads the sentence of ``ev`` as no political event (``veto_threshold``),
    and the sentence names no weapon, military unit or armed group (the rules' war words: "the
    match was halted when Russian missiles struck Kharkiv" in a sports report stays an attack)
    unless the model is surer still (``war_veto_threshold``)."""
    off = model.off_score(probs(ev.sentence))
    if off < model.veto_threshold:
        return False
    if off >= model.war_veto_threshold:  # sure enough to overrule the war words too
        return True
    text = article.title if ev.field == "title" else article.body
    ctx = scan(text, lower_forms(text)[1], Span(ev.start, ev.end))
    return not (any(name in ctx.classes for name in _WAR_CLASSES)
                or any(g.kind in {"group", "igo"} and g.sector is None for _, _, g in ctx.gaz)
                or any(g.armed and g.sector in _ARMED_SECTORS and g.surface not in _DOER_NOUNS for _, _, g in ctx.gaz))


def _recalled(model: SenseModel, article: Article, signals: list[Signal], probs: Probs, scan: Scan,
              version: str, blocked: Blocked | None = None) -> list[Signal]:
    covered: set[tuple[str, int, str]] = set()  # (field, trigger start, type) the rules hold
    steps_back: list[tuple[str, int, int]] = []  # (field, trigger start, end) read as a step back
    for s in signals:
        for ev in (s.evidence, *s.related_evidence):
            covered.add((ev.field, ev.trigger_start, s.type.value))
            if s.type in _STEP_BACK:
                steps_back.append((ev.field, ev.trigger_start, ev.trigger_end))
    out: list[Signal] = []
    for field_name, text in (("title", article.title), ("body", article.body)):
        if not text:
            continue
        lower, blower = lower_forms(text)  # both as long as text: offsets stay exact
        present = model.cue_words.intersection(blower.split())  # C-level: most texts end here
        if not present:
            continue
        hits = _positions(blower, present)
        index = SentenceIndex(text, lower) if field_name == "body" else None
        seen: set[int] = set()
        for pos, _end, _word in hits:
            sent = index.sentence_at(pos) if index is not None else Span(0, len(text))
            if sent.end - sent.start > LONG_SENTENCE:
                sent = _narrowed(text, lower, sent, pos)
            heading = _HEADING.match(lower, sent.start, sent.end)  # "==Attack== A suicide bomber ..."
            if heading is not None:
                sent = Span(heading.end(), sent.end)
            if sent.start in seen or sent.end <= sent.start:
                continue
            seen.add(sent.start)
            sig = _model_signal(model, article, field_name, (text, lower, blower), sent, hits, covered, probs, scan,
                                version, blocked)
            if sig is not None and sig.type in ESCALATION and _inside(sig.evidence, steps_back):
                continue
            if sig is not None:
                out.append(sig)
    return out


def _positions(blower: str, words: frozenset[str] | set[str]) -> list[tuple[int, int, str]]:
    """Where each of ``words`` stands as a whole word, as text offsets, in text order. ``blower``
    is the boundary form (``lower_forms``): every character but letters and digits a space, and
    one space before and after the text."""
    out: list[tuple[int, int, str]] = []
    for w in words:
        key = f" {w} "
        i = blower.find(key)
        while i >= 0:
            out.append((i, i + len(w), w))  # i + 1 in the padded form is i in the text
            i = blower.find(key, i + len(w))
    out.sort()
    return out


def _narrowed(text: str, lower: str, sent: Span, pos: int) -> Span:
    """The part of ``sent`` between the last full stop before ``pos`` and the first after it; the
    period of an abbreviation or an initial is no full stop ("violated a U.S. trade embargo")."""
    start = sent.start
    for m in _STOP.finditer(lower, sent.start, pos):
        if not _abbreviated(text, m.start()):
            start = m.end()
    end = sent.end
    for m2 in _STOP.finditer(lower, pos, sent.end):
        if not _abbreviated(text, m2.start()):
            end = m2.start() + 1
            break
    return Span(start, min(end, sent.end))


def _abbreviated(text: str, stop: int) -> bool:
    return text[stop] == "." and is_abbreviation(text, stop)


def _best_type(model: SenseModel, p: list[float]) -> tuple[str, float] | None:
    best: tuple[str, float] | None = None
    for i, c in enumerate(model.classes):
        th = model.recall_thresholds.get(c)
        if th is not None and p[i] >= th and (best is None or p[i] > best[1]):
            best = (c, p[i])
    return best


def _model_signal(model: SenseModel, article: Article, field_name: str, forms: tuple[str, str, str], sent: Span,
                  hits: list[tuple[int, int, str]], covered: set[tuple[str, int, str]], probs: Probs, scan: Scan,
                  version: str, blocked: Blocked | None = None) -> Signal | None:
    text, lower, blower = forms
    start, end = sent.start, sent.end
    sentence = text[start:end]
    if len(sentence.split()) < MIN_WORDS:
        return None
    # A signal needs a cue of its type in the sentence as its trigger: where the rules hold every
    # type the sentence's cues can give, there is nothing to add and nothing to score.
    held = _held_types(field_name, covered, sent)
    possible = {t for a, b, w in hits if start <= a and b <= end for t in model.cue_types[w]}
    if possible <= held:
        return None
    best = _best_type(model, probs(sentence))
    if best is None or best[0] in held:
        return None
    typ, p = best
    trigger = _trigger(model, typ, lower, hits, start, end)
    if trigger is None:
        return None
    found = _rules_scan(scan, text, blower, sent)
    if found is None:
        return None
    actors, location, ctx = found
    t0, t1 = trigger
    if blocked is not None and EventType(typ) in ESCALATION and blocked(lower[t0:t1], EventType(typ), ctx, t0, t1):
        return None  # "a political attack ad": the rules read the word in another sense
    if typ == EventType.SANCTION.value and _nonstate_measure(ctx):
        return None  # "the IAAF suspended the athletic federation": a sports body's penalty
    source = [a for pos, a in actors if pos < t0][:1]
    target = [a for pos, a in actors if pos >= t1 and a not in source][:1]
    unnamed, speaker = speaker_not_doer(text, ctx, start, t0, t1)
    if unnamed:  # "Trump said the Khans had attacked him": the speaker is not the doer
        source = []
        target = [speaker] if speaker is not None else target
    assert article.published_at is not None  # set by the Article validator
    court = EventType(typ) in JUDGED_TYPES and _court_story(article)
    modality = _background(EventType(typ), lower, sent, ctx, article.published_at.year, court, (t0, t1))
    return _signal(model, article, version, EventType(typ), p, modality, Evidence(
        field="title" if field_name == "title" else "body", sentence=sentence, start=start, end=end, trigger=text[t0:t1], trigger_start=t0,
        trigger_end=t1, cues=[],
    ), Actors(source=source, target=target), location)


def _nonstate_measure(ctx: Context) -> bool:
    """Whether a SANCTION the model reads in a sentence is a sports body's measure, not a state's
    or a bloc's: the sentence names a sport or a body that governs one
    (``vocabulary.yaml``: nonstate_measure_classes)."""
    return any(name in ctx.classes for name in _NONSTATE_MEASURE_CLASSES)


def _held_types(field_name: str, covered: set[tuple[str, int, str]], sent: Span) -> set[str]:
    """The types the rules hold in ``sent``: those of a rules trigger that starts inside it. By the
    trigger, not by the rules' sentence: a sentence too long for the model is read in parts
    (``_narrowed``), and a rules signal in one part holds nothing in another (all-lowercase copy,
    where "here. police said" opens no new sentence, makes a paragraph one sentence)."""
    return {t for f, pos, t in covered if f == field_name and sent.start <= pos < sent.end}


def _inside(ev: Evidence, triggers: list[tuple[str, int, int]]) -> bool:
    """Whether the trigger word of ``ev`` lies inside one of ``triggers`` (field, start, end): the
    rules have read that word already ("clearing the way for the lifting of U.N. sanctions" is a
    CONCEDE, not a SANCTION imposed)."""
    return any(f == ev.field and a <= ev.trigger_start and ev.trigger_end <= b for f, a, b in triggers)


def _trigger(model: SenseModel, typ: str, lower: str, hits: list[tuple[int, int, str]], start: int,
             end: int) -> tuple[int, int] | None:
    """The strongest cue word of ``typ`` in the sentence (not in a heading): the evidence's trigger."""
    cues = model.cues.get(typ, {})
    best: tuple[float, int, int] | None = None
    headings = [(h.start(), h.end()) for h in _HEADING_ANY.finditer(lower, start, end)] if "==" in lower else []
    for a, b, word in hits:
        if a < start or b > end or any(x <= a < y for x, y in headings):
            continue
        w = cues.get(word)
        if w is not None and (best is None or w > best[0]):
            best = (w, a, b)
    return None if best is None else (best[1], best[2])


def _court_story(article: Article) -> bool:
    """Whether the article is a court story (``temporal.court_story``)."""
    words = load_lexicon().cues.get("judicial")
    if not words:
        return False
    fields = [(name == "title", lower_forms(text)[1]) for name, text in (("title", article.title), ("body", article.body)) if text]
    return court_story(fields, words)


def _background(typ: EventType, lower: str, sent: Span, ctx: Context, pub_year: int, court: bool,
                trigger: tuple[int, int]) -> Modality:
    """The modality of a model signal, whose sentence holds none of the rules' modality cues:
    a question, a call for the measure (``temporal.requested``) or a stance toward it is
    speculative, a measure breached stands already (``temporal.standing_or_stance``); a sentence with a historical or a
    habitual cue ("frequently attack") or dated by a year other than
    the publication's (with no future cue, there is none) tells history, and so does a court
    frame for an attack or a deployment (``court``: the article is a court story); anything
    else is asserted. Recall counts these signals; they raise no alert."""
    trigger_start = trigger[0]
    if is_question(lower, sent):
        return Modality.SPECULATIVE
    if typ in REQUESTED_TYPES and (requested(lower, sent.start, trigger_start)
                                   or asked_to(lower, sent.start, trigger_start)):
        return Modality.SPECULATIVE  # "we call for ... the boycott of Israeli goods", "asked NATO to"
    if prescribed(lower, typ, sent.start, sent.start, trigger_start):
        return Modality.SPECULATIVE  # "the U.S. should retaliate with economic sanctions"
    held = standing_or_stance(lower, typ, sent.start, trigger_start)
    if held is not None:
        return held[0]  # "violated a U.S. trade embargo", "his support for torture"
    if remembered(lower, typ, sent.start, trigger_start):
        return Modality.HISTORICAL  # "recognized the massacre as genocide"
    if any(c[0] < sent.end for c in history_cues_in(lower, ctx, sent.start, len(lower))):
        return Modality.HISTORICAL
    if habitual(lower, ctx, sent, trigger_start, trigger_start):
        return Modality.HISTORICAL  # "militants frequently attack convoys": what keeps happening
    if court or (typ in JUDGED_TYPES and any(sent.start <= c[0] < sent.end for c in ctx.cues.get("judicial", ()))):
        return Modality.HISTORICAL
    if clause_year_cue(lower, sent.start, sent.end, pub_year):
        return Modality.HISTORICAL
    return Modality.ASSERTED


def _rules_scan(scan: Scan, text: str, blower: str, sent: Span) -> tuple[list[tuple[int, Actor]], Location | None, Context] | None:
    """The rule detector's scan of one sentence: its actors (with offsets), first place and
    context, or None when a modality cue word (negation, denial, speculation, future) is in it."""
    start, end = sent.start, sent.end
    ctx = scan(text, blower, sent)
    for name in _MODAL_CUES:
        if any(start <= c[0] < end for c in ctx.cues.get(name, ())):
            return None
    actors: list[tuple[int, Actor]] = []
    location: Location | None = None
    for s, e, g in ctx.gaz:
        if g.is_actor and g.kind != "sector":
            actor = to_actor(text, s, e, g)
            if all(a != actor for _, a in actors):
                actors.append((s, actor))
        if location is None and g.is_place:
            location = Location(name=g.name, country=g.country, lat=g.lat, lon=g.lon)
    return actors, location, ctx


def _signal(model: SenseModel, article: Article, version: str, typ: EventType, p: float, modality: Modality,
            ev: Evidence, actors: Actors, location: Location | None) -> Signal:
    assert article.published_at is not None  # set by the Article validator
    intensity = model.intensity.get(typ.value, -5.0)
    raw = f"{article.id}|{ev.field}|{ev.trigger_start}|{typ.value}|model"
    return Signal(
        signal_id="sig-" + hashlib.sha256(raw.encode()).hexdigest()[:20], article_id=article.id, type=typ,
        modality=modality, actors=actors, location=location, intensity=intensity,
        severity=severity_for(intensity), confidence=round(min(0.9, p * 0.8), 3), evidence=ev,
        article=article_ref(article),
        detector_version=version, detector=model.detector,
    )
