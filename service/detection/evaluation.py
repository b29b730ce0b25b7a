"""Measured quality: the detector scored against labeled data.

Two sets, two questions:

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
