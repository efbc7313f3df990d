"""Model sizes mentioned in a paper's title and abstract. (Stub: being written.)"""

from __future__ import annotations

from mailer.models import ModelSize


def extract_sizes(text: str) -> list[ModelSize]:
    """The distinct parameter counts of models `text` mentions, smallest first."""
    return []
