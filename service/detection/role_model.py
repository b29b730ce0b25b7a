"""A learned ranking of who is the source and who the target of a directed event.

The rules (``roles.assign_roles`` and the detector's role steps) find the sentence's names and
cast them; this module scores every actor name of the sentence against the trigger with a small
linear model (three classes: source, target, neither) and fills a role the rules left empty
when the model is confident (the shipped policy; a model file may also let it replace the rules'
choice, which measured worse). The model is a file of weights
(``data/role_model.json``, trained by ``scripts/train_roles.py`` from public gold arguments, its
provenance in the file and in ``docs/role-model.md``); scoring it is pure Python, deterministic,
and needs nothing at run time beyond the file.

Features of a (trigger, name) pair: the side and the distance in words, the words right before
and after the name and the trigger, the function words between them, passive cues (an auxiliary
before the trigger, "by" before the name), commas, whether the name is the nearest actor on its
side or the clause's first, the name's kind and sector, and what the rules made of it.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from schemas.signal import Actor
from service.detection import vocabulary
from service.detection.lexicon import GazEntry
from service.detection.model import Candidate, Context
from service.detection.roles import (  # joint acts: the rules keep their parties
    SYMMETRIC,
    is_backer,
    to_actor,
)
from service.detection.text import Span

MODEL_PATH: Final = Path(__file__).resolve().parent / "data" / "role_model.json"
CLASSES: Final = ("neither", "source", "target")
_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]")
# Words read between the trigger and a name: function words and reporting verbs, not content.
BETWEEN_WORDS: Final = vocabulary.words("role_model_between_words")
AUXILIARIES: Final = vocabulary.words("role_model_auxiliaries")
# ``ESCALERT_ROLE_MODEL=0`` turns the learned ranking off (the rules alone decide).
ENV_SWITCH: Final = "ESCALERT_ROLE_MODEL"


class RoleModel:
    """Weights of a linear model: feature name -> one weight per class, and a bias per class."""

    def __init__(self, weights: dict[str, list[float]], bias: list[float], policy: dict[str, float],
                 provenance: dict[str, Any]) -> None:
        self.weights = weights
        self.bias = bias
        self.policy = policy
        self.provenance = provenance

    def probabilities(self, features: list[str]) -> list[float]:
        z = list(self.bias)
        for f in features:
            w = self.weights.get(f)
            if w is not None:
                z[0] += w[0]
                z[1] += w[1]
                z[2] += w[2]
        top = max(z)
        ex = [math.exp(v - top) for v in z]
        total = sum(ex)
        return [v / total for v in ex]


class RoleModelError(Exception):
    """The model file cannot be used; the message names the file and the reason."""


def load_model(path: Path = MODEL_PATH) -> RoleModel:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RoleModelError(f"{path}: cannot read the role model ({exc})") from exc
    try:
        if raw["classes"] != list(CLASSES):
            raise RoleModelError(f"{path}: classes {raw['classes']!r}, expected {list(CLASSES)!r}")
        weights = {str(k): [float(x) for x in v] for k, v in raw["weights"].items()}
        if any(len(v) != len(CLASSES) for v in weights.values()):
            raise RoleModelError(f"{path}: a weight row does not have {len(CLASSES)} values")
        return RoleModel(weights, [float(x) for x in raw["bias"]], dict(raw["policy"]), dict(raw["provenance"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RoleModelError(f"{path}: not a role model file ({exc!r})") from exc


@lru_cache(maxsize=1)
def shipped_model() -> RoleModel | None:
    """The shipped model, or None when it is switched off or absent."""
    if os.environ.get(ENV_SWITCH, "1") == "0" or not MODEL_PATH.exists():
        return None
    return load_model(MODEL_PATH)


# ------------------------------------------------------------------------------------- features

def _tokens(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN_RE.finditer(text, lo, hi)]


def _index_at(tokens: list[tuple[int, int, str]], pos: int) -> int:
    """The index of the first token that ends after ``pos``."""
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid][1] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _bucket(n: int) -> str:
    if n <= 2:
        return str(n)
    if n <= 5:
        return "3-5"
    if n <= 10:
        return "6-10"
    return "11+"


def candidate_mentions(ctx: Context) -> list[tuple[int, int, GazEntry]]:
    """The names that may take a role: actors (states, demonyms, capitals, groups, bodies, sectors)."""
    return [m for m in ctx.gaz if m[2].is_actor]


def pair_features(text: str, tokens: list[tuple[int, int, str]], etype: str, trig: tuple[int, int],
                  mention: tuple[int, int, GazEntry], others: list[tuple[int, int]], clause: Span,
                  rule: str) -> list[str]:
    """The features of one (trigger, name) pair. ``tokens``: the sentence's; ``others``: the spans
    of the other candidate names; ``rule``: "src", "tgt" or "-" (what the rules cast it as)."""
    s, e, g = mention
    ts, te = trig
    left = e <= ts
    side = "L" if left else "R"
    ti, tj = _index_at(tokens, ts), _index_at(tokens, te - 1)
    mi, mj = _index_at(tokens, s), _index_at(tokens, e - 1)
    between = tokens[mj + 1:ti] if left else tokens[tj + 1:mi]
    n = len(between)
    words_between = [t[2] for t in between]
    before = tokens[mi - 1][2] if mi > 0 else "<s>"
    after = tokens[mj + 1][2] if mj + 1 < len(tokens) else "</s>"
    if after == "'s" or after == "’s":
        after = "'s"
    trig_before = tokens[ti - 1][2] if ti > 0 else "<s>"
    trig_after = tokens[tj + 1][2] if tj + 1 < len(tokens) else "</s>"
    trig_head = text[ts:te].lower().split()[-1] if te > ts else ""
    kind = g.kind
    sector = g.sector or "-"
    nearest = not any((oe <= ts and oe > e) if left else (os_ >= te and os_ < s) for os_, oe in others)
    first = not any(oe <= s and os_ >= clause.start for os_, oe in others)
    in_clause = clause.start <= s < clause.end
    comma = "," in words_between
    passive_trig = trig_before in AUXILIARIES or (ti > 1 and tokens[ti - 2][2] in AUXILIARIES and trig_before in {"been", "being"})
    by_prev = "by" in words_between[-2:] if not left else False
    d = _bucket(n)
    f = [
        "bias_" + side,
        f"side:{side}", f"d:{side}{d}", f"t:{etype}:{side}", f"t:{etype}:{side}{d}",
        f"kind:{kind}", f"kind:{side}:{kind}", f"sec:{side}:{sector}", f"t:{etype}:sec:{sector}",
        f"pre:{side}:{before}", f"post:{side}:{after}", f"trigpre:{side}:{trig_before}",
        f"trigpost:{side}:{trig_after}", f"head:{side}:{trig_head}",
        f"near:{side}:{nearest}", f"first:{side}:{first}", f"clause:{in_clause}", f"comma:{side}:{comma}",
        f"pass:{side}:{passive_trig}", f"by:{side}:{by_prev}", f"rule:{rule}", f"rule:{side}:{rule}",
        f"t:{etype}:rule:{rule}", f"pre:{etype}:{side}:{before}",
    ]
    if n <= 8:
        f.extend(f"btw:{side}:{w}" for w in set(words_between) if w in BETWEEN_WORDS)
    if passive_trig and by_prev:
        f.append("passive_by")
    return f


def _rule_tag(text: str, mention: tuple[int, int, GazEntry], source: list[Actor], target: list[Actor]) -> str:
    surface = text[mention[0]:mention[1]]
    if any(a.text == surface for a in source):
        return "src"
    if any(a.text == surface for a in target):
        return "tgt"
    return "-"


# ------------------------------------------------------------------------------------- ranking

# Set by the training script: called with every pair the hook scores (training data is read from
# the detector's own candidates, names and rule roles, so training sees what run time sees).
RECORDER: Callable[[dict[str, Any]], None] | None = None


def rerank_roles(text: str, cand: Candidate, ctx: Context, clause: Span, sent: Span, roles: Any) -> bool:
    """Fill ``roles.source``/``roles.target`` of a directed event where the model is confident
    (and, under a ``replace`` policy, recast them); called once per candidate after the rule steps.
    True when the model changed a role (the signal then names the model as a deciding component)."""
    etype = cand.entry.type
    if etype in SYMMETRIC or getattr(roles, "inherited", False):
        return False
    model = shipped_model()
    if RECORDER is None and (model is None or (roles.source and roles.target and not model.policy.get("replace"))):
        return False  # nothing the model may change: no name is scored
    mentions = candidate_mentions(ctx)
    scored_idx: Sequence[int] = range(len(mentions))
    if RECORDER is None and model is not None and not model.policy.get("replace"):
        # Only empty roles are filled, and only with a name not cast yet: the others need no score.
        # Generic actors ("police", "civilians", "gunmen") are left to the rules, which give them
        # their state and decide when an unarmed one takes a role at all. Nor is a backer
        # ("U.S.-backed forces"): it sponsors the act's party and is neither party.
        named = {a.text for a in roles.source} | {a.text for a in roles.target}
        scored_idx = [
            i for i in scored_idx
            if mentions[i][2].sector is None and text[mentions[i][0]:mentions[i][1]] not in named
            and not is_backer(text, mentions[i][1])
        ]
        if not scored_idx:
            return False  # the usual case: one or two names, both cast
    tokens = _tokens(text, sent.start, sent.end)
    trig = (cand.start, cand.end)
    spans = [(m[0], m[1]) for m in mentions]
    rows = []
    for i in scored_idx:
        m = mentions[i]
        if m[0] < cand.end and cand.start < m[1]:
            continue  # the name inside the trigger ("the Russian bombing" as one head) is no party
        others = spans[:i] + spans[i + 1:]
        feats = pair_features(text, tokens, etype.value, trig, m, others, clause,
                              _rule_tag(text, m, roles.source, roles.target))
        rows.append((m, feats))
    if RECORDER is not None:
        for m, feats in rows:
            RECORDER({"start": cand.start, "end": cand.end, "type": etype.value, "mention": (m[0], m[1]),
                      "code": m[2].code, "features": feats})
    if model is None or not rows:
        return False
    return _apply(text, model, rows, roles)


def _apply(text: str, model: RoleModel, rows: list[tuple[tuple[int, int, GazEntry], list[str]]], roles: Any) -> bool:
    """Cast the model's best name for a role when it has at least ``threshold`` and the rules
    named nobody; with ``replace`` (policy), also when it leads the rules' choice by ``margin``. A
    source the model moves away from goes to an empty target when the model reads it as the target.
    True when a role was changed."""
    changed = False
    scored = [(m, model.probabilities(feats)) for m, feats in rows]
    threshold = model.policy.get("threshold", 0.5)
    margin = model.policy.get("margin", 0.2)
    replace = bool(model.policy.get("replace", 0.0))
    for cls, attr in ((1, "source"), (2, "target")):
        current: list[Actor] = getattr(roles, attr)
        if (current and not replace) or (attr == "source" and getattr(roles, "no_source", False)) \
                or (attr == "target" and getattr(roles, "no_target", False)):
            continue  # a role cast, or a doer the rules found the text does not name
        best: tuple[tuple[int, int, GazEntry], list[float]] | None = None
        for row in scored:
            if row[1][cls] >= threshold and (best is None or row[1][cls] > best[1][cls]):
                best = row
        if best is None:
            continue
        surface = text[best[0][0]:best[0][1]]
        if any(a.text == surface for a in current):
            continue
        held = [row for row in scored if any(a.text == text[row[0][0]:row[0][1]] for a in current)]
        if current and best[1][cls] - max((row[1][cls] for row in held), default=0.0) < margin:
            continue
        actor = to_actor(text, best[0][0], best[0][1], best[0][2])
        other: list[Actor] = roles.target if attr == "source" else roles.source
        if any(a.code == actor.code for a in other):
            continue
        setattr(roles, attr, [actor])
        changed = True
        if attr == "source" and not roles.target and held and held[0][1][2] > held[0][1][1]:
            roles.target = [to_actor(text, held[0][0][0], held[0][0][1], held[0][0][2])]
    return changed
