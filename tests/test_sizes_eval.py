"""Size extraction measured on the labeled set in tests/data/sizes/labeled.jsonl.

The set: the 136 papers of the Hugging Face Daily Papers sample page, labeled by reading
each title and abstract, hard cases written by hand, and real abstracts from public digests
the extractor was never tuned on. Each item carries `sizes` (every parameter count of a
model the text mentions) and `own_sizes` (those of the paper's own models, not its
baselines, judges or teachers), and a split fixed from a hash of its id before any tuning;
the floors are enforced on the holdout split.

Print the figures (and the tune split's misses, never the holdout's or the fresh split's
unless asked):

    python3 tests/test_sizes_eval.py [--show-holdout] [--show-fresh]

(`blind2` is a tuning split too since 2026-12-06 18:00, and `blind5` since 22:10: their misses are printed. `blind3`, `blind4` and `blind6`, the held-out sets, print their aggregates only.)

Splits: `tune` (tuned on), `holdout` (fixed by hash before tuning; its misses were seen once
by the issue 12 follow-up, so it is no longer blind), `fresh` (78 real arXiv abstracts labeled
and committed before the extractor ever ran on them; its misses were read by issue 12 part 2,
which tuned the role rules by principle, so it is no longer blind either), `blind1`
(tests/data/sizes/blind.jsonl: blind until the size-role work after issue 12 part 2 tuned
on it from 2026-12-06, so a tuning split now; its misses are printed like the tune split's),
`blind2` (tests/data/sizes/blind2.jsonl: blind until measured once on 2026-12-06; the
size-role work roles3 tuned on it from 2026-12-06 18:00, so a tuning split now, misses
printed), `tune4` … `tune7` (tests/data/sizes/tune4.jsonl … tune7.jsonl: real abstracts labeled
for tuning, each measured once before it was tuned on, misses printed). The honest figure comes from a blind set kept outside this branch.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mailer.core.models import format_params
from mailer.parse.sizes import extract_sizes

LABELED = Path(__file__).resolve().parent / "data" / "sizes" / "labeled.jsonl"
MIN_PRECISION = 0.97
MIN_RECALL = 0.95
# Issue 12 targets 0.95 / 0.95 for own sizes on unseen text. After issue 12 part 2 the holdout
# (seen) reads 0.970 / 0.980 and the fresh split (seen) 0.989 / 0.989 (README): the floors are
# the target. They are no longer blind figures; they guard against regressions.
MIN_OWN_PRECISION = 0.95
MIN_OWN_RECALL = 0.95
# Issue 12's targets for all sizes (0.98 / 0.97) are met on the fresh split and enforced.
FRESH_MIN_PRECISION = 0.98
FRESH_MIN_RECALL = 0.97
FRESH_MIN_OWN_PRECISION = 0.95
FRESH_MIN_OWN_RECALL = 0.95
# The tune split holds the hand-written role cases: its own sizes must stay near where they are
TUNE_MIN_OWN_PRECISION = 0.98
TUNE_MIN_OWN_RECALL = 0.98


@dataclass(frozen=True)
class LabeledText:
    id: str
    text: str
    sizes: frozenset[int]
    own_sizes: frozenset[int]
    split: str


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labeled = self.true_positives + self.false_negatives
        return self.true_positives / labeled if labeled else 1.0

    def summary(self, name: str, items: int) -> str:
        return (
            f"{name}: {items} texts, precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"(tp {self.true_positives}, fp {self.false_positives}, fn {self.false_negatives})"
        )


def load_labeled_unsplit(path: Path, split: str) -> list[LabeledText]:
    """A labeled file whose rows carry no split (the blind sets): all of it is `split`."""
    return [
        LabeledText(
            row["id"], row["text"], frozenset(row["sizes"]), frozenset(row["own_sizes"]), split
        )
        for row in map(json.loads, filter(str.strip, path.read_text(encoding="utf-8").splitlines()))
    ]


def load_labeled(path: Path = LABELED) -> list[LabeledText]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items.append(
                LabeledText(
                    row["id"],
                    row["text"],
                    frozenset(row["sizes"]),
                    frozenset(row["own_sizes"]),
                    row["split"],
                )
            )
    return items


def score(items: list[LabeledText], own: bool = False) -> Score:
    """Precision and recall of all sizes, or with `own` of the paper's own sizes only."""
    result = Score()
    for item in items:
        sizes = extract_sizes(item.text)
        found = {size.params for size in sizes if not own or size.is_own}
        labeled = item.own_sizes if own else item.sizes
        extra, missed = found - labeled, labeled - found
        result.true_positives += len(found & labeled)
        result.false_positives += len(extra)
        result.false_negatives += len(missed)
        if extra or missed:
            result.errors.append(
                f"{item.id}: extra {sorted(map(format_params, extra))} "
                f"missed {sorted(map(format_params, missed))}"
            )
    return result


