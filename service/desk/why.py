"""Why a subscription did, or did not, get a signal: its filters, silences and alerts, in order.

Pure: the subscription, the signal, the silences and the subscription's alerts that name the
signal come in; a list of steps (each ``{"step", "ok", "detail"}``) and a one-line verdict go out.
The steps are the router's own tests (:mod:`service.alerts.router`), one per filter, so the
answer names the filter that stopped it ("type ASSAULT is not in [MOBILIZE, COERCE]").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.signal import Signal
from schemas.subscription import Silence, Subscription
from service.alerts.router import (
    build_automaton,
    find_keywords,
    keyword_text,
    signal_actor_codes,
    signal_country,
)
from service.alerts.silences import first_silence


def filter_steps(sub: Subscription, sig: Signal) -> list[dict[str, Any]]:
    """One step per filter the subscription sets (and its modality and severity floor)."""
    f = sub.filters
    steps = []

    def step(name: str, ok: bool, detail: str) -> None:
        steps.append({"step": name, "ok": ok, "detail": detail})

    if not sub.enabled:
        step("enabled", False, f"subscription {sub.name} is disabled (enabled: false)")
    if f.types:
        allowed = ", ".join(t.value for t in f.types)
        step("types", sig.type in f.types, f"type {sig.type.value} {'is' if sig.type in f.types else 'is not'} in [{allowed}]")
    mods = {m.value for m in f.modalities}
    step("modalities", sig.modality.value in mods,
         f"modality {sig.modality.value} {'is' if sig.modality.value in mods else 'is not'} in [{', '.join(sorted(mods))}]")
    step("min_severity", sig.severity >= f.min_severity,
         f"severity {sig.severity} {'>=' if sig.severity >= f.min_severity else '<'} {f.min_severity}")
    if f.actors:
        have = signal_actor_codes(sig)
        common = sorted(have & set(f.actors))
        step("actors", bool(common), f"actors {', '.join(sorted(have)) or 'none'}; the filter wants "
             f"any of [{', '.join(f.actors)}]" + (f": {', '.join(common)} matches" if common else ""))
    if f.countries:
        c = signal_country(sig)
        step("countries", c in f.countries,
             f"country {c or 'unknown'} {'is' if c in f.countries else 'is not'} in [{', '.join(f.countries)}]")
    if f.keywords:
        auto = build_automaton(k.lower() for k in f.keywords)
        found = sorted(find_keywords(auto, keyword_text(sig))) if auto else []
        step("keywords", bool(found), f"keywords found: {', '.join(found)}" if found else
             f"none of [{', '.join(f.keywords)}] in the sentence or title")
    return steps


def explain(sub: Subscription, sig: Signal, silences: list[Silence],
            alerts: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The whole answer for one (subscription, signal)."""
    steps = filter_steps(sub, sig)
    if alerts:
        a = alerts[-1]
        verdict = {
            "deliver": f"sent in alert {a['alert_id']} ({a['title']})",
            "silenced": f"matched, but alert {a['alert_id']} was silenced by {a.get('silenced_by')}",
            "held": f"matched, alert {a['alert_id']} was held (quiet hours) for later",
        }.get(a["status"], f"alert {a['alert_id']}: {a['status']}")
        return {"verdict": verdict, "reached": a["status"] == "deliver", "steps": steps,
                "alerts": alerts}
    failed = [s for s in steps if not s["ok"]]
    if failed:
        return {"verdict": "not sent: " + "; ".join(s["detail"] for s in failed), "reached": False,
                "steps": steps, "alerts": []}
    when = datetime.fromisoformat(sig.article.published_at.isoformat())
    group_key = ""
    sil = first_silence(silences, when, subscription=sub.name, signal=sig, group_key=group_key,
                        severity=sig.severity) or first_silence(
        silences, now, subscription=sub.name, signal=sig, group_key=group_key, severity=sig.severity)
    if sil is not None:
        steps.append({"step": "silences", "ok": False,
                      "detail": f"silence {sil.id} matches ({sil.reason}), "
                                f"{sil.starts_at:%Y-%m-%d %H:%M} .. {sil.ends_at:%Y-%m-%d %H:%M} UTC"})
        return {"verdict": f"not sent: silence {sil.id} ({sil.reason})", "reached": False,
                "steps": steps, "alerts": []}
    steps.append({"step": "silences", "ok": True, "detail": "no silence matches"})
    return {"verdict": "passed every filter and no silence matches, but no alert of this "
                       "subscription names the signal: it joined an alert of the same event "
                       "already sent within the repeat interval, or the alert is not stored yet",
            "reached": False, "steps": steps, "alerts": []}
