"""TLS for the worker's Kafka connections (Faust's, and the broker probe's), from :class:`Settings`."""

from __future__ import annotations

import ssl

from service.config import Settings


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    sec = settings.security
    if not sec.uses_ssl:
        return None
    ctx = ssl.create_default_context(cafile=str(sec.ssl_cafile) if sec.ssl_cafile else None)
    ctx.check_hostname = sec.ssl_check_hostname
    if sec.ssl_certfile and sec.ssl_keyfile:
        ctx.load_cert_chain(str(sec.ssl_certfile), str(sec.ssl_keyfile))
    return ctx
