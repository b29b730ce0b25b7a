"""The desk in a real headless Chromium (Debian's ``chromium``, driven by Playwright for Python),
over the whole pipeline on the real broker: ``escalert worker`` and ``escalert desk`` as
subprocesses, articles published as ``escalert demo`` does.

- the sample's signals appear in the open page as they arrive (server-sent events);
- a filter narrows them;
- the calendar shows the sample's Jan. 10, 12 and 13 meetings, reached by keyboard;
- a silence created in the page stops the next alert (recorded as silenced, not sent);
- a desk whose reads need the token asks for it (the live feed then connects), and the
  deliveries of a subscription come a page at a time (no broker needed for this one).

Skipped when Chromium or Playwright is missing, unless ESCALERT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKERS = os.environ.get("ESCALERT_TEST_BROKERS", "127.0.0.1:19092")
CHROMIUM = os.environ.get("ESCALERT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TOKEN = "browser-test-token"
pytestmark = pytest.mark.kafka


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _need(ok: bool, msg: str, var: str) -> None:
    if not ok:
        if os.environ.get(var) == "1":
            pytest.fail(msg)
        pytest.skip(msg)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def _wait(cond: Any, timeout: float, what: str, logs: list[Path]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = cond()
        except OSError:
            got = None
        if got:
            return got
        time.sleep(0.3)
    tails = "\n".join(f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:])
                      for p in logs if p.exists())
    raise AssertionError(f"{what}: not within {timeout}s\n{tails}")


class Pipeline:
    """A worker and a desk with their own app id, topics, data dirs and ports."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        app = f"it-desk-ui-{uuid.uuid4().hex[:8]}"
        subs = tmp / "subs.yaml"
        subs.write_text("subscriptions:\n  - name: local\n    urls: ['escalertconsole://']\n"
                        "    group_wait: 0s\n")
        self.desk_port = _free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
            "ESCALERT_BROKERS": BROKERS, "ESCALERT_APP_ID": app,
            "ESCALERT_TOPICS__ARTICLES": f"{app}-articles", "ESCALERT_TOPICS__SIGNALS": f"{app}-signals",
            "ESCALERT_TOPICS__ARTICLES_DLQ": f"{app}-dlq", "ESCALERT_TOPICS__ALERTS": f"{app}-alerts",
            "ESCALERT_TOPICS__ALERTS_DLQ": f"{app}-alerts-dlq", "ESCALERT_PARTITIONS": "2",
            "ESCALERT_EVENTS_TOPIC": f"{app}-events",
            "ESCALERT_ALERTS_SUBSCRIPTIONS": str(subs), "ESCALERT_ALERTS_FILE_ROOT": str(tmp),
            # Short group timeouts only so that a consumer group forms quickly on a shared broker.
            "ESCALERT_SESSION_TIMEOUT_SECONDS": "6", "ESCALERT_HEARTBEAT_INTERVAL_SECONDS": "1",
            "ESCALERT_WEB_PORT": str(_free_port()), "ESCALERT_DATA_DIR": str(tmp / "data"),
            "ESCALERT_DESK_PORT": str(self.desk_port), "ESCALERT_DESK_TOKEN": TOKEN,
            "PYTHONPATH": str(REPO),
        }
        self.url = f"http://127.0.0.1:{self.desk_port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def _cli(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        path = self.tmp / log
        self.logs.append(path)
        p = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", *args],
                             cwd=REPO, env=self.env, stdout=path.open("ab"), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def start(self) -> None:
        subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "topics"],
                       cwd=REPO, env=self.env, check=True, capture_output=True, timeout=120)
        self._cli("worker", "--no-create-topics", log="worker.log")
        self._cli("desk", log="desk.log")
        port = self.env["ESCALERT_WEB_PORT"]
        _wait(lambda: _get(f"http://127.0.0.1:{port}/health/ready"), 120, "worker ready", self.logs)
        _wait(lambda: _get(f"{self.url}/api/health").get("consumer") == "running", 60,
              "desk running", self.logs)

    def publish(self, *paths: str) -> None:
        subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "publish",
                        "--no-progress", *paths], cwd=REPO, env=self.env, check=True,
                       capture_output=True, timeout=120)

    def api(self, path: str) -> Any:
        return _get(f"{self.url}{path}")

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)",
          "ESCALERT_REQUIRE_BROWSER")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "Playwright for Python is not installed", "ESCALERT_REQUIRE_BROWSER")
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # a shared 2-CPU machine: room, not a speed assertion
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    host, _, port = BROKERS.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        _need(False, f"no Kafka broker at {BROKERS}", "ESCALERT_REQUIRE_KAFKA")
    pl = Pipeline(tmp_path_factory.mktemp("desk-ui"))
    try:
        pl.start()
        yield pl
    finally:
        pl.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()
    assert errors == [], errors


