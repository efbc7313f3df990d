"""extract_sizes: what the words around a size say it counts (issue 12, tune7).

One table per class of misses read on the tuning splits (tune7, tune5), each a principle:
sentences of our own, written before the fix; the rows marked "new" fail on the code before
it, the others pass on both (contrast rows).
"""

from __future__ import annotations

import pytest

from mailer.parse.sizes import extract_sizes

K, M, B = 10**3, 10**6, 10**9


def params(text: str) -> list[int]:
    return [size.params for size in extract_sizes(text)]


# A noun after a preposition is its object, not what the size counts: the words a size
# counts end at "across", "at", "among"... (t7-070 "Llama-3.3-70B across four benchmarks").
PREPOSITION_CLASS = [
    # new
    ("We evaluate GPT-4o-mini and Llama-3.3-70B across four benchmarks.", [70 * B]),
    ("The 13B against two benchmarks wins.", [13 * B]),
    ("Phi-3-14B within two hours of tuning matches it.", [14 * B]),
    ("Gemma-7B under three prompts scores best.", [7 * B]),
    # contrast: already read so, or still counts of things
    ("We collect 2M images across ten domains.", []),
    ("The corpus holds 3B tokens across 40 languages.", []),
    ("It is pretrained on LAION-5B across two stages.", []),
    ("They release 1.5M questions at three difficulty levels.", []),
]


@pytest.mark.parametrize(("text", "expected"), PREPOSITION_CLASS)
def test_a_noun_after_a_preposition_is_not_what_a_size_counts(
    text: str, expected: list[int]
) -> None:
    assert params(text) == expected


# A data word followed by descriptive words and a model noun modifies that noun: "1.3B video
# generative models" are models (t7-053), as "a 1.3B video model" already was.
MODIFIER_CLASS = [
    # new
    ("Its cost is lower than that of 1.3B video generative models.", [1_300 * M]),
    ("We compare with 2B text diffusion models.", [2 * B]),
    ("A 7B image editing model is released.", [7 * B]),
    # contrast: still counts of things
    ("We train on 1.3B video clips.", []),
    ("It holds 2B text captions for generative models.", []),
    ("They release 5B image pairs of diffusion models.", []),
    ("A 1.3B video model generates clips.", [1_300 * M]),
    ("Llama2 performance with 0.1M dollars large language models", []),  # a plural heads
]


