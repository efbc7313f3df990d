"""`mailer check`: every shipped config passes (given its secrets), and each broken
example fails with the file:line of the problem, secrets never printed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "MAILER_IMAP_PASSWORD": "imap-secret-value",
    "MAILER_SMTP_PASSWORD": "smtp-secret-value",
    "SLACK_BOT_TOKEN": "xoxb-secret-value",
    "IMAP_PASSWORD": "imap-secret-value",
}
SHIPPED = sorted([ROOT / "config" / "mailer.yaml", *(ROOT / "config" / "examples").glob("*.yaml")])


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's config, rules and samples, copied, as the current directory."""
    for name in ("config", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args], env=env or {})
    return result.exit_code, result.output


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_passes_with_its_secrets_set(site: Path, path: Path) -> None:
    code, output = check("--config", str(path.relative_to(ROOT)), env=SECRETS)
    assert code == 0, output
    assert "ready" in output
    for value in SECRETS.values():
        assert value not in output


def test_the_compose_config_passes_with_the_rules_compose_mounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "deploy" / "config", tmp_path / "config")
    shutil.copytree(ROOT / "deploy" / "rules", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    code, output = check(env=SECRETS)
    assert code == 0, output


def test_an_unset_secret_is_reported_at_its_key_and_never_shown(site: Path) -> None:
    code, output = check("--config", "config/examples/imap-slack-smtp.yaml", env=SECRETS | {
        "MAILER_IMAP_PASSWORD": ""
    })  # fmt: skip
    assert code == 1
    assert "config/examples/imap-slack-smtp.yaml:23:5: source team-inbox: password_env" in output
    code, output = check("--config", "config/examples/imap-slack-smtp.yaml", env={})
    assert code == 1
    assert "environment variable SLACK_BOT_TOKEN is not set" in output


@pytest.mark.parametrize(
    ("key", "pasted"),
    [
        ("slack:\n  token_env", "xoxb-1234-5678-AbCdEfGhIjKl"),  # a token, not a name
        ("slack:\n  token_env", "ghp_AbCdEf0123456789XyZaBcDeF"),  # name syntax, but a token
        ("web:\n  token_env", "s3cr3t value"),
        ("slack:\n  token_env", "e3b0c44298fc1c149afbf4c8996fb924"),  # a hex signing secret
        ("slack_app:\n  app_token_env", "xapp-1-A0-123-abc"),
    ],
)
def test_a_secret_pasted_into_an_env_key_is_refused_at_its_line_and_never_shown(
    site: Path, key: str, pasted: str
) -> None:
    config = site / "config" / "mailer.yaml"
    config.write_text(config.read_text() + f"{key}: {pasted!r}\n")
    code, output = check("--config", "config/mailer.yaml", env=SECRETS)
    assert code == 2, output
    assert f"config/mailer.yaml:{len(config.read_text().splitlines())}:" in output
    assert "names an environment variable" in output
    assert pasted not in output
    for run in (["run", "--once"], ["run", "--once", "--json"]):
        result = CliRunner().invoke(cli, [*run, "--config", "config/mailer.yaml"], env=SECRETS)
        assert result.exit_code == 2
        assert pasted not in result.output


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://mailer:pgSECRETpw@db.internal/mailer",
        "postgresql://mailer:pg[SECRET@pw@db.internal/mailer",  # urllib.parse raised on it
        "postgresql://mailer@db.internal/mailer?password=pgSECRETpw",
    ],
)
def test_a_password_in_the_state_url_is_a_problem_at_its_line_never_shown(
    site: Path, url: str
) -> None:
    config = site / "config" / "mailer.yaml"
    text = config.read_text()
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("state:"))
    config.write_text(
        "\n".join(f"state: '{url}'" if n == line else t for n, t in enumerate(text.splitlines(), 1))
        + "\n"
    )
    code, output = check("--config", "config/mailer.yaml", env=SECRETS)
    assert code == 1, output
    assert f"config/mailer.yaml:{line}:8: state: the URL holds a password" in output
    assert "SECRET" not in output


