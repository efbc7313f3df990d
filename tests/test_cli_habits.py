"""CLI habits: global flags before or after the subcommand, `run` runs once, a
suggestion for a mistyped command, completion that lists every command."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("config", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    (tmp_path / "config" / "mailer.yaml").rename(tmp_path / "elsewhere.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "--config", "elsewhere.yaml", "status"],
        ["status", "-v", "--config", "elsewhere.yaml"],
        ["--config", "elsewhere.yaml", "status", "-vv", "--log-format", "text"],
        ["--config", "elsewhere.yaml", "outbox", "retry", "--all", "-v"],
        ["--config", "elsewhere.yaml", "rules", "check", "-v"],
    ],
)
def test_global_flags_work_before_or_after_the_subcommand(site: Path, argv: list[str]) -> None:
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output


def test_verbose_after_the_subcommand_turns_on_debug_logging(site: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "--config", "elsewhere.yaml", "-v",
                                      "--log-format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert logging.getLogger("mailer").level == logging.DEBUG
    quiet = CliRunner().invoke(cli, ["run", "--config", "elsewhere.yaml"])
    assert quiet.exit_code == 0
    assert logging.getLogger("mailer").level == logging.INFO


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(cli, ["outbx"])
    assert result.exit_code == 2
    assert "Did you mean 'outbox'?" in result.output


def test_bash_completion_lists_every_command() -> None:
    env = {"_MAILER_COMPLETE": "bash_complete", "COMP_WORDS": "mailer ", "COMP_CWORD": "1"}
    result = CliRunner().invoke(cli, [], env=env, prog_name="mailer")
    offered = {line.split(",", 1)[1] for line in result.output.splitlines() if "," in line}
    assert set(COMMANDS) <= offered, result.output
    assert os.environ.get("_MAILER_COMPLETE") is None


@pytest.mark.slow
def test_a_reader_that_closes_the_pipe_early_is_not_a_failure() -> None:
    # `mailer parse examples/inbox --json | head`: head had what it wanted (exit 0, quiet)
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "mailer", "parse", str(root / "examples" / "inbox"), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.read(100)
    process.stdout.close()
    errors = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert errors == b""
