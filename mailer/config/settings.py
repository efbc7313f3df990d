"""The one settings object, validated once at start-up and passed down.

`load_settings(path, environ)` reads `config/mailer.yaml` (or the file given with
`--config`), validates it with pydantic and reports every problem as
`file:line:column: key: what was expected`. Relative paths in the file resolve
against the current directory. Secrets are never stored in the file: sources and
accounts name an environment variable (`*_env`) or a file (`*_file`), read through
`Settings.read_secret`, and the values are `SecretStr` so they never print.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from mailer.config.base import (
    ConfigModel,
    DestinationModel,
    EnvName,
    check_api_url,
    is_loopback,
)
from mailer.config.errors import describe_yaml_error, format_validation_errors
from mailer.config.yamlsource import YamlSyntaxError, load_yaml_file
from mailer.core.cron import standard_crontab
from mailer.core.errors import UsageError
from mailer.core.keys import DestinationRef
from mailer.core.silence import Expectation
from mailer.notify.console import ConsoleDestination
from mailer.notify.email import EmailDestination, SmtpAccount
from mailer.notify.file import FileDestination
from mailer.notify.registry import channel_specs, inline_target
from mailer.notify.slack import SlackAccount, SlackDestination
from mailer.web.settings import WebSettings

DEFAULT_CONFIG = Path("config/mailer.yaml")
Security = Literal["ssl", "starttls", "none"]


class ConfigError(UsageError):
    """The config cannot be used. `problems` holds one `file:line:column: ...` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def problem_lines(self) -> list[str]:
        return list(self.problems)


_Model = ConfigModel

__all__ = [  # the destination models live in their channel modules (mailer/notify/)
    "ConsoleDestination",
    "DestinationModel",
    "EmailDestination",
    "FileDestination",
    "SlackAccount",
    "SlackDestination",
    "SmtpAccount",
    "check_api_url",
    "is_loopback",
]


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

    @field_validator("poll")
    @classmethod
    def _is_cron(cls, value: str | None) -> str | None:
        """Checked at load, so `mailer check` and `run` refuse it at its line, as the
        scheduler of `mailer serve` would (imported only when a source sets `poll:`)."""
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(standard_crontab(value), timezone="UTC")
            except ValueError as e:
                raise ValueError(
                    f'{value!r} is not a cron expression such as "*/10 * * * *" ({e})'
                ) from e
        return value


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
    password_env: EnvName | None = None
    password_file: Path | None = None
    oauth2_token_command: str | None = None
    oauth2_token_env: EnvName | None = None
    folder: str = "INBOX"
    search: ImapSearch | None = None
    gmail_raw: str | None = None
    max_message_bytes: int = 25_000_000
    after: ImapAfter = Field(default_factory=ImapAfter)
    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    idle: bool = True
    # well inside RFC 2177's 29 minutes; also how long mail that lands in the moment
    # between the NOOP before IDLE and IDLE can wait (servers announce it at neither)
    idle_renew_seconds: float = 60.0
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


class SlackAppSettings(_Model):
    """The Slack app inside `mailer serve` (docs/slack-app.md): HTTP mode at
    /slack/events with a signing secret, and/or Socket Mode with an app-level token.
    The bot token and api_url are the default `slack:` account's."""

    signing_secret_env: EnvName | None = None  # HTTP mode: verifies every request
    app_token_env: EnvName | None = None  # Socket Mode: an xapp-… token
    command: str = "/papers"
    admins: list[str] = Field(default_factory=list)  # user ids who may edit any subscription
    max_subscriptions: int = Field(default=20, ge=1)  # per user
    commands_per_minute: int = Field(default=20, ge=1)  # per user
    preview_days: int = Field(default=7, ge=1, le=90)

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or len(value) < 2 or " " in value:
            raise ValueError(f"{value!r} is not a slash command; write e.g. /papers")
        return value

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackAppSettings:
        if not (self.signing_secret_env or self.app_token_env):
            raise ValueError(
                "give signing_secret_env: (HTTP mode, /slack/events) or app_token_env: "
                "(Socket Mode), or both"
            )
        return self


if TYPE_CHECKING:
    Destination = DestinationModel
