"""Measured quality: the detector scored against labeled data.

Two vendored sets, two questions (the real-news sets follow further down):

* the project's labeled news-style set (``tests/data/labeled/items.jsonl``): would an analyst get
  the right alerts? Scored on alert-worthy signals (modality asserted or scheduled) matched by
  type and modality, plus scheduled-date accuracy and false alarms on look-alikes, denials and
  speculation;
* the PLOVER gold-standard sentences (CC BY-SA 4.0, ``tests/data/plover-gsr``): does the typing
  generalise to text we did not write? Scored as per-type recall and the false-alarm rate on
  sentences coded with other types (one record codes one event, so that rate is a soft bound).
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from schemas.article import Article
from schemas.common import ALERT_WORTHY_MODALITIES, EventType, Modality
from schemas.signal import Signal
from service.detection import detect

ALERT_TYPES: tuple[EventType, ...] = (
    EventType.MOBILIZE, EventType.CONSULT, EventType.THREATEN, EventType.SANCTION, EventType.ASSAULT,
    EventType.AGREE, EventType.AID, EventType.COERCE, EventType.RETREAT, EventType.PROTEST,
)
FALSE_ALARM_CATEGORIES = ("lookalike", "denial", "speculation")
PLOVER_MAP = {"FIGHT": "ASSAULT", "DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE"}


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "data"


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class LabeledReport:
    items: int = 0
    per_type: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    micro: PRF = field(default_factory=PRF)
    scheduled_total: int = 0
    scheduled_right: int = 0
    scheduled_meetings_total: int = 0
    scheduled_meetings_right: int = 0
    alarm_items: Counter = field(default_factory=Counter)
    category_items: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def _aw(sig_type: str, modality: str) -> bool:
    return sig_type in {t.value for t in EventType} and Modality(modality) in ALERT_WORTHY_MODALITIES


def _article(item: dict) -> Article:
    return Article.model_validate(
        {"id": item["id"], "body": item["text"], "published_at": item["published_at"], "title": item.get("title", "")}
    )


def evaluate_labeled(path: Path, *, split: str = "all") -> LabeledReport:
    report = LabeledReport()
    with path.open(encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    for item in items:
        if split != "all" and item.get("split") != split:
            continue
        report.items += 1
        category = item.get("category", "")
        report.category_items[category] += 1
        signals = detect(_article(item))
        gold = Counter((e["type"], e["modality"]) for e in item["expected"] if _aw(e["type"], e["modality"]))
        pred = Counter((s.type.value, s.modality.value) for s in signals if s.modality in ALERT_WORTHY_MODALITIES)
        for key in set(gold) | set(pred):
            tp = min(gold[key], pred[key])
            fp, fn = pred[key] - tp, gold[key] - tp
            stats = report.per_type[key[0]]
            stats.tp += tp
            stats.fp += fp
            stats.fn += fn
            if EventType(key[0]) in ALERT_TYPES:
                report.micro.tp += tp
                report.micro.fp += fp
                report.micro.fn += fn
            if fp:
                report.errors.append(f"FP {item['id']} {key[0]}/{key[1]} x{fp}: {item['text'][:140]}")
            if fn:
                report.errors.append(f"FN {item['id']} {key[0]}/{key[1]} x{fn}: {item['text'][:140]}")
        if category in FALSE_ALARM_CATEGORIES and any(pred[k] > gold[k] and EventType(k[0]) in ALERT_TYPES for k in pred):
            report.alarm_items[category] += 1
        _score_dates(report, item, signals)
    return report


def _score_dates(report: LabeledReport, item: dict, signals: list[Signal]) -> None:
    predicted = [s for s in signals if s.modality == Modality.SCHEDULED]
    for e in item["expected"]:
        if e["modality"] != "scheduled":
            continue
        report.scheduled_total += 1
        meeting = e["type"] == EventType.CONSULT.value
        report.scheduled_meetings_total += meeting
        ok = any(
            s.type.value == e["type"]
            and (s.event_date.isoformat() if s.event_date else None) == e.get("event_date")
            and (s.event_date_end.isoformat() if s.event_date_end else None) == e.get("event_date_end")
            for s in predicted
        )
        report.scheduled_right += ok
        report.scheduled_meetings_right += meeting and ok
        if not ok:
            got = [(s.type.value, str(s.event_date), str(s.event_date_end)) for s in predicted]
            report.errors.append(f"DATE {item['id']} want {e['type']} {e.get('event_date')}..{e.get('event_date_end')} got {got}")


def format_labeled(r: LabeledReport, *, errors: bool = False) -> str:
    lines = [f"Labeled news-style set: {r.items} items (alert-worthy signals matched by type and modality)", ""]
    lines.append(f"{'type':10} {'P':>6} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4}")
    for t in EventType:
        s = r.per_type.get(t.value)
        if not s:
            continue
        star = "*" if t in ALERT_TYPES else " "
        lines.append(f"{t.value:9}{star} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp:4} {s.fp:4} {s.fn:4}")
    m = r.micro
    lines.append(f"{'micro*':10} {m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f} {m.tp:4} {m.fp:4} {m.fn:4}   (* the 10 alert types)")
    lines.append("")
    if r.scheduled_meetings_total:
        lines.append(
            f"scheduled meetings with the right date: {r.scheduled_meetings_right}/{r.scheduled_meetings_total} "
            f"= {r.scheduled_meetings_right / r.scheduled_meetings_total:.1%}"
        )
    if r.scheduled_total:
        lines.append(
            f"all scheduled events with the right date: {r.scheduled_right}/{r.scheduled_total} "
            f"= {r.scheduled_right / r.scheduled_total:.1%}"
        )
    total_alarm = sum(r.alarm_items[c] for c in FALSE_ALARM_CATEGORIES)
    total_items = sum(r.category_items[c] for c in FALSE_ALARM_CATEGORIES)
    for c in FALSE_ALARM_CATEGORIES:
        if r.category_items[c]:
            lines.append(f"false alarms on {c}: {r.alarm_items[c]}/{r.category_items[c]} items = {r.alarm_items[c] / r.category_items[c]:.1%}")
    if total_items:
        lines.append(f"false alarms on look-alikes, denials and speculation: {total_alarm}/{total_items} = {total_alarm / total_items:.1%}")
    if errors:
        lines += ["", *r.errors]
    return "\n".join(lines)


@dataclass
class PloverReport:
    records: int = 0
    per_type_total: Counter = field(default_factory=Counter)
    per_type_found: Counter = field(default_factory=Counter)
    false_alarms: Counter = field(default_factory=Counter)


def evaluate_plover(path: Path) -> PloverReport:
    records = json.loads(path.read_text(encoding="utf-8"))
    report = PloverReport()
    seen_texts: set[str] = set()
    for rec in records:
        event = rec.get("event")
        if event == "DOCUMENT" or not rec.get("text"):
            continue
        gold = PLOVER_MAP.get(event, event)
        report.records += 1
        report.per_type_total[gold] += 1
        published = datetime.fromisoformat(rec.get("date") or "2000-01-01").replace(tzinfo=UTC)
        article = Article(id=rec["id"], body=rec["text"], published_at=published)
        types = {s.type.value for s in detect(article)}
        if gold in types:
            report.per_type_found[gold] += 1
        if rec["text"] in seen_texts:
            continue  # a sentence coded twice counts once as a negative for other types
        seen_texts.add(rec["text"])
        for t in types - {gold}:
            report.false_alarms[t] += 1
    return report


def format_plover(r: PloverReport) -> str:
    total = r.records
    lines = ["", f"PLOVER gold-standard sentences: {total} records (recall; false alarms on sentences coded with other types)", ""]
    lines.append(f"{'type':10} {'records':>7} {'recall':>7} {'false-alarm rate':>17}")
    found_all = 0
    for t in EventType:
        n = r.per_type_total.get(t.value, 0)
        found = r.per_type_found.get(t.value, 0)
        found_all += found
        negatives = total - n
        fa = r.false_alarms.get(t.value, 0)
        rec = f"{found / n:7.3f}" if n else "      -"
        lines.append(f"{t.value:10} {n:7} {rec} {fa / negatives if negatives else 0:17.3f}")
    lines.append(f"{'all':10} {total:7} {found_all / total if total else 0:7.3f}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Real news nobody on the project wrote: CASE 2021 task 2, WikiEvents, IndiaPoliceEvents, RAMS, the
# PLOVER GSR and whole non-political articles, built into a cache outside git by scripts/eval_data.py.

REALNEWS_SETS = ("case2021", "wikievents", "indiapolice", "rams", "plover", "desks", "agnews")
ESCALATION_TYPES = frozenset({"MOBILIZE", "THREATEN", "SANCTION", "ASSAULT", "COERCE"})
ALERT_TYPE_NAMES = tuple(t.value for t in ALERT_TYPES)
MIN_TYPE_UNITS = 5  # a type enters a macro average only with at least this many gold units
_PUBLISHED_FALLBACK = "2000-01-01T00:00:00+00:00"


def realnews_dir() -> Path:
    """Where scripts/eval_data.py puts the sets: $ESCALERT_EVAL_DATA or ~/.cache/escalert/eval."""
    env = os.environ.get("ESCALERT_EVAL_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "escalert" / "eval"


def realnews_path(name: str, split: str, base: Path | None = None) -> Path:
    return (base or realnews_dir()) / name / f"{split}.jsonl"


# The oldest version of ``scripts/eval_data.py``'s output (its FORMAT_VERSION, in each set's
# manifest) whose items this code scores as documented: 2 dates RAMS windows by their URL's day and
# WikiEvents' Voice of America documents by their id; the other sets are unchanged since 1.
REALNEWS_FORMAT: dict[str, int] = {"rams": 2, "wikievents": 2}


def stale_cache(name: str, base: Path | None = None) -> str | None:
    """Why a built set is older than the items this code scores (None: current, or not built)."""
    path = (base or realnews_dir()) / name / "manifest.json"
    try:
        version = json.loads(path.read_text(encoding="utf-8")).get("format_version", 1)
    except (OSError, ValueError, AttributeError):
        return None
    need = REALNEWS_FORMAT.get(name, 1)
    if version >= need:
        return None
    return (f"{path.parent}: built by an older scripts/eval_data.py (format {version}, {need} needed); "
            f"its numbers differ from the documented ones (python scripts/eval_data.py --set {name})")


def load_realnews(name: str, split: str, base: Path | None = None) -> list[dict]:
    """The normalised items of one set and split; FileNotFoundError names the missing file."""
    splits = ("dev", "test") if split == "all" else (split,)
    items: list[dict] = []
    for part in splits:
        path = realnews_path(name, part, base)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: set {name!r} is not built (python scripts/eval_data.py --set {name})")
        with path.open(encoding="utf-8") as fh:
            items += [json.loads(line) for line in fh if line.strip()]
    return items


@dataclass(frozen=True)
class Mention:
    """A system's typed mention: where it is (field and offsets), whether it is alert-worthy, and
    whether it is a signal's own evidence (``primary``) or a later mention merged into it as
    related evidence, which raises no alert of its own."""

    type: str
    alert_worthy: bool
    field: str
    start: int
    end: int
    primary: bool = True


def _realnews_article(item: dict) -> Article:
    return Article.model_validate({
        "id": item["id"], "title": item.get("title") or "", "body": item["text"],
        "published_at": item.get("published_at") or _PUBLISHED_FALLBACK, "url": item.get("url"),
    })


def detector_mentions(item: dict) -> list[Mention]:
    """The detector's mentions: the rules with the learned sense model (``sense.py``)."""
    return signal_mentions(detect(_realnews_article(item)))


