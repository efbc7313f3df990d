"""extract_sizes: what a name carrying a number is, and what a number beside a noun or a
name counts (issue 12, tune10).

One table per class of misses read on the tuning splits (blind5, tune7), each a principle:
sentences of our own; the rows marked "new" fail on the code before (main 3bb07ca, checked),
the others pass on both (contrast rows).
"""

from __future__ import annotations

import pytest

from mailer.parse.sizes import extract_sizes

K, M, B = 10**3, 10**6, 10**9


def params(text: str) -> list[int]:
    return [size.params for size in extract_sizes(text)]


# A data set's name glued to its count is the data set's, hyphen or not: "DataComp1B" is
# "DataComp-1B" (b5-013); a model name glued to its size stays a size
GLUED_DATASET_CLASS = [
    # new
    ("Captions from three datasets (Re-LAION, DataComp1B, and Conceptual Captions).", []),
    ("We filter DataComp1B and WebLI10B by language.", []),
    # contrast
    ("We fine-tune LLaMA8B and MedAlpaca7B on notes.", [7 * B, 8 * B]),
    ("Captions from DataComp-1B are filtered.", []),
]


@pytest.mark.parametrize(("text", "expected"), GLUED_DATASET_CLASS)
def test_a_data_set_name_glued_to_its_count_is_no_size(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A name keeps its meaning through a text: once the words after it call "ASID-1M" a data
# set or collection, "trained on the ASID-1M" names that data set too (b5-066); "on the" is
# "on"; a "+" after a name's count ("A2Z-10M+") says "at least", a data set's size (t7-219)
DATA_NAME_CLASS = [
    # new
    (
        "We introduce ASID-1M, an open-source collection of annotations. "
        "Our captioner is trained on the ASID-1M.",
        [],
    ),
    ("The captioner is trained on the Ditto-2M.", []),
    ("A2Z-10M+: Geometric Deep Learning with BRep Annotations", []),
    ("We release Mesh-5M+ for shape learning.", []),
    # contrast
    ("We release Med-8M, a model fine-tuned on our notes. Med-8M beats GPT-2.", [8 * M]),
    ("Ditto-1M, a dataset of edits, is released.", []),
    ("The 70B+ models all fail.", [70 * B]),
]


@pytest.mark.parametrize(("text", "expected"), DATA_NAME_CLASS)
def test_a_name_called_data_once_is_data_everywhere(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# Names listed after "on" share what they are: "experiments on Atari 100K, Craftax 1M, and
# DeepMind Control 500K" lists benchmarks with their step budgets (b5-112): thousands after a
# name are never a model's size; without them ("on GPT-2 124M, GPT-2 355M") or in billions
# ("on Llama 7B, Mistral 7B") the names are models
LISTED_BENCHMARK_CLASS = [
    # new
    ("Experiments on Atari 100K, Craftax 1M, and DeepMind Control 500K show gains.", []),
    ("We evaluate on Craftax 1M and Atari 100K.", []),
    ("Results on Atari 100K, Craftax-Classic 1M and DMC 500K improve.", []),
    # contrast
    ("We evaluate on Llama 7B, Mistral 7B and Qwen 14B.", [7 * B, 14 * B]),
    ("We compare GPT-2 124M and Pythia 410M models.", [124 * M, 410 * M]),
    ("Experiments on Youtube-8M show gains.", []),
    ("Results on GPT-2 124M, GPT-2 355M and GPT-2 774M show gains.", [124 * M, 355 * M, 774 * M]),
    ("We build on Mamba 130M.", [130 * M]),
]


@pytest.mark.parametrize(("text", "expected"), LISTED_BENCHMARK_CLASS)
def test_names_listed_after_on_are_what_is_measured_on(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A dotted number of millions that a name carries bare elsewhere in the text is its version:
# "GigaBrain-0.5M*" beside "GigaBrain-0.5" is a release of GigaBrain 0.5 (b5-032); a capitalised name before a
# bracket keeps its number too: "(Qwen 3-30B)" is no 3-30B range (b5-148)
VERSION_CLASS = [
    # new
    ("We propose GigaBrain-0.5M*, built upon GigaBrain-0.5 and trained with RL.", []),
    ("Built upon Nova-1.5, our Nova-1.5M agent plans ahead.", []),
    ("It beats a baseline 8x its size (Qwen 3-30B) by far.", [30 * B]),
    ("It beats a baseline (Llama 2-13B) by far.", [13 * B]),
    # contrast
    ("Small models like Qwen 3-4B win.", [4 * B]),
    ("We train Llama-2-7B and compare it with Llama-2.", [7 * B]),
    ("We compare Gemma-2B, Gemma-7B and Gemma-2-9B with Gemma-2.", [2 * B, 7 * B, 9 * B]),
    ("We use X-1.5B and X-1.5 Pro.", [1_500 * M]),
    ("We train models (1-7B) from scratch.", [1 * B, 7 * B]),
]


@pytest.mark.parametrize(("text", "expected"), VERSION_CLASS)
def test_a_number_a_name_carries_bare_is_its_version(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A size in brackets right after a noun of things counts that noun: "mid-training tokens
# (73.1B)" (b5-087), as "vocabulary size (65K ...)" counts a vocabulary, unless the words
# after it in the bracket say what it counts ("8 GPUs (8B model)")
BRACKETED_COUNT_CLASS = [
    # new
    ("It uses less than half the mid-training tokens (73.1B).", []),
    ("The corpus has many images (5B) and captions.", []),
    ("Training samples (~2M) are filtered.", []),
    # contrast
    ("It beats GPT-3 (175B) on math.", [175 * B]),
    ("Our models (7B and 13B) win.", [7 * B, 13 * B]),
    ("Training on 8 GPUs (8B model) takes a day.", [8 * B]),
]


@pytest.mark.parametrize(("text", "expected"), BRACKETED_COUNT_CLASS)
def test_a_size_in_brackets_after_a_noun_counts_it(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A scale letter before an imaging word is a field strength: "7T fMRI" is 7 tesla (b5-067)
TESLA_CLASS = [
    # new
    ("Classification of meditation using 7T fMRI", []),
    ("Scans were taken on a 3T MRI scanner.", []),
    # contrast
    ("A 1T model is trained.", [10**12]),
]


@pytest.mark.parametrize(("text", "expected"), TESLA_CLASS)
def test_a_scale_letter_before_an_imaging_word_is_no_size(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A size counts what comes after the name it precedes: "the 27B Qwen-Image-Edit" is a model
# whose name holds "Image" (b5-029); "a 139M AED baseline" is a model, a baseline being one
# (b5-078); a name after millions is the name they sit beside, as one before them is ("the
# 1.5M ResNet-18 and"); "100M Image-Text pairs", "10M Objaverse-XL assets" still count things
SIZE_BEFORE_NAME_CLASS = [
    # new
    ("It surpasses the 27B Qwen-Image-Edit by 37% on UniREditBench.", [27 * B]),
    ("It beats the 12B Video-Gen-Pro on VBench.", [12 * B]),
    ("Our model improves WER over a 139M AED baseline on Librispeech.", [139 * M]),
    ("We compare with the 1.5M ResNet-18 and 11M ResNet-50 baselines.", [1_500 * K, 11 * M]),
    ("A 4M U-Net, trained for a day, wins.", [4 * M]),
    # contrast
    ("We compare against 7B and 13B baselines.", [7 * B, 13 * B]),
    ("We collect 100M Image-Text pairs.", []),
    ("It beats the 80B HunyuanImage by 28%.", [80 * B]),
    ("We train on 1M baseline samples.", []),
    ("We render the 10M Objaverse-XL assets.", []),
    ("We extract 23.5M generated relations.", []),
]


@pytest.mark.parametrize(("text", "expected"), SIZE_BEFORE_NAME_CLASS)
def test_a_size_before_a_name_counts_the_model(text: str, expected: list[int]) -> None:
    assert params(text) == expected


# A range of plain counts before "parameters" gives each end: "only 120--360 parameters"
# (b5-065), as "552 learnable parameters" gives one
PLAIN_RANGE_CLASS = [
    # new
    ("The classifier requires only 120--360 parameters.", [120, 360]),
    ("Each head has 40-80 trainable parameters.", [40, 80]),
    # contrast
    ("The model has only 552 learnable parameters.", [552]),
    ("A curve with 3 parameters fits.", []),
    ("It has 12--16B parameters.", [12 * B, 16 * B]),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN_RANGE_CLASS)
def test_a_range_of_plain_counts_of_parameters_gives_each_end(
    text: str, expected: list[int]
) -> None:
    assert params(text) == expected


# A bare whole number of millions before a plural model noun counts models: "for 1 million
# ABC CAD models" (t7-219). Nobody counts models in billions or fractions, and a size in
# words has "parameter", one model's noun or name, a determiner, "to", or a list
COUNT_OF_MODELS_CLASS = [
    # new
    ("It gives 10 million annotations for 1 million ABC CAD models.", []),
    ("Over 2 million models were uploaded to the hub.", []),
    # contrast
    ("We train a 13 billion LLM.", [13 * B]),
    ("The 1.5 billion Qwen model wins.", [1_500 * M]),
    ("Our 7 billion models win.", [7 * B]),
    ("We release 7 and 13 billion models.", [7 * B, 13 * B]),
    ("We scale up to 10 million models.", [10 * M]),
    ("It matches 1.3 billion models trained longer.", [1_300 * M]),
    ("It is compared with 7 billion models.", [7 * B]),
    ("The first 3 billion parameter language models appear.", [3 * B]),
]


@pytest.mark.parametrize(("text", "expected"), COUNT_OF_MODELS_CLASS)
def test_a_worded_number_before_plural_models_counts_them(text: str, expected: list[int]) -> None:
    assert params(text) == expected


def test_long_runs_of_names_and_qualifiers_are_read_without_recursion() -> None:
    # a size before a name, a name before the next, ...: each reading stops after one name
    assert params("X-1.5M " * 5000) == [1_500 * K]
    assert params("the 27B Qwen-Image-Edit " * 3000) == [27 * B]
    # thousands of capitalised qualifiers after a size: read through a few lists, no deeper
    # (this raised RecursionError before)
    assert params("7B" + " Aa, Bb" * 5000 + " tokens") == [7 * B]
