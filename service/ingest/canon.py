"""Canonical URLs and the stable ids derived from them.

Why canonicalise: the same story reaches us as ``https://www.x.com/a?utm_source=rss#top`` from a
feed and as ``http://x.com/a`` from GDELT; tracking parameters, fragments, default ports and case
in the host name must not make two articles of one page.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader, never select the content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "at_", "ga_")
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "ocid", "cmpid", "ref", "ref_src",
                       "src", "rss", "feed", "share", "smid", "cid", "yclid", "igshid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The URL with scheme and host lower-cased, ``www.`` and default ports dropped, tracking
    parameters and the fragment removed, and the remaining query sorted. An address the standard
    library cannot read ("http://[::1/", a port "abc") is kept as written: its own page."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    )
    # http and https name the same page for our purpose: one id for both.
    return urlunsplit(("https" if scheme in ("http", "https") else scheme, host, path, urlencode(query), ""))


def url_host(url: str) -> str:
    """The host of ``url``, lower-cased and without ``www.``; "" when it names none or cannot be
    read ("http://[::1/...")."""
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def article_id(url: str) -> str:
    """``url-`` + 24 hex digits of the canonical URL's SHA-256: the same page, the same id."""
    return "url-" + hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:24]


def guid_key(source: str, guid: str) -> str:
    """A feed item's GUID is only unique within its feed."""
    return "guid-" + hashlib.sha256(f"{source}\x00{guid}".encode()).hexdigest()[:24]


def content_hash(title: str, text: str) -> str:
    """What decides whether a seen article changed: its title and text, whitespace-normalised."""
    norm = " ".join(f"{title}\n{text}".split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]