def rules_mentions(item: dict) -> list[Mention]:
    """The rule detector's mentions alone (``detect(..., sense=False)``), for comparison."""
    return signal_mentions(detect(_realnews_article(item), sense=False))


def signal_mentions(signals: list[Signal]) -> list[Mention]:
    out = []
    for sig in signals:
        worthy = sig.modality in ALERT_WORTHY_MODALITIES
        ev = sig.evidence
        out.append(Mention(sig.type.value, worthy, ev.field, ev.trigger_start, ev.trigger_end))
        for ev in sig.related_evidence:
            out.append(Mention(sig.type.value, worthy, ev.field, ev.trigger_start, ev.trigger_end, primary=False))
    return out


def peer_mentions(item: dict) -> list[Mention]:
    from service.detection.keyword_peer import peer_detect

    out = [Mention(h.type.value, True, "body", h.start, h.end) for h in peer_detect(item["text"])]
    out += [Mention(h.type.value, True, "title", h.start, h.end) for h in peer_detect(item.get("title") or "")]
    return out


SYSTEMS = {"peer": peer_mentions, "rules": rules_mentions, "detector": detector_mentions}


@dataclass
class RealnewsScore:
    """One system on one set and split: recall per type, false alarms, flagged articles per desk."""

    name: str
    split: str
    system: str
    items: int = 0
    total: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    no_event_units: int = 0
    alarm_units: int = 0  # no-event units holding an alert: a signal's own evidence
    mention_alarm_units: int = 0  # ... holding any alert-worthy mention, related evidence too
    alarm_types: Counter = field(default_factory=Counter)
    desk_items: Counter = field(default_factory=Counter)
    desk_flagged: Counter = field(default_factory=Counter)
    flagged_types: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def recall(self, typ: str) -> float:
        return self.found[typ] / self.total[typ] if self.total[typ] else 0.0

    def macro_types(self) -> list[str]:
        return [t for t in ALERT_TYPE_NAMES if self.total[t] >= MIN_TYPE_UNITS]

    @property
    def macro_recall(self) -> float:
        types = self.macro_types()
        return sum(self.recall(t) for t in types) / len(types) if types else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.alarm_units / self.no_event_units if self.no_event_units else 0.0

    @property
    def mention_alarm_rate(self) -> float:
        """As ``false_alarm_rate``, counting later mentions merged into a signal as related evidence."""
        return self.mention_alarm_units / self.no_event_units if self.no_event_units else 0.0

    def flagged_share(self, desk: str | None = None) -> float:
        n = self.desk_items[desk] if desk else sum(self.desk_items.values())
        k = self.desk_flagged[desk] if desk else sum(self.desk_flagged.values())
        return k / n if n else 0.0


