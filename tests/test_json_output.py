"""Every command that reports something prints JSON with --json (before or after the
subcommand): one object, or one object per line for lists, with the same state names
as the text (`retrying`, never the stored `failed`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import cli

ROOT = Path(__file__).resolve().parent.parent
MESSAGE_ID = "<daily-papers-20241107@huggingface.co>"

COMMANDS = [
    ["run", "--dry-run"],
    ["run"],
    ["replay", MESSAGE_ID],
    ["outbox"],
    ["outbox", "--all"],
    ["outbox", "retry", "--all"],
    ["rules", "check"],
    ["rules", "test", "examples/inbox"],
    ["notify", "test", "console"],
    ["db", "upgrade"],
    ["status"],
    ["parse", "examples/inbox/01-hf-daily-papers-2024-11-07.eml"],
    ["check"],
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    for name in ("config", "rules"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copytree(ROOT / "examples" / "inbox", root / "examples" / "inbox")
    # `replay` needs a stored message whatever order the cases run in (xdist reorders)
    here = Path.cwd()
    os.chdir(root)
    try:
        assert CliRunner().invoke(cli, ["run"]).exit_code == 0
    finally:
        os.chdir(here)
    return root


def objects(stdout: str) -> list[dict[str, object]]:
    text = stdout.strip()
    try:
        return [json.loads(text)]  # one object (maybe indented)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", ["after", "before"])
def test_every_reporting_command_prints_json_that_parses(
    site: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], where: str
) -> None:
    monkeypatch.chdir(site)
    argv = ["--json", *args] if where == "before" else [*args, "--json"]
    result = CliRunner().invoke(cli, ["--log-format", "json", *argv])
    assert result.exit_code == 0, result.output
    found = objects(result.stdout)
    assert all(isinstance(o, dict) for o in found)
    assert '"failed"' not in result.stdout or args[0] in ("status", "check", "parse", "run")


# `check` reports a broken config as its findings; `parse` reads no config
@pytest.mark.parametrize(
    "args", [a for a in COMMANDS if a[0] not in ("check", "parse")], ids=" ".join
)
def test_an_error_that_stops_a_command_is_json_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    # ops scripts parse stdout: a broken config printed only text on stderr
    (tmp_path / "bad.yaml").write_text("rules: rules/\ntimezone: Mars/Olympus\n")
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--json", *args, "--config", "bad.yaml"])
    assert result.exit_code == 2, result.output
    [error] = objects(result.stdout)
    assert error["ok"] is False
    assert error["exit_status"] == 2
    assert str(error["error"]).startswith("bad.yaml:2:11: timezone:")
    assert "error: bad.yaml:2:11" in result.stderr  # the text for people stays


def test_run_json_has_stable_keys_and_the_console_alerts_go_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("config", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--json"])
    [report] = objects(result.stdout)
    assert report["alerts"] == {"sent": 18, "retrying": 0, "dead": 0, "waiting": 8, "backoff": 0}
    assert report["exit_status"] == 0
    assert report["ok"] is True
    assert "Paper alerts ·" in result.stderr


def test_outbox_json_names_retrying_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("config", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "out").write_text("a file where the folder should be")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(cli, ["run"])
    assert run.exit_code == 1
    groups = objects(CliRunner().invoke(cli, ["outbox", "--json"]).stdout)
    assert {g["state"] for g in groups} >= {"retrying"}
    retrying = next(g for g in groups if g["state"] == "retrying")
    assert set(retrying) == {"rule", "destination", "state", "reason", "count", "oldest",
                             "newest", "next_at", "attempts", "timezone"}  # fmt: skip
    assert "cannot write to var/out" in str(retrying["reason"])
    status = objects(CliRunner().invoke(cli, ["status", "--json"]).stdout)[0]
    assert status["outbox"]["retrying"] > 0  # type: ignore[index]
    text = CliRunner().invoke(cli, ["outbox"]).output
    assert "retrying, next try" in text
    assert "[msg:" not in text
    assert "1 attempts" not in text
