"""Roles of extracted sizes (own vs compared) and the issue-12 error classes, table-driven."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.parse.size_role_text import EXAMPLE_CUE, WORD, SentenceWords, is_word_start
from mailer.parse.sizes import extract_sizes

B = 10**9
M = 10**6


def roles(text: str) -> dict[int, str]:
    return {size.params: size.role for size in extract_sizes(text)}


ROLES = [
    (
        "Our 8B model outperforms Llama-2-70B and GPT-3 175B.",
        {8 * B: "own", 70 * B: "compared", 175 * B: "compared"},
    ),
    ("We compare against Qwen3-30B-A3B.", {30 * B: "compared", 3 * B: "compared"}),
    ("A 7B student is distilled from a 70B teacher.", {7 * B: "own", 70 * B: "compared"}),
    (
        "We distill a 405B model into 8B and 1B students.",
        {405 * B: "compared", 8 * B: "own", 1 * B: "own"},
    ),
    (
        "Using Qwen2.5-72B-Instruct as the judge, we score our 1.5B model.",
        {72 * B: "compared", int(1.5 * B): "own"},
    ),
    (
        "Mixtral-8x7B and Mixtral-8x22B serve as teachers.",
        {56 * B: "compared", 176 * B: "compared"},
    ),
    ("LLMs like PaLM 540B face limitations on edge devices.", {540 * B: "compared"}),
    ("Such abilities appear in models exceeding 100 billion parameters.", {100 * B: "compared"}),
    (
        "A 52B MoE might perform like a 6.7B dense model.",
        {52 * B: "unknown", int(6.7 * B): "unknown"},
    ),
    ("We fine-tune Llama-3-8B on clinical notes.", {8 * B: "own"}),
    ("Compared with Mixtral 8x22B, our 12B model is faster.", {176 * B: "compared", 12 * B: "own"}),
    (
        "GPT-like models with 1.3 billion and 13 billion parameters are trained.",
        {int(1.3 * B): "own", 13 * B: "own"},
    ),
    (
        "It matches Llama-2-13B while our 7B model, despite its size, is first.",
        {13 * B: "compared", 7 * B: "own"},
    ),
    # issue 12 follow-up: background and reference points, by principle
    (
        "Recent works such as T5 and GPT-3 have shown that scale helps. Particularly, the"
        " GPT-3 model with 175 billion parameters shows strong few-shot abilities. We train"
        " a 1B model.",
        {175 * B: "compared", 1 * B: "own"},
    ),
    (
        "LLMs like LaPM 540B and Llama-3.1 405B face limitations.",
        {540 * B: "compared", 405 * B: "compared"},
    ),
    (
        "Current approaches favour models such as GPT-4 or those with over 70 billion parameters.",
        {70 * B: "compared"},
    ),
    (
        "Sparse models with close to a trillion parameters dominate the leaderboards.",
        {10**12: "compared"},
    ),
    (
        "InternVL2-76B and LLaVA-OneVision-72B lead the multimodal leaderboard.",
        {76 * B: "compared", 72 * B: "compared"},
    ),
    ("Our POINTS1.5-7B ranks first on the OpenCompass leaderboard.", {7 * B: "own"}),
    (
        "Our methods outperform prior methods by 4% and lead to the first 3 billion"
        " parameter language models that do so.",
        {3 * B: "own"},
    ),
    ("Our strategies match the re-training baseline for a 10B parameter LLM.", {10 * B: "own"}),
    (
        "It outperforms the benchmarks set by Llama-2-Chat-13B and Gemma-7B-it.",
        {13 * B: "compared", 7 * B: "compared"},
    ),
    (
        "At 32K context length, Llama-3.1-8BrightarrowMinistral-3-14B transfer is 10 points.",
        {8 * B: "own", 14 * B: "own"},
    ),
    (
        "We train the best variant as 410M- and 1.45B-parameter models on 100B tokens.",
        {410 * M: "own", int(1.45 * B): "own"},
    ),
    (
        "Distilling Multi-Billion-Parameter Teacher Encoders\n\nWe pretrain encoders ranging"
        " from 700M to 9.3B.",
        {700 * M: "own", int(9.3 * B): "own"},
    ),
    # issue 12 part 2: principles that generalise
    ("Open models with fewer than 10B parameters trail GPT-4.", {10 * B: "compared"}),
    ("Sub-100B models rarely solve it; our 3B model does.", {100 * B: "compared", 3 * B: "own"}),
    ("Small models ($\\leq$2B) lag behind on charts.", {2 * B: "compared"}),
    ("We pretrain models with more than 6 billion parameters.", {6 * B: "own"}),
    ("We train J4R, a 7B judge trained with GRPO.", {7 * B: "own"}),
    ("Our 70B teacher is trained first.", {70 * B: "own"}),
    (
        "We use Qwen2.5-72B-Instruct to generate seed data and tune Qwen2.5-7B on it.",
        {72 * B: "compared", 7 * B: "own"},
    ),
    ("We release the Qwen3-235B distilled datasets.", {235 * B: "compared"}),
    (
        "Outputs come from three teacher models: DeepSeek-R1, Qwen3-235B-A22B and o3.",
        {235 * B: "compared", 22 * B: "compared"},
    ),
    ("Our MR. Judge-7B surpasses GPT-4o.", {7 * B: "own"}),
    (
        "While it uses far less context than offline systems, its results on 7B LLM rival them.",
        {7 * B: "own"},
    ),
    (
        "We propose LoLA, a cache. Compared with full attention, LoLA on Llama-3-8B is fast.",
        {8 * B: "own"},
    ),
    (
        "We introduce Dense Low-Rank Adaptation (DenseLoRA). It reaches 84% compared to"
        " LoRA's 81% on LLaMA3-8B.",
        {8 * B: "own"},
    ),
    ("LoLA also outperforms other 1B and 8B parameter models.", {1 * B: "own", 8 * B: "own"}),
    (
        "We introduce Enigmata. When trained on larger models like Seed1.5 (20B activated"
        " parameters), data from Enigmata helps.",
        {20 * B: "own"},
    ),
    (
        "We benchmark 14 open LLMs on coding. Models like Qwen2.5-32B code best, while"
        " Llama-3-8B lags.",
        {32 * B: "own", 8 * B: "own"},
    ),
    ("Unlike Llama-2-70B, our 8B model runs on a phone.", {70 * B: "compared", 8 * B: "own"}),
    ("We compare with GPT-3 175B and train a 1B model.", {175 * B: "compared", 1 * B: "own"}),
    ("The advantage is not observed in BLOOM-176B.", {176 * B: "compared"}),
    ("We train a 1B model on data generated by a 70B model.", {1 * B: "own", 70 * B: "compared"}),
    (
        "Previous studies used models of up to 13B parameters; we go to 70B.",
        {13 * B: "compared", 70 * B: "own"},
    ),
    ("Our approach scales to models with over 100B parameters.", {100 * B: "own"}),
    (
        "It achieves performance comparable to Llama-2-70B with only 7B parameters.",
        {70 * B: "compared", 7 * B: "own"},
    ),
    (
        "Existing methods fine-tune Llama-2-13B on large corpora, whereas we adapt a 1B model.",
        {13 * B: "compared", 1 * B: "own"},
    ),
    (
        "Larger models such as Llama-3-70B still hallucinate, which motivates our 3B verifier.",
        {70 * B: "compared", 3 * B: "own"},
    ),
    (
        "Our 2B model is competitive with 7B models such as Mistral-7B.",
        {2 * B: "own", 7 * B: "compared"},
    ),
    (
        "Recent open models (Llama-3-405B, Qwen2.5-72B) close the gap. We train a 1B model.",
        {405 * B: "compared", 72 * B: "compared", 1 * B: "own"},
    ),
    # issue 12 part 3: principles from the first blind split's misses (new sentences)
    (  # names in a list do not count as plain words between a comparison and its object
        "Our tiny 5M-parameter agent, trained on play logs, beats chat models many times its"
        " size, including Falcon-180B, Yi-34B and Claude.",
        {5 * M: "own", 180 * B: "compared", 34 * B: "compared"},
    ),
    (  # "We compared A and B": the authors' study objects side by side; a role noun followed
        # by "and" does not head the next conjunct
        "We compared RoBERTa and T5 as encoder baselines, and Phi-3-14B and Gemma-2-9B as"
        " decoder LLMs.",
        {14 * B: "own", 9 * B: "own"},
    ),
    (
        "This work benchmarks proprietary chat models versus open clinical models"
        " (Meditron-70B and BioMistral-7B) on triage notes.",
        {70 * B: "own", 7 * B: "own"},
    ),
    ("We evaluate our 3B model against Llama-3-70B.", {3 * B: "own", 70 * B: "compared"}),
    ("We compare our 3B model with Llama-3-70B.", {3 * B: "own", 70 * B: "compared"}),
    ("A reranker, evaluated by a Llama-3-70B grader, improves recall.", {70 * B: "compared"}),
    ("Candidates judged by a Mixtral-8x7B rubric rank higher.", {56 * B: "compared"}),
    (  # the paper's own starting point, even as the object of a comparison
        "Fine-tuning on our data yields clear gains over the base model (Mistral-7B-v0.3).",
        {7 * B: "own"},
    ),
    (
        "It gains over the untuned Gemma-2-9B and over XLM-R Base (270M).",
        {9 * B: "own", 270 * M: "compared"},
    ),
    (  # parts of one model's parameter budget are not two models
        "Our probe has 2M trainable weights versus roughly 7B frozen.",
        {2 * M: "own", 7 * B: "own"},
    ),
    (  # a counted set of models is the one the paper studies
        "Among 12 open models from 1B to 70B parameters, accuracy rises with scale.",
        {1 * B: "own", 70 * B: "own"},
    ),
    ("Applied at inference only, the method boosts Llama-3-8B on math.", {8 * B: "own"}),
    ("Our method improves accuracy by 5% over Llama-2-70B.", {70 * B: "compared"}),
    (  # "dominate" speaks of others only when the sized models are its subject
        "Across four backbones (Gemma-2B, Qwen2-7B), the scheme dominates the latency frontier.",
        {2 * B: "own", 7 * B: "own"},
    ),
    ("Mixture models above 500B parameters dominate current leaderboards.", {500 * B: "compared"}),
    (  # data made with a model: it is the data's source
        "We generate 100K synthetic dialogues with Llama-3.1-70B-Instruct and fine-tune"
        " Phi-3-mini (3.8B) on them.",
        {70 * B: "compared", int(3.8 * B): "own"},
    ),
    ("We generate answers with Llama-3-8B and measure their calibration.", {8 * B: "own"}),
    (  # the budget of a compared model is not the paper's
        "Compared to Mixtral-8x7B, which has 47B total parameters, our 13B model is cheaper.",
        {56 * B: "compared", 47 * B: "compared", 13 * B: "own"},
    ),
    (  # "existing"/"previous" right on a size make it others' even where the authors speak
        "Existing 70B models are too costly to serve, so we design a 1B model.",
        {70 * B: "compared", 1 * B: "own"},
    ),
    (
        "Our 7B model reaches the performance of 70B models with 10x less compute.",
        {7 * B: "own", 70 * B: "compared"},
    ),
    (  # a pruned model keeps its own performance
        "Our pruning keeps 93% of the performance of Mistral-7B with a third of its layers.",
        {7 * B: "own"},
    ),
    (  # a finding the authors report about models they studied
        "We find that Gemma-2-9B is less robust than Qwen2-7B under label noise.",
        {9 * B: "own", 7 * B: "own"},
    ),
    (
        "We find that our 2B model is more robust than Qwen2-7B.",
        {2 * B: "own", 7 * B: "compared"},
    ),
    ("Our 1B model is as fluent as a 13B model.", {1 * B: "own", 13 * B: "compared"}),
    ("It runs with models as small as 500M parameters.", {500 * M: "own"}),
    (  # a setting after "such as": the testbed, not an example of others' models
        "Earlier quantizers such as GPTQ collapse on Falcon-40B at 3 bits.",
        {40 * B: "own"},
    ),
    ("Raters preferred our 2B model over Gemma-2-9B.", {2 * B: "own", 9 * B: "compared"}),
    ("Our 3B model lands close to Qwen2-72B on math.", {3 * B: "own", 72 * B: "compared"}),
    ("We train a 1.1B model similar to TinyLlama.", {int(1.1 * B): "own"}),
    ("Judge: Llama-3.1-405B; policy: our 8B model.", {405 * B: "compared", 8 * B: "own"}),
    ("Open models trail behind, led by Yi-34B at 48%.", {34 * B: "own"}),
    ("Open models trail behind Yi-34B on every task.", {34 * B: "compared"}),
    ("Captions written by Qwen2-72B are filtered by hand.", {72 * B: "compared"}),
    ("Qwen2-72B was used to score every candidate answer.", {72 * B: "compared"}),
    (  # a method run on a model: the model is the testbed, not the other side
        "Relative to full fine-tuning of Gemma-2-9B, our method trains 20x faster.",
        {9 * B: "own"},
    ),
    ("Serving a 405B model is prohibitively expensive for most labs.", {405 * B: "compared"}),
    ("Serving our 405B model is expensive.", {405 * B: "own"}),
    (  # "built on" is what the compared agents are made of, not a setting
        "We evaluate our planner against pipelines based on Llama-3-70B.",
        {70 * B: "compared"},
    ),
]


# Probes written by hand after issue 12 part 2, in the styles the issue names ("we fine-tune
# X-7B", "our 3B model", "outperforms Llama-2-70B", "distilled from", judges, teachers, studies):
# the ones the classifier gets right, kept so that a new principle cannot quietly break them.
PROBES = [
    (
        "We fine-tune Qwen2.5-7B-Instruct with GRPO and match the accuracy of DeepSeek-R1-Distill-Qwen-32B.",
        {7 * B: "own", 32 * B: "compared"},
    ),
    (
        "Our 3B model, trained on 2T tokens, rivals Llama-3.1-70B on GSM8K.",
        {3 * B: "own", 70 * B: "compared"},
    ),
    (
        "Starting from Llama-3-8B, we continue pretraining on 50B tokens of legal text.",
        {8 * B: "own"},
    ),
    (
        "We distill reasoning traces from DeepSeek-R1 (671B) into Qwen2.5-1.5B.",
        {671 * B: "compared", int(1.5 * B): "own"},
    ),
    (
        "A 1.5B student distilled from a 32B teacher closes 90% of the gap.",
        {int(1.5 * B): "own", 32 * B: "compared"},
    ),
    ("Responses are scored by Qwen2.5-72B-Instruct acting as a judge.", {72 * B: "compared"}),
    (
        "We use GPT-4o and Llama-3.1-405B as judges to rate the outputs of our 8B policy.",
        {405 * B: "compared", 8 * B: "own"},
    ),
    (
        "We evaluate 15 LLMs ranging from 0.5B to 72B parameters on the new benchmark.",
        {500 * M: "own", 72 * B: "own"},
    ),
    (
        "We study how Pythia models from 70M to 12B parameters memorize data.",
        {70 * M: "own", 12 * B: "own"},
    ),
    (
        "Our analysis of 9 open models shows that Qwen2.5-72B is the most robust, while Gemma-2-2B is the least.",
        {72 * B: "own", 2 * B: "own"},
    ),
    (
        "Our benchmark reveals that even GPT-4o and Llama-3.1-405B fail on long chains.",
        {405 * B: "own"},
    ),
    ("Prior work has fine-tuned BLOOM-176B for this task, at great cost.", {176 * B: "compared"}),
    (
        "With only 1.3B parameters, our model exceeds the 13B baseline.",
        {int(1.3 * B): "own", 13 * B: "compared"},
    ),
    (
        "We release two models, Foo-2B and Foo-9B, under an open license.",
        {2 * B: "own", 9 * B: "own"},
    ),
    (
        "Experiments on Llama-2-7B and Mistral-7B show that pruning 50% of weights keeps accuracy.",
        {7 * B: "own"},
    ),
    ("Our pruned 13B model is faster than the dense Llama-2-13B.", {13 * B: "own"}),
    ("Applying our quantization to Llama-2-70B reduces memory by 4x.", {70 * B: "own"}),
    ("Using GPT-4 as the teacher, we train a 7B student.", {7 * B: "own"}),
    ("Our method scales from 125M to 6.7B parameters.", {125 * M: "own", int(6.7 * B): "own"}),
    (
        "Our 8B model achieves 45.2 on AIME, close to o1-mini and surpassing QwQ-32B-Preview.",
        {8 * B: "own", 32 * B: "compared"},
    ),
    (
        "We conduct experiments with LLaMA-7B, LLaMA-13B and LLaMA-30B.",
        {7 * B: "own", 13 * B: "own", 30 * B: "own"},
    ),
    (
        "Results on OPT-1.3B and OPT-6.7B show consistent gains over SparseGPT.",
        {int(1.3 * B): "own", int(6.7 * B): "own"},
    ),
    ("This paper evaluates whether Llama-2-70B-chat can detect its own errors.", {70 * B: "own"}),
    ("We assess GPT-4 and Llama-2-13B against human experts on 200 cases.", {13 * B: "own"}),
    ("We benchmark our 7B model against Mistral-7B and Gemma-7B.", {7 * B: "own"}),
    (
        "InstructBLIP (Vicuna-13B) is used as a baseline, and our model uses a 7B LLM.",
        {13 * B: "compared", 7 * B: "own"},
    ),
    # a second batch, written after the first round of principles; the three it found
    # (findings about studied models, "as accurate as", a setting ends "such as") are fixed
    (
        "Built on Qwen2.5-VL-7B, our agent reaches 62.1% on OSWorld, outperforming UI-TARS-72B.",
        {7 * B: "own", 72 * B: "compared"},
    ),
    ("We quantize Llama-3.1-405B to 2 bits and serve it on a single node.", {405 * B: "own"}),
    (
        "Our 1.2B MoE activates only 300M parameters per token.",
        {int(1.2 * B): "own", 300 * M: "own"},
    ),
    (
        "We present Orca-Mini, a family of 3B, 7B and 13B models trained on explanation traces from GPT-4.",
        {3 * B: "own", 7 * B: "own", 13 * B: "own"},
    ),
    (
        "Experiments across model scales (1B, 3B, 8B) show consistent gains.",
        {1 * B: "own", 3 * B: "own", 8 * B: "own"},
    ),
    (
        "Notably, our 7B variant even surpasses GPT-4o and Llama-3.1-70B-Instruct on MedQA.",
        {7 * B: "own", 70 * B: "compared"},
    ),
    (
        "We find that smaller models such as Phi-2 (2.7B) benefit most from our curriculum.",
        {int(2.7 * B): "own"},
    ),
    (
        "Student models (Qwen2.5-0.5B and 1.5B) are trained on rationales produced by a 72B teacher.",
        {500 * M: "own", int(1.5 * B): "own", 72 * B: "compared"},
    ),
    (
        "We systematically evaluate 20 LLMs, including Llama-3-8B, Mixtral-8x7B and GPT-4, on clinical coding.",
        {8 * B: "own", 56 * B: "own"},
    ),
    (
        "Our results show that Llama-2-13B is more vulnerable than Llama-2-7B to the attack.",
        {13 * B: "own", 7 * B: "own"},
    ),
    ("With 4-bit weights, the 70B model fits on two 24GB GPUs.", {70 * B: "own"}),
    (
        "Prior pruning methods such as SparseGPT degrade sharply on OPT-66B; ours does not.",
        {66 * B: "own"},
    ),
    (
        "Compared with the dense baseline, our pruned LLaMA-7B keeps 95% of its zero-shot accuracy.",
        {7 * B: "own"},
    ),
    (
        "Fine-tuning Mistral-7B on our data yields a model that rivals GPT-3.5 (175B).",
        {7 * B: "own", 175 * B: "compared"},
    ),
    (
        "This gap persists even for frontier models exceeding 100B parameters.",
        {100 * B: "compared"},
    ),
    ("We scale the approach to a 34B model trained on 3T tokens.", {34 * B: "own"}),
    (
        "DeepSeek-R1 (671B) serves as the teacher for our 7B and 14B students.",
        {671 * B: "compared", 7 * B: "own", 14 * B: "own"},
    ),
    (
        "GPT-4 and Claude-3 are used as judges, while Llama-3-8B serves as the backbone of our system.",
        {8 * B: "own"},
    ),
    (
        "Our 13B model beats the 33B and 65B LLaMA variants.",
        {13 * B: "own", 33 * B: "compared", 65 * B: "compared"},
    ),
    ("Larger models, up to 70B, were evaluated in a zero-shot setting.", {70 * B: "own"}),
    (
        "We release checkpoints at 160M, 410M and 1.4B parameters to support research.",
        {160 * M: "own", 410 * M: "own", int(1.4 * B): "own"},
    ),
    (
        "In contrast to GPT-3 (175B), which requires massive compute, our approach trains on one GPU.",
        {175 * B: "compared"},
    ),
    (
        "Retrieval makes a 7B reader as accurate as a closed-book 70B model.",
        {7 * B: "own", 70 * B: "compared"},
    ),
    (
        "We benchmark eight VLMs from 2B to 78B parameters on chart reasoning.",
        {2 * B: "own", 78 * B: "own"},
    ),
    (
        "A 3B model trained with our method matches the accuracy of the 8B teacher.",
        {3 * B: "own", 8 * B: "compared"},
    ),
    (
        "We use a 1.5B draft model to speed up decoding of a 32B target model by 2.3x.",
        {int(1.5 * B): "own", 32 * B: "own"},
    ),
    (
        "Our reward model, initialized from Llama-3.1-8B, outperforms much larger 70B reward models.",
        {8 * B: "own", 70 * B: "compared"},
    ),
    # a third batch; the five it found (preference over, "close to"/"above", a role label
    # before a colon, "a critic", "produced by") are fixed
    (
        "Initialized from Llama-2-7B, our model is further pretrained on 20B code tokens.",
        {7 * B: "own"},
    ),
    (
        "We build on Mistral-7B and add a vision encoder with 400M parameters.",
        {7 * B: "own", 400 * M: "own"},
    ),
    ("Our agent, powered by GPT-4o and Qwen2.5-72B, solves 40% of tasks.", {72 * B: "own"}),
    (
        "We conduct a large-scale study of 1,200 prompts on Llama-3.1-8B, Llama-3.1-70B and GPT-4o.",
        {8 * B: "own", 70 * B: "own"},
    ),
    ("Even GPT-4 and Llama-2-70B struggle on our benchmark, scoring below 40%.", {70 * B: "own"}),
    (
        "We show that Pythia-12B memorizes more than Pythia-1.4B.",
        {12 * B: "own", int(1.4 * B): "own"},
    ),
    (
        "The judge model, Llama-3.1-70B-Instruct, rates each response on a 1-10 scale.",
        {70 * B: "compared"},
    ),
    (
        "Responses from our 8B model are preferred over those of Llama-3-70B in 61% of cases.",
        {8 * B: "own", 70 * B: "compared"},
    ),
    (
        "Our method reduces the KV cache of Llama-2-13B by 4x with no loss in accuracy.",
        {13 * B: "own"},
    ),
    (
        "We train reward models at 1B, 3B and 8B scales and study how they are over-optimized.",
        {1 * B: "own", 3 * B: "own", 8 * B: "own"},
    ),
    (
        "Teacher: Qwen2.5-72B-Instruct; students: Qwen2.5-0.5B, 1.5B and 3B.",
        {72 * B: "compared", 500 * M: "own", int(1.5 * B): "own", 3 * B: "own"},
    ),
    (
        "Remarkably, our 2B model outperforms 7B-scale baselines such as Llama-2-7B and Mistral-7B.",
        {2 * B: "own", 7 * B: "compared"},
    ),
    ("We adopt a 1.3B decoder and pretrain it from scratch on 100B tokens.", {int(1.3 * B): "own"}),
    (
        "Unlike prior work that relies on 70B teachers, we distill from an 8B model into a 1B student.",
        {70 * B: "compared", 8 * B: "compared", 1 * B: "own"},
    ),
    (
        "We compare three model sizes (125M, 350M, 1.3B) trained on the same data.",
        {125 * M: "own", 350 * M: "own", int(1.3 * B): "own"},
    ),
    (
        "Scaling from 1B to 7B parameters improves accuracy by 12 points.",
        {1 * B: "own", 7 * B: "own"},
    ),
    (
        "Our evaluation covers open models (Llama-3-8B, Gemma-7B) and closed ones (GPT-4).",
        {8 * B: "own", 7 * B: "own"},
    ),
    (
        "Existing open-source LLMs like Llama-2-70B lag behind GPT-4 on this task; we close the gap with a 13B model.",
        {70 * B: "compared", 13 * B: "own"},
    ),
    ("The resulting 3B model is competitive with Llama-3.2-3B and Qwen2.5-3B.", {3 * B: "own"}),
    (
        "We find that models below 7B parameters rarely benefit from chain-of-thought.",
        {7 * B: "compared"},
    ),
    ("Our pipeline uses Llama-3-8B for retrieval and GPT-4 for answer generation.", {8 * B: "own"}),
    (
        "We apply our attack to Vicuna-13B, Llama-2-7B-Chat and GPT-3.5, reaching a 90% success rate.",
        {13 * B: "own", 7 * B: "own"},
    ),
    (
        "The model has 47B total parameters but uses only 13B during inference.",
        {47 * B: "own", 13 * B: "own"},
    ),
    (
        "Our model is trained with supervision from a 405B model acting as a critic.",
        {405 * B: "compared"},
    ),
    (
        "Compared to its 7B counterpart, our 1.5B model keeps 95% of the accuracy.",
        {7 * B: "compared", int(1.5 * B): "own"},
    ),
    (
        "We study sparse upcycling of T5-Base (220M) and T5-Large (770M) checkpoints.",
        {220 * M: "own", 770 * M: "own"},
    ),
    ("A single RTX 4090 suffices to fine-tune the 7B model with QLoRA.", {7 * B: "own"}),
    (
        "On MT-Bench, our 7B chat model scores 7.9, close to GPT-3.5-turbo and above Llama-2-70B-chat.",
        {7 * B: "own", 70 * B: "compared"},
    ),
    (
        "Models with over 100B parameters exhibit this behaviour, whereas our 1B model does not.",
        {100 * B: "compared", 1 * B: "own"},
    ),
    (
        "Annotations are produced by Qwen2-72B-Instruct and verified by humans.",
        {72 * B: "compared"},
    ),
    # a fourth batch, written after all the above and measured once before any change (25 of
    # 30 right, as on main); four of its five misses were then fixed by principle
    (
        "We introduce Falcon-Edge, a 1B model trained on 4T tokens that rivals Llama-3.2-3B.",
        {1 * B: "own", 3 * B: "compared"},
    ),
    (
        "Our experiments on LLaMA-2-7B/13B show that the method generalizes across scales.",
        {7 * B: "own", 13 * B: "own"},
    ),
    (
        "We release MedLM-8B and MedLM-70B, fine-tuned from Llama-3.1.",
        {8 * B: "own", 70 * B: "own"},
    ),
    (
        "Surprisingly, the 8B student surpasses its 70B teacher on two benchmarks.",
        {8 * B: "own", 70 * B: "compared"},
    ),
    (
        "We evaluate nine open-weight models, from Qwen2.5-0.5B to Llama-3.3-70B, on legal reasoning.",
        {500 * M: "own", 70 * B: "own"},
    ),
    (
        "Large models (e.g., GPT-3 with 175B parameters) are costly; we target 1B-scale models.",
        {175 * B: "compared", 1 * B: "own"},
    ),
    ("Our 4-bit Llama-3-70B runs at 20 tokens/s on a laptop.", {70 * B: "own"}),
    (
        "A 7B model trained on our data beats a 13B model trained on the original data.",
        {7 * B: "own", 13 * B: "compared"},
    ),
    (
        "Gemma-2-27B is used to filter low-quality samples before training our 2B model.",
        {27 * B: "compared", 2 * B: "own"},
    ),
    (
        "We show that a 350M model can learn the task when trained with our curriculum.",
        {350 * M: "own"},
    ),
    (
        "Results on Mixtral-8x7B show that expert pruning preserves 97% of accuracy.",
        {56 * B: "own"},
    ),
    (
        "Compared with standard fine-tuning of Llama-2-13B, our adapter uses 90% less memory.",
        {13 * B: "own"},
    ),
    (
        "Our model achieves 85.1% on GSM8K, outperforming Llama-2-70B (56.8%) and matching GPT-3.5.",
        {70 * B: "compared"},
    ),
    (
        "We probe the internal representations of Llama-3-8B and find linear truth directions.",
        {8 * B: "own"},
    ),
    ("The 70B variant of our model sets a new state of the art.", {70 * B: "own"}),
    (
        "In our setup, GPT-4o serves as the user simulator and Qwen2.5-32B as the judge.",
        {32 * B: "compared"},
    ),
    (
        "Training a 175B model from scratch costs millions of dollars, which motivates our work on 1B models.",
        {175 * B: "compared", 1 * B: "own"},
    ),
    (
        "Our approach transfers to larger backbones such as Qwen2.5-14B and 32B.",
        {14 * B: "own", 32 * B: "own"},
    ),
    (
        "Smaller open models like Phi-3-mini (3.8B) fall far behind on this benchmark.",
        {int(3.8 * B): "compared"},
    ),
    (
        "We train BioBERT-style encoders with 110M and 340M parameters on clinical notes.",
        {110 * M: "own", 340 * M: "own"},
    ),
    (
        "Despite having only 3B parameters, our model is on par with Llama-2-13B.",
        {3 * B: "own", 13 * B: "compared"},
    ),
    (
        "We benchmark our system against agents built on GPT-4 and Llama-3-70B.",
        {70 * B: "compared"},
    ),
    ("All experiments use Llama-3.1-8B-Instruct as the base policy.", {8 * B: "own"}),
    ("The scaling law predicts that a 30B model would need 600B tokens.", {30 * B: "unknown"}),
    ("We compare LoRA, DoRA and full fine-tuning on Llama-2-7B and Mistral-7B.", {7 * B: "own"}),
    (
        "Our 0.5B reward model matches the accuracy of a 7B reward model trained on 10x more data.",
        {500 * M: "own", 7 * B: "compared"},
    ),
    (
        "Models beyond 10B parameters show emergent abilities, as reported in prior work.",
        {10 * B: "compared"},
    ),
    ("We open-source the 2.7B checkpoint and the training code.", {int(2.7 * B): "own"}),
    (
        "Human raters found little difference between our 7B model and GPT-4 on fluency.",
        {7 * B: "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), PROBES)
def test_hand_written_probes_keep_their_roles(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


@pytest.mark.parametrize(("text", "expected"), ROLES)
def test_each_size_gets_the_role_its_sentence_gives_it(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


def test_a_size_mentioned_as_own_anywhere_is_own() -> None:
    text = "Our 7B model is strong. It outperforms previous 7B and 13B models."
    assert roles(text) == {7 * B: "own", 13 * B: "compared"}


def test_a_compared_size_names_its_model() -> None:
    (size,) = [s for s in extract_sizes("Our 8B model beats Llama-2-70B.") if s.params == 70 * B]
    assert size.source == "Llama-2-70B"
    assert size.describe() == "70B, baseline Llama-2-70B"


def test_an_own_size_says_so() -> None:
    (size,) = extract_sizes("We train an 8B model.")
    assert size.describe() == "8B, own"


ISSUE_12_CLASSES = [
    ("We pretrain a 300M video encoder on Youtube-8M.", [300 * M]),
    ("We release Ditto-1M, a dataset of one million edits.", []),
    ("Sign language translation on PHOENIX-14T improves.", []),
    ("LAION-5B contains 2.32B English image-text pairs.", []),
    ("SA-1B provides 1 billion masks on 11M images.", []),
    ("The corpus holds 82B English, 20B Chinese and 5B code tokens.", []),
    ("We present a 133 Billion-Token-Scale corpus.", []),
    ("Weights are at https://huggingface.co/acme/coder-7B today.", []),
    ("Fine-tuning LLaMA8B and MedAlpaca7B improves both.", [7 * B, 8 * B]),
    ("We distill FLUX.1-12B and Qwen-Image-20B into a 2B student.", [2 * B, 12 * B, 20 * B]),
    ("Small vision-language models ($\\leq$2B) lag behind.", [2 * B]),
    ("We train models from 70 million to over 16 billion parameters.", [70 * M, 16 * B]),
    ("OPT-125M and GPT-2 (124M) are compared.", [124 * M, 125 * M]),
    ("Results on LM1B and SA1B are reported.", []),
]


@pytest.mark.parametrize(("text", "expected"), ISSUE_12_CLASSES)
def test_data_sets_counts_and_urls_are_not_sizes_but_glued_names_are(
    text: str, expected: list[int]
) -> None:
    assert [s.params for s in extract_sizes(text)] == expected


# issue 12 part 2/3 (speed): a sentence's words are split once and sliced for each size in it

_WORD_PIECES = st.sampled_from(
    [
        *["a", "B", "7B", "GPT-3", "x_y", "é", "²", "-", "(", ")", ",", ".", "/", "'", "e.g."],
        *[" ", " ", " ", "  ", "\n", "\t", "\u00a0", "\u2003", "\x1c", "Sub-", "-judge"],
    ]
)


@settings(max_examples=1000)
@given(st.lists(_WORD_PIECES, max_size=40).map("".join), st.data())
def test_sentence_words_are_the_word_pattern_split_once(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    words = SentenceWords(text, start, end)
    assert words.raw == WORD.findall(text, start, end)
    assert all(text.startswith(w, at) for w, at in zip(words.raw, words.starts, strict=True))
    at = data.draw(st.integers(start, end))
    first, stop, cut = words.before(text, 0, at)
    assert words.raw[first:stop] + ([cut] if cut else []) == WORD.findall(text, start, at)
    assert words.after(text, at, end) == WORD.findall(text, at, end)


def _all_texts() -> list[str]:
    data = Path(__file__).resolve().parent / "data" / "sizes"
    rows = [
        json.loads(line)
        for name in ("labeled.jsonl", "blind.jsonl")
        for line in (data / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [row["text"] for row in rows] + [text for text, _ in ROLES + PROBES]


def test_a_sentence_without_deciding_words_gives_what_reading_it_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _all_texts()
    quick = [[(s.params, s.role, s.source) for s in extract_sizes(text)] for text in texts]
    monkeypatch.setattr(SentenceWords, "is_cue_free", lambda self: False)
    read = [[(s.params, s.role, s.source) for s in extract_sizes(text)] for text in texts]
    assert quick == read


_CUE_PIECES = st.sampled_from(
    [
        *["like", "Like", "such as", "Such as", "un", "Un", "_", "é", "²", " ", "-", "s", "L"],
        *["uch as", "ike", "(", "1", "x", "\n", "likes", "such  as"],
    ]
)


@settings(max_examples=1000)
@given(st.lists(_CUE_PIECES, max_size=20).map("".join))
def test_example_cues_are_the_word_bounded_pattern(text: str) -> None:
    plain = re.compile(r"\b(?:[Ll]ike|[Ss]uch as)\b")
    found = [m.span() for m in EXAMPLE_CUE.finditer(text) if is_word_start(text, m.start())]
    assert found == [m.span() for m in plain.finditer(text)]


# Classes of error read on blind2 (roles3): for each, sentences of our own, written before the
# fix and failing then. The model a comparison is run with is the testbed, not the other side.
TESTBED_CLASS = [
    ("The new sampler beats PPO by +4.1 points with the Llama-3.2-3B model.", {3 * B: "own"}),
    (
        "Compared to vanilla prompting with Gemma-2-9B, the proposed scheme gains 5 points.",
        {9 * B: "own"},
    ),
    (
        "SparseRL surpasses DPO by 2.4 and 3.1 points using 3B and 8B backbones, respectively.",
        {3 * B: "own", 8 * B: "own"},
    ),
    (
        "Our recipe improves over supervised fine-tuning by 7% with Mistral-7B as the backbone.",
        {7 * B: "own"},
    ),
    (
        "The planner outperforms ReAct on WebShop with Phi-3-mini-3.8B, beating every prior agent.",
        {int(3.8 * B): "own"},
    ),
    # the other side stays compared
    ("Our 1B model outperforms models with 7B parameters.", {1 * B: "own", 7 * B: "compared"}),
    ("Our 2B model is compared with Llama-2-13B.", {2 * B: "own", 13 * B: "compared"}),
    (
        "Our 3B model beats GPT-3 175B with far fewer parameters.",
        {3 * B: "own", 175 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), TESTBED_CLASS)
def test_the_model_a_comparison_runs_with_is_the_testbed(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A role word after a comparison verb is the other side, not the sized model's role.
ROLE_AFTER_COMPARISON_CLASS = [
    (
        "Fine-tuned with the new recipe, Qwen2.5-3B surpasses the 72B teacher on MATH.",
        {3 * B: "own", 72 * B: "compared"},
    ),
    (
        "With TinyAlign, Gemma-2-2B reaches 71% accuracy, outperforming all baseline reward models.",
        {2 * B: "own"},
    ),
    ("After distillation, Llama-3.2-1B even beats its teacher on three of five tasks.", {B: "own"}),
    (
        "Phi-3-mini-3.8B trained this way exceeds the strongest baselines by 4 points.",
        {int(3.8 * B): "own"},
    ),
    (
        "The method lifts SmolLM-360M to 40% on GSM8K, surpassing the judge itself.",
        {360 * M: "own"},
    ),
    # the role word names the size's role
    ("Llama-3-70B serves as the teacher.", {70 * B: "compared"}),
    ("We use Qwen2.5-72B as a judge, which outperforms humans.", {72 * B: "compared"}),
    ("Mixtral-8x7B and Qwen-72B are strong baselines.", {56 * B: "compared", 72 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), ROLE_AFTER_COMPARISON_CLASS)
def test_a_role_word_after_a_comparison_is_the_other_side(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# "for" after a score names whose score a comparison sets against the paper's.
SCORE_OWNER_CLASS = [
    (
        "Our 1B model scores 61.2, compared with 55.0 for Llama-3.2-3B.",
        {B: "own", 3 * B: "compared"},
    ),
    (
        "TinyCoder-350M solves 30% of tasks, versus 12% for CodeGen-2B.",
        {350 * M: "own", 2 * B: "compared"},
    ),
    ("The recipe yields 48.1 BLEU, against 45.3 for NLLB-3.3B.", {int(3.3 * B): "compared"}),
    (
        "Accuracy rises to 72%, compared to only 64% for Mistral-7B and 60% for Gemma-7B.",
        {7 * B: "compared"},
    ),
    # "for" after a margin or a setting stays a setting
    ("The method outperforms GRPO by 3.1 points for 7B models.", {7 * B: "own"}),
    ("We outperform prior work on 4 benchmarks for Qwen2.5-7B.", {7 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), SCORE_OWNER_CLASS)
def test_for_after_a_compared_score_names_its_model(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# A list after "including" names members of the plural noun before it and takes its place.
INCLUDING_CLASS = [
    (
        "Our 2B model beats larger open models on every benchmark, including Llama-3-70B and"
        " Qwen2-72B.",
        {2 * B: "own", 70 * B: "compared", 72 * B: "compared"},
    ),
    (
        "The student surpasses strong proprietary LLMs on MMLU, including Falcon-180B.",
        {180 * B: "compared"},
    ),
    (
        "Our agent outperforms popular frameworks and models across five tasks, including"
        " Mixtral-8x22B.",
        {176 * B: "compared"},
    ),
    (
        "Trained on our data, the 1B model exceeds prior systems on all splits, including a 13B"
        " model.",
        {B: "own", 13 * B: "compared"},
    ),
    # the noun is in the comparison's setting, or there is no comparison: own
    ("Our method outperforms GRPO on three models, including Qwen2.5-7B.", {7 * B: "own"}),
    (
        "We evaluate open LLMs on the benchmark, including Llama-3-8B and Qwen2-7B.",
        {7 * B: "own", 8 * B: "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), INCLUDING_CLASS)
def test_a_list_after_including_takes_its_head_nouns_place(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# After a role noun and a colon, results ("+3.2% on X-1B") are not the role's members.
COLON_RESULTS_CLASS = [
    (
        "Both variants beat the RLHF baselines: +3.2% on Llama-3.2-1B and +2.7% on Llama-3.1-8B.",
        {B: "own", 8 * B: "own"},
    ),
    (
        "Gains over the teacher: 4.1 points on Qwen2.5-0.5B and 2.9 points on Qwen2.5-3B.",
        {500 * M: "own", 3 * B: "own"},
    ),
    ("Improvements over strong baselines: 6.3 BLEU with mT5-580M.", {580 * M: "own"}),
    (
        "Our models exceed the baselines: +5% on Qwen3-1.7B (matching a 14B model).",
        {int(1.7 * B): "own", 14 * B: "compared"},
    ),
    # a role label before names
    ("Baselines: Llama-2-70B and Falcon-40B.", {40 * B: "compared", 70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), COLON_RESULTS_CLASS)
def test_results_after_a_role_and_a_colon_are_on_the_papers_models(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A bound on one model ("a less than 1M-param controller") is its size, not a class bound.
BOUND_OF_ONE_CLASS = [
    ("A less than 5M-parameter adapter steers the frozen LLM.", {5 * M: "own"}),
    ("Each expert gets a sub-100M router.", {100 * M: "own"}),
    ("An under 2B vision encoder suffices for the task.", {2 * B: "own"}),
    ("The method trains a fewer than 50M parameter head.", {50 * M: "own"}),
    # a bound on a class of others' models
    ("Models with fewer than 10B parameters fail at this task.", {10 * B: "compared"}),
    ("Small vision-language models ($\\leq$2B) lag behind.", {2 * B: "compared"}),
    ("Open models below 100B size remain weak.", {100 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), BOUND_OF_ONE_CLASS)
def test_a_bound_on_one_model_is_its_size(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# What the paper's model is built on is its own starting point, whatever the text calls it.
BUILT_ON_CLASS = [
    ("Our agents are built on Qwen2.5-7B and Llama-3-8B baselines.", {7 * B: "own", 8 * B: "own"}),
    (
        "The two variants are based on 1B and 3B dense baselines, respectively.",
        {B: "own", 3 * B: "own"},
    ),
    ("Built upon a 13B dense baseline, the system adds retrieval.", {13 * B: "own"}),
    ("We start from the Mistral-7B baseline and add a memory module.", {7 * B: "own"}),
    # baselines built on a model, or a baseline compared against: compared
    ("Our system outperforms baselines built on Llama-2-70B.", {70 * B: "compared"}),
    ("We compare against a Llama-2-70B baseline.", {70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), BUILT_ON_CLASS)
def test_what_the_model_is_built_on_is_own(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected


# An example given before the authors first speak is the field's model, a reference point.
EXAMPLE_CLASS = [
    (
        "Serving is costly; for example, a Llama-2-70B model needs two A100 GPUs. We propose"
        " SlimServe, which halves memory.",
        {70 * B: "compared"},
    ),
    (
        "Memory dominates inference. For instance, Mistral-7B spends 60% of its time on"
        " attention. To fix this, we introduce FlashX.",
        {7 * B: "compared"},
    ),
    (
        "Decoding long inputs is slow. As an example, a 13B model takes 40 seconds per document."
        " We present a cache that removes this cost.",
        {13 * B: "compared"},
    ),
    (
        "The KV cache grows with context; for instance, Qwen2-72B needs 40GB at 128K tokens. Our"
        " method compresses it 4x.",
        {72 * B: "compared"},
    ),
    # after the authors speak, an example is theirs
    (
        "We introduce TinyR1, a family of reasoners. For example, TinyR1-1.5B solves 40% of AIME"
        " problems.",
        {int(1.5 * B): "own"},
    ),
    ("We train three models. For instance, the 7B variant reaches 60% on MATH.", {7 * B: "own"}),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLE_CLASS)
def test_an_example_before_the_authors_speak_is_a_reference(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# Written after a batch of 20 new probes (roles3, measured once: 12/20, main 10/20): a role
# word after a comparison's preposition is the other side, and a setting ends "relative
# to"'s object as it ends the other comparisons'.
PREPOSITION_CLASS = [
    (
        "Scores: +3.1 on Mistral-7B and +1.8 on Llama-3-8B over the best baseline.",
        {7 * B: "own", 8 * B: "own"},
    ),
    ("Gains reach 5% on Qwen2-1.5B against every baseline.", {int(1.5 * B): "own"}),
    ("Qwen-7B scores higher than the judge.", {7 * B: "own"}),
    ("Relative to beam search with Mistral-7B, our decoder halves latency.", {7 * B: "own"}),
    ("Relative to LoRA on Llama-2-13B, the method saves 30% memory.", {13 * B: "own"}),
    # still compared
    ("Relative to Llama-2-70B, our 7B model is cheaper.", {70 * B: "compared", 7 * B: "own"}),
    ("Falcon-40B serves as a baseline over which we improve.", {40 * B: "compared"}),
    pytest.param(
        "Accuracy rises on Gemma-2B versus the teacher.",
        {2 * B: "own"},
        marks=pytest.mark.xfail(strict=True, reason="'versus' is read as a list joiner"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), PREPOSITION_CLASS)
def test_a_role_after_a_comparisons_preposition_is_the_other_side(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# tune4: a finding the paper's own runs report ("Initial experiments show that ...") is the
# authors speaking, like "our results show that": "such as"/"like" there list studied models.
FINDING_REPORT_CLASS = [
    (
        "Initial experiments show that open models such as Mistral-7B and Qwen2-72B reach 80%"
        " accuracy.",
        {7 * B: "own", 72 * B: "own"},
    ),
    (
        "Experimental results reveal that LLMs like Gemma-2-9B still fail on long proofs.",
        {9 * B: "own"},
    ),
    (
        "The evaluation indicates that models such as Phi-3-3.8B handle short tables well.",
        {int(3.8 * B): "own"},
    ),
    # others' results, or a comparison, still compare
    (
        "Previous results show that LLMs such as OPT-66B struggle with negation.",
        {66 * B: "compared"},
    ),
    ("Their experiments show that models like PaLM 540B reason better.", {540 * B: "compared"}),
    ("Studies show that LLMs such as Llama-2-70B hallucinate.", {70 * B: "compared"}),
    (
        "Experiments show that our 1B model outperforms larger LLMs such as Llama-2-70B.",
        {1 * B: "own", 70 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), FINDING_REPORT_CLASS)
def test_a_finding_the_papers_runs_report_speaks_for_the_authors(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# "against" after an attack or defence names the model attacked, which the paper studies
# (tune5's t5-010: "improving attack success rates by 11-35% on recent benchmarks against
# LLaVA-V1.6-Mistral-7B, ..."); a comparison word nearer to "against" still compares.
ATTACK_TARGET_CLASS = [
    (
        "Our jailbreak raises attack success rates by 20% on two benchmarks against"
        " Qwen2.5-VL-7B-Instruct and Llama-3.2-Vision-11B.",
        {7 * B: "own", 11 * B: "own"},
    ),
    (
        "The defense keeps adversarial prompts from succeeding against Vicuna-13B and Llama-2-7B.",
        {13 * B: "own", 7 * B: "own"},
    ),
    ("We attack GPT-4o and evaluate the jailbreak against Mistral-7B.", {7 * B: "own"}),
    ("Our 1B model holds up well against Llama-2-70B.", {1 * B: "own", 70 * B: "compared"}),
    ("Compared against Llama-2-70B, our attack needs fewer queries.", {70 * B: "compared"}),
    (
        "Our attack is fast, and our detector is competitive against Llama-Guard-3-8B.",
        {8 * B: "compared"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), ATTACK_TARGET_CLASS)
def test_against_after_an_attack_names_the_model_attacked(
    text: str, expected: dict[int, str]
) -> None:
    assert roles(text) == expected


# A cost the clause calls small is the paper's own result, not a burden of others' models
# (tune5's t5-011: "Across 1.3B and 14B model scales, VACE adds 20-30% latency overhead ...,
# with negligible VRAM cost relative to the base model").
SMALL_COST_CLASS = [
    (
        "Across 1.3B and 14B model scales, the adapter adds 20% latency, with negligible"
        " memory cost relative to the base model.",
        {int(1.3 * B): "own", 14 * B: "own"},
    ),
    (
        "At 7B and 13B scales, pruning runs at low cost on a single GPU.",
        {7 * B: "own", 13 * B: "own"},
    ),
    ("Training a 175B model from scratch costs millions of dollars.", {175 * B: "compared"}),
    ("Serving a 70B model is prohibitively expensive.", {70 * B: "compared"}),
]


@pytest.mark.parametrize(("text", "expected"), SMALL_COST_CLASS)
def test_a_cost_called_small_is_the_papers_result(text: str, expected: dict[int, str]) -> None:
    assert roles(text) == expected