@pytest.mark.parametrize(("text", "expected"), MODIFIER_CLASS)
def test_a_data_word_before_a_model_noun_is_a_modifier(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A size followed by a list of capitalised qualifiers counts the noun after the list:
# "140B Slovene, English, Bosnian, Serbian, and Croatian pretraining tokens" (t7-020), as
# "82B English, 20B Chinese and 5B code tokens" already did.
QUALIFIER_LIST_CLASS = [
    # new
    (
        "We train on 140B Slovene, English, Bosnian, Serbian, and Croatian pretraining tokens.",
        [],
    ),
    ("The mix has 30B German, French and Italian tokens and a 7B model.", [7 * B]),
    ("It adds 2B Python, Java, and Rust code samples.", []),
    # contrast: sizes before a list of names still count
    ("We compare 7B Llama, Mistral, and Qwen models.", [7 * B]),
    ("We fine-tune Qwen3-8B, Llama, and Gemma on math.", [8 * B]),
]


@pytest.mark.parametrize(("text", "expected"), QUALIFIER_LIST_CLASS)
def test_a_size_before_a_list_of_qualifiers_counts_the_noun_after_the_list(
    text: str, expected: list[int]
) -> None:
    assert params(text) == expected


# Counts of web domains, sites and URLs are counts of things: "Top-1M domains" (t7-034) is a
# domain list, as "LAION-5B images" is an image set.
WEB_COUNT_CLASS = [
    # new
    ("Detectors are assessed using Top-1M domains as benign baselines.", []),
    ("We rank the Tranco-1M websites by traffic.", []),
    ("We filter WebPage-5M URLs by language.", []),
    # contrast: already read so, or sizes
    ("We crawl 20M websites for the corpus.", []),
    ("The list holds 3M URLs from Common Crawl.", []),
    ("A 7B multi-domain model is trained on it.", [7 * B]),
    ("We adapt Llama-2-13B to new domains.", [13 * B]),
]


@pytest.mark.parametrize(("text", "expected"), WEB_COUNT_CLASS)
def test_counts_of_domains_and_sites_are_no_sizes(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# "N additional parameters compared to X" is a difference of two models' sizes, like "N fewer
# parameters than X" (t5-006); "N additional parameters" alone is an adapter's own count.
ADDITIONAL_CLASS = [
    # new
    ("Nexus Prime needs only 8M additional parameters compared to the baseline.", []),
    ("It uses 3M extra parameters relative to LoRA.", []),
    ("The head costs 1.2M additional parameters over the base model.", []),
    # contrast: a difference already read so, an adapter's own parameter budget
    ("Our variant has 40M more parameters versus the original.", []),
    ("The adapter adds 2M additional parameters.", [2 * M]),
    ("With only 38M additional parameters, our model matches a 7B model.", [38 * M, 7 * B]),
    ("It trains 10M extra parameters, compared to 7B for full fine-tuning.", [10 * M, 7 * B]),
]


@pytest.mark.parametrize(("text", "expected"), ADDITIONAL_CLASS)
def test_additional_parameters_compared_to_a_model_are_a_difference(
    text: str, expected: list[int]
) -> None:
    assert params(text) == expected


# A name given as an example of models ("LLMs such as OPT-66B", "models like X-7B") is a
# model, whatever follows it: "LLMs such as OPT-66B forget rare facts" gives 66B (the
# issue's known miss; a verb after the name is not told from an adjective otherwise).
MODEL_EXAMPLE_CLASS = [
    # new
    ("LLMs such as OPT-66B forget rare facts.", [66 * B]),
    ("Models like Llama-3-70B memorize training examples verbatim.", [70 * B]),
    ("LLMs such as GPT-2, OPT-66B and Llama-2-70B forget rare facts.", [66 * B, 70 * B]),
    # contrast: already read so; examples of data sets stay data
    ("Open LLMs, including Qwen2.5-72B, hallucinate facts.", [72 * B]),
    ("Datasets such as LAION-5B contain unsafe images.", []),
    ("Corpora like WebVid-10M hold short clips.", []),
    ("LLMs trained on corpora such as RedPajama-1T memorize facts.", []),
]


@pytest.mark.parametrize(("text", "expected"), MODEL_EXAMPLE_CLASS)
def test_a_name_given_as_an_example_of_models_is_a_model(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# What a name is, said right after it: an appositive whose adjectives may be listed with
# commas ("UltraDexGrasp-20M, a large-scale, multi-strategy grasp dataset", t7-082) calls it
# data; a model noun or a training phrase before the data word says the name is the model
# ("Med-8B, a model fine-tuned on our clinical dataset").
APPOSITIVE_CLASS = [
    # new
    (
        "We curate UltraDexGrasp-20M, a large-scale, multi-strategy grasp dataset comprising"
        " 20 million frames across 1,000 objects.",
        [],
    ),
    ("We release Instruct-3M, a diverse, high-quality instruction corpus.", []),
    ("We release Med-8B, a model fine-tuned on our clinical dataset.", [8 * B]),
    # contrast: already read so (the commas must not let a model's description reach "corpus")
    ("We release Chem-7B, a compact, open model trained on a new chemistry corpus.", [7 * B]),
    ("We release Ditto-1M, a dataset of edits.", []),
    ("We release Foo-7B, a compact, open model for chemistry.", [7 * B]),
    ("We build WebVid-10M, the largest video-text benchmark.", []),
]


@pytest.mark.parametrize(("text", "expected"), APPOSITIVE_CLASS)
def test_an_appositive_after_a_name_says_whether_it_is_data(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A noun glued to a size by a hyphen is what it counts: "our 1M-budget variant" (t7-103, a
# budget of Gaussians), "a 2T-token corpus"; "a 7B-parameter model" and "a 1.3B-scale model"
# stay sizes, and so does a size beside an unglued description ("a 1.3B video model").
HYPHEN_HEAD_CLASS = [
    # new
    ("Our 1M-budget variant outperforms the MCMC baseline.", []),
    ("The 5M-image variant trains faster than the 1M-image one.", []),
    # contrast: already read so
    ("We train a 7B-parameter model.", [7 * B]),
    ("We train a 1.3B-scale model.", [1300 * M]),
    ("We train a 1.3B video model.", [1300 * M]),
    ("We pretrain on a 2T-token corpus.", []),
]


@pytest.mark.parametrize(("text", "expected"), HYPHEN_HEAD_CLASS)
def test_a_noun_glued_to_a_size_is_what_it_counts(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A size in parentheses takes the lead of the words before them: "vocabulary size (65K for
# 16-bit; 16.7M for 24-bit)" gives vocabulary sizes (t7-101); "model size (7B for the base;
# 13B for the large)" gives model sizes.
PARENTHESIS_LEAD_CLASS = [
    # new
    ("It is intractable due to vocabulary size (65K for 16-bit; 16.7M for 24-bit).", []),
    # contrast: already read so; a model's size in parentheses, a lead outside them
    ("We vary the context window (32K for short; 1M for long inputs).", []),
    ("We vary the model size (7B for the base; 13B for the large).", [7 * B, 13 * B]),
    ("We fine-tune Llama-2 (7B) with a vocabulary of 32K.", [7 * B]),
]


@pytest.mark.parametrize(("text", "expected"), PARENTHESIS_LEAD_CLASS)
def test_a_size_in_parentheses_takes_the_lead_before_them(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A parameter count written as a plain number is a size (tests/data/sizes/BLIND4.md: plain
# numbers count): "only 552 learnable parameters" (t7-124), "32,000 parameters"; a single
# digit is the form of a function, not a network ("a 3 parameters fit"), and a number before
# another word is no parameter count.
PLAIN_COUNT_CLASS = [
    # new
    ("The entire model contains only 552 learnable parameters.", [552]),
    ("Our probe uses approximately 32,000 parameters.", [32000]),
    ("The head has 1,200 trainable parameters and runs on a microcontroller.", [1200]),
    # contrast
    ("We fit a curve with 3 parameters.", []),
    ("We tune 12 hyperparameters on 552 images.", []),
    ("The model is parameterized by 40 layers.", []),
    ("It reaches 552 FPS with 10M parameters.", [10 * M]),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN_COUNT_CLASS)
def test_a_plain_number_of_parameters_is_a_size(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A dotted version number glued after a count puts the count inside a name ("FAIR-1M-2.0",
# a data set's release, t7-143); a range has a scale after its second number; a model's
# version is written with "v"
VERSION_NAME_CLASS = [
    # new
    ("Extensive experiments on DOTA-1.0, DIOR-R, and FAIR-1M-2.0 demonstrate it.", []),
    ("Scores of Bench-10M-1.5 rise with scale.", []),
    # contrast
    ("We train models of 1B-2.7B parameters.", [1 * B, 2700 * M]),
    ("We release Foo-7B-v1.5, a model tuned for chat.", [7 * B]),
    ("Our 7B-A1.5B model is sparse.", [1500 * M, 7 * B]),
]


@pytest.mark.parametrize(("text", "expected"), VERSION_NAME_CLASS)
def test_a_count_before_a_version_number_is_part_of_a_name(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A power of ten right before "parameters" is a plain count ("about 10^5 parameters",
# t7-150), with its factor when it has one; elsewhere a power of ten counts steps or data
POWER_COUNT_CLASS = [
    # new
    ("We use a lightweight MLP encoder with about 10^5 parameters.", [100 * K]),
    ("A tiny net of $1.2 \\times 10^{6}$ trainable parameters.", [1200 * K]),
    ("The probe has 2x10^4 parameters.", [20 * K]),
    # contrast
    ("We sweep 10^5 steps with 7B parameters.", [7 * B]),
    ("The loss scales as N^5 in the parameters.", []),
    ("An encoder with 10^2 parameters.", []),
]


@pytest.mark.parametrize(("text", "expected"), POWER_COUNT_CLASS)
def test_a_power_of_ten_of_parameters_is_a_size(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A rate unit after a count makes it a throughput, not a size: "500M SPS" (steps per
# second, t7-180), frames, tokens and queries per second; a size's own rate stays apart
RATE_CLASS = [
    # new
    (
        "PokeJAX, the first GPU-parallel battle simulator (500M SPS random action, 15.2M SPS PPO)",
        [],
    ),
    ("The engine reaches 1.2B SPS on one GPU.", []),
    ("The serving stack sustains 2B TPS across the cluster.", []),
    # contrast
    ("Our 7B model runs at 40 TPS.", [7 * B]),
    ("At 200M parameters, the simulator overhead is below 4%.", [200 * M]),
]


@pytest.mark.parametrize(("text", "expected"), RATE_CLASS)
def test_a_count_of_a_rate_is_no_size(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# "4--12B": a TeX en dash written as two hyphens joins a range like "-" and "–" do (t7-185);
# a name before it still keeps its number ("Llama 2--7B" is 7B)
TEX_DASH_RANGE_CLASS = [
    # new
    ("Instruction-tuned LLMs at 4--12B parameters achieve competitive scores.", [4 * B, 12 * B]),
    ("We train models of 1--7B parameters.", [1 * B, 7 * B]),
    # contrast
    ("We train models of 1-7B parameters.", [1 * B, 7 * B]),
    ("Small transformers (3.5M--86M parameters) are trained.", [3500 * K, 86 * M]),
    ("We compare Llama 2--7B and others.", [7 * B]),
]


@pytest.mark.parametrize(("text", "expected"), TEX_DASH_RANGE_CLASS)
def test_a_tex_dash_joins_a_range(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# "X-only" after a singular data word belongs to that modifier: "a 70M text-only encoder" is
# a size (t7-211); a plural data word still heads its phrase ("10M text-only documents")
DATA_ONLY_MODIFIER_CLASS = [
    # new
    ("We distil it into a 70M text-only encoder.", [70 * M]),
    ("A 125M image-only encoder is trained.", [125 * M]),
    # contrast
    ("It is trained on 10M text-only documents.", []),
    ("We collect 2M images only for pretraining.", []),
    ("We distil it into a 70M text encoder.", [70 * M]),
]


@pytest.mark.parametrize(("text", "expected"), DATA_ONLY_MODIFIER_CLASS)
def test_a_data_word_with_only_modifies_the_model_noun(text: str, expected: list[int]) -> None:
    assert params(text) == expected
