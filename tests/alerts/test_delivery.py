"""Delivery: retries, Retry-After, dead letters, the ledger across restarts, rate limits, and
real Apprise sends to real receivers on loopback (aiosmtpd, an HTTP server)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import jsonschema
import pytest
from receivers import HttpReceiver, SmtpReceiver

from schemas.alert import Alert
from schemas.deadletter import DeadLetter
from service.alerts.delivery import (
    AppriseSender,
    Deliverer,
    SendResult,
    TokenBucket,
    parse_retry_after,
    scrub,
)
from service.alerts.ledger import Ledger
from service.alerts.render import html_to_text
from service.alerts.settings import DeliverySettings
from service.alerts.subscriptions import target_id

# -- helpers ----------------------------------------------------------------------------------

ALERT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "json" / "Alert.schema.json").read_text("utf-8")
)


def make_alert(make_signal, t0, targets: list[str], alert_id: str = "al-1", **kw) -> Alert:
    fields = dict(
        alert_id=alert_id,
        subscription="ops",
        kind="alert",
        group_key="MOBILIZE|RUS>UKR|UKR|2024-04-14",
        severity=4,
        title="Russia mobilizes troops near the Ukraine border",
        signals=[make_signal(1), make_signal(2, outlet="AP")],
        signal_count=2,
        source_count=2,
        matched=["subscription ops", "types: MOBILIZE"],
        status="deliver",
        created_at=t0,
        target_ids=targets,
    )
    fields.update(kw)
    return Alert(**fields)


class FakeSender:
    """Scripted per URL: a list of SendResults consumed in order (then ok)."""

    def __init__(self, script: dict[str, list[SendResult]] | None = None, limit: int = 0) -> None:
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.calls: list[tuple[str, str, str, str]] = []
        self.extras: list = []
        self.limit = limit
        self.active: dict[str, int] = {}
        self.max_active: dict[str, int] = {}
        self.gate: asyncio.Event | None = None

    def limits(self, url: str) -> tuple[int, int]:
        return (0, self.limit)

    async def send(self, url: str, title: str, body: str, fmt: str, extras=None) -> SendResult:
        self.extras.append(extras)
        self.active[url] = self.active.get(url, 0) + 1
        self.max_active[url] = max(self.max_active.get(url, 0), self.active[url])
        try:
            if self.gate is not None:
                await self.gate.wait()
            self.calls.append((url, title, body, fmt))
            queue = self.script.get(url)
            return queue.pop(0) if queue else SendResult(True, status=200)
        finally:
            self.active[url] -= 1


class Sleeps:
    """An injectable sleep that records delays, moves the fake clock and returns at once."""

    def __init__(self, clock=None) -> None:
        self.delays: list[float] = []
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


class Dlq:
    def __init__(self, fail: bool = False) -> None:
        self.letters: list[DeadLetter] = []
        self.fail = fail

    async def __call__(self, dl: DeadLetter) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.letters.append(dl)


def simple_render(alert: Alert, fmt: str, now: datetime) -> tuple[str, str]:
    return (f"[S{alert.severity}] {alert.title}", f"{fmt}:{alert.alert_id}")


def build(urls: dict[str, str], sender, clock, *, settings=None, store=None, dlq=None,
          sleeps=None, **kw) -> tuple[Deliverer, Ledger, Dlq, Sleeps]:
    ledger = Ledger({} if store is None else store, clock)
    dlq = dlq or Dlq()
    sleeps = sleeps or Sleeps(clock)
    d = Deliverer(
        ledger,
        sender,
        resolve=lambda sub, tid: urls.get(tid),
        dlq=dlq,
        settings=settings or DeliverySettings(max_attempts=4, backoff_initial=1.0, jitter=0.2),
        clock=clock,
        sleep=sleeps,
        rng=lambda: 1.0,  # jitter at its maximum: delays are base * 1.2
        **kw,
    )
    return d, ledger, dlq, sleeps


# -- retries, backoff, Retry-After, dead letters ------------------------------------------------


async def test_transient_failures_then_success_sends_once(make_signal, t0, clock) -> None:
    url = "json://127.0.0.1:9/a"
    sender = FakeSender({url: [SendResult(False, 500, error="HTTP 500"),
                               SendResult(False, 503, error="HTTP 503")]})
    d, ledger, dlq, sleeps = build({"t1": url}, sender, clock, renderer=simple_render)
    out = await d.deliver(make_alert(make_signal, t0, ["t1"]))
    assert out == {"t1": "sent"}
    assert len(sender.calls) == 3
    assert sleeps.delays == pytest.approx([1.2, 2.4])  # exponential, with jitter (rng=1 -> +20%)
    e = ledger.entry("al-1", "t1")
    assert e["state"] == "sent" and e["attempts"] == 3 and e["sent_at"]
    assert dlq.letters == []


async def test_jitter_stays_within_bounds(clock) -> None:
    for r in (0.0, 0.5, 1.0):
        d, *_ = build({}, FakeSender(), clock)
        d.rng = lambda r=r: r
        assert 0.8 * 4 <= d.backoff(3, None) <= 1.2 * 4
    d, *_ = build({}, FakeSender(), clock, settings=DeliverySettings(backoff_max=5, jitter=0))
    assert d.backoff(30, None) == 5


async def test_retry_after_is_honoured_and_capped(make_signal, t0, clock) -> None:
    url = "json://127.0.0.1:9/a"
    sender = FakeSender({url: [SendResult(False, 429, retry_after=7.0, error="HTTP 429"),
                               SendResult(False, 429, retry_after=9999.0, error="HTTP 429")]})
    settings = DeliverySettings(max_attempts=5, max_retry_after=60)
    d, ledger, _, sleeps = build({"t1": url}, sender, clock, settings=settings,
                                 renderer=simple_render)
    assert await d.deliver(make_alert(make_signal, t0, ["t1"])) == {"t1": "sent"}
    # 7 s as asked; the absurd one capped at 60 s; the target's bucket was paused as long, so
    # nothing else slept.
    assert sleeps.delays == pytest.approx([7.0, 60.0])
    assert ledger.entry("al-1", "t1")["attempts"] == 3


async def test_always_failing_goes_to_dlq_after_last_attempt(make_signal, t0, clock) -> None:
    url = "json://127.0.0.1:9/a"
    sender = FakeSender({url: [SendResult(False, 500, error="HTTP 500")] * 10})
    d, ledger, dlq, _ = build({"t1": url}, sender, clock, renderer=simple_render)
    alert = make_alert(make_signal, t0, ["t1"])
    assert await d.deliver(alert) == {"t1": "failed"}
    assert len(sender.calls) == 4  # max_attempts
    assert len(dlq.letters) == 1
    dl = dlq.letters[0]
    assert dl.reason == "delivery_failed"
    assert "t1" in dl.error and "HTTP 500" in dl.error and "4 attempt" in dl.error
    assert Alert.model_validate_json(dl.payload) == alert
    assert dl.source_topic == "alerts" and dl.key == "al-1"
    assert ledger.state("al-1", "t1") == "failed"
    # A replay of the alert does not send or dead-letter it again.
    assert await d.deliver(alert) == {"t1": "skipped"}
    assert len(sender.calls) == 4 and len(dlq.letters) == 1


async def test_permanent_failure_is_not_retried(make_signal, t0, clock) -> None:
    url = "json://127.0.0.1:9/a"
    sender = FakeSender({url: [SendResult(False, 401, error="HTTP 401", permanent=True)]})
    d, ledger, dlq, sleeps = build({"t1": url}, sender, clock, renderer=simple_render)
    assert await d.deliver(make_alert(make_signal, t0, ["t1"])) == {"t1": "failed"}
    assert len(sender.calls) == 1 and sleeps.delays == []
    assert "permanent" in dlq.letters[0].error


async def test_one_failing_target_does_not_affect_another(make_signal, t0, clock) -> None:
    good, bad = "json://127.0.0.1:9/good", "json://127.0.0.1:9/bad"
    sender = FakeSender({bad: [SendResult(False, 500, error="HTTP 500")] * 10})
    d, ledger, dlq, _ = build({"g": good, "b": bad}, sender, clock, renderer=simple_render)
    assert await d.deliver(make_alert(make_signal, t0, ["g", "b"])) == {"g": "sent", "b": "failed"}
    assert [c[0] for c in sender.calls].count(good) == 1
    assert len(dlq.letters) == 1 and "target b" in dlq.letters[0].error


async def test_silenced_and_held_alerts_are_not_sent(make_signal, t0, clock) -> None:
    sender = FakeSender()
    d, ledger, _, _ = build({"t1": "json://x/y"}, sender, clock, renderer=simple_render)
    for status in ("silenced", "held"):
        a = make_alert(make_signal, t0, ["t1"], alert_id=f"al-{status}", status=status,
                       silenced_by="s1" if status == "silenced" else None)
        assert await d.deliver(a) == {}
        assert await d.submit(a) == []
    assert sender.calls == [] and ledger.store == {}


async def test_target_removed_from_subscriptions_is_dead_lettered(make_signal, t0, clock) -> None:
    d, ledger, dlq, _ = build({}, FakeSender(), clock, renderer=simple_render)
    assert await d.deliver(make_alert(make_signal, t0, ["gone"])) == {"gone": "failed"}
    assert "no longer configured" in dlq.letters[0].error


async def test_dlq_unreachable_leaves_the_entry_pending(make_signal, t0, clock) -> None:
    url = "json://127.0.0.1:9/a"
    sender = FakeSender({url: [SendResult(False, 500, error="HTTP 500")] * 10})
    d, ledger, _, _ = build({"t1": url}, sender, clock, dlq=Dlq(fail=True), renderer=simple_render)
    assert await d.deliver(make_alert(make_signal, t0, ["t1"])) == {"t1": "failed"}
    # Not marked failed: it was not dead-lettered, so it must stay on the work list.
    assert ledger.state("al-1", "t1") == "pending"
    assert [p.target_id for p in ledger.pending()] == ["t1"]


# -- the ledger across a restart ----------------------------------------------------------------


async def test_restart_never_resends_confirmed_and_resumes_the_rest(make_signal, t0, clock) -> None:
    store: dict = {}
    urls = {"t1": "json://127.0.0.1:9/1", "t2": "json://127.0.0.1:9/2"}
    alert = make_alert(make_signal, t0, ["t1", "t2"])
    # Worker 1: t1 confirmed, t2 in flight (attempt counted) when the process died.
    first = Ledger(store, clock)
    first.record(alert.model_dump(mode="json"), ["t1", "t2"])
    first.begin_attempt("al-1", "t1", 1)
    first.mark_sent("al-1", "t1")
    first.begin_attempt("al-1", "t2", 1)
    # Worker 2 starts on the recovered table.
    sender = FakeSender()
    d, ledger, _, _ = build(urls, sender, clock, store=store, renderer=simple_render)
    assert await d.resume_pending() == 1
    await d.drain()
    assert [c[0] for c in sender.calls] == [urls["t2"]]  # t2 again (at-least-once), t1 never
    assert ledger.entry("al-1", "t2")["attempts"] == 2
    # The alerts topic replays the uncommitted alert too: nothing more is sent.
    assert await d.submit(alert) == []
    await d.drain()
    assert len(sender.calls) == 1


async def test_a_scheduled_retry_survives_a_restart(make_signal, t0, clock) -> None:
    from datetime import timedelta

    store: dict = {}
    alert = make_alert(make_signal, t0, ["t1"])
    first = Ledger(store, clock)
    first.record(alert.model_dump(mode="json"), ["t1"])
    first.begin_attempt("al-1", "t1", 1)
    first.mark_retry("al-1", "t1", "HTTP 429", clock() + timedelta(seconds=30))
    sender = FakeSender()
    d, ledger, _, sleeps = build({"t1": "json://x/y"}, sender, clock, store=store,
                                 renderer=simple_render)
    await d.resume_pending()
    await d.drain()
    assert sleeps.delays[0] == pytest.approx(30)  # the provider's Retry-After still holds
    assert ledger.state("al-1", "t1") == "sent"


async def test_long_message_resumes_at_the_first_unsent_part(make_signal, t0, clock) -> None:
    url = "ntfy://127.0.0.1:9/a"  # a chat target: webhooks are never split (see below)
    ok = SendResult(True, 200)
    sender = FakeSender({url: [ok, SendResult(False, 500, error="HTTP 500")]})
    parts = ["part-1", "part-2", "part-3"]
    d, ledger, _, _ = build({"t1": url}, sender, clock, renderer=simple_render,
                            splitter=lambda text, limit: parts)
    assert await d.deliver(make_alert(make_signal, t0, ["t1"])) == {"t1": "sent"}
    bodies = [c[2] for c in sender.calls]
    assert bodies == ["part-1", "part-2", "part-2", "part-3"]  # part-1 never repeated
    assert ledger.entry("al-1", "t1")["parts_sent"] == 3


async def test_webhook_gets_one_request_with_the_alert_document(make_signal, t0, clock) -> None:
    url = "json://127.0.0.1:9/a"
    sender = FakeSender()
    d, *_ = build({"t1": url}, sender, clock, splitter=lambda text, limit: ["p1", "p2"])
    alert = make_alert(make_signal, t0, ["t1"])
    assert await d.deliver(alert) == {"t1": "sent"}
    assert len(sender.calls) == 1  # not split: the document carries the whole alert
    (extras,) = sender.extras
    assert extras.document["alert_id"] == "al-1" and extras.document["message"]["markdown"]
    jsonschema.validate(extras.document, ALERT_SCHEMA)


async def test_html_email_gets_the_text_part_of_the_same_alert(make_signal, t0, clock) -> None:
    url = "mailtos://u:p@smtp.example.org"
    sender = FakeSender()
    d, *_ = build({"t1": url}, sender, clock)
    alert = make_alert(make_signal, t0, ["t1"])
    assert await d.deliver(alert) == {"t1": "sent"}
    (call,), (extras,) = sender.calls, sender.extras
    assert call[3] == "html" and extras.html == call[2]
    assert extras.text == html_to_text(alert, clock())
    assert extras.document is None


async def test_submit_runs_in_background_and_dedupes_in_flight(make_signal, t0, clock) -> None:
    sender = FakeSender()
    sender.gate = asyncio.Event()
    d, ledger, _, _ = build({"t1": "json://x/y"}, sender, clock, renderer=simple_render)
    alert = make_alert(make_signal, t0, ["t1"])
    assert await d.submit(alert) == ["t1"]  # returns while the send is blocked
    assert ledger.state("al-1", "t1") == "pending" and d.inflight() == 1
    await d.submit(alert)  # a replay while in flight starts no twin
    assert await d.resume_pending() == 0
    sender.gate.set()
    await d.drain()
    assert len(sender.calls) == 1 and ledger.state("al-1", "t1") == "sent"


# -- concurrency and rate limits ----------------------------------------------------------------


async def test_per_target_concurrency_is_bounded(make_signal, t0, clock) -> None:
    sender = FakeSender()
    sender.gate = asyncio.Event()
    settings = DeliverySettings(concurrency_per_target=2)
    d, *_ = build({"t1": "json://x/1", "t2": "json://x/2"}, sender, clock,
                  settings=settings, renderer=simple_render)
    for i in range(6):
        await d.submit(make_alert(make_signal, t0, ["t1", "t2"], alert_id=f"al-{i}"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert sender.max_active == {"json://x/1": 2, "json://x/2": 2}
    sender.gate.set()
    await d.drain()
    assert len(sender.calls) == 12


async def test_token_bucket_spaces_sends() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(rate=2.0, burst=2, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(6):
        await bucket.acquire()
    # 2 from the burst, then one every 0.5 s.
    assert now[0] == pytest.approx(2.0)
    bucket.pause(10)
    await bucket.acquire()
    assert now[0] >= 12.0


async def test_token_bucket_off() -> None:
    async def never(_: float) -> None:
        raise AssertionError("must not sleep")

    bucket = TokenBucket(rate=0, burst=1, sleep=never)
    for _ in range(100):
        await bucket.acquire()


# -- helpers with edge cases -----------------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2024, 4, 14, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(datetime(2024, 4, 14, 12, 0, 30, tzinfo=UTC),
                                             usegmt=True), now) == 30
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0


def test_scrub_removes_tokens() -> None:
    url = "tgram://123456789:AAHsecretTOKENvalue/-100200300"
    text = f"failed for {url}: 123456789:AAHsecretTOKENvalue rejected"
    cleaned = scrub(text, url)
    assert "AAHsecretTOKENvalue" not in cleaned and "<url>" in cleaned


# -- real Apprise, real receivers on loopback ----------------------------------------------------


@pytest.fixture
def http():
    with HttpReceiver() as r:
        yield r


@pytest.fixture
def smtp():
    with SmtpReceiver() as r:
        yield r


def real(urls: dict[str, str], clock, **kw):
    return build(urls, AppriseSender(timeout=10), clock, **kw)


async def test_email_has_headers_html_and_text_parts(smtp, make_signal, t0, clock) -> None:
    url = (f"mailto://127.0.0.1:{smtp.port}?mode=insecure"
           "&from=escalert@example.com&to=analyst@example.org")
    tid = target_id(url)
    d, ledger, dlq, _ = real({tid: url}, clock)
    alert = make_alert(make_signal, t0, [tid])
    assert await d.deliver(alert) == {tid: "sent"}
    assert len(smtp.messages) == 1
    m = smtp.messages[0]
    assert m["from"] == "escalert@example.com" and m["to"] == ["analyst@example.org"]
    msg = m["message"]
    assert msg["Subject"] == "[S4] Russia mobilizes troops near the Ukraine border"
    assert "analyst@example.org" in msg["To"] and "escalert@example.com" in msg["From"]
    assert msg.get_content_type() == "multipart/alternative"
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "<strong>massed troops</strong></mark>" in html  # the trigger, marked
    assert html.count('href="https://news.example/reuters/1"') == 1
    assert "MOBILIZE" in html and "RUS (Russian Federation)" in html and "4/5" in html
    assert "Why: subscription ops" in html
    # the text part is escalert's own text rendering, not Apprise's conversion of the HTML
    assert text.strip() == html_to_text(alert, clock()).strip()
    assert "Who: RUS (Russian Federation)" in text and "Did what: MOBILIZE (troops)" in text
    assert "\nhttps://news.example/reuters/1\n" in text  # the source link, once
    assert text.count("https://news.example/reuters/1") == 1
    assert ledger.state("al-1", tid) == "sent" and dlq.letters == []


async def test_other_html_emails_keep_apprises_text_part(smtp) -> None:
    """The hook answers only the send that supplied a text part; other sends are Apprise's."""
    url = (f"mailto://127.0.0.1:{smtp.port}?mode=insecure"
           "&from=escalert@example.com&to=analyst@example.org")
    res = await AppriseSender(timeout=10).send(url, "t", "<p>Hello <b>there</b></p>", "html")
    assert res.ok
    text = smtp.messages[0]["message"].get_body(("plain",)).get_content()
    assert "Hello there" in text and "<" not in text


