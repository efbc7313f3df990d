"""Which cue decided each size the extractor does not call `own`, over the tuning splits.

    python3 scripts/size_role_cues.py [-v]

For every (text, size) mention of the tuning splits (tune, holdout, fresh, blind1, blind2,
tune4, tune5, tune6, tune7 and blind5, a tuning split since 22:10 on 2026-12-06; never blind3,
blind4 or blind6, which stay held out) that `role_of`
calls `compared` or `unknown`, the cue that decided it (a comparison word of the walk back,
a threshold, a role noun, a data source, an example, a hypothetical, ...) and whether the
labels agree (the size is labeled but not own) or not (labeled own: a recall cost). Prints
one row per cue, its right and wrong verdicts and their share right; `-v` lists the wrong
ones with their context. A cue wrong often, or wrong on many own sizes, is the one to
narrow (issue 12, own-size recall). A debugging aid: it wraps the cue functions of
`size_roles` and `size_role_walk` in this process only.
"""

from __future__ import annotations

import functools
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_sizes_eval import TUNING_SPLITS, _split  # noqa: E402

import mailer.parse.size_role_walk as walk  # noqa: E402
import mailer.parse.size_roles as roles  # noqa: E402
import mailer.parse.sizes as sizes  # noqa: E402

SPLITS = TUNING_SPLITS  # never blind3, blind4 or blind6
_PREDICATES = (
    *("is_threshold", "is_named_by_role", "is_role_label", "is_data_source"),
    *("is_headed_by_role", "is_field_subject", "is_burden_cost", "is_example_before_authors"),
    *("weak_cue_near", "is_others_work", "is_reference"),
)
_events: list[tuple[str, Any]] = []


def _record(module: Any, name: str, describe: Any = None) -> None:
    """Wrap module.name so each truthy result is recorded (as `describe` gives it)."""
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if result:
            _events.append((name, describe(args, result) if describe else result))
        return result

    setattr(module, name, wrapper)


def _install() -> None:
    word = lambda args, result: (result, args[0][args[2]])  # noqa: E731  (role, cue word)
    _record(walk, "_comparison_role", word)
    _record(walk, "_cue_role", word)
    for name in _PREDICATES:
        _record(roles, name)


def _decider(role: str) -> str:
    """The cue that decided a non-own role: the last decisive event recorded."""
    if role == "unknown":
        return "hypothetical"
    for name, value in reversed(_events):
        if name in ("_comparison_role", "_cue_role") and value[0] == "compared":
            return f"walk {value[1]!r}"
        if name in _PREDICATES:
            return name.lstrip("_")
    return "other"


def main(argv: list[str]) -> None:
    _install()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: dict[str, list[str]] = defaultdict(list)
    false_own: list[str] = []
    for split in SPLITS:
        for item in _split(split):
            flat = sizes._flatten(item.text)
            mentions = [
                m
                for group in sizes._group_mentions(flat, sizes.find_mentions(flat))
                for m in sizes._model_sizes_of(flat, group)
            ]
            ends = sizes.sentence_ends(flat)
            title_end = sizes._title_end(item.text, flat) if mentions else 0
            if title_end:
                ends = sorted({*ends, title_end})  # as extract_sizes: a title ends a sentence
            cues = sizes.text_cues(flat, ends)
            for mention in mentions:
                if mention.params not in item.sizes:
                    continue
                _events.clear()
                role, _ = roles.role_of(flat, mention.start, mention.end, ends, lambda c=cues: c)
                if role == "own":
                    if mention.params not in item.own_sizes and "-v" in argv:
                        context = flat[max(0, mention.start - 90) : mention.end + 30]
                        false_own.append(f"  {split} {item.id}: ...{context}...")
                    continue
                cue = _decider(role)
                labeled_own = mention.params in item.own_sizes
                counts[cue][labeled_own] += 1
                if labeled_own:
                    context = flat[max(0, mention.start - 90) : mention.end + 30]
                    wrong[cue].append(f"  {split} {item.id}: ...{context}...")
    print(f"{'cue':36s} {'right':>5s} {'wrong':>5s}  right share")
    for cue, (right, bad) in sorted(counts.items(), key=lambda kv: -sum(kv[1])):
        print(f"{cue:36s} {right:5d} {bad:5d}  {right / (right + bad):.2f}")
        if "-v" in argv:
            print(*wrong[cue], sep="\n") if wrong[cue] else None
    if "-v" in argv and false_own:
        print("own, labeled not own (no cue fired):", *false_own, sep="\n")


if __name__ == "__main__":
    main(sys.argv[1:])
