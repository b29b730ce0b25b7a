#!/usr/bin/env python3
"""Train the role model (service/detection/data/role_model.json) from RAMS 1.0 gold arguments.

    scripts/train_roles.py --git-dir /path/to/LWL-cpu+SCPRG-master.git

Reads the pinned RAMS dev file (``data/rams/dev.jsonlines`` of LWL-cpu/SCPRG-master at the commit
``service/detection/role_eval.py`` pins, sha256 checked; CC BY-SA 4.0), leaves out every window that
holds a sentence of the role set (tests/data/roles, both splits: the set measures the model), runs
the detector on each remaining window with the learned ranking switched off, and keeps the pairs
(trigger, actor name) of the detector's candidates that overlap RAMS's annotated trigger. A name's
label is the PLOVER role its RAMS argument maps to (``scripts/roles/rams_role_map.tsv``): source,
target or neither; names in no argument are neither. A multinomial logistic regression
(scikit-learn, the ``train`` extra; lbfgs, fixed seed) is fitted on them and its weights written
with their provenance. Exit 0; 2 with one line when the copy or the map cannot be used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.article import Article  # noqa: E402
from schemas.common import EventType  # noqa: E402
from service.detection import detect, role_eval, role_model  # noqa: E402

REPO = "LWL-cpu/SCPRG-master"
COMMIT = "c420d22df66df436227ea223b389533ea7df7fc7"
PATH = "data/rams/dev.jsonlines"
MAP_FILE = Path(__file__).resolve().parent / "roles" / "rams_role_map.tsv"
EVENT_MAP_FILE = Path(__file__).resolve().parent / "roles" / "rams_event_map.tsv"
LABELS = {"neither": 0, "source": 1, "target": 2}


def load_role_map(path: Path) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    for n, line in enumerate(lines[1:], 2):
        parts = line.split("\t")
        if len(parts) != 3 or parts[2] not in {*LABELS, "skip"}:
            raise ValueError(f"{path}: line {n} is not 'event<TAB>role<TAB>source|target|neither|skip': {line!r}")
        out[(parts[0], parts[1])] = parts[2]
    return out


def plover_role(role_map: dict[tuple[str, str], str], event: str, role: str) -> str:
    """The mapped role of ``role`` in an event of type ``event``: the longest event prefix wins."""
    best, best_len = role_map.get(("*", role), "skip"), -1
    for (prefix, name), value in role_map.items():
        if name == role and prefix != "*" and event.startswith(prefix) and len(prefix) > best_len:
            best, best_len = value, len(prefix)
    return best


def window_text(sentences: list[list[str]]) -> tuple[str, list[tuple[int, int]]]:
    """The window as one text (sentences joined by a space) and each token's character span."""
    texts, spans = [], []
    offset = 0
    for toks in sentences:
        sent = role_eval.detokenize(toks)
        pos = 0
        for tok in toks:
            at = sent.find(tok, pos)
            if at < 0:  # a token the detokenizer changed: place it at the current position
                at = pos
            spans.append((offset + at, offset + at + len(tok)))
            pos = at + len(tok)
        texts.append(sent)
        offset += len(sent) + 1
    return " ".join(texts), spans


def load_event_map(path: Path) -> dict[str, EventType]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    out = {}
    for n, line in enumerate(lines[1:], 2):
        prefix, _, plover = line.partition("\t")
        if plover not in EventType.__members__:
            raise ValueError(f"{path}: line {n} is not 'prefix<TAB>PLOVER type': {line!r}")
        out[prefix] = EventType[plover]
    return out


def plover_type(event_map: dict[str, EventType], event: str) -> EventType | None:
    best = [p for p in event_map if event.startswith(p)]
    return event_map[max(best, key=len)] if best else None


