"""Internal working types of the detector: what a sentence's context, a candidate trigger and a
signal under construction look like, and the few helpers every stage shares."""

from __future__ import annotations

from datetime import date
from typing import Final, TypeVar

from pydantic import BaseModel

from schemas.article import Article
from schemas.common import EventType, Modality
from schemas.signal import Actor, ArticleRef, Evidence, Location
from service.detection import vocabulary
from service.detection.genre import genre_of
from service.detection.lexicon import GazEntry, TriggerEntry

_M = TypeVar("_M", bound=BaseModel)

# The event types and modalities the rules test, declared once as compiled constants: compiled,
# ``EventType.ASSAULT`` in a function is an attribute lookup on the enum class every time it runs,
# a ``Final`` name of a module compiled with it a C static.
AGREE: Final = EventType.AGREE
CONSULT: Final = EventType.CONSULT
MOBILIZE: Final = EventType.MOBILIZE
THREATEN: Final = EventType.THREATEN
PROTEST: Final = EventType.PROTEST
ASSAULT: Final = EventType.ASSAULT
COERCE: Final = EventType.COERCE
ASSERTED: Final = Modality.ASSERTED
HISTORICAL: Final = Modality.HISTORICAL
SCHEDULED: Final = Modality.SCHEDULED
DENIED: Final = Modality.DENIED
SPECULATIVE: Final = Modality.SPECULATIVE


# Context and Candidate are made for every examined sentence and head: plain classes, because
# mypyc compiles an explicit ``__init__`` natively while a dataclass's generated one runs as
# Python code (~3,000 instructions a call).
class Context:
    """What the context scan found in one sentence (offsets into the original text)."""

    def __init__(self) -> None:
        self.gaz: list[tuple[int, int, GazEntry]] = []
        self.classes: dict[str, list[tuple[int, int, str]]] = {}
        self.cues: dict[str, list[tuple[int, int, str]]] = {}
        self.clause_words: list[int] = []  # starts of conjunctions opening a clause
        self.dateline = 0  # where the dateline of the text's first sentence ends (0: none)
        # ``roles.prep_before`` of each name of ``gaz``, made by the first role assignment of the
        # sentence and shared by the others (it depends on the name alone, not on the trigger).
        self.preps: list[str] | None = None


class Candidate:
    """A trigger head whose rule holds, with the class word that satisfied it (``near``)."""

    def __init__(
        self, entry: TriggerEntry, start: int, end: int, mode: str, near: tuple[int, int] | None = None
    ) -> None:
        self.entry = entry
        self.start = start
        self.end = end
        self.mode = mode
        self.near = near
        self.consume_span: tuple[int, int] | None = None
        self.threat_target_from: tuple[int, int] | None = None  # the if-clause of a conditional threat
        self.cues: list[str] = []
        self.forced_modality: Modality | None = None

    @property
    def priority(self) -> float:
        return self.entry.priority + (0.5 if self.consume_span else 0.0)

    @property
    def span(self) -> tuple[int, int]:
        if self.near:
            return (min(self.start, self.near[0]), max(self.end, self.near[1]))
        return (self.start, self.end)


# The two classes below are made several times per sentence: they are plain classes with an
# ``__init__`` of their own, which mypyc compiles to a direct C call. A dataclass's generated
# ``__init__`` is Python code run through ``tp_init`` (~3k instructions a call).


class EvidenceDraft:
    """The fields of ``schemas.signal.Evidence`` as a native record: the pydantic model is made
    only for the evidence of the signals that are kept (``to_model``; a draft absorbed into
    another from its own sentence leaves no evidence), and merging reads these fields at native
    speed."""

    def __init__(
        self, field: str, sentence: str, start: int, end: int, trigger: str, trigger_start: int,
        trigger_end: int, cues: list[str], date_text: str | None,
    ) -> None:
        self.field = field
        self.sentence = sentence
        self.start = start
        self.end = end
        self.trigger = trigger
        self.trigger_start = trigger_start
        self.trigger_end = trigger_end
        self.cues = cues
        self.date_text = date_text

    def to_model(self) -> Evidence:
        return build(
            Evidence,
            field=self.field, sentence=self.sentence, start=self.start, end=self.end, trigger=self.trigger,
            trigger_start=self.trigger_start, trigger_end=self.trigger_end, cues=self.cues,
            date_text=self.date_text,
        )


