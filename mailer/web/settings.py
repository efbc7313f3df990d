"""`web:` in the config: who may use the pages on an address other than loopback.

    web:
      token_env: MAILER_WEB_TOKEN          # a bearer token (or the login form) ...
      trust_proxy_header: X-Forwarded-User # ... or an authenticating proxy in front
      read_only: true                      # hide editing and retry buttons
      pages: false                         # only /healthz and /metrics (no login needed)

On a loopback address (127.0.0.0/8, ::1, localhost) no login is needed; on any other
the service refuses to start unless one of the first two is set, or `pages: false`
leaves only the health check and metrics there (a probe-only port).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from mailer.config.base import EnvName


class WebSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token_env: EnvName | None = None  # environment variable holding the access token
    token_file: Path | None = None  # or a file holding it
    trust_proxy_header: str | None = None  # e.g. X-Forwarded-User, set by the proxy
    read_only: bool = False
    pages: bool = True  # false: serve only /healthz and /metrics
    preview_days: int = Field(default=7, ge=1, le=3660)  # the rules page's default window
