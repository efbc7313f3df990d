"""`mailer check`: everything a config needs before a deploy, each problem at its line.

`check_config(path, environ)` reads the config and its rules and returns `Finding`s:
the config validates (keys, types, time zones), the rules load and notify only
destinations the config can deliver to, every secret named by an `*_env`/`*_file`
key can be read (the value is never shown), directory sources and CA files exist.
`connect_checks` (in `mailer.runtime.connect_check`) goes further with `--connect`: it logs
in to each mailbox, SMTP server and Slack workspace, and opens the state database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from mailer.config.settings import ConfigError, Settings, SlackDestination, load_settings
from mailer.config.yamlsource import Position, YamlDocument, YamlSyntaxError, load_yaml_file

SECRET_KEYS = ("password_env", "password_file", "oauth2_token_env", "token_env", "token_file",
               "webhook_url_env")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SecretKey:
    path: tuple[str | int, ...]  # of the *_env / *_file key in the YAML
    what: str
    value: str | Path


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing checked: `ok`, or a problem at `position` (`file:line:column`)."""

    what: str
    ok: bool
    detail: str
    position: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.what}: {self.detail}"
        if self.position:  # the detail names the key already
            return f"{self.position}: {self.detail}"
        return f"{self.what}: {self.detail}"

    def to_json(self) -> dict[str, object]:
        file = line = column = None
        if self.position:
            head, _, col = self.position.rpartition(":")
            file, _, row = head.rpartition(":")
            line, column = (int(row), int(col)) if row.isdigit() and col.isdigit() else (0, 0)
        return {
            "check": self.what,
            "ok": self.ok,
            "detail": self.detail,
            "file": file,
            "line": line,
            "column": column,
        }


def _problem_from_line(what: str, line: str) -> Finding:
    """A `file:line:column: message` line from the config or rule loaders."""
    parts = line.split(": ", 1)
    head = parts[0]
    if len(parts) == 2 and head.count(":") >= 2 and head.rsplit(":", 2)[-1].isdigit():
        return Finding(what, False, parts[1], head)
    return Finding(what, False, line)


def _secret_keys(settings: Settings) -> Iterator[SecretKey]:
    holders: list[tuple[tuple[str | int, ...], str, object]] = [
        (("sources", i), f"source {source.name}", source)
        for i, source in enumerate(settings.sources)
    ]
    holders += [(("slack",), "slack", settings.slack), (("smtp",), "smtp", settings.smtp)]
    holders += [
        (("destinations", name), f"destination {name}", destination)
        for name, destination in settings.destinations.items()
    ]
    for path, label, holder in holders:
        # any channel's `*_env` key names a secret too (apprise's urls_env)
        declared = getattr(type(holder), "model_fields", {})
        keys = [*SECRET_KEYS, *(k for k in declared if k.endswith("_env") and k not in SECRET_KEYS)]
        for key in keys:
            value = getattr(holder, key, None) if holder is not None else None
            if value:
                yield SecretKey((*path, key), f"{label}: {key}", value)


def _read_secret(settings: Settings, key: SecretKey) -> str | None:
    """None when the secret can be read, else why not (never the value)."""
    name = str(key.path[-1])
    env = str(key.value) if name.endswith("_env") else None
    file = Path(key.value) if name.endswith("_file") else None
    try:
        secret = settings.read_secret(env=env, file=file, what=key.what)
    except ConfigError as e:
        return "; ".join(e.problems)
    if secret is not None and not secret.get_secret_value():
        return f"{key.what}: {env or file} is empty"
    return None


def _url_holds_password(url: str) -> bool:
    """A password in `user:password@host` or `?password=`; read by hand, as a password may
    hold characters (`[`, `@`) that make `urllib.parse` raise."""
    head, _, query = url.partition("?")
    authority = head.partition("://")[2].split("/", 1)[0]
    userinfo, at, _host = authority.rpartition("@")
    in_userinfo = bool(at) and bool(userinfo.partition(":")[2])
    return in_userinfo or bool(parse_qs(query).get("password"))


def check_secrets(settings: Settings, doc: YamlDocument) -> list[Finding]:
    findings = []
    if _url_holds_password(settings.state):  # the value is never repeated
        findings.append(
            Finding(
                "secret",
                False,
                "state: the URL holds a password; keep it out of the config file: "
                "PGPASSWORD or ~/.pgpass (the value is not shown)",
                str(doc.position(("state",))),
            )
        )
    for key in _secret_keys(settings):
        problem = _read_secret(settings, key)
        position = str(doc.position(key.path, key=True))
        if problem:
            findings.append(Finding("secret", False, problem, position))
        else:
            findings.append(Finding("secret", True, f"{key.what} is set (value not shown)"))
    return findings


