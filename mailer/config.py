"""The one settings object, validated once at start-up and passed down.

`load_settings(path, environ)` reads `config/mailer.yaml` (or the file given with
`--config`), validates it with pydantic and reports every problem as
`file:line:column: key: what was expected`. Relative paths in the file resolve
against the current directory. Secrets are never stored in the file: sources and
accounts name an environment variable (`*_env`) or a file (`*_file`), read through
`Settings.read_secret`, and the values are `SecretStr` so they never print.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from mailer.config_errors import describe_yaml_error, format_validation_errors
from mailer.silence import Expectation
from mailer.yamlsource import YamlSyntaxError, load_yaml_file

DEFAULT_CONFIG = Path("config/mailer.yaml")
Security = Literal["ssl", "starttls", "none"]


class ConfigError(Exception):
    """The config cannot be used. `problems` holds one `file:line:column: ...` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Expect(_Model):
    """When a newsletter is expected, for silence detection: {every: 1d, by: "10:00"}."""

    every: str = "1d"
    by: time | None = None
    weekdays_only: bool = False
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _understood(self) -> Expect:  # checked at load, so the error names file:line
        Expectation.from_config(self.every, self.by, self.weekdays_only, self.timezone)
        return self


class _SourceBase(_Model):
    name: str
    poll: str | None = None  # cron expression, e.g. "*/10 * * * *"
    expect: Expect | None = None


class DirectorySource(_SourceBase):
    """Reads .eml files, mbox files and .txt pages from a folder (the shipped samples)."""

    kind: Literal["directory"]
    path: Path
    pattern: str = "*"


class ImapSearch(_Model):
    from_: list[str] = Field(default_factory=list, alias="from")
    subject: list[str] = Field(default_factory=list)
    since: str | None = None  # YYYY-MM-DD


class ImapAfter(_Model):
    mark_seen: bool = False
    move_to: str | None = None


class ImapSource(_SourceBase):
    kind: Literal["imap"]
    host: str
    port: int | None = None  # default: 993 for ssl, 143 otherwise
    security: Security = "ssl"
    ca_file: Path | None = None
    username: str
    password_env: str | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    oauth2_token_env: str | None = None
    folder: str = "INBOX"
    search: ImapSearch | None = None
    gmail_raw: str | None = None
    max_message_bytes: int = 25_000_000
    after: ImapAfter = Field(default_factory=ImapAfter)
    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    idle: bool = True
    idle_renew_seconds: float = 600.0  # well inside RFC 2177's 29 minutes
    sweep_seconds: float = 300.0  # UID search safety net while idling
    batch_size: int = 50
    # raw mail one fetch batch may hold in memory (a message over it is fetched alone)
    batch_bytes: int = Field(default=25_000_000, ge=1)

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)

    @model_validator(mode="after")
    def _check_security(self) -> ImapSource:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f"security: none sends the password in clear text; it is allowed only to a "
                f"loopback host, not {self.host!r}. Use ssl or starttls."
            )
        return self


Source = Annotated[DirectorySource | ImapSource, Field(discriminator="kind")]


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


class SlackAccount(_Model):
    token_env: str | None = None
    token_file: Path | None = None
    webhook_url_env: str | None = None
    api_url: str | None = None  # GovSlack or a local test server

    @field_validator("api_url")
    @classmethod
    def _tls_only(cls, value: str | None) -> str | None:
        return check_api_url(value)


class SmtpAccount(_Model):
    host: str
    port: int | None = None  # default: 465 for ssl, 587 for starttls, 25 for none
    security: Security = "starttls"
    ca_file: Path | None = None
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    from_: str = Field(alias="from")
    timeout: float = 30.0
    unsubscribe: str | None = None  # mailto: or https: URL for List-Unsubscribe

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]

    @model_validator(mode="after")
    def _check_security(self) -> SmtpAccount:
        if self.security == "none" and self.username and not is_loopback(self.host):
            raise ValueError("security: none with a username would send the password in clear")
        return self


class ConsoleDestination(_Model):
    kind: Literal["console"]


class FileDestination(_Model):
    kind: Literal["file"]
    path: Path


class SlackDestination(_Model):
    kind: Literal["slack"]
    channel: str | None = None  # "#papers" or a channel id
    user: str | None = None  # a user id: a DM
    token_env: str | None = None
    token_file: Path | None = None
    webhook_url_env: str | None = None
    api_url: str | None = None

    @field_validator("api_url")
    @classmethod
    def _tls_only(cls, value: str | None) -> str | None:
        return check_api_url(value)

    @model_validator(mode="after")
    def _one_target(self) -> SlackDestination:
        if not (self.channel or self.user or self.webhook_url_env):
            raise ValueError("a slack destination needs channel:, user: or webhook_url_env:")
        return self


