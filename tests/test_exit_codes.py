"""Exit statuses a scheduler can act on, run the way cron runs them: as a subprocess.
0 all good; 1 an alert failed or died, a source could not be read, or a rule was left
out (the others ran); 2 nothing was done (command line, config)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow  # each test runs `mailer` as a process, as cron does

ROOT = Path(__file__).resolve().parent.parent
GOOD_RULE = """\
rules:
  - name: small-llms
    match: {any: [language model, LLM]}
    notify: [{to: console}]
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "examples" / "inbox")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "good.yaml").write_text(GOOD_RULE)
    return tmp_path


def mailer(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    installed = shutil.which("mailer")
    command = [installed] if installed else [sys.executable, "-m", "mailer"]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [*command, *args], cwd=site, capture_output=True, text=True, timeout=120, env=env
    )


def summary(output: str) -> str:
    return next(line for line in output.splitlines() if " emails, " in line)


def test_exit_0_when_everything_went_out(site: Path) -> None:
    done = mailer(site, "run")
    assert done.returncode == 0, done.stderr
    assert summary(done.stdout).endswith(" 0 retrying, 0 dead")


def test_exit_1_when_every_alert_died_and_the_summary_does_not_call_them_sent(
    site: Path,
) -> None:
    path = site / "config" / "mailer.yaml"
    config = yaml.safe_load(path.read_text())
    config["destinations"]["console"] = {"kind": "slack", "channel": "#papers"}
    path.write_text(yaml.safe_dump(config))  # no Slack token: every alert dies
    done = mailer(site, "run")
    assert done.returncode == 1
    line = summary(done.stdout)
    assert " 0 alerts sent, 0 retrying, " in line
    assert line.endswith(" dead")
    assert "needs a bot token" in done.stdout


def test_exit_1_when_a_source_cannot_be_read(site: Path) -> None:
    shutil.rmtree(site / "examples" / "inbox")
    done = mailer(site, "run")
    assert done.returncode == 1
    assert "1 source could not be read" in summary(done.stdout)


def test_exit_1_when_a_rule_is_broken_and_the_other_rules_still_run(site: Path) -> None:
    (site / "rules" / "broken.yaml").write_text(GOOD_RULE.replace("small-llms", "b").replace(
        "any:", "anny:"))  # fmt: skip
    done = mailer(site, "run")
    assert done.returncode == 1
    assert "Paper alerts · small-llms" in done.stdout  # the good rule delivered
    assert "1 rule error" in summary(done.stdout)
    assert "rule error: rules/broken.yaml:3:" in done.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["stats"], "Did you mean 'status'?"),
        (["run", "--since", "yesterday"], "is not a date"),
        (["run", "--config", "nope.yaml"], "config file not found"),
        (["--config", "nope.yaml", "status"], "config file not found"),
    ],
)
def test_exit_2_when_nothing_was_done(site: Path, args: list[str], says: str) -> None:
    done = mailer(site, *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert not (site / "var").exists()


def test_exit_2_when_the_rules_folder_is_missing_pointing_at_the_config_line(site: Path) -> None:
    shutil.rmtree(site / "rules")
    done = mailer(site, "run")
    assert done.returncode == 2
    assert "config/mailer.yaml:9:8: rules: no such rule file or directory: rules" in done.stderr


def test_help_shows_the_exit_status_table(site: Path) -> None:
    text = mailer(site, "--help").stdout
    assert "Exit status:" in text
    assert "130" in text
    assert "Exit status" in mailer(site, "run", "--help").stdout