async def test_json_and_ntfy_and_mattermost_payloads(http, make_signal, t0, clock) -> None:
    urls = {
        "json": f"json://{http.address}/hook",
        "ntfy": f"ntfy://{http.address}/escalert-alerts",
        "mmost": f"mmost://{http.address}/tok3n",
    }
    d, ledger, dlq, _ = real(urls, clock)
    out = await d.deliver(make_alert(make_signal, t0, list(urls)))
    assert out == {"json": "sent", "ntfy": "sent", "mmost": "sent"}
    hook = http.received("/hook")
    assert len(hook) == 1
    body = hook[0].json
    # the webhook gets the structured alert (Alert JSON Schema) with the rendered message
    jsonschema.validate(body, ALERT_SCHEMA)
    assert body["alert_id"] == "al-1" and body["severity"] == 4 and body["target_ids"] == list(urls)
    assert body["signals"][0]["actors"]["source"][0]["code"] == "RUS"
    assert body["signals"][0]["article"]["url"] == "https://news.example/reuters/1"
    msg = body["message"]
    assert msg["title"] == "[S4] Russia mobilizes troops near the Ukraine border"
    assert "**massed troops**" in msg["markdown"] and "*massed troops*" in msg["text"]
    assert "[Russia masses troops](https://news.example/reuters/1)" in msg["markdown"]
    assert msg["names"] == {"RUS": "Russian Federation", "UKR": "Ukraine"}
    assert Alert.model_validate(body).message is not None  # the pydantic contract reads it too
    ntfy = [r for r in http.requests if r.path == "/"]
    assert len(ntfy) == 1
    assert ntfy[0].json["topic"] == "escalert-alerts"
    assert ntfy[0].json["title"].startswith("[S4] Russia mobilizes")
    assert "massed troops" in ntfy[0].json["message"]
    mm = http.received("/hooks/tok3n")
    assert len(mm) == 1 and "massed troops" in mm[0].json["text"]
    assert dlq.letters == []