def _in_unit(m: Mention, unit: dict) -> bool:
    return m.field == "body" and m.start < unit["end"] and m.end > unit["start"]


def _score_units(score: RealnewsScore, item: dict, mentions: list[Mention]) -> None:
    for unit in item["units"]:
        inside = [m for m in mentions if _in_unit(m, unit)]
        types = {m.type for m in inside}
        for g in unit["gold"]:
            score.total[g] += 1
            score.found[g] += g in types
            if g not in types:
                score.errors.append(f"MISS {unit['id']} {g} ({','.join(unit['labels'])}): "
                                    f"{item['text'][unit['start']:unit['end']][:160]}")
        if unit["no_event"]:
            score.no_event_units += 1
            against = set(unit["counts_against"]) - set(unit["dont_count"])
            worthy = [m for m in inside if m.alert_worthy and m.type in against]
            alarms = sorted({m.type for m in worthy if m.primary})
            if worthy:
                score.mention_alarm_units += 1
            if alarms:
                score.alarm_units += 1
                score.alarm_types.update(alarms)
                score.errors.append(f"FALSE ALARM {unit['id']} {','.join(alarms)}: "
                                    f"{item['text'][unit['start']:unit['end']][:160]}")
            elif worthy:
                score.errors.append(f"RELATED MENTION {unit['id']} {','.join(sorted({m.type for m in worthy}))}: "
                                    f"{item['text'][unit['start']:unit['end']][:160]}")


