"""``escalert alerts test`` (the dry run) and ``escalert silence add|list|expire``.

Heavy imports stay inside the command functions so ``escalert --help`` is fast.
Other alert commands (``escalert alerts ping``) join the ``alerts`` group with a one-line edit.
"""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from service.alerts.loading import alert_settings, load_subs, silence_store
from service.exit_codes import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

_MATCHER_KEYS = {
    "subscription": "subscriptions",
    "type": "types",
    "actor": "actors",
    "country": "countries",
    "keyword": "keywords",
    "group_key": "group_key",
    "max_severity": "max_severity",
}


def _parse_when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=name) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# --- alerts test -----------------------------------------------------------------------------


@click.group("alerts")
def alerts_group() -> None:
    """Alert subscriptions: dry runs (and delivery commands)."""


@alerts_group.command("test")
@click.option("--subscriptions", "-s", "subscriptions", type=click.Path(path_type=Path),
              help="The subscriptions YAML (default: $ESCALERT_ALERTS_SUBSCRIPTIONS).")
@click.option("--silences", "silences_path", type=click.Path(path_type=Path),
              help="A silences JSON store to apply too (default: the one beside the "
              "subscriptions file, if it exists).")
@click.option("--clock", type=click.Choice(["published", "now"]), default="published",
              show_default=True,
              help="Replay at each article's publication time, or everything at the current time.")
@click.option("--now", "now_text", metavar="ISO", help="The current time for --clock now and "
              "for 'in 3 days' (default: the real time).")
@click.option("--format", "fmt", type=click.Choice(["summary", "json", "markdown", "text", "html"]),
              default="summary", show_default=True,
              help="summary: per subscription; json: one alert per line; markdown/text/html: "
              "the messages as they would be sent.")
@click.argument("paths", nargs=-1, required=True)
def alerts_test(subscriptions: Path | None, silences_path: Path | None, clock: str,
                now_text: str | None, fmt: str, paths: tuple[str, ...]) -> None:
    """Dry run: which alerts would each subscription have received from PATHS?

    PATHS are articles (.jsonl/.json/.txt, directories, '-'), run through the detector, or a
    signals JSONL file (e.g. saved `escalert detect` output). Shows, per subscription, the alerts
    it would get and how many signals were grouped, throttled, held or silenced. Nothing is sent.

    Exit status: 0 ok, 1 some inputs were invalid, 2 bad subscriptions file or usage.
    """
    from tqdm import tqdm

    from service.alerts.dryrun import dry_run, summary_lines
    from service.alerts.render import render
    from service.alerts.silences import SilenceStoreError, default_store_path

    subs = load_subs(subscriptions)
    now = _parse_when(now_text, "--now") or datetime.now(UTC)
    store_path = silences_path or alert_settings().silences_path or (
        default_store_path(subs.path) if subs.path else None)
    silences = []
    if store_path is not None and (silences_path or Path(store_path).exists()):
        from service.alerts.silences import SilenceStore

        try:
            silences = SilenceStore(store_path).load()
        except SilenceStoreError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)

    def progress(it):
        return tqdm(it, desc="articles", unit=" art", file=sys.stderr, disable=None, leave=False)

    report = dry_run(subs, paths, clock=clock, now=now, silences=silences,  # type: ignore[arg-type]
                     progress=progress)
    for err in report.errors:
        click.echo(f"invalid input: {err}", err=True)
    if fmt == "summary":
        for line in summary_lines(report, subs):
            click.echo(line)
    elif fmt == "json":
        for a in report.alerts:
            click.echo(a.model_dump_json())
    else:
        for a in report.alerts:
            r = render(a, fmt, now)  # type: ignore[arg-type]
            click.echo(f"=== {a.subscription} · {a.status} · {r.title}")
            click.echo(r.body)
            click.echo("")
    sys.exit(EXIT_PARTIAL if report.errors else EXIT_OK)


# --- silence add|list|expire ------------------------------------------------------------------


@click.group("silence")
def silence_group() -> None:
    """Mute matching alerts for a while (recorded as silenced, not delivered)."""


_store_opts = [
    click.option("--store", type=click.Path(path_type=Path),
                 help="The silences JSON file (default: $ESCALERT_ALERTS_SILENCES_PATH, or "
                 "<subscriptions stem>.silences.json beside the subscriptions file)."),
    click.option("--subscriptions", "-s", type=click.Path(path_type=Path),
                 help="The subscriptions YAML (locates the store; default "
                 "$ESCALERT_ALERTS_SUBSCRIPTIONS)."),
]


