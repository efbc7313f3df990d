"""The shipped config and every example config load without errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.config.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted([ROOT / "config" / "mailer.yaml", *(ROOT / "config" / "examples").glob("*.yaml")])


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_the_config_is_valid(path: Path) -> None:
    settings = load_settings(path, {})
    for source in settings.sources:
        assert source.name
    assert settings.state.startswith(("sqlite:///", "postgresql://"))


def test_the_default_config_needs_no_network() -> None:
    settings = load_settings(ROOT / "config" / "mailer.yaml", {})
    assert [s.kind for s in settings.sources] == ["directory"]
    assert {d.kind for d in settings.destinations.values()} == {"console", "file"}
    assert settings.state == "sqlite:///var/mailer.db"
