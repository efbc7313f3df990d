"""The channel contract: every channel module's spec feeds the config, the rules'
inline targets, the schema and the docs, and a channel gets no more than it needs."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Golden

from mailer.config.base import DestinationModel
from mailer.config.settings import Settings
from mailer.notify import ChannelContext, ChannelSpec
from mailer.notify.registry import (
    UnknownChannel,
    channel_specs,
    create_channel,
    destinations_table,
    inline_table,
)
from mailer.rules.schema import RULES_FILE_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "destinations": (ROOT / "docs" / "configuration.md", destinations_table),
    "inline": (ROOT / "docs" / "notifications.md", inline_table),
}


@pytest.mark.parametrize("block", sorted(DOCS))
def test_the_docs_list_every_channel_the_registry_has(block: str, golden: Golden) -> None:
    path, render = DOCS[block]
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {block}:[^\n]*-->\n)(.*?)(<!-- /{block} -->)", re.S)
    found = pattern.search(text)
    assert found, f"{path} lacks the generated {block} block"
    # the page with its generated block as the registry renders it now
    golden.check(path, pattern.sub(lambda m: m[1] + render() + m[3], text))


def test_every_channel_kind_is_a_config_destination_and_its_inline_targets_are_in_the_schema() -> (
    None
):
    inline_schema = RULES_FILE_SCHEMA["properties"]["rules"]["items"]["properties"]["notify"][
        "items"
    ]["properties"]["to"]["oneOf"][1]["properties"]
    for spec in channel_specs():
        assert isinstance(spec, ChannelSpec)
        assert Settings.model_fields["destinations"].annotation is not None
        for target in spec.inline:
            assert target.key in inline_schema
    kinds = [spec.kind for spec in channel_specs()]
    assert len(kinds) == len(set(kinds))
    settings = Settings.model_validate(
        {"destinations": {f"d-{spec.kind}": _minimal(spec) for spec in channel_specs()}}
    )
    assert {d.kind for d in settings.destinations.values()} == set(kinds)


def _minimal(spec: ChannelSpec) -> dict[str, object]:
    examples: dict[str, dict[str, object]] = {
        "file": {"path": "out"},
        "slack": {"channel": "#x"},
        "email": {"to": ["a@example.com"]},
        "apprise": {"urls": ["json://127.0.0.1:9/x"]},
    }
    return {"kind": spec.kind, **examples.get(spec.kind, {})}


class BrokenDestination(DestinationModel):
    pass


def test_a_bug_in_a_channel_constructor_is_permanent_and_logged_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import mailer.notify.registry as registry

    broken = ChannelSpec(
        kind="broken",
        model=BrokenDestination,
        channel="tests:ExplodingChannel",
        keys="",
        summary="",
    )
    monkeypatch.setattr(registry, "spec_for", lambda kind: broken)
    monkeypatch.setattr(registry, "import_target", lambda target: ExplodingChannel)
    with caplog.at_level(logging.ERROR), pytest.raises(UnknownChannel) as caught:
        create_channel("x", BrokenDestination(kind="broken"), Settings())
    assert "failed to start: ZeroDivisionError" in str(caught.value)
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


class ExplodingChannel:
    def __init__(self, name: str, destination: object, context: ChannelContext) -> None:
        raise ZeroDivisionError("a bug")


def test_loading_the_config_imports_no_delivery_library() -> None:
    code = (
        "import sys, mailer.config.settings, mailer.rules.loader;"
        "print(sorted(m for m in ('slack_sdk', 'apprise', 'jinja2', 'requests') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"
