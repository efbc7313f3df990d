"""What a comparison's object is, read from the words around a size (issue 12, own-size
recall on unseen text, tune6): a range is one object, and a base word heading the sized
phrase makes the object the paper's own starting point. Table-driven: each class has rows
that fail without the rule and contrast rows that keep the compared verdicts."""

from __future__ import annotations

import pytest

from mailer.parse.sizes import extract_sizes

B = 10**9
M = 10**6


def roles(text: str) -> dict[int, str]:
    return {size.params: size.role for size in extract_sizes(text)}


# An ascending range "from A to B" is one object: "from" before its lower end is not where
# a distillation's data comes from, however far back a distill word is in the sentence.
# A range that goes down ("from 70B to 8B") is a transfer from one model to another.
RANGE_CLASS = [
    (
        "We distill all findings into guidelines and validate them across the Qwen3 series,"
        " ranging from 0.6B to 30B, demonstrating robustness.",
        {600 * M: "own", 30 * B: "own"},
    ),
    (
        "A distilled model family ranging from 1B to 8B parameters is released.",
        {1 * B: "own", 8 * B: "own"},
    ),
    (
        "Distilled students scale from 7 to 70 billion parameters in our runs.",
        {7 * B: "own", 70 * B: "own"},
    ),
    (
        "We distilled them into smaller models ranging from 17M-170M parameters.",
        {17 * M: "own", 170 * M: "own"},
    ),
    # contrast: a transfer down, a teacher with an article, a comparison before the range
    ("We distill from 70B to 8B.", {70 * B: "compared", 8 * B: "own"}),
    (
        "We distill knowledge from a 70B teacher to a 7B student.",
        {70 * B: "compared", 7 * B: "own"},
    ),
    (
        "Unlike prior models ranging from 7B to 70B, our 1B model runs on phones.",
        {7 * B: "compared", 70 * B: "compared", 1 * B: "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), RANGE_CLASS)
def test_an_ascending_range_is_one_object_not_a_source(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A base word heading the sized phrase ("the unadapted X-8B backbone", "the X-7B base
# model") makes a comparison's object the model the paper starts from: its own, as "the
# base model (X-8B)" already is. A role word there ("baseline", "teacher") still compares.
BASE_HEAD_CLASS = [
    (
        "LBM fine-tuning improves behavioral prediction relative to the unadapted"
        " Llama-3.1-8B-Instruct backbone and performs comparably to frontier baselines.",
        {8 * B: "own"},
    ),
    (
        "Our method improves accuracy by 4 points over the Qwen2.5-7B base model.",
        {7 * B: "own"},
    ),
    (
        "The adapted model outperforms the Mistral-7B backbone on all tasks.",
        {7 * B: "own"},
    ),
    # contrast: no base word, or a role word heading the phrase
    ("Our 1B model outperforms the Llama-2-70B model.", {1 * B: "own", 70 * B: "compared"}),
    (
        "Relative to the Llama-3-70B baseline, our 8B model is 3x faster.",
        {70 * B: "compared", 8 * B: "own"},
    ),
    (
        "Our 1B model outperforms Llama-2-70B, a strong backbone for many systems.",
        {1 * B: "own", 70 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), BASE_HEAD_CLASS)
def test_a_base_word_heading_the_sized_phrase_makes_it_the_papers_start(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A sentence that opens with a comparison phrase ("Compared to X, ...", "Relative to X,
# ...") ends the comparison's object at its comma, as a subordinate clause ("While X, ...")
# already did: the sized model of the main clause is not the other side. A comma that only
# goes on listing names ("Compared to GPT-4, Llama-2-70B and ...") does not end it.
FRONTED_COMPARISON_CLASS = [
    (
        "Compared to its dense counterpart, the pruned Llama-2-13B retains 95% of accuracy.",
        {13 * B: "own"},
    ),
    ("Compared to the teacher, the distilled 1.1B student is 4x faster.", {1100 * M: "own"}),
    ("Relative to greedy decoding, the fine-tuned Qwen2.5-7B gains 5 points.", {7 * B: "own"}),
    # contrast: the sized model inside the phrase, or in a list the comma continues
    ("Compared to Llama-2-70B, our 7B model is faster.", {70 * B: "compared", 7 * B: "own"}),
    (
        "Compared to GPT-4, Llama-2-70B and Claude, our 8B model is cheaper.",
        {70 * B: "compared", 8 * B: "own"},
    ),
    ("Relative to the 70B teacher, the student loses 2 points.", {70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), FRONTED_COMPARISON_CLASS)
def test_a_fronted_comparison_phrase_ends_at_its_comma(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A modal ("could", "might", "would") makes a size hypothetical only when its model is
# indefinite, a model in general ("a 52B MoE might perform like a 6.7B dense model"); a
# definite one ("the resulting 7B model"), once the authors have spoken, is a model the
# text already has.
DEFINITE_MODAL_CLASS = [
    (
        "We train RISE. The resulting 7B model could serve as a drop-in replacement for larger"
        " systems.",
        {7 * B: "own"},
    ),
    (
        "We quantize RISE. This 1.5B model might run on a phone after quantization.",
        {1500 * M: "own"},
    ),
    # contrast: indefinite models, or a definite one before the authors speak
    ("The 175B model would require eight GPUs. We propose RISE.", {175 * B: "unknown"}),
    (
        "For instance, a pre-trained MoE-based LLM with 52 billion parameters might perform"
        " comparably to a standard model with 6.7 billion parameters.",
        {52 * B: "unknown", 6700 * M: "unknown"},
    ),
    ("With this recipe, a 1.5B model would reach 60% on MATH500.", {1500 * M: "unknown"}),
]


@pytest.mark.parametrize(("text", "expected"), DEFINITE_MODAL_CLASS)
def test_a_modal_on_a_definite_model_is_no_hypothetical(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A sentence that opens with the paper's own runs or contribution, once the authors have
# spoken, speaks for them as "we" and "our" do: the models its "like"/"such as" names are the ones the paper runs.
# Others' runs ("Previous experiments", "Their results") still give examples of others'.
OWN_SUBJECT_CLASS = [
    (
        "We propose RISE. Experiments on LLMs like Llama-2-7B and Mistral-7B show consistent"
        " gains.",
        {7 * B: "own"},
    ),
    (
        "We propose RISE. Extensive evaluations on models such as Qwen2.5-7B confirm the"
        " improvements.",
        {7 * B: "own"},
    ),
    (
        "We introduce a pruning rule. The method transfers to larger models such as"
        " Llama-2-70B without retraining.",
        {70 * B: "own"},
    ),
    ("We propose RISE. The proposed approach also helps models like Mistral-7B.", {7 * B: "own"}),
    # contrast: others' runs, before the authors speak, or no subject of the paper's
    (
        "Previous experiments on LLMs like GPT-3 175B found emergent abilities.",
        {175 * B: "compared"},
    ),
    (
        "Results on models like GPT-3 175B have shown emergent abilities. We propose RISE.",
        {175 * B: "compared"},
    ),
    ("Their results on models such as Llama-2-70B are not reproducible.", {70 * B: "compared"}),
    (
        "LLMs like PaLM 540B and Llama-3.1 405B face limitations.",
        {540 * B: "compared", 405 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), OWN_SUBJECT_CLASS)
def test_the_papers_runs_or_method_as_subject_speak_for_the_authors(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A bound on the models the authors select or study bounds their own set, as a bound on the
# models they train already did ("We train models with over 5 billion parameters"); a bound
# on the models they compare with still names others.
SELECTED_BOUND_CLASS = [
    (
        "We select open-weight models with fewer than 10B parameters for our study.",
        {10 * B: "own"},
    ),
    ("Our study covers 15 LLMs under 10B parameters.", {10 * B: "own"}),
    # contrast: the bound of the other side
    (
        "Our 8B model outperforms open models with fewer than 70B parameters.",
        {8 * B: "own", 70 * B: "compared"},
    ),
    ("We compare against models under 10B.", {10 * B: "compared"}),
    ("We evaluate against open models with fewer than 10B parameters.", {10 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), SELECTED_BOUND_CLASS)
def test_a_bound_on_the_models_the_authors_select_is_their_own(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A role noun ("teacher", "judge", "baseline") names others' model unless the words after
# it say the authors made it: "the X-7B teacher we fine-tune", "a 70B judge trained on our
# data" (as "our 70B teacher" and "We train J4R, a 7B judge" already were).
MADE_ROLE_CLASS = [
    (
        "The Qwen2.5-7B teacher we fine-tune on our data guides a 0.5B student.",
        {7 * B: "own", 500 * M: "own"},
    ),
    (
        "We release a 7B reward model and a 70B judge trained on our data.",
        {7 * B: "own", 70 * B: "own"},
    ),
    # contrast: a role in a clause of its own, or made by others
    (
        "Using Qwen2.5-72B-Instruct as the judge, we score our 1.5B model.",
        {72 * B: "compared", 1500 * M: "own"},
    ),
    ("We use Qwen2.5-72B as the judge of our outputs.", {72 * B: "compared"}),
    (
        "A 7B student is distilled from a 70B teacher trained on web-scale data.",
        {7 * B: "own", 70 * B: "compared"},
    ),
    (
        "Qwen2.5-72B is the teacher and we train a 7B student on its outputs.",
        {72 * B: "compared", 7 * B: "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), MADE_ROLE_CLASS)
def test_a_role_noun_the_authors_made_is_their_own(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# "among" sets a subject in a set: the set's named members are the others ("the best among
# open models such as X-70B"), but a size right after "among" names the class the paper's
# model is in ("new SOTA among 7B-class models"), as a count names the studied set ("Among
# 18 open models ...").
AMONG_CLASS = [
    ("It achieves new SOTA performance among 7B-class small models.", {7 * B: "own"}),
    (
        "With almost no performance loss, it is the first among 100B-scale models to do so.",
        {100 * B: "own"},
    ),
    # contrast: named members of the set
    (
        "Our model achieves the best results among open models such as Llama-3-70B.",
        {70 * B: "compared"},
    ),
    (
        "Our model ranks first among Llama-3-70B, Qwen2-72B and Mixtral.",
        {70 * B: "compared", 72 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), AMONG_CLASS)
def test_a_size_right_after_among_names_the_papers_class(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# "the full 3.3B model", "the uncompressed X-7B": the model before the paper's compression,
# its own starting point, like "the base model (X-8B)".
UNCOMPRESSED_CLASS = [
    (
        "The distilled models achieved an inference of up to 4.5x faster than the full 3.3B model.",
        {3300 * M: "own"},
    ),
    ("Our 4-bit model is as accurate as the unquantized Llama-2-13B.", {13 * B: "own"}),
    # contrast: another model, not the one compressed
    ("Our 1B model outperforms the Llama-2-70B model.", {1 * B: "own", 70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), UNCOMPRESSED_CLASS)
def test_the_model_before_compression_is_the_papers_start(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A cost the paper's method cuts is its result, like a cost it calls small: only a cost that
# burdens makes a size others'.
REDUCED_COST_CLASS = [
    (
        "For LLaMA-3.1-70B, QLoRAM reduces the parameter storage cost by 8x.",
        {70 * B: "own"},
    ),
    # contrast: costs that burden
    ("Training a 175B model from scratch costs millions of dollars.", {175 * B: "compared"}),
    ("Serving a 70B model is prohibitively expensive.", {70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), REDUCED_COST_CLASS)
def test_a_cost_the_method_cuts_is_its_result(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A size the text calls the paper's model's own scale ("same-scale (4B) agents") is that
# model's size, whoever else has it; a base word a word after the size still heads its
# phrase ("the X-8B pretrained base model").
SAME_SCALE_CLASS = [
    (
        "Our agents improve to 55.3%, significantly outperforming same-scale (4B) agents and"
        " even matching larger ones.",
        {4 * B: "own"},
    ),
    (
        "It achieves up to +187.8% higher Hit@1 compared to the DeepSeek-R1-Distill-Llama-8B"
        " pretrained base model.",
        {8 * B: "own"},
    ),
    # contrast: a larger class, a named other model
    ("Our 1B model outperforms larger 7B models.", {1 * B: "own", 7 * B: "compared"}),
    ("Our 1B model outperforms the Llama-2-70B model.", {1 * B: "own", 70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), SAME_SCALE_CLASS)
def test_the_papers_own_scale_is_its_size(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A bound on what one named model has ("the OPT-175B with more than 175 billion
# parameters") is that model's size, not a class of others' models; and the object of an
# improving verb is the paper's testbed even when the text calls it a baseline.
NAMED_BOUND_AND_IMPROVED_CLASS = [
    (
        "This allows us to fine-tune extraordinarily large models, such as the OPT-175B with"
        " more than 175 billion parameters, on a single GPU.",
        {175 * B: "own"},
    ),
    (
        "We fine-tune GPT-3 with more than 175 billion parameters on a single node.",
        {175 * B: "own"},
    ),
    ("Reward shaping improves a matched 7B baseline from 31.10% to 60.06%.", {7 * B: "own"}),
    # contrast: a class of models, a baseline on the other side of "over"
    ("Open models with fewer than 10B parameters still trail GPT-4.", {10 * B: "compared"}),
    ("Our method improves over the 7B baseline by 4 points.", {7 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), NAMED_BOUND_AND_IMPROVED_CLASS)
def test_a_named_models_bound_and_an_improved_baseline_are_the_papers(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A sentence that opens with a participle phrase ends it at its comma, like a subordinate
# clause: its source or comparison does not reach the sized model of the main clause.
PARTICIPLE_PHRASE_CLASS = [
    ("Distilled from GPT-4, the 7B student outperforms strong baselines.", {7 * B: "own"}),
    (
        "Designed for unified multimodal integration into a single model rather than separate"
        " modality-specific pipelines, HyperCLOVA X 8B Omni serves as an omni model.",
        {8 * B: "own"},
    ),
    (
        "By consolidating understanding and generation into a single model rather than"
        " separate pipelines, HyperCLOVA X 8B Omni serves as an omni model.",
        {8 * B: "own"},
    ),
    # contrast: the size inside the phrase, or in a list the comma continues
    (
        "Outperforming GPT-4, Llama-2-70B and Claude, our model is cheap.",
        {70 * B: "compared"},
    ),
    (
        "Using Qwen2.5-72B-Instruct as the judge, we score our 1.5B model.",
        {72 * B: "compared", 1500 * M: "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), PARTICIPLE_PHRASE_CLASS)
def test_an_opening_participle_phrase_ends_at_its_comma(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected
