"""Loading the subscriptions file, resolving targets, and reloading it safely while running.

Public interface (delivery and the worker build on these):

- :func:`load_subscriptions(path) <load_subscriptions>` -> :class:`SubscriptionSet`, or raises
  :class:`SubscriptionsError` whose message names the file, the subscription and the field.
  Besides the schema, every target is checked (:func:`target_problem`): a scheme Apprise or
  escalert knows (:func:`known_schemas`), and ``escalertfile://`` files inside ``file_root``
  (``ESCALERT_ALERTS_FILE_ROOT``, default the working directory). See docs/configuration.md.
- :class:`SubscriptionsReloader`: ``poll()`` reloads when the file's mtime (or the silences
  file's) changed and keeps the last good version when the new one is invalid.
- :func:`target_id(url) <target_id>`: a stable, secret-free id (``json-3f2a9c01b4de``).
- :func:`redact(url) <redact>`: a URL fit for logs (scheme, host for host-based schemes, id).
- ``SubscriptionSet.targets(name)`` -> ``[(target_id, url), ...]`` with ``${ENV}`` expanded.

Why target ids: Apprise URLs carry tokens (``tgram://<bot token>/<chat>``), so anything that is
logged, published or stored in the ledger uses the id, and only delivery ever holds the URL.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from schemas.subscription import Silence, Subscription, SubscriptionsFile
from service.alerts.targets import (
    default_file_root,
    known_schemas,
    redact,
    scheme_problem,
    target_id,
    target_problem,
    written_scheme,
)
from service.reloading import FileReloader

log = logging.getLogger(__name__)

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SubscriptionsError(ValueError):
    """The subscriptions file cannot be used; ``str()`` is one line per problem, for humans."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def expand_env(url: str, environ: dict[str, str] | None = None) -> str:
    """Replace ``${NAME}`` with the environment variable; raises KeyError naming a missing one."""
    env = os.environ if environ is None else environ

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in env:
            raise KeyError(name)
        return env[name]

    return _ENV_RE.sub(sub, url)


def _describe(exc: ValidationError, doc: dict[str, Any]) -> list[str]:
    """One line per error: "subscription 'ops' field filters.types[0]: ..."."""
    subs = doc.get("subscriptions") if isinstance(doc, dict) else None
    sils = doc.get("silences") if isinstance(doc, dict) else None
    lines = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        where = ""
        if len(loc) >= 2 and loc[0] in ("subscriptions", "silences") and isinstance(loc[1], int):
            items = subs if loc[0] == "subscriptions" else sils
            key = "name" if loc[0] == "subscriptions" else "id"
            label = None
            if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
                label = items[loc[1]].get(key)
            kind = "subscription" if loc[0] == "subscriptions" else "silence"
            where = f"{kind} {label!r}" if label else f"{kind} #{loc[1] + 1}"
            rest = loc[2:]
        else:
            rest = loc
        path = ""
        for part in rest:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                # pydantic adds the validator's type name for tagged/Annotated fields; drop noise
                if part.startswith("function-"):
                    continue
                path += f".{part}" if path else str(part)
        parts = [p for p in (where, f"field {path}" if path else "") if p]
        lines.append(f"{' '.join(parts) or 'file'}: {msg}")
    return lines


@dataclass(frozen=True)
class SubscriptionSet:
    """A validated subscriptions file, with targets resolved. Immutable: reload makes a new one."""

    file: SubscriptionsFile
    path: Path | None = None
    mtime: float | None = None
    _targets: dict[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)

    @property
    def subscriptions(self) -> list[Subscription]:
        return [s for s in self.file.subscriptions if s.enabled]

    @property
    def silences(self) -> list[Silence]:
        return list(self.file.silences)

    def get(self, name: str) -> Subscription | None:
        return next((s for s in self.file.subscriptions if s.name == name), None)

    def targets(self, subscription_name: str) -> list[tuple[str, str]]:
        """``[(target_id, url)]`` of a subscription, URLs with ``${ENV}`` already expanded."""
        return list(self._targets.get(subscription_name, []))

    def target_ids(self, subscription_name: str) -> list[str]:
        return [tid for tid, _ in self._targets.get(subscription_name, [])]

    def __repr__(self) -> str:  # never print URLs
        return f"SubscriptionSet({len(self.file.subscriptions)} subscriptions, path={self.path})"


def _resolve_tags(config_path: Path, tags: Iterable[str]) -> dict[str, list[str]]:
    """URLs per tag from an Apprise configuration file (YAML or TEXT, Apprise's own format)."""
    import apprise  # slow import, only when tags are used

    ac = apprise.AppriseConfig()
    if not ac.add(str(config_path)):
        raise ValueError(f"cannot read Apprise config {config_path}")
    ap = apprise.Apprise()
    ap.add(ac)
    out: dict[str, list[str]] = {}
    for tag in tags:
        out[tag] = [server.url(privacy=False) for server in ap.find(tag=tag)]
    return out