async def test_500_then_429_then_200_is_delivered_once(http, make_signal, t0, clock) -> None:
    url = f"json://{http.address}/flaky"
    http.script("/flaky", (500, {}), (429, {"Retry-After": "3"}))
    d, ledger, dlq, sleeps = real({"t": url}, clock)
    assert await d.deliver(make_alert(make_signal, t0, ["t"])) == {"t": "sent"}
    statuses = [r.status for r in http.received("/flaky")]
    assert statuses == [500, 429, 200]
    assert len(http.received("/flaky", ok_only=True)) == 1
    assert 3.0 in sleeps.delays  # the receiver's Retry-After, seen through Apprise
    e = ledger.entry("al-1", "t")
    assert e["attempts"] == 3 and e["state"] == "sent"
    assert dlq.letters == []


async def test_receiver_keeps_failing_alert_in_dlq(http, make_signal, t0, clock) -> None:
    http.default_status = 503
    url = f"json://{http.address}/down"
    d, ledger, dlq, _ = real({"t": url}, clock,
                             settings=DeliverySettings(max_attempts=3, backoff_initial=0.01))
    alert = make_alert(make_signal, t0, ["t"])
    assert await d.deliver(alert) == {"t": "failed"}
    assert len(http.received("/down")) == 3
    assert len(dlq.letters) == 1
    assert "HTTP 503" in dlq.letters[0].error
    assert json.loads(dlq.letters[0].payload)["alert_id"] == "al-1"
    assert ledger.state("al-1", "t") == "failed"


