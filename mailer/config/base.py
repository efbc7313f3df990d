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


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")


def _looks_like_a_secret(value: str) -> bool:
    """A long value mixing upper case, lower case and digits is a token, not a variable
    name (names are SLACK_BOT_TOKEN, smtp_password): `ghp_…`, `AKIA…` match the name syntax."""
    return (
        len(value) >= 24
        and any(c.isdigit() for c in value)
        and any(c.islower() for c in value)
        and any(c.isupper() for c in value)
    )


def check_env_name(value: str) -> str:
    """An `*_env` setting names an environment variable. A value that cannot be one is
    most likely the secret itself, pasted in: refused without repeating it (errors are
    printed, logged and stored)."""
    if not _ENV_NAME.match(value) or _looks_like_a_secret(value):
        raise ValueError(
            "names an environment variable (letters, digits and _, such as SLACK_BOT_TOKEN), "
            "and this value does not look like one; if it is the secret itself, put it in "
            "the environment and write the variable's name here (the value is not shown)"
        )
    return value


# the type of every `*_env` setting
EnvName = Annotated[str, AfterValidator(check_env_name)]
