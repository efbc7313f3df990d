"""Table-driven tests of the matching semantics (docs/rules.md), run on both the
compiled matcher and the per-rule reference implementation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mailer.core.models import ModelSize, Paper
from mailer.rules import compile_rules, load_rules
from mailer.rules.reference import ReferenceMatcher

B = 1_000_000_000


def make_paper(**fields: Any) -> Paper:
    sizes = tuple(ModelSize(int(s * B)) for s in fields.pop("sizes_b", ()))
    sizes += tuple(
        ModelSize(int(s * B), role="compared", source=f"Llama-2-{s}B")
        for s in fields.pop("compared_b", ())
    )
    base: dict[str, Any] = {"id": "arxiv:2501.00001", "title": "A paper", "format": "hf-daily"}
    return Paper(**{**base, **fields, "sizes": sizes})


def rules_from(tmp_path: Path, *matches: dict[str, Any], **extra: Any) -> Any:
    rules = [{"name": f"r{i}", "match": m, **extra} for i, m in enumerate(matches)]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "rules": rules}), encoding="utf-8")
    ruleset = load_rules([path])
    assert not ruleset.errors, [str(e) for e in ruleset.errors]
    return ruleset.rules


# (case, match, paper fields, expected explanation or None for no match)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str | None]] = [
    ("case-insensitive", {"any": ["lora"]}, {"title": "LoRA adapters"}, "*lora* in title"),
    ("whole word only", {"any": ["LoRA"]}, {"abstract": "efficient exploration"}, None),
    ("plural matches", {"any": ["LoRA"]}, {"title": "Mixture-of-LoRAs"}, "*LoRA* in title"),
    ("LLM finds LLMs", {"any": ["LLM"]}, {"abstract": "LLMs reason"}, "*LLM* in abstract"),
    ("possessive", {"any": ["LLM"]}, {"abstract": "the LLM's answer"}, "*LLM* in abstract"),
    ("plural possessive", {"any": ["LLM"]}, {"abstract": "the LLMs' answers"}, "*LLM* in abstract"),
    ("curly possessive", {"any": ["LLM"]}, {"abstract": "the LLM’s answer"}, "*LLM* in abstract"),
    ("phrase plural", {"any": ["language model"]}, {"title": "Large Language Models"}, "*language model* in title"),
    ("model finds models", {"any": ["model"]}, {"title": "Three models"}, "*model* in title"),
    ("y plural", {"any": ["library"]}, {"title": "Two libraries"}, "*library* in title"),
    ("vowel y plural", {"any": ["key"]}, {"title": "API keys"}, "*key* in title"),
    ("es plural", {"any": ["bias"]}, {"title": "Hidden biases"}, "*bias* in title"),
    ("benchmark plural", {"any": ["benchmark"]}, {"title": "New benchmarks"}, "*benchmark* in title"),
    ("capital plural", {"any": ["transformer"]}, {"title": "Transformers for vision"}, "*transformer* in title"),
    ("plural still whole word", {"any": ["LoRA"]}, {"title": "QLoRAs and explorations"}, None),
    ("plural not mid word", {"any": ["model"]}, {"title": "modelsmith"}, None),
    ("no plural of a symbol", {"any": ["GPT-4"]}, {"title": "GPT-4s"}, None),
    ("exact form", {"any": ["=LoRA"]}, {"title": "Mixture-of-LoRAs"}, None),
    ("exact form matches itself", {"any": ["=LoRA"]}, {"title": "LoRA tuning"}, "*=LoRA* in title"),
    ("exact in query", {"query": "=LLM AND NOT survey"}, {"title": "LLMs"}, None),
    ("plural in query", {"query": "LLM AND NOT survey"}, {"title": "LLMs"}, "*LLM* in title"),
    ("plural in none", {"any": ["lora"], "none": ["survey"]}, {"title": "LoRA surveys"}, None),
    ("author names are exact", {"authors": ["Smith"]}, {"authors": ("Ann Smiths",)}, None),
    ("prefix inside word", {"any": ["LoRA"]}, {"title": "QLoRA for all"}, None),
    ("hyphen attached", {"any": ["LoRA"]}, {"title": "LoRA-based tuning"}, "*LoRA* in title"),
    ("hyphen matches space", {"any": ["on-device"]}, {"abstract": "runs on device"}, "*on-device* in abstract"),
    ("en dash matches hyphen", {"any": ["encoder-decoder"]}, {"title": "An Encoder–Decoder LM"}, "*encoder-decoder* in title"),
    ("em dash is no hyphen", {"any": ["lora adapters"]}, {"title": "LoRA—adapters"}, None),
    ("space matches hyphen", {"any": ["small language model"]}, {"title": "Small-Language-Model zoo"}, "*small language model* in title"),
    ("phrase across newline", {"any": ["small language model"]}, {"abstract": "a small\nlanguage  model"}, "*small language model* in abstract"),
    ("phrase word order", {"any": ["language model small"]}, {"title": "small language model"}, None),
    ("symbol term", {"any": ["C++"]}, {"title": "Compiling C++ fast"}, "*C++* in title"),
    ("symbol term boundary", {"any": ["GPT-4"]}, {"title": "GPT-4o is here"}, None),
    ("dotted version", {"any": ["Phi-3.5"]}, {"title": "Phi-3.5-Mini report"}, "*Phi-3.5* in title"),
    ("accents fold", {"any": ["état"]}, {"title": "L'ÉTAT de l'art"}, "*état* in title"),
    ("any needs one", {"any": ["lora", "qlora"]}, {"title": "Prompt tuning"}, None),
    ("any lists every hit", {"any": ["lora", "qlora"]}, {"title": "LoRA", "abstract": "QLoRA and LoRA"}, "*lora* in title, abstract · *qlora* in abstract"),
    ("all needs each", {"all": ["lora", "vision"]}, {"title": "LoRA for language"}, None),
    ("all satisfied", {"all": ["lora", "vision"]}, {"title": "LoRA for vision"}, "*lora* in title · *vision* in title"),
    ("none excludes", {"any": ["lora"], "none": ["survey"]}, {"title": "A survey of LoRA"}, None),
    ("purely negative", {"none": ["survey"]}, {"title": "LoRA"}, ""),
    ("purely negative excludes", {"none": ["survey"]}, {"title": "A Survey"}, None),
    ("default fields skip authors", {"any": ["hinton"]}, {"authors": ("Geoffrey Hinton",)}, None),
    ("fields: authors", {"any": ["hinton"], "fields": ["authors"]}, {"authors": ("Geoffrey Hinton",)}, "*hinton* in authors"),
    ("fields: source", {"any": ["arxiv"], "fields": ["source"]}, {"source": "arXiv cs daily"}, "*arxiv* in source"),
    ("fields limit title", {"any": ["lora"], "fields": ["title"]}, {"abstract": "LoRA"}, None),
    ("authors term", {"authors": ["Hinton"]}, {"authors": ("Geoffrey Hinton", "Y. LeCun")}, "author *Hinton*"),
    ("authors full name", {"authors": ["yann lecun"]}, {"authors": ("Yann LeCun",)}, "author *yann lecun*"),
    ("authors not in title", {"authors": ["Hinton"]}, {"title": "Hinton's idea"}, None),
    ("author phrase never spans authors", {"authors": ["Smith John"]}, {"authors": ("Ann Smith", "John Doe")}, None),
    ("regex term", {"any": ["/q?lora/i"]}, {"title": "QLoRA tuning"}, "/q?lora/i in title"),
    ("regex no boundary added", {"any": ["/lora/"]}, {"title": "explorations"}, "/lora/ in title"),
    ("regex ignores case", {"any": ["/LLAMA-[0-9]/"]}, {"abstract": "llama-3 8b"}, "/LLAMA-[0-9]/ in abstract"),
    ("regex in none", {"any": ["lora"], "none": ["/surve(y|ys)/"]}, {"title": "LoRA surveys"}, None),
    ("query and-not", {"query": "(LoRA OR QLoRA) AND NOT survey"}, {"title": "QLoRA"}, "*QLoRA* in title"),
    ("query not", {"query": "(LoRA OR QLoRA) AND NOT survey"}, {"title": "QLoRA survey"}, None),
    ("query implicit and", {"query": "lora vision"}, {"title": "LoRA in language"}, None),
    ("query quoted phrase", {"query": '"small language model" OR SLM'}, {"title": "small-language-model"}, "*small language model* in title"),
    ("query pure not", {"query": "NOT survey"}, {"title": "LoRA"}, ""),
    ("size at bound", {"size": "<= 8B"}, {"sizes_b": (8,)}, "8B ≤ 8B (8B, own)"),
    ("size above", {"size": "<= 8B"}, {"sizes_b": (13,)}, None),
    ("size any inside", {"size": "<= 8B"}, {"sizes_b": (70, 7)}, "7B ≤ 8B (7B, own)"),
    ("size strict", {"size": "< 8B"}, {"sizes_b": (8,)}, None),
    ("size range", {"size": "1B..13B"}, {"sizes_b": (13,)}, "13B in 1B..13B (13B, own)"),
    ("size range below", {"size": "1B..13B"}, {"sizes_b": (0.5,)}, None),
    ("size at least", {"size": ">= 70B"}, {"sizes_b": (70,)}, "70B ≥ 70B (70B, own)"),
    ("size decimal", {"size": "<= 1.5B"}, {"sizes_b": (1.5,)}, "1.5B ≤ 1.5B (1.5B, own)"),
    ("size unknown excluded", {"size": "<= 8B"}, {}, None),
    ("size unknown include", {"size": {"max": "8B", "unknown": "include"}}, {}, "no own model size given (unknown: include)"),
    ("size counts own sizes", {"size": ">= 70B"}, {"sizes_b": (8,), "compared_b": (70,)}, None),
    ("size own beside a baseline", {"size": "<= 8B"}, {"sizes_b": (8,), "compared_b": (7,)}, "8B ≤ 8B (8B, own)"),
    ("size sizes: any", {"size": {"min": "70B", "sizes": "any"}}, {"sizes_b": (8,), "compared_b": (70,)}, "70B ≥ 70B (70B, baseline Llama-2-70B)"),
    ("only baselines is no own size", {"size": {"max": "8B", "unknown": "include"}}, {"compared_b": (7,)}, "no own model size given (unknown: include)"),
    ("announce new", {"announce": ["new", "cross"]}, {"format": "arxiv-listing", "announce": "new"}, "announced as new"),
    ("announce leaves replacements out", {"announce": ["new", "cross"]}, {"format": "arxiv-listing", "announce": "replaced"}, None),
    ("announce cross", {"announce": ["cross"]}, {"format": "arxiv-listing", "announce": "cross"}, "announced as cross"),
    ("non-arXiv papers are new", {"announce": ["new"]}, {}, "announced as new"),
    ("formats several", {"formats": ["scholar-alert", "generic"]}, {"format": "generic"}, "format generic"),
    ("size include still bounds", {"size": {"max": "8B", "unknown": "include"}}, {"sizes_b": (70,)}, None),
    ("size mapping min", {"size": {"min": "1B", "max": "8B"}}, {"sizes_b": (3.8,)}, "3.8B in 1B..8B (3.8B, own)"),
    ("upvotes", {"min_upvotes": 10}, {"upvotes": 42}, "42 upvotes ≥ 10"),
    ("upvotes too few", {"min_upvotes": 10}, {"upvotes": 9}, None),
    ("upvotes unknown", {"min_upvotes": 10}, {}, None),
    ("upvotes unknown fails even min_upvotes 0", {"min_upvotes": 0}, {}, None),
    ("upvotes zero of min 0", {"min_upvotes": 0}, {"upvotes": 0}, "0 upvotes ≥ 0"),
    ("size with a space before the unit", {"size": "<= 8 B"}, {"sizes_b": (8,)}, "8B ≤ 8B (8B, own)"),
    ("size range with spaces", {"size": " 1 b .. 13 B "}, {"sizes_b": (1,)}, "1B in 1B..13B (1B, own)"),
    ("formats", {"formats": ["arxiv-listing"]}, {"format": "arxiv-listing"}, "format arxiv-listing"),
    ("formats other", {"formats": ["arxiv-listing"]}, {}, None),
    ("everything", {"any": ["LoRA"], "size": "<= 8B", "min_upvotes": 10}, {"abstract": "We use LoRA.", "sizes_b": (7,), "upvotes": 42}, "*LoRA* in abstract · 7B ≤ 8B (7B, own) · 42 upvotes ≥ 10"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("match", "paper", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matching_semantics(tmp_path: Path, match: dict[str, Any], paper: dict[str, Any], expected: str | None) -> None:  # fmt: skip
    rules = rules_from(tmp_path, match)
    item = make_paper(**paper)
    for matcher in (compile_rules(rules), ReferenceMatcher(rules)):
        found = matcher.match(item)
        if expected is None:
            assert found == [], type(matcher).__name__
        else:
            assert [m.explain() for m in found] == [expected], type(matcher).__name__


def test_disabled_rule_never_matches(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, {"any": ["lora"]}, enabled=False)
    assert rules[0].enabled is False
    assert compile_rules(rules).match(make_paper(title="LoRA")) == []


def test_matches_come_in_rule_order_with_paper_id(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, {"any": ["vision"]}, {"none": ["survey"]}, {"any": ["lora"]})
    found = compile_rules(rules).match(make_paper(title="LoRA for vision"))
    assert [(m.rule, m.paper_id) for m in found] == [
        ("r0", "arxiv:2501.00001"),
        ("r1", "arxiv:2501.00001"),
        ("r2", "arxiv:2501.00001"),
    ]


def test_reasons_name_the_term_field_and_kind(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, {"any": ["LoRA"], "size": "<= 8B"})
    (found,) = compile_rules(rules).match(make_paper(abstract="LoRA", sizes_b=(7,)))
    term, size = found.reasons
    assert (term.kind, term.field, term.term, term.detail) == (
        "term",
        "abstract",
        "LoRA",
        "*LoRA* in abstract",
    )
    assert (size.kind, size.detail) == ("size", "7B ≤ 8B (7B, own)")


def test_a_multi_format_rule_explains_each_paper_by_its_own_format(tmp_path: Path) -> None:
    """Regression: the compiled engine cached the first paper's reasons per (size,
    upvotes), so a generic paper after a Scholar one was explained as "format
    scholar-alert". The cache key now holds everything a reason says."""
    rules = rules_from(tmp_path, {"formats": ["scholar-alert", "generic"], "size": "<= 8B"})
    scholar = make_paper(id="title:a", format="scholar-alert", sizes_b=(7,))
    generic = make_paper(id="title:b", format="generic", sizes_b=(7,))
    for matcher in (compile_rules(rules), ReferenceMatcher(rules)):
        found = matcher.match_all([scholar, generic])
        assert [m.explain() for m in found] == [
            "7B ≤ 8B (7B, own) · format scholar-alert",
            "7B ≤ 8B (7B, own) · format generic",
        ]


def test_a_size_reason_names_the_model_it_came_from(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, {"size": {"min": "70B", "sizes": "any"}})
    own = make_paper(id="title:a", sizes_b=(70,))
    baseline = make_paper(id="title:b", compared_b=(70,))
    found = compile_rules(rules).match_all([own, baseline])
    assert [m.explain() for m in found] == [
        "70B ≥ 70B (70B, own)",
        "70B ≥ 70B (70B, baseline Llama-2-70B)",
    ]


def test_rules_sharing_a_term_each_show_it_as_written(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, {"any": ["LoRA"]}, {"any": ["lora"]})
    found = compile_rules(rules).match(make_paper(title="LoRA"))
    assert [m.explain() for m in found] == ["*LoRA* in title", "*lora* in title"]


def test_no_rules_match_nothing() -> None:
    assert compile_rules([]).match(make_paper(title="LoRA")) == []


def test_normalization_treats_every_unicode_space_and_hyphen_as_one_space() -> None:
    import sys

    from mailer.rules.rule import HYPHENS, WHITESPACE, normalize_text

    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert normalize_text(f"On{WHITESPACE}{HYPHENS}Device  X") == "on device x"
