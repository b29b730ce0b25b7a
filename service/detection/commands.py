"""``escalert detect`` and ``escalert evaluate``: the detector on files, and its measured quality."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.inputs import DEFAULT_MAX_BYTES


def _format_table_row(sig) -> str:  # type: ignore[no-untyped-def]
    src = ",".join(a.code for a in sig.actors.source) or "-"
    tgt = ",".join(a.code for a in sig.actors.target) or "-"
    where = sig.location.name if sig.location else "-"
    when = "-"
    if sig.event_date:
        when = sig.event_date.isoformat() + (f"..{sig.event_date_end.isoformat()}" if sig.event_date_end else "")
    trig = sig.evidence.trigger.replace("\n", " ")
    return (
        f"{sig.article_id[:24]:24} {sig.type.value:9} {sig.modality.value:11} {(sig.mode or '-')[:16]:16} "
        f"{src + '>' + tgt:18} {where[:14]:14} {when:22} {sig.severity:>3} {sig.confidence:>5.2f}  {trig[:40]}"
    )


TABLE_HEADER = (
    f"{'ARTICLE':24} {'TYPE':9} {'MODALITY':11} {'MODE':16} {'SOURCE>TARGET':18} {'WHERE':14} "
    f"{'WHEN':22} {'SEV':>3} {'CONF':>5}  TRIGGER"
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True,
              help="jsonl: one signal per line (the signals-topic payload); table: for reading.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Reject articles larger than this.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: when it is a terminal).")
def detect(paths: tuple[str, ...], fmt: str, max_bytes: int, progress: bool | None) -> None:
    """Detect escalation signals in articles.

    PATHS are .jsonl files (one article per line), .json files (an article or a list), .txt files
    in the plain-text form (| 14 April 2024, Sunday | header, title, body, optional • Reuters
    byline), directories (all such files), or - (JSONL on standard input). Signals go to standard
    output; invalid inputs are reported on standard error with file, line and reason, skipped,
    and make the exit status 1.
    """
    from tqdm import tqdm

    from service.detection import detect as run_detect
    from service.inputs import InputError, read_articles

    show = sys.stderr.isatty() if progress is None else progress
    out = sys.stdout
    if fmt == "table":
        out.write(TABLE_HEADER + "\n")
    n_articles = n_signals = n_bad = 0
    for item in tqdm(read_articles(paths, max_bytes=max_bytes), disable=not show, unit=" articles", file=sys.stderr):
        if isinstance(item, InputError):
            n_bad += 1
            click.echo(f"escalert detect: {item}", err=True)
            continue
        n_articles += 1
        try:
            signals = run_detect(item.article)
        except Exception as exc:  # noqa: BLE001 - report and go on: one article never stops a batch
            n_bad += 1
            click.echo(f"escalert detect: {item.origin}: detection_error: {exc!r}", err=True)
            continue
        n_signals += len(signals)
        for sig in signals:
            out.write((_format_table_row(sig) if fmt == "table" else sig.model_dump_json()) + "\n")
    out.flush()
    click.echo(f"escalert detect: {n_articles} articles, {n_signals} signals, {n_bad} invalid inputs", err=True)
    if n_bad:
        sys.exit(1)


@click.command()
@click.option("--set", "which", type=click.Choice(["labeled", "plover", "all"]), default="all", show_default=True,
              help="labeled: the project's news-style set; plover: the PLOVER gold-standard sentences.")
@click.option("--split", type=click.Choice(["dev", "dev2", "dev3", "holdout", "all"]), default="all", show_default=True,
              help="Which part of the labeled set to score.")
@click.option("--errors", is_flag=True, help="Also list every false positive and false negative.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the labeled data lives (default: tests/data next to the project).")
def evaluate(which: str, split: str, errors: bool, data_dir: Path | None) -> None:
    """Measure detection quality: per-type precision, recall and F1, scheduled-date accuracy,
    and false alarms on look-alikes, denials and speculation."""
    from service.detection import evaluation

    base = data_dir or evaluation.default_data_dir()
    if not base.exists():
        raise click.UsageError(f"no evaluation data at {base} (pass --data-dir)")
    if which in ("labeled", "all"):
        report = evaluation.evaluate_labeled(base / "labeled" / "items.jsonl", split=split)
        click.echo(evaluation.format_labeled(report, errors=errors))
    if which in ("plover", "all"):
        report = evaluation.evaluate_plover(base / "plover-gsr" / "PLOVER_GSR_CAMEO.txt")
        click.echo(evaluation.format_plover(report))


commands = [detect, evaluate]
