"""Messages: an :class:`~schemas.alert.Alert` as Markdown (chat), HTML (email) or plain text.

``render(alert, fmt, now) -> Rendered(title, body)``; ``now`` makes "in 3 days" deterministic.
``html_to_text(alert, now)`` is the plain-text part of an HTML email (delivery hands it to
Apprise's email plugin instead of letting Apprise strip the HTML).
``fit(text, limit) -> list[str]`` splits (or truncates) a body to a channel's limit without
breaking a word, an escape, a Markdown bold pair or an HTML entity.
(Which format and limit suit a target: :func:`service.alerts.targets.channel_profile`.)

An alert message says, for its representative signal: the article's headline, outlet,
publication time and ONE link; who did what to whom (actor codes with their names, see
:mod:`service.alerts.names`), where and when (relative dates, see :func:`date_phrase`); the
severity; the evidence sentence with the trigger marked; the other outlets; why it matched.

Markdown is CommonMark written so that every chat dialect Apprise targets shows it as meant:
field lines are list items (a soft line break would join them into one line); article text is
escaped only where a character could start markup (``*``, `````, ``[``, ``]``, ``<``, ``\\``,
an ``_`` not inside a word, doubled ``~`` and ``|``), so no stray ``\\>`` or ``\\=`` appears;
links are ``[label](url)``; the evidence sentence is in quotation marks (Telegram Markdown and
Teams cards have no block quote). Apprise turns this into Slack mrkdwn (``*bold*``,
``<url|label>``) and Telegram Markdown (``*bold*``, ``[label](url)``); Discord, Mattermost and
Teams read it as is. See docs/alerts.md for what each channel receives.

Everything that comes from an article is escaped for the target format, and only ``http`` and
``https`` links are ever emitted (:func:`safe_url`): a ``javascript:`` or ``data:`` URL is shown
nowhere, the outlet's name stays as plain text.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from schemas.alert import Alert, AlertMessage
from schemas.common import Genre, Modality
from schemas.signal import Actor, ArticleRef, Signal
from service.alerts.names import label as code_label
from service.alerts.names import name_of
from service.alerts.targets import Format

# Within a week either way, "3 days ago" helps a reader; older dates are placed relative to the
# article instead (an event reported two years ago is not "695 days ago" news).
RECENT_DAYS = 7


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    body: str


# --- escaping and links --------------------------------------------------------------------------

# Characters that start inline markup anywhere in a line, in CommonMark and the chat dialects.
# An underscore between two letters or digits never starts emphasis (snake_case stays as is).
_MD_INLINE = re.compile(
    r"([\\`*\[\]<])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|(~~|\|\|)|(&(?=#?[A-Za-z0-9]+;))"
)
# Characters that start a block (quote, heading, list) only at the start of a line.
_MD_LINE_START = re.compile(r"^([>#+\-])")


def _md_sub(m: re.Match[str]) -> str:
    return "".join("\\" + ch for ch in m.group(0))


def escape_md(text: str) -> str:
    """Escape what could turn article text into Markdown markup, and nothing else."""
    return _MD_LINE_START.sub(r"\\\1", _MD_INLINE.sub(_md_sub, text))


def _one_line(text: str) -> str:
    """Article text shown inline: whitespace runs (newlines included) become one space."""
    return " ".join(text.split())


def _esc(text: str, fmt: Format) -> str:
    text = _one_line(text)
    if fmt == "markdown":
        return escape_md(text)
    if fmt == "html":
        return html.escape(text, quote=True)
    return text


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host and no whitespace, else None.

    Everything else (``javascript:``, ``data:``, ``file:``, relative or malformed URLs) is
    dropped: messages link to the article only when the link can do nothing but open a page.
    """
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _md_url(url: str) -> str:
    """A link destination CommonMark reads whole: no bare parentheses, spaces or angle brackets."""
    for ch, enc in (("\\", "%5C"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(ch, enc)
    return url


def _link(label: str, url: str | None, fmt: Format) -> str:
    """``label`` linked to ``url`` when the URL is safe; the label alone otherwise."""
    safe = safe_url(url)
    if safe is None:
        return _esc(label, fmt)
    if fmt == "markdown":
        return f"[{_esc(label, fmt)}]({_md_url(safe)})"
    if fmt == "html":
        return f'<a href="{html.escape(safe, quote=True)}" style="color:#0b57d0">{_esc(label, fmt)}</a>'
    return f"{_one_line(label)} <{safe}>"


def _bold(text: str, fmt: Format) -> str:
    """Already-escaped ``text`` in bold."""
    if fmt == "markdown":
        return f"**{text}**"
    if fmt == "html":
        return f"<strong>{text}</strong>"
    return text


# --- dates ---------------------------------------------------------------------------------------


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


def _relative_to_publication(day: date, published: date) -> str:
    delta = (day - published).days
    if delta == 0:
        return "the day of publication"
    if abs(delta) == 1:
        return f"the day {'after' if delta > 0 else 'before'} publication"
    return f"{abs(delta)} days {'after' if delta > 0 else 'before'} publication"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def date_phrase(signal: Signal, now: datetime) -> str | None:
    """The event date with what it means to a reader now.

    Today or later: "today", "tomorrow", "in 3 days". A range that began and has not ended:
    "under way". Within the last week: "yesterday", "5 days ago" (a scheduled event: "was due
    yesterday"). Older: placed relative to the article ("2 days before publication"; a
    scheduled date: "date passed; 3 days after publication"), never "695 days ago".
    """
    start = signal.event_date
    if start is None:
        return None
    end = signal.event_date_end or start
    text = start.isoformat() + (f" to {end.isoformat()}" if end != start else "")
    today = _utc(now).date()
    published = _utc(signal.article.published_at).date()
    scheduled = signal.modality == Modality.SCHEDULED
    if start >= today:
        rel = relative_day(start, today)
    elif end >= today:
        rel = "under way"
    elif (today - end).days <= RECENT_DAYS:
        rel = ("was due " if scheduled else "") + relative_day(end, today)
    else:
        rel = ("date passed; " if scheduled else "") + _relative_to_publication(start, published)
    return f"{text} ({rel})"


def published_phrase(article: ArticleRef) -> str:
    """'published 2024-04-14 12:00 UTC' (or 'received ...' when the time was assumed)."""
    stamp = f"{_utc(article.published_at):%Y-%m-%d %H:%M} UTC"
    if article.published_at_assumed:
        return f"received {stamp} (no publication time given)"
    return f"published {stamp}"


# --- what a signal says --------------------------------------------------------------------------


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
    # _esc collapses whitespace; keep the single spaces around the trigger it would drop
    pre += " " if s[:a][-1:].isspace() and pre else ""
    post = (" " if s[b:][:1].isspace() and post else "") + post
    if fmt == "markdown":
        return f"{pre}**{trig}**{post}"
    if fmt == "html":
        return f'{pre}<mark style="background:#fff3b0"><strong>{trig}</strong></mark>{post}'
    return f"{pre}*{trig}*{post}"


def _actor_list(actors: list[Actor]) -> str:
    return ", ".join(dict.fromkeys(code_label(a.code) for a in actors))


def _place(signal: Signal) -> str | None:
    loc = signal.location
    if loc is None:
        return None
    if not loc.country:
        return loc.name
    country = name_of(loc.country)
    if country and country.lower() not in loc.name.lower():
        return f"{loc.name}, {country} ({loc.country})"
    return f"{loc.name} ({loc.country})"


def _fields(signal: Signal, now: datetime) -> list[tuple[str, str]]:
    """Who did what to whom, where and when, how severe: (label, plain value) rows."""
    what = signal.type.value + (f" ({signal.mode})" if signal.mode else "")
    rows = [
        ("Who", _actor_list(signal.actors.source) or "not named"),
        ("Did what", f"{what}, {signal.modality.value}"),
    ]
    if signal.actors.target:
        rows.append(("To whom", _actor_list(signal.actors.target)))
    if (place := _place(signal)) is not None:
        rows.append(("Where", place))
    if (when := date_phrase(signal, now)) is not None:
        rows.append(("When", when))
    rows.append(("Severity", f"{signal.severity}/5"))
    return rows


def _headline(article: ArticleRef) -> str:
    return article.title.strip() or article.source or article.id


def _byline(article: ArticleRef) -> str:
    """'Reuters, published 2024-04-14 12:00 UTC' (plain text); 'Reuters, opinion page, ...'
    for a column, editorial or blog post."""
    who = article.source.strip() if article.source and article.source.strip() else None
    when = published_phrase(article)
    if article.genre == Genre.OPINION:
        when = f"opinion page, {when}"
    return f"{who}, {when}" if who else when[0].upper() + when[1:]


def _report_line(signal: Signal, fmt: Format) -> str:
    """One article: its headline (the one link), outlet and publication time."""
    a = signal.article
    return f"{_link(_headline(a), a.url, fmt)} ({_esc(_byline(a), fmt)})"


def _status_note(alert: Alert) -> str | None:
    if alert.status == "silenced":
        return f"Silenced by {alert.silenced_by} (recorded, not delivered)."
    if alert.status == "held":
        return "Held for quiet hours; it will arrive in the digest when they end."
    if alert.reason == "severity_rise":
        return "Severity rose since the last alert for this event."
    return alert.note


def _others(alert: Alert, fmt: Format) -> list[str]:
    """The other reports of the same event: one line each, then 'and N more'."""
    lines = [_report_line(s, fmt) for s in alert.signals[1:]]
    more = alert.signal_count - len(alert.signals)
    if more > 0:
        lines.append(f"and {more} more")
    return lines


def _sources_head(alert: Alert) -> str:
    n = alert.source_count
    return f"Reported by {n} source{'s' if n != 1 else ''}"


# --- one alert, per format -------------------------------------------------------------------


def _alert_markdown(alert: Alert, now: datetime) -> str:
    sig = alert.signals[0]
    art = sig.article
    parts: list[str] = []
    if note := _status_note(alert):
        parts.append(f"_{escape_md(note)}_")
    parts.append(_bold(_link(_headline(art), art.url, "markdown"), "markdown"))
    parts.append(_esc(_byline(art), "markdown"))
    # quotation marks, not a "> " block quote: Telegram Markdown and Teams cards have none
    parts.append(f"“{marked_sentence(sig, 'markdown')}”")
    # list items: one field per line in every dialect (a soft line break would join them)
    parts.append("\n".join(f"- **{k}:** {_esc(v, 'markdown')}" for k, v in _fields(sig, now)))
    if others := _others(alert, "markdown"):
        parts.append(f"**{_sources_head(alert)}; also:**\n" + "\n".join(f"- {o}" for o in others))
    parts.append(f"Why: {_esc('; '.join(alert.matched), 'markdown')}")
    return "\n\n".join(parts)


def _alert_text(alert: Alert, now: datetime) -> str:
    sig = alert.signals[0]
    art = sig.article
    parts: list[str] = []
    if note := _status_note(alert):
        parts.append(note)
    head = [_one_line(_headline(art)), _byline(art)]
    if url := safe_url(art.url):
        head.append(url)
    parts.append("\n".join(head))
    parts.append(f'"{marked_sentence(sig, "text")}"')
    parts.append("\n".join(f"{k}: {_one_line(v)}" for k, v in _fields(sig, now)))
    if others := _others(alert, "text"):
        parts.append(f"{_sources_head(alert)}; also:\n" + "\n".join(f"- {o}" for o in others))
    parts.append(f"Why: {_one_line('; '.join(alert.matched))}")
    return "\n\n".join(parts)


_MUTED = "color:#57606a"


def chart_html(alert: Alert, height: int = 40) -> str:
    """A trajectory chart as a table of bars (conflict up in red, cooperation down in blue):
    plain table cells with ``height`` and ``bgcolor``, which every email client draws (SVG and
    data: images are dropped by several webmail clients)."""
    top = max([d.conflict for d in alert.chart] + [d.cooperation for d in alert.chart] + [1.0])

    def cell(value: float, color: str, valign: str, day: date, what: str) -> str:
        h = round(value / top * height)
        bar = (f'<table role="presentation" cellpadding="0" cellspacing="0" width="6"><tr>'
               f'<td height="{h}" bgcolor="{color}" style="font-size:0;line-height:0">&nbsp;</td>'
               f"</tr></table>") if h else ""
        return (f'<td valign="{valign}" height="{height}" width="8" title="{day}: {what} {value:.1f}"'
                f' style="padding:0 1px">{bar}</td>')

    up = "".join(cell(d.conflict, "#c0392b", "bottom", d.day, "conflict") for d in alert.chart)
    down = "".join(cell(d.cooperation, "#2e86c1", "top", d.day, "cooperation") for d in alert.chart)
    first, last = alert.chart[0].day, alert.chart[-1].day
    return ('<table role="presentation" cellpadding="0" cellspacing="0" '
            'style="border-collapse:collapse;margin:0 0 4px">'
            f'<tr style="border-bottom:1px solid #999">{up}</tr><tr>{down}</tr></table>'
            f'<p style="margin:0 0 12px;font-size:12px;{_MUTED}">Daily conflict (red) and '
            f"cooperation (blue), {first} to {last}</p>")


def _alert_html(alert: Alert, now: datetime) -> str:
    sig = alert.signals[0]
    art = sig.article
    out: list[str] = [
        f'<p style="margin:0 0 4px;font-size:12px;{_MUTED};text-transform:uppercase;'
        f'letter-spacing:.04em">escalert alert &middot; severity {alert.severity}/5</p>',
        f'<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3">{_esc(alert.title, "html")}</h1>',
    ]
    if note := _status_note(alert):
        out.append(f'<p style="margin:0 0 12px"><em>{html.escape(note)}</em></p>')
    if alert.chart:
        out.append(chart_html(alert))
    out.append(f'<h2 style="margin:0 0 4px;font-size:17px;line-height:1.35">'
               f'{_link(_headline(art), art.url, "html")}</h2>')
    out.append(f'<p style="margin:0 0 12px;font-size:13px;{_MUTED}">{_esc(_byline(art), "html")}</p>')
    out.append('<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #d0d7de;'
               f'background:#f6f8fa">{marked_sentence(sig, "html")}</blockquote>')
    rows = "".join(
        f'<tr><th align="left" style="padding:4px 16px 4px 0;vertical-align:top;{_MUTED};'
        f'font-weight:normal;white-space:nowrap">{k}</th><td style="padding:4px 0">'
        f"{_esc(v, 'html')}</td></tr>"
        for k, v in _fields(sig, now)
    )
    out.append(f'<table style="border-collapse:collapse;margin:0 0 16px;font-size:14px">{rows}</table>')
    if others := _others(alert, "html"):
        items = "".join(f'<li style="margin:0 0 4px">{o}</li>' for o in others)
        out.append(f'<p style="margin:0 0 4px">{_sources_head(alert)}; also:</p>'
                   f'<ul style="margin:0 0 16px;padding-left:20px">{items}</ul>')
    out.append(f'<p style="margin:16px 0 0;font-size:12px;{_MUTED}">'
               f"Why: {_esc('; '.join(alert.matched), 'html')}</p>")
    return "\n".join(out)


# --- digests ---------------------------------------------------------------------------------


def _digest_groups(alert: Alert) -> tuple[dict[str, list[Signal]], dict[str, int], list[str]]:
    groups: dict[str, list[Signal]] = defaultdict(list)
    for s in alert.signals:
        loc = s.location
        region = (loc.country or loc.name) if loc else "unknown place"
        groups[f"{s.type.value} in {region}"].append(s)
    counts = dict(alert.counts) or {k: len(v) for k, v in groups.items()}
    order = sorted(counts, key=lambda k: (-counts[k], k))
    return groups, counts, order


def _digest_item(s: Signal, fmt: Format, now: datetime) -> str:
    d = date_phrase(s, now)
    extra = f" (severity {s.severity}{', ' + _esc(d, fmt) if d else ''})"
    return f"{_report_line(s, fmt)}: {marked_sentence(s, fmt)}{extra}"


def _period(alert: Alert) -> str:
    if alert.period_start and alert.period_end:
        return (f"{_utc(alert.period_start):%Y-%m-%d %H:%M} to "
                f"{_utc(alert.period_end):%Y-%m-%d %H:%M} UTC")
    return ""


def _render_digest(alert: Alert, fmt: Format, now: datetime) -> str:
    groups, counts, order = _digest_groups(alert)
    period = _period(alert)
    why = "; ".join(alert.matched)
    if fmt == "html":
        out = [f'<h1 style="margin:0 0 8px;font-size:20px">{_esc(alert.title, fmt)}</h1>']
        if period:
            out.append(f'<p style="margin:0 0 12px;{_MUTED}">{html.escape(period)}</p>')
        for label in order:
            items = "".join(f'<li style="margin:0 0 6px">{_digest_item(s, fmt, now)}</li>'
                            for s in groups.get(label, []))
            shown = len(groups.get(label, []))
            if counts[label] > shown:
                items += f"<li>and {counts[label] - shown} more</li>"
            out.append(f'<h3 style="margin:16px 0 4px;font-size:16px">{html.escape(label)}: '
                       f"{counts[label]}</h3><ul style=\"padding-left:20px\">{items}</ul>")
        out.append(f'<p style="font-size:12px;{_MUTED}">Why: {_esc(why, fmt)}</p>')
        return "\n".join(out)
    out = [_bold(_esc(alert.title, fmt), fmt)]
    if period:
        out.append(_esc(period, fmt))
    for label in order:
        lines = [f"- {_digest_item(s, fmt, now)}" for s in groups.get(label, [])]
        shown = len(groups.get(label, []))
        if counts[label] > shown:
            lines.append(f"- and {counts[label] - shown} more")
        out.append("\n".join([_bold(_esc(f"{label}: {counts[label]}", fmt), fmt), *lines]))
    out.append(f"Why: {_esc(why, fmt)}")
    return "\n\n".join(out)


# --- grouped event alerts ---------------------------------------------------------------------

_EVENT_HEADS = {"event_new": "New", "event_update": "Update", "correction": "Correction",
                "reminder": "Reminder", "no_report": "No report"}


def _event_item(alert: Alert, i: int, fmt: Format, now: datetime) -> str:
    """One event of a grouped message: what this alert says, the evidence sentence with its
    trigger, who did what to whom, where and when, and the report it comes from."""
    notice, sig = alert.events[i], alert.signals[i]
    head = _EVENT_HEADS.get(notice.reason, notice.reason)
    title = notice.title.removeprefix(head + ": ")
    n = notice.source_count
    sources = f"{n} independent source{'s' if n != 1 else ''}"
    fields = _fields(sig, now)
    if fmt == "html":
        rows = "".join(f'<tr><th align="left" style="padding:2px 12px 2px 0;{_MUTED};'
                       f'font-weight:normal;white-space:nowrap">{k}</th><td style="padding:2px 0">'
                       f"{_esc(v, 'html')}</td></tr>" for k, v in fields)
        note = f'<p style="margin:0 0 4px"><em>{_esc(notice.note, "html")}</em></p>' if notice.note else ""
        return (f'<h2 style="margin:16px 0 4px;font-size:16px">{_esc(head, "html")}: '
                f'{_esc(title, "html")}</h2>{note}'
                '<blockquote style="margin:0 0 8px;padding:6px 10px;border-left:4px solid #d0d7de;'
                f'background:#f6f8fa">{marked_sentence(sig, "html")}</blockquote>'
                f'<table style="border-collapse:collapse;margin:0 0 4px;font-size:14px">{rows}</table>'
                f'<p style="margin:0 0 8px;font-size:13px;{_MUTED}">{_report_line(sig, "html")}; '
                f"{sources}</p>")
    if fmt == "markdown":
        lines = [_bold(_esc(f"{head}: {title}", fmt), fmt)]
        if notice.note:
            lines.append(f"_{escape_md(notice.note)}_")
        lines.append(f"“{marked_sentence(sig, fmt)}”")
        lines.append("\n".join(f"- **{k}:** {_esc(v, fmt)}" for k, v in fields))
        lines.append(f"{_report_line(sig, fmt)}; {sources}")
        return "\n\n".join(lines)
    lines = [f"{head}: {_one_line(title)}"]
    if notice.note:
        lines.append(notice.note)
    lines.append(f'"{marked_sentence(sig, fmt)}"')
    lines.extend(f"{k}: {_one_line(v)}" for k, v in fields)
    lines.append(f"{_report_line(sig, fmt)}; {sources}")
    return "\n".join(lines)


def _render_events(alert: Alert, fmt: Format, now: datetime) -> str:
    """A grouped message of event alerts (or a digest / quiet-hours message of them)."""
    items = [_event_item(alert, i, fmt, now) for i in range(min(len(alert.events), len(alert.signals)))]
    why = "; ".join(alert.matched)
    head = []
    if note := _status_note(alert):
        head.append(note)
    if period := _period(alert):
        head.append(period)
    if fmt == "html":
        out = [f'<h1 style="margin:0 0 8px;font-size:20px">{_esc(alert.title, fmt)}</h1>']
        out += [f'<p style="margin:0 0 8px;{_MUTED}">{_esc(h, fmt)}</p>' for h in head]
        out += items
        out.append(f'<p style="margin:16px 0 0;font-size:12px;{_MUTED}">Why: {_esc(why, fmt)}</p>')
        return "\n".join(out)
    sep = "\n\n---\n\n" if fmt == "markdown" else "\n\n"
    parts = [_esc(h, fmt) if fmt == "markdown" else h for h in head]
    parts.append(sep.join(items))
    parts.append(f"Why: {_esc(why, fmt) if fmt == 'markdown' else _one_line(why)}")
    return "\n\n".join(parts)


# --- entry points ----------------------------------------------------------------------------


def _html_page(title: str, content: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)}</title></head>\n"
        '<body style="margin:0;padding:16px;background:#f4f5f7;color:#1f2328;'
        'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5">\n'
        '<div style="max-width:640px;margin:0 auto;padding:20px 24px;background:#ffffff;'
        'border:1px solid #d0d7de;border-radius:6px">\n'
        f"{content}\n</div>\n</body></html>"
    )


