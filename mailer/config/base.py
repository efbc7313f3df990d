"""What every config model shares, apart from `mailer.config.settings` so that channel modules
(which declare their own destination models) can use it without importing the whole
settings object: the frozen, strict base model and the clear-text checks."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict


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
