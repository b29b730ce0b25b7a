"""Local alert targets that need no outside service: a JSONL file and the console.

They are Apprise *custom schemas* (``apprise.decorators.notify``), so the quick start, the tests
and a production subscription all go through exactly the same delivery path: a subscription
lists ``escalertfile://...`` beside ``mailto://...`` and nothing else changes.

URLs
----
``escalertfile://alerts/alerts.jsonl``
    appends one JSON object per alert to ``alerts/alerts.jsonl`` (relative to the worker's
    working directory; parent folders are created).
``escalertfile:///var/lib/escalert/alerts.jsonl``
    an absolute path. Apprise's URL parser drops the third slash (it reads ``var`` as the host),
    so :func:`normalize_url` rewrites this form to ``escalertfile://?path=/var/...`` before the
    URL reaches Apprise; ``?path=`` may also be written by hand.
``escalertconsole://`` (stdout) or ``escalertconsole://?stream=stderr``
    prints the rendered message.

Apprise schemas cannot contain a hyphen, hence ``escalertfile`` rather than ``escalert-file``.

Apprise only passes the rendered title and body to a plugin. The file target also wants the
structured alert (ids, severity, signals) so that a user or a script can read it back; delivery
puts the alert in the :data:`current_alert` context variable, which Apprise copies into the
worker thread that runs the plugin (it uses ``contextvars.copy_context()``).

Two of Apprise's own plugins get more than a title and a body the same way
(:func:`install_apprise_hooks`, driven by :data:`current_extras`):

- Email (``mailto``/``mailtos``): ``NotifyEmail.prepare_emails`` builds the ``text/plain``
  part of its ``multipart/alternative`` message by calling ``convert_between(HTML, TEXT,
  body)`` (module ``apprise.plugins.email.base``) and has no parameter for a text part of the
  caller's own. The hook answers that one call with escalert's text rendering when the HTML is
  exactly the body being sent; any other HTML still goes through Apprise's conversion.
- JSON webhooks (``json``/``jsons``): ``NotifyJSON.send`` serialises its fixed payload
  (version, title, message, type) with ``dumps`` (module ``apprise.plugins.custom_json``). The
  hook serialises the structured alert document instead (:func:`webhook_document` in
  ``service.alerts.render``: the Alert JSON Schema, with the rendered message). Apprise still
  does the HTTP request, headers, auth and error handling.

Outside a send that sets :data:`current_extras`, both hooks leave Apprise's behaviour unchanged.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

FILE_SCHEMA = "escalertfile"
CONSOLE_SCHEMA = "escalertconsole"
LOCAL_SCHEMAS = frozenset({FILE_SCHEMA, CONSOLE_SCHEMA})

# The alert being delivered, as a JSON-able dict (``Alert.model_dump(mode="json")``), or None.
current_alert: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "escalert_current_alert", default=None
)



@dataclass(frozen=True)
class SendExtras:
    """What one send carries besides Apprise's title and body."""

    html: str | None = None
    text: str | None = None  # the text/plain part for exactly this HTML body
    document: dict[str, Any] | None = None  # the JSON body for json:// targets


current_extras: contextvars.ContextVar[SendExtras | None] = contextvars.ContextVar(
    "escalert_send_extras", default=None
)
_hooks_installed = False


def install_apprise_hooks() -> None:
    """Let email sends carry escalert's text part and JSON sends the alert document (idempotent).

    Fails loudly (``RuntimeError``) if Apprise no longer has the functions hooked: a silent
    fallback would quietly bring back the stripped-HTML text part and the title-only webhook.
    """
    global _hooks_installed
    if _hooks_installed:
        return
    import apprise.plugins.custom_json as custom_json
    import apprise.plugins.email.base as email_base
    from apprise import NotifyFormat

    if not callable(getattr(email_base, "convert_between", None)) or not callable(
        getattr(custom_json, "dumps", None)
    ):
        raise RuntimeError("this Apprise version builds email text parts or JSON bodies "
                           "differently; service.alerts.channels needs updating")
    convert = email_base.convert_between
    dumps = custom_json.dumps

    @functools.wraps(convert)
    def convert_between(from_format: Any, to_format: Any, content: Any = None, *a: Any, **kw: Any):
        extras = current_extras.get()
        if (extras is not None and extras.text is not None and content == extras.html
                and from_format == NotifyFormat.HTML and to_format == NotifyFormat.TEXT):
            return extras.text
        return convert(from_format, to_format, content, *a, **kw)

    @functools.wraps(dumps)
    def dumps_document(obj: Any, *a: Any, **kw: Any) -> str:
        extras = current_extras.get()
        if extras is not None and extras.document is not None and isinstance(obj, dict):
            return dumps(extras.document, *a, **kw)
        return dumps(obj, *a, **kw)

    email_base.convert_between = convert_between
    custom_json.dumps = dumps_document
    _hooks_installed = True