def render(alert: Alert, fmt: Format, now: datetime) -> Rendered:
    """The message for one alert or digest in ``fmt``; ``title`` is plain text (subject line).

    The Markdown and text bodies do not repeat the title (every channel shows it above the
    body); the HTML body is a whole page and starts with it.
    """
    title = f"[S{alert.severity}] {alert.title}"
    if alert.events:
        body = _render_events(alert, fmt, now)
    elif alert.kind == "digest":
        body = _render_digest(alert, fmt, now)
    elif fmt == "markdown":
        body = _alert_markdown(alert, now)
    elif fmt == "html":
        body = _alert_html(alert, now)
    else:
        body = _alert_text(alert, now)
    if fmt == "html":
        body = _html_page(title, body)
    return Rendered(title=title, body=body)


def html_to_text(alert: Alert, now: datetime) -> str:
    """The plain-text alternative part for an HTML email: the text rendering, not stripped HTML."""
    return render(alert, "text", now).body


def code_names(alert: Alert) -> dict[str, str]:
    """Readable names of every actor and country code in the alert's signals."""
    codes: set[str] = set()
    for s in alert.signals:
        codes.update(a.code for a in (*s.actors.source, *s.actors.target))
        if s.location and s.location.country:
            codes.add(s.location.country)
    return {c: n for c in sorted(codes) if (n := name_of(c))}


def webhook_document(alert: Alert, now: datetime) -> dict[str, Any]:
    """The JSON body for webhook (``json://``) targets: the alert, with its rendered message.

    It validates against ``schemas/json/Alert.schema.json``. An article ``url`` that is not a
    safe http(s) link (:func:`safe_url`) is left out (``null``), so that a receiver that shows
    it as a link cannot be made to run ``javascript:``; the ``alerts`` topic keeps it as read.
    """
    message = AlertMessage(
        title=render(alert, "text", now).title,
        markdown=render(alert, "markdown", now).body,
        text=render(alert, "text", now).body,
        names=code_names(alert),
    )
    document = alert.model_copy(update={"message": message}).model_dump(mode="json")
    for signal in document["signals"]:
        article = signal["article"]
        if article.get("url") is not None and safe_url(article["url"]) is None:
            article["url"] = None
    return document


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