async def test_http_401_is_permanent(http, make_signal, t0, clock) -> None:
    http.default_status = 401
    d, ledger, dlq, _ = real({"t": f"json://{http.address}/auth"}, clock)
    assert await d.deliver(make_alert(make_signal, t0, ["t"])) == {"t": "failed"}
    assert len(http.received("/auth")) == 1
    assert "HTTP 401" in dlq.letters[0].error


async def test_unreachable_target_is_transient_and_secret_free(make_signal, t0, clock) -> None:
    from receivers import free_port

    url = f"json://user:s3cretpassw0rd@127.0.0.1:{free_port()}/nothing-listens"
    d, ledger, dlq, sleeps = real({"t": url}, clock,
                                  settings=DeliverySettings(max_attempts=2, backoff_initial=0.01))
    assert await d.deliver(make_alert(make_signal, t0, ["t"])) == {"t": "failed"}
    assert len(sleeps.delays) == 1  # retried: a refused connection may heal
    assert "s3cretpassw0rd" not in dlq.letters[0].error
    assert "s3cretpassw0rd" not in json.dumps(ledger.store)


async def test_invalid_url_is_a_permanent_failure(make_signal, t0, clock) -> None:
    d, ledger, dlq, _ = real({"t": "nosuchscheme://whatever"}, clock)
    assert await d.deliver(make_alert(make_signal, t0, ["t"])) == {"t": "failed"}
    assert "not a usable Apprise URL" in dlq.letters[0].error


