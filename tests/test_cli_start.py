"""`mailer --help` and completion load no command (issue 10 part 8): the command list
comes from the registry's sentences, which must say what each command's own help says."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mailer.cli import COMMANDS, cli, short_help

SHELL_LIBRARIES = ("sqlalchemy", "apscheduler", "imapclient", "slack_sdk", "slack_bolt",
                   "prometheus_client", "starlette", "uvicorn", "httpx2", "pydantic", "jinja2")  # fmt: skip


def loaded_command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    return command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_registry_sentence_is_the_commands_own_short_help(name: str) -> None:
    command = loaded_command(name)
    for limit in (30, 45, 62, 74, 200):
        assert short_help(name, limit) == command.get_short_help_str(limit)


def test_the_command_list_is_what_click_shows_with_every_command_loaded() -> None:
    ctx = click.Context(cli)
    eager = click.Group("mailer", commands={name: loaded_command(name) for name in COMMANDS})
    for width in (60, 80, 120):
        lazy_out, eager_out = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
        cli.format_commands(ctx, lazy_out)
        eager.format_commands(click.Context(eager), eager_out)
        assert lazy_out.getvalue() == eager_out.getvalue()
        assert lazy_out.getvalue().count("\n") >= len(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_commands_help_still_works(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="mailer")
    assert result.exit_code == 0, result.output
    assert f"Usage: mailer {name}" in result.output
    assert "--log-format" in result.output


def modules_after(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """sys.modules of a fresh interpreter after `mailer ARGV` (its exit is caught)."""
    code = (
        "import json, sys\n"
        "from mailer.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return list(json.loads(done.stdout.splitlines()[-1]))


def is_heavy(name: str) -> bool:
    return name.startswith("mailer.commands") or name.split(".")[0] in SHELL_LIBRARIES


def test_mailer_help_loads_no_command_and_no_shell_library() -> None:
    assert [name for name in modules_after(["--help"]) if is_heavy(name)] == []


def test_completing_a_command_name_loads_no_command() -> None:
    env = {"_MAILER_COMPLETE": "zsh_complete", "COMP_WORDS": "mailer ", "COMP_CWORD": "1"}
    assert [name for name in modules_after([], env) if is_heavy(name)] == []


def test_zsh_completion_shows_each_commands_sentence() -> None:
    env = {"_MAILER_COMPLETE": "zsh_complete", "COMP_WORDS": "mailer ou", "COMP_CWORD": "1"}
    result = CliRunner().invoke(cli, [], env=env, prog_name="mailer")
    assert result.output.splitlines()[:3] == ["plain", "outbox", short_help("outbox")]


def test_a_subcommand_runs_with_only_its_own_module_loaded() -> None:
    loaded = modules_after(["rules", "schema"])
    assert "mailer.commands.rules" in loaded
    assert "mailer.commands.serve" not in loaded
    assert "apscheduler" not in {name.split(".")[0] for name in loaded}