_file_locks: dict[str, threading.Lock] = {}
_file_locks_guard = threading.Lock()
_registered = False


def normalize_url(url: str) -> str:
    """Rewrite local-target URLs into the form Apprise parses without losing information.

    Only ``escalertfile:///abs/path`` changes (to ``escalertfile://?path=/abs/path``); every other
    URL is returned unchanged, so this is safe to call on any subscription URL.
    """
    prefix = f"{FILE_SCHEMA}:///"
    if url.startswith(prefix):
        rest = url[len(prefix) - 1 :]  # keep the leading "/"
        path, _, query = rest.partition("?")
        extra = f"&{query}" if query else ""
        return f"{FILE_SCHEMA}://?path={quote(path, safe='/')}{extra}"
    return url


def file_path_of(url: str) -> Path:
    """The file a (normalized or not) ``escalertfile://`` URL writes to."""
    url = normalize_url(url)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if query.get("path"):
        return Path(query["path"][0]).expanduser()
    relative = (parts.netloc + parts.path).strip()
    if not relative:
        raise ValueError(f"{url!r}: no file path (write escalertfile://alerts.jsonl)")
    return Path(relative).expanduser()


def _lock_for(path: Path) -> threading.Lock:
    key = str(path.resolve())
    with _file_locks_guard:
        return _file_locks.setdefault(key, threading.Lock())


def path_from_meta(meta: dict[str, Any]) -> Path:
    qsd = meta.get("qsd") or {}
    if qsd.get("path"):
        return Path(qsd["path"]).expanduser()
    host = meta.get("host") or ""
    full = meta.get("fullpath") or ""
    relative = f"{host}{full}".strip()
    if not relative or relative == "/":
        raise ValueError("escalertfile target without a file path")
    return Path(relative).expanduser()


def write_file(body: str, title: str, meta: dict[str, Any], body_format: Any = None) -> bool:
    """Append one JSON line; return False (a failed delivery, retried) when the disk refuses."""
    path = path_from_meta(meta)
    record = {
        "written_at": datetime.now(UTC).isoformat(),
        "title": title,
        "body": body,
        "format": getattr(body_format, "value", body_format),
    }
    alert = current_alert.get()
    if alert is not None:
        record["alert_id"] = alert.get("alert_id")
        record["subscription"] = alert.get("subscription")
        record["severity"] = alert.get("severity")
        record["alert"] = alert
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock_for(path):
        # One write of a whole line on an O_APPEND descriptor, flushed and synced: a reader never
        # sees half a record and a confirmed send is on disk before the ledger says "sent".
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    return True


def write_console(body: str, title: str, meta: dict[str, Any]) -> bool:
    """Print the message; the stream is stdout unless ``?stream=stderr``."""
    qsd = meta.get("qsd") or {}
    stream = sys.stderr if qsd.get("stream") == "stderr" else sys.stdout
    rule = "-" * 72
    text = f"{rule}\n{title}\n{rule}\n{body}\n" if title else f"{body}\n"
    stream.write(text)
    stream.flush()
    return True


def register() -> None:
    """Register the local schemas with Apprise (idempotent; imports Apprise lazily)."""
    global _registered
    if _registered:
        return
    from apprise import NotifyFormat
    from apprise.decorators import notify

    @notify(on=FILE_SCHEMA, name="escalert JSONL file", body_format=NotifyFormat.MARKDOWN)
    def _file(body, title, notify_type, body_format, meta, *args, **kwargs):  # noqa: ARG001
        return write_file(body, title, meta, body_format)

    @notify(on=CONSOLE_SCHEMA, name="escalert console", body_format=NotifyFormat.MARKDOWN)
    def _console(body, title, notify_type, meta, *args, **kwargs):  # noqa: ARG001
        return write_console(body, title, meta)

    _registered = True


DEFAULT_LOCAL_TARGETS: tuple[str, ...] = (
    f"{FILE_SCHEMA}://alerts/alerts.jsonl",
    f"{CONSOLE_SCHEMA}://",
)
"""The quick start's targets: every alert in ``./alerts/alerts.jsonl`` and on the console."""
