"""Putting the pages behind an address: the access rule for that address and the
context the pages run with, for `mailer serve --http` and `mailer web` alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import SecretStr

from mailer.config.settings import ConfigError, Settings
from mailer.store import Store
from mailer.web.auth import WebAccessError, access_for
from mailer.web.context import WebContext


def pages_for(
    host: str, settings: Callable[[], Settings], clock: Callable[[], datetime] | None = None
) -> WebContext | None:
    """The pages' context for serving on `host` (None when `web: {pages: false}`).
    ConfigError when the address needs a login the config does not give, or the token
    cannot be read."""
    current = settings()
    web = current.web
    if not web.pages:
        return None

    def read_token() -> SecretStr | None:
        return current.read_secret(env=web.token_env, file=web.token_file, what="web: token")

    try:
        access = access_for(host, web, read_token)
    except WebAccessError as e:
        raise ConfigError([str(e)]) from e

    def open_store() -> Store:
        return Store.open(settings().state, migrate=False)

    if clock is None:
        return WebContext(settings=settings, access=access, open_store=open_store)
    return WebContext(settings=settings, access=access, open_store=open_store, clock=clock)
