#!/usr/bin/env python3
"""Messages per subscription before (signal alerts) and after (event alerts), and events lost.

    python bench/events_messages.py [PATHS...]        # default: seeds/

The detector runs on the articles (as ``escalert alerts test`` does); signals are replayed in
publication order with that time as the clock. *Before*: each subscription profile as shipped
(signal alerts: grouping by type, actors, place and date with the default 30 s window and 4 h
repeat interval). *After*: the same filters with ``events: {}`` (first report, then material
updates) and with ``events: {mode: corroborated, min_sources: 2}``. *Lost*: signal alerts
(delivered) none of whose signals' events reached that subscription in the ``updates`` mode.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.alerts.dryrun import collect, replay  # noqa: E402
from service.alerts.subscriptions import build_set  # noqa: E402
from service.events.alerting import EventAlerting  # noqa: E402
from service.events.consolidate import Consolidator  # noqa: E402

PROFILES: dict[str, dict] = {
    "severity-4": {"filters": {"min_severity": 4}},
    "everything": {},
    "russia": {"filters": {"actors": ["RUS"]}},
    "calendar": {"filters": {"types": ["CONSULT"], "modalities": ["scheduled"]}},
}


def subs_doc(extra: dict | None) -> dict:
    return {"subscriptions": [
        {"name": name, "urls": ["json://127.0.0.1:9/x"], **profile, **({"events": extra} if extra is not None else {})}
        for name, profile in PROFILES.items()]}


def after(signals: list, extra: dict) -> tuple[Counter, dict[str, set[str]], dict[str, str]]:
    """(alerts per subscription, event ids alerted per subscription, signal id -> event id)."""
    c = Consolidator()
    ea = EventAlerting(build_set(subs_doc(extra), environ={}))
    counts: Counter = Counter()
    alerted: dict[str, set[str]] = {}
    for s in sorted(signals, key=lambda s: s.article.published_at):
        version = c.add(s)
        if version is None:
            continue
        for a in ea.process(version, s.article.published_at):
            if a.status == "deliver":
                counts[a.subscription] += 1
                alerted.setdefault(a.subscription, set()).add(a.event_id or "")
    owner = {}
    for key, rec in c.state.items():
        if key.startswith("e|"):
            for sid in rec["_ids"]:
                owner[sid] = rec["event_id"]
    return counts, alerted, owner


def main(paths: list[str]) -> int:
    signals, errors, articles = collect(paths)
    print(f"inputs: {' '.join(paths)}: {articles} articles, {len(signals)} signals, {len(errors)} errors")
    before_alerts, _ = replay(build_set(subs_doc(None), environ={}), signals)
    before = Counter(a.subscription for a in before_alerts if a.status == "deliver")
    updates, alerted, owner = after(signals, {})
    corroborated, _, _ = after(signals, {"mode": "corroborated", "min_sources": 2})
    print(f"{'subscription':<12} {'before':>7} {'events':>7} {'ratio':>6} {'corrob>=2':>9} {'lost':>5}")
    for name in PROFILES:
        lost = sum(
            1 for a in before_alerts
            if a.subscription == name and a.status == "deliver"
            and not any(owner.get(s.signal_id) in alerted.get(name, set()) for s in a.signals))
        ratio = before[name] / updates[name] if updates[name] else float("inf")
        print(f"{name:<12} {before[name]:>7} {updates[name]:>7} {ratio:>6.2f} {corroborated[name]:>9} {lost:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["seeds/"]))
