"""What a cue's words reach (issue 12, own sizes on unseen text, tune8): a consequence
opens a clause of its own, a run left to future work is no run of the paper's, a method run
on a model the paper beats is a baseline setting unless a cost is compared on that model,
a "than" of a belief compares with no model. Table-driven: each class has rows that fail
without the rule and contrast rows that keep the other verdicts."""

from __future__ import annotations

import pytest

from mailer.parse.sizes import extract_sizes

B = 10**9
M = 10**6


def roles(text: str) -> dict[int, str]:
    return {size.params: size.role for size in extract_sizes(text)}


# "so", "thus", "hence", "therefore" open a clause of their own: the authors speaking after
# one do not speak of the size before it.
CONSEQUENCE_CLASS = [
    (
        "Training a 175B model costs millions, so we train a 1B model.",
        {175 * B: "compared", 1 * B: "own"},
    ),
    (
        "Serving a 70B model is prohibitively expensive, hence we distill it into our 3B model.",
        {70 * B: "compared", 3 * B: "own"},
    ),
    # contrast: the authors speak before the size, or of it in the same clause
    ("Our 7B model is small, so it runs on a phone.", {7 * B: "own"}),
    ("We train a 1B model, so training costs stay low.", {1 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), CONSEQUENCE_CLASS)
def test_a_consequence_opens_a_clause_of_its_own(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A run the paper leaves to future work is not among its experiments: unknown, never own.
FUTURE_WORK_CLASS = [
    (
        "We train a 7B model. The same recipe on Llama-3-70B is left to future work.",
        {7 * B: "own", 70 * B: "unknown"},
    ),
    (
        "We train a 7B model and leave the 70B run to future work.",
        {7 * B: "own", 70 * B: "unknown"},
    ),
    ("Scaling our method to 405B models remains future research.", {405 * B: "unknown"}),
    ("In future work, we will train a 70B model.", {70 * B: "unknown"}),
    ("We will scale to 70B in future research.", {70 * B: "unknown"}),
    # contrast: future work that leaves nothing undone, a 7B run done before "and"
    ("Our 7B model paves the way for future work.", {7 * B: "own"}),
    ("We release our 13B model to support future research.", {13 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), FUTURE_WORK_CLASS)
def test_a_run_left_to_future_work_is_not_the_papers(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A method run on a model that the paper beats or sets beside its own ("outperforms full
# fine-tuning of X-70B") is a baseline setting of another model; when the sentence compares
# a cost, the cost is measured on one model, the paper's testbed. "full" qualifying a method
# ("full fine-tuning") does not make the model the paper's start, as "the full 3.3B model" does.
METHOD_SETTING_CLASS = [
    (
        "LoRA-X outperforms full fine-tuning of Llama-2-70B on GSM8K.",
        {70 * B: "compared"},
    ),
    (
        "We propose LoRA-X and compare it with full fine-tuning of a 34B Code Llama.",
        {34 * B: "compared"},
    ),
    (
        "Our adapter matches standard fine-tuning of Llama-2-13B on every task.",
        {13 * B: "compared"},
    ),
    # contrast: a cost compared on the testbed, "full" on the model itself
    (
        "Relative to full fine-tuning of Gemma-2-9B, our method trains 20x faster.",
        {9 * B: "own"},
    ),
    (
        "Compared with standard fine-tuning of Llama-2-13B, our adapter uses 90% less memory.",
        {13 * B: "own"},
    ),
    ("Our pruned model is 2x faster than the full 3.3B model.", {int(3.3 * B): "own"}),
]


@pytest.mark.parametrize(("text", "expected"), METHOD_SETTING_CLASS)
def test_a_method_run_on_a_beaten_model_is_a_baseline_setting(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# "than previously thought", "than expected": the comparison is with a belief, not a model.
BELIEF_THAN_CLASS = [
    (
        "We show that implicit planning is present in smaller models than previously thought,"
        " starting from 1B parameters.",
        {1 * B: "own"},
    ),
    ("We find the skill emerges earlier than expected, in our 350M model.", {350 * M: "own"}),
    # contrast: "than" before a model
    ("Our 1B model is more accurate than Llama-2-7B.", {1 * B: "own", 7 * B: "compared"}),
    (
        "Our 1B model scores higher than previously reported 7B models.",
        {1 * B: "own", 7 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), BELIEF_THAN_CLASS)
def test_a_than_of_a_belief_compares_with_no_model(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A margin ("by 3 points") ends a comparison's object, unless "and"/"or" joins another
# object of the same comparison with only names between: "surpassing X by +7.0 and Y-7B by
# +10.7" compares with Y-7B too; a new verb after "and" is a new clause.
NEXT_OBJECT_CLASS = [
    (
        "On ReasonSeg, GenSeg-R1-4B reaches 68.4% mIoU, surpassing Seg-Zero-7B by +7.0 and"
        " Seg-R1-7B by +10.7 points.",
        {4 * B: "own", 7 * B: "compared"},
    ),
    (
        "Our method beats PPO by 4 points and Llama-2-13B by 2 points.",
        {13 * B: "compared"},
    ),
    # contrast: a new verb after the margin's "and", a setting after the margin
    (
        "Our method outperforms baselines by 4% and leads to the first 3B model with this skill.",
        {3 * B: "own"},
    ),
    ("Our method beats PPO by 4 points on Llama-2-13B.", {13 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), NEXT_OBJECT_CLASS)
def test_a_second_object_after_a_margin_is_still_compared(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# "approaching X" sets the paper's model beside X like "rivaling X"; "approaching 10B
# parameters" right before a size is a bound, like "exceeding".
APPROACHING_CLASS = [
    (
        "MMFineReason-8B even outperforms Qwen3-VL-30B while approaching Qwen3-VL-32B-Thinking.",
        {8 * B: "own", 30 * B: "compared", 32 * B: "compared"},
    ),
    (
        "Our 1B model, approaching 7B models on MMLU, is released.",
        {1 * B: "own", 7 * B: "compared"},
    ),
    ("Models approaching 100B parameters dominate the leaderboards.", {100 * B: "compared"}),
    # contrast: a bound on the models the authors train
    ("We train models approaching 10B parameters.", {10 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), APPROACHING_CLASS)
def test_approaching_a_model_compares_with_it(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A bound word before a range's upper end ("from 51M to over 2B") belongs to the range, one
# object: no threshold on a class of others' models.
RANGE_BOUND_CLASS = [
    (
        "Our parameterization enables reliable HP transfer across models from 51M to over 2B"
        " total parameters.",
        {51 * M: "own", 2 * B: "own"},
    ),
    ("We train models from 1B to more than 10B parameters.", {1 * B: "own", 10 * B: "own"}),
    # contrast: the range of others' models, a bound outside a range
    (
        "Unlike prior models ranging from 7B to over 70B, our 1B model runs on phones.",
        {7 * B: "compared", 70 * B: "compared", 1 * B: "own"},
    ),
    (
        "Our 1B model is evaluated against models with over 10B parameters.",
        {1 * B: "own", 10 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), RANGE_BOUND_CLASS)
def test_a_bound_at_a_ranges_upper_end_is_the_range(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A bound that ends what the paper's method improves names the class the method is for:
# its own models. The name a title opens with before its colon is the paper's own name.
IMPROVED_CLASS_CLASS = [
    (
        "RPO-RAG: Aligning Small LLMs for KGQA\n\nOverall, RPO-RAG substantially improves the"
        " reasoning capability of small LLMs, even under 3B parameters.",
        {3 * B: "own"},
    ),
    ("We improve reasoning in models under 3B parameters.", {3 * B: "own"}),
    # contrast: "improves over" gives the other side; no improving verb; a title name that
    # the text does not use
    ("Our method improves over models with fewer than 10B parameters.", {10 * B: "compared"}),
    ("Our method beats models under 10B parameters.", {10 * B: "compared"}),
    (
        "RPO-RAG: Aligning Small LLMs\n\nPrior systems rely on models above 7B parameters.",
        {7 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), IMPROVED_CLASS_CLASS)
def test_a_bound_on_what_the_method_improves_is_the_papers_class(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# The sized phrase goes on through a number format ("BF16", "INT4": no other model) to its
# role noun, and through compound modifiers back to a background adjective ("traditional
# full-attention 8B models").
SIZED_PHRASE_CLASS = [
    (
        "Validation on the prototype demonstrates that while 600B-parameter scale BF16"
        " baselines collapse in chaotic systems, Halo maintains zero divergence.",
        {600 * B: "compared"},
    ),
    (
        "Our model supports contexts of up to 1M tokens, a scale where traditional"
        " full-attention 8B models fail because of memory constraints.",
        {8 * B: "compared"},
    ),
    (
        "Existing decoder-only 70B models are too costly, so we design a 1B model.",
        {70 * B: "compared", 1 * B: "own"},
    ),
    # contrast: a model name after the size ends its phrase; a verb between the adjective
    # and the size
    (
        "We fine-tune our 7B model with Llama-3-70B baselines.",
        {7 * B: "own", 70 * B: "compared"},
    ),
    ("Existing methods fine-tune our 7B model.", {7 * B: "own"}),
    ("We quantize our 7B model to INT4 weights.", {7 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), SIZED_PHRASE_CLASS)
def test_the_sized_phrase_reaches_its_role_noun_and_adjective(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# Two parameter counts in brackets after a count noun restate the two sides in order: the
# first is the sentence's subject's, the paper's once the authors have spoken (unless the
# subject is others' work); "parity" pairs two models the authors matched.
COUNT_PAIR_CLASS = [
    (
        "We introduce NaVIDA. Experiments show that NaVIDA achieves superior performance"
        " compared to state-of-the-art methods with fewer parameters (3B vs. 8B).",
        {3 * B: "own", 8 * B: "compared"},
    ),
    (
        "We replace the Transformer blocks in TRM with Mamba-2 hybrid operators while"
        " maintaining parameter parity (6.83M vs 6.86M parameters).",
        {6_830_000: "own", 6_860_000: "own"},
    ),
    # contrast: others' work as the subject, the authors not yet speaking, no count noun
    (
        "We propose X. Prior systems need more parameters (70B vs. 7B).",
        {70 * B: "compared", 7 * B: "compared"},
    ),
    (
        "We propose X. It beats the strongest baselines (7B vs. 13B) on every task.",
        {7 * B: "compared", 13 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), COUNT_PAIR_CLASS)
def test_a_bracketed_pair_of_counts_gives_the_subjects_side_first(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A sized model "without it" / "without our prior" lacks what the text just named: the
# paper's own ablation, whatever compares it.
ABLATION_CLASS = [
    (
        "Ablation studies reveal that structural priors outperform brute-force scaling: a"
        " 280K-parameter model with proper ordering matches a 65M-parameter model without it.",
        {280_000: "own", 65 * M: "own"},
    ),
    (
        "Our 1B model with our prior beats a 7B model without this prior.",
        {1 * B: "own", 7 * B: "own"},
    ),
    # contrast: another model's setting
    ("Our method outperforms a 70B model without retrieval.", {70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), ABLATION_CLASS)
def test_a_model_without_the_papers_method_is_its_ablation(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected
