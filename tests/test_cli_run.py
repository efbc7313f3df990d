"""`mailer run`, `replay`, `status`, `outbox` and `db` as a user runs them, on a copy of
the shipped config: in-process with click's CliRunner, and once as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from sqlalchemy.exc import OperationalError

from mailer.cli import cli
from mailer.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO_RULES = """\
rules:
  - name: small-llms
    description: Small language models
    match:
      any: [language model, LLM]
    notify:
      - to: console
      - to: preview
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped config and sample inbox, as the current directory."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "demo.yaml").write_text(DEMO_RULES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def mailer(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--log-format", "json", *args], catch_exceptions=False)


def summary_line(output: str) -> str:
    return next(line for line in output.splitlines() if " emails, " in line)


def test_run_once_prints_alerts_writes_files_and_then_nothing_new(site: Path) -> None:
    first = mailer("run", "--once")
    assert first.exit_code == 0, first.output
    assert "Paper alerts · small-llms" in first.output
    assert summary_line(first.output).startswith("6 emails, ")
    assert summary_line(first.output).endswith(" 0 retrying, 0 dead")
    written = sorted(p.suffix for p in (site / "var" / "out").iterdir())
    assert {".eml", ".html", ".json"} <= set(written)
    second = mailer("run", "--once")
    assert second.exit_code == 0
    assert "0 emails, 0 papers, 0 matches, 0 alerts sent, 0 retrying, 0 dead" in second.output
    assert "nothing new" in second.output


def test_dry_run_shows_alerts_and_records_nothing(site: Path) -> None:
    dry = mailer("run", "--once", "--dry-run")
    assert dry.exit_code == 0
    assert "would send to console" in dry.output
    assert "nothing was sent or recorded" in dry.output
    assert not (site / "var" / "out").exists()
    assert "6 emails" in summary_line(mailer("run", "--once").output)


def test_a_broken_email_is_listed_and_the_run_exits_0(site: Path) -> None:
    (site / "examples" / "inbox" / "zz-broken.txt").write_bytes(b"\x00\x01 not a digest")
    result = mailer("run", "--once")
    assert result.exit_code == 0
    assert "1 email failed to parse" in summary_line(result.output)
    assert "failed: samples/zz-broken.txt: failed:" in result.output
    status = mailer("status")
    assert "recent failures:" in status.output
    assert "zz-broken.txt" in status.output
    report = json.loads(mailer("status", "--json").output)
    assert report["sources"]["samples"]["failed"] == 1
    assert report["rules"]["small-llms"]["sent"] > 0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no-config", "config file not found"),
        ("no-rules", "config/mailer.yaml:9:8: rules: no such rule file or directory: rules"),
        ("bad-rule", "demo.yaml:"),
    ],
)
def test_an_unusable_config_or_rules_exit_2(site: Path, damage: str, message: str) -> None:
    if damage == "no-config":
        (site / "config" / "mailer.yaml").unlink()
    elif damage == "no-rules":
        shutil.rmtree(site / "rules")
    else:
        (site / "rules" / "demo.yaml").write_text(DEMO_RULES.replace("any:", "anny:"))
    result = CliRunner().invoke(cli, ["run", "--once"])
    assert result.exit_code == 2
    assert message in result.output
    assert not (site / "var" / "out").exists()


@pytest.mark.parametrize("command", [["run", "--once"], ["status"], ["outbox"], ["db", "upgrade"]])
def test_config_values_that_would_fail_later_are_refused_at_load_with_their_line(
    site: Path, command: list[str]
) -> None:
    path = site / "config" / "mailer.yaml"
    text = path.read_text().replace("timezone: UTC", "timezone: Europe/Pariss")
    path.write_text(text.replace("max_attempts: 8", "max_attempts: 0"))
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2
    assert set(result.output.splitlines()) == {
        "error: config/mailer.yaml:21:17: delivery.max_attempts: "
        "Input should be greater than or equal to 1",
        "error: config/mailer.yaml:26:11: timezone: "
        "unknown time zone 'Europe/Pariss'; expected e.g. UTC or Europe/Paris",
    }