BLIND1 = LABELED.with_name("blind.jsonl")
# The first blind split (tests/data/sizes/BLIND.md), `blind1`: 132 real arXiv abstracts of
# April 2026 and January 2026 listings, labeled by a helper who never ran the extractor on
# them. It was blind until measured once after issue 12 part 2 (sizes 0.994 / 0.994, own
# sizes 0.979 / 0.926); the size-role work that followed (roles2) **tuned on it from
# 2026-12-06** (its misses were read to choose the role principles): it is a tuning split
# now, never a held-out figure. After that tuning: sizes
# 0.994 / 0.994, own sizes 0.993 / 0.993; the floors guard against regressions.
BLIND1_MIN_PRECISION = 0.98
BLIND1_MIN_RECALL = 0.97
BLIND1_MIN_OWN_PRECISION = 0.98
BLIND1_MIN_OWN_RECALL = 0.98


def _split(name: str) -> list[LabeledText]:
    if name == "blind1":
        return load_labeled(BLIND1)
    if name == "blind2":
        return load_labeled_unsplit(BLIND2, "blind2")
    if name == "tune4":
        return load_labeled(TUNE4)
    if name == "tune5":
        return load_labeled(TUNE5)
    if name == "tune6":
        return load_labeled(TUNE6)
    if name == "blind5":
        return load_labeled_unsplit(BLIND5, "blind5")
    if name == "tune7":
        return load_labeled(TUNE7)
    return [item for item in load_labeled() if item.split == name]


def test_blind1_split_sizes_and_own_sizes_hold_their_tuned_level() -> None:
    items = _split("blind1")
    assert len(items) >= 130
    assert {item.split for item in items} == {"blind1"}  # tuned on: never report as held out
    sizes, own = score(items), score(items, own=True)
    print(sizes.summary("blind1", len(items)), own.summary("blind1 own_sizes", len(items)))
    assert sizes.precision >= BLIND1_MIN_PRECISION, sizes.summary("blind1", len(items))
    assert sizes.recall >= BLIND1_MIN_RECALL, sizes.summary("blind1", len(items))
    if own.precision < BLIND1_MIN_OWN_PRECISION or own.recall < BLIND1_MIN_OWN_RECALL:
        pytest.fail("\n".join([own.summary("blind1 own", len(items)), *own.errors]))


Floors = tuple[float, float]  # (precision, recall) a split must keep


def _holds_tuned_level(name: str, at_least: int, sizes_floor: Floors, own_floor: Floors) -> None:
    """A tuning split keeps its level; its misses are shown when it drops."""
    items = _split(name)
    assert len(items) >= at_least
    assert {item.split for item in items} == {name}  # tuned on: never report as held out
    sizes, own = score(items), score(items, own=True)
    print(sizes.summary(name, len(items)), own.summary(f"{name} own_sizes", len(items)))
    if sizes.precision < sizes_floor[0] or sizes.recall < sizes_floor[1]:
        pytest.fail("\n".join([sizes.summary(name, len(items)), *sizes.errors]))
    if own.precision < own_floor[0] or own.recall < own_floor[1]:
        pytest.fail("\n".join([own.summary(f"{name} own", len(items)), *own.errors]))


