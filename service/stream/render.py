"""One readable line per message for ``escalert tail``: signals, dead letters, anything else.

Pure functions of the message bytes, so the format is unit-tested without a broker.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from schemas.deadletter import DeadLetter
from schemas.signal import Signal

MAX_EVIDENCE = 160


def _clip(text: str, n: int = MAX_EVIDENCE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _actors(actors: list[Any]) -> str:
    return ",".join(a.code for a in actors) or "?"


def render_signal(sig: Signal) -> str:
    when = sig.event_date.isoformat() if sig.event_date else "----------"
    if sig.event_date_end:
        when += f"..{sig.event_date_end.isoformat()}"
    mode = f"/{sig.mode}" if sig.mode else ""
    where = f" @ {sig.location.name}" if sig.location else ""
    who = f"{_actors(sig.actors.source)} -> {_actors(sig.actors.target)}"
    return (
        f"{when}  {sig.type}{mode} [{sig.modality}] sev {sig.severity}  {who}{where}  "
        f"\u201c{_clip(sig.evidence.sentence)}\u201d  ({sig.article_id})"
    )


def render_dead_letter(dl: DeadLetter) -> str:
    where = f"{dl.source_topic}[{dl.partition}]@{dl.offset}" if dl.source_topic else "?"
    return f"DEAD LETTER {dl.reason}  {where}  {_clip(dl.error, 240)}  ({len(dl.payload)} chars of payload)"


def render_message(value: bytes | None, key: bytes | None = None) -> str:
    """Best effort: a signal, a dead letter, other JSON (compact), or the raw text."""
    if value is None:
        return f"(null value) key={key!r}"
    try:
        obj = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return f"(not JSON) {_clip(value.decode('utf-8', 'replace'), 240)}"
    if isinstance(obj, dict):
        if "signal_id" in obj and "evidence" in obj:
            try:
                return render_signal(Signal.model_validate(obj))
            except ValidationError:
                pass
        if "reason" in obj and "payload" in obj and "failed_at" in obj:
            try:
                return render_dead_letter(DeadLetter.model_validate(obj))
            except ValidationError:
                pass
        if "alert_id" in obj and "subscription" in obj:
            status = obj.get("status", "deliver")
            n = len(obj.get("signals") or [])
            return (f"ALERT  [{obj.get('subscription')}] S{obj.get('severity', '?')} {status:9} "
                    f"{_clip(str(obj.get('title', '')), 160)}  ({n} signal{'s' if n != 1 else ''})")
        if "body" in obj:
            title = obj.get("title") or _clip(str(obj.get("body")), 80)
            return f"ARTICLE {obj.get('id', '?')}  {_clip(str(title), 160)}"
    return _clip(json.dumps(obj, ensure_ascii=False), 400)