def test_a_state_url_with_a_password_never_shows_it(site: Path) -> None:
    path = site / "config" / "mailer.yaml"
    state = "postgresql://mailer:hunter2@127.0.0.1:1/none"
    path.write_text(path.read_text().replace("sqlite:///var/mailer.db", state, 1))
    for command in (["run", "--once"], ["status"], ["outbox"], ["db", "upgrade"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2, command
        assert "cannot open the state database" in result.output
        assert "hunter2" not in result.output


def test_dead_alerts_are_listed_with_their_reason_and_can_be_retried(site: Path) -> None:
    config = yaml.safe_load((site / "config" / "mailer.yaml").read_text())
    config["delivery"]["max_attempts"] = 1
    (site / "blocked").write_text("a file where the output directory should be")
    config["destinations"]["preview"]["path"] = "blocked/out"
    (site / "config" / "mailer.yaml").write_text(yaml.safe_dump(config))
    run = mailer("run", "--once")
    assert run.exit_code == 1
    assert "dead: cannot write to blocked/out" in run.output
    head = summary_line(run.output)
    dead = int(head.rsplit(", ", 1)[1].removesuffix(" dead"))
    assert " 0 retrying, " in head, head
    assert dead > 0, head
    listing = mailer("outbox")
    assert "alerts dead, gave up after 1 attempt" in listing.output
    assert "reason: cannot write to blocked/out" in listing.output
    (site / "blocked").unlink()
    retried = mailer("outbox", "retry", "--all")
    assert retried.exit_code == 0
    assert "requeued" in retried.output
    again = mailer("run", "--once")
    sent = int(summary_line(again.output).split(" alerts sent")[0].rsplit(" ", 1)[1])
    assert sent > 0
    assert "0 retrying, 0 dead" in summary_line(again.output)
    assert mailer("outbox").output.strip().endswith("0 dead, " + f"{2 * sent} sent")


def test_outbox_limit_must_be_positive(site: Path) -> None:
    assert mailer("outbox", "--limit", "1").exit_code == 0
    refused = CliRunner().invoke(cli, ["outbox", "--limit", "-1"])  # SQLite read -1 as "all"
    assert refused.exit_code == 2
    assert "not in the range x>=1" in refused.output


def test_replay_processes_a_stored_message_again_without_resending(site: Path) -> None:
    mailer("run", "--once")
    result = mailer("replay", "<daily-papers-20241107@huggingface.co>")
    assert result.exit_code == 0, result.output
    assert "0 new alerts" in result.output
    assert "0 alerts sent" in result.output
    missing = mailer("replay", "<nope@example.com>")
    assert missing.exit_code == 1
    assert "no stored copy" in missing.output


def test_a_replay_the_database_refuses_is_one_line_and_exit_1(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer("run", "--once")

    def locked(*args: object, **kwargs: object) -> int:
        raise OperationalError("INSERT INTO messages ...", {}, Exception("database is locked"))

    monkeypatch.setattr(Store, "record_message", locked)
    result = mailer("replay", "<daily-papers-20241107@huggingface.co>")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: the state database failed: database is locked; nothing is lost, run again"
    ]


def test_run_runs_once_and_db_upgrade_reports_the_version(site: Path) -> None:
    assert summary_line(mailer("run").output).startswith("6 emails, ")
    upgraded = mailer("db", "upgrade")
    assert upgraded.exit_code == 0
    assert "version" in upgraded.output
    assert "up to date" in mailer("db", "upgrade").output


@pytest.mark.slow  # a mailer process
def test_mailer_run_once_as_a_subprocess(site: Path) -> None:
    installed = shutil.which("mailer")
    command = [installed] if installed else [sys.executable, "-m", "mailer"]
    first = subprocess.run([*command, "run", "--once"], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "Paper alerts · small-llms" in first.stdout
    assert " 0 retrying, 0 dead" in summary_line(first.stdout)
    second = subprocess.run(
        [*command, "run", "--once"], capture_output=True, text=True, timeout=120
    )
    assert "nothing new" in second.stdout


def test_status_counts_a_paper_two_newsletters_list_once_and_says_so(site: Path) -> None:
    """`run` counts papers per email (204 on the samples); one paper is in two of them, so
    `status` counts 203 distinct papers and must say "distinct" to agree with `run`."""
    papers = int(summary_line(mailer("run", "--once").output).split(" emails, ")[1].split()[0])
    today = next(line for line in mailer("status").output.splitlines() if line.startswith("today:"))
    distinct = int(today.split(" emails, ")[1].split()[0])
    assert today.endswith(" distinct papers")
    assert 0 < distinct < papers


def test_status_on_a_fresh_state_says_nothing_was_processed(site: Path) -> None:
    result = mailer("status")
    assert result.exit_code == 0
    assert "nothing processed yet" in result.output
    assert "outbox: 0 pending, 0 retrying, 0 dead, 0 sent" in result.output


def test_shipped_rules_print_alerts_and_write_var_out(site: Path) -> None:
    """The README's first command: the shipped config and rules, as a new user runs them."""
    shutil.rmtree(site / "rules")
    shutil.copytree(ROOT / "rules", site / "rules")
    first = mailer("run", "--once")
    assert first.exit_code == 0, first.output
    assert "Paper alerts · " in first.output
    assert " 0 alerts sent" not in summary_line(first.output)
    assert any((site / "var" / "out").glob("*.slack.json"))
    assert "nothing new" in mailer("run", "--once").output
    status = mailer("status").output  # shows the Message-IDs that `mailer replay` takes
    assert "mailer replay MESSAGE_ID" in status
    assert "<CAFwd0001@mail.gmail.com>" in status


def test_a_source_that_cannot_be_read_is_named_and_the_run_exits_1(site: Path) -> None:
    """Cron and CI must notice a mailbox that cannot be read; a broken email does not."""
    config = site / "config" / "mailer.yaml"
    data = yaml.safe_load(config.read_text())
    data["sources"].append(
        {
            "name": "team-inbox",
            "kind": "imap",
            "host": "127.0.0.1",
            "port": 1,
            "security": "none",
            "username": "papers",
            "password_env": "MAILER_TEST_UNSET_PASSWORD",
        }
    )
    config.write_text(yaml.safe_dump(data))
    result = mailer("run", "--once")
    assert result.exit_code == 1
    line = summary_line(result.output)
    assert line.startswith("6 emails, ")
    assert line.endswith("1 source could not be read")
    assert "failed: source team-inbox:" in result.output


def test_dry_run_counts_what_the_real_run_sends_and_what_waits(site: Path) -> None:
    """The shipped rules have daily feeds: a dry run must not count them as sent now."""
    shutil.rmtree(site / "rules")
    shutil.copytree(ROOT / "rules", site / "rules")
    dry = summary_line(mailer("run", "--once", "--dry-run").output)
    real = summary_line(mailer("run", "--once").output)
    sent_now = int(dry.split(" alerts would be sent now")[0].rsplit(" ", 1)[1])
    sent = int(real.split(" alerts sent")[0].rsplit(" ", 1)[1])
    waiting = int(real.split(" alerts wait for their time")[0].rsplit("(", 1)[1])
    assert sent_now == sent
    assert f"{waiting} would wait for " in dry