# -- the worker's staged noise state ------------------------------------------------------------


def test_staged_view_applies_changes_only_on_commit() -> None:
    from service.alerts.agents import Staged

    base = {"a": {"n": 1}, "b": {"n": 2}}
    view = Staged(base)
    view["a"] = {"n": 10}
    view["c"] = {"n": 3}
    del view["b"]
    assert dict(view) == {"a": {"n": 10}, "c": {"n": 3}} and len(view) == 2
    assert "b" not in view and view.get("b") is None
    with pytest.raises(KeyError):
        del view["b"]
    assert base == {"a": {"n": 1}, "b": {"n": 2}}  # untouched until the alerts are published
    view.commit()
    assert base == {"a": {"n": 10}, "c": {"n": 3}}
    assert view.changes == {}


async def test_metrics_count_attempts_and_outcomes(make_signal, t0, clock) -> None:
    from service.alerts.delivery import DeliveryMetrics

    good, bad = "json://127.0.0.1:9/good", "ntfy://127.0.0.1:9/bad"
    sender = FakeSender({good: [SendResult(False, 503, error="HTTP 503")],
                         bad: [SendResult(False, 401, error="HTTP 401", permanent=True)]})
    metrics = DeliveryMetrics()
    d, *_ = build({"g": good, "b": bad}, sender, clock, renderer=simple_render, metrics=metrics)
    await d.deliver(make_alert(make_signal, t0, ["g", "b"]))
    value = metrics.registry.get_sample_value
    assert value("escalert_alert_send_attempts_total", {"scheme": "json", "result": "transient"}) == 1
    assert value("escalert_alert_send_attempts_total", {"scheme": "json", "result": "ok"}) == 1
    assert value("escalert_alert_send_attempts_total",
                 {"scheme": "ntfy", "result": "permanent"}) == 1
    assert value("escalert_alert_deliveries_total", {"scheme": "json", "outcome": "sent"}) == 1
    assert value("escalert_alert_deliveries_total", {"scheme": "ntfy", "outcome": "failed"}) == 1
    assert value("escalert_alert_deliveries_in_progress") == 0


