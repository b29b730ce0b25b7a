#!/usr/bin/env python3
"""Build the real-news evaluation sets into a cache outside git, from pinned public sources.

    python scripts/eval_data.py [--set NAME ...] [--git-dir SET=PATH ...] [--cache DIR] [--no-https]

Every source is pinned in ``tests/data/realnews/sources.yaml`` (repository, commit, path, sha256,
license). For each file the script tries, in order: a local git snapshot of the repository
(``--git-dir NAME=/path/to/repo.git``, read with ``git show COMMIT:PATH``), ``../shared/data/<set>/``
next to the project (``<set>/<part>/`` for a set of several parts; a file under its base name, a
folder under its path), the vendored copy named in sources.yaml, and HTTPS from the pinned commit.
A file whose sha256 differs is refused; a folder is pinned by the sha256 of its manifest (sorted
"path<TAB>sha256" lines) and its file count.

Each set is normalised to one JSONL format (``docs/quality.md``, "Normalised format") and written
as ``<cache>/<set>/dev.jsonl`` and ``<cache>/<set>/test.jsonl`` plus ``manifest.json``. The cache is
``$ESCALERT_EVAL_DATA`` or ``~/.cache/escalert/eval``. The dev/test split is the set's own where it
has one, otherwise a hash of the document id, so no document is in both.

Exit status: 0 when every asked set was built, 1 when one could not be (the reason is printed),
2 on a usage error.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tests" / "data" / "realnews" / "sources.yaml"
DEFAULT_DATE = "2000-01-01T00:00:00+00:00"
FORMAT_VERSION = 2  # 2: RAMS and VOA documents dated (service.detection.evaluation.REALNEWS_FORMAT)


class SourceError(Exception):
    """A pinned file could not be had, or is not the pinned one."""


def cache_dir() -> Path:
    env = os.environ.get("ESCALERT_EVAL_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "escalert" / "eval"


def hash_split(set_name: str, doc_id: str) -> str:
    """dev or test from the document id alone: the same document is always on the same side."""
    digest = hashlib.sha256(f"{set_name}:{doc_id}".encode()).hexdigest()
    return "dev" if int(digest[:8], 16) % 2 == 0 else "test"


# ---------------------------------------------------------------- fetching and verifying


def _from_git(git_dir: Path, commit: str, path: str) -> bytes | None:
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], capture_output=True, check=False
    )
    return proc.stdout if proc.returncode == 0 else None


def _from_https(repository: str, commit: str, path: str) -> bytes | None:
    url = f"https://raw.githubusercontent.com/{repository}/{commit}/{path}"
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - fixed https host
            return resp.read()
    except OSError:
        return None


def _first_good(label: str, expected: str, candidates: list[tuple[str, Callable[[], bytes | None]]],
                digest: Callable[[bytes], str]) -> bytes:
    tried = []
    for where, get in candidates:
        data = get()
        if data is None:
            tried.append(f"{where}: absent")
            continue
        got = digest(data)
        if got != expected:
            tried.append(f"{where}: sha256 {got[:12]}... is not the pinned {expected[:12]}...")
            continue
        return data
    raise SourceError(f"{label}: " + "; ".join(tried))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_file(where: Path, spec: dict, entry: dict, *, git_dir: Path | None, https: bool) -> bytes:
    """The pinned file's bytes from the first place that has them, checked against its sha256."""
    base = Path(entry["path"]).name
    candidates: list[tuple[str, Callable[[], bytes | None]]] = []
    if git_dir is not None:
        candidates.append((f"git snapshot {git_dir}", lambda: _from_git(git_dir, spec["commit"], entry["path"])))
    shared = where / base
    candidates.append((str(shared), lambda: shared.read_bytes() if shared.is_file() else None))
    if spec.get("vendored"):
        vendored = ROOT / spec["vendored"] / base
        candidates.append((str(vendored), lambda: vendored.read_bytes() if vendored.is_file() else None))
    if https:
        candidates.append(("https", lambda: _from_https(spec["repository"], spec["commit"], entry["path"])))
    return _first_good(f"{entry['path']} @ {spec['commit'][:12]}", entry["sha256"], candidates, _sha256)