def _resolve_targets(
    sub: Subscription,
    tag_urls: dict[str, list[str]],
    problems: list[str],
    *,
    environ: dict[str, str] | None,
    file_root: Path | None,
) -> list[tuple[str, str]]:
    """``[(target_id, url)]`` of one subscription, each checked; appends what is wrong to ``problems``."""
    if not sub.enabled:
        # a disabled subscription needs none of its secrets: an example file can ship
        # ready-to-enable chat subscriptions without breaking the quick start (their
        # schemes are still checked: a typo there is found before the day it is enabled)
        problems.extend(
            f"subscription {sub.name!r} field urls[{i}]: {p}"
            for i, url in enumerate(sub.urls)
            if "${" not in written_scheme(url)
            and (p := scheme_problem(url, known_schemas())) is not None
        )
        return []
    resolved: list[tuple[str, str]] = []
    for i, url in enumerate(sub.urls):
        try:
            real = expand_env(url, environ)
        except KeyError as exc:
            problems.append(
                f"subscription {sub.name!r} field urls[{i}]: environment variable "
                f"{exc.args[0]} is not set"
            )
            continue
        problem = target_problem(real, file_root=file_root, written=url)
        if problem is not None:
            problems.append(f"subscription {sub.name!r} field urls[{i}]: {problem}")
            continue
        resolved.append((target_id(real), real))
    for tag in sub.tags:
        urls = tag_urls.get(tag, [])
        if not urls and not problems:
            problems.append(
                f"subscription {sub.name!r} field tags: no URL has tag {tag!r} in the Apprise config"
            )
        for u in urls:
            problem = target_problem(u, file_root=file_root)
            if problem is not None:
                problems.append(f"subscription {sub.name!r} field tags ({tag!r}, {redact(u)}): {problem}")
                continue
            resolved.append((target_id(u), u))
    # one target once, even when listed by URL and by tag
    seen: set[str] = set()
    return [(t, u) for t, u in resolved if not (t in seen or seen.add(t))]


def build_set(
    doc: Any,
    *,
    path: Path | None = None,
    mtime: float | None = None,
    environ: dict[str, str] | None = None,
    file_root: Path | None = None,
) -> SubscriptionSet:
    """Validate a decoded YAML document and resolve targets; raises :class:`SubscriptionsError`.

    Every target is checked (:func:`target_problem`): its scheme must be one Apprise or escalert
    knows, and an ``escalertfile://`` target must write inside ``file_root`` (default: the
    working directory).
    """
    where = path or "<subscriptions>"
    if not isinstance(doc, dict):
        raise SubscriptionsError(where, ["the file must be a mapping with a 'subscriptions' list"])
    try:
        parsed = SubscriptionsFile.model_validate(doc)
    except ValidationError as exc:
        raise SubscriptionsError(where, _describe(exc, doc)) from None
    problems: list[str] = []
    tag_urls: dict[str, list[str]] = {}
    all_tags = {t for s in parsed.subscriptions if s.enabled for t in s.tags}
    if all_tags and parsed.apprise_config:
        cfg = Path(parsed.apprise_config)
        if path is not None and not cfg.is_absolute():
            cfg = path.parent / cfg
        if not cfg.exists():
            problems.append(f"field apprise_config: file {cfg} does not exist")
        else:
            try:
                tag_urls = _resolve_tags(cfg, sorted(all_tags))
            except Exception as exc:  # apprise raises various things on bad config
                problems.append(f"field apprise_config: {exc}")
    targets = {
        sub.name: _resolve_targets(sub, tag_urls, problems, environ=environ, file_root=file_root)
        for sub in parsed.subscriptions
    }
    if problems:
        raise SubscriptionsError(where, problems)
    return SubscriptionSet(parsed, path, mtime, targets)


def load_subscriptions(
    path: str | Path, *, environ: dict[str, str] | None = None, file_root: Path | None = None
) -> SubscriptionSet:
    """Read, validate and resolve a subscriptions YAML file.

    Raises :class:`SubscriptionsError` naming the file, and for each problem the subscription (by
    name) and the field, e.g. ``subscription 'ops' field filters.min_severity: Input should be
    less than or equal to 5``.
    """
    p = Path(path)
    try:
        st = p.stat()
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SubscriptionsError(p, ["no such file"]) from None
    except IsADirectoryError:
        raise SubscriptionsError(p, ["is a directory, not a subscriptions YAML file"]) from None
    except OSError as exc:
        raise SubscriptionsError(p, [f"cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise SubscriptionsError(p, [f"not UTF-8 text: {exc.reason} at byte {exc.start}"]) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SubscriptionsError(p, [f"not valid YAML{at}: {problem}"]) from None
    return build_set(doc, path=p, mtime=st.st_mtime, environ=environ, file_root=file_root)


class SubscriptionsReloader(FileReloader[SubscriptionSet]):
    """Keeps the current good :class:`SubscriptionSet`; ``poll()`` reloads it when the file changes
    (see :class:`~service.reloading.FileReloader`: an invalid new version is logged and reported
    in ``last_error``, and the previous good set stays in force).
    """

    def __init__(
        self, path: str | Path, *, environ: dict[str, str] | None = None,
        file_root: Path | None = None,
    ) -> None:
        # fixed at start: a later change of working directory must not move the allowed root
        self._file_root = default_file_root() if file_root is None else file_root
        super().__init__(
            path,
            load=lambda p: load_subscriptions(p, environ=environ, file_root=self._file_root),
            errors=SubscriptionsError, what="subscriptions", logger=log,
            summary=lambda new: f"{len(new.file.subscriptions)} subscriptions",
        )
