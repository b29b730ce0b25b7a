#!/usr/bin/env python3
"""Precision of escalation alerts on world news, scored against hand-checked judgments.

    scripts/alert_precision.py                       # score test and dev against the judgments
    scripts/alert_precision.py --split test --show   # print the sampled alerts with context, to judge

An escalation alert is a MOBILIZE, THREATEN, SANCTION, ASSAULT or COERCE signal whose modality is
asserted or scheduled, from a news article (not a column, editorial or blog post: what a
subscription alerts on by default). The sample frame is every such alert the current detector raises on the
whole documents of the chosen sets (default: rams and wikievents) in one split. Each alert is keyed
by (document id, sha256 of its evidence sentence, type, trigger, trigger offset); the sample is the
``--n`` alerts whose seeded sha256 of that key is lowest, so the same alert is always in or out of
the sample whatever else the detector raises, and the hash of the last judged alert is a cutoff
under which any new alert is "in the sample frame, not judged".

Judgments (tests/data/precision/judgments.jsonl) hold keys, verdicts and reasons, never source
text: the sentence is found again in the local cache by its sha256. Prints precision (right /
judged alerts still raised) with a Wilson 95% interval per type and overall, the verdicts of the
wrong ones, role accuracy of the right ones, and the alerts not judged. Exit 0; 2 with one line
when the judgments cannot be read; a split whose sets are not built is skipped with the reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import ValidationError  # noqa: E402

from schemas.common import ALERT_WORTHY_GENRES, ALERT_WORTHY_MODALITIES  # noqa: E402
from schemas.signal import Signal  # noqa: E402
from service.detection.role_eval import GoldEvent, judge  # noqa: E402

ESCALATION_TYPES = ("MOBILIZE", "THREATEN", "SANCTION", "ASSAULT", "COERCE")
VERDICTS = ("right", "wrong-sense", "wrong-type", "not-asserted", "not-an-event")
ROLES = ("right", "wrong", "partly")
DEFAULT_SETS = ("rams", "wikievents")
DEFAULT_SEED = "escalert-precision-1"
DEFAULT_N = 120
JUDGMENTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "precision" / "judgments.jsonl"


class JudgmentError(ValueError):
    """The judgments file cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class AlertKey:
    doc: str
    sentence_sha256: str
    type: str
    trigger: str
    trigger_start: int

    def as_dict(self) -> dict:
        return {"doc": self.doc, "sentence_sha256": self.sentence_sha256, "type": self.type,
                "trigger": self.trigger, "trigger_start": self.trigger_start}


@dataclass(frozen=True)
class Alert:
    key: AlertKey
    split: str
    signal: Signal


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sample_rank(key: AlertKey, seed: str) -> str:
    """The seeded hash that orders alerts for the sample (lowest first)."""
    parts = [seed, key.doc, key.sentence_sha256, key.type, key.trigger, str(key.trigger_start)]
    return sha256("\x1f".join(parts))


def is_escalation_alert(sig: Signal) -> bool:
    return (sig.type.value in ESCALATION_TYPES and sig.modality in ALERT_WORTHY_MODALITIES
            and sig.article.genre in ALERT_WORTHY_GENRES)


def alert_key(doc: str, sig: Signal) -> AlertKey:
    ev = sig.evidence
    return AlertKey(doc, sha256(ev.sentence), sig.type.value, ev.trigger, ev.trigger_start)


def collect_alerts(items: Iterable[dict], detect_item: Callable[[dict], list[Signal]]) -> list[Alert]:
    """Every escalation alert of the documents, one per key."""
    seen: dict[AlertKey, Alert] = {}
    for item in items:
        for sig in detect_item(item):
            if is_escalation_alert(sig):
                key = alert_key(item["id"], sig)
                seen.setdefault(key, Alert(key, item.get("split", ""), sig))
    return list(seen.values())


def draw_sample(alerts: list[Alert], n: int, seed: str) -> list[Alert]:
    return sorted(alerts, key=lambda a: sample_rank(a.key, seed))[:n]


# ------------------------------------------------------------------------------------ judgments