def manifest_digest(files: dict[str, bytes]) -> str:
    """sha256 of the sorted lines "<path>\\t<sha256>\\n": one pin for a folder of many files."""
    lines = sorted(f"{path}\t{_sha256(data)}\n" for path, data in files.items())
    return _sha256("".join(lines).encode())


def _dir_from_git(git_dir: Path, commit: str, folder: str) -> dict[str, bytes] | None:
    proc = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit, folder + "/"],
                          capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        return None
    out = {}
    for record in proc.stdout.decode().split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        blob = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "blob", meta.split()[2]],
                              capture_output=True, check=True).stdout
        out[path[len(folder) + 1:]] = blob
    return out


def _dir_from_disk(root: Path) -> dict[str, bytes] | None:
    if not root.is_dir():
        return None
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _dir_from_https(repository: str, commit: str, folder: str) -> dict[str, bytes] | None:
    import tarfile

    url = f"https://codeload.github.com/{repository}/tar.gz/{commit}"
    try:
        with urllib.request.urlopen(url, timeout=300) as resp:  # noqa: S310 - fixed https host
            raw = resp.read()
    except OSError:
        return None
    out = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        for member in tar.getmembers():
            top, _, rest = member.name.partition("/")
            if member.isfile() and rest.startswith(folder + "/"):
                fh = tar.extractfile(member)
                if fh is not None:
                    out[rest[len(folder) + 1:]] = fh.read()
    return out


def fetch_dir(where: Path, spec: dict, entry: dict, *, git_dir: Path | None, https: bool) -> dict[str, bytes]:
    """Every file of a pinned folder, checked against the folder's manifest digest."""
    folder = entry["path"]
    candidates: list[tuple[str, Callable[[], dict[str, bytes] | None]]] = []
    if git_dir is not None:
        candidates.append((f"git snapshot {git_dir}", lambda: _dir_from_git(git_dir, spec["commit"], folder)))
    local = where / folder
    candidates.append((str(local), lambda: _dir_from_disk(local)))
    if https:
        candidates.append(("https", lambda: _dir_from_https(spec["repository"], spec["commit"], folder)))
    tried = []
    for place, get in candidates:
        files = get()
        if files is None:
            tried.append(f"{place}: absent")
            continue
        got = manifest_digest(files)
        if got != entry["manifest_sha256"] or len(files) != entry["files"]:
            tried.append(f"{place}: {len(files)} files, manifest sha256 {got[:12]}... is not the pinned one")
            continue
        return files
    raise SourceError(f"{folder}/ @ {spec['commit'][:12]}: " + "; ".join(tried))


def set_parts(name: str, spec: dict) -> list[dict]:
    """A set's sources: its ``parts``, or the set itself as its one part (named like the set)."""
    return spec.get("parts") or [{**spec, "name": name}]


def fetch_part(set_name: str, part: dict, *, git_dir: Path | None, https: bool) -> dict[str, bytes]:
    shared = ROOT.parent / "shared" / "data" / set_name
    if part["name"] != set_name:
        shared = shared / part["name"]
    files: dict[str, bytes] = {}
    for entry in part.get("files", []):
        key = entry.get("split") or entry["path"]
        files[key] = fetch_file(shared, part, entry, git_dir=git_dir, https=https)
    for entry in part.get("dirs", []):
        for rel, data in fetch_dir(shared, part, entry, git_dir=git_dir, https=https).items():
            files[f"{entry['path']}/{rel}"] = data
    return files


# ---------------------------------------------------------------- shared helpers

_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}]|'s|'S|n't|'re|'ve|'ll|'d|'m)(?=\s|$)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$]) ")


