#!/usr/bin/env python3
"""Messages per subscription: before (signal alerts, today's defaults) and after (event alerts,
grouped), and events lost.

    python bench/events_messages.py [PATHS...]                 # default: seeds/
    python bench/events_messages.py --arrival fed seeds/        # as a new user feeds the sample
    python bench/events_messages.py --cache indiapolice:2002-03-02 --arrival spread
    python bench/events_messages.py --cache wikievents --cache rams:300 --arrival spread

The detector runs on the articles (as ``escalert alerts test`` does). Each article *arrives* at
a moment, which is the clock of every decision about its signals (the worker decides at
arrival, not at publication):

- ``published`` (default): at its publication time;
- ``fed``: all at once, one every ``--spacing`` seconds in input order (publishing a folder);
- ``spread``: evenly over one day, in input order (for sources that give a date but no time).

``--cache SET[:DATE|:N]`` reads a cached evaluation set (``~/.cache/escalert/eval/SET``, dev and
test; real published news): the articles published on DATE, or the first N, or all. Nothing
from the cache is written anywhere.

*Before*: each subscription profile as shipped, without ``events`` (signal alerts: grouping by
type, actors, place and date, 30 s window, 4 h repeat interval). *Events, one per alert*: the
same filters with ``events: {group_wait: 0s}`` (every event alert its own message). *After*: the
same filters with ``events: {}`` (the shipped grouping: group_wait, group_interval, group_by).
*Lost*: delivered signal alerts none of whose signals' events reached that subscription after;
*twice*: events whose first report reached a subscription more than once. Prints numbers;
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.article import Article  # noqa: E402
from schemas.signal import Signal  # noqa: E402
from schemas.subscription import EventAlerts  # noqa: E402
from service.alerts.dryrun import collect  # noqa: E402
from service.alerts.noise import NoiseControl  # noqa: E402
from service.alerts.subscriptions import build_set  # noqa: E402
from service.events.replay import EventReplay, drain_due  # noqa: E402

PROFILES: dict[str, dict] = {
    "severity-4": {"filters": {"min_severity": 4}},
    "everything": {},
    "russia": {"filters": {"actors": ["RUS"]}},
    "calendar": {"filters": {"types": ["CONSULT"], "modalities": ["scheduled"]}},
}
CACHE = Path.home() / ".cache" / "escalert" / "eval"
FED_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def subs_doc(extra: dict | None) -> dict:
    return {"subscriptions": [
        {"name": name, "urls": ["json://127.0.0.1:9/x"], **profile, **({"events": extra} if extra is not None else {})}
        for name, profile in PROFILES.items()]}


def cached_articles(spec: str) -> list[Article]:
    """A cached evaluation set's articles: ``SET``, ``SET:YYYY-MM-DD`` or ``SET:N``."""
    name, _, which = spec.partition(":")
    out: list[Article] = []
    for split in ("dev", "test"):
        path = CACHE / name / f"{split}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if which and "-" in which and not doc["published_at"].startswith(which):
                continue
            url = doc.get("url")
            source = url.split("/")[2] if url and "//" in url else name
            out.append(Article(id=doc["id"], title=doc.get("title") or "", body=doc["text"],
                               url=url, source=source, published_at=doc["published_at"]))
    if which.isdigit():
        out = out[:int(which)]
    return out


def arrivals(signals: list[Signal], how: str, spacing: float) -> dict[str, datetime]:
    """article id -> the moment it arrives (see the module docstring)."""
    order = list(dict.fromkeys(s.article_id for s in signals))
    published = {s.article_id: s.article.published_at for s in signals}
    if how == "published":
        return published
    if how == "fed":
        return {a: FED_START + timedelta(seconds=i * spacing) for i, a in enumerate(order)}
    day = min(published.values()).replace(hour=0, minute=0, second=0, microsecond=0)
    step = 86400 / max(1, len(order))
    return {a: day + timedelta(seconds=i * step) for i, a in enumerate(order)}


def before(signals: list[Signal], at: dict[str, datetime]) -> list:
    nc = NoiseControl(build_set(subs_doc(None), environ={}), {}, clock=lambda: FED_START)
    out = []
    for s in sorted(signals, key=lambda s: at[s.article_id]):
        t = at[s.article_id]
        out += drain_due(nc.next_due, nc.flush_due, t)
        out += nc.process(s, t)
    return out + drain_due(nc.next_due, nc.flush_due, None)


def after(signals: list[Signal], at: dict[str, datetime], extra: dict) -> tuple[list, dict[str, str]]:
    """(delivered messages, signal id -> event id)."""
    run = EventReplay(build_set(subs_doc(extra), environ={}))
    for s in sorted(signals, key=lambda s: at[s.article_id]):
        run.arrive(s, at[s.article_id])
    run.until(None)
    return [a for a in run.alerts if a.status == "deliver"], run.event_of()


def told(messages: list) -> tuple[dict[str, set[str]], Counter]:
    """(events each subscription heard of, first reports per (subscription, event))."""
    heard: dict[str, set[str]] = {}
    firsts: Counter = Counter()
    for a in messages:
        items = [(n.event_id, n.reason) for n in a.events] or [(a.event_id, a.reason)]
        for event_id, reason in items:
            heard.setdefault(a.subscription, set()).add(event_id or "")
            if reason == "event_new":
                firsts[(a.subscription, event_id)] += 1
    return heard, firsts


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--cache", action="append", default=[], help="SET, SET:YYYY-MM-DD or SET:N")
    ap.add_argument("--arrival", choices=["published", "fed", "spread"], default="published")
    ap.add_argument("--spacing", type=float, default=2.0, help="fed: seconds between articles")
    ap.add_argument("--events", default="{}", help="after: the events options (JSON), default: the shipped ones")
    args = ap.parse_args(argv)
    from service.detection import detect

    paths = args.paths or ([] if args.cache else ["seeds/"])
    signals, errors, articles = collect(paths) if paths else ([], [], 0)
    for spec in args.cache:
        for art in cached_articles(spec):
            articles += 1
            signals.extend(detect(art))
    at = arrivals(signals, args.arrival, args.spacing)
    span = (max(at.values()) - min(at.values())) if at else timedelta(0)
    print(f"inputs: {' '.join(paths + args.cache)}: {articles} articles, {len(signals)} signals, "
          f"{len(errors)} errors; arrival {args.arrival}, over {span}")
    extra = json.loads(args.events)
    d = EventAlerts.model_validate(extra)
    print(f"after = events: group_by {d.group_by or '[] (one group)'}, group_wait {d.group_wait}, "
          f"group_interval {d.group_interval}")
    old = [a for a in before(signals, at) if a.status == "deliver"]
    single, _ = after(signals, at, {"group_wait": 0})
    grouped, owner = after(signals, at, extra)
    heard, firsts = told(grouped)
    print(f"{'subscription':<12} {'before':>7} {'events':>7} {'after':>6} {'ratio':>6} "
          f"{'events listed':>13} {'lost':>5} {'twice':>5}")
    for name in PROFILES:
        b = sum(a.subscription == name for a in old)
        n1 = sum(a.subscription == name for a in single)
        n2 = sum(a.subscription == name for a in grouped)
        lost = sum(1 for a in old if a.subscription == name and not any(
            owner.get(s.signal_id) in heard.get(name, set()) for s in a.signals))
        twice = sum(1 for (sub, _), k in firsts.items() if sub == name and k > 1)
        ratio = f"{b / n2:.1f}" if n2 else "-"
        print(f"{name:<12} {b:>7} {n1:>7} {n2:>6} {ratio:>6} {len(heard.get(name, ())):>13} {lost:>5} {twice:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