def _with_store(f):
    for opt in reversed(_store_opts):
        f = opt(f)
    return f


@silence_group.command("add")
@_with_store
@click.option("--match", "-m", "matchers", multiple=True, required=True, metavar="KEY=VALUE[,VALUE]",
              help="subscription, type, actor, country, keyword, group_key or max_severity; "
              "repeat for AND, commas for OR.")
@click.option("--duration", "-d", metavar="DURATION", help="How long, e.g. 2h, 30m, 1d.")
@click.option("--until", "until_text", metavar="ISO", help="End time instead of --duration.")
@click.option("--start", "start_text", metavar="ISO", help="Start time (default: now).")
@click.option("--reason", "-r", required=True, help="Why (shown in the record of every muted alert).")
@click.option("--id", "silence_id", help="An id (default: generated).")
@click.option("--by", "created_by", help="Who adds it.")
def silence_add(store: Path | None, subscriptions: Path | None, matchers: tuple[str, ...],
                duration: str | None, until_text: str | None, start_text: str | None, reason: str,
                silence_id: str | None, created_by: str | None) -> None:
    """Add a silence; prints its id."""
    from pydantic import ValidationError

    from schemas.subscription import Silence, parse_duration
    from service.alerts.silences import SilenceStoreError, describe_error, new_silence_id

    fields: dict[str, object] = {}
    for m in matchers:
        key, sep, value = m.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or key not in _MATCHER_KEYS or not value.strip():
            raise click.BadParameter(
                f"{m!r}: expected KEY=VALUE with KEY one of {', '.join(_MATCHER_KEYS)}",
                param_hint="--match")
        target = _MATCHER_KEYS[key]
        values = [v.strip() for v in value.split(",") if v.strip()]
        if target in ("group_key", "max_severity"):
            fields[target] = value.strip()
        else:
            fields.setdefault(target, [])
            fields[target].extend(values)  # type: ignore[union-attr]
    start = _parse_when(start_text, "--start") or datetime.now(UTC)
    if (duration is None) == (until_text is None):
        raise click.UsageError("give exactly one of --duration and --until")
    if duration is not None:
        try:
            end = start + parse_duration(duration)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--duration") from None
    else:
        end = _parse_when(until_text, "--until")  # type: ignore[assignment]
    try:
        silence = Silence.model_validate({
            "id": silence_id or new_silence_id(), "matchers": fields, "starts_at": start,
            "ends_at": end, "reason": reason, "created_by": created_by,
        })
    except ValidationError as exc:
        click.echo(f"error: {describe_error(exc)}", err=True)
        sys.exit(EXIT_USAGE)
    st = silence_store(store, subscriptions)
    try:
        st.add(silence)
    except SilenceStoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(silence.id)


@silence_group.command("list")
@_with_store
@click.option("--all", "show_all", is_flag=True, help="Include expired silences.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def silence_list(store: Path | None, subscriptions: Path | None, show_all: bool, as_json: bool) -> None:
    """List active (and pending) silences."""
    from service.alerts.silences import SilenceStoreError

    try:
        items = silence_store(store, subscriptions).load()
    except SilenceStoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    now = datetime.now(UTC)
    for s in items:
        if not show_all and s.ends_at <= now:
            continue
        if as_json:
            click.echo(s.model_dump_json())
            continue
        state = "active" if s.active(now) else ("expired" if s.ends_at <= now else "pending")
        m = s.matchers.model_dump(exclude_defaults=True)
        what = " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in m.items())
        click.echo(f"{s.id}\t{state}\t{s.starts_at:%Y-%m-%dT%H:%MZ} .. {s.ends_at:%Y-%m-%dT%H:%MZ}"
                   f"\t{what}\t{s.reason}")


@silence_group.command("expire")
@_with_store
@click.argument("silence_id")
def silence_expire(store: Path | None, subscriptions: Path | None, silence_id: str) -> None:
    """End a silence now (it stays in the file, expired, for the record)."""
    from service.alerts.silences import SilenceStoreError

    try:
        s = silence_store(store, subscriptions).expire(silence_id, datetime.now(UTC))
    except KeyError:
        click.echo(f"error: no silence with id {silence_id!r}", err=True)
        sys.exit(EXIT_PARTIAL)
    except SilenceStoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"{s.id} expired at {s.ends_at:%Y-%m-%dT%H:%M:%SZ}")


alerts_group.add_command(importlib.import_module("service.alerts.ping").ping)
commands: list[click.Command] = [alerts_group, silence_group]