def _article_signal_count(path: Path) -> int:
    from service.detection import detect
    from service.inputs import read_articles

    return sum(len(detect(item.article)) for item in read_articles([str(path)]))


def test_live_feed_filter_and_calendar(pipeline: Pipeline, page: Any) -> None:
    from playwright.sync_api import expect

    sample = REPO / "seeds" / "000_7c94694e4128f0a7.txt"
    n = _article_signal_count(sample)
    page.goto(f"{pipeline.url}/#/feed?show=signals")
    expect(page.locator("#live-state")).to_have_text("Live")
    expect(page.locator("#feed li.empty")).to_be_visible()

    pipeline.publish(str(sample))  # nothing reloads the page: the cards come over the live feed
    cards = page.locator("#feed li[data-kind=signal]")
    expect(cards).to_have_count(n, timeout=90_000)
    expect(page.locator("#feed-count")).to_contain_text(f"{n} arrived live")
    expect(cards.first.locator("blockquote.evidence mark")).to_be_visible()
    expect(page.locator("#feed")).to_contain_text("RUS (Russian Federation)")
    expect(page.locator("#feed")).to_contain_text("U.S., Russia set for Jan. 10 security talks")

    # The worker's event stage consolidates them; the events feed shows the Geneva talks.
    page.goto(f"{pipeline.url}/#/feed?show=events")
    expect(page.locator("#feed li[data-kind=event]").first).to_be_visible()
    expect(page.locator("#feed")).to_contain_text("on 2025-01-10")

    page.goto(f"{pipeline.url}/#/feed?show=signals")
    expect(cards).to_have_count(n)
    page.select_option("#f-type", "MOBILIZE")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("h2")).to_have_text("Live feed: signals")
    narrowed = page.locator("#feed li[data-kind=signal]")
    expect(narrowed.first).to_be_visible()
    kinds = narrowed.locator(".badge.kind").all_inner_texts()
    assert kinds and set(kinds) == {"MOBILIZE"} and len(kinds) < n

    # Keyboard only: focus the Calendar link and press Enter.
    page.locator("nav a[data-view=calendar]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h2")).to_have_text("Diplomatic calendar")
    for day in ("2025-01-10", "2025-01-12", "2025-01-13"):
        row = page.locator(f"tr[data-date='{day}']")
        expect(row.first).to_be_visible()
        expect(row.first).to_contain_text("CONSULT")
    expect(page.locator("tr[data-date='2025-01-10']").first).to_contain_text("Geneva")


