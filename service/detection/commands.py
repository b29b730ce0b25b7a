"""``escalert detect`` and ``escalert evaluate``: the detector on files, and its measured quality."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.exit_codes import EXIT_PARTIAL
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
        sys.exit(EXIT_PARTIAL)


REALNEWS_CHOICES = ["case2021", "wikievents", "indiapolice", "rams", "plover-gsr", "desks", "agnews", "realnews"]


@click.command()
@click.option("--set", "which", type=click.Choice(["labeled", "plover", "all", *REALNEWS_CHOICES]), default="all",
              show_default=True,
              help="labeled: the project's news-style set; plover: the PLOVER gold-standard sentences (all of them); "
                   "all: both. Real news nobody on the project wrote (built by scripts/eval_data.py): case2021, "
                   "wikievents, indiapolice, rams, plover-gsr (the PLOVER records, split), desks (non-political articles), agnews "
                   "(wire ledes: non-political desks scored, World ledes for the hand-checked precision); "
                   "realnews: every real-news row at once.")
@click.option("--split", type=click.Choice(["dev", "test", "dev2", "dev3", "holdout", "all"]), default=None,
              help="Which part to score. Labeled set: dev, dev2, dev3, holdout or all (default all). "
                   "Real-news sets: dev (tune on it; the default), test (report it) or all.")
@click.option("--errors", is_flag=True, help="Also list every false positive and false negative.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the labeled data lives (default: tests/data next to the project).")
@click.option("--cache", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the real-news sets were built (default: $ESCALERT_EVAL_DATA or ~/.cache/escalert/eval).")
def evaluate(which: str, split: str | None, errors: bool, data_dir: Path | None, cache: Path | None) -> None:
    """Measure detection quality: per-type precision, recall and F1, scheduled-date accuracy,
    and false alarms on look-alikes, denials and speculation; on real news, macro recall, false
    alarms on no-event text and flagged non-political articles, beside a keyword peer."""
    from service.detection import evaluation

    if which in REALNEWS_CHOICES:
        _evaluate_realnews(which, split or "dev", errors, cache)
        return
    if split == "test":
        raise click.UsageError("--split test is for the real-news sets; the labeled set has dev, dev2, dev3, holdout")
    base = data_dir or evaluation.default_data_dir()
    if not base.exists():
        raise click.UsageError(f"no evaluation data at {base} (pass --data-dir)")
    if which in ("labeled", "all"):
        report = evaluation.evaluate_labeled(base / "labeled" / "items.jsonl", split=split or "all")
        click.echo(evaluation.format_labeled(report, errors=errors))
    if which in ("plover", "all"):
        report = evaluation.evaluate_plover(base / "plover-gsr" / "PLOVER_GSR_CAMEO.txt")
        click.echo(evaluation.format_plover(report))


def _evaluate_realnews(which: str, split: str, errors: bool, cache: Path | None) -> None:
    """The real-news table; a set that is not built is reported, the others still scored (exit 1)."""
    from service.detection import evaluation

    if split not in ("dev", "test", "all"):
        raise click.UsageError(f"--split {split}: the real-news sets have dev, test and all")
    names = evaluation.REALNEWS_SETS if which == "realnews" else ("plover" if which == "plover-gsr" else which,)
    pairs, rules, missing = [], [], []
    for name in names:
        try:
            pairs.append(tuple(evaluation.evaluate_realnews(name, split, system, cache) for system in ("peer", "detector")))
            rules.append(evaluation.evaluate_realnews(name, split, "rules", cache))
        except FileNotFoundError as exc:
            missing.append(str(exc))
    if pairs:
        click.echo(evaluation.format_realnews(pairs, details=which != "realnews", errors=errors,  # type: ignore[arg-type]
                                              rules=rules))
    for name in names:
        note = evaluation.stale_cache(name, cache)
        if note:
            click.echo(f"escalert evaluate: warning: {note}", err=True)
    for reason in missing:
        click.echo(f"escalert evaluate: {reason}", err=True)
    if missing:
        sys.exit(EXIT_PARTIAL)


commands = [detect, evaluate]
