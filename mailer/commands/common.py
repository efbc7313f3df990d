"""Helpers every subcommand shares: --config, --json, loading settings, exit codes.

`--config` and `--json` are accepted before the subcommand too (`mailer --json status`):
the group stores them in the root context, and each command's option falls back to it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mailer.config.settings import DEFAULT_CONFIG, Settings, load_settings
from mailer.core.exit_codes import ExitCode

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = int(ExitCode.OK)
EXIT_FAILURES = int(ExitCode.FAILURES)  # ran, but something failed (see mailer.core.exit_codes)
EXIT_CONFIG = int(ExitCode.USAGE)  # unreadable config or rules: nothing was done


def root_option(ctx: click.Context, name: str) -> Any:
    """A global flag given before the subcommand (`mailer --config X status`)."""
    obj = ctx.find_root().obj
    return obj.get(name) if isinstance(obj, dict) else None


def _config_value(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path:
    return value or root_option(ctx, "config") or DEFAULT_CONFIG


def _json_value(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    wanted = bool(value or root_option(ctx, "json"))
    root = ctx.find_root().obj
    if wanted and isinstance(root, dict):  # an error that stops the command is JSON too
        root["json"] = True
    return wanted


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        callback=_config_value,
        help=f"The YAML config file (default: {DEFAULT_CONFIG}).",
    )(func)


def json_option(func: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=_json_value,
        help="Print JSON (one object, or one per line for lists) instead of text.",
    )(func)


def echo_json(value: object) -> None:
    """One JSON object on one line of standard output."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def load_settings_or_exit(path: Path) -> Settings:
    """Load the config; a ConfigError stops the command (mailer.cli prints every
    problem and exits 2)."""
    return load_settings(path, os.environ)
