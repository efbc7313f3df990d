"""A reload reads again only the rule files that changed, and still checks names across
files."""

from __future__ import annotations

from pathlib import Path

from mailer.rules import load_rules


def _write(path: Path, *names: str) -> None:
    rules = "".join(f"  - name: {n}\n    match: {{any: [{n}]}}\n" for n in names)
    path.write_text(f"version: 1\nrules:\n{rules}", encoding="utf-8")


def test_a_reload_reuses_the_rules_of_unchanged_files_and_rereads_changed_ones(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "a.yaml", "lora", "qlora")
    _write(tmp_path / "b.yaml", "moe")
    first = load_rules([tmp_path])
    _write(tmp_path / "b.yaml", "moe", "mamba")
    second = load_rules([tmp_path])
    assert [r.name for r in second.rules] == ["lora", "qlora", "moe", "mamba"]
    assert second.rules[0] is first.rules[0]  # a.yaml was not built again
    assert second.rules[2] is not first.rules[2]  # b.yaml was


def test_a_name_taken_by_an_unchanged_file_is_still_reported(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", "lora")
    _write(tmp_path / "b.yaml", "moe")
    assert load_rules([tmp_path]).is_ok
    _write(tmp_path / "b.yaml", "moe", "lora")
    ruleset = load_rules([tmp_path])
    assert [str(e) for e in ruleset.errors] == [
        f"{tmp_path / 'b.yaml'}:5:11: rule 'lora': name already used at "
        f"{tmp_path / 'a.yaml'}:3:11; rule names must be unique"
    ]
    assert [r.name for r in ruleset.rules] == ["lora", "moe"]


def test_another_destination_checker_checks_again(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "version: 1\nrules:\n  - name: a\n    match: {any: [x]}\n    notify: [{to: team}]\n",
        encoding="utf-8",
    )
    assert load_rules([tmp_path], has_destination=lambda name: True).is_ok
    assert not load_rules([tmp_path], has_destination=lambda name: False).is_ok
