"""The compiled matcher gives exactly the matches (and reasons) of the per-rule reference."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.core.models import ModelSize, Paper
from mailer.rules import Condition, Rule, SizeRange, Term, compile_rules
from mailer.rules.conditions import CONDITIONS, Query
from mailer.rules.explain import check_conditions
from mailer.rules.reference import ReferenceMatcher
from mailer.rules.rule import QueryAnd, QueryNode, QueryNot, QueryOr, QueryTerm

B = 1_000_000_000
WORDS = ["lora", "LoRA", "qlora", "loras", "on", "device", "small", "language", "model",
         "c++", "gpt-4", "gpt-4o", "état", "x_y", "3.5", "phi", "vision", "survey", "a",
         "LLMs", "llm's", "models", "library", "libraries", "bias", "biases", "keys"]  # fmt: skip
SEPARATORS = [" ", "-", " - ", ", ", ". ", "\n", "(", ")", "/", "--", "_", ""]
REGEXES = ["/q?lora/", "/gpt-[0-9]/i", "/dev[a-z]+/", "/^small/", "/é/", "/lora\\b/",
           "/(lora|qlora)s/", "/small[- ]language/", "/LANGUAGE/", "/x_y/", "/c\\+\\+/"]  # fmt: skip
FIELDS = ["title", "abstract", "authors", "source"]
SIZES = [B // 2, B, 7 * B, 8 * B, 13 * B, 70 * B]

FORMATS = ["hf-daily", "arxiv-listing", "scholar-alert", "text-page", "generic"]
ANNOUNCE = ["new", "cross", "replaced"]

phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).flatmap(
    lambda words: st.sampled_from([" ", "-"]).flatmap(
        lambda sep: st.sampled_from(
            [Term(sep.join(words)), Term(sep.join(words)), Term("=" + sep.join(words), exact=True)]
        )
    )
)
terms = st.one_of(phrases, phrases, phrases, st.sampled_from(REGEXES).map(
    lambda text: Term(text, regex=text.rstrip("i")[1:-1])))  # fmt: skip
term_lists = st.lists(terms, max_size=3).map(tuple)


def queries() -> st.SearchStrategy[QueryNode]:
    leaves = terms.map(QueryTerm)
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            children.map(QueryNot),
            st.lists(children, min_size=2, max_size=3).map(lambda c: QueryAnd(tuple(c))),
            st.lists(children, min_size=2, max_size=3).map(lambda c: QueryOr(tuple(c))),
        ),
        max_leaves=5,
    )


size_ranges = st.builds(
    SizeRange,
    min=st.one_of(st.none(), st.sampled_from(SIZES)),
    max=st.one_of(st.none(), st.sampled_from(SIZES)),
    unknown=st.sampled_from(["exclude", "include"]),
    sizes=st.sampled_from(["own", "any"]),
)
format_lists = st.lists(st.sampled_from(FORMATS), min_size=1, max_size=3, unique=True).map(tuple)
announce_lists = st.lists(st.sampled_from(ANNOUNCE), min_size=1, max_size=2, unique=True).map(tuple)


# Every condition of the registry, drawn (how often in percent, and its strategy): most
# rules use only a few conditions, so that random rules do match. A new condition fails
# test_every_condition_is_drawn until it is drawn here too.
CONDITION_VALUES: dict[str, tuple[int, st.SearchStrategy[Any]]] = {
    "any": (60, term_lists),
    "all": (20, term_lists),
    "none": (25, term_lists),
    "query": (25, queries().map(Query)),
    "authors": (15, st.lists(phrases, max_size=2).map(tuple)),
    "fields": (100, st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True).map(tuple)),
    "size": (25, size_ranges),
    "min_upvotes": (15, st.integers(0, 20)),
    "formats": (25, format_lists),  # several formats in one rule: the reason bug
    "announce": (15, announce_lists),
}  # fmt: skip


def test_every_condition_is_drawn() -> None:
    assert set(CONDITION_VALUES) == {kind.key for kind in CONDITIONS}


@st.composite
def rules(draw: Any, index: int) -> Rule:
    given = {}
    for key, (percent, strategy) in CONDITION_VALUES.items():
        if draw(st.integers(0, 99)) < percent:
            given[key] = draw(strategy)
    return Rule(
        name=f"rule-{index}",
        match=Condition(**given),
        enabled=draw(st.booleans()) or index % 5 != 0,
    )


texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=12).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@st.composite
def papers(draw: Any, index: int) -> Paper:
    return Paper(
        id=f"p{index}",
        title=draw(texts),
        abstract=draw(st.one_of(st.none(), texts)),
        authors=draw(st.one_of(st.none(), st.lists(texts, max_size=3).map(tuple))),
        source=draw(st.one_of(st.none(), texts)),
        format=draw(st.sampled_from(FORMATS)),
        announce=draw(st.sampled_from([None, *ANNOUNCE])),
        upvotes=draw(st.one_of(st.none(), st.integers(0, 30))),
        sizes=tuple(
            ModelSize(params, role=role, source="Llama-2-70B" if role == "compared" else "")
            for params, role in draw(
                st.lists(
                    st.tuples(st.sampled_from(SIZES), st.sampled_from(["own", "compared"])),
                    max_size=3,
                )
            )
        ),
    )


@st.composite
def rule_sets(draw: Any) -> list[Rule]:
    return [draw(rules(i)) for i in range(draw(st.integers(1, 12)))]


@st.composite
def paper_sets(draw: Any) -> list[Paper]:
    return [draw(papers(i)) for i in range(draw(st.integers(1, 6)))]


@pytest.mark.slow  # 200 generated rule sets against the reference
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sets(), paper_sets())
def test_compiled_matcher_equals_reference(rules: list[Rule], papers: list[Paper]) -> None:
    """Every condition (multi-format rules, announce, own or any sizes, exact and plural
    terms) on several papers in a row: the compiled engine's cached reasons must stay true
    from one paper to the next."""
    compiled = compile_rules(rules)
    reference = ReferenceMatcher(rules)
    for paper in papers:
        found = compiled.match(paper)
        assert found == reference.match(paper)
        # --why-not says every condition passed exactly for the rules that matched
        passed = [
            r.name for r in rules if r.enabled and all(c.passed for c in check_conditions(r, paper))
        ]
        assert passed == [m.rule for m in found]
