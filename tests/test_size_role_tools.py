"""Whose a count is and which models are the authors' tools (issue 12, own sizes on unseen
text, tune9, from tune7's role errors): a count played down or told roughly after "with" is
the clause's subject's, a bare count after a name is what that name has, a model employed
to make data or named by a role noun in apposition is a tool, a role noun the authors train
is theirs, a point past which returns diminish is on the paper's own scaling curve, a "same
size" in words is the paper's scale. Table-driven: each class has rows that fail without
the rule and contrast rows that keep the other verdicts."""

from __future__ import annotations

import pytest

from mailer.parse.sizes import extract_sizes

B = 10**9
M = 10**6
K = 10**3


def roles(text: str) -> dict[int, str]:
    return {size.params: size.role for size in extract_sizes(text)}


# "with only/just N", also at the end of a list "with" opens, or "with approximately N"
# after a common noun: the subject's efficiency claim, which ends a comparison's object.
SUBJECTS_COUNT_CLASS = [
    (
        "SE-RRMs achieve competitive performance with substantially less data augmentation"
        " and only 2 million parameters.",
        {2 * M: "own"},
    ),
    (
        "We introduce ORDER. ORDER reaches 6.0% Dice improvement on MK-UNet (81.3% vs. 75.3%)"
        " with 0.56 GFLOPs and just 42K parameters.",
        {42 * K: "own"},
    ),
    (
        "Experiments show that Mask2Flow-TSE achieves comparable performance to existing"
        " generative TSE methods with approximately 85M parameters.",
        {85 * M: "own"},
    ),
    (
        "The proposed features improve over coordinate baselines and enable transfer that"
        " frequently exceeds within-domain accuracy, using a lightweight MLP encoder with"
        " about 10^5 parameters.",
        {100 * K: "own"},
    ),
    # contrast: what a named model has, a count with no hedge, a plain compared object
    ("Our model outperforms GPT-3 with about 175B parameters.", {175 * B: "compared"}),
    (
        "It achieves performance comparable to Llama-2-70B with only 7B parameters.",
        {70 * B: "compared", 7 * B: "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), SUBJECTS_COUNT_CLASS)
def test_a_count_played_down_or_told_roughly_is_the_subjects(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# "with N parameters" right after a name is that model's size, not a testbed the comparison
# runs on; a bare count after a common noun still is one ("by 3 points with 1.5B and 7B models").
NAMED_COUNT_CLASS = [
    (
        "We propose SeedPolicy. Compared to vision-language-action models such as RDT with"
        " 1.2B parameters, SeedPolicy achieves competitive performance.",
        {1200 * M: "compared"},
    ),
    # contrast: the testbed of a margin, a testbed named after "with"
    (
        "Our CurES outperforms GRPO by +3.30 points and +4.82 points with 1.5B and 7B models.",
        {1500 * M: "own", 7 * B: "own"},
    ),
    ("Our method beats PPO by 4 points with the Llama-3.2-3B model.", {3 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), NAMED_COUNT_CLASS)
def test_a_bare_count_after_a_name_is_what_that_model_has(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected
