from pathlib import Path

import pytest
from click.testing import CliRunner

from mailer.cli import cli
from mailer.config.settings import ConfigError, load_settings
from mailer.config.yamlsource import YamlSyntaxError, load_yaml_text
from mailer.core.keys import DestinationRef
from mailer.core.models import ModelSize, canonical_paper_id, format_params


def test_format_params_reads_like_a_person_writes_it() -> None:
    assert format_params(7_000_000_000) == "7B"
    assert format_params(1_500_000_000) == "1.5B"
    assert format_params(460_000_000) == "460M"
    assert format_params(1_000_000_000_000) == "1T"
    assert str(ModelSize(3_800_000_000, "3.8-billion-parameter")) == "3.8B"


def test_canonical_id_prefers_arxiv_and_hashes_titles_stably() -> None:
    assert canonical_paper_id("2411.03340", "x") == "arxiv:2411.03340"
    a = canonical_paper_id(None, "Attention Is All You Need")
    assert a == canonical_paper_id(None, "  attention is all-you need! ")
    assert a.startswith("title:")


def test_yaml_positions_point_at_the_value() -> None:
    doc = load_yaml_text("a: 1\nrules:\n  - name: x\n    size: big\n", "r.yaml")
    assert str(doc.position(("rules", 0, "size"))) == "r.yaml:4:11"
    assert str(doc.position(("rules", 0, "size"), key=True)) == "r.yaml:4:5"


def test_yaml_syntax_error_names_file_line_column() -> None:
    with pytest.raises(YamlSyntaxError) as e:
        load_yaml_text("a: [1, 2\nb: 3\n", "bad.yaml")
    assert str(e.value).startswith("bad.yaml:")


def test_config_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text(
        "state: sqlite:///x.db\n"
        "sources:\n"
        "  - name: s\n"
        "    kind: imap\n"
        "    host: imap.example.com\n"
        "    usernme: a\n"
        "destinations:\n"
        "  c: {kind: console}\n"
    )
    with pytest.raises(ConfigError) as e:
        load_settings(path, {})
    text = str(e.value)
    assert f"{path}:6:5" in text
    assert "did you mean 'username'" in text


def test_inline_targets_use_default_accounts(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text("slack: {token_env: T}\ndestinations: {c: {kind: console}}\n")
    settings = load_settings(path, {"T": "xoxb-test"})
    assert settings.has_destination(DestinationRef.parse("slack:#papers"))
    assert not settings.has_destination(DestinationRef.parse("email:a@example.com"))
    secret = settings.read_secret(env="T", file=None, what="slack")
    assert secret is not None
    assert "xoxb" not in repr(secret)


def test_cli_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "paper-mailer" in result.output


def test_config_errors_read_like_a_person_wrote_them(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text(
        "sources:\n"
        "  - name: s\n"
        "    kind: dir\n"
        "  - name: t\n"
        "    kind: directory\n"
        "    paht: x\n"
        "  - name: u\n"
        "    path: y\n"
    )
    with pytest.raises(ConfigError) as e:
        load_settings(path, {})
    assert e.value.problems == [
        f"{path}:3:11: sources.0.kind: 'dir' is not a known kind; expected one of: directory, imap",
        f"{path}:6:5: sources.1.paht: unknown key; did you mean 'path'?",
        f"{path}:7:5: sources.2: missing key 'kind' (what this is, e.g. kind: imap)",
    ]


def test_a_yaml_indentation_error_says_to_check_the_indentation(tmp_path: Path) -> None:
    path = tmp_path / "mailer.yaml"
    path.write_text("sources:\n  - name: s\n   kind: directory\n")
    with pytest.raises(ConfigError) as e:
        load_settings(path, {})
    assert str(e.value).startswith(f"{path}:3:")
    assert "check the indentation" in str(e.value)
