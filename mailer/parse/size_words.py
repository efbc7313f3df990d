"""The vocabulary the size extractor reads numbers with: scales, number words, and the
words around a number that say whether it counts a model's parameters or something else
(tokens, images, dollars, hours, context length...).

Kept apart from `sizes.py` so the lists can grow without hiding the extraction logic.
"""

from __future__ import annotations

from decimal import Decimal

SCALE_WORDS: dict[str, int] = {
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "trillion": 10**12,
}

# Suffix letters written against the number ("7B", "125M", "1T"); lowercase "b" is common
# in model ids ("llama-7b"); lowercase "m"/"t"/"k" are not (metres, tonnes, kilo-anything).
SCALE_LETTERS: dict[str, int] = {
    "K": 10**3,
    "M": 10**6,
    "B": 10**9,
    "b": 10**9,
    "Bn": 10**9,
    "bn": 10**9,
    "T": 10**12,
}

NUMBER_WORDS: dict[str, Decimal] = {
    "a": Decimal(1),
    "an": Decimal(1),
    "one": Decimal(1),
    "two": Decimal(2),
    "three": Decimal(3),
    "four": Decimal(4),
    "five": Decimal(5),
    "six": Decimal(6),
    "seven": Decimal(7),
    "eight": Decimal(8),
    "nine": Decimal(9),
    "ten": Decimal(10),
    "eleven": Decimal(11),
    "twelve": Decimal(12),
    "thirteen": Decimal(13),
    "fifteen": Decimal(15),
    "twenty": Decimal(20),
    "thirty": Decimal(30),
    "forty": Decimal(40),
    "fifty": Decimal(50),
    "seventy": Decimal(70),
    "hundred": Decimal(100),
    "half a": Decimal("0.5"),
}

# Words after a number that make it a parameter count.
PARAMETER_WORDS: frozenset[str] = frozenset(
    {
        "parameter",
        "parameters",
        "param",
        "params",
        "parameterized",
        "weights",
    }
)

# Words after a number that name a model (so the number is its size): "a 7B model".
MODEL_WORDS: frozenset[str] = frozenset(
    {
        "model",
        "models",
        "llm",
        "llms",
        "lm",
        "lms",
        "mllm",
        "mllms",
        "vlm",
        "vlms",
        "transformer",
        "transformers",
        "network",
        "networks",
        "variant",
        "variants",
        "version",
        "versions",
        "checkpoint",
        "checkpoints",
        "backbone",
        "encoder",
        "encoders",
        "decoder",
        "decoders",
        "backbones",
        "scale",
        "scales",
        "size",
        "sized",
        "class",
        "activated",
        "active",
        "total",
        "dense",
        "moe",
        "teacher",
        "student",
        "policy",
        "reward",
        "base",
        "instruct",
        "chat",
        "counterpart",
        "counterparts",
        "classifier",
        "classifiers",
        "baseline",  # "a 139M AED baseline": a baseline is a model
        "baselines",
        "language",
        "vision",
    }
)

# Model words too vague to make the word before them an adjective: "token-scale corpus"
# is not a kind of model the way "a 7B text encoder" is.
WEAK_MODEL_WORDS: frozenset[str] = frozenset(
    {"scale", "scales", "size", "sized", "class", "total", "base", "language", "vision"}
)

# Right after a size, a change of a size, which is no size: "a ~2B cut", "a 1.5B reduction in
# parameters" (only as the first word: "cuts", "drops" and past "cut" are verbs further on)
CHANGE_NOUNS: frozenset[str] = frozenset(
    {"cut", "reduction", "increase", "decrease", "drop", "saving", "savings", "gain"}
)
# Right after a size and before the parameter word, a difference between two models' sizes,
# which is neither one: "with 18M fewer parameters than X", "7B more parameters" (not
# "additional", which also counts an adapter's own parameters)
DIFFERENCE_WORDS: frozenset[str] = frozenset({"fewer", "less", "more"})

