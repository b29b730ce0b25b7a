"""``escalert alerts ping``: send one test message to every target of the subscriptions.

Why: an Apprise URL with a wrong token or host is otherwise found out when the first real alert
ends in ``alerts-dlq``. This sends through exactly the path the worker uses (the same Apprise
plugin settings, format per target), once, without retries, and reports each target with its
HTTP status or error. URLs are never printed, only their redacted form.

Exit status: 0 every target accepted; 1 some failed; 2 the file or a name is wrong; 3 no target
could be reached at all (every failure without an HTTP answer).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from service.exit_codes import EXIT_OK, EXIT_PARTIAL, EXIT_UNAVAILABLE, EXIT_USAGE


@click.command("ping")
@click.option("--subscriptions", "-s", "subscriptions", type=click.Path(path_type=Path),
              help="The subscriptions YAML (default: ESCALERT_ALERTS_SUBSCRIPTIONS).")
@click.option("--only", "only", multiple=True, metavar="NAME",
              help="Only this subscription (repeatable).")
@click.option("--message", default="If you read this, escalert can alert you here.",
              show_default=True, help="The test message's body.")
def ping(subscriptions: Path | None, only: tuple[str, ...], message: str) -> None:
    """Send a test message to each target of the subscriptions and report what happened."""
    import asyncio

    from service.alerts.delivery import AppriseSender
    from service.alerts.loading import load_subs
    from service.alerts.subscriptions import redact
    from service.alerts.targets import channel_profile

    subs = load_subs(subscriptions)
    names = [s.name for s in subs.subscriptions]
    unknown = [n for n in only if subs.get(n) is None]
    if unknown:
        click.echo(f"error: no subscription named {', '.join(map(repr, unknown))} "
                   f"(known: {', '.join(names) or 'none'})", err=True)
        sys.exit(EXIT_USAGE)
    chosen = [s for s in subs.subscriptions if not only or s.name in only]
    jobs = [(s, tid, url) for s in chosen for tid, url in subs.targets(s.name)]
    if not jobs:
        click.echo("error: no enabled subscription with targets to ping", err=True)
        sys.exit(EXIT_USAGE)

    sender = AppriseSender(timeout=30)

    async def one(sub, url):
        fmt = sub.format or channel_profile(url)[0]
        body = f"{message}\n\n(subscription {sub.name})"
        if fmt == "html":
            body = f"<p>{message}</p><p><small>subscription {sub.name}</small></p>"
        began = time.monotonic()
        result = await sender.send(url, "escalert test message", body, fmt)
        return result, time.monotonic() - began

    async def run():
        return await asyncio.gather(*(one(s, url) for s, _, url in jobs))

    results = asyncio.run(run())
    failed = unreachable = 0
    for (sub, _tid, url), (res, secs) in zip(jobs, results, strict=True):
        status = f"HTTP {res.status}" if res.status is not None else ""
        if res.ok:
            click.echo(f"ok      {sub.name:<20} {redact(url)}  {status}  {secs:.2f}s".rstrip())
        else:
            failed += 1
            unreachable += res.status is None
            kind = "PERM" if res.permanent else "FAIL"
            click.echo(f"{kind:<7} {sub.name:<20} {redact(url)}  {res.error}  {secs:.2f}s")
    click.echo(f"{len(jobs) - failed}/{len(jobs)} targets accepted the test message", err=True)
    if failed == 0:
        sys.exit(EXIT_OK)
    if failed == len(jobs) and unreachable == failed:
        sys.exit(EXIT_UNAVAILABLE)
    sys.exit(EXIT_PARTIAL)