def detokenize(tokens: Iterable[str]) -> str:
    """Tokens back to readable text (PTB-style splits joined; good enough for a rule detector)."""
    text = " ".join(tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    return text.replace("`` ", '"').replace(" ''", '"').replace("-LRB- ", "(").replace(" -RRB-", ")")


def unit(uid: str, start: int, end: int, labels: list[str], mapping: dict[str, tuple[str | None, tuple[str, ...]]],
         counts_against: tuple[str, ...] = ()) -> dict:
    """One annotated unit: source labels mapped to gold PLOVER types and types not to count.

    ``mapping`` gives, per source label, (gold type or None, types that neither count as found nor
    as false alarms there). A unit with no label at all is a no-event unit: an alert-worthy signal
    of a type in ``counts_against`` there is a false alarm.
    """
    gold: set[str] = set()
    dont: set[str] = set()
    for label in labels:
        typ, ambiguous = mapping.get(label, (None, ()))
        if typ:
            gold.add(typ)
        dont.update(ambiguous)
    no_event = not labels
    return {
        "id": uid, "start": start, "end": end, "labels": labels,
        "gold": sorted(gold), "dont_count": sorted(dont - gold),
        "no_event": no_event, "counts_against": sorted(set(counts_against) - dont) if no_event else [],
    }


def item(set_name: str, doc_id: str, split: str, text: str, units: list[dict], *, title: str = "",
         published_at: str = DEFAULT_DATE, desk: str | None = None, url: str | None = None) -> dict:
    return {
        "id": f"{set_name}:{doc_id}", "set": set_name, "doc_id": doc_id, "split": split,
        "title": title, "text": text, "published_at": published_at, "desk": desk, "url": url, "units": units,
    }


# ---------------------------------------------------------------- CASE 2021 task 2

_A: tuple[str, ...] = ()
CASE_MAP: dict[str, tuple[str | None, tuple[str, ...]]] = {
    # ACLED "Battles", "Explosions/Remote violence", "Violence against civilians", "Riots/Mob violence"
    "ARMED_CLASH": ("ASSAULT", _A), "GOV_REGAINS_TERIT": ("ASSAULT", _A),
    "NON_STATE_ACTOR_OVERTAKES_TER": ("ASSAULT", _A), "AIR_STRIKE": ("ASSAULT", _A),
    "ART_MISS_ATTACK": ("ASSAULT", _A), "CHEM_WEAP": ("ASSAULT", _A), "GRENADE": ("ASSAULT", _A),
    "REM_EXPLOS": ("ASSAULT", _A), "SUIC_BOMB": ("ASSAULT", _A), "ATTACK": ("ASSAULT", _A),
    "ABDUCT_DISSAP": ("ASSAULT", ("COERCE",)), "SEX_VIOL": ("ASSAULT", _A), "MOB_VIOL": ("ASSAULT", ("PROTEST",)),
    # Protests
    "PEACE_PROTEST": ("PROTEST", _A), "PROTEST_WITH_INTER": ("PROTEST", ("COERCE", "ASSAULT")),
    "VIOL_DEMONSTR": ("PROTEST", ("ASSAULT",)), "FORCE_AGAINST_PROTEST": ("COERCE", ("ASSAULT", "PROTEST")),
    # Strategic developments
    "ARREST": ("COERCE", _A), "AGREEMENT": ("AGREE", _A),
    # no PLOVER type, or several: don't count
    "CHANGE_TO_GROUP_ACT": (None, ("MOBILIZE", "RETREAT", "COERCE", "AGREE")),
    "HQ_ESTABLISHED": (None, ("MOBILIZE",)), "NON_VIOL_TERRIT_TRANSFER": (None, ("RETREAT", "MOBILIZE", "AGREE")),
    "DISR_WEAP": (None, ("COERCE", "ASSAULT", "MOBILIZE")), "PROPERTY_DISTRUCT": (None, ("ASSAULT", "COERCE")),
    "OTHER": (None, ("ASSAULT", "COERCE", "PROTEST", "THREATEN", "MOBILIZE")),
    "ORG_CRIME": (None, ("ASSAULT", "COERCE")), "DIPLO": (None, ("CONSULT", "AGREE", "SANCTION", "THREATEN")),
    "ATTRIB": (None, ("ASSAULT", "ACCUSE")),
}
# Snippets that report no political violence, protest or strategic development: no-event units.
CASE_NO_EVENT = ("NATURAL_DISASTER", "MAN_MADE_DISASTER")
# ACLED codes violence and protest exhaustively; arrests are coded only as a snippet's own class,
# so COERCE is not counted against no-event snippets.
CASE_COUNTS_AGAINST = ("ASSAULT", "PROTEST")


def build_case2021(files: dict[str, bytes]) -> Iterator[dict]:
    (raw,) = files.values()
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        doc_id = row["id"].strip()
        label = row["SubType"].strip()
        text = row["EventSnippet"].strip()
        labels = [] if label in CASE_NO_EVENT else [label]
        u = unit(f"case2021:{doc_id}", 0, len(text), labels, CASE_MAP, CASE_COUNTS_AGAINST)
        u["source_label"] = label
        yield item("case2021", doc_id, hash_split("case2021", doc_id), text, [u])


# ---------------------------------------------------------------- WikiEvents (KAIROS)

_KAIROS_PREFIX: list[tuple[str, tuple[str | None, tuple[str, ...]]]] = [
    ("Conflict.Attack.", ("ASSAULT", _A)),
    ("Conflict.Demonstrate.", ("PROTEST", ("ASSAULT",))),
    ("Contact.ThreatenCoerce.", ("THREATEN", ("COERCE",))),
    ("Justice.ArrestJailDetain.", ("COERCE", _A)),
    ("Contact.Contact.Meet", ("CONSULT", _A)),
    ("Contact.RequestCommand.Meet", ("CONSULT", ("REQUEST",))),
    ("Contact.RequestCommand.", ("REQUEST", ("COERCE",))),
    ("Life.Die.", (None, ("ASSAULT",))),
    ("Life.Injure.", (None, ("ASSAULT",))),
    ("ArtifactExistence.DamageDestroyDisableDismantle.", (None, ("ASSAULT",))),
    ("GenericCrime.", (None, ("ASSAULT", "COERCE"))),
    ("Control.ImpedeInterfereWith.", (None, ("COERCE",))),
    ("Justice.", (None, ("COERCE", "ACCUSE"))),
    ("Contact.", (None, ("CONSULT", "ACCUSE", "REQUEST", "REJECT", "SUPPORT"))),
    ("Movement.Transportation.", (None, ("MOBILIZE", "RETREAT", "COERCE"))),
    ("Personnel.", (None, ("COERCE",))),
]
# KAIROS annotates every event of its ontology in the article: a sentence with no event mention is
# a no-event unit for the types the ontology covers fully.
WIKIEVENTS_COUNTS_AGAINST = ("ASSAULT", "PROTEST", "THREATEN")


def kairos_mapping(labels: Iterable[str]) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    out = {}
    for label in labels:
        for prefix, target in _KAIROS_PREFIX:
            if label.startswith(prefix):
                out[label] = target
                break
    return out


_VOA_ID = re.compile(r"_VOA_EN_NW_((?:19|20)\d\d)\.(\d\d)\.(\d\d)\.")


def _day_stamp(year: int, month: int, day: int) -> str | None:
    """``published_at`` for a whole day, or None when there is no such day."""
    try:
        return f"{datetime.date(year, month, day).isoformat()}T00:00:00+00:00"
    except ValueError:
        return None


def _voa_date(doc_id: str) -> str | None:
    """The day a Voice of America document's id spells ("64_VOA_EN_NW_2017.06.05.3887168")."""
    m = _VOA_ID.search(doc_id)
    return _day_stamp(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def build_wikievents(files: dict[str, bytes]) -> Iterator[dict]:
    for split, raw in files.items():
        for line in raw.decode("utf-8").splitlines():
            if not line.strip():
                continue
            doc = json.loads(line)
            doc_id = doc["doc_id"]
            parts: list[str] = []
            spans: list[tuple[int, int]] = []
            pos = 0
            for sentence in doc["sentences"]:
                text = sentence[1].strip()
                spans.append((pos, pos + len(text)))
                parts.append(text)
                pos += len(text) + 1
            per_sentence: list[list[str]] = [[] for _ in spans]
            for mention in doc["event_mentions"]:
                per_sentence[mention["trigger"]["sent_idx"]].append(mention["event_type"])
            units = []
            for i, (start, end) in enumerate(spans):
                labels = sorted(per_sentence[i])
                units.append(unit(f"wikievents:{doc_id}:s{i}", start, end, labels, kairos_mapping(labels),
                                  WIKIEVENTS_COUNTS_AGAINST))
            yield item("wikievents", doc_id, split, " ".join(parts), units,
                       published_at=_voa_date(doc_id) or DEFAULT_DATE)


# ---------------------------------------------------------------- RAMS (AIDA)

_RAMS_PREFIX: list[tuple[str, tuple[str | None, tuple[str, ...]]]] = [
    ("conflict.attack.stealrobhijack", (None, ("ASSAULT", "COERCE"))),
    ("conflict.attack.", ("ASSAULT", _A)),
    ("conflict.demonstrate.", ("PROTEST", _A)),
    ("conflict.yield.", ("RETREAT", _A)),
    ("contact.threatencoerce.", ("THREATEN", ("COERCE",))),
    ("contact.negotiate.", ("CONSULT", _A)),
    ("contact.discussion.", ("CONSULT", _A)),
    ("contact.requestadvise.", ("REQUEST", _A)),
    ("government.agreements.violateagreement", (None, ("ASSAULT", "ACCUSE"))),
    ("government.agreements.", ("AGREE", _A)),
    ("justice.arrestjaildetain.", ("COERCE", _A)),
    ("transaction.transaction.embargosanction", ("SANCTION", _A)),
    ("transaction.transfermoney.embargosanction", ("SANCTION", _A)),
    ("transaction.transferownership.embargosanction", ("SANCTION", _A)),
    ("transaction.transaction.giftgrantprovideaid", ("AID", _A)),
    ("transaction.transfermoney.giftgrantprovideaid", ("AID", _A)),
    ("transaction.transferownership.giftgrantprovideaid", ("AID", _A)),
    ("life.die.deathcausedbyviolentevents", ("ASSAULT", _A)),
    ("life.injure.injurycausedbyviolentevents", ("ASSAULT", _A)),
]


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_URL_DATES = (
    # /2016/08/12/ or /2016/aug/12/ (a path segment each), 2016-08-12, and 20160812 between non-digits
    re.compile(r"/((?:19|20)\d\d)/(\d\d?|[a-z]{3})[a-z]*/(\d\d?)(?:/|$)", re.I),
    re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)"),
    re.compile(r"(?<![\d=])((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)"),
)


def url_date(url: str | None) -> str | None:
    """The publication day a news URL spells (path date or YYYYMMDD stamp), or None.

    Only whole days count: a year and month alone ("/2016/08/slug") leave the date unknown, since
    the first or last day of the month would each misplace half the days the text names.
    """
    for pattern in _URL_DATES:
        for m in pattern.finditer(url or ""):
            year, month, day = m.group(1), m.group(2).lower(), m.group(3)
            month_n = _MONTHS.index(month[:3]) + 1 if month[:3] in _MONTHS else int(month) if month.isdigit() else 0
            stamp = _day_stamp(int(year), month_n, int(day)) if 1995 <= int(year) <= 2030 else None
            if stamp is not None:
                return stamp
    return None


def rams_mapping(labels: Iterable[str]) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    out: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for label in labels:
        out[label] = next((t for p, t in _RAMS_PREFIX if label.startswith(p)), (None, ()))
    return out


def build_rams(files: dict[str, bytes]) -> Iterator[dict]:
    for split, raw in files.items():
        for line in raw.decode("utf-8").splitlines():
            if not line.strip():
                continue
            doc = json.loads(line)
            doc_id = doc["doc_key"]
            parts, spans, token_sentence = [], [], []
            pos = 0
            for i, sentence in enumerate(doc["sentences"]):
                text = detokenize(sentence)
                spans.append((pos, pos + len(text)))
                parts.append(text)
                pos += len(text) + 1
                token_sentence += [i] * len(sentence)
            units = []
            for n, (tok_start, _tok_end, types) in enumerate(doc["evt_triggers"]):
                label = types[0][0]
                start, end = spans[token_sentence[tok_start]]
                units.append(unit(f"rams:{doc_id}:e{n}", start, end, [label], rams_mapping([label])))
            url = doc.get("source_url")
            yield item("rams", doc_id, split, " ".join(parts), units, url=url,
                       published_at=url_date(url) or DEFAULT_DATE)


# ---------------------------------------------------------------- IndiaPoliceEvents

# Each sentence answers "did police kill / arrest / use force / fail to act / do anything?".
INDIAPOLICE_MAP: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "KILL": ("ASSAULT", ("COERCE",)),
    "ARREST": ("COERCE", _A),
    "FORCE": (None, ("ASSAULT", "COERCE")),
    "FAIL": (None, _A),
    "ANY_ACTION": (None, ("COERCE", "MOBILIZE", "ASSAULT")),
}
# The text was stored as UTF-8 read as Windows-1252: the quotes and dashes come back this way.
_MOJIBAKE = {"\u00e2\u20ac\u2122": "\u2019", "\u00e2\u20ac\u02dc": "\u2018", "\u00e2\u20ac\u0153": "\u201c",
             "\u00e2\u20ac\ufffd": "\u201d", "\u00e2\u20ac\u201d": "\u2014", "\u00e2\u20ac\u201c": "\u2013",
             "\u00e2\u20ac\u00a2": "\u2022", "\u00e2\u20ac\u0161": "\u201a"}