def _holds_blind_level(
    path: Path, name: str, at_least: int, sizes_floor: Floors, own_floor: Floors
) -> None:
    """A blind split keeps its measured level; only its aggregates are ever shown."""
    items = load_labeled_unsplit(path, name)
    assert len(items) >= at_least
    sizes, own = score(items), score(items, own=True)
    print(sizes.summary(name, len(items)), own.summary(f"{name} own_sizes", len(items)))
    assert sizes.precision >= sizes_floor[0], sizes.summary(name, len(items))
    assert sizes.recall >= sizes_floor[1], sizes.summary(name, len(items))
    assert own.precision >= own_floor[0], own.summary(f"{name} own", len(items))
    assert own.recall >= own_floor[1], own.summary(f"{name} own", len(items))


BLIND2 = LABELED.with_name("blind2.jsonl")
# The second blind split (tests/data/sizes/BLIND2.md): 156 real arXiv abstracts (112 with
# sizes, 44 size-like negatives) from four daily-listing archives no earlier set used,
# labeled without ever running the extractor (a second annotator agreed on 50/50 items'
# sizes and 49/50 items' own sizes, kappa 0.91 on own vs not own). Measured once, on
# 2026-12-06, after the roles2 tuning on blind1: sizes 0.971 / 1.000, own sizes
# 0.938 / 0.927 (the code before roles2: 0.938 / 0.933). Issue 12's targets were not met
# there. The size-role work roles3 **tuned on it from 2026-12-06 18:00** (its misses were
# read to choose the principles): it is a tuning split now, never a held-out figure. After
# that tuning: sizes 1.000 / 1.000, own sizes 1.000 / 0.972; the floors hold that level
# (within about one item) and guard against regressions.
BLIND2_MIN_PRECISION = 0.99
BLIND2_MIN_RECALL = 0.99
BLIND2_MIN_OWN_PRECISION = 0.99
BLIND2_MIN_OWN_RECALL = 0.97


def test_blind2_split_sizes_and_own_sizes_hold_their_tuned_level() -> None:
    _holds_tuned_level(
        "blind2",
        150,
        (BLIND2_MIN_PRECISION, BLIND2_MIN_RECALL),
        (BLIND2_MIN_OWN_PRECISION, BLIND2_MIN_OWN_RECALL),
    )


TUNE4 = LABELED.with_name("tune4.jsonl")
# The fourth tuning split (tests/data/sizes/README.md, `tune4`): 35 real arXiv abstracts of
# December 2025 and January 2026 (26 with sizes, 9 size-like negatives), labeled by reading
# and committed before the extractor ran on them. Measured once before any tuning on it
# (a held-out figure then): sizes 1.000 / 0.902, own sizes 1.000 / 0.853. Tuned on since
# (its misses are printed): 1.000 / 1.000 both. The floors hold that level within about one
# item and guard against regressions.
TUNE4_MIN_PRECISION = 0.97
TUNE4_MIN_RECALL = 0.97
TUNE4_MIN_OWN_PRECISION = 0.97
TUNE4_MIN_OWN_RECALL = 0.97


def test_tune4_split_sizes_and_own_sizes_hold_their_tuned_level() -> None:
    _holds_tuned_level(
        "tune4",
        35,
        (TUNE4_MIN_PRECISION, TUNE4_MIN_RECALL),
        (TUNE4_MIN_OWN_PRECISION, TUNE4_MIN_OWN_RECALL),
    )


TUNE5 = LABELED.with_name("tune5.jsonl")
# The fifth tuning split (tests/data/sizes/README.md, `tune5`): 28 real arXiv abstracts of
# 2026-02-16 .. 18 (23 with sizes, 5 size-like negatives), labeled by reading and committed
# before the extractor ran on them. Measured once on 2026-12-06 at 19:58 UTC before any tuning
# on it (a held-out figure then): sizes 0.938 / 0.968 (2 false, 1 missed), own sizes
# 0.926 / 0.833 (25 of 30, 2 false). Tuned on since (its misses are printed): sizes
# 0.969 / 1.000, own sizes 0.968 / 1.000 (one difference, "8M additional parameters compared
# to the baseline", still read as a size). The floors hold that level within about one item.
# tune7's tuning read that one as a difference: sizes 1.000 / 1.000, own 1.000 / 1.000.
TUNE5_MIN_PRECISION = 0.93
TUNE5_MIN_RECALL = 0.96
TUNE5_MIN_OWN_PRECISION = 0.93
TUNE5_MIN_OWN_RECALL = 0.96


