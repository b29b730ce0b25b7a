"""Screenshots of the desk's main pages for docs/desk/, from the seeds, in headless Chromium.

    .venv/bin/python scripts/desk_screenshots.py [--out docs/desk] [--browser /usr/bin/chromium]

Fills a temporary SQLite store with what the pipeline makes of seeds/ (the detector's signals,
the consolidator's events, the `local` subscription's alerts of examples/subscriptions.yaml and
one silence), serves the desk on a loopback port with the clock at 2025-01-05 (so the sample's
Jan. 10/12/13 meetings are upcoming), and saves one PNG per page. No network is used: Chromium
runs with background networking off and the page loads only from the local server.

Needs Debian's chromium (apt-get install chromium) and Playwright for Python (pip; no browser
download: the system Chromium is used).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
NOW = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)
PAGES = [
    ("feed-events", "#/feed?show=events", "#feed li"),
    ("feed-alerts", "#/feed?show=alerts&type=MOBILIZE", "#feed li"),
    ("event", None, "h3"),
    ("calendar", "#/calendar", "tr[data-date]"),
    ("trajectory", "#/trajectory?dyad=RUS-UKR&days=120", "svg.chart"),
    ("silences", "#/silences", "#silences"),
    ("deliveries", "#/deliveries/local", "table"),
]


def fill(store, silences_path: Path) -> str:
    """Store the seeds' signals, events and alerts; add a silence; the Geneva event's id."""
    from schemas.subscription import Silence
    from service.alerts.dryrun import replay
    from service.alerts.silences import SilenceStore
    from service.alerts.subscriptions import load_subscriptions
    from service.desk.rows import alert_rows, event_rows, ledger_rows, signal_rows
    from service.detection import detect
    from service.events.consolidate import Consolidator
    from service.inputs import InputError, read_articles

    signals = []
    for item in read_articles([str(REPO / "seeds")], now=NOW):
        if not isinstance(item, InputError):
            signals.extend(detect(item.article))
    signals.sort(key=lambda s: (s.article.published_at, s.signal_id))
    cons = Consolidator()
    events = [v for s in signals if (v := cons.add(s)) is not None]
    subs = load_subscriptions(REPO / "examples" / "subscriptions.yaml", file_root=REPO)
    alerts = [a.model_dump(mode="json") for a in replay(subs, signals, clock="published", now=NOW)[0]]
    ledger = []
    for a in alerts:
        if a["status"] == "deliver":
            at = a["created_at"]
            ledger.append(ledger_rows(f'"{a["alert_id"]}"', {"alert": None, "created_at": at, "updated_at": at,
                          "targets": {t: {"state": "sent", "attempts": 1, "sent_at": at,
                                          "last_attempt_at": at} for t in a["target_ids"]}}))
    store.ingest([signal_rows(s.model_dump(mode="json")) for s in signals]
                 + [event_rows(e) for e in events] + [alert_rows(a) for a in alerts] + ledger)
    SilenceStore(silences_path).add(Silence.model_validate({
        "id": "sil-0a1b2c3d", "matchers": {"subscriptions": ["local"], "countries": ["XKX"]},
        "starts_at": NOW - timedelta(hours=1), "ends_at": NOW + timedelta(hours=3),
        "reason": "Kosovo: the Balkans desk is on it", "created_by": "desk"}))
    geneva = [e for e in events if (e.get("location") or {}).get("name") == "Geneva"
              and e["type"] == "CONSULT"]
    return (geneva or events)[-1]["event_id"]


def serve(app, port: int):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "docs" / "desk"))
    ap.add_argument("--browser", default="/usr/bin/chromium")
    ap.add_argument("--width", type=int, default=1366)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args()
    if not Path(args.browser).exists():
        print(f"desk_screenshots: no Chromium at {args.browser} (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from service.alerts.silences import SilenceStore
    from service.alerts.subscriptions import load_subscriptions
    from service.desk.api import DeskContext, create_app
    from service.desk.store import Store

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="desk-shots-") as tmp:
        store = Store.open(f"sqlite:///{tmp}/desk.sqlite3")
        event_id = fill(store, Path(tmp) / "silences.json")
        subs = load_subscriptions(REPO / "examples" / "subscriptions.yaml", file_root=REPO)
        ctx = DeskContext(store=store, token="screenshots", subscriptions=lambda: subs,
                          silences=SilenceStore(Path(tmp) / "silences.json"), clock=lambda: NOW)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server, thread = serve(create_app(ctx), port)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.browser, args=ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                page.emulate_media(reduced_motion="reduce")
                for name, frag, ready in PAGES:
                    frag = frag or f"#/event/{event_id}"
                    page.goto(f"http://127.0.0.1:{port}/{frag}")
                    page.wait_for_selector(ready, timeout=30_000)
                    page.wait_for_timeout(300)
                    path = out / f"{name}.png"
                    page.screenshot(path=str(path))
                    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
