"""Target URLs (service/alerts/targets.py): scheme, format, and limits read from Apprise."""

from __future__ import annotations

import pytest
from apprise import NotificationManager

from service.alerts.targets import (
    PROVIDER_LIMITS,
    channel_profile,
    declared_body_limit,
    scheme_of,
    target_id,
    written_scheme,
)


def apprise_body_maxlen(scheme: str) -> int:
    return NotificationManager()[scheme].body_maxlen


def test_formats_by_scheme() -> None:
    assert channel_profile("mailtos://u:p@smtp.example.org")[0] == "html"
    assert channel_profile("tgram://tok/123")[0] == "markdown"
    assert channel_profile("sns://a/b/c")[0] == "text"
    assert channel_profile("json://127.0.0.1/x")[0] == "markdown"


@pytest.mark.parametrize("scheme", ["tgram", "discord", "slack", "mailto", "json", "mmost"])
def test_a_limit_is_what_the_apprise_plugin_declares(scheme: str) -> None:
    assert scheme not in PROVIDER_LIMITS
    assert channel_profile(f"{scheme}://x/y")[1] == apprise_body_maxlen(scheme)


def test_a_provider_limit_below_apprise_s_declaration_wins() -> None:
    assert apprise_body_maxlen("ntfy") > 4096
    assert channel_profile("ntfy://host/topic")[1] == 4096
    assert channel_profile("signal://host/+15551234567")[1] == 2000
    # Apprise declares SNS's and Twilio's per instance (topic or call mode: longer); one SMS here.
    assert declared_body_limit("sns") is None
    assert channel_profile("sns://a/b/c") == ("text", 160)
    assert channel_profile("twilio://sid:tok@+15551234567/+15557654321") == ("text", 160)


def test_an_unknown_scheme_has_no_limit() -> None:
    assert channel_profile("nosuchscheme://x") == ("markdown", None)


def test_schemes_as_parsed_and_as_written() -> None:
    assert scheme_of("TGram://tok/1") == "tgram"
    assert scheme_of("no-scheme-here") == ""
    assert written_scheme("no-scheme-here") == "no-scheme-here"
    assert target_id("json://h/x").startswith("json-")