def test_tune5_split_sizes_and_own_sizes_hold_their_tuned_level() -> None:
    _holds_tuned_level(
        "tune5",
        28,
        (TUNE5_MIN_PRECISION, TUNE5_MIN_RECALL),
        (TUNE5_MIN_OWN_PRECISION, TUNE5_MIN_OWN_RECALL),
    )


TUNE6 = LABELED.with_name("tune6.jsonl")
# The sixth tuning split (tests/data/sizes/README.md, `tune6`): 45 real arXiv abstracts of
# 2026-02-19, 22 and 24 (34 with sizes, 11 size-like negatives), labeled by reading and
# committed before the extractor ran on them. Measured once on 2026-12-06 at 21:33 UTC before
# any tuning on it (a held-out figure then): sizes 1.000 / 1.000 (50 of 50), own sizes
# 1.000 / 0.957 (44 of 46, 0 false; missed: the backbone a model is fine-tuned from when the
# same sentence also uses it as the reference, and the lower end of "the Qwen3 series,
# ranging from 0.6B to 30B"). Tuned on since (its misses are printed): sizes 1.000 / 1.000,
# own sizes 1.000 / 1.000. The floors hold that level within about one item.
TUNE6_MIN_PRECISION = 0.97
TUNE6_MIN_RECALL = 0.97
TUNE6_MIN_OWN_PRECISION = 0.97
TUNE6_MIN_OWN_RECALL = 0.97


BLIND5 = LABELED.with_name("blind5.jsonl")
# The fifth blind split (tests/data/sizes/BLIND5.md): 153 real arXiv abstracts of 2026-01-26
# .. 29 and 2026-02-10, 12, 15 (110 with sizes, 43 size-like negatives), labeled by reading
# by a helper who never ran project code. Measured as a held-out set on 2026-12-06 twice,
# aggregates only: at 21:52 UTC on main before tune6 and tune7, and at 22:09 after tune6
# merged, the same both times: sizes 0.962 / 0.967 (tp 178, fp 7, fn 6), own sizes
# 0.943 / 0.938 (tp 150, fp 9, fn 10). Then it became a **tuning split** (its misses are
# printed; tune8 read them): never a held-out figure again. Tuned on since: sizes
# 0.963 / 0.978, own sizes 0.969 / 0.981 (tune7 and tune8 merged); after tune10's size
# classes (README, `tune10`): sizes 1.000 / 1.000, own sizes 0.994 / 0.994. The floors hold
# that level within about one item (the own floors are left to the role work).
BLIND5_MIN_PRECISION = 0.99
BLIND5_MIN_RECALL = 0.99
BLIND5_MIN_OWN_PRECISION = 0.96
BLIND5_MIN_OWN_RECALL = 0.97


def test_blind5_split_is_tuned_on_and_holds_its_level() -> None:
    _holds_tuned_level(
        "blind5",
        150,
        (BLIND5_MIN_PRECISION, BLIND5_MIN_RECALL),
        (BLIND5_MIN_OWN_PRECISION, BLIND5_MIN_OWN_RECALL),
    )


def test_tune6_split_sizes_and_own_sizes_hold_their_tuned_level() -> None:
    _holds_tuned_level(
        "tune6",
        45,
        (TUNE6_MIN_PRECISION, TUNE6_MIN_RECALL),
        (TUNE6_MIN_OWN_PRECISION, TUNE6_MIN_OWN_RECALL),
    )


