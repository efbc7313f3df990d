"""Canonical records for papers from arXiv and Hugging Face (shell: HTTP and cache).

`build_enricher(settings, store)` gives the `Enricher` the pipeline runs between
parsing and matching, or None when `enrich:` is not configured (the shipped offline
config). The pure rules for cleaning and merging records live in `mailer.core.canonical`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailer.config.settings import EnrichSettings, Settings

if TYPE_CHECKING:  # the HTTP libraries load only when enrichment is configured
    from mailer.enrich.enricher import Enricher
    from mailer.store import Store

__all__ = ["build_enricher", "enricher_from"]


def enricher_from(
    enrich: EnrichSettings, store: Store | None, *, dry_run: bool = False
) -> Enricher | None:
    """An Enricher for these settings (None when both APIs are switched off)."""
    from mailer.enrich.arxiv import ArxivClient
    from mailer.enrich.enricher import Enricher
    from mailer.enrich.huggingface import HuggingFaceClient

    timeout = enrich.timeout_seconds
    arxiv = ArxivClient(enrich.arxiv.api_url, timeout=timeout) if enrich.arxiv.enabled else None
    hf = (
        HuggingFaceClient(enrich.huggingface.endpoint, timeout=timeout)
        if enrich.huggingface.enabled
        else None
    )
    if arxiv is None and hf is None:
        return None
    cache = store.canonical_cache(dry_run=dry_run) if store is not None else None
    return Enricher(cache, arxiv=arxiv, huggingface=hf, timeout=timeout)


def build_enricher(
    settings: Settings, store: Store | None, *, dry_run: bool = False
) -> Enricher | None:
    """The configured Enricher, or None when `enrich:` is absent or all switched off; a dry
    run's caches what it fetches in memory only."""
    if settings.enrich is None:
        return None
    return enricher_from(settings.enrich, store, dry_run=dry_run)