def _recorded(fn: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    role_model.RECORDER = rows.append
    try:
        fn()
    finally:
        role_model.RECORDER = None
    return rows


def _rule_rows(text: str, sent: tuple[int, int], trig: tuple[int, int], etype: EventType) -> list[dict[str, Any]]:
    """The pairs of a candidate made on RAMS's trigger, cast by the role rules (``assign_roles``)
    of an entry of type ``etype``: for triggers the detector has no candidate on."""
    from service.detection import detector
    from service.detection.lexicon import load_lexicon, lower_forms
    from service.detection.model import Candidate
    from service.detection.roles import assign_roles
    from service.detection.text import Span, clause_bounds, clause_of

    lex = load_lexicon()
    entry = next(e for e in lex.entries if e.type == etype)
    span = Span(sent[0], sent[1])
    _, blower = lower_forms(text)
    ctx = detector._context(lex, text, blower, span)
    clause = clause_of(clause_bounds(text, span, ctx.clause_words), span.end, trig[0])
    cand = Candidate(entry, trig[0], trig[1], entry.mode)

    def run() -> None:
        role_model.rerank_roles(text, cand, ctx, clause, span, assign_roles(text, cand, ctx, clause, span))

    return _recorded(run)


def examples(windows: list[dict[str, Any]], role_map: dict[tuple[str, str], str],
             event_map: dict[str, EventType]) -> tuple[list[list[str]], list[int], int]:
    feats: list[list[str]] = []
    labels: list[int] = []
    found = 0
    for doc in windows:
        text, spans = window_text(doc["sentences"])
        (t0, t1, [[event, _]]) = doc["evt_triggers"][0]
        trig = (spans[t0][0], spans[t1][1])
        args = [((spans[a][0], spans[b][1]), plover_role(role_map, event, role.split("arg", 1)[1][2:]))
                for _, (a, b), role in doc["gold_evt_links"]]
        article = Article(id=doc["doc_key"], body=text, published_at=role_eval.PUBLISHED_AT)
        rows = [r for r in _recorded(partial(detect, article)) if r["start"] < trig[1] and trig[0] < r["end"]]
        found += bool(rows)
        etype = plover_type(event_map, event)
        if not rows and etype is not None:
            rows = _rule_rows(text, _sentence_of(doc["sentences"], spans, t0), trig, etype)
        for row in rows:
            ms, me = row["mention"]
            label = _label({r for (a, b), r in args if a < me and ms < b})
            if label is not None:
                feats.append(row["features"])
                labels.append(LABELS[label])
    return feats, labels, found


def _label(roles: set[str]) -> str | None:
    if "skip" in roles or {"source", "target"} <= roles:
        return None
    return "source" if "source" in roles else "target" if "target" in roles else "neither"


def _sentence_of(sentences: list[list[str]], spans: list[tuple[int, int]], tok: int) -> tuple[int, int]:
    """The character span of the sentence holding token ``tok``."""
    first = 0
    for toks in sentences:
        if tok < first + len(toks):
            return spans[first][0], spans[first + len(toks) - 1][1]
        first += len(toks)
    raise ValueError(f"token {tok} is outside the window")


def fit(feats: list[list[str]], labels: list[int], c: float, seed: int) -> tuple[dict[str, list[float]], list[float]]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(f, 1) for f in feats])
    clf = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    clf.fit(x, labels)
    assert list(clf.classes_) == [0, 1, 2]
    weights = {}
    for j, name in enumerate(vec.get_feature_names_out()):
        row = [round(float(clf.coef_[k][j]), 4) for k in range(3)]
        if any(abs(w) >= 1e-4 for w in row):
            weights[str(name)] = row
    return weights, [round(float(b), 4) for b in clf.intercept_]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", type=Path, required=True, help="local copy of LWL-cpu/SCPRG-master")
    parser.add_argument("--out", type=Path, default=role_model.MODEL_PATH)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.3, help="least probability to recast a role")
    parser.add_argument("--replace", action="store_true", help="also recast a role the rules filled")
    parser.add_argument("--margin", type=float, default=0.2, help="with --replace: least lead over the rules' choice")
    parser.add_argument("--without-rules", action="store_true", help="leave out what the rules made of each name")
    args = parser.parse_args(argv)
    # The rules alone: the model learns from what they find. Set here, not at import, so that
    # importing this module (the tests read its label mapping) leaves the detector as it is.
    os.environ[role_model.ENV_SWITCH] = "0"
    role_model.shipped_model.cache_clear()
    try:
        digest = role_eval.SOURCE_FILES[(REPO, COMMIT, PATH)]
        raw = role_eval.pinned_git_file(args.git_dir, COMMIT, PATH, digest)
        role_map = load_role_map(MAP_FILE)
        event_map = load_event_map(EVENT_MAP_FILE)
        held_out = {i.source.doc_key for i in role_eval.load_annotations(role_eval.default_annotations())}
    except (role_eval.RoleDataError, OSError, ValueError) as exc:
        print(f"train_roles: {exc}", file=sys.stderr)
        return 2
    docs = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    windows = [d for d in docs if d["doc_key"] not in held_out]
    feats, labels, found = examples(windows, role_map, event_map)
    if args.without_rules:
        feats = [[f for f in row if ":rule:" not in f and not f.startswith("rule:")] for row in feats]
    weights, bias = fit(feats, labels, args.c, args.seed)
    import sklearn

    provenance = {
        "data": {"set": "RAMS 1.0", "repository": REPO, "commit": COMMIT, "path": PATH, "sha256": digest,
                 "license": "CC BY-SA 4.0"},
        "role_map": str(MAP_FILE.relative_to(Path(__file__).resolve().parents[1])),
        "role_map_sha256": hashlib.sha256(MAP_FILE.read_bytes()).hexdigest(),
        "windows": len(docs), "windows_held_out": len(docs) - len(windows),
        "windows_with_a_detector_candidate": found,
        "event_map": str(EVENT_MAP_FILE.relative_to(Path(__file__).resolve().parents[1])),
        "event_map_sha256": hashlib.sha256(EVENT_MAP_FILE.read_bytes()).hexdigest(),
        "pairs": len(labels), "pairs_per_class": {k: labels.count(v) for k, v in LABELS.items()},
        "learner": f"scikit-learn {sklearn.__version__} LogisticRegression(lbfgs, C={args.c})",
        "seed": args.seed,
        "command": (f"scripts/train_roles.py --git-dir <copy> --c {args.c} --seed {args.seed} "
                    f"--threshold {args.threshold}" + (f" --replace --margin {args.margin}" if args.replace else "")
                    + (" --without-rules" if args.without_rules else "")),
    }
    model = {"classes": list(role_model.CLASSES), "bias": bias, "policy": {"threshold": args.threshold,
             "margin": args.margin, "replace": float(args.replace)}, "provenance": provenance, "weights": dict(sorted(weights.items()))}
    args.out.write_text(json.dumps(model, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{len(windows)} windows ({len(docs) - len(windows)} held out), {len(labels)} pairs "
          f"{provenance['pairs_per_class']}, {len(weights)} features -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
