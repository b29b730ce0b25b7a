"""Messages: an :class:`~schemas.alert.Alert` as Markdown (chat), HTML (email) or plain text.

``render(alert, fmt, now) -> Rendered(title, body)``; ``now`` makes "in 3 days" deterministic.
``fit(text, limit) -> list[str]`` splits (or truncates) a body to a channel's limit without
breaking a word, an escape, a Markdown bold pair or an HTML entity.
``channel_profile(url) -> (fmt, limit)`` tells delivery which format and limit suit a target
(``mailto`` -> html, no limit; ``tgram`` -> markdown, 4096; ``discord`` 2000; ``slack`` 40000;
SMS-like schemes 160).

Every message says: type (and mode), actors, place, date (relative for scheduled events),
severity, the evidence sentence with the trigger marked, the source link, and why it matched.
Everything that comes from an article is escaped for the target format: a headline with ``*`` or
``<script>`` must not change the message's markup.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from schemas.alert import Alert
from schemas.common import Modality
from schemas.signal import Signal

Format = Literal["markdown", "html", "text"]

# Characters with meaning in the Markdown dialects Apprise targets (CommonMark, Telegram
# MarkdownV1/V2 via Apprise, Discord, Slack mrkdwn is converted by Apprise).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")

CHANNEL_LIMITS: dict[str, int | None] = {
    "tgram": 4096,
    "discord": 2000,
    "slack": 40000,
    "msteams": 28000,
    "mmost": 16383,
    "mmosts": 16383,
    "ntfy": 4096,
    "ntfys": 4096,
    "sns": 160,
    "twilio": 160,
    "clicksend": 160,
    "vonage": 160,
    "nexmo": 160,
    "signal": 2000,
    "mailto": None,
    "mailtos": None,
}
_HTML_SCHEMES = frozenset({"mailto", "mailtos", "ses", "sendgrid", "mailgun", "sparkpost"})
_TEXT_SCHEMES = frozenset({"sns", "twilio", "clicksend", "vonage", "nexmo"})


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    body: str


def channel_profile(url: str) -> tuple[Format, int | None]:
    """(format, character limit or None) for an Apprise URL, by its scheme."""
    scheme = url.split("://", 1)[0].lower()
    fmt: Format = "html" if scheme in _HTML_SCHEMES else "text" if scheme in _TEXT_SCHEMES else "markdown"
    return fmt, CHANNEL_LIMITS.get(scheme)


def escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _esc(text: str, fmt: Format) -> str:
    if fmt == "markdown":
        return escape_md(text)
    if fmt == "html":
        return html.escape(text, quote=True)
    return text


def relative_day(day: date, today: date) -> str:
    """'today', 'tomorrow', 'in 3 days', 'yesterday', '5 days ago'."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta} days" if delta > 0 else f"{-delta} days ago"


def date_phrase(signal: Signal, now: datetime) -> str | None:
    if signal.event_date is None:
        return None
    text = signal.event_date.isoformat()
    if signal.event_date_end and signal.event_date_end != signal.event_date:
        text += f" to {signal.event_date_end.isoformat()}"
    rel = relative_day(signal.event_date, now.date())
    if signal.modality == Modality.SCHEDULED or signal.event_date >= now.date():
        return f"{text} ({rel})"
    return text


def marked_sentence(signal: Signal, fmt: Format) -> str:
    """The evidence sentence, escaped, with the trigger words marked (bold / <mark> / *..*)."""
    ev = signal.evidence
    s = ev.sentence
    a, b = ev.trigger_start - ev.start, ev.trigger_end - ev.start
    if not (0 <= a < b <= len(s) and s[a:b].lower() == ev.trigger.lower()):
        i = s.lower().find(ev.trigger.lower()) if ev.trigger else -1
        a, b = (i, i + len(ev.trigger)) if i >= 0 else (-1, -1)
    if a < 0:
        return _esc(s, fmt)
    pre, trig, post = _esc(s[:a], fmt), _esc(s[a:b], fmt), _esc(s[b:], fmt)
    if fmt == "markdown":
        return f"{pre}**{trig}**{post}"
    if fmt == "html":
        return f"{pre}<mark><strong>{trig}</strong></mark>{post}"
    return f"{pre}*{trig}*{post}"


def _actors(signal: Signal) -> str:
    def names(actors: list) -> str:
        return ", ".join(dict.fromkeys(f"{a.code}" for a in actors))

    src, tgt = names(signal.actors.source), names(signal.actors.target)
    if src and tgt:
        return f"{src} → {tgt}"
    return src or (f"→ {tgt}" if tgt else "unknown")


def _place(signal: Signal) -> str | None:
    loc = signal.location
    if loc is None:
        return None
    return f"{loc.name} ({loc.country})" if loc.country and loc.country not in loc.name else loc.name