else:  # every channel's model, from the registry (mailer/notify/registry.py)
    Destination = Annotated[
        Union[tuple(spec.model for spec in channel_specs())],  # noqa: UP007
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


class ArxivEnrich(_Model):
    enabled: bool = True
    api_url: str = "https://export.arxiv.org/api/query"


class HuggingFaceEnrich(_Model):
    enabled: bool = True
    endpoint: str = "https://huggingface.co"


class EnrichSettings(_Model):
    """`enrich:`: canonical records from arXiv and Hugging Face (mailer.enrich).

    Absent means no enrichment (no network); each part can be switched off with
    `enabled: false`. `timeout_seconds` bounds the whole wait per digest, not per paper.
    """

    arxiv: ArxivEnrich = Field(default_factory=ArxivEnrich)
    huggingface: HuggingFaceEnrich = Field(default_factory=HuggingFaceEnrich)
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator("arxiv", "huggingface", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        url = value.get("api_url") or value.get("endpoint") if isinstance(value, dict) else None
        if isinstance(url, str) and not url.startswith(("https://", "http://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return value


class ReplicaSettings(_Model):
    """Leader and standbys among `mailer serve` replicas on one PostgreSQL (docs/deploy.md).

    Every `heartbeat_seconds` each replica records its heartbeat, the leader checks its
    advisory lock and a standby tries to take it. A standby that took the lock waits
    `handover_seconds` before it fetches, so a leader cut off from the database has
    stepped down by then. PostgreSQL ends the lock session of a leader that sent no
    query for `session_timeout_seconds` (a frozen process), which frees the lock.
    """

    heartbeat_seconds: float = Field(default=2.0, gt=0)
    handover_seconds: float = Field(default=5.0, gt=0)
    session_timeout_seconds: float = Field(default=8.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> ReplicaSettings:
        if self.handover_seconds <= self.heartbeat_seconds:
            raise ValueError(
                "handover_seconds must be longer than heartbeat_seconds: a leader cut off "
                "from the database notices at its next heartbeat"
            )
        if self.session_timeout_seconds < 2 * self.heartbeat_seconds:
            raise ValueError(
                "session_timeout_seconds must be at least twice heartbeat_seconds, or a "
                "busy leader would lose its lock between two heartbeats"
            )
        return self


class Settings(_Model):
    state: str = "sqlite:///var/mailer.db"
    rules: list[Path] = Field(default_factory=lambda: [Path("rules")])
    sources: list[Source] = Field(default_factory=list)
    slack: SlackAccount | None = None
    slack_app: SlackAppSettings | None = None
    smtp: SmtpAccount | None = None
    destinations: dict[str, Destination] = Field(default_factory=dict)
    admin: str | None = None  # destination for silence and failure notices
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    replicas: ReplicaSettings = Field(default_factory=ReplicaSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    retention_days: int = Field(default=90, ge=1)
    timezone: str = "UTC"
    web: WebSettings = Field(default_factory=WebSettings)  # the pages' access (mailer/web)
    enrich: EnrichSettings | None = None  # None: papers keep the email's data, no network

    _environ: Mapping[str, str] = PrivateAttr(default_factory=dict)
    _path: Path | None = PrivateAttr(default=None)
    _rules_position: str | None = PrivateAttr(default=None)  # file:line:column of `rules:`
    # inline targets whose value is a secret, by the name rules and the outbox know
    # them by (remembered by has_destination when rules are loaded)
    _secret_targets: dict[DestinationRef, DestinationModel] = PrivateAttr(default_factory=dict)

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | Path) else value

    @field_validator("state")
    @classmethod
    def _known_database(cls, value: str) -> str:  # else `mailer check` passes and run fails
        scheme = value.partition(":")[0].partition("+")[0].lower()
        if scheme not in ("sqlite", "postgresql", "postgres") or "://" not in value:
            # the URL may hold a password: only its scheme is repeated
            raise ValueError(
                f"{scheme or 'this'} is not a supported database; expected "
                "sqlite:///PATH or postgresql://USER@HOST/DB"
            )
        return value

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
        if self.slack_app and not (self.slack and (self.slack.token_env or self.slack.token_file)):
            raise ValueError(
                "slack_app: needs a bot token in the default slack: account (token_env: or "
                "token_file:)"
            )
        if self.admin and self.admin not in self.destinations:
            raise ValueError(f"admin: {self.admin!r} is not a destination defined in destinations:")
        return self

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def rules_position(self) -> str | None:
        """Where the config names its rules (`file:line:column`), for errors about them."""
        return self._rules_position

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

    def destination(self, ref: DestinationRef) -> Destination:
        """A destination of `destinations:`, or an inline rule target (`slack:#x`,
        `email:a@b`); KeyError when the config cannot deliver to it."""
        name = ref.to_str()
        if name in self.destinations:  # a configured name (one with a colon, too)
            return self.destinations[name]
        if ref in self._secret_targets:
            return self._secret_targets[ref]
        target = inline_target(ref)
        if target is None:
            raise KeyError(name)
        try:
            return target.build(ref.name)
        except ValueError as e:
            raise KeyError(name) from e

    def has_destination(self, ref: DestinationRef) -> bool:
        """Whether a rule's `to:` can be delivered with this config. An inline target
        whose value is a secret (an apprise URL) is remembered under its stored
        reference, so the outbox can deliver to the name it keeps."""
        if ref.to_str() in self.destinations or ref in self._secret_targets:
            return True
        target = inline_target(ref)
        if target is None:
            return False
        try:
            built = target.build(ref.name)
        except ValueError:
            return False
        if target.secret:
            self._secret_targets[target.ref(ref.name)] = built
        return target.account is None or getattr(self, target.account) is not None


_TAGGED_MODELS: dict[str, type[BaseModel]] = {
    "imap": ImapSource,
    "directory": DirectorySource,
    **{spec.kind: spec.model for spec in channel_specs()},
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
    if "rules" in data:
        settings._rules_position = str(doc.position(("rules",)))
    return settings