# Words after a number that make it a count of something other than parameters.
NON_PARAMETER_WORDS: frozenset[str] = frozenset(
    {
        "token",
        "tokens",
        "tok",
        "vocab",
        "vocabulary",
        "context",
        "ctx",
        "image",
        "images",
        "photos",
        "video",
        "videos",
        "clip",
        "clips",
        "frame",
        "frames",
        "pixels",
        "pair",
        "pairs",
        "example",
        "examples",
        "sample",
        "samples",
        "instance",
        "instances",
        "sentence",
        "sentences",
        "word",
        "words",
        "document",
        "documents",
        "docs",
        "page",
        "pages",
        "webpages",
        "text",
        "texts",
        "caption",
        "captions",
        "record",
        "records",
        "row",
        "rows",
        "entries",
        "query",
        "queries",
        "question",
        "questions",
        "problem",
        "problems",
        "prompt",
        "prompts",
        "instruction",
        "instructions",
        "response",
        "responses",
        "conversation",
        "conversations",
        "dialogue",
        "dialogues",
        "trajectory",
        "trajectories",
        "rollout",
        "rollouts",
        "episode",
        "episodes",
        "step",
        "steps",
        "hour",
        "hours",
        "gpu",
        "gpus",
        "tpu",
        "flop",
        "flops",
        "pflops",
        "sps",  # rates: "500M SPS" (steps per second), frames, tokens, queries per second
        "fps",
        "tps",
        "qps",
        "dollar",
        "dollars",
        "usd",
        "user",
        "users",
        "people",
        "patients",
        "molecules",
        "proteins",
        "sequences",
        "structures",
        "files",
        "lines",
        "repositories",
        "utterances",
        "speakers",
        "labels",
        "annotations",
        "data",
        "datapoints",
        "points",
        "triples",
        "facts",
        "nodes",
        "edges",
        "downloads",
        "views",
        "visits",
        "characters",
        "chars",
        "bytes",
        "years",
        "languages",
        "domains",
        "websites",
        "urls",
        "games",
        "interactions",
        "demonstrations",
        "synthetic",
        "dataset",
        "corpus",
        "benchmark",
        "benchmarks",
        "fmri",  # "7T fMRI", "a 3T MRI scanner": a field strength in tesla
        "mri",
    }
)

# Words just before a number that make it something other than a parameter count:
# "a context of 128K", "a vocabulary of 200K", "costs $1M".
NON_PARAMETER_LEAD_WORDS: frozenset[str] = frozenset(
    {
        "context",
        "window",
        "vocabulary",
        "vocab",
        "length",
        "lengths",
        "budget",
        "cost",
        "costs",
        "usd",
    }
)

# Words just before a compact number that make it something other than a model size.
NOT_MODEL_NAMES: frozenset[str] = frozenset(
    {"pi", "fig", "figure", "figures", "table", "tables", "section", "appendix", "eq"}
)

# Capitalised words that start a sentence rather than name a model ("Over 5M ...").
FUNCTION_WORDS: frozenset[str] = frozenset(
    {
        "a",
        "an",
        "the",
        "in",
        "on",
        "of",
        "over",
        "about",
        "with",
        "by",
        "for",
        "to",
        "from",
        "and",
        "or",
        "nearly",
        "almost",
        "around",
        "approximately",
        "roughly",
        "some",
        "only",
        "just",
        "all",
        "these",
        "those",
        "its",
        "their",
        "our",
        "than",
        "contains",
        "containing",
        "comprising",
        "includes",
        "including",
        "has",
        "have",
    }
)

# Names of data sets that end in a size ("LAION-5B", "SA-1B"): their number counts items.
DATASET_PREFIXES: frozenset[str] = frozenset(
    {
        "sa",
        "laion",
        "datacomp",
        "coyo",
        "jft",
        "webli",
        "webvid",
        "howto",
        "yfcc",
        "cc",
        "objaverse",
        "redpajama",
        "fineweb",
        "dclm",
        "mint",
        "obelics",
        "mmc4",
        "openimages",
        "mc",
        "panda",
        "internvid",
        "hd-vila",
        "vript",
        "ego",
        "recap-datacomp",
        "ultrachat",
        "infinity-instruct",
        "openwebmath",
        "the-stack",
    }
)