class EmailDestination(_Model):
    kind: Literal["email"]
    to: list[str]

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or any(c in address for c in "\r\n"):
                raise ValueError(f"{address!r} is not an email address")
        return value


Destination = Annotated[
    ConsoleDestination | FileDestination | SlackDestination | EmailDestination,
    Field(discriminator="kind"),
]


class DeliverySettings(_Model):
    max_attempts: int = Field(default=8, ge=1)
    backoff_seconds: float = Field(default=30.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    slack_min_interval: float = Field(default=1.0, ge=0)  # seconds between messages to one channel
    default_daily_at: time = time(9, 0)
    # how long a worker holds the alerts it is delivering before another may take them
    # (a worker that died on this host is taken over at once)
    lease_seconds: float = Field(default=600.0, gt=0)
    # one message (a long feed included) in hand longer than this: /healthz says stuck
    stuck_seconds: float = Field(default=900.0, gt=0)


class BudgetSettings(_Model):
    """What parsing one message may cost; a message over it is quarantined."""

    seconds: float = Field(default=30.0, gt=0)  # wall time in the parser process
    memory_mb: int = Field(default=192, ge=16)  # memory the parser may add for one message


class Settings(_Model):
    state: str = "sqlite:///var/mailer.db"
    rules: list[Path] = Field(default_factory=lambda: [Path("rules")])
    sources: list[Source] = Field(default_factory=list)
    slack: SlackAccount | None = None
    smtp: SmtpAccount | None = None
    destinations: dict[str, Destination] = Field(default_factory=dict)
    admin: str | None = None  # destination for silence and failure notices
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    retention_days: int = Field(default=90, ge=1)
    timezone: str = "UTC"

    _environ: Mapping[str, str] = PrivateAttr(default_factory=dict)
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | Path) else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:  # else `mailer status` fails much later
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(
                f"unknown time zone {value!r}; expected e.g. UTC or Europe/Paris"
            ) from e
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        if self.admin and self.admin not in self.destinations:
            raise ValueError(f"admin: {self.admin!r} is not a destination defined in destinations:")
        return self

    @property
    def path(self) -> Path | None:
        return self._path

    def read_secret(self, *, env: str | None, file: Path | None, what: str) -> SecretStr | None:
        """The secret named by an `*_env` or `*_file` setting; None when neither is set."""
        if env:
            value = self._environ.get(env)
            if value is None:
                raise ConfigError([f"{what}: environment variable {env} is not set"])
            return SecretStr(value)
        if file:
            try:
                return SecretStr(file.read_text(encoding="utf-8").strip())
            except OSError as e:
                raise ConfigError([f"{what}: cannot read secret file {file}: {e.strerror}"]) from e
        return None

    def destination(self, name: str) -> Destination:
        """A destination by name, or an inline rule target (`slack:#x`, `email:a@b`)."""
        if name in self.destinations:
            return self.destinations[name]
        kind, _, value = name.partition(":")
        if kind == "slack" and value:
            return SlackDestination(kind="slack", channel=value)
        if kind == "slack_user" and value:
            return SlackDestination(kind="slack", user=value)
        if kind == "email" and value:
            return EmailDestination(kind="email", to=[value])
        raise KeyError(name)

    def has_destination(self, name: str) -> bool:
        """Whether a rule's `to:` can be delivered with this config."""
        if name in self.destinations:
            return True
        kind, _, value = name.partition(":")
        if kind in ("slack", "slack_user") and value:
            return self.slack is not None
        if kind == "email" and value:
            return self.smtp is not None
        return False


_TAGGED_MODELS: dict[str, type[BaseModel]] = {
    "imap": ImapSource,
    "directory": DirectorySource,
    "slack": SlackDestination,
    "email": EmailDestination,
    "file": FileDestination,
    "console": ConsoleDestination,
}


def load_settings(
    path: Path = DEFAULT_CONFIG, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate the config; raise ConfigError listing every problem."""
    try:
        doc = load_yaml_file(path)
    except FileNotFoundError as e:
        raise ConfigError([f"{path}: config file not found (pass --config PATH)"]) from e
    except OSError as e:
        raise ConfigError([f"{path}: cannot read config: {e.strerror}"]) from e
    except YamlSyntaxError as e:
        raise ConfigError([describe_yaml_error(e)]) from e
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([f"{doc.position(())}: the config must be a mapping of keys"])
    problems = [f"{pos}: {key}: key written twice" for pos, key in doc.duplicates]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(
            problems + format_validation_errors(doc, e, Settings, _TAGGED_MODELS)
        ) from e
    if problems:
        raise ConfigError(problems)
    settings._environ = dict(environ or {})
    settings._path = path
    return settings