def check_paths(settings: Settings, doc: YamlDocument) -> list[Finding]:
    """Directory sources and CA files exist; file destinations are not blocked by a file."""
    findings = []
    for i, source in enumerate(settings.sources):
        path = getattr(source, "path", None)
        if path is not None and not Path(path).is_dir():
            where = str(doc.position(("sources", i, "path")))
            findings.append(
                Finding(
                    "source", False, f"source {source.name}: path: no such directory: {path}", where
                )
            )
        ca_file = getattr(source, "ca_file", None)
        if ca_file is not None and not Path(ca_file).is_file():
            where = str(doc.position(("sources", i, "ca_file")))
            findings.append(
                Finding(
                    "source",
                    False,
                    f"source {source.name}: ca_file: no such file: {ca_file}",
                    where,
                )
            )
    if settings.smtp and settings.smtp.ca_file and not settings.smtp.ca_file.is_file():
        where = str(doc.position(("smtp", "ca_file")))
        findings.append(
            Finding("smtp", False, f"smtp: ca_file: no such file: {settings.smtp.ca_file}", where)
        )
    for name, destination in settings.destinations.items():
        out = getattr(destination, "path", None)
        if out is not None and Path(out).exists() and not Path(out).is_dir():
            where = str(doc.position(("destinations", name, "path")))
            findings.append(
                Finding(
                    "destination", False, f"destination {name}: path: {out} is not a folder", where
                )
            )
    return findings


def check_destinations(settings: Settings, doc: YamlDocument) -> list[Finding]:
    """Slack destinations have a token or webhook; email ones an smtp: account."""
    findings = []
    for name, destination in settings.destinations.items():
        where = str(doc.position(("destinations", name)))
        if destination.kind == "email" and settings.smtp is None:
            findings.append(
                Finding(
                    "destination", False, f"destination {name}: email needs an smtp: account", where
                )
            )
        if isinstance(destination, SlackDestination):
            has_own = destination.token_env or destination.token_file
            hook = destination.webhook_url_env
            account = settings.slack
            has_account = account and (account.token_env or account.token_file)
            has_account_hook = account and account.webhook_url_env and destination.channel
            if not (has_own or hook or has_account or has_account_hook):
                findings.append(
                    Finding(
                        "destination",
                        False,
                        f"destination {name}: no Slack token (token_env: under slack:) or webhook_url_env",
                        where,
                    )
                )
    if not any(not f.ok for f in findings):
        findings.append(
            Finding("destinations", True, f"{len(settings.destinations)} destinations defined")
        )
    return findings


def load_for_check(
    path: Path, environ: Mapping[str, str]
) -> tuple[Settings | None, YamlDocument | None, list[Finding]]:
    """The settings and the YAML document (for positions), or the findings that say why not."""
    try:
        settings = load_settings(path, environ)
    except ConfigError as e:
        return None, None, [_problem_from_line("config", p) for p in e.problems]
    try:
        doc = load_yaml_file(path)
    except (OSError, YamlSyntaxError) as e:  # read a moment ago: only a race gets here
        return None, None, [Finding("config", False, str(e))]
    return settings, doc, [Finding("config", True, f"{path} is valid")]


def check_rules(settings: Settings) -> list[Finding]:
    from mailer.config.rule_errors import describe_rule_errors
    from mailer.rules import load_rules

    ruleset = load_rules(settings.rules, has_destination=settings.has_destination)
    findings = [
        _problem_from_line("rules", line) for line in describe_rule_errors(ruleset, settings)
    ]
    if not ruleset.rules and not ruleset.errors:
        findings.append(Finding("rules", True, "no rules yet (nothing will be sent)"))
    elif not ruleset.errors:
        files = len(ruleset.files)
        findings.append(
            Finding(
                "rules",
                True,
                f"{len(ruleset.rules)} rule{'s' if len(ruleset.rules) != 1 else ''} in "
                f"{files} file{'s' if files != 1 else ''}, "
                "every destination defined, every time zone known",
            )
        )
    return findings


def check_config(path: Path, environ: Mapping[str, str]) -> tuple[Settings | None, list[Finding]]:
    settings, doc, findings = load_for_check(path, environ)
    if settings is None or doc is None:
        return None, findings
    findings.append(Finding("time zone", True, f"timezone: {settings.timezone}"))
    findings += check_rules(settings)
    findings += check_destinations(settings, doc)
    findings += check_secrets(settings, doc)
    findings += check_paths(settings, doc)
    return settings, findings


__all__ = ["Finding", "Position", "check_config"]