_MOJIBAKE_RE = re.compile("|".join(map(re.escape, _MOJIBAKE)))


def fix_mojibake(text: str) -> str:
    return _MOJIBAKE_RE.sub(lambda m: _MOJIBAKE[m.group(0)], text)


def build_indiapolice(files: dict[str, bytes]) -> Iterator[dict]:
    dates = {}
    for line in files["data/final/metadata.jsonl"].decode("utf-8").splitlines():
        if line.strip():
            meta = json.loads(line)
            dates[str(meta["doc_id"])] = (meta.get("date"), meta.get("url"))
    docs: dict[str, list[dict]] = {}
    for line in files["data/final/sents.jsonl"].decode("utf-8").splitlines():
        if line.strip():
            sent = json.loads(line)
            docs.setdefault(str(sent["doc_id"]), []).append(sent)
    for doc_id, sents in sorted(docs.items(), key=lambda kv: int(kv[0])):
        parts, units, pos, carry = [], [], 0, ""
        for sent in sorted(sents, key=lambda x: x["sent_id"]):
            raw = carry + sent["sent_text"]
            # the sentence splitter sometimes cut a mangled quote in two: hand its head to the next
            cut = re.search("\u00e2\u20ac?$", raw.rstrip())
            carry = cut.group(0) if cut else ""
            text = " ".join(fix_mojibake(raw.rstrip()[: cut.start()] if cut else raw).split())
            labels = sorted(sent["sent_labels"])
            if labels:
                units.append(unit(f"indiapolice:{doc_id}:s{sent['sent_id']}", pos, pos + len(text), labels,
                                  INDIAPOLICE_MAP))
            parts.append(text)
            pos += len(text) + 1
        date, url = dates.get(doc_id, (None, None))
        yield item("indiapolice", doc_id, hash_split("indiapolice", doc_id), " ".join(parts), units,
                   published_at=f"{date}T00:00:00+00:00" if date else DEFAULT_DATE, url=url)