TUNE7 = LABELED.with_name("tune7.jsonl")
# The seventh tuning split (tests/data/sizes/README.md, `tune7`): 73 real arXiv abstracts of
# 2026-03-02 .. 04 (48 with sizes, 65 pairs; 25 size-like negatives), every abstract of those
# three days that gives a model size, labeled by reading and committed (722c823) before the
# extractor ran on them. Measured once on 2026-12-06 at 21:35 UTC before any tuning on it (a
# held-out figure then): sizes 0.969 / 0.969 (tp 63, fp 2, fn 2), own sizes 0.983 / 0.922
# (tp 59, fp 1, fn 5). Tuned on since (its misses are printed): sizes 1.000 / 1.000, own
# sizes 1.000 / 0.938 (four sizes found and given to another's model: roles). A second batch,
# t7-074 .. t7-100 (27 abstracts of 2026-03-05, labeled and committed in 4c41dd5 before the
# extractor ran on them), measured once at 21:53 UTC with that tuned code (a held-out figure
# then): sizes 0.974 / 1.000 (tp 37, fp 1), own sizes 0.970 / 0.970. A third batch, t7-101 ..
# t7-127 (27 abstracts of 2026-03-09, committed in 002cde8 before the extractor ran on them),
# measured once with the code tuned on the first two (4cfe85a): sizes 0.929 / 0.963 (tp 26,
# fp 2, fn 1), own sizes 0.885 / 0.958. A fourth batch, t7-128 .. t7-158 (31 abstracts of
# 2026-03-10, committed in 51951d9 before the extractor ran on them), measured once with the
# code tuned on the first three (b60d893): sizes 0.958 / 0.958 (tp 23, fp 1, fn 1), own sizes
# 0.952 / 0.952. Tuned on since: all 158, sizes 1.000 / 1.000, own sizes 0.993 / 0.958. A
# fifth batch, t7-159 .. t7-173 (15 abstracts of 2026-03-11, committed in 75e7b94 before the
# extractor ran on them), measured once with that code (fc2a593): sizes 1.000 / 1.000, own
# sizes 1.000 / 0.889 (one role); no change made. A sixth batch, t7-174 .. t7-199 (26
# abstracts of 2026-03-12, committed in 979c8d3 before the extractor ran on them), measured
# once with that code: sizes 0.962 / 0.962 (tp 25, fp 1, fn 1), own sizes 0.840 / 0.955 (three
# of its four false own sizes are roles). Tuned on since: all 199, sizes 1.000 / 1.000, own
# sizes 0.976 / 0.960 (the four false own sizes are roles, tune6's). A seventh batch, t7-200
# .. t7-222 (23 abstracts of 2026-03-15, committed in 90981ab before the extractor ran on
# them), measured once with that code (e4a4976): sizes 0.939 / 0.969 (tp 31, fp 2, fn 1), own
# sizes 0.852 / 0.920. Tuned on since: all 222, sizes 0.991 / 1.000 (t7-219's "A2Z-10M+" and
# "1 million ABC CAD models" left), own sizes 0.960 / 0.960. tune9 tuned the roles on its
# 17 role errors and relabeled t7-027's "beyond 2.44 million parameters" (a bound splitting
# the paper's sweep: not own, README § tune9): own sizes 0.975 / 0.990 (tp 195, fp 5, fn 2;
# t7-031, 118, 188, 210, 214 left); tune10 fixed t7-219's sizes: sizes 1.000 / 1.000. The
# floors hold that level within about one item (own floors set after both merged).
TUNE7_MIN_PRECISION = 0.99
TUNE7_MIN_RECALL = 0.99
TUNE7_MIN_OWN_PRECISION = 0.96
TUNE7_MIN_OWN_RECALL = 0.98


def test_tune7_split_sizes_and_own_sizes_hold_their_tuned_level() -> None:
    _holds_tuned_level(
        "tune7",
        222,
        (TUNE7_MIN_PRECISION, TUNE7_MIN_RECALL),
        (TUNE7_MIN_OWN_PRECISION, TUNE7_MIN_OWN_RECALL),
    )


BLIND3 = LABELED.with_name("blind3.jsonl")
# The third blind split (tests/data/sizes/BLIND3.md): 73 real arXiv abstracts of January 2026
# (43 with sizes, 30 size-like negatives) from a fifth archive, labeled without ever running
# the extractor. Measured on 2026-12-06 before and after roles3's tuning on blind2, the
# same both times: sizes 1.000 / 1.000, own sizes 0.942 / 0.942 (49 of 52 own sizes, 3
# false). With tune6, tune7 and tune8 merged (2026-12-06 22:19 UTC), and at 22:43 with tune9
# and tune10 too: sizes 1.000 / 1.000, own sizes 0.943 / 0.962 (50 of 52, 3 false). Small: one miss moves a figure by about
# 0.02. Keep it blind: aggregates only.
BLIND3_MIN_PRECISION = 0.97
BLIND3_MIN_RECALL = 0.97
BLIND3_MIN_OWN_PRECISION = 0.92
BLIND3_MIN_OWN_RECALL = 0.92