@pytest.mark.parametrize(
    "name", ["slack-bot-token", "smtp.password", "MyOrg_SlackBotToken_2024", "SLACK_BOT_TOKEN"]
)
def test_variable_names_kubernetes_allows_are_accepted(site: Path, name: str) -> None:
    # envFrom turns a Secret's keys into variables, dashes and dots included
    config = site / "config" / "mailer.yaml"
    config.write_text(config.read_text() + f"slack:\n  token_env: {name}\n")
    code, output = check("--config", "config/mailer.yaml", env=SECRETS | {name: "xoxb-x"})
    assert code == 0, output


def test_a_secret_key_written_without_env_says_where_secrets_go_and_never_shows_it(
    site: Path,
) -> None:
    config = site / "config" / "mailer.yaml"
    config.write_text(config.read_text() + "slack:\n  token: xoxb-1-2-AbCdEf\n")
    code, output = check("--config", "config/mailer.yaml", env=SECRETS)
    assert code == 2, output
    assert "slack.token: unknown key; secrets never go in the config file" in output
    assert "token_env: VARIABLE or token_file: PATH" in output
    assert "did you mean" not in output
    assert "xoxb-1-2-AbCdEf" not in output


BROKEN = {
    "bad-poll": (  # `mailer serve` refused it at start (with no line); check said ready
        "rules: rules/\nsources:\n  - name: s\n    kind: directory\n    path: examples/inbox\n"
        "    poll: every minute\n",
        "broken.yaml:6:11: sources.0.poll: 'every minute' is not a cron expression",
    ),
    "unclosed-quote": (
        'state: sqlite:///var/mailer.db\nrules: rules/\ntimezone: "UTC\n\nsources: []\n',
        "broken.yaml:3:11: ",
    ),
    "unknown-zone": ("rules: rules/\ntimezone: Mars/Olympus\n", "broken.yaml:2:11: timezone:"),
    "misspelt-key": ("rules: rules/\ndestinatons: {}\n", "broken.yaml:2:1: "),
    "missing-rules": ("state: sqlite:///var/mailer.db\nrules: rulez/\n", "broken.yaml:2:8: rules:"),
    "missing-inbox": (
        "rules: rules/\nsources:\n  - {name: s, kind: directory, path: nowhere}\n"
        "destinations: {console: {kind: console}, preview: {kind: file, path: var/out}}\n",
        "broken.yaml:3:38: source s: path: no such directory: nowhere",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_config_fails_with_the_line_of_the_problem(site: Path, case: str) -> None:
    text, expected = BROKEN[case]
    (site / "broken.yaml").write_text(text)
    code, output = check("--config", "broken.yaml")
    assert code in (1, 2), output
    assert expected in output, output


def test_a_broken_rule_fails_check_with_its_line(site: Path) -> None:
    path = site / "rules" / "team.yaml"
    path.write_text(path.read_text().replace("timezone: Europe/Berlin", "timezone: Europe/Berln"))
    code, output = check()
    assert code == 1
    assert "rules/team.yaml:" in output
    assert "Europe/Berln" in output


def test_check_json_is_one_object_per_finding(site: Path) -> None:
    result = CliRunner().invoke(cli, ["--json", "check"])
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0
    assert all(f["ok"] for f in findings)
    assert {"check", "ok", "detail", "file", "line", "column"} == set(findings[0])


def test_a_database_the_store_cannot_use_fails_check_at_its_line(site: Path) -> None:
    config = site / "config" / "mailer.yaml"
    config.write_text(
        config.read_text().replace(
            "sqlite:///var/mailer.db", "mysql://papers:hunter2@db.example.com/papers"
        )
    )
    code, output = check()
    assert code == 2
    assert "mailer.yaml:" in output
    assert "mysql is not a supported database; expected sqlite:///PATH" in output
    assert "hunter2" not in output