def _link(label: str, url: str | None, fmt: Format) -> str:
    if not url:
        return _esc(label, fmt)
    if fmt == "markdown":
        safe = url.replace(")", "%29").replace(" ", "%20")
        return f"[{escape_md(label)}]({safe})"
    if fmt == "html":
        # The URL is also shown as text: Apprise builds the email's plain-text part from the
        # HTML and drops href targets, which would lose the link there.
        u = html.escape(url, quote=True)
        return f'<a href="{u}">{html.escape(label)}</a> &lt;{u}&gt;'
    return f"{label} <{url}>"


def _source_label(signal: Signal) -> str:
    a = signal.article
    return a.source or a.title or a.id


def _fields(signal: Signal, now: datetime) -> list[tuple[str, str]]:
    rows = [
        ("Type", signal.type.value + (f" ({signal.mode})" if signal.mode else "")
         + f", {signal.modality.value}"),
        ("Actors", _actors(signal)),
    ]
    if (place := _place(signal)) is not None:
        rows.append(("Place", place))
    if (when := date_phrase(signal, now)) is not None:
        rows.append(("Date", when))
    rows.append(("Severity", f"{signal.severity}/5"))
    return rows


def _lines(fmt: Format, rows: list[tuple[str, str]]) -> list[str]:
    if fmt == "markdown":
        return [f"**{k}:** {escape_md(v)}" for k, v in rows]
    if fmt == "html":
        return [f"<tr><th align=\"left\">{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows]
    return [f"{k}: {v}" for k, v in rows]


def _status_note(alert: Alert) -> str | None:
    if alert.status == "silenced":
        return f"Silenced by {alert.silenced_by} (recorded, not delivered)."
    if alert.status == "held":
        return "Held for quiet hours; it will arrive in the digest when they end."
    if alert.reason == "severity_rise":
        return "Severity rose since the last alert for this event."
    return None


def _render_alert(alert: Alert, fmt: Format, now: datetime) -> str:
    sig = alert.signals[0]
    parts: list[str] = []
    rows = _fields(sig, now)
    quote = marked_sentence(sig, fmt)
    n_sources = alert.source_count
    others = alert.signals[1:]
    more = alert.signal_count - len(alert.signals)
    why = "; ".join(alert.matched)
    note = _status_note(alert)
    if fmt == "html":
        parts.append(f"<h2>{html.escape(alert.title)}</h2>")
        if note:
            parts.append(f"<p><em>{html.escape(note)}</em></p>")
        parts.append("<table>" + "".join(_lines(fmt, rows)) + "</table>")
        parts.append(f"<blockquote>{quote}</blockquote>")
        src = [f"<li>{_link(_source_label(s), s.article.url, fmt)}</li>" for s in alert.signals]
        if more > 0:
            src.append(f"<li>and {more} more</li>")
        parts.append(f"<p>Reported by {n_sources} source{'s' if n_sources != 1 else ''}:</p>"
                     f"<ul>{''.join(src)}</ul>")
        parts.append(f"<p><small>Why: {html.escape(why)}</small></p>")
        return "\n".join(parts)
    if fmt == "markdown":
        parts.append(f"**{escape_md(alert.title)}**")
        if note:
            parts.append(f"_{escape_md(note)}_")
        parts.append("\n".join(_lines(fmt, rows)))
        parts.append(f"> {quote}")
        src = [f"- {_link(_source_label(s), s.article.url, fmt)}" for s in alert.signals]
    else:
        parts.append(alert.title)
        if note:
            parts.append(note)
        parts.append("\n".join(_lines(fmt, rows)))
        parts.append(f'"{quote}"')
        src = [f"- {_link(_source_label(s), s.article.url, fmt)}" for s in alert.signals]
    if more > 0:
        src.append(f"- and {more} more")
    head = f"Reported by {n_sources} source{'s' if n_sources != 1 else ''}:"
    parts.append(head + "\n" + "\n".join(src))
    parts.append(f"Why: {_esc(why, fmt)}")
    _ = others
    return "\n\n".join(parts)


def _render_digest(alert: Alert, fmt: Format, now: datetime) -> str:
    groups: dict[str, list[Signal]] = defaultdict(list)
    for s in alert.signals:
        loc = s.location
        region = (loc.country or loc.name) if loc else "unknown place"
        groups[f"{s.type.value} in {region}"].append(s)
    counts = dict(alert.counts) or {k: len(v) for k, v in groups.items()}
    period = ""
    if alert.period_start and alert.period_end:
        period = f"{alert.period_start:%Y-%m-%d %H:%M} to {alert.period_end:%Y-%m-%d %H:%M} UTC"
    why = "; ".join(alert.matched)
    order = sorted(counts, key=lambda k: (-counts[k], k))
    if fmt == "html":
        out = [f"<h2>{html.escape(alert.title)}</h2>"]
        if period:
            out.append(f"<p>{html.escape(period)}</p>")
        for label in order:
            items = "".join(
                f"<li>{_link(_source_label(s), s.article.url, fmt)}: {marked_sentence(s, fmt)}"
                f" (severity {s.severity}{', ' + html.escape(d) if (d := date_phrase(s, now)) else ''})</li>"
                for s in groups.get(label, [])
            )
            out.append(f"<h3>{html.escape(label)}: {counts[label]}</h3><ul>{items}</ul>")
        out.append(f"<p><small>Why: {html.escape(why)}</small></p>")
        return "\n".join(out)
    out = [f"**{escape_md(alert.title)}**" if fmt == "markdown" else alert.title]
    if period:
        out.append(_esc(period, fmt))
    for label in order:
        head = f"**{escape_md(label)}: {counts[label]}**" if fmt == "markdown" else f"{label}: {counts[label]}"
        lines = []
        for s in groups.get(label, []):
            d = date_phrase(s, now)
            extra = f" (severity {s.severity}{', ' + _esc(d, fmt) if d else ''})"
            lines.append(f"- {_link(_source_label(s), s.article.url, fmt)}: {marked_sentence(s, fmt)}{extra}")
        shown = len(groups.get(label, []))
        if counts[label] > shown:
            lines.append(f"- and {counts[label] - shown} more")
        out.append(head + ("\n" + "\n".join(lines) if lines else ""))
    out.append(f"Why: {_esc(why, fmt)}")
    return "\n\n".join(out)


def render(alert: Alert, fmt: Format, now: datetime) -> Rendered:
    """The message for one alert or digest in ``fmt``; ``title`` is plain text (subject line)."""
    sev = f"[S{alert.severity}] "
    title = sev + alert.title
    if alert.kind == "digest":
        body = _render_digest(alert, fmt, now)
    else:
        body = _render_alert(alert, fmt, now)
    if fmt == "html":
        body = f"<html><body>\n{body}\n</body></html>"
    return Rendered(title=title, body=body)


def html_to_text(alert: Alert, now: datetime) -> str:
    """The plain-text alternative part for an HTML email."""
    return render(alert, "text", now).body


# --- fitting a message into a channel's limit -------------------------------------------------------

ELLIPSIS = "…"


def _safe_cut(text: str, limit: int) -> int:
    """The best index <= limit to cut at: a paragraph, a line, a space; never mid-escape/entity."""
    if len(text) <= limit:
        return len(text)
    window = text[:limit]
    for sep in ("\n\n", "\n", " "):
        i = window.rfind(sep)
        if i >= limit // 2:
            return i + len(sep)
    cut = limit
    # do not end on a Markdown escape backslash or inside an HTML entity like &amp;
    amp = window.rfind("&")
    if amp != -1 and ";" not in window[amp:] and limit - amp <= 10:
        cut = amp
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    # never split a surrogate pair / combining mark from its base character
    while 0 < cut < len(text) and _is_combining(text[cut]):
        cut -= 1
    return max(cut, 1)


def _is_combining(ch: str) -> bool:
    import unicodedata

    return unicodedata.combining(ch) != 0 or ch == "\u200d" or "\ufe00" <= ch <= "\ufe0f"


def _balance_bold(chunk: str) -> tuple[str, bool]:
    """Close a ``**`` left open at the end of a chunk; True when the next must reopen it."""
    n = len(re.findall(r"(?<!\\)\*\*", chunk))
    if n % 2:
        return chunk + "**", True
    return chunk, False


def fit(text: str, limit: int | None, *, mode: Literal["split", "truncate"] = "split",
        max_parts: int | None = None) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters (``None``: no limit).

    ``split`` keeps everything, cutting at paragraph, line, then word boundaries and keeping
    Markdown bold balanced; parts are numbered ``(1/3)``. ``truncate`` (or reaching
    ``max_parts``) ends the last part with ``…`` so the reader sees that something was cut.
    """
    if limit is None or len(text) <= limit:
        return [text]
    if limit < 8:
        raise ValueError("limit too small for a message")
    if mode == "truncate":
        max_parts = 1
    marker_room = 8  # " (12/34)"
    budget = limit - marker_room
    parts: list[str] = []
    rest = text
    reopen = False
    while rest:
        if reopen:
            rest = "**" + rest
        if max_parts is not None and len(parts) == max_parts - 1 and len(rest) > budget:
            room = limit - len(ELLIPSIS) - (2 if "**" in rest else 0)
            cut = _safe_cut(rest, room)
            chunk, _ = _balance_bold(rest[:cut].rstrip())
            parts.append(chunk + ELLIPSIS)
            break
        cut = _safe_cut(rest, budget - 2)  # room to close a bold pair
        chunk, reopen = _balance_bold(rest[:cut].rstrip())
        parts.append(chunk)
        rest = rest[cut:].lstrip("\n ")
    if len(parts) > 1 and mode == "split":
        n = len(parts)
        parts = [f"{p} ({i}/{n})" if not p.endswith(ELLIPSIS) else p for i, p in enumerate(parts, 1)]
    return parts