# ---------------------------------------------------------------- PLOVER gold-standard records

PLOVER_0_5 = {"FIGHT": "ASSAULT", "DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE"}


def build_plover(files: dict[str, bytes]) -> Iterator[dict]:
    (raw,) = files.values()
    seen: dict[str, int] = {}
    for rec in json.loads(raw.decode("utf-8")):
        event = rec.get("event")
        if event == "DOCUMENT" or not rec.get("text"):
            continue
        label = PLOVER_0_5.get(event, event)
        text = rec["text"]
        date = rec.get("date") or "2000-01-01"
        base = str(rec["id"])
        seen[base] = seen.get(base, 0) + 1
        doc_id = base if seen[base] == 1 else f"{base}#{seen[base]}"  # one id is used by two records
        u = unit(f"plover:{doc_id}", 0, len(text), [event], {event: (label, ())})
        yield item("plover", doc_id, hash_split("plover", base), text, [u], published_at=f"{date}T00:00:00+00:00")


# ---------------------------------------------------------------- non-political desks

DESKS = {"business": "business", "entertainment": "culture", "health": "health", "sports": "sport",
         "sport": "sport", "technology": "tech", "tech": "tech"}


def _masakhane_articles(files: dict[str, bytes]) -> Iterator[tuple[str, str, str, str, str]]:
    for raw in files.values():
        for row in csv.DictReader(io.StringIO(raw.decode("utf-8")), delimiter="\t"):
            url = row["url"].strip()
            yield url.rsplit("/", 1)[-1] or url, row["category"].strip(), row["headline"].strip(), row["text"].strip(), url


