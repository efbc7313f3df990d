"""The vocabulary `size_roles` reads a size's role with: words that compare, words of the
authors speaking or making a model, role nouns, thresholds, data sources, clause openers.

Kept apart from `size_roles.py` (as `size_words.py` is from `sizes.py`) so the lists can grow
without hiding the rules that use them.
"""

from __future__ import annotations

COMPARE_BEFORE: frozenset[str] = frozenset(
    {
        "outperform",
        "outperforms",
        "outperforming",
        "outperformed",
        "outperformance",
        "surpass",
        "surpasses",
        "surpassing",
        "surpassed",
        "beat",
        "beats",
        "beating",
        "than",
        "against",
        "versus",
        "vs",
        "compared",
        "comparing",
        "comparable",
        "competitive",
        "rival",
        "rivals",
        "rivaling",
        "rivalling",
        "match",
        "matches",
        "matching",
        "par",
        "exceeding",
        "exceed",
        "approaching",  # "while approaching X-32B": "approaches" is also a plural noun
        "exceeds",
        "beyond",
        "among",
        "on-par",
        "unlike",
        "contrast",
        "advantage",
        "advantages",
        "superiority",
        "above",
        "behind",
    }
    # the subject is the weaker side, the object still the other: "the 3B model initially
    # trails the 8B model", "underperforms X-70B"
    | {"trail", "trails", "trailed", "trailing", "underperform", "underperforms"}
    | {"underperformed", "underperforming"}
)
# "over" compares only after these: "gains over", "improves over"
COMPARE_OVER_LEADS: frozenset[str] = frozenset(
    {
        "gain",
        "gains",
        "improvement",
        "improvements",
        "improve",
        "improves",
        "improved",
        "outperformance",
        "advantage",
        "advantages",
        "edge",
        "lead",
        "preferred",
        "preference",
        "favored",
        "favoured",
        "chosen",
    }
)
# "to"/"with" compares only after these: "relative to X", "close to X", "compare with X"
COMPARE_TO_LEADS: frozenset[str] = frozenset(
    {"relative", "compare", "compares", "close", "closer", "inferior", "superior"}
)  # not "similar to": "a 3.9B model similar to BERT" describes, it does not compare
WEAK_COMPARE_BEFORE: frozenset[str] = frozenset(
    {"like", "such", "e.g", "eg", "existing", "previous", "prior", "recent"}
)
# "previous studies", "existing methods": others' work as what a sentence speaks of
OTHERS_WORK_NOUNS: frozenset[str] = frozenset(
    {
        "work",
        "works",
        "study",
        "studies",
        "method",
        "methods",
        "approach",
        "approaches",
        "research",
        "literature",
        "efforts",
        "systems",
    }
)
# A new clause: a comparison before it says nothing of the size after it.
# "for instance", "for example", "as an example": an example, whose depends on whether the
# authors have spoken yet
EXAMPLE_NOUNS: frozenset[str] = frozenset({"instance", "example"})
CLAUSE_STARTS: frozenset[str] = frozenset(
    {"despite", "while", "whereas", "although", "though", "but", "yet"}
)
LIST_JOINERS: frozenset[str] = frozenset({"and", "or", "vs", "versus"})
OWN_BEFORE: frozenset[str] = frozenset({"we", "our", "ours", "us"})
COMPARE_AFTER: frozenset[str] = frozenset(
    {
        "baseline",
        "baselines",
        "teacher",
        "teachers",
        "judge",
        "judges",
        "evaluator",
        "evaluators",
        "adjudicator",
        "grader",
        "critic",
        "critics",
        "annotator",
        "reference",
        "oracle",
    }
)
# A sentence about who leads the field speaks of others' models: "Sparse models with close
# to a trillion parameters dominate the leaderboards", "X-76B and Y-72B lead the
# leaderboard" (but "ranks first on the leaderboard" is the paper's own result)
FIELD_WORDS: frozenset[str] = frozenset({"dominate", "dominates", "dominating", "dominated"})
# A comparison's object ends at these: "match the baseline for a 10B LLM", "outperform
# methods by 4% and lead to the first 3B models" (the size after is the setting, not it);
# "by" only before a margin ("by 4%"), not in "the benchmarks set by Llama-2-13B"
SCOPE_END_WORDS: frozenset[str] = frozenset({"for", "across", "on"})
DISTILL_WORDS: frozenset[str] = frozenset({"distill", "distills", "distilled", "distilling"})
HYPOTHETICAL_WORDS: frozenset[str] = frozenset({"might", "would", "could"})
# Bounds of a class of models name no model: "models with fewer than 10B", "sub-100B",
# "(≤2B)", "under 10 billion parameters" (unless the authors make models of that size)
THRESHOLD_WORDS: frozenset[str] = frozenset(
    {"than", "under", "below", "above", "over", "exceeding", "beyond", "sub", "approaching"}
)
THRESHOLD_SIGNS = "≤≥<>"
# The authors making a model: "We train J4R, a 7B judge" is theirs despite "judge"
CREATE_VERBS: frozenset[str] = frozenset(
    {
        "train",
        "trains",
        "pretrain",
        "pre-train",
        "fine-tune",
        "finetune",
        "build",
        "develop",
        "release",
        "propose",
        "introduce",
        "present",
        "scale",
        "scales",
    }
)
# Words that break "we train ... a 7B judge" into two objects
# The authors choosing the models they study: a bound on those is a bound on their own set
# ("We select open models with fewer than 10B parameters", "Our study covers 15 LLMs under
# 10B"), unlike a bound on models they compare with
SELECT_VERBS: frozenset[str] = frozenset(
    {"select", "selects", "selected", "choose", "chooses", "chose", "cover", "covers"}
    | {"covered", "study", "studies", "studied", "evaluate", "evaluates", "evaluated"}
    | {"consider", "considers", "considered", "restrict", "restricts", "restricted"}
)
OBJECT_BREAKS: frozenset[str] = frozenset(
    {"with", "from", "using", "by", "against", "than", "via", "and", "or", "into", "over"}
)
# Between a role noun and the names it heads: "teacher models: X-70B, Y-405B"
HEAD_FILLERS: frozenset[str] = frozenset(
    {
        "model",
        "models",
        "llm",
        "llms",
        "such",
        "as",
        "including",
        "e.g",
        "eg",
        "namely",
        "i.e",
        "ie",
        "like",
    }
)
# Words that open a subordinate clause at a sentence's start; its comparison ends at its comma
SUBORDINATORS: frozenset[str] = frozenset(
    {"while", "whereas", "although", "though", "despite", "unlike", "when", "if", "since"}
)
# The authors setting their study objects side by side: "We compared A and B-8B", "This study
# evaluated X versus Y-8B" (both sides studied, so own)
STUDY_VERBS: frozenset[str] = frozenset(
    {
        "compare",
        "compares",
        "compared",
        "comparing",
        "evaluate",
        "evaluates",
        "evaluated",
        "benchmark",
        "benchmarks",
        "benchmarked",
        "assess",
        "assesses",
        "assessed",
        "study",
        "studies",
        "studied",
        "analyze",
        "analyzes",
        "analyzed",
        "analyse",
        "analyses",
        "analysed",
        "examine",
        "examines",
        "examined",
        "test",
        "tests",
        "tested",
    }
)
STUDY_COMPARISONS: frozenset[str] = frozenset({"versus", "vs", "against", "compared", "comparing"})
# Words that turn "compared" into a comparison with another side: "compared with/to Y"
COMPARE_OBJECT_MARKERS: frozenset[str] = frozenset({"with", "to", "against", "versus", "vs"})
STUDY_SUBJECTS: frozenset[str] = frozenset(
    {"study", "paper", "work", "analysis", "evaluation", "article", "experiments", "benchmark"}
)
SUBJECT_ADVERBS: frozenset[str] = frozenset({"also", "then", "further", "first", "additionally"})
# A comparison with the paper's own starting point: "gains over the base model (X-8B)"
BASE_WORDS: frozenset[str] = frozenset(
    {"base", "backbone", "untuned", "vanilla", "original", "unadapted", "full"}
    | {"uncompressed", "unpruned", "unquantized"}  # "faster than the full 3.3B model"
)
# Parts of a model's parameter budget: "17.6M trainable parameters against 12B frozen"
BUDGET_WORDS: frozenset[str] = frozenset(
    {"frozen", "trainable", "total", "active", "activated", "learnable", "tunable"}
)
# A model the paper's method improves is its own: "improving Qwen2.5-7B's performance"
IMPROVE_VERBS: frozenset[str] = frozenset(
    {
        "improve",
        "improves",
        "improving",
        "boost",
        "boosts",
        "boosting",
        "enhance",
        "enhances",
        "enhancing",
        "helps",
        "helping",
    }
)
COUNT_WORDS: frozenset[str] = frozenset(
    {
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "several",
        "multiple",
        "many",
        "various",
        "diverse",
        "all",
    }
)
MARGIN_UNITS: frozenset[str] = frozenset({"points", "point", "pp", "percent", "times", "x"})
# "we compare how models with 7B ...": a question, not "compare X with Y"
STUDY_CLAUSE_WORDS: frozenset[str] = frozenset({"how", "whether", "what", "which", "when"})
# The head nouns of a sized model phrase (and the auxiliaries before its verb): "models with close to a trillion parameters"
MODEL_NOUNS: frozenset[str] = frozenset(
    {"parameters", "params", "parameter", "model", "models", "llms", "llm", "variants", "moes"}
    | {"are", "is", "now", "still", "currently", "increasingly"}  # "... parameters are dominating"
)
# "against approximately 12B frozen": words that leave a comparison's object as it is
APPROXIMATE_WORDS: frozenset[str] = frozenset(
    {"approximately", "roughly", "about", "around", "nearly", "almost", "some", "the", "a", "~"}
)
# Right before a size, these make it others': "existing 70B models", "prior 7B and 13B LLMs"
BACKGROUND_ADJECTIVES: frozenset[str] = frozenset(
    {"existing", "previous", "prior", "conventional", "traditional"}
)
# "reaches the performance of 70B models": the size is the reference point
QUALITY_NOUNS: frozenset[str] = frozenset(
    {"performance", "quality", "accuracy", "level", "capabilities", "capability", "results"}
)
ATTAIN_VERBS: frozenset[str] = frozenset(
    {
        "reach",
        "reaches",
        "reaching",
        "reached",
        "attain",
        "attains",
        "attaining",
        "approaching",
        "achieve",
        "achieves",
        "achieving",
    }
)  # not "retains 90% performance of Llama3-8B": a pruned model keeps its own performance
# The authors reporting a finding: "we find that", "our results show that"
FINDING_VERBS: frozenset[str] = frozenset(
    {
        "find",
        "found",
        "show",
        "shows",
        "showed",
        "reveal",
        "reveals",
        "demonstrate",
        "demonstrates",
        "indicate",
        "indicates",
        "suggest",
        "suggests",
        "observe",
        "observed",
    }
)
# "as small as 8B" bounds the paper's own models, "as well as" joins: neither compares
AS_AS_NOT_COMPARING: frozenset[str] = frozenset(
    {"well", "small", "large", "big", "little", "few", "many", "much", "tiny", "long", "far"}
)
# "agents built on X-70B": "on" belongs to the object's make-up, it does not end it
MAKE_UP_PARTICIPLES: frozenset[str] = frozenset(
    {"built", "based", "running", "powered", "relying", "founded", "implemented"}
)
# "compared with standard fine-tuning of Llama-2-13B": a method run on the paper's testbed
METHOD_NOUNS: frozenset[str] = frozenset(
    {"fine-tuning", "finetuning", "training", "pretraining", "pre-training", "tuning"}
    | {"quantization", "pruning", "inference", "decoding", "adaptation", "serving"}
)
# A clause on what a size costs, without the authors, speaks of others' models: "training a
# 175B model from scratch costs millions of dollars"
COST_WORDS: frozenset[str] = frozenset(
    {"cost", "costs", "costly", "expensive", "prohibitive", "prohibitively"}
)