def test_blind3_split_holds_its_measured_level_without_showing_its_misses() -> None:
    _holds_blind_level(
        BLIND3,
        "blind3",
        70,
        (BLIND3_MIN_PRECISION, BLIND3_MIN_RECALL),
        (BLIND3_MIN_OWN_PRECISION, BLIND3_MIN_OWN_RECALL),
    )


BLIND4 = LABELED.with_name("blind4.jsonl")
# The fourth blind split (tests/data/sizes/BLIND4.md): 166 real arXiv abstracts of February
# 2026 (126 with sizes, 40 size-like negatives), labeled by reading before the extractor saw
# them; nobody tuning has read it. b4-001..087 measured on 2026-12-06 19:32 UTC before tune12
# (sizes 0.989 / 0.979, own 0.988 / 0.934) and after it (the same); all 166 measured once
# at 20:08 UTC after tune12: sizes 0.984 / 0.954 (tp 185, fp 3, fn 9), own sizes
# 0.982 / 0.896 (tp 164, fp 3, fn 19). On 2026-12-06 at 22:19 UTC, with tune6, tune7 and
# tune8 merged: sizes 0.984 / 0.964 (tp 187, fp 3, fn 7), own sizes 0.982 / 0.918 (tp 168,
# fp 3, fn 15); at 22:43 with tune9 and tune10 too: sizes 0.989 / 0.964 (fp 2, fn 7), own
# sizes 0.988 / 0.918 (fp 2, fn 15). Only 11 of its 194 sizes are other people's models, so it tests own-size
# recall far better than own-size precision. Aggregates only.
BLIND4_MIN_PRECISION = 0.97
BLIND4_MIN_RECALL = 0.94
BLIND4_MIN_OWN_PRECISION = 0.96
BLIND4_MIN_OWN_RECALL = 0.88


def test_blind4_split_holds_its_measured_level_without_showing_its_misses() -> None:
    _holds_blind_level(
        BLIND4,
        "blind4",
        160,
        (BLIND4_MIN_PRECISION, BLIND4_MIN_RECALL),
        (BLIND4_MIN_OWN_PRECISION, BLIND4_MIN_OWN_RECALL),
    )


BLIND6 = LABELED.with_name("blind6.jsonl")
# The sixth blind split (tests/data/sizes/BLIND6.md), from another source on purpose: 188
# real Hugging Face Daily Papers abstracts of 2026-05-29 .. 07-02 (the product's main input;
# 159 with sizes, 29 size-like negatives), labeled by reading by a helper who never ran
# project code. Measured on 2026-12-06, aggregates only, at 21:52 UTC before tune6, tune7 and
# tune8, and at 22:09 after tune6, the same both times: sizes 0.989 / 0.976 (tp 281, fp 3,
# fn 7), own sizes 0.965 / 0.939 (tp 248, fp 9, fn 16); tune8 read it once after its own
# round (own 0.965 / 0.943); at 22:19 UTC on main with tune6..8 merged: sizes 0.990 / 0.990
# (tp 285, fp 3, fn 3), own sizes 0.966 / 0.958 (tp 253, fp 9, fn 11); and at 22:43 UTC with
# tune9 and tune10 merged too (neither looked at it): sizes 0.993 / 0.993 (tp 286, fp 2,
# fn 2), own sizes 0.969 / 0.962 (tp 254, fp 8, fn 10). Only
# 24 of its 288 sizes are others' models. Keep it blind: aggregates only.
BLIND6_MIN_PRECISION = 0.98
BLIND6_MIN_RECALL = 0.98
BLIND6_MIN_OWN_PRECISION = 0.95
BLIND6_MIN_OWN_RECALL = 0.94