def _score_article(score: RealnewsScore, item: dict, mentions: list[Mention]) -> None:
    desk = item.get("desk") or "other"
    score.desk_items[desk] += 1
    flagged = sorted({m.type for m in mentions if m.alert_worthy and m.type in ESCALATION_TYPES})
    if flagged:
        score.desk_flagged[desk] += 1
        score.flagged_types.update(flagged)
        score.errors.append(f"FLAGGED {item['id']} [{desk}] {','.join(flagged)}: {item.get('title', '')[:100]}")


def evaluate_realnews(name: str, split: str, system: str = "detector", base: Path | None = None) -> RealnewsScore:
    """Score ``system`` ("detector", "rules" or "peer") on one real-news set and split ("dev", "test", "all")."""
    score = RealnewsScore(name, split, system)
    run = SYSTEMS[system]
    for item in load_realnews(name, split, base):
        score.items += 1
        mentions = run(item)
        if item.get("desk"):
            _score_article(score, item, mentions)
        else:
            _score_units(score, item, mentions)
    return score


# agnews: its World ledes carry no desk and no units (they are the frame of the hand-checked
# precision, scripts/alert_precision.py); its Sports, Business and Sci/Tech ledes are desks.
_DESK_ITEM_WORD = {"agnews": "ledes"}
_UNIT_WORD = {"case2021": "snippets", "wikievents": "sentences", "rams": "windows", "plover": "records"}


