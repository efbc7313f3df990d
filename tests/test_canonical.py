"""The pure rules that clean API records and merge them into papers (mailer.core.canonical)."""

from __future__ import annotations

from mailer.core.canonical import CanonicalRecord, bare_id, clean_record, merge_canonical
from mailer.core.models import ModelSize, Paper

TINY = CanonicalRecord(
    arxiv_id="2401.02385",
    origin="arxiv",
    title="TinyLlama: An Open-Source Small Language Model",
    abstract="We present TinyLlama, a compact 1.1B language model pretrained on 1T tokens.",
    authors=("Peiyuan Zhang", "Guangtao Zeng"),
)
HF = CanonicalRecord(arxiv_id="2401.02385", origin="huggingface", title="x", upvotes=93)


def paper(title: str = "this paper", abstract: str | None = None, **kw: object) -> Paper:
    return Paper(
        id="arxiv:2401.02385",
        title=title,
        format="generic",
        abstract=abstract,
        arxiv_id="2401.02385",
        source="AINews",
        **kw,  # type: ignore[arg-type]
    )


def test_bare_id_drops_version_and_prefixes() -> None:
    assert bare_id("http://arxiv.org/abs/2401.02385v2") == "2401.02385"
    assert bare_id("arXiv:2401.02385") == "2401.02385"
    assert bare_id("hep-th/9901001v1") == "hep-th/9901001"
    assert bare_id("http://arxiv.org/api/errors#incorrect_id_format_for_12") is None


def test_weak_title_is_replaced_by_the_canonical_one() -> None:
    merged = merge_canonical(paper("Paper page - TinyLlama"), [TINY, HF])
    assert merged.title == TINY.title
    assert merged.authors == TINY.authors
    assert merged.abstract == TINY.abstract
    assert merged.upvotes == 93
    assert merged.enriched == ("arxiv", "huggingface")
    assert merged.id == "arxiv:2401.02385"  # identity stays the link's


def test_newsletter_blurb_is_kept_as_summary() -> None:
    blurb = "A tiny model that punches above its weight, trained on a huge corpus."
    merged = merge_canonical(paper(abstract=blurb), [TINY])
    assert merged.summary == blurb
    assert merged.abstract == TINY.abstract


def test_cut_copy_of_the_abstract_is_not_a_summary() -> None:
    assert TINY.abstract is not None
    cut = TINY.abstract[:40] + "…"
    assert merge_canonical(paper(abstract=cut), [TINY]).summary is None


def test_sizes_are_read_from_the_enriched_text() -> None:
    merged = merge_canonical(paper("this paper", sizes=(ModelSize(70_000_000_000, "70B"),)), [TINY])
    assert merged.size_params == [1_100_000_000]


def test_email_sizes_stay_when_the_canonical_text_names_none() -> None:
    record = CanonicalRecord(arxiv_id="2401.02385", origin="arxiv", title="A", abstract="B")
    merged = merge_canonical(paper(sizes=(ModelSize(7_000_000_000, "7B"),)), [record])
    assert merged.size_params == [7_000_000_000]


def test_paper_without_records_is_unchanged() -> None:
    original = paper()
    assert merge_canonical(original, []) is original
    other = CanonicalRecord(arxiv_id="2106.09685", origin="arxiv", title="LoRA")
    assert merge_canonical(original, [other]) is original


def test_html_in_a_title_is_removed_with_a_note() -> None:
    cleaned = clean_record(
        "huggingface",
        "2401.02385",
        answered_id="2401.02385",
        title="<script>alert(1)</script><b>Tiny</b>Llama &amp; friends",
    )
    assert cleaned.record is not None
    assert "<" not in (cleaned.record.title or "")
    assert "Tiny" in (cleaned.record.title or "")
    assert "&" in (cleaned.record.title or "")
    assert any("markup" in note for note in cleaned.notes)


def test_megabyte_abstract_is_capped_with_a_note() -> None:
    cleaned = clean_record(
        "arxiv", "2401.02385", answered_id="2401.02385v1", title="T", abstract="word " * 200_000
    )
    assert cleaned.record is not None
    assert cleaned.record.abstract is not None
    assert len(cleaned.record.abstract) <= 10_000
    assert any("cut" in note for note in cleaned.notes)


def test_answer_for_another_id_is_rejected() -> None:
    cleaned = clean_record("huggingface", "2401.02385", answered_id="2106.09685", title="LoRA")
    assert cleaned.record is None
    assert "not 2401.02385" in cleaned.notes[0]


def test_odd_types_are_ignored_not_raised() -> None:
    cleaned = clean_record(
        "huggingface",
        "2401.02385",
        answered_id="2401.02385",
        title=["not", "text"],
        abstract="An abstract.",
        authors="Alice",
        upvotes=True,
    )
    assert cleaned.record is not None
    assert cleaned.record.title is None
    assert cleaned.record.authors is None
    assert cleaned.record.upvotes is None
    assert len(cleaned.notes) == 3


def test_record_with_nothing_in_it_is_rejected() -> None:
    cleaned = clean_record("arxiv", "2401.02385", answered_id="2401.02385", title="  ")
    assert cleaned.record is None
