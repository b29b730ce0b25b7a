"""Render the HTML email of an alert for one article and screenshot it in headless Chromium.

    .venv/bin/python scripts/screenshot_email.py                       # -> docs/images/alert-email.png
    .venv/bin/python scripts/screenshot_email.py --html /tmp/alert.html --out /tmp/alert.png

The article (default: the sample ``seeds/000_7c94694e4128f0a7.txt``) goes through the detector
and the dry-run router (one catch-all subscription), exactly as ``escalert alerts test`` does; the
alert whose signal is of ``--type`` and comes first in the article is rendered with the
alert's own creation time as "now". Plain-text articles carry no outlet or link, so ``--source``
and ``--url`` supply them (the defaults are illustrative, under example.org).

Needs Chromium (Debian: ``apt-get install chromium``). The browser runs without network
(``--disable-background-networking``; the page is a local file with inline styles and nothing to
fetch) and with a throwaway profile directory. Exit status: 0 written, 1 no such alert, 2 no
browser or the browser failed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from schemas.alert import Alert  # noqa: E402
from service.alerts.dryrun import replay  # noqa: E402
from service.alerts.render import render  # noqa: E402
from service.alerts.subscriptions import build_set  # noqa: E402
from service.inputs import article_from_text  # noqa: E402

DEFAULT_ARTICLE = ROOT / "seeds" / "000_7c94694e4128f0a7.txt"
DEFAULT_OUT = ROOT / "docs" / "images" / "alert-email.png"
BROWSER_TIMEOUT_S = 60
MAX_HEIGHT = 4000


def alert_for(article_path: Path, source: str | None, url: str | None, event_type: str) -> Alert | None:
    """The alert a catch-all subscription gets for the article's first ``event_type`` signal."""
    from service.detection import detect

    article = article_from_text(article_path.read_text(encoding="utf-8"), name=article_path.name)
    article = article.model_copy(update={"source": source or article.source, "url": url})
    subs = build_set({"subscriptions": [{"name": "analyst", "urls": ["json://127.0.0.1:9/x"]}]},
                     environ={})
    alerts, _ = replay(subs, list(detect(article)))
    candidates = [a for a in alerts if a.kind == "alert" and a.signals[0].type.value == event_type]
    return min(candidates, key=lambda a: a.signals[0].evidence.start, default=None)


def _chromium(browser: str, profile: str, width: int, height: int, *extra: str) -> str:
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}",
        *extra,
    ]
    done = subprocess.run(cmd, check=True, timeout=BROWSER_TIMEOUT_S, capture_output=True, text=True)
    return done.stdout


_MEASURE = (
    "<script>document.documentElement.setAttribute('data-height',"
    " String(document.documentElement.scrollHeight));</script>"
)


def page_height(html_path: Path, width: int, browser: str, profile: str) -> int | None:
    """The page's height at ``width``, measured by the browser (a copy with a measuring script)."""
    probe = html_path.with_name("measure.html")
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"),
                     encoding="utf-8")
    dom = _chromium(browser, profile, width, 600, "--dump-dom", probe.resolve().as_uri())
    m = re.search(r'data-height="(\d+)"', dom)
    return int(m.group(1)) if m else None


def screenshot(html_path: Path, out: Path, width: int, height: int | None, browser: str) -> None:
    """Screenshot ``html_path``; ``height`` None: exactly as tall as the page."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="escalert-chromium-") as profile:
        if height is None:
            height = min(page_height(html_path, width, browser, profile) or 900, MAX_HEIGHT)
        _chromium(browser, profile, width, height, f"--screenshot={out}", html_path.resolve().as_uri())
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"{browser} wrote no screenshot to {out}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    p.add_argument("--source", default="Example News", help="outlet shown (the .txt has none)")
    p.add_argument("--url", default="https://news.example.org/2024/04/14/us-russia-security-talks",
                   help="article link shown (the .txt has none)")
    p.add_argument("--type", dest="event_type", default="CONSULT", help="PLOVER type to show")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    p.add_argument("--width", type=int, default=760)
    p.add_argument("--height", type=int, help="default: the page's own height")
    p.add_argument("--browser", default=shutil.which("chromium") or "chromium")
    args = p.parse_args(argv)

    alert = alert_for(args.article, args.source, args.url, args.event_type)
    if alert is None:
        print(f"error: no {args.event_type} alert for {args.article}", file=sys.stderr)
        return 1
    body = render(alert, "html", alert.created_at).body
    with tempfile.TemporaryDirectory(prefix="escalert-email-") as tmp:
        page = Path(tmp) / "alert.html"
        page.write_text(body, encoding="utf-8")
        if args.html:
            args.html.write_text(body, encoding="utf-8")
        try:
            screenshot(page, args.out, args.width, args.height, args.browser)
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            print(f"error: screenshot with {args.browser} failed: {exc}", file=sys.stderr)
            return 2
    print(f"wrote {args.out} ({alert.title})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