def realnews_rows(peer: RealnewsScore, det: RealnewsScore) -> list[tuple[str, str, str, str, str]]:
    """(set, measure, n, peer, detector) rows for one set."""
    name = det.name
    rows = []
    if det.desk_items:
        what = _DESK_ITEM_WORD.get(name, "articles")
        for desk in sorted(det.desk_items):
            rows.append((name, f"{what} flagged, {desk}", str(det.desk_items[desk]),
                         f"{peer.flagged_share(desk):.1%}", f"{det.flagged_share(desk):.1%}"))
        rows.append((name, f"{what} flagged, all desks", str(sum(det.desk_items.values())),
                     f"{peer.flagged_share():.1%}", f"{det.flagged_share():.1%}"))
        return rows
    types = det.macro_types()
    label = "macro recall" + (" (one trigger per window)" if name == "rams" else "")
    rows.append((name, f"{label}, {len(types)} types", str(sum(det.total[t] for t in types)),
                 f"{peer.macro_recall:.3f}", f"{det.macro_recall:.3f}"))
    if det.no_event_units:
        rows.append((name, f"false alarms on no-event {_UNIT_WORD.get(name, 'units')}", str(det.no_event_units),
                     f"{peer.false_alarm_rate:.1%}", f"{det.false_alarm_rate:.1%}"))
        if det.mention_alarm_units != det.alarm_units:
            rows.append((name, "  the same, with mentions merged as related", str(det.no_event_units),
                         f"{peer.mention_alarm_rate:.1%}", f"{det.mention_alarm_rate:.1%}"))
    return rows


def format_realnews(pairs: list[tuple[RealnewsScore, RealnewsScore]], *, details: bool = False,
                    errors: bool = False, rules: list[RealnewsScore] | None = None) -> str:
    """The table: each set's measures, the keyword peer beside the detector; with ``rules`` (the
    rule detector alone, one score per pair) a column "rules only" between them, the detector's
    column then being the rules with the learned sense model."""
    split = pairs[0][1].split if pairs else "-"
    lines = [f"Real-news evaluation, split {split} (keyword peer: service/detection/keyword_peer.py)", ""]
    if rules:
        lines.insert(1, "detector: rules + learned sense model (service/detection/sense.py); rules only: without it")
        lines.append(f"{'set':11} {'measure':48} {'n':>6} {'peer':>8} {'rules only':>10} {'detector':>9}")
    else:
        lines.append(f"{'set':11} {'measure':48} {'n':>6} {'peer':>8} {'detector':>9}")
    for i, (peer, det) in enumerate(pairs):
        alone = realnews_rows(peer, rules[i]) if rules else []
        for j, (s, measure, n, p, d) in enumerate(realnews_rows(peer, det)):
            if rules:
                r = alone[j][4] if j < len(alone) and alone[j][1] == measure else "-"
                lines.append(f"{s:11} {measure:48} {n:>6} {p:>8} {r:>10} {d:>9}")
            else:
                lines.append(f"{s:11} {measure:48} {n:>6} {p:>8} {d:>9}")
    if details:
        for peer, det in pairs:
            lines += ["", *_details(peer, det)]
    if errors:
        for _peer, det in pairs:
            lines += ["", f"{det.name}: detector misses, false alarms and flagged articles", *det.errors]
    return "\n".join(lines)


def _details(peer: RealnewsScore, det: RealnewsScore) -> list[str]:
    if det.desk_items:
        out = [f"{det.name}: types of the flagged articles (detector): "
               + (", ".join(f"{t} {n}" for t, n in det.flagged_types.most_common()) or "none")]
        out.append(f"{det.name}: types of the flagged articles (peer): "
                   + (", ".join(f"{t} {n}" for t, n in peer.flagged_types.most_common()) or "none"))
        return out
    out = [f"{det.name}: recall per type ({det.items} items)", f"{'type':10} {'units':>6} {'peer':>7} {'detector':>9}"]
    for t in sorted(det.total, key=lambda t: -det.total[t]):
        star = "" if t in det.macro_types() else "  (not in the macro average)"
        out.append(f"{t:10} {det.total[t]:6} {peer.recall(t):7.3f} {det.recall(t):9.3f}{star}")
    if det.no_event_units:
        out.append("false alarms by type (detector): " + (", ".join(f"{t} {n}" for t, n in det.alarm_types.most_common()) or "none"))
    return out