def test_a_signal_from_an_opinion_page_says_so(pipeline: Pipeline, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    column = tmp_path / "column.json"
    column.write_text(json.dumps({
        "id": "column-1", "title": "The shelling of Kharkiv must stop",
        "body": "Russian forces shelled Kharkiv on Monday, killing three civilians, officials said.",
        "url": "https://news.example/opinion/2025/01/06/kharkiv", "published_at": "2025-01-06T09:00:00Z"}))
    page.goto(f"{pipeline.url}/#/feed?show=signals")
    expect(page.locator("#live-state")).to_have_text("Live")
    pipeline.publish(str(column))
    card = page.locator("#feed li[data-kind=signal]", has_text="The shelling of Kharkiv must stop")
    expect(card.first).to_be_visible(timeout=90_000)
    expect(card.first.locator(".card-head .meta")).to_contain_text("asserted · opinion page")


def test_silence_created_in_the_page_stops_the_next_alert(pipeline: Pipeline, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{pipeline.url}/#/silences")
    expect(page.locator("#s-subscription option[value=local]")).to_have_count(1)
    page.select_option("#s-subscription", "local")
    page.fill("#s-actor", "SRB")
    page.fill("#s-reason", "Serbia-Kosovo: watching it ourselves")
    page.fill("#s-token", "wrong-token")
    page.get_by_role("button", name="Add silence").click()
    expect(page.get_by_role("status").filter(has_text="Not added")).to_contain_text("token")
    page.fill("#s-token", TOKEN)
    page.get_by_role("button", name="Add silence").click()
    added = page.get_by_role("status").filter(has_text="added")
    expect(added).to_contain_text("Silence sil-")
    sil_id = added.inner_text().split()[1]
    expect(page.locator(f"#silences tr[data-id='{sil_id}']")).to_contain_text("active")

    # The worker re-reads the silences file every ESCALERT_ALERTS_RELOAD_INTERVAL (5 s).
    time.sleep(7)
    pipeline.publish(str(REPO / "seeds" / "005_kosovo_serbia.txt"))

    def srb_alerts() -> list[dict[str, Any]]:
        items = pipeline.api("/api/alerts?subscription=local&actor=SRB&limit=200")["items"]
        return [a for a in items if any(s["article_id"] == "005_kosovo_serbia" for s in a["signals"])]

    got = _wait(srb_alerts, 90, "alerts of the Kosovo article", pipeline.logs)
    time.sleep(2)  # let the rest of the article's alerts arrive
    got = srb_alerts()
    assert got and all(a["status"] == "silenced" and a["silenced_by"] == sil_id for a in got), \
        [(a["title"], a["status"]) for a in got]
    others = [a for a in pipeline.api("/api/alerts?subscription=local&limit=200")["items"]
              if a["alert_id"] not in {g["alert_id"] for g in got}]
    assert others and all(a["status"] == "deliver" for a in others)  # the silence is not too wide

    page.goto(f"{pipeline.url}/#/feed?show=alerts&actor=SRB")
    expect(page.locator("#feed li[data-kind=alert] .badge.status-silenced").first).to_be_visible()
    expect(page.locator("#feed")).to_contain_text(f"silenced by {sil_id}")
    # "what did `local` get, and why": the silenced alerts are there, with the silence
    page.goto(f"{pipeline.url}/#/deliveries/local")
    row = page.locator("tbody tr").filter(has=page.locator(".badge.status-silenced")).first
    expect(row).to_contain_text(f"by {sil_id}")
    delivered = page.locator("tbody tr").filter(has=page.locator(".badge.status-deliver")).first
    expect(delivered).to_contain_text("sent, 1 attempt(s)")
    # the page never shows a target URL
    assert "escalertconsole://" not in page.content()


@pytest.fixture
def private_desk(tmp_path: Path, seed_alerts: list[dict[str, Any]]) -> Iterator[str]:
    """`escalert desk --no-consume` with ESCALERT_DESK_READS=token over a store holding 60 alerts
    of `local` (more than a page); no broker needed."""
    from datetime import datetime, timedelta

    from service.desk.rows import alert_rows
    from service.desk.store import Store

    db = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    store = Store.open(db)
    base = next(a for a in seed_alerts if a["subscription"] == "local")
    start = datetime.fromisoformat(base["created_at"])
    store.ingest([alert_rows({**base, "alert_id": f"al-page-{i:03d}", "title": f"Paged alert {i:03d}",
                              "created_at": (start + timedelta(minutes=i)).isoformat()})
                  for i in range(60)])
    store.close()
    subs = tmp_path / "subs.yaml"
    subs.write_text("subscriptions:\n  - name: local\n    urls: ['escalertconsole://']\n")
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ESCALERT_")},
           "ESCALERT_DATA_DIR": str(tmp_path / "data"), "ESCALERT_DESK_URL": db,
           "ESCALERT_DESK_PORT": str(port), "ESCALERT_DESK_TOKEN": TOKEN, "ESCALERT_DESK_READS": "token",
           "ESCALERT_ALERTS_SUBSCRIPTIONS": str(subs), "ESCALERT_ALERTS_FILE_ROOT": str(tmp_path),
           "PYTHONPATH": str(REPO)}
    log = tmp_path / "desk.log"
    p = subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()", "desk",
                          "--no-consume"], cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        req = urllib.request.Request(f"{url}/api/health", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status == 200

    try:
        _wait(ready, 60, "desk serving", [log])
        yield url
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


def test_a_private_desk_asks_for_its_token_and_deliveries_come_in_pages(private_desk: str,
                                                                       page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{private_desk}/#/feed?show=alerts")
    form = page.locator("#token-form")
    expect(form).to_be_visible()
    expect(page.locator("#live-state")).to_have_text("Not live")
    expect(page.locator("#feed li[data-kind=alert]")).to_have_count(0)
    page.fill("#t-token", "not-the-token")
    page.get_by_role("button", name="Open").click()
    expect(form).to_contain_text("did not accept")
    page.fill("#t-token", TOKEN)
    page.keyboard.press("Enter")
    expect(page.locator("#feed li[data-kind=alert]")).to_have_count(50)
    expect(page.locator("#live-state")).to_have_text("Live")  # the stream took the session cookie

    page.goto(f"{private_desk}/#/deliveries/local")
    rows = page.locator("#deliveries tr[data-id]")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Paged alert 059")
    page.get_by_role("button", name="Older").click()
    expect(rows).to_have_count(60)
    ids = [rows.nth(i).get_attribute("data-id") for i in range(60)]
    assert ids == [f"al-page-{i:03d}" for i in reversed(range(60))]
    expect(page.get_by_role("button", name="Older")).to_have_count(0)