def _bbc2005_articles(files: dict[str, bytes]) -> Iterator[tuple[str, str, str, str, str]]:
    for path, raw in sorted(files.items()):
        _, category, name = path.split("/", 2)
        title, _, body = raw.decode("utf-8").strip().partition("\n")
        yield f"bbc-2005/{category}/{name.removesuffix('.txt')}", category, title.strip(), body.strip(), ""


def build_desks(parts: dict[str, dict[str, bytes]]) -> Iterator[dict]:
    readers = {"masakhanews-en": _masakhane_articles, "bbc-2005": _bbc2005_articles}
    seen: set[str] = set()
    for part, files in parts.items():
        for doc_id, category, title, body, url in readers[part](files):
            desk = DESKS.get(category)
            if desk is None or doc_id in seen:
                continue
            seen.add(doc_id)
            yield item("desks", doc_id, hash_split("desks", doc_id), body, [], title=title, desk=desk, url=url or None)


# ---------------------------------------------------------------- AG's News wire ledes

# The dataset's classes (classes.txt): 1 World, 2 Sports, 3 Business, 4 Sci/Tech. World ledes are
# the frame of the hand-checked precision of alerts (no desk, no units); the others are desks.
AGNEWS_DESKS = {"1": None, "2": "sport", "3": "business", "4": "tech"}
# The dataset dropped the "&" of HTML entities and wrote a line break as a bare backslash.
_AG_NUMERIC = re.compile(r" ?#(\d{2,4});")
_AG_NAMED = re.compile(r"(?:&| )(quot|amp|lt|gt);")
_AG_TAG = re.compile(r"<[^>]{0,40}>")
_AG_SPACES = re.compile(r"\s+")