async def test_file_target_through_the_deliverer_keeps_the_structured_alert(
    tmp_path, make_signal, t0, clock
) -> None:
    path = tmp_path / "alerts.jsonl"
    url = f"escalertfile://{path}"
    d, ledger, dlq, _ = real({"f": url}, clock)
    alert = make_alert(make_signal, t0, ["f"])
    assert await d.deliver(alert) == {"f": "sent"}
    (line,) = path.read_text(encoding="utf-8").splitlines()
    rec = json.loads(line)
    assert rec["alert_id"] == "al-1" and rec["subscription"] == "ops" and rec["severity"] == 4
    assert Alert.model_validate(rec["alert"]) == alert
    assert rec["format"] == "markdown" and "**massed troops**" in rec["body"]


def test_stable_partition_is_deterministic_and_in_range() -> None:
    from service.alerts.agents import stable_partition

    keys = [f"al-{i}" for i in range(200)]
    first = [stable_partition(k, 4) for k in keys]
    assert first == [stable_partition(k, 4) for k in keys]
    assert set(first) == {0, 1, 2, 3}  # spread over every partition
    assert stable_partition("x", 1) == 0


def test_register_wires_topics_tables_and_agents(tmp_path) -> None:
    import faust

    from service.alerts.agents import register
    from service.alerts.settings import AlertSettings
    from service.alerts.subscriptions import SubscriptionsError
    from service.config import load_settings

    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: local\n    urls: [escalertconsole://]\n")
    settings = load_settings(
        app_id="unit-register", store="memory://", brokers=["127.0.0.1:9"],
        alerts=AlertSettings(subscriptions=subs),
    )
    app = faust.App("unit-register", broker="kafka://127.0.0.1:9", store="memory://")
    parts = register(app, settings)
    assert parts.alerts_topic.get_topic_name() == settings.topics.alerts
    assert parts.dlq_topic.get_topic_name() == settings.topics.alerts_dlq
    assert set(app.agents) == {"alerts-route", "alerts-deliver"}
    assert parts.ledger_table.name == settings.alerts.ledger_table
    assert parts.ledger_table.partition_for_key("al-1") in range(settings.partitions)
    assert parts.deliverer.resolve("local", "nope") is None
    assert len(parts.reloader.current.targets("local")) == 1

    subs.write_text("subscriptions:\n  - name: local\n    urls: [not-a-url]\n")
    app2 = faust.App("unit-register-2", broker="kafka://127.0.0.1:9", store="memory://")
    with pytest.raises(SubscriptionsError, match="subscription 'local' field urls"):
        register(app2, settings)


# -- escalert alerts ping ---------------------------------------------------------------------


def _ping(tmp_path, urls: list[str], *args: str):
    from click.testing import CliRunner

    from service.cli import main

    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: ops\n    urls:\n"
                    + "".join(f"      - '{u}'\n" for u in urls))
    return CliRunner().invoke(main, ["alerts", "ping", "-s", str(subs), *args])