class Draft:
    """A signal under construction, before article-level merging."""

    def __init__(
        self, type: EventType, mode: str, modality: Modality, source: list[Actor], target: list[Actor],
        location: Location | None, event_date: date | None, event_date_end: date | None, intensity: float,
        confidence: float, evidence: EvidenceDraft, order: tuple[int, int], rule: str = "",
    ) -> None:
        self.type = type
        self.mode = mode
        self.modality = modality
        self.source = source
        self.target = target
        self.location = location
        self.event_date = event_date
        self.event_date_end = event_date_end
        self.intensity = intensity
        self.confidence = confidence
        self.evidence = evidence
        self.order = order
        self.rule = rule  # the trigger entry that decided it, and ROLE_MODEL_TAG (``Signal.detector``)
        self.related: list[EvidenceDraft] = []
        # Its actors were lent by the sentences before (it names nobody itself): for merging, a
        # mention naming nobody ("Security was tightened after the bombing").
        self.inherited = False


# Appended to a draft's rule when the learned role ranking (role_model.py) cast one of its roles:
# ``Signal.detector`` then reads "rules:assault.air+roles-model".
ROLE_MODEL_TAG: Final = "+roles-model"


_OBJECT_NEW: Final = object.__new__  # what ``cls.__new__`` finds for a pydantic model, without the lookup
# Setters of BaseModel's four slots: calling a slot's own ``__set__`` skips the attribute-name
# lookup that ``object.__setattr__`` makes on every call.
_SET_DICT: Final = BaseModel.__dict__["__dict__"].__set__
_SET_FIELDS_SET: Final = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA: Final = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE: Final = BaseModel.__dict__["__pydantic_private__"].__set__


def build(cls: type[_M], **values: object) -> _M:
    """Construct a pydantic model from values that are valid by construction, skipping validation.

    ``model_construct`` costs ~10 us a call and the detector makes several per signal; this is
    its essence. Every field must be given: ``test_signals_are_valid_json_messages`` checks the
    result round-trips through full validation.
    """
    m = _OBJECT_NEW(cls)
    _SET_DICT(m, values)
    _SET_FIELDS_SET(m, _fields_set(cls, values))
    _SET_EXTRA(m, None)
    _SET_PRIVATE(m, None)
    return m


def article_ref(article: Article) -> ArticleRef:
    """What a signal carries of its article (every field: the rules' and the sense model's
    signals alike)."""
    return build(
        ArticleRef,
        id=article.id, title=article.title, source=article.source, url=article.url,
        published_at=article.published_at, published_at_assumed=article.published_at_assumed,
        revision=article.revision, genre=genre_of(article.url, article.title),
    )


# Each model's field names as a set, made once: copying it is cheaper than hashing the names
# of a new dict into a new set (its own copy per model: pydantic adds to it on assignment).
_FIELD_SETS: Final[dict[type, set[str]]] = {}


def _fields_set(cls: type[BaseModel], values: dict[str, object]) -> set[str]:
    """``set(values)``: the copy of the model's field names when ``values`` names every field."""
    fields = _FIELD_SETS.get(cls)
    if fields is None:
        fields = _FIELD_SETS[cls] = set(cls.model_fields)
    # ``set(fields)`` compiles to a direct C call; ``fields.copy()`` is a method look-up and call.
    return set(fields) if len(fields) == len(values) else set(values)


def cues_in(ctx: Context, name: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    # No ``get(name, ())``: a list-or-tuple would be iterated and unpacked as untyped objects.
    cues = ctx.cues.get(name)
    if cues is None:
        return []
    return [c for c in cues if lo <= c[0] and c[1] <= hi]


CONTRAST_RE: Final = vocabulary.pattern("contrast")


def contrast_start(lower: str, lo: int, hi: int) -> int:
    """Start of the stretch before ``hi`` not interrupted by a contrast word or semicolon."""
    last = lo
    for m in CONTRAST_RE.finditer(lower, lo, hi):
        last = m.end()
    return last
