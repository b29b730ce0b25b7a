"""Check items.jsonl against the annotation guidelines and print its counts.

Run: ``.venv/bin/python tests/data/labeled/validate.py`` (exit 1 when a check fails). It checks
that every line parses, ids are unique, categories, types, modalities and splits are valid, dates
are ISO and consistent, scheduled events have a date, actor codes have the documented shape, and
that the set meets the minimums of the issue (per-type, per-category, per-date-form counts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
TYPES = [
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
]
KEY_TYPES = [
    "MOBILIZE",
    "CONSULT",
    "THREATEN",
    "SANCTION",
    "ASSAULT",
    "AGREE",
    "AID",
    "COERCE",
    "RETREAT",
    "PROTEST",
]
SPLITS = ("dev", "holdout", "dev2", "dev3")
MODALITIES = ("asserted", "scheduled", "speculative", "denied", "historical")
CATEGORIES = (
    "event",
    "scheduled",
    "denial",
    "speculation",
    "history",
    "multi",
    "lookalike",
    "negative",
)
MINIMUM_CATEGORY = {
    "scheduled": 45,
    "lookalike": 40,
    "denial": 20,
    "speculation": 20,
    "history": 15,
    "multi": 20,
}
IGOS_GROUPS = set(
    [
        "NATO",
        "EU",
        "UN",
        "OSCE",
        "AU",
        "ASEAN",
        "ARABLEAGUE",
        "GCC",
        "G7",
        "G20",
        "IAEA",
        "ICC",
        "IMF",
        "WORLDBANK",
        "OPEC",
        "CSTO",
        "SCO",
        "BRICS",
        "ECOWAS",
        "WHO",
        "ICRC",
        "HAMAS",
        "HEZBOLLAH",
        "HOUTHIS",
        "TALIBAN",
        "ISIS",
        "ALQAEDA",
        "ALSHABAAB",
        "WAGNER",
        "RSF",
        "M23",
        "PKK",
        "BOKOHARAM",
        "PIJ",
    ]
)
ISO3 = re.compile(r"^[A-Z]{3}$")
KEYS = {"id", "split", "category", "published_at", "text", "expected"}
EVENT_KEYS = {
    "type",
    "modality",
    "mode",
    "event_date",
    "event_date_end",
    "source",
    "target",
    "location",
    "location_country",
}
# Date forms the scheduled items must cover (regexes over the text of scheduled items).
DATE_FORMS = {
    "on Jan. 10": r"\b(?:on )?(?:Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\. \d{1,2}\b(?!-)",
    "January 12": r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}\b(?![-,]? ?\d{4})",
    "12 January": r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December)\b",
    "Jan. 12-14 / ranges": r"\d{1,2}(?:-|–| to | and )\d{1,2}\b|between \w+\.? \d{1,2} and",
    "next Tuesday": r"\bnext (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    "on Thursday": r"\bon (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    "this Friday": r"\bthis (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    "tomorrow": r"\btomorrow\b",
    "on March 3, 2025": r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}\b",
}


def iso_date(value: object) -> bool:
    if value is None:
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)))


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "items.jsonl"
    errors: list[str] = []
    items = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            items.append((lineno, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(f"line {lineno}: not JSON: {exc}")
    ids: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    by_cat: Counter[str] = Counter()
    by_split: Counter[tuple[str, str]] = Counter()
    by_type_mod: Counter[tuple[str, str]] = Counter()
    items_with_alert_type: Counter[str] = Counter()
    items_with_type: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    for lineno, it in items:
        where = f"line {lineno} ({it.get('id')})"
        missing = KEYS - it.keys()
        if missing:
            errors.append(f"{where}: missing keys {sorted(missing)}")
            continue
        ids[it["id"]] += 1
        texts[it["text"]] += 1
        if it["category"] not in CATEGORIES:
            errors.append(f"{where}: bad category {it['category']!r}")
        if it["split"] not in SPLITS:
            errors.append(f"{where}: bad split {it['split']!r}")
        try:
            pub = dt.datetime.fromisoformat(it["published_at"].replace("Z", "+00:00"))
        except ValueError:
            errors.append(f"{where}: published_at not ISO 8601")
            continue
        by_cat[it["category"]] += 1
        by_split[(it["category"], it["split"])] += 1
        if it["category"] in ("lookalike", "negative") and it["expected"]:
            errors.append(f"{where}: {it['category']} item with expected events")
        seen_alert, seen = set(), set()
        for ev in it["expected"]:
            if set(ev) != EVENT_KEYS:
                errors.append(f"{where}: event keys {sorted(set(ev) ^ EVENT_KEYS)} wrong")
                continue
            if ev["type"] not in TYPES:
                errors.append(f"{where}: bad type {ev['type']!r}")
            if ev["modality"] not in MODALITIES:
                errors.append(f"{where}: bad modality {ev['modality']!r}")
            for key in ("event_date", "event_date_end"):
                if not iso_date(ev[key]):
                    errors.append(f"{where}: {key} {ev[key]!r} is not YYYY-MM-DD")
            if ev["modality"] == "scheduled":
                if not ev["event_date"]:
                    errors.append(f"{where}: scheduled {ev['type']} without event_date")
                elif (
                    dt.date.fromisoformat(ev["event_date"]) <= pub.date()
                    and ev["event_date"] != pub.date().isoformat()
                ):
                    errors.append(f"{where}: scheduled {ev['type']} dated before publication")
            if ev["event_date_end"] and (
                not ev["event_date"] or ev["event_date_end"] < ev["event_date"]
            ):
                errors.append(f"{where}: event_date_end without or before event_date")
            for side in ("source", "target"):
                if not isinstance(ev[side], list):
                    errors.append(f"{where}: {side} is not a list")
                    continue
                for code in ev[side]:
                    if code not in IGOS_GROUPS and not ISO3.match(code):
                        errors.append(f"{where}: unknown actor code {code!r}")
            if ev["location_country"] is not None and not ISO3.match(ev["location_country"]):
                errors.append(f"{where}: location_country {ev['location_country']!r}")
            by_type_mod[(ev["type"], ev["modality"])] += 1
            seen.add(ev["type"])
            if ev["modality"] in ("asserted", "scheduled"):
                seen_alert.add(ev["type"])
        items_with_alert_type.update(seen_alert)
        items_with_type.update(seen)
        if it["category"] == "scheduled":
            for name, rx in DATE_FORMS.items():
                if re.search(rx, it["text"]):
                    forms[name] += 1
    errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    errors += [f"duplicate text: {t[:60]}..." for t, n in texts.items() if n > 1]

    total = len(items)
    holdout = sum(n for (_, s), n in by_split.items() if s == "holdout")
    dev2 = sum(n for (_, s), n in by_split.items() if s == "dev2")
    dev3 = sum(n for (_, s), n in by_split.items() if s == "dev3")
    print(f"items: {total} (holdout {holdout}, {holdout / max(total, 1):.0%}; dev2 {dev2}; dev3 {dev3})")
    print("\nper category (dev/holdout/dev2/dev3):")
    for c in CATEGORIES:
        print(f"  {c:12s} {by_cat[c]:4d}  ({by_split[(c, 'dev')]}/{by_split[(c, 'holdout')]}/{by_split[(c, 'dev2')]}/{by_split[(c, 'dev3')]})")
    print("\nevents per type x modality:")
    print(
        f"  {'type':10s} "
        + " ".join(f"{m[:5]:>5s}" for m in MODALITIES)
        + "  items(asserted|scheduled)"
    )
    for t in TYPES:
        print(
            f"  {t:10s} "
            + " ".join(f"{by_type_mod[(t, m)]:5d}" for m in MODALITIES)
            + f"  {items_with_alert_type[t]:4d}"
        )
    print("\ndate forms in scheduled items:")
    for name in DATE_FORMS:
        print(f"  {name:22s} {forms[name]}")

    warnings = []
    if total < 240:
        warnings.append(f"{total} items, fewer than 240")
    for t in TYPES:
        need = 12 if t in KEY_TYPES else 4
        if items_with_alert_type[t] < need:
            warnings.append(
                f"{t}: {items_with_alert_type[t]} items with an asserted/scheduled event, need {need}"
            )
    for c, need in MINIMUM_CATEGORY.items():
        if by_cat[c] < need:
            warnings.append(f"category {c}: {by_cat[c]}, need {need}")
    for name, n in forms.items():
        if n == 0:
            warnings.append(f"date form {name!r} not covered")
    for name in DATE_FORMS:
        if forms[name] == 0:
            warnings.append(f"date form {name!r} not covered")
    print()
    for w in sorted(set(warnings)):
        print("MINIMUM NOT MET:", w)
    for e in errors:
        print("ERROR:", e)
    return 1 if errors or warnings else 0


if __name__ == "__main__":
    sys.exit(main())
