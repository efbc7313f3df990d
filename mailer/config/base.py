"""What every config model shares, apart from `mailer.config.settings` so that channel modules
(which declare their own destination models) can use it without importing the whole
settings object: the frozen, strict base model and the clear-text checks."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict


class ConfigModel(BaseModel):
    """A part of the config file: unknown keys refused, frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DestinationModel(ConfigModel):
    """A destination's config (`destinations: {name: {kind: ..., ...}}`); each channel
    module declares one subclass with `kind: Literal["<kind>"]`."""

    kind: str


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(url: str | None) -> str | None:
    """An `api_url` that carries a token: https://, or http:// to a loopback host only."""
    if url is None:
        return url
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    if parts.scheme == "http":
        raise ValueError(
            f"api_url: http:// would send the token in clear text; it is allowed only to "
            f"a loopback host, not {parts.hostname!r}. Use https://."
        )
    raise ValueError(f"api_url: {url!r} is not an https:// URL")


# what an environment can hold as a name: Kubernetes `envFrom` keys such as
# `slack-bot-token` or `smtp.password` included (printable ASCII but `=` and spaces)
_ENV_NAME = re.compile(r"[!-<>-~]{1,128}\Z")
# well-known token shapes (Slack, GitHub, GitLab, Google OAuth, OpenAI-style, AWS keys)
_TOKEN_PREFIX = re.compile(
    r"(?:xox[abeoprs]-|xapp-|gh[pousr]_|github_pat_|glpat-|ya29\.|sk-|(?:AKIA|ASIA)[A-Z0-9]{12})"
)


def _looks_like_a_secret(value: str) -> bool:
    """A token rather than a variable name: a known token prefix, or a long run of letters
    and digits with no separator (`e3b0c44298fc1c149afbf4c8996fb924`, a hex signing
    secret). Names separate their words: SLACK_BOT_TOKEN, slack-bot-token."""
    if _TOKEN_PREFIX.match(value):
        return True
    return (
        len(value) >= 20
        and value.isalnum()
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
    )


def check_env_name(value: str) -> str:
    """An `*_env` setting names an environment variable. A value that cannot be one, or
    that looks like a token, is most likely the secret itself, pasted in: refused without
    repeating it (errors are printed, logged and stored)."""
    if not _ENV_NAME.match(value) or _looks_like_a_secret(value):
        raise ValueError(
            "names an environment variable (such as SLACK_BOT_TOKEN), and this value looks "
            "like a secret or cannot be a variable's name; if it is the secret itself, put "
            "it in the environment and write the variable's name here (the value is not shown)"
        )
    return value


# the type of every `*_env` setting
EnvName = Annotated[str, AfterValidator(check_env_name)]