def agnews_text(raw: str) -> str:
    """A lede as its outlet wrote it: entities back to characters, tags and line marks out."""
    text = _AG_NUMERIC.sub(lambda m: chr(int(m.group(1))), raw.replace("\\", " "))
    text = _AG_NAMED.sub(lambda m: {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)
    return _AG_SPACES.sub(" ", _AG_TAG.sub(" ", text)).strip()


def build_agnews(files: dict[str, bytes]) -> Iterator[dict]:
    rows = csv.reader(io.StringIO(next(iter(files.values())).decode("utf-8")))
    for no, (label, title, description) in enumerate(rows):
        if label not in AGNEWS_DESKS:
            raise SourceError(f"agnews: line {no + 1}: class {label!r} is not one of 1-4")
        doc_id = f"test-{no}"
        yield item("agnews", doc_id, hash_split("agnews", doc_id), agnews_text(description), [],
                   title=agnews_text(title), desk=AGNEWS_DESKS[label])


def _one_part(build: Callable[[dict[str, bytes]], Iterator[dict]]) -> Callable[[dict[str, dict[str, bytes]]], Iterator[dict]]:
    return lambda parts: build(next(iter(parts.values())))


BUILDERS: dict[str, Callable[[dict[str, dict[str, bytes]]], Iterator[dict]]] = {
    "case2021": _one_part(build_case2021), "wikievents": _one_part(build_wikievents), "rams": _one_part(build_rams),
    "plover": _one_part(build_plover), "desks": build_desks, "indiapolice": _one_part(build_indiapolice),
    "agnews": _one_part(build_agnews),
}


# ---------------------------------------------------------------- driver


def load_sources(path: Path = SOURCES) -> dict[str, dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_set(name: str, spec: dict, out_root: Path, *, git_dirs: dict[str, Path], https: bool) -> dict[str, int]:
    parts = {
        part["name"]: fetch_part(name, part, git_dir=git_dirs.get(part["name"]) or git_dirs.get(name), https=https)
        for part in set_parts(name, spec)
    }
    items = list(BUILDERS[name](parts))
    ids = [it["id"] for it in items]
    if len(ids) != len(set(ids)):
        raise SourceError(f"{name}: duplicate document ids after normalising")
    out = out_root / name
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in ("dev", "test"):
        part = [it for it in items if it["split"] == split]
        counts[split] = len(part)
        tmp = out / f"{split}.jsonl.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            for it in part:
                fh.write(json.dumps(it, ensure_ascii=False, sort_keys=True) + "\n")
        tmp.replace(out / f"{split}.jsonl")
    manifest = {
        "format_version": FORMAT_VERSION, "set": name, "split": spec["split"], "counts": counts,
        "sources": [
            {"repository": p["repository"], "commit": p["commit"], "license": p["license"],
             "files": [{k: e[k] for k in ("path", "sha256")} for e in p.get("files", [])],
             "dirs": [{k: e[k] for k in ("path", "manifest_sha256", "files")} for e in p.get("dirs", [])]}
            for p in set_parts(name, spec)
        ],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def _parse_git_dirs(values: list[str], sources: dict[str, dict]) -> dict[str, Path]:
    names = sorted({*sources, *(p["name"] for n, spec in sources.items() for p in set_parts(n, spec))})
    out = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or name not in names:
            raise SystemExit(f"eval_data: --git-dir {value!r}: expected NAME=PATH with NAME one of {', '.join(names)}")
        out[name] = Path(path).expanduser()
    return out


def main(argv: list[str] | None = None) -> int:
    sources = load_sources()
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(sources), help="default: every set")
    parser.add_argument("--git-dir", action="append", default=[], metavar="NAME=PATH",
                        help="a local git snapshot (bare or .git dir) of the pinned repository of a set or of a "
                             "set's part (desks: masakhanews-en, bbc-2005)")
    parser.add_argument("--cache", type=Path, default=None, help="default: $ESCALERT_EVAL_DATA or ~/.cache/escalert/eval")
    parser.add_argument("--no-https", action="store_true", help="never download; use local copies only")
    args = parser.parse_args(argv)
    try:
        git_dirs = _parse_git_dirs(args.git_dir, sources)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    out_root = args.cache or cache_dir()
    failed = 0
    for name in args.sets or sorted(sources):
        try:
            counts = build_set(name, sources[name], out_root, git_dirs=git_dirs, https=not args.no_https)
        except SourceError as exc:
            failed += 1
            print(f"eval_data: not built: {exc}", file=sys.stderr)
            continue
        print(f"eval_data: {name}: dev {counts['dev']}, test {counts['test']} -> {out_root / name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