def parse_judgment(obj: dict, where: str) -> dict:
    """One judgment line checked: key fields, a known verdict, roles for right alerts."""
    try:
        key = AlertKey(str(obj["doc"]), str(obj["sentence_sha256"]), str(obj["type"]),
                       str(obj["trigger"]), int(obj["trigger_start"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise JudgmentError(f"{where}: key field missing or bad ({exc})") from None
    if obj.get("verdict") not in VERDICTS:
        raise JudgmentError(f"{where}: verdict {obj.get('verdict')!r} is not one of {', '.join(VERDICTS)}")
    if obj.get("roles") is not None and obj["roles"] not in ROLES:
        raise JudgmentError(f"{where}: roles {obj['roles']!r} is not one of {', '.join(ROLES)}")
    if obj["verdict"] == "right" and obj.get("roles") is None:
        raise JudgmentError(f"{where}: a right alert needs roles")
    return {"key": key, "split": obj.get("split", ""), "verdict": obj["verdict"],
            "roles": obj.get("roles"), "reason": obj.get("reason", ""), "seed": obj.get("seed"),
            "gold": _gold_actors(obj, key, where)}


def _gold_actors(obj: dict, key: AlertKey, where: str) -> GoldEvent | None:
    """The doer and the one done to, written down for a right alert (``source``, ``target``,
    ``joint``; codes as in tests/data/roles), to score the current signal's roles against; None
    where the judgment has only the ``roles`` verdict given at the time."""
    if "source" not in obj and "target" not in obj:
        return None
    if obj["verdict"] != "right":
        raise JudgmentError(f"{where}: actors are written for right alerts only")
    try:
        return GoldEvent(types=(key.type,), source=tuple(obj.get("source", ())), target=tuple(obj.get("target", ())),
                         modality="asserted", joint=bool(obj.get("joint", False)))
    except ValidationError as exc:
        raise JudgmentError(f"{where}: actors: {exc.errors()[0]['msg']}") from None


def load_judgments(path: Path) -> list[dict]:
    if not path.is_file():
        raise JudgmentError(f"{path}: no judgments file")
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise JudgmentError(f"{path}:{no}: not JSON ({exc.msg})") from None
            out.append(parse_judgment(obj, f"{path}:{no}"))
    return out


# -------------------------------------------------------------------------------------- scoring


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95% interval of k successes in n trials ((0, 1) when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Score:
    judged: int = 0
    raised: int = 0
    right: Counter | None = None
    n: Counter | None = None
    verdicts: Counter | None = None
    roles: Counter | None = None
    unjudged_in_frame: int = 0
    alerts: int = 0
    gold_roles: int = 0  # right alerts still raised whose actors are written down
    gold_both: int = 0  # ... whose current signal has both roles right (tests/data/roles rule)


def score(judgments: list[dict], alerts: list[Alert], seed: str) -> Score:
    """Precision of the judged alerts still raised; unjudged alerts under the sample cutoff."""
    current = {a.key: a for a in alerts}
    s = Score(judged=len(judgments), right=Counter(), n=Counter(), verdicts=Counter(), roles=Counter(),
              alerts=len(alerts))
    for j in judgments:
        if j["key"] not in current:
            continue
        s.raised += 1
        t = j["key"].type
        s.n[t] += 1
        s.verdicts[j["verdict"]] += 1
        if j["verdict"] == "right":
            s.right[t] += 1
            s.roles[j["roles"]] += 1
            if j.get("gold") is not None:
                s.gold_roles += 1
                s.gold_both += judge(j["gold"], current[j["key"]].signal).both
    s.unjudged_in_frame = len(unjudged_in_frame(judgments, alerts, seed))
    return s


def unjudged_in_frame(judgments: list[dict], alerts: list[Alert], seed: str) -> list[Alert]:
    """The alerts under the sample cutoff that no judgment covers, in rank order: to judge (and
    commit) before the next change is aimed at them."""
    if not judgments:
        return []
    judged_keys = {j["key"] for j in judgments}
    cutoff = max(sample_rank(j["key"], seed) for j in judgments)
    return sorted((a for a in alerts if a.key not in judged_keys and sample_rank(a.key, seed) <= cutoff),
                  key=lambda a: sample_rank(a.key, seed))


def _ratio(k: int, n: int) -> str:
    if n == 0:
        return f"{k}/{n}  -"
    lo, hi = wilson(k, n)
    return f"{k}/{n}  {k / n:.3f}  [{lo:.3f}, {hi:.3f}]"


def format_score(s: Score, title: str) -> str:
    assert s.right is not None and s.n is not None and s.verdicts is not None and s.roles is not None
    lines = [f"== {title}: {s.judged} judged, {s.raised} still raised, {s.alerts} alerts raised now",
             f"precision (right / judged still raised, Wilson 95%): {_ratio(sum(s.right.values()), s.raised)}"]
    lines += [f"  {t:<9} {_ratio(s.right[t], s.n[t])}" for t in ESCALATION_TYPES if s.n[t]]
    wrong = {v: c for v, c in s.verdicts.items() if v != "right"}
    lines.append("wrong, by verdict: " + (", ".join(f"{v} {c}" for v, c in sorted(wrong.items())) or "none"))
    n_right = sum(s.right.values())
    lines.append(f"roles of right alerts: right {_ratio(s.roles['right'], n_right)}; "
                 f"partly {s.roles['partly']}, wrong {s.roles['wrong']}")
    if s.gold_roles:
        lines.append(f"roles now against the actors written down: both right {_ratio(s.gold_both, s.gold_roles)}")
    lines.append(f"alerts in the sample frame not judged: {s.unjudged_in_frame}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- I/O


def load_documents(sets: Iterable[str], split: str) -> list[dict]:
    """The world-news documents of the sets (a document filed under a non-political desk, as
    agnews' Sports, Business and Sci/Tech ledes, is not in the frame); FileNotFoundError names the
    first set not built."""
    from service.detection.evaluation import load_realnews

    items: list[dict] = []
    for name in sets:
        items += [it for it in load_realnews(name, split) if not it.get("desk")]
    return items


def judgments_path(sets: tuple[str, ...]) -> Path:
    """Each frame has its own judgments: the default sets' file, or ``<set>+<set>.jsonl`` beside it."""
    return JUDGMENTS if sets == DEFAULT_SETS else JUDGMENTS.with_name("+".join(sets) + ".jsonl")


def detect_item(item: dict) -> list[Signal]:
    from service.detection import detect
    from service.detection.evaluation import _realnews_article

    return detect(_realnews_article(item))


def show(sample: list[Alert], docs: dict[str, dict]) -> str:
    """The sampled alerts with their sentence and neighbours, for the hand-checker (not committed)."""
    out = []
    for no, a in enumerate(sample, 1):
        ev, sig = a.signal.evidence, a.signal
        text = docs[a.key.doc]["text"] if ev.field == "body" else docs[a.key.doc].get("title", "")
        before, after = text[max(0, ev.start - 300):ev.start], text[ev.end:ev.end + 200]
        src = ",".join(f"{x.code}({x.text})" for x in sig.actors.source)
        tgt = ",".join(f"{x.code}({x.text})" for x in sig.actors.target)
        out.append(f"#{no} {json.dumps(a.key.as_dict())}\n  {sig.type.value}/{sig.mode} {sig.modality.value} "
                   f"trigger={ev.trigger!r} src={src} tgt={tgt}\n  ...{before}[[{ev.sentence}]]{after}...\n")
    return "\n".join(out)


def run_split(split: str, sets: tuple[str, ...], judgments: list[dict], args: argparse.Namespace) -> str:
    try:
        items = load_documents(sets, split)
    except FileNotFoundError as exc:
        return f"== {split}: skipped: {exc}"
    alerts = collect_alerts(items, detect_item)
    if args.show:
        return show(draw_sample(alerts, args.n, args.seed), {i["id"]: i for i in items})
    mine = [j for j in judgments if j["split"] == split]
    if args.unjudged:
        return show(unjudged_in_frame(mine, alerts, args.seed), {i["id"]: i for i in items})
    return format_score(score(mine, alerts, args.seed), f"{split} ({'+'.join(sets)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS), help="comma-separated real-news sets")
    parser.add_argument("--judgments", type=Path, default=None,
                        help="default: tests/data/precision/judgments.jsonl for rams,wikievents, "
                             "<sets joined by +>.jsonl beside it for other sets (agnews.jsonl)")
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="sample size per split (with --show)")
    parser.add_argument("--show", action="store_true", help="print the sample with context, to judge")
    parser.add_argument("--unjudged", action="store_true",
                        help="print the alerts in the sample frame not judged yet, with context")
    args = parser.parse_args(argv)
    sets = tuple(s for s in args.sets.split(",") if s)
    judgments: list[dict] = []
    if not args.show:
        try:
            judgments = load_judgments(args.judgments or judgments_path(sets))
        except JudgmentError as exc:
            print(f"alert_precision: {exc}", file=sys.stderr)
            return 2
    for split in (("test", "dev") if args.split == "both" else (args.split,)):
        print(run_split(split, sets, judgments, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
