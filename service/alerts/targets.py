"""Alert target URLs: their scheme, whether they can be used, their format and limits, their ids.

Every place that needs to know something about a target URL asks here:

- :func:`scheme_of` (``"tgram"``; ``""`` without ``://``) and :func:`written_scheme` (the text
  before ``://`` as written, for messages);
- :func:`target_problem`: why a URL cannot be used (a scheme no Apprise plugin nor escalert
  declares, with a "did you mean"; a file target outside ``ESCALERT_ALERTS_FILE_ROOT``), or None;
- :func:`channel_profile`: the format (``mailto`` -> html, SMS -> text, else markdown) and the
  body limit, read from the Apprise plugin's declaration (``body_maxlen``), tightened only where
  a provider's real limit is lower than Apprise declares (:data:`PROVIDER_LIMITS`);
- :func:`target_id` and :func:`redact`: what logs, metrics and the ledger show of a URL.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

Format = Literal["markdown", "html", "text"]  # what a target is sent

# Schemes whose host part is a real host name (not a token); redact() may show the host.
HOST_SCHEMES = frozenset(
    {"mailto", "mailtos", "json", "jsons", "form", "forms", "xml", "xmls", "ntfy", "ntfys",
     "mmost", "mmosts", "rocket", "rockets", "gotify", "gotifys", "matrix", "matrixs"}
)

# Limits of providers that are lower than what their Apprise plugin declares (body_maxlen), or
# that Apprise declares per instance only (the SMS mode of sns and twilio); a message is split
# to the tighter one.
PROVIDER_LIMITS: dict[str, int] = {
    "ntfy": 4096,  # a longer message becomes an attachment on ntfy servers
    "ntfys": 4096,
    "signal": 2000,  # Signal shows a longer message cut, with the rest as an attachment
    "sns": 160,  # texted as one SMS segment, whatever the plugin's mode
    "twilio": 160,
}
HTML_SCHEMES = frozenset({"mailto", "mailtos", "ses", "sendgrid", "mailgun", "sparkpost"})
TEXT_SCHEMES = frozenset({"sns", "twilio", "clicksend", "vonage", "nexmo"})
WEBHOOK_SCHEMES = frozenset({"json", "jsons"})


def scheme_of(url: str) -> str:
    """The URL's scheme, lower case (``""`` when it has no ``://``)."""
    return url.split("://", 1)[0].strip().lower() if "://" in url else ""


def written_scheme(url: str) -> str:
    """The text before ``://`` (the whole text without one), lower case: what a message about
    the scheme shows."""
    return url.split("://", 1)[0].strip().lower()


@functools.cache
def declared_body_limit(scheme: str) -> int | None:
    """``body_maxlen`` as the scheme's Apprise plugin class declares it; None when it declares
    none, declares it per instance, or there is no such plugin."""
    from apprise import NotificationManager

    from service.alerts import channels

    channels.register()
    try:
        plugin: Any = NotificationManager()[scheme]
    except KeyError:
        return None
    limit = getattr(plugin, "body_maxlen", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def channel_profile(url: str) -> tuple[Format, int | None]:
    """(format, body limit or None) for an Apprise URL, by its scheme."""
    scheme = written_scheme(url)
    fmt: Format = "html" if scheme in HTML_SCHEMES else "text" if scheme in TEXT_SCHEMES else "markdown"
    limits = [x for x in (PROVIDER_LIMITS.get(scheme), declared_body_limit(scheme)) if x]
    return fmt, min(limits, default=None)


def known_schemas() -> frozenset[str]:
    """URL schemas a target may use: those Apprise's installed plugins declare, and ours."""
    return _known_schemas()


@functools.cache
def _known_schemas() -> frozenset[str]:
    from apprise import NotificationManager  # slow import (~0.5 s with the plugin scan): once

    from service.alerts.channels import LOCAL_SCHEMAS

    return frozenset(s.lower() for s in NotificationManager().schemas()) | LOCAL_SCHEMAS


def scheme_problem(url: str, schemas: frozenset[str], *, echo: bool = True) -> str | None:
    """None for a known scheme; else "unknown target scheme 'mailtoo://': did you mean mailto://?".

    ``echo=False`` when the scheme came from an environment variable: it is then not shown.
    """
    scheme = written_scheme(url)
    if scheme in schemas:
        return None
    if not echo or not re.fullmatch(r"[a-z0-9+]{1,32}", scheme):
        # never echo it: a scheme that is no word may be a token pasted in the wrong place
        return "unknown target scheme (not shown: it may hold a secret); expected one like 'mailto://'"
    close = difflib.get_close_matches(scheme, sorted(schemas), n=1, cutoff=0.6)
    hint = f": did you mean {close[0]}://?" if close else " (not an Apprise or escalert schema)"
    return f"unknown target scheme '{scheme}://'{hint}"


def default_file_root() -> Path:
    """Where ``escalertfile://`` targets may write when ESCALERT_ALERTS_FILE_ROOT is unset."""
    return Path.cwd()


def file_problem(url: str, file_root: Path) -> str | None:
    """None when an ``escalertfile://`` target writes inside ``file_root``; else why not.

    Relative paths are relative to the working directory (where delivery writes them); ``..``,
    ``~`` and symbolic links are resolved before the comparison.
    """
    from service.alerts.channels import FILE_SCHEMA

    if written_scheme(url) != FILE_SCHEMA:
        return None
    try:
        path = _delivered_path(url)
    except ValueError:
        return f"{FILE_SCHEMA}:// target without a file path (write {FILE_SCHEMA}://alerts/alerts.jsonl)"
    root = file_root.expanduser().resolve()
    where = (Path.cwd() / path).resolve()
    if where != root and root not in where.parents:
        return (f"{FILE_SCHEMA} path '{path}' is outside the allowed directory {root} "
                "(set ESCALERT_ALERTS_FILE_ROOT to allow another)")
    return None


def _delivered_path(url: str) -> Path:
    """The file an ``escalertfile://`` URL really writes to: parsed by Apprise as at delivery,
    which decodes ``%2e%2e`` to ``..`` (a check of the raw text would let that through)."""
    from apprise.decorators.base import CustomNotifyPlugin

    from service.alerts.channels import normalize_url, path_from_meta

    meta = CustomNotifyPlugin.parse_url(normalize_url(url))
    if not meta:
        raise ValueError("unparseable")
    return path_from_meta(meta)


def target_problem(url: str, *, file_root: Path | None = None, written: str | None = None) -> str | None:
    """Why an (expanded) target URL cannot be used, or None: unknown scheme, file outside the root.

    ``written`` is the URL as the file has it (before ``${ENV}`` expansion), if known: a scheme
    that came from the environment is never echoed.
    """
    echo = written is None or "${" not in written_scheme(written)
    return scheme_problem(url, known_schemas(), echo=echo) or file_problem(
        url, default_file_root() if file_root is None else file_root
    )



def target_id(url: str) -> str:
    """A stable id for an Apprise URL that reveals nothing of it but its scheme."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else "url"  # not stripped: ids are stable
    scheme = re.sub(r"[^a-z0-9+]", "", scheme)[:16] or "url"
    return f"{scheme}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def redact(url: str) -> str:
    """``json://127.0.0.1:8080/…#json-3f2a9c01b4de``: safe to log, still recognisable."""
    tid = target_id(url)
    scheme = tid.split("-", 1)[0]
    host = ""
    if scheme in HOST_SCHEMES:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            if parts.port:
                host = f"{host}:{parts.port}"
        except ValueError:
            host = ""
    return f"{scheme}://{host}…#{tid}"
