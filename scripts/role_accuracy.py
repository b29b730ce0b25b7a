#!/usr/bin/env python3
"""Actor-role accuracy of the detector on the hand-annotated real-news set (tests/data/roles).

    scripts/role_accuracy.py --git-dir /path/to/LWL-cpu+SCPRG-master.git   # rebuild the text cache, then score
    scripts/role_accuracy.py                                                # score from the cache
    scripts/role_accuracy.py --set rams-args|wikievents-args [--git-dir /path/to/copy] [--half B]

The sentences are not in git: --git-dir names a local copy (bare or not) of the pinned source
repository; the sentences are rebuilt from it, checked against their sha256 and written to the
cache (~/.cache/escalert/eval/roles/sentences.jsonl, or $ESCALERT_EVAL_DATA/roles/). Prints, per
split (dev, test, all): events annotated, correct events found (same type), roles right (both,
source, target; overlap rule) and exact, per-type figures, and wrong roles by class with examples.
``--set rams-args`` (``wikievents-args``) scores the roles against the argument annotations of
the RAMS (WikiEvents) dev file instead (``service/detection/rams_roles.py``; dev only, per half
A/B of the document hash; the file is read from --git-dir, a copy of its pinned repository, and
cached next to the sentences; --half picks the half whose wrong roles are shown).
Exit 0; 2 with one line when the annotations, the copy or the cache cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.detection import BUILD, DETECTOR_VERSION, detect, rams_roles, role_eval  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=Path, default=role_eval.default_annotations())
    parser.add_argument("--git-dir", type=Path, help="local copy of the source repository; rebuilds the cache")
    parser.add_argument("--cache", type=Path, default=None, help="sentence cache file (default: see above)")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per class of wrong role")
    parser.add_argument("--examples-from", choices=("dev", "test", "all"), default="dev",
                        help="the split the examples come from (default dev: tuning never shows a test sentence)")
    parser.add_argument("--set", choices=("roles", *rams_roles.SOURCES), default="roles",
                        help="the hand-annotated set (default), or the dev argument annotations of RAMS or WikiEvents")
    parser.add_argument("--args-cache", type=Path, default=None,
                        help="*-args: the cached dev file (default: next to the sentence cache)")
    parser.add_argument("--half", choices=("A", "B"), help="*-args: show the wrong roles of this half only")
    args = parser.parse_args(argv)
    if args.set != "roles":
        return _argument_roles(args)
    cache = args.cache or role_eval.cache_file()
    try:
        items = role_eval.load_annotations(args.annotations)
        if args.git_dir:
            texts = role_eval.sentences_from_git(items, args.git_dir)
            role_eval.write_cache(texts, cache)
        else:
            texts = role_eval.read_cache(items, cache)
    except role_eval.RoleDataError as exc:
        print(f"role_accuracy: {exc}", file=sys.stderr)
        return 2
    report = role_eval.evaluate(items, texts, detect)
    print(f"{len(items)} sentences; detector {DETECTOR_VERSION} ({BUILD})")
    print(role_eval.format_report(report, examples=args.examples, example_split=args.examples_from))
    return 0


def _argument_roles(args: argparse.Namespace) -> int:
    from service.detection.detector import names_in

    source = rams_roles.SOURCES[args.set]
    try:
        windows = source.windows(rams_roles.read_dev(source, args.git_dir, args.args_cache))
        held = rams_roles.held_out(role_eval.load_annotations(args.annotations))
    except role_eval.RoleDataError as exc:
        print(f"role_accuracy: {exc}", file=sys.stderr)
        return 2
    report = rams_roles.evaluate(windows, detect, names_in, held)
    print(f"{args.set} (dev): {len(windows)} events; detector {DETECTOR_VERSION} ({BUILD})")
    print(rams_roles.format_report(report, examples=args.examples, half=args.half))
    return 0


if __name__ == "__main__":
    sys.exit(main())