def test_blind6_split_holds_its_measured_level_without_showing_its_misses() -> None:
    _holds_blind_level(
        BLIND6,
        "blind6",
        180,
        (BLIND6_MIN_PRECISION, BLIND6_MIN_RECALL),
        (BLIND6_MIN_OWN_PRECISION, BLIND6_MIN_OWN_RECALL),
    )


def test_labeled_set_is_large_and_split_before_tuning() -> None:
    items = load_labeled()
    assert len(items) >= 176
    assert len({item.id for item in items}) == len(items)
    holdout = sum(item.split == "holdout" for item in items)
    assert 0.2 <= holdout / len(items) <= 0.35


def test_every_item_labels_own_sizes_among_its_sizes() -> None:
    for item in load_labeled():
        assert item.own_sizes <= item.sizes, item.id


def test_holdout_own_sizes_meet_the_precision_and_recall_floor() -> None:
    items = _split("holdout")
    result = score(items, own=True)
    print(result.summary("holdout own_sizes", len(items)))
    assert result.precision >= MIN_OWN_PRECISION, result.summary("holdout own", len(items))
    assert result.recall >= MIN_OWN_RECALL, result.summary("holdout own", len(items))


def test_holdout_meets_the_precision_and_recall_floor() -> None:
    items = _split("holdout")
    result = score(items)
    print(result.summary("holdout", len(items)))
    assert result.precision >= MIN_PRECISION, result.summary("holdout", len(items))
    assert result.recall >= MIN_RECALL, result.summary("holdout", len(items))


def test_fresh_split_meets_the_size_targets() -> None:
    items = _split("fresh")
    assert len(items) >= 78
    result = score(items)
    print(result.summary("fresh", len(items)))
    assert result.precision >= FRESH_MIN_PRECISION, result.summary("fresh", len(items))
    assert result.recall >= FRESH_MIN_RECALL, result.summary("fresh", len(items))


def test_tune_own_sizes_hold_their_level() -> None:
    items = _split("tune")
    result = score(items, own=True)
    print(result.summary("tune own_sizes", len(items)))
    if result.precision < TUNE_MIN_OWN_PRECISION or result.recall < TUNE_MIN_OWN_RECALL:
        pytest.fail("\n".join([result.summary("tune own", len(items)), *result.errors]))


def test_fresh_own_sizes_meet_the_targets() -> None:
    items = _split("fresh")
    result = score(items, own=True)
    print(result.summary("fresh own_sizes", len(items)))
    assert result.precision >= FRESH_MIN_OWN_PRECISION, result.summary("fresh own", len(items))
    assert result.recall >= FRESH_MIN_OWN_RECALL, result.summary("fresh own", len(items))


def test_tune_split_meets_the_floor_too() -> None:
    items = _split("tune")
    result = score(items)
    print(result.summary("tune", len(items)))
    if result.precision < MIN_PRECISION or result.recall < MIN_RECALL:
        pytest.fail("\n".join([result.summary("tune", len(items)), *result.errors]))


# Every split the extractor may be tuned on, in print order; the misses of all but the
# holdout and fresh splits (seen once, no longer blind, but not printed by default) are shown
TUNING_SPLITS = (
    *("tune", "holdout", "fresh", "blind1", "blind2"),
    *("tune4", "tune5", "tune6", "tune7", "blind5"),
)
MISSES_HIDDEN = ("holdout", "fresh")


def main(argv: list[str]) -> None:
    for name in TUNING_SPLITS:
        items = _split(name)
        for own in (False, True):
            result = score(items, own=own)
            print(result.summary(f"{name} {'own_sizes' if own else 'sizes'}", len(items)))
            if name not in MISSES_HIDDEN or f"--show-{name}" in argv:
                for error in result.errors:
                    print("   ", error)
    for name, path in (("blind3", BLIND3), ("blind4", BLIND4), ("blind6", BLIND6)):
        blind = load_labeled_unsplit(path, name)  # aggregates only: it stays blind
        for own in (False, True):
            result = score(blind, own=own)
            print(result.summary(f"{name} {'own_sizes' if own else 'sizes'}", len(blind)))


if __name__ == "__main__":
    main(sys.argv[1:])