def test_ping_reports_each_target_and_exit_status(tmp_path, http) -> None:
    http.script("/bad", (500, {}))
    res = _ping(tmp_path, [f"json://{http.address}/good",
                           f"json://user:s3cretpw@{http.address}/bad"])
    assert res.exit_code == 1, res.output
    assert len(http.received("/good", ok_only=True)) == 1
    assert http.received("/good")[0].json["title"] == "escalert test message"
    lines = [ln for ln in res.output.splitlines() if ln.startswith(("ok", "FAIL"))]
    assert lines[0].startswith("ok") and "HTTP 200" in lines[0]
    assert lines[1].startswith("FAIL") and "HTTP 500" in lines[1]
    assert "s3cretpw" not in res.output


def test_ping_exit_codes_all_ok_unreachable_and_usage(tmp_path, http) -> None:
    from receivers import free_port

    assert _ping(tmp_path, [f"json://{http.address}/ok"]).exit_code == 0
    assert _ping(tmp_path, [f"json://127.0.0.1:{free_port()}/x"]).exit_code == 3
    assert _ping(tmp_path, [f"json://{http.address}/ok"], "--only", "nope").exit_code == 2


async def test_out_of_attempts_after_restart_is_dead_lettered_without_sending(
    make_signal, t0, clock
) -> None:
    from datetime import timedelta

    store: dict = {}
    alert = make_alert(make_signal, t0, ["t1"])
    first = Ledger(store, clock)
    first.record(alert.model_dump(mode="json"), ["t1"])
    for _ in range(5):  # past max_attempts (4 in build()): the DLQ was down last time
        first.begin_attempt("al-1", "t1", 1)
    first.mark_retry("al-1", "t1", "HTTP 500", clock() - timedelta(seconds=1))
    sender = FakeSender()
    d, ledger, dlq, _ = build({"t1": "json://x/y"}, sender, clock, store=store,
                              renderer=simple_render)
    await d.resume_pending()
    await d.drain()
    assert sender.calls == []
    assert ledger.state("al-1", "t1") == "failed"
    assert len(dlq.letters) == 1 and "HTTP 500" in dlq.letters[0].error


async def test_last_attempt_in_flight_at_crash_is_repeated_once(make_signal, t0, clock) -> None:
    store: dict = {}
    alert = make_alert(make_signal, t0, ["t1"])
    first = Ledger(store, clock)
    first.record(alert.model_dump(mode="json"), ["t1"])
    for _ in range(4):  # the 4th (last) attempt was in flight when the worker died
        first.begin_attempt("al-1", "t1", 1)
    sender = FakeSender()
    d, ledger, dlq, _ = build({"t1": "json://x/y"}, sender, clock, store=store,
                              renderer=simple_render)
    await d.resume_pending()
    await d.drain()
    assert len(sender.calls) == 1 and ledger.state("al-1", "t1") == "sent"
