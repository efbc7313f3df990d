"""`mailer rules check|test|schema`, in-process and once as a subprocess; the shipped rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Golden
from jsonschema import Draft202012Validator

from mailer.cli import cli
from mailer.config.settings import load_settings
from mailer.config.yamlsource import load_yaml_file
from mailer.rules import load_rules
from mailer.rules.schema import RULES_FILE_SCHEMA, schema_json

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "examples" / "inbox"
BROKEN = ROOT / "tests" / "data" / "rules"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


def test_check_passes_on_the_shipped_rules_with_the_shipped_config(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "check", "--config", "config/mailer.yaml"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    assert "destinations checked" in result.output


def test_check_uses_the_default_config_like_every_command(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(cli, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "destinations checked against config/mailer.yaml" in result.output
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)  # no config/mailer.yaml here: rules alone
    alone = runner.invoke(cli, ["rules", "check"])
    assert alone.exit_code == 0, alone.output
    assert "destinations not checked (no config/mailer.yaml here" in alone.output


def test_check_takes_rules_as_rules_test_does(runner: CliRunner) -> None:
    # `rules test --rules F` and `rules check --rules F` read the same way
    by_option = runner.invoke(cli, ["rules", "check", "--rules", str(BROKEN / "unknown-key.yaml")])
    by_path = runner.invoke(cli, ["rules", "check", str(BROKEN / "unknown-key.yaml")])
    assert by_option.exit_code == by_path.exit_code == 1
    assert by_option.output == by_path.output


def test_check_prints_every_error_and_exits_1(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "check", str(BROKEN / "unknown-key.yaml")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "unknown-key.yaml:" in line]
    assert len(lines) == 4
    assert lines[0].endswith("rule 'typo': unknown key 'anyy'; did you mean 'any'?")
    assert "4 errors in 1 file" in result.output


def test_check_of_a_missing_path_exits_1_and_counts_it(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "check", "no-such-rules"])
    assert result.exit_code == 1
    assert result.stdout == "no-such-rules:1:1: no such rule file or directory\n"
    assert result.stderr == "1 error in 1 file\n"


def test_check_reports_unknown_destinations_only_with_a_config(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(BROKEN / "unknown-destination.yaml")
    assert runner.invoke(cli, ["rules", "check", path]).exit_code == 1  # the default config
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(cli, ["rules", "check", path]).exit_code == 0  # no config here
    monkeypatch.chdir(ROOT)
    with_config = runner.invoke(cli, ["rules", "check", path, "--config", "config/mailer.yaml"])
    assert with_config.exit_code == 1
    assert "'team-slack' is not a destination the config defines" in with_config.output


def test_rules_test_explains_matches_on_the_demo_digests(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "test", str(INBOX)])
    assert result.exit_code == 0, result.output
    assert "small-models:" in result.output
    assert "→ preview (daily 09:00 Europe/Berlin), console (immediate)" in result.output
    assert "matched *small language model* in title · 1.1B ≤ 8B" in result.output
    assert "mixture-of-experts (disabled)" in result.output


def test_rules_test_json_gives_one_object_per_match(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "test", "--json", str(INBOX)])
    assert result.exit_code == 0
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert objects
    assert all(set(o) == {"rule", "paper_id", "title", "reasons"} for o in objects)
    lora = [o for o in objects if o["rule"] == "lora-under-13b"]
    # LoRA (2106.09685) names only GPT-3 175B, a compared model: no own size, and the rule
    # says unknown: include
    assert {o["paper_id"] for o in lora} == {
        "arxiv:2503.01743",
        "arxiv:2305.17333",
        "arxiv:2106.09685",
    }
    parsed = runner.invoke(cli, ["parse", "--json", str(INBOX)])
    paper_ids = {json.loads(line)["id"] for line in parsed.stdout.splitlines()}
    assert {o["paper_id"] for o in objects} <= paper_ids


def test_rules_test_with_broken_rules_reports_and_runs_the_good_ones(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "good.yaml").write_text("rules:\n  - name: any-lora\n    match: {any: [LoRA]}\n")
    (tmp_path / "bad.yaml").write_text("rules:\n  - name: bad\n    match: {size: huge}\n")
    result = runner.invoke(cli, ["rules", "test", "--rules", str(tmp_path), str(INBOX)])
    assert result.exit_code == 1
    assert "bad.yaml:3:19: rule 'bad': size: 'huge' is not a size" in result.stderr
    assert "any-lora:" in result.stdout


def test_rules_test_reports_an_unreadable_document_and_goes_on(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sample in sorted(INBOX.glob("*.eml"))[:2]:
        (tmp_path / sample.name).write_bytes(sample.read_bytes())
    (tmp_path / "00-locked.eml").write_bytes(b"unreadable")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # as root, chmod cannot make a file unreadable
        if self.name == "00-locked.eml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = runner.invoke(cli, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: cannot read" in result.stderr
    assert "00-locked.eml" in result.stderr
    assert "small-models:" in result.stdout  # the documents after it were still matched


def test_schema_is_published_and_the_shipped_copy_is_current(
    runner: CliRunner, golden: Golden
) -> None:
    result = runner.invoke(cli, ["rules", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == RULES_FILE_SCHEMA
    # rewritten by --update-goldens, as `mailer rules schema -o rules/schema.json` does
    golden.check(ROOT / "rules" / "schema.json", schema_json())


def test_shipped_rule_files_are_valid_and_point_editors_at_the_schema() -> None:
    files = sorted((ROOT / "rules").glob("*.yaml"))
    assert {f.name for f in files} >= {"team.yaml", "alice.yaml"}
    settings = load_settings(ROOT / "config" / "mailer.yaml")
    ruleset = load_rules(files, has_destination=settings.has_destination)
    assert ruleset.errors == ()
    for file in files:
        assert file.read_text().startswith("# yaml-language-server: $schema=schema.json")
        assert Draft202012Validator(RULES_FILE_SCHEMA).is_valid(load_yaml_file(file).data)
        targets = {t.to.to_str() for rule in ruleset.rules for t in rule.notify}
        assert targets <= {"console", "preview"}


def test_every_rules_command_has_help_with_an_example(runner: CliRunner) -> None:
    for command in ("check", "test", "schema"):
        result = runner.invoke(cli, ["rules", command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output
        assert f"mailer rules {command}" in result.output


def test_rules_check_as_a_subprocess(tmp_path: Path) -> None:
    broken = BROKEN / "bad-size.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "mailer", "rules", "check", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "size: '<= 8 bananas' is not a size; write e.g. '<= 8B' or '1B..13B'" in done.stdout


def test_why_not_names_the_condition_that_failed(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["rules", "test", "--why-not", "2106.09685", "--rules", "rules/team.yaml", str(INBOX)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("arxiv:2106.09685  LoRA: Low-Rank Adaptation")
    frontier = next(line for line in lines if line.strip().startswith("frontier-models:"))
    assert "no match, size: no own model size (unknown: exclude)" in frontier
    assert "not counted: 175B, baseline GPT-3 175B" in frontier
    assert any(line.strip().startswith("lora-under-13b: matches") for line in lines)


def test_why_not_json_lists_every_check(runner: CliRunner) -> None:
    args = [
        "rules",
        "test",
        "--why-not",
        "arxiv:2106.09685",
        "--json",
        "--rules",
        "rules/team.yaml",
    ]
    result = runner.invoke(cli, [*args, str(INBOX)])
    rows = {row["rule"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert rows["frontier-models"]["matched"] is False
    assert [c["condition"] for c in rows["frontier-models"]["checks"] if not c["passed"]] == [
        "size"
    ]


def test_why_not_an_unknown_paper_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "test", "--why-not", "9999.99999", str(INBOX)])
    assert result.exit_code == 2
    assert "no paper '9999.99999' in the given digests" in result.output


def test_rules_test_refuses_a_file_that_is_not_mail_or_a_page(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(cli, ["rules", "test", "rules/team.yaml"])
    assert result.exit_code == 2
    assert "rules/team.yaml is not an email (.eml, mbox) or a saved page (.txt)" in result.output
    assert "give rules with --rules FILE" in result.output
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%binary\n")
    assert runner.invoke(cli, ["rules", "test", str(pdf)]).exit_code == 2
    headers_only = tmp_path / "digest"  # no suffix, but mail
    headers_only.write_bytes(b"From: a@b.c\nSubject: digest\n\nLoRA paper\n")
    assert runner.invoke(cli, ["rules", "test", str(headers_only)]).exit_code == 0


def test_frontier_rule_over_the_sample_page_skips_papers_whose_big_size_is_a_baseline(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Issue 12: a '>= 70B' rule alerted papers whose only 70B-or-larger size is a
    baseline, a reference point or a judge."""
    rules = tmp_path / "big.yaml"
    rules.write_text("version: 1\nrules:\n  - name: big\n    match:\n      size: '>= 70B'\n")
    page = ROOT.parent / "shared" / "samples" / "hf-daily-papers-page.txt"
    if not page.exists():
        page = Path("/work/shared/samples/hf-daily-papers-page.txt")
    result = runner.invoke(cli, ["rules", "test", "--json", "--rules", str(rules), str(page)])
    assert result.exit_code == 0, result.output
    found = {row["title"]: row["reasons"] for row in map(json.loads, result.stdout.splitlines())}
    baseline_only = (
        "LLM360 K2",  # 65B, "rivals LLaMA2-70B"
        "Improving Few-Shot Generalization",  # 3B, "outperform the 175 billion parameter GPT-3"
        "Efficient Telecom Specific LLM",  # 3.8B, judged by Qwen3-235B-A22B
    )
    assert not [title for title in found if title.startswith(baseline_only)]
    palm = next(reasons for title, reasons in found.items() if title.startswith("PaLM:"))
    assert palm == ["540B ≥ 70B (540B, own)"]
    # papers whose only big size is a compared one are gone; their own sizes remain
    any_rules = tmp_path / "any.yaml"
    any_rules.write_text(
        "version: 1\nrules:\n  - name: big\n    match:\n      size: {min: 70B, sizes: any}\n"
    )
    result = runner.invoke(cli, ["rules", "test", "--json", "--rules", str(any_rules), str(page)])
    reasons = {row["title"]: row["reasons"] for row in map(json.loads, result.stdout.splitlines())}
    k2 = next(r for title, r in reasons.items() if title.startswith("LLM360 K2"))
    assert k2 == ["70B ≥ 70B (70B, baseline LLaMA2-70B)"]
