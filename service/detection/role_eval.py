"""Actor-role accuracy: does the detector name the right source and target of the events it finds?

The set (``tests/data/roles/``, guidelines in its README) holds real news sentences by reference
and events annotated by hand with their PLOVER type and actor codes. For every annotated event the
detector finds with the same type (a *correct event*), the source and the target are scored:

* a gold actor is a code (``RUS``, ``NATO``, ``ISIS``) or, for unnamed actors and unlisted groups,
  ``STATE:SECTOR`` (``PAK:REB`` for gunmen in Karachi); ``A/B`` lists two acceptable codings;
* ``STATE:REB`` is matched only by a non-state armed sector of the detector (CAMEO's ``REB``,
  ``INS`` or ``UAF``: the guidelines' REB covers gunmen and attackers, which CAMEO codes UAF; the
  state alone would cast the state as the armed group); ``STATE:MIL|POL|GOV|CVL|OPP`` by the
  state code or the sector code (``POL`` also by CAMEO's ``COP``; a state's forces and people are
  the state in the contract);
* a role is **right** when the gold list is empty and the detector names nobody, or when at least
  one gold actor is matched (overlap, the headline number); it is **exact** when every gold actor
  is matched and the detector names no code that no gold actor accounts for;
* CONSULT, AGREE and COOPERATE, and events marked ``joint``, compare the parties (source and
  target together) and need every gold party: order is not scored.

Pure functions score; the edges load the annotations, rebuild the sentences from a local copy of
the source repository (``git show``) into a cache outside git, and check every sha256.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from schemas.article import Article
from schemas.common import EventType
from schemas.signal import Actor, Signal

SET_NAME = "roles"
JOINT_TYPES = frozenset({"CONSULT", "AGREE", "COOPERATE"})
STATE_SECTORS = frozenset({"MIL", "POL", "GOV", "CVL", "OPP"})
SECTORS = STATE_SECTORS | {"REB"}
# The detector's CAMEO sectors that the guidelines' sectors cover: REB is every non-state armed
# actor ("rebels, militants, insurgents, gunmen, attackers"), which CAMEO splits into REB, INS
# (insurgents) and UAF (unidentified armed forces: gunmen, attackers); POL is CAMEO's COP.
SECTOR_CODES: dict[str, frozenset[str]] = {"REB": frozenset({"REB", "INS", "UAF"}), "POL": frozenset({"POL", "COP"})}
PUBLISHED_AT = datetime(2016, 10, 1, tzinfo=UTC)  # the RAMS articles are of 2016; roles do not depend on it
# The pinned source files (the same repository, commit and files as the real-news data's ``rams`` set).
SOURCE_FILES: dict[tuple[str, str, str], str] = {
    ("LWL-cpu/SCPRG-master", "c420d22df66df436227ea223b389533ea7df7fc7", "data/rams/dev.jsonlines"):
        "cd1b249160333ec33360430ade1099c3bb5fe48f50188e0482a019e2d8e9e07b",
    ("LWL-cpu/SCPRG-master", "c420d22df66df436227ea223b389533ea7df7fc7", "data/rams/test.jsonlines"):
        "8bec510b2321268d628cbef9586fa4851352a32019d463d7f41ed01c9ebd4243",
}


class RoleDataError(Exception):
    """The annotations, the source copy or the text cache cannot be used; the message says why."""


# ------------------------------------------------------------------------------------ annotations

class GoldEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    types: tuple[str, ...]
    source: tuple[str, ...]
    target: tuple[str, ...]
    modality: Literal["asserted", "scheduled", "speculative", "denied", "historical"]
    joint: bool = False

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = {t.value for t in EventType}
        bad = [t for t in value if t not in known]
        if not value or bad:
            raise ValueError(f"unknown or missing event types {bad or value!r}")
        return value

    @field_validator("source", "target")
    @classmethod
    def _actor_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for actor in value:
            for alt in actor.split("/"):
                code, _, sector = alt.partition(":")
                if not code or (sector and sector not in SECTORS):
                    raise ValueError(f"bad actor {actor!r} (CODE, STATE:SECTOR with SECTOR in {sorted(SECTORS)}, A/B)")
        return value

    @property
    def is_joint(self) -> bool:
        return self.joint or self.types[0] in JOINT_TYPES


class SourceRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    set: str
    repository: str
    commit: str
    path: str
    doc_key: str
    sentence: int


class RoleItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    split: Literal["dev", "test"]
    source: SourceRef
    sha256: str
    events: tuple[GoldEvent, ...]


def default_annotations() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "data" / "roles" / "annotations.jsonl"


def load_annotations(path: Path) -> list[RoleItem]:
    """Read and validate the annotation file; a bad line raises RoleDataError naming it."""
    items: list[RoleItem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RoleDataError(f"{path}: cannot read the annotations ({exc.strerror})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            items.append(RoleItem.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RoleDataError(f"{path}:{n}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    return items


# ----------------------------------------------------------------------------------- sentence text

_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")  # "Russian - backed", "al - Assad": one word in the article
_CURLY_OPEN = re.compile(r"([“‘]) ")
_CURLY_CLOSE = re.compile(r" ([”])")


def detokenize(tokens: Iterable[str]) -> str:
    """Join RAMS tokens into the sentence the annotations' sha256 was computed on: spaces before
    punctuation and clitics dropped, quotes closed on their words, split hyphenated words rejoined."""
    out = ""
    dq_open = False
    prev = None
    for tok in tokens:
        if tok == '"':
            out += '"' if dq_open else ("" if not out or out.endswith(("(", "[")) else " ") + '"'
            dq_open = not dq_open
            prev = tok
            continue
        glue = (
            not out or out.endswith(("(", "[", "$", "#")) or (prev == '"' and dq_open)
            or tok in {",", ".", ";", ":", "!", "?", ")", "]", "%", "'s", "'S", "n't", "'re", "'ve", "'ll", "'d",
                       "'m", "'", "’s", "..."}
        )
        out += tok if glue else " " + tok
        prev = tok
    return _HYPHEN.sub("-", _CURLY_OPEN.sub(r"\1", _CURLY_CLOSE.sub(r"\1", out)))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_file() -> Path:
    base = os.environ.get("ESCALERT_EVAL_DATA")
    root = Path(base) if base else Path.home() / ".cache" / "escalert" / "eval"
    return root / SET_NAME / "sentences.jsonl"


def git_show(git_dir: Path, commit: str, path: str) -> bytes:
    """The bytes of ``path`` at ``commit`` in the local copy ``git_dir``; RoleDataError naming the
    copy and the reason when git cannot give them."""
    try:
        done = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
                              capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RoleDataError(f"{git_dir}: cannot run git show {commit}:{path} ({exc})") from exc
    if done.returncode:
        raise RoleDataError(f"{git_dir}: git show {commit}:{path} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def pinned_git_file(git_dir: Path, commit: str, path: str, sha256: str) -> bytes:
    """``git_show``, checked against the pinned ``sha256``."""
    raw = git_show(git_dir, commit, path)
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise RoleDataError(f"{git_dir}: {path} at {commit} does not have the pinned sha256")
    return raw


def _source_windows(git_dir: Path, ref: SourceRef) -> dict[str, list[list[str]]]:
    key = (ref.repository, ref.commit, ref.path)
    if key not in SOURCE_FILES:
        raise RoleDataError(f"{ref.repository}@{ref.commit}:{ref.path}: not a pinned source file")
    raw = pinned_git_file(git_dir, ref.commit, ref.path, SOURCE_FILES[key])
    windows: dict[str, list[list[str]]] = {}
    for line in raw.decode("utf-8").splitlines():
        doc = json.loads(line)
        windows[doc["doc_key"]] = doc["sentences"]
    return windows


def sentences_from_git(items: Sequence[RoleItem], git_dir: Path) -> dict[str, str]:
    """Rebuild every annotated sentence from a bare or normal git copy of the source repository."""
    files: dict[tuple[str, str, str], dict[str, list[list[str]]]] = {}
    texts: dict[str, str] = {}
    for item in items:
        ref = item.source
        key = (ref.repository, ref.commit, ref.path)
        if key not in files:
            files[key] = _source_windows(git_dir, ref)
        sentences = files[key].get(ref.doc_key)
        if sentences is None or ref.sentence >= len(sentences):
            raise RoleDataError(f"{item.id}: no sentence {ref.sentence} of {ref.doc_key} in {ref.path}")
        texts[item.id] = detokenize(sentences[ref.sentence])
    return checked(items, texts)


def checked(items: Sequence[RoleItem], texts: dict[str, str]) -> dict[str, str]:
    """The texts of the items, each verified against its sha256; RoleDataError on any gap or mismatch."""
    missing = [i.id for i in items if i.id not in texts]
    if missing:
        raise RoleDataError(f"{len(missing)} annotated sentences have no text (first: {missing[0]})")
    bad = [i.id for i in items if sha256_text(texts[i.id]) != i.sha256]
    if bad:
        raise RoleDataError(f"{len(bad)} sentences do not match their sha256 (first: {bad[0]})")
    return {i.id: texts[i.id] for i in items}


def write_cache(texts: dict[str, str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for key in sorted(texts):
            fh.write(json.dumps({"id": key, "text": texts[key]}, ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_cache(items: Sequence[RoleItem], path: Path) -> dict[str, str]:
    """The cached sentences, checked; RoleDataError (saying how to build it) when the cache is absent."""
    if not path.exists():
        raise RoleDataError(f"no sentence cache at {path}: build it with "
                            "scripts/role_accuracy.py --git-dir <copy of LWL-cpu/SCPRG-master>")
    texts: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            texts[row["id"]] = row["text"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RoleDataError(f"{path}:{n}: not a cache line ({exc})") from exc
    return checked(items, texts)


# ----------------------------------------------------------------------------------------- scoring

def alternative_matches(alt: str, predicted: frozenset[str]) -> bool:
    code, _, sector = alt.partition(":")
    if not sector:
        return code in predicted
    sectors = SECTOR_CODES.get(sector, frozenset({sector}))
    if sector == "REB":
        return bool(sectors & predicted)
    return code in predicted or bool(sectors & predicted)


def actor_matches(actor: str, predicted: frozenset[str]) -> bool:
    return any(alternative_matches(alt, predicted) for alt in actor.split("/"))


def accounted_codes(actors: Iterable[str]) -> frozenset[str]:
    """Every detector code some gold actor accounts for (a code, a sector, the state of a state sector)."""
    out: set[str] = set()
    for actor in actors:
        for alt in actor.split("/"):
            code, _, sector = alt.partition(":")
            if not sector:
                out.add(code)
            elif sector == "REB":
                out.update(SECTOR_CODES["REB"])
            else:
                out.add(code)
                out.update(SECTOR_CODES.get(sector, frozenset({sector})))
    return frozenset(out)


def role_right(gold: Sequence[str], predicted: frozenset[str], *, need_all: bool = False) -> bool:
    if not gold:
        return not predicted
    hits = [actor_matches(a, predicted) for a in gold]
    return all(hits) if need_all else any(hits)


def role_exact(gold: Sequence[str], predicted: frozenset[str]) -> bool:
    return role_right(gold, predicted, need_all=True) and predicted <= accounted_codes(gold)


@dataclass(frozen=True)
class Verdict:
    """The roles of one correct event: overlap rule per role, and the exact rule for both."""

    source: bool
    target: bool
    exact: bool

    @property
    def both(self) -> bool:
        return self.source and self.target


def codes_of(actors: Iterable[Actor]) -> frozenset[str]:
    """The codes the detector gives: each actor's ``code`` and, for a generic actor, its
    ``sector`` ("Syrian rebels" is ``SYR`` with sector ``REB``, CAMEO's SYRREB: both are said)."""
    out: set[str] = set()
    for a in actors:
        out.add(a.code)
        if a.sector:
            out.add(a.sector)
    return frozenset(out)


def judge(event: GoldEvent, signal: Signal) -> Verdict:
    src, tgt = codes_of(signal.actors.source), codes_of(signal.actors.target)
    if event.is_joint:
        parties = (*event.source, *event.target)
        right = role_right(parties, src | tgt, need_all=True)
        return Verdict(right, right, role_exact(parties, src | tgt))
    s_ok, t_ok = role_right(event.source, src), role_right(event.target, tgt)
    return Verdict(s_ok, t_ok, role_exact(event.source, src) and role_exact(event.target, tgt))


def _rank(v: Verdict) -> tuple[bool, bool, int]:
    return (v.exact, v.both, v.source + v.target)


def assign(events: Sequence[GoldEvent], signals: Sequence[Signal]) -> list[tuple[GoldEvent, Signal | None]]:
    """Pair each gold event with at most one signal of one of its types, the best-scoring one first."""
    used: set[int] = set()
    pairs: list[tuple[GoldEvent, Signal | None]] = []
    for event in events:
        options = [(i, s) for i, s in enumerate(signals) if i not in used and s.type.value in event.types]
        if not options:
            pairs.append((event, None))
            continue
        i, best = max(options, key=lambda o: _rank(judge(event, o[1])))
        used.add(i)
        pairs.append((event, best))
    return pairs


# ---------------------------------------------------------------------------------- error classes

@dataclass(frozen=True)
class Places:
    """Gazetteer surfaces that name places: cities and regions (never actors), capitals (actors by metonymy)."""

    places: frozenset[str] = frozenset()
    capitals: frozenset[str] = frozenset()


def load_places(path: Path | None = None) -> Places:
    path = path or Path(__file__).resolve().parent / "data" / "gazetteer.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [(r["surface"], r["kind"]) for r in csv.DictReader(fh, delimiter="\t")]
    return Places(frozenset(s for s, k in rows if k in ("city", "region")), frozenset(s for s, k in rows if k == "capital"))


def classify(gold: Sequence[str], actors: Sequence[Actor], other: Sequence[str], places: Places,
             *, parties: bool = False) -> str:
    """Why one role is wrong (overlap rule); ``other`` is the gold of the other role; ``parties`` for
    joint events (every gold party needed)."""
    predicted = codes_of(actors)
    if any(a.text in places.places for a in actors):
        return "place named as an actor"
    if any(a.text in places.capitals for a in actors):
        return "capital named as the actor (a place, or a metonym in the wrong role)"
    states_for_groups = {alt.split(":")[0] for a in gold for alt in a.split("/") if alt.endswith(":REB")}
    if states_for_groups & predicted and not SECTOR_CODES["REB"] & predicted:
        return "state named for an armed group"
    if not predicted:
        return "actor missing"
    if not gold:
        return "actor where the text names none"
    if any(actor_matches(a, predicted) for a in other):
        return "source and target swapped"
    if parties and any(actor_matches(a, predicted) for a in gold):
        return "a party of a joint event missing"
    return "wrong actor"


# -------------------------------------------------------------------------------------- reporting

@dataclass
class Tally:
    events: int = 0
    found: int = 0
    both: int = 0
    source: int = 0
    target: int = 0
    exact: int = 0

    def add(self, v: Verdict | None) -> None:
        self.events += 1
        if v is None:
            return
        self.found += 1
        self.both += v.both
        self.source += v.source
        self.target += v.target
        self.exact += v.exact

    def share(self, n: int) -> float:
        return n / self.found if self.found else 0.0


@dataclass
class RoleReport:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    error_counts: Counter = field(default_factory=Counter)
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


def _roles_text(src: Iterable[str], tgt: Iterable[str]) -> str:
    return f"{','.join(src) or '-'}>{','.join(tgt) or '-'}"


def _wrong_roles(event: GoldEvent, sig: Signal, v: Verdict) -> list[tuple[str, tuple[str, ...], list[Actor], tuple[str, ...]]]:
    """(role, gold, detector actors, gold of the other role) for each wrong role of a correct event."""
    if event.is_joint:
        parties = (*event.source, *event.target)
        return [] if v.both else [("parties", parties, [*sig.actors.source, *sig.actors.target], ())]
    out = []
    if not v.source:
        out.append(("source", event.source, list(sig.actors.source), event.target))
    if not v.target:
        out.append(("target", event.target, list(sig.actors.target), event.source))
    return out


def _record(report: RoleReport, item: RoleItem, text: str, event: GoldEvent, sig: Signal,
            v: Verdict, places: Places) -> None:
    gold = _roles_text(event.source, event.target)
    got = _roles_text(sorted(codes_of(sig.actors.source)), sorted(codes_of(sig.actors.target)))
    named = "; ".join(f"{a.code}={a.text!r}" for a in (*sig.actors.source, *sig.actors.target))
    for role, gold_role, actors, other in _wrong_roles(event, sig, v):
        kind = classify(gold_role, actors, other, places, parties=role == "parties")
        report.error_counts[(item.split, kind)] += 1
        report.error_counts[(role, kind)] += 1
        report.errors[kind].append(
            f"[{item.split}] {item.id} {sig.type.value} {role}: gold {gold}, detector {got} ({named})\n      {text}"
        )


def evaluate(items: Sequence[RoleItem], texts: dict[str, str],
             detect: Callable[[Article], list[Signal]]) -> RoleReport:
    """Run the detector on every sentence and score the roles of the correct events."""
    report = RoleReport()
    places = load_places()
    for item in items:
        text = texts[item.id]
        signals = detect(Article(id=item.id, body=text, published_at=PUBLISHED_AT))
        for event, sig in assign(item.events, signals):
            v = judge(event, sig) if sig is not None else None
            for key in (item.split, "all"):
                report.tallies[key].add(v)
            report.by_type[event.types[0]].add(v)
            if v is not None and not v.both:
                _record(report, item, text, event, sig, v, places)
    return report


def format_report(report: RoleReport, *, examples: int = 3, example_split: str = "dev") -> str:
    """The report; the examples of wrong roles come from ``example_split`` only ("dev" by
    default, so that reading errors never shows a test sentence; "all" for every split)."""
    lines = ["split   events  found  both right        source right      target right      exact"]
    for key in ("dev", "test", "all"):
        t = report.tallies[key]
        lines.append(
            f"{key:6} {t.events:7} {t.found:6}  {t.both:4} {t.share(t.both):6.3f}       {t.source:4} "
            f"{t.share(t.source):6.3f}       {t.target:4} {t.share(t.target):6.3f}       "
            f"{t.exact:4} {t.share(t.exact):6.3f}"
        )
    lines += ["", "per type (all): found/events, both right / found"]
    for typ, t in sorted(report.by_type.items(), key=lambda kv: -kv[1].found):
        lines.append(f"  {typ:10} {t.found:4}/{t.events:<4} {t.both:4}/{t.found:<4} {t.share(t.both):.3f}")
    lines += ["", "wrong roles by class: all (dev / test; source / target / parties of joint events); "
              f"examples from {example_split}:"]
    tag = "" if example_split == "all" else f"[{example_split}] "
    for kind, rows in sorted(report.errors.items(), key=lambda kv: -len(kv[1])):
        c = report.error_counts
        lines.append(f"  {kind}: {len(rows)} ({c[('dev', kind)]} / {c[('test', kind)]}; "
                     f"{c[('source', kind)]} / {c[('target', kind)]} / {c[('parties', kind)]})")
        lines += [f"    {row}" for row in [r for r in rows if r.startswith(tag)][:examples]]
    return "\n".join(lines)
